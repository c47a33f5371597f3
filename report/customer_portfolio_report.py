from odoo import fields, models
from odoo.tools import SQL

from ..models.common import (
    MONEY_READERS,
    NO_COUNTRY,
    NO_INDUSTRY,
    NO_SALES_TEAM,
    NO_SALESPERSON,
    NO_XYZ_CLASS,
    NOT_CLASSIFIED,
    SALES_USER,
)
from ..models.res_partner import ABC_CLASSES, ABC_XYZ_CELLS, XYZ_CLASSES


class CustomerPortfolioReport(models.Model):
    """The portfolio of the current company's salespeople: one row per
    customer the classification knows, with its salesperson, cell, revenue
    and whether it needs attention today, for a pivot of salesperson x cell.

    A query rather than a stored table: attention depends on today's date,
    on the company's current rules and on the activities planned now; it is
    evaluated by the same SQL as the customers' "Needs Attention" filter."""

    _name = "customer.portfolio.report"
    _description = "Customer Portfolio"
    _auto = False
    _rec_name = "partner_id"
    _order = "priority_rank"
    _depends = {
        "res.partner": [
            "user_id",
            "country_id",
            "industry_id",
            "abc_class",
            "xyz_class",
            "abc_xyz_class",
            "classification_revenue",
            "classification_margin",
            "priority_rank",
            "next_purchase_date",
            "purchase_interval_days",
            "revenue_change_percent",
            "next_contact_date",
            "commercial_partner_id",
        ],
        "res.users": ["sale_team_id"],
        "mail.activity": ["res_model", "res_id", "active"],
        "crm.lead": ["partner_id", "active"],
        "customer.classification.history": ["partner_id", "company_id", "date", "old_abc_class", "new_abc_class"],
    }

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True, falsy_value_label=NO_SALESPERSON)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True, falsy_value_label=NO_SALES_TEAM)
    country_id = fields.Many2one("res.country", readonly=True, falsy_value_label=NO_COUNTRY)
    industry_id = fields.Many2one("res.partner.industry", readonly=True, falsy_value_label=NO_INDUSTRY)
    abc_class = fields.Selection(
        ABC_CLASSES, string="ABC Class", readonly=True, groups=SALES_USER, falsy_value_label=NOT_CLASSIFIED
    )
    xyz_class = fields.Selection(
        XYZ_CLASSES, string="XYZ Class", readonly=True, groups=SALES_USER, falsy_value_label=NO_XYZ_CLASS
    )
    abc_xyz_class = fields.Selection(
        ABC_XYZ_CELLS, string="ABC-XYZ Cell", readonly=True, groups=SALES_USER, falsy_value_label=NOT_CLASSIFIED
    )
    priority_rank = fields.Integer(string="Priority", readonly=True, aggregator=None)
    revenue = fields.Float(string="Revenue in Window", readonly=True, digits="Account", groups=MONEY_READERS)
    margin = fields.Float(string="Margin in Window", readonly=True, digits="Account", groups=MONEY_READERS)
    attention_count = fields.Integer(string="Need Attention", readonly=True)
    overdue_count = fields.Integer(string="Overdue beyond Tolerance", readonly=True)
    class_drop_count = fields.Integer(string="Class Dropped", readonly=True)
    revenue_down_count = fields.Integer(string="Revenue Down", readonly=True)
    no_activity_count = fields.Integer(string="A without Activity", readonly=True)
    contact_overdue_count = fields.Integer(string="Contact Overdue", readonly=True)

    @property
    def _table_query(self):
        company = self.env.company
        key = str(company.id)
        conditions = self.env["res.partner"]._attention_sql("partner", company)

        def flag(*reasons):
            found = [conditions[reason] for reason in reasons if reason in conditions]
            return SQL("CASE WHEN %s THEN 1 ELSE 0 END", SQL(" OR ").join(found)) if found else SQL("0")

        def value(column, kind="varchar"):
            return SQL("(%s ->> %s)::%s", SQL.identifier("partner", column), key, SQL(kind))

        return SQL(
            """
            SELECT partner.id AS id,
                   partner.id AS partner_id,
                   %(company)s AS company_id,
                   partner.user_id,
                   salesperson.sale_team_id AS team_id,
                   partner.country_id,
                   partner.industry_id,
                   %(abc)s AS abc_class,
                   %(xyz)s AS xyz_class,
                   %(cell)s AS abc_xyz_class,
                   standing.priority_rank,
                   %(revenue)s AS revenue,
                   %(margin)s AS margin,
                   %(attention)s AS attention_count,
                   %(overdue)s AS overdue_count,
                   %(class_drop)s AS class_drop_count,
                   %(revenue_down)s AS revenue_down_count,
                   %(no_activity)s AS no_activity_count,
                   %(contact_overdue)s AS contact_overdue_count
              FROM customer_classification_standing standing
              JOIN res_partner partner ON partner.id = standing.partner_id
              LEFT JOIN res_users salesperson ON salesperson.id = partner.user_id
             WHERE standing.company_id = %(company)s AND partner.active
            """,
            company=company.id,
            abc=value("abc_class"),
            xyz=value("xyz_class"),
            cell=value("abc_xyz_class"),
            revenue=value("classification_revenue", "float8"),
            margin=value("classification_margin", "float8"),
            attention=flag(*conditions),
            overdue=flag("overdue"),
            class_drop=flag("class_drop"),
            revenue_down=flag("revenue_down"),
            no_activity=flag("no_activity"),
            contact_overdue=flag("contact_overdue"),
        )
