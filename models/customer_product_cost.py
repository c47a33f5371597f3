from odoo import api, fields, models
from odoo.tools import SQL


class CustomerProductCost(models.Model):
    """The unit cost of a product in a company for one month, recorded the
    first time the analyses meet a sale of it in that month and never
    changed afterwards: the margin of an invoice keeps the cost the product
    had then, not today's (sales orders carry their own line cost)."""

    _name = "customer.product.cost"
    _description = "Product Cost at the Time of Sale"
    _order = "month desc, product_id"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade", index=True)
    product_id = fields.Many2one("product.product", required=True, readonly=True, ondelete="cascade")
    month = fields.Date(required=True, readonly=True, help="First day of the month.")
    unit_cost = fields.Float(
        digits="Product Price", readonly=True, help="Cost of one unit of the product, in company currency."
    )

    _company_product_month_unique = models.UniqueIndex("(company_id, product_id, month)")

    @api.model
    def _freeze(self, company, document_ids=None):
        """Record the current cost of every product-month of `company`'s
        sales on invoices (customer.sales.source), of the invoices
        `document_ids` only when given, that has none yet (one INSERT,
        existing months untouched). Returns the number of product-months
        recorded."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO customer_product_cost (company_id, product_id, month, unit_cost)
                SELECT %(company)s, product.id, sold.month,
                       COALESCE((product.standard_price ->> %(key)s)::numeric, 0)
                  FROM (
                        SELECT DISTINCT line.product_id, date_trunc('month', move.invoice_date)::date AS month
                          FROM account_move_line line
                          JOIN account_move move ON move.id = line.move_id
                         WHERE %(sales)s AND line.product_id IS NOT NULL AND %(documents)s
                       ) AS sold
                  JOIN product_product product ON product.id = sold.product_id
                ON CONFLICT (company_id, product_id, month) DO NOTHING
                """,
                company=company.id,
                key=str(company.id),
                sales=self.env["customer.sales.source"]._invoice_sales(company),
                documents=SQL("TRUE") if document_ids is None else SQL("move.id = ANY(%s)", document_ids),
            )
        )
        self.invalidate_model()
        return self.env.cr.rowcount
