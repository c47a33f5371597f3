from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.orm.models import parse_read_group_spec
from odoo.orm.utils import parse_field_expr
from odoo.tools import SQL

from ..models.common import (
    MONEY_READERS,
    NO_COUNTRY,
    NO_INDUSTRY,
    NO_PAYMENT_TERMS,
    NO_PRICELIST,
    NO_SALES_TEAM,
    NO_SALESPERSON,
    NO_SEGMENT,
    NO_STATE,
    NO_STATUS,
    NO_TAGS,
    NOT_CLASSIFIED,
    NOT_COMPARED,
    SALES_USER,
    Many2oneWithoutForeignKey,
)
from ..tools.sql import partner_scope
from ..tools.sync import leave_room_for_updates, sync_rows

PERIOD_KINDS = [("calendar", "Calendar Years"), ("rolling", "12 Months to the Last Full Month")]
TRENDS = [("growing", "Growing"), ("stable", "Stable"), ("declining", "Declining")]
# the figures of a group are ratios of its sums, not averages of its rows
RATIOS = {
    # periods not compared (no previous revenue: see is_partial) are left out of the change
    "revenue_change_percent:avg": "(SUM(CASE WHEN %(previous_revenue)s IS NOT NULL THEN %(revenue)s END)"
    " - SUM(%(previous_revenue)s)) * 100 / NULLIF(ABS(SUM(%(previous_revenue)s)), 0)",
    "margin_percent:avg": "SUM(%(margin)s) * 100 / NULLIF(SUM(%(revenue)s), 0)",
    "customer_count:sum": "COUNT(DISTINCT %(partner_id)s)",
    "average_document_amount:avg": "SUM(%(revenue)s) / NULLIF(SUM(%(document_count)s), 0)",
    "revenue_per_customer:avg": "SUM(%(revenue)s) / NULLIF(COUNT(DISTINCT %(partner_id)s), 0)",
}


class CustomerDynamicsReport(models.Model):
    """Revenue and margin per customer and year, against the year before:
    calendar years (the running one to date, compared with the same months
    a year earlier) and rolling 12-month periods ending with the last full
    month. Stored, refreshed by the classification run; the profiles of the
    customer (salesperson, team, country, industry, pricelist, payment terms,
    tags, cell, segments) are read from the customer when grouping, so they
    are always the current ones. Also the profitability analysis."""

    _name = "customer.dynamics.report"
    _description = "Customer Sales Dynamics and Profitability"
    _order = "date desc, revenue desc"
    _log_access = False
    _rec_name = "partner_id"

    company_id = Many2oneWithoutForeignKey("res.company", readonly=True, ondelete="cascade")
    partner_id = Many2oneWithoutForeignKey("res.partner", string="Customer", readonly=True, ondelete="cascade")
    period_kind = fields.Selection(PERIOD_KINDS, string="Periods", readonly=True)
    year = fields.Integer(readonly=True, aggregator=False, help="Year the period ends in.")
    date = fields.Date(string="Period Start", readonly=True)
    date_end = fields.Date(string="Period End", readonly=True)
    is_running = fields.Boolean(string="Running Period", readonly=True, help="The current year, to date.")
    is_latest = fields.Boolean(
        string="Latest Period", readonly=True, help="The running calendar year; the last 12 full months."
    )
    is_partial = fields.Boolean(
        string="Not Compared",
        readonly=True,
        help="The company's sales history starts after the comparison period starts: comparing with it would "
        "show growth that is only missing history, so the period has no change and no trend.",
    )
    revenue = fields.Float(digits="Account", readonly=True, groups=MONEY_READERS)
    margin = fields.Float(string="Gross Margin", digits="Account", readonly=True, groups=MONEY_READERS)
    previous_revenue = fields.Float(
        string="Previous Period Revenue", digits="Account", readonly=True, groups=MONEY_READERS
    )
    document_count = fields.Integer(string="Invoices / Orders", readonly=True)
    customer_count = fields.Integer(string="Customers", readonly=True)
    revenue_change_percent = fields.Float(
        string="Revenue Change (%)", digits=(16, 2), aggregator="avg", readonly=True, groups=MONEY_READERS
    )
    margin_percent = fields.Float(
        string="Margin (%)", digits=(16, 2), aggregator="avg", readonly=True, groups=MONEY_READERS
    )
    average_document_amount = fields.Float(
        string="Average Invoice", digits="Account", aggregator="avg", readonly=True, groups=MONEY_READERS
    )
    revenue_per_customer = fields.Float(digits="Account", aggregator="avg", readonly=True, groups=MONEY_READERS)
    trend = fields.Selection(TRENDS, readonly=True, groups=MONEY_READERS, falsy_value_label=NOT_COMPARED)
    user_id = fields.Many2one(related="partner_id.user_id", string="Salesperson", falsy_value_label=NO_SALESPERSON)
    team_id = fields.Many2one(
        related="partner_id.user_id.sale_team_id", string="Sales Team", falsy_value_label=NO_SALES_TEAM
    )
    country_id = fields.Many2one(related="partner_id.country_id", falsy_value_label=NO_COUNTRY)
    state_id = fields.Many2one(related="partner_id.state_id", falsy_value_label=NO_STATE)
    industry_id = fields.Many2one(related="partner_id.industry_id", falsy_value_label=NO_INDUSTRY)
    category_ids = fields.Many2many(related="partner_id.category_id", string="Tags", falsy_value_label=NO_TAGS)
    pricelist_id = fields.Many2one(
        related="partner_id.specific_property_product_pricelist", string="Pricelist", falsy_value_label=NO_PRICELIST
    )
    payment_term_id = fields.Many2one(
        related="partner_id.property_payment_term_id", string="Payment Terms", falsy_value_label=NO_PAYMENT_TERMS
    )
    abc_xyz_class = fields.Selection(
        related="partner_id.abc_xyz_class", string="ABC-XYZ Cell", groups=SALES_USER, falsy_value_label=NOT_CLASSIFIED
    )
    lifecycle_status = fields.Selection(
        related="partner_id.lifecycle_status", groups=SALES_USER, falsy_value_label=NO_STATUS
    )
    segment_ids = fields.Many2many(
        related="partner_id.segment_ids", string="Segments", groups=SALES_USER, falsy_value_label=NO_SEGMENT
    )

    _company_period_idx = models.Index("(company_id, period_kind, date)")
    _company_partner_period_unique = models.UniqueIndex("(company_id, partner_id, period_kind, date)")

    def init(self):
        leave_room_for_updates(self)

    def _check_related_access(self, fname):
        """Odoo reads a related field in SQL as the superuser (related fields
        compute in sudo) and checks only the last field of its path: the
        customer's cell or segments would then group and sort this report for
        users who may not read them. Check the report's own field first."""
        field = self._fields.get(fname)
        if field and field.related:
            self._check_field_access(field, "read")

    def _field_to_sql(self, alias, field_expr, query=None):
        self._check_related_access(parse_field_expr(field_expr)[0])
        return super()._field_to_sql(alias, field_expr, query)

    def _read_group_groupby(self, alias, groupby_spec, query):
        self._check_related_access(parse_read_group_spec(groupby_spec)[0])
        return super()._read_group_groupby(alias, groupby_spec, query)

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec not in RATIOS:
            return super()._read_group_select(aggregate_spec, query)
        names = ("revenue", "previous_revenue", "margin", "partner_id", "document_count")
        return SQL(RATIOS[aggregate_spec], **{name: self._field_to_sql(self._table, name, query) for name in names})

    @api.model
    def _periods(self, run_date):
        """(kind, year, start, end, running, latest, previous start, previous end) of
        the periods shown: the last three calendar years and the running one;
        the last three rolling 12-month periods."""
        month = run_date.replace(day=1)
        next_month = month + relativedelta(months=1)
        periods = []
        for year in range(run_date.year - 3, run_date.year + 1):
            start = run_date.replace(year=year, month=1, day=1)
            running = year == run_date.year
            end = next_month if running else start + relativedelta(years=1)
            periods.append(
                (
                    "calendar",
                    year,
                    start,
                    end,
                    running,
                    running,
                    start - relativedelta(years=1),
                    end - relativedelta(years=1),
                )
            )
        for back in range(3):
            end = month - relativedelta(years=back)
            start = end - relativedelta(years=1)
            periods.append(
                (
                    "rolling",
                    (end - relativedelta(days=1)).year,
                    start,
                    end,
                    False,
                    back == 0,
                    start - relativedelta(years=1),
                    start,
                )
            )
        return periods

    @api.model
    def _figures_query(self, company, periods, partner_ids):
        """SQL of the sums of each customer (of `partner_ids` only, when
        given) in each of `periods` and in the period before it (partner_id,
        kind, date, revenue, margin, previous_revenue, docs), a row where it
        has a month in either: one pass over its months, every period summed
        by a filter, then one row per period."""
        sums, rows = [], []
        for index, (kind, _year, start, end, _running, _latest, previous_start, previous_end) in enumerate(periods):
            current = SQL("month >= %s AND month < %s", start, end)
            previous = SQL("month >= %s AND month < %s", previous_start, previous_end)
            sums.append(
                SQL(
                    """
                    COUNT(*) FILTER (WHERE %(current)s OR %(previous)s) AS months_%(index)s,
                    SUM(revenue) FILTER (WHERE %(current)s) AS revenue_%(index)s,
                    SUM(margin) FILTER (WHERE %(current)s) AS margin_%(index)s,
                    SUM(document_count) FILTER (WHERE %(current)s) AS docs_%(index)s,
                    SUM(revenue) FILTER (WHERE %(previous)s) AS previous_%(index)s
                    """,
                    current=current,
                    previous=previous,
                    index=SQL(str(index)),
                )
            )
            rows.append(
                SQL(
                    "(%(kind)s, %(start)s::date, months_%(index)s, revenue_%(index)s, margin_%(index)s,"
                    " previous_%(index)s, docs_%(index)s)",
                    kind=kind,
                    start=start,
                    index=SQL(str(index)),
                )
            )
        return SQL(
            """
            SELECT customer.partner_id, figure.kind, figure.date,
                   COALESCE(figure.revenue, 0) AS revenue, COALESCE(figure.margin, 0) AS margin,
                   COALESCE(figure.previous_revenue, 0) AS previous_revenue, COALESCE(figure.docs, 0) AS docs
              FROM (SELECT partner_id, %(sums)s
                      FROM customer_sales_month
                     WHERE company_id = %(company)s AND %(partners)s AND month >= %(first)s AND month < %(last)s
                     GROUP BY partner_id) AS customer
             CROSS JOIN LATERAL (VALUES %(rows)s)
                   AS figure (kind, date, months, revenue, margin, previous_revenue, docs)
             WHERE figure.months > 0
            """,
            sums=SQL(", ").join(sums),
            company=company.id,
            partners=partner_scope("customer_sales_month", partner_ids),
            first=min(min(period[2], period[6]) for period in periods),
            last=max(max(period[3], period[7]) for period in periods),
            rows=SQL(", ").join(rows),
        )

    @api.model
    def _refresh(self, company, run_date, partner_ids=None):
        """Bring the rows of `company` (of the customers `partner_ids` only,
        when given) up to date for the periods of `run_date`; returns the
        number of rows written."""

        periods = self._periods(run_date)
        period_rows = SQL(", ").join(
            SQL("(%s, %s, %s::date, %s::date, %s, %s, %s::date, %s::date)", *period) for period in periods
        )
        query = SQL(
            """
            WITH period (kind, year, date, date_end, running, latest, previous_date, previous_end)
                 AS (VALUES %(periods)s),
            history AS (
                SELECT MIN(month) AS first_month FROM customer_sales_month WHERE company_id = %(company)s
            ),
            figures AS (%(figures)s)
            SELECT figures.partner_id, period.kind AS period_kind, period.year, period.date,
                   (period.date_end - 1) AS date_end, period.running AS is_running, period.latest AS is_latest,
                   history.first_month > period.previous_date AS is_partial,
                   figures.revenue, figures.margin,
                   CASE WHEN history.first_month <= period.previous_date THEN figures.previous_revenue END
                       AS previous_revenue,
                   figures.docs::int4 AS document_count, 1 AS customer_count,
                   CASE WHEN history.first_month <= period.previous_date
                        THEN ROUND((figures.revenue - figures.previous_revenue) * 100
                                   / NULLIF(ABS(figures.previous_revenue), 0), 2) END AS revenue_change_percent,
                   ROUND(figures.margin * 100 / NULLIF(figures.revenue, 0), 2) AS margin_percent,
                   ROUND(figures.revenue / NULLIF(figures.docs, 0), 2) AS average_document_amount,
                   figures.revenue AS revenue_per_customer,
                   CASE WHEN history.first_month > period.previous_date THEN NULL
                        WHEN figures.previous_revenue <= 0
                             THEN CASE WHEN figures.revenue > 0 THEN 'growing' ELSE 'stable' END
                        WHEN (figures.revenue - figures.previous_revenue) * 100
                             > %(threshold)s::numeric * figures.previous_revenue THEN 'growing'
                        WHEN (figures.revenue - figures.previous_revenue) * 100
                             < -%(threshold)s::numeric * figures.previous_revenue THEN 'declining'
                        ELSE 'stable' END AS trend
              FROM figures
              JOIN period ON period.kind = figures.kind AND period.date = figures.date
             CROSS JOIN history
            """,
            periods=period_rows,
            company=company.id,
            figures=self._figures_query(company, periods, partner_ids),
            threshold=company._segmentation_growth_threshold(),
        )
        keys = ("partner_id", "period_kind", "date")
        values = (
            "year",
            "date_end",
            "is_running",
            "is_latest",
            "is_partial",
            "revenue",
            "margin",
            "previous_revenue",
            "document_count",
            "customer_count",
            "revenue_change_percent",
            "margin_percent",
            "average_document_amount",
            "revenue_per_customer",
            "trend",
        )
        return sync_rows(self, company, query, keys, values, scope=partner_scope("stored", partner_ids))
