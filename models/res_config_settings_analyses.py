from odoo import api, fields, models

ANALYSES_FIELDS = {
    "segmentation_churn_months": "_segmentation_churn_months",
    "segmentation_growth_threshold": "_segmentation_growth_threshold",
}


class ResConfigSettings(models.TransientModel):
    """The analyses' settings show the company's effective values (an empty
    one, its default) and are written back only when they change."""

    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    segmentation_churn_months = fields.Integer(string="Churn Threshold (months)")
    segmentation_growth_threshold = fields.Float(string="Growth Threshold (%)")

    @api.model
    def get_values(self):
        values = super().get_values()
        company = self.env.company
        values.update({field: getattr(company, getter)() for field, getter in ANALYSES_FIELDS.items()})
        return values

    def set_values(self):
        result = super().set_values()
        settings = {field: self[field] for field in ANALYSES_FIELDS}
        if any(self.company_id[field] != value for field, value in settings.items()):
            self.company_id.write(settings)
        return result
