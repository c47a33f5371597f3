from datetime import timedelta

from odoo.tests import tagged

from .common import SegmentationTourCase


@tagged("post_install", "-at_install")
class TestManagerActivityTour(SegmentationTourCase):
    """Manager Activity as a sales manager and as a salesperson, in a browser: Tour Activity
    Seller has two A customers (cell AX, every 7 days recommended), Tour
    Called Today contacted today and Tour Never Called never contacted
    (overdue); Tour Other Seller has one B customer (cell BY) contacted 60
    days ago. Their figures are written as a run leaves them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tour_user("tour_activity_manager", "sales_team.group_sale_manager", name="Tour Activity Manager")
        seller = cls._tour_user("tour_activity_seller", "sales_team.group_sale_salesman", name="Tour Activity Seller")
        other = cls._tour_user("tour_other_seller", "sales_team.group_sale_salesman", name="Tour Other Seller")
        today = cls.company._segmentation_today()
        customers = [
            ("Tour Called Today", seller, "A", "AX", today, 7),
            ("Tour Never Called", seller, "A", "AX", False, 7),
            ("Tour Called in Spring", other, "B", "BY", today - timedelta(days=60), False),
        ]
        for name, user, abc, cell, last, interval in customers:
            partner = cls.env["res.partner"].create({"name": name, "is_company": True, "user_id": user.id})
            partner.with_company(cls.company).write(
                {
                    "abc_class": abc,
                    "abc_xyz_class": cell,
                    "last_contact_date": last,
                    "contact_count_90d": 3 if last else 0,
                    "recommended_contact_interval_days": interval,
                    "next_contact_date": last + timedelta(days=interval) if last and interval else False,
                }
            )

    def test_manager_activity_as_manager(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.customer_manager_activity_report_action",
            "customer_manager_activity_tour",
            login="tour_activity_manager",
        )

    def test_manager_activity_as_salesperson(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.customer_manager_activity_report_action",
            "customer_manager_activity_seller_tour",
            login="tour_activity_seller",
        )
