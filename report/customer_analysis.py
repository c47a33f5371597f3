import logging
import time

import pandas as pd

from odoo import api, models
from odoo.tools import SQL

from ..analytics import lifecycle
from ..tools.frames import copy_frame
from ..tools.sql import month_number

_logger = logging.getLogger(__name__)


# the stored tables kept per customer, in the order they are refreshed
# (each reads the ones before it): what a merge of customers must rebuild
# (customer.sales.document moves to the destination: _move_customers)
CUSTOMER_TABLES = (
    "customer.sales.month",
    "customer.dynamics.report",
    "customer.plan.actual.report",
    "customer.cell.transition.report",
)


class CustomerAnalysis(models.AbstractModel):
    """Brings the stored facts and analyses of a company up to date, in the
    transaction of its classification run: first the facts (costs at the
    time of sale, the sales per document and per customer and month) from
    the documents changed since the last run, then, after the
    classification, the dynamics and profitability rows and the client
    base counts (the lifecycle statuses are written with the classes), of
    the customers that changed when the date is the same. Each stored table
    is refreshed by comparing with what it holds, so a rerun on unchanged
    data writes nothing."""

    _name = "customer.analysis"
    _description = "Customer Analyses Refresh"

    @api.model
    def _refresh_facts(self, company, rebuild=False):
        """Bring the facts of `company` (customer.sales.document, then
        customer.sales.month) up to date with its documents: only what
        changed since the last run, or everything on a `rebuild` or when
        they were never built (or a setting changed what a sale is, see
        res.company.write). A run whose transaction is rolled back (an
        error, a killed worker) leaves the facts and the mark of the last
        run as they were, so the next run reads the same changes again.

        Returns the figures of the refresh, the customers whose analyses
        may have changed: those of the months re-aggregated and the partners
        written since (a salesperson changed, a contact moved), None when
        they all may have (a rebuild, a new first month of the history); and
        of them, those whose only change is in the months re-aggregated:
        {customer: months}."""
        since = None if rebuild else company.segmentation_facts_since or None
        started = self._oldest_transaction_start()
        first_month = self._first_month(company)
        documents_written, frozen, months, staged = self.env["customer.sales.document"]._refresh(company, since)
        written = self.env["customer.sales.month"]._refresh(company, months, documents=staged)
        if staged is not None:
            self.env.cr.execute(SQL("DROP TABLE %s", staged))
        company.sudo().segmentation_facts_since = started
        stats = {"documents_written": documents_written, "costs_frozen": frozen, "months_written": written}
        if months is None or self._first_month(company) != first_month:
            return stats, None, {}
        entities = self.env["res.partner"]._entities_written_since(since)
        moved = {}
        for partner_id, month in months:
            if partner_id not in entities:
                moved.setdefault(partner_id, set()).add(month)
        return stats, entities | {partner_id for partner_id, _month in months}, moved

    def _reaching(self, partner_ids, moved_months, months_read):
        """The customers of `partner_ids` whose change may reach an analysis
        that reads only the sales of `months_read` (first days of months):
        all but those of `moved_months` (see _refresh_facts) changed in
        other months only, such as the run's own month, where a nightly run
        finds most of its new invoices."""
        return {
            partner_id
            for partner_id in partner_ids
            if partner_id not in moved_months or not moved_months[partner_id].isdisjoint(months_read)
        }

    def _oldest_transaction_start(self):
        """When the oldest transaction still open on this database started
        (in UTC, as Odoo writes write_date): a document written by any
        transaction this run cannot see yet carries a write_date from then
        on, so the next run, reading from this time, cannot miss it."""
        [(started,)] = self.env.execute_query(
            SQL(
                "SELECT MIN(xact_start) AT TIME ZONE 'UTC' FROM pg_stat_activity"
                " WHERE datname = current_database() AND xact_start IS NOT NULL"
            )
        )
        return started

    def _first_month(self, company):
        """The first month of the company's sales: the dynamics mark the
        periods before it as partial, for every customer."""
        [(month,)] = self.env.execute_query(
            SQL("SELECT MIN(month) FROM customer_sales_month WHERE company_id = %s", company.id)
        )
        return month

    @api.model
    def _refresh(self, company, run_date=None, partner_ids=None, moved_months=None, spell_rows=None):
        """Bring the analyses of `company` up to date from its facts, for the
        customers `partner_ids` only when given and the analyses were last
        refreshed in the same month (the periods of the dynamics and of the
        client base are the run month's), for every customer otherwise. On
        a new day of that month, what the day itself moves is refreshed
        too: the run rates of the plans running on either day, the cell
        comparisons of the customers whose cells on the dates compared moved
        (the comparisons end on the run date), and the client base counts
        (grouped by the current team of each salesperson: refreshed on the
        same day too when a salesperson moved to another team). A change of
        the analyses settings clears the date (res.company.write): the next run
        refreshes every customer. Nothing to refresh when `partner_ids` is
        empty on the same date. `moved_months` ({customer: months}, see
        _refresh_facts) narrows the refresh of the tables kept per month to
        those months where it can and spares the analyses that read none of
        them (see _reaching); `spell_rows`, the spells of activity the
        classification run computed for the statuses (see
        _lifecycle_spells), spares reading them again."""
        run_date = run_date or company._segmentation_today()
        changed = partner_ids
        last_date = company.segmentation_analyses_date
        if not last_date or last_date.replace(day=1) != run_date.replace(day=1):
            partner_ids = None
        stats = {}
        clock = time.perf_counter()
        anything_moved = partner_ids is None or bool(partner_ids) or last_date != run_date
        if anything_moved:
            stats.update(self._refresh_customer_tables(company, run_date, partner_ids, last_date, moved_months))
        if anything_moved or self.env["customer.base.report"]._teams_moved(company):
            # counted for every customer: a salesperson moved to another team
            # moves its customers' counts without writing any customer
            stats.update(self._refresh_lifecycle(company, run_date, spell_rows))
        stats["cadence"] = self.env["customer.cadence"]._refresh(company, run_date, changed, moved_months)
        # the recurring follow-ups are planned from the contact figures just refreshed
        stats["follow_ups_planned"] = self.env["customer.segment"]._plan_company_follow_ups(company, run_date)
        if last_date != run_date:
            company.segmentation_analyses_date = run_date
        self.env.invalidate_all()
        stats["customers_refreshed"] = "all" if partner_ids is None else len(partner_ids)
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
            self.env["customer.sales.month"].sudo()._refresh(company, partner_ids=partners.ids)
            self.sudo()._refresh_customer_tables(company, run_date, partners.ids)

    @api.model
    def _refresh_customer_tables(self, company, run_date, partner_ids=None, last_date=None, moved_months=None):
        """Refresh the analyses of CUSTOMER_TABLES of `company` (the tables
        after customer.sales.month, which they read), for the customers
        `partner_ids` or all, on `run_date`; when the analyses were last
        refreshed on another day (`last_date`, None: on `run_date`), also
        the plans running on either day (and the cell comparisons of the
        customers whose cells on the compared dates moved, see the report's
        _refresh); the plan rows of the customers of `moved_months` (see
        _refresh_facts) only in those months, with every row of their plans,
        and their cell comparisons only when they read those months.
        Returns the rows written per table."""
        plan_partners = partner_ids
        if partner_ids is not None and last_date not in (None, run_date):
            running = self.env["customer.plan.actual.report"]._running_plan_partners(company, (last_date, run_date))
            plan_partners = set(partner_ids) | running
        return {
            "dynamics_written": self.env["customer.dynamics.report"]._refresh(company, run_date, partner_ids),
            "plans_written": self.env["customer.plan.actual.report"]._refresh(
                company, plan_partners, run_date, moved_months
            ),
            "transitions_written": self.env["customer.cell.transition.report"]._refresh(
                company, run_date, partner_ids, moved_months
            ),
        }

    @api.model
    def _companies_grouped_by(self, column, ids):
        """The companies whose client base counts or cadence summary have a
        group of one of `ids` (salespeople or teams) in `column`."""
        rows = self.env.execute_query(
            SQL(
                "SELECT company_id FROM customer_base_report WHERE %(column)s = ANY(%(ids)s)"
                " UNION SELECT company_id FROM customer_cadence_summary WHERE %(column)s = ANY(%(ids)s)",
                column=SQL.identifier(column),
                ids=ids,
            )
        )
        return self.env["res.company"].browse(company_id for (company_id,) in rows)

    @api.model
    def _refresh_grouped_sums(self, companies):
        """Sum the client base counts and the cadence summary of `companies`
        again, as of their last run, after a salesperson or team was deleted:
        the keys delete its groups (set to empty, they would join the groups
        without a salesperson and be counted twice from then on), and its
        customers count without one at once."""
        for company in companies.sudo():
            self.env["customer.cadence.summary"].sudo()._refresh(company)
            if company.segmentation_analyses_date:
                self.sudo()._refresh_lifecycle(company, company.segmentation_analyses_date)

    def _lifecycle_spells(self, company, run_date):
        """Spells of activity of every customer of `company` up to
        `run_date` (analytics.lifecycle), from its stored months: the
        classification run reads them for the statuses it writes with the
        classes, the client base counts follow from them."""
        bought = copy_frame(
            self.env.cr,
            SQL(
                """
                SELECT partner_id, %s AS month
                  FROM customer_sales_month
                 WHERE company_id = %s AND document_count > 0 AND month <= %s
                """,
                month_number(SQL("month")),
                company.id,
                run_date,
            ),
        )
        return lifecycle.spells(bought, company._segmentation_churn_months())

    def _refresh_lifecycle(self, company, run_date, spell_rows=None):
        """The client base counts per period and group, from the spells of
        activity of every customer (`spell_rows` when the run has them,
        see _lifecycle_spells); their statuses are written by the
        classification run."""
        current = lifecycle.month_index(run_date)
        if spell_rows is None:
            spell_rows = self._lifecycle_spells(company, run_date)
        groups = self.env["res.partner"]._segmentation_profiles(
            company,
            SQL("partner.id IN (SELECT partner_id FROM customer_sales_month WHERE company_id = %s)", company.id),
        )
        first_month = lifecycle.month_index(run_date.replace(year=run_date.year - 3, month=1))
        frames = []
        for period in lifecycle.PERIOD_MONTHS:
            counts = lifecycle.base_counts(spell_rows, groups, current, first_month, period)
            frames.append(counts.assign(period_type=period))
        base = pd.concat(frames, ignore_index=True)
        return {"base_written": self.env["customer.base.report"]._write_counts(company, base)}
