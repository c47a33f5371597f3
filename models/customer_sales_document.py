from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.sync import leave_room_for_updates, stage_query, sync_rows, sync_staged
from .common import MONEY_READERS, Many2oneWithoutForeignKey


class CustomerSalesDocument(models.Model):
    """The sales of each document of a company (an invoice, a credit note or
    an order, as the sales source counts them): the grain at which the facts
    are kept up to date.

    A run re-reads only the documents written since the last one and those
    of the customers that changed (see `_changed_documents`); the rows they
    had here say in which (customer, month) they were counted before, so the
    months to re-aggregate are known on both sides of a change (an invoice
    reset and posted again in another month, a contact moved to another
    company). Everything downstream (customer.sales.month, the
    classification, the analyses) reads these rows, never the sale lines.
    Amounts are exact sums (`numeric`, unrounded): the readers round once."""

    _name = "customer.sales.document"
    _description = "Customer Sales per Document"
    _order = "date desc, id desc"
    _log_access = False

    company_id = Many2oneWithoutForeignKey("res.company", required=True, readonly=True, ondelete="cascade")
    partner_id = Many2oneWithoutForeignKey(
        "res.partner", string="Customer", required=True, readonly=True, ondelete="cascade"
    )
    document_id = fields.Integer(
        required=True, readonly=True, help="The invoice, credit note or sales order (by the company's sales source)."
    )
    date = fields.Date(required=True, readonly=True)
    is_refund = fields.Boolean(readonly=True)
    revenue = fields.Float(digits="Account", readonly=True, groups=MONEY_READERS)
    margin = fields.Float(
        digits="Account", readonly=True, groups=MONEY_READERS, help="Revenue minus the cost at the time of sale."
    )

    _company_document_unique = models.UniqueIndex("(company_id, document_id)")
    # the customers' totals of every run read each customer's documents in
    # the order of this index, their figures from it alone (an index-only
    # scan: at 25,000 customers 0.2 s instead of 0.5 s through the table);
    # a row whose figures change is then no longer updated in place (see
    # leave_room_for_updates), which the few documents edited a night afford
    _company_partner_date_idx = models.Index("(company_id, partner_id, date) INCLUDE (is_refund, revenue, margin)")

    def init(self):
        leave_room_for_updates(self)

    def _changed_documents(self, company, since, deleted):
        """Ids of the documents whose sales may differ from their rows here:
        written since `since` (posted, reset, cancelled, edited: any write,
        a recomputed field included, stamps write_date), or of a partner
        written since then or whose commercial entity was (a contact moved
        to another company, an archived customer, an entity moved to another
        client group) or whose client group was (a new head), found on the
        document and among the rows stored (a document counted under the
        head of a group is found by its id, on both sides of the move), or
        deleted (reset to draft and deleted between two runs: `deleted`, see
        customer.sales.document.deletion). Each part is read through an
        index, on write_date or on the partner."""
        [(partner_ids,)] = self.env.execute_query(
            SQL(
                """
                WITH changed AS (
                    SELECT id FROM res_partner WHERE write_date >= %(since)s
                     UNION
                    SELECT member.id FROM res_partner member
                      JOIN customer_client_group client_group ON client_group.id = member.client_group_id
                     WHERE client_group.write_date >= %(since)s
                )
                SELECT COALESCE(ARRAY_AGG(id), '{}') FROM res_partner
                 WHERE id IN (SELECT id FROM changed) OR commercial_partner_id IN (SELECT id FROM changed)
                """,
                since=since,
            )
        )
        table = "sale_order" if company._segmentation_sales_source() == "order" else "account_move"
        sales = SQL("TRUE") if table == "sale_order" else SQL("move_type IN ('out_invoice', 'out_refund')")
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM %(table)s WHERE company_id = %(company)s AND %(sales)s AND write_date >= %(since)s
                UNION
                SELECT id FROM %(table)s WHERE company_id = %(company)s AND %(sales)s AND partner_id = ANY(%(partners)s)
                UNION
                SELECT document_id FROM customer_sales_document
                 WHERE company_id = %(company)s AND partner_id = ANY(%(partners)s)
                UNION
                SELECT unnest(%(deleted)s::int4[])
                """,
                table=SQL.identifier(table),
                company=company.id,
                sales=sales,
                since=since,
                partners=partner_ids,
                deleted=deleted,
            )
        )
        return [document_id for (document_id,) in rows]

    def _months_of(self, company, document_ids):
        """{(customer, first day of the month)} the documents `document_ids`
        are counted in now."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT partner_id, date_trunc('month', date)::date
                  FROM customer_sales_document
                 WHERE company_id = %s AND document_id = ANY(%s)
                """,
                company.id,
                document_ids,
            )
        )
        return set(rows)

    @api.model
    def _move_customers(self, partners, destination):
        """Count the documents of `partners` (merged into `destination`)
        under `destination`, as the merge moves every row pointing at them
        through a foreign key: these rows have none."""
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET partner_id = %s"
                " WHERE company_id IN (SELECT id FROM res_company) AND partner_id = ANY(%s)",
                SQL.identifier(self._table),
                destination.id,
                partners.ids,
            )
        )
        self.invalidate_model(["partner_id"])

    @api.model
    def _refresh(self, company, since=None):
        """Bring the documents of `company` up to date: all of them when
        `since` is None (a rebuild), else those changed since `since` (see
        _changed_documents), freezing first the product costs of the months
        they sell in (customer.product.cost). Returns the rows written, the
        product-months frozen, the (customer, month) pairs whose sales
        may have changed (None: all of them) and, when they all may have,
        the temporary table of every document, staged to be stored and left
        for the months to be summed from (see customer.sales.month._refresh;
        the caller drops it), else None."""
        self.env.flush_all()
        values = ("partner_id", "date", "is_refund", "revenue", "margin")
        deleted = self.env["customer.sales.document.deletion"]._take(company)
        document_ids = None if since is None else self._changed_documents(company, since, deleted)
        if document_ids == []:
            return 0, 0, set(), None
        frozen = 0
        if company._segmentation_sales_source() == "invoice":
            frozen = self.env["customer.product.cost"]._freeze(company, document_ids)
        documents = self.env["customer.sales.source"]._sale_documents(company, document_ids)
        if document_ids is None:
            staged = stage_query(self.env.cr, "customer_sales_document_new", documents)
            return sync_staged(self, company, staged, keys=("document_id",), values=values), frozen, None, staged
        before = self._months_of(company, document_ids)
        written = sync_rows(
            self,
            company,
            documents,
            keys=("document_id",),
            values=values,
            scope=SQL("stored.document_id = ANY(%s)", document_ids),
        )
        if not written:
            return 0, frozen, set(), None
        return written, frozen, before | self._months_of(company, document_ids), None


class CustomerSalesDocumentDeletion(models.Model):
    """The documents Odoo deleted since their company's last run (an invoice
    or order reset and deleted between two runs), whose rows in
    customer.sales.document nothing else points to: the run re-reads them,
    finds them gone and drops them and their sales from their months,
    without comparing every stored row with the documents (a second a night
    at 100,000 customers). A deletion only inserts here and a run only
    deletes what it read, so neither waits for the other. Deletions by SQL,
    outside Odoo, are caught by the next rebuild."""

    _name = "customer.sales.document.deletion"
    _description = "Customer Sales Document Deleted"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade", index=True)
    document_id = fields.Integer(required=True, readonly=True)

    @api.model
    def _record(self, documents, source):
        """Record `documents` (invoices or sales orders, being deleted) for
        the companies whose sales they are (`source`: invoice or order, see
        customer.sales.source)."""
        documents = documents.sudo()
        companies = documents.company_id.filtered(lambda company: company._segmentation_sales_source() == source)
        if not companies:
            return
        table = SQL.identifier(documents._table)
        sales = SQL("TRUE") if source == "order" else SQL("move_type IN ('out_invoice', 'out_refund')")
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO customer_sales_document_deletion (company_id, document_id)
                SELECT company_id, id FROM %s WHERE id = ANY(%s) AND company_id = ANY(%s) AND %s
                """,
                table,
                documents.ids,
                companies.ids,
                sales,
            )
        )

    @api.model
    def _take(self, company):
        """The documents of `company` deleted since its last run, removed
        from here in the run's transaction (back if it fails)."""
        rows = self.env.execute_query(
            SQL(
                "DELETE FROM customer_sales_document_deletion WHERE company_id = %s RETURNING document_id",
                company.id,
            )
        )
        return sorted({document_id for (document_id,) in rows})
