import subprocess
import tempfile
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import HttpCase, new_test_user
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.customer_segmentation.analytics.cadence import CONTACT_COLUMNS
from odoo.addons.customer_segmentation.models.customer_classification import STATE_COLUMNS

# the tables of the stored figures compared with a rebuild, and the columns
# that identify a row
STORED = {
    "customer_sales_document": "document_id",
    "customer_sales_month": "partner_id, month",
    "customer_dynamics_report": "partner_id, period_kind, date",
    "customer_plan_actual_report": "partner_id, date_start, plan_id",
    "customer_cell_transition_report": "partner_id, comparison",
    "customer_base_report": "period_type, date, user_id, team_id, abc_xyz_class",
    "customer_classification_history": "partner_id, date, id",
    "customer_classification_standing": "partner_id",
    "customer_contact_fact": "message_id, attendee_id",
    "customer_contact_month": "partner_id, month",
    "customer_cadence_report": "partner_id, date",
    "customer_cadence_summary": "date, user_id, team_id, abc_xyz_class, cadence",
    "customer_cadence_recommendation": "abc_xyz_class, segment_id",
}


def customer_invoices(env, company, rows, move_type="out_invoice", currency=None):
    """Draft invoices of `company`, one per (customer, date, lines) of `rows`,
    in one batch: the one invoice builder of the tests. Lines are (product,
    quantity, unit price), untaxed; a price of None takes the product's."""
    return (
        env["account.move"]
        .with_company(company)
        .create(
            [
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": invoice_date,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": quantity,
                                **({} if price is None else {"price_unit": price}),
                                "tax_ids": [],
                            }
                        )
                        for product, quantity, price in lines
                    ],
                }
                for partner, invoice_date, lines in rows
            ]
        )
    )


def confirmed_order(env, partner, product, price, date_order):
    """A sales order of one untaxed line of `product` at `price` for
    `partner`, in the company's currency, confirmed and placed at
    `date_order` (UTC, as Odoo stores it): the one order builder of the
    tests that count orders as sales."""
    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "currency_id": env.company.currency_id.id,
            "order_line": [Command.create({"product_id": product.id, "price_unit": price, "tax_ids": []})],
        }
    )
    order.action_confirm()
    order.date_order = date_order
    return order


class SegmentationTestCase(AccountTestInvoicingCommon):
    """Two companies with their accounting, and a test user who is a Sales
    administrator (hence a segmentation administrator) in both."""

    @classmethod
    def get_default_groups(cls):
        return super().get_default_groups() | cls.env.ref("sales_team.group_sale_manager")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company_2 = cls.setup_other_company()["company"]
        cls.env.user.company_ids |= cls.company_2

    def _review_text(self, companies, user=None, lang=None):
        """The client base review of `companies` as pdftotext reads it (as
        `user`, in `lang`, when given), white space folded to single spaces."""
        # wkhtmltopdf loads the report's styles from report.url, else from
        # web.base.url, whatever the database holds there (a production
        # address in a copy, the port of the process that created it): they
        # come from this test server instead
        self.env["ir.config_parameter"].sudo().set_param("report.url", HttpCase.base_url())
        report = self.env["ir.actions.report"].with_context(
            force_report_rendering=True, **({"lang": lang} if lang else {})
        )
        with self.allow_pdf_render():
            pdf, kind = report._render_qweb_pdf("customer_segmentation.action_report_client_base_review", companies.ids)
        self.assertEqual(kind, "pdf")
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(pdf)
            file.flush()
            text = subprocess.run(["pdftotext", "-layout", file.name, "-"], capture_output=True, check=True).stdout
        return " ".join(text.decode().split())


class TimedRunCase(SegmentationTestCase):
    """Runs placed in time by hand, on `run_date`: the transaction of a test
    stamps every write with its start, so each run says when it "started"
    (the mark the next incremental run reads from) and the changes between
    runs are stamped after it."""

    run_date = None

    def setUp(self):
        super().setUp()
        [(self.started,)] = self.env.execute_query(SQL("SELECT now() AT TIME ZONE 'UTC'"))
        self.hour = 0
        # the stamps of a test are not left to the next one
        self.addCleanup(setattr, self.env.cr, "_now", self.env.cr._now)

    def _later(self):
        """An hour after the last mark: the time of the next run or change."""
        self.hour += 1
        return self.started + timedelta(hours=self.hour)

    def _run(self, rebuild=False):
        """A run that starts an hour after what came before it."""
        started = self._later()
        with (
            freeze_time(self.run_date),
            patch.object(self.env.registry["customer.analysis"], "_oldest_transaction_start", return_value=started),
        ):
            return self.company._recompute_customer_classification(rebuild=rebuild)

    def _changes_stamped_later(self):
        """What follows is written an hour later (write_date)."""
        self.env.flush_all()
        self.env.cr._now = self._later()

    def _stored(self):
        """Every stored figure of the company, row by row, in a stable order."""
        stored = {}
        for table, order in STORED.items():
            stored[table] = self.env.execute_query(
                SQL(
                    "SELECT to_jsonb(stored) - 'id' - 'create_date' - 'write_date' FROM %s stored"
                    " WHERE company_id = %s ORDER BY %s",
                    SQL.identifier(table),
                    self.company.id,
                    SQL(order),
                )
            )
        key = str(self.company.id)
        stored["res_partner"] = self.env.execute_query(
            SQL(
                "SELECT id, %s FROM res_partner ORDER BY id",
                SQL(", ").join(
                    SQL("%s -> %s", SQL.identifier(column), key)
                    for column in (*STATE_COLUMNS, *CONTACT_COLUMNS, "lifecycle_status")
                ),
            )
        )
        return stored


class SegmentationTourCase(HttpCase):
    """A browser tour in a company of its own, with its accounting, opened by
    users of that company only: what they see is the tour's data whatever
    else the database holds (Odoo's demo data, a real company's customers,
    rules and reports). The tour's data is created in that company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Tour Company", "country_id": cls.env.ref("base.us").id})
        cls.env["account.chart.template"].try_loading("generic_coa", company=cls.company, install_demo=False)
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))

    @classmethod
    def _tour_user(cls, login, groups, **values):
        """A user of the tour's company only, who logs in with his login as
        password."""
        return new_test_user(cls.env, login=login, password=login, groups=groups, company_id=cls.company.id, **values)

    @classmethod
    def _tour_administrator(cls):
        """The tour's administrator: Sales and settings, in the tour's
        company only."""
        return cls._tour_user(
            "tour_administrator", "sales_team.group_sale_manager,base.group_system", name="Tour Administrator"
        )
