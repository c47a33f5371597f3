from odoo import fields, models


class CustomerSegmentMembership(models.Model):
    """One stay of a customer in a segment: written by the segment when the
    customer enters (date in) and closed when it leaves (date out). The
    current members live in the segment's relation table; these rows are
    their history."""

    _name = "customer.segment.membership"
    _description = "Customer Segment Membership"
    _order = "date_in desc, id desc"
    _rec_name = "partner_id"
    # one row per entry, written by SQL in bulk: date_in and date_out say
    # when; the log columns would only add two foreign key checks per row
    _log_access = False

    segment_id = fields.Many2one("customer.segment", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="segment_id.company_id", store=True, string="Company")
    group_id = fields.Many2one(related="segment_id.group_id", string="Segment Group")
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    date_in = fields.Date(string="Entered On", required=True)
    date_out = fields.Date(string="Left On", help="Empty while the customer is still in the segment.")
    is_current = fields.Boolean(
        string="Current", compute="_compute_is_current", search="_search_is_current", help="Still in the segment."
    )

    # a refresh closes the open stays of its exits; no other index: every one
    # slows down the first refresh of a large segment, one row per member
    _open_idx = models.Index("(segment_id, partner_id) WHERE date_out IS NULL")
    _dates_check = models.Constraint(
        "CHECK (date_out IS NULL OR date_out >= date_in)", "A customer cannot leave a segment before entering it."
    )

    def _compute_is_current(self):
        for membership in self:
            membership.is_current = not membership.date_out

    def _search_is_current(self, operator, value):
        if operator != "in":
            return NotImplemented
        return [("date_out", "=", False)] if True in value else [("date_out", "!=", False)]
