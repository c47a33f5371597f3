from odoo import fields, models


class CustomerSegmentAssignWizard(models.TransientModel):
    """Bulk action of customer lists: add the selected customers to a static
    segment or remove them from it."""

    _name = "customer.segment.assign.wizard"
    _inherit = "customer.selection.mixin"
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

    def action_apply(self):
        self.ensure_one()
        self._check_selection()
        if self.action == "add":
            self.segment_id._change_members(add=self.partner_ids.ids)
        else:
            self.segment_id._change_members(remove=self.partner_ids.ids)
        return {"type": "ir.actions.act_window_close"}
