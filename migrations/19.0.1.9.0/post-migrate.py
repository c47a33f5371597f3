from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

# the tables whose customer and company (and salesperson and team, where they
# have one) have no foreign key from this version on
# (Many2oneWithoutForeignKey), as they were then
DERIVED_TABLES = (
    "customer_sales_document",
    "customer_sales_month",
    "customer_contact_month",
    "customer_classification_standing",
    "customer_dynamics_report",
    "customer_plan_actual_report",
    "customer_cell_transition_report",
    "customer_cadence_report",
)


def migrate(cr, version):
    """Drop the foreign keys on the customer, company, salesperson and team
    of the rows the runs derive (Odoo keeps a foreign key it no longer
    expects), with their records in ir.model.constraint. The analyses' keys
    used to set a deleted customer's or company's rows to NULL rather than
    delete them: those rows go, as they now go with it; the cadence
    summaries that counted them follow, and the next run of every company
    refreshes every customer.
    The same for the groups of the client base counts and of the cadence
    summary counted twice (see below)."""
    cr.execute(
        """
        SELECT constraint_row.conname, table_row.relname
          FROM pg_constraint constraint_row
          JOIN pg_class table_row ON table_row.oid = constraint_row.conrelid
          JOIN pg_attribute column_row
            ON column_row.attrelid = table_row.oid AND column_row.attnum = constraint_row.conkey[1]
         WHERE constraint_row.contype = 'f' AND table_row.relname IN %s
           AND column_row.attname IN ('partner_id', 'company_id', 'user_id', 'team_id')
        """,
        [DERIVED_TABLES],
    )
    keys = cr.fetchall()
    for name, table in keys:
        cr.execute(SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(name)))
    if keys:
        cr.execute(
            "DELETE FROM ir_model_constraint WHERE type = 'f' AND name IN %s", [tuple(name for name, _table in keys)]
        )
    orphans = {}
    for table in DERIVED_TABLES:
        cr.execute(SQL("DELETE FROM %s WHERE partner_id IS NULL OR company_id IS NULL", SQL.identifier(table)))
        orphans[table] = cr.rowcount
    # a deleted salesperson's or team's key emptied its groups of the client
    # base counts and the cadence summary, which then joined the groups
    # without one and were counted twice: their rows go, summed again below
    cr.execute(
        """
        SELECT company_id FROM customer_base_report
         GROUP BY company_id, period_type, date, user_id, team_id, abc_xyz_class HAVING COUNT(*) > 1
         UNION
        SELECT company_id FROM customer_cadence_summary
         GROUP BY company_id, date, user_id, team_id, abc_xyz_class, cadence HAVING COUNT(*) > 1
        """
    )
    doubled = [company_id for (company_id,) in cr.fetchall()]
    if doubled:
        cr.execute("DELETE FROM customer_base_report WHERE company_id IN %s", [tuple(doubled)])
        cr.execute("DELETE FROM customer_cadence_summary WHERE company_id IN %s", [tuple(doubled)])
    env = api.Environment(cr, SUPERUSER_ID, {})
    companies = env["res.company"].with_context(active_test=False)
    if any(orphans.values()):
        companies = companies.search([])
    else:
        companies = companies.browse(doubled)
    companies.write({"segmentation_last_run_key": False, "segmentation_analyses_date": False})
    for company in companies:
        env["customer.cadence.summary"]._refresh(company)
