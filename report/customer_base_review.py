from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import format_amount, format_date, formatLang

from ..analytics import window_bounds
from ..models.common import MONEY_READERS, SALES_USER

TOP_CUSTOMERS = 10
BAR_WIDTH = 360  # px of the longest bar of a chart
# the profiles of the profitability section: key, field of customer.dynamics.report
PROFILES = {"team": "team_id", "cell": "abc_xyz_class", "industry": "industry_id"}
BASE_COUNTS = {
    "active": "active_count:sum",
    "active_start": "active_start_count:sum",
    "new": "new_count:sum",
    "returning": "returning_count:sum",
    "lost": "lost_count:sum",
    "net_growth": "net_growth_count:sum",
    "churn": "churn_rate:avg",
}


class ReportClientBaseReview(models.AbstractModel):
    """The printable "Client base review" of a company: every analysis on a
    few pages and a conclusion written from the figures. Reads the stored
    analyses (refreshed by the classification run), so it renders in seconds
    on a large client base.

    Every figure is read as its screen reads it: the ABC-XYZ matrix through
    `res.partner.get_abc_xyz_matrix`, the analyses through their report
    models' grouped reads (whose ratio aggregates are ratios of sums), names
    through the ORM in the reader's language; the PDF and the screens thus
    show the same figures by construction. A section shows only to users in
    the groups that may read its figures on screen."""

    _name = "report.customer_segmentation.report_client_base_review"
    _description = "Client Base Review"

    @api.model
    def _get_report_values(self, docids, data=None):
        companies = self.env["res.company"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "res.company",
            "docs": companies,
            "reviews": {company.id: self.with_company(company)._review() for company in companies},
            "formats": {company.id: self._formats(company.currency_id) for company in companies},
        }

    def _formats(self, currency):
        """How the review writes its figures, in the reader's language (its
        separators and the currency's place): the template's and the charts'
        one way to write an amount, a percentage, a count or a date."""
        env = self.env

        def percent(value):
            # a ratio without a base (no previous revenue, no plan) is None, or False from a grouped read
            return "-" if value is None or value is False else f"{formatLang(env, value, digits=1)}\N{NO-BREAK SPACE}%"

        return {
            "money": lambda value: format_amount(env, value or 0, currency),
            "percent": percent,
            "number": lambda value: formatLang(env, value or 0, digits=0),
            "decimal": lambda value: formatLang(env, value or 0, digits=1),
            "date": lambda value: format_date(env, value),
            "month": lambda value: format_date(env, value, date_format="LLL y"),
        }

    def _sections(self):
        """(key, groups that may read its figures, method) of each section:
        the groups of the model or the fields the method reads."""
        return [
            ("matrix", SALES_USER, self._matrix),
            ("overdue_a", SALES_USER, self._overdue_a),
            ("top_customers", MONEY_READERS, self._top_customers),
            ("dynamics", MONEY_READERS, self._dynamics),
            ("cell_dynamics", MONEY_READERS, self._cell_dynamics),
            ("base", SALES_USER, self._base),
            ("base_months", SALES_USER, self._base_months),
            ("plan", MONEY_READERS, self._plan),
            ("plan_total", MONEY_READERS, self._plan_total),
            ("profiles", MONEY_READERS, self._profiles),
            ("cadence", MONEY_READERS, self._cadence),
            ("coverage", SALES_USER, self._coverage),
            ("segments", SALES_USER, self._segments),
        ]

    def _review(self):
        """The review of the current company: the sections the user may read."""
        company = self.env.company
        review = {"date": self._run_date(), "currency": company.currency_id, "window": self._window()}
        for key, groups, section in self._sections():
            if self.env.su or self.env.user.has_groups(groups):
                review[key] = section()
        review["charts"] = self._charts(review)
        review["conclusions"] = self._conclusions(review)
        return review

    def _company_domain(self, *conditions):
        return Domain.AND([Domain("company_id", "=", self.env.company.id), *conditions])

    def _run_date(self):
        """The date of the figures: the last run of the analyses."""
        company = self.env.company
        return company.segmentation_analyses_date or company._segmentation_today()

    def _window(self):
        """First and last day of the sales the classes are computed from (the
        ABC window of the last run), or None while the settings cannot run."""
        try:
            rules = self.env.company._segmentation_rules_checked()
        except ValidationError:
            return None
        start, end = window_bounds(self._run_date(), rules.abc_window_months)
        return start, end - relativedelta(days=1)

    def _matrix(self):
        """The ABC-XYZ matrix, as its screen shows it (counts only for users
        who may not read money)."""
        return self.env["res.partner"].get_abc_xyz_matrix()

    def _overdue_a(self):
        """A customers who have not bought for half the churn threshold or longer."""
        return self.env["res.partner"].search_count(
            [("abc_class", "=", "A"), ("lifecycle_status", "in", ["at_risk", "lost"])]
        )

    def _top_customers(self):
        """The classified customers (those ranked by the priority list) of
        the largest revenue in the classification window."""
        return self.env["res.partner"].search(
            [("priority_rank", ">", 0)], order="classification_revenue desc, id", limit=TOP_CUSTOMERS
        )

    def _dynamics(self):
        """The calendar years: revenue, margin and change, the customers who
        bought, how many grow and decline."""
        Report = self.env["customer.dynamics.report"]
        years = self._company_domain(Domain("period_kind", "=", "calendar"))
        customers = dict(Report._read_group(years & Domain("revenue", ">", 0), ["year"], ["customer_count:sum"]))
        trends = defaultdict(int)
        for year, trend, count in Report._read_group(years, ["year", "trend"], ["__count"]):
            trends[year, trend] = count
        groups = Report._read_group(
            years, ["year"], ["is_running:bool_or", "revenue:sum", "margin:sum", "revenue_change_percent:avg"]
        )
        return [
            {
                "year": year,
                "running": running,
                "revenue": revenue,
                "margin": margin,
                "change": change,
                "customers": customers.get(year, 0),
                "growing": trends[year, "growing"],
                "declining": trends[year, "declining"],
            }
            for year, running, revenue, margin, change in groups
        ]

    def _latest_twelve_months(self):
        return self._company_domain(Domain("period_kind", "=", "rolling"), Domain("is_latest", "=", True))

    def _cell_dynamics(self):
        """Revenue and change of the last 12 full months per current cell."""
        groups = self.env["customer.dynamics.report"]._read_group(
            self._latest_twelve_months(), ["abc_xyz_class"], ["revenue:sum", "revenue_change_percent:avg"]
        )
        return [{"cell": cell, "revenue": revenue, "change": change} for cell, revenue, change in groups if cell]

    def _client_base(self, domain, granularity):
        groups = self.env["customer.base.report"]._read_group(
            self._company_domain(domain), [f"date:{granularity}"], list(BASE_COUNTS.values())
        )
        return [dict(zip(("date", *BASE_COUNTS), group, strict=True)) for group in groups]

    def _base(self):
        """Growth and churn per year."""
        return self._client_base(Domain("period_type", "=", "year"), "year")

    def _base_months(self):
        """Active, new and lost customers of the last 12 months."""
        since = self._run_date() - relativedelta(years=1)
        return self._client_base(Domain("period_type", "=", "month") & Domain("date", ">", since), "month")

    def _this_year(self):
        run_date = self._run_date()
        return self._company_domain(
            Domain("date_start", ">=", run_date.replace(month=1, day=1)), Domain("date_start", "<=", run_date)
        )

    def _plan(self):
        """Plan against actual of this year per salesperson: the plan, what
        the customers with a plan bought of it, what all customers bought."""
        groups = self.env["customer.plan.actual.report"]._read_group(
            self._this_year(),
            ["user_id", "is_planned"],
            ["planned_amount:sum", "actual_amount:sum", "achievement_percent:avg", "partner_id:count_distinct"],
        )
        rows = {}
        for user, is_planned, planned, actual, achievement, customers in groups:
            row = rows.setdefault(
                user,
                {
                    "salesperson": self._group_name("customer.plan.actual.report", "user_id", user),
                    "planned": 0.0,
                    "actual_planned": 0.0,
                    "actual": 0.0,
                    "achievement": None,
                    "planned_customers": 0,
                    "unplanned_customers": 0,
                },
            )
            row["planned"] += planned
            row["actual"] += actual
            if is_planned:
                row.update(actual_planned=actual, achievement=achievement, planned_customers=customers)
            else:
                row["unplanned_customers"] = customers
        return sorted(rows.values(), key=lambda row: (-row["planned"], -row["actual"]))

    def _plan_total(self):
        """The plans of this year: what their customers bought of them."""
        [(planned, actual, achievement)] = self.env["customer.plan.actual.report"]._read_group(
            self._this_year() & Domain("is_planned", "=", True),
            [],
            ["planned_amount:sum", "actual_amount:sum", "achievement_percent:avg"],
        )
        return {"planned": planned, "actual": actual, "achievement": achievement}

    def _profiles(self):
        """Profitability of the last 12 full months by sales team, cell and
        industry, the largest revenue first."""
        profiles = {}
        for key, field in PROFILES.items():
            groups = self.env["customer.dynamics.report"]._read_group(
                self._latest_twelve_months(),
                [field],
                [
                    "revenue:sum",
                    "margin:sum",
                    "margin_percent:avg",
                    "customer_count:sum",
                    "average_document_amount:avg",
                ],
                order="revenue:sum desc",
            )
            profiles[key] = [
                {
                    "name": self._group_name("customer.dynamics.report", field, value),
                    "revenue": revenue,
                    "margin": margin,
                    "margin_percent": margin_percent,
                    "customers": customers,
                    "average_invoice": average_invoice,
                }
                for value, revenue, margin, margin_percent, customers, average_invoice in groups
            ]
        return profiles

    def _group_name(self, model, field, value):
        """The name of the group of `value` of a grouped read of `model` on
        `field`, as its screen writes it: the record's name, the selection's
        label, or for the group without a value the field's label of empty
        groups (its `falsy_value_label`, "No sales team")."""
        if not value:
            return self.env[model]._fields[field]._description_falsy_value_label(self.env)
        if isinstance(value, models.BaseModel):
            return value.display_name
        return dict(self.env[model]._fields[field]._description_selection(self.env))[value]

    def _cadence(self):
        """How: the recommended contact cadence of each cell and cadence-profile
        segment with its evidence, and the contacts per customer-month of
        each cell over the months analysed."""
        recommendations = self.env["customer.cadence.recommendation"].search(self._company_domain())
        contacts = self.env["customer.cadence.report"]._read_group(
            self._company_domain(), ["abc_xyz_class"], ["contact_count:avg", "customer_count:sum"]
        )
        return {
            "recommendations": recommendations.filtered("leading_cadence"),
            "without_data": ", ".join(
                recommendations.filtered(lambda row: not row.leading_cadence).mapped("display_name")
            ),
            "contacts": {cell: (average, customers) for cell, average, customers in contacts if cell},
        }

    def _coverage(self):
        """How the salespeople work their A and B customers, as the Manager
        Activity screen shows it: per salesperson, the customers contacted
        in the last 30 and 90 days against all of them, and the A customers
        not contacted within their recommended interval."""
        groups = self.env["customer.manager.activity.report"]._read_group(
            self._company_domain(Domain("abc_class", "in", ["A", "B"])),
            ["user_id"],
            ["customer_count:sum", "contacted_30_count:sum", "contacted_90_count:sum", "overdue_a_count:sum"],
        )
        rows = [
            {
                "salesperson": self._group_name("customer.manager.activity.report", "user_id", user),
                "customers": customers,
                "contacted_30": contacted_30,
                "contacted_90": contacted_90,
                "overdue_a": overdue_a,
            }
            for user, customers, contacted_30, contacted_90, overdue_a in groups
        ]
        return sorted(rows, key=lambda row: (-row["customers"], row["salesperson"]))

    def _segments(self):
        return self.env["customer.segment"].search(self._company_domain())

    def _charts(self, review):
        charts = {}
        formats = self._formats(review["currency"])
        if "dynamics" in review:
            charts["dynamics"] = self._bars(
                [(str(row["year"]), row["revenue"]) for row in review["dynamics"]], formats["number"]
            )
        if "base_months" in review:
            charts["active"] = self._bars(
                [(formats["month"](row["date"]), row["active"]) for row in review["base_months"]], formats["number"]
            )
        if "profiles" in review:
            charts["teams"] = self._bars(
                [(row["name"], row["margin_percent"]) for row in review["profiles"]["team"]], formats["percent"]
            )
        return charts

    def _bars(self, values, write):
        """Horizontal bars for an inline SVG chart: label, value written by
        `write`, x and width (negative values start left of the axis)."""
        numbers = [float(value or 0) for _label, value in values]
        largest = max([abs(number) for number in numbers] or [0]) or 1
        has_negative = any(number < 0 for number in numbers)
        axis = BAR_WIDTH / 2 if has_negative else 0
        scale = (BAR_WIDTH / 2 if has_negative else BAR_WIDTH) / largest
        bars = []
        for index, ((label, _value), number) in enumerate(zip(values, numbers, strict=True)):
            width = abs(number) * scale
            bars.append(
                {
                    "label": label,
                    "value": number,
                    "text": write(number),
                    "x": axis - width if number < 0 else axis,
                    "width": width,
                    "y": index * 18,
                    "negative": number < 0,
                }
            )
        return {"bars": bars, "height": len(bars) * 18 + 4, "axis": axis}

    def _conclusions(self, review):
        """Sentences per group of clients, from the figures of the sections shown."""
        lines = []
        cell_dynamics = review.get("cell_dynamics", [])
        growing = [row["cell"] for row in cell_dynamics if (row["change"] or 0) > 10]
        shrinking = [row["cell"] for row in cell_dynamics if (row["change"] or 0) < -10]
        if growing:
            lines.append(self.env._("Growing cells over the last 12 months: %(cells)s.", cells=", ".join(growing)))
        if shrinking:
            lines.append(
                self.env._(
                    "Shrinking cells over the last 12 months: %(cells)s: find out why.", cells=", ".join(shrinking)
                )
            )
        a_cells = [row for row in review.get("matrix", []) if row["cell"].startswith("A") and row["share"] is not None]
        a_count = sum(row["count"] for row in a_cells)
        if a_count:
            lines.append(
                self.env._(
                    "%(count)s A customers bring %(share)s %% of the revenue; %(overdue)s of them have not bought "
                    "for half the churn threshold or longer: call them first.",
                    count=a_count,
                    share=formatLang(self.env, sum(row["share"] for row in a_cells), digits=1),
                    overdue=review["overdue_a"],
                )
            )
        kinds = (("team", self.env._("sales team")), ("cell", self.env._("cell")), ("industry", self.env._("industry")))
        profiles = review.get("profiles", {})
        for kind, label in kinds:
            losing = [row for row in profiles.get(kind, []) if (row["margin"] or 0) < 0]
            for row in losing:
                lines.append(
                    self.env._(
                        "The %(kind)s %(name)s loses money: margin %(margin)s on a revenue of %(revenue)s.",
                        kind=label,
                        name=row["name"],
                        margin=format_amount(self.env, row["margin"], review["currency"]),
                        revenue=format_amount(self.env, row["revenue"], review["currency"]),
                    )
                )
        recommended = [
            row for row in review.get("cadence", {}).get("recommendations", []) if row.state == "recommended"
        ]
        for row in recommended:
            figures = {
                "profile": row.display_name,
                "cadence": row._fields["cadence"].convert_to_export(row.cadence, row).lower(),
                "difference": format_amount(self.env, row.difference, review["currency"]),
                "runner_up": row._fields["runner_up_cadence"].convert_to_export(row.runner_up_cadence, row).lower(),
            }
            if row.interval_days:
                lines.append(
                    self.env._(
                        "%(profile)s: contact every %(days)s days (%(cadence)s), %(difference)s more net margin a "
                        "month per customer than %(runner_up)s.",
                        days=row.interval_days,
                        **figures,
                    )
                )
            else:
                # leaving the customers dormant pays: there is no interval to keep
                lines.append(
                    self.env._(
                        "%(profile)s: no regular contact (%(cadence)s), %(difference)s more net margin a month per "
                        "customer than %(runner_up)s.",
                        **figures,
                    )
                )
        overdue_a = sum(row["overdue_a"] for row in review.get("coverage", []))
        if overdue_a:
            lines.append(
                self.env._(
                    "%(count)s A customers were not contacted within their recommended interval.", count=overdue_a
                )
            )
        if review.get("base"):
            last = review["base"][-1]
            lines.append(
                self.env._(
                    "This year: %(new)s new, %(returning)s returning and %(lost)s lost customers "
                    "(churn %(churn)s %%), %(active)s active now.",
                    new=last["new"],
                    returning=last["returning"],
                    lost=last["lost"],
                    churn=formatLang(self.env, last["churn"] or 0, digits=1),
                    active=last["active"],
                )
            )
        plans = review.get("plan_total")
        if plans and plans["achievement"] is not False:
            lines.append(
                self.env._(
                    "Customers with a plan this year bought %(achievement)s %% of it (%(actual)s of %(planned)s).",
                    achievement=formatLang(self.env, plans["achievement"], digits=1),
                    actual=format_amount(self.env, plans["actual"], review["currency"]),
                    planned=format_amount(self.env, plans["planned"], review["currency"]),
                )
            )
        return lines
