import time

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.tools import SQL

from ..analytics.crosssell import Baskets, mine_rules, suggest
from ..tools.frames import copy_frame, stage_rows
from ..tools.locks import lock_or_raise
from .customer_crosssell_rule import OFFERABLE_PRODUCTS, OFFERABLE_RULES


class CustomerCrosssellMining(models.AbstractModel):
    """Mines the cross-sell rules and bundles of one company (what its
    customers buy, the engine, then the rules replaced as a whole), and
    reads the rules back as suggestions for customers. Kept apart from the
    rules, which it writes, as the classification run is from the partners,
    so that the whole data path reads in one place."""

    _name = "customer.crosssell.mining"
    _description = "Cross-sell Mining Run"

    @api.model
    def _mine(self, company):
        """Mine the rules and bundles of `company` and replace what it had.
        The caller holds the transaction."""
        settings = company._crosssell_settings_checked()
        lock_or_raise(
            company,
            self.env._(
                "The cross-sell rules of %(company)s are being computed right now; try again in a moment.",
                company=company.name,
            ),
        )
        self.env.flush_all()
        clock = time.perf_counter()
        date_from, date_to = self._window(company, settings)
        frame = self._fetch_bought(company, date_from, date_to + relativedelta(days=1))
        fetched = time.perf_counter()
        baskets = self._baskets(frame, settings.item_level)
        rules = mine_rules(baskets, **settings.thresholds())
        offer = self._offer_products(frame, settings.item_level)
        # rules towards what cannot be offered (archived, not for sale) are dropped
        offered = rules["consequent"].astype(int).isin(list(offer))
        mined = time.perf_counter()
        self._replace_rules(company, settings.item_level, rules[offered], offer, date_from, date_to)
        bundles = self.env["customer.crosssell.bundle"]._refresh(company, settings, baskets, frame)
        return {
            "customers": baskets.customer_count,
            "items": len(baskets.item_ids),
            "pairs": len(frame),
            "rules": int(offered.sum()),
            "rules_not_offerable": int((~offered).sum()),
            # left out of category rules and bundles; mined by product
            "uncategorized_products": frame.loc[frame["categ_id"].isna(), "product_id"].nunique(),
            "bundles": bundles,
            "query_seconds": fetched - clock,
            "engine_seconds": mined - fetched,
            "write_seconds": time.perf_counter() - mined,
        }

    @api.model
    def _window(self, company, settings):
        """[date_from, date_to] of the mining, both included: the window's
        months up to the company's today."""
        today = company._segmentation_today()
        return today - relativedelta(months=settings.window_months) + relativedelta(days=1), today

    @api.model
    def _fetch_bought(self, company, date_from, date_to, partner_ids=None):
        """The bought query as a frame, with the revenue in cents and whether
        each product may be offered now (`offerable`)."""
        frame = copy_frame(self.env.cr, self._bought_query(company, date_from, date_to, partner_ids))
        frame["cents"] = (frame["revenue"] * 100).round().astype(np.int64)
        products = frame["product_id"].unique().tolist()
        offerable = self.env["product.product"].sudo().search([("id", "in", products), *OFFERABLE_PRODUCTS])
        frame["offerable"] = frame["product_id"].isin(offerable.ids)
        return frame

    @api.model
    def _bought_query(self, company, date_from, date_to, partner_ids=None, items=None):
        """What customers of `company` bought in [date_from, date_to): one
        row per customer x product, with its category, net quantity (product
        unit), revenue (numeric, rounded once) and documents; invoice or
        order lines only (no credit note), a product bought when its net
        quantity is positive. Read from the one definition of a sale.

        `partner_ids` keeps these customers only, `items` ((level, ids))
        the lines of these categories or products only."""
        conditions = [SQL("TRUE")]
        if partner_ids is not None:
            conditions.append(SQL("partner_id = ANY(%s)", list(partner_ids)))
        if items is not None:
            level, ids = items
            column = SQL.identifier("categ_id" if level == "category" else "product_id")
            conditions.append(SQL("%s = ANY(%s)", column, sorted(ids)))
        condition = SQL(" AND ").join(conditions)
        return SQL(
            """
            SELECT partner_id, product_id, categ_id,
                   SUM(quantity) AS quantity,
                   ROUND(SUM(revenue), 2) AS revenue,
                   COUNT(DISTINCT document_id) AS documents
              FROM (%(lines)s) AS line
             WHERE NOT is_refund AND product_id IS NOT NULL AND %(condition)s
             GROUP BY partner_id, product_id, categ_id
            HAVING SUM(quantity) > 0
            """,
            lines=self.env["customer.sales.source"]._sale_lines(company, date_from, date_to),
            condition=condition,
        )

    @api.model
    def _baskets(self, frame, level):
        """The engine's baskets of `frame` at `level`: customers x items,
        valued in cents."""
        item = "categ_id" if level == "category" else "product_id"
        rows = frame[frame[item].notna()]
        return Baskets(rows["partner_id"].to_numpy(), rows[item].astype(np.int64).to_numpy(), rows["cents"].to_numpy())

    @api.model
    def _offer_products(self, frame, level):
        """{item: product to offer}: the product itself, or the product of
        the category that most customers buy (the smallest id on a tie);
        only products that may be offered, so an item without one is
        missing."""
        frame = frame[frame["offerable"]]
        if level == "product":
            return {int(product): int(product) for product in frame["product_id"].unique()}
        counts = (
            frame[frame["categ_id"].notna()]
            .groupby(["categ_id", "product_id"])
            .size()
            .reset_index(name="customers")
            .sort_values(["categ_id", "customers", "product_id"], ascending=[True, False, True])
            .drop_duplicates("categ_id")
        )
        categories, products = counts["categ_id"].astype(int).tolist(), counts["product_id"].astype(int).tolist()
        return dict(zip(categories, products, strict=True))

    @api.model
    def _replace_rules(self, company, level, rules, offer, date_from, date_to):
        """Delete the company's rules and insert `rules` in one statement
        per table, through a COPY-staged temporary table; `offer` is
        {item: product to offer}."""
        self.env.cr.execute(SQL("DELETE FROM customer_crosssell_rule WHERE company_id = %s", company.id))
        self.invalidate_model()
        if rules.empty:
            return
        keys = [
            f"{company.id}:{level}:{'+'.join(map(str, antecedent))}>{consequent}"
            for antecedent, consequent in zip(rules["antecedent"], rules["consequent"], strict=True)
        ]
        staged = stage_rows(
            self.env.cr,
            "customer_crosssell_rule_new",
            {
                "rule_key": "varchar",
                "antecedent": "int4[]",
                "consequent": "int4",
                "offer": "int4",
                "support": "float8",
                "confidence": "float8",
                "lift": "float8",
                "antecedent_count": "int4",
                "consequent_count": "int4",
                "rule_count": "int4",
                "missing_count": "int4",
                "peer_value": "numeric",
            },
            [
                keys,
                ["{" + ",".join(map(str, antecedent)) + "}" for antecedent in rules["antecedent"]],
                rules["consequent"].astype(int).tolist(),
                [offer.get(int(item)) for item in rules["consequent"]],
                rules["support"].tolist(),
                rules["confidence"].tolist(),
                rules["lift"].tolist(),
                *(rules[column].astype(int).tolist() for column in ("antecedent_count", "consequent_count")),
                *(rules[column].astype(int).tolist() for column in ("rule_count", "missing_count")),
                # the mean of exact cents, to the cent
                [f"{value / 100:.2f}" for value in rules["peer_value"]],
            ],
        )
        is_product = level == "product"
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO customer_crosssell_rule
                       (company_id, item_level, rule_key, consequent_product_id, consequent_category_id,
                        offer_product_id, support, confidence, lift, antecedent_customer_count,
                        consequent_customer_count, rule_customer_count, missing_customer_count,
                        has_customers_to_call, peer_value,
                        date_from, date_to, create_uid, create_date, write_uid, write_date)
                SELECT %(company)s, %(level)s, new.rule_key, %(product)s, %(category)s, new.offer,
                       new.support, new.confidence, new.lift, new.antecedent_count, new.consequent_count,
                       new.rule_count, new.missing_count, new.missing_count > 0, new.peer_value,
                       %(date_from)s, %(date_to)s,
                       %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
                  FROM %(staged)s AS new
                """,
                company=company.id,
                level=level,
                product=SQL("new.consequent") if is_product else SQL("NULL"),
                category=SQL("NULL") if is_product else SQL("new.consequent"),
                date_from=date_from,
                date_to=date_to,
                uid=self.env.uid,
                staged=staged,
            )
        )
        rule_of = SQL(
            "FROM %s AS new JOIN customer_crosssell_rule rule ON rule.company_id = %s AND rule.rule_key = new.rule_key",
            staged,
            company.id,
        )
        if is_product:
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO customer_crosssell_rule_antecedent_product_rel (rule_id, product_id)
                    SELECT rule.id, UNNEST(new.antecedent) %(rule_of)s;
                    INSERT INTO customer_crosssell_rule_category_rel (rule_id, category_id)
                    SELECT DISTINCT rule.id, template.categ_id %(rule_of)s
                      JOIN product_product product ON product.id = ANY(new.antecedent || new.consequent)
                      JOIN product_template template ON template.id = product.product_tmpl_id
                     WHERE template.categ_id IS NOT NULL
                    """,
                    rule_of=rule_of,
                )
            )
        else:
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO customer_crosssell_rule_antecedent_category_rel (rule_id, category_id)
                    SELECT rule.id, UNNEST(new.antecedent) %(rule_of)s;
                    INSERT INTO customer_crosssell_rule_category_rel (rule_id, category_id)
                    SELECT rule.id, UNNEST(new.antecedent || new.consequent) %(rule_of)s
                    """,
                    rule_of=rule_of,
                )
            )
        self.env.cr.execute(SQL("DROP TABLE %s", staged))
        self.invalidate_model()

    @api.model
    def _suggestions(self, partners, company, limit=10):
        """{commercial partner id: [suggestion]} for the customers `partners`,
        from `company`'s rules: each suggestion a dict of item, product (to
        offer), category, name, rule (record) and reason, best first. The
        rules' money is read in SQL to rank only: no amount is returned."""
        partners = partners.commercial_partner_id
        if not partners:
            return {}
        offerable = (
            self.env["customer.crosssell.rule"].sudo()._search([("company_id", "=", company.id), *OFFERABLE_RULES])
        )
        rows = self.env.execute_query(
            SQL(
                """
                SELECT rule.id, rule.item_level, rule.date_from, rule.date_to,
                       COALESCE(rule.consequent_category_id, rule.consequent_product_id),
                       ARRAY(SELECT category_id FROM customer_crosssell_rule_antecedent_category_rel
                              WHERE rule_id = rule.id
                              UNION ALL
                             SELECT product_id FROM customer_crosssell_rule_antecedent_product_rel
                              WHERE rule_id = rule.id),
                       rule.confidence, COALESCE(rule.peer_value, 0)
                  FROM customer_crosssell_rule rule
                 WHERE rule.id IN %s
                """,
                offerable.subselect(),
            )
        )
        if not rows:
            return {}
        frame = pd.DataFrame(
            rows,
            columns=["id", "level", "date_from", "date_to", "consequent", "antecedent", "confidence", "peer_value"],
        ).set_index("id")
        frame["antecedent"] = frame["antecedent"].map(lambda items: tuple(sorted(items)))
        frame["peer_value"] = frame["peer_value"].astype(float)
        level, date_from, date_to = frame.iloc[0][["level", "date_from", "date_to"]]
        bought = self._fetch_bought(company, date_from, date_to + relativedelta(days=1), partners.ids)
        item = "categ_id" if level == "category" else "product_id"
        bought = bought[bought[item].notna()]
        found = suggest(
            pd.DataFrame({"customer": bought["partner_id"], "item": bought[item].astype(int)}), frame, limit=limit
        )
        rules = self.env["customer.crosssell.rule"].browse(found["rule"].astype(int).tolist())
        result = {}
        for customer, rule in zip(found["customer"].astype(int), rules, strict=True):
            product = rule.offer_product_id
            category = rule.consequent_category_id or product.categ_id
            result.setdefault(customer, []).append(
                {
                    "product": product.id,
                    "category": category.id,
                    "name": rule._consequent_name(),
                    "rule": rule,
                    "reason": rule._reason(),
                }
            )
        return result
