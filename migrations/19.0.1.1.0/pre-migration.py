def migrate(cr, version):
    """Plan vs actual was a SQL view; it becomes a stored table of the
    same name."""
    cr.execute("DROP VIEW IF EXISTS customer_plan_actual_report")
