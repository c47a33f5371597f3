"""Priority of customers and the rules that flag them for attention.

The rules themselves run in SQL over the stored figures (they depend on
today and on activities that change during the day); this module holds
their settings, defaults and validation, and the order of the nine cells,
so that the Odoo layer and the tests share one definition.
"""

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

CELLS = tuple(abc + xyz for abc in "ABC" for xyz in "XYZ")
# the method's order of importance: the regular large customers first, the
# occasional small ones last
DEFAULT_CELL_ORDER = ("AX", "AY", "BX", "AZ", "BY", "CX", "BZ", "CY", "CZ")
ATTENTION_REASONS = ("overdue", "class_drop", "revenue_down", "no_activity", "contact_overdue")


def parse_cell_order(text):
    """The nine cells in the order `text` names them ("AX, AY, BX ..."; any
    separator, any case), or None when it does not name each cell exactly
    once."""
    cells = tuple(re.findall(r"[A-Ca-c][X-Zx-z]", text or ""))
    cells = tuple(cell.upper() for cell in cells)
    leftover = re.sub(r"[A-Ca-c][X-Zx-z]|[\s,;>|/-]", "", text or "")
    if leftover or sorted(cells) != sorted(CELLS):
        return None
    return cells


def format_cell_order(cells):
    return ", ".join(cells)


def priority_ranks(cells, revenue, cell_order=DEFAULT_CELL_ORDER):
    """Rank (1 = first) of each customer in the priority lists: by the
    position of its cell in `cell_order` (no cell: after the nine), then by
    revenue, largest first, then by id. `cells` and `revenue` share their
    index (partner ids); a dense integer, so that users who may not read
    revenue can be shown customers in this order without learning it."""
    position = cells.map({cell: index for index, cell in enumerate(cell_order)})
    position = position.fillna(len(cell_order)).to_numpy(float)
    amount = pd.to_numeric(revenue).fillna(0.0).to_numpy(float)
    order = np.lexsort((cells.index.to_numpy(), -amount, position))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    return pd.Series(ranks, index=cells.index)


def class_drops(changes):
    """Which class changes are drops (a boolean Series on the index of
    `changes`, which holds old/new_abc_class and old/new_xyz_class): A to B
    or C, B to C, X to Y or Z, Y to Z. A class that appears (first run) or
    goes away is not a drop; letters compare in alphabetical order."""

    def down(old, new):
        old, new = changes[old], changes[new]
        known = old.notna() & new.notna()
        return known & (old.where(known, "").astype(str) < new.where(known, "").astype(str))

    return down("old_abc_class", "new_abc_class") | down("old_xyz_class", "new_xyz_class")


@dataclass(frozen=True)
class AttentionRules:
    """When a customer needs attention, per company; percentages are
    percents (50.0 is half)."""

    overdue: bool = True
    overdue_tolerance: float = 50.0  # of the usual interval
    class_drop: bool = True
    class_drop_days: int = 30
    revenue_down: bool = True
    revenue_down_percent: float = 30.0
    no_activity: bool = True  # A customers with nothing planned
    contact_overdue: bool = True  # not contacted within the recommended interval
    drop_activity: bool = True  # plan an activity on each class drop
    drop_activity_days: int = 3
    cell_order: tuple = DEFAULT_CELL_ORDER

    def violations(self):
        """Codes of the settings that cannot work; empty when all is well."""
        problems = []
        if not 0 < self.overdue_tolerance <= 1000:
            problems.append("overdue_tolerance")
        if not 1 <= self.class_drop_days <= 3650:
            problems.append("class_drop_days")
        if not 0 < self.revenue_down_percent <= 100:
            problems.append("revenue_down_percent")
        if not 1 <= self.drop_activity_days <= 365:
            problems.append("drop_activity_days")
        if self.cell_order is None or sorted(self.cell_order) != sorted(CELLS):
            problems.append("cell_order")
        return problems

    @property
    def enabled_reasons(self):
        return tuple(reason for reason in ATTENTION_REASONS if getattr(self, reason))
