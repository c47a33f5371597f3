import logging
import time
from dataclasses import replace

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from ..analytics import MAX_WINDOW_MONTHS, ClassificationRules
from ..analytics.crosssell import CrosssellSettings
from ..analytics.priority import CELLS, AttentionRules, format_cell_order, parse_cell_order
from ..tools.cron import run_committed_steps
from .common import SEGMENTATION_MANAGER

_logger = logging.getLogger(__name__)

DEFAULT_RULES = ClassificationRules()

NUMERIC_RULE_FIELDS = {
    "abc_window_months": "segmentation_abc_window_months",
    "xyz_window_months": "segmentation_xyz_window_months",
    "abc_threshold_a": "segmentation_abc_threshold_a",
    "abc_threshold_b": "segmentation_abc_threshold_b",
    "xyz_threshold_x": "segmentation_xyz_threshold_x",
    "xyz_threshold_y": "segmentation_xyz_threshold_y",
    "min_history_months": "segmentation_min_history_months",
}
RULE_FIELDS = {"metric": "segmentation_abc_metric", **NUMERIC_RULE_FIELDS}

DEFAULT_CROSSSELL = CrosssellSettings()
# cross-selling settings: engine name -> company field
CROSSSELL_NUMERIC_FIELDS = {
    "window_months": "crosssell_window_months",
    "min_support": "crosssell_min_support",
    "min_confidence": "crosssell_min_confidence",
    "min_lift": "crosssell_min_lift",
    "min_customers": "crosssell_min_customers",
    "bundle_min_share": "crosssell_bundle_min_share",
    "bundle_size": "crosssell_bundle_size",
}
CROSSSELL_FIELDS = {"item_level": "crosssell_item_level", **CROSSSELL_NUMERIC_FIELDS}

DEFAULT_ATTENTION = AttentionRules()
# rule of AttentionRules -> company column; an empty (NULL) column means the
# default, so the switches are stored the other way round ("off")
ATTENTION_SWITCHES = {
    "overdue": "segmentation_attention_overdue_off",
    "class_drop": "segmentation_attention_class_drop_off",
    "revenue_down": "segmentation_attention_revenue_down_off",
    "no_activity": "segmentation_attention_no_activity_off",
    "drop_activity": "segmentation_drop_activity_off",
}
ATTENTION_NUMBERS = {
    "overdue_tolerance": "segmentation_overdue_tolerance",
    "class_drop_days": "segmentation_class_drop_days",
    "revenue_down_percent": "segmentation_revenue_down_percent",
    "drop_activity_days": "segmentation_drop_activity_days",
}
STRATEGY_FIELDS = {cell: f"segmentation_strategy_{cell.lower()}" for cell in CELLS}

DEFAULT_CHURN_MONTHS = 6
DEFAULT_GROWTH_THRESHOLD = 10.0


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
    segmentation_abc_metric = fields.Selection(
        [("revenue", "Revenue"), ("margin", "Gross margin"), ("count", "Number of invoices / orders")],
        string="ABC Metric",
        default="revenue",
        help="Empty means revenue.",
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
        help="Customers are A while the cumulative share before them is below this.",
    )
    segmentation_abc_threshold_b = fields.Float(
        string="B up to (%)",
        default=DEFAULT_RULES.abc_threshold_b,
        help="Customers are B while the cumulative share before them is below this.",
    )
    segmentation_xyz_threshold_x = fields.Float(
        string="X up to (%)",
        default=DEFAULT_RULES.xyz_threshold_x,
        help="Largest coefficient of variation, in percent, of an X customer.",
    )
    segmentation_xyz_threshold_y = fields.Float(
        string="Y up to (%)",
        default=DEFAULT_RULES.xyz_threshold_y,
        help="Largest coefficient of variation, in percent, of a Y customer.",
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
        default=DEFAULT_CHURN_MONTHS,
        help="A customer without a purchase for this many months is lost; buying again after a longer gap "
        "makes it a returning customer. Empty means 6 months.",
    )
    segmentation_growth_threshold = fields.Float(
        string="Growth Threshold (%)",
        default=DEFAULT_GROWTH_THRESHOLD,
        help="A change of revenue against the previous period beyond plus or minus this share marks a customer "
        "as growing or declining; within it, stable. Empty means 10 %.",
    )
    segmentation_analyses_date = fields.Date(
        string="Analyses Date", readonly=True, copy=False, help="Date of the last refresh of the analyses."
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

    @api.constrains(*RULE_FIELDS.values())
    def _check_segmentation_rules(self):
        """What a user saves is taken as written: a 0 is refused, not read
        as the default."""
        for company in self:
            company._check_rules(ClassificationRules(**{rule: company[field] for rule, field in RULE_FIELDS.items()}))

    @api.constrains("priority_cell_order", *ATTENTION_NUMBERS.values())
    def _check_priority_rules(self):
        """What a user saves is taken as written: a 0 is refused, not read as
        the default. The columns are read as stored, so that an empty one
        (NULL, which the ORM reads as 0) still means its default."""
        self.flush_recordset(["priority_cell_order", *ATTENTION_NUMBERS.values()])
        rows = self.env.execute_query(
            SQL(
                "SELECT id, priority_cell_order, %s FROM res_company WHERE id IN %s",
                SQL(", ").join(SQL.identifier(field) for field in ATTENTION_NUMBERS.values()),
                tuple(self.ids),
            )
        )
        for company_id, order, *numbers in rows:
            values = {rule: value for rule, value in zip(ATTENTION_NUMBERS, numbers, strict=True) if value is not None}
            values["cell_order"] = parse_cell_order(order) if order else DEFAULT_ATTENTION.cell_order
            self.browse(company_id)._check_priority_rules_values(replace(DEFAULT_ATTENTION, **values))

    @api.constrains("segmentation_churn_months", "segmentation_growth_threshold")
    def _check_segmentation_analyses(self):
        for company in self:
            company._check_analyses_settings(company.segmentation_churn_months, company.segmentation_growth_threshold)

    @api.constrains(*CROSSSELL_FIELDS.values())
    def _check_crosssell_settings(self):
        for company in self:
            company._check_crosssell(
                CrosssellSettings(**{name: company[field] for name, field in CROSSSELL_FIELDS.items()})
            )

    def write(self, vals):
        result = super().write(vals)
        if "priority_cell_order" in vals:
            # the order of the priority lists follows at once
            for company in self:
                self.env["customer.classification"].sudo()._rerank(company)
        return result

    def action_recompute_customer_classification(self):
        """Recompute the customer classes of the companies in `self` now."""
        if not self.env.su and not self.env.user.has_group(SEGMENTATION_MANAGER):
            raise AccessError(self.env._("Only segmentation administrators can recompute customer classes."))
        if not self.env.su and self - self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot recompute the customer classes of %(companies)s: you are not allowed in them.",
                    companies=", ".join((self - self.env.user.company_ids).mapped("name")),
                )
            )
        classified = changed = 0
        for company in self.sudo():
            stats = company._recompute_customer_classification()
            classified += stats["customers"]
            changed += stats["written"]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Customer classes recomputed"),
                "message": self.env._(
                    "%(customers)s customers classified, %(changed)s updated.", customers=classified, changed=changed
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_mine_crosssell_rules(self):
        """Mine the cross-sell rules and bundles of the companies in `self` now."""
        if not self.env.su and not self.env.user.has_group(SEGMENTATION_MANAGER):
            raise AccessError(self.env._("Only segmentation administrators can mine cross-sell rules."))
        if not self.env.su and self - self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot mine the cross-sell rules of %(companies)s: you are not allowed in them.",
                    companies=", ".join((self - self.env.user.company_ids).mapped("name")),
                )
            )
        rules = 0
        for company in self.sudo():
            rules += company._mine_crosssell_rules()["rules"]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Cross-sell rules mined"),
                "message": self.env._("%(rules)s rules found.", rules=rules),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _segmentation_rules(self):
        """The classification rules of this company; an empty setting (NULL,
        read as 0 or False: a company created while this addon's code was not
        loaded) takes its default."""
        self.ensure_one()
        return ClassificationRules(
            **{rule: self[field] or getattr(DEFAULT_RULES, rule) for rule, field in RULE_FIELDS.items()}
        )

    def _segmentation_rules_checked(self):
        """The rules a run may use: checked again when it starts, for
        settings changed behind the form (SQL, import, an old database)."""
        return self._check_rules(self._segmentation_rules())

    def _check_rules(self, rules):
        """`rules`, or a ValidationError naming what is wrong with them."""
        messages = {
            "metric": self.env._("Choose revenue, gross margin or number of documents as the ABC metric."),
            "abc_thresholds": self.env._(
                "ABC thresholds must satisfy 0 < A < B < 100 (for example A up to 80 %, B up to 95 %)."
            ),
            "xyz_thresholds": self.env._(
                "XYZ thresholds must satisfy 0 < X < Y (for example X up to 10 %, Y up to 25 %)."
            ),
            "windows": self.env._(
                "The ABC and XYZ windows must cover from 1 to %(months)s months.", months=MAX_WINDOW_MONTHS
            ),
            "min_history": self.env._(
                "The minimum history must be at least one month and no longer than the XYZ window."
            ),
        }
        problems = rules.violations()
        if problems:
            raise ValidationError(
                self.env._(
                    "Customer segmentation settings of %(company)s: %(problems)s",
                    company=self.name,
                    problems=" ".join(messages[code] for code in problems),
                )
            )
        return rules

    def _priority_rules(self):
        """The attention rules and cell order of this company, an empty
        setting taking its default."""
        self.ensure_one()
        values = {rule: not self[field] for rule, field in ATTENTION_SWITCHES.items()}
        values.update(
            {rule: self[field] or getattr(DEFAULT_ATTENTION, rule) for rule, field in ATTENTION_NUMBERS.items()}
        )
        values["cell_order"] = (
            parse_cell_order(self.priority_cell_order) if self.priority_cell_order else DEFAULT_ATTENTION.cell_order
        )
        return AttentionRules(**values)

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

    def _priority_rules_checked(self):
        """The rules a run may use, checked again when it starts."""
        return self._check_priority_rules_values(self._priority_rules())

    def _check_priority_rules_values(self, rules):
        messages = {
            "overdue_tolerance": self.env._("The overdue tolerance must be above 0 % and at most 1000 %."),
            "class_drop_days": self.env._("The class drop attention period must be from 1 to 3650 days."),
            "revenue_down_percent": self.env._("The revenue drop must be above 0 % and at most 100 %."),
            "drop_activity_days": self.env._("The class drop activity must be due in 1 to 365 days."),
            "cell_order": self.env._(
                "The cell priority must name each of the nine cells once, for example %(example)s.",
                example=format_cell_order(DEFAULT_ATTENTION.cell_order),
            ),
        }
        problems = rules.violations()
        if problems:
            raise ValidationError(
                self.env._(
                    "Priority client settings of %(company)s: %(problems)s",
                    company=self.name,
                    problems=" ".join(messages[code] for code in problems),
                )
            )
        return rules

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

    def _check_analyses_settings(self, churn_months, growth_threshold):
        if not 1 <= churn_months <= 60:
            raise ValidationError(self.env._("The churn threshold must be from 1 to 60 months."))
        if not 0 < growth_threshold < 1000:
            raise ValidationError(self.env._("The growth threshold must be a positive percentage."))

    def _segmentation_churn_months(self):
        self.ensure_one()
        months = self.segmentation_churn_months or DEFAULT_CHURN_MONTHS
        self._check_analyses_settings(months, self._segmentation_growth_threshold())
        return months

    def _segmentation_growth_threshold(self):
        self.ensure_one()
        return self.segmentation_growth_threshold or DEFAULT_GROWTH_THRESHOLD

    def _crosssell_settings(self):
        """The cross-selling settings of this company, an empty one its default."""
        self.ensure_one()
        return CrosssellSettings(
            **{name: self[field] or getattr(DEFAULT_CROSSSELL, name) for name, field in CROSSSELL_FIELDS.items()}
        )

    def _crosssell_settings_checked(self):
        return self._check_crosssell(self._crosssell_settings())

    def _check_crosssell(self, settings):
        """`settings`, or a ValidationError naming what is wrong with them."""
        messages = {
            "item_level": self.env._("Choose product categories or products as cross-sell items."),
            "window": self.env._(
                "The cross-sell window must cover from 1 to %(months)s months.", months=MAX_WINDOW_MONTHS
            ),
            "percentages": self.env._("The minimum support and confidence must be above 0 % and at most 100 %."),
            "lift": self.env._("The minimum lift must be above 0 (1 means no link at all)."),
            "customers": self.env._("A rule needs at least one customer."),
            "bundle": self.env._("A bundle needs a share above 0 % and at most 100 %, and from 1 to 20 items."),
        }
        problems = settings.violations()
        if problems:
            raise ValidationError(
                self.env._(
                    "Cross-selling settings of %(company)s: %(problems)s",
                    company=self.name,
                    problems=" ".join(messages[code] for code in problems),
                )
            )
        return settings

    def _segmentation_sales_source(self):
        return self.segmentation_sales_source or "invoice"

    def _segmentation_today(self):
        """Today in the company's time zone (its address's), so that the
        scheduled run and a user's button agree on the date."""
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self.partner_id.tz or "UTC"))

    def _recompute_customer_classification(self):
        self.ensure_one()
        started = time.monotonic()
        stats = self.env["customer.classification"]._run(self)
        stats["analyses"] = self.env["customer.analysis"]._refresh(self)
        self.write({"segmentation_last_run": fields.Datetime.now(), "segmentation_last_error": False})
        _logger.info(
            "Classified %s customers of company %s (%s updated) in %.1f s",
            stats["customers"],
            self.id,
            stats["written"],
            time.monotonic() - started,
        )
        return stats

    @api.model
    def _cron_recompute_customer_classification(self):
        """Classify every company that asks for it, each in its own committed
        step, those that waited longest first: a failure is kept on its
        company and the others still run."""
        companies = self.search(
            [("segmentation_on_demand_only", "=", False)], order="segmentation_last_run ASC NULLS FIRST, id"
        )
        run_committed_steps(
            companies,
            lambda company: company._recompute_customer_classification(),
            lambda company, message: company.write({"segmentation_last_error": message}),
            "Customer classification of company",
        )

    def _mine_crosssell_rules(self):
        self.ensure_one()
        started = time.monotonic()
        stats = self.env["customer.crosssell.rule"]._mine(self)
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
        """Mine every company that asks for it, each in its own committed
        step; a failure is kept on its company and the others still run."""
        companies = self.search(
            [("crosssell_on_demand_only", "=", False)], order="crosssell_last_run ASC NULLS FIRST, id"
        )
        run_committed_steps(
            companies,
            lambda company: company._mine_crosssell_rules(),
            lambda company, message: company.write({"crosssell_last_error": message}),
            "Cross-sell mining of company",
        )
