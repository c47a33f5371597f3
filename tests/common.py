from odoo import Command

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


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

    @classmethod
    def _customer_invoices(cls, company, rows, move_type="out_invoice", currency=None):
        """Draft invoices of `company`, one per (customer, date, lines) of
        `rows`, in one batch; lines are (product, quantity, unit price),
        untaxed."""
        return (
            cls.env["account.move"]
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
                                {"product_id": product.id, "quantity": quantity, "price_unit": price, "tax_ids": []}
                            )
                            for product, quantity, price in lines
                        ],
                    }
                    for partner, invoice_date, lines in rows
                ]
            )
        )
