from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import SegmentationTestCase

RUN_DATE = date(2025, 4, 15)


@tagged("post_install", "-at_install")
class TestCellTransition(SegmentationTestCase):
    """Six customers' class histories (a row is a change, on its date):

        P1  2024-01-01 AX                    stayed AX
        P2  2024-01-01 BY, 2025-01-01 BX     up, toward X (a quarter ago: stayed BX)
        P3  2024-01-01 AX, 2025-02-01 BX     down, fell from A (a quarter ago too)
        P4  2025-03-01 CZ                    new
        P5  2024-02-01 BZ, 2025-01-01 none   lost (a quarter ago: no cell either: not listed)
        P6  2025-04-20 AX                    after the run: not listed

    P1 bought 100 in June 2024 and 40 in April 2025 (after the 12 months
    counted)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.p = {n: Partner.create({"name": f"Migrant {n}", "is_company": True}) for n in range(1, 7)}
        changes = [
            (1, "2024-01-01", None, "AX"),
            (2, "2024-01-01", None, "BY"),
            (2, "2025-01-01", "BY", "BX"),
            (3, "2024-01-01", None, "AX"),
            (3, "2025-02-01", "AX", "BX"),
            (4, "2025-03-01", None, "CZ"),
            (5, "2024-02-01", None, "BZ"),
            (5, "2025-01-01", "BZ", None),
            (6, "2025-04-20", None, "AX"),
        ]
        cls.env["customer.classification.history"].sudo().create(
            [
                {
                    "partner_id": cls.p[n].id,
                    "company_id": cls.company.id,
                    "date": day,
                    "old_abc_xyz_class": old,
                    "new_abc_xyz_class": new,
                    "old_abc_class": old and old[0],
                    "new_abc_class": new and new[0],
                    "old_xyz_class": old and old[1],
                    "new_xyz_class": new and new[1],
                }
                for n, day, old, new in changes
            ]
        )
        cls.env["customer.sales.month"].sudo().create(
            [
                {"company_id": cls.company.id, "partner_id": cls.p[1].id, "month": month, "revenue": revenue}
                for month, revenue in (("2024-06-01", 100.0), ("2025-04-01", 40.0))
            ]
        )
        cls.Report = cls.env["customer.cell.transition.report"]

    def _rows(self, comparison):
        rows = self.Report.search([("company_id", "=", self.company.id), ("comparison", "=", comparison)])
        return {
            row.partner_id: (row.from_cell, row.to_cell, row.movement, row.toward_x, row.fell_from_a) for row in rows
        }

    def test_a_year_and_a_quarter_ago(self):
        self.assertEqual(self.Report._refresh(self.company, RUN_DATE), 9)
        p = self.p
        self.assertEqual(
            self._rows("year"),
            {
                p[1]: ("AX", "AX", "stayed", False, False),
                p[2]: ("BY", "BX", "up", True, False),
                p[3]: ("AX", "BX", "down", False, True),
                p[4]: ("new", "CZ", "new", False, False),
                p[5]: ("BZ", "none", "lost", False, False),
            },
        )
        self.assertEqual(
            self._rows("quarter"),
            {
                p[1]: ("AX", "AX", "stayed", False, False),
                p[2]: ("BX", "BX", "stayed", False, False),
                p[3]: ("AX", "BX", "down", False, True),
                p[4]: ("new", "CZ", "new", False, False),
            },
        )
        year = self.Report.search([("comparison", "=", "year"), ("partner_id", "=", p[1].id)])
        self.assertEqual((year.date_from, year.date_to, year.revenue), (date(2024, 4, 15), RUN_DATE, 100.0))
        # the from-to matrix, as the pivot reads it
        groups = self.Report.formatted_read_group(
            [("company_id", "=", self.company.id), ("comparison", "=", "year")],
            ["from_cell", "to_cell"],
            ["customer_count:sum"],
        )
        self.assertEqual(
            {(g["from_cell"], g["to_cell"]): g["customer_count:sum"] for g in groups},
            {("AX", "AX"): 1, ("AX", "BX"): 1, ("BY", "BX"): 1, ("BZ", "none"): 1, ("new", "CZ"): 1},
        )
        # a rerun on the same history writes nothing
        self.assertEqual(self.Report._refresh(self.company, RUN_DATE), 0)

    def _compare(self, date_from, date_to, user=None):
        Wizard = self.env["customer.cell.transition.wizard"].with_user(user or self.env.user)
        with freeze_time(RUN_DATE):
            return Wizard.create({"date_from": date_from, "date_to": date_to}).action_compare()

    def _custom_rows(self, user=None):
        rows = self.Report.with_user(user or self.env.user).search([("comparison", "=", "custom")])
        return {row.partner_id: (row.from_cell, row.to_cell, row.movement) for row in rows}

    def test_between_chosen_dates(self):
        """From June 1, 2024 to February 15, 2025: P1 stayed AX (100 bought
        in the 12 full months before February), P2 moved up, P3 fell from A,
        P5 was lost; P4 and P6 had no cell yet on either date. A second user
        compares January 15 to March 15, 2025: P2 and P1 stayed, P3 moved
        down, P4 is new, P5 had no cell on either date."""
        p = self.p
        action = self._compare("2024-06-01", "2025-02-15")
        self.assertEqual(action["res_model"], "customer.cell.transition.report")
        self.assertEqual(action["context"], {"search_default_custom": 1})
        self.assertEqual(action["name"], "Cell Migration from 06/01/2024 to 02/15/2025")
        first = {
            p[1]: ("AX", "AX", "stayed"),
            p[2]: ("BY", "BX", "up"),
            p[3]: ("AX", "BX", "down"),
            p[5]: ("BZ", "none", "lost"),
        }
        self.assertEqual(self._custom_rows(), first)
        custom = self.Report.search([("comparison", "=", "custom")])
        self.assertEqual({(row.date_from, row.date_to) for row in custom}, {(date(2024, 6, 1), date(2025, 2, 15))})
        self.assertEqual(sum(custom.mapped("revenue")), 100.0)
        groups = self.Report.formatted_read_group(
            [("comparison", "=", "custom")], ["toward_x", "fell_from_a"], ["customer_count:sum"]
        )
        self.assertEqual(
            {(g["toward_x"], g["fell_from_a"]): g["customer_count:sum"] for g in groups},
            {(False, False): 2, (True, False): 1, (False, True): 1},
        )
        other = new_test_user(
            self.env, login="migration_salesman", groups="sales_team.group_sale_salesman", company_id=self.company.id
        )
        self._compare("2025-01-15", "2025-03-15", user=other)
        second = {
            p[1]: ("AX", "AX", "stayed"),
            p[2]: ("BX", "BX", "stayed"),
            p[3]: ("AX", "BX", "down"),
            p[4]: ("new", "CZ", "new"),
        }
        self.assertEqual(self._custom_rows(other), second)
        # each user reads their own comparison, which the classification run keeps
        self.assertEqual(self._custom_rows(), first)
        self.Report._refresh(self.company, RUN_DATE)
        self.assertEqual(self.Report._refresh(self.company, RUN_DATE), 0)
        self.assertEqual((self._custom_rows(), self._custom_rows(other)), (first, second))
        # a new comparison replaces the user's previous one
        self._compare("2025-01-15", "2025-03-15")
        self.assertEqual(self._custom_rows(), second)
        # a deleted user's comparison goes with it (its key has no foreign key)
        other_id = other.id
        other.unlink()
        self.assertEqual(self.Report.sudo().search_count([("compared_by_id", "=", other_id)]), 0)
        self.assertEqual(self._custom_rows(), second)

    def test_between_chosen_dates_out_of_range(self):
        with freeze_time(RUN_DATE):
            wizard = self.env["customer.cell.transition.wizard"].create({})
        # a year ago, and today
        self.assertEqual((wizard.date_from, wizard.date_to), (date(2024, 4, 15), RUN_DATE))
        for date_from, date_to, message in (
            ("2025-02-15", "2024-06-01", "The first date must be before the second one."),
            ("2025-02-15", "2025-02-15", "The first date must be before the second one."),
            ("2024-06-01", "2025-04-16", "The second date cannot be after today (04/15/2025)"),
            ("2023-12-31", "2025-02-15", f"The classes of {self.company.name} are known from 01/01/2024 on"),
        ):
            with self.assertRaises(UserError) as error:
                self._compare(date_from, date_to)
            self.assertIn(message, str(error.exception))

    def test_filled_by_the_classification_run(self):
        with freeze_time(RUN_DATE):
            stats = self.company._recompute_customer_classification()["analyses"]
        self.assertEqual(stats["transitions_written"], 9)
        self.assertEqual(len(self._rows("year")), 5)
