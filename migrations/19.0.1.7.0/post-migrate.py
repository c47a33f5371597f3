def migrate(cr, version):
    """Contacts, and sales orders, are now dated in the company's time zone
    (its address's) rather than in UTC: the companies with a time zone of
    their own date them again on their next run, from every message and
    meeting, and from every order when orders are their sales."""
    cr.execute(
        """
        UPDATE res_company company
           SET segmentation_contacts_since = NULL,
               segmentation_facts_since = CASE WHEN company.segmentation_sales_source = 'order' THEN NULL
                                               ELSE company.segmentation_facts_since END
          FROM res_partner partner
         WHERE partner.id = company.partner_id
           AND partner.tz IS NOT NULL AND partner.tz NOT IN ('UTC', 'Etc/UTC', 'GMT', 'Etc/GMT')
        """
    )
