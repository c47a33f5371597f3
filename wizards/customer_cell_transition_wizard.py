from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import format_date


class CustomerCellTransitionWizard(models.TransientModel):
    """Compare the customers' cells of the current company between two
    dates of the user's choice: the Cell Migration pivot and list, on the
    migration computed from the history of class changes by the report's
    own query (`customer.cell.transition.report._compare`)."""

    _name = "customer.cell.transition.wizard"
    _description = "Compare Cells between Two Dates"

    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: self._default_date_from(),
        help="The cells on this date are compared with those on the second date; it cannot be before the "
        "company's first classification.",
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: self.env.company._segmentation_today(),
        help="At the latest today.",
    )

    @api.model
    def _default_date_from(self):
        """A year ago, or the first classification when it is later."""
        company = self.env.company
        year_ago = company._segmentation_today() - relativedelta(years=1)
        first = self.env["customer.cell.transition.report"]._first_known_date(company)
        return max(year_ago, first) if first else year_ago

    def action_compare(self):
        """Compute the comparison and open it, its filter as a facet of the
        search bar and its dates in the title."""
        self.ensure_one()
        self.env["customer.cell.transition.report"].sudo()._compare(self.env.company, self.date_from, self.date_to)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_segmentation.customer_cell_transition_report_action"
        )
        action["name"] = action["display_name"] = self.env._(
            "Cell Migration from %(start)s to %(end)s",
            start=format_date(self.env, self.date_from),
            end=format_date(self.env, self.date_to),
        )
        action["context"] = {"search_default_custom": 1}
        return action
