from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_date

PERIOD_TYPES = [("month", "Month"), ("quarter", "Quarter"), ("year", "Year")]
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
# the years a plan may cover: a typo such as 9999 is refused, not computed
PLAN_YEARS = (1900, 2199)


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
        # the commercial entities (see res.partner._compute_commercial_partner)
        domain=["|", ("is_company", "=", True), ("parent_id", "=", False)],
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
                if start.year > PLAN_YEARS[1]:
                    # past the calendar's end: left as it is for _check_date_range to refuse
                    plan.date_end = plan.date_start
                    continue
                plan.date_end = start + relativedelta(months=PERIOD_MONTHS[plan.period_type], days=-1)

    @api.constrains("date_start", "date_end")
    def _check_date_range(self):
        first, last = PLAN_YEARS
        for plan in self:
            if not (first <= plan.date_start.year and plan.date_end.year <= last):
                raise ValidationError(
                    self.env._(
                        "The plan of %(customer)s runs from %(start)s to %(end)s: plans cover the years "
                        "%(first)s to %(last)s.",
                        customer=plan.partner_id.display_name,
                        start=format_date(self.env, plan.date_start),
                        end=format_date(self.env, plan.date_end),
                        first=first,
                        last=last,
                    )
                )

    @api.constrains("partner_id")
    def _check_commercial_entity(self):
        """The actual is counted for the commercial entity (contacts buy for
        their company): a plan for a contact would stay at 0 and escape the
        overlap check of its company's plans."""
        for plan in self:
            company = plan.partner_id.commercial_partner_id
            if company != plan.partner_id:
                raise ValidationError(
                    self.env._(
                        "%(contact)s is a contact of %(company)s: plans are made for the company. "
                        "Plan for %(company)s instead.",
                        contact=plan.partner_id.display_name,
                        company=company.display_name,
                    )
                )

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
    def _merge_customer_plans(self, src_partners, dst_partner):
        """Before customers are merged: plans of one period add up into the
        destination's (a plan is one figure per customer and period, and
        plan vs actual must not count an actual twice); plans that overlap
        without covering the same period cannot be added up, and the merge
        is refused naming them. Plans of other periods follow the customer
        with Odoo's merge."""
        plans = self.sudo().search([("partner_id", "in", (src_partners | dst_partner).ids)])
        periods = plans.sorted(lambda p: (p.partner_id != dst_partner, p.id)).grouped(
            lambda p: (p.company_id, p.date_start, p.date_end)
        )
        for (company, start, end), same in periods.items():
            other = next(
                (
                    other
                    for (other_company, other_start, other_end), other in periods.items()
                    if other_company == company and other_start <= end and start <= other_end and other != same
                ),
                None,
            )
            if other:
                raise UserError(
                    self.env._(
                        "These customers cannot be merged: the plan of %(customer)s from %(start)s to %(end)s "
                        "overlaps the plan of %(other)s from %(other_start)s to %(other_end)s without covering "
                        "the same period. Change one of the plans first.",
                        customer=same[0].partner_id.display_name,
                        start=format_date(self.env, start),
                        end=format_date(self.env, end),
                        other=other[0].partner_id.display_name,
                        other_start=format_date(self.env, other[0].date_start),
                        other_end=format_date(self.env, other[0].date_end),
                    )
                )
        for same in periods.values():
            if len(same) > 1:
                same[0].amount = sum(same.mapped("amount"))
                same[1:].unlink()

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
