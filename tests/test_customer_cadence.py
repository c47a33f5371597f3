from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import SegmentationTestCase, TimedRunCase, customer_invoices

RUN_DATE = date(2025, 6, 15)  # analysed months: February to April 2025 (window 3, horizon 1)
MONTHS = (date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1))
# the days of a month a shop is restocked on, per frequency
VISIT_DAYS = {
    "daily": range(1, 21),  # 20 visits: "daily" (16 or more)
    "every_three_days": range(1, 29, 3),  # 10 visits: twice a week (8 to 15)
    "weekly": (1, 8, 15, 22),  # 4 visits: weekly (4 to 7)
}
# what a shop sells in the month after, a month being four weeks: 4 x 100,000, 95,000, 70,000
NEXT_MONTH_SALES = {"daily": 400000.0, "every_three_days": 380000.0, "weekly": 280000.0}
TURNS = (
    ("daily", "every_three_days", "weekly"),
    ("every_three_days", "weekly", "daily"),
    ("weekly", "daily", "every_three_days"),
)


class CadenceCase(SegmentationTestCase):
    """The documents' example through real activities: a sausage maker
    restocks three shops every day, every three days or weekly, each shop a
    month at each frequency in turns (February to April 2025); each
    restocking visit (a done activity) costs 1,000; the shop sells 100,000,
    95,000 or 70,000 a week in the month after, at a margin of 25 % (price
    100, cost 75), and 300,000 in February.

    Per customer-month: daily 20 visits, next margin 100,000, net 80,000;
    every three days 10 visits, 95,000, net 85,000; weekly 4 visits, 70,000,
    net 66,000. Revenue says daily; net margin says every three days, and
    every shop gained exactly 5,000 a month on it against daily.

    The shops each buy 1,360,000 over the year: all three A, and Y (monthly
    revenue 300, 400, 380, 280 thousand in some order: CV 15 %): cell AY."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "segmentation_cadence_window_months": 3,
                "segmentation_cadence_min_customers": 3,
            }
        )
        cls.visit = cls.env["mail.activity.type"].create({"name": "Restocking visit", "segmentation_is_contact": True})
        cls.visit.with_company(cls.company).segmentation_contact_cost = 1000.0
        cls.seller = new_test_user(
            cls.env, login="cadence_seller", groups="sales_team.group_sale_salesman", company_id=cls.company.id
        )
        cls.shops = cls.env["res.partner"].create(
            [{"name": f"Shop {number}", "is_company": True, "user_id": cls.seller.id} for number in (1, 2, 3)]
        )
        product = cls._create_product(name="Sausage", lst_price=100.0, standard_price=75.0, taxes_id=[])
        rows = [(shop, date(2025, 2, 10), [(product, 3000, 100.0)]) for shop in cls.shops]
        visits = {}
        for shop, turns in zip(cls.shops, TURNS, strict=True):
            for month, frequency in zip(MONTHS, turns, strict=True):
                for day in VISIT_DAYS[frequency]:
                    visits.setdefault(month.replace(day=day), []).append(shop)
                quantity = NEXT_MONTH_SALES[frequency] / 100
                rows.append((shop, month.replace(month=month.month + 1, day=10), [(product, quantity, 100.0)]))
        customer_invoices(cls.env, cls.company, rows).action_post()
        cls._restock(visits)

    @classmethod
    def _restock(cls, visits):
        """The visits ({day: shops}) as activities of the seller, each marked
        as done on its day."""
        Activity = cls.env["mail.activity"].with_context(mail_activity_quick_update=True)
        model_id = cls.env["ir.model"]._get_id("res.partner")
        for day, shops in sorted(visits.items()):
            with freeze_time(datetime.combine(day, datetime.min.time()) + timedelta(hours=10)):
                Activity.create(
                    [
                        {
                            "res_model_id": model_id,
                            "res_id": shop.id,
                            "activity_type_id": cls.visit.id,
                            "user_id": cls.seller.id,
                            "date_deadline": day,
                        }
                        for shop in shops
                    ]
                ).action_done()

    def _recompute(self):
        with freeze_time(RUN_DATE):
            return self.company.action_recompute_customer_classification()

    def _contacts(self, company):
        """The contacts of `company` since 1 May 2025, as the run reads them."""
        self.env.flush_all()
        return self.env.execute_query(
            self.env["customer.contact.source"]._contacts(company, date_from=date(2025, 5, 1))
        )


@tagged("post_install", "-at_install")
class TestCustomerCadence(CadenceCase):
    """The contact cadence on the documents' example (see CadenceCase)."""

    def _stats(self):
        with freeze_time(RUN_DATE):
            return self.company._recompute_customer_classification()["analyses"]["cadence"]

    def _recommendation(self, **profile):
        return self.env["customer.cadence.recommendation"].search(
            [("company_id", "=", self.company.id), *[(name, "=", value) for name, value in profile.items()]]
        )

    def test_the_documents_example(self):
        self._recompute()
        Report = self.env["customer.cadence.report"]
        rows = Report.search([("company_id", "=", self.company.id)])
        self.assertEqual(len(rows), 9, "three shops, three months each")
        first = rows.filtered(lambda row: row.partner_id == self.shops[0] and row.date == MONTHS[0])
        self.assertEqual(
            (first.contact_count, first.contact_cost, first.cadence, first.next_revenue, first.next_margin),
            (20, 20000.0, "daily", 400000.0, 100000.0),
        )
        self.assertEqual((first.net_margin, first.abc_xyz_class, first.user_id), (80000.0, "AY", self.seller))
        by_cadence = {
            cadence: (revenue, net)
            for cadence, revenue, net in Report._read_group(
                [("company_id", "=", self.company.id)], ["cadence"], ["next_revenue:avg", "net_margin:avg"]
            )
        }
        self.assertEqual(
            by_cadence,
            {"daily": (400000.0, 80000.0), "twice_weekly": (380000.0, 85000.0), "weekly": (280000.0, 66000.0)},
        )
        recommendation = self._recommendation(abc_xyz_class="AY")
        self.assertEqual(
            (recommendation.state, recommendation.cadence, recommendation.runner_up_cadence),
            ("recommended", "twice_weekly", "daily"),
            "net margin, not revenue: every three days",
        )
        self.assertEqual(
            (
                recommendation.net_margin_per_month,
                recommendation.runner_up_net_margin,
                recommendation.difference,
                recommendation.customer_count,
                recommendation.interval_days,
            ),
            (85000.0, 80000.0, 5000.0, 3, 3),
        )
        self.assertEqual(self._recommendation(abc_xyz_class="CZ").state, "no_data", "every cell has its recommendation")

    def test_contact_figures_and_overdue(self):
        self._recompute()
        with freeze_time(RUN_DATE):
            shops = self.shops.with_company(self.company)
            shops.invalidate_recordset()
            # last visits: shop 1 weekly in April (22nd), shop 2 daily (20th), shop 3 every three days (28th)
            self.assertEqual(
                shops.mapped("last_contact_date"), [date(2025, 4, 22), date(2025, 4, 20), date(2025, 4, 28)]
            )
            # visits after 17 March (90 days before 15 June): 4 + 4, 1 + 20, 3 + 10
            self.assertEqual(shops.mapped("contact_count_90d"), [8, 21, 13])
            self.assertEqual(shops.mapped("recommended_contact_interval_days"), [3, 3, 3])
            self.assertEqual(
                shops.mapped("next_contact_date"), [date(2025, 4, 25), date(2025, 4, 23), date(2025, 5, 1)]
            )
            self.assertEqual(shops.mapped("contact_overdue_days"), [51, 53, 45])
            self.assertEqual(shops.mapped("days_since_last_contact"), [54, 56, 48])
            # shop 1: 33 gaps in days over the last six months, 19 of them of one day: median 1
            self.assertEqual(shops[0].contact_interval_days, 1)
            self.assertTrue(all(shops.mapped("attention_contact_overdue")))
            self.assertIn("Contact overdue by 51 days (recommended every 3 days)", shops[0].attention_reasons)
            Partner = self.env["res.partner"].with_company(self.company)
            self.assertEqual(Partner.search([("contact_overdue_days", ">", 50)]), shops[:2])
            self.assertEqual(Partner.search([("attention_contact_overdue", "=", True)]), shops)
            # the Priority Pipeline shows it on the customer's opportunities
            lead = self.env["crm.lead"].create(
                {
                    "name": "More shelves",
                    "type": "opportunity",
                    "partner_id": shops[0].id,
                    "company_id": self.company.id,
                }
            )
            self.assertIn("Contact overdue by 51 days", lead.customer_attention_reasons)
            self.assertIn(lead, self.env["crm.lead"].search([("customer_needs_attention", "=", True)]))
            self.company.segmentation_attention_contact_overdue_off = True
            shops.invalidate_recordset()
            self.assertFalse(any(shops.mapped("attention_contact_overdue")))

    def test_a_rerun_writes_nothing(self):
        first = self._stats()
        self.assertEqual(first["cadence_rows_written"], 9)
        self.assertEqual(first["contact_months_written"], 9)
        again = self._stats()
        self.assertEqual(
            {key: value for key, value in again.items() if key.endswith("_written")},
            {
                "contact_months_written": 0,
                "cadence_rows_written": 0,
                "recommendations_written": 0,
                "contact_figures_written": 0,
            },
        )

    def test_the_pivot_reads_the_summary(self):
        """The pivot as it opens reads the summary (one row per month and
        cadence here: the shops share their salesperson and cell), kept by
        the run and when customers are forgotten; a grouping by customer
        reads the report's rows."""
        self._recompute()
        company = [("company_id", "=", self.company.id)]
        summary = self.env["customer.cadence.summary"].search(company)
        self.assertEqual(
            sorted((row.date, row.cadence, row.month_count, row.contact_count, row.net_margin) for row in summary),
            sorted(
                (month, cadence, 1, contacts, net)
                for month in MONTHS
                for cadence, contacts, net in (
                    ("daily", 20, 80000.0),
                    ("twice_weekly", 10, 85000.0),
                    ("weekly", 4, 66000.0),
                )
            ),
        )
        self.assertEqual(self.env["customer.cadence.summary"]._refresh(self.company), 0, "a rerun writes nothing")
        Report = self.env["customer.cadence.report"]
        groupings = [[], ["abc_xyz_class"], ["cadence"], ["abc_xyz_class", "cadence"]]
        measures = ["net_margin:avg", "net_margin_vs_own:avg", "__count"]

        def pivot():
            total, cells, cadences, _both = Report.formatted_read_grouping_sets(company, groupings, measures)
            return (
                [(row["net_margin:avg"], row["net_margin_vs_own:avg"], row["__count"]) for row in total],
                [(row["abc_xyz_class"], row["__count"]) for row in cells],
                {row["cadence"]: (row["net_margin_vs_own:avg"], row["__count"]) for row in cadences},
            )

        # each shop a month at each cadence: own average 77,000 = (80,000 + 85,000 + 66,000) / 3
        self.assertEqual(
            pivot(),
            (
                [(77000.0, 0.0, 9)],
                [("AY", 9)],
                {"daily": (3000.0, 3), "twice_weekly": (8000.0, 3), "weekly": (-11000.0, 3)},
            ),
        )
        self.env["customer.cadence"]._forget_customers(self.shops[0])
        self.assertEqual(sum(self.env["customer.cadence.summary"].search(company).mapped("month_count")), 6)
        self.assertEqual(pivot()[0], [(77000.0, 0.0, 6)])
        # the report's rows gone behind the summary's back: the pivot still
        # reads the summary, a grouping by customer the rows
        self.env.cr.execute("DELETE FROM customer_cadence_report")
        Report.invalidate_model()
        self.assertEqual(pivot()[0], [(77000.0, 0.0, 6)])
        self.assertEqual(Report._read_group(company, ["partner_id"], ["__count"]), [])

    def test_a_cadence_profile_segment_wins_over_the_cell(self):
        segment = self.env["customer.segment"].create(
            {"name": "Two shops", "cadence_profile": True, "partner_ids": [(6, 0, self.shops[:2].ids)]}
        )
        self._recompute()
        # two shops are fewer than the three customers a recommendation needs
        self.assertEqual(self._recommendation(segment_id=segment.id).state, "no_data")
        self.company.segmentation_cadence_min_customers = 2
        self._recompute()
        recommendation = self._recommendation(segment_id=segment.id)
        self.assertEqual((recommendation.cadence, recommendation.customer_count), ("twice_weekly", 2))
        self.assertEqual(recommendation.display_name, "Two shops")
        # the segment's figures differ from the cell's: every shop of the cell says 3 days too
        shops = self.shops.with_company(self.company)
        self.assertEqual(shops.mapped("recommended_contact_interval_days"), [3, 3, 3])
        # a third shop joins the segment: a run on the same day, with no
        # contact or sale changed, still recommends for its new members
        segment.partner_ids = [(4, self.shops[2].id)]
        self._recompute()
        self.assertEqual(self._recommendation(segment_id=segment.id).customer_count, 3)

    def test_contacts_of_every_kind_once_a_day_per_type(self):
        """Shop 1 also gets, on 2 May 2025: two calls (one contact), a log
        note (none), an email sent on its quotation (an Email contact), and a
        meeting with its buyer (a Meeting contact); shop 2 a call in the
        second company (a contact there only)."""
        call = self.env.ref("mail.mail_activity_data_call")
        email = self.env.ref("mail.mail_activity_data_email")
        meeting = self.env.ref("mail.mail_activity_data_meeting")
        (call | email | meeting).segmentation_is_contact = True
        call.with_company(self.company).segmentation_contact_cost = 50.0
        shop = self.shops[0]
        buyer = self.env["res.partner"].create({"name": "Shop 1 Buyer", "parent_id": shop.id})
        quotation = self.env["sale.order"].create({"partner_id": buyer.id, "company_id": self.company.id})
        model_id = self.env["ir.model"]._get_id("res.partner")
        with freeze_time("2025-05-02 09:00:00"):
            self.env["mail.activity"].create(
                [
                    {
                        "res_model_id": model_id,
                        "res_id": partner.id,
                        "activity_type_id": call.id,
                        "user_id": self.seller.id,
                    }
                    for partner in (shop, buyer)
                ]
            ).action_done()
            shop.message_post(body="Called the warehouse", message_type="comment", subtype_xmlid="mail.mt_note")
            quotation.with_user(self.seller).sudo(False).message_post(
                body="Your quotation", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            self.env["calendar.event"].create(
                {
                    "name": "Shelf review",
                    "start": datetime(2025, 5, 2, 14),
                    "stop": datetime(2025, 5, 2, 15),
                    "partner_ids": [(6, 0, (buyer | self.seller.partner_id).ids)],
                    "user_id": self.seller.id,
                }
            )
            self.env["mail.activity"].with_company(self.company_2).create(
                {"res_model_id": model_id, "res_id": self.shops[1].id, "activity_type_id": call.id}
            ).with_company(self.company_2).action_done()
        contacts = self._contacts(self.company)
        self.assertEqual(
            sorted((partner, day, activity_type, float(cost)) for partner, day, activity_type, cost in contacts),
            sorted(
                [
                    (shop.id, date(2025, 5, 2), call.id, 50.0),
                    (shop.id, date(2025, 5, 2), email.id, 0.0),
                    (shop.id, date(2025, 5, 2), meeting.id, 0.0),
                ]
            ),
        )
        elsewhere = self._contacts(self.company_2)
        self.assertEqual([row[:3] for row in elsewhere], [(self.shops[1].id, date(2025, 5, 2), call.id)])
        # a type that is not a contact counts nothing
        email.segmentation_is_contact = False
        contacts = self._contacts(self.company)
        self.assertNotIn(email.id, [row[2] for row in contacts])

    def test_settings_are_checked(self):
        self.company.segmentation_cadence_horizon_months = 9
        with self.assertRaises(ValidationError), freeze_time(RUN_DATE):
            self.company._recompute_customer_classification()

    def test_money_only_to_who_reads_every_document(self):
        self._recompute()
        seller = self.env["customer.cadence.report"].with_user(self.seller)
        groups = seller._read_group([], ["cadence"], ["contact_count:avg", "__count"])
        self.assertEqual(sorted(cadence for cadence, _count, _rows in groups), ["daily", "twice_weekly", "weekly"])
        for model, field in (
            ("customer.cadence.report", "net_margin"),
            ("customer.cadence.report", "next_revenue"),
            ("customer.cadence.recommendation", "net_margin_per_month"),
            ("customer.contact.month", "contact_cost"),
            ("mail.activity.type", "segmentation_contact_cost"),
        ):
            with self.subTest(model=model, field=field), self.assertRaises(AccessError):
                self.env[model].with_user(self.seller).search([]).read([field])
        recommendation = self._recommendation(abc_xyz_class="AY").with_user(self.seller)
        self.assertEqual(recommendation.cadence, "twice_weekly", "the verdict itself is no money")

    def test_review_says_no_regular_contact_when_dormant_pays(self):
        """A verdict that leaving the customers dormant pays has no interval:
        the conclusion says so instead of "every 0 days"."""
        self._recompute()
        self._recommendation(abc_xyz_class="AY").sudo().write(
            {"cadence": "dormant", "leading_cadence": "dormant", "interval_days": False}
        )
        with freeze_time(RUN_DATE):
            review = self.env["report.customer_segmentation.report_client_base_review"]._get_report_values(
                self.company.ids
            )["reviews"][self.company.id]
        self.assertIn(
            "AY: no regular contact (dormant), $\N{NO-BREAK SPACE}5,000.00 more net margin a month per customer "
            "than daily.",
            review["conclusions"],
        )

    def test_review_how_section(self):
        self._recompute()
        with freeze_time(RUN_DATE):
            review = self.env["report.customer_segmentation.report_client_base_review"]._get_report_values(
                self.company.ids
            )["reviews"][self.company.id]
            self.assertIn(
                "AY: contact every 3 days (twice a week), $\\xa05,000.00 more net margin a month per customer than "
                "daily.".replace("\\xa0", "\N{NO-BREAK SPACE}"),
                review["conclusions"],
            )
            self.assertEqual(
                review["coverage"],
                [
                    {
                        "salesperson": self.seller.name,
                        "customers": 3,
                        "contacted_30": 0,
                        "contacted_90": 3,
                        "overdue_a": 3,
                    }
                ],
            )
            self.assertIn("3 A customers were not contacted within their recommended interval.", review["conclusions"])
            text = self._review_text(self.company)
        self.assertIn("How: the contact cadence that pays", text)
        # AY: every three days, 85,000 a month, 5,000 more than daily, 3 customers, (20 + 10 + 4) / 3 contacts a month
        self.assertIn("AY Recommended Twice a", text)  # "Twice a Week", wrapped or not
        self.assertIn("$ 85,000.00 Daily $ 5,000.00 3 11.3", text)
        self.assertIn("Not enough customers behind any cadence yet: AX, AZ, BX, BY, BZ, CX, CY, CZ.", text)
        self.assertIn("Salespeople's coverage of their A and B customers", text)
        seller_review = (
            self.env["report.customer_segmentation.report_client_base_review"]
            .with_user(self.seller)
            ._get_report_values(self.company.ids)["reviews"][self.company.id]
        )
        self.assertNotIn("cadence", seller_review, "the net margins are money")
        self.assertIn("coverage", seller_review)

    # the segment's follow-up at the cadence: the shops' last visits are 22, 20
    # and 28 April 2025, every shop of cell AY is recommended every 3 days

    def _open_visits(self, partners):
        """The open restocking visits on `partners`, in the order of `partners`."""
        activities = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", partners.ids),
                ("activity_type_id", "=", self.visit.id),
            ]
        )
        return activities.sorted(lambda activity: partners.ids.index(activity.res_id))

    def _follow_up_segment(self, name, partners, **values):
        with freeze_time(RUN_DATE):
            return self.env["customer.segment"].create(
                {
                    "name": name,
                    "partner_ids": [(6, 0, partners.ids)],
                    "activity_type_id": self.visit.id,
                    "activity_planning": "cadence",
                    **values,
                }
            )

    def _planned(self, run_date=RUN_DATE):
        with freeze_time(run_date):
            return self.company._recompute_customer_classification()["analyses"]["follow_ups_planned"]

    def test_follow_up_recurring_at_the_cadence(self):
        corner = self.env["res.partner"].create({"name": "Corner shop", "is_company": True})
        segment = self._follow_up_segment("Restocked shops", self.shops | corner)
        self.assertFalse(self._open_visits(self.shops | corner), "no contact figures before the first run")
        self.assertEqual(self._planned(), 3)
        visits = self._open_visits(self.shops)
        # last visit + 3 days, overdue already on 15 June
        self.assertEqual(visits.mapped("date_deadline"), [date(2025, 4, 25), date(2025, 4, 23), date(2025, 5, 1)])
        self.assertEqual(visits.user_id, self.seller)
        self.assertEqual(set(visits.mapped("summary")), {"Restocked shops"})
        self.assertFalse(self._open_visits(corner), "the corner shop has no contact interval: no recurring visit")
        self.assertEqual(segment.activity_interval_days, 0, "not a cadence profile: each member's interval")
        self.assertIn("members without one get no recurring activity", segment.activity_interval_note)
        # one open activity at a time: a second run plans nothing
        self.assertEqual(self._planned(), 0)
        self.assertEqual(self._open_visits(self.shops), visits)
        # shop 1 is visited on 20 June: the run of 21 June plans its next visit on 23 June
        with freeze_time("2025-06-20 10:00:00"):
            visits[0].action_feedback(feedback="Restocked")
        self.assertFalse(visits[0].active)
        self.assertEqual(self._planned(date(2025, 6, 21)), 1)
        shop = self.shops[0].with_company(self.company)
        shop.invalidate_recordset()
        self.assertEqual(shop.last_contact_date, date(2025, 6, 20))
        again = self._open_visits(self.shops)
        self.assertEqual(again[1:], visits[1:])
        self.assertEqual(again[0].date_deadline, date(2025, 6, 23))
        self.assertEqual(self._planned(date(2025, 6, 21)), 0)

    def test_follow_up_one_open_activity_across_segments(self):
        key_shops = self._follow_up_segment(
            "Key shops", self.shops[:2], sequence=1, cadence_profile=True, activity_summary="Restock a key shop"
        )
        all_shops = self._follow_up_segment("All shops", self.shops, sequence=2)
        # two shops are fewer than the three customers a recommendation needs: the cell's 3 days
        self.assertEqual(self._planned(), 3)
        visits = self._open_visits(self.shops)
        self.assertEqual(visits.mapped("date_deadline"), [date(2025, 4, 25), date(2025, 4, 23), date(2025, 5, 1)])
        self.assertEqual(visits.mapped("summary"), ["Restock a key shop", "Restock a key shop", "All shops"])
        self.assertEqual(key_shops.activity_interval_days, 0)
        self.assertIn("No cadence is recommended for this segment", key_shops.activity_interval_note)
        # had the data recommended a visit every 7 days to the key shops, theirs would be due 7 days after
        # their last visit; the other shop keeps its cell's 3 days
        self._recommendation(segment_id=key_shops.id).sudo().interval_days = 7
        key_shops.invalidate_recordset()
        self.assertEqual(key_shops.activity_interval_days, 7)
        self.assertIn("Every 7 days", key_shops.activity_interval_note)
        visits.unlink()
        with freeze_time(RUN_DATE):
            planned = (key_shops | all_shops)._plan_cadence_follow_ups(RUN_DATE)
        self.assertEqual(len(planned), 3)
        self.assertEqual(
            self._open_visits(self.shops).mapped("date_deadline"),
            [date(2025, 4, 29), date(2025, 4, 27), date(2025, 5, 1)],
        )
        # a shop entering the key shops never visited gets its visit at once, from the responsible
        newcomer = self.env["res.partner"].create({"name": "New shop", "is_company": True})
        with freeze_time(RUN_DATE):
            key_shops.partner_ids = [(4, newcomer.id)]
        visit = self._open_visits(newcomer)
        self.assertEqual((visit.date_deadline, visit.user_id), (RUN_DATE, key_shops.user_id))
        self.assertTrue(key_shops.user_id)

    def test_follow_up_on_entry_unchanged(self):
        with freeze_time(RUN_DATE):
            segment = self.env["customer.segment"].create(
                {
                    "name": "Shops",
                    "partner_ids": [(6, 0, self.shops.ids)],
                    "activity_type_id": self.visit.id,
                    "activity_delay_days": 2,
                }
            )
        self.assertEqual(segment.activity_planning, "entry")
        visits = self._open_visits(self.shops)
        self.assertEqual(visits.mapped("date_deadline"), [date(2025, 6, 17)] * 3)
        self.assertEqual(self._planned(), 0, "the runs plan nothing for a follow-up on entry")
        self.assertEqual(self._open_visits(self.shops), visits)


@tagged("post_install", "-at_install")
class TestCadenceNightly(TimedRunCase, CadenceCase):
    """The shops' example run night after night, each run placed in time
    (TimedRunCase): a run counts again only the customers whose contacts
    changed, and keeps the verdicts it did not have to compute again."""

    run_date = RUN_DATE

    def test_contacts_dated_on_the_company_day(self):
        """The company is in Vladivostok (UTC+10): a call done at 23:30 UTC
        on 2 May 2025 and a meeting at 20:00 UTC that day are on 3 May
        there, and the run dates them so, as it dates its own day; an
        all-day meeting on 2 May stays on 2 May. Moved to Honolulu (UTC-10),
        the company's next run dates them again: all on 2 May (the stored
        contacts too, not only those of the customers changed since)."""
        call = self.env.ref("mail.mail_activity_data_call")
        meeting = self.env.ref("mail.mail_activity_data_meeting")
        (call | meeting).segmentation_is_contact = True
        shop = self.shops[0]
        self.company.partner_id.tz = "Asia/Vladivostok"
        with freeze_time("2025-05-02 23:30:00"):
            self.env["mail.activity"].create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": shop.id,
                    "activity_type_id": call.id,
                    "user_id": self.seller.id,
                }
            ).action_done()
        attendees = [(6, 0, (shop | self.seller.partner_id).ids)]
        self.env["calendar.event"].create(
            [
                {
                    "name": "Shelf review",
                    "start": datetime(2025, 5, 2, 20),
                    "stop": datetime(2025, 5, 2, 21),
                    "partner_ids": attendees,
                    "user_id": self.seller.id,
                },
                {
                    "name": "Trade fair",
                    "allday": True,
                    "start": datetime(2025, 5, 2, 8),
                    "stop": datetime(2025, 5, 2, 18),
                    "partner_ids": attendees,
                    "user_id": self.seller.id,
                },
            ]
        )
        self.assertEqual(
            sorted((day, activity_type) for _partner, day, activity_type, _cost in self._contacts(self.company)),
            [(date(2025, 5, 2), meeting.id), (date(2025, 5, 3), call.id), (date(2025, 5, 3), meeting.id)],
        )
        self._run()
        self.assertEqual(shop.with_company(self.company).last_contact_date, date(2025, 5, 3))
        self._changes_stamped_later()
        self.company.partner_id.tz = "Pacific/Honolulu"
        self._run()
        self.assertEqual(shop.with_company(self.company).last_contact_date, date(2025, 5, 2))
        self.assertEqual(
            sorted((day, activity_type) for _partner, day, activity_type, _cost in self._contacts(self.company)),
            [(date(2025, 5, 2), call.id), (date(2025, 5, 2), meeting.id)],
        )

    def test_a_salesperson_moved_to_another_team_moves_the_rows(self):
        """The seller joins another sales team: nothing of the shops is
        written, yet the next run, on the same day, gives their every
        cadence row and their client base counts the new team, as a rebuild
        does."""
        self._run()
        team = self.env["crm.team"].create({"name": "Sausage shops", "company_id": self.company.id})
        self._changes_stamped_later()
        self.seller.crm_team_member_ids.action_archive()
        self.env["crm.team.member"].create({"crm_team_id": team.id, "user_id": self.seller.id})
        self.assertEqual(self.seller.sale_team_id, team)
        stats = self._run()["analyses"]["cadence"]
        self.assertEqual(stats["customers_counted"], 3)
        rows = self.env["customer.cadence.report"].search([("partner_id", "in", self.shops.ids)])
        self.assertEqual(len(rows), 9, "three months of three shops")
        self.assertEqual(rows.team_id, team)
        incremental = self._stored()
        self._run(rebuild=True)
        self.assertEqual(self._stored(), incremental)

    def test_a_new_visit_keeps_the_verdicts_and_moves_the_next_contact(self):
        self._run()
        shops = self.shops.with_company(self.company)
        self.assertEqual(shops.mapped("recommended_contact_interval_days"), [3, 3, 3])
        self._changes_stamped_later()
        self.run_date = RUN_DATE + timedelta(days=1)
        self._restock({self.run_date: self.shops[:1]})
        stats = self._run()["analyses"]["cadence"]
        self.assertEqual(stats["customers_counted"], 1)
        self.assertNotIn("recommendations_written", stats, "the same customer-months: the verdicts as stored")
        self.assertEqual(shops.mapped("recommended_contact_interval_days"), [3, 3, 3])
        self.assertEqual(shops[0].last_contact_date, self.run_date)
        self.assertEqual(shops[0].next_contact_date, self.run_date + timedelta(days=3))

    def test_a_sale_the_panel_does_not_read_counts_no_cadence_again(self):
        """Shop 1 buys in June, the run's month, which no customer-month
        reads (the analysed months end in April, their horizon in May): its
        cadence is not counted again. Shop 2 buys in May, April's horizon:
        its rows are counted again, April's next margin grows by the sale's
        (25 of each 100). Both runs store what a rebuild stores."""
        self._run()
        april = self.env["customer.cadence.report"].search(
            [("partner_id", "=", self.shops[1].id), ("date", "=", date(2025, 4, 1))]
        )
        next_margin = april.next_margin
        product = self._create_product(name="Mustard", lst_price=100.0, standard_price=75.0, taxes_id=[])
        self._changes_stamped_later()
        customer_invoices(
            self.env, self.company, [(self.shops[0], date(2025, 6, 2), [(product, 10, 100.0)])]
        ).action_post()
        stats = self._run()["analyses"]["cadence"]
        self.assertEqual(stats["customers_counted"], 0)
        self.assertEqual(self.shops[0].with_company(self.company).classification_revenue, 1360000.0)
        incremental = self._stored()
        self._run(rebuild=True)
        self.assertEqual(self._stored(), incremental)
        self._changes_stamped_later()
        customer_invoices(
            self.env, self.company, [(self.shops[1], date(2025, 5, 20), [(product, 10, 100.0)])]
        ).action_post()
        stats = self._run()["analyses"]["cadence"]
        self.assertEqual(stats["customers_counted"], 1)
        self.assertAlmostEqual(april.next_margin, next_margin + 250.0, places=2)
        incremental = self._stored()
        self._run(rebuild=True)
        self.assertEqual(self._stored(), incremental)
