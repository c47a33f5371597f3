from odoo import fields, models, tools
from odoo.tools import SQL


class CustomerPlanActualReport(models.Model):
    """Plan against actual sales, client by client: one row per plan with
    the customer's revenue in its period (the stored sales per month, so the
    same sales as the classification), and one row per month a customer
    bought in without a plan covering it (plan 0). A plan running today also
    shows its run-rate: the actual to date extended to the whole period."""

    _name = "customer.plan.actual.report"
    _description = "Customer Plan vs Actual"
    _auto = False
    _order = "date_start desc, gap_amount desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one(related="partner_id.user_id.sale_team_id", string="Sales Team")
    plan_id = fields.Many2one("customer.sales.plan", string="Sales Plan", readonly=True)
    is_planned = fields.Boolean(string="Planned", readonly=True)
    date_start = fields.Date(string="Period Start", readonly=True)
    date_end = fields.Date(string="Period End", readonly=True)
    planned_amount = fields.Float(string="Plan", digits="Account", readonly=True)
    actual_amount = fields.Float(string="Actual", digits="Account", readonly=True)
    gap_amount = fields.Float(string="Gap", digits="Account", readonly=True, help="Plan minus actual.")
    achievement_percent = fields.Float(
        string="Achievement (%)",
        digits=(16, 2),
        aggregator="avg",
        readonly=True,
        help="Actual / plan. For a group of rows, its actual over its plan, as its gap: the sales of customers "
        "without a plan count too.",
    )
    run_rate_amount = fields.Float(
        string="Run-Rate",
        digits="Account",
        readonly=True,
        help="For the running period, the actual to date extended to the whole period; otherwise the actual.",
    )

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec != "achievement_percent:avg":
            return super()._read_group_select(aggregate_spec, query)
        # the ratio of the group's sums, so that it agrees with its actual, plan and gap
        return SQL(
            "SUM(%(actual)s) * 100 / NULLIF(SUM(%(plan)s), 0)",
            actual=self._field_to_sql(self._table, "actual_amount", query),
            plan=self._field_to_sql(self._table, "planned_amount", query),
        )

    def _select_plans(self):
        return SQL(
            """
            SELECT plan.id, plan.partner_id, plan.company_id, plan.user_id, plan.id AS plan_id, TRUE AS is_planned,
                   plan.date_start, plan.date_end, plan.amount AS planned_amount,
                   COALESCE(actual.revenue, 0) AS actual_amount,
                   plan.amount - COALESCE(actual.revenue, 0) AS gap_amount,
                   ROUND(COALESCE(actual.revenue, 0) * 100 / NULLIF(plan.amount, 0), 2) AS achievement_percent,
                   CASE WHEN CURRENT_DATE BETWEEN plan.date_start AND plan.date_end
                        THEN ROUND(COALESCE(actual.revenue, 0) * (plan.date_end - plan.date_start + 1)
                                   / (CURRENT_DATE - plan.date_start + 1), 2)
                        ELSE COALESCE(actual.revenue, 0) END AS run_rate_amount
              FROM customer_sales_plan plan
              LEFT JOIN LATERAL (
                    SELECT SUM(sale.revenue) AS revenue
                      FROM customer_sales_month sale
                     WHERE sale.company_id = plan.company_id
                       AND sale.partner_id = plan.partner_id
                       AND sale.month BETWEEN plan.date_start AND plan.date_end
                   ) AS actual ON TRUE
            """
        )

    def _select_unplanned(self):
        return SQL(
            """
            SELECT -sale.id AS id, sale.partner_id, sale.company_id, customer.user_id, NULL::int AS plan_id,
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
            """
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s UNION ALL %s)",
                SQL.identifier(self._table),
                self._select_plans(),
                self._select_unplanned(),
            )
        )
