from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    crosssell_rule_key = fields.Char(
        string="Cross-sell Rule",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="The cross-sell rule this call was planned for: a customer gets one open call per rule.",
    )
