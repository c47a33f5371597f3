from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_datetime, formatLang

from ..analytics.priority import DEFAULT_CELL_ORDER, format_cell_order
from .common import MONEY_READERS
from .res_company import RUN_CRONS, SETTINGS, STRATEGY_FIELDS

CRON_XMLID = "customer_segmentation.ir_cron_recompute_customer_classification"
# The settings shown with the company's effective values (an empty setting,
# its default) and written back when they change: settings field -> company
# field. A rule the company stores switched "off" is shown on, under its name
# without "_off"; the choices (ABC metric, ABC and XYZ methods, cross-sell
# items) are related fields.
RELATED_SETTINGS = (
    "segmentation_abc_metric",
    "segmentation_abc_method",
    "segmentation_xyz_method",
    "crosssell_item_level",
)
COMPANY_SETTINGS = {
    field.removesuffix("_off"): field
    for field in (
        *(column for group in SETTINGS.values() for column in group.fields.values()),
        *STRATEGY_FIELDS.values(),
    )
    if field not in RELATED_SETTINGS
}


class ResConfigSettings(models.TransientModel):
    """The addon's settings of the current company. The rules, thresholds and
    strategies (COMPANY_SETTINGS) show the company's effective values (an
    empty setting, its default) and are written back when they change; a
    strategy set back to its default text is stored empty, so that it stays
    translated."""

    _inherit = "res.config.settings"

    segmentation_sales_source = fields.Selection(related="company_id.segmentation_sales_source", readonly=False)
    segmentation_ignore_refunds = fields.Boolean(related="company_id.segmentation_ignore_refunds", readonly=False)
    segmentation_classify_groups = fields.Boolean(related="company_id.segmentation_classify_groups", readonly=False)
    segmentation_abc_metric = fields.Selection(related="company_id.segmentation_abc_metric", readonly=False)
    segmentation_abc_method = fields.Selection(related="company_id.segmentation_abc_method", readonly=False)
    segmentation_xyz_method = fields.Selection(related="company_id.segmentation_xyz_method", readonly=False)
    # the limits the last run applied, in words
    segmentation_abc_limits_used = fields.Char(string="ABC Limits of the Last Run", compute="_compute_limits_used")
    segmentation_xyz_limits_used = fields.Char(string="XYZ Limits of the Last Run", compute="_compute_limits_used")
    segmentation_abc_window_months = fields.Integer(string="ABC Window (months)")
    segmentation_xyz_window_months = fields.Integer(string="XYZ Window (months)")
    segmentation_abc_threshold_a = fields.Float(string="A up to (%)")
    segmentation_abc_threshold_b = fields.Float(string="B up to (%)")
    segmentation_xyz_threshold_x = fields.Float(string="X up to (%)")
    segmentation_xyz_threshold_y = fields.Float(string="Y up to (%)")
    segmentation_min_history_months = fields.Integer(string="Minimum History (months)")
    # the settings ask the question the right way round: "run on schedule?"
    segmentation_scheduled = fields.Boolean(
        string="Recompute on Schedule",
        compute="_compute_schedules",
        inverse="_inverse_segmentation_scheduled",
        help='Classify this company with the scheduled action; "Recompute now" works either way.',
    )
    segmentation_last_run = fields.Datetime(related="company_id.segmentation_last_run")
    segmentation_last_error = fields.Text(related="company_id.segmentation_last_error")
    segmentation_last_result = fields.Char(
        string="Last Classification Result", compute="_compute_segmentation_last_result"
    )
    segmentation_run_status = fields.Char(string="Classification Status", compute="_compute_run_status")
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
    # priority clients
    priority_cell_order = fields.Char(string="Cell Priority")
    priority_cell_order_warning = fields.Char(compute="_compute_priority_cell_order_warning")
    segmentation_attention_overdue = fields.Boolean(string="Overdue Customers")
    segmentation_overdue_tolerance = fields.Float(string="Overdue Tolerance (%)")
    segmentation_attention_class_drop = fields.Boolean(string="Class Drops")
    segmentation_class_drop_days = fields.Integer(string="Class Drop Attention (days)")
    segmentation_attention_revenue_down = fields.Boolean(string="Revenue Drops")
    segmentation_revenue_down_percent = fields.Float(string="Revenue Down by (%)")
    segmentation_attention_no_activity = fields.Boolean(string="A Customers without Activity")
    segmentation_attention_contact_overdue = fields.Boolean(string="Overdue Contacts")
    segmentation_drop_activity = fields.Boolean(string="Plan an Activity on Class Drops")
    segmentation_drop_activity_type_id = fields.Many2one(
        related="company_id.segmentation_drop_activity_type_id", readonly=False
    )
    segmentation_drop_activity_days = fields.Integer(string="Class Drop Activity Due In (days)")
    segmentation_strategy_ax = fields.Text(string="AX")
    segmentation_strategy_ay = fields.Text(string="AY")
    segmentation_strategy_az = fields.Text(string="AZ")
    segmentation_strategy_bx = fields.Text(string="BX")
    segmentation_strategy_by = fields.Text(string="BY")
    segmentation_strategy_bz = fields.Text(string="BZ")
    segmentation_strategy_cx = fields.Text(string="CX")
    segmentation_strategy_cy = fields.Text(string="CY")
    segmentation_strategy_cz = fields.Text(string="CZ")
    # client-base analyses
    segmentation_churn_months = fields.Integer(string="Churn Threshold (months)")
    segmentation_growth_threshold = fields.Float(string="Growth Threshold (%)")
    # contact cadence
    segmentation_cadence_horizon_months = fields.Integer(string="Cadence Horizon (months)")
    segmentation_cadence_window_months = fields.Integer(string="Cadence Window (months)")
    segmentation_cadence_min_customers = fields.Integer(string="Customers per Recommended Cadence")
    segmentation_call_cost = fields.Float(
        string="Cost of a Call",
        digits="Account",
        compute="_compute_contact_costs",
        readonly=False,
        groups=MONEY_READERS,
        help="The contact cost of the Call activity type in this company.",
    )
    segmentation_meeting_cost = fields.Float(
        string="Cost of a Meeting",
        digits="Account",
        compute="_compute_contact_costs",
        readonly=False,
        groups=MONEY_READERS,
        help="The contact cost of the Meeting activity type in this company (a visit: travel and time).",
    )
    # cross-selling
    crosssell_item_level = fields.Selection(related="company_id.crosssell_item_level", readonly=False)
    crosssell_window_months = fields.Integer(string="Cross-sell Window (months)")
    crosssell_min_support = fields.Float(string="Minimum Support (%)")
    crosssell_min_confidence = fields.Float(string="Minimum Confidence (%)")
    crosssell_min_lift = fields.Float(string="Minimum Lift")
    crosssell_min_customers = fields.Integer(string="Minimum Customers per Rule")
    crosssell_bundle_min_share = fields.Float(string="Bundle Minimum Share (%)")
    crosssell_bundle_size = fields.Integer(string="Bundle Size")
    crosssell_scheduled = fields.Boolean(
        string="Mine Every Night",
        compute="_compute_schedules",
        inverse="_inverse_crosssell_scheduled",
        help="Mine this company's rules with the scheduled action after the classification; Mine now works anyway.",
    )
    crosssell_last_run = fields.Datetime(related="company_id.crosssell_last_run")
    crosssell_last_error = fields.Text(related="company_id.crosssell_last_error")
    crosssell_run_status = fields.Char(string="Cross-sell Mining Status", compute="_compute_run_status")
    crosssell_rule_count = fields.Integer(string="Rules", compute="_compute_crosssell_rule_count")
    segmentation_count_a = fields.Integer(string="A Customers", compute="_compute_segmentation_counts")
    segmentation_count_b = fields.Integer(string="B Customers", compute="_compute_segmentation_counts")
    segmentation_count_c = fields.Integer(string="C Customers", compute="_compute_segmentation_counts")
    segmentation_count_x = fields.Integer(string="X Customers", compute="_compute_segmentation_counts")
    segmentation_count_y = fields.Integer(string="Y Customers", compute="_compute_segmentation_counts")
    segmentation_count_z = fields.Integer(string="Z Customers", compute="_compute_segmentation_counts")

    @api.depends("company_id")
    def _compute_schedules(self):
        for settings in self:
            settings.segmentation_scheduled = not settings.company_id.segmentation_on_demand_only
            settings.crosssell_scheduled = not settings.company_id.crosssell_on_demand_only

    def _inverse_segmentation_scheduled(self):
        for settings in self:
            settings.company_id.segmentation_on_demand_only = not settings.segmentation_scheduled

    def _inverse_crosssell_scheduled(self):
        for settings in self:
            settings.company_id.crosssell_on_demand_only = not settings.crosssell_scheduled

    @api.depends("company_id")
    def _compute_segmentation_schedule(self):
        cron = self.env.ref(CRON_XMLID, raise_if_not_found=False)
        for settings in self:
            settings.segmentation_interval_number = cron.sudo().interval_number if cron else 1
            settings.segmentation_interval_type = cron.sudo().interval_type if cron else "days"

    @api.depends("company_id")
    def _compute_limits_used(self):
        company_fields = self.env["res.company"]._fields
        abc_methods = dict(company_fields["segmentation_abc_method"]._description_selection(self.env))
        xyz_methods = dict(company_fields["segmentation_xyz_method"]._description_selection(self.env))
        for settings in self:
            limits = settings.company_id.segmentation_last_limits
            if not limits:
                settings.segmentation_abc_limits_used = settings.segmentation_xyz_limits_used = False
                continue
            abc_method = abc_methods[limits["abc_method"]]
            xyz_method = xyz_methods[limits["xyz_method"]]
            settings.segmentation_abc_limits_used = (
                self.env._("None: no customer had a positive metric (%(method)s).", method=abc_method)
                if limits["abc_threshold_a"] is None
                else self.env._(
                    "A up to %(a)s %%, B up to %(b)s %% of the cumulative share (%(method)s).",
                    a=formatLang(self.env, limits["abc_threshold_a"]),
                    b=formatLang(self.env, limits["abc_threshold_b"]),
                    method=abc_method,
                )
            )
            settings.segmentation_xyz_limits_used = (
                self.env._("None: no customer had enough history (%(method)s).", method=xyz_method)
                if limits["xyz_threshold_x"] is None
                else self.env._(
                    "X up to %(x)s %%, Y up to %(y)s %% coefficient of variation (%(method)s).",
                    x=formatLang(self.env, limits["xyz_threshold_x"]),
                    y=formatLang(self.env, limits["xyz_threshold_y"]),
                    method=xyz_method,
                )
            )

    @api.depends("company_id")
    def _compute_segmentation_last_result(self):
        for settings in self:
            company = settings.company_id
            # no figures kept: no run yet, or a run from before they were kept
            kept = company.segmentation_last_customers or company.segmentation_last_updated
            settings.segmentation_last_result = company._classification_summary() if kept else False

    @api.depends("company_id")
    def _compute_run_status(self):
        """Where the company's runs stand, in words: queued (since when, by
        whom), running (since when, and how far the scheduled action has got
        by the progress it commits), else nothing."""
        for settings in self:
            for prefix in RUN_CRONS:
                settings[f"{prefix}_run_status"] = settings._run_status(prefix)

    def _run_status(self, prefix):
        company = self.company_id
        state = company._run_state(prefix)
        if state == "queued":
            request = company[f"{prefix}_run_requested"]
            asked = {
                "date": format_datetime(self.env, company[f"{prefix}_run_requested_at"]),
                "user": company[f"{prefix}_run_requester_id"].name or "-",
            }
            if request == "rebuild":
                return self.env._("Full rebuild queued on %(date)s by %(user)s.", **asked)
            if request == "recompute":
                return self.env._("Recompute queued on %(date)s by %(user)s.", **asked)
            return self.env._("Mining queued on %(date)s by %(user)s.", **asked)
        if state == "running":
            since = format_datetime(self.env, company[f"{prefix}_run_started"])
            progress = (
                self.env["ir.cron.progress"]
                .sudo()
                .search([("cron_id", "=", self.env.ref(RUN_CRONS[prefix]).id)], order="id DESC", limit=1)
            )
            total = progress.done + progress.remaining
            if not total:
                return self.env._("Running since %(date)s.", date=since)
            return self.env._(
                "Running since %(date)s: company %(position)s of %(total)s of this run.",
                date=since,
                position=min(progress.done + 1, total),
                total=total,
            )
        return False

    @api.depends("company_id")
    def _compute_contact_costs(self):
        for settings in self:
            for field, activity_type in self._contact_cost_types().items():
                settings[field] = activity_type.with_company(settings.company_id).segmentation_contact_cost

    def _contact_cost_types(self):
        """{settings field: the activity type whose contact cost it sets}, for
        the types the database still has."""
        types = {
            "segmentation_call_cost": self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False),
            "segmentation_meeting_cost": self.env.ref("mail.mail_activity_data_meeting", raise_if_not_found=False),
        }
        return {field: activity_type.sudo() for field, activity_type in types.items() if activity_type}

    @api.depends("company_id")
    def _compute_segmentation_counts(self):
        for settings in self:
            partners = self.env["res.partner"].with_company(settings.company_id).with_context(active_test=False)
            for field, letters in (("abc_class", "abc"), ("xyz_class", "xyz")):
                counts = dict(partners._read_group([(field, "!=", False)], [field], ["__count"]))
                for letter in letters:
                    settings[f"segmentation_count_{letter}"] = counts.get(letter.upper(), 0)

    @api.depends("company_id")
    def _compute_crosssell_rule_count(self):
        for settings in self:
            settings.crosssell_rule_count = self.env["customer.crosssell.rule"].search_count(
                [("company_id", "=", settings.company_id.id)]
            )

    @api.depends("company_id")
    def _compute_priority_cell_order_warning(self):
        for settings in self:
            company = settings.company_id
            settings.priority_cell_order_warning = (
                self.env._(
                    "The stored cell priority cannot be read: the lists use the default order %(default)s until it "
                    "names each of the nine cells once.",
                    default=format_cell_order(DEFAULT_CELL_ORDER),
                )
                if company.priority_cell_order and not company._priority_rules().cell_order
                else False
            )

    @api.model
    def get_values(self):
        values = super().get_values()
        shown = self.env.company._settings_shown()
        values.update({setting: shown[field] for setting, field in COMPANY_SETTINGS.items()})
        return values

    def set_values(self):
        if self.segmentation_interval_number < 1:
            raise ValidationError(self.env._("The classification must be scheduled at least every 1 unit of time."))
        res = super().set_values()
        company = self.company_id
        shown = company._settings_shown()
        changed = {
            field: self[setting] or False
            for setting, field in COMPANY_SETTINGS.items()
            if (self[setting] or False) != (shown[field] or False)
        }
        if changed:
            company.write(company._settings_to_store(changed))
        if self.env.user.has_groups(MONEY_READERS):
            for field, activity_type in self._contact_cost_types().items():
                activity_type = activity_type.with_company(company)
                if activity_type.segmentation_contact_cost != self[field]:
                    activity_type.segmentation_contact_cost = self[field]
        cron = self.env.ref(CRON_XMLID, raise_if_not_found=False)
        schedule = {
            "interval_number": self.segmentation_interval_number,
            "interval_type": self.segmentation_interval_type,
        }
        # written only when changed: a running scheduled action refuses any write
        if cron and (cron.sudo().interval_number, cron.sudo().interval_type) != tuple(schedule.values()):
            cron.sudo().write(schedule)
        return res

    def _execute_for_run(self):
        """Save the settings before a run is queued; refused at once while a
        run holds the company, rather than saving after it, minutes later."""
        self.company_id._lock_for_run()
        self.execute()

    def action_queue_customer_classification(self):
        self._execute_for_run()
        return self.company_id.action_queue_customer_classification()

    def action_queue_customer_analyses_rebuild(self):
        self._execute_for_run()
        return self.company_id.action_queue_customer_analyses_rebuild()

    def action_open_customer_matrix(self):
        return self.env["ir.actions.actions"]._for_xml_id("customer_segmentation.action_abc_xyz_matrix")

    def action_queue_crosssell_mining(self):
        self._execute_for_run()
        return self.company_id.action_queue_crosssell_mining()

    def action_open_crosssell_rules(self):
        return self.env["customer.crosssell.rule"]._action_open_report()
