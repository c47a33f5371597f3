from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import TimedRunCase, customer_invoices

RUN_DATE = date(2025, 4, 15)
# the twelve months of the ABC window of RUN_DATE: April 2024 .. March 2025
MONTHS = [date(2024, 4, 10) + timedelta(days=30 * n) for n in range(12)]


@tagged("post_install", "-at_install")
class TestClientGroups(TimedRunCase):
    """Five customers buy every month of the window, tea at 1 a unit: Big 70
    a month, Mid 10, North 8, South 7 (5 tea and 2 cups), Tail 5; a year:
    840, 120, 96, 84, 60 of 1200. The ABC limits are 80 % and 95 % of the
    revenue before each customer (monthly revenue steady: X).

    Alone: Big A (nothing before it), Mid A (70 % before), North B (80 %),
    South B (88 %), Tail C (95 %). North and South are two legal entities of
    one client, the group "Northern" headed by North: counted as one when
    the company says so, the group buys 180 and comes second, after Big:
    A (70 % before); Mid B (85 %), Tail C (95 %)."""

    run_date = RUN_DATE

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tea = cls._create_product(name="Tea", lst_price=1.0, standard_price=0.5, taxes_id=[])
        cls.cups = cls._create_product(name="Cups", lst_price=1.0, standard_price=0.5, taxes_id=[])
        cls.salesman = new_test_user(
            cls.env,
            login="group_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
        )
        cls.big, cls.mid, cls.north, cls.south, cls.tail = cls.env["res.partner"].create(
            [
                {"name": name, "is_company": True, "user_id": cls.salesman.id}
                for name in ("Big", "Mid", "North", "South", "Tail")
            ]
        )
        cls.north_buyer = cls.env["res.partner"].create({"name": "Nora", "parent_id": cls.north.id})
        rows = []
        for day in MONTHS:
            rows += [
                (cls.big, day, [(cls.tea, 70, None)]),
                (cls.mid, day, [(cls.tea, 10, None)]),
                (cls.north_buyer, day, [(cls.tea, 8, None)]),
                (cls.south, day, [(cls.tea, 5, None), (cls.cups, 2, None)]),
                (cls.tail, day, [(cls.tea, 5, None)]),
            ]
        customer_invoices(cls.env, cls.company, rows).action_post()
        cls.northern = cls.env["customer.client.group"].create({"name": "Northern", "head_partner_id": cls.north.id})
        cls.northern._add_members(cls.south)

    def _classes(self):
        partners = (self.big | self.mid | self.north | self.south | self.tail).with_company(self.company)
        return {partner.name: partner.abc_xyz_class or False for partner in partners}

    def _history(self, partner):
        return self.env["customer.classification.history"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)], order="id desc", limit=1
        )

    def test_group_classified_as_one(self):
        self.assertEqual(self.north.client_group_id, self.northern, "the head is a member of its group")
        self.assertEqual(self.northern.partner_ids, self.north | self.south)
        self._run()
        self.assertEqual(self._classes(), {"Big": "AX", "Mid": "AX", "North": "BX", "South": "BX", "Tail": "CX"})

        self._changes_stamped_later()
        self.company.segmentation_classify_groups = True
        self.assertFalse(self.company.segmentation_facts_since, "what a sale is changed: the next run rebuilds")
        self._run()
        self.assertEqual(self._classes(), {"Big": "AX", "Mid": "BX", "North": "AX", "South": False, "Tail": "CX"})
        north = self.north.with_company(self.company)
        self.assertEqual(north.classification_revenue, 180.0)
        # South shows the group's figures and its own share: 84 of 180
        south = self.south.with_company(self.company)
        self.assertTrue(south.client_group_classified)
        self.assertFalse(north.client_group_classified, "the head is the customer")
        self.assertEqual((south.client_group_abc_xyz_class, south.client_group_revenue), ("AX", 180.0))
        with freeze_time(RUN_DATE):
            self.assertEqual((south.client_group_share, north.client_group_share), (46.7, 53.3))
        # the history says why: South joined the group, North's members changed
        self.assertRecordValues(
            self._history(self.south),
            [
                {
                    "old_abc_class": "B",
                    "new_abc_class": False,
                    "reason": "joined_group",
                    "client_group_id": self.northern.id,
                }
            ],
        )
        self.assertRecordValues(
            self._history(self.north),
            [
                {
                    "old_abc_class": "B",
                    "new_abc_class": "A",
                    "reason": "joined_group",
                    "client_group_id": self.northern.id,
                }
            ],
        )
        self.assertRecordValues(
            self._history(self.mid), [{"old_abc_class": "A", "new_abc_class": "B", "reason": False}]
        )

        # the matrix and the priority list count the group once, under its head
        Partner = self.env["res.partner"].with_company(self.company)
        domain = [("id", "in", (self.big | self.mid | self.north | self.south | self.tail).ids)]
        matrix = {row["cell"]: (row["count"], row["revenue"]) for row in Partner.get_abc_xyz_matrix(domain)}
        self.assertEqual((matrix["AX"], matrix["BX"], matrix["CX"]), ((2, 1020.0), (1, 120.0), (1, 60.0)))
        ranked = Partner.search([*domain, ("priority_rank", ">", 0)], order="priority_rank")
        self.assertEqual(ranked.mapped("name"), ["Big", "North", "Mid", "Tail"])

        # plan vs actual: a plan of the head is met by the whole group (8 + 7 in March)
        plan = self.env["customer.sales.plan"].create(
            {"partner_id": self.north.id, "period_type": "month", "date_start": date(2025, 3, 1), "amount": 20.0}
        )
        Report = self.env["customer.plan.actual.report"]
        self.assertRecordValues(
            Report.search([("plan_id", "=", plan.id)]),
            [{"partner_id": self.north.id, "actual_amount": 15.0, "gap_amount": 5.0}],
        )
        self.assertFalse(Report.search([("partner_id", "=", self.south.id)]))

        # cross-selling reads the same sales: the group bought tea and cups, as one customer
        bought = self.env["customer.crosssell.mining"]._fetch_bought(self.company, MONTHS[0], RUN_DATE)
        group_rows = bought[bought["partner_id"].isin([self.north.id, self.south.id])]
        self.assertEqual(
            sorted(zip(group_rows["partner_id"], group_rows["product_id"], group_rows["revenue"], strict=True)),
            sorted([(self.north.id, self.tea.id, 156.0), (self.north.id, self.cups.id, 24.0)]),
        )

        # turned off again: everyone alone, and South left the group at that run
        self._changes_stamped_later()
        self.company.segmentation_classify_groups = False
        self._run()
        self.assertEqual(self._classes(), {"Big": "AX", "Mid": "AX", "North": "BX", "South": "BX", "Tail": "CX"})
        self.assertRecordValues(
            self._history(self.south),
            [{"new_abc_class": "B", "reason": "left_group", "client_group_id": self.northern.id}],
        )

    def test_moving_an_entity_reclassifies_incrementally(self):
        self.company.segmentation_classify_groups = True
        self._run()
        self.assertEqual(self._classes(), {"Big": "AX", "Mid": "BX", "North": "AX", "South": False, "Tail": "CX"})

        # South moves to a group of its own: the incremental run re-reads its
        # documents (stored under North) and North drops back to B
        self._changes_stamped_later()
        southern = self.env["customer.client.group"].create({"name": "Southern", "head_partner_id": self.tail.id})
        self.south.client_group_id = southern
        activities_before = self.env["mail.activity"].search([("res_model", "=", "res.partner")])
        stats = self._run()
        self.assertEqual(stats["facts"]["documents_written"], 12, "South's twelve invoices, and nothing else")
        # Southern is Tail 60 + South 84 = 144; ranked: Big 840, Southern 144,
        # Mid 120, North 96, with 0, 70, 82 and 92 % before them: A, A, B, B
        self.assertEqual(self._classes(), {"Big": "AX", "Mid": "BX", "North": "BX", "South": False, "Tail": "AX"})
        self.assertRecordValues(
            self._history(self.north),
            [
                {
                    "old_abc_class": "A",
                    "new_abc_class": "B",
                    "reason": "group_members",
                    "client_group_id": self.northern.id,
                }
            ],
        )
        self.assertRecordValues(
            self._history(self.tail),
            [{"old_abc_class": "C", "new_abc_class": "A", "reason": "joined_group", "client_group_id": southern.id}],
        )
        # the head of the group that dropped receives the activity
        dropped = self.env["mail.activity"].search([("res_model", "=", "res.partner")]) - activities_before
        self.assertEqual(dropped.mapped("res_id"), [self.north.id])
        self.assertEqual(dropped.user_id, self.salesman)

        incremental = self._stored()
        rebuild = self._run(rebuild=True)
        self.assertEqual(rebuild["facts"]["documents_written"], 0)
        self.assertEqual(rebuild["written"], 0)
        self.assertEqual(self._stored(), incremental)

        # a group deleted: its members are read again and counted alone
        self._changes_stamped_later()
        southern.unlink()
        self.assertFalse(self.south.client_group_id)
        self._run()
        self.assertEqual(self._classes(), {"Big": "AX", "Mid": "AX", "North": "BX", "South": "BX", "Tail": "CX"})
        incremental = self._stored()
        self._run(rebuild=True)
        self.assertEqual(self._stored(), incremental)

    def test_a_new_head_takes_the_group_incrementally(self):
        """A group written (its head changed), its members untouched: the
        next run re-reads the members' documents through the group."""
        self.company.segmentation_classify_groups = True
        self._run()
        self._changes_stamped_later()
        self.northern.head_partner_id = self.south
        stats = self._run()
        self.assertEqual(stats["facts"]["documents_written"], 24, "North's and South's invoices, now South's")
        self.assertEqual(self._classes(), {"Big": "AX", "Mid": "BX", "North": False, "South": "AX", "Tail": "CX"})
        self.assertEqual(self.south.with_company(self.company).classification_revenue, 180.0)
        incremental = self._stored()
        self.assertEqual(self._run(rebuild=True)["facts"]["documents_written"], 0)
        self.assertEqual(self._stored(), incremental)

    def test_members_are_commercial_entities_in_one_group(self):
        with self.assertRaisesRegex(ValidationError, "Nora is a contact of North"):
            self.north_buyer.client_group_id = self.northern
        other = self.env["customer.client.group"].create({"name": "Other", "head_partner_id": self.big.id})
        wizard = (
            self.env["customer.client.group.wizard"]
            .with_context(active_model="res.partner", active_ids=(self.south | self.mid).ids)
            .create({"mode": "existing", "group_id": other.id})
        )
        with self.assertRaisesRegex(UserError, "South already belong to another client group \\(Northern\\)"):
            wizard.action_apply()
        self.assertEqual(self.mid.client_group_id.id, False, "nothing is written when one entity is refused")
        # a new group from the wizard, headed by one of the selected entities
        wizard = (
            self.env["customer.client.group.wizard"]
            .with_context(active_model="res.partner", active_ids=(self.mid | self.tail).ids)
            .create({"mode": "new", "name": "Midlands", "head_partner_id": self.mid.id})
        )
        wizard.action_apply()
        midlands = self.mid.client_group_id
        self.assertRecordValues(midlands, [{"name": "Midlands", "head_partner_id": self.mid.id}])
        self.assertEqual(midlands.partner_ids, self.mid | self.tail)
        # salespeople read the groups, only administrators change them
        self.assertEqual(self.north.with_user(self.salesman).client_group_id.name, "Northern")
        with self.assertRaisesRegex(ValidationError, "North is the head of the client group Northern"):
            self.north.client_group_id = midlands
        with self.assertRaises(AccessError):
            self.tail.with_user(self.salesman).client_group_id = False
        with self.assertRaises(AccessError):
            self.env["customer.client.group"].with_user(self.salesman).create(
                {"name": "Mine", "head_partner_id": self.big.id}
            )
