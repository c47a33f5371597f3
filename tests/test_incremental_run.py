from datetime import date, timedelta
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.sql_db import db_connect
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from ..report import customer_cadence_summary as cadence_summary
from ..tools import sync
from .common import TimedRunCase, confirmed_order, customer_invoices

RUN_DATE = date(2025, 4, 15)
# the rows a run derives per customer, without any foreign key
# (Many2oneWithoutForeignKey)
DERIVED_TABLES = (
    "customer_sales_document",
    "customer_sales_month",
    "customer_contact_month",
    "customer_classification_standing",
    "customer_dynamics_report",
    "customer_plan_actual_report",
    "customer_cell_transition_report",
    "customer_cadence_report",
)


@tagged("post_install", "-at_install")
class TestIncrementalRun(TimedRunCase):
    """Five customers buy tea (cost 6) and cups (cost 2) from October 2024
    to March 2025; Carl buys for Alpha. The first run stores everything;
    then a mix of changes lands between two runs, and the incremental run
    must leave every stored figure as a rebuild from every document gives
    it, having read only the documents and customers that changed.

    Runs are placed in time by hand: the transaction of a test stamps every
    write with its start, so each run says when it "started" (the mark the
    next run reads from) and the changes are stamped after it."""

    run_date = RUN_DATE

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tea = cls._create_product(name="Tea", lst_price=10.0, standard_price=6.0, taxes_id=[])
        cls.cups = cls._create_product(name="Cups", lst_price=5.0, standard_price=2.0, taxes_id=[])
        cls.alpha, cls.beta, cls.gamma, cls.delta, cls.omega = cls.env["res.partner"].create(
            [{"name": name, "is_company": True} for name in ("Alpha", "Beta", "Gamma", "Delta", "Omega")]
        )
        cls.carl = cls.env["res.partner"].create({"name": "Carl", "parent_id": cls.alpha.id})
        rows = []
        for month in range(6):
            day = date(2024, 10, 10) + timedelta(days=31 * month)
            rows += [
                (cls.alpha, day, [(cls.tea, 20, None), (cls.cups, 10, None)]),
                (cls.beta, day, [(cls.tea, 8, None)]),
                (cls.gamma, day + timedelta(days=2), [(cls.cups, 6 + month, None)]),
                (cls.delta, day, [(cls.tea, 2, None)]),
            ]
        rows += [
            (cls.carl, date(2025, 2, 3), [(cls.tea, 5, None)]),
            (cls.omega, date(2025, 1, 20), [(cls.cups, 3, None)]),
        ]
        cls.invoices = customer_invoices(cls.env, cls.company, rows)
        cls.invoices.action_post()

    def _month(self, partner, month):
        return self.env.execute_query(
            SQL(
                "SELECT revenue::float, margin::float, document_count FROM customer_sales_month"
                " WHERE company_id = %s AND partner_id = %s AND month = %s",
                self.company.id,
                partner.id,
                month,
            )
        )

    def test_incremental_run_equals_a_rebuild(self):
        first = self._run()
        self.assertEqual(first["facts"]["documents_written"], 26)
        self.assertEqual(self._month(self.alpha, date(2025, 2, 1)), [(300.0, 130.0, 2)])
        rerun = self._run()
        self.assertEqual(rerun["facts"], {"documents_written": 0, "costs_frozen": 0, "months_written": 0})
        self.assertEqual(rerun["analyses"]["customers_refreshed"], 0)
        self.assertEqual(rerun["written"], 0)
        self.assertEqual(rerun["aggregate_rows"], 0, "nothing changed: nothing to classify again")

        self._changes_stamped_later()
        # new invoice and credit note; the cost of tea changed before them
        self.tea.with_company(self.company).standard_price = 7.0
        new = customer_invoices(self.env, self.company, [(self.omega, date(2025, 3, 25), [(self.tea, 4, None)])])
        refund = customer_invoices(
            self.env, self.company, [(self.beta, date(2025, 3, 28), [(self.tea, 1, None)])], move_type="out_refund"
        )
        (new | refund).action_post()
        by_customer = self.invoices.grouped("partner_id")
        # Delta's last invoice reset to draft and deleted (nothing else of
        # Delta is written: only the deletion tells); Gamma's last cancelled
        delta_last = by_customer[self.delta].sorted("invoice_date")[-1]
        delta_last.button_draft()
        delta_last.unlink()
        gamma_last = by_customer[self.gamma].sorted("invoice_date")[-1]
        gamma_last.button_draft()
        gamma_last.button_cancel()
        # Beta's November invoice edited: 9 tea, dated in October
        beta_november = by_customer[self.beta].filtered(lambda move: move.invoice_date.month == 11)
        beta_november.button_draft()
        beta_november.write(
            {
                "invoice_date": date(2024, 10, 20),
                "invoice_line_ids": [Command.update(beta_november.invoice_line_ids.id, {"quantity": 9})],
            }
        )
        beta_november.action_post()
        # Carl now buys for Delta: his invoice stays Alpha's, the entity it
        # was issued to (account.move keeps its commercial entity)
        self.carl.parent_id = self.delta
        # Omega merged into Gamma
        with freeze_time(RUN_DATE):
            self.env["base.partner.merge.automatic.wizard"]._merge(
                (self.omega | self.gamma).ids, self.gamma, extra_checks=False
            )

        # as few customers of a large base: their differences added to the cadence summary
        self.patch(cadence_summary, "DIFFERENCES_SHARE", 1.0)
        Summary = self.env.registry["customer.cadence.summary"]
        with patch.object(Summary, "_after_writing", autospec=True, side_effect=Summary._after_writing) as summed:
            changed = self._run()
        summed.assert_called_once()
        self.assertIsNotNone(summed.call_args.args[2], "the summary followed the differences")
        # written: the new invoice and credit note, the cancelled, deleted and
        # edited invoices (the merge moved Omega's rows itself)
        self.assertEqual(changed["facts"]["documents_written"], 5)
        self.assertEqual(changed["facts"]["costs_frozen"], 0)  # tea already sold in March: its cost stays 6
        self.assertNotEqual(changed["analyses"]["customers_refreshed"], "all")
        # hand-checked: Delta's March invoice deleted
        self.assertEqual(self._month(self.delta, date(2025, 3, 1)), [])
        # Beta: October holds two invoices (80 and 90), November none
        self.assertEqual(self._month(self.beta, date(2024, 10, 1)), [(170.0, 68.0, 2)])
        self.assertEqual(self._month(self.beta, date(2024, 11, 1)), [])
        # Gamma got Omega's January cups and the new tea of March; its own March invoice is cancelled
        self.assertEqual(self._month(self.gamma, date(2025, 3, 1)), [(40.0, 16.0, 1)])
        # the cadence summary kept by differences: as summed whole
        summary = self.env["customer.cadence.summary"]
        self.assertEqual(summary._refresh(self.company), 0)
        # customers whose rows are written again as they were: no group written
        partner_ids = [self.alpha.id, self.beta.id]
        old_sums = summary._before_writing(self.company, partner_ids)
        self.env.cr.execute(
            SQL(
                "CREATE TEMPORARY TABLE cadence_rows AS SELECT * FROM customer_cadence_report"
                " WHERE company_id = %s AND partner_id = ANY(%s)",
                self.company.id,
                partner_ids,
            )
        )
        self.assertEqual(summary._after_writing(self.company, old_sums, SQL("cadence_rows")), 0)
        self.env.cr.execute(SQL("DROP TABLE cadence_rows; DROP TABLE %s", old_sums))
        incremental = self._stored()

        rebuild = self._run(rebuild=True)
        self.assertEqual(rebuild["facts"], {"documents_written": 0, "costs_frozen": 0, "months_written": 0})
        self.assertEqual(rebuild["written"], 0)
        self.assertEqual(
            {key: value for key, value in rebuild["analyses"].items() if key.endswith("_written")},
            {key: 0 for key in rebuild["analyses"] if key.endswith("_written")},
        )
        self.assertEqual(self._stored(), incremental)

    def _run_rate(self, plan):
        [(run_rate,)] = self.env.execute_query(
            SQL("SELECT run_rate_amount::float FROM customer_plan_actual_report WHERE plan_id = %s", plan.id)
        )
        return run_rate

    def _equals_a_rebuild(self):
        """Every stored figure is what a rebuild on the same date gives."""
        incremental = self._stored()
        rebuild = self._run(rebuild=True)
        self.assertEqual(rebuild["written"], 0)
        self.assertEqual(self._stored(), incremental)

    def test_a_new_day_refreshes_only_what_the_day_moves(self):
        """On a new day of the month the periods of the dynamics and of the
        client base stay, so only the customers that changed are refreshed,
        with the run rates of the plans running (they follow the day) and the
        cell comparisons whose first date passes a class change (they end on
        the run date); a new month refreshes every customer."""
        april = customer_invoices(self.env, self.company, [(self.beta, date(2025, 4, 10), [(self.tea, 8, None)])])
        april.action_post()
        # Delta became CX on 16 January: a quarter before 16 April, not 15
        self.env["customer.classification.history"].sudo().create(
            {
                "partner_id": self.delta.id,
                "company_id": self.company.id,
                "date": date(2025, 1, 16),
                "new_abc_class": "C",
                "new_xyz_class": "X",
                "new_abc_xyz_class": "CX",
            }
        )
        plan = self.env["customer.sales.plan"].create(
            {"partner_id": self.beta.id, "period_type": "month", "date_start": date(2025, 4, 1), "amount": 300.0}
        )
        self._run()
        # 80 sold in the first 15 of April's 30 days
        self.assertEqual(self._run_rate(plan), 160.0)

        self.run_date = date(2025, 4, 16)
        next_day = self._run()
        self.assertEqual(next_day["analyses"]["customers_refreshed"], 0)
        self.assertEqual(self._run_rate(plan), 150.0)
        # the comparisons end on the new day; only Delta's quarter row moved
        self.assertEqual(next_day["analyses"]["transitions_written"], 1)
        quarter = self.env["customer.cell.transition.report"].search(
            [("company_id", "=", self.company.id), ("comparison", "=", "quarter"), ("partner_id", "=", self.delta.id)]
        )
        self.assertEqual(
            (quarter.date_from, quarter.date_to, quarter.from_cell), (date(2025, 1, 16), date(2025, 4, 16), "CX")
        )
        year = self.env["customer.cell.transition.report"].search(
            [("company_id", "=", self.company.id), ("comparison", "=", "year")], order="date_to desc, date_from"
        )
        self.assertEqual(set(year.mapped("date_from")), {date(2024, 4, 16)})
        self._equals_a_rebuild()

        self._changes_stamped_later()
        new = customer_invoices(self.env, self.company, [(self.omega, date(2025, 4, 16), [(self.cups, 4, None)])])
        new.action_post()
        self.run_date = date(2025, 4, 17)
        changed = self._run()
        self.assertNotEqual(changed["analyses"]["customers_refreshed"], "all")
        # Omega's year so far: January's 15 and the new 20
        omega_year = self.env["customer.dynamics.report"].search(
            [("partner_id", "=", self.omega.id), ("period_kind", "=", "calendar"), ("is_running", "=", True)]
        )
        self.assertEqual(omega_year.revenue, 35.0)
        self._equals_a_rebuild()

        # a new growth threshold moves the trends of every customer
        self.company.segmentation_growth_threshold = 25.0
        self.assertEqual(self._run()["analyses"]["customers_refreshed"], "all")

        self.run_date = date(2025, 5, 2)
        self.assertEqual(self._run()["analyses"]["customers_refreshed"], "all")

    def _contact_months(self, partner):
        return self.env.execute_query(
            SQL(
                "SELECT month, contact_count, contact_cost::float FROM customer_contact_month"
                " WHERE company_id = %s AND partner_id = %s ORDER BY month",
                self.company.id,
                partner.id,
            )
        )

    def _done_call(self, partner, day, user):
        with freeze_time(f"{day} 10:00:00"):
            activity = self.env["mail.activity"].create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": partner.id,
                    "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                    "user_id": user.id,
                }
            )
            return activity._action_done()[0]

    def test_contacts_counted_again_only_where_they_changed(self):
        """Alpha is called on 3 March 2025 and gets an email on 5 March on
        the quotation of Carl, its buyer; Beta is called on 10 February and
        10 March; a meeting with Gamma is planned for 20 April. Then Delta is
        called on 14 April, Beta's March call is deleted and Carl moves to
        Delta with his quotation's email: the next run counts again only the
        customers on either side of these, and equals a rebuild; a run on 21
        April (the same months) counts Gamma's meeting, now past."""
        call = self.env.ref("mail.mail_activity_data_call")
        email = self.env.ref("mail.mail_activity_data_email")
        meeting = self.env.ref("mail.mail_activity_data_meeting")
        (call | email | meeting).segmentation_is_contact = True
        call.with_company(self.company).segmentation_contact_cost = 50.0
        seller = new_test_user(
            self.env, login="contact_seller", groups="sales_team.group_sale_salesman", company_id=self.company.id
        )
        quotation = self.env["sale.order"].create(
            {"partner_id": self.carl.id, "company_id": self.company.id, "user_id": seller.id}
        )
        self._done_call(self.alpha, "2025-03-03", seller)
        with freeze_time("2025-03-05 09:00:00"):
            quotation.with_user(seller).message_post(
                body="Your quotation", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        self._done_call(self.beta, "2025-02-10", seller)
        beta_march = self._done_call(self.beta, "2025-03-10", seller)
        self.env["calendar.event"].create(
            {
                "name": "Shelf review",
                "start": "2025-04-20 10:00:00",
                "stop": "2025-04-20 11:00:00",
                "partner_ids": [Command.set((self.gamma | seller.partner_id).ids)],
                "user_id": seller.id,
            }
        )
        first = self._run()
        self.assertEqual(first["analyses"]["cadence"]["customers_counted"], "all")
        march = date(2025, 3, 1)
        self.assertEqual(self._contact_months(self.alpha), [(march, 2, 50.0)])
        self.assertEqual(self._contact_months(self.beta), [(date(2025, 2, 1), 1, 50.0), (march, 1, 50.0)])
        self.assertEqual(self._contact_months(self.gamma), [], "the meeting is still ahead")
        rerun = self._run()["analyses"]["cadence"]
        self.assertEqual(rerun["customers_counted"], 0)

        self._changes_stamped_later()
        self._done_call(self.delta, "2025-04-14", seller)
        beta_march.sudo().unlink()
        self.carl.parent_id = self.delta
        changed = self._run()["analyses"]["cadence"]
        # Alpha and Delta (Carl's email), Beta (the deleted call), Delta (the
        # new call) and Carl's entities as written partners; never Gamma
        self.assertNotEqual(changed["customers_counted"], "all")
        self.assertEqual(self._contact_months(self.alpha), [(march, 1, 50.0)])
        self.assertEqual(self._contact_months(self.beta), [(date(2025, 2, 1), 1, 50.0)])
        self.assertEqual(self._contact_months(self.delta), [(march, 1, 0.0), (date(2025, 4, 1), 1, 50.0)])
        self.assertEqual(self.delta.with_company(self.company).last_contact_date, date(2025, 4, 14))
        incremental = self._stored()
        rebuild = self._run(rebuild=True)["analyses"]["cadence"]
        self.assertEqual(
            {key: value for key, value in rebuild.items() if key.endswith("_written")},
            dict.fromkeys([key for key in rebuild if key.endswith("_written")], 0),
        )
        self.assertEqual(self._stored(), incremental)

        self.run_date = date(2025, 4, 21)
        later = self._run()["analyses"]["cadence"]
        self.assertEqual(later["customers_counted"], 1, "only Gamma, whose meeting is now past")
        self.assertEqual(self._contact_months(self.gamma), [(date(2025, 4, 1), 1, 0.0)])
        incremental = self._stored()
        self._run(rebuild=True)
        self.assertEqual(self._stored(), incremental)

        # a segment marked as a cadence profile: a run of the same day, with
        # no contact or sale changed, recommends for it all the same
        self._changes_stamped_later()
        segment = self.env["customer.segment"].create(
            {
                "name": "Tea drinkers",
                "cadence_profile": True,
                "partner_ids": [Command.set((self.beta | self.delta).ids)],
            }
        )
        self._run()
        self.assertEqual(self.env["customer.cadence.recommendation"].search_count([("segment_id", "=", segment.id)]), 1)

    def test_orders_follow_a_contact_to_another_company(self):
        """Orders count for the current commercial entity of their customer:
        a contact moved to another company takes his orders with him."""
        self.company.segmentation_sales_source = "order"
        order = confirmed_order(self.env, self.carl, self.tea, 10.0, "2025-02-10 10:00:00")
        self._run()
        self.assertEqual(self._month(self.alpha, date(2025, 2, 1)), [(10.0, 4.0, 1)])
        self._changes_stamped_later()
        self.carl.parent_id = self.delta
        stats = self._run()
        self.assertEqual(stats["facts"]["documents_written"], 1)
        self.assertEqual(self._month(self.alpha, date(2025, 2, 1)), [])
        self.assertEqual(self._month(self.delta, date(2025, 2, 1)), [(10.0, 4.0, 1)])
        incremental = self._stored()
        self.assertEqual(self._run(rebuild=True)["facts"]["documents_written"], 0)
        self.assertEqual(self._stored(), incremental)

        # the order cancelled and deleted: only the deletion tells
        self._changes_stamped_later()
        order._action_cancel()
        order.unlink()
        deletions = self.env["customer.sales.document.deletion"]
        self.assertEqual(deletions.search([]).mapped("document_id"), [order.id])
        stats = self._run()
        self.assertFalse(deletions.search([]), "the run takes what it read")
        self.assertEqual(stats["facts"]["documents_written"], 1)
        self.assertEqual(self._month(self.delta, date(2025, 2, 1)), [])
        incremental = self._stored()
        self.assertEqual(self._run(rebuild=True)["facts"]["documents_written"], 0)
        self.assertEqual(self._stored(), incremental)

    def test_orders_dated_on_the_company_day(self):
        """Carl's order placed at 20:00 UTC on 28 February 2025 is on 1 March
        in Vladivostok (UTC+10), where the company is: Alpha buys in March
        there; moved to UTC, the company's next run moves the sale back to
        February, as a rebuild does."""
        self.company.segmentation_sales_source = "order"
        self.company.partner_id.tz = "Asia/Vladivostok"
        confirmed_order(self.env, self.carl, self.tea, 10.0, "2025-02-28 20:00:00")
        self._run()
        self.assertEqual(self._month(self.alpha, date(2025, 3, 1)), [(10.0, 4.0, 1)])
        self.assertEqual(self._month(self.alpha, date(2025, 2, 1)), [])
        self._changes_stamped_later()
        self.company.partner_id.tz = "UTC"
        self._run()
        self.assertEqual(self._month(self.alpha, date(2025, 2, 1)), [(10.0, 4.0, 1)])
        self.assertEqual(self._month(self.alpha, date(2025, 3, 1)), [])
        incremental = self._stored()
        self.assertEqual(self._run(rebuild=True)["facts"]["documents_written"], 0)
        self.assertEqual(self._stored(), incremental)

    def test_a_failed_run_leaves_everything_for_the_next(self):
        self._run()
        before = self._stored()
        mark = self.company.segmentation_facts_since
        self._changes_stamped_later()
        customer_invoices(self.env, self.company, [(self.beta, date(2025, 3, 20), [(self.tea, 3, None)])]).action_post()
        Classification = self.env.registry["customer.classification"]
        with (
            patch.object(Classification, "_write_state", side_effect=RuntimeError("killed")),
            self.assertRaises(RuntimeError),
            self.env.cr.savepoint(),
        ):
            self._run()
        self.env.invalidate_all()
        self.assertEqual(self._stored(), before)
        self.assertEqual(self.company.segmentation_facts_since, mark)
        after = self._run()
        self.assertEqual(after["facts"]["documents_written"], 1)
        self.assertEqual(self._month(self.beta, date(2025, 3, 1)), [(110.0, 44.0, 2)])
        self.assertEqual(self._run(rebuild=True)["facts"]["documents_written"], 0)

    def test_a_setting_that_changes_what_a_sale_is_rebuilds(self):
        customer_invoices(
            self.env, self.company, [(self.beta, date(2025, 3, 28), [(self.tea, 1, None)])], move_type="out_refund"
        ).action_post()
        self._run()
        self.assertEqual(self._month(self.beta, date(2025, 3, 1)), [(70.0, 28.0, 1)])
        self.company.segmentation_ignore_refunds = True
        self.assertFalse(self.company.segmentation_facts_since)
        stats = self._run()
        self.assertEqual(stats["facts"]["documents_written"], 1)
        self.assertEqual(stats["analyses"]["customers_refreshed"], "all")
        self.assertEqual(self._month(self.beta, date(2025, 3, 1)), [(80.0, 32.0, 1)])

    def test_a_sale_moves_every_standing_but_writes_one_partner(self):
        """Omega's new sale moves the total, so every customer's share (kept
        apart, in customer.classification.standing) but only Omega's own
        figures: one partner row written."""
        self._run()
        Partner = self.env["res.partner"].with_company(self.company)
        ranked = [self.alpha, self.beta, self.gamma, self.delta, self.omega]
        self.assertEqual(Partner.search([("priority_rank", ">", 0)], order="priority_rank"), Partner.concat(*ranked))
        self.assertEqual(Partner.browse(self.alpha.id).abc_share, 64.0496, "1550 of 2420")
        self._changes_stamped_later()
        sale = customer_invoices(self.env, self.company, [(self.omega, date(2025, 3, 20), [(self.cups, 1, None)])])
        sale.action_post()
        stats = self._run()
        self.assertEqual(stats["written"], 1, "Omega's own figures")
        self.assertEqual(stats["standings_written"], 5, "every share moved with the total")
        alpha = Partner.browse(self.alpha.id)
        self.assertEqual((alpha.abc_share, alpha.abc_cumulative_share, alpha.priority_rank), (63.9175, 63.9175, 1))
        self.assertEqual(Partner.browse(self.omega.id).priority_rank, 5)
        # a customer without a standing reads 0, and is found so
        self.assertEqual(Partner.browse(self.carl.id).priority_rank, 0)
        unranked = Partner.search([("id", "in", [self.carl.id, self.alpha.id]), ("priority_rank", "=", 0)])
        self.assertEqual(unranked, self.carl)
        self.assertEqual(Partner.search([("abc_cumulative_share", ">=", 99.0)]), self.delta | self.omega)
        stored = self._stored()
        self._run(rebuild=True)
        self.assertEqual(self._stored(), stored)

    def test_a_new_churn_threshold_moves_the_statuses(self):
        """The statuses are written with the classes, by the classification
        run: a run with no document changed since the last one, on the same
        day, still follows a new churn threshold. At 6 months Alpha, in its
        first spell since October 2024 (6 months before April 2025), is
        active and Omega, without a purchase since January, at risk (after
        3 months); at 12 months both are new, as every customer is."""
        self._run()
        partners = (self.alpha | self.omega).with_company(self.company)
        self.assertEqual(partners.mapped("lifecycle_status"), ["active", "at_risk"])
        self._changes_stamped_later()
        self.company.segmentation_churn_months = 12
        stats = self._run()
        self.assertEqual(stats["statuses_written"], 5)
        self.assertEqual(partners.mapped("lifecycle_status"), ["new", "new"])
        self._equals_a_rebuild()

    def test_a_customer_without_sales_loses_its_status(self):
        """Omega's only invoice is cancelled: the run removes its lifecycle
        status with its classes, the other statuses as they were."""
        self._run()
        self.assertEqual(self.omega.with_company(self.company).lifecycle_status, "at_risk")
        self._changes_stamped_later()
        invoice = self.invoices.filtered(lambda move: move.partner_id == self.omega)
        invoice.button_draft()
        invoice.button_cancel()
        stats = self._run()
        self.assertEqual(stats["statuses_written"], 1)
        partners = (self.alpha | self.omega).with_company(self.company)
        self.assertEqual(partners.mapped("lifecycle_status"), ["active", False])
        self.assertFalse(partners[1].abc_class)
        self._equals_a_rebuild()

    def _derived_rows(self, partner_id):
        """{table: rows} of DERIVED_TABLES whose customer is `partner_id` or none."""
        counts = {}
        for table in DERIVED_TABLES:
            [(count,)] = self.env.execute_query(
                SQL(
                    "SELECT COUNT(*) FROM %s WHERE partner_id = %s OR partner_id IS NULL",
                    SQL.identifier(table),
                    partner_id,
                )
            )
            if count:
                counts[table] = count
        return counts

    def test_a_deleted_customer_takes_its_rows_with_it(self):
        """Omega's only invoice is reset and deleted, then Omega itself: its
        facts and analyses go with it at once, as a foreign key's cascade
        would (these tables have none: checking every row of a first run
        against the customers and companies cost 39 % of it), and the next
        run equals a rebuild."""
        [(keys,)] = self.env.execute_query(
            SQL(
                "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                list(DERIVED_TABLES),
            )
        )
        self.assertEqual(keys, 0)
        self._run()
        omega_id = self.omega.id
        self.assertEqual(
            self._derived_rows(omega_id),
            {
                "customer_sales_document": 1,
                "customer_sales_month": 1,
                "customer_classification_standing": 1,
                # the calendar year 2025 and the 12 months to March 2025
                "customer_dynamics_report": 2,
                "customer_plan_actual_report": 1,
                "customer_cell_transition_report": 2,
                "customer_cadence_report": 2,
            },
        )
        self._changes_stamped_later()
        invoice = self.invoices.filtered(lambda move: move.partner_id == self.omega)
        invoice.button_draft()
        invoice.unlink()
        self.omega.unlink()
        self.assertEqual(self._derived_rows(omega_id), {})
        # the cadence summary no longer counts Omega's two customer-months
        [(summed, counted)] = self.env.execute_query(
            SQL(
                "SELECT (SELECT SUM(month_count) FROM customer_cadence_summary WHERE company_id = %(company)s),"
                " (SELECT COUNT(*) FROM customer_cadence_report WHERE company_id = %(company)s)",
                company=self.company.id,
            )
        )
        self.assertEqual(summed, counted)
        self._run()
        self._equals_a_rebuild()

    def _rows_of(self, table, column, record_id):
        [(count,)] = self.env.execute_query(
            SQL(
                "SELECT COUNT(*) FROM %s WHERE %s = %s",
                SQL.identifier(table),
                SQL.identifier(column),
                record_id,
            )
        )
        return count

    def _duplicate_groups(self):
        """Groups stored twice in the client base counts and the cadence summary."""
        [(base, summary)] = self.env.execute_query(
            SQL(
                """
                SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM customer_base_report WHERE company_id = %(company)s
                         GROUP BY period_type, date, user_id, team_id, abc_xyz_class HAVING COUNT(*) > 1) AS twice),
                       (SELECT COUNT(*) FROM (SELECT 1 FROM customer_cadence_summary WHERE company_id = %(company)s
                         GROUP BY date, user_id, team_id, abc_xyz_class, cadence HAVING COUNT(*) > 1) AS twice)
                """,
                company=self.company.id,
            )
        )
        return base, summary

    def test_a_deleted_salesperson_or_team_leaves_the_rows_without_one(self):
        seller = new_test_user(
            self.env, login="leaving_seller", groups="sales_team.group_sale_salesman", company_id=self.company.id
        )
        team = self.env["crm.team"].create({"name": "Leaving Team", "member_ids": [Command.set(seller.ids)]})
        self.beta.user_id = seller
        self._run()
        seller_id, team_id = seller.id, team.id
        # Beta's six months bought and its five customer-months of the cadence
        self.assertEqual(self._rows_of("customer_plan_actual_report", "user_id", seller_id), 6)
        self.assertEqual(self._rows_of("customer_cadence_report", "user_id", seller_id), 5)
        self.assertEqual(self._rows_of("customer_cadence_report", "team_id", team_id), 5)
        self._changes_stamped_later()
        team.unlink()
        self.assertEqual(self._rows_of("customer_cadence_report", "team_id", team_id), 0)
        self.assertEqual(self._rows_of("customer_cadence_report", "user_id", seller_id), 5)
        seller.unlink()
        self.assertEqual(self._duplicate_groups(), (0, 0))
        self.assertFalse(self.beta.user_id)
        self.assertEqual(self._rows_of("customer_plan_actual_report", "user_id", seller_id), 0)
        self.assertEqual(self._rows_of("customer_cadence_report", "user_id", seller_id), 0)
        self._run()
        self._equals_a_rebuild()

    def test_a_deleted_company_takes_its_rows_with_it(self):
        branch = self.env["res.company"].create({"name": "Closed Branch"})
        self.env["customer.classification.standing"]._store_figure(branch, "priority_rank", {self.alpha.id: 1})
        self.assertEqual(self.alpha.with_company(branch).priority_rank, 1)
        branch.unlink()
        [(rows,)] = self.env.execute_query(
            SQL(
                "SELECT COUNT(*) FROM customer_classification_standing WHERE company_id = %s OR company_id IS NULL",
                branch.id,
            )
        )
        self.assertEqual(rows, 0)

    def _indexes(self, tables):
        """{index name: (oid, definition)} of the indexes of `tables`."""
        rows = self.env.execute_query(
            SQL(
                "SELECT indexrelid::regclass::text, indexrelid::int, pg_get_indexdef(indexrelid) FROM pg_index"
                " WHERE indrelid::regclass::text = ANY(%s)",
                list(tables),
            )
        )
        return {name: (oid, definition) for name, oid, definition in rows}

    def test_a_first_run_into_empty_tables_builds_their_indexes_after(self):
        """Into tables that hold no row at all (the first run of the first
        company: here every company's rows and every class change are
        deleted first), many rows (here 2 or more) go in before the indexes
        are built, which come back as they were; a table another
        transaction holds a lock on is filled with its indexes as they are,
        once the lock did not come. The run stores what a rebuild gives."""
        self.patch(sync, "BULK_INSERT_ROWS", 2)
        filled = [table for table in DERIVED_TABLES if table != "customer_contact_month"]
        filled.append("customer_classification_history")
        for table in filled:
            self.env.cr.execute(SQL("DELETE FROM %s", SQL.identifier(table)))
        before = self._indexes(filled)
        reader = db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(reader.close)
        reader.execute("SELECT 1 FROM customer_sales_month LIMIT 1")
        self._run()
        after = self._indexes(filled)
        self.assertEqual(
            {name: definition for name, (_oid, definition) in after.items()},
            {name: definition for name, (_oid, definition) in before.items()},
        )
        rebuilt = {name for name in after if after[name][0] != before[name][0]}
        self.assertIn("customer_sales_document_company_document_unique", rebuilt)
        self.assertIn("customer_sales_document_company_partner_date_idx", rebuilt)
        self.assertIn("customer_dynamics_report_company_period_idx", rebuilt)
        self.assertIn("customer_classification_history_partner_company_date_idx", rebuilt)
        # the primary keys stay, and the month rows went in under the reader's lock
        self.assertFalse({name for name in rebuilt if name.endswith("_pkey") or "sales_month" in name})
        self.assertEqual(self._month(self.alpha, date(2025, 2, 1)), [(300.0, 130.0, 2)])
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env.cr.execute(
                SQL(
                    "INSERT INTO customer_sales_document (company_id, partner_id, document_id, date)"
                    " SELECT company_id, partner_id, document_id, date FROM customer_sales_document LIMIT 1"
                )
            )
        self._equals_a_rebuild()

    def test_rebuild_button_access(self):
        self._run()
        action = self.company.action_rebuild_customer_analyses()
        self.assertIn("0 stored sales figures", action["params"]["message"])
        salesman = new_test_user(
            self.env, login="incremental_seller", groups="sales_team.group_sale_salesman", company_id=self.company.id
        )
        with self.assertRaises(AccessError):
            self.company.with_user(salesman).action_rebuild_customer_analyses()

    def test_a_class_moved_by_others_refreshes_a_customer_changed_in_the_run_month(self):
        """Alpha and Delta buy in April, the run's month, whose sales no
        cell comparison reads (their revenue is of the twelve months
        before), and Omega's large March invoice moves Delta from BX to CX:
        Alpha's comparisons are left as they are, Delta's are refreshed, as
        a rebuild gives them."""
        self._run()
        self._changes_stamped_later()
        customer_invoices(
            self.env,
            self.company,
            [
                (self.alpha, date(2025, 4, 2), [(self.tea, 1, None)]),
                (self.delta, date(2025, 4, 2), [(self.tea, 1, None)]),
                (self.omega, date(2025, 3, 20), [(self.tea, 500, None)]),
            ],
        ).action_post()
        Report = self.env.registry["customer.cell.transition.report"]
        with patch.object(Report, "_sync", autospec=True, side_effect=Report._sync) as sync:
            self._run()
        refreshed = sync.call_args.args[4]
        self.assertIn(self.delta.id, refreshed)
        self.assertIn(self.omega.id, refreshed)
        self.assertNotIn(self.alpha.id, refreshed)
        self.assertEqual(self.alpha.with_company(self.company).abc_xyz_class, "AX")
        self.assertEqual(self.delta.with_company(self.company).abc_xyz_class, "CX")
        rows = self.env["customer.cell.transition.report"].search(
            [("partner_id", "=", self.delta.id), ("comparison", "in", ("year", "quarter"))]
        )
        self.assertEqual(rows.mapped("to_cell"), ["CX", "CX"])
        incremental = self._stored()
        self._run(rebuild=True)
        self.assertEqual(self._stored(), incremental)

    def test_a_month_only_a_chosen_comparison_reads_refreshes_it(self):
        """A user compares the cells of 15 April and 10 May 2025, whose
        revenue is of May 2024 to April 2025; the runs of November compare
        up to their day (November 2024 to October 2025). An invoice of
        Omega dated October 2024, which only the chosen comparison reads,
        is counted in its revenue by the next run of the month, as a
        rebuild counts it."""
        self._run()
        self.run_date = date(2025, 11, 20)
        self._run()
        with freeze_time(self.run_date):
            self.env["customer.cell.transition.wizard"].create(
                {"date_from": RUN_DATE, "date_to": date(2025, 5, 10)}
            ).action_compare()
        chosen = self.env["customer.cell.transition.report"].search(
            [("partner_id", "=", self.omega.id), ("comparison", "=", "custom")]
        )
        self.assertEqual(chosen.revenue, 15.0)
        self._changes_stamped_later()
        customer_invoices(
            self.env, self.company, [(self.omega, date(2024, 10, 20), [(self.cups, 4, None)])]
        ).action_post()
        self.run_date = date(2025, 11, 21)
        Analysis = self.env.registry["customer.analysis"]
        with patch.object(Analysis, "_reaching", autospec=True, side_effect=Analysis._reaching) as reaching:
            self._run()
        self.assertEqual(reaching.call_args_list[0].args[2], {self.omega.id: {date(2024, 10, 1)}})
        self.assertEqual(chosen.revenue, 35.0)
        incremental = self._stored()
        self._run(rebuild=True)
        self.assertEqual(self._stored(), incremental)


@tagged("post_install", "-at_install")
class TestIncrementalRunBeforeMerge(TestIncrementalRun):
    """The same runs on a PostgreSQL without MERGE (13 and 14, which Odoo 19
    runs on): tools.sync.sync_rows updates, then inserts."""

    allow_inherited_tests_method = True

    def setUp(self):
        super().setUp()
        self.patch(sync, "MERGE_VERSION", 10**9)
