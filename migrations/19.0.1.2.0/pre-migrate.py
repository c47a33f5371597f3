def migrate(cr, version):
    """The members were rows of a relation table kept beside their open stays
    in the history; the open stays are the members now, read through a view
    of the same name. Before the table gives way to the view, every member
    gets exactly one open stay (the earliest it has, else one from today) and
    a stay left open without a member is closed today: nothing is lost."""
    cr.execute("SELECT relkind FROM pg_class WHERE relname = 'customer_segment_res_partner_rel'")
    row = cr.fetchone()
    if row and row[0] == "r":
        cr.execute(
            """
            INSERT INTO customer_segment_membership (segment_id, partner_id, date_in)
            SELECT member.segment_id, member.partner_id, CURRENT_DATE
              FROM customer_segment_res_partner_rel member
             WHERE NOT EXISTS (
                    SELECT 1 FROM customer_segment_membership stay
                     WHERE stay.segment_id = member.segment_id
                       AND stay.partner_id = member.partner_id
                       AND stay.date_out IS NULL)
            """
        )
        cr.execute(
            """
            UPDATE customer_segment_membership stay
               SET date_out = GREATEST(CURRENT_DATE, stay.date_in)
             WHERE stay.date_out IS NULL
               AND NOT EXISTS (
                    SELECT 1 FROM customer_segment_res_partner_rel member
                     WHERE member.segment_id = stay.segment_id AND member.partner_id = stay.partner_id)
            """
        )
        cr.execute("DROP TABLE customer_segment_res_partner_rel")
    cr.execute("DELETE FROM ir_model_relation WHERE name = 'customer_segment_res_partner_rel'")
    cr.execute(
        """
        DELETE FROM customer_segment_membership membership
         USING (SELECT id, row_number() OVER (PARTITION BY segment_id, partner_id ORDER BY date_in, id) AS rank
                  FROM customer_segment_membership
                 WHERE date_out IS NULL) AS stay
         WHERE membership.id = stay.id AND stay.rank > 1
        """
    )
    # the stay's company is its segment's: no column (and foreign key check) of its own
    cr.execute("ALTER TABLE customer_segment_membership DROP COLUMN IF EXISTS company_id")
