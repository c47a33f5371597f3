from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SegmentationTestCase


@tagged("post_install", "-at_install")
class TestCrmLeadCustomerClass(SegmentationTestCase):
    """Opportunities show their customer's class, cell, revenue and
    attention in the opportunity's company.

    Customers, as a classification run leaves them:
      Shared   company 1: AX, revenue 9000, bought every 30 days, 60 days ago (overdue)
               company 2: CZ, revenue 100, not overdue
      Middle   company 1: BY, revenue 4000
      Small    company 1: CZ, revenue 500
      Fresh    no class anywhere
    Opportunities:
      big      company 1, Shared itself, expected 1000
      contact  company 2, a contact of Shared, expected 5000
      middle   company 1, Middle, expected 3000
      small_1  company 1, Small, expected 200
      small_2  company 1, Small, expected 800
      fresh    company 1, Fresh, expected 9000
      nobody   company 1, no customer, expected 7000
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = cls.company._segmentation_today()
        cls.salesman = new_test_user(
            cls.env,
            login="crm_own_salesman",
            groups="sales_team.group_sale_salesman",
            company_ids=[Command.set((cls.company | cls.company_2).ids)],
            company_id=cls.company.id,
        )
        cls.senior = new_test_user(
            cls.env,
            login="crm_all_salesman",
            groups="sales_team.group_sale_salesman_all_leads",
            company_ids=[Command.set((cls.company | cls.company_2).ids)],
            company_id=cls.company.id,
        )
        Partner = cls.env["res.partner"]
        cls.shared, cls.middle, cls.small, cls.fresh = Partner.create(
            [{"name": name, "is_company": True} for name in ("Shared", "Middle", "Small", "Fresh")]
        )
        cls.shared_contact = Partner.create({"name": "Sue Shared", "parent_id": cls.shared.id})
        figures = {
            (cls.shared, cls.company): ("A", "X", 9000.0, {"purchase_interval_days": 30, "days_ago": 60}),
            (cls.shared, cls.company_2): ("C", "Z", 100.0, {"purchase_interval_days": 30, "days_ago": 10}),
            (cls.middle, cls.company): ("B", "Y", 4000.0, {}),
            (cls.small, cls.company): ("C", "Z", 500.0, {}),
        }
        for (partner, company), (abc, xyz, revenue, rhythm) in figures.items():
            values = {
                "abc_class": abc,
                "abc_class_computed": abc,
                "xyz_class": xyz,
                "abc_xyz_class": abc + xyz,
                "classification_revenue": revenue,
            }
            if rhythm:
                last = today - timedelta(days=rhythm["days_ago"])
                values.update(
                    last_purchase_date=last,
                    purchase_interval_days=rhythm["purchase_interval_days"],
                    next_purchase_date=last + timedelta(days=rhythm["purchase_interval_days"]),
                )
            partner.with_company(company).sudo().write(values)
        Lead = cls.env["crm.lead"]
        rows = [
            ("big", cls.company, cls.shared, 1000),
            ("contact", cls.company_2, cls.shared_contact, 5000),
            ("middle", cls.company, cls.middle, 3000),
            ("small_1", cls.company, cls.small, 200),
            ("small_2", cls.company, cls.small, 800),
            ("fresh", cls.company, cls.fresh, 9000),
            ("nobody", cls.company, Partner, 7000),
        ]
        cls.leads = {}
        for name, company, partner, expected in rows:
            cls.leads[name] = Lead.create(
                {
                    "name": name,
                    "type": "opportunity",
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "expected_revenue": expected,
                    "user_id": cls.salesman.id,
                }
            )
        cls.all_leads = Lead.browse([lead.id for lead in cls.leads.values()])

    def _leads(self, user=None):
        leads = self.all_leads.with_context(allowed_company_ids=(self.company | self.company_2).ids)
        if user:
            leads = leads.with_user(user)
        leads.invalidate_recordset()
        return leads

    def _search(self, domain, order=None, user=None):
        leads = self._leads(user)
        found = leads.search([("id", "in", leads.ids), *domain], order=order)
        return [lead.name for lead in found]

    def test_values_are_the_customer_in_the_lead_company(self):
        leads = {lead.name: lead for lead in self._leads()}
        self.assertEqual(leads["big"].customer_abc_xyz_class, "AX")
        self.assertEqual(leads["big"].customer_cell_rank, 1)
        self.assertEqual(leads["big"].customer_classification_revenue, 9000.0)
        # a lead of a contact counts its company's class, in the lead's company
        self.assertEqual(
            (leads["contact"].customer_abc_class, leads["contact"].customer_xyz_class), ("C", "Z"), "company 2's class"
        )
        self.assertEqual(leads["contact"].customer_classification_revenue, 100.0)
        self.assertEqual(leads["contact"].customer_cell_rank, 9)
        for name in ("fresh", "nobody"):
            self.assertFalse(leads[name].customer_abc_xyz_class)
            self.assertFalse(leads[name].customer_cell_rank)
            self.assertFalse(leads[name].customer_needs_attention)
        # nothing is copied: a new class shows at once
        self.middle.with_company(self.company).sudo().write({"abc_class": "A", "abc_xyz_class": "AY"})
        self.assertEqual(self._leads().filtered(lambda lead: lead.name == "middle").customer_abc_xyz_class, "AY")

    def test_filters_never_drop_leads_without_class(self):
        self.assertEqual(self._search([("customer_abc_class", "=", "A")]), ["big"])
        self.assertEqual(sorted(self._search([("customer_abc_class", "=", "C")])), ["contact", "small_1", "small_2"])
        self.assertEqual(sorted(self._search([("customer_xyz_class", "=", "Y")])), ["middle"])
        self.assertEqual(self._search([("customer_abc_xyz_class", "in", ["AX", "BY"])], order="id"), ["big", "middle"])
        self.assertEqual(
            sorted(self._search([("customer_abc_class", "!=", "A")])),
            ["contact", "fresh", "middle", "nobody", "small_1", "small_2"],
            "a lead without a customer or a class is not A",
        )
        self.assertEqual(sorted(self._search([("customer_abc_class", "=", False)])), ["fresh", "nobody"])
        self.assertEqual(sorted(self._search([("customer_classification_revenue", ">", 1000)])), ["big", "middle"])

    def test_needs_attention_under_the_rules_of_the_lead_company(self):
        leads = {lead.name: lead for lead in self._leads()}
        # Shared is 30 days late on a 30-day rhythm and an A customer with nothing planned in company 1
        self.assertTrue(leads["big"].customer_needs_attention)
        self.assertIn("overdue by 30 days", leads["big"].customer_attention_reasons)
        self.assertIn("no activity planned", leads["big"].customer_attention_reasons)
        # in company 2 the same customer is a calm C customer
        self.assertFalse(leads["contact"].customer_needs_attention)
        self.assertEqual(self._search([("customer_needs_attention", "=", True)]), ["big"])
        self.assertNotIn("big", self._search([("customer_needs_attention", "=", False)]))
        self.company.write({"segmentation_attention_overdue_off": True, "segmentation_attention_no_activity_off": True})
        self.assertEqual(self._search([("customer_needs_attention", "=", True)]), [])
        self.env.invalidate_all()
        self.assertFalse(self._leads().filtered(lambda lead: lead.name == "big").customer_needs_attention)

    def test_pipeline_ordered_by_cell_rank_then_expected_revenue(self):
        order = "customer_cell_rank, expected_revenue desc, id"
        self.assertEqual(
            self._search([("company_id", "=", self.company.id)], order=order),
            ["big", "middle", "small_2", "small_1", "fresh", "nobody"],
            "AX, BY, the CZ leads by expected revenue, then the leads without a cell by expected revenue",
        )
        self.company.priority_cell_order = "CZ, CY, CX, BZ, BY, BX, AZ, AY, AX"
        self.assertEqual(
            self._search([("company_id", "=", self.company.id)], order=order),
            ["small_2", "small_1", "middle", "big", "fresh", "nobody"],
        )
        self.assertEqual(self._leads().filtered(lambda lead: lead.name == "big").customer_cell_rank, 9)

    def test_pipeline_survives_a_cell_order_broken_behind_the_form(self):
        self.env.cr.execute(
            "UPDATE res_company SET priority_cell_order = 'AX,AX,AX,AX,AX,AX,AX,AX,AX' WHERE id = %s", [self.company.id]
        )
        self.env.invalidate_all()
        self.assertEqual(
            self._search([("company_id", "=", self.company.id)], order="customer_cell_rank, expected_revenue desc, id"),
            ["big", "middle", "small_2", "small_1", "fresh", "nobody"],
            "the default order of the cells",
        )
        ranks = {lead.name: lead.customer_cell_rank for lead in self._leads()}
        self.assertEqual((ranks["big"], ranks["middle"], ranks["small_1"]), (1, 5, 9))

    def test_group_by_cell_with_won_and_lost(self):
        self.leads["small_1"].action_set_lost()
        self.leads["middle"].action_set_won()
        Lead = self.env["crm.lead"].with_context(allowed_company_ids=(self.company | self.company_2).ids)
        domain = [("id", "in", self.all_leads.ids), ("active", "in", [True, False])]
        groups = {
            (cell, status): (count, revenue)
            for cell, status, count, revenue in Lead._read_group(
                domain, ["customer_abc_xyz_class", "won_status"], ["__count", "expected_revenue:sum"]
            )
        }
        self.assertEqual(
            groups,
            {
                ("AX", "pending"): (1, 1000),
                ("CZ", "pending"): (2, 5800),
                ("CZ", "lost"): (1, 200),
                ("BY", "won"): (1, 3000),
                (False, "pending"): (2, 16000),
            },
        )
        web_groups = Lead.formatted_read_group(domain, ["customer_abc_class"], ["__count"])
        self.assertEqual(
            {group["customer_abc_class"]: group["__count"] for group in web_groups},
            {"A": 1, "B": 1, "C": 3, False: 2},
        )
        fields_info = Lead.fields_get(["customer_abc_xyz_class", "customer_cell_rank"], ["groupable", "sortable"])
        self.assertTrue(fields_info["customer_abc_xyz_class"]["groupable"])
        self.assertTrue(fields_info["customer_cell_rank"]["sortable"])

    def test_customer_in_segment(self):
        segment = self.env["customer.segment"].create(
            {"name": "Key accounts", "segment_type": "static", "company_id": self.company.id}
        )
        segment._change_members(add=(self.shared | self.small).ids)
        self.assertEqual(
            sorted(self._search([("customer_segment_ids", "in", segment.ids)])),
            ["big", "contact", "small_1", "small_2"],
        )
        groups = self.env["crm.lead"]._read_group(
            [("id", "in", self.all_leads.ids), ("company_id", "=", self.company.id)],
            ["customer_segment_ids"],
            ["__count"],
        )
        self.assertEqual({seg: count for seg, count in groups}, {segment: 3, self.env["customer.segment"]: 3})
        self.assertEqual(self.leads["big"].customer_segment_ids, segment)
        # a user of company 2 only neither sees nor finds nor groups by company 1's segment
        outsider = new_test_user(
            self.env,
            login="crm_company_2_only",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=self.company_2.id,
            company_ids=[Command.set(self.company_2.ids)],
        )
        Lead = self.env["crm.lead"].with_user(outsider).with_company(self.company_2)
        contact_lead = Lead.browse(self.leads["contact"].id)
        self.assertEqual(Lead.search([("id", "in", self.all_leads.ids)]), contact_lead)
        self.assertFalse(contact_lead.customer_segment_ids)
        self.assertFalse(Lead.search([("customer_segment_ids", "in", segment.ids)]))
        self.assertEqual(
            Lead._read_group([("id", "in", self.all_leads.ids)], ["customer_segment_ids"], ["__count"]),
            [(self.env["customer.segment"], 1)],
        )

    def test_access_as_on_the_customer(self):
        # a salesperson limited to his own documents reads classes, not money
        leads = self._leads(self.salesman)
        self.assertEqual(leads.filtered(lambda lead: lead.name == "big").customer_abc_xyz_class, "AX")
        self.assertEqual(self._search([("customer_abc_class", "=", "A")], user=self.salesman), ["big"])
        with self.assertRaises(AccessError):
            leads.read(["customer_classification_revenue"])
        with self.assertRaises(AccessError):
            self._search([("customer_classification_revenue", ">", 1000)], user=self.salesman)
        with self.assertRaises(AccessError):
            leads._read_group(
                [("id", "in", leads.ids)], ["customer_abc_xyz_class"], ["customer_classification_revenue:sum"]
            )
        self.assertEqual(
            self._leads(self.senior).filtered(lambda lead: lead.name == "big").customer_classification_revenue, 9000.0
        )
