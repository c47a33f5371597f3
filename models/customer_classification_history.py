from odoo import fields, models

from .common import MONEY_READERS, NO_SALESPERSON, NO_XYZ_CLASS, NOT_CLASSIFIED
from .res_partner import ABC_CLASSES, ABC_XYZ_CELLS, XYZ_CLASSES


class CustomerClassificationHistory(models.Model):
    """One row per change of a customer's computed ABC or XYZ class."""

    _name = "customer.classification.history"
    _description = "Customer Class Change"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    date = fields.Date(required=True, index=True)
    old_abc_class = fields.Selection(ABC_CLASSES, string="Previous ABC", falsy_value_label=NOT_CLASSIFIED)
    new_abc_class = fields.Selection(ABC_CLASSES, string="New ABC", falsy_value_label=NOT_CLASSIFIED)
    old_xyz_class = fields.Selection(XYZ_CLASSES, string="Previous XYZ", falsy_value_label=NO_XYZ_CLASS)
    new_xyz_class = fields.Selection(XYZ_CLASSES, string="New XYZ", falsy_value_label=NO_XYZ_CLASS)
    old_abc_xyz_class = fields.Selection(ABC_XYZ_CELLS, string="Previous Cell", falsy_value_label=NOT_CLASSIFIED)
    new_abc_xyz_class = fields.Selection(ABC_XYZ_CELLS, string="New Cell", falsy_value_label=NOT_CLASSIFIED)
    metric_value = fields.Float(
        aggregator="sum",
        groups=MONEY_READERS,
        help="ABC metric of the customer in that run.",
    )
    reason = fields.Selection(
        [
            ("joined_group", "Joined a client group"),
            ("left_group", "Left a client group"),
            ("group_members", "Members of its client group changed"),
        ],
        help="Why the class changed, when the run knows: the entity joined or left a client group the company "
        "classifies as one, or entities joined or left the group it heads. Empty: its own sales changed.",
    )
    client_group_id = fields.Many2one("customer.client.group", ondelete="set null", help="The group of the reason.")
    salesperson_id = fields.Many2one(
        related="partner_id.user_id", string="Salesperson", falsy_value_label=NO_SALESPERSON
    )

    _partner_company_date_idx = models.Index("(partner_id, company_id, date)")
