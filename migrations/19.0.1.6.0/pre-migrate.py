from odoo.tools import SQL

RENAMED = {
    # the shares and ranks become figures read from
    # customer.classification.standing (see post-migrate): their JSON columns
    # on the partner are set aside, or Odoo would keep the fields
    # company-dependent, as their columns say
    "res_partner": {
        "abc_share": "abc_share_before_standing",
        "abc_cumulative_share": "abc_cumulative_share_before_standing",
        "priority_rank": "priority_rank_before_standing",
    },
    # the cell migrations keep the dates users chose; those of the run's
    # comparisons are read from the company (see post-migrate)
    "customer_cell_transition_report": {"date_from": "chosen_from", "date_to": "chosen_to"},
}


def migrate(cr, version):
    """Columns of stored fields that became computed, renamed before Odoo
    updates the tables (see RENAMED)."""
    for table, columns in RENAMED.items():
        for column, name in columns.items():
            cr.execute(
                "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                [table, column],
            )
            if cr.fetchone():
                cr.execute(
                    SQL(
                        "ALTER TABLE %s RENAME COLUMN %s TO %s",
                        SQL.identifier(table),
                        SQL.identifier(column),
                        SQL.identifier(name),
                    )
                )
