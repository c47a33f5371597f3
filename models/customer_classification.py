import csv
import io
import time

import pandas as pd

from odoo import api, fields, models
from odoo.exceptions import LockError
from odoo.tools import SQL

from ..analytics import FACT_COLUMNS, RESULT_COLUMNS, classify, reconcile, window_bounds
from ..analytics.classification import DATE_COLUMNS, FLOAT_COLUMNS, INTEGER_COLUMNS

STATE_COLUMNS = (*RESULT_COLUMNS, "abc_class_manual")
# the product and units of a document line (aliased `line`), for `_cost`
COST_JOINS = SQL(
    """
    LEFT JOIN product_product product ON product.id = line.product_id
    LEFT JOIN product_template template ON template.id = product.product_tmpl_id
    LEFT JOIN uom_uom line_uom ON line_uom.id = line.product_uom_id
    LEFT JOIN uom_uom product_uom ON product_uom.id = template.uom_id
    """
)
SQL_TYPES = {
    **dict.fromkeys(FLOAT_COLUMNS, "float8"),
    **dict.fromkeys(INTEGER_COLUMNS, "int4"),
    **dict.fromkeys(DATE_COLUMNS, "date"),
}


class CustomerClassification(models.AbstractModel):
    """Runs the classification of one company: one aggregate query, the
    engine, then a bulk write of what changed. Kept apart from the partner
    model so that the whole data path reads in one place."""

    _name = "customer.classification"
    _description = "Customer Classification Run"

    @api.model
    def _run(self, company, run_date=None):
        """Classify the customers of `company` and return figures of the run:
        customers classified, rows written, class changes, and the seconds
        spent fetching the aggregate, in the engine and writing back.

        The caller holds the transaction: on any error nothing of this
        company is written.
        """
        run_date = run_date or fields.Date.context_today(self.with_company(company))
        rules = company._segmentation_rules()
        self._lock_company(company)
        self.env.flush_all()
        clock = time.perf_counter()
        facts = self._fetch_facts(company, rules, run_date)
        current = self._fetch_state(company)
        fetched = time.perf_counter()
        computed = classify(facts, run_date, rules)
        to_write, changes = reconcile(computed, current, run_date)
        computed_at = time.perf_counter()
        self._write_state(company, to_write)
        self._write_history(company, changes, run_date)
        self.env["res.partner"].invalidate_model(list(STATE_COLUMNS))
        self.env["customer.classification.history"].invalidate_model()
        return {
            "aggregate_rows": len(facts),
            "customers": len(computed),
            "written": len(to_write),
            "changes": len(changes),
            "aggregate_seconds": fetched - clock,
            "engine_seconds": computed_at - fetched,
            "write_seconds": time.perf_counter() - computed_at,
        }

    def _lock_company(self, company):
        """One run per company at a time: the button and the scheduled action
        must not interleave their writes. Other transactions may still
        reference the company (new invoices) meanwhile."""
        try:
            company.lock_for_update(allow_referencing=True)
        except LockError:
            raise LockError(
                self.env._(
                    "The customers of %(company)s are being classified right now; try again in a moment.",
                    company=company.name,
                )
            ) from None

    def _facts_query(self, company, rules, run_date):
        """SQL of the customer x month aggregate (FACT_COLUMNS)."""
        start, end = window_bounds(run_date, rules.fetch_months)
        if company.segmentation_sales_source == "order":
            documents = self._order_documents_query(company)
        else:
            documents = self._invoice_documents_query(company)
        return SQL(
            """
            WITH documents AS (%(documents)s)
            SELECT partner_id,
                   CASE WHEN doc_date >= %(start)s AND doc_date < %(end)s
                        THEN date_trunc('month', doc_date)::date END AS month,
                   SUM(revenue) AS revenue,
                   SUM(margin) AS margin,
                   COUNT(*) FILTER (WHERE is_sale) AS doc_count,
                   MIN(doc_date) AS first_date,
                   MAX(doc_date) AS last_date
              FROM documents
             GROUP BY 1, 2
            """,
            documents=documents,
            start=start,
            end=end,
        )

    def _invoice_documents_query(self, company):
        """Posted customer invoices (and credit notes, which net out), one
        row per document, amounts untaxed in company currency; archived
        customers are not part of the client base any more."""
        move_types = ("out_invoice", "out_refund") if company.segmentation_include_refunds else ("out_invoice",)
        return SQL(
            """
            SELECT move.commercial_partner_id AS partner_id,
                   move.invoice_date AS doc_date,
                   move.move_type = 'out_invoice' AS is_sale,
                   SUM(-line.balance) AS revenue,
                   SUM(-line.balance - CASE WHEN move.move_type = 'out_refund' THEN -1 ELSE 1 END
                       * %(cost)s) AS margin
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
              JOIN res_partner customer ON customer.id = move.commercial_partner_id
              %(cost_joins)s
             WHERE move.company_id = %(company)s
               AND move.state = 'posted'
               AND move.move_type IN %(move_types)s
               AND line.display_type = 'product'
               AND customer.active
             GROUP BY move.id
            """,
            company=company.id,
            move_types=move_types,
            cost=self._cost(company, SQL("line.quantity")),
            cost_joins=COST_JOINS,
        )

    def _order_documents_query(self, company):
        """Confirmed sales orders, untaxed, converted to company currency at
        the order's rate."""
        return SQL(
            """
            SELECT customer.id AS partner_id,
                   (sale.date_order AT TIME ZONE 'UTC')::date AS doc_date,
                   TRUE AS is_sale,
                   SUM(line.price_subtotal / COALESCE(NULLIF(sale.currency_rate, 0), 1)) AS revenue,
                   SUM(line.price_subtotal / COALESCE(NULLIF(sale.currency_rate, 0), 1) - %(cost)s) AS margin
              FROM sale_order_line line
              JOIN sale_order sale ON sale.id = line.order_id
              JOIN res_partner contact ON contact.id = sale.partner_id
              JOIN res_partner customer ON customer.id = contact.commercial_partner_id
              %(cost_joins)s
             WHERE sale.company_id = %(company)s
               AND sale.state = 'sale'
               AND line.display_type IS NULL
               AND NOT COALESCE(line.is_downpayment, FALSE)
               AND customer.active
             GROUP BY sale.id, customer.id
            """,
            company=company.id,
            cost=self._cost(company, SQL("line.product_uom_qty")),
            cost_joins=COST_JOINS,
        )

    def _cost(self, company, quantity):
        """Cost of `quantity` (in the line's unit) of the line's product at its
        current cost in `company`, converted to the product's unit; needs
        COST_JOINS."""
        return SQL(
            "%s * COALESCE(line_uom.factor, 1) / COALESCE(NULLIF(product_uom.factor, 0), 1)"
            " * COALESCE((product.standard_price ->> %s)::float8, 0)",
            quantity,
            str(company.id),
        )

    def _copy_frame(self, query):
        """Run `query` through COPY: far faster than fetching rows one by one
        for the hundreds of thousands of rows of a large client base."""
        buffer = io.StringIO()
        self.env.cr.copy_expert(
            self.env.cr.mogrify(SQL("COPY (%s) TO STDOUT WITH (FORMAT csv, HEADER)", query)).decode(),
            buffer,
        )
        buffer.seek(0)
        return pd.read_csv(buffer)

    def _fetch_facts(self, company, rules, run_date):
        facts = self._copy_frame(self._facts_query(company, rules, run_date))
        return facts.reindex(columns=list(FACT_COLUMNS))

    def _fetch_state(self, company):
        """What is stored now for `company`, one row per customer that has
        anything (index `partner_id`)."""
        key = str(company.id)
        has_any = SQL(" OR ").join(SQL("%s ? %s", SQL.identifier(column), key) for column in STATE_COLUMNS)
        query = SQL(
            "SELECT id AS partner_id, %s FROM res_partner WHERE %s",
            SQL(", ").join(
                SQL("%s ->> %s AS %s", SQL.identifier(column), key, SQL.identifier(column)) for column in STATE_COLUMNS
            ),
            has_any,
        )
        state = self._copy_frame(query).set_index("partner_id")
        for column in DATE_COLUMNS:
            state[column] = pd.to_datetime(state[column])
        for column in ("abc_class", "abc_class_computed", "xyz_class", "abc_xyz_class", "abc_class_manual"):
            state[column] = state[column].astype(object).where(state[column].notna(), None)
        return state

    def _write_state(self, company, to_write):
        """Write the changed rows into the per-company JSON columns: COPY
        them into a temporary table, then merge it in one UPDATE; a missing
        value removes the company's key. COPY spares building and parsing a
        query of a million literals."""
        if to_write.empty:
            return
        key = str(company.id)
        staged = self._stage_rows(
            "customer_classification_new",
            {"id": "int4", **{column: SQL_TYPES.get(column, "varchar") for column in RESULT_COLUMNS}},
            [to_write.index.tolist(), *(_column_values(to_write[column], column) for column in RESULT_COLUMNS)],
        )
        assignments = SQL(", ").join(
            SQL(
                "%(column)s = CASE WHEN new.%(column)s IS NULL THEN partner.%(column)s - %(key)s"
                " ELSE COALESCE(partner.%(column)s, '{}'::jsonb) || jsonb_build_object(%(key)s, new.%(column)s) END",
                column=SQL.identifier(column),
                key=key,
            )
            for column in RESULT_COLUMNS
        )
        self.env.cr.execute(
            SQL("UPDATE res_partner partner SET %s FROM %s AS new WHERE partner.id = new.id", assignments, staged)
        )
        self.env.cr.execute(SQL("DROP TABLE %s", staged))

    def _write_history(self, company, changes, run_date):
        if changes.empty:
            return
        staged = self._stage_rows(
            "customer_classification_change",
            {
                "partner_id": "int4",
                "old_abc": "varchar",
                "new_abc": "varchar",
                "old_xyz": "varchar",
                "new_xyz": "varchar",
                "metric": "float8",
            },
            [
                changes.index.tolist(),
                changes["old_abc_class"].tolist(),
                changes["new_abc_class"].tolist(),
                changes["old_xyz_class"].tolist(),
                changes["new_xyz_class"].tolist(),
                changes["metric_value"].tolist(),
            ],
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO customer_classification_history
                       (partner_id, company_id, date, old_abc_class, new_abc_class,
                        old_xyz_class, new_xyz_class, old_abc_xyz_class, new_abc_xyz_class, metric_value,
                        create_uid, create_date, write_uid, write_date)
                SELECT new.partner_id, %(company)s, %(date)s, new.old_abc, new.new_abc,
                       new.old_xyz, new.new_xyz, new.old_abc || new.old_xyz, new.new_abc || new.new_xyz, new.metric,
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM %(staged)s AS new
                """,
                company=company.id,
                date=run_date,
                uid=self.env.uid,
                staged=staged,
            )
        )
        self.env.cr.execute(SQL("DROP TABLE %s", staged))

    def _stage_rows(self, name, columns, values):
        """A temporary table `name` of `columns` ({name: SQL type}) filled
        through COPY with `values`, one list per column (None for NULL)."""
        table = SQL.identifier(name)
        self.env.cr.execute(
            SQL(
                "CREATE TEMPORARY TABLE %s (%s) ON COMMIT DROP",
                table,
                SQL(", ").join(SQL("%s %s", SQL.identifier(column), SQL(kind)) for column, kind in columns.items()),
            )
        )
        buffer = io.StringIO()
        csv.writer(buffer).writerows(zip(*values, strict=True))
        buffer.seek(0)
        self.env.cr.copy_expert(f"COPY {name} FROM STDIN WITH (FORMAT csv)", buffer)
        return table


def _column_values(series, column):
    """Python values for one array parameter: dates as `date`, numbers as
    plain floats and ints, missing values as None."""
    if column in DATE_COLUMNS:
        return [value.date() if value is not None else None for value in series]
    if column in INTEGER_COLUMNS:
        return [int(value) if value is not None else None for value in series]
    if column in FLOAT_COLUMNS:
        return [float(value) if value is not None else None for value in series]
    return [str(value) if value is not None else None for value in series]
