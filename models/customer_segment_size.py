from odoo import fields, models


class CustomerSegmentSize(models.Model):
    """Size of a segment on a day, one row per segment and day, written by
    every change of its members: the source of the size-over-time graph
    (reading it back from the membership history would need one range query
    per day)."""

    _name = "customer.segment.size"
    _description = "Customer Segment Size"
    _order = "date desc, segment_id"
    _rec_name = "segment_id"

    segment_id = fields.Many2one("customer.segment", required=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    date = fields.Date(required=True)
    member_count = fields.Integer(
        string="Members", aggregator="avg", help="Members at the end of the day (averaged when grouping by period)."
    )
    entry_count = fields.Integer(string="Entries", help="Customers who entered the segment that day.")
    exit_count = fields.Integer(string="Exits", help="Customers who left the segment that day.")

    _segment_date_uniq = models.UniqueIndex("(segment_id, date)", "One size per segment and day.")
