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
