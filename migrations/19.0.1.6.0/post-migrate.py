def migrate(cr, version):
    """The shares and ranks of the classified customers move from the
    partner's own row (set aside by pre-migrate) to
    customer.classification.standing, where a run now keeps them (they move
    with every other customer's figures): copied for every company that
    ranked its customers, then their old columns dropped."""
    cr.execute(
        "SELECT 1 FROM information_schema.columns"
        " WHERE table_name = 'res_partner' AND column_name = 'priority_rank_before_standing'"
    )
    if not cr.fetchone():
        return
    cr.execute(
        """
        INSERT INTO customer_classification_standing
               (company_id, partner_id, abc_share, abc_cumulative_share, priority_rank)
        SELECT company.id, partner.id,
               (partner.abc_share_before_standing ->> company.id::text)::numeric,
               (partner.abc_cumulative_share_before_standing ->> company.id::text)::numeric,
               (partner.priority_rank_before_standing ->> company.id::text)::int4
          FROM res_partner partner
          JOIN res_company company ON partner.priority_rank_before_standing ? company.id::text
            ON CONFLICT (company_id, partner_id) DO NOTHING
        """
    )
    cr.execute(
        "ALTER TABLE res_partner DROP COLUMN abc_share_before_standing,"
        " DROP COLUMN abc_cumulative_share_before_standing, DROP COLUMN priority_rank_before_standing"
    )
