"""Cross-selling: association rules between the items customers buy.

An item is a product or a product category; a basket is everything one
customer bought over the mining window (customers, not single orders: "of
the customers who bought A, X % also bought B"). The baskets are a sparse
boolean customer x item matrix X; the customers of every pair of items are
counted at once by one sparse product X.T @ X, and those of the itemsets of
three (A + B -> C) by a second product restricted to the frequent pairs, so
memory follows the pairs that exist, never all the itemsets apriori would
enumerate.

For a rule A -> C (A one or two items) over N customers:

- support    = customers who bought A and C / N
- confidence = customers who bought A and C / customers who bought A
- lift       = confidence / (customers who bought C / N)

Pure numpy / scipy / pandas, no Odoo import.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

ITEM_LEVELS = ("category", "product")
MAX_WINDOW_MONTHS = 120
RULE_COLUMNS = (
    "antecedent",  # tuple of one or two item ids, ascending
    "consequent",  # item id
    "antecedent_count",  # customers who bought every item of the antecedent
    "consequent_count",  # customers who bought the consequent
    "rule_count",  # customers who bought the antecedent and the consequent
    "missing_count",  # antecedent_count - rule_count: the customers to call
    "support",
    "confidence",
    "lift",
    "peer_value",  # mean value of the consequent to the customers who buy the whole rule
)
# pairs whose customers are counted against every item in one product
PAIR_CHUNK = 2048


@dataclass(frozen=True)
class CrosssellSettings:
    """The settings of one company's mining; the percentages as the user
    types them, `thresholds()` gives the fractions the engine compares."""

    window_months: int = 12
    item_level: str = "category"
    min_support: float = 1.0  # percent of the customers
    min_confidence: float = 50.0  # percent
    min_lift: float = 1.2
    min_customers: int = 5
    bundle_min_share: float = 30.0  # percent of the profile who buy the whole bundle
    bundle_size: int = 5

    def violations(self):
        """Codes of what is wrong, empty when nothing is."""
        problems = []
        if self.item_level not in ITEM_LEVELS:
            problems.append("item_level")
        if not 1 <= self.window_months <= MAX_WINDOW_MONTHS:
            problems.append("window")
        if not 0 < self.min_support <= 100 or not 0 < self.min_confidence <= 100:
            problems.append("percentages")
        if not self.min_lift > 0:
            problems.append("lift")
        if self.min_customers < 1:
            problems.append("customers")
        if not 0 < self.bundle_min_share <= 100 or not 1 <= self.bundle_size <= 20:
            problems.append("bundle")
        return problems

    def thresholds(self):
        return {
            "min_support": self.min_support / 100,
            "min_confidence": self.min_confidence / 100,
            "min_lift": self.min_lift,
            "min_customers": self.min_customers,
        }


class Baskets:
    """Customers x items, boolean, with the value of each item to each
    customer (an integer, e.g. cents: sums of it stay exact).

    `customers`, `items` and `values` are parallel sequences, one entry per
    customer x item bought; a repeated pair is summed.
    """

    def __init__(self, customers, items, values=None):
        customer_codes, customer_ids = pd.factorize(np.asarray(customers), sort=True)
        item_codes, item_ids = pd.factorize(np.asarray(items), sort=True)
        self.customer_ids, self.item_ids = pd.Index(customer_ids), pd.Index(item_ids)
        shape = (len(self.customer_ids), len(self.item_ids))
        if values is None:
            values = np.zeros(len(customer_codes), dtype=np.int64)
        self.values = sparse.csc_matrix((np.asarray(values, dtype=np.int64), (customer_codes, item_codes)), shape=shape)
        self.values.sum_duplicates()
        self.matrix = self.values.copy()
        self.matrix.data = np.ones_like(self.matrix.data, dtype=np.int32)

    @property
    def customer_count(self):
        return self.matrix.shape[0]

    def item_counts(self):
        return np.asarray(self.matrix.sum(axis=0)).ravel()

    def rows(self, customer_ids):
        """Row positions of `customer_ids` (those with a basket)."""
        positions = self.customer_ids.get_indexer(pd.Index(customer_ids))
        return positions[positions >= 0]


def mine_rules(baskets, min_support, min_confidence, min_lift, min_customers=1, max_antecedent=2):
    """The rules of `baskets` (a frame of RULE_COLUMNS, strongest first)
    whose support, confidence and lift reach the minimums (fractions) and
    that at least `min_customers` customers follow whole.

    Rules with two items on the left come from the frequent pairs only, and
    are kept when they say more than each of their items alone: a confidence
    above those of A -> C and B -> C.
    """
    n = baskets.customer_count
    empty = pd.DataFrame({column: [] for column in RULE_COLUMNS})
    if not n:
        return empty
    counts = baskets.item_counts()
    # an itemset bought by fewer customers cannot be in any rule, nor any of
    # its supersets (support only falls as items are added)
    frequent = np.flatnonzero(_reaches(counts, n, min_support, min_customers))
    if len(frequent) < 2:
        return empty
    matrix = baskets.matrix[:, frequent]
    values = baskets.values[:, frequent]
    item_counts = counts[frequent].astype(np.int64)

    pair_counts = (matrix.T @ matrix).tocoo()
    keep = (pair_counts.row != pair_counts.col) & _reaches(pair_counts.data, n, min_support, min_customers)
    left, right, together = pair_counts.row[keep], pair_counts.col[keep], pair_counts.data[keep].astype(np.int64)
    pair_value = _lookup((matrix.T @ values).tocsr(), left, right)
    frames = [
        _rules(
            [left],
            right,
            item_counts[left],
            item_counts[right],
            together,
            pair_value,
            n,
        )
    ]

    if max_antecedent >= 2 and len(left):
        confidence_of = sparse.csr_matrix(
            (together / item_counts[left], (left, right)), shape=(len(frequent), len(frequent))
        )
        upper = left < right
        first, second, pair_count = left[upper], right[upper], together[upper]
        for start in range(0, len(first), PAIR_CHUNK):
            a, b = first[start : start + PAIR_CHUNK], second[start : start + PAIR_CHUNK]
            both = matrix[:, a].multiply(matrix[:, b]).tocsc()
            triple = (both.T @ matrix).tocoo()
            pair, third = triple.row, triple.col
            keep = (third != a[pair]) & (third != b[pair]) & _reaches(triple.data, n, min_support, min_customers)
            pair, third, count = pair[keep], third[keep], triple.data[keep].astype(np.int64)
            confidence = count / pair_count[start:][pair]
            alone = np.maximum(_lookup(confidence_of, a[pair], third), _lookup(confidence_of, b[pair], third))
            keep = confidence > alone
            pair, third, count = pair[keep], third[keep], count[keep]
            frames.append(
                _rules(
                    [a[pair], b[pair]],
                    third,
                    pair_count[start:][pair],
                    item_counts[third],
                    count,
                    _lookup((both.T @ values).tocsr(), pair, third),
                    n,
                )
            )

    rules = pd.concat(frames, ignore_index=True)
    rules = rules[(rules["confidence"] >= min_confidence) & (rules["lift"] >= min_lift)]
    # back from positions among the frequent items to item ids
    ids = np.asarray(baskets.item_ids)[frequent]
    rules["antecedent"] = [tuple(sorted(ids[list(positions)].tolist())) for positions in rules["antecedent"]]
    rules["consequent"] = ids[rules["consequent"].to_numpy(dtype=np.int64)]
    rules["size"] = rules["antecedent"].map(len)
    rules = rules.sort_values(
        ["confidence", "lift", "rule_count", "size", "consequent"],
        ascending=[False, False, False, True, True],
        kind="stable",
    )
    return rules.reset_index(drop=True)[list(RULE_COLUMNS)]


def _reaches(counts, n, min_support, min_customers):
    """Whether itemsets bought by `counts` customers (of `n`) are frequent:
    support compared as a fraction, as it is reported."""
    counts = np.asarray(counts)
    return (counts / n >= min_support) & (counts >= min_customers)


def _lookup(matrix, rows, cols):
    """matrix[rows[i], cols[i]] for each i, as a flat array."""
    if not len(rows):
        return np.zeros(0)
    return np.asarray(matrix[rows, cols]).ravel()


def _rules(antecedent, consequent, antecedent_count, consequent_count, rule_count, value, n):
    antecedent_count = np.asarray(antecedent_count, dtype=np.int64)
    consequent_count = np.asarray(consequent_count, dtype=np.int64)
    rule_count = np.asarray(rule_count, dtype=np.int64)
    confidence = rule_count / antecedent_count if len(rule_count) else np.zeros(0)
    return pd.DataFrame(
        {
            "antecedent": list(zip(*antecedent, strict=True)) if len(consequent) else [],
            "consequent": np.asarray(consequent, dtype=np.int64),
            "antecedent_count": antecedent_count,
            "consequent_count": consequent_count,
            "rule_count": rule_count,
            "missing_count": antecedent_count - rule_count,
            "support": rule_count / n,
            "confidence": confidence,
            "lift": confidence / (consequent_count / n) if len(rule_count) else np.zeros(0),
            "peer_value": np.asarray(value, dtype=float) / np.maximum(rule_count, 1),
        }
    )


def suggest(customer_items, rules, limit=10):
    """Cross-sell suggestions: for each customer of `customer_items` (a frame
    of customer, item: what it buys), the items of the rules whose whole
    antecedent it buys and whose consequent it does not, ranked by
    confidence times the value the item brings to the customers who follow
    the rule, the best rule of each item as its reason.

    `rules` is a frame with antecedent, consequent, confidence and
    peer_value, indexed by anything (a rule id); returns a frame of
    customer, item, rule (that index), score, rank (1 = best), at most
    `limit` per customer.
    """
    columns = ["customer", "item", "rule", "score", "rank"]
    if customer_items.empty or rules.empty:
        return pd.DataFrame({column: [] for column in columns})
    antecedent_items = [item for antecedent in rules["antecedent"] for item in antecedent]
    items = pd.Index(
        np.unique(
            np.concatenate(
                [customer_items["item"].to_numpy(), rules["consequent"].to_numpy(), np.asarray(antecedent_items)]
            )
        )
    )
    customer_codes, customers = pd.factorize(customer_items["customer"], sort=True)
    owned = sparse.csr_matrix(
        (np.ones(len(customer_codes), dtype=np.int32), (customer_codes, items.get_indexer(customer_items["item"]))),
        shape=(len(customers), len(items)),
    )
    owned.data[:] = 1
    rule_rows = np.repeat(np.arange(len(rules)), rules["antecedent"].map(len).to_numpy())
    rule_items = items.get_indexer(antecedent_items)
    antecedents = sparse.csr_matrix(
        (np.ones(len(rule_rows), dtype=np.int32), (rule_rows, rule_items)), shape=(len(rules), len(items))
    )
    # customers x rules: how many antecedent items each customer buys
    matched = (owned @ antecedents.T).tocoo()
    sizes = rules["antecedent"].map(len).to_numpy()
    keep = matched.data == sizes[matched.col]
    customer, rule = matched.row[keep], matched.col[keep]
    consequent = items.get_indexer(rules["consequent"].to_numpy())[rule]
    has_it = np.asarray(owned[customer, consequent]).ravel() > 0 if len(customer) else np.zeros(0, bool)
    customer, rule, consequent = customer[~has_it], rule[~has_it], consequent[~has_it]
    score = rules["confidence"].to_numpy()[rule] * rules["peer_value"].to_numpy()[rule]
    found = pd.DataFrame(
        {
            "customer": customers[customer],
            "item": items[consequent],
            "rule": rules.index[rule],
            "score": score,
            "confidence": rules["confidence"].to_numpy()[rule],
        }
    )
    found = found.sort_values(
        ["customer", "score", "confidence", "item"], ascending=[True, False, False, True], kind="stable"
    )
    found = found.drop_duplicates(["customer", "item"])
    found["rank"] = found.groupby("customer").cumcount() + 1
    return found[found["rank"] <= limit][columns].reset_index(drop=True)


def bundle(baskets, customer_ids, min_share, max_items, min_customers=1):
    """The ready-made package of a profile (the customers `customer_ids`):
    its most common items, taken in that order while at least `min_share`
    (a fraction) of the profile, and `min_customers`, still buy the whole
    set; at most `max_items`.

    Returns (items, item_counts, whole_count, profile_count): the item ids,
    how many of the profile buy each, how many buy them all, and the size of
    the profile (its customers with or without a basket).
    """
    profile_count = len(pd.Index(customer_ids).unique())
    rows = baskets.rows(pd.Index(customer_ids).unique())
    if not len(rows) or not profile_count:
        return [], [], 0, profile_count
    matrix = baskets.matrix[rows].tocsc()
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    needed = max(min_share * profile_count, min_customers)
    whole = np.ones(len(rows), dtype=bool)
    items, item_counts = [], []
    for position in np.argsort(-counts, kind="stable"):
        if len(items) >= max_items or counts[position] < needed:
            break
        buys = matrix[:, position].toarray().ravel() > 0
        if (whole & buys).sum() < needed:
            continue
        whole &= buys
        items.append(position)
        item_counts.append(int(counts[position]))
    return baskets.item_ids[items].tolist(), item_counts, int(whole.sum()) if items else 0, profile_count
