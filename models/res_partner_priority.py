from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..analytics.priority import ATTENTION_REASONS, CELLS
from .common import SALES_USER
from .res_partner import _classification_field

MATRIX_MEASURES = ("revenue", "margin")


def _attention_field(string, reason, help_text):
    return fields.Boolean(
        string=string,
        compute="_compute_attention",
        search=f"_search_attention_{reason}",
        groups=SALES_USER,
        help=help_text,
    )


class ResPartner(models.Model):
    """Priority clients: the purchase rhythm the classification run stores per
    company, the reasons a customer needs attention (evaluated live, from the
    stored figures, today's date, the company's current rules and the
    activities planned now), the rank of the priority lists and the ABC-XYZ
    matrix."""

    # kept apart from the model's main file: the priority clients work in one place
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    abc_xyz_class = fields.Selection(group_expand="_group_expand_abc_xyz_class")
    purchase_interval_days = _classification_field(
        fields.Integer,
        "Usual Interval (days)",
        "Median number of days between two purchase dates over the last 24 months; "
        "empty with fewer than 3 purchase dates.",
    )
    next_purchase_date = _classification_field(
        fields.Date, "Next Purchase Expected", "Last purchase date plus the usual interval."
    )
    revenue_change_percent = _classification_field(
        fields.Float,
        "Revenue Change (%)",
        "Revenue in the ABC window against the window of the same length before it, in percent; "
        "empty when there was no revenue before.",
        digits=(16, 1),
    )
    priority_rank = _classification_field(
        fields.Integer,
        "Priority",
        "Rank of the customer in the company: by the priority of its cell (see the settings), then by revenue.",
    )
    purchase_overdue_days = fields.Integer(
        string="Days Overdue",
        compute="_compute_purchase_overdue_days",
        search="_search_purchase_overdue_days",
        groups=SALES_USER,
        help="Days since the expected next purchase, today (the company's date); 0 when not overdue.",
    )
    needs_attention = fields.Boolean(
        compute="_compute_attention",
        search="_search_needs_attention",
        groups=SALES_USER,
        help="At least one of the company's attention rules holds for the customer today.",
    )
    attention_reasons = fields.Text(
        compute="_compute_attention",
        groups=SALES_USER,
        help="Why the customer needs attention, in words.",
    )
    attention_overdue = _attention_field(
        "Overdue beyond Tolerance",
        "overdue",
        "The next purchase is late by more than the company's tolerance of the usual interval.",
    )
    attention_class_drop = _attention_field(
        "Class Dropped", "class_drop", "The computed ABC or XYZ class went down in the last days set by the company."
    )
    attention_revenue_down = _attention_field(
        "Revenue Down", "revenue_down", "Revenue fell by more than the company's threshold against the window before."
    )
    attention_no_activity = _attention_field(
        "A Customer without Activity", "no_activity", "An A customer with no activity planned."
    )
    abc_xyz_strategy = fields.Text(
        string="Cell Strategy",
        compute="_compute_abc_xyz_strategy",
        groups=SALES_USER,
        help="What the company does with the customers of this cell (Sales settings).",
    )
    salesperson_team_id = fields.Many2one(
        related="user_id.sale_team_id",
        string="Sales Team",
        help="The sales team of the customer's salesperson.",
    )
    open_opportunity_count = fields.Integer(
        string="Open Opportunities",
        compute="_compute_open_opportunity_count",
        groups=SALES_USER,
        help="Opportunities of the customer and its contacts that are neither won nor lost.",
    )

    # ------------------------------------------------------------------
    # rhythm

    @api.depends_context("company")
    @api.depends("next_purchase_date")
    def _compute_purchase_overdue_days(self):
        today = self.env.company._segmentation_today()
        for partner in self:
            expected = partner.next_purchase_date
            partner.purchase_overdue_days = max((today - expected).days, 0) if expected else 0

    def _search_purchase_overdue_days(self, operator, value):
        """Days overdue compare the other way round with the expected date;
        a customer without rhythm, or not late, is overdue by 0."""
        today = self.env.company._segmentation_today()
        late = Domain("next_purchase_date", "!=", False)
        if operator in ("<", "<=", ">", ">="):
            days = int(value)
            late_by = {">": ("<", days), ">=": ("<=", days), "<": (">", days), "<=": (">=", days)}
            date_operator, bound = late_by[operator]
            condition = late & Domain("next_purchase_date", date_operator, today - timedelta(days=bound))
            # "below N" (N > 0) also holds for those overdue by 0
            if (operator == "<" and days > 0) or (operator == "<=" and days >= 0):
                condition |= self._not_overdue_domain(today)
            return condition
        if operator == "in":
            days = {int(day or 0) for day in value}
            condition = Domain("next_purchase_date", "in", [today - timedelta(days=day) for day in days if day > 0])
            if 0 in days:
                condition |= self._not_overdue_domain(today)
            return condition
        return NotImplemented

    def _not_overdue_domain(self, today):
        return Domain("next_purchase_date", "=", False) | Domain("next_purchase_date", ">=", today)

    # ------------------------------------------------------------------
    # attention

    def _attention_sql(self, alias, company=None):
        """{reason: SQL condition} on the res_partner row `alias` for the
        rules of `company` (default: the current one) that are switched on,
        as they hold today. Conditions are never NULL."""
        company = company or self.env.company
        rules = company._priority_rules()
        today = company._segmentation_today()
        key = str(company.id)

        def column(name, kind):
            return SQL("(%s ->> %s)::%s", SQL.identifier(alias, name), key, SQL(kind))

        partner_id = SQL.identifier(alias, "id")
        conditions = {
            "overdue": SQL(
                "%(today)s::date - %(expected)s > %(tolerance)s * %(interval)s / 100.0",
                today=today,
                expected=column("next_purchase_date", "date"),
                tolerance=rules.overdue_tolerance,
                interval=column("purchase_interval_days", "int4"),
            ),
            "class_drop": SQL(
                """EXISTS (SELECT 1 FROM customer_classification_history change
                            WHERE change.partner_id = %(partner)s AND change.company_id = %(company)s
                              AND change.date >= %(since)s
                              AND (change.old_abc_class < change.new_abc_class
                                   OR change.old_xyz_class < change.new_xyz_class))""",
                partner=partner_id,
                company=company.id,
                since=today - timedelta(days=rules.class_drop_days),
            ),
            "revenue_down": SQL(
                "%s < %s", column("revenue_change_percent", "float8"), -float(rules.revenue_down_percent)
            ),
            "no_activity": SQL(
                "%s = 'A' AND NOT %s",
                SQL("(%s ->> %s)", SQL.identifier(alias, "abc_class"), key),
                self._planned_sql(alias),
            ),
        }
        return {
            reason: SQL("COALESCE((%s), FALSE)", condition)
            for reason, condition in conditions.items()
            if reason in rules.enabled_reasons
        }

    def _planned_sql(self, alias):
        """Whether something is planned with the customer `alias`: an open
        activity on it or one of its contacts, or on one of their open leads
        and opportunities."""
        return SQL(
            """(EXISTS (SELECT 1 FROM mail_activity activity
                          JOIN res_partner contact ON contact.id = activity.res_id
                         WHERE activity.res_model = 'res.partner' AND activity.active
                           AND contact.commercial_partner_id = %(partner)s)
                OR EXISTS (SELECT 1 FROM mail_activity activity
                             JOIN crm_lead lead ON lead.id = activity.res_id
                             JOIN res_partner contact ON contact.id = lead.partner_id
                            WHERE activity.res_model = 'crm.lead' AND activity.active AND lead.active
                              AND contact.commercial_partner_id = %(partner)s))""",
            partner=SQL.identifier(alias, "id"),
        )

    def _attention_flush(self):
        self.env["res.partner"].flush_model()
        self.env["mail.activity"].flush_model(["res_model", "res_id", "active"])
        self.env["crm.lead"].flush_model(["partner_id", "active"])
        self.env["customer.classification.history"].flush_model()

    @api.depends_context("company")
    @api.depends(
        "next_purchase_date",
        "purchase_interval_days",
        "revenue_change_percent",
        "abc_class",
        "activity_ids",
        "classification_history_ids",
    )
    def _compute_attention(self):
        """Every reason of the partners in `self` in one query."""
        conditions = self._attention_sql("partner")
        found = {}
        partners = self.filtered("id")
        if partners and conditions:
            self._attention_flush()
            rows = self.env.execute_query(
                SQL(
                    "SELECT partner.id, %s FROM res_partner partner WHERE partner.id = ANY(%s)",
                    SQL(", ").join(conditions.values()),
                    partners.ids,
                )
            )
            found = {row[0]: dict(zip(conditions, row[1:], strict=True)) for row in rows}
        labels = self._attention_labels()
        for partner in self:
            reasons = found.get(partner.id, {})
            for reason in ATTENTION_REASONS:
                partner[f"attention_{reason}"] = bool(reasons.get(reason))
            partner.needs_attention = any(reasons.values())
            partner.attention_reasons = "\n".join(labels[reason](partner) for reason in reasons if reasons[reason])

    def _attention_labels(self):
        """{reason: partner -> words}, in the user's language."""
        rules = self.env.company._priority_rules()
        return {
            "overdue": lambda partner: self.env._(
                "Next purchase overdue by %(days)s days (usually every %(interval)s days)",
                days=partner.purchase_overdue_days,
                interval=partner.purchase_interval_days,
            ),
            "class_drop": lambda partner: self.env._(
                "Class dropped in the last %(days)s days (now %(cell)s)",
                days=rules.class_drop_days,
                cell=partner.abc_xyz_class or partner.abc_class or self.env._("no class"),
            ),
            "revenue_down": lambda partner: self.env._(
                "Revenue down %(percent)s %% against the previous period",
                percent=f"{abs(partner.revenue_change_percent):.0f}",
            ),
            "no_activity": lambda partner: self.env._("A customer with no activity planned"),
        }

    def _search_attention(self, reasons, operator, value):
        if operator != "in":
            return NotImplemented
        conditions = [condition for reason, condition in self._attention_sql("partner").items() if reason in reasons]
        self._attention_flush()
        if conditions:
            found = SQL("SELECT partner.id FROM res_partner partner WHERE %s", SQL(" OR ").join(conditions))
            domain = Domain("id", "any!", found)
        else:
            domain = Domain.FALSE
        return domain if True in value else ~domain

    def _search_needs_attention(self, operator, value):
        return self._search_attention(ATTENTION_REASONS, operator, value)

    def _search_attention_overdue(self, operator, value):
        return self._search_attention(("overdue",), operator, value)

    def _search_attention_class_drop(self, operator, value):
        return self._search_attention(("class_drop",), operator, value)

    def _search_attention_revenue_down(self, operator, value):
        return self._search_attention(("revenue_down",), operator, value)

    def _search_attention_no_activity(self, operator, value):
        return self._search_attention(("no_activity",), operator, value)

    # ------------------------------------------------------------------
    # cells, opportunities

    @api.depends_context("company")
    @api.depends("abc_xyz_class")
    def _compute_abc_xyz_strategy(self):
        strategies = self.env.company._cell_strategies()
        for partner in self:
            partner.abc_xyz_strategy = strategies.get(partner.abc_xyz_class) or False

    def _compute_open_opportunity_count(self):
        """Opportunities of each customer and its contacts still open, in one
        grouped read."""
        partners = self.filtered("id")
        counts = {}
        if partners:
            groups = self.env["crm.lead"]._read_group(
                [
                    ("type", "=", "opportunity"),
                    ("won_status", "=", "pending"),
                    ("partner_id.commercial_partner_id", "in", partners.commercial_partner_id.ids),
                ],
                ["partner_id"],
                ["__count"],
            )
            for contact, count in groups:
                commercial = contact.commercial_partner_id.id
                counts[commercial] = counts.get(commercial, 0) + count
        for partner in self:
            partner.open_opportunity_count = counts.get(partner.id, 0)

    def _group_expand_abc_xyz_class(self, values, domain):
        """Grouped by cell (kanban), every cell shows, in the company's
        priority order; `formatted_read_group` folds the empty ones."""
        return list(self.env.company._priority_cell_order())

    @api.model
    @api.readonly
    def formatted_read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        groups = super().formatted_read_group(
            domain, groupby, aggregates, having=having, offset=offset, limit=limit, order=order
        )
        if list(groupby) == ["abc_xyz_class"] and self.env.context.get("read_group_expand"):
            for group in groups:
                if group.get("__count") == 0:
                    group["__fold"] = True
        return groups

    def write(self, vals):
        result = super().write(vals)
        if "abc_class_manual" in vals:
            # a manual class moves the customer to another cell: its rank follows
            self.env["customer.classification"].sudo()._rerank(self.env.company)
        return result

    # ------------------------------------------------------------------
    # actions

    def action_view_partner_opportunities(self):
        """The customer's open opportunities (a row button of the priority
        list)."""
        self.ensure_one()
        action = self.action_view_opportunity()
        action["context"] = {"default_partner_id": self.id, "search_default_filter_ongoing": 1}
        return action

    def action_view_partner_orders(self):
        """The customer's quotations and sales orders."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.act_res_partner_2_sale_order")
        action["domain"] = [("partner_id", "child_of", self.ids)]
        action["context"] = {"default_partner_id": self.id}
        return action

    @api.model
    def action_open_priority_clients(self, domain=None, name=None):
        """The priority clients screen on the customers of `domain` (a cell
        of the matrix, with its filters), without the "My Clients" filter."""
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_segmentation.action_my_priority_clients")
        # the action's own condition, then the matrix's (implicitly and-ed)
        action["domain"] = [("priority_rank", ">", 0), *(domain or [])]
        action["context"] = {"search_default_my_clients": 0}
        if name:
            action["name"] = name
        return action

    # ------------------------------------------------------------------
    # the matrix

    @api.model
    @api.readonly
    def get_abc_xyz_matrix(self, domain=None, measure="revenue"):
        """The ABC-XYZ matrix of the current company for the customers
        matching `domain` (within the user's access): one entry per cell, in
        the order AX, AY, AZ, BX ... CZ, with its number of customers, revenue,
        margin, share of the `measure` ("revenue" or "margin") in percent of
        the nine cells, and the strategy text of the cell. Users who may not
        read money get the counts only (revenue, margin and share None).

        One SQL aggregation over the per-company columns."""
        if measure not in MATRIX_MEASURES:
            raise UserError(self.env._("The matrix measures revenue or margin, not %(measure)s.", measure=measure))
        company = self.env.company
        key = str(company.id)
        money = self._has_field_access(self._fields["classification_revenue"], "read")
        matching = self._search(Domain(domain or []) & Domain("abc_xyz_class", "!=", False))
        self.flush_model(["abc_xyz_class", "classification_revenue", "classification_margin"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT partner.abc_xyz_class ->> %(key)s,
                       COUNT(*),
                       ROUND(SUM((partner.classification_revenue ->> %(key)s)::numeric), 2),
                       ROUND(SUM((partner.classification_margin ->> %(key)s)::numeric), 2)
                  FROM res_partner partner
                 WHERE partner.id IN (%(matching)s)
                 GROUP BY 1
                """,
                key=key,
                matching=matching.subselect(),
            )
        )
        figures = {cell: (count, revenue or 0, margin or 0) for cell, count, revenue, margin in rows}
        total = sum(figures[cell][1 if measure == "revenue" else 2] for cell in figures if cell in CELLS)
        strategies = company._cell_strategies()
        matrix = []
        for cell in CELLS:
            count, revenue, margin = figures.get(cell, (0, 0, 0))
            value = revenue if measure == "revenue" else margin
            matrix.append(
                {
                    "cell": cell,
                    "count": count,
                    "revenue": float(revenue) if money else None,
                    "margin": float(margin) if money else None,
                    "share": (round(float(value * 100 / total), 2) if total > 0 else 0.0) if money else None,
                    "strategy": strategies[cell],
                }
            )
        return matrix
