from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import SegmentationTourCase, customer_invoices


@tagged("post_install", "-at_install")
class TestCrosssellTour(SegmentationTourCase):
    """The rules report, a customer to call, its suggestions and the
    quotation wizard, in a browser, as a Sales administrator.

    Twelve customers: six buy a desk and a chair, two a desk only ("Tour
    Missing One" and "Two"), four paper only. Desks -> Chairs: confidence
    6 / 8 = 75 %, lift 0.75 / (6 / 12) = 1.5. They are the only customers of
    the tour's company: the rules are mined from their invoices alone.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        cls._tour_user("tour_crosssell_manager", "sales_team.group_sale_manager", name="Tour Sales Manager")
        desks, chairs, paper = cls.env["product.category"].create(
            [{"name": name} for name in ("Tour Desks", "Tour Chairs", "Tour Paper")]
        )
        cls.desk, cls.chair, ream = cls.env["product.product"].create(
            [
                {"name": "Tour Desk", "categ_id": desks.id, "list_price": 300.0, "taxes_id": []},
                {"name": "Tour Chair", "categ_id": chairs.id, "list_price": 100.0, "taxes_id": []},
                {"name": "Tour Paper Ream", "categ_id": paper.id, "list_price": 5.0, "taxes_id": []},
            ]
        )
        Partner = cls.env["res.partner"]
        both = Partner.create([{"name": f"Tour Buyer {n}", "is_company": True} for n in range(6)])
        cls.missing = Partner.create([{"name": f"Tour Missing {n}", "is_company": True} for n in ("One", "Two")])
        others = Partner.create([{"name": f"Tour Paper Buyer {n}", "is_company": True} for n in range(4)])
        day = fields.Date.context_today(cls.env.user) - timedelta(days=30)
        baskets = [(p, [cls.desk, cls.chair]) for p in both]
        baskets += [(p, [cls.desk]) for p in cls.missing] + [(p, [ream]) for p in others]
        invoices = customer_invoices(
            cls.env,
            cls.company,
            [(partner, day, [(product, 1, None) for product in products]) for partner, products in baskets],
        )
        invoices.action_post()
        company.write({"crosssell_min_support": 10.0, "crosssell_min_confidence": 50.0, "crosssell_min_customers": 2})
        company.action_mine_crosssell_rules()
        cls.order = cls.env["sale.order"].create({"partner_id": cls.missing[0].id})

    def test_rules_report_to_quotation(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.customer_crosssell_rule_action_report",
            "customer_crosssell_tour",
            login="tour_crosssell_manager",
        )
        self.assertEqual(self.order.order_line.product_id, self.chair)
