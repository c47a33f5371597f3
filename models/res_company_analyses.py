from odoo import api, fields, models
from odoo.exceptions import ValidationError

DEFAULT_CHURN_MONTHS = 6
DEFAULT_GROWTH_THRESHOLD = 10.0


class ResCompany(models.Model):
    """Settings of the client-base analyses (an empty value means its
    default, as for the classification settings)."""

    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    segmentation_churn_months = fields.Integer(
        string="Churn Threshold (months)",
        default=DEFAULT_CHURN_MONTHS,
        help="A customer without a purchase for this many months is lost; buying again after a longer gap "
        "makes it a returning customer. Empty means 6 months.",
    )
    segmentation_growth_threshold = fields.Float(
        string="Growth Threshold (%)",
        default=DEFAULT_GROWTH_THRESHOLD,
        help="A change of revenue against the previous period beyond plus or minus this share marks a customer "
        "as growing or declining; within it, stable. Empty means 10 %.",
    )
    segmentation_analyses_date = fields.Date(
        string="Analyses Date", readonly=True, copy=False, help="Date of the last refresh of the analyses."
    )

    @api.constrains("segmentation_churn_months", "segmentation_growth_threshold")
    def _check_segmentation_analyses(self):
        for company in self:
            company._check_analyses_settings(company.segmentation_churn_months, company.segmentation_growth_threshold)

    def _check_analyses_settings(self, churn_months, growth_threshold):
        if not 1 <= churn_months <= 60:
            raise ValidationError(self.env._("The churn threshold must be from 1 to 60 months."))
        if not 0 < growth_threshold < 1000:
            raise ValidationError(self.env._("The growth threshold must be a positive percentage."))

    def _segmentation_churn_months(self):
        self.ensure_one()
        months = self.segmentation_churn_months or DEFAULT_CHURN_MONTHS
        self._check_analyses_settings(months, self._segmentation_growth_threshold())
        return months

    def _segmentation_growth_threshold(self):
        self.ensure_one()
        return self.segmentation_growth_threshold or DEFAULT_GROWTH_THRESHOLD
