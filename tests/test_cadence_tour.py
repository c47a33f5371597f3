from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo.tests import tagged

from .common import SegmentationTourCase, customer_invoices

# visits a month and the month after's sales of the documents' example (see test_customer_cadence)
VISIT_DAYS = {"daily": range(1, 21), "every_three_days": range(1, 29, 3), "weekly": (1, 8, 15, 22)}
NEXT_MONTH_SALES = {"daily": 400000.0, "every_three_days": 380000.0, "weekly": 280000.0}
TURNS = (
    ("daily", "every_three_days", "weekly"),
    ("every_three_days", "weekly", "daily"),
    ("weekly", "daily", "every_three_days"),
)


@tagged("post_install", "-at_install")
class TestCadenceTour(SegmentationTourCase):
    """The contact cadence as a manager and the "Contact Overdue" filter as
    a salesperson, in a browser, on the documents' example run for real:
    three shops visited daily, every three days and weekly in turns over the
    three months analysed (those ending two months ago), each visit costing
    1,000. Every three days pays (cell AY), and the shops, last visited two
    months ago, are overdue; Tour Calm Shop, of the same salesperson, was
    contacted today (its figures written as a run leaves them)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        company.write({"segmentation_cadence_window_months": 3, "segmentation_cadence_min_customers": 3})
        cls._tour_user("tour_cadence_manager", "sales_team.group_sale_manager", name="Tour Cadence Manager")
        seller = cls._tour_user("tour_cadence_seller", "sales_team.group_sale_salesman", name="Tour Cadence Seller")
        visit = cls.env["mail.activity.type"].create({"name": "Tour Restocking Visit", "segmentation_is_contact": True})
        visit.with_company(company).segmentation_contact_cost = 1000.0
        product = cls.env["product.product"].create(
            {"name": "Tour Sausage", "list_price": 100.0, "standard_price": 75.0, "taxes_id": []}
        )
        Partner = cls.env["res.partner"]
        shops = Partner.create(
            [{"name": f"Tour Shop {number}", "is_company": True, "user_id": seller.id} for number in (1, 2, 3)]
        )
        this_month = company._segmentation_today().replace(day=1)
        months = [this_month - relativedelta(months=back) for back in (4, 3, 2)]
        rows = [(shop, months[0].replace(day=10), [(product, 3000, 100.0)]) for shop in shops]
        messages = []
        for shop, turns in zip(shops, TURNS, strict=True):
            for month, frequency in zip(months, turns, strict=True):
                next_month = month + relativedelta(months=1)
                rows.append((shop, next_month.replace(day=10), [(product, NEXT_MONTH_SALES[frequency] / 100, 100.0)]))
                messages += [
                    {
                        "model": "res.partner",
                        "res_id": shop.id,
                        "message_type": "notification",
                        "subtype_id": cls.env.ref("mail.mt_activities").id,
                        "mail_activity_type_id": visit.id,
                        "author_id": seller.partner_id.id,
                        "record_company_id": company.id,
                        "date": datetime.combine(month.replace(day=day), datetime.min.time()) + timedelta(hours=10),
                        "body": Markup("<p>Restocked</p>"),
                    }
                    for day in VISIT_DAYS[frequency]
                ]
        customer_invoices(cls.env, company, rows).action_post()
        cls.env["mail.message"].create(messages)
        company.action_recompute_customer_classification()
        calm = Partner.create({"name": "Tour Calm Shop", "is_company": True, "user_id": seller.id})
        today = company._segmentation_today()
        calm.with_company(company).write(
            {
                "abc_class": "C",
                "xyz_class": "Y",
                "abc_xyz_class": "CY",
                "priority_rank": 4,
                "last_contact_date": today,
                "recommended_contact_interval_days": 7,
                "next_contact_date": today + timedelta(days=7),
            }
        )

    def test_cadence_report_as_manager(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.customer_cadence_report_action",
            "customer_cadence_report_tour",
            login="tour_cadence_manager",
        )

    def test_recommendations_as_manager(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.customer_cadence_recommendation_action",
            "customer_cadence_recommendation_tour",
            login="tour_cadence_manager",
        )

    def test_contact_overdue_as_salesperson(self):
        self.start_tour(
            "/odoo/action-customer_segmentation.action_my_priority_clients",
            "customer_contact_overdue_tour",
            login="tour_cadence_seller",
        )
