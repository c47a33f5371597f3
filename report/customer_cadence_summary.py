from odoo import api, fields, models
from odoo.orm.models import parse_read_group_spec
from odoo.tools import SQL

from ..analytics.cadence import PANEL_COLUMNS
from ..models.common import MONEY_READERS
from ..models.res_partner import ABC_XYZ_CELLS
from ..tools.sync import column_list, key_match, stage_query, sync_rows
from .customer_cadence_report import CADENCE_HELP, CADENCE_SELECTION

# the fields of customer.cadence.report the summary groups by: those of a
# customer-month that are the same for all the rows it sums
SUMMARY_DIMENSIONS = ("company_id", "date", "user_id", "team_id", "abc_xyz_class", "cadence")
# the figures of customer.cadence.report it sums, those of the cadence panel
# (never empty in the report: the panel is dense)
SUMMARY_MEASURES = tuple(column for column in PANEL_COLUMNS if column not in ("partner_id", "month", "cadence"))
# a summary row: its keys (within its company), of which the ones that may be
# empty (the month and the cadence of a report row never are), and its figures
SUMMARY_KEYS = SUMMARY_DIMENSIONS[1:]
NULLABLE_KEYS = ("user_id", "team_id", "abc_xyz_class")
SUMMARY_FIGURES = ("month_count", *SUMMARY_MEASURES)
# the figures summed as integers, the others as numeric
INTEGER_FIGURES = ("month_count", "contact_count")
# the share of a company's customers up to which a refresh of their report
# rows adds their differences to the summary rather than summing every row
# again: reading their rows twice costs about as much as reading every row
# once at a quarter of the customers (0.35 s against 0.55 s for 16,000 of
# 100,000, 0.85 s against 0.6 s for 40,000)
DIFFERENCES_SHARE = 0.2


class CustomerCadenceSummary(models.Model):
    """The contact cadence report summed per company, month, salesperson,
    sales team, cell and cadence: a few thousand rows where the report holds
    one per customer and month (about 1.2 million for 100,000 customers over
    a year). The report's grouped reads on these fields only (its pivot and
    graph as they open) are answered here (see
    customer.cadence.report._read_group): each figure's average is its sum
    over the customer-months counted, exactly the report's average.

    Stored, refreshed from the report right after the cadence refresh
    writes it (a rerun on unchanged data writes nothing), and filled for a
    company whose report rows were stored before this summary existed when
    the addon is updated."""

    _name = "customer.cadence.summary"
    _description = "Customer Contact Cadence Summary"
    _order = "date desc, abc_xyz_class, cadence"
    _log_access = False

    company_id = fields.Many2one("res.company", readonly=True)
    date = fields.Date(string="Month", readonly=True, help="First day of the month.")
    # a deleted salesperson's or team's rows go (see customer.analysis._refresh_grouped_sums)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True, ondelete="cascade")
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True, ondelete="cascade")
    abc_xyz_class = fields.Selection(ABC_XYZ_CELLS, string="ABC-XYZ Cell", readonly=True)
    cadence = fields.Selection(CADENCE_SELECTION, readonly=True, help=CADENCE_HELP)
    month_count = fields.Integer(string="Customer-Months", readonly=True)
    # the sums of the report's figures over the customer-months counted
    contact_count = fields.Integer(string="Contacts", aggregator="avg", readonly=True)
    contact_cost = fields.Float(digits="Account", aggregator="avg", readonly=True, groups=MONEY_READERS)
    revenue = fields.Float(
        string="Revenue of the Month", digits="Account", aggregator="avg", readonly=True, groups=MONEY_READERS
    )
    margin = fields.Float(
        string="Margin of the Month", digits="Account", aggregator="avg", readonly=True, groups=MONEY_READERS
    )
    next_revenue = fields.Float(digits="Account", aggregator="avg", readonly=True, groups=MONEY_READERS)
    next_margin = fields.Float(digits="Account", aggregator="avg", readonly=True, groups=MONEY_READERS)
    net_margin = fields.Float(digits="Account", aggregator="avg", readonly=True, groups=MONEY_READERS)
    net_margin_vs_own = fields.Float(
        string="Net Margin vs Own Average", digits="Account", aggregator="avg", readonly=True, groups=MONEY_READERS
    )

    _company_date_idx = models.Index("(company_id, date)")

    def init(self):
        """Fill the summary of the companies whose report rows were stored
        before it existed (an update of the addon): one grouped read of the
        report; the next cadence refresh keeps it up to date."""
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO %(table)s (company_id, %(columns)s)
                SELECT company_id, %(columns)s FROM (%(rows)s) AS summary
                 WHERE company_id NOT IN (SELECT company_id FROM %(table)s WHERE company_id IS NOT NULL)
                """,
                table=SQL.identifier(self._table),
                columns=self._columns_sql(),
                rows=self._summary_query(),
            )
        )

    def _read_group_select(self, aggregate_spec, query):
        """Counts and averages per customer-month, as the report's: the
        count is the customer-months summed, an average the figure's sum
        over them."""
        customer_months = SQL("SUM(%s)", self._field_to_sql(self._table, "month_count", query))
        if aggregate_spec == "__count":
            return customer_months
        fname, _property, func = parse_read_group_spec(aggregate_spec)
        if func == "avg":
            total = super()._read_group_select(f"{fname}:sum", query)
            return SQL("%s::numeric / NULLIF(%s, 0)", total, customer_months)
        return super()._read_group_select(aggregate_spec, query)

    @api.model
    def _answers(self, domain, groupings, aggregates, having=(), order=None):
        """Whether a grouped read of customer.cadence.report with these
        arguments reads the same here: filters and groupings on the summed
        fields only, counts, sums and averages of the summed figures."""

        def dimension(spec):
            return spec.split(":")[0].split(".")[0] in SUMMARY_DIMENSIONS

        def aggregate(spec):
            fname, _property, func = parse_read_group_spec(spec)
            return spec == "__count" or (fname in SUMMARY_MEASURES and func in ("sum", "avg"))

        specs = [spec for groupby in groupings for spec in groupby]
        terms = [part.split()[0] for part in (order or "").split(",") if part.strip()]
        return (
            not having
            and all(dimension(spec) for spec in specs)
            and all(aggregate(spec) for spec in aggregates)
            and all(term in specs or dimension(term) or aggregate(term) for term in terms)
            and all(condition.field_expr.split(".")[0] in SUMMARY_DIMENSIONS for condition in domain.iter_conditions())
        )

    @api.model
    def _refresh(self, company):
        """Make the summary of `company` equal to its report rows; returns
        the number of rows written."""
        return sync_rows(
            self,
            company,
            self._summary_query(company),
            keys=SUMMARY_KEYS,
            values=SUMMARY_FIGURES,
            nullable_keys=NULLABLE_KEYS,
        )

    @api.model
    def _before_writing(self, company, partner_ids):
        """Before the report rows of the customers `partner_ids` of `company`
        (None: all) are written again: their sums as the summary sums them,
        in a temporary table (its identifier), for _after_writing to take
        off; None when they are more than DIFFERENCES_SHARE of the company's
        customers, whose rows are then summed again whole."""
        if partner_ids is None or len(partner_ids) > DIFFERENCES_SHARE * self._customer_count(company):
            return None
        return stage_query(self.env.cr, "customer_cadence_summary_old", self._summary_query(company, partner_ids))

    @api.model
    def _after_writing(self, company, old_sums, new_rows):
        """Bring the summary of `company` up to date once the report rows of
        some customers were written again: summed again whole when
        `old_sums` is None (see _before_writing), else without summing the
        others' rows again (0.5 s at 100,000 customers, 0.05 s for the rows
        of 2,000): their sums before (`old_sums`) taken off, the sums of
        their rows now added (`new_rows`, the temporary table of every row of
        theirs the report now holds, as the refresh staged it). The same
        figures either way, as the sums are exact (`numeric`); a group that
        no row counts any more goes. Returns the number of rows written."""
        if old_sums is None:
            return self._refresh(company)
        cr = self.env.cr
        keys, figures = SUMMARY_KEYS, SUMMARY_FIGURES
        change = stage_query(
            cr,
            "customer_cadence_summary_change",
            SQL(
                """
                SELECT %(keys)s, %(sums)s
                  FROM (SELECT * FROM (%(new_sums)s) AS new_sums
                         UNION ALL
                        SELECT %(keys)s, %(negated)s FROM %(old_sums)s) AS change
                 GROUP BY %(keys)s
                HAVING %(moved)s
                """,
                keys=column_list(keys),
                sums=SQL(", ").join(_summed(SQL("SUM(%s)", SQL.identifier(column)), column) for column in figures),
                new_sums=self._summary_query(rows=new_rows),
                negated=SQL(", ").join(SQL("-%s", SQL.identifier(column)) for column in figures),
                old_sums=old_sums,
                moved=SQL(" OR ").join(SQL("SUM(%s) <> 0", SQL.identifier(column)) for column in figures),
            ),
        )
        table = SQL.identifier(self._table)
        same_key = key_match(company, keys, NULLABLE_KEYS, alias="change")
        cr.execute(
            SQL(
                "DELETE FROM %(table)s stored USING %(change)s change"
                " WHERE %(same_key)s AND stored.month_count + change.month_count = 0",
                table=table,
                change=change,
                same_key=same_key,
            )
        )
        written = cr.rowcount
        cr.execute(
            SQL(
                "UPDATE %(table)s stored SET %(added)s FROM %(change)s change WHERE %(same_key)s",
                table=table,
                added=SQL(", ").join(
                    SQL("%s = stored.%s + change.%s", *[SQL.identifier(column)] * 3) for column in figures
                ),
                change=change,
                same_key=same_key,
            )
        )
        written += cr.rowcount
        cr.execute(
            SQL(
                "INSERT INTO %(table)s (company_id, %(columns)s) SELECT %(company)s, %(columns)s FROM %(change)s change"
                " WHERE change.month_count > 0 AND NOT EXISTS (SELECT 1 FROM %(table)s stored WHERE %(same_key)s)",
                table=table,
                columns=column_list((*keys, *figures)),
                company=company.id,
                change=change,
                same_key=same_key,
            )
        )
        written += cr.rowcount
        cr.execute(SQL("DROP TABLE %s", change))
        self.invalidate_model()
        return written

    def _customer_count(self, company):
        """The customers of `company` in the report: each runs up to the last
        month analysed (see customer.cadence._moved_profiles), where the
        summary counts one customer-month each."""
        [(count,)] = self.env.execute_query(
            SQL(
                "SELECT COALESCE(SUM(month_count), 0) FROM %(table)s WHERE company_id = %(company)s"
                " AND date = (SELECT MAX(date) FROM %(table)s WHERE company_id = %(company)s)",
                table=SQL.identifier(self._table),
                company=company.id,
            )
        )
        return count

    def _columns_sql(self):
        return column_list((*SUMMARY_KEYS, *SUMMARY_FIGURES))

    def _summary_query(self, company=None, partner_ids=None, rows=None):
        """The report's rows summed: of `company` (of its customers
        `partner_ids` only, when given), else of every company, with their
        company_id; or the rows of the table `rows` (SQL), report rows of
        one company."""
        if rows is not None:
            source, condition = rows, SQL("TRUE")
        else:
            source = SQL.identifier(self.env["customer.cadence.report"]._table)
            condition = SQL(
                "%s AND %s",
                SQL("TRUE") if company is None else SQL("company_id = %s", company.id),
                SQL("TRUE") if partner_ids is None else SQL("partner_id = ANY(%s)", partner_ids),
            )
        dimensions = column_list(SUMMARY_DIMENSIONS if company is None and rows is None else SUMMARY_KEYS)
        return SQL(
            """
            SELECT %(dimensions)s, %(sums)s
              FROM %(source)s
             WHERE %(condition)s
             GROUP BY %(dimensions)s
            """,
            dimensions=dimensions,
            sums=SQL(", ").join(
                [
                    _summed(SQL("COUNT(*)"), "month_count"),
                    *(_summed(SQL("SUM(%s)", SQL.identifier(column)), column) for column in SUMMARY_MEASURES),
                ]
            ),
            source=source,
            condition=condition,
        )


def _summed(total, column):
    """The SQL `total` of the figure `column`, named so, as the summary
    stores it (INTEGER_FIGURES as int4)."""
    cast = SQL("::int4") if column in INTEGER_FIGURES else SQL()
    return SQL("%s%s AS %s", total, cast, SQL.identifier(column))
