from odoo import api, models
from odoo.tools import SQL

from ..tools.sql import local_date

# the product and units of a document line (aliased `line`), for the cost
PRODUCT_JOINS = SQL(
    """
    LEFT JOIN product_product product ON product.id = line.product_id
    LEFT JOIN product_template template ON template.id = product.product_tmpl_id
    LEFT JOIN uom_uom line_uom ON line_uom.id = line.product_uom_id
    LEFT JOIN uom_uom product_uom ON product_uom.id = template.uom_id
    """
)
# credit notes count negatively (alias `move`)
INVOICE_SIGN = SQL("CASE WHEN move.move_type = 'out_refund' THEN -1 ELSE 1 END")


class CustomerSalesSource(models.AbstractModel):
    """What counts as a sale, written once and read by everything that
    measures customers: the classification, the segment criteria and the
    analyses built on them.

    A sale is a line of a posted customer invoice (credit notes net out
    unless the company leaves them out) or of a confirmed sales order,
    depending on the company's sales source; untaxed, in company currency;
    counted for the commercial entity (contacts and addresses buy for their
    company), or for the head of its client group when the company
    classifies client groups as one (customer.client.group); archived
    customers are no longer part of the client base.

    This is a SQL builder over the documents rather than a stored copy of
    them: every reader aggregates it at its own grain (customer x month for
    the classes, customer x category for segment rules) in one set-based
    query, and nothing can go stale between two runs. Money stays `numeric`
    from the columns to the sums, so that a sum does not depend on the order
    PostgreSQL adds the rows in.
    """

    _name = "customer.sales.source"
    _description = "Customer Sales Source"

    @api.model
    def _sale_lines(self, company, date_from=None, date_to=None):
        """SQL of the sale lines of `company` dated in [date_from, date_to)
        (either bound optional), one row per line with:

        partner_id (the customer: the commercial entity, or the head of its
        client group), entity_id (the commercial entity), document_id, date, is_refund,
        product_id, categ_id, quantity (product unit, negative on credit
        notes), revenue and cost (numeric, company currency, negative on
        credit notes; the cost at the time of sale: an order line's own cost,
        an invoice line's product cost frozen for its month by the analyses,
        the product's current cost for a month not frozen yet).
        """
        if company._segmentation_sales_source() == "order":
            query = self._order_lines(company)
        else:
            query = self._invoice_lines(company)
        conditions = [SQL("TRUE")]
        if date_from:
            conditions.append(SQL("sale_line.date >= %s", date_from))
        if date_to:
            conditions.append(SQL("sale_line.date < %s", date_to))
        return SQL("SELECT * FROM (%s) AS sale_line WHERE %s", query, SQL(" AND ").join(conditions))

    @api.model
    def _sale_documents(self, company, document_ids=None):
        """SQL of one row per sale document of `company` (of the documents
        `document_ids` only, when given): document_id, partner_id, date,
        is_refund, revenue and margin, the exact sums of its sale lines
        (see _sale_lines)."""
        if company._segmentation_sales_source() == "invoice":
            return self._invoice_documents(company, document_ids)
        scope = SQL("TRUE") if document_ids is None else SQL("line.document_id = ANY(%s)", document_ids)
        return SQL(
            """
            SELECT document_id, MIN(partner_id) AS partner_id, MIN(date) AS date, bool_or(is_refund) AS is_refund,
                   SUM(revenue) AS revenue, SUM(revenue - cost) AS margin
              FROM (%(lines)s) AS line
             WHERE %(scope)s
             GROUP BY document_id
            """,
            lines=self._sale_lines(company),
            scope=scope,
        )

    def _invoice_moves(self, company):
        """The condition that makes a move (alias `move`) a sales document
        of `company`: a posted customer invoice, or credit note unless the
        company leaves them out; its sales are its product lines."""
        move_types = ("out_invoice",) if company.segmentation_ignore_refunds else ("out_invoice", "out_refund")
        return SQL(
            "move.company_id = %s AND move.state = 'posted' AND move.move_type IN %s",
            company.id,
            move_types,
        )

    def _invoice_documents(self, company, document_ids=None):
        """The invoices' rows of _sale_documents: each invoice's product
        lines summed from their own columns first (their company, state and
        date are stored on them), then joined with the invoice and its
        customer, one row per invoice instead of one per line: whatever
        statistics PostgreSQL has, its plan keeps its parallel workers (at
        100,000 customers 10.2 to 10.6 s, where the lines of _invoice_lines
        summed per invoice took 11 to 16 s). The same sums as those of
        _invoice_lines: a credit note's sign applies to its sum of costs as
        to each cost. Every posted product line of the company is summed,
        a vendor bill's too, and the join keeps the invoices: the journals
        cannot tell them apart, as a journal's type may change after its
        invoices were posted."""
        return SQL(
            """
            SELECT move.id AS document_id,
                   %(customer)s AS partner_id,
                   move.invoice_date AS date,
                   move.move_type = 'out_refund' AS is_refund,
                   invoice.revenue,
                   invoice.revenue - %(sign)s * invoice.cost AS margin
              FROM (
                    SELECT line.move_id, SUM(-line.balance) AS revenue,
                           SUM(%(cost)s) AS cost
                      FROM account_move_line line
                      %(product_joins)s
                      %(frozen_join)s
                     WHERE line.company_id = %(company)s AND line.parent_state = 'posted'
                       AND line.display_type = 'product' AND %(scope)s
                     GROUP BY line.move_id
                   ) AS invoice
              JOIN account_move move ON move.id = invoice.move_id
              JOIN res_partner customer ON customer.id = move.commercial_partner_id
              %(group_join)s
             WHERE %(moves)s AND customer.active AND %(move_scope)s
            """,
            customer=self._customer(company),
            sign=INVOICE_SIGN,
            cost=self._invoice_cost(company, self._product_quantity(SQL("line.quantity"))),
            product_joins=PRODUCT_JOINS,
            frozen_join=self._frozen_cost_join(SQL("line")),
            company=company.id,
            scope=SQL("TRUE") if document_ids is None else SQL("line.move_id = ANY(%s)", document_ids),
            # the invoices of a few documents read through their key too: the
            # sums' rows estimated ten times too many, PostgreSQL otherwise
            # scans every invoice to join them
            move_scope=SQL("TRUE") if document_ids is None else SQL("move.id = ANY(%s)", document_ids),
            group_join=self._group_join(company),
            moves=self._invoice_moves(company),
        )

    def _invoice_lines(self, company):
        quantity = SQL("%s * %s", INVOICE_SIGN, self._product_quantity(SQL("line.quantity")))
        return SQL(
            """
            SELECT %(customer)s AS partner_id,
                   customer.id AS entity_id,
                   move.id AS document_id,
                   move.invoice_date AS date,
                   move.move_type = 'out_refund' AS is_refund,
                   line.product_id,
                   template.categ_id,
                   %(quantity)s AS quantity,
                   -line.balance AS revenue,
                   %(cost)s AS cost
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
              JOIN res_partner customer ON customer.id = move.commercial_partner_id
              %(group_join)s
              %(product_joins)s
              %(frozen_join)s
             WHERE %(moves)s AND line.display_type = 'product' AND customer.active
            """,
            quantity=quantity,
            cost=self._invoice_cost(company, quantity),
            product_joins=PRODUCT_JOINS,
            frozen_join=self._frozen_cost_join(SQL("move")),
            moves=self._invoice_moves(company),
            customer=self._customer(company),
            group_join=self._group_join(company),
        )

    def _frozen_cost_join(self, invoice):
        """The cost frozen (alias `frozen`, customer.product.cost) for the
        product of a line (alias `line`) in the month of its invoice, whose
        company and date are read on `invoice` (SQL of the alias of the
        invoice, or of the line, which stores them too)."""
        return SQL(
            """
            LEFT JOIN customer_product_cost frozen
                   ON frozen.company_id = %(invoice)s.company_id
                  AND frozen.product_id = line.product_id
                  AND frozen.month = date_trunc('month', %(invoice)s.invoice_date)::date
            """,
            invoice=invoice,
        )

    def _invoice_cost(self, company, quantity):
        """The cost of `quantity` (SQL, in the product's unit) of a line's
        product: its frozen cost (see _frozen_cost_join), or its current one
        for a month not frozen yet."""
        return SQL("%s * COALESCE(frozen.unit_cost, %s)", quantity, self._unit_cost(company))

    def _order_lines(self, company):
        """Confirmed sales orders, converted to company currency at the
        order's rate, on their order date in the company's time zone (an
        order placed on the morning of the 1st in Vladivostok is still the
        31st in UTC); the cost is the line's own (`purchase_price`, set when
        the order was made)."""
        quantity = self._product_quantity(SQL("line.product_uom_qty"))
        zone = self.env["res.company"]._segmentation_time_zones().get(company.id, "UTC")
        return SQL(
            """
            SELECT %(customer)s AS partner_id,
                   customer.id AS entity_id,
                   sale.id AS document_id,
                   %(date)s AS date,
                   FALSE AS is_refund,
                   line.product_id,
                   template.categ_id,
                   %(quantity)s AS quantity,
                   line.price_subtotal / COALESCE(NULLIF(sale.currency_rate, 0), 1) AS revenue,
                   COALESCE(
                       line.product_uom_qty * line.purchase_price::numeric
                           / COALESCE(NULLIF(sale.currency_rate, 0), 1),
                       %(quantity)s * %(unit_cost)s
                   ) AS cost
              FROM sale_order_line line
              JOIN sale_order sale ON sale.id = line.order_id
              JOIN res_partner contact ON contact.id = sale.partner_id
              JOIN res_partner customer ON customer.id = contact.commercial_partner_id
              %(group_join)s
              %(product_joins)s
             WHERE sale.company_id = %(company)s
               AND sale.state = 'sale'
               AND line.display_type IS NULL
               AND NOT COALESCE(line.is_downpayment, FALSE)
               AND customer.active
            """,
            quantity=quantity,
            date=local_date(SQL("sale.date_order"), zone),
            unit_cost=self._unit_cost(company),
            product_joins=PRODUCT_JOINS,
            company=company.id,
            customer=self._customer(company),
            group_join=self._group_join(company),
        )

    def _group_join(self, company):
        """The client group (alias `client_group`) of the commercial entity
        (alias `customer`) that counts in `company`, when the company
        classifies client groups as one: a group without a company counts in
        every company."""
        if not company.segmentation_classify_groups:
            return SQL()
        return SQL(
            """
            LEFT JOIN customer_client_group client_group
                   ON client_group.id = customer.client_group_id
                  AND (client_group.company_id IS NULL OR client_group.company_id = %s)
            """,
            company.id,
        )

    def _customer(self, company):
        """The customer a sale is counted for: the head of the entity's
        client group (see _group_join), else the commercial entity."""
        if not company.segmentation_classify_groups:
            return SQL("customer.id")
        return SQL("COALESCE(client_group.head_partner_id, customer.id)")

    def _product_quantity(self, quantity):
        """`quantity` in the line's unit converted to the product's unit."""
        return SQL(
            "%s * COALESCE(line_uom.factor, 1) / COALESCE(NULLIF(product_uom.factor, 0), 1)",
            quantity,
        )

    def _unit_cost(self, company):
        """The product's current cost in `company`, exact (a line without a
        product costs nothing)."""
        return SQL("COALESCE((product.standard_price ->> %s)::numeric, 0)", str(company.id))
