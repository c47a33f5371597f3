from odoo import fields, models
from odoo.tools import SQL

from ..tools.locks import lock_or_raise
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

    def _write_stays(self, segment, members):
        """Make the open stays of `segment` the customers selected by the SQL
        `members` (one column of distinct partner ids): the one writer of the
        members, whoever changes them (a refresh, a hand edit, a snapshot).
        The selection runs on its own, where PostgreSQL may scan in parallel
        (never in a statement that writes); then one statement computes the
        entries (new EXCEPT current) and exits (current EXCEPT new), opens a
        stay for each entry in partner order (each foreign key check then
        reads the customers' table in order), closes the stays of the exits,
        and stores the day's size when it changed (a dynamic segment records
        it once a day even unchanged). Dates are the company's. Returns how
        many entered and left, how many members it has now, and the ids of the customers who entered when
        the segment plans a follow-up activity for them."""
        self.env.flush_all()
        self._lock_segment(segment)
        # as one array literal, handed back untouched: no id goes through Python
        [(selected,)] = self.env.execute_query(
            SQL("SELECT COALESCE(array_agg(partner_id), '{}')::text FROM (%s) AS members(partner_id)", members)
        )
        self.env.cr.execute(
            SQL(
                """
                WITH new AS (SELECT unnest(%(selected)s::int4[]) AS partner_id),
                     current AS (
                        SELECT partner_id FROM customer_segment_membership
                         WHERE segment_id = %(segment)s AND date_out IS NULL),
                     entries AS (SELECT partner_id FROM new EXCEPT SELECT partner_id FROM current),
                     exits AS (SELECT partner_id FROM current EXCEPT SELECT partner_id FROM new),
                     opened AS (
                        INSERT INTO customer_segment_membership (segment_id, partner_id, date_in)
                        SELECT %(segment)s, partner_id, %(today)s FROM entries ORDER BY partner_id
                        RETURNING partner_id),
                     closed AS (
                        UPDATE customer_segment_membership membership
                           SET date_out = GREATEST(%(today)s, membership.date_in)
                          FROM exits
                         WHERE membership.segment_id = %(segment)s
                           AND membership.partner_id = exits.partner_id
                           AND membership.date_out IS NULL
                        RETURNING membership.partner_id),
                     counts AS (
                        SELECT (SELECT COUNT(*) FROM opened) AS entries,
                               (SELECT COUNT(*) FROM closed) AS exits,
                               (SELECT COUNT(*) FROM current) AS before),
                     sized AS (
                        INSERT INTO customer_segment_size AS size
                               (segment_id, company_id, date, member_count, entry_count, exit_count,
                                create_uid, create_date, write_uid, write_date)
                        SELECT %(segment)s, %(company)s, %(today)s, before + entries - exits, entries, exits,
                               %(uid)s, %(now)s, %(uid)s, %(now)s
                          FROM counts
                         WHERE entries + exits > 0 OR %(daily)s
                        ON CONFLICT (segment_id, date) DO UPDATE
                           SET member_count = EXCLUDED.member_count,
                               entry_count = size.entry_count + EXCLUDED.entry_count,
                               exit_count = size.exit_count + EXCLUDED.exit_count,
                               write_uid = EXCLUDED.write_uid,
                               write_date = EXCLUDED.write_date
                         WHERE EXCLUDED.entry_count + EXCLUDED.exit_count > 0)
                SELECT counts.entries, counts.exits, counts.before + counts.entries - counts.exits,
                       CASE WHEN %(with_activity)s THEN ARRAY(SELECT partner_id FROM opened) END
                  FROM counts
                """,
                selected=selected,
                segment=segment.id,
                company=segment.company_id.id,
                today=segment.company_id._segmentation_today(),
                uid=self.env.uid,
                now=self.env.cr.now(),
                daily=segment.segment_type == "dynamic",
                with_activity=bool(segment.activity_type_id),
            )
        )
        entries, exits, members, entered_ids = self.env.cr.fetchone()
        self.invalidate_model()
        self.env["customer.segment.size"].invalidate_model()
        return entries, exits, members, entered_ids or []

    def _lock_segment(self, segment):
        """One change of members at a time per segment: a refresh and a hand
        edit must not interleave."""
        lock_or_raise(
            segment,
            self.env._("The members of segment %s are being updated right now; try again in a moment.", segment.name),
        )

    def _compute_is_current(self):
        for membership in self:
            membership.is_current = not membership.date_out

    def _search_is_current(self, operator, value):
        if operator != "in":
            return NotImplemented
        return [("date_out", "=", False)] if True in value else [("date_out", "!=", False)]
