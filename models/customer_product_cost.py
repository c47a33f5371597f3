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

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", required=True, readonly=True, ondelete="cascade")
    month = fields.Date(required=True, readonly=True, help="First day of the month.")
    unit_cost = fields.Float(
        digits="Product Price", readonly=True, help="Cost of one unit of the product, in company currency."
    )

    _company_product_month_unique = models.UniqueIndex("(company_id, product_id, month)")

    @api.model
    def _freeze(self, company, document_ids=None):
        """Record the current cost of every product-month of `company`'s
        invoices, of the invoices `document_ids` only when given, that has
        none yet (one INSERT, existing months untouched). Returns the number
        of product-months recorded.

        The product lines of the posted entries of the company's sales
        journals (_sales_journals), read from the lines alone (their state,
        date and company are stored on them): a superset of the sales
        (customer.sales.source) without their join with every invoice,
        which an INSERT ... SELECT also ran without parallel workers (1.3 s
        at 25,000 customers, now 0.45 s). A product-month invoiced there
        otherwise (a credit note left out of the sales) gets its cost
        recorded too, as a sale would."""
        self.env.flush_all()
        # the product-months found through CREATE TABLE AS, which PostgreSQL
        # may run in parallel (an INSERT ... SELECT it runs alone)
        self.env.cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE customer_product_month ON COMMIT DROP AS
                SELECT DISTINCT line.product_id, date_trunc('month', line.invoice_date)::date AS month
                  FROM account_move_line line
                 WHERE line.company_id = %(company)s AND line.parent_state = 'posted'
                   AND line.journal_id = ANY(%(journals)s)
                   AND line.display_type = 'product' AND line.product_id IS NOT NULL
                   AND line.invoice_date IS NOT NULL AND %(documents)s
                """,
                company=company.id,
                journals=self._sales_journals(),
                documents=SQL("TRUE") if document_ids is None else SQL("line.move_id = ANY(%s)", document_ids),
            )
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO customer_product_cost (company_id, product_id, month, unit_cost)
                SELECT %(company)s, product.id, sold.month, COALESCE((product.standard_price ->> %(key)s)::numeric, 0)
                  FROM customer_product_month sold
                  JOIN product_product product ON product.id = sold.product_id
                ON CONFLICT (company_id, product_id, month) DO NOTHING
                """,
                company=company.id,
                key=str(company.id),
            )
        )
        frozen = self.env.cr.rowcount
        self.env.cr.execute(SQL("DROP TABLE customer_product_month"))
        self.invalidate_model()
        return frozen

    def _sales_journals(self):
        """Ids of the sales journals, archived ones included (they keep
        their invoices): Odoo puts every customer invoice and credit note in
        one. Passed to PostgreSQL as values, whose statistics on the lines
        estimate their share; a join with the journals, a table too small
        to be ever analyzed, made it expect a few lines where there were
        millions (a plan three times slower)."""
        return self.env["account.journal"].sudo().with_context(active_test=False).search([("type", "=", "sale")]).ids
