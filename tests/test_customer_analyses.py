from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import SegmentationTestCase, customer_invoices

FIRST_RUN = date(2025, 3, 1)
RUN_DATE = date(2025, 4, 15)
REPORT_MODELS = (
    "customer.dynamics.report",
    "customer.plan.actual.report",
    "customer.base.report",
    "customer.cell.transition.report",
    "customer.portfolio.report",
)
# groupings of the reports that every row fills
ALWAYS_SET = {
    "partner_id",
    "company_id",
    "period_kind",
    "period_type",
    "comparison",
    "from_cell",
    "to_cell",
    "movement",
}


@tagged("post_install", "-at_install")
class TestCustomerAnalyses(SegmentationTestCase):
    """Hand-checked analyses of two customers of one company (churn threshold
    6 months, product cost 40 until the first run, 60 afterwards):

      Cycle   100 in January and February 2024, 100 in March 2025: new in
              January 2024, lost in August 2024, returning in March 2025.
      Steady  100 every month from January 2024 to April 2025, except 80 in
              March 2025 (plan of March 2025: 100).

    August 2024: active at the start 2 (both), lost 1 -> churn 50 %.
    Invoices up to February 2025 are first aggregated at cost 40 (the first
    run): their margin stays 60 after the cost becomes 60.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls._create_product(name="Paper", lst_price=100.0, standard_price=40.0, taxes_id=[])
        cls.cycle, cls.steady = cls.env["res.partner"].create(
            [{"name": name, "is_company": True} for name in ("Cycle", "Steady")]
        )
        early = [(cls.cycle, date(2024, 1, 10), 100.0), (cls.cycle, date(2024, 2, 10), 100.0)]
        early += [(cls.steady, date(2024, month, 10), 100.0) for month in range(1, 13)]
        early += [(cls.steady, date(2025, month, 10), 100.0) for month in (1, 2)]
        cls._invoices(early).action_post()
        with freeze_time(FIRST_RUN):
            cls.company.action_recompute_customer_classification()
        cls.product.with_company(cls.company).standard_price = 60.0
        cls._invoices(
            [
                (cls.cycle, date(2025, 3, 10), 100.0),
                (cls.steady, date(2025, 3, 10), 80.0),
                (cls.steady, date(2025, 4, 10), 100.0),
            ]
        ).action_post()
        cls.plan = cls.env["customer.sales.plan"].create(
            {
                "partner_id": cls.steady.id,
                "period_type": "month",
                "date_start": date(2025, 3, 1),
                "amount": 100.0,
            }
        )

    @classmethod
    def _invoices(cls, rows):
        """One invoice of one unit of paper per (customer, date, amount)."""
        return customer_invoices(
            cls.env, cls.company, [(partner, day, [(cls.product, 1, amount)]) for partner, day, amount in rows]
        )

    def _recompute(self):
        with freeze_time(RUN_DATE):
            self.company.action_recompute_customer_classification()

    def _base(self, month, period_type="month"):
        """Totals of the client base of a period, as the pivot reads them."""
        [row] = self.env["customer.base.report"]._read_group(
            [("company_id", "=", self.company.id), ("period_type", "=", period_type), ("date", "=", month)],
            [],
            [
                "active_start_count:sum",
                "active_count:sum",
                "new_count:sum",
                "returning_count:sum",
                "lost_count:sum",
                "churn_rate:avg",
            ],
        )
        return list(row)

    def _review(self, user=None, lang="en_US"):
        Review = self.env["report.customer_segmentation.report_client_base_review"].with_context(lang=lang)
        if user:
            Review = Review.with_user(user)
        return Review._get_report_values(self.company.ids)["reviews"][self.company.id]

    def test_client_base_by_hand(self):
        self._recompute()
        # start, active, new, returning, lost, churn (none without customers at the start)
        self.assertEqual(self._base(date(2024, 1, 1)), [0, 2, 2, 0, 0, False])
        self.assertEqual(self._base(date(2024, 8, 1)), [2, 1, 0, 0, 1, 50.0])
        self.assertEqual(self._base(date(2025, 3, 1)), [1, 2, 0, 1, 0, 0.0])
        self.assertEqual(self._base(date(2024, 1, 1), "year"), [0, 1, 2, 0, 1, False])
        # the churn of a quarter is its losses over the customers active when it starts
        self.assertEqual(self._base(date(2024, 7, 1), "quarter"), [2, 1, 0, 0, 1, 50.0])
        partners = (self.cycle | self.steady).with_company(self.company)
        self.assertEqual(partners.mapped("lifecycle_status"), ["returned", "active"])
        self.assertEqual(
            self.env["res.partner"].with_company(self.company).search([("lifecycle_status", "=", "returned")]),
            self.cycle,
        )

    def test_cost_at_the_time_of_sale(self):
        self._recompute()
        months = self.env["customer.sales.month"].search([("partner_id", "=", self.steady.id)])
        margins = {month.month: month.margin for month in months}
        self.assertEqual(margins[date(2024, 1, 1)], 60.0)  # cost 40 when first aggregated
        self.assertEqual(margins[date(2025, 2, 1)], 60.0)
        self.assertEqual(margins[date(2025, 3, 1)], 20.0)  # 80 - 60
        self.assertEqual(margins[date(2025, 4, 1)], 40.0)
        # the classification reads the same costs: April 2024 .. March 2025
        self.assertEqual(self.steady.with_company(self.company).classification_margin, 11 * 60.0 + 20.0)
        frozen = self.env["customer.product.cost"].search([("company_id", "=", self.company.id)])
        self.assertEqual(
            {(cost.month, cost.unit_cost) for cost in frozen if cost.month in (date(2024, 1, 1), date(2025, 3, 1))},
            {(date(2024, 1, 1), 40.0), (date(2025, 3, 1), 60.0)},
        )

    def test_plan_against_actual(self):
        self._recompute()
        Report = self.env["customer.plan.actual.report"]
        planned = Report.search([("plan_id", "=", self.plan.id)])
        self.assertRecordValues(
            planned,
            [
                {
                    "partner_id": self.steady.id,
                    "planned_amount": 100.0,
                    "actual_amount": 80.0,
                    "gap_amount": 20.0,
                    "achievement_percent": 80.0,
                }
            ],
        )
        # a plan edited shows at once, and a plan removed leaves the month unplanned
        self.plan.amount = 200.0
        self.assertRecordValues(
            Report.search([("plan_id", "=", self.plan.id)]),
            [{"planned_amount": 200.0, "actual_amount": 80.0, "gap_amount": 120.0, "achievement_percent": 40.0}],
        )
        self.plan.amount = 100.0
        # Cycle bought in March without a plan: plan 0
        unplanned = Report.search([("partner_id", "=", self.cycle.id), ("date_start", "=", date(2025, 3, 1))])
        self.assertRecordValues(unplanned, [{"is_planned": False, "planned_amount": 0.0, "actual_amount": 100.0}])
        [(achievement, gap)] = Report._read_group(
            [("company_id", "=", self.company.id), ("date_start", "=", date(2025, 3, 1))],
            [],
            ["achievement_percent:avg", "gap_amount:sum"],
        )
        # the group's actual (Steady's 80 and Cycle's unplanned 100) over its plan, as its gap
        self.assertEqual((achievement, gap), (180.0, -80.0))
        plan_id = self.plan.id
        self.plan.unlink()
        self.assertRecordValues(
            Report.search([("partner_id", "=", self.steady.id), ("date_start", "=", date(2025, 3, 1))]),
            [{"is_planned": False, "planned_amount": 0.0, "actual_amount": 80.0}],
        )
        # no row is left pointing at the deleted plan (its key has no foreign key)
        self.assertEqual(Report.search_count([("plan_id", "=", plan_id)]), 0)

    def test_plan_actual_groups_salespeople_by_name(self):
        zed, abe = (new_test_user(self.env, login=login, name=name) for login, name in (("zed", "Zed"), ("abe", "Abe")))
        self.cycle.user_id = zed
        self.steady.user_id = self.plan.user_id = abe
        self._recompute()
        Report = self.env["customer.plan.actual.report"]
        domain = [("company_id", "=", self.company.id), ("date_start", "=", date(2025, 3, 1))]
        groups = Report.formatted_read_group(domain, ["user_id"], ["actual_amount:sum"])
        self.assertEqual([(g["user_id"][0], g["actual_amount:sum"]) for g in groups], [(abe.id, 80.0), (zed.id, 100.0)])
        groups = Report.formatted_read_group(domain, ["user_id"], ["actual_amount:sum"], order="user_id desc")
        self.assertEqual([g["user_id"][0] for g in groups], [zed.id, abe.id])
        groups = Report.formatted_read_group(domain, ["user_id"], ["actual_amount:sum"], order="actual_amount:sum")
        self.assertEqual([g["user_id"][0] for g in groups], [abe.id, zed.id])

    def test_plan_periods(self):
        Plan = self.env["customer.sales.plan"]
        with self.assertRaises(ValidationError):
            Plan.create(
                {"partner_id": self.steady.id, "period_type": "quarter", "date_start": date(2025, 1, 1), "amount": 1}
            )
        with self.assertRaises(ValidationError):
            Plan.create(
                {
                    "partner_id": self.cycle.id,
                    "date_start": date(2025, 1, 1),
                    "date_end": date(2025, 1, 15),
                    "amount": 1,
                }
            )
        quarter = Plan.create(
            {"partner_id": self.steady.id, "period_type": "quarter", "date_start": date(2025, 4, 1), "amount": 300}
        )
        self.assertEqual(quarter.date_end, date(2025, 6, 30))
        self.assertEqual(
            Plan.get_import_templates()[0]["template"], "/customer_segmentation/static/xls/customer_sales_plan.xlsx"
        )

    def test_dynamics(self):
        self._recompute()
        Report = self.env["customer.dynamics.report"]
        rows = Report.search([("company_id", "=", self.company.id), ("period_kind", "=", "calendar")])
        figures = {(row.partner_id, row.year): (row.revenue, row.previous_revenue, row.trend) for row in rows}
        # the company's history starts in January 2024: 2024 is not compared with 2023 (no growth from nothing)
        self.assertEqual(figures[self.steady, 2024], (1200.0, 0.0, False))
        self.assertEqual(set(rows.filtered("is_partial").mapped("year")), {2024})
        [(change_2024,)] = Report._read_group(
            [("company_id", "=", self.company.id), ("period_kind", "=", "calendar"), ("year", "=", 2024)],
            [],
            ["revenue_change_percent:avg"],
        )
        self.assertFalse(change_2024)
        # 2025 to date (January-April) against January-April 2024
        self.assertEqual(figures[self.steady, 2025], (380.0, 400.0, "stable"))
        self.assertEqual(figures[self.cycle, 2025], (100.0, 200.0, "declining"))
        [(change, margin_percent, customers)] = Report._read_group(
            [("company_id", "=", self.company.id), ("period_kind", "=", "calendar"), ("year", "=", 2025)],
            [],
            ["revenue_change_percent:avg", "margin_percent:avg", "customer_count:sum"],
        )
        # (480 - 600) / 600; margins 20 + 60 + 60 + 40 (Steady) + 40 (Cycle) of 480
        self.assertEqual(round(change, 2), -20.0)
        self.assertEqual(round(margin_percent, 2), round(220 * 100 / 480, 2))
        self.assertEqual(customers, 2)
        # grouped by a profile of the customer: its salesperson
        self.steady.user_id = self.env.user
        groups = dict(
            Report._read_group(
                [("company_id", "=", self.company.id), ("period_kind", "=", "calendar"), ("year", "=", 2024)],
                ["user_id"],
                ["revenue:sum"],
            )
        )
        self.assertEqual(groups[self.env.user], 1200.0)

    def test_rerun_writes_nothing(self):
        self._recompute()
        with freeze_time(RUN_DATE):
            stats = self.company._recompute_customer_classification()
        self.assertEqual(stats["facts"], {"documents_written": 0, "costs_frozen": 0, "months_written": 0})
        self.assertEqual(stats["statuses_written"], 0)
        stats = stats["analyses"]
        self.assertEqual([stats[key] for key in ("dynamics_written", "base_written")], [0, 0])

    def test_access(self):
        self._recompute()
        salesman = new_test_user(
            self.env, login="analyses_salesman", groups="sales_team.group_sale_salesman", company_id=self.company.id
        )
        with self.assertRaises(AccessError):
            self.env["customer.dynamics.report"].with_user(salesman).search([])
        with self.assertRaises(AccessError):
            self.env["customer.plan.actual.report"].with_user(salesman).search([])
        self.assertTrue(self.env["customer.base.report"].with_user(salesman).search_count([]))
        own = self.env["customer.sales.plan"].create(
            {"partner_id": self.cycle.id, "date_start": date(2025, 5, 1), "amount": 50, "user_id": salesman.id}
        )
        self.assertEqual(self.env["customer.sales.plan"].with_user(salesman).search([]), own)
        with self.assertRaises(AccessError):
            own.with_user(salesman).amount = 60

    def test_dashboard(self):
        self._recompute()
        with freeze_time(RUN_DATE):
            dashboard = self.env["customer.client.base.dashboard"].get_dashboard()
            tiles = {tile["key"]: tile for tile in dashboard["tiles"]}
            self.assertEqual(list(tiles), ["attention", "a_overdue", "churn", "a_share", "plan", "migration"])
            # the plan of March 2025: 80 of 100
            self.assertEqual(tiles["plan"]["value"], "80.0\N{NO-BREAK SPACE}%")
            self.assertIn("$\N{NO-BREAK SPACE}80.00 of $\N{NO-BREAK SPACE}100.00", tiles["plan"]["detail"])
            matrix = self.env["res.partner"].get_abc_xyz_matrix()
            share = sum(cell["share"] for cell in matrix if cell["cell"].startswith("A"))
            self.assertEqual(tiles["a_share"]["value"], f"{share:.1f}\N{NO-BREAK SPACE}%")
            self.assertEqual(sum(dashboard["matrix"][n]["count"] for n in range(9)), 2)
            # each tile lists what it counts, its filters as facets
            self.assertEqual(tiles["attention"]["action"]["context"], {"search_default_needs_attention": 1})
            self.assertEqual(
                tiles["a_overdue"]["action"]["context"], {"search_default_abc_class_a": 1, "search_default_overdue": 1}
            )
            self.assertEqual(tiles["a_overdue"]["action"]["name"], "A Customers Overdue")
            # a salesperson who may not read money gets the counts only
            salesman = new_test_user(
                self.env,
                login="dashboard_salesman",
                groups="sales_team.group_sale_salesman",
                company_id=self.company.id,
            )
            tiles = self.env["customer.client.base.dashboard"].with_user(salesman).get_dashboard()["tiles"]
            self.assertEqual([tile["key"] for tile in tiles], ["attention", "a_overdue", "churn", "migration"])

    def test_print_review_from_the_menu(self):
        self._recompute()
        salesman = new_test_user(
            self.env, login="review_salesman", groups="sales_team.group_sale_salesman", company_id=self.company.id
        )
        wizard = self.env["customer.base.review.wizard"].with_user(salesman).create({})
        self.assertEqual((wizard.company_id, wizard.figures_date), (self.company, RUN_DATE))
        action = wizard.action_print()
        self.assertEqual(
            (action["report_name"], action["context"]["active_ids"]),
            ("customer_segmentation.report_client_base_review", self.company.ids),
        )

    def test_empty_groups_are_named(self):
        """Cycle and Steady have no salesperson, hence no sales team: each
        report groups them in a group without a value, which its views name
        by the field's `falsy_value_label` ("No salesperson") instead of
        Odoo's "None", and which the review names the same way."""
        self._recompute()
        for model in REPORT_MODELS:
            Report = self.env[model].with_company(self.company)
            groups = Report.formatted_read_group(
                [("company_id", "=", self.company.id)], ["user_id", "team_id"], ["__count"]
            )
            self.assertEqual({(group["user_id"], group["team_id"]) for group in groups}, {(False, False)}, model)
            labels = Report.fields_get(["user_id", "team_id"], ["falsy_value_label"])
            self.assertEqual(
                (labels["user_id"]["falsy_value_label"], labels["team_id"]["falsy_value_label"]),
                ("No salesperson", "No sales team"),
                model,
            )
            # every grouping a row may leave empty is named
            unnamed = [
                name
                for name, field in Report._fields.items()
                if field.type in ("many2one", "many2many", "selection")
                and name not in ALWAYS_SET
                and not field.falsy_value_label
            ]
            self.assertEqual(unnamed, [], model)
        review = self._review()
        self.assertEqual([row["salesperson"] for row in review["plan"]], ["No salesperson"])
        self.assertEqual([row["name"] for row in review["profiles"]["team"]], ["No sales team"])
        self.assertEqual([row["name"] for row in review["profiles"]["industry"]], ["No industry"])

    def test_review_as_of_the_last_run_or_today(self):
        """On April 15 the last run is the first one, of March 1: the review
        printed as of the last run shows its figures (2025 to date: Steady's
        January and February, 200); printed as of today, the classes and
        analyses are recomputed first (2025 to date: 480 with March and April)."""
        Wizard = self.env["customer.base.review.wizard"]
        with freeze_time(RUN_DATE):
            wizard = Wizard.create({})
            self.assertEqual((wizard.figures_as_of, wizard.figures_date), ("last_run", FIRST_RUN))
            wizard.action_print()
        self.assertEqual(self.company.segmentation_analyses_date, FIRST_RUN)
        text = self._review_text(self.company)
        self.assertIn("Figures as of 03/01/2025,", text)
        self.assertIn("2025 (to date) $ 200.00", text)
        with freeze_time(RUN_DATE):
            wizard = Wizard.create({"figures_as_of": "today"})
            self.assertEqual(wizard.figures_date, RUN_DATE)
            action = wizard.action_print()
        self.assertEqual(action["context"]["active_ids"], self.company.ids)
        self.assertEqual(self.company.segmentation_analyses_date, RUN_DATE)
        text = self._review_text(self.company)
        self.assertIn("Figures as of 04/15/2025,", text)
        self.assertIn("2025 (to date) $ 480.00", text)
        # a salesman prints the last run's review; recomputing is for segmentation administrators
        salesman = new_test_user(
            self.env, login="review_salesman", groups="sales_team.group_sale_salesman", company_id=self.company.id
        )
        with self.assertRaises(AccessError):
            Wizard.with_user(salesman).create({"figures_as_of": "today"}).action_print()

    def test_review_pdf(self):
        self._recompute()
        self.company.name = "Review Test Company"
        text = self._review_text(self.company)
        self.assertIn("Client base review: Review Test Company", text)
        self.assertIn("Figures as of 04/15/2025, in USD; classes from the sales of 04/01/2024 to 03/31/2025.", text)
        # 2024: 1,400 of revenue, 2025 to date: 480 (-20 % against January-April 2024), amounts written as
        # the reader's language writes them, with the currency; the chart's labels too
        self.assertIn("2024 $ 1,400.00", text)
        self.assertIn("2025 (to date) $ 480.00", text)
        self.assertIn("2024 1,400 2025 480", text)
        self.assertIn("Active customers, last 12 months: May 2024 2 Jun 2024 2", text)
        self.assertIn("-20.0 %", text)
        # plans of this year: 80 of 100
        self.assertIn("Customers with a plan this year bought 80.0 % of it ($ 80.00 of $ 100.00).", text)
        # 2024: 2 new, 1 lost; churn 1 / 0 active at the start is not shown as a number
        self.assertIn("Steady", text)

    def test_review_figures_are_the_screens(self):
        """The review reads the matrix and the report models as their screens do."""
        self._recompute()
        review = self._review()
        self.assertEqual(review["matrix"], self.env["res.partner"].with_company(self.company).get_abc_xyz_matrix())
        [(change, customers)] = self.env["customer.dynamics.report"]._read_group(
            [("company_id", "=", self.company.id), ("period_kind", "=", "calendar"), ("year", "=", 2025)],
            [],
            ["revenue_change_percent:avg", "customer_count:sum"],
        )
        [year_2025] = [row for row in review["dynamics"] if row["year"] == 2025]
        self.assertEqual((year_2025["change"], year_2025["customers"]), (change, customers))
        self.assertEqual(review["top_customers"].mapped("name"), ["Steady", "Cycle"])
        self.assertEqual(review["plan_total"]["achievement"], 80.0)

    def test_review_sections_follow_access(self):
        """A salesman who may not read every sale gets the sections he may
        read on screen: the matrix's counts, the client base, the segments."""
        self._recompute()
        salesman = new_test_user(
            self.env, login="review_salesman", groups="sales_team.group_sale_salesman", company_id=self.company.id
        )
        review = self._review(salesman)
        self.assertFalse({"top_customers", "dynamics", "cell_dynamics", "plan", "plan_total", "profiles"} & set(review))
        self.assertTrue({"matrix", "base", "base_months", "segments"} <= set(review))
        self.assertEqual({cell["revenue"] for cell in review["matrix"]}, {None})
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(salesman)
            ._render_qweb_html("customer_segmentation.action_report_client_base_review", self.company.ids)
        )
        self.assertIn(b"Growth and churn", html)
        self.assertNotIn(b"Plan vs actual", html)

    def test_review_names_in_reader_language(self):
        self._recompute()
        self.env["res.lang"]._activate_lang("fr_FR")
        industry = self.env["res.partner.industry"].create({"name": "Retail"})
        industry.with_context(lang="fr_FR").name = "Commerce de détail"
        self.steady.industry_id = industry
        for lang, name in (("en_US", "Retail"), ("fr_FR", "Commerce de détail")):
            industries = self._review(lang=lang)["profiles"]["industry"]
            self.assertIn(name, [row["name"] for row in industries])
