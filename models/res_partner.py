from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tools import SQL

from ..analytics import RESULT_COLUMNS
from .common import MEMBER_TABLE, SEGMENTATION_MANAGER

ABC_CLASSES = [("A", "A"), ("B", "B"), ("C", "C")]
XYZ_CLASSES = [("X", "X"), ("Y", "Y"), ("Z", "Z")]
ABC_XYZ_CELLS = [(abc + xyz, abc + xyz) for abc, _label in ABC_CLASSES for xyz, _label2 in XYZ_CLASSES]
CLASSIFICATION_FIELDS = frozenset(RESULT_COLUMNS)


def _classification_field(field_type, string, help_text, **kwargs):
    """A per-company figure written by the classification run only.

    No btree index: searches read the company's key in the JSON column, which
    such an index does not serve, and every index slows the bulk write-back.
    """
    return field_type(
        string=string, help=help_text, company_dependent=True, readonly=True, copy=False, index=False, **kwargs
    )


def _purchased_category_field(months):
    """A segment criterion: "bought a product of category C (or below) in
    the last `months` months", answered by a query on the posted invoices
    instead of a stored copy of the sales."""
    return fields.Many2many(
        "product.category",
        string=f"Bought Category in the Last {months} Months",
        compute="_compute_purchased_categories",
        search=f"_search_purchased_category_{months}m",
        help=f"Product categories of the posted customer invoices of the last {months} months, "
        "in the current company. Searching a category also finds its subcategories.",
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
    )
    abc_share = _classification_field(fields.Float, "Share (%)", "Share of the company's ABC metric in the window.")
    abc_cumulative_share = _classification_field(
        fields.Float,
        "Cumulative Share (%)",
        "Share of the customers ranked up to and including this one.",
    )
    classification_revenue = _classification_field(
        fields.Float,
        "Revenue in Window",
        "Net untaxed revenue in company currency over the ABC window.",
        digits="Account",
    )
    classification_margin = _classification_field(
        fields.Float,
        "Margin in Window",
        "Revenue minus product cost over the ABC window.",
        digits="Account",
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
        domain=lambda self: [("company_id", "=", self.env.company.id)],
    )
    segment_ids = fields.Many2many(
        "customer.segment",
        MEMBER_TABLE,
        "partner_id",
        "segment_id",
        string="Segments",
        copy=False,
        domain=lambda self: self.env["customer.segment"]._partner_segments_domain(),
        groups="sales_team.group_sale_salesman",
        help="Segments the customer belongs to. Static segments are changed by hand from the Segments menu "
        "or the Add to Segment action, dynamic ones by their rule.",
    )
    days_since_last_purchase = fields.Integer(
        string="Days since Last Purchase",
        compute="_compute_days_since_last_purchase",
        search="_search_days_since_last_purchase",
        help="Days since the latest sale in the current company; 0 when there is none.",
    )
    purchased_category_3m_ids = _purchased_category_field(3)
    purchased_category_6m_ids = _purchased_category_field(6)
    purchased_category_12m_ids = _purchased_category_field(12)

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
        today = fields.Date.context_today(self)
        for partner in self:
            last = partner.last_purchase_date
            partner.days_since_last_purchase = (today - last).days if last else 0

    def _search_days_since_last_purchase(self, operator, value):
        """Days since the last purchase compare the other way round with its
        date: more than N days ago means a last purchase before today - N."""
        today = fields.Date.context_today(self)
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
        if operator in flipped:
            return Domain("last_purchase_date", flipped[operator], today - timedelta(days=int(value)))
        if operator == "in":
            dates = [today - timedelta(days=int(days)) for days in value if days is not False]
            return Domain("last_purchase_date", "in", dates)
        return NotImplemented

    @api.depends_context("company")
    def _compute_purchased_categories(self):
        windows = {months: fields.Date.context_today(self) - relativedelta(months=months) for months in (3, 6, 12)}
        partners = self.filtered("id")
        bought = {}
        if partners:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT facts.partner_id,
                           ARRAY_AGG(DISTINCT facts.categ_id) FILTER (WHERE facts.invoice_date >= %(d3)s),
                           ARRAY_AGG(DISTINCT facts.categ_id) FILTER (WHERE facts.invoice_date >= %(d6)s),
                           ARRAY_AGG(DISTINCT facts.categ_id)
                      FROM (%(facts)s) AS facts
                     WHERE facts.partner_id = ANY(%(partners)s)
                     GROUP BY facts.partner_id
                    """,
                    facts=self._purchased_category_facts(windows[12]),
                    partners=partners.commercial_partner_id.ids,
                    d3=windows[3],
                    d6=windows[6],
                )
            )
            bought = {partner_id: arrays for partner_id, *arrays in rows}
        for partner in self:
            arrays = bought.get(partner.commercial_partner_id.id) or [None, None, None]
            partner.purchased_category_3m_ids = [fields.Command.set(arrays[0] or [])]
            partner.purchased_category_6m_ids = [fields.Command.set(arrays[1] or [])]
            partner.purchased_category_12m_ids = [fields.Command.set(arrays[2] or [])]

    def _search_purchased_category_3m(self, operator, value):
        return self._search_purchased_category(3, operator, value)

    def _search_purchased_category_6m(self, operator, value):
        return self._search_purchased_category(6, operator, value)

    def _search_purchased_category_12m(self, operator, value):
        return self._search_purchased_category(12, operator, value)

    def _search_purchased_category(self, months, operator, value):
        """Customers with a posted invoice line of the current company, in
        the last `months` months, on a product of one of the categories or
        their subcategories (`parent_path` prefix)."""
        categories = self.env["product.category"].sudo()
        if operator == "in" and False not in value:
            categories = categories.browse(value)
        elif operator == "any" and isinstance(value, Domain):
            categories = categories.search(value)
        else:
            return NotImplemented
        if not categories:
            return Domain.FALSE
        since = fields.Date.context_today(self) - relativedelta(months=months)
        return Domain(
            "id",
            "any!",
            SQL(
                "SELECT facts.partner_id FROM (%s) AS facts WHERE facts.categ_path LIKE ANY(%s)",
                self._purchased_category_facts(since),
                [path + "%" for path in categories.mapped("parent_path")],
            ),
        )

    def _purchased_category_facts(self, since):
        """(partner_id, categ_id, categ_path, invoice_date) of the posted
        customer invoice lines of the current company since `since`."""
        return SQL(
            """
            SELECT move.commercial_partner_id AS partner_id, category.id AS categ_id,
                   category.parent_path AS categ_path, move.invoice_date
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
              JOIN product_product product ON product.id = line.product_id
              JOIN product_template template ON template.id = product.product_tmpl_id
              JOIN product_category category ON category.id = template.categ_id
             WHERE move.company_id = %(company)s
               AND move.state = 'posted'
               AND move.move_type = 'out_invoice'
               AND line.display_type = 'product'
               AND move.invoice_date >= %(since)s
            """,
            company=self.env.company.id,
            since=since,
        )
