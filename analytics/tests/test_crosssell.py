"""Hand-computed cases for the cross-sell engine.

Ten customers, four items: desks D, chairs C, lamps L, paper P.

    1, 2, 3: D L C     4: D     5: D P     6: L     7: L P     8: C P     9: C     10: P

Customers per item: D 5, L 5, C 5, P 4; per pair: DL 3, DC 3, LC 3, DP 1,
LP 1, CP 1; the triple DLC 3. With a minimum of 2 customers (support 0.2):

- every pair rule among D, L and C: support 3/10 = 0.3, confidence 3/5 =
  0.6, lift 0.6 / (5/10) = 1.2;
- every two-on-the-left rule (DL -> C, DC -> L, LC -> D): support 0.3,
  confidence 3/3 = 1.0 (more than 0.6 for each item alone), lift 1.0 / 0.5
  = 2.0;
- nothing with paper: its pairs have one customer.
"""

import numpy as np
import pandas as pd
import pytest

from analytics.crosssell import RULE_COLUMNS, Baskets, CrosssellSettings, bundle, mine_rules, suggest

D, C, L, P = 10, 20, 30, 40
BOUGHT = {1: [D, L, C], 2: [D, L, C], 3: [D, L, C], 4: [D], 5: [D, P], 6: [L], 7: [L, P], 8: [C, P], 9: [C], 10: [P]}
# the value of an item to a customer, in cents: chairs are worth 100.00,
# 200.00 to customer 1; lamps 50.00; the rest 10.00
VALUE = {(1, C): 20000}


def value(customer, item):
    return VALUE.get((customer, item), {C: 10000, L: 5000}.get(item, 1000))


def baskets(bought=BOUGHT):
    pairs = [(customer, item) for customer, items in bought.items() for item in items]
    return Baskets(
        [customer for customer, _item in pairs],
        [item for _customer, item in pairs],
        [value(customer, item) for customer, item in pairs],
    )


def rules_by_key(rules):
    return {
        (antecedent, consequent): row
        for antecedent, consequent, row in zip(
            rules["antecedent"], rules["consequent"], rules.to_dict("records"), strict=True
        )
    }


class TestMining:
    def test_pair_and_triple_rules_computed_by_hand(self):
        rules = mine_rules(baskets(), min_support=0.2, min_confidence=0.5, min_lift=1.0, min_customers=2)
        found = rules_by_key(rules)
        pairs = {((a,), b) for a in (D, L, C) for b in (D, L, C) if a != b}
        triples = {((D, L), C), ((D, C), L), ((C, L), D)}
        assert set(found) == pairs | triples
        for key in pairs:
            row = found[key]
            assert (row["antecedent_count"], row["consequent_count"], row["rule_count"]) == (5, 5, 3)
            assert row["missing_count"] == 2
            assert row["support"] == pytest.approx(0.3)
            assert row["confidence"] == pytest.approx(0.6)
            assert row["lift"] == pytest.approx(1.2)
        for key in triples:
            row = found[key]
            assert (row["antecedent_count"], row["rule_count"], row["missing_count"]) == (3, 3, 0)
            assert row["support"] == pytest.approx(0.3)
            assert row["confidence"] == pytest.approx(1.0)
            assert row["lift"] == pytest.approx(2.0)
        # strongest first: the three triples, then the pairs
        assert [len(antecedent) for antecedent in rules["antecedent"]] == [2, 2, 2, 1, 1, 1, 1, 1, 1]
        assert list(rules.columns) == list(RULE_COLUMNS)

    def test_peer_value_is_the_mean_value_of_the_consequent_to_the_rule_customers(self):
        found = rules_by_key(mine_rules(baskets(), 0.2, 0.5, 1.0, 2))
        # D -> C: customers 1, 2, 3 buy both; chairs worth 200 + 100 + 100
        assert found[((D,), C)]["peer_value"] == pytest.approx((20000 + 10000 + 10000) / 3)
        assert found[((D,), L)]["peer_value"] == pytest.approx(5000)
        assert found[((D, L), C)]["peer_value"] == pytest.approx((20000 + 10000 + 10000) / 3)

    def test_thresholds(self):
        # lift 1.5 or confidence 0.7: only the triples are left
        assert {len(a) for a in mine_rules(baskets(), 0.2, 0.5, 1.5, 2)["antecedent"]} == {2}
        assert len(mine_rules(baskets(), 0.2, 0.7, 1.0, 2)) == 3
        # four customers per rule, or support 0.4: none
        assert mine_rules(baskets(), 0.2, 0.5, 1.0, 4).empty
        assert mine_rules(baskets(), 0.4, 0.5, 1.0, 1).empty
        # support 0.1 lets paper in: P -> C has confidence 1/4 (refused), C -> P 1/5 (refused),
        # but no pair with paper reaches confidence 0.5
        assert not any(P in (*a, c) for a, c in rules_by_key(mine_rules(baskets(), 0.1, 0.5, 1.0, 1)))

    def test_pairs_only(self):
        rules = mine_rules(baskets(), 0.2, 0.5, 1.0, 2, max_antecedent=1)
        assert len(rules) == 6

    def test_triple_that_adds_nothing_is_left_out(self):
        # customer 4 buys all three, 12 and 13 desks and chairs, 14 and 15
        # desks and lamps: of 14 customers, D 9, C 8, L 8; DC 6, DL 6, LC 4;
        # DLC 4. DL -> C is 4/6, no more than D -> C (6/9): left out, as
        # DC -> L (4/6 against D -> L 6/9); LC -> D is 4/4 against 6/8: kept
        bought = {**BOUGHT, 4: [D, L, C], 12: [D, C], 13: [D, C], 14: [D, L], 15: [D, L]}
        found = rules_by_key(mine_rules(baskets(bought), 0.2, 0.5, 1.0, 2))
        assert found[((D,), C)]["confidence"] == pytest.approx(6 / 9)
        assert found[((D,), L)]["confidence"] == pytest.approx(6 / 9)
        assert ((D, L), C) not in found
        assert ((D, C), L) not in found
        assert found[((C, L), D)]["confidence"] == pytest.approx(1.0)
        assert found[((C, L), D)]["lift"] == pytest.approx(1.0 / (9 / 14))

    def test_no_baskets(self):
        assert mine_rules(Baskets([], []), 0.1, 0.1, 1.0).empty


class TestSuggestions:
    def test_ranked_by_confidence_times_peer_value(self):
        rules = mine_rules(baskets(), 0.2, 0.5, 1.0, 2)
        rules.index = rules.index + 100  # rule ids
        customer_items = pd.DataFrame(
            [(4, D), (6, L), (1, D), (1, L), (1, C), (12, D), (12, L)], columns=["customer", "item"]
        )
        found = suggest(customer_items, rules)
        by_customer = {c: list(zip(g["item"], g["rank"], strict=True)) for c, g in found.groupby("customer")}
        # customer 4 buys desks: chairs (0.6 x 133.33) before lamps (0.6 x 50)
        assert by_customer[4] == [(C, 1), (L, 2)]
        score = found[(found["customer"] == 4) & (found["item"] == C)]["score"].iloc[0]
        assert score == pytest.approx(0.6 * 40000 / 3)
        # customer 6 buys lamps: chairs then desks (worth 10.00)
        assert by_customer[6] == [(C, 1), (D, 2)]
        # customer 1 buys everything; customer 12, desks and lamps: chairs by DL -> C (confidence 1.0)
        assert 1 not in by_customer
        reason = found[found["customer"] == 12]
        assert reason["item"].tolist() == [C]
        best = rules.loc[reason["rule"].iloc[0]]
        assert (best["antecedent"], best["confidence"]) == ((D, L), pytest.approx(1.0))

    def test_limit(self):
        rules = mine_rules(baskets(), 0.2, 0.5, 1.0, 2)
        found = suggest(pd.DataFrame([(4, D)], columns=["customer", "item"]), rules, limit=1)
        assert found["item"].tolist() == [C]

    def test_nothing(self):
        assert suggest(pd.DataFrame(columns=["customer", "item"]), mine_rules(baskets(), 0.2, 0.5, 1.0, 2)).empty


class TestBundle:
    def test_most_common_items_while_enough_customers_buy_the_whole_set(self):
        # profile: customers 1-4 and 99 (no purchase): 5 customers; D bought by 4, C and L by 3
        items, counts, whole, size = bundle(baskets(), [1, 2, 3, 4, 99], min_share=0.5, max_items=5)
        assert (items, counts, whole, size) == ([D, C, L], [4, 3, 3], 3, 5)
        # 70 %: 3.5 customers; only desks are bought by that many
        assert bundle(baskets(), [1, 2, 3, 4, 99], 0.7, 5) == ([D], [4], 4, 5)
        assert bundle(baskets(), [1, 2, 3, 4, 99], 0.5, 2)[0] == [D, C]

    def test_item_that_breaks_the_set_is_skipped(self):
        # customers 4, 5 and 1: D by all three, P by 5 only, L and C by 1 only
        assert bundle(baskets(), [1, 4, 5], 0.6, 5) == ([D], [3], 3, 3)
        # customers 5, 7, 8, 10 all buy paper; 5 also desks, 7 lamps, 8 chairs: one each,
        # desks first (ties in item order), then lamps and chairs would leave nobody
        assert bundle(baskets(), [5, 7, 8, 10], 0.25, 5) == ([P, D], [4, 1], 1, 4)

    def test_empty_profile(self):
        assert bundle(baskets(), [98, 99], 0.5, 5) == ([], [], 0, 2)


class TestSettings:
    def test_defaults_are_valid(self):
        assert CrosssellSettings().violations() == []
        assert CrosssellSettings().thresholds() == {
            "min_support": 0.01,
            "min_confidence": 0.5,
            "min_lift": 1.2,
            "min_customers": 5,
        }

    @pytest.mark.parametrize(
        ("changes", "code"),
        [
            ({"item_level": "brand"}, "item_level"),
            ({"window_months": 0}, "window"),
            ({"window_months": 121}, "window"),
            ({"min_support": 0}, "percentages"),
            ({"min_confidence": 101}, "percentages"),
            ({"min_lift": 0}, "lift"),
            ({"min_customers": 0}, "customers"),
            ({"bundle_min_share": 0}, "bundle"),
            ({"bundle_size": 0}, "bundle"),
        ],
    )
    def test_violations(self, changes, code):
        assert CrosssellSettings(**changes).violations() == [code]


def test_matrix_is_boolean_and_values_sum():
    repeated = Baskets([1, 1, 2], [D, D, D], [100, 250, 7])
    assert repeated.item_counts().tolist() == [2]
    assert repeated.values.toarray().ravel().tolist() == [350, 7]
    assert np.asarray(repeated.rows([2, 3, 1])).tolist() == [1, 0]
