from datetime import timedelta

from odoo.tests import tagged

from .common import SegmentationTourCase


@tagged("post_install", "-at_install")
class TestPriorityTour(SegmentationTourCase):
    """My Priority Clients as a salesperson and the ABC-XYZ matrix as a
    manager, in a browser, in the tour's company. The figures are set as a
    classification run leaves them; attention is evaluated live from them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = cls.company._segmentation_today()
        cls.seller = cls._tour_user("tour_prio_seller", "sales_team.group_sale_salesman", name="Tour Matrix Seller")
        other = cls._tour_user("tour_prio_other", "sales_team.group_sale_salesman", name="Tour Other Seller")
        cls._tour_user("tour_prio_manager", "sales_team.group_sale_manager", name="Tour Matrix Manager")
        Partner = cls.env["res.partner"]
        cls.overdue, cls.calm, cls.foreign = Partner.create(
            [
                {"name": "Tour Overdue Ltd", "is_company": True, "user_id": cls.seller.id},
                {"name": "Tour Calm Ltd", "is_company": True, "user_id": cls.seller.id},
                {"name": "Tour Foreign Ltd", "is_company": True, "user_id": other.id},
            ]
        )
        figures = {
            cls.overdue: ("A", "X", 12000.0, 4000.0, 30, today - timedelta(days=50), 1),
            cls.calm: ("C", "Y", 3000.0, 1000.0, 30, today - timedelta(days=25), 2),
            cls.foreign: ("B", "X", 5000.0, 2000.0, 60, today - timedelta(days=10), 3),
        }
        for partner, (abc, xyz, revenue, margin, interval, last, rank) in figures.items():
            partner.write(
                {
                    "abc_class": abc,
                    "abc_class_computed": abc,
                    "xyz_class": xyz,
                    "abc_xyz_class": abc + xyz,
                    "classification_revenue": revenue,
                    "classification_margin": margin,
                    "last_purchase_date": last,
                    "purchase_interval_days": interval,
                    "next_purchase_date": last + timedelta(days=interval),
                    "priority_rank": rank,
                }
            )

    def test_priority_clients_as_salesperson(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.action_my_priority_clients",
            "customer_segmentation_priority_clients_tour",
            login="tour_prio_seller",
        )

    def test_matrix_as_manager(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.action_abc_xyz_matrix",
            "customer_segmentation_abc_xyz_matrix_tour",
            login="tour_prio_manager",
        )
