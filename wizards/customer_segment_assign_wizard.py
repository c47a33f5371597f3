from odoo import api, fields, models
from odoo.exceptions import UserError


class CustomerSegmentAssignWizard(models.TransientModel):
    """Bulk action of customer lists: add the selected customers to a static
    segment or remove them from it."""

    _name = "customer.segment.assign.wizard"
    _description = "Add Customers to a Segment"

    action = fields.Selection(
        [("add", "Add to segment"), ("remove", "Remove from segment")], required=True, default="add"
    )
    segment_id = fields.Many2one(
        "customer.segment",
        required=True,
        domain="[('segment_type', '=', 'static')]",
        help="Only static segments: the members of a dynamic segment come from its rule.",
    )
    partner_ids = fields.Many2many("res.partner", string="Customers", default=lambda self: self._default_partner_ids())
    partner_count = fields.Integer(string="Selected Customers", compute="_compute_partner_count")

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
        if self.action == "add":
            self.segment_id._change_members(add=self.partner_ids.ids)
        else:
            self.segment_id._change_members(remove=self.partner_ids.ids)
        return {"type": "ir.actions.act_window_close"}
