from odoo import fields, models
from odoo.tools import SQL

from .common import MEMBER_TABLE


class CustomerSegmentMembership(models.Model):
    """One stay of a customer in a segment: written by the segment when the
    customer enters (date in) and closed when it leaves (date out). The open
    stays are the segments' current members: the many2many fields of the
    members read them through the view MEMBER_TABLE (`SegmentMembers`)."""

    _name = "customer.segment.membership"
    _description = "Customer Segment Membership"
    _order = "date_in desc, id desc"
    _rec_name = "partner_id"
    # one row per entry, written by SQL in bulk: date_in and date_out say
    # when; the log columns, or a stored company (the segment's), would only
    # add foreign key checks to every row
    _log_access = False

    segment_id = fields.Many2one("customer.segment", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="segment_id.company_id", string="Company")
    group_id = fields.Many2one(related="segment_id.group_id", string="Segment Group")
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    date_in = fields.Date(string="Entered On", required=True)
    date_out = fields.Date(string="Left On", help="Empty while the customer is still in the segment.")
    is_current = fields.Boolean(
        string="Current", compute="_compute_is_current", search="_search_is_current", help="Still in the segment."
    )

    # the members: one open stay per segment and customer. No other index:
    # every one slows down the first refresh of a large segment
    _open_idx = models.UniqueIndex(
        "(segment_id, partner_id) WHERE date_out IS NULL", "A customer stays in a segment once at a time."
    )
    _dates_check = models.Constraint(
        "CHECK (date_out IS NULL OR date_out >= date_in)", "A customer cannot leave a segment before entering it."
    )

    def init(self):
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS SELECT segment_id, partner_id FROM %s WHERE date_out IS NULL",
                SQL.identifier(MEMBER_TABLE),
                SQL.identifier(self._table),
            )
        )

    def _compute_is_current(self):
        for membership in self:
            membership.is_current = not membership.date_out

    def _search_is_current(self, operator, value):
        if operator != "in":
            return NotImplemented
        return [("date_out", "=", False)] if True in value else [("date_out", "!=", False)]
