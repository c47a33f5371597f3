from dataclasses import replace

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..analytics.priority import CELLS, AttentionRules, format_cell_order, parse_cell_order

DEFAULT_ATTENTION = AttentionRules()
# rule of AttentionRules -> company column; an empty (NULL) column means the
# default, so the switches are stored the other way round ("off")
ATTENTION_SWITCHES = {
    "overdue": "segmentation_attention_overdue_off",
    "class_drop": "segmentation_attention_class_drop_off",
    "revenue_down": "segmentation_attention_revenue_down_off",
    "no_activity": "segmentation_attention_no_activity_off",
    "drop_activity": "segmentation_drop_activity_off",
}
ATTENTION_NUMBERS = {
    "overdue_tolerance": "segmentation_overdue_tolerance",
    "class_drop_days": "segmentation_class_drop_days",
    "revenue_down_percent": "segmentation_revenue_down_percent",
    "drop_activity_days": "segmentation_drop_activity_days",
}
STRATEGY_FIELDS = {cell: f"segmentation_strategy_{cell.lower()}" for cell in CELLS}


def _strategy_field(cell):
    return fields.Text(
        string=f"{cell} Strategy",
        translate=True,
        help=f"What to do with the customers of cell {cell}; empty means the addon's default text.",
    )


class ResCompany(models.Model):
    """Priority clients settings per company: the order of the cells, when a
    customer needs attention, the activity planned on a class drop and the
    strategy of each cell. As for the classification settings, no column is
    NOT NULL and an empty one means its default."""

    # kept apart from the model's main file: the priority clients work in one place
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    priority_cell_order = fields.Char(
        string="Cell Priority",
        help="The nine ABC-XYZ cells from the most to the least important, for example "
        '"AX, AY, BX, AZ, BY, CX, BZ, CY, CZ" (the default when empty). Priority lists are ordered by it, '
        "then by revenue.",
    )
    segmentation_attention_overdue_off = fields.Boolean(string="Ignore Overdue Customers")
    segmentation_overdue_tolerance = fields.Float(
        string="Overdue Tolerance (%)",
        help="A customer needs attention once its next purchase is late by more than this share of its usual "
        "interval. Empty means 50 %.",
    )
    segmentation_attention_class_drop_off = fields.Boolean(string="Ignore Class Drops")
    segmentation_class_drop_days = fields.Integer(
        string="Class Drop Attention (days)",
        help="A customer whose class dropped in the last this many days needs attention. Empty means 30.",
    )
    segmentation_attention_revenue_down_off = fields.Boolean(string="Ignore Revenue Drops")
    segmentation_revenue_down_percent = fields.Float(
        string="Revenue Down by (%)",
        help="A customer whose revenue in the ABC window fell by more than this against the window before "
        "needs attention. Empty means 30 %.",
    )
    segmentation_attention_no_activity_off = fields.Boolean(string="Ignore A Customers without Activity")
    segmentation_drop_activity_off = fields.Boolean(string="No Activity on Class Drops")
    segmentation_drop_activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Class Drop Activity",
        domain="['|', ('res_model', '=', False), ('res_model', '=', 'res.partner')]",
        help="Type of the activity planned for the salesperson when a customer's class drops. Empty means To-Do.",
    )
    segmentation_drop_activity_days = fields.Integer(
        string="Class Drop Activity Due In (days)",
        help="Days between the run that finds the drop and the activity's deadline. Empty means 3.",
    )
    segmentation_strategy_ax = _strategy_field("AX")
    segmentation_strategy_ay = _strategy_field("AY")
    segmentation_strategy_az = _strategy_field("AZ")
    segmentation_strategy_bx = _strategy_field("BX")
    segmentation_strategy_by = _strategy_field("BY")
    segmentation_strategy_bz = _strategy_field("BZ")
    segmentation_strategy_cx = _strategy_field("CX")
    segmentation_strategy_cy = _strategy_field("CY")
    segmentation_strategy_cz = _strategy_field("CZ")

    @api.constrains("priority_cell_order", *ATTENTION_NUMBERS.values())
    def _check_priority_rules(self):
        """What a user saves is taken as written: a 0 is refused, not read as
        the default. The columns are read as stored, so that an empty one
        (NULL, which the ORM reads as 0) still means its default."""
        self.flush_recordset(["priority_cell_order", *ATTENTION_NUMBERS.values()])
        rows = self.env.execute_query(
            SQL(
                "SELECT id, priority_cell_order, %s FROM res_company WHERE id IN %s",
                SQL(", ").join(SQL.identifier(field) for field in ATTENTION_NUMBERS.values()),
                tuple(self.ids),
            )
        )
        for company_id, order, *numbers in rows:
            values = {rule: value for rule, value in zip(ATTENTION_NUMBERS, numbers, strict=True) if value is not None}
            values["cell_order"] = parse_cell_order(order) if order else DEFAULT_ATTENTION.cell_order
            self.browse(company_id)._check_priority_rules_values(replace(DEFAULT_ATTENTION, **values))

    def _priority_rules(self):
        """The attention rules and cell order of this company, an empty
        setting taking its default."""
        self.ensure_one()
        values = {rule: not self[field] for rule, field in ATTENTION_SWITCHES.items()}
        values.update(
            {rule: self[field] or getattr(DEFAULT_ATTENTION, rule) for rule, field in ATTENTION_NUMBERS.items()}
        )
        values["cell_order"] = (
            parse_cell_order(self.priority_cell_order) if self.priority_cell_order else DEFAULT_ATTENTION.cell_order
        )
        return AttentionRules(**values)

    def _priority_cell_order(self):
        """The order of the cells the screens sort by: the company's, or the
        default while the stored one cannot be read (written behind the
        form): the lists stay usable, the nightly run refuses it and Settings
        shows it to be repaired."""
        self.ensure_one()
        return self._priority_rules().cell_order or DEFAULT_ATTENTION.cell_order

    def _priority_cell_order_text(self):
        """The cell order as Settings shows it: the effective order, or the
        stored text when it cannot be read, so that it can be fixed."""
        self.ensure_one()
        cells = self._priority_rules().cell_order
        return format_cell_order(cells) if cells else self.priority_cell_order

    def _priority_rules_checked(self):
        """The rules a run may use, checked again when it starts."""
        return self._check_priority_rules_values(self._priority_rules())

    def _check_priority_rules_values(self, rules):
        messages = {
            "overdue_tolerance": self.env._("The overdue tolerance must be above 0 % and at most 1000 %."),
            "class_drop_days": self.env._("The class drop attention period must be from 1 to 3650 days."),
            "revenue_down_percent": self.env._("The revenue drop must be above 0 % and at most 100 %."),
            "drop_activity_days": self.env._("The class drop activity must be due in 1 to 365 days."),
            "cell_order": self.env._(
                "The cell priority must name each of the nine cells once, for example %(example)s.",
                example=format_cell_order(DEFAULT_ATTENTION.cell_order),
            ),
        }
        problems = rules.violations()
        if problems:
            raise ValidationError(
                self.env._(
                    "Priority client settings of %(company)s: %(problems)s",
                    company=self.name,
                    problems=" ".join(messages[code] for code in problems),
                )
            )
        return rules

    def _drop_activity_type(self):
        return self.segmentation_drop_activity_type_id or self.env.ref(
            "mail.mail_activity_data_todo", raise_if_not_found=False
        )

    def _cell_strategies(self):
        """{cell: strategy text} of this company in the user's language: the
        company's own text, else the addon's default."""
        self.ensure_one()
        defaults = self._default_cell_strategies()
        return {cell: self[field] or defaults[cell] for cell, field in STRATEGY_FIELDS.items()}

    def _default_cell_strategies(self):
        """The method's advice per cell, translated."""
        return {
            "AX": self.env._(
                "Retain: a dedicated account manager, regular business reviews, priority on stock and service, "
                "a yearly agreement on volumes and prices."
            ),
            "AY": self.env._(
                "Retain with dedicated service; move toward X with a regular-order agreement and reminders ahead "
                "of their seasonal peaks."
            ),
            "AZ": self.env._(
                "Large but irregular: learn their projects and plan contacts around them; propose a framework or "
                "call-off agreement so that orders become regular."
            ),
            "BX": self.env._(
                "Grow toward A: offer the ranges they still buy elsewhere, volume tiers; keep the rhythm with "
                "standing orders."
            ),
            "BY": self.env._(
                "Grow and steady: regular-order agreements and reminders at their usual interval to move toward X; "
                "targeted offers."
            ),
            "BZ": self.env._(
                "Make purchases regular: reminders at their usual interval, subscriptions or standing orders for "
                "consumables."
            ),
            "CX": self.env._(
                "Serve at low cost through self-service ordering and standard terms; automated reminders; watch "
                "for growth."
            ),
            "CY": self.env._("Serve at low cost through self-service and standard terms; automated reminders."),
            "CZ": self.env._(
                "Lowest cost to serve: self-service, standard terms, minimum order or prepayment; no dedicated effort."
            ),
        }

    def write(self, vals):
        result = super().write(vals)
        if "priority_cell_order" in vals:
            # the order of the priority lists follows at once
            for company in self:
                self.env["customer.classification"].sudo()._rerank(company)
        return result
