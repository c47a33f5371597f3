from odoo import models

from .common import apply_ondelete


class ResUsers(models.Model):
    _inherit = "res.users"

    def unlink(self):
        """The plan and cadence rows of deleted salespeople lose them and the
        cell comparisons they chose go, as a foreign key would do (see
        Many2oneWithoutForeignKey), and the sums grouped by salesperson
        follow (customer.analysis._refresh_grouped_sums)."""
        companies = self.env["customer.analysis"]._companies_grouped_by("user_id", self.ids)
        result = super().unlink()
        apply_ondelete(self)
        self.env["customer.analysis"]._refresh_grouped_sums(companies)
        return result
