from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CustomerSegmentGroup(models.Model):
    """A family of segments. In an exclusive group a customer belongs to one
    segment at most: the first matching segment by sequence wins (a
    lifecycle New / Growing / Core / At risk / Lost)."""

    _name = "customer.segment.group"
    _description = "Customer Segment Group"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    exclusive = fields.Boolean(
        default=True,
        help="A customer belongs to one segment of the group at most: the first matching segment by sequence wins. "
        "Only dynamic segments can belong to an exclusive group.",
    )
    description = fields.Text()
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    segment_ids = fields.One2many("customer.segment", "group_id", string="Segments")
    segment_count = fields.Integer(compute="_compute_segment_count")

    @api.depends("segment_ids")
    def _compute_segment_count(self):
        counts = dict(
            self.env["customer.segment"]._read_group([("group_id", "in", self.ids)], ["group_id"], ["__count"])
        )
        for group in self:
            group.segment_count = counts.get(group, 0)

    @api.constrains("exclusive")
    def _check_exclusive_dynamic_only(self):
        static = (
            self.env["customer.segment"]
            .with_context(active_test=False)
            .search([("group_id", "in", self.filtered("exclusive").ids), ("segment_type", "=", "static")], limit=1)
        )
        if static:
            raise ValidationError(
                self.env._(
                    "Group %(group)s cannot be exclusive: its segment %(segment)s is static, and a list chosen "
                    "by hand cannot give way to the rules of the other segments.",
                    group=static.group_id.name,
                    segment=static.name,
                )
            )
