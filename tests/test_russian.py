from datetime import date

from freezegun import freeze_time

from odoo.tests import HttpCase, new_test_user, tagged

from .common import SegmentationTestCase, customer_invoices

RUN_DATE = date(2025, 4, 15)


def _load_russian(env):
    """Russian as a user would get it: the language activated and the
    addon's ru.po loaded (the Odoo copy we run has no Russian of its own, so
    the data this test shows is given its Russian name by the test)."""
    env["res.lang"]._activate_lang("ru_RU")
    env["ir.module.module"]._load_module_terms(["customer_segmentation"], ["ru_RU"], overwrite=True)


@tagged("post_install", "-at_install")
class TestRussian(SegmentationTestCase):
    """The addon as a Russian-speaking sales manager reads it: one customer,
    "Steady", of the team "Direct Sales" (Прямые продажи), bought 1,200.50
    every month of 2024 and in January and February 2025, then stopped: in
    April it is overdue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _load_russian(cls.env)
        cls.manager = new_test_user(
            cls.env,
            login="ru_manager",
            groups="sales_team.group_sale_manager,account.group_account_invoice",
            lang="ru_RU",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        team = cls.env["crm.team"].create({"name": "Direct Sales", "company_id": cls.company.id})
        team.with_context(lang="ru_RU").name = "Прямые продажи"
        seller = new_test_user(cls.env, login="ru_seller", groups="sales_team.group_sale_salesman", lang="ru_RU")
        seller.sale_team_id = team
        cls.steady = cls.env["res.partner"].create({"name": "Steady", "is_company": True, "user_id": seller.id})
        paper = cls._create_product(name="Paper", lst_price=1200.5, standard_price=700.0, taxes_id=[])
        months = [date(2024, month, 10) for month in range(1, 13)] + [date(2025, 1, 10), date(2025, 2, 10)]
        customer_invoices(
            cls.env, cls.company, [(cls.steady, day, [(paper, 1, 1200.5)]) for day in months]
        ).action_post()
        with freeze_time(RUN_DATE):
            cls.company.action_recompute_customer_classification()

    def test_matrix_strategies_and_attention_reasons_in_russian(self):
        # as the web client calls it: in the user's language
        Partner = self.env["res.partner"].with_user(self.manager).with_context(lang="ru_RU").with_company(self.company)
        matrix = {cell["cell"]: cell for cell in Partner.get_abc_xyz_matrix()}
        self.assertTrue(matrix["AX"]["strategy"].startswith("Удерживать"), matrix["AX"]["strategy"])
        self.assertTrue(matrix["CZ"]["strategy"])
        self.assertNotIn("Retain", matrix["AX"]["strategy"])
        with freeze_time(RUN_DATE):
            steady = Partner.browse(self.steady.id)
            self.assertTrue(steady.needs_attention)
            self.assertIn("Следующая покупка просрочена на", steady.attention_reasons)

    def test_empty_groups_named_in_russian(self):
        # what the pivot and the graph show for the rows without a salesperson or a cell
        Report = self.env["customer.dynamics.report"].with_user(self.manager).with_context(lang="ru_RU")
        labels = Report.fields_get(["user_id", "abc_xyz_class"], ["falsy_value_label"])
        self.assertEqual(
            (labels["user_id"]["falsy_value_label"], labels["abc_xyz_class"]["falsy_value_label"]),
            ("Без продавца", "Без класса"),
        )

    def test_review_pdf_in_russian(self):
        with freeze_time(RUN_DATE):
            text = self._review_text(self.company, user=self.manager, lang="ru_RU")
        # headings, a conclusion, the date the Russian way
        for words in ("Обзор клиентской базы:", "Выводы", "Матрица ABC-XYZ", "Динамика продаж", "Данные на 15.04.2025"):
            self.assertIn(words, text)
        self.assertIn("году: новых клиентов", text)  # "This year: 1 new ..."
        # the team in its Russian name, amounts with a space between thousands and a decimal comma
        self.assertIn("Прямые продажи", text)
        self.assertNotIn("Direct Sales", text)
        self.assertIn("14 406,00", text)  # 2024: 12 x 1,200.50
        self.assertNotIn("14,406.00", text)


@tagged("post_install", "-at_install")
class TestRussianTour(HttpCase):
    """My Priority Clients and the matrix in a browser as a Russian-speaking
    salesperson, in a company of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _load_russian(cls.env)
        company = cls.env["res.company"].create({"name": "Tour Russian Company"})
        seller = new_test_user(
            cls.env,
            login="tour_ru_seller",
            groups="sales_team.group_sale_salesman",
            lang="ru_RU",
            company_id=company.id,
            company_ids=[company.id],
        )
        customer = cls.env["res.partner"].create(
            {"name": "Tour Ru Ltd", "is_company": True, "user_id": seller.id, "company_id": company.id}
        )
        customer.with_company(company).write(
            {"abc_class": "A", "abc_class_computed": "A", "xyz_class": "X", "abc_xyz_class": "AX", "priority_rank": 1}
        )

    def test_priority_clients_and_matrix_in_russian(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.action_my_priority_clients",
            "customer_segmentation_russian_tour",
            login="tour_ru_seller",
        )
