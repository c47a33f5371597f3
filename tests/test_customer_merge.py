from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SegmentationTestCase, customer_invoices

RUN_DATE = date(2025, 4, 15)
JANUARY, FEBRUARY = date(2025, 1, 1), date(2025, 2, 1)


@tagged("post_install", "-at_install")
class TestCustomerMerge(SegmentationTestCase):
    """Alpha and Beta both buy in January 2025 (100 and 50, cost 40 a
    unit); Beta again in February (70) and, in the second company, in
    January (30). Each has a plan for the first quarter (300 and 100).
    Merging Beta into Alpha must leave Alpha with what a run from scratch
    gives: January 150 over two invoices, February 70, 30 in the second
    company, one plan of 400 against an actual of 220."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls._create_product(name="Merge Paper", lst_price=10.0, standard_price=4.0, taxes_id=[])
        cls.alpha, cls.beta, cls.gamma = cls.env["res.partner"].create(
            [{"name": name, "is_company": True} for name in ("Alpha", "Beta", "Gamma")]
        )
        p = cls.product
        customer_invoices(
            cls.env,
            cls.company,
            [
                (cls.alpha, date(2025, 1, 10), [(p, 10, 10.0)]),
                (cls.beta, date(2025, 1, 20), [(p, 5, 10.0)]),
                (cls.beta, date(2025, 2, 5), [(p, 7, 10.0)]),
                (cls.gamma, date(2025, 1, 5), [(p, 1, 10.0)]),
            ],
        ).action_post()
        p.with_company(cls.company_2).standard_price = 4.0
        customer_invoices(cls.env, cls.company_2, [(cls.beta, date(2025, 1, 15), [(p, 3, 10.0)])]).action_post()
        Plan = cls.env["customer.sales.plan"]
        cls.alpha_plan, cls.beta_plan = Plan.create(
            [
                {"partner_id": partner.id, "period_type": "quarter", "date_start": JANUARY, "amount": amount}
                for partner, amount in ((cls.alpha, 300.0), (cls.beta, 100.0))
            ]
        )
        cls.gamma_plan = Plan.create(
            {"partner_id": cls.gamma.id, "period_type": "month", "date_start": FEBRUARY, "amount": 10.0}
        )

    def _recompute(self):
        with freeze_time(RUN_DATE):
            return (self.company | self.company_2).action_recompute_customer_classification()

    def _merge(self, partners, destination):
        with freeze_time(RUN_DATE):
            self.env["base.partner.merge.automatic.wizard"]._merge(partners.ids, destination, extra_checks=False)

    def _months(self, partner, company):
        rows = self.env["customer.sales.month"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id)]
        )
        return {row.month: (row.revenue, row.margin, row.document_count) for row in rows}

    def test_merge_adds_up_the_stored_analyses(self):
        self._recompute()
        self._merge(self.alpha | self.beta, self.alpha)
        self.assertFalse(self.beta.exists())
        self.assertEqual(self._months(self.alpha, self.company), {JANUARY: (150.0, 90.0, 2), FEBRUARY: (70.0, 42.0, 1)})
        self.assertEqual(self._months(self.alpha, self.company_2), {JANUARY: (30.0, 18.0, 1)})
        dynamics = self.env["customer.dynamics.report"].search(
            [("partner_id", "=", self.alpha.id), ("company_id", "=", self.company.id), ("period_kind", "=", "calendar")]
        )
        self.assertEqual({row.year: row.revenue for row in dynamics}, {2025: 220.0})
        # nothing counted twice: a run from the documents finds every row right
        with freeze_time(RUN_DATE):
            stats = self.company._recompute_customer_classification()
        self.assertEqual(stats["facts"]["months_written"], 0)
        self.assertEqual([stats["analyses"][key] for key in ("dynamics_written", "plans_written")], [0, 0])

    def test_merge_adds_up_plans_of_the_same_period(self):
        self._recompute()
        self._merge(self.alpha | self.beta, self.alpha)
        plans = self.env["customer.sales.plan"].search([("partner_id", "=", self.alpha.id)])
        self.assertEqual(plans, self.alpha_plan)
        self.assertFalse(self.beta_plan.exists())
        self.assertEqual(self.alpha_plan.amount, 400.0)
        self.assertRecordValues(
            self.env["customer.plan.actual.report"].search(
                [("partner_id", "=", self.alpha.id), ("company_id", "=", self.company.id)]
            ),
            [
                {
                    "plan_id": self.alpha_plan.id,
                    "planned_amount": 400.0,
                    "actual_amount": 220.0,
                    "achievement_percent": 55.0,
                }
            ],
        )

    def test_merge_refuses_plans_that_overlap_unequal(self):
        self._recompute()
        with self.assertRaises(UserError) as refused:
            self._merge(self.alpha | self.gamma, self.alpha)
        message = str(refused.exception)
        for words in ("Gamma", "02/01/2025 to 02/28/2025", "Alpha", "01/01/2025 to 03/31/2025"):
            self.assertIn(words, message)
        self.assertTrue(self.gamma.exists())
        self.assertEqual(self.gamma_plan.partner_id, self.gamma)
        self.assertEqual(self._months(self.gamma, self.company), {JANUARY: (10.0, 6.0, 1)})

    def test_merge_before_any_run(self):
        self._merge(self.alpha | self.beta, self.alpha)
        self._recompute()
        self.assertEqual(self._months(self.alpha, self.company), {JANUARY: (150.0, 90.0, 2), FEBRUARY: (70.0, 42.0, 1)})
