from odoo import fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..models.common import MONEY_READERS, SALES_USER, Many2oneWithoutForeignKey
from ..models.res_partner import ABC_XYZ_CELLS
from ..tools.sync import leave_room_for_updates

# the cadences of analytics.cadence.CADENCES, in words
CADENCE_SELECTION = [
    ("daily", "Daily"),
    ("twice_weekly", "Twice a Week"),
    ("weekly", "Weekly"),
    ("biweekly", "Every Two Weeks"),
    ("monthly", "Monthly"),
    ("none", "Not this Month"),
    ("dormant", "Dormant"),
]
CADENCE_HELP = (
    "Contacts in the month: daily 16 or more, twice a week 8 to 15, weekly 4 to 7, every two weeks 2 or 3, "
    "monthly 1, not this month 0; dormant: no contact in the month nor the two before (about 90 days)."
)


class CustomerCadenceReport(models.Model):
    """Contacts against results, per customer and month: the month's
    contacts and their cost, its cadence, and the margin of the following
    month(s) it is credited with (analytics.cadence.cadence_panel). Its
    pivot compares cadences per profile two ways: the plain average net
    margin per customer-month (across customers: big customers are called
    more because they are big) and the net margin against the customer's own
    average (each customer compared with itself), which the recommendations
    use.

    Stored, refreshed by the classification run through customer.cadence
    (a rerun on unchanged data writes nothing). The salesperson, team and
    cell are the customer's at that run: those the recommendations were
    computed with."""

    _name = "customer.cadence.report"
    _description = "Customer Contact Cadence"
    _order = "date desc, partner_id"
    _rec_name = "partner_id"
    _log_access = False

    company_id = Many2oneWithoutForeignKey("res.company", readonly=True, ondelete="cascade")
    partner_id = Many2oneWithoutForeignKey("res.partner", string="Customer", readonly=True, ondelete="cascade")
    date = fields.Date(string="Month", readonly=True, help="First day of the month.")
    user_id = Many2oneWithoutForeignKey("res.users", string="Salesperson", readonly=True, ondelete="set null")
    team_id = Many2oneWithoutForeignKey("crm.team", string="Sales Team", readonly=True, ondelete="set null")
    abc_xyz_class = fields.Selection(ABC_XYZ_CELLS, string="ABC-XYZ Cell", readonly=True)
    segment_ids = fields.Many2many(related="partner_id.segment_ids", string="Segments", groups=SALES_USER)
    cadence = fields.Selection(CADENCE_SELECTION, readonly=True, help=CADENCE_HELP)
    contact_count = fields.Integer(
        string="Contacts", aggregator="avg", readonly=True, help="Contacts of the month (average per customer-month)."
    )
    customer_count = fields.Integer(string="Customers", readonly=True)
    contact_cost = fields.Float(
        digits="Account",
        aggregator="avg",
        readonly=True,
        groups=MONEY_READERS,
        help="What the month's contacts cost (average per customer-month).",
    )
    revenue = fields.Float(
        string="Revenue of the Month", digits="Account", aggregator="avg", readonly=True, groups=MONEY_READERS
    )
    margin = fields.Float(
        string="Margin of the Month", digits="Account", aggregator="avg", readonly=True, groups=MONEY_READERS
    )
    next_revenue = fields.Float(
        digits="Account",
        aggregator="avg",
        readonly=True,
        groups=MONEY_READERS,
        help="Revenue per month of the following month(s) (the horizon of the settings).",
    )
    next_margin = fields.Float(
        digits="Account",
        aggregator="avg",
        readonly=True,
        groups=MONEY_READERS,
        help="Margin per month of the following month(s) (the horizon of the settings).",
    )
    net_margin = fields.Float(
        digits="Account",
        aggregator="avg",
        readonly=True,
        groups=MONEY_READERS,
        help="Next margin less the month's contact cost.",
    )
    net_margin_vs_own = fields.Float(
        string="Net Margin vs Own Average",
        digits="Account",
        aggregator="avg",
        readonly=True,
        groups=MONEY_READERS,
        help="Net margin less the customer's own average net margin over the months analysed: above 0, the "
        "customer did better than usual at this cadence. Averaged per cadence, it compares each customer with "
        "itself, not big customers with small ones.",
    )

    _company_date_idx = models.Index("(company_id, date)")
    _company_partner_date_unique = models.UniqueIndex("(company_id, partner_id, date)")

    def init(self):
        leave_room_for_updates(self)

    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        """Read from customer.cadence.summary when it holds the answer (the
        pivot and graph as they open: cells, cadences, months, salespeople),
        a few thousand rows instead of one per customer and month."""
        summary = self.env["customer.cadence.summary"]
        if summary._answers(Domain(domain), [groupby], aggregates, having, order):
            self.browse().check_access("read")
            return summary._read_group(domain, groupby, aggregates, having, offset, limit, order)
        return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)

    def _read_grouping_sets(self, domain, grouping_sets, aggregates=(), order=None):
        """The pivot's grouped reads (see _read_group)."""
        summary = self.env["customer.cadence.summary"]
        if summary._answers(Domain(domain), grouping_sets, aggregates, order=order):
            self.browse().check_access("read")
            return summary._read_grouping_sets(domain, grouping_sets, aggregates, order)
        return super()._read_grouping_sets(domain, grouping_sets, aggregates, order)

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec == "customer_count:sum":
            return SQL("COUNT(DISTINCT %s)", self._field_to_sql(self._table, "partner_id", query))
        return super()._read_group_select(aggregate_spec, query)
