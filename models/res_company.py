import logging
import time
from typing import NamedTuple

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, LazyTranslate

from ..analytics import MAX_WINDOW_MONTHS, ClassificationRules
from ..analytics.cadence import CadenceSettings
from ..analytics.crosssell import CrosssellSettings
from ..analytics.lifecycle import AnalysesSettings
from ..analytics.priority import CELLS, AttentionRules, format_cell_order, parse_cell_order
from ..demo.customer_crosssell_demo import load_crosssell_demo
from ..demo.customer_segmentation_demo import load_segmentation_demo, run_demo
from ..tools.cron import BUSY_ERRORS, run_committed_steps, wake_up
from ..tools.locks import lock_or_raise
from .common import SEGMENTATION_MANAGER, apply_ondelete

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

DEFAULT_RULES = ClassificationRules()
DEFAULT_CROSSSELL = CrosssellSettings()
DEFAULT_ATTENTION = AttentionRules()
DEFAULT_ANALYSES = AnalysesSettings()
DEFAULT_CADENCE = CadenceSettings()


class SettingsGroup(NamedTuple):
    """Settings that a company stores and a run reads as one: the engine's
    class of them (their defaults and `violations()`), the company field of
    each (engine name -> field), and what the group is called and what each
    violation code says, in the message that refuses them."""

    settings: type
    fields: dict
    title: object
    messages: dict


# The addon's settings per company, read (an empty one takes its default),
# checked and shown in Settings one way: see ResCompany._settings.
SETTINGS = {
    "classification": SettingsGroup(
        ClassificationRules,
        {
            "metric": "segmentation_abc_metric",
            "abc_method": "segmentation_abc_method",
            "xyz_method": "segmentation_xyz_method",
            "abc_window_months": "segmentation_abc_window_months",
            "xyz_window_months": "segmentation_xyz_window_months",
            "abc_threshold_a": "segmentation_abc_threshold_a",
            "abc_threshold_b": "segmentation_abc_threshold_b",
            "xyz_threshold_x": "segmentation_xyz_threshold_x",
            "xyz_threshold_y": "segmentation_xyz_threshold_y",
            "min_history_months": "segmentation_min_history_months",
        },
        _lt("Customer segmentation settings"),
        {
            "metric": _lt("Choose revenue, gross margin or number of documents as the ABC metric."),
            "abc_method": _lt("Choose fixed shares or limits computed from the data for the ABC classes."),
            "xyz_method": _lt("Choose the coefficient of variation or the share of customers for the XYZ classes."),
            "abc_thresholds": _lt(
                "ABC thresholds must satisfy 0 < A < B < 100 (for example A up to 80 %, B up to 95 %)."
            ),
            "xyz_thresholds": _lt("XYZ thresholds must satisfy 0 < X < Y (for example X up to 10 %, Y up to 25 %)."),
            "windows": _lt("The ABC and XYZ windows must cover from 1 to %(months)s months.", months=MAX_WINDOW_MONTHS),
            "min_history": _lt("The minimum history must be at least one month and no longer than the XYZ window."),
        },
    ),
    "priority": SettingsGroup(
        AttentionRules,
        {
            "cell_order": "priority_cell_order",
            "overdue": "segmentation_attention_overdue_off",
            "overdue_tolerance": "segmentation_overdue_tolerance",
            "class_drop": "segmentation_attention_class_drop_off",
            "class_drop_days": "segmentation_class_drop_days",
            "revenue_down": "segmentation_attention_revenue_down_off",
            "revenue_down_percent": "segmentation_revenue_down_percent",
            "no_activity": "segmentation_attention_no_activity_off",
            "contact_overdue": "segmentation_attention_contact_overdue_off",
            "drop_activity": "segmentation_drop_activity_off",
            "drop_activity_days": "segmentation_drop_activity_days",
        },
        _lt("Priority client settings"),
        {
            "overdue_tolerance": _lt("The overdue tolerance must be above 0 % and at most 1000 %."),
            "class_drop_days": _lt("The class drop attention period must be from 1 to 3650 days."),
            "revenue_down_percent": _lt("The revenue drop must be above 0 % and at most 100 %."),
            "drop_activity_days": _lt("The class drop activity must be due in 1 to 365 days."),
            "cell_order": _lt(
                "The cell priority must name each of the nine cells once, for example %(example)s.",
                example=format_cell_order(DEFAULT_ATTENTION.cell_order),
            ),
        },
    ),
    "analyses": SettingsGroup(
        AnalysesSettings,
        {"churn_months": "segmentation_churn_months", "growth_threshold": "segmentation_growth_threshold"},
        _lt("Client base analyses settings"),
        {
            "churn_months": _lt("The churn threshold must be from 1 to 60 months."),
            "growth_threshold": _lt("The growth threshold must be a positive percentage."),
        },
    ),
    "cadence": SettingsGroup(
        CadenceSettings,
        {
            "horizon_months": "segmentation_cadence_horizon_months",
            "window_months": "segmentation_cadence_window_months",
            "min_customers": "segmentation_cadence_min_customers",
        },
        _lt("Contact cadence settings"),
        {
            "horizon_months": _lt("The months of sales credited to a month's contacts must be from 1 to 6."),
            "window_months": _lt("The cadence analysis must cover from 3 to 36 months."),
            "min_customers": _lt("A cadence needs at least one customer behind it to be recommended."),
        },
    ),
    "crosssell": SettingsGroup(
        CrosssellSettings,
        {
            "item_level": "crosssell_item_level",
            "window_months": "crosssell_window_months",
            "min_support": "crosssell_min_support",
            "min_confidence": "crosssell_min_confidence",
            "min_lift": "crosssell_min_lift",
            "min_customers": "crosssell_min_customers",
            "bundle_min_share": "crosssell_bundle_min_share",
            "bundle_size": "crosssell_bundle_size",
        },
        _lt("Cross-selling settings"),
        {
            "item_level": _lt("Choose product categories or products as cross-sell items."),
            "window": _lt("The cross-sell window must cover from 1 to %(months)s months.", months=MAX_WINDOW_MONTHS),
            "percentages": _lt("The minimum support and confidence must be above 0 % and at most 100 %."),
            "lift": _lt("The minimum lift must be above 0 (1 means no link at all)."),
            "customers": _lt("A rule needs at least one customer."),
            "bundle": _lt("A bundle needs a share above 0 % and at most 100 %, and from 1 to 20 items."),
        },
    ),
}
# The switches of the rules are stored the other way round ("off"), so that
# an empty column means the default (on); the cell order is stored as text.
SWITCHED_OFF = frozenset(field for field in SETTINGS["priority"].fields.values() if field.endswith("_off"))
STRATEGY_FIELDS = {cell: f"segmentation_strategy_{cell.lower()}" for cell in CELLS}
# the settings that change what a sale is: the facts are rebuilt after them
FACT_SETTINGS = frozenset({"segmentation_sales_source", "segmentation_ignore_refunds", "segmentation_classify_groups"})
# the runs a segmentation administrator starts by hand, as the messages of
# their guard (ResCompany._check_run_allowed) name them
RUN_ACTIONS = {
    "classification": _lt("recompute the customer classes"),
    "rebuild": _lt("rebuild the customer classes and analyses"),
    "crosssell": _lt("mine the cross-sell rules"),
}
# The runs a button queues, by the prefix of their company fields
# (`<prefix>_run_requested`...): the scheduled action that takes them.
RUN_CRONS = {
    "segmentation": "customer_segmentation.ir_cron_recompute_customer_classification",
    "crosssell": "customer_segmentation.ir_cron_mine_crosssell_rules",
}


def _read_settings(group, stored):
    """The engine's settings of `group` from `stored` ({company field:
    value}); an empty value (None, or an empty text) takes its default."""
    spec = SETTINGS[group]
    values = {}
    for rule, field in spec.fields.items():
        value = stored[field]
        if value is None or value == "":
            continue
        if field in SWITCHED_OFF:
            value = not value
        elif field == "priority_cell_order":
            value = parse_cell_order(value)
        values[rule] = value
    return spec.settings(**values)


def _request_fields(prefix):
    """The company fields of a request of the runs of `prefix`."""
    return [f"{prefix}_run_requested", f"{prefix}_run_requester_id", f"{prefix}_run_requested_at"]


def _last_scheduled(cron):
    """When the schedule of `cron` last came: its next call when that is
    due now, else the one before it."""
    if cron.nextcall <= fields.Datetime.now():
        return cron.nextcall
    return cron.nextcall - relativedelta(**{cron.interval_type: cron.interval_number})


def _notification(title, message):
    """A notification that reloads the screen under it, which then shows
    what the action changed."""
    return {
        "type": "ir.actions.client",
        "tag": "display_notification",
        "params": {
            "type": "success",
            "title": title,
            "message": message,
            "next": {"type": "ir.actions.client", "tag": "soft_reload"},
        },
    }


def _strategy_field(cell):
    return fields.Text(
        string=f"{cell} Strategy",
        translate=True,
        help=f"What to do with the customers of cell {cell}; empty means the addon's default text.",
    )


class ResCompany(models.Model):
    """The addon's settings per company: the classification, the priority
    clients (the order of the cells, when a customer needs attention, the
    activity planned on a class drop and the strategy of each cell), the
    client-base analyses and the cross-selling; the runs' last dates and
    errors. None of these columns is NOT NULL and every empty value means
    the default: companies created while this addon's Python is not loaded
    (other modules' tests, SQL, imports) get NULLs, and must still classify
    with the defaults."""

    _inherit = "res.company"

    segmentation_sales_source = fields.Selection(
        [("invoice", "Posted invoices"), ("order", "Confirmed sales orders")],
        string="Sales Source",
        default="invoice",
        help="Invoices count untaxed amounts in company currency on their invoice date; "
        "sales orders count untaxed amounts converted at the order's rate on their order date. "
        "Empty means posted invoices.",
    )
    segmentation_ignore_refunds = fields.Boolean(
        string="Leave Out Credit Notes",
        help="Only invoices count; by default credit notes reduce the revenue of the month they are dated in.",
    )
    segmentation_classify_groups = fields.Boolean(
        string="Classify Client Groups as One",
        help="The sales of the legal entities of a client group count for its head entity: the group is one "
        "customer in the classes, the priority lists, the analyses and cross-selling.",
    )
    segmentation_abc_metric = fields.Selection(
        [("revenue", "Revenue"), ("margin", "Gross margin"), ("count", "Number of invoices / orders")],
        string="ABC Metric",
        default="revenue",
        help="Empty means revenue.",
    )
    segmentation_abc_method = fields.Selection(
        [("fixed", "Fixed shares"), ("computed", "Computed from the data")],
        string="ABC Limits",
        default=DEFAULT_RULES.abc_method,
        help="Fixed shares: the A and B thresholds. Computed from the data: each run finds the limits at the "
        "breakpoints of the curve of cumulative shares (the computed ABC analysis of Ultsch and Lötsch). "
        "Empty means fixed shares.",
    )
    segmentation_xyz_method = fields.Selection(
        [("variation", "Coefficient of variation"), ("share", "Share of customers (30/50/20)")],
        string="XYZ Limits",
        default=DEFAULT_RULES.xyz_method,
        help="Coefficient of variation: the X and Y thresholds. Share of customers: among the customers with "
        "enough history, the 30 % most regular (lowest coefficient of variation) are X, the next 50 % Y, the "
        "rest Z. Empty means the coefficient of variation.",
    )
    segmentation_abc_window_months = fields.Integer(
        string="ABC Window (months)",
        default=DEFAULT_RULES.abc_window_months,
        help="Full calendar months before the run that ABC ranks.",
    )
    segmentation_xyz_window_months = fields.Integer(
        string="XYZ Window (months)",
        default=DEFAULT_RULES.xyz_window_months,
        help="Full calendar months whose revenue XYZ measures.",
    )
    segmentation_abc_threshold_a = fields.Float(
        string="A up to (%)",
        default=DEFAULT_RULES.abc_threshold_a,
        help="With fixed shares, customers are A while the cumulative share before them is below this.",
    )
    segmentation_abc_threshold_b = fields.Float(
        string="B up to (%)",
        default=DEFAULT_RULES.abc_threshold_b,
        help="With fixed shares, customers are B while the cumulative share before them is below this.",
    )
    segmentation_xyz_threshold_x = fields.Float(
        string="X up to (%)",
        default=DEFAULT_RULES.xyz_threshold_x,
        help="With the coefficient of variation, the largest coefficient, in percent, of an X customer.",
    )
    segmentation_xyz_threshold_y = fields.Float(
        string="Y up to (%)",
        default=DEFAULT_RULES.xyz_threshold_y,
        help="With the coefficient of variation, the largest coefficient, in percent, of a Y customer.",
    )
    segmentation_min_history_months = fields.Integer(
        string="Minimum History (months)",
        default=DEFAULT_RULES.min_history_months,
        help="Customers with fewer months since their first purchase get no XYZ class.",
    )
    segmentation_on_demand_only = fields.Boolean(
        string="Recompute on Demand Only",
        help='Leave this company out of the scheduled classification; "Recompute now" still works.',
    )
    segmentation_last_run = fields.Datetime(string="Last Classification", readonly=True, copy=False)
    segmentation_last_error = fields.Text(string="Last Classification Error", readonly=True, copy=False)
    segmentation_last_limits = fields.Json(
        string="Limits of the Last Classification",
        readonly=True,
        copy=False,
        help="The class limits the last run applied: the methods, the A and B cumulative shares and the X and Y "
        "coefficients of variation, in percent.",
    )
    # what the last classification found (the figures its message gives)
    segmentation_last_customers = fields.Integer(
        string="Customers Classified", readonly=True, copy=False, help="Customers with sales the last run classified."
    )
    segmentation_last_in_cells = fields.Integer(
        string="Customers in a Cell",
        readonly=True,
        copy=False,
        help="Customers the last run left with both an ABC and an XYZ class, hence in a cell of the matrix.",
    )
    segmentation_last_updated = fields.Integer(
        string="Customers Updated",
        readonly=True,
        copy=False,
        help="Customers whose figures or classes the last run changed.",
    )
    # a run asked from Settings, done by the scheduled action (see _queue_run)
    segmentation_run_requested = fields.Selection(
        [("recompute", "Recompute"), ("rebuild", "Full rebuild")],
        string="Classification Queued",
        readonly=True,
        copy=False,
        help="The run asked for this company that the scheduled classification has not done yet.",
    )
    segmentation_run_requester_id = fields.Many2one(
        "res.users", string="Classification Queued By", readonly=True, copy=False, ondelete="set null"
    )
    segmentation_run_requested_at = fields.Datetime(string="Classification Queued On", readonly=True, copy=False)
    segmentation_run_started = fields.Datetime(
        string="Classification Started",
        readonly=True,
        copy=False,
        help="When the scheduled classification last took this company.",
    )

    # priority clients
    priority_cell_order = fields.Char(
        string="Cell Priority",
        help="The nine ABC-XYZ cells from the most to the least important, for example "
        '"AX, AY, BX, AZ, BY, CX, BZ, CY, CZ" (the default when empty). Priority lists are ordered by it, '
        "then by revenue.",
    )
    segmentation_attention_overdue_off = fields.Boolean(string="Ignore Overdue Customers")
    segmentation_overdue_tolerance = fields.Float(
        string="Overdue Tolerance (%)",
        help="A customer needs attention once its next purchase is late by more than this share of its usual "
        "interval. Empty means 50 %.",
    )
    segmentation_attention_class_drop_off = fields.Boolean(string="Ignore Class Drops")
    segmentation_class_drop_days = fields.Integer(
        string="Class Drop Attention (days)",
        help="A customer whose class dropped in the last this many days needs attention. Empty means 30.",
    )
    segmentation_attention_revenue_down_off = fields.Boolean(string="Ignore Revenue Drops")
    segmentation_revenue_down_percent = fields.Float(
        string="Revenue Down by (%)",
        help="A customer whose revenue in the ABC window fell by more than this against the window before "
        "needs attention. Empty means 30 %.",
    )
    segmentation_attention_no_activity_off = fields.Boolean(string="Ignore A Customers without Activity")
    segmentation_attention_contact_overdue_off = fields.Boolean(string="Ignore Overdue Contacts")
    segmentation_drop_activity_off = fields.Boolean(string="No Activity on Class Drops")
    segmentation_drop_activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Class Drop Activity",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'res.partner')]",
        help="Type of the activity planned for the salesperson when a customer's class drops. Empty means To-Do.",
    )
    segmentation_drop_activity_days = fields.Integer(
        string="Class Drop Activity Due In (days)",
        help="Days between the run that finds the drop and the activity's deadline. Empty means 3.",
    )
    segmentation_strategy_ax = _strategy_field("AX")
    segmentation_strategy_ay = _strategy_field("AY")
    segmentation_strategy_az = _strategy_field("AZ")
    segmentation_strategy_bx = _strategy_field("BX")
    segmentation_strategy_by = _strategy_field("BY")
    segmentation_strategy_bz = _strategy_field("BZ")
    segmentation_strategy_cx = _strategy_field("CX")
    segmentation_strategy_cy = _strategy_field("CY")
    segmentation_strategy_cz = _strategy_field("CZ")

    # client-base analyses
    segmentation_churn_months = fields.Integer(
        string="Churn Threshold (months)",
        default=DEFAULT_ANALYSES.churn_months,
        help="A customer without a purchase for this many months is lost; buying again after a longer gap "
        "makes it a returning customer. Empty means 6 months.",
    )
    segmentation_growth_threshold = fields.Float(
        string="Growth Threshold (%)",
        default=DEFAULT_ANALYSES.growth_threshold,
        help="A change of revenue against the previous period beyond plus or minus this share marks a customer "
        "as growing or declining; within it, stable. Empty means 10 %.",
    )
    # contact cadence
    segmentation_cadence_horizon_months = fields.Integer(
        string="Cadence Horizon (months)",
        default=DEFAULT_CADENCE.horizon_months,
        help="The months of sales after a month that its contacts are credited with: a visit this month sells "
        "next month. Empty means 1.",
    )
    segmentation_cadence_window_months = fields.Integer(
        string="Cadence Window (months)",
        default=DEFAULT_CADENCE.window_months,
        help="The months whose contacts and results the cadence analysis compares, up to the last month whose "
        "horizon is over. Empty means 12.",
    )
    segmentation_cadence_min_customers = fields.Integer(
        string="Customers per Recommended Cadence",
        default=DEFAULT_CADENCE.min_customers,
        help="A cadence is recommended to a profile only with at least this many of its customers behind it. "
        "Empty means 10.",
    )
    segmentation_analyses_date = fields.Date(
        string="Analyses Date", readonly=True, copy=False, help="Date of the last refresh of the analyses."
    )
    segmentation_compared_on = fields.Date(
        string="Cells Compared On",
        readonly=True,
        copy=False,
        help="The date the cell migrations of the last run end on (against a year and a quarter before it).",
    )
    segmentation_last_run_key = fields.Char(
        string="Last Run Key",
        readonly=True,
        copy=False,
        help="The date and settings of the last classification: a run with the same, when no document or customer "
        "changed since, has nothing to do.",
    )
    segmentation_facts_since = fields.Datetime(
        string="Facts Read Since",
        readonly=True,
        copy=False,
        help="The next run reads the documents and customers written from this time on; empty: it rebuilds the "
        "facts from every document.",
    )
    segmentation_contacts_since = fields.Datetime(
        string="Contacts Read Since",
        readonly=True,
        copy=False,
        help="The next run reads the messages, meetings and customers written from this time on; empty: it reads "
        "every message and meeting again.",
    )
    segmentation_cadence_key = fields.Char(
        string="Cadence Key",
        readonly=True,
        copy=False,
        help="The months and settings of the last cadence refresh: a refresh with the same counts again only the "
        "customers whose contacts, sales or profile changed.",
    )
    segmentation_cadence_date = fields.Date(
        string="Cadence Date", readonly=True, copy=False, help="Date of the last refresh of the contact cadence."
    )
    segmentation_cadence_members = fields.Char(
        string="Cadence Profile Members",
        readonly=True,
        copy=False,
        help="A digest of the members of the cadence-profile segments at the last cadence refresh.",
    )

    # cross-selling
    crosssell_item_level = fields.Selection(
        [("category", "Product categories"), ("product", "Products")],
        string="Cross-sell Items",
        default=DEFAULT_CROSSSELL.item_level,
        help="What the rules link: product categories (the default) or single products.",
    )
    crosssell_window_months = fields.Integer(
        string="Cross-sell Window (months)",
        default=DEFAULT_CROSSSELL.window_months,
        help="Months of sales, up to today, whose customers' purchases are mined.",
    )
    crosssell_min_support = fields.Float(
        string="Minimum Support (%)",
        default=DEFAULT_CROSSSELL.min_support,
        help="Share of all customers who must buy the whole rule (its items on both sides).",
    )
    crosssell_min_confidence = fields.Float(
        string="Minimum Confidence (%)",
        default=DEFAULT_CROSSSELL.min_confidence,
        help="Share of the customers buying the left side who also buy the right side.",
    )
    crosssell_min_lift = fields.Float(
        string="Minimum Lift",
        default=DEFAULT_CROSSSELL.min_lift,
        help="How many times more often the right side is bought with the left side than by customers in general.",
    )
    crosssell_min_customers = fields.Integer(
        string="Minimum Customers per Rule",
        default=DEFAULT_CROSSSELL.min_customers,
        help="Customers who must buy the whole rule, whatever the support.",
    )
    crosssell_bundle_min_share = fields.Float(
        string="Bundle Minimum Share (%)",
        default=DEFAULT_CROSSSELL.bundle_min_share,
        help="Share of a profile's customers who must buy the whole bundle.",
    )
    crosssell_bundle_size = fields.Integer(
        string="Bundle Size",
        default=DEFAULT_CROSSSELL.bundle_size,
        help="Most items in a bundle.",
    )
    crosssell_on_demand_only = fields.Boolean(
        string="Mine Rules on Demand Only",
        help="Leave this company out of the scheduled mining; the Mine now button still works.",
    )
    crosssell_last_run = fields.Datetime(string="Last Cross-sell Mining", readonly=True, copy=False)
    crosssell_last_error = fields.Text(string="Last Cross-sell Mining Error", readonly=True, copy=False)
    crosssell_run_requested = fields.Boolean(
        string="Cross-sell Mining Queued",
        readonly=True,
        copy=False,
        help="A mining asked for this company that the scheduled mining has not done yet.",
    )
    crosssell_run_requester_id = fields.Many2one(
        "res.users", string="Cross-sell Mining Queued By", readonly=True, copy=False, ondelete="set null"
    )
    crosssell_run_requested_at = fields.Datetime(string="Cross-sell Mining Queued On", readonly=True, copy=False)
    crosssell_run_started = fields.Datetime(
        string="Cross-sell Mining Started",
        readonly=True,
        copy=False,
        help="When the scheduled mining last took this company.",
    )

    @api.constrains(*SETTINGS["classification"].fields.values())
    def _check_segmentation_rules(self):
        self._check_saved_settings("classification")

    @api.constrains(*SETTINGS["priority"].fields.values())
    def _check_priority_rules(self):
        self._check_saved_settings("priority")

    @api.constrains(*SETTINGS["analyses"].fields.values())
    def _check_segmentation_analyses(self):
        self._check_saved_settings("analyses")

    @api.constrains(*SETTINGS["crosssell"].fields.values())
    def _check_crosssell_settings(self):
        self._check_saved_settings("crosssell")

    def write(self, vals):
        if FACT_SETTINGS.intersection(vals):
            # what counts as a sale changed: the next run rebuilds the facts
            vals = {**vals, "segmentation_facts_since": False}
        if set(SETTINGS["analyses"].fields.values()).intersection(vals):
            # the trends of every customer follow: the next run refreshes the
            # analyses of all of them (the statuses follow the churn
            # threshold, which the key of the classification run holds)
            vals = {**vals, "segmentation_analyses_date": False}
        result = super().write(vals)
        if "priority_cell_order" in vals:
            # the order of the priority lists follows at once
            for company in self:
                self.env["customer.classification"].sudo()._rerank(company)
        return result

    def unlink(self):
        result = super().unlink()
        apply_ondelete(self)
        return result

    def action_recompute_customer_classification(self):
        """Recompute the customer classes of the companies in `self` now, in
        this transaction (code and tests; the Settings button queues it:
        action_queue_customer_classification)."""
        self._check_run_allowed("classification")
        companies = self.sudo()
        for company in companies:
            company._classify()
        return _notification(self.env._("Customer classes recomputed"), companies._classification_summary())

    def action_rebuild_customer_analyses(self):
        """Rebuild the facts and analyses of the companies in `self` from
        every document and classify them, now, in this transaction: what the
        incremental runs give, from scratch (the Settings button queues it:
        action_queue_customer_analyses_rebuild)."""
        self._check_run_allowed("rebuild")
        written = 0
        for company in self.sudo():
            facts = company._classify(rebuild=True)["facts"]
            written += facts["documents_written"] + facts["months_written"]
        return _notification(
            self.env._("Customer analyses rebuilt"),
            self.env._(
                "Rebuilt from every document: %(written)s stored sales figures differed and were corrected.",
                written=written,
            ),
        )

    def action_mine_crosssell_rules(self):
        """Mine the cross-sell rules and bundles of the companies in `self`
        now, in this transaction (the Settings button queues it:
        action_queue_crosssell_mining)."""
        self._check_run_allowed("crosssell")
        rules = 0
        for company in self.sudo():
            rules += company._mine_crosssell_rules()["rules"]
        return _notification(self.env._("Cross-sell rules mined"), self.env._("%(rules)s rules found.", rules=rules))

    def action_queue_customer_classification(self):
        """Queue a classification of the companies in `self` for the
        scheduled action, and return at once."""
        self._check_run_allowed("classification")
        self.sudo()._queue_run("segmentation", "recompute")
        return self._queued_notification(self.env._("Classification queued"))

    def action_queue_customer_analyses_rebuild(self):
        """Queue a full rebuild of the classes and analyses of the companies
        in `self` for the scheduled classification, and return at once."""
        self._check_run_allowed("rebuild")
        self.sudo()._queue_run("segmentation", "rebuild")
        return self._queued_notification(self.env._("Rebuild queued"))

    def action_queue_crosssell_mining(self):
        """Queue a mining of the cross-sell rules of the companies in `self`
        for the scheduled action, and return at once."""
        self._check_run_allowed("crosssell")
        self.sudo()._queue_run("crosssell", True)
        return self._queued_notification(self.env._("Cross-sell mining queued"))

    def _queued_notification(self, title):
        return _notification(
            title,
            self.env._(
                "%(companies)s: the scheduled action takes it in a moment. Reload Settings to see it running, "
                "then done.",
                companies=", ".join(self.mapped("name")),
            ),
        )

    def _check_run_allowed(self, run):
        """Refuse to start `run` (a key of RUN_ACTIONS) on the companies in
        `self` by hand unless the user is a segmentation administrator
        allowed in each of them (or the superuser)."""
        if self.env.su:
            return
        if not self.env.user.has_group(SEGMENTATION_MANAGER):
            raise AccessError(self.env._("Only segmentation administrators can %(action)s.", action=RUN_ACTIONS[run]))
        outside = self - self.env.user.company_ids
        if outside:
            raise AccessError(
                self.env._(
                    "You cannot %(action)s of %(companies)s: you are not allowed in them.",
                    action=RUN_ACTIONS[run],
                    companies=", ".join(outside.mapped("name")),
                )
            )

    # ------------------------------------------------------------------
    # settings

    def _settings(self, group):
        """The settings of `group` (a key of SETTINGS) of this company, as the
        engine reads them; an empty setting (NULL, read as 0 or False: a
        company created while this addon's code was not loaded) takes its
        default."""
        self.ensure_one()
        return _read_settings(group, {field: self[field] or None for field in SETTINGS[group].fields.values()})

    def _settings_checked(self, group):
        """The settings of `group` a run may use: checked again when it
        starts, for settings changed behind the form (SQL, import, an old
        database)."""
        return self._check_settings(group, self._settings(group))

    def _check_saved_settings(self, group):
        """Check the settings of `group` of the companies in `self` as they
        are saved: what a user saves is taken as written (a 0 is refused, not
        read as its default), while an empty column (NULL, which the ORM
        reads as 0) still means its default, so the columns are read as
        stored."""
        columns = list(SETTINGS[group].fields.values())
        self.flush_recordset(columns)
        rows = self.env.execute_query(
            SQL(
                "SELECT id, %s FROM res_company WHERE id IN %s",
                SQL(", ").join(SQL.identifier(column) for column in columns),
                tuple(self.ids),
            )
        )
        for company_id, *values in rows:
            saved = _read_settings(group, dict(zip(columns, values, strict=True)))
            self.browse(company_id)._check_settings(group, saved)

    def _check_settings(self, group, settings):
        """`settings` of `group`, or a ValidationError naming what is wrong
        with them."""
        problems = settings.violations()
        if problems:
            spec = SETTINGS[group]
            raise ValidationError(
                self.env._(
                    "%(settings)s of %(company)s: %(problems)s",
                    settings=spec.title,
                    company=self.name,
                    problems=" ".join(self.env._(spec.messages[code]) for code in problems),
                )
            )
        return settings

    def _settings_shown(self):
        """{company field: the value Settings shows of it}: the effective
        value of each setting (an empty one, its default), a switch stored
        "off" as on, the cell order as its text (see
        _priority_cell_order_text), each strategy as its text."""
        self.ensure_one()
        shown = {}
        for group, spec in SETTINGS.items():
            settings = self._settings(group)
            shown.update({field: getattr(settings, rule) for rule, field in spec.fields.items()})
        shown["priority_cell_order"] = self._priority_cell_order_text()
        strategies = self._cell_strategies()
        shown.update({field: strategies[cell] for cell, field in STRATEGY_FIELDS.items()})
        return shown

    def _settings_to_store(self, shown):
        """The company values that store `shown` ({company field: value as
        Settings shows it}): a switch the other way round; the cell order in
        its usual spelling, or as typed when it does not name the nine cells,
        for the check to say why; a strategy back to its default text empty,
        so that it stays translated."""
        defaults = {STRATEGY_FIELDS[cell]: text for cell, text in self._default_cell_strategies().items()}
        stored = {}
        for field, value in shown.items():
            if field in SWITCHED_OFF:
                value = not value
            elif field == "priority_cell_order":
                cells = parse_cell_order(value)
                value = format_cell_order(cells) if cells else value
            elif field in defaults and value == defaults[field]:
                value = False
            stored[field] = value
        return stored

    def _segmentation_rules_checked(self):
        """The classification rules a run may use."""
        return self._settings_checked("classification")

    def _segmentation_sales_source(self):
        return self.segmentation_sales_source or "invoice"

    def _segmentation_today(self):
        """Today in the company's time zone (its address's), so that the
        scheduled run and a user's button agree on the date."""
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self.partner_id.tz or "UTC"))

    @api.model
    def _segmentation_time_zones(self):
        """{company id: time zone} of the companies whose address has a time
        zone PostgreSQL knows: the SQL that dates a moment (a sales order, a
        message, a meeting) dates it on the company's day, as
        `_segmentation_today` counts them; the other companies count in UTC."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT company.id, partner.tz
                  FROM res_company company
                  JOIN res_partner partner ON partner.id = company.partner_id
                 WHERE partner.tz IN (SELECT name FROM pg_timezone_names)
                """
            )
        )
        return dict(rows)

    @api.model
    def _segmentation_time_zone_moved(self, partners):
        """The companies whose address is one of `partners` count their days
        in another time zone: their next run dates their contacts again, and
        their sales when they are orders (dated by the moment they were
        placed), from every message, meeting and order."""
        companies = self.sudo().with_context(active_test=False).search([("partner_id", "in", partners.ids)])
        for company in companies:
            values = {"segmentation_contacts_since": False}
            if company._segmentation_sales_source() == "order":
                values["segmentation_facts_since"] = False
            company.write(values)

    def _priority_rules(self):
        """The attention rules and cell order of this company, an empty
        setting taking its default."""
        return self._settings("priority")

    def _priority_rules_checked(self):
        """The attention rules and cell order a run may use."""
        return self._settings_checked("priority")

    def _priority_cell_order(self):
        """The order of the cells the screens sort by: the company's, or the
        default while the stored one cannot be read (written behind the
        form): the lists stay usable, the nightly run refuses it and Settings
        shows it to be repaired."""
        self.ensure_one()
        return self._priority_rules().cell_order or DEFAULT_ATTENTION.cell_order

    def _priority_cell_order_text(self):
        """The cell order as Settings shows it: the effective order, or the
        stored text when it cannot be read, so that it can be fixed."""
        self.ensure_one()
        cells = self._priority_rules().cell_order
        return format_cell_order(cells) if cells else self.priority_cell_order

    def _drop_activity_type(self):
        return self.segmentation_drop_activity_type_id or self.env.ref(
            "mail.mail_activity_data_todo", raise_if_not_found=False
        )

    def _cell_strategies(self):
        """{cell: strategy text} of this company in the user's language: the
        company's own text, else the addon's default."""
        self.ensure_one()
        defaults = self._default_cell_strategies()
        return {cell: self[field] or defaults[cell] for cell, field in STRATEGY_FIELDS.items()}

    def _default_cell_strategies(self):
        """The method's advice per cell, translated."""
        return {
            "AX": self.env._(
                "Retain: a dedicated account manager, regular business reviews, priority on stock and service, "
                "a yearly agreement on volumes and prices."
            ),
            "AY": self.env._(
                "Retain with dedicated service; move toward X with a regular-order agreement and reminders ahead "
                "of their seasonal peaks."
            ),
            "AZ": self.env._(
                "Large but irregular: learn their projects and plan contacts around them; propose a framework or "
                "call-off agreement so that orders become regular."
            ),
            "BX": self.env._(
                "Grow toward A: offer the ranges they still buy elsewhere, volume tiers; keep the rhythm with "
                "standing orders."
            ),
            "BY": self.env._(
                "Grow and steady: regular-order agreements and reminders at their usual interval to move toward X; "
                "targeted offers."
            ),
            "BZ": self.env._(
                "Make purchases regular: reminders at their usual interval, subscriptions or standing orders for "
                "consumables."
            ),
            "CX": self.env._(
                "Serve at low cost through self-service ordering and standard terms; automated reminders; watch "
                "for growth."
            ),
            "CY": self.env._("Serve at low cost through self-service and standard terms; automated reminders."),
            "CZ": self.env._(
                "Lowest cost to serve: self-service, standard terms, minimum order or prepayment; no dedicated effort."
            ),
        }

    def _segmentation_churn_months(self):
        """The churn threshold of the analyses, checked with the other
        analyses settings when a run reads it."""
        return self._settings_checked("analyses").churn_months

    def _segmentation_growth_threshold(self):
        return self._settings("analyses").growth_threshold

    def _crosssell_settings(self):
        """The cross-selling settings of this company, an empty one its
        default."""
        return self._settings("crosssell")

    def _crosssell_settings_checked(self):
        """The cross-selling settings a mining may use."""
        return self._settings_checked("crosssell")

    # ------------------------------------------------------------------
    # runs

    def _classify(self, rebuild=False):
        """Classify this company, every analysis rebuilt from scratch when
        `rebuild`, and keep the run's time and figures on it, in the
        caller's transaction: the one record of a classification run,
        whoever starts it."""
        stats = self._rebuild_customer_analyses() if rebuild else self._recompute_customer_classification()
        self.write(
            {
                "segmentation_last_run": fields.Datetime.now(),
                "segmentation_last_error": False,
                "segmentation_last_customers": stats["customers"],
                "segmentation_last_updated": stats["written"],
                "segmentation_last_in_cells": self.env["res.partner"]
                .with_company(self)
                .search_count([("abc_xyz_class", "!=", False)]),
            }
        )
        return stats

    def _classification_summary(self):
        """What the last classification of the companies in `self` found, in
        words: what each count counts, so that it agrees with the matrix."""
        return self.env._(
            "%(customers)s customers with sales classified, %(cells)s of them in a cell of the matrix "
            "(the others have no ABC or no XYZ class yet); %(changed)s updated.",
            customers=sum(self.mapped("segmentation_last_customers")),
            cells=sum(self.mapped("segmentation_last_in_cells")),
            changed=sum(self.mapped("segmentation_last_updated")),
        )

    def _recompute_customer_classification(self, rebuild=False):
        """The run of this company: its facts from what changed since the
        last run (everything on a `rebuild`), its classes, then its analyses."""
        self.ensure_one()
        started = time.monotonic()
        if rebuild:
            # the contacts are rebuilt from every message and meeting too
            self.sudo().segmentation_contacts_since = False
        stats = self.env["customer.classification"]._run(self, rebuild=rebuild)
        stats["analyses"] = self.env["customer.analysis"]._refresh(
            self,
            run_date=stats.pop("run_date"),
            partner_ids=stats.pop("partner_ids"),
            moved_months=stats.pop("moved_months"),
            spell_rows=stats.pop("spell_rows"),
        )
        _logger.info(
            "Classified %s customers of company %s (%s updated; facts%s: %s) in %.1f s",
            stats["customers"],
            self.id,
            stats["written"],
            " rebuilt" if rebuild else "",
            stats["facts"],
            time.monotonic() - started,
        )
        return stats

    def _rebuild_customer_analyses(self):
        """Classify this company with its facts and every analysis rebuilt
        from every document; returns the figures of
        _recompute_customer_classification."""
        return self._recompute_customer_classification(rebuild=True)

    @api.model
    def _cron_rebuild_customer_analyses(self):
        """The weekly check that the incremental runs kept every figure: a
        full rebuild queued for each company the schedule reaches, done by
        the scheduled classification (the figures it corrects are in its
        log). A company busy right now is left to the next check."""
        for company in self.search([("segmentation_on_demand_only", "=", False)]):
            try:
                with self.env.cr.savepoint():
                    company._queue_run("segmentation", "rebuild")
            except BUSY_ERRORS:
                _logger.info("Company %s is busy; the next weekly check queues its rebuild", company.id)

    @api.model
    def _cron_recompute_customer_classification(self):
        """Classify the companies queued from Settings (a full rebuild when
        asked), then those the schedule reaches (see _run_scheduled)."""
        self._run_scheduled(
            "segmentation",
            lambda company, request: company._classify(rebuild=request == "rebuild"),
            "Customer classification of company",
        )

    def _mine_crosssell_rules(self):
        self.ensure_one()
        started = time.monotonic()
        stats = self.env["customer.crosssell.mining"]._mine(self)
        self.write({"crosssell_last_run": fields.Datetime.now(), "crosssell_last_error": False})
        _logger.info(
            "Mined %s cross-sell rules and %s bundles of company %s from %s customers in %.1f s; left out: "
            "%s rules towards products no longer for sale, %s products without category from category rules",
            stats["rules"],
            stats["bundles"],
            self.id,
            stats["customers"],
            time.monotonic() - started,
            stats["rules_not_offerable"],
            stats["uncategorized_products"],
        )
        return stats

    @api.model
    def _cron_mine_crosssell_rules(self):
        """Mine the companies queued from Settings, then those the schedule
        reaches (see _run_scheduled)."""
        self._run_scheduled(
            "crosssell", lambda company, _request: company._mine_crosssell_rules(), "Cross-sell mining of company"
        )

    def _queue_run(self, prefix, request):
        """Ask the scheduled action of the runs of `prefix` (RUN_CRONS) for
        `request` on the companies in `self`, and wake it up. A request
        already queued keeps its time and requester (a full rebuild also
        does what a recompute would). A company another transaction holds,
        such as a run of it, is refused at once rather than waited for."""
        self._lock_for_run()
        wake_up(self.env, RUN_CRONS[prefix])
        for company in self:
            if company[f"{prefix}_run_requested"] in (request, "rebuild"):
                continue
            company.write(
                dict(zip(_request_fields(prefix), (request, self.env.uid, fields.Datetime.now()), strict=True))
            )

    def _lock_for_run(self):
        """Hold the companies in `self` for a run or a request of one, or
        raise a LockError at once when another transaction holds them."""
        lock_or_raise(
            self,
            self.env._(
                "%(companies)s is busy with a run (classification, rebuild or cross-sell mining) or a change of "
                "its settings; ask again once Settings show that run done.",
                companies=", ".join(self.mapped("name")),
            ),
        )

    @api.model
    def _run_scheduled(self, prefix, run, label):
        """The scheduled action of the runs of `prefix`: `run(company,
        request)` for the companies queued from Settings, oldest request
        first, then for those the schedule reaches (`<prefix>_on_demand_only`
        off, not taken since the schedule last came: started before, or,
        never started by it, last run before), those that waited longest
        (`<prefix>_last_run`) first, each in its own committed step.

        When a company is taken, its start is committed first (Settings show
        it running); its request (read again once the company is held) is
        cleared with the run's results, in their transaction, so that a run
        that dies leaves it queued. A failure is kept on its company
        (`<prefix>_last_error`, the request cleared) and the others still
        run. A company another transaction holds (a run started by code, the
        other scheduled action) is skipped, and the action triggered
        again shortly to take it then (see run_committed_steps)."""
        since = _last_scheduled(self.env.ref(RUN_CRONS[prefix]))
        requested = self.search([(f"{prefix}_run_requested", "!=", False)], order=f"{prefix}_run_requested_at, id")
        started, last_run = f"{prefix}_run_started", f"{prefix}_last_run"
        due = self.search(
            Domain("id", "not in", requested.ids)
            & Domain(f"{prefix}_on_demand_only", "=", False)
            & (
                Domain(started, "<", since)
                | (Domain(started, "=", False) & (Domain(last_run, "=", False) | Domain(last_run, "<", since)))
            ),
            order=f"{last_run} ASC NULLS FIRST, id",
        )
        no_request = dict.fromkeys(_request_fields(prefix), False)
        run_committed_steps(
            requested | due,
            lambda company: company._run_for_request(prefix, run),
            lambda company, message: company.write({f"{prefix}_last_error": message, **no_request}),
            label,
            start=lambda company: company._start_run(prefix),
        )

    def _start_run(self, prefix):
        """Mark the run of `prefix` of this company started, its last error
        left behind."""
        self._lock_for_run()
        self.write({f"{prefix}_run_started": fields.Datetime.now(), f"{prefix}_last_error": False})

    def _run_for_request(self, prefix, run):
        """`run(company, request)` on this company for the request it holds
        now (False when the schedule took it), the request cleared with the
        run's results."""
        self._lock_for_run()
        self.invalidate_recordset(_request_fields(prefix))
        request = self[f"{prefix}_run_requested"]
        run(self, request)
        if request:
            self.write(dict.fromkeys(_request_fields(prefix), False))

    def _run_state(self, prefix):
        """Where the runs of `prefix` of this company stand: "running" from
        the start of a scheduled run until it is done or failed, "queued"
        while a request waits, else False."""
        self.ensure_one()
        started, done = self[f"{prefix}_run_started"], self[f"{prefix}_last_run"]
        if started and not self[f"{prefix}_last_error"] and (not done or done < started):
            return "running"
        return "queued" if self[f"{prefix}_run_requested"] else False

    # ------------------------------------------------------------------
    # demo data: called by the demo records; the loaders live in demo/ with
    # the data they complete, as account's do in account/demo

    def _load_customer_segmentation_demo(self, product_ids, salesperson_ids):
        load_segmentation_demo(self, product_ids, salesperson_ids)

    def _load_customer_crosssell_demo(self):
        load_crosssell_demo(self.env)

    def _run_customer_segmentation_demo(self):
        run_demo(self)
