from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import SegmentationTestCase

DAY_1 = datetime(2025, 3, 3, 10, 0)
DAY_2 = datetime(2025, 3, 4, 10, 0)
DAY_3 = datetime(2025, 3, 5, 10, 0)
MANAGER = "customer_segmentation.group_customer_segmentation_manager"


@tagged("post_install", "-at_install")
class TestCustomerSegment(SegmentationTestCase):
    """Company 1 holds alpha (BE, class A, salesperson), beta (FR, class B),
    gamma (BE, class C, no salesperson), alpha's contact (BE) and a shared
    customer (no company, BE, class A in company 2 only); company 2 holds
    delta (BE, class A in company 2)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.be = cls.env.ref("base.be")
        cls.fr = cls.env.ref("base.fr")
        cls.salesman = new_test_user(
            cls.env,
            login="segment_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.manager = new_test_user(
            cls.env,
            login="segment_manager",
            groups=f"{MANAGER},base.group_partner_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id, cls.company_2.id],
        )
        Partner = cls.env["res.partner"]
        cls.alpha, cls.beta, cls.gamma = Partner.create(
            [
                {
                    "name": "Seg Alpha",
                    "is_company": True,
                    "country_id": cls.be.id,
                    "user_id": cls.salesman.id,
                    "company_id": cls.company.id,
                },
                {"name": "Seg Beta", "is_company": True, "country_id": cls.fr.id, "company_id": cls.company.id},
                {"name": "Seg Gamma", "is_company": True, "country_id": cls.be.id, "company_id": cls.company.id},
            ]
        )
        cls.alpha_contact = Partner.create({"name": "Seg Alpha Buyer", "parent_id": cls.alpha.id})
        cls.shared = Partner.create({"name": "Seg Shared", "is_company": True, "country_id": cls.be.id})
        cls.delta = Partner.create(
            {"name": "Seg Delta", "is_company": True, "country_id": cls.be.id, "company_id": cls.company_2.id}
        )
        cls._classify(cls.company, {cls.alpha: ("A", 1000.0), cls.beta: ("B", 300.0), cls.gamma: ("C", 50.0)})
        cls._classify(cls.company_2, {cls.delta: ("A", 900.0), cls.shared: ("A", 800.0)})
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")
        cls.Segment = cls.env["customer.segment"].with_user(cls.manager)

    @classmethod
    def _classify(cls, company, classes):
        for partner, (abc, revenue) in classes.items():
            partner.with_company(company).sudo().write(
                {"abc_class": abc, "classification_revenue": revenue, "classification_margin": revenue / 2}
            )

    def _dynamic(self, name, domain, **vals):
        return self.Segment.create({"name": name, "segment_type": "dynamic", "domain": repr(domain), **vals})

    def _members(self, segment):
        """Members as stored, read past any access rule."""
        return segment.sudo().with_context(active_test=False).partner_ids

    def _history(self, segment, partner):
        return (
            self.env["customer.segment.membership"]
            .search([("segment_id", "=", segment.id), ("partner_id", "=", partner.id)], order="id")
            .mapped(lambda m: (m.date_in, m.date_out))
        )

    def test_static_segment_members_and_history(self):
        with freeze_time(DAY_1):
            segment = self.Segment.create(
                {"name": "VIP", "segment_type": "static", "partner_ids": [Command.set([self.alpha.id, self.beta.id])]}
            )
        self.assertEqual(self._members(segment), self.alpha | self.beta)
        self.assertIn(segment, self.alpha.segment_ids)
        with freeze_time(DAY_2):
            segment.write({"partner_ids": [Command.unlink(self.beta.id), Command.link(self.gamma.id)]})
        self.assertEqual(self._members(segment), self.alpha | self.gamma)
        self.assertEqual(self._history(segment, self.alpha), [(DAY_1.date(), False)])
        self.assertEqual(self._history(segment, self.beta), [(DAY_1.date(), DAY_2.date())])
        self.assertEqual(self._history(segment, self.gamma), [(DAY_2.date(), False)])
        sizes = self.env["customer.segment.size"].search([("segment_id", "=", segment.id)], order="date")
        self.assertEqual(
            sizes.mapped(lambda s: (s.date, s.member_count, s.entry_count, s.exit_count)),
            [(DAY_1.date(), 2, 2, 0), (DAY_2.date(), 2, 1, 1)],
        )
        # customers search and group by their segments natively
        Partner = self.env["res.partner"].with_user(self.salesman)
        self.assertEqual(Partner.search([("segment_ids", "in", segment.ids)]), self.alpha | self.gamma)
        groups = dict(Partner._read_group([("segment_ids", "in", segment.ids)], ["segment_ids"], ["__count"]))
        self.assertEqual(groups[segment.with_user(self.salesman)], 2)
        self.assertEqual(segment.member_count, 2)
        self.assertEqual(segment.revenue, 1050.0)
        self.assertEqual(segment.margin, 525.0)

    def test_static_segment_refuses_foreign_customers(self):
        segment = self.Segment.create({"name": "VIP", "segment_type": "static"})
        with self.assertRaises(ValidationError):
            segment.write({"partner_ids": [Command.link(self.delta.id)]})
        self.assertFalse(self._members(segment))

    def test_partner_side_write_goes_through_history(self):
        static = self.Segment.create({"name": "Fair visitors", "segment_type": "static"})
        dynamic = self._dynamic("Belgium", [("country_id", "=", self.be.id)])
        beta = self.beta.with_user(self.manager)
        with freeze_time(DAY_1):
            beta.write({"segment_ids": [Command.link(static.id)]})
        self.assertEqual(self._members(static), self.beta)
        self.assertEqual(self._history(static, self.beta), [(DAY_1.date(), False)])
        with freeze_time(DAY_2):
            beta.write({"segment_ids": [Command.clear()]})
        self.assertFalse(self._members(static))
        self.assertEqual(self._history(static, self.beta), [(DAY_1.date(), DAY_2.date())])
        with self.assertRaises(UserError):
            beta.write({"segment_ids": [Command.link(dynamic.id)]})
        with self.assertRaises(AccessError):
            self.beta.with_user(self.salesman).write({"segment_ids": [Command.link(static.id)]})
        self.assertFalse(self._members(static))
        with freeze_time(DAY_3):
            newcomer = (
                self.env["res.partner"]
                .with_user(self.manager)
                .create({"name": "Seg Newcomer", "is_company": True, "segment_ids": [Command.link(static.id)]})
            )
        self.assertEqual(self._members(static), newcomer)
        self.assertEqual(self._history(static, newcomer), [(DAY_3.date(), False)])

    def test_dynamic_segment_refresh(self):
        segment = self._dynamic("Belgium", [("country_id", "=", self.be.id)])
        self.assertFalse(self._members(segment), "members only change on refresh")
        with freeze_time(DAY_1):
            segment.action_refresh()
        # commercial entities of company 1 or shared; never a contact nor company 2's customer
        self.assertEqual(self._members(segment), self.alpha | self.gamma | self.shared)
        self.gamma.country_id = self.fr
        self.beta.country_id = self.be
        with freeze_time(DAY_2):
            segment.action_refresh()
        self.assertEqual(self._members(segment), self.alpha | self.beta | self.shared)
        self.assertEqual(self._history(segment, self.alpha), [(DAY_1.date(), False)], "a stay is not reopened")
        self.assertEqual(self._history(segment, self.gamma), [(DAY_1.date(), DAY_2.date())])
        self.assertEqual(self._history(segment, self.beta), [(DAY_2.date(), False)])
        self.assertEqual(segment.last_refresh.date(), DAY_2.date())
        # a refresh without change writes nothing
        memberships = self.env["customer.segment.membership"].search_count([("segment_id", "=", segment.id)])
        with freeze_time(DAY_2):
            segment.action_refresh()
        self.assertEqual(
            self.env["customer.segment.membership"].search_count([("segment_id", "=", segment.id)]), memberships
        )

    def test_dynamic_segment_on_company_figures(self):
        """Classes are read in the segment's company: the shared customer is
        class A in company 2 only."""
        segment_a = self._dynamic("A customers", [("abc_class", "=", "A")])
        segment_b = self._dynamic("A customers B", [("abc_class", "=", "A")], company_id=self.company_2.id)
        (segment_a | segment_b).action_refresh()
        self.assertEqual(self._members(segment_a), self.alpha)
        self.assertEqual(self._members(segment_b), self.delta | self.shared)
        rich = self._dynamic("Revenue over 200", [("classification_revenue", ">", 200)])
        rich.action_refresh()
        self.assertEqual(self._members(rich), self.alpha | self.beta)

    def test_days_since_last_purchase(self):
        today = date(2025, 3, 3)
        self.alpha.with_company(self.company).sudo().last_purchase_date = today - timedelta(days=10)
        self.beta.with_company(self.company).sudo().last_purchase_date = today - timedelta(days=200)
        with freeze_time(DAY_1):
            self.assertEqual(self.alpha.with_company(self.company).days_since_last_purchase, 10)
            segment = self._dynamic("Asleep", [("days_since_last_purchase", ">", 90)])
            segment.action_refresh()
            self.assertEqual(self._members(segment), self.beta)
            recent = self._dynamic("Recent", [("days_since_last_purchase", "<=", 30)])
            recent.action_refresh()
            self.assertEqual(self._members(recent), self.alpha)

    def test_bought_category_criterion(self):
        parent = self.env["product.category"].create({"name": "Seg Furniture"})
        child = self.env["product.category"].create({"name": "Seg Chairs", "parent_id": parent.id})
        other = self.env["product.category"].create({"name": "Seg Food"})
        chair = self._create_product(name="Seg Chair", categ_id=child.id, lst_price=10.0)
        bread = self._create_product(name="Seg Bread", categ_id=other.id, lst_price=1.0)
        with freeze_time(DAY_1):
            invoices = self.env["account.move"].create(
                [
                    self._invoice_vals(self.alpha, chair, date(2025, 2, 1)),  # a month ago
                    self._invoice_vals(self.beta, chair, date(2024, 10, 1)),  # five months ago
                    self._invoice_vals(self.gamma, bread, date(2025, 2, 1)),
                    self._invoice_vals(self.shared, chair, date(2025, 2, 1)),  # left in draft
                ]
            )
            invoices[:3].action_post()
            last_3_months = self._dynamic("Furniture 3m", [("purchased_category_3m_ids", "in", [parent.id])])
            last_6_months = self._dynamic("Furniture 6m", [("purchased_category_6m_ids", "in", [parent.id])])
            (last_3_months | last_6_months).action_refresh()
            self.assertEqual(self._members(last_3_months), self.alpha)
            self.assertEqual(self._members(last_6_months), self.alpha | self.beta)
            self.assertEqual(self.alpha.with_company(self.company).purchased_category_3m_ids, child)
            self.assertEqual(self.beta.with_company(self.company).purchased_category_6m_ids, child)
            self.assertFalse(self.beta.with_company(self.company).purchased_category_3m_ids)
            # searching by name goes through the same query
            Partner = self.env["res.partner"].with_company(self.company)
            self.assertEqual(
                Partner.search([("purchased_category_12m_ids", "ilike", "Seg Chairs")]), self.alpha | self.beta
            )
            self.assertNotIn(self.alpha, Partner.search([("purchased_category_12m_ids", "not in", [parent.id])]))

    def _invoice_vals(self, partner, product, invoice_date):
        return {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": invoice_date,
            "company_id": self.company.id,
            "invoice_line_ids": [
                Command.create({"product_id": product.id, "quantity": 1, "price_unit": 10.0, "tax_ids": []})
            ],
        }

    def test_exclusive_group_first_match_wins(self):
        lifecycle = self.env["customer.segment.group"].with_user(self.manager).create({"name": "Lifecycle"})
        core = self._dynamic("Core", [("abc_class", "in", ["A", "B"])], group_id=lifecycle.id, sequence=1)
        belgium = self._dynamic("Belgium", [("country_id", "=", self.be.id)], group_id=lifecycle.id, sequence=2)
        rest = self._dynamic("Everyone", [], group_id=lifecycle.id, sequence=3)
        overlapping = self._dynamic("Belgium, outside the group", [("country_id", "=", self.be.id)])
        core.action_refresh()  # refreshes the whole group, in order
        self.assertEqual(self._members(core), self.alpha | self.beta)
        self.assertEqual(self._members(belgium), self.gamma | self.shared)
        self.assertFalse(self._members(rest) & (self.alpha | self.beta | self.gamma | self.shared))
        self.assertFalse(self._members(overlapping), "only the group was refreshed")
        overlapping.action_refresh()
        self.assertEqual(self._members(overlapping), self.alpha | self.gamma | self.shared, "no group, overlap")
        # the order decides: Belgium first now
        belgium.sequence = 0
        rest.action_refresh()
        self.assertEqual(self._members(belgium), self.alpha | self.gamma | self.shared)
        self.assertEqual(self._members(core), self.beta)
        self.assertEqual(self._history(core, self.alpha)[0][1], date.today())
        # a list made by hand cannot join an exclusive group
        with self.assertRaises(ValidationError):
            self.Segment.create({"name": "Hand-picked", "segment_type": "static", "group_id": lifecycle.id})

    def test_snapshot(self):
        segment = self._dynamic("Belgium", [("country_id", "=", self.be.id)])
        with freeze_time(DAY_1):
            segment.action_refresh()
            action = segment.action_snapshot()
        snapshot = self.env["customer.segment"].browse(action["res_id"])
        self.assertEqual(snapshot.segment_type, "static")
        self.assertIn("(03/03/2025)", snapshot.name)
        self.assertEqual(self._members(snapshot), self.alpha | self.gamma | self.shared)
        self.assertEqual(self._history(snapshot, self.alpha), [(DAY_1.date(), False)])
        self.gamma.country_id = self.fr
        segment.action_refresh()
        self.assertEqual(self._members(segment), self.alpha | self.shared)
        self.assertEqual(self._members(snapshot), self.alpha | self.gamma | self.shared, "a snapshot does not drift")
        with self.assertRaises(UserError):
            snapshot.action_snapshot()

    def test_bulk_action(self):
        segment = self.Segment.create({"name": "Fair visitors", "segment_type": "static"})
        Wizard = self.env["customer.segment.assign.wizard"].with_user(self.manager)
        context = {"active_model": "res.partner", "active_ids": [self.beta.id, self.gamma.id]}
        with Form(Wizard.with_context(**context)) as form:
            form.segment_id = segment
            self.assertEqual(form.partner_count, 2)
        form.record.action_apply()
        self.assertEqual(self._members(segment), self.beta | self.gamma)
        context["active_ids"] = [self.beta.id]
        Wizard.with_context(**context).create({"segment_id": segment.id, "action": "remove"}).action_apply()
        self.assertEqual(self._members(segment), self.gamma)
        dynamic = self._dynamic("Belgium", [("country_id", "=", self.be.id)])
        with self.assertRaises(UserError):
            Wizard.with_context(**context).create({"segment_id": dynamic.id}).action_apply()
        with self.assertRaises(AccessError):
            Wizard.with_user(self.salesman).with_context(**context).create({"segment_id": segment.id})

    def test_follow_up_activity_once_per_entry(self):
        segment = self._dynamic(
            "Belgium",
            [("country_id", "=", self.be.id)],
            activity_type_id=self.todo.id,
            activity_summary="Call about the Belgian terms",
            activity_delay_days=3,
        )
        Activity = self.env["mail.activity"]
        with freeze_time(DAY_1):
            segment.action_refresh()
            segment.action_refresh()
        activities = Activity.search(
            [("res_model", "=", "res.partner"), ("summary", "=", "Call about the Belgian terms")]
        )
        self.assertEqual(len(activities.filtered(lambda a: a.res_id == self.alpha.id)), 1)
        self.assertEqual(len(activities), 3)
        by_partner = {activity.res_id: activity for activity in activities}
        self.assertEqual(by_partner[self.alpha.id].user_id, self.salesman, "the customer's salesperson")
        self.assertEqual(by_partner[self.gamma.id].user_id, self.manager, "else the segment's responsible")
        self.assertEqual(by_partner[self.alpha.id].date_deadline, date(2025, 3, 6))
        self.assertEqual(by_partner[self.alpha.id].activity_type_id, self.todo)
        # leaving and coming back is a new entry
        self.gamma.country_id = self.fr
        with freeze_time(DAY_2):
            segment.action_refresh()
        self.gamma.country_id = self.be
        with freeze_time(DAY_3):
            segment.action_refresh()
        gamma_activities = Activity.search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.gamma.id), ("activity_type_id", "=", self.todo.id)]
        )
        self.assertEqual(len(gamma_activities), 2)
        self.assertEqual(Activity.search_count([("res_model", "=", "res.partner"), ("res_id", "=", self.alpha.id)]), 1)

    def test_invalid_domain_refused_members_kept(self):
        segment = self._dynamic("Belgium", [("country_id", "=", self.be.id)])
        segment.action_refresh()
        members = self._members(segment)
        self.assertTrue(members)
        for domain in (
            "[('no_such_field', '=', 1)]",
            "[('create_uid', '=', uid)]",
            "[('create_date', '>', context_today().strftime('%Y-%m-%d'))]",
            "__import__('os').system('true')",
            "{'country_id': 1}",
            "[('country_id', 'no_such_operator', 1)]",
        ):
            with self.subTest(domain=domain), self.assertRaises(ValidationError), self.cr.savepoint():
                segment.write({"domain": domain})
            self.assertEqual(segment.domain, repr([("country_id", "=", self.be.id)]))
        segment.action_refresh()
        self.assertEqual(self._members(segment), members)

    @mute_logger("odoo.addons.customer_segmentation.models.customer_segment")
    def test_broken_stored_domain_flagged_and_skipped(self):
        broken = self._dynamic("Belgium", [("country_id", "=", self.be.id)])
        healthy = self._dynamic("France", [("country_id", "=", self.fr.id)])
        with freeze_time(DAY_1):
            broken.action_refresh()
        members = self._members(broken)
        # a field that disappears with an uninstalled module
        self.env.cr.execute(
            SQL("UPDATE customer_segment SET domain = %s WHERE id = %s", "[('x_gone_field', '=', 1)]", broken.id)
        )
        broken.invalidate_recordset(["domain"])
        with freeze_time(DAY_1):
            (broken | healthy).action_refresh()
        self.assertIn("x_gone_field", broken.domain_error)
        self.assertEqual(self._members(broken), members)
        self.assertEqual(self._members(healthy), self.beta)
        self.assertFalse(healthy.domain_error)
        # the scheduled action as well
        self.beta.country_id = self.be
        self.env.flush_all()
        with freeze_time(DAY_2), self.enter_registry_test_mode():
            self.env.ref("customer_segmentation.ir_cron_refresh_customer_segments").method_direct_trigger()
        self.env.invalidate_all()
        self.assertFalse(self._members(healthy), "the other segment still refreshed")
        self.assertEqual(self._members(broken), members)
        # repairing the rule clears the flag
        broken.domain = f"[('country_id', '=', {self.be.id})]"
        self.assertFalse(broken.domain_error)

    def test_cron_keeps_segments_within_their_company(self):
        """The scheduled action runs as superuser: company 2's customer never
        joins a segment of company 1, and the other way round."""
        everyone_a = self._dynamic("Everyone A", [])
        everyone_b = self._dynamic("Everyone B", [], company_id=self.company_2.id)
        self.env.flush_all()
        with self.enter_registry_test_mode():
            self.env.ref("customer_segmentation.ir_cron_refresh_customer_segments").method_direct_trigger()
        self.env.invalidate_all()
        members_a, members_b = self._members(everyone_a), self._members(everyone_b)
        self.assertTrue(self.alpha | self.beta | self.gamma | self.shared <= members_a)
        self.assertNotIn(self.delta, members_a)
        self.assertNotIn(self.alpha_contact, members_a, "contacts follow their company")
        self.assertTrue(self.delta | self.shared <= members_b)
        self.assertFalse((self.alpha | self.beta | self.gamma) & members_b)
        self.assertFalse(members_a.filtered(lambda p: p.company_id and p.company_id != self.company))
        self.assertFalse(members_b.filtered(lambda p: p.company_id and p.company_id != self.company_2))

    def test_members_shown_within_user_access(self):
        segment = self.Segment.create(
            {"name": "VIP", "segment_type": "static", "partner_ids": [Command.set([self.alpha.id, self.beta.id])]}
        )
        # beta moves to company 2 afterwards: the salesman of company 1 no longer sees it
        self.beta.company_id = self.company_2
        as_salesman = segment.with_user(self.salesman)
        self.assertEqual(as_salesman.partner_ids, self.alpha)
        self.assertEqual(as_salesman.member_count, 1)
        self.assertEqual(
            segment.with_user(self.manager)
            .with_context(allowed_company_ids=[self.company.id, self.company_2.id])
            .member_count,
            2,
        )

    def test_salesman_reads_but_cannot_change_segments(self):
        segment = self._dynamic("Belgium", [("country_id", "=", self.be.id)])
        as_salesman = segment.with_user(self.salesman)
        self.assertEqual(as_salesman.name, "Belgium")
        with self.assertRaises(AccessError):
            self.env["customer.segment"].with_user(self.salesman).create({"name": "Mine"})
        with self.assertRaises(AccessError):
            as_salesman.write({"domain": "[]"})
        with self.assertRaises(AccessError):
            as_salesman.action_refresh()
        with self.assertRaises(AccessError):
            self.env["customer.segment.group"].with_user(self.salesman).create({"name": "Mine"})
        self.assertFalse(self._members(segment))
