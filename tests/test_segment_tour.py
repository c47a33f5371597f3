from odoo.tests import tagged

from .common import SegmentationTourCase


@tagged("post_install", "-at_install")
class TestSegmentTour(SegmentationTourCase):
    """A dynamic segment created through the form with the domain editor, by
    a Sales administrator. The two customers are the only ones with a class
    in the tour's company: the segment finds exactly one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tour_user("tour_segment_manager", "sales_team.group_sale_manager", name="Tour Segment Manager")
        cls.class_b, cls.class_c = cls.env["res.partner"].create(
            [
                {"name": "Tour Class B Ltd", "is_company": True, "customer_rank": 1},
                {"name": "Tour Class C Ltd", "is_company": True, "customer_rank": 1},
            ]
        )
        cls.class_b.write({"abc_class": "B", "abc_class_computed": "B"})
        cls.class_c.write({"abc_class": "C", "abc_class_computed": "C"})

    def test_dynamic_segment_through_the_form(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.customer_segment_action",
            "customer_segment_tour",
            login="tour_segment_manager",
        )
        segment = self.env["customer.segment"].search([("name", "=", "Tour B Customers")])
        self.assertEqual(segment.segment_type, "dynamic")
        self.assertEqual(segment.domain, '[("abc_class", "=", "B")]')
        self.assertEqual(segment.company_id, self.company)
        self.assertEqual(segment.partner_ids, self.class_b)
        self.assertEqual(
            (segment.activity_type_id, segment.activity_planning),
            (self.env.ref("mail.mail_activity_data_todo"), "cadence"),
        )
        # the customer entered without a contact interval: no recurring activity
        self.assertFalse(
            self.env["mail.activity"].search([("res_model", "=", "res.partner"), ("res_id", "=", self.class_b.id)])
        )
