from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSegmentTour(HttpCase):
    """A dynamic segment created through the form with the domain editor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
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
            "/odoo/action-customer_segmentation.customer_segment_action", "customer_segment_tour", login="admin"
        )
        segment = self.env["customer.segment"].search([("name", "=", "Tour B Customers")])
        self.assertEqual(segment.segment_type, "dynamic")
        self.assertEqual(segment.domain, '[("abc_class", "=", "B")]')
        self.assertIn(self.class_b, segment.partner_ids)
        self.assertNotIn(self.class_c, segment.partner_ids)
