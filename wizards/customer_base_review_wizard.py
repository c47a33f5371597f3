from odoo import fields, models


class CustomerBaseReviewWizard(models.TransientModel):
    """Print the client base review of a company chosen among the user's,
    as of the date of its figures (its last classification run)."""

    _name = "customer.base.review.wizard"
    _description = "Print the Client Base Review"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    figures_date = fields.Date(
        string="Figures as of",
        related="company_id.segmentation_analyses_date",
        help="The review shows the figures of the company's last classification run; recompute first for today's.",
    )

    def action_print(self):
        self.ensure_one()
        report = self.env.ref("customer_segmentation.action_report_client_base_review")
        return report.report_action(self.company_id)
