from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .res_company import CROSSSELL_NUMERIC_FIELDS, NUMERIC_RULE_FIELDS

CRON_XMLID = "customer_segmentation.ir_cron_recompute_customer_classification"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    segmentation_sales_source = fields.Selection(related="company_id.segmentation_sales_source", readonly=False)
    segmentation_ignore_refunds = fields.Boolean(related="company_id.segmentation_ignore_refunds", readonly=False)
    segmentation_abc_metric = fields.Selection(related="company_id.segmentation_abc_metric", readonly=False)
    # the numeric rules show the company's effective values (an empty one, its
    # default: see get_values) and are written back by set_values
    segmentation_abc_window_months = fields.Integer(string="ABC Window (months)")
    segmentation_xyz_window_months = fields.Integer(string="XYZ Window (months)")
    segmentation_abc_threshold_a = fields.Float(string="A up to (%)")
    segmentation_abc_threshold_b = fields.Float(string="B up to (%)")
    segmentation_xyz_threshold_x = fields.Float(string="X up to (%)")
    segmentation_xyz_threshold_y = fields.Float(string="Y up to (%)")
    segmentation_min_history_months = fields.Integer(string="Minimum History (months)")
    segmentation_on_demand_only = fields.Boolean(related="company_id.segmentation_on_demand_only", readonly=False)
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
    # cross-selling: effective values shown (get_values), written back by set_values
    crosssell_item_level = fields.Selection(related="company_id.crosssell_item_level", readonly=False)
    crosssell_window_months = fields.Integer(string="Cross-sell Window (months)")
    crosssell_min_support = fields.Float(string="Minimum Support (%)")
    crosssell_min_confidence = fields.Float(string="Minimum Confidence (%)")
    crosssell_min_lift = fields.Float(string="Minimum Lift")
    crosssell_min_customers = fields.Integer(string="Minimum Customers per Rule")
    crosssell_bundle_min_share = fields.Float(string="Bundle Minimum Share (%)")
    crosssell_bundle_size = fields.Integer(string="Bundle Size")
    crosssell_on_demand_only = fields.Boolean(related="company_id.crosssell_on_demand_only", readonly=False)
    crosssell_last_run = fields.Datetime(related="company_id.crosssell_last_run")
    crosssell_last_error = fields.Text(related="company_id.crosssell_last_error")
    crosssell_rule_count = fields.Integer(string="Rules", compute="_compute_crosssell_rule_count")
    segmentation_count_a = fields.Integer(string="A Customers", compute="_compute_segmentation_counts")
    segmentation_count_b = fields.Integer(string="B Customers", compute="_compute_segmentation_counts")
    segmentation_count_c = fields.Integer(string="C Customers", compute="_compute_segmentation_counts")
    segmentation_count_x = fields.Integer(string="X Customers", compute="_compute_segmentation_counts")
    segmentation_count_y = fields.Integer(string="Y Customers", compute="_compute_segmentation_counts")
    segmentation_count_z = fields.Integer(string="Z Customers", compute="_compute_segmentation_counts")

    @api.model
    def get_values(self):
        values = super().get_values()
        rules = self.env.company._segmentation_rules()
        values.update({field: getattr(rules, rule) for rule, field in NUMERIC_RULE_FIELDS.items()})
        crosssell = self.env.company._crosssell_settings()
        values.update({field: getattr(crosssell, name) for name, field in CROSSSELL_NUMERIC_FIELDS.items()})
        return values

    @api.depends("company_id")
    def _compute_crosssell_rule_count(self):
        for settings in self:
            settings.crosssell_rule_count = self.env["customer.crosssell.rule"].search_count(
                [("company_id", "=", settings.company_id.id)]
            )

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
        rules = {field: self[field] for field in NUMERIC_RULE_FIELDS.values()}
        if any(self.company_id[field] != value for field, value in rules.items()):
            self.company_id.write(rules)
        crosssell = {field: self[field] for field in CROSSSELL_NUMERIC_FIELDS.values()}
        if any(self.company_id[field] != value for field, value in crosssell.items()):
            self.company_id.write(crosssell)
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
        return self.env["ir.actions.actions"]._for_xml_id("customer_segmentation.action_abc_xyz_matrix")

    def action_mine_crosssell_rules(self):
        self.execute()
        return self.company_id.action_mine_crosssell_rules()

    def action_open_crosssell_rules(self):
        return self.env["customer.crosssell.rule"]._action_open_report()
