from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import SegmentationTestCase, customer_invoices
from .test_russian import _load_russian

RUN_DATE = date(2025, 1, 15)  # window: the 12 months of 2024
# customer: (mean monthly revenue, coefficient of variation); each buys
# mean * (1 - cv) in odd months and mean * (1 + cv) in even months of 2024
LEDGER = {
    "C1": (400, 0.05),
    "C2": (200, 0.08),
    "C3": (100, 0.12),
    "C4": (80, 0.2),
    "C5": (60, 0.3),
    "C6": (50, 0.4),
    "C7": (40, 0.5),
    "C8": (30, 0.6),
    "C9": (20, 0.7),
    "C10": (20, 0.9),
}


@tagged("post_install", "-at_install")
class TestClassLimits(SegmentationTestCase):
    """The ABC and XYZ methods on a known ledger of ten customers.

    Revenue 4800 2400 1200 960 720 600 480 360 240 240 (total 12000: 40, 20,
    10, 8, 6, 5, 4, 3, 2, 2 %), coefficients of variation as in LEDGER.

    ABC fixed (80/95): shares before 0 40 60 70 78 | 84 89 93 | 96 98:
    5 A, 3 B, 2 C. ABC computed: on the curve (k/10, cumulative share), the
    Pareto point, nearest to (0, 1), is at 3 customers (squared distances
    .37 .20 .18 .2084); the break-even point too (40, 20 and 10 reach the
    mean of 10); the point nearest to (0.3, 1) is at 4 (.09 .0584 .0656):
    A up to 70 %, B up to 78 %: 3 A, 1 B, 6 C.

    XYZ variation (10/25): .05 .08 X, .12 .2 Y, the rest Z. XYZ share
    (30/50/20): the 3 most regular X (up to 12 %), the next 5 Y (up to 60 %),
    2 Z.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        product = cls._create_product(name="Widget", lst_price=100.0, standard_price=40.0, taxes_id=[])
        cls.customers = cls.env["res.partner"].create([{"name": name, "is_company": True} for name in LEDGER])
        rows = []
        for customer, (mean, variation) in zip(cls.customers, LEDGER.values(), strict=True):
            for month in range(1, 13):
                amount = mean * (1 + variation) if month % 2 == 0 else mean * (1 - variation)
                rows.append((customer, date(2024, month, 10), [(product, 1, round(amount, 2))]))
        customer_invoices(cls.env, cls.company, rows).action_post()

    def _run(self):
        with freeze_time(RUN_DATE):
            return self.env["customer.classification"]._run(self.company)

    def _classes(self, field):
        return "".join(self.customers.with_company(self.company).mapped(field))

    def _settings(self):
        return self.env["res.config.settings"].with_company(self.company).create({})

    def test_fixed_limits(self):
        self._run()
        self.assertEqual(self._classes("abc_class"), "AAAAABBBCC")
        self.assertEqual(self._classes("xyz_class"), "XXYYZZZZZZ")
        self.assertEqual(
            self.company.segmentation_last_limits,
            {
                "abc_method": "fixed",
                "abc_threshold_a": 80.0,
                "abc_threshold_b": 95.0,
                "xyz_method": "variation",
                "xyz_threshold_x": 10.0,
                "xyz_threshold_y": 25.0,
            },
        )
        settings = self._settings()
        self.assertEqual(
            settings.segmentation_abc_limits_used,
            "A up to 80.00 %, B up to 95.00 % of the cumulative share (Fixed shares).",
        )
        self.assertEqual(
            settings.segmentation_xyz_limits_used,
            "X up to 10.00 %, Y up to 25.00 % coefficient of variation (Coefficient of variation).",
        )

    def test_computed_abc_and_xyz_by_share(self):
        self.company.write({"segmentation_abc_method": "computed", "segmentation_xyz_method": "share"})
        self._run()
        self.assertEqual(self._classes("abc_class"), "AAABCCCCCC")
        self.assertEqual(self._classes("xyz_class"), "XXXYYYYYZZ")
        self.assertEqual(self._classes("abc_xyz_class"), "AXAXAXBYCYCYCYCYCZCZ")
        self.assertEqual(
            self.company.segmentation_last_limits,
            {
                "abc_method": "computed",
                "abc_threshold_a": 70.0,
                "abc_threshold_b": 78.0,
                "xyz_method": "share",
                "xyz_threshold_x": 12.0,
                "xyz_threshold_y": 60.0,
            },
        )
        settings = self._settings()
        self.assertEqual(
            settings.segmentation_abc_limits_used,
            "A up to 70.00 %, B up to 78.00 % of the cumulative share (Computed from the data).",
        )
        self.assertEqual(
            settings.segmentation_xyz_limits_used,
            "X up to 12.00 %, Y up to 60.00 % coefficient of variation (Share of customers (30/50/20)).",
        )

    def test_rerun_with_computed_limits_writes_nothing(self):
        self.company.write({"segmentation_abc_method": "computed", "segmentation_xyz_method": "share"})
        self.assertEqual(self._run()["written"], 10)
        history = self.env["customer.classification.history"].search_count([("company_id", "=", self.company.id)])
        self.assertEqual(history, 10)
        stats = self._run()
        self.assertEqual((stats["written"], stats["changes"]), (0, 0))
        self.assertEqual(
            self.env["customer.classification.history"].search_count([("company_id", "=", self.company.id)]), history
        )

    def test_switching_method_reclassifies_with_history(self):
        self._run()
        self.company.segmentation_abc_method = "computed"
        self._run()
        # C4 and C5 fell from A, C6 to C8 from B: a history row each
        changes = self.env["customer.classification.history"].search(
            [("company_id", "=", self.company.id), ("old_abc_class", "!=", False)]
        )
        self.assertEqual(
            {(change.partner_id.name, change.old_abc_class, change.new_abc_class) for change in changes},
            {("C4", "A", "B"), ("C5", "A", "C"), ("C6", "B", "C"), ("C7", "B", "C"), ("C8", "B", "C")},
        )

    def test_thresholds_are_shown_only_for_their_method(self):
        # the whole settings form of the test company: other modules' onchanges
        # warn about its pricelists and cash basis taxes
        with mute_logger("odoo.tests.form.onchange"), Form(self._settings()) as settings:
            settings.segmentation_abc_threshold_a = 70.0
            settings.segmentation_xyz_threshold_x = 15.0
            settings.segmentation_abc_method = "computed"
            settings.segmentation_xyz_method = "share"
            for field in ("segmentation_abc_threshold_a", "segmentation_xyz_threshold_x"):
                with self.assertRaisesRegex(AssertionError, "invisible"):
                    setattr(settings, field, 50.0)
        settings.record.execute()
        self.assertEqual(
            (self.company.segmentation_abc_method, self.company.segmentation_abc_threshold_a),
            ("computed", 70.0),
        )
        self.assertEqual(
            (self.company.segmentation_xyz_method, self.company.segmentation_xyz_threshold_x), ("share", 15.0)
        )

    def test_unknown_method_behind_the_form_is_refused_at_run_time(self):
        self._run()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_company SET segmentation_abc_method = 'pareto', segmentation_xyz_method = 'cv' WHERE id = %s",
            [self.company.id],
        )
        self.company.invalidate_recordset()
        with self.assertRaises(ValidationError) as refused, self.env.cr.savepoint():
            self._run()
        self.assertEqual(
            str(refused.exception),
            f"Customer segmentation settings of {self.company.name}: Choose fixed shares or limits computed from the "
            "data for the ABC classes. Choose the coefficient of variation or the share of customers for the XYZ "
            "classes.",
        )
        self.assertEqual(self._classes("abc_class"), "AAAAABBBCC", "nothing is rewritten")

    def test_limits_and_refusal_read_in_russian(self):
        _load_russian(self.env)
        self.company.write({"segmentation_abc_method": "computed", "segmentation_xyz_method": "share"})
        self._run()
        settings = self.env["res.config.settings"].with_context(lang="ru_RU").with_company(self.company).create({})
        self.assertEqual(
            settings.segmentation_abc_limits_used,
            "A до 70,00 %, B до 78,00 % накопленной доли (Вычисленные по данным).",
        )
        self.assertEqual(
            settings.segmentation_xyz_limits_used,
            "X до 12,00 %, Y до 60,00 % коэффициента вариации (Доля клиентов (30/50/20)).",
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_company SET segmentation_abc_method = 'pareto' WHERE id = %s", [self.company.id]
        )
        self.company.invalidate_recordset()
        with self.assertRaises(ValidationError) as refused, self.env.cr.savepoint(), freeze_time(RUN_DATE):
            self.env["customer.classification"]._run(self.company.with_context(lang="ru_RU"))
        self.assertEqual(
            str(refused.exception),
            f"Настройки сегментации клиентов компании {self.company.name}: Выберите для классов ABC фиксированные "
            "доли или границы, вычисленные по данным.",
        )
