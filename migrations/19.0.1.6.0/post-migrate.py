def migrate(cr, version):
    _move_standings(cr)
    _forget_run_comparison_dates(cr)


def _forget_run_comparison_dates(cr):
    """The cell migrations of the run end on the company's
    segmentation_compared_on (the date they ended on until now) and keep no
    dates of their own: a new day rewrites only the rows whose cells move."""
    cr.execute(
        """
        UPDATE res_company company SET segmentation_compared_on = compared.date_to
          FROM (SELECT company_id, MAX(chosen_to) AS date_to FROM customer_cell_transition_report
                 WHERE comparison <> 'custom' GROUP BY company_id) AS compared
         WHERE compared.company_id = company.id
        """
    )
    cr.execute(
        "UPDATE customer_cell_transition_report SET chosen_from = NULL, chosen_to = NULL WHERE comparison <> 'custom'"
    )


def _move_standings(cr):
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
