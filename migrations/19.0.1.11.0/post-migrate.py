from odoo.tools import SQL

# the keys of derived rows that have no foreign key from this version on
# (Many2oneWithoutForeignKey): (table, column)
KEYS_WITHOUT_FOREIGN_KEY = (
    ("customer_plan_actual_report", "plan_id"),
    ("customer_cell_transition_report", "compared_by_id"),
)


def migrate(cr, version):
    """Drop their foreign keys, with their records in ir.model.constraint:
    Odoo keeps a foreign key it no longer expects. Each cascaded, so no row
    points at a deleted plan or user."""
    names = []
    for table, column in KEYS_WITHOUT_FOREIGN_KEY:
        cr.execute(
            """
            SELECT constraint_row.conname
              FROM pg_constraint constraint_row
              JOIN pg_attribute column_row
                ON column_row.attrelid = constraint_row.conrelid AND column_row.attnum = constraint_row.conkey[1]
             WHERE constraint_row.contype = 'f' AND constraint_row.conrelid = %s::regclass
               AND column_row.attname = %s
            """,
            [table, column],
        )
        for (name,) in cr.fetchall():
            cr.execute(SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(name)))
            names.append(name)
    if names:
        cr.execute("DELETE FROM ir_model_constraint WHERE type = 'f' AND name IN %s", [tuple(names)])
