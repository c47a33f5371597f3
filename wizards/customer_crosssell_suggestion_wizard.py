from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import float_round

from ..models.customer_crosssell_rule import OFFERABLE_PRODUCTS

# usual products offered again: those bought in the most documents
USUAL_LIMIT = 10


class CustomerCrosssellSuggestionWizard(models.TransientModel):
    """Suggestions for a quotation: the customer's usual products (to
    reorder) and the cross-sell suggestions of the company's rules, each
    with its reason; the chosen ones become lines of the quotation."""

    _name = "customer.crosssell.suggestion.wizard"
    _description = "Quotation Suggestions"

    order_id = fields.Many2one("sale.order", string="Quotation", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="order_id.partner_id")
    line_ids = fields.One2many("customer.crosssell.suggestion.wizard.line", "wizard_id", string="Suggestions")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        order = self.env["sale.order"].browse(values.get("order_id"))
        if order and "line_ids" in fields_list:
            values["line_ids"] = [Command.create(line) for line in self._suggestion_lines(order)]
        return values

    @api.model
    def _suggestion_lines(self, order):
        """Usual products first (most documents first), then cross-sell
        suggestions (best first); products already on the quotation left out."""
        order.check_access("write")
        company = order.company_id
        customer = order.partner_id.commercial_partner_id
        on_order = set(order.order_line.product_id.ids)
        settings = company._crosssell_settings()
        today = company._segmentation_today()
        bought = (
            self.env["customer.crosssell.mining"]
            .sudo()
            ._fetch_bought(
                company,
                today - relativedelta(months=settings.window_months),
                today + relativedelta(days=1),
                customer.ids,
            )
        )
        bought = bought.sort_values(["documents", "quantity", "product_id"], ascending=[False, False, True])
        lines = []
        bought = bought[bought["offerable"]]
        products = self.env["product.product"].browse(bought["product_id"].astype(int).tolist())
        for product, documents, quantity in zip(products, bought["documents"], bought["quantity"], strict=True):
            if product.id in on_order or len(lines) >= USUAL_LIMIT:
                continue
            usual = max(float_round(float(quantity) / int(documents), precision_digits=0), 1.0)
            lines.append(
                {
                    "kind": "usual",
                    "product_id": product.id,
                    "quantity": usual,
                    "reason": self.env._(
                        "Bought in %(documents)s documents in the last %(months)s months, about %(quantity)s %(uom)s "
                        "each time",
                        documents=int(documents),
                        months=settings.window_months,
                        quantity=f"{usual:g}",
                        uom=product.uom_id.name,
                    ),
                }
            )
            on_order.add(product.id)
        suggestions = self.env["customer.crosssell.mining"]._suggestions(customer, company).get(customer.id, [])
        for suggestion in suggestions:
            if not suggestion["product"] or suggestion["product"] in on_order:
                continue
            on_order.add(suggestion["product"])
            lines.append(
                {
                    "kind": "crosssell",
                    "product_id": suggestion["product"],
                    "quantity": 1.0,
                    "reason": suggestion["reason"],
                }
            )
        return lines

    def action_add_lines(self):
        """Add the chosen suggestions to the quotation."""
        self.ensure_one()
        # a product archived since the suggestions were made is not added
        chosen = self.line_ids.filtered(
            lambda line: line.selected and line.product_id.filtered_domain(OFFERABLE_PRODUCTS)
        )
        if chosen:
            self.order_id.order_line = [
                Command.create({"product_id": line.product_id.id, "product_uom_qty": line.quantity}) for line in chosen
            ]
        return {"type": "ir.actions.act_window_close"}


class CustomerCrosssellSuggestionWizardLine(models.TransientModel):
    _name = "customer.crosssell.suggestion.wizard.line"
    _description = "Quotation Suggestion"
    _order = "wizard_id, id"

    wizard_id = fields.Many2one("customer.crosssell.suggestion.wizard", required=True, ondelete="cascade")
    selected = fields.Boolean(string="Add")
    kind = fields.Selection([("usual", "Usual product"), ("crosssell", "Cross-sell")], required=True, readonly=True)
    product_id = fields.Many2one("product.product", required=True, readonly=True)
    quantity = fields.Float(digits="Product Unit", default=1.0)
    reason = fields.Char(readonly=True)
