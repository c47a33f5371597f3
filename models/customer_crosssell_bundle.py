import pandas as pd

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import SQL

from ..analytics.crosssell import bundle
from .common import MEMBER_TABLE
from .customer_crosssell_rule import ITEM_LEVELS, OFFERABLE_PRODUCTS
from .res_partner import ABC_XYZ_CELLS


class CustomerCrosssellBundle(models.Model):
    """The ready-made package of a customer profile (an ABC-XYZ cell or a
    segment): the items most of its customers buy together, recomputed by
    each mining of the company."""

    _name = "customer.crosssell.bundle"
    _description = "Cross-sell Bundle"
    _order = "company_id, profile_type, abc_xyz_class, segment_id"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True, ondelete="cascade")
    profile_type = fields.Selection(
        [("cell", "ABC-XYZ cell"), ("segment", "Segment")], string="Profile", required=True, readonly=True
    )
    abc_xyz_class = fields.Selection(ABC_XYZ_CELLS, string="ABC-XYZ Cell", readonly=True)
    segment_id = fields.Many2one("customer.segment", readonly=True, ondelete="cascade", index=True)
    item_level = fields.Selection(ITEM_LEVELS, string="Items", readonly=True)
    customer_count = fields.Integer(string="Customers in the Profile", readonly=True)
    complete_customer_count = fields.Integer(
        string="Customers Buying the Whole Bundle", readonly=True, help="Customers of the profile who buy every item."
    )
    complete_share = fields.Float(
        string="Share Buying the Whole Bundle", compute="_compute_complete_share", digits=(16, 4)
    )
    line_ids = fields.One2many("customer.crosssell.bundle.line", "bundle_id", string="Bundle Items", readonly=True)
    item_count = fields.Integer(compute="_compute_item_count")
    sale_order_template_id = fields.Many2one(
        "sale.order.template", string="Quotation Template", readonly=True, ondelete="set null", copy=False
    )
    date_from = fields.Date(string="Sales From", readonly=True)
    date_to = fields.Date(string="Sales Until", readonly=True)

    _profile_check = models.Constraint(
        "CHECK ((profile_type = 'cell' AND abc_xyz_class IS NOT NULL AND segment_id IS NULL)"
        " OR (profile_type = 'segment' AND segment_id IS NOT NULL AND abc_xyz_class IS NULL))",
        "A bundle is for one ABC-XYZ cell or one segment.",
    )

    @api.depends("profile_type", "abc_xyz_class", "segment_id.name")
    def _compute_display_name(self):
        for bundle_ in self:
            if bundle_.profile_type == "cell":
                bundle_.display_name = self.env._("Cell %s", bundle_.abc_xyz_class)
            else:
                bundle_.display_name = self.env._("Segment %s", bundle_.segment_id.name or "")

    @api.depends("customer_count", "complete_customer_count")
    def _compute_complete_share(self):
        for bundle_ in self:
            bundle_.complete_share = (
                bundle_.complete_customer_count / bundle_.customer_count if bundle_.customer_count else 0.0
            )

    @api.depends("line_ids")
    def _compute_item_count(self):
        for bundle_ in self:
            bundle_.item_count = len(bundle_.line_ids)

    def action_create_quotation_template(self):
        """A quotation template with the bundle's products at their usual
        quantities (the bundle's template is brought up to date when it has
        one), opened."""
        self.ensure_one()
        self.check_access("write")
        lines = [Command.clear()] + [
            Command.create(
                {
                    "product_id": line.product_id.id,
                    "product_uom_id": line.product_id.uom_id.id,
                    "product_uom_qty": line.quantity,
                    "sequence": line.sequence,
                }
            )
            for line in self.line_ids.filtered(lambda line: line.product_id.filtered_domain(OFFERABLE_PRODUCTS))
        ]
        template = self.sale_order_template_id
        if template:
            template.sale_order_template_line_ids = lines
        else:
            template = self.env["sale.order.template"].create(
                {
                    "name": self.env._("Bundle: %s", self.display_name),
                    "company_id": self.company_id.id,
                    "sale_order_template_line_ids": lines,
                }
            )
            self.sudo().sale_order_template_id = template
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order.template",
            "res_id": template.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------
    # computation

    @api.model
    def _profiles(self, company):
        """{(profile_type, cell or segment id): customer ids} of `company`:
        its customers per ABC-XYZ cell, and the members of its segments."""
        key = str(company.id)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT 'cell', abc_xyz_class ->> %(key)s, ARRAY_AGG(id)
                  FROM res_partner
                 WHERE abc_xyz_class ? %(key)s AND active
                 GROUP BY abc_xyz_class ->> %(key)s
                 UNION ALL
                SELECT 'segment', segment.id::text, ARRAY_AGG(member.partner_id)
                  FROM customer_segment segment
                  JOIN %(members)s member ON member.segment_id = segment.id
                 WHERE segment.company_id = %(company)s AND segment.active
                 GROUP BY segment.id
                """,
                key=key,
                members=SQL.identifier(MEMBER_TABLE),
                company=company.id,
            )
        )
        return {(kind, value): partners for kind, value, partners in rows}

    @api.model
    def _refresh(self, company, settings, baskets, frame):
        """Recompute the bundles of `company` from the mining's baskets and
        bought frame; returns how many have items. A handful of records per
        company (nine cells and the segments): written through the ORM."""
        profiles = self._profiles(company)
        date_from, date_to = self.env["customer.crosssell.mining"]._window(company, settings)
        existing = {
            (b.profile_type, b.abc_xyz_class if b.profile_type == "cell" else str(b.segment_id.id)): b
            for b in self.with_context(active_test=False).search([("company_id", "=", company.id)])
        }
        item = "categ_id" if settings.item_level == "category" else "product_id"
        with_items = 0
        for key in sorted(profiles.keys() | existing.keys()):
            customers = profiles.get(key, [])
            items, counts, whole, size = bundle(
                baskets,
                customers,
                settings.bundle_min_share / 100,
                settings.bundle_size,
                settings.min_customers,
            )
            lines = self._lines(frame, customers, item, items, counts, size)
            values = {
                "item_level": settings.item_level,
                "customer_count": size,
                "complete_customer_count": whole,
                "date_from": date_from,
                "date_to": date_to,
                "line_ids": [Command.clear()] + [Command.create(line) for line in lines],
            }
            with_items += bool(lines)
            if key in existing:
                existing[key].write(values)
            elif key in profiles:
                kind, value = key
                self.create(
                    {
                        **values,
                        "company_id": company.id,
                        "profile_type": kind,
                        "abc_xyz_class": value if kind == "cell" else False,
                        "segment_id": int(value) if kind == "segment" else False,
                    }
                )
        return with_items

    @api.model
    def _lines(self, frame, customers, item, items, counts, size):
        """The bundle lines: per item, the product to put on a quotation
        (the item, or the category's product most of the profile buys) and
        its usual quantity: the median over the profile's buyers of their
        quantity per document, rounded to a whole unit (at least one)."""
        if not items:
            return []
        bought = frame[frame["partner_id"].isin(customers) & frame[item].isin(items) & frame["offerable"]].copy()
        bought["per_document"] = bought["quantity"] / bought["documents"]
        lines = []
        for sequence, (value, count) in enumerate(zip(items, counts, strict=True), start=1):
            rows = bought[bought[item] == value]
            if rows.empty:
                continue  # nothing of it may be offered any more
            per_product = rows.groupby("product_id")["partner_id"].nunique().reset_index(name="customers")
            per_product = per_product.sort_values(["customers", "product_id"], ascending=[False, True])
            product = int(per_product["product_id"].iloc[0])
            quantity = pd.Series(rows.loc[rows["product_id"] == product, "per_document"]).median()
            lines.append(
                {
                    "sequence": sequence * 10,
                    "category_id": int(value) if item == "categ_id" else False,
                    "product_id": product,
                    "customer_count": count,
                    "share": count / size if size else 0.0,
                    "quantity": max(round(float(quantity)), 1),
                }
            )
        return lines


class CustomerCrosssellBundleLine(models.Model):
    _name = "customer.crosssell.bundle.line"
    _description = "Cross-sell Bundle Item"
    _order = "bundle_id, sequence, id"

    bundle_id = fields.Many2one("customer.crosssell.bundle", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="bundle_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    category_id = fields.Many2one("product.category", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    customer_count = fields.Integer(string="Customers Buying It", readonly=True)
    share = fields.Float(string="Share of the Profile", digits=(16, 4), readonly=True)
    quantity = fields.Float(
        string="Usual Quantity",
        digits="Product Unit",
        readonly=True,
        help="The median quantity per invoice or order among the profile's customers who buy the product.",
    )
