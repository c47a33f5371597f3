from odoo import api, fields, models
from odoo.exceptions import UserError


class CustomerClientGroupWizard(models.TransientModel):
    """Bulk action of customer lists: put the selected legal entities into a
    client group, an existing one or a new one headed by one of them."""

    _name = "customer.client.group.wizard"
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
    partner_ids = fields.Many2many("res.partner", string="Entities", default=lambda self: self._default_partner_ids())
    partner_count = fields.Integer(string="Selected Entities", compute="_compute_partner_count")

    @api.model
    def _default_partner_ids(self):
        if self.env.context.get("active_model") != "res.partner":
            return []
        return [fields.Command.set(self.env.context.get("active_ids") or [])]

    @api.depends("partner_ids")
    def _compute_partner_count(self):
        for wizard in self:
            wizard.partner_count = len(wizard.partner_ids)

    def action_apply(self):
        self.ensure_one()
        if not self.partner_ids:
            raise UserError(self.env._("Select the customers first."))
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
