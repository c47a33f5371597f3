import logging
import time

import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.tools import SQL

from ..analytics import cadence
from ..analytics.lifecycle import month_start
from ..analytics.priority import CELLS
from ..tools.frames import copy_frame, stage_frame
from ..tools.sync import sync_company_values, sync_rows

_logger = logging.getLogger(__name__)

# the per-company contact figures of customers the run writes, with their SQL types
CONTACT_TYPES = {column: "date" if column.endswith("_date") else "int4" for column in cadence.CONTACT_COLUMNS}
MONTH_NUMBER = "(EXTRACT(YEAR FROM month) * 12 + EXTRACT(MONTH FROM month) - 1)::int4"
# the columns of the cadence report and of the recommendations the run writes, with their SQL types
REPORT_COLUMNS = {
    "partner_id": "int4",
    "month": "int4",  # the month number of analytics.lifecycle.month_index, a date in the report
    "user_id": "int4",
    "team_id": "int4",
    "abc_xyz_class": "varchar",
    "contact_count": "int4",
    "contact_cost": "numeric",
    "cadence": "varchar",
    "revenue": "numeric",
    "margin": "numeric",
    "next_revenue": "numeric",
    "next_margin": "numeric",
    "net_margin": "numeric",
    "net_margin_vs_own": "numeric",
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
    and sales per month and in the same transaction: the contacts (one scan
    of customer.contact.source, staged once), the contacts per month, the
    customers' contact figures, the cadence report, the recommendations and
    each customer's recommended interval and next contact. Every stored
    table and figure is refreshed by comparing with what it holds, so a rerun
    on unchanged data writes nothing."""

    _name = "customer.cadence"
    _description = "Customer Contact Cadence Refresh"

    @api.model
    def _refresh(self, company, run_date):
        settings = company._settings_checked("cadence")
        clock = time.perf_counter()
        self.env.flush_all()
        staged = self._stage_contacts(company, run_date)
        stats = {"contact_months_written": self._refresh_contact_months(company, staged)}
        contact_figures = self._contact_figures(staged, run_date)
        self.env.cr.execute(SQL("DROP TABLE %s", staged))
        panel = self._panel(company, run_date, settings)
        profiles = self._profiles(company, panel)
        stats["cadence_rows_written"] = self._write_report(company, panel, profiles)
        members = self._members(company, profiles)
        recommendations = cadence.recommend(panel, members, settings)
        stats["recommendations_written"] = self._write_recommendations(company, recommendations)
        intervals = self._recommended_intervals(members, recommendations)
        stats["contact_figures_written"] = self._write_contact_figures(company, contact_figures, intervals)
        stats["seconds"] = time.perf_counter() - clock
        _logger.info("Contact cadence of company %s refreshed: %s", company.id, stats)
        return stats

    @api.model
    def _forget_customers(self, partners):
        """Delete the contacts per month and the cadence rows of `partners`
        in every company, before they are merged into another customer: their
        rows would collide with the destination's. Their messages and
        meetings follow the destination, whose next run counts them."""
        for model in ("customer.contact.month", "customer.cadence.report"):
            self.env.execute_query(
                SQL("DELETE FROM %s WHERE partner_id = ANY(%s)", SQL.identifier(self.env[model]._table), partners.ids)
            )
            self.env[model].invalidate_model()

    def _stage_contacts(self, company, run_date):
        """The contacts of `company` up to `run_date`, per customer and day
        (contact_count, contact_cost), in a temporary table: the one scan of
        the messages and meetings of a run."""
        staged = SQL.identifier("customer_contact_day")
        self.env.cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE %(staged)s ON COMMIT DROP AS
                SELECT partner_id, date, COUNT(*)::int4 AS contact_count, SUM(cost) AS contact_cost
                  FROM (%(contacts)s) AS contact
                 GROUP BY partner_id, date
                """,
                staged=staged,
                contacts=self.env["customer.contact.source"]._contacts(
                    company, date_to=run_date + relativedelta(days=1)
                ),
            )
        )
        self.env.cr.execute(SQL("ANALYZE %s", staged))
        return staged

    def _refresh_contact_months(self, company, staged):
        query = SQL(
            """
            SELECT partner_id, date_trunc('month', date)::date AS month,
                   SUM(contact_count)::int4 AS contact_count, ROUND(SUM(contact_cost), 2) AS contact_cost
              FROM %s
             GROUP BY partner_id, date_trunc('month', date)
            """,
            staged,
        )
        return sync_rows(
            self.env["customer.contact.month"],
            company,
            query,
            keys=("partner_id", "month"),
            values=("contact_count", "contact_cost"),
        )

    def _contact_figures(self, staged, run_date):
        """Each contacted customer's last contact, contacts in 90 days and
        usual interval (analytics.cadence.contact_stats)."""
        cr = self.env.cr
        recent = copy_frame(
            cr,
            SQL(
                "SELECT partner_id, date - DATE '1970-01-01' AS day, contact_count FROM %s WHERE date > %s",
                staged,
                run_date - relativedelta(months=cadence.STATS_MONTHS),
            ),
        )
        last = copy_frame(
            cr, SQL("SELECT partner_id, MAX(date) - DATE '1970-01-01' AS day FROM %s GROUP BY partner_id", staged)
        )
        return cadence.contact_stats(recent, last.set_index("partner_id")["day"], run_date)

    def _panel(self, company, run_date, settings):
        """The customer-months analysed (analytics.cadence.cadence_panel),
        from the stored contacts and sales per month."""
        first, _last = cadence.analysed_months(run_date, settings)
        since = pd.Timestamp(year=month_start(first)[0], month=month_start(first)[1], day=1).date()
        since -= relativedelta(months=cadence.DORMANT_MONTHS - 1)
        contacts = copy_frame(
            self.env.cr,
            SQL(
                """
                SELECT partner_id, %(month)s AS month, contact_count, contact_cost
                  FROM customer_contact_month WHERE company_id = %(company)s AND month >= %(since)s
                """,
                month=SQL(MONTH_NUMBER),
                company=company.id,
                since=since,
            ),
        )
        sales = copy_frame(
            self.env.cr,
            SQL(
                """
                SELECT partner_id, %(month)s AS month, revenue, margin
                  FROM customer_sales_month WHERE company_id = %(company)s AND month >= %(since)s
                """,
                month=SQL(MONTH_NUMBER),
                company=company.id,
                since=since,
            ),
        )
        return cadence.cadence_panel(contacts, sales, run_date, settings)

    def _profiles(self, company, panel):
        """The customers of the panel and those with a cell in `company`,
        with their salesperson, the salesperson's team and their cell
        (index partner_id)."""
        partners = sorted(panel["partner_id"].unique().tolist()) if len(panel) else []
        frame = copy_frame(
            self.env.cr,
            SQL(
                """
                SELECT partner.id AS partner_id, partner.user_id, seller.sale_team_id AS team_id,
                       partner.abc_xyz_class ->> %(key)s AS abc_xyz_class
                  FROM res_partner partner
                  LEFT JOIN res_users seller ON seller.id = partner.user_id
                 WHERE partner.id = ANY(%(partners)s) OR partner.abc_xyz_class ? %(key)s
                """,
                key=str(company.id),
                partners=partners,
            ),
        )
        return frame.astype({"partner_id": "int64"}).set_index("partner_id")

    def _write_report(self, company, panel, profiles):
        staged = stage_frame(
            self.env.cr, "customer_cadence_new", REPORT_COLUMNS, panel.join(profiles, on="partner_id", how="left")
        )
        written = sync_rows(
            self.env["customer.cadence.report"],
            company,
            SQL(
                """
                SELECT partner_id, make_date(month / 12, month %% 12 + 1, 1) AS date, %s, 1 AS customer_count
                  FROM %s
                """,
                SQL(", ").join(SQL.identifier(column) for column in REPORT_VALUES),
                staged,
            ),
            keys=("partner_id", "date"),
            values=(*REPORT_VALUES, "customer_count"),
        )
        self.env.cr.execute(SQL("DROP TABLE %s", staged))
        return written

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
        written = sync_rows(
            self.env["customer.cadence.recommendation"],
            company,
            SQL("SELECT * FROM %s", staged),
            keys=("abc_xyz_class", "segment_id"),
            values=list(RECOMMENDATION_COLUMNS)[2:],
            nullable_keys=("abc_xyz_class", "segment_id"),
        )
        self.env.cr.execute(SQL("DROP TABLE %s", staged))
        return written

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
