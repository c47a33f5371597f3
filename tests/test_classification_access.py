from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SegmentationTestCase, customer_invoices


@tagged("post_install", "-at_install")
class TestClassificationAccess(SegmentationTestCase):
    """Who may read the classes and the money behind them, tried as real
    users: classes need Sales rights; revenue, margin and shares need the
    right to read every sales document (all-documents salespeople and
    invoicing users)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        product = cls._create_product(name="Chair", lst_price=100.0, standard_price=60.0, taxes_id=[])
        cls.customer = cls.env["res.partner"].create({"name": "Known Buyer", "is_company": True})
        cls.buyer_contact = cls.env["res.partner"].create({"name": "Portal Buyer", "parent_id": cls.customer.id})
        invoices = customer_invoices(
            cls.env,
            cls.company,
            [(cls.customer, date(2024, month, 10), [(product, 1, 100.0)]) for month in range(1, 13)],
        )
        invoices.action_post()
        with freeze_time("2025-01-15"):
            (cls.company | cls.company_2).action_recompute_customer_classification()

        def user(login, groups, **values):
            return new_test_user(
                cls.env, login=login, groups=groups, company_id=cls.company.id, company_ids=[cls.company.id], **values
            )

        cls.portal = user("cs_portal", "base.group_portal", partner_id=cls.buyer_contact.id)
        cls.employee = user("cs_employee", "base.group_user")
        cls.own_salesman = user("cs_own_salesman", "sales_team.group_sale_salesman")
        cls.all_salesman = user("cs_all_salesman", "sales_team.group_sale_salesman_all_leads")
        cls.billing = user("cs_billing", "base.group_user,account.group_account_invoice")
        cls.admin_2 = new_test_user(
            cls.env,
            login="cs_admin_2",
            groups="sales_team.group_sale_manager",
            company_id=cls.company_2.id,
            company_ids=[cls.company_2.id],
        )

    def _partners(self, user):
        return self.env["res.partner"].with_user(user).with_company(self.company)

    def test_portal_and_users_without_sales_rights_see_nothing(self):
        for user in (self.portal, self.employee):
            Partner = self._partners(user)
            target = [("id", "=", self.customer.id)]
            figures = ("abc_class", "abc_xyz_class", "last_purchase_date", "classification_revenue", "priority_rank")
            for field in figures:
                with self.subTest(user=user.login, field=field):
                    with self.assertRaises(AccessError):
                        Partner.browse(self.customer.id).read([field])
                    with self.assertRaises(AccessError):
                        Partner.search_read(target, [field])
                    with self.assertRaises(AccessError):
                        Partner.web_search_read(target, {field: {}})
                    with self.assertRaises(AccessError, msg="no narrowing a value down by searching on it"):
                        Partner.search([*target, (field, "!=", False)])
            with self.assertRaises(AccessError):
                Partner.formatted_read_group([], ["abc_class"], ["__count"])
            with self.assertRaises(AccessError):
                Partner.formatted_read_group([], ["country_id"], ["classification_margin:sum"])

    def test_salespeople_see_classes_and_money_only_with_every_document(self):
        own = self._partners(self.own_salesman).browse(self.customer.id)
        self.assertEqual(own.abc_xyz_class, "AX")
        self.assertEqual(own.last_purchase_date, date(2024, 12, 10))
        self.assertEqual(self._partners(self.own_salesman).search([("abc_class", "=", "A")]), own)
        for field in ("classification_revenue", "classification_margin", "abc_share", "abc_metric_value"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                own.read([field])
        # the shares are kept apart from the partner (customer.classification.standing):
        # no narrowing them down by searching, sorting or summing either
        own_partners = self._partners(self.own_salesman)
        for share in ("abc_share", "abc_cumulative_share"):
            with self.subTest(field=share):
                with self.assertRaises(AccessError):
                    own_partners.search([("id", "=", self.customer.id), (share, ">", 50)])
                with self.assertRaises(AccessError):
                    own_partners.search([("id", "=", self.customer.id)], order=f"{share} desc")
                with self.assertRaises(AccessError):
                    own_partners.formatted_read_group([("id", "=", self.customer.id)], [], [f"{share}:sum"])
        self.assertEqual(own_partners.search([("id", "=", self.customer.id), ("priority_rank", ">", 0)]), own)
        with self.assertRaises(AccessError):
            self.env["customer.classification.history"].with_user(self.own_salesman).search_read([], ["metric_value"])
        for user in (self.all_salesman, self.billing):
            customer = self._partners(user).browse(self.customer.id)
            self.assertEqual(customer.classification_revenue, 1200.0)
            self.assertEqual(customer.classification_margin, 480.0)
        groups = self._partners(self.all_salesman).formatted_read_group(
            [("id", "=", self.customer.id)], ["abc_class"], ["classification_margin:sum"]
        )
        self.assertEqual([(g["abc_class"], g["classification_margin:sum"]) for g in groups], [("A", 480.0)])

    def test_administrator_recomputes_only_his_companies(self):
        with self.assertRaises(AccessError):
            self.company.with_user(self.admin_2).action_recompute_customer_classification()
        with freeze_time("2025-01-15"):
            action = self.company_2.with_user(self.admin_2).action_recompute_customer_classification()
        self.assertEqual(action["params"]["type"], "success")

    def test_only_administrators_of_a_company_queue_its_runs(self):
        queued = (
            "action_queue_customer_classification",
            "action_queue_customer_analyses_rebuild",
            "action_queue_crosssell_mining",
        )
        for user in (self.own_salesman, self.all_salesman, self.admin_2):
            for action in queued:
                with self.subTest(user=user.login, action=action), self.assertRaises(AccessError):
                    getattr(self.company.with_user(user), action)()
        self.assertFalse(self.company.segmentation_run_requested or self.company.crosssell_run_requested)
        self.company_2.with_user(self.admin_2).action_queue_customer_analyses_rebuild()
        self.assertEqual(
            (self.company_2.segmentation_run_requested, self.company_2.segmentation_run_requester_id),
            ("rebuild", self.admin_2),
        )

    def _report_reads(self, report, field):
        """{how: call} of every way a user reads `field` of `report`."""
        reads = {
            "read": lambda: report.search([], limit=1).read([field]),
            "group by": lambda: report.formatted_read_group([], ["partner_id", field], ["__count"]),
            "search": lambda: report.search_count([(field, "!=", False)]),
        }
        if report._fields[field].type != "many2many":
            reads["order"] = lambda: report.search([], order=f"{field} desc")
        if report._fields[field].type == "float":
            reads["aggregate"] = lambda: report.formatted_read_group([], [], [f"{field}:sum"])
        return reads

    def test_reports_obey_the_groups_of_their_sources(self):
        """A report field that carries a class, a status or money is guarded
        as its source is, whether it is read, grouped by, aggregated, sorted
        by or searched, for a user who may open the report itself."""
        Partner = self.env["res.partner"]
        sales_only = Partner._fields["abc_xyz_class"].groups
        money = Partner._fields["classification_revenue"].groups
        guarded = {
            # model: (user who opens the report without the field's groups, {field: groups})
            "customer.dynamics.report": (
                self.billing,
                {"abc_xyz_class": sales_only, "lifecycle_status": sales_only, "segment_ids": sales_only},
            ),
            "customer.portfolio.report": (self.own_salesman, {"revenue": money, "margin": money}),
            "customer.classification.history": (self.own_salesman, {"metric_value": money}),
            "customer.cell.transition.report": (self.own_salesman, {"revenue": money}),
        }
        for model, (user, fields) in guarded.items():
            report = self.env[model].with_user(user).with_company(self.company)
            self.assertTrue(report.search_count([]), f"{user.login} opens {model}")
            for field, groups in fields.items():
                self.assertEqual(report._fields[field].groups, groups, f"{model}.{field} has its source's groups")
                for how, attempt in self._report_reads(report, field).items():
                    with self.subTest(model=model, field=field, how=how), self.assertRaises(AccessError):
                        attempt()
        # the same users still read what they may
        dynamics = self.env["customer.dynamics.report"].with_user(self.billing)
        groups = dynamics.formatted_read_group(
            [("partner_id", "=", self.customer.id), ("period_kind", "=", "calendar"), ("year", "=", 2024)],
            ["partner_id"],
            ["revenue:sum"],
        )
        self.assertEqual([(g["partner_id"][0], g["revenue:sum"]) for g in groups], [(self.customer.id, 1200.0)])
        for model in ("customer.base.report", "customer.portfolio.report"):
            self.assertEqual(self.env[model]._fields["abc_xyz_class"].groups, sales_only)
