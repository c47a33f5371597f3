from datetime import timedelta

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestDashboardTour(HttpCase):
    """The Client Base home as its users meet it, in a company of its own so
    that whatever else the database holds stays out: a manager opens the
    dashboard and a tile's list, whose filters show as facets; a salesperson
    who reads only their own documents finds cross-selling in the menu."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tour_company = cls.env["res.company"].create({"name": "Tour Dashboard Company"})
        company = cls.tour_company
        today = company._segmentation_today()
        for login, groups in (
            ("tour_dash_manager", "sales_team.group_sale_manager"),
            ("tour_dash_seller", "sales_team.group_sale_salesman"),
        ):
            new_test_user(cls.env, login=login, groups=groups, company_id=company.id, company_ids=[company.id])
        Partner = cls.env["res.partner"]
        late, calm = Partner.create(
            [
                {"name": "Tour Dash Late Ltd", "is_company": True, "company_id": company.id},
                {"name": "Tour Dash Calm Ltd", "is_company": True, "company_id": company.id},
            ]
        )
        for partner, abc, last, rank in ((late, "A", today - timedelta(days=50), 1), (calm, "B", today, 2)):
            partner.with_company(company).write(
                {
                    "abc_class": abc,
                    "abc_class_computed": abc,
                    "xyz_class": "X",
                    "abc_xyz_class": abc + "X",
                    "last_purchase_date": last,
                    "purchase_interval_days": 30,
                    "next_purchase_date": last + timedelta(days=30),
                    "priority_rank": rank,
                }
            )

    def test_dashboard_tile_opens_its_list_with_facets(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.action_client_base_dashboard",
            "customer_segmentation_dashboard_tour",
            login="tour_dash_manager",
        )

    def test_salesperson_finds_cross_selling_in_the_menu(self):
        self.start_tour("/odoo", "customer_segmentation_client_base_menu_tour", login="tour_dash_seller")
