from odoo import api, fields, models

FIGURES_AS_OF = [("last_run", "The Last Run"), ("today", "Today (Recompute First)")]


class CustomerBaseReviewWizard(models.TransientModel):
    """Print the client base review of a company chosen among the user's,
    as of a date the stored figures support. The analyses the review reads
    keep the figures of the company's last classification run only (each
    run replaces them; the matrix, statuses and periods of a past day are
    not kept), so the review is either that run's or, recomputed first,
    today's: never a past date it would have to make up."""

    _name = "customer.base.review.wizard"
    _description = "Print the Client Base Review"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    figures_as_of = fields.Selection(
        FIGURES_AS_OF,
        string="Figures as of",
        required=True,
        default="last_run",
        help="The last run: the figures of the company's last classification run, as the screens show them "
        "now. Today: the classes and analyses are recomputed first (segmentation administrators; a few minutes "
        "on a large client base). The figures of earlier dates are not kept, so a past review cannot be printed.",
    )
    figures_date = fields.Date(
        string="Date of the Figures",
        compute="_compute_figures_date",
        help="The date the review's figures, periods and matrix are as of.",
    )

    @api.depends("company_id", "figures_as_of")
    def _compute_figures_date(self):
        for wizard in self:
            company = wizard.company_id
            if wizard.figures_as_of == "today":
                wizard.figures_date = company and company._segmentation_today()
            else:
                wizard.figures_date = company.segmentation_analyses_date

    def action_print(self):
        self.ensure_one()
        if self.figures_as_of == "today":
            self.company_id.action_recompute_customer_classification()
        report = self.env.ref("customer_segmentation.action_report_client_base_review")
        # the review has its own cover line on the basic layout: no document layout to configure first
        return report.report_action(self.company_id, config=False)
