import logging
import time

import pandas as pd

from odoo import api, models
from odoo.tools import SQL

from ..analytics import lifecycle
from ..tools.frames import copy_frame

_logger = logging.getLogger(__name__)


# the stored analyses kept per customer, in the order they are refreshed
# (each reads the ones before it): what a merge of customers must rebuild
CUSTOMER_TABLES = (
    "customer.sales.month",
    "customer.dynamics.report",
    "customer.plan.actual.report",
    "customer.cell.transition.report",
)


class CustomerAnalysis(models.AbstractModel):
    """Brings the stored analyses of a company up to date, after its
    classification run and in the same transaction: costs at the time of
    sale, the sales per customer and month, the dynamics and profitability
    rows, the client base counts and every customer's lifecycle status.
    Each stored table is refreshed by comparing with what it holds, so a
    rerun on unchanged data writes nothing."""

    _name = "customer.analysis"
    _description = "Customer Analyses Refresh"

    @api.model
    def _refresh(self, company, run_date=None):
        run_date = run_date or company._segmentation_today()
        stats = {}
        clock = time.perf_counter()
        if company._segmentation_sales_source() == "invoice":
            stats["costs_frozen"] = self.env["customer.product.cost"]._freeze(company)
        stats.update(self._refresh_customer_tables(company, run_date))
        stats.update(self._refresh_lifecycle(company, run_date))
        stats["cadence"] = self.env["customer.cadence"]._refresh(company, run_date)
        if company.segmentation_analyses_date != run_date:
            company.segmentation_analyses_date = run_date
        self.env.invalidate_all()
        stats["seconds"] = time.perf_counter() - clock
        _logger.info("Analyses of company %s refreshed: %s", company.id, stats)
        return stats

    @api.model
    def _forget_customers(self, partners):
        """Delete the stored analyses of `partners` in every company, before
        they are merged: their rows would collide with the destination's
        (one row per customer and month or period). Returns the companies
        that held any, for `_refresh_customers`."""
        companies = self.env["res.company"]
        for model in CUSTOMER_TABLES:
            rows = self.env.execute_query(
                SQL(
                    "DELETE FROM %s WHERE partner_id = ANY(%s) RETURNING company_id",
                    SQL.identifier(self.env[model]._table),
                    partners.ids,
                )
            )
            companies |= companies.browse({company_id for (company_id,) in rows})
            self.env[model].invalidate_model()
        return companies

    @api.model
    def _refresh_customers(self, companies, partners):
        """Rebuild the stored analyses of `partners` from their documents in
        `companies`, as of each company's last run: after a merge, the
        destination holds exactly what a run from scratch gives it."""
        for company in companies.sudo():
            run_date = company.segmentation_analyses_date or company._segmentation_today()
            self.sudo()._refresh_customer_tables(company, run_date, partners.ids)

    @api.model
    def _refresh_customer_tables(self, company, run_date, partner_ids=None):
        """Refresh the tables of CUSTOMER_TABLES of `company`, in that order
        (each reads the ones before it), for the customers `partner_ids` or
        all; returns the rows written per table."""
        return {
            "months_written": self.env["customer.sales.month"]._refresh(company, partner_ids),
            "dynamics_written": self.env["customer.dynamics.report"]._refresh(company, run_date, partner_ids),
            "plans_written": self.env["customer.plan.actual.report"]._refresh(company, partner_ids),
            "transitions_written": self.env["customer.cell.transition.report"]._refresh(company, run_date, partner_ids),
        }

    def _refresh_lifecycle(self, company, run_date):
        """Spells of activity of every customer (analytics.lifecycle), then
        the client base counts per period and group, and the statuses."""
        threshold = company._segmentation_churn_months()
        current = lifecycle.month_index(run_date)
        bought = copy_frame(
            self.env.cr,
            SQL(
                """
                SELECT partner_id, (EXTRACT(YEAR FROM month) * 12 + EXTRACT(MONTH FROM month) - 1)::int AS month
                  FROM customer_sales_month
                 WHERE company_id = %s AND document_count > 0 AND month <= %s
                """,
                company.id,
                run_date,
            ),
        )
        spell_rows = lifecycle.spells(bought, threshold)
        groups = copy_frame(
            self.env.cr,
            SQL(
                """
                SELECT partner.id AS partner_id, partner.user_id, seller.sale_team_id AS team_id,
                       partner.abc_xyz_class ->> %(key)s AS abc_xyz_class
                  FROM res_partner partner
                  LEFT JOIN res_users seller ON seller.id = partner.user_id
                 WHERE partner.id IN (SELECT partner_id FROM customer_sales_month WHERE company_id = %(company)s)
                """,
                key=str(company.id),
                company=company.id,
            ),
        ).set_index("partner_id")
        first_month = lifecycle.month_index(run_date.replace(year=run_date.year - 3, month=1))
        frames = []
        for period in lifecycle.PERIOD_MONTHS:
            counts = lifecycle.base_counts(spell_rows, groups, current, first_month, period)
            frames.append(counts.assign(period_type=period))
        base = pd.concat(frames, ignore_index=True)
        written = self.env["customer.base.report"]._write_counts(company, base)
        status = lifecycle.statuses(spell_rows, current, threshold) if len(spell_rows) else pd.Series(dtype=object)
        changed = self.env["res.partner"]._write_lifecycle_status(company, status)
        return {"base_written": written, "statuses_written": changed}
