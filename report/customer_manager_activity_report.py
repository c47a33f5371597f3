from datetime import timedelta

from odoo import fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..models.common import NO_SALES_TEAM, NO_SALESPERSON, NOT_CLASSIFIED, SALES_USER
from ..models.res_partner import ABC_CLASSES, ABC_XYZ_CELLS

# "contacted in the last N days": the windows of the coverage
RECENT_DAYS = (30, 90)
# contact_count_90d covers about three months
MONTHS_IN_90_DAYS = 3.0
# ratio aggregates: ratios of sums, whatever the grouping (the pivot's totals included)
RATIOS = {
    "coverage_30:avg": "SUM(%(contacted_30_count)s) * 100.0 / NULLIF(SUM(%(customer_count)s), 0)",
    "coverage_90:avg": "SUM(%(contacted_90_count)s) * 100.0 / NULLIF(SUM(%(customer_count)s), 0)",
    "contacts_per_month:avg": (
        f"SUM(%(contact_count_90d)s) / {MONTHS_IN_90_DAYS} / NULLIF(SUM(%(customer_count)s), 0)"
    ),
}


class CustomerManagerActivityReport(models.Model):
    """Manager activity: how each salesperson works their customers, per
    ABC-XYZ cell of the current company. For each salesperson and cell: the
    customers, those contacted in the last 30 and 90 days (and the shares),
    the contacts per customer and month over the last 90 days, and the A
    customers not contacted within their recommended interval (overdue, or
    never contacted while an interval is recommended).

    A query over the customers' stored per-company figures (written by the
    classification run, see customer.cadence), like customer.portfolio.report:
    "in the last 30 days" and "overdue" are counted from today (the
    company's date), the contacts in 90 days as of the last run. One row per
    salesperson and cell, its id that of the row's first customer (a
    customer belongs to one row)."""

    _name = "customer.manager.activity.report"
    _description = "Manager Activity"
    _auto = False
    _rec_name = "user_id"
    _order = "user_id, abc_xyz_class"
    _depends = {
        "res.partner": [
            "active",
            "user_id",
            "abc_class",
            "abc_xyz_class",
            "last_contact_date",
            "contact_count_90d",
            "recommended_contact_interval_days",
            "next_contact_date",
        ],
        "res.users": ["sale_team_id"],
    }

    company_id = fields.Many2one("res.company", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True, falsy_value_label=NO_SALESPERSON)
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        readonly=True,
        help="The sales team of the customer's salesperson.",
        falsy_value_label=NO_SALES_TEAM,
    )
    abc_class = fields.Selection(
        ABC_CLASSES, string="ABC Class", readonly=True, groups=SALES_USER, falsy_value_label=NOT_CLASSIFIED
    )
    abc_xyz_class = fields.Selection(
        ABC_XYZ_CELLS, string="ABC-XYZ Cell", readonly=True, groups=SALES_USER, falsy_value_label=NOT_CLASSIFIED
    )
    customer_count = fields.Integer(string="Customers", readonly=True)
    contacted_30_count = fields.Integer(
        string="Contacted in 30 Days", readonly=True, help="Customers whose last contact is at most 30 days old."
    )
    contacted_90_count = fields.Integer(
        string="Contacted in 90 Days", readonly=True, help="Customers whose last contact is at most 90 days old."
    )
    coverage_30 = fields.Float(
        string="Contacted in 30 Days (%)",
        digits=(16, 1),
        aggregator="avg",
        readonly=True,
        help="Customers contacted in the last 30 days against all of them.",
    )
    coverage_90 = fields.Float(
        string="Contacted in 90 Days (%)",
        digits=(16, 1),
        aggregator="avg",
        readonly=True,
        help="Customers contacted in the last 90 days against all of them.",
    )
    contact_count_90d = fields.Integer(
        string="Contacts in 90 Days",
        readonly=True,
        help="Contacts with the customers in the 90 days up to the last classification run.",
    )
    contacts_per_month = fields.Float(
        string="Contacts per Customer a Month",
        digits=(16, 2),
        aggregator="avg",
        readonly=True,
        help="Contacts in the 90 days up to the last classification run, per customer and month.",
    )
    overdue_a_count = fields.Integer(
        string="A Customers Overdue",
        readonly=True,
        help="A customers not contacted within their recommended interval: the next contact was due before "
        "today, or they were never contacted although an interval is recommended for them.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT MIN(customer.id) AS id,
                   %(company)s AS company_id,
                   customer.user_id,
                   customer.team_id,
                   customer.abc_class,
                   customer.abc_xyz_class,
                   COUNT(*)::int4 AS customer_count,
                   SUM(customer.contacted_30)::int4 AS contacted_30_count,
                   SUM(customer.contacted_90)::int4 AS contacted_90_count,
                   (SUM(customer.contacted_30) * 100.0 / COUNT(*))::float8 AS coverage_30,
                   (SUM(customer.contacted_90) * 100.0 / COUNT(*))::float8 AS coverage_90,
                   SUM(customer.contact_count_90d)::int4 AS contact_count_90d,
                   (SUM(customer.contact_count_90d) / %(months)s / COUNT(*))::float8 AS contacts_per_month,
                   SUM(customer.overdue_a)::int4 AS overdue_a_count
              FROM (%(customers)s) AS customer
             GROUP BY customer.user_id, customer.team_id, customer.abc_class, customer.abc_xyz_class
            """,
            company=self.env.company.id,
            months=MONTHS_IN_90_DAYS,
            customers=self._customers(),
        )

    def _customers(self):
        """One row per customer classified in the current company, with its
        salesperson and its contact figures as 0/1 flags."""
        company = self.env.company
        key = str(company.id)
        today = company._segmentation_today()

        def value(column, kind="varchar"):
            return SQL("(%s ->> %s)::%s", SQL.identifier("partner", column), key, SQL(kind))

        last_contact = value("last_contact_date", "date")
        since = {days: today - timedelta(days=days) for days in RECENT_DAYS}
        return SQL(
            """
            SELECT partner.id,
                   partner.user_id,
                   salesperson.sale_team_id AS team_id,
                   %(abc)s AS abc_class,
                   %(cell)s AS abc_xyz_class,
                   CASE WHEN %(last)s >= %(since_30)s THEN 1 ELSE 0 END AS contacted_30,
                   CASE WHEN %(last)s >= %(since_90)s THEN 1 ELSE 0 END AS contacted_90,
                   COALESCE(%(contacts)s, 0) AS contact_count_90d,
                   CASE WHEN %(abc)s = 'A' AND %(overdue)s THEN 1 ELSE 0 END AS overdue_a
              FROM res_partner partner
              LEFT JOIN res_users salesperson ON salesperson.id = partner.user_id
             WHERE partner.active AND %(abc)s IS NOT NULL
            """,
            abc=value("abc_class"),
            cell=value("abc_xyz_class"),
            last=last_contact,
            since_30=since[30],
            since_90=since[90],
            contacts=value("contact_count_90d", "int4"),
            overdue=self._overdue_sql(value, today),
        )

    def _overdue_sql(self, value, today):
        """Not contacted within the recommended interval, today: the rule of
        the priority clients' filter "Not Contacted within the Interval"
        (not_contacted_in_interval), which the overdue A customers open with."""
        return SQL(
            "(%(interval)s IS NOT NULL AND (%(last)s IS NULL OR %(next)s < %(today)s))",
            interval=value("recommended_contact_interval_days", "int4"),
            last=value("last_contact_date", "date"),
            next=value("next_contact_date", "date"),
            today=today,
        )

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec not in RATIOS:
            return super()._read_group_select(aggregate_spec, query)
        names = ("contacted_30_count", "contacted_90_count", "contact_count_90d", "customer_count")
        return SQL(RATIOS[aggregate_spec], **{name: self._field_to_sql(self._table, name, query) for name in names})

    def action_open_overdue_customers(self):
        """The A customers of these rows' salespeople and cells not contacted
        within their recommended interval, in the priority clients' list:
        the class and the overdue contact as filters the user sees (and may
        remove), the salesperson too when there is one, the rows' salespeople
        and cells as the action's scope."""
        rows = Domain.OR(
            Domain("user_id", "=", row.user_id.id) & Domain("abc_xyz_class", "=", row.abc_xyz_class) for row in self
        )
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_segmentation.action_my_priority_clients")
        nobody = self._fields["user_id"]._description_falsy_value_label(self.env)
        names = sorted({row.user_id.display_name or nobody for row in self})
        context = {"search_default_abc_class_a": 1, "search_default_not_contacted_in_interval": 1}
        if len(self.user_id) == 1:
            context["search_default_user_id"] = self.user_id.id
        action.update(
            {
                "name": self.env._("Overdue A Customers: %(salespeople)s", salespeople=", ".join(names)),
                "domain": list(rows),
                "context": context,
            }
        )
        return action
