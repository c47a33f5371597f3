import logging
import time
from datetime import date

import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.tools import SQL

from ..analytics import cadence
from ..analytics.lifecycle import month_start
from ..analytics.priority import CELLS
from ..tools.frames import CENTS, MONTH, copy_frame, stage_frame
from ..tools.sql import month_number
from ..tools.sync import sync_company_values, sync_rows, sync_staged

_logger = logging.getLogger(__name__)

# the per-company contact figures of customers the run writes, with their SQL types
CONTACT_TYPES = {column: "date" if column.endswith("_date") else "int4" for column in cadence.CONTACT_COLUMNS}
# the columns of the cadence report and of the recommendations the run writes, with their SQL types
REPORT_COLUMNS = {
    "partner_id": "int4",
    "date": MONTH,
    "user_id": "int4",
    "team_id": "int4",
    "abc_xyz_class": "varchar",
    "contact_count": "int4",
    "contact_cost": CENTS,
    "cadence": "varchar",
    "revenue": CENTS,
    "margin": CENTS,
    "next_revenue": CENTS,
    "next_margin": CENTS,
    "net_margin": CENTS,
    "net_margin_vs_own": CENTS,
    "customer_count": "int4",
}
REPORT_VALUES = tuple(REPORT_COLUMNS)[2:]
RECOMMENDATION_COLUMNS = {
    "abc_xyz_class": "varchar",
    "segment_id": "int4",
    "state": "varchar",
    "cadence": "varchar",
    "leading_cadence": "varchar",
    "runner_up_cadence": "varchar",
    "customer_count": "int4",
    "month_count": "int4",
    "net_margin_per_month": "numeric",
    "runner_up_net_margin": "numeric",
    "difference": "numeric",
    "plain_net_margin_per_month": "numeric",
    "p_value": "numeric",
    "interval_days": "int4",
}


class CustomerCadence(models.AbstractModel):
    """Runs the cadence analysis of one company, after its classification
    and sales per month and in the same transaction: the contacts
    (customer.contact.fact, read again only where messages, meetings or
    customers changed), the contacts per month, the customers' contact
    figures, the cadence report, the recommendations and each customer's
    recommended interval and next contact. Within the months and settings of
    the last refresh only the customers whose contacts, profile or sales in
    the months it reads changed are counted again; every stored table and
    figure is refreshed by comparing with what it holds, so a rerun on
    unchanged data writes nothing."""

    _name = "customer.cadence"
    _description = "Customer Contact Cadence Refresh"

    @api.model
    def _refresh(self, company, run_date, partner_ids=None, moved_months=None):
        """Refresh the cadence analysis of `company` on `run_date`;
        `partner_ids` are the customers whose sales or class changed since
        the last run (None: any may have), of them `moved_months`
        ({customer: months}, see customer.analysis._refresh_facts) those
        changed only in some months of sales."""
        settings = company._settings_checked("cadence")
        clock = time.perf_counter()
        self.env.flush_all()
        started = self.env["customer.analysis"]._oldest_transaction_start()
        since = company.segmentation_contacts_since or None
        changed = self.env["customer.contact.fact"]._refresh(company, since)
        company.sudo().segmentation_contacts_since = started
        key = repr((cadence.analysed_months(run_date, settings), settings))
        last_date = company.segmentation_cadence_date
        if changed is not None and partner_ids is not None and last_date and company.segmentation_cadence_key == key:
            first, last = cadence.sales_months(run_date, settings)
            read = {date(*month_start(month), 1) for month in range(first, last + 1)}
            changed |= self.env["customer.analysis"]._reaching(partner_ids, moved_months or {}, read)
            changed |= self._moved_profiles(company) | self._dated_between(company, last_date, run_date)
            scope = sorted(changed)
        else:
            scope = None
        stats = {"customers_counted": "all" if scope is None else len(scope)}
        members_digest = self._members_digest(company)
        if scope == [] and last_date == run_date and company.segmentation_cadence_members == members_digest:
            # nothing counted again, on the same day, for the same segment
            # members: the recommendations and the figures stand as they are
            stats["seconds"] = time.perf_counter() - clock
            return stats
        profiles = None
        if scope != []:
            stats["contact_months_written"] = self._refresh_contact_months(company, run_date, scope)
            panel = self._panel(company, run_date, settings, scope)
            profiles = self._profiles(company, sorted(panel["partner_id"].unique().tolist()))
            stats["cadence_rows_written"] = self._write_report(company, panel, profiles, scope)
        contact_figures = self._contact_figures(company, run_date)
        # the profiles just read hold every classified customer's cell too
        members = self._members(company, self._profiles(company, []) if profiles is None else profiles)
        if (
            scope is not None
            and not stats.get("cadence_rows_written")
            and (company.segmentation_cadence_members == members_digest)
        ):
            # the same customer-months for the same members: the same verdicts
            recommendations = self._stored_recommendations(company)
        else:
            recommendations = cadence.recommend(self._stored_sums(company), members, settings)
            stats["recommendations_written"] = self._write_recommendations(company, recommendations)
        intervals = self._recommended_intervals(members, recommendations)
        stats["contact_figures_written"] = self._write_contact_figures(company, contact_figures, intervals)
        done = {
            "segmentation_cadence_key": key,
            "segmentation_cadence_date": run_date,
            "segmentation_cadence_members": members_digest,
        }
        if any(company[name] != value for name, value in done.items()):
            company.sudo().write(done)
        stats["seconds"] = time.perf_counter() - clock
        _logger.info("Contact cadence of company %s refreshed: %s", company.id, stats)
        return stats

    @api.model
    def _forget_customers(self, partners):
        """Delete the contacts per month and the cadence rows of `partners`
        in every company, before they are merged into another customer: their
        rows would collide with the destination's. Their messages and
        meetings follow the destination, whose next run counts them. The
        summary of the companies whose report loses rows follows at once."""
        companies = set()
        for model in ("customer.contact.month", "customer.cadence.report"):
            rows = self.env.execute_query(
                SQL(
                    "DELETE FROM %s WHERE partner_id = ANY(%s) RETURNING company_id",
                    SQL.identifier(self.env[model]._table),
                    partners.ids,
                )
            )
            self.env[model].invalidate_model()
            companies.update(company_id for (company_id,) in rows if model == "customer.cadence.report")
        for company in self.env["res.company"].browse(sorted(companies)):
            self.env["customer.cadence.summary"]._refresh(company)

    def _contacts(self, company, date_from=None, date_to=None, scope=None):
        """SQL of the contacts of `company` per customer and day in
        [date_from, date_to) (either bound optional), of the customers
        `scope` only when given, from the stored contact facts
        (contact_count, contact_cost)."""
        facts = self.env["customer.contact.fact"]._rows(company)
        if scope is not None:
            facts = SQL("%s AND partner_id = ANY(%s)", facts, scope)
        return SQL(
            """
            SELECT partner_id, date, COUNT(*)::int4 AS contact_count, SUM(cost) AS contact_cost
              FROM (%s) AS contact
             GROUP BY partner_id, date
            """,
            self.env["customer.contact.source"]._contacts(company, date_from, date_to, rows=facts),
        )

    def _dated_between(self, company, last_date, run_date):
        """The customers with a contact dated after one of the two dates and
        up to the other: contacts counted only up to the run date, those of
        meetings planned ahead enter as days go by."""
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT partner_id FROM customer_contact_fact"
                " WHERE company_id = %s AND date > %s AND date <= %s",
                company.id,
                min(last_date, run_date),
                max(last_date, run_date),
            )
        )
        return {partner_id for (partner_id,) in rows}

    def _refresh_contact_months(self, company, run_date, scope):
        """The contacts per month up to `run_date` of the customers `scope`
        (None: all)."""
        query = SQL(
            """
            SELECT partner_id, date_trunc('month', date)::date AS month,
                   SUM(contact_count)::int4 AS contact_count, ROUND(SUM(contact_cost), 2) AS contact_cost,
                   MAX(date) AS last_date
              FROM (%s) AS contact_day
             GROUP BY partner_id, date_trunc('month', date)
            """,
            self._contacts(company, date_to=run_date + relativedelta(days=1), scope=scope),
        )
        return sync_rows(
            self.env["customer.contact.month"],
            company,
            query,
            keys=("partner_id", "month"),
            values=("contact_count", "contact_cost", "last_date"),
            scope=None if scope is None else SQL("stored.partner_id = ANY(%s)", scope),
        )

    def _contact_figures(self, company, run_date):
        """Each contacted customer's last contact, contacts in 90 days and
        usual interval (analytics.cadence.contact_stats) on `run_date`: the
        days of the last months from the contact facts, the last contact
        from the contacts per month (which end on the run date)."""
        cr = self.env.cr
        recent = copy_frame(
            cr,
            SQL(
                "SELECT partner_id, date - DATE '1970-01-01' AS day, contact_count FROM (%s) AS contact_day",
                self._contacts(
                    company,
                    date_from=run_date - relativedelta(months=cadence.STATS_MONTHS) + relativedelta(days=1),
                    date_to=run_date + relativedelta(days=1),
                ),
            ),
        )
        last = copy_frame(
            cr,
            SQL(
                "SELECT partner_id, MAX(last_date) - DATE '1970-01-01' AS day FROM customer_contact_month"
                " WHERE company_id = %s GROUP BY partner_id",
                company.id,
            ),
        )
        return cadence.contact_stats(recent, last.set_index("partner_id")["day"], run_date)

    def _panel(self, company, run_date, settings, scope=None):
        """The customer-months analysed (analytics.cadence.cadence_panel) of
        the customers `scope` (None: all), from the stored contacts and
        sales per month."""
        first, _last = cadence.analysed_months(run_date, settings)
        since = date(*month_start(first), 1)
        since -= relativedelta(months=cadence.DORMANT_MONTHS - 1)
        in_scope = SQL("TRUE") if scope is None else SQL("partner_id = ANY(%s)", scope)
        contacts = copy_frame(
            self.env.cr,
            SQL(
                """
                SELECT partner_id, %(month)s AS month, contact_count, contact_cost
                  FROM customer_contact_month
                 WHERE company_id = %(company)s AND month >= %(since)s AND %(in_scope)s
                """,
                month=month_number(SQL("month")),
                company=company.id,
                since=since,
                in_scope=in_scope,
            ),
        )
        sales = copy_frame(
            self.env.cr,
            SQL(
                """
                SELECT partner_id, %(month)s AS month, revenue, margin
                  FROM customer_sales_month
                 WHERE company_id = %(company)s AND month >= %(since)s AND %(in_scope)s
                """,
                month=month_number(SQL("month")),
                company=company.id,
                since=since,
                in_scope=in_scope,
            ),
        )
        return cadence.cadence_panel(contacts, sales, run_date, settings)

    def _stored_sums(self, company):
        """The customer-months of the stored cadence report summed per
        customer and cadence, as the recommendations read them
        (analytics.cadence.SUM_COLUMNS): at 100,000 customers 80,000 rows
        instead of 816,000 months, read and recommended in 0.5 to 0.6 s
        instead of 0.9 to 1.0 s."""
        return copy_frame(
            self.env.cr,
            SQL(
                """
                SELECT partner_id, cadence, COUNT(*) AS month_count, SUM(net_margin) AS net_margin
                  FROM customer_cadence_report
                 WHERE company_id = %s
                 GROUP BY partner_id, cadence
                """,
                company.id,
            ),
        ).astype({"partner_id": "int64", "month_count": "int64", "net_margin": "float64"})

    def _profiles(self, company, partner_ids):
        """The customers with a cell in `company` and the customers
        `partner_ids`, with their salesperson, the salesperson's team and
        their cell (index partner_id)."""
        return self.env["res.partner"]._segmentation_profiles(
            company, SQL("partner.id = ANY(%s) OR partner.abc_xyz_class ? %s", partner_ids, str(company.id))
        )

    def _moved_profiles(self, company):
        """The customers of the stored report whose salesperson, team or
        cell is no longer the one their rows hold. A customer's rows are
        written together, with its profile of then, and run up to the last
        month analysed (analytics.cadence.cadence_panel), whose rows are
        therefore the only ones read: one per customer."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT report.partner_id
                  FROM customer_cadence_report report
                  JOIN res_partner partner ON partner.id = report.partner_id
                  LEFT JOIN res_users seller ON seller.id = partner.user_id
                 WHERE report.company_id = %(company)s
                   AND report.date = (SELECT MAX(date) FROM customer_cadence_report WHERE company_id = %(company)s)
                   AND (report.user_id, report.team_id, report.abc_xyz_class)
                       IS DISTINCT FROM (partner.user_id, seller.sale_team_id, partner.abc_xyz_class ->> %(key)s)
                """,
                company=company.id,
                key=str(company.id),
            )
        )
        return {partner_id for (partner_id,) in rows}

    def _write_report(self, company, panel, profiles, scope=None):
        """The cadence report's rows of the customers `scope` (None: all),
        and its summary after them."""
        rows = panel.rename(columns={"month": "date"}).join(profiles, on="partner_id", how="left")
        staged = stage_frame(self.env.cr, "customer_cadence_new", REPORT_COLUMNS, rows.assign(customer_count=1))
        summary = self.env["customer.cadence.summary"]
        old_sums = summary._before_writing(company, scope)
        written = sync_staged(
            self.env["customer.cadence.report"],
            company,
            staged,
            keys=("partner_id", "date"),
            values=REPORT_VALUES,
            scope=None if scope is None else SQL("stored.partner_id = ANY(%s)", scope),
        )
        if written:
            summary._after_writing(company, old_sums, staged)
        for table in (staged, old_sums):
            if table is not None:
                self.env.cr.execute(SQL("DROP TABLE %s", table))
        return written

    def _members_digest(self, company):
        """A digest of the members of the company's cadence-profile segments:
        their recommendations change with them."""
        [(digest,)] = self.env.execute_query(
            SQL(
                """
                SELECT md5(COALESCE(string_agg(member.segment_id || ':' || member.partner_id, ','
                                               ORDER BY member.segment_id, member.partner_id), ''))
                  FROM customer_segment_res_partner_rel member
                  JOIN customer_segment segment ON segment.id = member.segment_id
                 WHERE segment.company_id = %s AND segment.cadence_profile
                """,
                company.id,
            )
        )
        return digest

    def _members(self, company, profiles):
        """(profile, partner_id) of the profiles recommended for: the nine
        cells ("cell:AX") and the company's segments marked as cadence
        profiles ("segment:<id>", in the segments' order), with their
        customers (none for a profile without any)."""
        cells = profiles["abc_xyz_class"].dropna()
        segments = self.env["customer.segment"].search(
            [("company_id", "=", company.id), ("cadence_profile", "=", True)]
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT segment.id, member.partner_id
                  FROM unnest(%s::int4[]) WITH ORDINALITY AS segment (id, position)
                  LEFT JOIN customer_segment_res_partner_rel member ON member.segment_id = segment.id
                 ORDER BY segment.position
                """,
                segments.ids,
            )
        )
        return pd.DataFrame(
            [(f"cell:{cell}", partner) for partner, cell in cells.items()]
            + [(f"cell:{cell}", None) for cell in CELLS]
            + [(f"segment:{segment}", partner) for segment, partner in rows],
            columns=["profile", "partner_id"],
        )

    def _write_recommendations(self, company, recommendations):
        profiles = [profile.split(":") for profile in recommendations["profile"]]
        rows = recommendations.assign(
            abc_xyz_class=[key if kind == "cell" else None for kind, key in profiles],
            segment_id=[int(key) if kind == "segment" else None for kind, key in profiles],
        )
        staged = stage_frame(self.env.cr, "customer_cadence_recommendation_new", RECOMMENDATION_COLUMNS, rows)
        written = sync_staged(
            self.env["customer.cadence.recommendation"],
            company,
            staged,
            keys=("abc_xyz_class", "segment_id"),
            values=list(RECOMMENDATION_COLUMNS)[2:],
            nullable_keys=("abc_xyz_class", "segment_id"),
        )
        self.env.cr.execute(SQL("DROP TABLE %s", staged))
        return written

    def _stored_recommendations(self, company):
        """The stored recommendations of `company`, by profile, with their
        interval (as `_recommended_intervals` reads them)."""
        return copy_frame(
            self.env.cr,
            SQL(
                """
                SELECT CASE WHEN segment_id IS NULL THEN 'cell:' || abc_xyz_class
                            ELSE 'segment:' || segment_id END AS profile,
                       interval_days
                  FROM customer_cadence_recommendation
                 WHERE company_id = %s
                """,
                company.id,
            ),
        )

    def _recommended_intervals(self, members, recommendations):
        """The recommended interval of each customer (days, a Series by
        partner_id): its first cadence-profile segment's (in the segments'
        order) that recommends one, else its cell's."""
        intervals = recommendations.set_index("profile")["interval_days"].dropna()
        members = members.dropna(subset=["partner_id"])
        members = members[members["profile"].isin(intervals.index)]
        # segments first, in their order; then the cells
        members = members.assign(is_cell=members["profile"].str.startswith("cell:")).sort_values(
            "is_cell", kind="stable"
        )
        first = members.drop_duplicates("partner_id")
        return pd.Series(
            intervals.reindex(first["profile"]).to_numpy(), index=first["partner_id"].astype("int64").to_numpy()
        )

    def _write_contact_figures(self, company, figures, intervals):
        values = figures.reindex(figures.index.union(intervals.index))
        values["recommended_contact_interval_days"] = intervals.reindex(values.index)
        values["next_contact_date"] = cadence.next_contacts(values, values["recommended_contact_interval_days"])
        return sync_company_values(self.env["res.partner"], company, values, CONTACT_TYPES)
