from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import tagged

from .common import SegmentationTourCase, customer_invoices


@tagged("post_install", "-at_install")
class TestAnalysisTour(SegmentationTourCase):
    """Each analysis opened in a browser by a manager (the cell migration by
    a salesperson too), on figures the run has just refreshed: those of the
    tour's company, whose only customer is Tour Steady Ltd."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        cls._tour_user("tour_analysis_manager", "sales_team.group_sale_manager", name="Tour Analysis Manager")
        cls._tour_user("tour_analysis_seller", "sales_team.group_sale_salesman", name="Tour Analysis Seller")
        product = cls.env["product.product"].create(
            {"name": "Tour Paper", "list_price": 100.0, "standard_price": 40.0, "taxes_id": []}
        )
        steady = cls.env["res.partner"].create({"name": "Tour Steady Ltd", "is_company": True})
        today = fields.Date.context_today(cls.env["res.partner"])
        month = today.replace(day=1)
        moves = customer_invoices(
            cls.env,
            cls.company,
            [(steady, month - relativedelta(months=back), [(product, 1, 1000.0)]) for back in range(1, 15)],
        )
        moves.action_post()
        cls.env["customer.sales.plan"].create({"partner_id": steady.id, "date_start": month, "amount": 1000.0})
        company.action_recompute_customer_classification()

    def test_dynamics(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.customer_dynamics_report_action",
            "customer_dynamics_report_tour",
            login="tour_analysis_manager",
        )

    def test_profitability(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.customer_profitability_report_action",
            "customer_profitability_report_tour",
            login="tour_analysis_manager",
        )

    def test_plan_actual(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.customer_plan_actual_report_action",
            "customer_plan_actual_report_tour",
            login="tour_analysis_manager",
        )

    def test_client_base(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.customer_base_report_action",
            "customer_base_report_tour",
            login="tour_analysis_manager",
        )

    def test_cell_migration_as_manager(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.customer_cell_transition_report_action",
            "customer_cell_transition_report_tour",
            login="tour_analysis_manager",
        )

    def test_cell_migration_as_salesperson(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.customer_cell_transition_report_action",
            "customer_cell_transition_report_tour",
            login="tour_analysis_seller",
        )
