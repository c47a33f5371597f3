from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Fill the new plan-vs-actual table of every company with stored sales
    now, rather than at the next classification run."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    cr.execute("SELECT DISTINCT company_id FROM customer_sales_month")
    for company in env["res.company"].browse([row[0] for row in cr.fetchall()]):
        env["customer.plan.actual.report"]._refresh(company)
