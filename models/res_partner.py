import operator
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from ..analytics import RELATIVE_COLUMNS, RESULT_COLUMNS, window_bounds
from ..analytics.cadence import CONTACT_COLUMNS
from ..analytics.priority import ATTENTION_REASONS, CELLS
from ..tools.frames import copy_frame
from .common import (
    MEMBER_TABLE,
    MONEY_READERS,
    NO_SEGMENT,
    NO_STATUS,
    NO_XYZ_CLASS,
    NOT_CLASSIFIED,
    PURCHASE_WINDOWS,
    SALES_USER,
    SEGMENTATION_MANAGER,
    SegmentMembers,
    apply_ondelete,
)

ABC_CLASSES = [("A", "A"), ("B", "B"), ("C", "C")]
XYZ_CLASSES = [("X", "X"), ("Y", "Y"), ("Z", "Z")]
# the nine cells of analytics.priority (AX, AY, AZ, BX ... CZ) as a selection
ABC_XYZ_CELLS = [(cell, cell) for cell in CELLS]
# the figures only the runs write: the classification's and the cadence's
CLASSIFICATION_FIELDS = frozenset(RESULT_COLUMNS) | frozenset(CONTACT_COLUMNS)
LIFECYCLE_STATUSES = [
    ("new", "New"),
    ("active", "Active"),
    ("at_risk", "At Risk"),
    ("lost", "Lost"),
    ("returned", "Returned"),
]
MATRIX_MEASURES = ("revenue", "margin")
# the comparisons a search of a standing figure (customer.classification.standing) takes
STANDING_COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
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


def _standing_field(field_type, name, string, help_text, groups=SALES_USER):
    """A per-company figure of the customer's standing in the client base,
    which the classification run keeps in customer.classification.standing
    (it moves with every other customer's figures): read, searched and
    sorted there, in the current company."""
    return field_type(
        string=string,
        help=help_text,
        compute="_compute_standing",
        inverse=f"_inverse_{name}",
        search=f"_search_{name}",
        readonly=True,
        copy=False,
        groups=groups,
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


def _attention_field(string, reason, help_text):
    return fields.Boolean(
        string=string,
        compute="_compute_attention",
        search=f"_search_attention_{reason}",
        groups=SALES_USER,
        help=help_text,
    )


class ResPartner(models.Model):
    """Customers as the segmentation sees them, per company: the classes,
    figures, purchase rhythm and lifecycle status the classification run
    stores, the segments, the segment criteria, the cross-sell suggestions;
    the reasons a customer needs attention (evaluated live, from the stored
    figures, today's date, the company's current rules and the activities
    planned now), the rank of the priority lists and the ABC-XYZ matrix."""

    _inherit = "res.partner"

    # the customers a run reads again: those written since the last run
    # (customer.sales.document._changed_documents)
    _write_date_idx = models.Index("(write_date)")

    abc_class = _classification_field(
        fields.Selection,
        "ABC Class",
        "Importance of the customer in the company's sales: the manual class when an administrator set one, "
        "otherwise the computed class.",
        selection=ABC_CLASSES,
        falsy_value_label=NOT_CLASSIFIED,
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
        falsy_value_label=NO_XYZ_CLASS,
    )
    abc_xyz_class = _classification_field(
        fields.Selection,
        "ABC-XYZ Cell",
        "ABC class and XYZ class together.",
        selection=ABC_XYZ_CELLS,
        group_expand="_group_expand_abc_xyz_class",
        falsy_value_label=NOT_CLASSIFIED,
    )
    abc_metric_value = _classification_field(
        fields.Float,
        "ABC Metric",
        "Value of the ABC metric (revenue, margin or number of documents) in the ABC window.",
        groups=MONEY_READERS,
    )
    abc_share = _standing_field(
        fields.Float, "abc_share", "Share (%)", "Share of the company's ABC metric in the window.", groups=MONEY_READERS
    )
    abc_cumulative_share = _standing_field(
        fields.Float,
        "abc_cumulative_share",
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
    purchase_interval_days = _classification_field(
        fields.Integer,
        "Usual Interval (days)",
        "Median number of days between two purchase dates over the last 24 months; "
        "empty with fewer than 3 purchase dates.",
    )
    next_purchase_date = _classification_field(
        fields.Date, "Next Purchase Expected", "Last purchase date plus the usual interval."
    )
    revenue_change_percent = _classification_field(
        fields.Float,
        "Revenue Change (%)",
        "Revenue in the ABC window against the window of the same length before it, in percent; "
        "empty when there was no revenue before.",
        digits=(16, 1),
    )
    priority_rank = _standing_field(
        fields.Integer,
        "priority_rank",
        "Priority",
        "Rank of the customer in the company: by the priority of its cell (see the settings), then by revenue.",
    )
    last_contact_date = _classification_field(
        fields.Date,
        "Last Contact",
        "The latest contact with the customer: a done activity, a meeting or a sent email, on it, its contacts or "
        "their documents (as of the last classification run).",
    )
    contact_count_90d = _classification_field(
        fields.Integer,
        "Contacts in 90 Days",
        "Contacts in the 90 days up to the last classification run: at most one a day per activity type.",
    )
    contact_interval_days = _classification_field(
        fields.Integer,
        "Usual Contact Interval (days)",
        "Median number of days between two contact dates over the last 6 months; empty with fewer than 3.",
    )
    recommended_contact_interval_days = _classification_field(
        fields.Integer,
        "Recommended Contact Interval (days)",
        "Days between two contacts at the cadence that pays for the customer's profile: its cadence-profile "
        "segment's recommendation, else its cell's; empty where the data recommends none.",
    )
    next_contact_date = _classification_field(
        fields.Date, "Next Contact Due", "Last contact plus the recommended contact interval."
    )
    lifecycle_status = _classification_field(
        fields.Selection,
        "Lifecycle Status",
        "Where the customer stands in the company's client base, from its monthly purchases and the churn "
        "threshold: new (first purchase within the threshold), active, at risk (no purchase for half the "
        "threshold), lost (none for the whole threshold), returned (bought again after being lost, within the "
        "threshold). Set by the classification run.",
        selection=LIFECYCLE_STATUSES,
        falsy_value_label=NO_STATUS,
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
        falsy_value_label=NO_SEGMENT,
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
    purchase_overdue_days = fields.Integer(
        string="Days Overdue",
        compute="_compute_purchase_overdue_days",
        search="_search_purchase_overdue_days",
        groups=SALES_USER,
        help="Days since the expected next purchase, today (the company's date); 0 when not overdue.",
    )
    days_since_last_contact = fields.Integer(
        string="Days since Last Contact",
        compute="_compute_days_since_last_contact",
        search="_search_days_since_last_contact",
        groups=SALES_USER,
        help="Days from the last contact to today (the company's date) in the current company; not set for a "
        "customer never contacted.",
    )
    contact_overdue_days = fields.Integer(
        string="Contact Overdue (days)",
        compute="_compute_contact_overdue_days",
        search="_search_contact_overdue_days",
        groups=SALES_USER,
        help="Days since the next contact was due (last contact plus the recommended interval), today; 0 when "
        "not overdue.",
    )
    needs_attention = fields.Boolean(
        compute="_compute_attention",
        search="_search_needs_attention",
        groups=SALES_USER,
        help="At least one of the company's attention rules holds for the customer today.",
    )
    attention_reasons = fields.Text(
        compute="_compute_attention",
        groups=SALES_USER,
        help="Why the customer needs attention, in words.",
    )
    attention_overdue = _attention_field(
        "Overdue beyond Tolerance",
        "overdue",
        "The next purchase is late by more than the company's tolerance of the usual interval.",
    )
    attention_class_drop = _attention_field(
        "Class Dropped", "class_drop", "The computed ABC or XYZ class went down in the last days set by the company."
    )
    attention_revenue_down = _attention_field(
        "Revenue Down", "revenue_down", "Revenue fell by more than the company's threshold against the window before."
    )
    attention_no_activity = _attention_field(
        "A Customer without Activity", "no_activity", "An A customer with no activity planned."
    )
    attention_contact_overdue = _attention_field(
        "Contact Overdue",
        "contact_overdue",
        "Not contacted within the recommended contact interval of the customer's profile.",
    )
    abc_xyz_strategy = fields.Text(
        string="Cell Strategy",
        compute="_compute_abc_xyz_strategy",
        groups=SALES_USER,
        help="What the company does with the customers of this cell (Sales settings).",
    )
    salesperson_team_id = fields.Many2one(
        related="user_id.sale_team_id",
        string="Sales Team",
        help="The sales team of the customer's salesperson.",
    )
    open_opportunity_count = fields.Integer(
        string="Open Opportunities",
        compute="_compute_open_opportunity_count",
        groups=SALES_USER,
        help="Opportunities of the customer and its contacts that are neither won nor lost.",
    )

    # client groups (customer.client.group): the legal entities of one client
    client_group_id = fields.Many2one(
        "customer.client.group",
        index="btree_not_null",
        ondelete="set null",
        copy=False,
        tracking=True,
        groups=SALES_USER,
        help="The client this legal entity belongs to with other entities (a holding and its subsidiaries). "
        "When the company classifies client groups as one, its sales count for the head of the group.",
    )
    client_group_head_id = fields.Many2one(
        related="client_group_id.head_partner_id", string="Head of the Group", groups=SALES_USER
    )
    client_group_classified = fields.Boolean(
        string="Classified with its Group",
        compute="_compute_client_group_classified",
        groups=SALES_USER,
        help="A member of a client group the current company classifies as one: its sales count for the head, "
        "whose classes and figures are the group's.",
    )
    client_group_abc_xyz_class = fields.Selection(
        related="client_group_id.head_partner_id.abc_xyz_class", string="Group's Cell", groups=SALES_USER
    )
    client_group_revenue = fields.Float(
        related="client_group_id.head_partner_id.classification_revenue",
        string="Group's Revenue in Window",
        groups=MONEY_READERS,
    )
    client_group_share = fields.Float(
        string="Share of the Group (%)",
        compute="_compute_client_group_share",
        groups=MONEY_READERS,
        digits=(16, 1),
        help="The entity's own revenue over the revenue of its whole client group in the ABC window, "
        "in the current company.",
    )
    classification_group_id = _classification_field(
        fields.Many2one,
        "Group at the Last Run",
        "The client group the last classification run counted the entity in (empty: none): "
        "the class changes of the next run say when it joined or left one.",
        comodel_name="customer.client.group",
    )

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

    # ------------------------------------------------------------------
    # compute and search: classes, purchases, segment criteria

    @api.depends_context("company")
    def _compute_standing(self):
        """The standing of each customer in the current company (none: 0)."""
        standings = self.env["customer.classification.standing"]._figures(self.env.company, self.ids)
        for partner in self:
            share, cumulative_share, rank = standings.get(partner._origin.id, (0.0, 0.0, 0))
            partner.abc_share = share
            partner.abc_cumulative_share = cumulative_share
            partner.priority_rank = rank

    def _store_standing(self, fname):
        """Only superuser code may set what a run stores (see write): the
        figure `fname` goes where the run keeps it, in the current company."""
        self.env["customer.classification.standing"]._store_figure(
            self.env.company, fname, dict(zip(self.ids, self.mapped(fname), strict=True))
        )

    def _inverse_abc_share(self):
        self._store_standing("abc_share")

    def _inverse_abc_cumulative_share(self):
        self._store_standing("abc_cumulative_share")

    def _inverse_priority_rank(self):
        self._store_standing("priority_rank")

    def _standing_domain(self, fname, operator, value):
        """The customers whose standing figure `fname` in the current company
        meets (operator, value), a customer without a standing counting as
        0, as the figure reads: those with a standing that meets it, or,
        when 0 meets it, all but those with a standing that does not. Only
        for users who may read the figure: a search would tell it."""
        self._check_field_access(self._fields[fname], "read")
        if operator == "in":
            zero_meets = any(not item for item in value)
        elif operator in STANDING_COMPARISONS:
            zero_meets = STANDING_COMPARISONS[operator](0, value or 0)
        else:
            return NotImplemented
        condition = Domain(fname, operator, value)
        standings = self.env["customer.classification.standing"].sudo()
        in_company = Domain("company_id", "=", self.env.company.id)
        if zero_meets:
            return Domain("id", "not in", standings._search(in_company & ~condition).subselect("partner_id"))
        return Domain("id", "in", standings._search(in_company & condition).subselect("partner_id"))

    def _search_abc_share(self, operator, value):
        return self._standing_domain("abc_share", operator, value)

    def _search_abc_cumulative_share(self, operator, value):
        return self._standing_domain("abc_cumulative_share", operator, value)

    def _search_priority_rank(self, operator, value):
        return self._standing_domain("priority_rank", operator, value)

    def _field_to_sql(self, alias, field_expr, query=None):
        """The standing figures (sorting the priority lists by rank) from
        customer.classification.standing, joined in the current company."""
        if field_expr not in RELATIVE_COLUMNS:
            return super()._field_to_sql(alias, field_expr, query)
        self._check_field_access(self._fields[field_expr], "read")
        company = self.env.company.id
        standing = query.make_alias(alias, "standing")
        query.add_join(
            "LEFT JOIN",
            standing,
            "customer_classification_standing",
            SQL(
                "%s = %s AND %s = %s",
                SQL.identifier(standing, "partner_id"),
                SQL.identifier(alias, "id"),
                SQL.identifier(standing, "company_id"),
                company,
            ),
        )
        return SQL("COALESCE(%s, 0)", SQL.identifier(standing, field_expr))

    @api.depends_context("company")
    @api.depends("client_group_id.head_partner_id", "client_group_id.company_id")
    def _compute_client_group_classified(self):
        company = self.env.company
        for partner in self:
            group = partner.client_group_id
            partner.client_group_classified = bool(
                company.segmentation_classify_groups
                and group
                and group.head_partner_id != partner
                and group.company_id in (company, group.company_id.browse())
            )

    @api.depends_context("company")
    @api.depends("client_group_id")
    def _compute_client_group_share(self):
        """One query for the members of every group shown: each entity's own
        revenue in the ABC window, over its group's."""
        groups = self.client_group_id
        revenues = {}
        if groups:
            company = self.env.company
            start, end = window_bounds(
                company._segmentation_today(), company._segmentation_rules_checked().abc_window_months
            )
            revenues = dict(
                self.env.execute_query(
                    SQL(
                        """
                        SELECT entity_id, SUM(revenue)
                          FROM (%(lines)s) AS sale
                         WHERE entity_id IN (SELECT id FROM res_partner WHERE client_group_id = ANY(%(groups)s))
                         GROUP BY entity_id
                        """,
                        lines=self.env["customer.sales.source"]._sale_lines(company, start, end),
                        groups=groups.ids,
                    )
                )
            )
        totals = {group: sum(revenues.get(member.id, 0) for member in group.partner_ids) for group in groups}
        for partner in self:
            total = totals.get(partner.client_group_id)
            partner.client_group_share = float(revenues.get(partner.id, 0) / total * 100) if total else 0.0

    @api.constrains("client_group_id")
    def _check_client_group(self):
        """Groups are made of commercial entities (contacts buy for their
        company), and the head of a group stays in it."""
        for partner in self.filtered("client_group_id"):
            company = partner.commercial_partner_id
            if company != partner:
                raise ValidationError(
                    self.env._(
                        "%(contact)s is a contact of %(company)s: client groups are made of companies. "
                        "Add %(company)s instead.",
                        contact=partner.display_name,
                        company=company.display_name,
                    )
                )
        # every group, whatever the companies of the user who moves the entity
        heads = self.env["customer.client.group"].sudo().search([("head_partner_id", "in", self.ids)])
        for group in heads:
            if group.head_partner_id.client_group_id not in (group, group.browse()):
                raise ValidationError(
                    self.env._(
                        "%(entity)s is the head of the client group %(group)s: choose another head for it first.",
                        entity=group.head_partner_id.display_name,
                        group=group.display_name,
                    )
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

    @api.depends_context("company")
    @api.depends("last_purchase_date")
    def _compute_days_since_last_purchase(self):
        self._compute_days_since("last_purchase_date", "days_since_last_purchase")

    def _search_days_since_last_purchase(self, operator, value):
        return self._search_days_since("last_purchase_date", operator, value)

    @api.depends_context("company")
    @api.depends("last_contact_date")
    def _compute_days_since_last_contact(self):
        self._compute_days_since("last_contact_date", "days_since_last_contact")

    def _search_days_since_last_contact(self, operator, value):
        return self._search_days_since("last_contact_date", operator, value)

    def _compute_days_since(self, date_field, days_field):
        """`days_field` = days from `date_field` to today (the company's date)."""
        today = self.env.company._segmentation_today()
        for partner in self:
            last = partner[date_field]
            partner[days_field] = (today - last).days if last else False

    def _search_days_since(self, date_field, operator, value):
        """Days since a date compare the other way round with the date: more
        than N days ago means a date before today - N. A customer without
        the date has no value: only "not set" finds it."""
        today = self.env.company._segmentation_today()
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
        if operator in flipped:
            return Domain(date_field, flipped[operator], today - timedelta(days=int(value))) & Domain(
                date_field, "!=", False
            )
        if operator == "in":
            dates = [today - timedelta(days=int(days)) for days in value if days is not False]
            condition = Domain(date_field, "in", dates)
            if False in value:
                condition |= Domain(date_field, "=", False)
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

    # ------------------------------------------------------------------
    # compute and search: rhythm and attention

    @api.depends_context("company")
    @api.depends("next_purchase_date")
    def _compute_purchase_overdue_days(self):
        self._compute_overdue_days("next_purchase_date", "purchase_overdue_days")

    def _search_purchase_overdue_days(self, operator, value):
        return self._search_overdue_days("next_purchase_date", operator, value)

    @api.depends_context("company")
    @api.depends("next_contact_date")
    def _compute_contact_overdue_days(self):
        self._compute_overdue_days("next_contact_date", "contact_overdue_days")

    def _search_contact_overdue_days(self, operator, value):
        return self._search_overdue_days("next_contact_date", operator, value)

    def _compute_overdue_days(self, date_field, days_field):
        """`days_field` = days from the due date `date_field` to today (the
        company's date), 0 when not due yet."""
        today = self.env.company._segmentation_today()
        for partner in self:
            due = partner[date_field]
            partner[days_field] = max((today - due).days, 0) if due else 0

    def _search_overdue_days(self, date_field, operator, value):
        """Days overdue compare the other way round with the due date; a
        customer without one, or not late, is overdue by 0."""
        today = self.env.company._segmentation_today()
        late = Domain(date_field, "!=", False)
        not_overdue = Domain(date_field, "=", False) | Domain(date_field, ">=", today)
        if operator in ("<", "<=", ">", ">="):
            days = int(value)
            late_by = {">": ("<", days), ">=": ("<=", days), "<": (">", days), "<=": (">=", days)}
            date_operator, bound = late_by[operator]
            condition = late & Domain(date_field, date_operator, today - timedelta(days=bound))
            # "below N" (N > 0) also holds for those overdue by 0
            if (operator == "<" and days > 0) or (operator == "<=" and days >= 0):
                condition |= not_overdue
            return condition
        if operator == "in":
            days = {int(day or 0) for day in value}
            condition = Domain(date_field, "in", [today - timedelta(days=day) for day in days if day > 0])
            if 0 in days:
                condition |= not_overdue
            return condition
        return NotImplemented

    @api.depends_context("company")
    @api.depends(
        "next_purchase_date",
        "purchase_interval_days",
        "next_contact_date",
        "revenue_change_percent",
        "abc_class",
        "activity_ids",
        "classification_history_ids",
    )
    def _compute_attention(self):
        """Every reason of the partners in `self` in one query."""
        conditions = self._attention_sql("partner")
        found = {}
        partners = self.filtered("id")
        if partners and conditions:
            self._attention_flush()
            rows = self.env.execute_query(
                SQL(
                    "SELECT partner.id, %s FROM res_partner partner WHERE partner.id = ANY(%s)",
                    SQL(", ").join(conditions.values()),
                    partners.ids,
                )
            )
            found = {row[0]: dict(zip(conditions, row[1:], strict=True)) for row in rows}
        labels = self._attention_labels()
        for partner in self:
            reasons = found.get(partner.id, {})
            for reason in ATTENTION_REASONS:
                partner[f"attention_{reason}"] = bool(reasons.get(reason))
            partner.needs_attention = any(reasons.values())
            partner.attention_reasons = "\n".join(labels[reason](partner) for reason in reasons if reasons[reason])

    def _search_attention(self, reasons, operator, value):
        if operator != "in":
            return NotImplemented
        conditions = [condition for reason, condition in self._attention_sql("partner").items() if reason in reasons]
        self._attention_flush()
        if conditions:
            found = SQL("SELECT partner.id FROM res_partner partner WHERE %s", SQL(" OR ").join(conditions))
            domain = Domain("id", "any!", found)
        else:
            domain = Domain.FALSE
        return domain if True in value else ~domain

    def _search_needs_attention(self, operator, value):
        return self._search_attention(ATTENTION_REASONS, operator, value)

    def _search_attention_overdue(self, operator, value):
        return self._search_attention(("overdue",), operator, value)

    def _search_attention_class_drop(self, operator, value):
        return self._search_attention(("class_drop",), operator, value)

    def _search_attention_revenue_down(self, operator, value):
        return self._search_attention(("revenue_down",), operator, value)

    def _search_attention_no_activity(self, operator, value):
        return self._search_attention(("no_activity",), operator, value)

    def _search_attention_contact_overdue(self, operator, value):
        return self._search_attention(("contact_overdue",), operator, value)

    # ------------------------------------------------------------------
    # compute: cells, opportunities, cross-selling

    @api.depends_context("company")
    @api.depends("abc_xyz_class")
    def _compute_abc_xyz_strategy(self):
        strategies = self.env.company._cell_strategies()
        for partner in self:
            partner.abc_xyz_strategy = strategies.get(partner.abc_xyz_class) or False

    def _compute_open_opportunity_count(self):
        """Opportunities of each customer and its contacts still open, in one
        grouped read."""
        partners = self.filtered("id")
        counts = {}
        if partners:
            groups = self.env["crm.lead"]._read_group(
                [
                    ("type", "=", "opportunity"),
                    ("won_status", "=", "pending"),
                    ("partner_id.commercial_partner_id", "in", partners.commercial_partner_id.ids),
                ],
                ["partner_id"],
                ["__count"],
            )
            for contact, count in groups:
                commercial = contact.commercial_partner_id.id
                counts[commercial] = counts.get(commercial, 0) + count
        for partner in self:
            partner.open_opportunity_count = counts.get(partner.id, 0)

    def _group_expand_abc_xyz_class(self, values, domain):
        """Grouped by cell (kanban), every cell shows, in the company's
        priority order; `formatted_read_group` folds the empty ones."""
        return list(self.env.company._priority_cell_order())

    @api.depends_context("company")
    def _compute_crosssell_suggestions(self):
        suggestions = self.env["customer.crosssell.mining"]._suggestions(self.filtered("id"), self.env.company)
        for partner in self:
            found = suggestions.get(partner.commercial_partner_id.id, [])
            partner.suggested_product_ids = [fields.Command.set([s["product"] for s in found if s["product"]])]
            partner.suggested_category_ids = [fields.Command.set([s["category"] for s in found if s["category"]])]
            partner.crosssell_reasons = "\n".join(f"{s['name']}: {s['reason']}" for s in found) or False
            partner.crosssell_summary = ", ".join(s["name"] for s in found[:3]) or False

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

    # ------------------------------------------------------------------
    # CRUD

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
        if "client_group_id" in vals and not self.env.su and not self.env.user.has_group(SEGMENTATION_MANAGER):
            raise AccessError(
                self.env._("Only customer segmentation administrators may put customers into client groups.")
            )
        if "segment_ids" in vals:
            vals = dict(vals)
            self.env["customer.segment"]._apply_partner_commands(self, vals.pop("segment_ids"))
        rezoned = self.filtered(lambda partner: partner.tz != vals["tz"]) if "tz" in vals else self.browse()
        result = super().write(vals)
        if rezoned:
            self.env["res.company"]._segmentation_time_zone_moved(rezoned)
        if "abc_class_manual" in vals:
            self._apply_manual_abc_class()
            # a manual class moves the customer to another cell: its rank follows
            self.env["customer.classification"].sudo()._rerank(self.env.company)
        return result

    def unlink(self):
        """The facts and analyses of deleted customers go with them; the
        next run of their companies then classifies and refreshes every
        customer: the others' shares, classes and counts move without them,
        and no document tells it so. The cadence summary follows at once."""
        result = super().unlink()
        deleted = apply_ondelete(self)
        Company = self.env["res.company"].sudo()
        companies = Company.browse(set().union(*deleted.values()))
        companies.write({"segmentation_last_run_key": False, "segmentation_analyses_date": False})
        for company in Company.browse(deleted.get("customer.cadence.report", ())):
            self.env["customer.cadence.summary"].sudo()._refresh(company)
        return result

    @api.model
    @api.readonly
    def formatted_read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        groups = super().formatted_read_group(
            domain, groupby, aggregates, having=having, offset=offset, limit=limit, order=order
        )
        if list(groupby) == ["abc_xyz_class"] and self.env.context.get("read_group_expand"):
            for group in groups:
                if group.get("__count") == 0:
                    group["__fold"] = True
        return groups

    # ------------------------------------------------------------------
    # actions

    def action_view_partner_opportunities(self):
        """The customer's open opportunities (a row button of the priority
        list)."""
        self.ensure_one()
        action = self.action_view_opportunity()
        action["context"] = {"default_partner_id": self.id, "search_default_filter_ongoing": 1}
        return action

    def action_view_partner_orders(self):
        """The customer's quotations and sales orders."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.act_res_partner_2_sale_order")
        action["domain"] = [("partner_id", "child_of", self.ids)]
        action["context"] = {"default_partner_id": self.id}
        return action

    @api.model
    def action_open_priority_clients(self, facets=None, name=None):
        """The priority clients screen on the customers of a cell, a row or a
        column of the matrix with its filters: `facets` ({field of the
        priority search view: value}) become removable facets of the search
        bar, in place of the "My Clients" filter, and `name` says what is
        listed."""
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_segmentation.action_my_priority_clients")
        action["context"] = {
            "search_default_my_clients": 0,
            **{f"search_default_{field}": value for field, value in (facets or {}).items()},
        }
        if name:
            action["name"] = action["display_name"] = name
        return action

    # ------------------------------------------------------------------
    # business

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

    @api.model
    def _entities_written_since(self, since):
        """The commercial entities of the partners written since `since`
        (through the index on write_date): an archived customer, a
        salesperson changed, a contact moved to another company; the runs
        count their figures again."""
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT commercial_partner_id FROM res_partner"
                " WHERE write_date >= %s AND commercial_partner_id IS NOT NULL",
                since,
            )
        )
        return {partner_id for (partner_id,) in rows}

    def _purchase_lines(self, since):
        """The current company's sale lines since `since` (the one definition
        of a sale)."""
        return self.env["customer.sales.source"]._sale_lines(self.env.company, date_from=since)

    def _attention_sql(self, alias, company=None):
        """{reason: SQL condition} on the res_partner row `alias` for the
        rules of `company` (default: the current one) that are switched on,
        as they hold today. Conditions are never NULL."""
        company = company or self.env.company
        rules = company._priority_rules()
        today = company._segmentation_today()
        key = str(company.id)

        def column(name, kind):
            return SQL("(%s ->> %s)::%s", SQL.identifier(alias, name), key, SQL(kind))

        partner_id = SQL.identifier(alias, "id")
        conditions = {
            "overdue": SQL(
                "%(today)s::date - %(expected)s > %(tolerance)s * %(interval)s / 100.0",
                today=today,
                expected=column("next_purchase_date", "date"),
                tolerance=rules.overdue_tolerance,
                interval=column("purchase_interval_days", "int4"),
            ),
            "class_drop": SQL(
                """EXISTS (SELECT 1 FROM customer_classification_history change
                            WHERE change.partner_id = %(partner)s AND change.company_id = %(company)s
                              AND change.date >= %(since)s
                              AND (change.old_abc_class < change.new_abc_class
                                   OR change.old_xyz_class < change.new_xyz_class))""",
                partner=partner_id,
                company=company.id,
                since=today - timedelta(days=rules.class_drop_days),
            ),
            "revenue_down": SQL(
                "%s < %s", column("revenue_change_percent", "float8"), -float(rules.revenue_down_percent)
            ),
            "no_activity": SQL(
                "%s = 'A' AND NOT %s",
                SQL("(%s ->> %s)", SQL.identifier(alias, "abc_class"), key),
                self._planned_sql(alias),
            ),
            "contact_overdue": SQL("%s < %s::date", column("next_contact_date", "date"), today),
        }
        return {
            reason: SQL("COALESCE((%s), FALSE)", condition)
            for reason, condition in conditions.items()
            if reason in rules.enabled_reasons
        }

    def _planned_sql(self, alias):
        """Whether something is planned with the customer `alias`: an open
        activity on it or one of its contacts, or on one of their open leads
        and opportunities."""
        return SQL(
            """(EXISTS (SELECT 1 FROM mail_activity activity
                          JOIN res_partner contact ON contact.id = activity.res_id
                         WHERE activity.res_model = 'res.partner' AND activity.active
                           AND contact.commercial_partner_id = %(partner)s)
                OR EXISTS (SELECT 1 FROM mail_activity activity
                             JOIN crm_lead lead ON lead.id = activity.res_id
                             JOIN res_partner contact ON contact.id = lead.partner_id
                            WHERE activity.res_model = 'crm.lead' AND activity.active AND lead.active
                              AND contact.commercial_partner_id = %(partner)s))""",
            partner=SQL.identifier(alias, "id"),
        )

    def _attention_flush(self):
        self.env["res.partner"].flush_model()
        self.env["mail.activity"].flush_model(["res_model", "res_id", "active"])
        self.env["crm.lead"].flush_model(["partner_id", "active"])
        self.env["customer.classification.history"].flush_model()

    def _attention_labels(self):
        """{reason: partner -> words}, in the user's language."""
        rules = self.env.company._priority_rules()
        return {
            "overdue": lambda partner: self.env._(
                "Next purchase overdue by %(days)s days (usually every %(interval)s days)",
                days=partner.purchase_overdue_days,
                interval=partner.purchase_interval_days,
            ),
            "class_drop": lambda partner: self.env._(
                "Class dropped in the last %(days)s days (now %(cell)s)",
                days=rules.class_drop_days,
                cell=partner.abc_xyz_class or partner.abc_class or self.env._("no class"),
            ),
            "revenue_down": lambda partner: self.env._(
                "Revenue down %(percent)s %% against the previous period",
                percent=f"{abs(partner.revenue_change_percent):.0f}",
            ),
            "no_activity": lambda partner: self.env._("A customer with no activity planned"),
            "contact_overdue": lambda partner: self.env._(
                "Contact overdue by %(days)s days (recommended every %(interval)s days)",
                days=partner.contact_overdue_days,
                interval=partner.recommended_contact_interval_days,
            ),
        }

    @api.model
    @api.readonly
    def get_abc_xyz_matrix(self, domain=None, measure="revenue"):
        """The ABC-XYZ matrix of the current company for the customers
        matching `domain` (within the user's access): one entry per cell, in
        the order AX, AY, AZ, BX ... CZ, with its number of customers, revenue,
        margin, share of the `measure` ("revenue" or "margin") in percent of
        the nine cells, and the strategy text of the cell. Users who may not
        read money get the counts only (revenue, margin and share None).

        One SQL aggregation over the per-company columns."""
        if measure not in MATRIX_MEASURES:
            raise UserError(self.env._("The matrix measures revenue or margin, not %(measure)s.", measure=measure))
        company = self.env.company
        key = str(company.id)
        money = self._has_field_access(self._fields["classification_revenue"], "read")
        matching = self._search(Domain(domain or []) & Domain("abc_xyz_class", "!=", False))
        self.flush_model(["abc_xyz_class", "classification_revenue", "classification_margin"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner.abc_xyz_class ->> %(key)s,
                       COUNT(*),
                       ROUND(SUM((partner.classification_revenue ->> %(key)s)::numeric), 2),
                       ROUND(SUM((partner.classification_margin ->> %(key)s)::numeric), 2)
                  FROM res_partner partner
                 WHERE partner.id IN (%(matching)s)
                 GROUP BY 1
                """,
                key=key,
                matching=matching.subselect(),
            )
        )
        figures = {cell: (count, revenue or 0, margin or 0) for cell, count, revenue, margin in rows}
        total = sum(figures[cell][1 if measure == "revenue" else 2] for cell in figures if cell in CELLS)
        strategies = company._cell_strategies()
        matrix = []
        for cell in CELLS:
            count, revenue, margin = figures.get(cell, (0, 0, 0))
            value = revenue if measure == "revenue" else margin
            matrix.append(
                {
                    "cell": cell,
                    "count": count,
                    "revenue": float(revenue) if money else None,
                    "margin": float(margin) if money else None,
                    "share": (round(float(value * 100 / total), 2) if total > 0 else 0.0) if money else None,
                    "strategy": strategies[cell],
                }
            )
        return matrix

    @api.model
    def _segmentation_profiles(self, company, condition):
        """The salesperson, the salesperson's team and the cell in `company`
        of the customers matching `condition` (SQL on alias `partner`): what
        the analyses group customers by. A frame indexed by partner_id."""
        frame = copy_frame(
            self.env.cr,
            SQL(
                """
                SELECT partner.id AS partner_id, partner.user_id, seller.sale_team_id AS team_id,
                       partner.abc_xyz_class ->> %s AS abc_xyz_class
                  FROM res_partner partner
                  LEFT JOIN res_users seller ON seller.id = partner.user_id
                 WHERE %s
                """,
                str(company.id),
                condition,
            ),
        )
        return frame.astype({"partner_id": "int64"}).set_index("partner_id")
