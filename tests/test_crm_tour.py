from datetime import timedelta

from odoo.tests import tagged

from .common import SegmentationTourCase


@tagged("post_install", "-at_install")
class TestCrmPipelineTour(SegmentationTourCase):
    """The priority pipeline as a salesperson, in a browser: the customer's
    cell on each card, the "Customer Needs Attention" filter, and the reasons
    on the opportunity; the pipeline by cell as a manager; both in the tour's
    company. The figures are set as a classification run leaves them;
    attention is evaluated live from them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = cls.company._segmentation_today()
        cls._tour_user("tour_crm_manager", "sales_team.group_sale_manager", name="Tour Pipeline Manager")
        seller = cls._tour_user("tour_crm_seller", "sales_team.group_sale_salesman", name="Tour Pipeline Seller")
        key, small = cls.env["res.partner"].create(
            [{"name": "Tour Key Ltd", "is_company": True}, {"name": "Tour Small Ltd", "is_company": True}]
        )
        key.write(
            {
                "abc_class": "A",
                "abc_class_computed": "A",
                "xyz_class": "X",
                "abc_xyz_class": "AX",
                "classification_revenue": 12000.0,
                "last_purchase_date": today - timedelta(days=50),
                "purchase_interval_days": 30,
                "next_purchase_date": today - timedelta(days=20),
            }
        )
        small.write({"abc_class": "C", "abc_class_computed": "C", "xyz_class": "Y", "abc_xyz_class": "CY"})
        stage = cls.env["crm.stage"].search([], order="sequence, id", limit=1)
        cls.env["crm.lead"].create(
            [
                {
                    "name": name,
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "expected_revenue": expected,
                    "user_id": seller.id,
                    "stage_id": stage.id,
                }
                for name, partner, expected in (
                    ("Tour Small Deal", small, 90000),
                    ("Tour Key Deal", key, 100),
                    ("Tour Cold Lead", cls.env["res.partner"], 50000),
                )
            ]
        )

    def test_priority_pipeline_as_salesperson(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.action_priority_pipeline",
            "customer_segmentation_crm_pipeline_tour",
            login="tour_crm_seller",
        )

    def test_pipeline_by_customer_cell_as_manager(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.action_pipeline_by_customer_cell",
            "customer_segmentation_pipeline_by_cell_tour",
            login="tour_crm_manager",
        )
