from odoo import models

from .common import apply_ondelete


class CrmTeam(models.Model):
    _inherit = "crm.team"

    def unlink(self):
        """The cadence rows of deleted sales teams lose them, as a foreign
        key would do (see Many2oneWithoutForeignKey)."""
        result = super().unlink()
        apply_ondelete(self)
        return result
