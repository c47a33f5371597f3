from odoo import api, fields, models
from odoo.tools import SQL

from ..models.common import MONEY_READERS, NO_SALES_TEAM, NO_SALESPERSON, WITHOUT_PLAN, Many2oneWithoutForeignKey
from ..tools.sql import month_pairs, partner_scope
from ..tools.sync import leave_room_for_updates, sync_rows


class CustomerPlanActualReport(models.Model):
    """Plan against actual sales, client by client: one row per plan with
    the customer's revenue in its period (the stored sales per month, so the
    same sales as the classification), and one row per month a customer
    bought in without a plan covering it (plan 0). A plan running on the
    day of the refresh also shows its run-rate: the actual to date extended
    to the whole period.

    Stored, as the other analyses, so that its pivot answers at once on a
    large client base: refreshed by the classification run (a rerun on
    unchanged data writes nothing) and, for the customers concerned, by
    every change of a plan, so a plan edited shows at once."""

    _name = "customer.plan.actual.report"
    _description = "Customer Plan vs Actual"
    _order = "date_start desc, gap_amount desc"
    _rec_name = "partner_id"
    _log_access = False

    partner_id = Many2oneWithoutForeignKey(
        "res.partner", string="Customer", readonly=True, index=True, ondelete="cascade"
    )
    company_id = Many2oneWithoutForeignKey("res.company", readonly=True, ondelete="cascade")
    user_id = Many2oneWithoutForeignKey(
        "res.users", string="Salesperson", readonly=True, ondelete="set null", falsy_value_label=NO_SALESPERSON
    )
    team_id = fields.Many2one(
        related="partner_id.user_id.sale_team_id", string="Sales Team", falsy_value_label=NO_SALES_TEAM
    )
    # a deleted plan's rows go with the refresh of its customers that its
    # unlink runs (customer.sales.plan.unlink)
    plan_id = Many2oneWithoutForeignKey(
        "customer.sales.plan",
        string="Sales Plan",
        readonly=True,
        ondelete="cascade",
        index="btree_not_null",
        falsy_value_label=WITHOUT_PLAN,
    )
    is_planned = fields.Boolean(string="Planned", readonly=True)
    date_start = fields.Date(string="Period Start", readonly=True)
    date_end = fields.Date(string="Period End", readonly=True)
    planned_amount = fields.Float(string="Plan", digits="Account", readonly=True, groups=MONEY_READERS)
    actual_amount = fields.Float(string="Actual", digits="Account", readonly=True, groups=MONEY_READERS)
    gap_amount = fields.Float(
        string="Shortfall",
        digits="Account",
        readonly=True,
        groups=MONEY_READERS,
        help="Plan minus actual: what is still to sell; negative when the plan is beaten.",
    )
    achievement_percent = fields.Float(
        string="Achievement (%)",
        digits=(16, 2),
        aggregator="avg",
        readonly=True,
        groups=MONEY_READERS,
        help="Actual / plan. For a group of rows, its actual over its plan, as its shortfall: the sales of customers "
        "without a plan count too.",
    )
    run_rate_amount = fields.Float(
        string="Run-Rate",
        digits="Account",
        readonly=True,
        groups=MONEY_READERS,
        help="For the running period, the actual to date extended to the whole period; otherwise the actual.",
    )

    _company_date_idx = models.Index("(company_id, date_start)")

    def init(self):
        leave_room_for_updates(self)

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec != "achievement_percent:avg":
            return super()._read_group_select(aggregate_spec, query)
        # the ratio of the group's sums, so that it agrees with its actual, plan and shortfall
        return SQL(
            "SUM(%(actual)s) * 100 / NULLIF(SUM(%(plan)s), 0)",
            actual=self._field_to_sql(self._table, "actual_amount", query),
            plan=self._field_to_sql(self._table, "planned_amount", query),
        )

    def _read_group_orderby(self, order, groupby_terms, query):
        """Salespeople sorted by name once grouped. Odoo sorts a many2one
        group by joining its model on every row: on the 600,000 month rows
        of a year PostgreSQL then sorts them all (on disk) before grouping,
        half a second of the pivot's first screen. A subquery on the grouped
        id names each of the few groups instead.

        Core orders many2one groups only by the join; this override stays
        while the pivot's first screen needs it to stay under 1 s (the
        analyses benchmark) and goes when core orders groups after grouping."""
        if not order or "user_id" not in groupby_terms:
            return super()._read_group_orderby(order, groupby_terms, query)
        terms = []
        for part in order.split(","):
            field, _space, direction = part.strip().partition(" ")
            direction = direction.strip().upper()
            if field != "user_id" or direction not in ("", "ASC", "DESC"):
                terms.append(super()._read_group_orderby(part, groupby_terms, query))
                continue
            terms.append(
                SQL(
                    "(SELECT partner.name FROM res_users users JOIN res_partner partner"
                    " ON partner.id = users.partner_id WHERE users.id = %(user)s) %(direction)s,"
                    " %(user)s %(direction)s",
                    user=groupby_terms["user_id"],
                    direction=SQL(direction),
                )
            )
        return SQL(", ").join(terms)

    def _select_plans(self, company, today, scope):
        return SQL(
            """
            SELECT plan.partner_id, plan.user_id, plan.id AS plan_id, TRUE AS is_planned,
                   plan.date_start, plan.date_end, plan.amount AS planned_amount,
                   COALESCE(actual.revenue, 0) AS actual_amount,
                   plan.amount - COALESCE(actual.revenue, 0) AS gap_amount,
                   ROUND(COALESCE(actual.revenue, 0) * 100 / NULLIF(plan.amount, 0), 2) AS achievement_percent,
                   CASE WHEN %(today)s::date BETWEEN plan.date_start AND plan.date_end
                        THEN ROUND(COALESCE(actual.revenue, 0) * (plan.date_end - plan.date_start + 1)
                                   / (%(today)s::date - plan.date_start + 1), 2)
                        ELSE COALESCE(actual.revenue, 0) END AS run_rate_amount
              FROM customer_sales_plan plan
              LEFT JOIN LATERAL (
                    SELECT SUM(sale.revenue) AS revenue
                      FROM customer_sales_month sale
                     WHERE sale.company_id = plan.company_id
                       AND sale.partner_id = plan.partner_id
                       AND sale.month BETWEEN plan.date_start AND plan.date_end
                   ) AS actual ON TRUE
             WHERE plan.company_id = %(company)s AND %(scope)s
            """,
            company=company.id,
            today=today,
            scope=scope,
        )

    def _select_unplanned(self, company, scope):
        return SQL(
            """
            SELECT sale.partner_id, customer.user_id, NULL::int4 AS plan_id,
                   FALSE AS is_planned, sale.month AS date_start,
                   (sale.month + INTERVAL '1 month' - INTERVAL '1 day')::date AS date_end,
                   0 AS planned_amount, sale.revenue AS actual_amount, -sale.revenue AS gap_amount,
                   NULL::numeric AS achievement_percent, sale.revenue AS run_rate_amount
              FROM customer_sales_month sale
              JOIN res_partner customer ON customer.id = sale.partner_id
             WHERE NOT EXISTS (
                    SELECT 1 FROM customer_sales_plan plan
                     WHERE plan.company_id = sale.company_id
                       AND plan.partner_id = sale.partner_id
                       AND sale.month BETWEEN plan.date_start AND plan.date_end
                   )
               AND sale.company_id = %(company)s AND %(scope)s
            """,
            company=company.id,
            scope=scope,
        )

    @api.model
    def _running_plan_partners(self, company, days):
        """The customers of `company` with a plan running on one of `days`:
        their run rates change with the day."""
        self.env["customer.sales.plan"].flush_model()
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT partner_id FROM customer_sales_plan plan"
                " JOIN unnest(%s::date[]) AS day ON day BETWEEN plan.date_start AND plan.date_end"
                " WHERE plan.company_id = %s",
                [day for day in days if day],
                company.id,
            )
        )
        return {partner_id for (partner_id,) in rows}

    @api.model
    def _refresh(self, company, partner_ids=None, today=None, months=None):
        """Bring the rows of `company` (of the customers `partner_ids` only,
        when given) up to date, with the run rates of `today` (the company's
        today by default: a run passes its date); returns the number of rows
        written. `months` ({customer: months}) names customers of
        `partner_ids` whose only change is their sales in those months (the
        months a nightly run re-aggregated): of them, only the rows of those
        months and of their plans are refreshed, not every month of their
        history."""
        self.env["customer.sales.plan"].flush_model()
        self.env["res.partner"].flush_model(["user_id"])
        plans, sales, stored = (partner_scope(alias, partner_ids) for alias in ("plan", "sale", "stored"))
        if partner_ids is not None and months:
            whole = sorted(set(partner_ids) - months.keys())
            pair_table = month_pairs((partner, month) for partner, in_months in months.items() for month in in_months)
            sales = SQL(
                "(sale.partner_id = ANY(%s) OR (sale.partner_id = ANY(%s)"
                " AND (sale.partner_id, sale.month) IN (SELECT * FROM %s AS pair)))",
                whole,
                sorted(months),
                pair_table,
            )
            stored = SQL(
                "(stored.partner_id = ANY(%s) OR (stored.partner_id = ANY(%s) AND (stored.plan_id IS NOT NULL"
                " OR (stored.partner_id, stored.date_start) IN (SELECT * FROM %s AS pair))))",
                whole,
                sorted(months),
                pair_table,
            )
        query = SQL(
            "%s UNION ALL %s",
            self._select_plans(company, today or company._segmentation_today(), plans),
            self._select_unplanned(company, sales),
        )
        values = (
            "user_id",
            "is_planned",
            "date_end",
            "planned_amount",
            "actual_amount",
            "gap_amount",
            "achievement_percent",
            "run_rate_amount",
        )
        return sync_rows(
            self,
            company,
            query,
            ("partner_id", "date_start", "plan_id"),
            values,
            nullable_keys=("plan_id",),
            scope=stored,
        )
