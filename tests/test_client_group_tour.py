from odoo.tests import tagged

from .common import SegmentationTourCase


@tagged("post_install", "-at_install")
class TestClientGroupTour(SegmentationTourCase):
    """The client group on the partner form and in the customer list, by an
    administrator of a company that classifies client groups as one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tour_administrator()
        cls.company.segmentation_classify_groups = True
        cls.holding, cls.subsidiary = cls.env["res.partner"].create(
            [
                {"name": "Tour Holding Ltd", "is_company": True, "customer_rank": 1},
                {"name": "Tour Subsidiary Ltd", "is_company": True, "customer_rank": 1},
            ]
        )
        # the class a run leaves on the head
        cls.holding.with_company(cls.company).sudo().write(
            {"abc_class": "A", "abc_class_computed": "A", "xyz_class": "X", "abc_xyz_class": "AX"}
        )
        cls.group = cls.env["customer.client.group"].create(
            {"name": "Tour Holding Group", "head_partner_id": cls.holding.id, "company_id": cls.company.id}
        )

    def test_client_group_on_the_form_and_in_the_list(self):
        self.start_tour("/odoo/customers", "customer_segmentation_client_group_tour", login="tour_administrator")
        self.assertEqual(self.subsidiary.client_group_id, self.group)
        self.assertEqual(self.group.partner_ids, self.holding | self.subsidiary)
