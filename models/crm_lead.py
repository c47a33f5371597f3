from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..analytics.priority import CELLS
from .common import MEMBER_TABLE, MONEY_READERS, NO_SEGMENT, NO_XYZ_CLASS, NOT_CLASSIFIED, SALES_USER
from .res_partner import ABC_CLASSES, ABC_XYZ_CELLS, XYZ_CLASSES

# lead field -> the customer's per-company column it shows
CUSTOMER_CLASS_COLUMNS = {
    "customer_abc_class": "abc_class",
    "customer_xyz_class": "xyz_class",
    "customer_abc_xyz_class": "abc_xyz_class",
}
# lead fields computed in SQL from the customer (`_field_to_sql`)
CUSTOMER_SQL_FIELDS = frozenset(
    {*CUSTOMER_CLASS_COLUMNS, "customer_cell_rank", "customer_classification_revenue", "customer_needs_attention"}
)


def _customer_field(field_type, string, help_text, search, compute="_compute_customer_classification", **kwargs):
    """A figure of the lead's customer in the lead's company, read from the
    customer when shown, searched, grouped or sorted (never stored on the
    lead, so it cannot go stale). Same access as on the customer."""
    kwargs.setdefault("groups", SALES_USER)
    return field_type(string=string, help=help_text, compute=compute, search=search, **kwargs)


class CrmLead(models.Model):
    """The classification of an opportunity's customer (the commercial entity
    of its contact) in the opportunity's company, on the pipeline's cards,
    lists, filters, groupings and order. One SQL expression per field
    (`_field_to_sql`) serves searching, grouping and sorting alike."""

    _inherit = "crm.lead"

    customer_abc_class = _customer_field(
        fields.Selection,
        "Customer ABC Class",
        "ABC class of the customer in the opportunity's company.",
        search="_search_customer_abc_class",
        selection=ABC_CLASSES,
        falsy_value_label=NOT_CLASSIFIED,
    )
    customer_xyz_class = _customer_field(
        fields.Selection,
        "Customer XYZ Class",
        "XYZ class of the customer in the opportunity's company.",
        search="_search_customer_xyz_class",
        selection=XYZ_CLASSES,
        falsy_value_label=NO_XYZ_CLASS,
    )
    customer_abc_xyz_class = _customer_field(
        fields.Selection,
        "Customer Cell",
        "ABC-XYZ cell of the customer in the opportunity's company.",
        search="_search_customer_abc_xyz_class",
        selection=ABC_XYZ_CELLS,
        falsy_value_label=NOT_CLASSIFIED,
    )
    customer_cell_rank = _customer_field(
        fields.Integer,
        "Customer Cell Rank",
        "Position of the customer's cell in the company's cell priority (1 is the most important); "
        "empty when the customer has no cell.",
        search="_search_customer_cell_rank",
        aggregator=None,
    )
    customer_classification_revenue = _customer_field(
        fields.Monetary,
        "Customer Revenue",
        "The customer's net revenue in the ABC window of the opportunity's company.",
        search="_search_customer_classification_revenue",
        groups=MONEY_READERS,
        compute="_compute_customer_classification_revenue",
        currency_field="company_currency",
        aggregator=None,  # a customer's figure repeated on each of its leads: no sum
    )
    customer_needs_attention = _customer_field(
        fields.Boolean,
        "Customer Needs Attention",
        "The customer needs attention today under the rules of the opportunity's company.",
        search="_search_customer_needs_attention",
        compute="_compute_customer_attention",
    )
    customer_attention_reasons = fields.Text(
        compute="_compute_customer_attention",
        groups=SALES_USER,
        help="Why the customer needs attention, in words.",
    )
    customer_segment_ids = fields.Many2many(
        "customer.segment",
        string="Customer Segments",
        compute="_compute_customer_segment_ids",
        search="_search_customer_segment_ids",
        groups=SALES_USER,
        help="Segments of the customer that you may read.",
        falsy_value_label=NO_SEGMENT,
    )

    crosssell_rule_key = fields.Char(
        string="Cross-sell Rule",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="The cross-sell rule this opportunity was created for: a customer gets one open opportunity per rule.",
    )

    # ------------------------------------------------------------------
    # values shown

    def _customers_by_company(self):
        """{company: leads}, each lead read in its company (the current one
        when it has none); leads without a customer are left out."""
        return self.filtered("partner_id").grouped(lambda lead: lead.company_id or self.env.company)

    @api.depends_context("company")
    @api.depends("partner_id.commercial_partner_id", "company_id")
    def _compute_customer_classification(self):
        self.customer_abc_class = self.customer_xyz_class = self.customer_abc_xyz_class = False
        self.customer_cell_rank = False
        for company, leads in self._customers_by_company().items():
            cell_order = company._priority_cell_order()
            for lead in leads:
                customer = lead.partner_id.commercial_partner_id.with_company(company)
                for lead_field, column in CUSTOMER_CLASS_COLUMNS.items():
                    lead[lead_field] = customer[column]
                cell = customer.abc_xyz_class
                lead.customer_cell_rank = cell_order.index(cell) + 1 if cell else False

    @api.depends_context("company")
    @api.depends("partner_id.commercial_partner_id", "company_id")
    def _compute_customer_classification_revenue(self):
        self.customer_classification_revenue = False
        for company, leads in self._customers_by_company().items():
            for lead in leads:
                customer = lead.partner_id.commercial_partner_id.with_company(company)
                lead.customer_classification_revenue = customer.classification_revenue

    @api.depends_context("company")
    @api.depends("partner_id.commercial_partner_id", "company_id")
    def _compute_customer_attention(self):
        self.customer_needs_attention = False
        self.customer_attention_reasons = False
        for company, leads in self._customers_by_company().items():
            # iterating the customers together evaluates their attention in one query
            customers = leads.partner_id.commercial_partner_id.with_company(company)
            attention = {customer.id: (customer.needs_attention, customer.attention_reasons) for customer in customers}
            for lead in leads:
                needs, reasons = attention[lead.partner_id.commercial_partner_id.id]
                lead.customer_needs_attention = needs
                lead.customer_attention_reasons = reasons

    @api.depends_context("uid", "allowed_company_ids")
    @api.depends("partner_id.commercial_partner_id.segment_ids")
    def _compute_customer_segment_ids(self):
        for lead in self:
            lead.customer_segment_ids = lead.partner_id.commercial_partner_id.segment_ids

    # ------------------------------------------------------------------
    # searching, grouping and sorting: one SQL expression per field

    def _field_to_sql(self, alias, field_expr, query=None):
        if field_expr not in CUSTOMER_SQL_FIELDS:
            return super()._field_to_sql(alias, field_expr, query)
        self._check_field_access(self._fields[field_expr], "read")
        if query is None:
            raise ValueError(f"{field_expr} is read from the lead's customer: it needs a query to join it")
        customer = self._customer_alias(alias, query)
        company = SQL(
            "COALESCE(%s, %s)",
            SQL.identifier(alias, "company_id", to_flush=self._fields["company_id"]),
            self.env.company.id,
        )
        if field_expr in CUSTOMER_CLASS_COLUMNS:
            return self._customer_column_sql(customer, CUSTOMER_CLASS_COLUMNS[field_expr], company)
        if field_expr == "customer_classification_revenue":
            return SQL("(%s)::numeric", self._customer_column_sql(customer, "classification_revenue", company))
        # the companies whose leads the user sees (record rules): their rules
        companies = self.env.companies
        if field_expr == "customer_cell_rank":
            cell = self._customer_column_sql(customer, "abc_xyz_class", company)
            orders = SQL(" ").join(
                SQL("WHEN %s THEN %s::text[]", each.id, list(each._priority_cell_order())) for each in companies
            )
            return SQL("array_position(CASE %s %s ELSE %s::text[] END, %s)", company, orders, list(CELLS), cell)
        # customer_needs_attention, under the rules of the lead's company
        Partner = self.env["res.partner"]
        Partner._attention_flush()
        attention = SQL(" ").join(
            SQL(
                "WHEN %s THEN (%s)",
                each.id,
                SQL(" OR ").join(Partner._attention_sql(customer, each).values() or [SQL("FALSE")]),
            )
            for each in companies
        )
        return SQL("(%s IS NOT NULL AND CASE %s %s ELSE FALSE END)", SQL.identifier(customer, "id"), company, attention)

    def _read_group_groupby(self, alias, groupby_spec, query):
        """Group by the customer's segments the user may read (a lead in
        several segments counts in each, as with any many2many)."""
        if groupby_spec != "customer_segment_ids":
            return super()._read_group_groupby(alias, groupby_spec, query)
        self._check_field_access(self._fields[groupby_spec], "read")
        self.env["res.partner"].flush_model(["segment_ids"])
        Segment = self.env["customer.segment"]
        readable = Segment._search(Segment._partner_segments_domain())
        customer = self._customer_alias(alias, query)
        member = query.make_alias(customer, "segment_member")
        query.add_join(
            "LEFT JOIN",
            member,
            MEMBER_TABLE,
            SQL(
                "%s = %s AND %s IN %s",
                SQL.identifier(customer, "id"),
                SQL.identifier(member, "partner_id"),
                SQL.identifier(member, "segment_id"),
                readable.subselect(),
            ),
        )
        return SQL.identifier(member, "segment_id")

    def _customer_alias(self, alias, query):
        """The alias of the lead's customer (its contact's commercial entity)
        in `query`, joined once; NULL for a lead without a customer."""
        Partner = self.env["res.partner"]
        contact = query.make_alias(alias, "customer_segmentation_contact")
        query.add_join(
            "LEFT JOIN",
            contact,
            "res_partner",
            SQL(
                "%s = %s",
                SQL.identifier(alias, "partner_id", to_flush=self._fields["partner_id"]),
                SQL.identifier(contact, "id"),
            ),
        )
        customer = query.make_alias(contact, "commercial")
        query.add_join(
            "LEFT JOIN",
            customer,
            "res_partner",
            SQL(
                "%s = %s",
                SQL.identifier(contact, "commercial_partner_id", to_flush=Partner._fields["commercial_partner_id"]),
                SQL.identifier(customer, "id"),
            ),
        )
        return customer

    def _customer_column_sql(self, customer, column, company):
        """The customer's per-company `column` in the lead's `company`."""
        field = self.env["res.partner"]._fields[column]
        return SQL("(%s ->> (%s)::text)", SQL.identifier(customer, column, to_flush=field), company)

    def _search_customer(self, field_name, operator, value):
        """Compare the field's SQL expression as Odoo compares a stored column
        (a lead without a customer or a class is NULL: "not A" keeps it)."""
        field = self._fields[field_name]
        return Domain.custom(
            to_sql=lambda model, alias, query: field.condition_to_sql(field_name, operator, value, model, alias, query)
        )

    def _search_customer_segment_ids(self, operator, value):
        if operator in Domain.NEGATIVE_OPERATORS:
            return NotImplemented  # Odoo negates the positive search: leads without a customer stay
        return Domain("partner_id", "any", [("commercial_partner_id.segment_ids", operator, value)])

    def _search_customer_abc_class(self, operator, value):
        return self._search_customer("customer_abc_class", operator, value)

    def _search_customer_xyz_class(self, operator, value):
        return self._search_customer("customer_xyz_class", operator, value)

    def _search_customer_abc_xyz_class(self, operator, value):
        return self._search_customer("customer_abc_xyz_class", operator, value)

    def _search_customer_cell_rank(self, operator, value):
        return self._search_customer("customer_cell_rank", operator, value)

    def _search_customer_classification_revenue(self, operator, value):
        return self._search_customer("customer_classification_revenue", operator, value)

    def _search_customer_needs_attention(self, operator, value):
        return self._search_customer("customer_needs_attention", operator, value)
