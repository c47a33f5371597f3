from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from .common import SegmentationTestCase, customer_invoices

RUN_DATE = date(2025, 1, 15)  # ABC window: 2024; the window before: 2023
NEXT_RUN = date(2025, 2, 15)  # window: February 2024 to January 2025


@tagged("post_install", "-at_install")
class TestPriorityClients(SegmentationTestCase):
    """Priority clients on known invoices, hand-computed.

    Revenue in 2024 (total 35600), cells at the run of 2025-01-15:
      steady   2000 every month of 2023 and 2024 (day 10)   24000  A  X  AX  salesman
      rival    500 every month of 2024 (day 12)              6000  A  X  AX  senior salesman
      regular  1000 on 2024-08-28, 09-27, 10-27, 11-26       4000  B  Z  BZ  salesman
               (every 30 days, last one 50 days before the run)
      two      500 on 2024-05-05 and 2024-12-05              1000  C  Z  CZ  salesman
      down     1000 on 2023-06-10, 600 on 2024-06-10          600  C  Z  CZ  salesman
               (-40 % against 2023)
    ABC: shares before each customer 0, 67.4, 84.3, 95.5, 98.3 %.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls._create_product(name="Paper", lst_price=100.0, standard_price=40.0, taxes_id=[])
        cls.salesman = new_test_user(
            cls.env,
            login="prio_salesman",
            name="Own Documents Salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
        )
        cls.senior = new_test_user(
            cls.env,
            login="prio_senior",
            name="All Documents Salesman",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=cls.company.id,
        )
        Partner = cls.env["res.partner"]
        cls.steady, cls.rival, cls.regular, cls.two, cls.down = Partner.create(
            [
                {"name": name, "is_company": True, "user_id": user.id}
                for name, user in (
                    ("Steady", cls.salesman),
                    ("Rival", cls.senior),
                    ("Regular", cls.salesman),
                    ("Two", cls.salesman),
                    ("Down", cls.salesman),
                )
            ]
        )
        cls.steady_contact = Partner.create({"name": "Sam Steady", "parent_id": cls.steady.id})
        rows = [(cls.steady, date(year, month, 10), 2000.0) for year in (2023, 2024) for month in range(1, 13)]
        rows += [(cls.rival, date(2024, month, 12), 500.0) for month in range(1, 13)]
        rows += [(cls.regular, RUN_DATE - timedelta(days=days), 1000.0) for days in (140, 110, 80, 50)]
        rows += [(cls.two, date(2024, 5, 5), 500.0), (cls.two, date(2024, 12, 5), 500.0)]
        rows += [(cls.down, date(2023, 6, 10), 1000.0), (cls.down, date(2024, 6, 10), 600.0)]
        customer_invoices(
            cls.env, cls.env.company, [(partner, day, [(cls.product, 1, amount)]) for partner, day, amount in rows]
        ).action_post()

    def _run(self, run_date=RUN_DATE):
        with freeze_time(run_date):
            return self.env["customer.classification"]._run(self.company, run_date)

    def _at(self, partner, day=RUN_DATE, user=None):
        """`partner` in the company, read as `user` on `day`."""
        env = self.env(user=user) if user else self.env
        partner = partner.with_env(env).with_company(self.company)
        partner.invalidate_recordset()
        return partner

    def _drop_activities(self, partner):
        return self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", partner.id), ("summary", "like", "Class dropped")]
        )

    # ------------------------------------------------------------------
    # rhythm

    def test_rhythm_and_overdue(self):
        self._run()
        with freeze_time(RUN_DATE):
            regular = self._at(self.regular)
            self.assertEqual(regular.abc_xyz_class, "BZ")
            self.assertEqual(regular.purchase_interval_days, 30)
            self.assertEqual(regular.last_purchase_date, date(2024, 11, 26))
            self.assertEqual(regular.next_purchase_date, date(2024, 12, 26))
            self.assertEqual(regular.purchase_overdue_days, 20, "50 days since the last purchase, every 30 days")
            self.assertTrue(regular.needs_attention, "20 days late is more than 50 % of 30 days")
            self.assertTrue(regular.attention_overdue)
            self.assertIn("overdue by 20 days", regular.attention_reasons)
            two = self._at(self.two)
            self.assertFalse(two.purchase_interval_days, "two purchase dates: no usual interval")
            self.assertFalse(two.next_purchase_date)
            self.assertEqual(two.purchase_overdue_days, 0)
            self.assertFalse(two.attention_overdue)
            # the days overdue search agrees with the computed value
            Partner = self.env["res.partner"].with_company(self.company)
            customers = self.steady | self.rival | self.regular | self.two | self.down
            late = Partner.search([("id", "in", customers.ids), ("purchase_overdue_days", ">", 15)])
            self.assertEqual(late, self.regular)
            on_time = Partner.search([("id", "in", customers.ids), ("purchase_overdue_days", "=", 0)])
            self.assertNotIn(self.regular, on_time)
            self.assertIn(self.two, on_time)
            self.assertEqual(
                Partner.search([("id", "in", customers.ids), ("purchase_overdue_days", "in", [20])]), self.regular
            )
        # 16 days later the tolerance still holds it; with 80 % (24 days) it
        # no longer needs attention for being late; switched off, never
        with freeze_time(RUN_DATE):
            self.company.segmentation_overdue_tolerance = 80.0
            self.assertFalse(self._at(self.regular).attention_overdue)
        with freeze_time(RUN_DATE + timedelta(days=5)):
            self.assertEqual(self._at(self.regular).purchase_overdue_days, 25)
            self.assertTrue(self._at(self.regular).attention_overdue, "25 days late, more than 80 % of 30")
            self.company.segmentation_attention_overdue_off = True
            self.assertFalse(self._at(self.regular).attention_overdue)
            self.assertNotIn(
                self.regular,
                self.env["res.partner"].with_company(self.company).search([("needs_attention", "=", True)]),
            )

    def test_revenue_change(self):
        self._run()
        with freeze_time(RUN_DATE):
            down = self._at(self.down)
            self.assertEqual(down.revenue_change_percent, -40.0, "600 in 2024 after 1000 in 2023")
            self.assertTrue(down.attention_revenue_down)
            self.assertIn("Revenue down 40 %", down.attention_reasons)
            self.assertEqual(self._at(self.steady).revenue_change_percent, 0.0, "24000 after 24000")
            rival = self._at(self.rival)
            self.assertFalse(rival.revenue_change_percent, "nothing in 2023: no percentage")
            self.assertFalse(rival.attention_revenue_down, "no previous revenue is no drop")
            self.company.segmentation_revenue_down_percent = 50.0
            self.assertFalse(self._at(self.down).attention_revenue_down, "-40 % is not a drop of more than 50 %")

    def test_a_customer_without_activity(self):
        self._run()
        Partner = self.env["res.partner"].with_company(self.company)
        customers = self.steady | self.rival | self.regular | self.two | self.down
        with freeze_time(RUN_DATE):
            no_activity = Partner.search([("id", "in", customers.ids), ("attention_no_activity", "=", True)])
            self.assertEqual(no_activity, self.steady | self.rival, "the two A customers have nothing planned")
            self.assertIn("no activity planned", self._at(self.steady).attention_reasons)
            # an activity on its contact counts for the customer
            self.steady_contact.activity_schedule("mail.mail_activity_data_call", user_id=self.salesman.id)
            self.assertFalse(self._at(self.steady).attention_no_activity)
            self.assertEqual(
                Partner.search([("id", "in", customers.ids), ("attention_no_activity", "=", True)]), self.rival
            )
            # and on one of its open opportunities
            lead = self.env["crm.lead"].create(
                {"name": "Rival deal", "type": "opportunity", "partner_id": self.rival.id}
            )
            lead.activity_schedule("mail.mail_activity_data_call", user_id=self.senior.id)
            self.assertFalse(self._at(self.rival).attention_no_activity)
            self.assertEqual(self._at(self.rival).open_opportunity_count, 1)
            needing = Partner.search([("id", "in", customers.ids), ("needs_attention", "=", True)])
            self.assertEqual(needing, self.regular | self.down)
            not_needing = Partner.search([("id", "in", customers.ids), ("needs_attention", "=", False)])
            self.assertEqual(not_needing, self.steady | self.rival | self.two)

    # ------------------------------------------------------------------
    # class drops

    def test_class_drop_plans_one_activity_and_a_rerun_none(self):
        first = self._run()
        self.assertEqual(first["drop_activities"], 0, "no class before the first run: no drop")
        self.assertFalse(self._drop_activities(self.steady))
        # a month later, nothing bought in January: the steady buyers drop
        # from X to Z (11 months of 12 bought, CV 0.30)
        second = self._run(NEXT_RUN)
        self.assertEqual(self._at(self.steady, NEXT_RUN).abc_xyz_class, "AZ")
        self.assertEqual(second["drop_activities"], 2)
        activity = self._drop_activities(self.steady)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(activity.summary, "Class dropped: AX to AZ")
        self.assertEqual(activity.date_deadline, NEXT_RUN + timedelta(days=3))
        self.assertIn("from AX to AZ", activity.note)
        self.assertIn("Last purchase", activity.note)
        self.assertNotIn("Revenue in the window", activity.note, "this salesman may not read amounts")
        rival_note = self._drop_activities(self.rival).note
        self.assertIn("Revenue in the window", rival_note, "an all-documents salesman reads them")
        self.assertIn("5,500.00", rival_note)
        third = self._run(NEXT_RUN)
        self.assertEqual((third["written"], third["changes"], third["drop_activities"]), (0, 0, 0))
        self.assertEqual(len(self._drop_activities(self.steady)), 1, "never twice for the same drop")
        with freeze_time(NEXT_RUN):
            self.assertTrue(self._at(self.steady, NEXT_RUN).attention_class_drop)
            self.assertIn("Class dropped", self._at(self.steady, NEXT_RUN).attention_reasons)
        with freeze_time(NEXT_RUN + timedelta(days=31)):
            self.assertFalse(self._at(self.steady).attention_class_drop, "the drop is older than 30 days")

    def test_class_drop_activity_type_and_delay(self):
        self._run()
        self.company.write(
            {
                "segmentation_drop_activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                "segmentation_drop_activity_days": 7,
            }
        )
        self._run(NEXT_RUN)
        activity = self._drop_activities(self.steady)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual(activity.date_deadline, NEXT_RUN + timedelta(days=7))

    def test_class_drop_activity_switched_off(self):
        self._run()
        self.company.segmentation_drop_activity_off = True
        stats = self._run(NEXT_RUN)
        self.assertEqual(stats["drop_activities"], 0)
        self.assertFalse(self._drop_activities(self.steady))
        drop = self.env["customer.classification.history"].search(
            [("partner_id", "=", self.steady.id), ("date", "=", NEXT_RUN)]
        )
        self.assertEqual((drop.old_xyz_class, drop.new_xyz_class), ("X", "Z"), "the drop itself is recorded")

    # ------------------------------------------------------------------
    # the priority list

    def _priority_list(self, user, order_by_rank=True):
        """What "My Priority Clients" shows `user` first: the action's domain
        with its default "My Clients" filter, in the list's order."""
        action = (
            self.env["ir.actions.act_window"]
            .with_user(user)
            ._for_xml_id("customer_segmentation.action_my_priority_clients")
        )
        Partner = self.env["res.partner"].with_user(user).with_company(self.company)
        domain = [("priority_rank", ">", 0), ("user_id", "=", user.id)]
        self.assertEqual(action["domain"], "[('priority_rank', '>', 0)]")
        self.assertEqual(action["context"], "{'search_default_my_clients': 1}")
        records = Partner.web_search_read(
            domain,
            {"complete_name": {}, "abc_xyz_class": {}, "needs_attention": {}, "attention_reasons": {}},
            order="priority_rank",
        )["records"]
        return [record["complete_name"] for record in records]

    def test_salesperson_sees_only_their_customers_in_cell_order(self):
        self._run()
        with freeze_time(RUN_DATE):
            self.assertEqual(self._priority_list(self.salesman), ["Steady", "Regular", "Two", "Down"])
            self.assertEqual(self._priority_list(self.senior), ["Rival"])
            ranks = [self._at(p).priority_rank for p in (self.steady, self.rival, self.regular, self.two, self.down)]
            self.assertEqual(ranks, [1, 2, 3, 4, 5], "AX by revenue, then BZ, then CZ by revenue")
            # the order of the cells is the company's: CZ first now, at once
            self.company.priority_cell_order = "CZ, CY, CX, BZ, BY, BX, AZ, AY, AX"
            self.assertEqual(self._priority_list(self.salesman), ["Two", "Down", "Regular", "Steady"])

    def test_rerun_writes_nothing(self):
        self._run()
        again = self._run()
        self.assertEqual((again["written"], again["changes"], again["drop_activities"]), (0, 0, 0))
        self.assertEqual(self.env["customer.classification"]._rerank(self.company), 0)

    def test_manual_class_moves_the_rank(self):
        self._run()
        with freeze_time(RUN_DATE):
            self.down.with_company(self.company).abc_class_manual = "A"
            self.assertEqual(self._at(self.down).abc_xyz_class, "AZ")
            # AX steady and rival, then AZ down before BZ regular, then CZ two
            ranks = [self._at(p).priority_rank for p in (self.steady, self.rival, self.down, self.regular, self.two)]
            self.assertEqual(ranks, [1, 2, 3, 4, 5])

    def test_kanban_groups_cells_in_priority_order_and_folds_empty_ones(self):
        self._run()
        Partner = self.env["res.partner"].with_user(self.salesman).with_company(self.company)
        result = Partner.with_context(read_group_expand=True).web_read_group(
            [("priority_rank", ">", 0), ("user_id", "=", self.salesman.id)],
            ["abc_xyz_class"],
            order="priority_rank",
            auto_unfold=True,
            unfold_read_specification={"complete_name": {}},
        )
        groups = result["groups"]
        self.assertEqual(
            [group["abc_xyz_class"] for group in groups], ["AX", "AY", "BX", "AZ", "BY", "CX", "BZ", "CY", "CZ"]
        )
        counts = {group["abc_xyz_class"]: group["__count"] for group in groups}
        self.assertEqual((counts["AX"], counts["BZ"], counts["CZ"], counts["AY"]), (1, 1, 2, 0))
        folded = {group["abc_xyz_class"] for group in groups if "__records" not in group}
        self.assertEqual(folded, {"AY", "BX", "AZ", "BY", "CX", "CY"}, "empty cells are folded")

    def test_row_buttons_open_the_customers_documents(self):
        orders = self.steady.action_view_partner_orders()
        self.assertEqual(orders["res_model"], "sale.order")
        self.assertEqual(orders["domain"], [("partner_id", "child_of", self.steady.ids)])
        opportunities = self.steady.action_view_partner_opportunities()
        self.assertEqual(opportunities["res_model"], "crm.lead")
        invoices = self.steady.action_view_partner_invoices()
        self.assertEqual(invoices["res_model"], "account.move")

    # ------------------------------------------------------------------
    # the matrix and the portfolio

    def test_matrix(self):
        self._run()
        matrix = self.env["res.partner"].with_company(self.company).get_abc_xyz_matrix()
        self.assertEqual([entry["cell"] for entry in matrix], ["AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ"])
        self.assertEqual(set(matrix[0]), {"cell", "count", "revenue", "margin", "share", "strategy"})
        cells = {entry["cell"]: entry for entry in matrix}
        self.assertEqual((cells["AX"]["count"], cells["BZ"]["count"], cells["CZ"]["count"]), (2, 1, 2))
        self.assertEqual(cells["AX"]["revenue"], 30000.0)
        self.assertEqual(cells["AX"]["margin"], 30000.0 - 24 * 40.0, "24 invoices of one item costing 40")
        self.assertEqual(cells["AX"]["share"], 84.27)
        self.assertEqual(sum(entry["revenue"] for entry in matrix), 35600.0)
        self.assertEqual(cells["AY"], dict(cells["AY"], count=0, revenue=0.0, share=0.0))
        self.assertIn("Retain", cells["AX"]["strategy"])
        by_margin = {entry["cell"]: entry for entry in self.env["res.partner"].get_abc_xyz_matrix(measure="margin")}
        total_margin = 35600.0 - (12 + 12 + 4 + 2 + 1) * 40.0
        self.assertEqual(by_margin["AX"]["share"], round((30000.0 - 24 * 40.0) * 100 / total_margin, 2))
        with self.assertRaises(UserError):
            self.env["res.partner"].get_abc_xyz_matrix(measure="count")
        # filters narrow the customers; the strategy follows the company's text
        self.company.segmentation_strategy_ax = "Call them every week."
        mine = {
            entry["cell"]: entry
            for entry in self.env["res.partner"].get_abc_xyz_matrix([("user_id", "=", self.salesman.id)])
        }
        self.assertEqual((mine["AX"]["count"], mine["CZ"]["count"]), (1, 2))
        self.assertEqual(mine["AX"]["revenue"], 24000.0)
        self.assertEqual(mine["AX"]["strategy"], "Call them every week.")

    def test_matrix_without_money_access_counts_only(self):
        self._run()
        matrix = self.env["res.partner"].with_user(self.salesman).with_company(self.company).get_abc_xyz_matrix()
        cells = {entry["cell"]: entry for entry in matrix}
        self.assertEqual(cells["AX"]["count"], 2)
        self.assertEqual((cells["AX"]["revenue"], cells["AX"]["margin"], cells["AX"]["share"]), (None, None, None))
        senior = self.env["res.partner"].with_user(self.senior).with_company(self.company).get_abc_xyz_matrix()
        self.assertEqual(senior[0]["revenue"], 30000.0)

    def test_matrix_adds_up_to_the_company_totals(self):
        """Whatever the data (on a database with demo data, the demo
        company's too), the nine cells hold every customer with a cell, their
        revenue and margin, and 100 % of the measure."""
        self._run()
        for company in self.company | self.env.ref("base.main_company"):
            matrix = self.env["res.partner"].sudo().with_company(company).get_abc_xyz_matrix()
            key = str(company.id)
            count, revenue, margin = self.env.execute_query(
                SQL(
                    """SELECT COUNT(*), COALESCE(SUM((classification_revenue ->> %(key)s)::numeric), 0),
                              COALESCE(SUM((classification_margin ->> %(key)s)::numeric), 0)
                         FROM res_partner WHERE abc_xyz_class ? %(key)s AND active""",
                    key=key,
                )
            )[0]
            self.assertEqual(sum(entry["count"] for entry in matrix), count)
            if company == self.company:
                self.assertEqual(count, 5)
            self.assertAlmostEqual(sum(entry["revenue"] for entry in matrix), float(revenue), places=2)
            self.assertAlmostEqual(sum(entry["margin"] for entry in matrix), float(margin), places=2)
            if revenue > 0:
                self.assertAlmostEqual(sum(entry["share"] for entry in matrix), 100.0, places=1)

    def test_portfolio(self):
        self._run()
        with freeze_time(RUN_DATE):
            Report = self.env["customer.portfolio.report"].with_company(self.company)
            rows = {
                user: (count, attention, revenue)
                for user, count, attention, revenue in Report._read_group(
                    [], ["user_id"], ["__count", "attention_count:sum", "revenue:sum"]
                )
            }
            # steady (no activity), regular (overdue), down (revenue down)
            self.assertEqual(rows[self.salesman], (4, 3, 29600.0))
            self.assertEqual(rows[self.senior], (1, 1, 6000.0))
            cells = dict(Report._read_group([("user_id", "=", self.salesman.id)], ["abc_xyz_class"], ["__count"]))
            self.assertEqual(cells, {"AX": 1, "BZ": 1, "CZ": 2})

    # ------------------------------------------------------------------
    # settings

    def test_settings(self):
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertEqual(settings.priority_cell_order, "AX, AY, BX, AZ, BY, CX, BZ, CY, CZ")
        self.assertTrue(settings.segmentation_attention_overdue)
        self.assertEqual(settings.segmentation_overdue_tolerance, 50.0)
        self.assertEqual(settings.segmentation_class_drop_days, 30)
        self.assertIn("Retain", settings.segmentation_strategy_ax)
        settings.write(
            {
                "priority_cell_order": "ax ay az bx by bz cx cy cz",
                "segmentation_attention_no_activity": False,
                "segmentation_revenue_down_percent": 25.0,
                "segmentation_strategy_cz": "Web shop only.",
            }
        )
        settings.execute()
        rules = self.company._priority_rules()
        self.assertEqual(rules.cell_order, ("AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ"))
        self.assertFalse(rules.no_activity)
        self.assertEqual(rules.revenue_down_percent, 25.0)
        self.assertTrue(rules.overdue, "untouched settings stay on")
        self.assertFalse(self.company.segmentation_overdue_tolerance, "an untouched number stays empty")
        self.assertEqual(self.company._cell_strategies()["CZ"], "Web shop only.")
        self.assertFalse(self.company.segmentation_strategy_ax, "the default text is not copied")
        with self.assertRaises(ValidationError):
            self.company.priority_cell_order = "AX, AY, BX"
        with self.assertRaises(ValidationError):
            self.company.segmentation_overdue_tolerance = 0
        with self.assertRaises(ValidationError):
            self.company.segmentation_revenue_down_percent = 150

    def test_settings_broken_behind_the_form_are_refused_at_run_time(self):
        self.env.cr.execute(
            "UPDATE res_company SET priority_cell_order = 'AX, AX' WHERE id = %s",
            [self.company.id],
        )
        self.company.invalidate_recordset()
        with self.assertRaisesRegex(ValidationError, "cell priority"):
            self._run()

    def test_screens_survive_a_cell_order_broken_behind_the_form(self):
        self._run()
        self.env.cr.execute("UPDATE res_company SET priority_cell_order = 'hello' WHERE id = %s", [self.company.id])
        self.company.invalidate_recordset()
        # My Priority Clients: the cells in the default order
        Partner = self.env["res.partner"].with_user(self.salesman).with_company(self.company)
        result = Partner.with_context(read_group_expand=True).web_read_group(
            [("priority_rank", ">", 0), ("user_id", "=", self.salesman.id)], ["abc_xyz_class"], order="priority_rank"
        )
        self.assertEqual(
            [group["abc_xyz_class"] for group in result["groups"]],
            ["AX", "AY", "BX", "AZ", "BY", "CX", "BZ", "CY", "CZ"],
        )
        # Settings show what is stored, say why it is not used, and repair it
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertEqual(settings.priority_cell_order, "hello")
        self.assertIn("cannot be read", settings.priority_cell_order_warning)
        self.assertIn("AX, AY, BX, AZ, BY, CX, BZ, CY, CZ", settings.priority_cell_order_warning)
        settings.segmentation_revenue_down_percent = 20.0
        with self.assertRaises(ValidationError) as refused:
            settings.execute()
        self.assertIn("cell priority must name each of the nine cells", str(refused.exception))
        settings.priority_cell_order = "cz cy cx bz by bx az ay ax"
        settings.execute()
        self.assertEqual(self.company.priority_cell_order, "CZ, CY, CX, BZ, BY, BX, AZ, AY, AX")
        self.assertFalse(
            self.env["res.config.settings"].with_company(self.company).create({}).priority_cell_order_warning
        )

    def test_empty_settings_mean_the_defaults(self):
        self.env.cr.execute(
            """UPDATE res_company SET priority_cell_order = NULL, segmentation_overdue_tolerance = NULL,
                      segmentation_class_drop_days = NULL, segmentation_attention_overdue_off = NULL
                WHERE id = %s""",
            [self.company.id],
        )
        self.company.invalidate_recordset()
        rules = self.company._priority_rules_checked()
        self.assertEqual((rules.overdue, rules.overdue_tolerance, rules.class_drop_days), (True, 50.0, 30))
        # writing another setting does not trip over the empty ones
        self.company.segmentation_revenue_down_percent = 20.0
        self.assertEqual(self.company._priority_rules().revenue_down_percent, 20.0)
