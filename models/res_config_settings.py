from odoo import api, fields, models
from odoo.exceptions import ValidationError

CRON_XMLID = "customer_segmentation.ir_cron_recompute_customer_classification"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    segmentation_sales_source = fields.Selection(related="company_id.segmentation_sales_source", readonly=False)
    segmentation_include_refunds = fields.Boolean(related="company_id.segmentation_include_refunds", readonly=False)
    segmentation_abc_metric = fields.Selection(related="company_id.segmentation_abc_metric", readonly=False)
    segmentation_abc_window_months = fields.Integer(related="company_id.segmentation_abc_window_months", readonly=False)
    segmentation_xyz_window_months = fields.Integer(related="company_id.segmentation_xyz_window_months", readonly=False)
    segmentation_abc_threshold_a = fields.Float(related="company_id.segmentation_abc_threshold_a", readonly=False)
    segmentation_abc_threshold_b = fields.Float(related="company_id.segmentation_abc_threshold_b", readonly=False)
    segmentation_xyz_threshold_x = fields.Float(related="company_id.segmentation_xyz_threshold_x", readonly=False)
    segmentation_xyz_threshold_y = fields.Float(related="company_id.segmentation_xyz_threshold_y", readonly=False)
    segmentation_min_history_months = fields.Integer(
        related="company_id.segmentation_min_history_months", readonly=False
    )
    segmentation_auto_recompute = fields.Boolean(related="company_id.segmentation_auto_recompute", readonly=False)
    segmentation_last_run = fields.Datetime(related="company_id.segmentation_last_run")
    segmentation_last_error = fields.Text(related="company_id.segmentation_last_error")
    segmentation_interval_number = fields.Integer(
        string="Recompute Every",
        compute="_compute_segmentation_schedule",
        readonly=False,
        store=True,
        help="The schedule is shared by all companies.",
    )
    segmentation_interval_type = fields.Selection(
        [("hours", "Hours"), ("days", "Days"), ("weeks", "Weeks"), ("months", "Months")],
        string="Recompute Unit",
        compute="_compute_segmentation_schedule",
        readonly=False,
        store=True,
    )
    segmentation_count_a = fields.Integer(string="A Customers", compute="_compute_segmentation_counts")
    segmentation_count_b = fields.Integer(string="B Customers", compute="_compute_segmentation_counts")
    segmentation_count_c = fields.Integer(string="C Customers", compute="_compute_segmentation_counts")
    segmentation_count_x = fields.Integer(string="X Customers", compute="_compute_segmentation_counts")
    segmentation_count_y = fields.Integer(string="Y Customers", compute="_compute_segmentation_counts")
    segmentation_count_z = fields.Integer(string="Z Customers", compute="_compute_segmentation_counts")

    @api.depends("company_id")
    def _compute_segmentation_schedule(self):
        cron = self.env.ref(CRON_XMLID, raise_if_not_found=False)
        for settings in self:
            settings.segmentation_interval_number = cron.sudo().interval_number if cron else 1
            settings.segmentation_interval_type = cron.sudo().interval_type if cron else "days"

    @api.depends("company_id")
    def _compute_segmentation_counts(self):
        for settings in self:
            partners = self.env["res.partner"].with_company(settings.company_id).with_context(active_test=False)
            for field, letters in (("abc_class", "abc"), ("xyz_class", "xyz")):
                counts = dict(partners._read_group([(field, "!=", False)], [field], ["__count"]))
                for letter in letters:
                    settings[f"segmentation_count_{letter}"] = counts.get(letter.upper(), 0)

    def set_values(self):
        if self.segmentation_interval_number < 1:
            raise ValidationError(self.env._("The classification must be scheduled at least every 1 unit of time."))
        res = super().set_values()
        cron = self.env.ref(CRON_XMLID, raise_if_not_found=False)
        if cron:
            cron.sudo().write(
                {
                    "interval_number": self.segmentation_interval_number,
                    "interval_type": self.segmentation_interval_type,
                }
            )
        return res

    def action_recompute_customer_classification(self):
        self.execute()
        return self.company_id.action_recompute_customer_classification()

    def action_open_customer_matrix(self):
        return self.env["ir.actions.act_window"]._for_xml_id("customer_segmentation.res_partner_action_abc_xyz_matrix")
