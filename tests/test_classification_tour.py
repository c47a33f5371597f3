from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import SegmentationTourCase


@tagged("post_install", "-at_install")
class TestClassificationTour(SegmentationTourCase):
    """The classification screens, opened in a browser by an administrator
    and by a salesperson of the tour's company. Its two customers are the
    only ones with a class there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tour_administrator()
        cls.anchor, cls.second = cls.env["res.partner"].create(
            [
                {"name": "Tour Anchor Ltd", "is_company": True, "customer_rank": 1},
                {"name": "Tour Second Ltd", "is_company": True, "customer_rank": 1},
            ]
        )
        cls.salesman = cls._tour_user("tour_salesman", "sales_team.group_sale_salesman", name="Tour Salesman")
        (cls.anchor | cls.second).user_id = cls.salesman
        # classes as a run leaves them, so the screens have something to show
        cls.anchor.write({"abc_class": "A", "abc_class_computed": "A", "xyz_class": "X", "abc_xyz_class": "AX"})
        cls.second.write({"abc_class": "C", "abc_class_computed": "C", "xyz_class": "Z", "abc_xyz_class": "CZ"})
        cls.env["customer.classification.history"].create(
            {
                "partner_id": cls.anchor.id,
                "company_id": cls.company.id,
                "date": fields.Date.today() - timedelta(days=30),
                "new_abc_class": "A",
                "new_xyz_class": "X",
            }
        )
        # a static segment: its member tag is read through the open stays
        cls.env["customer.segment"].create(
            {"name": "Tour Key Accounts", "segment_type": "static", "partner_ids": [(6, 0, cls.anchor.ids)]}
        )

    def test_manager_screens(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.res_partner_action_abc_xyz_matrix",
            "customer_classification_manager_tour",
            login="tour_administrator",
        )
        # "Recompute now" queued the run (no scheduled action runs during the tests)
        self.assertEqual(self.company.segmentation_run_requested, "recompute")
        self.assertEqual(self.company.segmentation_run_requester_id.login, "tour_administrator")
        self.assertEqual(self.anchor.abc_xyz_class, "AX", "the classes are left as they were")

    def test_salesman_screens(self):
        self.start_tour(
            "/odoo/action-account.res_partner_action_customer",
            "customer_classification_salesman_tour",
            login="tour_salesman",
        )
