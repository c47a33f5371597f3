import logging
import time

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..analytics import MAX_WINDOW_MONTHS, ClassificationRules
from ..analytics.crosssell import CrosssellSettings
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


class ResCompany(models.Model):
    """Classification settings per company. None of these columns is NOT
    NULL and every empty value means the default: companies created while
    this addon's Python is not loaded (other modules' tests, SQL, imports)
    get NULLs, and must still classify with the defaults."""

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

    # cross-selling (same rules: nullable, empty means the default)
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

    @api.constrains(*CROSSSELL_FIELDS.values())
    def _check_crosssell_settings(self):
        for company in self:
            company._check_crosssell(
                CrosssellSettings(**{name: company[field] for name, field in CROSSSELL_FIELDS.items()})
            )

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

    def _segmentation_sales_source(self):
        return self.segmentation_sales_source or "invoice"

    def _segmentation_today(self):
        """Today in the company's time zone (its address's), so that the
        scheduled run and a user's button agree on the date."""
        self.ensure_one()
        return fields.Date.context_today(self.with_context(tz=self.partner_id.tz or "UTC"))

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
