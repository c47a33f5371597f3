from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_values(self, src_partners, dst_partner):
        """Do not copy classes between merged customers: the merged sales
        belong to the destination now and the next run classifies it."""
        dst_partner = dst_partner.with_context(customer_segmentation_skip_classification=True)
        return super()._update_values(src_partners, dst_partner)
