from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import SegmentationTestCase


@tagged("post_install", "-at_install")
class TestCustomerSalesPlanInput(SegmentationTestCase):
    """Plans typed on the form or imported: a period far out of range and a
    contact instead of its company are refused with a message that says
    why, and nothing is saved."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Plan Holding", "is_company": True})
        cls.contact = cls.env["res.partner"].create({"name": "Anna Buyer", "parent_id": cls.customer.id})
        cls.Plan = cls.env["customer.sales.plan"]

    def _import_messages(self, partner, date_start, period_type="quarter"):
        result = self.Plan.load(
            ["partner_id/.id", "period_type", "date_start", "amount"],
            [[str(partner.id), period_type, date_start, "100"]],
        )
        self.assertFalse(result["ids"])
        return " ".join(message["message"] for message in result["messages"])

    def test_dates_out_of_range_refused(self):
        with self.assertRaises(ValidationError) as refused:
            self.Plan.create(
                {"partner_id": self.customer.id, "period_type": "quarter", "date_start": date(9999, 10, 1), "amount": 1}
            )
        self.assertIn("10/01/9999", str(refused.exception))
        self.assertIn("plans cover the years 1900 to 2199", str(refused.exception))
        with self.assertRaises(ValidationError), Form(self.Plan) as form:
            form.partner_id = self.customer
            form.period_type = "year"
            form.date_start = date(9999, 12, 1)
            form.amount = 5
        self.assertIn("plans cover the years 1900 to 2199", self._import_messages(self.customer, "9999-12-01"))
        self.assertFalse(self.Plan.search([("partner_id", "=", self.customer.id)]))
        # the last plan that fits
        plan = self.Plan.create(
            {"partner_id": self.customer.id, "period_type": "year", "date_start": date(2199, 1, 1), "amount": 1}
        )
        self.assertEqual(plan.date_end, date(2199, 12, 31))

    def test_contact_refused_with_its_company_named(self):
        with self.assertRaises(ValidationError) as refused:
            self.Plan.create({"partner_id": self.contact.id, "date_start": date(2025, 1, 1), "amount": 1})
        self.assertIn("Anna Buyer is a contact of Plan Holding", str(refused.exception))
        self.assertIn("Plan for Plan Holding instead", self._import_messages(self.contact, "2025-01-01"))
        self.assertFalse(self.Plan.search([]).filtered(lambda plan: plan.partner_id == self.contact))
        plan = self.Plan.create({"partner_id": self.customer.id, "date_start": date(2025, 1, 1), "amount": 1})
        with self.assertRaises(ValidationError):
            plan.partner_id = self.contact
        self.assertEqual(plan.partner_id, self.customer)
