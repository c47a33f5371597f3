import re
from datetime import date, datetime, timedelta
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.base.tests.test_ir_cron import CronMixinCase

from ..models import customer_segment
from .common import SegmentationTestCase, customer_invoices

DAY_1 = datetime(2025, 3, 3, 10, 0)
DAY_2 = datetime(2025, 3, 4, 10, 0)
DAY_3 = datetime(2025, 3, 5, 10, 0)
MANAGER = "customer_segmentation.group_customer_segmentation_manager"


class SegmentCase(SegmentationTestCase):
    """Company 1 holds alpha (BE, class A, salesperson), beta (FR, class B),
    gamma (BE, class C, no salesperson), alpha's contact (BE) and a shared
    customer (no company, BE, class A in company 2 only); company 2 holds
    delta (BE, class A in company 2). The segmentation administrator works in
    both companies and may read money figures (MONEY_READERS)."""

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
            groups=f"{MANAGER},base.group_partner_manager,sales_team.group_sale_salesman_all_leads",
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

    def _run_cron(self):
        self.env.flush_all()
        with self.enter_registry_test_mode():
            self.env.ref("customer_segmentation.ir_cron_refresh_customer_segments").method_direct_trigger()
        self.env.invalidate_all()


@tagged("post_install", "-at_install")
class TestCustomerSegment(SegmentCase, CronMixinCase):
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

    def test_members_are_the_open_stays(self):
        """The member fields read the open stays of the history: closing a
        stay removes the member, and a second open stay is refused."""
        with freeze_time(DAY_1):
            segment = self.Segment.create(
                {"name": "VIP", "segment_type": "static", "partner_ids": [Command.set([self.alpha.id, self.beta.id])]}
            )
        History = self.env["customer.segment.membership"]
        stays = History.search([("segment_id", "=", segment.id)])
        self.assertEqual(stays.partner_id, self.alpha | self.beta)
        self.assertEqual(stays.mapped("is_current"), [True, True])
        self.assertEqual(stays.company_id, self.company)
        with self.assertRaises(psycopg2.errors.UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            History.sudo().create({"segment_id": segment.id, "partner_id": self.alpha.id, "date_in": DAY_2.date()})
        with freeze_time(DAY_2):
            segment.write({"partner_ids": [Command.unlink(self.alpha.id)]})
        self.assertEqual(self._members(segment), self.beta)
        self.assertNotIn(segment, self.alpha.sudo().segment_ids)
        current = History.search([("segment_id", "=", segment.id), ("is_current", "=", True)])
        self.assertEqual(current.partner_id, self.beta)

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
            done = segment.action_refresh()
        self.assertEqual(self._members(segment), self.alpha | self.beta | self.shared)
        # the button says who joined and left
        self.assertEqual(done["params"]["message"], "Belgium: 1 joined, 1 left, 3 members now.")
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

    def test_refresh_now_queues_a_large_refresh(self):
        """Over QUEUED_REFRESH_ABOVE customers (3 here) "Refresh now" queues
        the refresh for the scheduled action and returns at once. A segment
        never refreshed counts its client base (all of it may enter), one
        refreshed its members."""
        segment = self._dynamic("Belgium", [("country_id", "=", self.be.id)])
        with (
            patch.object(customer_segment, "QUEUED_REFRESH_ABOVE", 3),
            freeze_time(DAY_1),
            self.capture_triggers("customer_segmentation.ir_cron_refresh_customer_segments") as triggers,
        ):
            action = segment.action_refresh()
        self.assertEqual(action["params"]["title"], "Refresh queued")
        self.assertFalse(self._members(segment), "nothing is refreshed in the request")
        self.assertEqual(triggers.records.call_at, DAY_1)
        self.assertEqual((segment.refresh_requester_id, segment.refresh_requested_at), (self.manager, DAY_1))
        self.assertRegex(segment.refresh_status, rf"^Refresh queued on .*2025.* by {re.escape(self.manager.name)}:")
        with freeze_time(DAY_1):
            self._run_cron()
        self.assertEqual(self._members(segment), self.alpha | self.gamma | self.shared)
        self.assertFalse(segment.refresh_requested_at or segment.refresh_requester_id or segment.refresh_status)
        # three members: the next refresh runs at once
        with patch.object(customer_segment, "QUEUED_REFRESH_ABOVE", 3), freeze_time(DAY_2):
            action = segment.action_refresh()
        self.assertEqual(action["params"]["message"], "Belgium: 0 joined, 0 left, 3 members now.")

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
            invoices = customer_invoices(
                self.env,
                self.company,
                [
                    (self.alpha, date(2025, 2, 1), [(chair, 1, 10.0)]),  # a month ago
                    (self.beta, date(2024, 10, 1), [(chair, 1, 10.0)]),  # five months ago
                    (self.gamma, date(2025, 2, 1), [(bread, 1, 10.0)]),
                    (self.shared, date(2025, 2, 1), [(chair, 1, 10.0)]),  # left in draft
                ],
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
        with self.assertRaisesRegex(UserError, "Select the customers first"):
            Wizard.create({"segment_id": segment.id}).action_apply()
        # the bulk actions of the lists are the administrators': a salesperson
        # opens neither
        for model in ("customer.segment.assign.wizard", "customer.client.group.wizard"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.salesman).with_context(**context).create({})
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

    def test_dates_are_the_company_date_near_midnight(self):
        """At 21:30 UTC on March 31 it is already April 1 in Almaty (UTC+5),
        the company's time zone, while the user, in Brussels, is still on
        March 31: entries, exits and follow-up activities are dated April 1,
        as the runs are."""
        self.company.partner_id.tz = "Asia/Almaty"
        self.manager.tz = "Europe/Brussels"
        segment = self._dynamic(
            "Belgium", [("country_id", "=", self.be.id)], activity_type_id=self.todo.id, activity_delay_days=2
        )
        with freeze_time("2025-03-31 21:30:00"):
            self.assertEqual(self.company._segmentation_today(), date(2025, 4, 1))
            segment.action_refresh()
        self.assertEqual(self._history(segment, self.alpha), [(date(2025, 4, 1), False)])
        activity = self.env["mail.activity"].search([("res_model", "=", "res.partner"), ("res_id", "=", self.alpha.id)])
        self.assertEqual(activity.date_deadline, date(2025, 4, 3))
        self.gamma.country_id = self.fr
        with freeze_time("2025-04-01 21:30:00"):
            segment.action_refresh()
        self.assertEqual(self._history(segment, self.gamma), [(date(2025, 4, 1), date(2025, 4, 2))])

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
        with freeze_time(DAY_2):
            self._run_cron()
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
        self._run_cron()
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


@tagged("post_install", "-at_install")
class TestSegmentAccess(SegmentCase):
    """Who may see and do what with segments, tried as real users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a segmentation administrator without accounting rights nor every
        # salesperson's documents
        cls.plain_manager = new_test_user(
            cls.env,
            login="segment_plain_manager",
            groups=f"{MANAGER},base.group_partner_manager",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        # an administrator (segments, invoicing) of company 2 only
        cls.manager_2 = new_test_user(
            cls.env,
            login="segment_manager_2",
            groups=f"{MANAGER},base.group_partner_manager,account.group_account_invoice",
            company_id=cls.company_2.id,
            company_ids=[cls.company_2.id],
        )
        cls.salesman_2 = new_test_user(
            cls.env,
            login="segment_salesman_2",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company_2.id,
            company_ids=[cls.company_2.id],
        )
        cls.portal = new_test_user(cls.env, login="segment_portal", groups="base.group_portal")
        cls.employee = new_test_user(
            cls.env, login="segment_employee", groups="base.group_user", company_ids=[cls.company.id]
        )
        product = cls._create_product(name="Seg Service", lst_price=10.0)
        # company 1 invoices, made by the test user (another salesperson than the managers)
        invoices = customer_invoices(
            cls.env,
            cls.company,
            [(partner, date(2025, 2, 1), [(product, 1, 1000.0)]) for partner in (cls.shared, cls.beta)],
        )
        invoices.action_post()

    def test_rule_sees_what_its_responsible_sees_in_its_company(self):
        """Company 2's administrator cannot reach company 1's invoices through
        a rule, neither by "Refresh now" nor by the scheduled action."""
        rule = [("invoice_ids.company_id", "=", self.company.id)]
        Segment = self.env["customer.segment"].with_user(self.manager_2)
        segment = Segment.create({"name": "Company 1 buyers", "segment_type": "dynamic", "domain": repr(rule)})
        self.assertEqual(segment.company_id, self.company_2)
        self.assertEqual(segment.user_id, self.manager_2)
        segment.action_refresh()
        self.assertNotIn(self.shared, self._members(segment))
        self.assertFalse(self._members(segment))
        # the same rule in company 1, with an administrator of company 1, finds it
        allowed = self._dynamic("Company 1 buyers", rule)
        allowed.action_refresh()
        self.assertEqual(self._members(allowed), self.shared | self.beta)
        # the scheduled action runs as superuser and still evaluates as the responsible
        (segment | allowed).sudo().write({"last_refresh": False})
        self.env.invalidate_all()
        self._run_cron()
        self.assertFalse(self._members(segment))
        self.assertEqual(self._members(allowed), self.shared | self.beta)
        self.assertFalse(segment.domain_error)

    def test_rule_sees_only_the_records_its_responsible_reads(self):
        """A rule whose responsible is a salesperson who only sees his own
        invoices does not match customers on the amounts of the others'."""
        segment = (
            self.env["customer.segment"]
            .with_user(self.plain_manager)
            .create(
                {
                    "name": "Big invoices",
                    "segment_type": "dynamic",
                    "user_id": self.salesman.id,
                    "domain": repr([("invoice_ids.amount_total", ">", 500)]),
                }
            )
        )
        segment.action_refresh()
        self.assertFalse(self._members(segment))
        segment.sudo().user_id = self.manager
        segment.action_refresh()
        self.assertEqual(self._members(segment), self.shared | self.beta)

    def test_rule_naming_a_field_its_author_cannot_read_is_refused(self):
        Segment = self.env["customer.segment"].with_user(self.plain_manager)
        for rule in (
            [("credit", ">", 0)],
            [("child_ids.credit", ">", 0)],
            [("child_ids", "any", [("total_invoiced", ">", 0)])],
        ):
            with self.subTest(rule=rule), self.assertRaises(ValidationError) as caught:
                Segment.create({"name": "Debtors", "segment_type": "dynamic", "domain": repr(rule)})
            self.assertIn("not allowed to read", str(caught.exception))
        # nor when the author may, but the responsible who evaluates it may not
        with self.assertRaises(ValidationError) as caught:
            self.env["customer.segment"].create(
                {
                    "name": "Debtors",
                    "segment_type": "dynamic",
                    "domain": repr([("credit", ">", 0)]),
                    "user_id": self.plain_manager.id,
                }
            )
        self.assertIn(self.plain_manager.name, str(caught.exception))
        # searching past access rights is never allowed
        with self.assertRaises(ValidationError):
            self._dynamic("Any!", [("invoice_ids", "any!", [("amount_total", ">", 0)])])

    def test_responsible_required_for_dynamic_segments(self):
        with self.assertRaises(ValidationError):
            self._dynamic("Nobody", [], user_id=False)
        with self.assertRaises(ValidationError):
            self._dynamic("Portal", [], user_id=self.portal.id)
        with self.assertRaises(ValidationError):
            self._dynamic("Other company", [], user_id=self.salesman_2.id)
        # created as superuser (data, scheduled actions), no responsible is guessed
        with self.assertRaises(ValidationError):
            self.env["customer.segment"].with_user(SUPERUSER_ID).create(
                {"name": "Root", "segment_type": "dynamic", "domain": "[]"}
            )
        static = self.Segment.create({"name": "Static without responsible", "user_id": False})
        self.assertFalse(static.user_id)

    @mute_logger("odoo.addons.customer_segmentation.models.customer_segment")
    def test_responsible_leaving_flags_the_segment(self):
        segment = self._dynamic("Belgium", [("country_id", "=", self.be.id)], user_id=self.plain_manager.id)
        segment.action_refresh()
        members = self._members(segment)
        self.assertTrue(members)
        self.plain_manager.sudo().active = False
        segment.action_refresh()
        self.assertIn(self.plain_manager.name, segment.domain_error)
        self.assertEqual(self._members(segment), members)

    def test_search_by_segment_only_finds_readable_segments(self):
        segment = self.Segment.create(
            {"name": "VIP", "segment_type": "static", "partner_ids": [Command.set([self.shared.id, self.alpha.id])]}
        )
        Partner = self.env["res.partner"].with_user(self.salesman_2)
        self.assertTrue(Partner.search([("id", "=", self.shared.id)]), "the shared customer is readable")
        for domain in (
            [("segment_ids", "in", segment.ids)],
            [("segment_ids", "=", segment.id)],
            [("segment_ids", "any", [("id", "=", segment.id)])],
        ):
            with self.subTest(domain=domain):
                self.assertFalse(Partner.search_read(domain, ["name"]))
                self.assertFalse(Partner.search_count(domain))
        # a user of both companies finds them only with company 1 enabled
        Partner = self.env["res.partner"].with_user(self.manager)
        domain = [("segment_ids", "in", segment.ids)]
        self.assertFalse(Partner.with_context(allowed_company_ids=[self.company_2.id]).search(domain))
        self.assertEqual(
            Partner.with_context(allowed_company_ids=[self.company.id, self.company_2.id]).search(domain),
            self.alpha | self.shared,
        )
        self.assertEqual(self.env["res.partner"].sudo().search(domain), self.alpha | self.shared)

    def test_money_figures_only_for_money_readers(self):
        segment = self.Segment.create(
            {"name": "VIP", "segment_type": "static", "partner_ids": [Command.set([self.alpha.id, self.beta.id])]}
        )
        as_salesman = segment.with_user(self.salesman)
        self.assertEqual(as_salesman.member_count, 2)
        self.assertEqual(as_salesman.read(["member_count"])[0]["member_count"], 2)
        for fname in ("revenue", "margin"):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                as_salesman.read([fname])
            with self.subTest(field=fname), self.assertRaises(AccessError):
                self.env["customer.segment"].with_user(self.salesman).search_read([], [fname])
        self.assertEqual(segment.revenue, 1300.0)
        self.assertEqual(segment.margin, 650.0)
        # the views show them to money readers only
        arch = self.env["customer.segment"].with_user(self.salesman).get_views([(False, "list"), (False, "form")])
        for view in arch["views"].values():
            self.assertNotIn('name="revenue"', view["arch"])
            self.assertIn('name="member_count"', view["arch"])
        arch = self.env["customer.segment"].with_user(self.manager).get_views([(False, "form")])
        self.assertIn('name="revenue"', arch["views"]["form"]["arch"])
        # nothing at all for a portal user or an employee without Sales rights
        for user in (self.portal, self.employee):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    segment.with_user(user).read(["name", "member_count"])
                with self.assertRaises(AccessError):
                    self.env["customer.segment"].with_user(user).search_read([], ["name"])
                with self.assertRaises(AccessError):
                    self.env["res.partner"].with_user(user).search_read([("segment_ids", "in", segment.ids)], ["name"])

    def test_changes_only_in_allowed_companies(self):
        static_1 = self.Segment.create(
            {"name": "VIP 1", "segment_type": "static", "partner_ids": [Command.link(self.shared.id)]}
        )
        dynamic_1 = self._dynamic("Everyone 1", [])
        dynamic_1.action_refresh()
        Segment_2 = self.env["customer.segment"].with_user(self.manager_2)
        static_2 = Segment_2.create(
            {"name": "VIP 2", "segment_type": "static", "partner_ids": [Command.link(self.shared.id)]}
        )
        dynamic_2 = Segment_2.create({"name": "Everyone 2", "segment_type": "dynamic", "domain": "[]"})
        dynamic_2.action_refresh()
        self.assertIn(self.shared, self._members(dynamic_2))
        for segment in (static_1, dynamic_1):
            with self.subTest(segment=segment.name):
                as_manager_2 = segment.with_user(self.manager_2)
                with self.assertRaises(AccessError):
                    as_manager_2.action_refresh()
                with self.assertRaises(AccessError):
                    as_manager_2.write({"partner_ids": [Command.link(self.shared.id)]})
                with self.assertRaises(AccessError):
                    as_manager_2._change_members(add=self.delta.ids)
        with self.assertRaises(AccessError):
            dynamic_1.with_user(self.manager_2).action_snapshot()
        # the shared customer, cleared by company 2's administrator: only company 2's static segment
        with self.assertRaises(AccessError):
            self.shared.with_user(self.manager_2).write({"segment_ids": [Command.unlink(static_1.id)]})
        self.shared.with_user(self.manager_2).write({"segment_ids": [Command.clear()]})
        self.assertEqual(self._members(static_1), self.shared)
        self.assertFalse(self._members(static_2))
        self.assertIn(self.shared, self._members(dynamic_1))
        self.assertIn(self.shared, self._members(dynamic_2))
        # and a refresh by company 2's administrator only refreshes company 2
        self.shared.sudo().active = False
        dynamic_2.action_refresh()
        self.assertNotIn(self.shared, self._members(dynamic_2))
        self.assertIn(self.shared, self._members(dynamic_1))


@tagged("post_install", "-at_install")
class TestSegmentInput(SegmentCase):
    """Rules and member changes that cannot be done are refused when they are
    made, with a message that says why; the others are exact."""

    def test_rules_that_cannot_run_are_refused_on_save(self):
        Segment = self.env["customer.segment"]  # the test user reads invoice figures
        cases = [
            ([("classification_revenue", ">", 1e400)], "not a number"),
            ([("days_since_last_purchase", ">", -1e400)], "not a number"),
            ([("classification_revenue", ">", 10**400)], "too large"),
            ([("total_invoiced", ">", 0)], "cannot be searched"),
            ([("child_ids.total_invoiced", ">", 0)], "cannot be searched"),
            ([("name", "=", b"bytes")], "not a value"),
            ([("name", "in", ["x" * 60] * 2000)], "too long"),
        ]
        for rule, reason in cases:
            text = repr(rule) if reason != "not a number" else str(rule).replace("inf", "1e400")
            with self.subTest(rule=text[:80]), self.assertRaises(ValidationError) as caught:
                Segment.create({"name": "Broken", "segment_type": "dynamic", "domain": text})
            self.assertIn(reason, str(caught.exception))
        # writing it on an existing segment is refused as well
        segment = Segment.create({"name": "Rich", "segment_type": "dynamic", "domain": "[('abc_class', '=', 'A')]"})
        with self.assertRaises(ValidationError):
            segment.domain = "[('classification_revenue', '>', 1e400)]"
        with self.assertRaises(ValidationError) as caught:
            segment.domain = "[('credit', '>', 1)" + ", ('name', '=', 'x')" * 20000 + "]"
        self.assertIn("too long", str(caught.exception))
        self.assertNotIn("context_today", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            segment.domain = "[('create_date', '>', context_today())]"
        self.assertIn("context_today", str(caught.exception))
        self.assertEqual(segment.domain, "[('abc_class', '=', 'A')]")

    @mute_logger("odoo.addons.customer_segmentation.models.customer_segment")
    def test_rule_broken_later_flagged_others_refresh(self):
        """A stored rule that cannot run (anymore) is flagged and skipped by
        "Refresh now" and the scheduled action; its exclusive group and the
        other segments still refresh."""
        lifecycle = self.env["customer.segment.group"].with_user(self.manager).create({"name": "Lifecycle"})
        first = self._dynamic("A", [("abc_class", "=", "A")], group_id=lifecycle.id, sequence=1)
        broken = self._dynamic("B", [("abc_class", "=", "B")], group_id=lifecycle.id, sequence=2)
        last = self._dynamic("Belgium", [("country_id", "=", self.be.id)], group_id=lifecycle.id, sequence=3)
        for rule in ("[('total_invoiced', '>', 0)]", "[('classification_revenue', '>', 1e400)]"):
            with self.subTest(rule=rule):
                self.env.cr.execute(
                    SQL("UPDATE customer_segment SET domain = %s, domain_error = NULL WHERE id = %s", rule, broken.id)
                )
                broken.invalidate_recordset(["domain", "domain_error"])
                first.action_refresh()
                self.assertTrue(broken.domain_error)
                self.assertFalse(self._members(broken))
                self.assertEqual(self._members(first), self.alpha)
                self.assertEqual(self._members(last), self.gamma | self.shared)
                self.assertFalse(first.domain_error or last.domain_error)
        (first | broken | last).sudo().write({"last_refresh": False, "domain_error": False})
        self.alpha.with_company(self.company).sudo().abc_class = "C"
        self._run_cron()
        self.assertTrue(broken.domain_error)
        self.assertFalse(self._members(first))
        self.assertEqual(self._members(last), self.alpha | self.gamma | self.shared)

    def _stays(self, partner):
        """{segment: number of open stays} of a customer."""
        stays = self.env["customer.segment.membership"].search(
            [("partner_id", "=", partner.id), ("date_out", "=", False)]
        )
        counts = {}
        for stay in stays:
            counts[stay.segment_id] = counts.get(stay.segment_id, 0) + 1
        return counts

    def test_partner_segment_commands_change_static_segments_only(self):
        Segment = self.Segment
        s1, s2, s3 = Segment.create([{"name": f"Static {n}", "segment_type": "static"} for n in (1, 2, 3)])
        other = Segment.create(
            {"name": "Static 2nd company", "segment_type": "static", "company_id": self.company_2.id}
        )
        dynamic = self._dynamic("Everyone", [])
        dynamic.action_refresh()
        shared = self.shared.with_user(self.manager).with_context(allowed_company_ids=[self.company.id])
        other.sudo()._change_members(add=self.shared.ids)

        def reset():
            self.shared.with_user(self.manager).write({"segment_ids": [Command.link(s1.id), Command.link(s2.id)]})
            self.shared.with_user(self.manager).write({"segment_ids": [Command.unlink(s3.id)]})
            self.assertEqual(self._static(self.shared), s1 | s2 | other)

        cases = [
            ((5,), Segment),
            ((5, 0, 0), Segment),
            (Command.clear(), Segment),
            ((6, 0, [s3.id]), s3),
            (Command.set([s3.id, dynamic.id]), s3),
            (Command.set([s1.id]), s1),
            (Command.link(s3.id), s1 | s2 | s3),
            (Command.unlink(s1.id), s2),
            (Command.unlink(dynamic.id), None),
        ]
        for command, expected in cases:
            with self.subTest(command=command):
                reset()
                if expected is None:
                    with self.assertRaises(UserError):
                        shared.write({"segment_ids": [command]})
                    continue
                shared.write({"segment_ids": [command]})
                self.assertEqual(self._static(self.shared) - other, expected)
                self.assertIn(other, self._static(self.shared), "company 2 is not enabled: untouched")
                self.assertIn(self.shared, self._members(dynamic), "the rule decides")
        for value, expected in (([s3.id], s3), ((s2.id,), s2), (False, Segment), (s1 | s3, s1 | s3)):
            with self.subTest(value=value):
                reset()
                shared.write({"segment_ids": value})
                self.assertEqual(self._static(self.shared) - other, expected)
                self.assertIn(self.shared, self._members(dynamic))
        # a new customer can be created with segments too
        newcomer = shared.create({"name": "Seg Newcomer", "is_company": True, "segment_ids": [(6, 0, [s1.id])]})
        self.assertEqual(self._static(newcomer), s1)

    def _static(self, partner):
        return partner.sudo().segment_ids.filtered(lambda s: s.segment_type == "static")

    def test_no_op_set_is_a_no_op(self):
        static = self.Segment.create({"name": "VIP", "segment_type": "static"})
        dynamic = self._dynamic("Belgium", [("country_id", "=", self.be.id)])
        with freeze_time(DAY_1):
            self.alpha.with_user(self.manager).write({"segment_ids": [Command.link(static.id)]})
            dynamic.action_refresh()
        History = self.env["customer.segment.membership"]
        Size = self.env["customer.segment.size"]
        self.env.flush_all()
        before = (History.search_count([]), Size.search([]).mapped(lambda s: (s.id, s.write_date)))
        alpha = self.alpha.with_user(self.manager)
        with freeze_time(DAY_2):
            for value in (
                [Command.set([static.id, dynamic.id])],
                [Command.link(static.id)],
                [Command.link(dynamic.id)],
                [Command.unlink(self.env["customer.segment"].create({"name": "Unrelated"}).id)],
                [static.id, dynamic.id],
                [],
            ):
                alpha.write({"segment_ids": value})
            static.with_user(self.manager).write({"partner_ids": [Command.link(self.alpha.id)]})
            static.with_user(self.manager).write({"partner_ids": [Command.set([self.alpha.id])]})
            self.env.flush_all()
        after = (History.search_count([]), Size.search([]).mapped(lambda s: (s.id, s.write_date)))
        self.assertEqual(after, before)
        self.assertEqual(self._history(static, self.alpha), [(DAY_1.date(), False)])

    def test_segment_form_commands(self):
        segment = self.Segment.create({"name": "VIP", "segment_type": "static", "partner_ids": [self.alpha.id]})
        self.assertEqual(self._members(segment), self.alpha)
        segment.write({"partner_ids": [(6, 0, [self.beta.id, self.gamma.id])]})
        self.assertEqual(self._members(segment), self.beta | self.gamma)
        segment.write({"partner_ids": [(5,)]})
        self.assertFalse(self._members(segment))
        segment.write({"partner_ids": (self.alpha | self.beta).ids})
        self.assertEqual(self._members(segment), self.alpha | self.beta)
        segment.write({"partner_ids": False})
        self.assertFalse(self._members(segment))
        with self.assertRaises(UserError):
            segment.write({"partner_ids": [Command.create({"name": "New customer"})]})
        dynamic = self._dynamic("Belgium", [("country_id", "=", self.be.id)])
        with self.assertRaises(UserError) as caught:
            dynamic.write({"partner_ids": [Command.link(self.beta.id)]})
        message = str(caught.exception)
        # the one message, whatever the way in
        for change in (
            lambda: self.beta.with_user(self.manager).write({"segment_ids": [Command.link(dynamic.id)]}),
            lambda: (
                self.env["customer.segment.assign.wizard"]
                .with_user(self.manager)
                .create({"segment_id": dynamic.id, "partner_ids": self.beta.ids})
                .action_apply()
            ),
            lambda: dynamic._change_members(add=self.beta.ids),
        ):
            with self.assertRaises(UserError) as caught:
                change()
            self.assertEqual(str(caught.exception), message)

    def test_merge_leaves_one_open_stay_per_segment(self):
        with freeze_time(DAY_1):
            static = self.Segment.create(
                {"name": "VIP", "segment_type": "static", "partner_ids": [Command.set([self.beta.id, self.gamma.id])]}
            )
            only_gamma = self.Segment.create(
                {"name": "Gamma's", "segment_type": "static", "partner_ids": [Command.link(self.gamma.id)]}
            )
            dynamic = self._dynamic("Company 1", [("company_id", "=", self.company.id)])
            dynamic.action_refresh()
        with freeze_time(DAY_2):
            static.write({"partner_ids": [Command.unlink(self.gamma.id)]})
            static.write({"partner_ids": [Command.link(self.gamma.id)]})
        self.assertEqual(self._members(dynamic), self.alpha | self.beta | self.gamma)
        wizard = self.env["base.partner.merge.automatic.wizard"].sudo().create({})
        wizard._merge((self.beta | self.gamma).ids, self.beta, extra_checks=False)
        self.assertFalse(self.gamma.exists())
        self.assertEqual(self._stays(self.beta), {static: 1, only_gamma: 1, dynamic: 1})
        self.assertIn(self.beta, self._members(only_gamma))
        self.assertEqual(self.beta.sudo().segment_ids, static | only_gamma | dynamic)
        self.assertEqual(self._history(dynamic, self.beta), [(DAY_1.date(), False)])
        # the merged customer's past stays follow the survivor; of the open
        # ones in the same segment, the earliest is kept
        self.assertEqual(self._history(static, self.beta), [(DAY_1.date(), False), (DAY_1.date(), DAY_2.date())])
