from odoo import models

from .common import apply_ondelete


class CrmTeam(models.Model):
    _inherit = "crm.team"

    def unlink(self):
        """The cadence rows of deleted sales teams lose them, as a foreign
        key would do (see Many2oneWithoutForeignKey), and the sums grouped
        by team follow (customer.analysis._refresh_grouped_sums)."""
        companies = self.env["customer.analysis"]._companies_grouped_by("team_id", self.ids)
        result = super().unlink()
        apply_ondelete(self)
        self.env["customer.analysis"]._refresh_grouped_sums(companies)
        return result
