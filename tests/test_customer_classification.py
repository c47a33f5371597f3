import re
from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, LockError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from .common import SegmentationTestCase, confirmed_order, customer_invoices

RUN_DATE = date(2025, 1, 15)  # window: the 12 months of 2024
CRON = "customer_segmentation.ir_cron_recompute_customer_classification"
REQUEST = ["segmentation_run_requested", "segmentation_run_requester_id", "segmentation_run_requested_at"]


class WorkerKilled(BaseException):
    """What a kill -9 does to a run: it stops where it is, and nothing it
    had not committed is kept (no handler of Exception sees it)."""


def monthly(day=10):
    return [date(2024, month, day) for month in range(1, 13)]


@tagged("post_install", "-at_install")
class TestCustomerClassification(SegmentationTestCase, CronMixinCase):
    """Known invoices, hand-computed classes.

    Company 1, window 2024 (totals 15200):
      big    12 x 1000 (half of them invoiced to its contact)  12000  share before 0     A  X
      mid    12 x 200, one credit note of 200 in June           2200  share before 78.9  A  Z (CV 0.30)
      small  3 x 600 in a currency at 2 per company unit         900  share before 93.4  B  X (new, 3 months)
      tiny   one invoice of 100 in March, plus a draft and a     100  share before 99.3  C  Z
             cancelled invoice that must not count
      gone   5000, archived afterwards: not in the client base
      old    a sale in 2022 only: no class
    Company 2: other 12 x 1000, mid 12 x 50 -> mid is C there.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.foreign = cls.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        cls.product = cls._create_product(name="Widget", lst_price=100.0, standard_price=40.0, taxes_id=[])
        Partner = cls.env["res.partner"]
        cls.big, cls.mid, cls.small, cls.tiny, cls.gone, cls.old, cls.other = Partner.create(
            [{"name": name, "is_company": True} for name in ("Big", "Mid", "Small", "Tiny", "Gone", "Old", "Other")]
        )
        cls.big_contact = Partner.create({"name": "Alice", "parent_id": cls.big.id})
        invoices = [(cls.big_contact if i % 2 else cls.big, day, 1000.0) for i, day in enumerate(monthly())]
        invoices += [(cls.mid, day, 200.0) for day in monthly()]
        invoices += [(cls.tiny, date(2024, 3, 5), 100.0), (cls.gone, date(2024, 5, 5), 5000.0)]
        invoices += [(cls.old, date(2022, 4, 1), 700.0)]
        cls._post(cls._invoices(cls.company, invoices))
        cls._post(cls._invoices(cls.company, [(cls.mid, date(2024, 6, 20), 200.0)], move_type="out_refund"))
        cls._post(
            cls._invoices(
                cls.company,
                [(cls.small, date(2024, month, 3), 600.0) for month in (10, 11, 12)],
                currency=cls.foreign,
            )
        )
        cls._invoices(cls.company, [(cls.tiny, date(2024, 4, 1), 10000.0)])  # draft
        cls._post(cls._invoices(cls.company, [(cls.tiny, date(2024, 5, 1), 10000.0)])).button_cancel()
        cls._post(
            cls._invoices(
                cls.company_2,
                [(cls.other, day, 1000.0) for day in monthly()] + [(cls.mid, day, 50.0) for day in monthly()],
            )
        )
        cls.gone.action_archive()
        cls.salesman = new_test_user(
            cls.env,
            login="seg_salesman",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
            company_id=cls.company.id,
        )
        cls.seg_manager = new_test_user(
            cls.env,
            login="seg_manager",
            groups="sales_team.group_sale_manager",
            company_id=cls.company.id,
        )

    @classmethod
    def _invoices(cls, company, rows, move_type="out_invoice", currency=None):
        """One invoice of one unit of the product per (customer, date, amount)."""
        rows = [(partner, day, [(cls.product, 1, amount)]) for partner, day, amount in rows]
        return customer_invoices(cls.env, company, rows, move_type, currency)

    @classmethod
    def _post(cls, moves):
        moves.action_post()
        return moves

    def _recompute(self, companies=None, run_date=RUN_DATE):
        with freeze_time(run_date):
            (companies or self.company).action_recompute_customer_classification()

    def _classes(self, partner, company=None):
        partner = partner.with_company(company or self.company)
        return partner.abc_class, partner.xyz_class, partner.abc_xyz_class

    def test_classes_on_real_invoices(self):
        self._recompute()
        self.assertEqual(self._classes(self.big), ("A", "X", "AX"))
        self.assertEqual(self._classes(self.mid), ("A", "Z", "AZ"))
        self.assertEqual(self._classes(self.small), ("B", "X", "BX"))
        self.assertEqual(self._classes(self.tiny), ("C", "Z", "CZ"))
        self.assertEqual(self._classes(self.old), (False, False, False))
        self.assertEqual(self._classes(self.big_contact), (False, False, False), "classes live on the company")

    def test_figures_refunds_currency_and_contacts(self):
        self._recompute()
        big = self.big.with_company(self.company)
        self.assertEqual(big.classification_revenue, 12000.0, "the contact's invoices count for its company")
        self.assertEqual(big.classification_margin, 12000.0 - 12 * 40.0)
        self.assertEqual(big.purchase_month_count, 12)
        self.assertEqual(big.first_purchase_date, date(2024, 1, 10))
        mid = self.mid.with_company(self.company)
        self.assertEqual(mid.classification_revenue, 2200.0, "the credit note nets out")
        self.assertEqual(mid.classification_document_count, 12)
        self.assertAlmostEqual(mid.xyz_variation, 0.3015, places=4)
        self.assertAlmostEqual(mid.abc_share, 2200 / 15200 * 100, places=3)
        self.assertAlmostEqual(mid.abc_cumulative_share, 14200 / 15200 * 100, places=3)
        small = self.small.with_company(self.company)
        self.assertEqual(small.classification_revenue, 900.0, "converted to company currency")
        self.assertEqual(small.first_purchase_date, date(2024, 10, 3))
        tiny = self.tiny.with_company(self.company)
        self.assertEqual(tiny.classification_revenue, 100.0, "draft and cancelled invoices never count")
        old = self.old.with_company(self.company)
        self.assertEqual(old.last_purchase_date, date(2022, 4, 1))
        self.assertEqual(old.classification_revenue, 0.0)

    def test_documents_are_the_sums_of_their_sale_lines(self):
        """The documents of the invoices are summed from their lines before
        they meet the invoice (customer.sales.source._invoice_documents):
        the same rows as the sale lines summed per document, with the costs
        frozen or not, the credit notes netted or left out, also once the
        sales journal became another kind of journal; a vendor bill of the
        same product is no sale."""
        Source = self.env["customer.sales.source"]
        bill = customer_invoices(
            self.env, self.company, [(self.big, date(2024, 6, 1), [(self.product, 1, 70.0)])], move_type="in_invoice"
        )
        self._post(bill)

        def documents(company):
            self.env.flush_all()
            rows = self.env.execute_query(
                SQL("SELECT * FROM (%s) AS document ORDER BY document_id", Source._sale_documents(company))
            )
            by_lines = self.env.execute_query(
                SQL(
                    """
                    SELECT document_id, MIN(partner_id), MIN(date), bool_or(is_refund),
                           SUM(revenue), SUM(revenue - cost)
                      FROM (%s) AS line GROUP BY document_id ORDER BY document_id
                    """,
                    Source._sale_lines(company),
                )
            )
            self.assertEqual(rows, by_lines)
            return rows

        self.assertEqual(len(documents(self.company_2)), 24)
        mid = [row[1:] for row in documents(self.company) if row[1] == self.mid.id]
        self.assertEqual(len(mid), 13)
        self.assertIn((self.mid.id, date(2024, 6, 20), True, -200, -160), mid, "a credit note nets its cost")
        self._recompute()  # the costs of the months sold are frozen at 40
        self.product.with_company(self.company).standard_price = 55.0
        self.assertIn((self.mid.id, date(2024, 6, 20), True, -200, -160), [row[1:] for row in documents(self.company)])
        sales_journal = self.company_data["default_journal_sale"]
        self.env.cr.execute(SQL("UPDATE account_journal SET type = 'general' WHERE id = %s", sales_journal.id))
        self.assertNotIn(bill.id, [row[0] for row in documents(self.company)])
        self.assertEqual(len([row for row in documents(self.company) if row[1] == self.mid.id]), 13)
        self.company.segmentation_ignore_refunds = True
        self.assertEqual(len([row for row in documents(self.company) if row[1] == self.mid.id]), 12)
        asked = Source._sale_documents(self.company, [bill.id, self.small.invoice_ids[0].id])
        asked_rows = self.env.execute_query(SQL("SELECT partner_id, revenue FROM (%s) AS document", asked))
        self.assertEqual(asked_rows, [(self.small.id, 300)], "a bill asked for is no sale")

    def test_archived_customer_is_not_ranked(self):
        self._recompute()
        gone = self.gone.with_context(active_test=False).with_company(self.company)
        self.assertFalse(gone.abc_class)
        self.assertFalse(gone.classification_revenue)

    def test_two_companies_sharing_a_customer(self):
        self._recompute(self.company | self.company_2)
        self.assertEqual(self._classes(self.mid, self.company), ("A", "Z", "AZ"))
        self.assertEqual(self._classes(self.mid, self.company_2), ("C", "X", "CX"))
        self.assertEqual(self._classes(self.other, self.company_2), ("A", "X", "AX"))
        self.assertEqual(self._classes(self.other, self.company), (False, False, False))
        Partner = self.env["res.partner"].with_company(self.company_2)
        self.assertEqual(Partner.search([("abc_class", "=", "C"), ("id", "in", self.mid.ids)]), self.mid)
        groups = dict(Partner._read_group([("id", "in", (self.mid | self.other).ids)], ["abc_class"], ["__count"]))
        self.assertEqual(groups, {"A": 1, "C": 1})

    def test_second_run_writes_nothing_and_history_follows_changes(self):
        History = self.env["customer.classification.history"]
        self._recompute()
        first = History.search([("partner_id", "=", self.mid.id), ("company_id", "=", self.company.id)])
        self.assertRecordValues(
            first, [{"old_abc_class": False, "new_abc_class": "A", "new_xyz_class": "Z", "date": RUN_DATE}]
        )
        history_count = History.search_count([])
        with freeze_time(RUN_DATE):
            stats = self.env["customer.classification"]._run(self.company)
        self.assertEqual(stats["written"], 0)
        self.assertEqual(History.search_count([]), history_count)

        # a big new invoice for tiny in January 2025 moves it up a month later
        # (its window is now February 2024 to January 2025: 100 + 30000)
        self._post(self._invoices(self.company, [(self.tiny, date(2025, 1, 20), 30000.0)]))
        self._recompute(run_date=date(2025, 2, 15))
        tiny = self.tiny.with_company(self.company)
        self.assertEqual(tiny.abc_class, "A")
        self.assertEqual(tiny.class_change_date, date(2025, 2, 15))
        change = History.search([("partner_id", "=", self.tiny.id)], limit=1)
        self.assertRecordValues(change, [{"old_abc_class": "C", "new_abc_class": "A", "metric_value": 30100.0}])
        # big loses its January sale: 11 x 1000 then 0 -> CV 0.30, Z; mid falls to B, small to C
        self.assertRecordValues(
            History.search([("partner_id", "=", self.big.id)], limit=1),
            [{"old_abc_class": "A", "new_abc_class": "A", "old_xyz_class": "X", "new_xyz_class": "Z"}],
        )
        self.assertEqual(History.search_count([("date", "=", date(2025, 2, 15))]), 4)
        self.assertEqual(
            (self.mid.with_company(self.company).abc_class, self.small.with_company(self.company).abc_class),
            ("B", "C"),
        )

    def test_margin_and_count_metrics(self):
        self.company.segmentation_abc_metric = "count"
        self._recompute()
        self.assertEqual(self.big.with_company(self.company).abc_metric_value, 12)
        self.assertEqual(self.tiny.with_company(self.company).abc_metric_value, 1)
        self.company.segmentation_abc_metric = "margin"
        # a free product still costs: 100 of revenue, two widgets at 40
        self._post(self._invoices(self.company, [(self.tiny, date(2024, 8, 1), 0.0)]))
        self._recompute()
        self.assertEqual(self.mid.with_company(self.company).abc_metric_value, 2200.0 - 11 * 40.0)
        self.assertEqual(self.tiny.with_company(self.company).abc_metric_value, 100.0 - 2 * 40.0)

    def test_refunds_can_be_left_out(self):
        self.company.segmentation_ignore_refunds = True
        self._recompute()
        self.assertEqual(self.mid.with_company(self.company).classification_revenue, 2400.0)
        self.assertEqual(self.mid.with_company(self.company).xyz_class, "X")

    def test_confirmed_sales_orders_as_source(self):
        self.company.segmentation_sales_source = "order"
        order = confirmed_order(self.env, self.tiny, self.product, 500.0, "2024-06-10 10:00:00")
        draft = order.copy()
        draft.date_order = "2024-07-10 10:00:00"
        self._recompute()
        tiny = self.tiny.with_company(self.company)
        self.assertEqual(tiny.classification_revenue, 500.0, "only the confirmed order counts")
        self.assertEqual(tiny.abc_class, "A")
        self.assertFalse(self.big.with_company(self.company).abc_class, "invoices do not count any more")

    def test_manual_override(self):
        self._recompute()
        tiny = self.tiny.with_user(self.seg_manager).with_company(self.company)
        tiny.abc_class_manual = "A"
        self.assertEqual((tiny.abc_class, tiny.abc_class_computed, tiny.abc_xyz_class), ("A", "C", "AZ"))
        self.assertTrue(tiny.abc_class_overridden)
        overridden = self.env["res.partner"].search([("abc_class_overridden", "=", True)])
        self.assertEqual(overridden, self.tiny)
        self._recompute()
        self.assertEqual(tiny.abc_class, "A", "manual wins over the next run")
        tiny.abc_class_manual = False
        self.assertEqual((tiny.abc_class, tiny.abc_xyz_class), ("C", "CZ"))
        self.assertFalse(tiny.abc_class_overridden)

    def test_salesperson_reads_but_cannot_change(self):
        self._recompute()
        big = self.big.with_user(self.salesman).with_company(self.company)
        self.assertEqual(big.abc_xyz_class, "AX")
        self.assertEqual(
            self.env["res.partner"].with_user(self.salesman).search([("abc_class", "=", "A"), ("id", "=", big.id)]),
            big,
        )
        with self.assertRaises(AccessError):
            big.write({"abc_class_manual": "C"})
        with self.assertRaises(AccessError):
            big.write({"abc_class": "C"})
        self.env["res.partner"].with_user(self.salesman).create({"name": "Plain customer"})  # may create customers
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.salesman).create({"name": "Self-made A", "abc_class": "A"})
        with self.assertRaises(AccessError):
            self.company.with_user(self.salesman).action_recompute_customer_classification()
        with self.assertRaises(AccessError):
            self.company.with_user(self.salesman).write({"segmentation_abc_threshold_a": 70.0})
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.salesman).create({})
        self.assertEqual(big.abc_class, "A")

    def test_settings_validation_changes_nothing(self):
        for values in (
            {"segmentation_abc_threshold_a": 96.0},
            {"segmentation_abc_threshold_b": 100.0},
            {"segmentation_abc_threshold_a": 0.0},
            {"segmentation_xyz_threshold_x": 30.0},
            {"segmentation_abc_window_months": 0},
            {"segmentation_min_history_months": 0},
            {"segmentation_min_history_months": 13},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                with self.env.cr.savepoint():
                    self.company.write(values)
        self.assertEqual(self.company.segmentation_abc_threshold_a, 80.0)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.env["res.config.settings"].create({"segmentation_abc_threshold_a": 99.0}).execute()
        self.company.invalidate_recordset()
        self.assertEqual(self.company.segmentation_abc_threshold_a, 80.0)

    def _run_scheduled_action(self, when=RUN_DATE):
        """The scheduled classification as a cron worker runs it, each
        company committed on its own."""
        with freeze_time(when), self.enter_registry_test_mode():
            self.env.ref(CRON).method_direct_trigger()
        self.env.invalidate_all()

    def _on_demand_only(self):
        """Every company leaves the schedule: only what is asked runs."""
        self.env["res.company"].search([]).segmentation_on_demand_only = True

    def test_recompute_now_queues_the_run_for_the_scheduled_action(self):
        """The Settings button saves the settings and returns at once, the
        run queued; the scheduled action, woken up, classifies the company,
        clears the request and keeps what the run found."""
        self._on_demand_only()
        settings = self.env["res.config.settings"].create({"segmentation_abc_threshold_a": 70.0})
        with freeze_time(RUN_DATE), self.capture_triggers(CRON) as triggers:
            action = settings.action_queue_customer_classification()
        self.assertEqual(action["params"]["title"], "Classification queued")
        self.assertEqual(self.company.segmentation_abc_threshold_a, 70.0, "pending settings are saved first")
        self.assertEqual(self._classes(self.big), (False, False, False), "nothing is classified in the request")
        self.assertFalse(self.company.segmentation_last_run)
        self.assertEqual(triggers.records.call_at, datetime(2025, 1, 15), "the scheduled action is woken up now")
        self.assertRecordValues(
            self.company,
            [
                {
                    "segmentation_run_requested": "recompute",
                    "segmentation_run_requester_id": self.env.user.id,
                    "segmentation_run_requested_at": datetime(2025, 1, 15),
                }
            ],
        )
        status = self.env["res.config.settings"].create({}).segmentation_run_status
        self.assertRegex(status, rf"^Recompute queued on .*2025.* by {re.escape(self.env.user.name)}\.$")

        self._run_scheduled_action()
        # with A up to 70 %: big (share before 0) A, mid (78.9) B, small (93.4) B, tiny C
        self.assertEqual(
            [self._classes(partner)[2] for partner in (self.big, self.mid, self.small, self.tiny)],
            ["AX", "BZ", "BX", "CZ"],
        )
        self.assertRecordValues(self.company, [dict.fromkeys(REQUEST, False)])
        self.assertTrue(self.company.segmentation_last_run)
        self.assertFalse(self.company_2.segmentation_last_run, "nobody asked for company 2")
        settings = self.env["res.config.settings"].create({})
        self.assertFalse(settings.segmentation_run_status)
        # big, mid, small, tiny and old (a sale in 2022, no class) are classified, all rows new
        self.assertEqual(
            settings.segmentation_last_result,
            "5 customers with sales classified, 4 of them in a cell of the matrix (the others have no ABC or no "
            "XYZ class yet); 5 updated.",
        )
        self.assertEqual(
            (settings.segmentation_count_a, settings.segmentation_count_b, settings.segmentation_count_c), (1, 2, 1)
        )
        self.assertEqual(settings.segmentation_count_x, 2)

    def test_queued_rebuild_rebuilds(self):
        self._on_demand_only()
        self.company.action_queue_customer_classification()
        self.company.action_queue_customer_analyses_rebuild()
        self.assertEqual(self.company.segmentation_run_requested, "rebuild", "a rebuild replaces a recompute")
        self.company.action_queue_customer_classification()
        self.assertEqual(self.company.segmentation_run_requested, "rebuild", "and does what it would")
        ResCompany = self.env.registry["res.company"]
        rebuild = ResCompany._rebuild_customer_analyses
        rebuilt = []

        def spy(company):
            rebuilt.append(company)
            return rebuild(company)

        with patch.object(ResCompany, "_rebuild_customer_analyses", spy):
            self._run_scheduled_action()
        self.assertEqual(rebuilt, [self.company])
        self.assertEqual(self._classes(self.big), ("A", "X", "AX"))
        self.assertFalse(self.company.segmentation_run_requested)

    def test_a_busy_company_stays_queued_and_the_action_comes_back_for_it(self):
        """A company another transaction holds (a run started by code, the
        mining) is left queued, without an error, and the scheduled action
        triggers itself a minute later to take it then."""
        self._on_demand_only()
        self.company.action_queue_customer_classification()
        ResCompany = self.env.registry["res.company"]
        lock = ResCompany.lock_for_update

        def held_elsewhere(records, *, allow_referencing=False):
            if self.company in records:
                raise LockError("held by another transaction")
            return lock(records, allow_referencing=allow_referencing)

        with patch.object(ResCompany, "lock_for_update", held_elsewhere), self.capture_triggers(CRON) as triggers:
            self._run_scheduled_action()
        self.assertEqual(self._classes(self.big), (False, False, False))
        self.assertEqual(self.company.segmentation_run_requested, "recompute")
        self.assertFalse(self.company.segmentation_last_error)
        self.assertEqual(self.company._run_state("segmentation"), "queued")
        self.assertEqual(triggers.records.call_at, datetime(2025, 1, 15, 0, 1))
        # a minute later the company is free
        self._run_scheduled_action(datetime(2025, 1, 15, 0, 1))
        self.assertEqual(self._classes(self.big), ("A", "X", "AX"))
        self.assertFalse(self.company.segmentation_run_requested)

    def test_recompute_now_on_a_busy_company_says_so_at_once(self):
        """Rather than wait for the run that holds the company to end."""
        # another transaction can only lock a committed company: the main one
        main_company = self.env.ref("base.main_company")
        with self.env.registry.cursor() as other_cr:
            other_cr.execute("SELECT id FROM res_company WHERE id = %s FOR NO KEY UPDATE", [main_company.id])
            with self.assertRaisesRegex(LockError, f"{main_company.name} is busy with a run"):
                main_company.sudo().action_queue_customer_classification()

    def test_nothing_is_queued_for_an_archived_scheduled_action(self):
        self.env.ref(CRON).active = False
        with self.assertRaisesRegex(UserError, "is archived, so nothing would run what you ask"):
            self.company.action_queue_customer_classification()
        self.assertFalse(self.company.segmentation_run_requested)

    def test_a_run_killed_midway_leaves_the_request_queued(self):
        """The run's results and the clearing of its request are committed
        together: a worker killed before that commit keeps neither, and the
        next run takes the request. Settings still show the killed run
        started."""
        self._on_demand_only()
        self.company.action_queue_customer_classification()
        ResCompany = self.env.registry["res.company"]

        def killed_after_classifying(company):
            company.env["customer.classification"]._run(company)
            raise WorkerKilled

        with patch.object(ResCompany, "_recompute_customer_classification", killed_after_classifying):
            # not assertRaises, which rolls back what the run committed
            killed = False
            try:
                self._run_scheduled_action()
            except WorkerKilled:
                killed = True
        self.assertTrue(killed)
        self.env.invalidate_all()
        self.assertEqual(self._classes(self.big), (False, False, False), "nothing of the run is kept")
        self.assertEqual(self.company.segmentation_run_requested, "recompute")
        self.assertEqual(self.company.segmentation_run_started, datetime(2025, 1, 15))
        self.assertEqual(self.company._run_state("segmentation"), "running")
        self._run_scheduled_action()
        self.assertEqual(self._classes(self.big), ("A", "X", "AX"))
        self.assertFalse(self.company.segmentation_run_requested)
        self.assertFalse(self.company._run_state("segmentation"))

    def test_a_woken_action_runs_the_schedule_once(self):
        """Woken up between two scheduled times, the action runs what was
        asked and the companies the last scheduled time has not reached yet,
        not the others again."""
        self.env["res.company"].search([("id", "not in", (self.company | self.company_2).ids)]).write(
            {"segmentation_on_demand_only": True}
        )
        self.env.ref(CRON).write({"nextcall": datetime(2025, 1, 16, 2), "interval_number": 1, "interval_type": "days"})
        self.company.segmentation_run_started = datetime(2025, 1, 14, 2)
        self.company_2.segmentation_run_started = datetime(2025, 1, 15, 2)
        self._run_scheduled_action(datetime(2025, 1, 15, 10))
        self.assertEqual(self._classes(self.big), ("A", "X", "AX"), "started before 02:00 today: its turn")
        self.assertEqual(self.company.segmentation_run_started, datetime(2025, 1, 15, 10))
        self.assertFalse(self.company_2.segmentation_last_run, "started at 02:00 today: done for this schedule")

    def test_merged_customers(self):
        self._recompute()
        wizard = self.env["base.partner.merge.automatic.wizard"]
        wizard._merge((self.tiny | self.small).ids, self.small, extra_checks=False)
        self._recompute()
        small = self.small.with_company(self.company)
        self.assertEqual(small.classification_revenue, 1000.0, "the merged sales count for the destination")
        self.assertFalse(self.tiny.exists())

    def test_concurrent_run_is_refused(self):
        # another transaction can only lock a committed company: the main one
        main_company = self.env.ref("base.main_company")
        with self.env.registry.cursor() as other_cr:
            other_cr.execute("SET LOCAL lock_timeout = '5s'")
            other_cr.execute("SELECT id FROM res_company WHERE id = %s FOR NO KEY UPDATE", [main_company.id])
            with self.assertRaises(UserError), mute_logger("odoo.sql_db"):
                self._recompute(main_company)

    def test_cron_goes_on_after_a_failing_company(self):
        Classification = self.env.registry["customer.classification"]
        run = Classification._run

        def failing_for_company_1(this, company, run_date=None, rebuild=False):
            if company == self.company:
                this.env.cr.execute(
                    "UPDATE res_partner SET abc_class = jsonb_build_object(%s, 'C') WHERE id = %s",
                    [str(company.id), self.big.id],
                )
                raise ValueError("broken data in company 1")
            return run(this, company, run_date, rebuild)

        cron = self.env.ref("customer_segmentation.ir_cron_recompute_customer_classification")
        with (
            patch.object(Classification, "_run", failing_for_company_1),
            freeze_time(RUN_DATE),
            self.enter_registry_test_mode(),
            self.assertLogs("odoo.addons.customer_segmentation.tools.cron", "ERROR") as logs,
        ):
            cron.method_direct_trigger()
        self.assertIn(f"Customer classification of company {self.company.id} failed", logs.output[0])
        self.env.invalidate_all()
        # what the administrator reads: no raw error text, where to find it
        self.assertEqual(
            self.company.segmentation_last_error,
            "The run stopped on an unexpected error (ValueError). Nothing of this run was saved; the server log has "
            "the details.",
        )
        self.assertFalse(self.company.segmentation_last_run)
        self.assertEqual(self._classes(self.other, self.company_2), ("A", "X", "AX"))
        self.assertTrue(self.company_2.segmentation_last_run)
        self.assertEqual(self.big.with_company(self.company).abc_class, False, "company 1 is rolled back whole")

    def test_settings_ask_whether_to_run_on_schedule(self):
        """The checkboxes say what checking them does: run on schedule."""
        Settings = self.env["res.config.settings"].with_company(self.company)
        settings = Settings.create({})
        self.assertTrue(settings.segmentation_scheduled and settings.crosssell_scheduled)
        settings.write({"segmentation_scheduled": False, "crosssell_scheduled": False})
        settings.execute()
        self.assertTrue(self.company.segmentation_on_demand_only and self.company.crosssell_on_demand_only)
        self.assertFalse(Settings.create({}).segmentation_scheduled)
        cron = self.env.ref("customer_segmentation.ir_cron_recompute_customer_classification")
        self.assertNotIn(self.company, self.company.search([("segmentation_on_demand_only", "=", False)]), cron.name)

    def test_settings_left_empty_mean_the_defaults(self):
        """A company created while this addon's Python is not loaded (other
        modules' tests, SQL) has NULL settings: it classifies as by default."""
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE res_company SET segmentation_sales_source = NULL, segmentation_abc_metric = NULL,
                      segmentation_abc_window_months = NULL, segmentation_xyz_window_months = NULL,
                      segmentation_abc_threshold_a = NULL, segmentation_abc_threshold_b = NULL,
                      segmentation_xyz_threshold_x = NULL, segmentation_xyz_threshold_y = NULL,
                      segmentation_min_history_months = NULL, segmentation_ignore_refunds = NULL,
                      segmentation_on_demand_only = NULL
                WHERE id = %s""",
            [self.company.id],
        )
        self.company.invalidate_recordset()
        self._recompute()
        self.assertEqual(self._classes(self.mid), ("A", "Z", "AZ"))
        self.assertEqual(self.mid.with_company(self.company).classification_revenue, 2200.0)
        self.assertIn(self.company, self.company.search([("segmentation_on_demand_only", "=", False)]))

    def test_settings_broken_behind_the_form_are_refused_at_run_time(self):
        self._recompute()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_company SET segmentation_abc_threshold_a = 99, segmentation_abc_threshold_b = 50 WHERE id = %s",
            [self.company.id],
        )
        self.company.invalidate_recordset()
        with self.assertRaisesRegex(ValidationError, "0 < A < B < 100"), self.env.cr.savepoint():
            self._recompute()
        self.assertEqual(self._classes(self.tiny), ("C", "Z", "CZ"), "nothing is rewritten")
        with self.assertRaisesRegex(ValidationError, "from 1 to 120 months"), self.env.cr.savepoint():
            self.company.segmentation_abc_window_months = 100000

    def test_margin_is_exact_and_a_rerun_writes_nothing(self):
        """50 lines at 20.00 with a cost of 13.3333: the margin is exactly
        333.335, 333.34 once rounded; summed as floats it is 333.33499...,
        and a second run that adds the rows in another order must not
        flip it."""
        self.env.ref("product.decimal_price").digits = 4
        fine = self._create_product(name="Fine cost", lst_price=20.0, standard_price=13.3333, taxes_id=[])
        buyer = self.env["res.partner"].create({"name": "Exact", "is_company": True})
        self._post(
            customer_invoices(
                self.env, self.company, [(buyer, date(2024, month, 5), [(fine, 1, 20.0)] * 5) for month in range(1, 11)]
            )
        )
        self.company.segmentation_abc_metric = "margin"
        self._recompute()
        buyer = buyer.with_company(self.company)
        self.assertEqual(buyer.classification_margin, 333.34)
        self.assertEqual(buyer.abc_metric_value, 333.34)
        # rewrite half of the lines: PostgreSQL now reads them in another order
        self.env.cr.execute(
            "UPDATE account_move_line SET sequence = sequence WHERE move_id IN %s AND id %% 2 = 0",
            [tuple(self.env["account.move"].search([("partner_id", "=", buyer.id)]).ids)],
        )
        history = self.env["customer.classification.history"].search_count([])
        with freeze_time(RUN_DATE):
            stats = self.env["customer.classification"]._run(self.company)
        self.assertEqual(stats["written"], 0)
        self.assertEqual(self.env["customer.classification.history"].search_count([]), history)

    def test_scheduled_run_skips_a_company_being_classified(self):
        """ "Recompute now" holds a company: the nightly run logs it, leaves it
        for the next run without an error and goes on.

        Another transaction can only hold a committed company, one the
        database already had, whatever its last run left on it (a demo
        database's first classification, a real company's last night): the
        run must leave that as it was, not make it empty."""
        cron = self.env.ref("customer_segmentation.ir_cron_recompute_customer_classification")
        # the schedule came after every run the database holds (a demo
        # database classified its companies when it was made): each company
        # the schedule reaches is due, the busy one included
        cron.nextcall = datetime(2099, 1, 2)
        last_run = ["segmentation_last_run", "segmentation_last_error"]
        with self.env.registry.cursor() as other_cr:
            # the first committed company the nightly run classifies
            other_cr.execute(
                """SELECT id FROM res_company WHERE segmentation_on_demand_only IS NOT TRUE
                    ORDER BY id LIMIT 1 FOR NO KEY UPDATE"""
            )
            busy = self.env["res.company"].browse(other_cr.fetchone()[0])
            before = busy.read(last_run)
            with freeze_time(RUN_DATE), self.enter_registry_test_mode(), self.capture_triggers(CRON) as triggers:
                cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(busy.read(last_run), before, "neither a run time nor an error: left for the next run")
        self.assertEqual(self._classes(self.other, self.company_2), ("A", "X", "AX"))
        self.assertEqual(triggers.records.call_at, datetime(2025, 1, 15, 0, 1), "the next run comes in a minute")

    def test_days_since_last_purchase(self):
        self._recompute()
        Partner = self.env["res.partner"].with_company(self.company)
        never = Partner.create({"name": "Never bought", "is_company": True})
        candidates = [("id", "in", (self.tiny | self.old | self.big | never).ids)]
        with freeze_time("2025-01-15"):
            self.assertEqual(self.tiny.with_company(self.company).days_since_last_purchase, 316)  # 2024-03-05
            self.assertFalse(never.days_since_last_purchase)
            long_ago = Partner.search([*candidates, ("days_since_last_purchase", ">", 300)])
            self.assertEqual(long_ago, self.tiny | self.old)
            self.assertEqual(Partner.search([*candidates, ("days_since_last_purchase", "<", 100)]), self.big)
            self.assertEqual(Partner.search([*candidates, ("days_since_last_purchase", "=", False)]), never)
            self.assertEqual(Partner.search([*candidates, ("days_since_last_purchase", "=", 316)]), self.tiny)
