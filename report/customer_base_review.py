from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, format_amount

from ..models.common import MONEY_READERS

CELLS = [abc + xyz for abc in "ABC" for xyz in "XYZ"]
TOP_CUSTOMERS = 10
BAR_WIDTH = 360  # px of the longest bar of a chart


class ReportClientBaseReview(models.AbstractModel):
    """The printable "Client base review" of a company: every analysis on a
    few pages and a conclusion written from the figures. Reads the stored
    analyses (refreshed by the classification run), so it renders in seconds
    on a large client base."""

    _name = "report.customer_segmentation.report_client_base_review"
    _description = "Client Base Review"

    @api.model
    def _get_report_values(self, docids, data=None):
        if not self.env.su and not any(self.env.user.has_group(group) for group in MONEY_READERS.split(",")):
            raise AccessError(
                self.env._("The client base review shows revenue: only users who read every sale may print it.")
            )
        companies = self.env["res.company"].browse(docids)
        return {
            "doc_ids": docids,
            "doc_model": "res.company",
            "docs": companies,
            "reviews": {company.id: self._review(company) for company in companies},
        }

    def _fetch(self, query):
        self.env.cr.execute(query)
        return self.env.cr.dictfetchall()

    def _review(self, company):
        self.env.flush_all()
        key = str(company.id)
        run_date = company.segmentation_analyses_date or company._segmentation_today()
        review = {
            "date": run_date,
            "currency": company.currency_id,
            "statuses": dict(self.env["res.partner"]._fields["lifecycle_status"]._description_selection(self.env)),
        }
        review["matrix"] = self._matrix(company, key)
        review["top_customers"] = self._fetch(
            SQL(
                """
                SELECT name, abc_xyz_class ->> %(key)s AS cell,
                       (classification_revenue ->> %(key)s)::numeric AS revenue,
                       (classification_margin ->> %(key)s)::numeric AS margin,
                       lifecycle_status ->> %(key)s AS status
                  FROM res_partner
                 WHERE classification_revenue ? %(key)s AND active
                 ORDER BY (classification_revenue ->> %(key)s)::numeric DESC, id
                 LIMIT %(limit)s
                """,
                key=key,
                limit=TOP_CUSTOMERS,
            )
        )
        review["dynamics"] = self._fetch(
            SQL(
                """
                SELECT year, bool_or(is_running) AS running, SUM(revenue) AS revenue, SUM(margin) AS margin,
                       (SUM(revenue) - SUM(previous_revenue)) * 100 / NULLIF(ABS(SUM(previous_revenue)), 0) AS change,
                       COUNT(*) FILTER (WHERE trend = 'growing') AS growing,
                       COUNT(*) FILTER (WHERE trend = 'declining') AS declining,
                       COUNT(DISTINCT partner_id) FILTER (WHERE revenue > 0) AS customers
                  FROM customer_dynamics_report
                 WHERE company_id = %s AND period_kind = 'calendar'
                 GROUP BY year ORDER BY year
                """,
                company.id,
            )
        )
        review["cell_dynamics"] = self._fetch(
            SQL(
                """
                SELECT partner.abc_xyz_class ->> %(key)s AS cell, SUM(report.revenue) AS revenue,
                       (SUM(report.revenue) - SUM(report.previous_revenue)) * 100
                           / NULLIF(ABS(SUM(report.previous_revenue)), 0) AS change
                  FROM customer_dynamics_report report
                  JOIN res_partner partner ON partner.id = report.partner_id
                 WHERE report.company_id = %(company)s AND report.period_kind = 'rolling' AND report.is_latest
                   AND partner.abc_xyz_class ? %(key)s
                 GROUP BY 1 ORDER BY 1
                """,
                key=key,
                company=company.id,
            )
        )
        review["base"] = self._fetch(
            SQL(
                """
                SELECT date, SUM(active_count) AS active, SUM(active_start_count) AS active_start,
                       SUM(new_count) AS new, SUM(returning_count) AS returning, SUM(lost_count) AS lost,
                       SUM(net_growth_count) AS net_growth,
                       SUM(lost_count) * 100.0 / NULLIF(SUM(active_start_count), 0) AS churn
                  FROM customer_base_report
                 WHERE company_id = %s AND period_type = %s
                 GROUP BY date ORDER BY date
                """,
                company.id,
                "year",
            )
        )
        review["base_months"] = self._fetch(
            SQL(
                """
                SELECT date, SUM(active_count) AS active, SUM(new_count) AS new, SUM(lost_count) AS lost
                  FROM customer_base_report
                 WHERE company_id = %s AND period_type = 'month' AND date > %s
                 GROUP BY date ORDER BY date
                """,
                company.id,
                run_date.replace(year=run_date.year - 1),
            )
        )
        year_start = run_date.replace(month=1, day=1)
        review["plan"] = self._fetch(
            SQL(
                """
                SELECT COALESCE(users.login, '') AS login, COALESCE(seller.name, '') AS salesperson,
                       SUM(report.planned_amount) AS planned,
                       SUM(report.actual_amount) FILTER (WHERE report.is_planned) AS actual_planned,
                       SUM(report.actual_amount) AS actual,
                       SUM(report.actual_amount) FILTER (WHERE report.is_planned) * 100
                           / NULLIF(SUM(report.planned_amount), 0) AS achievement,
                       COUNT(DISTINCT report.partner_id) FILTER (WHERE report.is_planned) AS planned_customers,
                       COUNT(DISTINCT report.partner_id) FILTER (WHERE NOT report.is_planned) AS unplanned_customers
                  FROM customer_plan_actual_report report
                  LEFT JOIN res_users users ON users.id = report.user_id
                  LEFT JOIN res_partner seller ON seller.id = users.partner_id
                 WHERE report.company_id = %s AND report.date_start >= %s AND report.date_start <= %s
                 GROUP BY 1, 2 ORDER BY 3 DESC, 5 DESC
                """,
                company.id,
                year_start,
                run_date,
            )
        )
        review["profiles"] = {
            name: self._profile(company, expression)
            for name, expression in (
                ("team", SQL("COALESCE(team.name ->> 'en_US', '')")),
                ("cell", SQL("COALESCE(partner.abc_xyz_class ->> %s, '')", key)),
                ("industry", SQL("COALESCE(industry.name ->> 'en_US', '')")),
            )
        }
        review["segments"] = [
            {"name": segment.name, "members": segment.member_count, "type": segment.segment_type}
            for segment in self.env["customer.segment"].search([("company_id", "=", company.id)])
        ]
        review["overdue_a"] = self._fetch(
            SQL(
                """
                SELECT COUNT(*) AS count FROM res_partner
                 WHERE abc_class ->> %(key)s = 'A' AND lifecycle_status ->> %(key)s IN ('at_risk', 'lost') AND active
                """,
                key=key,
            )
        )[0]["count"]
        review["charts"] = {
            "dynamics": self._bars([(str(row["year"]), row["revenue"]) for row in review["dynamics"]]),
            "active": self._bars([(row["date"].strftime("%m/%Y"), row["active"]) for row in review["base_months"]]),
            "teams": self._bars([(row["name"] or "-", row["margin_percent"]) for row in review["profiles"]["team"]]),
        }
        review["conclusions"] = self._conclusions(review)
        return review

    def _matrix(self, company, key):
        rows = self._fetch(
            SQL(
                """
                SELECT abc_xyz_class ->> %(key)s AS cell, COUNT(*) AS count,
                       SUM((classification_revenue ->> %(key)s)::numeric) AS revenue
                  FROM res_partner
                 WHERE abc_xyz_class ? %(key)s AND active
                 GROUP BY 1
                """,
                key=key,
            )
        )
        total = sum(row["revenue"] or 0 for row in rows)
        by_cell = {row["cell"]: row for row in rows}
        strategies = company._cell_strategies()
        return [
            {
                "cell": cell,
                "count": by_cell.get(cell, {}).get("count", 0),
                "revenue": by_cell.get(cell, {}).get("revenue") or 0,
                "share": (by_cell.get(cell, {}).get("revenue") or 0) * 100 / total if total else 0,
                "strategy": strategies[cell],
            }
            for cell in CELLS
        ]

    def _profile(self, company, expression):
        """Profitability of the last 12 full months by one profile."""
        return self._fetch(
            SQL(
                """
                SELECT %(expression)s AS name, SUM(report.revenue) AS revenue, SUM(report.margin) AS margin,
                       SUM(report.margin) * 100 / NULLIF(SUM(report.revenue), 0) AS margin_percent,
                       COUNT(DISTINCT report.partner_id) AS customers,
                       SUM(report.revenue) / NULLIF(SUM(report.document_count), 0) AS average_invoice
                  FROM customer_dynamics_report report
                  JOIN res_partner partner ON partner.id = report.partner_id
                  LEFT JOIN res_users seller ON seller.id = partner.user_id
                  LEFT JOIN crm_team team ON team.id = seller.sale_team_id
                  LEFT JOIN res_partner_industry industry ON industry.id = partner.industry_id
                 WHERE report.company_id = %(company)s AND report.period_kind = 'rolling' AND report.is_latest
                 GROUP BY 1 ORDER BY 2 DESC
                """,
                expression=expression,
                company=company.id,
            )
        )

    def _bars(self, values):
        """Horizontal bars for an inline SVG chart: label, value, x and width
        (negative values start left of the axis)."""
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
                    "x": axis - width if number < 0 else axis,
                    "width": width,
                    "y": index * 18,
                    "negative": number < 0,
                }
            )
        return {"bars": bars, "height": len(bars) * 18 + 4, "axis": axis}

    def _conclusions(self, review):
        """Sentences per group of clients, from the figures."""
        _ = self.env._
        lines = []
        growing = [row["cell"] for row in review["cell_dynamics"] if (row["change"] or 0) > 10]
        shrinking = [row["cell"] for row in review["cell_dynamics"] if (row["change"] or 0) < -10]
        if growing:
            lines.append(self.env._("Growing cells over the last 12 months: %(cells)s.", cells=", ".join(growing)))
        if shrinking:
            lines.append(
                self.env._(
                    "Shrinking cells over the last 12 months: %(cells)s: find out why.", cells=", ".join(shrinking)
                )
            )
        a_share = sum(row["share"] for row in review["matrix"] if row["cell"].startswith("A"))
        a_count = sum(row["count"] for row in review["matrix"] if row["cell"].startswith("A"))
        if a_count:
            lines.append(
                self.env._(
                    "%(count)s A customers bring %(share)s %% of the revenue; %(overdue)s of them have not bought "
                    "for half the churn threshold or longer: call them first.",
                    count=a_count,
                    share=round(a_share, 1),
                    overdue=review["overdue_a"],
                )
            )
        kinds = (("team", self.env._("sales team")), ("cell", self.env._("cell")), ("industry", self.env._("industry")))
        for kind, label in kinds:
            losing = [row for row in review["profiles"][kind] if (row["margin"] or 0) < 0]
            for row in losing:
                lines.append(
                    self.env._(
                        "The %(kind)s %(name)s loses money: margin %(margin)s on a revenue of %(revenue)s.",
                        kind=label,
                        name=row["name"] or self.env._("(none)"),
                        margin=format_amount(self.env, row["margin"], review["currency"]),
                        revenue=format_amount(self.env, row["revenue"], review["currency"]),
                    )
                )
        if review["base"]:
            last = review["base"][-1]
            lines.append(
                self.env._(
                    "This year: %(new)s new, %(returning)s returning and %(lost)s lost customers "
                    "(churn %(churn)s %%), %(active)s active now.",
                    new=last["new"],
                    returning=last["returning"],
                    lost=last["lost"],
                    churn=round(last["churn"] or 0, 1),
                    active=last["active"],
                )
            )
        planned = sum(row["planned"] or 0 for row in review["plan"])
        if planned:
            actual = sum(row["actual_planned"] or 0 for row in review["plan"])
            lines.append(
                self.env._(
                    "Customers with a plan this year bought %(achievement)s %% of it (%(actual)s of %(planned)s).",
                    achievement=round(actual * 100 / planned, 1),
                    actual=format_amount(self.env, actual, review["currency"]),
                    planned=format_amount(self.env, planned, review["currency"]),
                )
            )
        return lines
