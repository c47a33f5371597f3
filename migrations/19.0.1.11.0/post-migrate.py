from odoo.tools.sql import drop_constraint, get_foreign_keys

# the keys of derived rows that have no foreign key from this version on
# (Many2oneWithoutForeignKey): (table, column, table referenced), each with
# the cascade its foreign key had
KEYS_WITHOUT_FOREIGN_KEY = (
    ("customer_plan_actual_report", "plan_id", "customer_sales_plan"),
    ("customer_cell_transition_report", "compared_by_id", "res_users"),
)


def migrate(cr, version):
    """Drop their foreign keys, with their records in ir.model.constraint:
    Odoo keeps a foreign key it no longer expects. Each cascaded, so no row
    points at a deleted plan or user."""
    names = []
    for table, column, referenced in KEYS_WITHOUT_FOREIGN_KEY:
        for name in get_foreign_keys(cr, table, column, referenced, "id", "cascade"):
            drop_constraint(cr, table, name)
            names.append(name)
    if names:
        cr.execute("DELETE FROM ir_model_constraint WHERE type = 'f' AND name IN %s", [tuple(names)])
