import ast
import logging
import math
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL, format_date, format_datetime

from ..tools.cron import run_committed_steps, wake_up
from .common import MEMBER_TABLE, MONEY_READERS, SegmentMembers

_logger = logging.getLogger(__name__)

FIGURE_FIELDS = ["member_count", "revenue", "margin", "membership_count"]
# what a rule can raise once it is parsed, when it is turned into a query:
# a value its field cannot take, a field or record its user cannot read...
RULE_ERRORS = (UserError, ValueError, TypeError, OverflowError, KeyError)
# operators that search past the access rights of the user: never in a rule
UNCHECKED_OPERATORS = ("any!", "not any!")
# "Refresh now" on segments that may touch more customers than this (see
# CustomerSegment._refresh_size) queues the refresh for the scheduled action
# instead of making the user wait. Measured on 10,000 customers entering a
# segment: 0.25 s, but 15 s when the segment plans a follow-up activity for
# each entry (1.5 ms each); 50,000 entries take 2.5 s without. Up to 2,000
# the worst case, a first refresh planning an activity per entry, stays
# near 3 s; beyond, it grows past what a user waits for, and a large base
# past the time a worker is given (limit_time_real, 120 s by default).
QUEUED_REFRESH_ABOVE = 2000
SEGMENT_CRON = "customer_segmentation.ir_cron_refresh_customer_segments"


def x2many_changes(value, current, refused):
    """What an x2many value written by `create` or `write` adds to and
    removes from the `current` ids, in every form the ORM accepts
    (`_RelationalMulti.write_batch`): commands, a list or tuple of ids or a
    recordset (replace), False or None (clear). Returns (added, removed);
    commands that create or change the other side raise UserError(`refused`).
    The one translator of the members written from a segment and of the
    segments written from customers."""
    if isinstance(value, tuple):
        value = [Command.set(value)]
    elif isinstance(value, models.BaseModel):
        value = [Command.set(value._ids)]
    elif value is False or value is None:
        value = [Command.clear()]
    elif isinstance(value, list) and value and not isinstance(value[0], (tuple, list)):
        value = [Command.set(tuple(value))]
    elif not isinstance(value, list):
        raise ValueError(f"Wrong value for an x2many field: {value!r}")
    added, removed = set(), set()
    for command in value:
        code = command[0]
        if code == Command.LINK:
            added.add(command[1])
            removed.discard(command[1])
        elif code == Command.UNLINK:
            removed.add(command[1])
            added.discard(command[1])
        elif code in (Command.CLEAR, Command.SET):
            added = set(command[2]) if code == Command.SET else set()
            removed = (removed | set(current)) - added
        else:
            raise UserError(refused)
    return added, removed


class CustomerSegment(models.Model):
    """A set of customers of one company: chosen by hand (static) or matched
    by a rule (dynamic). Members are the open stays of the segment's history,
    read as a many2many shared with `res.partner.segment_ids` (SegmentMembers),
    so customer lists filter and group by segment natively. Members change in
    two ways only: `_change_members` (by hand, static segments) and
    `_refresh_members` (the rule, dynamic segments); both write through
    `_apply_members`, which opens and closes the stays."""

    _name = "customer.segment"
    _description = "Customer Segment"
    _inherit = ["mail.thread"]
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(
        default=10, help="In an exclusive group, a customer matching several segments joins the first one."
    )
    active = fields.Boolean(default=True, tracking=True)
    color = fields.Integer()
    description = fields.Text()
    strategy = fields.Html(
        help="What to do with these customers: offers, trading terms, payment delays, contact rhythm."
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        domain=[("share", "=", False)],
        default=lambda self: self._default_user_id(),
        help="The rule of a dynamic segment is evaluated with the access rights of its responsible, within the "
        "segment's company: it only finds what the responsible could find. The responsible also gets the "
        "follow-up activities of customers who have no salesperson.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    group_id = fields.Many2one(
        "customer.segment.group",
        index=True,
        check_company=True,
        ondelete="restrict",
        help="In an exclusive group a customer belongs to one segment at most.",
    )
    segment_type = fields.Selection(
        [("static", "Static"), ("dynamic", "Dynamic")],
        string="Type",
        required=True,
        default="static",
        tracking=True,
        help="Static: members chosen by hand. Dynamic: the customers matching the rule, refreshed every day.",
    )
    domain = fields.Char(
        string="Rule",
        default="[]",
        tracking=True,
        help="Conditions on customers, as a literal domain. Only companies and individuals without a parent "
        "company (commercial entities) of this segment's company or shared between companies are considered.",
    )
    domain_error = fields.Char(
        string="Rule Error", readonly=True, copy=False, help="Why the last refresh skipped this segment."
    )
    last_refresh = fields.Datetime(readonly=True, copy=False)
    # a "Refresh now" queued for the scheduled refresh (see action_refresh)
    refresh_requester_id = fields.Many2one(
        "res.users", string="Refresh Queued By", readonly=True, copy=False, ondelete="set null"
    )
    refresh_requested_at = fields.Datetime(string="Refresh Queued On", readonly=True, copy=False)
    refresh_status = fields.Char(compute="_compute_refresh_status")
    partner_ids = SegmentMembers(
        "res.partner", MEMBER_TABLE, "segment_id", "partner_id", string="Members", copy=False, check_company=True
    )
    member_count = fields.Integer(compute="_compute_member_count")
    revenue = fields.Monetary(
        string="Revenue in Window",
        compute="_compute_money",
        groups=MONEY_READERS,
        help="Revenue of the members over the ABC window.",
    )
    margin = fields.Monetary(
        string="Margin in Window",
        compute="_compute_money",
        groups=MONEY_READERS,
        help="Margin of the members over the ABC window.",
    )
    membership_ids = fields.One2many("customer.segment.membership", "segment_id", string="History")
    membership_count = fields.Integer(string="Entries and Exits", compute="_compute_membership_count")
    cadence_profile = fields.Boolean(
        help="Measure the contact cadence that pays for this segment's customers apart: its recommendation wins "
        "over the one of their ABC-XYZ cell.",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Follow-up Activity",
        domain=[("res_model", "in", [False, "res.partner"])],
        help="When set, every customer entering the segment gets an activity of this type.",
    )
    activity_summary = fields.Char()
    activity_delay_days = fields.Integer(
        string="Activity Due In (Days)", default=0, help="Days between the entry and the activity's deadline."
    )
    activity_planning = fields.Selection(
        [("entry", "Once, on Entry"), ("cadence", "Recurring at the Cadence")],
        string="Follow-up Planning",
        required=True,
        default="entry",
        help="Once, on entry: every customer entering the segment gets the follow-up activity once, due the given "
        "days after. Recurring at the cadence: after every classification run (and as soon as a customer enters), "
        "each member without an open activity of this type gets one, due on its next contact (its last contact "
        "plus the cadence interval in use); done, it counts as a contact when its type does, and the next run "
        "plans the next one from it. A member without a contact interval gets none; one never contacted gets one "
        "due at once.",
    )
    activity_interval_days = fields.Integer(
        string="Cadence Interval (days)",
        compute="_compute_activity_interval_days",
        help="The contact interval of the recommendation for this segment, when it is a cadence profile and the "
        "data recommends a cadence; empty otherwise: each member's own recommended interval then applies.",
    )
    activity_interval_note = fields.Char(
        string="Interval in Use",
        compute="_compute_activity_interval_days",
        help="Which contact interval the recurring follow-up plans with.",
    )

    _activity_delay_check = models.Constraint(
        "CHECK (activity_delay_days >= 0)", "The activity delay cannot be negative."
    )

    def _default_user_id(self):
        """The current user, unless it is the superuser (data loading, the
        scheduled actions): a rule evaluated with its rights would see all."""
        user = self.env.user
        return user if user.active and not user.share and not user._is_superuser() else False

    @api.model
    def _partner_segments_domain(self):
        """The domain of `res.partner.segment_ids`. Odoo searches customers by
        explicit segment ids with the field's domain only, past the record
        rules of the segments (`Many2many.condition_to_sql`): restrict them to
        the companies the user is allowed in, as those rules do."""
        if self.env.su:
            return []
        return [("company_id", "in", self.env.companies.ids)]

    @api.depends("partner_ids")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_member_count(self):
        """Counted as the current user: members it cannot read are left out."""
        counts = {segment: count for segment, count, _revenue, _margin in self._member_figures(money=False)}
        for segment in self:
            segment.member_count = counts.get(segment._origin, 0)

    @api.depends("partner_ids")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_money(self):
        figures = {segment: (revenue, margin) for segment, _count, revenue, margin in self._member_figures(money=True)}
        for segment in self:
            segment.revenue, segment.margin = figures.get(segment._origin, (0.0, 0.0))

    def _member_figures(self, money):
        """(segment, members, revenue, margin) per segment, each company's
        figures read in that company; money only when asked (and readable)."""
        aggregates = ["__count", "classification_revenue:sum", "classification_margin:sum"] if money else ["__count"]
        for company, segments in self.grouped("company_id").items():
            partners = self.env["res.partner"].with_company(company) if company else self.env["res.partner"]
            for segment, count, *amounts in partners._read_group(
                [("segment_ids", "in", segments.ids)], ["segment_ids"], aggregates
            ):
                revenue, margin = amounts or (0.0, 0.0)
                yield segment, count, revenue or 0.0, margin or 0.0

    @api.depends("cadence_profile", "company_id")
    def _compute_activity_interval_days(self):
        """The segment's recommended interval (customer.cadence.recommendation,
        as the last run stored it) when it is a cadence profile."""
        intervals = dict(
            self.env["customer.cadence.recommendation"]
            .sudo()
            ._read_group(
                [("segment_id", "in", self.filtered("cadence_profile")._origin.ids), ("interval_days", ">", 0)],
                ["segment_id"],
                ["interval_days:max"],
            )
        )
        for segment in self:
            days = intervals.get(segment._origin) if segment.cadence_profile else None
            segment.activity_interval_days = days or False
            if days:
                segment.activity_interval_note = self.env._(
                    "Every %(days)s days after each member's last contact: the cadence recommended for this segment.",
                    days=days,
                )
            elif segment.cadence_profile:
                segment.activity_interval_note = self.env._(
                    "No cadence is recommended for this segment (yet): each member's own recommended contact "
                    "interval applies (another cadence-profile segment's, else its ABC-XYZ cell's); members without "
                    "one get no recurring activity."
                )
            else:
                segment.activity_interval_note = self.env._(
                    "Each member's own recommended contact interval (its cadence-profile segment's, else its "
                    "ABC-XYZ cell's): members without one get no recurring activity."
                )

    @api.depends("refresh_requested_at", "refresh_requester_id")
    def _compute_refresh_status(self):
        for segment in self:
            segment.refresh_status = segment.refresh_requested_at and self.env._(
                "Refresh queued on %(date)s by %(user)s: the scheduled refresh takes it in a moment. Reload to see "
                "the members it finds.",
                date=format_datetime(self.env, segment.refresh_requested_at),
                user=segment.refresh_requester_id.name or "-",
            )

    @api.depends("membership_ids")
    def _compute_membership_count(self):
        histories = dict(
            self.env["customer.segment.membership"]._read_group(
                [("segment_id", "in", self.ids)], ["segment_id"], ["__count"]
            )
        )
        for segment in self:
            segment.membership_count = histories.get(segment._origin, 0)

    @api.constrains("segment_type", "user_id", "company_id")
    def _check_responsible(self):
        for segment in self.filtered(lambda s: s.segment_type == "dynamic"):
            if error := segment._responsible_error():
                raise ValidationError(error)

    @api.constrains("domain", "segment_type", "company_id", "user_id")
    def _check_domain(self):
        """A rule must run: it parses, names fields customers have, and turns
        into a query for its responsible, with its rights, within the
        segment's company. (Constraints run in sudo mode: the author is
        checked by `_check_rule_author` on create and write.)"""
        for segment in self.filtered(lambda s: s.segment_type == "dynamic"):
            domain = segment._parse_rule()
            if not segment._responsible_error():
                segment._rule_query(domain, segment.user_id)

    def _check_rule_author(self):
        """Saving a rule that names a field or records its author (the
        current user) cannot read is refused, as if the author ran it."""
        if self.env.su:
            return
        for segment in self.filtered(lambda s: s.segment_type == "dynamic"):
            segment._rule_query(segment._parse_rule(), self.env.user)

    @api.constrains("group_id", "segment_type")
    def _check_exclusive_group(self):
        for segment in self:
            if segment.segment_type == "static" and segment.group_id.exclusive:
                raise ValidationError(
                    self.env._(
                        "Segment %(segment)s is static and cannot belong to the exclusive group %(group)s: "
                        "in an exclusive group the rules decide who belongs where.",
                        segment=segment.name,
                        group=segment.group_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        member_values = [vals.pop("partner_ids", None) for vals in vals_list]
        segments = super().create(vals_list)
        segments._check_rule_author()
        for segment, value in zip(segments, member_values, strict=True):
            if value is not None:
                segment._write_members(value)
        return segments

    def write(self, vals):
        member_value = None
        if "partner_ids" in vals:
            vals = dict(vals)
            member_value = vals.pop("partner_ids")
        if "domain" in vals:
            vals["domain_error"] = False
        result = super().write(vals)
        if vals.keys() & {"domain", "segment_type", "company_id"}:
            self._check_rule_author()
        if member_value is not None:
            for segment in self:
                segment._write_members(member_value)
        return result

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if default and "name" in default:
            return vals_list
        return [
            dict(vals, name=self.env._("%s (copy)", segment.name))
            for segment, vals in zip(self, vals_list, strict=True)
        ]

    def action_refresh(self):
        """Recompute the members of the dynamic segments in `self`: now, or
        queued for the scheduled refresh when it may touch more than
        QUEUED_REFRESH_ABOVE customers. The other dynamic segments of their
        exclusive groups are refreshed too, in order: who belongs where
        depends on all of them."""
        self.check_access("write")
        segments = self.filtered(lambda s: s.segment_type == "dynamic")
        exclusive_groups = segments.group_id.filtered("exclusive")
        if exclusive_groups:
            segments |= self.search([("group_id", "in", exclusive_groups.ids), ("segment_type", "=", "dynamic")])
        segments.check_access("write")
        if segments._refresh_size() > QUEUED_REFRESH_ABOVE:
            return segments._queue_refresh()
        return segments._refresh_now()

    def _refresh_now(self):
        """Refresh the dynamic segments in `self`, in order, in this
        transaction; a segment whose rule cannot run is flagged and skipped.
        Returns the notification that says what changed."""
        refreshed = self.browse()
        lines = []
        for segment in self._sorted_for_refresh():
            changes = segment._refresh_members()
            if changes is None:
                lines.append(
                    self.env._(
                        "%(segment)s could not be refreshed: %(error)s",
                        segment=segment.name,
                        error=segment.domain_error,
                    )
                )
                continue
            refreshed |= segment
            lines.append(
                self.env._(
                    "%(segment)s: %(entries)s joined, %(exits)s left, %(members)s members now.",
                    segment=segment.name,
                    entries=changes[0],
                    exits=changes[1],
                    # from the writer: reading member_count would count every segment's members again
                    members=changes[2],
                )
            )
        refreshed.sudo().write({"domain_error": False, "last_refresh": fields.Datetime.now()})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if refreshed == self else "warning",
                "title": self.env._("Segments refreshed"),
                "message": "\n".join(lines) or self.env._("Only dynamic segments are refreshed by their rule."),
                "sticky": refreshed != self,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _refresh_size(self):
        """How many customers a refresh of the segments in `self` may touch:
        their members now (a segment keeps roughly its size from one refresh
        to the next) and, for a segment never refreshed, its whole client
        base (all of it may enter), counted up to the limit only."""
        refreshed = self.filtered("last_refresh")
        (members,) = self.env.execute_query(
            SQL(
                "SELECT count(*) FROM %s WHERE segment_id = ANY(%s::int4[])",
                SQL.identifier(MEMBER_TABLE),
                refreshed.ids,
            )
        )[0]
        size = members
        for segment in self - refreshed:
            (base,) = self.env.execute_query(
                SQL(
                    """SELECT count(*) FROM (
                           SELECT 1 FROM res_partner
                            WHERE active AND (company_id IS NULL OR company_id = %s)
                              AND (is_company OR parent_id IS NULL)
                            LIMIT %s) base""",
                    segment.company_id.id,
                    QUEUED_REFRESH_ABOVE + 1,
                )
            )[0]
            size += base
        return size

    def _queue_refresh(self):
        """Queue the refresh of the segments in `self` for the scheduled
        refresh and wake it up. A segment being refreshed is refused at
        once rather than waited for."""
        for segment in self:
            self.env["customer.segment.membership"]._lock_segment(segment)
        wake_up(self.env, SEGMENT_CRON)
        self.filtered(lambda s: not s.refresh_requested_at).sudo().write(
            {"refresh_requester_id": self.env.uid, "refresh_requested_at": fields.Datetime.now()}
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Refresh queued"),
                "message": self.env._(
                    "%(segments)s: more than %(limit)s customers to go through, so the scheduled refresh takes it "
                    "in a moment. Reload to see the members it finds.",
                    segments=", ".join(self.mapped("name")),
                    limit=QUEUED_REFRESH_ABOVE,
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_snapshot(self):
        """Freeze the current members into a new static segment, for a
        campaign whose target list must not drift."""
        self.ensure_one()
        self.check_access("write")
        if self.segment_type != "dynamic":
            raise UserError(self.env._("Only a dynamic segment can be frozen into a snapshot."))
        date = format_date(self.env, self.company_id._segmentation_today())
        snapshot = self.copy(
            {
                "name": f"{self.name} ({date})",
                "segment_type": "static",
                "domain": "[]",
                "group_id": False,
                "activity_type_id": False,
            }
        )
        members = self.env.execute_query(
            SQL("SELECT partner_id FROM %s WHERE segment_id = %s", SQL.identifier(MEMBER_TABLE), self.id)
        )
        snapshot._change_members(add=[partner_id for (partner_id,) in members])
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": snapshot.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_open_members(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Members of %s", self.name),
            "res_model": "res.partner",
            "view_mode": "list,kanban,form",
            "views": [(False, "list"), (False, "kanban"), (False, "form")],
            "domain": [("segment_ids", "in", self.ids)],
            "context": {"res_partner_search_mode": "customer"},
        }

    def action_open_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_segmentation.customer_segment_membership_action"
        )
        action["domain"] = [("segment_id", "=", self.id)]
        action["context"] = {"default_segment_id": self.id}
        return action

    @api.model
    def _cron_refresh_segments(self):
        """The refreshes queued by "Refresh now" first, then the daily refresh
        of the dynamic segments not refreshed yet today, one segment per
        committed step: a failing segment is flagged and logged, the others
        still refresh, a run that runs out of time resumes with what is
        left, and a segment being changed is taken a moment later. Each rule
        is evaluated as in "Refresh now": with the rights of the segment's
        responsible, within the segment's company."""
        today_start = datetime.combine(fields.Date.today(), time.min)
        dynamic = Domain("segment_type", "=", "dynamic")
        requested = self.search(dynamic & Domain("refresh_requested_at", "!=", False))._sorted_for_refresh()
        daily = self.search(
            dynamic
            & Domain("id", "not in", requested.ids)
            & (Domain("last_refresh", "=", False) | Domain("last_refresh", "<", today_start))
        )._sorted_for_refresh()
        run_committed_steps(
            requested | daily,
            lambda segment: segment._refresh_scheduled(),
            lambda segment, message: segment._record_refresh_error(message),
            "Customer segment",
        )

    def _refresh_scheduled(self):
        """Refresh this segment for the scheduled action; its request, if
        any, is cleared with the new members, in their transaction."""
        done = {"refresh_requester_id": False, "refresh_requested_at": False}
        if self._refresh_members():
            done.update(domain_error=False, last_refresh=fields.Datetime.now())
        self.sudo().write(done)

    def _record_refresh_error(self, message):
        self.sudo().write(
            {
                "domain_error": self.env._("Refresh failed: %s", message),
                "refresh_requester_id": False,
                "refresh_requested_at": False,
            }
        )

    def _sorted_for_refresh(self):
        """Exclusive groups need their segments in sequence order: each one
        leaves out the customers taken by the ones before."""
        return self.sorted(lambda s: (s.company_id.id, s.group_id.sequence, s.group_id.id, s.sequence, s.id))

    def _responsible_error(self):
        """Why the responsible cannot evaluate this segment's rule, if so."""
        self.ensure_one()
        user = self.user_id.sudo()
        if not user:
            return self.env._(
                "Dynamic segment %s needs a responsible: its rule is evaluated with the responsible's access rights.",
                self.name,
            )
        if not user.active or user.share or user._is_superuser():
            return self.env._(
                "The responsible of segment %(segment)s must be an active internal user: %(user)s is not.",
                segment=self.name,
                user=user.display_name,
            )
        if self.company_id not in user.company_ids:
            return self.env._(
                "The responsible of segment %(segment)s, %(user)s, is not allowed in company %(company)s: "
                "the rule is evaluated with the responsible's rights within the segment's company.",
                segment=self.name,
                user=user.display_name,
                company=self.company_id.name,
            )
        return None

    def _parse_rule(self):
        """The rule as a `Domain` on customers. It is data, never code:
        anything `ast.literal_eval` refuses (context_today(), uid, ...), a
        number that is not finite, or a field customers do not have raises a
        ValidationError that says which."""
        self.ensure_one()
        text = (self.domain or "").strip() or "[]"
        try:
            value = ast.literal_eval(text)
        except ValueError as error:
            # Odoo limits the size of what literal_eval reads (odoo/_monkeypatches/ast.py)
            if "buffer limit" in str(error):
                raise self._rule_error(
                    self.env._("it is too long (%s characters): split it into several segments.", len(text))
                ) from None
            raise self._rule_error(self._not_literal_message()) from None
        except (TypeError, SyntaxError):
            raise self._rule_error(self._not_literal_message()) from None
        except (MemoryError, RecursionError):
            raise self._rule_error(self.env._("it is nested too deeply.")) from None
        if not isinstance(value, list):
            raise self._rule_error(self.env._("a rule is a list of conditions."))
        self._check_rule_values(value)
        try:
            domain = Domain(value)
            domain.validate(self.env["res.partner"].sudo())
        except RULE_ERRORS as error:
            raise self._rule_error(str(error)) from error
        return domain

    def _not_literal_message(self):
        return self.env._(
            "it must be a plain list of conditions with literal values. Expressions such as context_today() "
            "or uid are not allowed: use “Days since Last Purchase” or “Bought Category in the Last 3/6/12 "
            "Months” for relative dates."
        )

    def _check_rule_values(self, value):
        """Values a condition can compare with: text, finite numbers, booleans,
        None, and collections of them."""
        if isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                self._check_rule_values(item)
        elif isinstance(value, float) and not math.isfinite(value):
            raise self._rule_error(self.env._("%s is not a number it can compare with.", value))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**63:
            raise self._rule_error(self.env._("%s is too large a number.", value))
        elif not isinstance(value, (str, int, float, bool, type(None))):
            raise self._rule_error(self.env._("%s is not a value it can compare with.", repr(value)))

    def _rule_query(self, domain, user):
        """The rule as a query on customers, run as `user` would run it in
        this segment's company. Every field it names must be readable by
        `user` (also the fields searched by a method, whose query bypasses
        field access) and stored or searchable, and the query must build."""
        self.ensure_one()
        partners = self._rule_partners(user)
        self._check_rule_fields(domain, partners, user)
        try:
            return partners._search(domain, order="id")
        except RULE_ERRORS as error:
            raise self._rule_error(str(error)) from error

    def _check_rule_fields(self, domain, model, user):
        for condition in domain.iter_conditions():
            if condition.operator in UNCHECKED_OPERATORS:
                raise self._rule_error(self.env._("the operator %s searches past access rights.", condition.operator))
            comodel = model
            for name in condition.field_expr.split("."):
                field = comodel._fields.get(name)
                if field is None:
                    break
                if not comodel._has_field_access(field, "read"):
                    raise self._rule_error(
                        self.env._(
                            "%(user)s is not allowed to read the field “%(field)s” (%(name)s).",
                            user=user.name,
                            field=field._description_string(comodel.env),
                            name=field.name,
                        )
                    )
                if not (field.store or field.search):
                    raise self._rule_error(
                        self.env._(
                            "the field “%(field)s” (%(name)s) is computed on the fly and cannot be searched.",
                            field=field._description_string(comodel.env),
                            name=field.name,
                        )
                    )
                if not field.relational:
                    break
                comodel = comodel.env[field.comodel_name]
                if not comodel.has_access("read"):
                    raise self._rule_error(
                        self.env._(
                            "%(user)s is not allowed to read %(records)s.",
                            user=user.name,
                            records=comodel._description,
                        )
                    )
            if condition.operator in ("any", "not any") and isinstance(condition.value, (list, tuple, Domain)):
                self._check_rule_fields(Domain(condition.value), comodel, user)

    def _rule_error(self, reason):
        return ValidationError(
            self.env._("The rule of segment %(segment)s cannot be used: %(reason)s", segment=self.name, reason=reason)
        )

    def _rule_partners(self, user):
        """Customers as a rule run by `user` sees them: with its rights and in
        the segment's company only, archived customers left out."""
        return (
            self.env["res.partner"]
            .with_user(user)
            .with_context(active_test=True, allowed_company_ids=[self.company_id.id])
        )

    def _member_query(self, domain):
        """SQL selecting the ids of the customers matching `domain` within
        this segment's scope, as its responsible sees them: commercial
        entities (companies and individuals without a parent; contacts follow
        their company) of the segment's company or shared, not taken by an
        earlier segment of its exclusive group."""
        self.ensure_one()
        scope = Domain("company_id", "in", [False, self.company_id.id]) & (
            Domain("is_company", "=", True) | Domain("parent_id", "=", False)
        )
        query = self._rule_query(domain & scope, self.user_id)
        query.order = None  # members are a set
        if self.group_id.exclusive:
            query.add_where(
                SQL(
                    """NOT EXISTS (
                        SELECT 1 FROM %(members)s taken
                          JOIN customer_segment earlier ON earlier.id = taken.segment_id
                         WHERE taken.partner_id = %(partner)s
                           AND earlier.group_id = %(group)s
                           AND earlier.active
                           AND earlier.segment_type = 'dynamic'
                           AND (earlier.sequence, earlier.id) < (%(sequence)s, %(segment)s))""",
                    members=SQL.identifier(MEMBER_TABLE),
                    partner=SQL.identifier(query.table, "id"),
                    group=self.group_id.id,
                    sequence=self.sequence,
                    segment=self.id,
                )
            )
        return query.select()

    def _refresh_members(self):
        """Recompute one dynamic segment; a rule that cannot run (anymore)
        flags it instead. Returns how many customers entered and left, or
        None when it could not be refreshed (the caller stamps `last_refresh`)."""
        self.ensure_one()
        try:
            if error := self._responsible_error():
                raise ValidationError(error)
            members = self._member_query(self._parse_rule())
        except RULE_ERRORS as error:
            message = error.args[0] if error.args else str(error)
            _logger.warning("Customer segment %s (id %s) skipped: %s", self.name, self.id, message)
            self.sudo().domain_error = message
            return None
        return self._apply_members(members)

    def _write_members(self, value):
        """`partner_ids` written on the segment, in any form the ORM accepts:
        replaced, cleared, linked or unlinked as the ORM would, over the
        members the current user sees."""
        self.ensure_one()
        added, removed = x2many_changes(
            value,
            self.partner_ids.ids,
            self.env._("Customers are added to a segment, not created or changed from it."),
        )
        self._change_members(add=added, remove=removed)

    @api.model
    def _apply_partner_commands(self, partners, value):
        """`segment_ids` written on customers, in any form the ORM accepts,
        turned into additions and removals per segment. Replacing or clearing
        acts on the static segments of the allowed companies only (the ones
        the user changes by hand); dynamic segments are left to their rule."""
        current = self.search(
            [
                ("segment_type", "=", "static"),
                ("company_id", "in", self.env.companies.ids),
                ("partner_ids", "in", partners.ids),
            ]
        )
        added, removed = x2many_changes(
            value,
            current.ids,
            self.env._("Segments are created, changed and deleted from the Segments menu, not from a customer."),
        )
        # naming a segment the user cannot read is refused even when it would change nothing
        self.browse(added | removed).check_access("read")
        for segment in self.browse(sorted(added | removed)):
            segment._change_members(
                add=partners.ids if segment.id in added else (),
                remove=partners.ids if segment.id in removed else (),
            )

    def _change_members(self, add=(), remove=()):
        """The one way members change by hand (segment form, customer form,
        bulk action, snapshot): add and remove customers. What changes nothing
        is not done; a real change needs write access to a static segment, and
        customers of its company or shared."""
        self.ensure_one()
        add, remove = set(add), set(remove) - set(add)
        if not add and not remove:
            return
        present = {
            partner_id
            for (partner_id,) in self.env.execute_query(
                SQL(
                    "SELECT partner_id FROM %s WHERE segment_id = %s AND partner_id = ANY(%s)",
                    SQL.identifier(MEMBER_TABLE),
                    self.id,
                    sorted(add | remove),
                )
            )
        }
        entries, exits = add - present, remove & present
        if not entries and not exits:
            return
        self.check_access("write")
        if self.segment_type != "static":
            raise UserError(
                self.env._(
                    "Customers are added to and removed from static segments only: the members of %(segment)s "
                    "come from its rule. Take a snapshot to get a list you can edit by hand.",
                    segment=self.name,
                )
            )
        foreign = self.env["res.partner"].browse(
            partner_id
            for (partner_id,) in self.env.execute_query(
                SQL(
                    "SELECT id FROM res_partner WHERE id = ANY(%s) AND company_id IS NOT NULL AND company_id != %s",
                    sorted(entries),
                    self.company_id.id,
                )
            )
        )
        if foreign:
            raise ValidationError(
                self.env._(
                    "%(customers)s belong to another company than segment %(segment)s.",
                    customers=", ".join(foreign.sudo()[:5].mapped("display_name")),
                    segment=self.name,
                )
            )
        self._apply_members(
            SQL(
                "SELECT partner_id FROM %(table)s WHERE segment_id = %(segment)s AND partner_id != ALL(%(exits)s)"
                " UNION ALL SELECT unnest(%(entries)s::int4[])",
                table=SQL.identifier(MEMBER_TABLE),
                segment=self.id,
                exits=sorted(exits),
                entries=sorted(entries),
            )
        )

    def _apply_members(self, members):
        """Make the members of this segment the customers selected by the SQL
        `members` (one column of distinct partner ids), written by their
        history; then the entries get their follow-up activity. Returns how
        many customers entered and left, and how many members it has now."""
        self.ensure_one()
        entries, exits, count, entered_ids = self.env["customer.segment.membership"]._write_stays(self, members)
        self.env["res.partner"].invalidate_model(["segment_ids"])
        self.invalidate_model(["partner_ids", *FIGURE_FIELDS])
        if entered_ids and self.activity_planning == "cadence":
            self._plan_cadence_follow_ups(self.company_id._segmentation_today(), entered_ids)
        elif entered_ids:
            self._create_follow_up_activities(entered_ids)
        return entries, exits, count

    def _create_follow_up_activities(self, partner_ids):
        """One activity per entry, created in one batch and without a
        notification mail each: to the customer's salesperson, else the
        segment's responsible, else whoever changed the segment."""
        self.ensure_one()
        deadline = self.company_id._segmentation_today() + timedelta(days=self.activity_delay_days)
        partners = self.env["res.partner"].sudo().browse(partner_ids)
        self._create_activities([(self, partner, deadline) for partner in partners])

    def _create_activities(self, plans):
        """The follow-up activities of `plans` ((segment, customer, deadline)),
        created in one batch and without a notification mail each: to the
        customer's salesperson, else the segment's responsible, else whoever
        changed the segment."""
        model_id = self.env["ir.model"]._get_id("res.partner")
        fallbacks = {
            segment: segment.user_id or (self.env.user if not self.env.user._is_superuser() else segment.create_uid)
            for segment in {segment for segment, _partner, _deadline in plans}
        }
        return (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True)
            .create(
                [
                    {
                        "res_model_id": model_id,
                        "res_id": partner.id,
                        "activity_type_id": segment.activity_type_id.id,
                        "summary": segment.activity_summary or segment.name,
                        "note": segment.strategy,
                        "date_deadline": deadline,
                        "user_id": (partner.user_id or fallbacks[segment]).id,
                    }
                    for segment, partner, deadline in plans
                ]
            )
        )

    @api.model
    def _plan_company_follow_ups(self, company, run_date):
        """After the cadence refresh of a run of `company`: the recurring
        follow-ups of its segments that plan them at the cadence. Returns
        how many activities were created."""
        segments = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("activity_planning", "=", "cadence"),
                ("activity_type_id", "!=", False),
            ]
        )
        return len(segments._plan_cadence_follow_ups(run_date)) if segments else 0

    def _plan_cadence_follow_ups(self, today, partner_ids=None):
        """The recurring follow-up of the segments in `self` (one company's,
        planning at the cadence): each member (of `partner_ids` only, when
        given) without an open activity of its segment's type on it gets one,
        due on its next contact, its last contact plus the interval in use
        (see `_cadence_follow_up_query`), or `today` if it was never
        contacted. A customer in several such segments with the same type
        gets one activity, of the first segment (in the segments' order).
        Found by one query, created in one batch; returns the activities."""
        if not self:
            return self.env["mail.activity"]
        self.company_id.ensure_one()
        self.env.flush_all()
        rows = self.env.execute_query(self._cadence_follow_up_query(today, partner_ids))
        segments = self.browse({segment_id for segment_id, _partner_id, _deadline in rows}).sudo()
        partners = self.env["res.partner"].sudo().browse([partner_id for _segment_id, partner_id, _deadline in rows])
        partners.fetch(["user_id"])
        return self._create_activities(
            [
                (segments.browse(segment_id), partners.browse(partner_id), deadline)
                for segment_id, partner_id, deadline in rows
            ]
        )

    def _cadence_follow_up_query(self, today, partner_ids=None):
        """SQL of the recurring follow-ups to plan for the segments in `self`:
        (segment_id, partner_id, date_deadline). The interval in use is the
        segment's recommended one (customer.cadence.recommendation) when it
        is a cadence profile with a recommendation, else the customer's
        recommended interval; a member without either gets nothing. One
        open activity of a type per customer at a time, whoever planned it."""
        company = self.company_id
        key = str(company.id)
        return SQL(
            """
            SELECT DISTINCT ON (member.partner_id, segment.activity_type_id)
                   segment.id, member.partner_id,
                   COALESCE((partner.last_contact_date ->> %(key)s)::date + planned.interval_days, %(today)s::date)
              FROM customer_segment segment
              JOIN %(members)s member ON member.segment_id = segment.id
              JOIN res_partner partner ON partner.id = member.partner_id
              LEFT JOIN customer_cadence_recommendation recommendation
                     ON segment.cadence_profile
                    AND recommendation.company_id = segment.company_id
                    AND recommendation.segment_id = segment.id
             CROSS JOIN LATERAL (
                   SELECT COALESCE(
                              NULLIF(recommendation.interval_days, 0),
                              (partner.recommended_contact_interval_days ->> %(key)s)::int4
                          ) AS interval_days
                   ) planned
             WHERE segment.id = ANY(%(segments)s)
               AND segment.active
               AND segment.activity_planning = 'cadence'
               AND segment.activity_type_id IS NOT NULL
               AND partner.active
               AND planned.interval_days > 0
               AND (%(partners)s::int4[] IS NULL OR member.partner_id = ANY(%(partners)s::int4[]))
               AND NOT EXISTS (
                   SELECT 1 FROM mail_activity activity
                    WHERE activity.res_model = 'res.partner'
                      AND activity.res_id = member.partner_id
                      AND activity.activity_type_id = segment.activity_type_id
                      AND activity.active)
             ORDER BY member.partner_id, segment.activity_type_id, segment.sequence, segment.name, segment.id
            """,
            key=key,
            today=today,
            members=SQL.identifier(MEMBER_TABLE),
            segments=self.ids,
            partners=sorted(partner_ids) if partner_ids is not None else None,
        )
