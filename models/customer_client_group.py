from odoo import api, fields, models
from odoo.exceptions import UserError


class CustomerClientGroup(models.Model):
    """A client that buys through several legal entities (a holding and its
    subsidiaries, a chain whose shops each have their own tax id). When a
    company classifies client groups as one (`segmentation_classify_groups`),
    the sales of every member are counted for the head entity
    (customer.sales.source), so every figure downstream sees the group once,
    under its head.

    The head is always a member of its own group: otherwise its sales would
    be counted under the head of another group while its members' sales are
    counted under it."""

    _name = "customer.client.group"
    _description = "Client Group"
    _order = "name, id"

    name = fields.Char(required=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="The company that classifies this group as one client; empty means every company.",
    )
    head_partner_id = fields.Many2one(
        "res.partner",
        string="Head Entity",
        required=True,
        index=True,
        ondelete="restrict",
        domain="[('is_company', '=', True)]",
        help="The legal entity the group's sales, classes and activities are counted for.",
    )
    partner_ids = fields.One2many(
        "res.partner",
        "client_group_id",
        string="Members",
        help="The legal entities of the client, the head included. An entity belongs to one group at most.",
    )
    member_count = fields.Integer(string="Number of Members", compute="_compute_member_count")

    @api.depends("partner_ids")
    def _compute_member_count(self):
        for group in self:
            group.member_count = len(group.partner_ids)

    @api.model_create_multi
    def create(self, vals_list):
        groups = super().create(vals_list)
        for group in groups:
            group._add_members(group.head_partner_id)
        return groups

    def write(self, vals):
        result = super().write(vals)
        if "head_partner_id" in vals:
            for group in self:
                group._add_members(group.head_partner_id)
        return result

    def unlink(self):
        # the members are written (and so stamped): the next run re-reads
        # their sales, counted under the head until now
        self.partner_ids.write({"client_group_id": False})
        return super().unlink()

    def action_view_members(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Members of %(group)s", group=self.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("client_group_id", "=", self.id)],
            "context": {"default_client_group_id": self.id},
        }

    def _add_members(self, partners):
        """Put `partners` into this group: the one way an entity joins a group
        besides choosing the group on its own form. Entities already in
        another group are refused, naming it: moving one changes the classes
        of two clients, a step taken on the entity itself."""
        self.ensure_one()
        elsewhere = partners.filtered(lambda partner: partner.client_group_id not in (self, self.browse()))
        if elsewhere:
            raise UserError(
                self.env._(
                    "%(entities)s already belong to another client group (%(groups)s). "
                    "Remove them from it on their form first.",
                    entities=", ".join(elsewhere.mapped("display_name")),
                    groups=", ".join(elsewhere.client_group_id.mapped("display_name")),
                )
            )
        partners.filtered(lambda partner: partner.client_group_id != self).write({"client_group_id": self.id})
