from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.tools import format_amount, formatLang

from ..models.common import MONEY_READERS, SALES_USER


class CustomerClientBaseDashboard(models.AbstractModel):
    """The landing page of the client base for managers: a few figures of
    the current company, each read from the screen it opens (the priority
    list, the matrix, growth and churn, plan vs actual, cell migration), so
    that a tile and its list always agree. A tile shows to the users who may
    read its figures, as its screen does."""

    _name = "customer.client.base.dashboard"
    _description = "Client Base Dashboard"

    @api.model
    def get_dashboard(self):
        """The tiles of the current company: key, title, value (written in
        the reader's language), a line that says what it counts, and the
        action that lists what it counts, with its filters as facets."""
        tiles = []
        for key, groups, tile in self._tiles():
            if self.env.user.has_groups(groups):
                tiles.append({"key": key, **tile()})
        return {"company": self.env.company.name, "tiles": tiles, "matrix": self._matrix()}

    def _tiles(self):
        """(key, groups that may read its figures, method) of each tile."""
        return [
            ("attention", SALES_USER, self._attention),
            ("a_overdue", SALES_USER, self._a_overdue),
            ("churn", SALES_USER, self._churn),
            ("a_share", MONEY_READERS, self._a_share),
            ("plan", MONEY_READERS, self._plan),
            ("migration", SALES_USER, self._migration),
        ]

    def _action(self, xml_id, name, filters):
        """The action `xml_id` named `name`, opened with the search filters
        `filters` (their names in its search view) as removable facets."""
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        action["name"] = action["display_name"] = name
        action["context"] = {f"search_default_{name_}": 1 for name_ in filters}
        return action

    def _priority_clients(self, name, filters):
        return self._action("customer_segmentation.action_my_priority_clients", name, filters)

    def _attention(self):
        count = self.env["res.partner"].search_count([("priority_rank", ">", 0), ("needs_attention", "=", True)])
        title = self.env._("Need Attention Today")
        return {
            "title": title,
            "value": formatLang(self.env, count, digits=0),
            "detail": self.env._("classified customers of the company that need attention"),
            "action": self._priority_clients(title, ["needs_attention"]),
        }

    def _a_overdue(self):
        count = self.env["res.partner"].search_count([("abc_class", "=", "A"), ("purchase_overdue_days", ">", 0)])
        title = self.env._("A Customers Overdue")
        return {
            "title": title,
            "value": formatLang(self.env, count, digits=0),
            "detail": self.env._("A customers past their usual purchase interval"),
            "action": self._priority_clients(title, ["abc_class_a", "overdue"]),
        }

    def _churn(self):
        """Churn of the running quarter against the quarter before."""
        today = self.env.company._segmentation_today()
        quarter = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        rates = dict(
            self.env["customer.base.report"]._read_group(
                [
                    ("company_id", "=", self.env.company.id),
                    ("period_type", "=", "quarter"),
                    ("date", "in", [quarter, quarter - relativedelta(months=3)]),
                ],
                ["date:day"],
                ["churn_rate:avg"],
            )
        )

        def rate(day):
            value = rates.get(day)
            return (
                "-"
                if value is None or value is False
                else f"{formatLang(self.env, value, digits=1)}\N{NO-BREAK SPACE}%"
            )

        title = self.env._("Churn This Quarter")
        return {
            "title": title,
            "value": rate(quarter),
            "detail": self.env._(
                "lost customers over those active at its start; last quarter: %(rate)s",
                rate=rate(quarter - relativedelta(months=3)),
            ),
            "action": self._action("customer_segmentation.customer_base_report_action", title, ["quarterly"]),
        }

    def _a_share(self):
        matrix = self.env["res.partner"].get_abc_xyz_matrix()
        share = sum(cell["share"] or 0 for cell in matrix if cell["cell"].startswith("A"))
        count = sum(cell["count"] for cell in matrix if cell["cell"].startswith("A"))
        action = self.env["ir.actions.actions"]._for_xml_id("customer_segmentation.action_abc_xyz_matrix")
        return {
            "title": self.env._("Revenue Share of A"),
            "value": f"{formatLang(self.env, share, digits=1)}\N{NO-BREAK SPACE}%",
            "detail": self.env._("of the classification window's revenue, from %(count)s A customers", count=count),
            "action": action,
        }

    def _plan(self):
        """Plan achievement of the customers with a plan this year, to date."""
        today = self.env.company._segmentation_today()
        [(achievement, actual, planned)] = self.env["customer.plan.actual.report"]._read_group(
            [
                ("company_id", "=", self.env.company.id),
                ("is_planned", "=", True),
                ("date_start", ">=", today.replace(month=1, day=1)),
                ("date_start", "<=", today),
            ],
            [],
            ["achievement_percent:avg", "actual_amount:sum", "planned_amount:sum"],
        )
        currency = self.env.company.currency_id
        title = self.env._("Plan Achievement")
        value = "-" if achievement is False else f"{formatLang(self.env, achievement, digits=1)}\N{NO-BREAK SPACE}%"
        return {
            "title": title,
            "value": value,
            "detail": self.env._(
                "%(actual)s of %(planned)s planned this year, plans started to date",
                actual=format_amount(self.env, actual or 0, currency),
                planned=format_amount(self.env, planned or 0, currency),
            ),
            "action": self._action("customer_segmentation.customer_plan_actual_report_action", title, ["date_start"]),
        }

    def _migration(self):
        """Where the cells went since a year ago."""
        counts = dict(
            self.env["customer.cell.transition.report"]._read_group(
                [("company_id", "=", self.env.company.id), ("comparison", "=", "year")],
                ["movement"],
                ["customer_count:sum"],
            )
        )
        title = self.env._("Cell Migration")
        return {
            "title": title,
            "value": self.env._(
                "%(up)s up, %(down)s down",
                up=formatLang(self.env, counts.get("up", 0), digits=0),
                down=formatLang(self.env, counts.get("down", 0), digits=0),
            ),
            "detail": self.env._(
                "since a year ago; %(new)s new, %(lost)s lost, %(stayed)s stayed",
                new=counts.get("new", 0),
                lost=counts.get("lost", 0),
                stayed=counts.get("stayed", 0),
            ),
            "action": self._action("customer_segmentation.customer_cell_transition_report_action", title, ["year"]),
        }

    def _matrix(self):
        """The customers per cell, for the dashboard's small matrix."""
        if not self.env.user.has_groups(SALES_USER):
            return []
        return [{"cell": cell["cell"], "count": cell["count"]} for cell in self.env["res.partner"].get_abc_xyz_matrix()]
