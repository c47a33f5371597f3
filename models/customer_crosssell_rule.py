import json

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .common import MONEY_READERS

ITEM_LEVELS = [("category", "Product categories"), ("product", "Products")]
# what may be offered to a customer: suggested, added to a quotation, put in
# a bundle's template. Rules towards anything else are dropped at the next
# mining and hidden until then.
OFFERABLE_PRODUCTS = [("active", "=", True), ("sale_ok", "=", True)]
OFFERABLE_RULES = [(f"offer_product_id.{name}", operator, value) for name, operator, value in OFFERABLE_PRODUCTS]


class CustomerCrosssellRule(models.Model):
    """An association rule mined from a company's sales: of the customers
    who bought the items on the left, `confidence` also bought the item on
    the right. The rules of a company are replaced as a whole by each mining
    (customer.crosssell.mining: one DELETE and one INSERT), so a rule is
    known across minings by its key (`rule_key`), which activities keep."""

    _name = "customer.crosssell.rule"
    _description = "Cross-sell Rule"
    # the rules with somebody to call first
    _order = "company_id, has_customers_to_call DESC, confidence DESC, lift DESC, rule_customer_count DESC, id"

    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True, ondelete="cascade")
    item_level = fields.Selection(ITEM_LEVELS, string="Items", required=True, readonly=True)
    antecedent_product_ids = fields.Many2many(
        "product.product",
        "customer_crosssell_rule_antecedent_product_rel",
        "rule_id",
        "product_id",
        string="If Bought (Products)",
        readonly=True,
    )
    antecedent_category_ids = fields.Many2many(
        "product.category",
        "customer_crosssell_rule_antecedent_category_rel",
        "rule_id",
        "category_id",
        string="If Bought (Categories)",
        readonly=True,
    )
    consequent_product_id = fields.Many2one("product.product", string="Also Buy (Product)", index=True, readonly=True)
    consequent_category_id = fields.Many2one(
        "product.category", string="Also Buy (Category)", index=True, readonly=True
    )
    category_ids = fields.Many2many(
        "product.category",
        "customer_crosssell_rule_category_rel",
        "rule_id",
        "category_id",
        string="Categories",
        readonly=True,
        help="The categories of the rule's items, on either side.",
    )
    offer_product_id = fields.Many2one(
        "product.product",
        string="Product to Offer",
        readonly=True,
        help="The consequent product, or for a category the product of it most customers buy.",
    )
    support = fields.Float(readonly=True, digits=(16, 4), help="Share of all customers who buy the whole rule.")
    confidence = fields.Float(
        readonly=True, digits=(16, 4), help="Share of the customers buying the left side who also buy the right side."
    )
    lift = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="Confidence divided by the share of all customers who buy the right side: above 1, a real link.",
    )
    antecedent_customer_count = fields.Integer(
        string="Customers Buying the Left Side", readonly=True, help="Customers who buy every item on the left."
    )
    consequent_customer_count = fields.Integer(string="Customers Buying the Right Side", readonly=True)
    rule_customer_count = fields.Integer(string="Customers Buying Both", readonly=True)
    missing_customer_count = fields.Integer(
        string="Customers to Call",
        readonly=True,
        help="Customers who buy the left side but not the right side.",
    )
    has_customers_to_call = fields.Boolean(readonly=True, help="Somebody buys the left side and not the right side.")
    peer_value = fields.Float(
        string="Value to Peers",
        readonly=True,
        digits="Account",
        groups=MONEY_READERS,
        help="Mean revenue of the right side, over the window, per customer who buys the whole rule.",
    )
    rule_key = fields.Char(readonly=True, required=True, help="Identifies the rule across minings.")
    date_from = fields.Date(string="Sales From", readonly=True)
    date_to = fields.Date(string="Sales Until", readonly=True)
    summary = fields.Char(compute="_compute_summary")

    _rule_key_unique = models.UniqueIndex("(company_id, rule_key)")

    @api.depends("antecedent_product_ids", "antecedent_category_ids", "consequent_product_id", "consequent_category_id")
    def _compute_display_name(self):
        for rule in self:
            rule.display_name = self.env._(
                "%(left)s → %(right)s", left=" + ".join(rule._antecedent_names()), right=rule._consequent_name()
            )

    @api.depends("antecedent_customer_count", "missing_customer_count", "confidence", "lift")
    def _compute_summary(self):
        for rule in self:
            rule.summary = self.env._(
                "%(left)s → %(right)s: confidence %(confidence)s %%, lift %(lift)s, %(buyers)s customers buy "
                "%(left)s, %(missing)s of them do not buy %(right)s",
                left=" + ".join(rule._antecedent_names()),
                right=rule._consequent_name(),
                confidence=round(rule.confidence * 100),
                lift=f"{rule.lift:.1f}",
                buyers=rule.antecedent_customer_count,
                missing=rule.missing_customer_count,
            )

    def _antecedent_names(self):
        items = self.antecedent_product_ids if self.item_level == "product" else self.antecedent_category_ids
        return items.with_context(hierarchical_naming=False).mapped("display_name")

    def _consequent_name(self):
        item = self.consequent_product_id if self.item_level == "product" else self.consequent_category_id
        return item.with_context(hierarchical_naming=False).display_name or ""

    def _reason(self):
        """Why a customer is offered the rule's item, without amounts."""
        self.ensure_one()
        return self.env._(
            "%(confidence)s %% of the customers who buy %(left)s also buy %(right)s (lift %(lift)s)",
            confidence=round(self.confidence * 100),
            left=" + ".join(self._antecedent_names()),
            right=self._consequent_name(),
            lift=f"{self.lift:.1f}",
        )

    # ------------------------------------------------------------------
    # actions

    @api.model
    def _action_open_report(self):
        """The rules report, showing the columns of the current company's
        item level."""
        action = self.env["ir.actions.act_window"]._for_xml_id("customer_segmentation.customer_crosssell_rule_action")
        action["domain"] = OFFERABLE_RULES
        action["context"] = {"crosssell_item_level": self.env.company._crosssell_settings().item_level}
        return action

    def action_open_missing_customers(self):
        """The customers who buy the left side of the rule(s) but not the
        right side, over the rule's window."""
        missing = self._missing_customers()
        partner_ids = sorted({partner for partners in missing.values() for partner in partners})
        name = self.env._("Customers to Call")
        if len(self) == 1:
            name = self.env._("Customers to Call: %s", self.display_name)
        action = {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "res.partner",
            # the priority list: no sample records when nobody is to be called
            "views": [
                (self.env.ref("customer_segmentation.res_partner_view_list_priority").id, "list"),
                (False, "form"),
            ],
            "domain": [("id", "in", partner_ids)],
            "context": {"create": False},
            "help": Markup("<p class='o_view_nocontent_smiling_face'>%s</p><p>%s</p>")
            % (
                self.env._("Nobody to call for this rule"),
                self.env._("Every customer who buys the left side of the rule buys its right side too."),
            ),
        }
        return action

    def action_plan_missing_customer_activities(self):
        """One call activity per customer to call, for its salesperson, with
        the rule in the note; none for a customer who already has an open one
        of the same rule."""
        self._check_can_contact()
        created = self._plan_activities()
        return self._notify(
            self.env._("Cross-sell calls planned"), self.env._("%(count)s activities planned.", count=created)
        )

    def action_create_missing_customer_opportunities(self):
        """One opportunity per customer to call, in its salesperson's
        pipeline, with the rule in its description; none for a customer who
        already has an open one of the same rule."""
        self._check_can_contact()
        created = self._create_opportunities()
        return self._notify(
            self.env._("Cross-sell opportunities created"),
            self.env._("%(count)s opportunities created.", count=created),
        )

    def _check_can_contact(self):
        self.check_access("read")
        if not self.env.user.has_group("sales_team.group_sale_salesman"):
            raise AccessError(self.env._("Only salespeople can plan cross-sell calls."))

    def _notify(self, title, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": "success", "title": title, "message": message},
        }

    # ------------------------------------------------------------------
    # business

    def _missing_customers(self):
        """{rule: partner ids} of the customers who buy every item on the
        rule's left and not the item on its right, over the rule's window:
        one query per company, window and item level."""
        self.env.flush_all()
        result = {}
        for (company, level, date_from, date_to), rules in self.grouped(
            lambda r: (r.company_id, r.item_level, r.date_from, r.date_to)
        ).items():
            item = SQL.identifier("categ_id" if level == "category" else "product_id")
            antecedents = {
                rule.id: (rule.antecedent_category_ids if level == "category" else rule.antecedent_product_ids).ids
                for rule in rules
            }
            consequents = {rule.id: (rule.consequent_category_id or rule.consequent_product_id).id for rule in rules}
            # only the lines of the rules' items: the rest cannot change who is missing what
            wanted = {*consequents.values(), *(ids for ids_ in antecedents.values() for ids in ids_)}
            rows = self.env.execute_query(
                SQL(
                    """
                    WITH bought AS (
                        SELECT partner_id, ARRAY_AGG(DISTINCT %(item)s) AS items
                          FROM (%(lines)s) AS line
                         GROUP BY partner_id
                    ), rule AS (
                        SELECT id, consequent, ARRAY(SELECT jsonb_array_elements_text(antecedent)::int4) AS antecedent
                          FROM jsonb_to_recordset(%(rules)s::jsonb) AS r(id int4, consequent int4, antecedent jsonb)
                    )
                    SELECT rule.id, ARRAY_AGG(bought.partner_id ORDER BY bought.partner_id)
                      FROM rule JOIN bought ON bought.items @> rule.antecedent
                                           AND NOT bought.items @> ARRAY[rule.consequent]
                     GROUP BY rule.id
                    """,
                    item=item,
                    lines=self.env["customer.crosssell.mining"]._bought_query(
                        company,
                        date_from,
                        date_to + relativedelta(days=1),
                        items=(level, wanted),
                    ),
                    rules=json.dumps(
                        [
                            {
                                "id": rule.id,
                                "antecedent": antecedents[rule.id],
                                "consequent": consequents[rule.id],
                            }
                            for rule in rules
                        ]
                    ),
                )
            )
            found = dict(rows)
            for rule in rules:
                result[rule] = found.get(rule.id, [])
        return result

    def _customers_to_contact(self, open_pairs):
        """[(rule, customer id)] of the customers to call of the rules in
        `self` who have no open contact for the rule yet; `open_pairs(partner
        ids, rule keys)` is the SQL of the (customer id, rule key) pairs open
        now."""
        missing = self._missing_customers()
        all_partners = sorted({partner for partners in missing.values() for partner in partners})
        open_keys = set(self.env.execute_query(open_pairs(all_partners, self.mapped("rule_key"))))
        pairs = []
        for rule in self:
            for partner_id in missing[rule]:
                if (partner_id, rule.rule_key) not in open_keys:
                    open_keys.add((partner_id, rule.rule_key))
                    pairs.append((rule, partner_id))
        return pairs

    def _salespeople(self, pairs):
        """{customer id: its salesperson (or its company's), else the user}."""
        partners = self.env["res.partner"].sudo().browse({partner_id for _rule, partner_id in pairs})
        return {p.id: (p.commercial_partner_id.user_id or p.user_id).id or self.env.uid for p in partners}

    def _plan_activities(self):
        """Activities for the customers to call of the rules in `self`, in
        one batch; returns how many were created."""
        self.env["mail.activity"].flush_model()
        pairs = self._customers_to_contact(
            lambda partner_ids, keys: SQL(
                """
                SELECT res_id, crosssell_rule_key FROM mail_activity
                 WHERE res_model = 'res.partner' AND active AND res_id = ANY(%s) AND crosssell_rule_key = ANY(%s)
                """,
                partner_ids,
                keys,
            )
        )
        model_id = self.env["ir.model"]._get_id("res.partner")
        activity_type = self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False) or self.env[
            "mail.activity.type"
        ].search([("res_model", "in", [False, "res.partner"])], limit=1)
        salesperson = self._salespeople(pairs)
        deadline = self.company_id[:1]._segmentation_today() if self.company_id else fields.Date.context_today(self)
        values = [
            {
                "res_model_id": model_id,
                "res_id": partner_id,
                "activity_type_id": activity_type.id,
                "summary": self.env._("Offer %s", rule._consequent_name()),
                "note": rule._reason(),
                "date_deadline": deadline,
                "user_id": salesperson[partner_id],
                "crosssell_rule_key": rule.rule_key,
            }
            for rule, partner_id in pairs
        ]
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(values)
        return len(values)

    def _create_opportunities(self):
        """Opportunities for the customers to call of the rules in `self`, in
        one batch; returns how many were created."""
        self.env["crm.lead"].flush_model(["partner_id", "active", "won_status", "crosssell_rule_key"])
        pairs = self._customers_to_contact(
            lambda partner_ids, keys: SQL(
                """
                SELECT partner_id, crosssell_rule_key FROM crm_lead
                 WHERE active AND won_status = 'pending' AND partner_id = ANY(%s) AND crosssell_rule_key = ANY(%s)
                """,
                partner_ids,
                keys,
            )
        )
        salesperson = self._salespeople(pairs)
        values = [
            {
                "name": self.env._("Offer %s", rule._consequent_name()),
                "type": "opportunity",
                "partner_id": partner_id,
                "user_id": salesperson[partner_id],
                "company_id": rule.company_id.id,
                "description": rule._reason(),
                "crosssell_rule_key": rule.rule_key,
            }
            for rule, partner_id in pairs
        ]
        # for each customer's salesperson, who may not be the user
        self.env["crm.lead"].sudo().with_context(mail_create_nolog=True).create(values)
        return len(values)
