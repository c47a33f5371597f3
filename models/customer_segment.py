import ast
import logging
from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.exceptions import LockError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL, format_date

from .common import MEMBER_TABLE, MONEY_READERS, run_committed_steps

_logger = logging.getLogger(__name__)

FIGURE_FIELDS = ["member_count", "revenue", "margin", "membership_count"]


class CustomerSegment(models.Model):
    """A set of customers of one company: chosen by hand (static) or matched
    by a rule (dynamic). Members are stored in one relation table shared with
    `res.partner.segment_ids`, so customer lists filter and group by segment
    natively; `_apply_members` is the one place where members change, and it
    records the entries and exits."""

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
        default=lambda self: self.env.user,
        help="Gets the follow-up activities of customers who have no salesperson.",
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
    partner_ids = fields.Many2many(
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

    _activity_delay_check = models.Constraint(
        "CHECK (activity_delay_days >= 0)", "The activity delay cannot be negative."
    )

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

    @api.depends("membership_ids")
    def _compute_membership_count(self):
        histories = dict(
            self.env["customer.segment.membership"]._read_group(
                [("segment_id", "in", self.ids)], ["segment_id"], ["__count"]
            )
        )
        for segment in self:
            segment.membership_count = histories.get(segment._origin, 0)

    @api.constrains("domain", "segment_type", "company_id")
    def _check_domain(self):
        for segment in self.filtered(lambda s: s.segment_type == "dynamic"):
            segment._parse_rule()

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
        member_commands = []
        for vals in vals_list:
            member_commands.append(vals.pop("partner_ids", None))
        segments = super().create(vals_list)
        for segment, commands in zip(segments, member_commands, strict=True):
            if commands:
                segment._set_members_from_commands(commands)
        return segments

    def write(self, vals):
        commands = None
        if "partner_ids" in vals:
            vals = dict(vals)
            commands = vals.pop("partner_ids")
        if "domain" in vals:
            vals["domain_error"] = False
        result = super().write(vals)
        if commands is not None:
            for segment in self:
                segment._set_members_from_commands(commands)
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
        """Recompute the members of the dynamic segments in `self` now. The
        other dynamic segments of their exclusive groups are refreshed too, in
        order: who belongs where depends on all of them. A segment whose rule
        is broken is flagged and skipped."""
        self.check_access("write")
        segments = self.filtered(lambda s: s.segment_type == "dynamic")
        exclusive_groups = segments.group_id.filtered("exclusive")
        if exclusive_groups:
            segments |= self.search([("group_id", "in", exclusive_groups.ids), ("segment_type", "=", "dynamic")])
        refreshed = self.browse()
        for segment in segments._sorted_for_refresh():
            if segment._refresh_members():
                refreshed |= segment
        refreshed.sudo().write({"domain_error": False, "last_refresh": fields.Datetime.now()})
        return True

    def action_snapshot(self):
        """Freeze the current members into a new static segment, for a
        campaign whose target list must not drift."""
        self.ensure_one()
        self.check_access("write")
        if self.segment_type != "dynamic":
            raise UserError(self.env._("Only a dynamic segment can be frozen into a snapshot."))
        date = format_date(self.env, fields.Date.context_today(self))
        snapshot = self.copy(
            {
                "name": f"{self.name} ({date})",
                "segment_type": "static",
                "domain": "[]",
                "group_id": False,
                "activity_type_id": False,
            }
        )
        snapshot._apply_members(
            SQL("SELECT partner_id FROM %s WHERE segment_id = %s", SQL.identifier(MEMBER_TABLE), self.id)
        )
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
        """Daily refresh of the dynamic segments not refreshed yet today, one
        segment per committed step: a failing segment is flagged and logged,
        the others still refresh, and a run that runs out of time resumes with
        what is left. Runs as superuser: every segment is evaluated within its
        own company."""
        today_start = datetime.combine(fields.Date.today(), time.min)
        segments = self.search(
            [
                ("segment_type", "=", "dynamic"),
                "|",
                ("last_refresh", "=", False),
                ("last_refresh", "<", today_start),
            ]
        )._sorted_for_refresh()
        run_committed_steps(
            segments,
            lambda segment: segment._refresh_scheduled(),
            lambda segment, error: segment._record_refresh_error(error),
            "Customer segment",
        )

    def _refresh_scheduled(self):
        if self._refresh_members():
            self.sudo().write({"domain_error": False, "last_refresh": fields.Datetime.now()})

    def _record_refresh_error(self, error):
        self.domain_error = self.env._("Refresh failed: %s", error)

    def _sorted_for_refresh(self):
        """Exclusive groups need their segments in sequence order: each one
        leaves out the customers taken by the ones before."""
        return self.sorted(lambda s: (s.company_id.id, s.group_id.sequence, s.group_id.id, s.sequence, s.id))

    def _parse_rule(self):
        """The rule as a validated `Domain` on customers. It is data, never
        code: anything `ast.literal_eval` refuses (context_today(), uid, ...)
        or that names a field customers do not have raises a ValidationError."""
        self.ensure_one()
        try:
            value = ast.literal_eval((self.domain or "").strip() or "[]")
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise ValidationError(
                self.env._(
                    "The rule of segment %(segment)s must be a plain list of conditions with literal values. "
                    "Expressions such as context_today() or uid are not allowed: use “Days since Last Purchase” "
                    "or “Bought Category in the Last 3/6/12 Months” for relative dates.",
                    segment=self.name,
                )
            ) from None
        try:
            if not isinstance(value, list):
                raise TypeError(self.env._("a domain is a list of conditions"))
            domain = Domain(value)
            domain.validate(self._rule_partners())
        except Exception as error:
            raise ValidationError(
                self.env._(
                    "The rule of segment %(segment)s is not a valid condition on customers: %(error)s",
                    segment=self.name,
                    error=error,
                )
            ) from error
        return domain

    def _rule_partners(self):
        """Customers as the rule sees them: the segment's company for the
        per-company figures, no access filtering (the scope is added by
        `_member_query`), archived customers left out."""
        return self.env["res.partner"].with_context(active_test=True).with_company(self.company_id).sudo()

    def _member_query(self, domain):
        """SQL selecting the ids of the customers matching `domain` within
        this segment's scope: commercial entities (companies and individuals
        without a parent; contacts follow their company) of the segment's
        company or shared, not taken by an earlier segment of its exclusive
        group."""
        self.ensure_one()
        scope = Domain("company_id", "in", [False, self.company_id.id]) & (
            Domain("is_company", "=", True) | Domain("parent_id", "=", False)
        )
        query = self._rule_partners()._search(domain & scope)
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
        """Recompute one dynamic segment; a broken rule flags it instead.
        Returns whether it was refreshed (the caller stamps `last_refresh`)."""
        self.ensure_one()
        try:
            domain = self._parse_rule()
        except ValidationError as error:
            _logger.warning("Customer segment %s (id %s) skipped: %s", self.name, self.id, error.args[0])
            self.sudo().domain_error = error.args[0]
            return False
        self._apply_members(self._member_query(domain))
        return True

    def _set_members_from_commands(self, commands):
        """Hand-made change of a static segment through x2many commands."""
        self.ensure_one()
        if self.segment_type != "static":
            raise UserError(
                self.env._(
                    "The members of the dynamic segment %(segment)s come from its rule; "
                    "take a snapshot to get a list you can edit by hand.",
                    segment=self.name,
                )
            )
        current = self.sudo().with_context(active_test=False)
        target = current._fields["partner_ids"].convert_to_cache(commands, current)
        self._set_static_members([partner_id for partner_id in target if isinstance(partner_id, int)])

    @api.model
    def _apply_partner_commands(self, partners, commands):
        """Translate x2many commands written on `res.partner.segment_ids`
        into additions and removals per static segment, set-wise."""
        partner_ids = set(partners.ids)
        added, removed = {}, {}

        def add(segment_id):
            added.setdefault(segment_id, set()).update(partner_ids)
            removed.get(segment_id, set()).difference_update(partner_ids)

        def remove(segment_id):
            removed.setdefault(segment_id, set()).update(partner_ids)
            added.get(segment_id, set()).difference_update(partner_ids)

        for command in commands:
            code, target = (Command.LINK, command) if isinstance(command, int) else command[:2]
            if code == Command.LINK:
                add(target)
            elif code in (Command.UNLINK, Command.DELETE):
                remove(target)
            elif code in (Command.CLEAR, Command.SET):
                self.env.cr.execute(
                    SQL(
                        "SELECT DISTINCT segment_id FROM %s WHERE partner_id = ANY(%s)",
                        SQL.identifier(MEMBER_TABLE),
                        list(partner_ids),
                    )
                )
                for (segment_id,) in self.env.cr.fetchall():
                    remove(segment_id)
                for segment_id in list(added):
                    remove(segment_id)
                for segment_id in command[2] if code == Command.SET else ():
                    add(segment_id)
            else:
                raise UserError(self.env._("Segments are created from the Segments menu, not from a customer."))
        for segment in self.browse(sorted(set(added) | set(removed))):
            segment._change_static_members(added.get(segment.id, ()), removed.get(segment.id, ()))

    def _change_static_members(self, add_ids=(), remove_ids=()):
        """Add and remove customers by hand (bulk action, customer form)."""
        self.ensure_one()
        self.env.cr.execute(
            SQL("SELECT partner_id FROM %s WHERE segment_id = %s", SQL.identifier(MEMBER_TABLE), self.id)
        )
        current = {partner_id for (partner_id,) in self.env.cr.fetchall()}
        self._set_static_members((current - set(remove_ids)) | set(add_ids))

    def _set_static_members(self, partner_ids):
        self.ensure_one()
        self.check_access("write")
        if self.segment_type != "static":
            raise UserError(
                self.env._(
                    "Customers are added to and removed from static segments only; %(segment)s follows its rule.",
                    segment=self.name,
                )
            )
        partner_ids = sorted(set(partner_ids))
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id = ANY(%s) AND company_id IS NOT NULL AND company_id != %s",
                partner_ids,
                self.company_id.id,
            )
        )
        foreign = self.env["res.partner"].browse(partner_id for (partner_id,) in self.env.cr.fetchall())
        if foreign:
            raise ValidationError(
                self.env._(
                    "%(customers)s belong to another company than segment %(segment)s.",
                    customers=", ".join(foreign.sudo()[:5].mapped("display_name")),
                    segment=self.name,
                )
            )
        self._apply_members(SQL("SELECT unnest(%s::int4[])", partner_ids))

    def _apply_members(self, members):
        """Make the members of this segment the customers selected by the SQL
        `members` (one column of partner ids). Set-wise, in one statement:
        the entries (new EXCEPT current) and exits (current EXCEPT new) are
        computed, only they are written into the relation table and the
        history, and the day's size is stored; then the entries get their
        follow-up activity. Returns the (entries, exits) counts."""
        self.ensure_one()
        self.env.flush_all()
        self._lock_for_members()
        self.env.cr.execute(
            SQL(
                """
                WITH new AS (SELECT DISTINCT members.id FROM (%(members)s) AS members(id)),
                     current AS (SELECT partner_id FROM %(table)s WHERE segment_id = %(segment)s),
                     entries AS (SELECT id FROM new EXCEPT SELECT partner_id FROM current),
                     exits AS (SELECT partner_id FROM current EXCEPT SELECT id FROM new),
                     added AS (
                        INSERT INTO %(table)s (segment_id, partner_id)
                        SELECT %(segment)s, id FROM entries
                        ON CONFLICT DO NOTHING
                        RETURNING partner_id),
                     removed AS (
                        DELETE FROM %(table)s member USING exits
                         WHERE member.segment_id = %(segment)s AND member.partner_id = exits.partner_id
                        RETURNING member.partner_id),
                     opened AS (
                        INSERT INTO customer_segment_membership (segment_id, partner_id, company_id, date_in)
                        SELECT %(segment)s, partner_id, %(company)s, %(today)s FROM added
                        RETURNING partner_id),
                     closed AS (
                        UPDATE customer_segment_membership membership
                           SET date_out = GREATEST(%(today)s, membership.date_in)
                          FROM removed
                         WHERE membership.segment_id = %(segment)s
                           AND membership.partner_id = removed.partner_id
                           AND membership.date_out IS NULL
                        RETURNING membership.id),
                     counts AS (
                        SELECT (SELECT COUNT(*) FROM added) AS entries,
                               (SELECT COUNT(*) FROM removed) AS exits,
                               (SELECT COUNT(*) FROM current) AS before),
                     sized AS (
                        INSERT INTO customer_segment_size AS size
                               (segment_id, company_id, date, member_count, entry_count, exit_count,
                                create_uid, create_date, write_uid, write_date)
                        SELECT %(segment)s, %(company)s, %(today)s, before + entries - exits, entries, exits,
                               %(uid)s, %(now)s, %(uid)s, %(now)s
                          FROM counts
                        ON CONFLICT (segment_id, date) DO UPDATE
                           SET member_count = EXCLUDED.member_count,
                               entry_count = size.entry_count + EXCLUDED.entry_count,
                               exit_count = size.exit_count + EXCLUDED.exit_count,
                               write_uid = EXCLUDED.write_uid,
                               write_date = EXCLUDED.write_date
                        RETURNING size.id)
                SELECT counts.entries, counts.exits,
                       CASE WHEN %(with_activity)s THEN ARRAY(SELECT partner_id FROM opened) END,
                       (SELECT COUNT(*) FROM closed), (SELECT COUNT(*) FROM sized)
                  FROM counts
                """,
                members=members,
                table=SQL.identifier(MEMBER_TABLE),
                segment=self.id,
                company=self.company_id.id,
                today=fields.Date.context_today(self),
                uid=self.env.uid,
                now=self.env.cr.now(),
                with_activity=bool(self.activity_type_id),
            )
        )
        entry_count, exit_count, entered_ids, _closed, _sized = self.env.cr.fetchone()
        self.env["res.partner"].invalidate_model(["segment_ids"])
        self.invalidate_model(["partner_ids", *FIGURE_FIELDS])
        self.env["customer.segment.membership"].invalidate_model()
        self.env["customer.segment.size"].invalidate_model()
        if entered_ids:
            self._create_follow_up_activities(entered_ids)
        return entry_count, exit_count

    def _lock_for_members(self):
        """One change of members at a time per segment: a refresh and a hand
        edit must not interleave."""
        try:
            self.lock_for_update(allow_referencing=True)
        except LockError:
            raise UserError(
                self.env._("The members of segment %s are being updated right now; try again in a moment.", self.name)
            ) from None

    def _create_follow_up_activities(self, partner_ids):
        """One activity per entry, created in one batch and without a
        notification mail each: to the customer's salesperson, else the
        segment's responsible, else whoever changed the segment."""
        self.ensure_one()
        fallback = self.user_id or (self.env.user if not self.env.user._is_superuser() else self.create_uid)
        deadline = fields.Date.context_today(self) + timedelta(days=self.activity_delay_days)
        model_id = self.env["ir.model"]._get_id("res.partner")
        partners = self.env["res.partner"].sudo().browse(partner_ids)
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": self.activity_type_id.id,
                    "summary": self.activity_summary or self.name,
                    "note": self.strategy,
                    "date_deadline": deadline,
                    "user_id": (partner.user_id or fallback).id,
                }
                for partner in partners
            ]
        )
