import ast
from datetime import date, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo.fields import Domain
from odoo.tests import new_test_user, tagged

from .test_customer_cadence import RUN_DATE, CadenceCase

# the figures the run would write, of the customers added to the documents' example, on 15 June 2025:
# 30 days back is 16 May, 90 days back 17 March
CUSTOMERS = {
    # the seller's fourth customer: B, contacted two weeks ago, no interval recommended
    "Kiosk": ("seller", "B", "BX", date(2025, 6, 1), 6, None),
    # another salesperson's: A never contacted while 7 days are recommended: overdue
    "Cafe": ("other", "A", "AX", None, 0, 7),
    # A contacted 5 days ago, due in two days: not overdue
    "Bar": ("other", "A", "AX", date(2025, 6, 10), 9, 7),
    # B contacted 26 days ago every 14 days recommended: overdue, but not an A customer
    "Bistro": ("other", "B", "BY", date(2025, 5, 20), 1, 14),
    # A contacted 75 days ago, no interval recommended: not overdue
    "Mill": ("other", "A", "AZ", date(2025, 4, 1), 2, None),
    # C: not among the A and B customers
    "Deli": ("other", "C", "CZ", date(2025, 1, 1), 0, None),
}
MEASURES = [
    "customer_count:sum",
    "contacted_30_count:sum",
    "contacted_90_count:sum",
    "coverage_30:avg",
    "coverage_90:avg",
    "contacts_per_month:avg",
    "overdue_a_count:sum",
]


@tagged("post_install", "-at_install")
class TestManagerActivity(CadenceCase):
    """Manager Activity on the documents' example run on 15 June 2025: the
    seller's three shops (AY, last visited on 22, 20 and 28 April, 8, 21
    and 13 visits in 90 days, every three days recommended: all overdue),
    plus the customers of CUSTOMERS, their figures written as a run leaves
    them.

    A and B customers, hand-counted:
    - the seller: 4 (3 shops, Kiosk); contacted in 30 days 1 (Kiosk), in 90
      days 4; 25 % and 100 %; contacts (8 + 21 + 13 + 6) / 3 months / 4 =
      4 a month; A overdue 3 (the shops);
    - the other: 4 (Cafe, Bar, Bistro, Mill); in 30 days 2 (Bar, Bistro), in
      90 days 3 (and Mill); 50 % and 75 %; contacts (0 + 9 + 1 + 2) / 3 / 4 =
      1 a month; A overdue 1 (Cafe: never contacted; Bistro is B, Mill has
      no interval, Bar is not due yet)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_seller = new_test_user(
            cls.env,
            login="activity_other_seller",
            name="Other Seller",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
        )
        sellers = {"seller": cls.seller, "other": cls.other_seller}
        cls.customers = {
            name: cls.env["res.partner"].create({"name": name, "is_company": True, "user_id": sellers[seller].id})
            for name, (seller, *_figures) in CUSTOMERS.items()
        }

    def _write_figures(self):
        """The run, then the added customers' figures as a run writes them."""
        self._recompute()
        for name, (_seller, abc, cell, last, contacts, interval) in CUSTOMERS.items():
            self.customers[name].sudo().with_company(self.company).write(
                {
                    "abc_class": abc,
                    "abc_xyz_class": cell,
                    "last_contact_date": last,
                    "contact_count_90d": contacts,
                    "recommended_contact_interval_days": interval,
                    "next_contact_date": last + timedelta(days=interval) if last and interval else None,
                }
            )

    def _by_salesperson(self, report):
        groups = report._read_group([("abc_class", "in", ["A", "B"])], ["user_id"], MEASURES)
        return {user: tuple(round(value, 2) for value in figures) for user, *figures in groups}

    def test_coverage_per_salesperson(self):
        self._write_figures()
        with freeze_time(RUN_DATE):
            Report = self.env["customer.manager.activity.report"].with_company(self.company)
            self.assertEqual(
                self._by_salesperson(Report),
                {
                    self.seller: (4, 1, 4, 25.0, 100.0, 4.0, 3),
                    self.other_seller: (4, 2, 3, 50.0, 75.0, 1.0, 1),
                },
            )
            [total] = Report._read_group([("abc_class", "in", ["A", "B"])], [], MEASURES)
            # 8 customers, 3 and 7 contacted, (48 + 12) / 3 / 8 = 2.5 contacts a month: ratios of the sums
            self.assertEqual(tuple(round(value, 2) for value in total), (8, 3, 7, 37.5, 87.5, 2.5, 4))
            rows = Report.search([("user_id", "=", self.seller.id)])
            self.assertEqual(rows.mapped("abc_xyz_class"), ["AY", "BX"])
            shops = rows.filtered(lambda row: row.abc_xyz_class == "AY")
            self.assertEqual(
                (shops.customer_count, shops.contact_count_90d, round(shops.contacts_per_month, 2), shops.company_id),
                (3, 42, 4.67, self.company),
            )
            deli = Report.search([("abc_xyz_class", "=", "CZ")])
            self.assertEqual((deli.user_id, deli.customer_count, deli.contacted_90_count), (self.other_seller, 1, 0))

    def test_overdue_customers_open_as_partners(self):
        self._write_figures()
        with freeze_time(RUN_DATE):
            Report = self.env["customer.manager.activity.report"].with_company(self.company)
            Partner = self.env["res.partner"].with_company(self.company)
            for user, expected in ((self.seller, self.shops), (self.other_seller, self.customers["Cafe"])):
                rows = Report.search([("user_id", "=", user.id)])
                action = rows.action_open_overdue_customers()
                # the class, the overdue contact and the salesperson as filters the user sees
                self.assertEqual(
                    action["context"],
                    {
                        "search_default_abc_class_a": 1,
                        "search_default_not_contacted_in_interval": 1,
                        "search_default_user_id": user.id,
                    },
                )
                self.assertEqual(Partner.search(self._opened(action)), expected)
                self.assertEqual(action["res_model"], "res.partner")
                self.assertIn(user.name, action["name"])
            # one row: the seller's B customers have none
            kiosk_row = Report.search([("abc_xyz_class", "=", "BX")])
            self.assertFalse(Partner.search(self._opened(kiosk_row.action_open_overdue_customers())))

    def _opened(self, action):
        """The domain of the list `action` opens: its own and its filters'."""
        view = self.env.ref("customer_segmentation.res_partner_view_search_priority")
        arch = etree.fromstring(view.arch)
        domain = Domain(action["domain"])
        for key in action["context"]:
            name = key.removeprefix("search_default_")
            node = arch.find(f".//filter[@name='{name}']")
            if node is not None:
                domain &= Domain(ast.literal_eval(node.get("domain")))
            else:
                domain &= Domain(name, "=", action["context"][key])
        return domain

    def test_salesperson_reads_own_rows(self):
        self._write_figures()
        with freeze_time(RUN_DATE):
            for user, cells in ((self.seller, ["AY", "BX"]), (self.other_seller, ["AX", "AZ", "BY", "CZ"])):
                rows = self.env["customer.manager.activity.report"].with_user(user).search([])
                self.assertEqual(sorted(rows.mapped("abc_xyz_class")), cells)
                self.assertEqual(rows.user_id, user)
            # the manager reads both
            self.assertEqual(
                self.env["customer.manager.activity.report"].with_company(self.company).search([]).user_id,
                self.seller | self.other_seller,
            )
            # and a salesperson's review counts their own customers only
            review = (
                self.env["report.customer_segmentation.report_client_base_review"]
                .with_user(self.other_seller)
                ._get_report_values(self.company.ids)["reviews"][self.company.id]
            )
            self.assertEqual(
                review["coverage"],
                [
                    {
                        "salesperson": "Other Seller",
                        "customers": 4,
                        "contacted_30": 2,
                        "contacted_90": 3,
                        "overdue_a": 1,
                    }
                ],
            )

    def test_each_company_its_own_figures(self):
        self._write_figures()
        self.customers["Kiosk"].sudo().with_company(self.company_2).write(
            {"abc_class": "A", "abc_xyz_class": "AX", "recommended_contact_interval_days": 5}
        )
        with freeze_time(RUN_DATE):
            Report = self.env["customer.manager.activity.report"]
            elsewhere = Report.with_company(self.company_2).search([])
            self.assertEqual(
                (elsewhere.company_id, elsewhere.user_id, elsewhere.abc_xyz_class, elsewhere.overdue_a_count),
                (self.company_2, self.seller, "AX", 1),
            )
            self.assertEqual(self._by_salesperson(Report.with_company(self.company))[self.seller][0], 4)

    def test_review_reads_the_screen(self):
        self._write_figures()
        with freeze_time(RUN_DATE):
            review = self.env["report.customer_segmentation.report_client_base_review"]._get_report_values(
                self.company.ids
            )["reviews"][self.company.id]
        self.assertEqual(
            review["coverage"],
            [
                {"salesperson": "Other Seller", "customers": 4, "contacted_30": 2, "contacted_90": 3, "overdue_a": 1},
                {"salesperson": self.seller.name, "customers": 4, "contacted_30": 1, "contacted_90": 4, "overdue_a": 3},
            ],
        )
        self.assertIn("4 A customers were not contacted within their recommended interval.", review["conclusions"])
