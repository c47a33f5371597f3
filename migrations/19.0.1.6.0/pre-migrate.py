from odoo.tools import SQL


def migrate(cr, version):
    """The shares and ranks become figures read from
    customer.classification.standing (see post-migrate): their JSON columns
    on the partner are set aside under other names first, or Odoo would keep
    the fields company-dependent, as their columns say."""
    for column in ("abc_share", "abc_cumulative_share", "priority_rank"):
        cr.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'res_partner' AND column_name = %s",
            [column],
        )
        if cr.fetchone():
            cr.execute(
                SQL(
                    "ALTER TABLE res_partner RENAME COLUMN %s TO %s",
                    SQL.identifier(column),
                    SQL.identifier(f"{column}_before_standing"),
                )
            )
