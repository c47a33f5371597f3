from odoo import models

from .common import apply_ondelete


class ResUsers(models.Model):
    _inherit = "res.users"

    def unlink(self):
        """The plan and cadence rows of deleted salespeople lose them, as a
        foreign key would do (see Many2oneWithoutForeignKey)."""
        result = super().unlink()
        apply_ondelete(self)
        return result
