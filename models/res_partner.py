from datetime import timedelta

import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tools import SQL

from ..analytics import RESULT_COLUMNS
from ..analytics.crosssell import suggest
from .common import MEMBER_TABLE, MONEY_READERS, PURCHASE_WINDOWS, SALES_USER, SEGMENTATION_MANAGER, SegmentMembers
from .customer_crosssell_rule import OFFERABLE_RULES

ABC_CLASSES = [("A", "A"), ("B", "B"), ("C", "C")]
XYZ_CLASSES = [("X", "X"), ("Y", "Y"), ("Z", "Z")]
ABC_XYZ_CELLS = [(abc + xyz, abc + xyz) for abc, _label in ABC_CLASSES for xyz, _label2 in XYZ_CLASSES]
CLASSIFICATION_FIELDS = frozenset(RESULT_COLUMNS)
# "former products": bought before the last FORMER_MONTHS months, not since
FORMER_MONTHS = 3


def _classification_field(field_type, string, help_text, groups=SALES_USER, **kwargs):
    """A per-company figure written by the classification run only, readable
    by internal users with Sales rights (money figures: see MONEY_READERS).

    No btree index: searches read the company's key in the JSON column, which
    such an index does not serve, and every index slows the bulk write-back.
    """
    return field_type(
        string=string,
        help=help_text,
        company_dependent=True,
        readonly=True,
        copy=False,
        index=False,
        groups=groups,
        **kwargs,
    )


def _purchased_category_field(months):
    """A segment criterion: "bought a product of category C (or below) in
    the last `months` months", answered by a query on the company's sales."""
    return fields.Many2many(
        "product.category",
        string=f"Bought Category in the Last {months} Months",
        compute="_compute_purchased_categories",
        search=f"_search_purchased_category_{months}m",
        groups=SALES_USER,
        help=f"Product categories the customer bought in the last {months} months, in the current company "
        "(posted invoices or confirmed orders, as the company counts its sales). "
        "Searching a category also finds its subcategories.",
    )


class ResPartner(models.Model):
    _inherit = "res.partner"

    abc_class = _classification_field(
        fields.Selection,
        "ABC Class",
        "Importance of the customer in the company's sales: the manual class when an administrator set one, "
        "otherwise the computed class.",
        selection=ABC_CLASSES,
    )
    abc_class_computed = _classification_field(
        fields.Selection,
        "Computed ABC Class",
        "ABC class from the last classification run.",
        selection=ABC_CLASSES,
    )
    abc_class_manual = fields.Selection(
        ABC_CLASSES,
        string="Manual ABC Class",
        company_dependent=True,
        copy=False,
        index=False,
        groups=SEGMENTATION_MANAGER,
        help="Set by an administrator, this class wins over the computed one until it is cleared.",
    )
    abc_class_overridden = fields.Boolean(
        string="Class Set by Hand",
        compute="_compute_abc_class_overridden",
        search="_search_abc_class_overridden",
        groups=SALES_USER,
        help="The ABC class was set by hand and differs from the computed class.",
    )
    xyz_class = _classification_field(
        fields.Selection,
        "XYZ Class",
        "Stability of monthly purchases: X regular, Y fluctuating, Z occasional.",
        selection=XYZ_CLASSES,
    )
    abc_xyz_class = _classification_field(
        fields.Selection,
        "ABC-XYZ Cell",
        "ABC class and XYZ class together.",
        selection=ABC_XYZ_CELLS,
    )
    abc_metric_value = _classification_field(
        fields.Float,
        "ABC Metric",
        "Value of the ABC metric (revenue, margin or number of documents) in the ABC window.",
        groups=MONEY_READERS,
    )
    abc_share = _classification_field(
        fields.Float, "Share (%)", "Share of the company's ABC metric in the window.", groups=MONEY_READERS
    )
    abc_cumulative_share = _classification_field(
        fields.Float,
        "Cumulative Share (%)",
        "Share of the customers ranked up to and including this one.",
        groups=MONEY_READERS,
    )
    classification_revenue = _classification_field(
        fields.Float,
        "Revenue in Window",
        "Net untaxed revenue in company currency over the ABC window.",
        digits="Account",
        groups=MONEY_READERS,
    )
    classification_margin = _classification_field(
        fields.Float,
        "Margin in Window",
        "Revenue minus product cost over the ABC window.",
        digits="Account",
        groups=MONEY_READERS,
    )
    classification_document_count = _classification_field(
        fields.Integer, "Documents in Window", "Invoices or sales orders in the ABC window."
    )
    xyz_variation = _classification_field(
        fields.Float,
        "Coefficient of Variation",
        "Standard deviation of monthly revenue divided by its mean, over the XYZ window.",
        digits=(16, 4),
    )
    purchase_month_count = _classification_field(
        fields.Integer, "Months with Purchases", "Calendar months of the ABC window with at least one sale."
    )
    first_purchase_date = _classification_field(fields.Date, "First Purchase", "Date of the first sale ever.")
    last_purchase_date = _classification_field(fields.Date, "Last Purchase", "Date of the latest sale.")
    class_change_date = _classification_field(
        fields.Date, "Class Changed On", "Date of the run that last changed the computed ABC or XYZ class."
    )
    classification_history_ids = fields.One2many(
        "customer.classification.history",
        "partner_id",
        string="Class History",
        groups=SALES_USER,
        domain=lambda self: [("company_id", "=", self.env.company.id)],
    )
    segment_ids = SegmentMembers(
        "customer.segment",
        MEMBER_TABLE,
        "partner_id",
        "segment_id",
        string="Segments",
        copy=False,
        domain=lambda self: self.env["customer.segment"]._partner_segments_domain(),
        groups=SALES_USER,
        help="Segments the customer belongs to. Static segments are changed by hand from the Segments menu "
        "or the Add to Segment action, dynamic ones by their rule.",
    )
    days_since_last_purchase = fields.Integer(
        string="Days since Last Purchase",
        compute="_compute_days_since_last_purchase",
        search="_search_days_since_last_purchase",
        groups=SALES_USER,
        help="Days from the latest sale to today (the company's date) in the current company. "
        'Not set for a customer who never bought: search "is not set" to find them; '
        '"greater than N" finds the customers who bought, but not in the last N days.',
    )
    purchased_category_3m_ids = _purchased_category_field(3)
    purchased_category_6m_ids = _purchased_category_field(6)
    purchased_category_12m_ids = _purchased_category_field(12)

    # cross-selling: read from the company's mined rules and the customer's own purchases
    suggested_product_ids = fields.Many2many(
        "product.product",
        string="Suggested Products",
        compute="_compute_crosssell_suggestions",
        groups=SALES_USER,
        help="What customers who buy what this customer buys also buy, and it does not; ranked by confidence "
        "times the value the item brings to those customers.",
    )
    suggested_category_ids = fields.Many2many(
        "product.category",
        string="Suggested Categories",
        compute="_compute_crosssell_suggestions",
        groups=SALES_USER,
        help="The categories of the suggested products (or the suggested categories, when rules link categories).",
    )
    crosssell_reasons = fields.Text(
        string="Why These Suggestions", compute="_compute_crosssell_suggestions", groups=SALES_USER
    )
    crosssell_summary = fields.Char(
        string="Suggestions",
        compute="_compute_crosssell_suggestions",
        groups=SALES_USER,
        help="The first suggestions, in a few words.",
    )
    former_product_ids = fields.Many2many(
        "product.product",
        string="Former Products",
        compute="_compute_former_products",
        groups=SALES_USER,
        help="Products the customer bought in the cross-sell window before the last 3 months, "
        "and not in the last 3 months: a line of business to win back.",
    )

    @api.depends_context("company")
    @api.depends("abc_class", "abc_class_computed")
    def _compute_abc_class_overridden(self):
        for partner in self:
            partner.abc_class_overridden = partner.abc_class != partner.abc_class_computed

    def _search_abc_class_overridden(self, operator, value):
        if operator != "in":
            return NotImplemented
        # only the few customers with a manual class can differ
        with_manual = self.env["res.partner"].sudo().with_context(active_test=False)
        with_manual = with_manual.search([("abc_class_manual", "!=", False)])
        overridden = with_manual.filtered(lambda p: p.abc_class != p.abc_class_computed)
        condition = Domain("id", "in", overridden.ids)
        return condition if True in value else ~condition

    @api.model_create_multi
    def create(self, vals_list):
        """Segments given at creation join through the segments' own path,
        which records the entry."""
        if not self.env.su and any(vals.keys() & CLASSIFICATION_FIELDS for vals in vals_list):
            raise AccessError(self._classification_write_error())
        segment_commands = [vals.pop("segment_ids", None) for vals in vals_list]
        partners = super().create(vals_list)
        for partner, commands in zip(partners, segment_commands, strict=True):
            if commands:
                self.env["customer.segment"]._apply_partner_commands(partner, commands)
        return partners

    def write(self, vals):
        computed = vals.keys() & CLASSIFICATION_FIELDS
        if computed and not self.env.su:
            if not self.env.context.get("customer_segmentation_skip_classification"):
                raise AccessError(self._classification_write_error())
            vals = {name: value for name, value in vals.items() if name not in computed}
        if "segment_ids" in vals:
            vals = dict(vals)
            self.env["customer.segment"]._apply_partner_commands(self, vals.pop("segment_ids"))
        result = super().write(vals)
        if "abc_class_manual" in vals:
            self._apply_manual_abc_class()
        return result

    def _classification_write_error(self):
        return self.env._(
            "Customer classes are computed by the classification run; "
            "an administrator can set a manual ABC class instead."
        )

    def _apply_manual_abc_class(self):
        """Make the effective class and cell follow a manual class that was
        just set or cleared, in the current company."""
        partners = self.sudo()
        for (manual, computed, xyz), group in partners.grouped(
            lambda p: (p.abc_class_manual, p.abc_class_computed, p.xyz_class)
        ).items():
            effective = manual or computed
            group.write({"abc_class": effective, "abc_xyz_class": effective and xyz and effective + xyz})

    @api.depends_context("company")
    @api.depends("last_purchase_date")
    def _compute_days_since_last_purchase(self):
        today = self.env.company._segmentation_today()
        for partner in self:
            last = partner.last_purchase_date
            partner.days_since_last_purchase = (today - last).days if last else False

    def _search_days_since_last_purchase(self, operator, value):
        """Days since the last purchase compare the other way round with its
        date: more than N days ago means a last purchase before today - N.
        A customer who never bought has no value: only "not set" finds it."""
        today = self.env.company._segmentation_today()
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
        if operator in flipped:
            return Domain("last_purchase_date", flipped[operator], today - timedelta(days=int(value))) & Domain(
                "last_purchase_date", "!=", False
            )
        if operator == "in":
            dates = [today - timedelta(days=int(days)) for days in value if days is not False]
            condition = Domain("last_purchase_date", "in", dates)
            if False in value:
                condition |= Domain("last_purchase_date", "=", False)
            return condition
        return NotImplemented

    @api.depends_context("company")
    def _compute_purchased_categories(self):
        today = self.env.company._segmentation_today()
        since = {months: today - relativedelta(months=months) for months in PURCHASE_WINDOWS}
        partners = self.filtered("id")
        bought = {}
        if partners:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT partner_id, %(windows)s
                      FROM (%(lines)s) AS sale
                     WHERE partner_id = ANY(%(partners)s) AND NOT is_refund AND categ_id IS NOT NULL
                     GROUP BY partner_id
                    """,
                    windows=SQL(", ").join(
                        SQL("ARRAY_AGG(DISTINCT categ_id) FILTER (WHERE date >= %s)", since[months])
                        for months in PURCHASE_WINDOWS
                    ),
                    lines=self._purchase_lines(min(since.values())),
                    partners=partners.commercial_partner_id.ids,
                )
            )
            bought = {partner_id: dict(zip(PURCHASE_WINDOWS, arrays, strict=True)) for partner_id, *arrays in rows}
        for partner in self:
            categories = bought.get(partner.commercial_partner_id.id, {})
            for months in PURCHASE_WINDOWS:
                partner[f"purchased_category_{months}m_ids"] = [fields.Command.set(categories.get(months) or [])]

    @api.depends_context("company")
    def _compute_crosssell_suggestions(self):
        suggestions = self.filtered("id")._crosssell_suggestions(self.env.company)
        for partner in self:
            found = suggestions.get(partner.commercial_partner_id.id, [])
            partner.suggested_product_ids = [fields.Command.set([s["product"] for s in found if s["product"]])]
            partner.suggested_category_ids = [fields.Command.set([s["category"] for s in found if s["category"]])]
            partner.crosssell_reasons = "\n".join(f"{s['name']}: {s['reason']}" for s in found) or False
            partner.crosssell_summary = ", ".join(s["name"] for s in found[:3]) or False

    def _crosssell_suggestions(self, company, limit=10):
        """{commercial partner id: [suggestion]} for the customers in `self`,
        from `company`'s rules: each suggestion a dict of item, product (to
        offer), category, name, rule (record) and reason, best first. The
        rules' money is read in SQL to rank only: no amount is returned."""
        partners = self.commercial_partner_id
        if not partners:
            return {}
        offerable = (
            self.env["customer.crosssell.rule"].sudo()._search([("company_id", "=", company.id), *OFFERABLE_RULES])
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT rule.id, rule.item_level, rule.date_from, rule.date_to,
                       COALESCE(rule.consequent_category_id, rule.consequent_product_id),
                       ARRAY(SELECT category_id FROM customer_crosssell_rule_antecedent_category_rel
                              WHERE rule_id = rule.id
                              UNION ALL
                             SELECT product_id FROM customer_crosssell_rule_antecedent_product_rel
                              WHERE rule_id = rule.id),
                       rule.confidence, COALESCE(rule.peer_value, 0)
                  FROM customer_crosssell_rule rule
                 WHERE rule.id IN %s
                """,
                offerable.subselect(),
            )
        )
        if not rows:
            return {}
        frame = pd.DataFrame(
            rows,
            columns=["id", "level", "date_from", "date_to", "consequent", "antecedent", "confidence", "peer_value"],
        ).set_index("id")
        frame["antecedent"] = frame["antecedent"].map(lambda items: tuple(sorted(items)))
        frame["peer_value"] = frame["peer_value"].astype(float)
        level, date_from, date_to = frame.iloc[0][["level", "date_from", "date_to"]]
        bought = self.env["customer.crosssell.rule"]._fetch_bought(
            company, date_from, date_to + relativedelta(days=1), partners.ids
        )
        item = "categ_id" if level == "category" else "product_id"
        bought = bought[bought[item].notna()]
        found = suggest(
            pd.DataFrame({"customer": bought["partner_id"], "item": bought[item].astype(int)}), frame, limit=limit
        )
        rules = self.env["customer.crosssell.rule"].browse(found["rule"].astype(int).tolist())
        result = {}
        for customer, rule in zip(found["customer"].astype(int), rules, strict=True):
            product = rule.offer_product_id
            category = rule.consequent_category_id or product.categ_id
            result.setdefault(customer, []).append(
                {
                    "product": product.id,
                    "category": category.id,
                    "name": rule._consequent_name(),
                    "rule": rule,
                    "reason": rule._reason(),
                }
            )
        return result

    @api.depends_context("company")
    def _compute_former_products(self):
        company = self.env.company
        settings = company._crosssell_settings()
        recent = company._segmentation_today() - relativedelta(months=FORMER_MONTHS)
        since = recent - relativedelta(months=settings.window_months)
        partners = self.filtered("id").commercial_partner_id
        former = {}
        if partners:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT partner_id, ARRAY_AGG(product_id ORDER BY revenue DESC, product_id)
                      FROM (SELECT partner_id, product_id, SUM(revenue) AS revenue
                              FROM (%(lines)s) AS sale
                             WHERE NOT is_refund AND product_id IS NOT NULL AND partner_id = ANY(%(partners)s)
                             GROUP BY partner_id, product_id
                            HAVING SUM(quantity) FILTER (WHERE date < %(recent)s) > 0
                               AND NOT BOOL_OR(date >= %(recent)s)) AS lost
                     GROUP BY partner_id
                    """,
                    lines=self.env["customer.sales.source"]._sale_lines(company, date_from=since),
                    partners=partners.ids,
                    recent=recent,
                )
            )
            former = dict(rows)
        for partner in self:
            partner.former_product_ids = [fields.Command.set(former.get(partner.commercial_partner_id.id) or [])]

    def _search_purchased_category_3m(self, operator, value):
        return self._search_purchased_category(3, operator, value)

    def _search_purchased_category_6m(self, operator, value):
        return self._search_purchased_category(6, operator, value)

    def _search_purchased_category_12m(self, operator, value):
        return self._search_purchased_category(12, operator, value)

    def _search_purchased_category(self, months, operator, value):
        """Customers who bought, in the current company and the last `months`
        months, a product of one of the categories or their subcategories
        (`parent_path` prefix)."""
        categories = self.env["product.category"].sudo()
        if operator == "in" and False not in value:
            categories = categories.browse(value)
        elif operator == "any" and isinstance(value, Domain):
            categories = categories.search(value)
        else:
            return NotImplemented
        if not categories:
            return Domain.FALSE
        since = self.env.company._segmentation_today() - relativedelta(months=months)
        return Domain(
            "id",
            "any!",
            SQL(
                """SELECT sale.partner_id FROM (%s) AS sale
                     JOIN product_category category ON category.id = sale.categ_id
                    WHERE NOT sale.is_refund AND category.parent_path LIKE ANY(%s)""",
                self._purchase_lines(since),
                [path + "%" for path in categories.mapped("parent_path")],
            ),
        )

    def _purchase_lines(self, since):
        """The current company's sale lines since `since` (the one definition
        of a sale)."""
        return self.env["customer.sales.source"]._sale_lines(self.env.company, date_from=since)
