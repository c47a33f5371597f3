from odoo import api, fields, models

from ..analytics.priority import DEFAULT_CELL_ORDER, format_cell_order, parse_cell_order
from .res_company_priority import ATTENTION_NUMBERS, ATTENTION_SWITCHES, STRATEGY_FIELDS

# the settings show each rule switched on; the company stores it "off"
SWITCH_FIELDS = {
    "overdue": "segmentation_attention_overdue",
    "class_drop": "segmentation_attention_class_drop",
    "revenue_down": "segmentation_attention_revenue_down",
    "no_activity": "segmentation_attention_no_activity",
    "drop_activity": "segmentation_drop_activity",
}


class ResConfigSettings(models.TransientModel):
    """Priority clients settings. Like the classification's numeric rules,
    these fields show the company's effective values (an empty setting, its
    default) and are written back by set_values; the strategies are only
    written when they differ from the default text, which stays translated."""

    # kept apart from the model's main file: the priority clients work in one place
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    priority_cell_order = fields.Char(string="Cell Priority")
    priority_cell_order_warning = fields.Char(compute="_compute_priority_cell_order_warning")
    segmentation_attention_overdue = fields.Boolean(string="Overdue Customers")
    segmentation_overdue_tolerance = fields.Float(string="Overdue Tolerance (%)")
    segmentation_attention_class_drop = fields.Boolean(string="Class Drops")
    segmentation_class_drop_days = fields.Integer(string="Class Drop Attention (days)")
    segmentation_attention_revenue_down = fields.Boolean(string="Revenue Drops")
    segmentation_revenue_down_percent = fields.Float(string="Revenue Down by (%)")
    segmentation_attention_no_activity = fields.Boolean(string="A Customers without Activity")
    segmentation_drop_activity = fields.Boolean(string="Plan an Activity on Class Drops")
    segmentation_drop_activity_type_id = fields.Many2one(
        related="company_id.segmentation_drop_activity_type_id", readonly=False
    )
    segmentation_drop_activity_days = fields.Integer(string="Class Drop Activity Due In (days)")
    segmentation_strategy_ax = fields.Text(string="AX")
    segmentation_strategy_ay = fields.Text(string="AY")
    segmentation_strategy_az = fields.Text(string="AZ")
    segmentation_strategy_bx = fields.Text(string="BX")
    segmentation_strategy_by = fields.Text(string="BY")
    segmentation_strategy_bz = fields.Text(string="BZ")
    segmentation_strategy_cx = fields.Text(string="CX")
    segmentation_strategy_cy = fields.Text(string="CY")
    segmentation_strategy_cz = fields.Text(string="CZ")

    @api.depends("company_id")
    def _compute_priority_cell_order_warning(self):
        for settings in self:
            company = settings.company_id
            settings.priority_cell_order_warning = (
                self.env._(
                    "The stored cell priority cannot be read: the lists use the default order %(default)s until it "
                    "names each of the nine cells once.",
                    default=format_cell_order(DEFAULT_CELL_ORDER),
                )
                if company.priority_cell_order and not company._priority_rules().cell_order
                else False
            )

    @api.model
    def get_values(self):
        values = super().get_values()
        company = self.env.company
        rules = company._priority_rules()
        values["priority_cell_order"] = company._priority_cell_order_text()
        values.update({field: getattr(rules, rule) for rule, field in SWITCH_FIELDS.items()})
        values.update({field: getattr(rules, rule) for rule, field in ATTENTION_NUMBERS.items()})
        strategies = company._cell_strategies()
        values.update({field: strategies[cell] for cell, field in STRATEGY_FIELDS.items()})
        return values

    def set_values(self):
        result = super().set_values()
        company = self.company_id
        rules = company._priority_rules()
        vals = {}
        if self.priority_cell_order != company._priority_cell_order_text():
            cells = parse_cell_order(self.priority_cell_order)
            # written as typed when it is wrong, for the company's check to say why
            vals["priority_cell_order"] = format_cell_order(cells) if cells else self.priority_cell_order
        for rule, field in SWITCH_FIELDS.items():
            if self[field] != getattr(rules, rule):
                vals[ATTENTION_SWITCHES[rule]] = not self[field]
        for rule, field in ATTENTION_NUMBERS.items():
            if self[field] != getattr(rules, rule):
                vals[field] = self[field]
        defaults = company._default_cell_strategies()
        strategies = company._cell_strategies()
        for cell, field in STRATEGY_FIELDS.items():
            text = self[field] or False
            if text != strategies[cell]:
                # back to the default text: empty, so that it stays translated
                vals[field] = False if text in (False, defaults[cell]) else text
        if vals:
            company.write(vals)
        return result
