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
        """Odoo moves every row of the merged customers to the destination,
        and where a unique index refuses it, fails. So first:

        - plans of one period add up (or the merge is refused, naming the
          plans that overlap);
        - the stored analyses of all of them are removed, and rebuilt for the
          destination from their documents, which move to it (as Odoo moves
          the invoices and orders themselves); their
          contacts per month and cadence rows too (the destination keeps its
          own), counted again by the next run, which finds the destination
          written (its contact facts follow it as every other row);
        - their standings in the classification (shares, ranks) are removed:
          the destination keeps its own, as its classes, until the next run;
        - where several of them are in the same segment, the surviving
          customer keeps one open stay there, the earliest: the one open stay
          per segment and customer would otherwise make Odoo delete the whole
          history of the merged customers."""
        self.env["customer.sales.plan"]._merge_customer_plans(src_partners, dst_partner)
        Analysis = self.env["customer.analysis"]
        companies = Analysis._forget_customers(src_partners | dst_partner)
        self.env["customer.cadence"]._forget_customers(src_partners)
        self.env["customer.classification.standing"]._forget(src_partners)
        self.env["customer.sales.document"]._move_customers(src_partners, dst_partner)
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
        result = super()._update_foreign_keys(src_partners, dst_partner)
        Analysis._refresh_customers(companies, dst_partner)
        self.env.cr.execute(
            SQL("UPDATE res_partner SET write_date = NOW() AT TIME ZONE 'UTC' WHERE id = %s", dst_partner.id)
        )
        return result
