from odoo import fields, models

from ..tools.sync import leave_room_for_updates
from .common import MONEY_READERS, Many2oneWithoutForeignKey


class CustomerContactMonth(models.Model):
    """Contacts per customer and calendar month (see customer.contact.source):
    the stored fact the cadence analysis reads, beside the sales per month.
    Written by the cadence refresh of the classification run
    (customer.cadence), which writes only the rows that changed."""

    _name = "customer.contact.month"
    _description = "Customer Contacts per Month"
    _order = "month desc, partner_id"
    _log_access = False

    company_id = Many2oneWithoutForeignKey("res.company", required=True, readonly=True, ondelete="cascade")
    partner_id = Many2oneWithoutForeignKey(
        "res.partner", string="Customer", required=True, readonly=True, ondelete="cascade"
    )
    month = fields.Date(required=True, readonly=True, help="First day of the month.")
    contact_count = fields.Integer(
        string="Contacts", readonly=True, help="Contacts of the month: at most one a day per activity type."
    )
    contact_cost = fields.Float(digits="Account", readonly=True, groups=MONEY_READERS)
    last_date = fields.Date(string="Last Contact", readonly=True, help="The last day of the month with a contact.")

    _company_partner_month_unique = models.UniqueIndex("(company_id, partner_id, month)")
    _company_month_idx = models.Index("(company_id, month)")

    def init(self):
        leave_room_for_updates(self)
