from odoo import api, fields, models
from odoo.exceptions import UserError


class CustomerSelectionMixin(models.AbstractModel):
    """The customers selected in a list, for the bulk actions of customer
    lists (a client group, a static segment): taken from the list's
    selection, counted for the form, and required by the action."""

    _name = "customer.selection.mixin"
    _description = "Customers Selected in a List"

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

    def _check_selection(self):
        """Refuse an action on no customer at all."""
        if not self.partner_ids:
            raise UserError(self.env._("Select the customers first."))
