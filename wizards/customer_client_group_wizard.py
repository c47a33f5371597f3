from odoo import fields, models
from odoo.exceptions import UserError


class CustomerClientGroupWizard(models.TransientModel):
    """Bulk action of customer lists: put the selected legal entities into a
    client group, an existing one or a new one headed by one of them."""

    _name = "customer.client.group.wizard"
    _inherit = "customer.selection.mixin"
    _description = "Add Customers to a Client Group"

    mode = fields.Selection(
        [("existing", "An existing group"), ("new", "A new group")], required=True, default="existing"
    )
    group_id = fields.Many2one("customer.client.group", string="Client Group")
    name = fields.Char(string="Name of the New Group")
    head_partner_id = fields.Many2one(
        "res.partner",
        string="Head Entity",
        domain="[('id', 'in', partner_ids)]",
        help="The selected entity the group's sales, classes and activities are counted for.",
    )
    partner_ids = fields.Many2many(string="Entities")
    partner_count = fields.Integer(string="Selected Entities")

    def action_apply(self):
        self.ensure_one()
        self._check_selection()
        if self.mode == "existing":
            if not self.group_id:
                raise UserError(self.env._("Choose the client group."))
            group = self.group_id
        else:
            if not self.name or not self.head_partner_id:
                raise UserError(self.env._("Give the new group a name and choose its head entity."))
            group = self.env["customer.client.group"].create(
                {"name": self.name, "head_partner_id": self.head_partner_id.id}
            )
        group._add_members(self.partner_ids)
        return {"type": "ir.actions.act_window_close"}
