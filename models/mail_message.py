from odoo import models


class MailMessage(models.Model):
    _inherit = "mail.message"

    # the messages a run reads again: those written since the last run
    # (customer.contact.fact._changed_keys), found without reading every
    # message
    _write_date_idx = models.Index("(write_date)")
