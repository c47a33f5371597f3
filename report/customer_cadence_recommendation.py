from odoo import api, fields, models

from ..models.common import MONEY_READERS
from ..models.res_partner import ABC_XYZ_CELLS
from .customer_cadence_report import CADENCE_HELP, CADENCE_SELECTION

STATES = [
    ("recommended", "Recommended"),
    ("undecided", "Cannot Tell Apart"),
    ("single", "Nothing to Compare"),
    ("no_data", "Not Enough Customers"),
]


class CustomerCadenceRecommendation(models.Model):
    """The cadence that pays, per company and profile: one per cell of the
    ABC-XYZ matrix, one per segment marked as a cadence profile (its
    recommendation wins over the cell's for its members). Computed by
    analytics.cadence.recommend from the customer-months of the cadence
    report and stored by the classification run (customer.cadence), which
    writes only what changed."""

    _name = "customer.cadence.recommendation"
    _description = "Recommended Contact Cadence"
    _order = "segment_id, abc_xyz_class"
    _log_access = False

    company_id = fields.Many2one("res.company", readonly=True, index=True)
    abc_xyz_class = fields.Selection(ABC_XYZ_CELLS, string="ABC-XYZ Cell", readonly=True)
    segment_id = fields.Many2one("customer.segment", readonly=True, ondelete="cascade")
    state = fields.Selection(
        STATES,
        string="Verdict",
        readonly=True,
        help="Recommended: the customers served at both the leading cadence and the runner-up did better at the "
        "leading one, beyond chance (paired t-test at 5 %). Cannot tell apart: they did not. Nothing to compare: "
        "a single cadence has enough customers. Not enough customers: none has.",
    )
    cadence = fields.Selection(
        CADENCE_SELECTION, string="Recommended Cadence", readonly=True, help="Empty unless the data recommends one."
    )
    leading_cadence = fields.Selection(
        CADENCE_SELECTION,
        readonly=True,
        help="The cadence of the highest net margin per customer-month, each customer compared with itself, among "
        "those with enough customers.",
    )
    runner_up_cadence = fields.Selection(CADENCE_SELECTION, string="Runner-up", readonly=True, help=CADENCE_HELP)
    customer_count = fields.Integer(string="Customers", readonly=True, help="Customers behind the leading cadence.")
    month_count = fields.Integer(string="Customer-Months", readonly=True)
    net_margin_per_month = fields.Float(
        string="Net Margin per Month",
        digits="Account",
        readonly=True,
        groups=MONEY_READERS,
        help="Net margin per customer-month at the leading cadence, each customer compared with itself.",
    )
    runner_up_net_margin = fields.Float(
        string="Runner-up Net Margin", digits="Account", readonly=True, groups=MONEY_READERS
    )
    difference = fields.Float(
        digits="Account",
        readonly=True,
        groups=MONEY_READERS,
        help="Net margin per month of the leading cadence less the runner-up's.",
    )
    plain_net_margin_per_month = fields.Float(
        string="Plain Net Margin per Month",
        digits="Account",
        readonly=True,
        groups=MONEY_READERS,
        help="The plain average at the leading cadence, across customers (size passes for effect there).",
    )
    p_value = fields.Float(
        string="p-Value",
        digits=(16, 6),
        readonly=True,
        help="The chance of a difference at least this large between the two cadences if neither paid more.",
    )
    interval_days = fields.Integer(
        string="Interval (days)", readonly=True, help="Days between two contacts at the recommended cadence."
    )

    _company_cell_unique = models.UniqueIndex("(company_id, abc_xyz_class) WHERE segment_id IS NULL")
    _company_segment_unique = models.UniqueIndex("(company_id, segment_id) WHERE segment_id IS NOT NULL")

    @api.depends("abc_xyz_class", "segment_id")
    def _compute_display_name(self):
        for recommendation in self:
            recommendation.display_name = recommendation.segment_id.display_name or recommendation.abc_xyz_class
