from odoo import fields, models

from .common import MONEY_READERS


class MailActivityType(models.Model):
    """What an activity of this type is worth to the cadence analysis: whether
    a done one is a contact with the customer, and what one costs."""

    _inherit = "mail.activity.type"

    segmentation_is_contact = fields.Boolean(
        string="Counts as Contact",
        help="A done activity of this type (and a meeting or sent email, for the Meeting and Email types) is a "
        "contact with the customer in the cadence analysis: at most one a day per type and customer.",
    )
    segmentation_contact_cost = fields.Float(
        string="Contact Cost",
        company_dependent=True,
        digits="Account",
        groups=MONEY_READERS,
        help="What one contact of this type costs in the current company, in its currency (a visit's travel and "
        "time, a call's time): subtracted from the margin it brings in the cadence analysis. Empty means 0; the "
        "costs of calls and meetings are also set in the Sales settings.",
    )
