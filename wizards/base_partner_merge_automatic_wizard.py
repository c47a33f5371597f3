from odoo import models
from odoo.tools import SQL


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_values(self, src_partners, dst_partner):
        """Do not copy classes between merged customers: the merged sales
        belong to the destination now and the next run classifies it."""
        dst_partner = dst_partner.with_context(customer_segmentation_skip_classification=True)
        return super()._update_values(src_partners, dst_partner)

    def _update_foreign_keys(self, src_partners, dst_partner):
        """The history of the merged customers follows the destination. Where
        several of them are in the same segment, the surviving customer keeps
        one open stay there, the earliest: the others are removed first, or
        the one open stay per segment and customer that the history holds
        would make Odoo delete the whole history of the merged customers."""
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM customer_segment_membership membership
                 USING (SELECT id, row_number() OVER (PARTITION BY segment_id ORDER BY date_in, id) AS rank
                          FROM customer_segment_membership
                         WHERE partner_id = ANY(%(partners)s) AND date_out IS NULL) AS stay
                 WHERE membership.id = stay.id AND stay.rank > 1
                """,
                partners=[dst_partner.id, *src_partners.ids],
            )
        )
        self.env["customer.segment.membership"].invalidate_model()
        return super()._update_foreign_keys(src_partners, dst_partner)
