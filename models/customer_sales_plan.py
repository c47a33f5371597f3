from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

PERIOD_TYPES = [("month", "Month"), ("quarter", "Quarter"), ("year", "Year")]
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


class CustomerSalesPlan(models.Model):
    """The revenue planned with a customer for a month, a quarter or a year,
    in company currency, against which the plan-vs-actual report measures
    its sales. Periods of one customer in one company never overlap."""

    _name = "customer.sales.plan"
    _description = "Customer Sales Plan"
    _order = "date_start desc, partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        domain=[("is_company", "=", True)],
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        precompute=True,
        domain=[("share", "=", False)],
        index=True,
    )
    period_type = fields.Selection(PERIOD_TYPES, string="Period", required=True, default="month")
    date_start = fields.Date(
        string="Start", required=True, default=lambda self: fields.Date.context_today(self).replace(day=1)
    )
    date_end = fields.Date(
        string="End", compute="_compute_date_end", store=True, readonly=False, precompute=True, required=True
    )
    amount = fields.Monetary(string="Planned Revenue", required=True, currency_field="currency_id")

    _amount_positive = models.Constraint("CHECK(amount >= 0)", "A planned revenue cannot be negative.")
    _dates_ordered = models.Constraint("CHECK(date_end >= date_start)", "A plan cannot end before it starts.")

    @api.depends("partner_id")
    def _compute_user_id(self):
        for plan in self:
            plan.user_id = plan.user_id or plan.partner_id.commercial_partner_id.user_id

    @api.depends("date_start", "period_type")
    def _compute_date_end(self):
        for plan in self:
            if plan.date_start and plan.period_type:
                start = plan.date_start.replace(day=1)
                plan.date_end = start + relativedelta(months=PERIOD_MONTHS[plan.period_type], days=-1)

    @api.constrains("date_start", "date_end")
    def _check_whole_months(self):
        for plan in self:
            if plan.date_start.day != 1 or (plan.date_end + relativedelta(days=1)).day != 1:
                raise ValidationError(
                    self.env._(
                        "The plan of %(customer)s must cover whole months: from the first day of a month "
                        "to the last day of a month.",
                        customer=plan.partner_id.display_name,
                    )
                )

    @api.constrains("partner_id", "company_id", "date_start", "date_end")
    def _check_overlap(self):
        """One query for all the plans in `self` (an import brings
        thousands)."""
        self.flush_model(["partner_id", "company_id", "date_start", "date_end"])
        self.env.cr.execute(
            SQL(
                """
                SELECT plan.id, other.id
                  FROM customer_sales_plan plan
                  JOIN customer_sales_plan other
                    ON other.partner_id = plan.partner_id
                   AND other.company_id = plan.company_id
                   AND other.id != plan.id
                   AND daterange(other.date_start, other.date_end, '[]')
                       && daterange(plan.date_start, plan.date_end, '[]')
                 WHERE plan.id IN %s
                 LIMIT 1
                """,
                tuple(self.ids),
            )
        )
        overlap = self.env.cr.fetchone()
        if overlap:
            plan, other = self.browse(overlap)
            raise ValidationError(
                self.env._(
                    "The plans of %(customer)s overlap: %(first)s to %(first_end)s and %(second)s to %(second_end)s.",
                    customer=plan.partner_id.display_name,
                    first=plan.date_start,
                    first_end=plan.date_end,
                    second=other.date_start,
                    second_end=other.date_end,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        plans = super().create(vals_list)
        plans._refresh_plan_actual(plans._customers_by_company())
        return plans

    def write(self, vals):
        customers = self._customers_by_company()
        result = super().write(vals)
        for company, partner_ids in self._customers_by_company().items():
            customers.setdefault(company, set()).update(partner_ids)
        self._refresh_plan_actual(customers)
        return result

    def unlink(self):
        customers = self._customers_by_company()
        result = super().unlink()
        self._refresh_plan_actual(customers)
        return result

    def _customers_by_company(self):
        customers = {}
        for plan in self:
            customers.setdefault(plan.company_id, set()).add(plan.partner_id.id)
        return customers

    def _refresh_plan_actual(self, customers):
        """The plan-vs-actual rows of the customers whose plans changed: a
        plan edited shows at once."""
        Report = self.env["customer.plan.actual.report"]
        for company, partner_ids in customers.items():
            Report._refresh(company, partner_ids)

    @api.model
    def get_import_templates(self):
        return [
            {
                "label": self.env._("Import Template for Sales Plans"),
                "template": "/customer_segmentation/static/xls/customer_sales_plan.xlsx",
            }
        ]

    @api.model
    def _create_demo_plans(self):
        """Demo: a quarterly plan for the current year for every customer
        who bought last year: its revenue of the same quarter last year plus
        10 %, rounded to hundreds, so that plan vs actual shows customers
        ahead of and behind their plans."""
        company = self.env.company
        year = fields.Date.context_today(self).year
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, EXTRACT(QUARTER FROM month)::int AS quarter, SUM(revenue)
                  FROM customer_sales_month
                 WHERE company_id = %s AND month >= %s AND month < %s
                 GROUP BY 1, 2 HAVING SUM(revenue) > 0
                """,
                company.id,
                fields.Date.to_date(f"{year - 1}-01-01"),
                fields.Date.to_date(f"{year}-01-01"),
            )
        )
        self.create(
            [
                {
                    "partner_id": partner_id,
                    "company_id": company.id,
                    "period_type": "quarter",
                    "date_start": fields.Date.to_date(f"{year}-{(quarter - 1) * 3 + 1:02d}-01"),
                    "amount": round(float(revenue) * 1.1, -2),
                }
                for partner_id, quarter, revenue in self.env.cr.fetchall()
            ]
        )
