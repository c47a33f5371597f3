from odoo.tools import SQL

# the single-column indexes whose column now only leads a composite index of
# the same table, which serves every search and cascade they served: Odoo
# keeps an index its field no longer asks for
REDUNDANT_INDEXES = (
    "customer_dynamics_report__company_id_index",
    "customer_cell_transition_report__company_id_index",
    "customer_classification_history__partner_id_index",
    "customer_product_cost__company_id_index",
    "customer_segment_size__segment_id_index",
)


def migrate(cr, version):
    """Drop the redundant indexes: every run that writes these tables
    updated them too."""
    for name in REDUNDANT_INDEXES:
        cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
