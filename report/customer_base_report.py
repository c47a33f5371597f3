from datetime import date

import pandas as pd

from odoo import fields, models
from odoo.tools import SQL

from ..analytics.lifecycle import COUNT_COLUMNS, month_start
from ..models.common import NO_SALES_TEAM, NO_SALESPERSON, NOT_CLASSIFIED, SALES_USER
from ..models.res_partner import ABC_XYZ_CELLS
from ..tools.frames import stage_rows
from ..tools.sync import sync_rows

PERIOD_TYPES = [("month", "Month"), ("quarter", "Quarter"), ("year", "Year")]


class CustomerBaseReport(models.Model):
    """The client base per period: active, new, returning and lost customers
    and the churn rate, per salesperson, sales team and ABC-XYZ cell (the
    customer's current ones). Stored by the classification run from the
    lifecycle engine (analytics/lifecycle.py); one set of rows per month,
    quarter and year, because the active customers of a quarter are not the
    sum of its months."""

    _name = "customer.base.report"
    _description = "Client Base: Growth and Churn"
    _order = "date desc"
    _log_access = False

    company_id = fields.Many2one("res.company", readonly=True, index=True)
    period_type = fields.Selection(PERIOD_TYPES, string="Periods", readonly=True)
    date = fields.Date(string="Period", readonly=True, help="First day of the month (of the quarter, of the year).")
    # a deleted salesperson's or team's rows go (see customer.analysis._refresh_grouped_sums)
    user_id = fields.Many2one(
        "res.users", string="Salesperson", readonly=True, ondelete="cascade", falsy_value_label=NO_SALESPERSON
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        readonly=True,
        ondelete="cascade",
        help="The sales team of the customer's salesperson.",
        falsy_value_label=NO_SALES_TEAM,
    )
    abc_xyz_class = fields.Selection(
        ABC_XYZ_CELLS, string="ABC-XYZ Cell", readonly=True, groups=SALES_USER, falsy_value_label=NOT_CLASSIFIED
    )
    active_count = fields.Integer(
        string="Active Customers", readonly=True, help="Customers with a purchase within the churn threshold."
    )
    active_start_count = fields.Integer(string="Active at Start", readonly=True)
    new_count = fields.Integer(string="New Customers", readonly=True, help="First purchase ever in the period.")
    returning_count = fields.Integer(
        string="Returning Customers", readonly=True, help="Bought again after a gap longer than the churn threshold."
    )
    lost_count = fields.Integer(
        string="Lost Customers", readonly=True, help="Their last purchase became one churn threshold old."
    )
    net_growth_count = fields.Integer(string="Net Growth", readonly=True, help="New + returning - lost.")
    churn_rate = fields.Float(
        string="Churn Rate (%)",
        digits=(16, 2),
        aggregator="avg",
        readonly=True,
        help="Lost customers of the period / customers active at its start.",
    )

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec != "churn_rate:avg":
            return super()._read_group_select(aggregate_spec, query)
        return SQL(
            "SUM(%s) * 100.0 / NULLIF(SUM(%s), 0)",
            self._field_to_sql(self._table, "lost_count", query),
            self._field_to_sql(self._table, "active_start_count", query),
        )

    def _teams_moved(self, company):
        """Whether a salesperson of the stored rows of `company` is now in
        another sales team: the rows group by each salesperson's current
        team, and a move writes none of the customers."""
        self.env["res.users"].flush_model(["sale_team_id"])
        [(moved,)] = self.env.execute_query(
            SQL(
                """
                SELECT EXISTS (
                    SELECT 1 FROM customer_base_report report
                      LEFT JOIN res_users seller ON seller.id = report.user_id
                     WHERE report.company_id = %s AND report.team_id IS DISTINCT FROM seller.sale_team_id
                )
                """,
                company.id,
            )
        )
        return moved

    def _write_counts(self, company, counts):
        """Store `counts` (analytics.lifecycle.base_counts rows with a
        period_type column) as the rows of `company`; returns rows written."""
        counts = counts.astype(object).where(pd.notna(counts), None)
        dates = [date(*month_start(period), 1) for period in counts["period"]]
        ints = {column: [int(value) for value in counts[column]] for column in COUNT_COLUMNS}
        staged = stage_rows(
            self.env.cr,
            "customer_base_new",
            {
                "period_type": "varchar",
                "date": "date",
                "user_id": "int4",
                "team_id": "int4",
                "abc_xyz_class": "varchar",
                **dict.fromkeys(COUNT_COLUMNS, "int4"),
            },
            [
                counts["period_type"].tolist(),
                dates,
                [int(value) if value is not None else None for value in counts["user_id"]],
                [int(value) if value is not None else None for value in counts["team_id"]],
                counts["abc_xyz_class"].tolist(),
                *ints.values(),
            ],
        )
        query = SQL(
            """
            SELECT new.*, new.new_count + new.returning_count - new.lost_count AS net_growth_count,
                   ROUND(new.lost_count * 100.0 / NULLIF(new.active_start_count, 0), 2) AS churn_rate
              FROM %s new
            """,
            staged,
        )
        written = sync_rows(
            self,
            company,
            query,
            keys=("period_type", "date", "user_id", "team_id", "abc_xyz_class"),
            values=(*COUNT_COLUMNS, "net_growth_count", "churn_rate"),
            nullable_keys=("user_id", "team_id", "abc_xyz_class"),
        )
        self.env.cr.execute(SQL("DROP TABLE %s", staged))
        return written
