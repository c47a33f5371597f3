from odoo import api, fields, models
from odoo.tools import SQL

from ..analytics.classification import ROUNDING
from ..tools.sql import partner_scope
from ..tools.sync import sync_rows
from .common import MONEY_READERS


class CustomerSalesMonth(models.Model):
    """Sales per customer and calendar month: the stored aggregate every
    analysis reads (dynamics, plan vs actual, the client base, the review).
    Built from the one definition of a sale by the classification run, which
    writes only the rows that changed."""

    _name = "customer.sales.month"
    _description = "Customer Sales per Month"
    _order = "month desc, partner_id"
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True, ondelete="cascade")
    month = fields.Date(required=True, readonly=True, help="First day of the month.")
    revenue = fields.Float(digits="Account", readonly=True, groups=MONEY_READERS)
    margin = fields.Float(
        digits="Account", readonly=True, groups=MONEY_READERS, help="Revenue minus the cost at the time of sale."
    )
    document_count = fields.Integer(readonly=True, help="Invoices or orders of the month (credit notes left out).")

    _company_partner_month_unique = models.UniqueIndex("(company_id, partner_id, month)")
    _company_month_idx = models.Index("(company_id, month)")

    @api.model
    def _refresh(self, company, partner_ids=None):
        """Bring the months of `company` (of the customers `partner_ids`
        only, when given) up to date; returns rows written."""
        digits = ROUNDING["classification_revenue"]

        query = SQL(
            """
            SELECT partner_id, month,
                   ROUND(SUM(revenue), %(digits)s) AS revenue,
                   ROUND(SUM(revenue - cost), %(digits)s) AS margin,
                   COUNT(DISTINCT document_id) FILTER (WHERE NOT is_refund)::int4 AS document_count
              FROM (SELECT line.*, date_trunc('month', line.date)::date AS month
                      FROM (%(lines)s) AS line) AS line
             WHERE %(partners)s
             GROUP BY partner_id, month
            """,
            lines=self.env["customer.sales.source"]._sale_lines(company),
            digits=digits,
            partners=partner_scope("line", partner_ids),
        )
        return sync_rows(
            self,
            company,
            query,
            keys=("partner_id", "month"),
            values=("revenue", "margin", "document_count"),
            scope=partner_scope("stored", partner_ids),
        )
