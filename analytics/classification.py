"""ABC/XYZ classification of customers from a customer x month aggregate.

Pure pandas/numpy: the Odoo layer hands in one aggregate fetched from
PostgreSQL and the state it holds now, and gets back the rows to write and
the class changes to record. Nothing here imports Odoo, so the rules can be
tested (and reused) without a database.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .lifecycle import month_index as month_number
from .priority import DEFAULT_CELL_ORDER, priority_ranks
from .rhythm import purchase_rhythm, revenue_change_percent, sale_days_frame

ABC_METRICS = ("revenue", "margin", "count")
# How the class limits are found. ABC: fixed cumulative shares (the rules'
# thresholds) or limits computed from the curve of the data (computed_abc_limits);
# XYZ: fixed coefficients of variation (the rules' thresholds) or shares of
# the customers (share_xyz_limits).
ABC_METHODS = ("fixed", "computed")
XYZ_METHODS = ("variation", "share")
# RetailCRM's split by share of customers: the 30 % most regular customers
# are X, the next 50 % Y, the rest Z (cumulative shares, percent).
XYZ_SHARE_X = 30.0
XYZ_SHARE_Y = 80.0

# Columns of the aggregate, two kinds of rows per customer. Month rows
# (`is_total` false): net revenue and number of sales per calendar month of
# the analysis window (the months stored, a month without sales has no row).
# One total row (`is_total` true): the exact sums of
# the ABC window, rounded once by the database (`window_*`), the first and
# last sale ever, the revenue of the window of the same length before the
# ABC window (`previous_revenue`) and the days the customer bought on over
# the rhythm's months (`sale_days`, a text array of day numbers, see
# rhythm.sale_days_frame).
FACT_COLUMNS = (
    "partner_id",
    "is_total",
    "month",
    "revenue",
    "doc_count",
    "window_revenue",
    "window_margin",
    "window_doc_count",
    "first_date",
    "last_date",
    "previous_revenue",
    "sale_days",
)
# the longest window a setting may ask for: ten years
MAX_WINDOW_MONTHS = 120

# What a classification run stores per customer and company.
RESULT_COLUMNS = (
    "abc_class",
    "abc_class_computed",
    "xyz_class",
    "abc_xyz_class",
    "abc_metric_value",
    "abc_share",
    "abc_cumulative_share",
    "classification_revenue",
    "classification_margin",
    "classification_document_count",
    "xyz_variation",
    "purchase_month_count",
    "first_purchase_date",
    "last_purchase_date",
    "class_change_date",
    "purchase_interval_days",
    "next_purchase_date",
    "revenue_change_percent",
    "priority_rank",
)
# The figures of RESULT_COLUMNS relative to the whole client base: they move
# with every other customer's figures (a run after 1 % of the documents
# changed moves the rank of nearly every customer), so they are reconciled
# and stored apart from each customer's own figures, which move only with
# its own sales.
RELATIVE_COLUMNS = ("abc_share", "abc_cumulative_share", "priority_rank")
OWN_COLUMNS = tuple(column for column in RESULT_COLUMNS if column not in RELATIVE_COLUMNS)
FLOAT_COLUMNS = (
    "abc_metric_value",
    "abc_share",
    "abc_cumulative_share",
    "classification_revenue",
    "classification_margin",
    "xyz_variation",
    "revenue_change_percent",
)
INTEGER_COLUMNS = ("classification_document_count", "purchase_month_count", "purchase_interval_days", "priority_rank")
DATE_COLUMNS = ("first_purchase_date", "last_purchase_date", "class_change_date", "next_purchase_date")
CLASS_COLUMNS = ("abc_class", "abc_class_computed", "xyz_class", "abc_xyz_class")

# Digits each stored figure keeps: amounts come rounded from the database,
# ratios are rounded here, and stored and new values are compared at these
# digits, so that an unchanged database gives a run that writes nothing.
ROUNDING = {
    "abc_metric_value": 2,
    "classification_revenue": 2,
    "classification_margin": 2,
    "abc_share": 4,
    "abc_cumulative_share": 4,
    "xyz_variation": 4,
    "revenue_change_percent": 2,
}
# Digits of the limits a run reports (percentages).
LIMIT_DIGITS = 4
# Keeps a customer sitting exactly on a threshold on the side the rule says,
# whatever the floating-point noise of the sums.
TOLERANCE = 1e-9


@dataclass(frozen=True)
class ClassificationRules:
    """The settings of one company; thresholds are percentages."""

    metric: str = "revenue"
    abc_method: str = "fixed"
    xyz_method: str = "variation"
    abc_window_months: int = 12
    xyz_window_months: int = 12
    abc_threshold_a: float = 80.0
    abc_threshold_b: float = 95.0
    xyz_threshold_x: float = 10.0
    xyz_threshold_y: float = 25.0
    min_history_months: int = 3

    def violations(self):
        """Codes of the rules that cannot work; empty when all is well.

        Codes, not messages: the caller words them in the user's language.
        """
        problems = []
        if self.metric not in ABC_METRICS:
            problems.append("metric")
        if self.abc_method not in ABC_METHODS:
            problems.append("abc_method")
        # thresholds count where their method uses them
        if self.abc_method == "fixed" and not 0 < self.abc_threshold_a < self.abc_threshold_b < 100:
            problems.append("abc_thresholds")
        if self.xyz_method not in XYZ_METHODS:
            problems.append("xyz_method")
        if self.xyz_method == "variation" and not 0 < self.xyz_threshold_x < self.xyz_threshold_y:
            problems.append("xyz_thresholds")
        if not (1 <= self.abc_window_months <= MAX_WINDOW_MONTHS and 1 <= self.xyz_window_months <= MAX_WINDOW_MONTHS):
            problems.append("windows")
        if not 1 <= self.min_history_months <= self.xyz_window_months:
            problems.append("min_history")
        return problems

    @property
    def fetch_months(self):
        """How many full months before the run the aggregate must detail."""
        return max(self.abc_window_months, self.xyz_window_months)


@dataclass(frozen=True)
class ClassLimits:
    """The limits a run applied, in percent (rounded to LIMIT_DIGITS): A and
    B up to a cumulative share of the metric, X and Y up to a coefficient of
    variation, with the methods that gave them. A method that finds its
    limits from the customers finds none (None) without customers to find
    them from."""

    abc_method: str
    abc_threshold_a: float | None
    abc_threshold_b: float | None
    xyz_method: str
    xyz_threshold_x: float | None
    xyz_threshold_y: float | None


def month_index(values):
    """The month numbers (lifecycle.month_index) of dates (Series of
    datetime64); NaT -> -1."""
    values = pd.to_datetime(values)
    index = month_number(values.dt)
    return index.fillna(-1).astype(np.int64).to_numpy()


def window_bounds(run_date, months):
    """First day of the window and first day after it: the `months` full
    calendar months that end before the month of `run_date`. The one
    definition of a window: the SQL reads these dates, the engine their
    month numbers (window_months)."""
    end = date(run_date.year, run_date.month, 1)
    start = (pd.Timestamp(end) - pd.DateOffset(months=months)).date()
    return start, end


def window_months(run_date, months):
    """window_bounds as month numbers [start, end)."""
    start, end = window_bounds(run_date, months)
    return month_number(start), month_number(end)


def abc_classes(metric, threshold_a, threshold_b):
    """ABC class, share and cumulative share (percent) of positive values.

    A customer is A while the cumulative share of the customers before it is
    below `threshold_a`, B while below `threshold_b`, otherwise C; equal
    values share the class of the first of them. Customers without a
    positive value are not in the result.
    """
    positive = metric[metric > 0].sort_values(ascending=False, kind="stable")
    columns = ["abc_share", "abc_cumulative_share", "abc_class_computed"]
    if positive.empty:
        return pd.DataFrame(columns=columns, index=positive.index)
    total = positive.sum()
    running = positive.cumsum()
    tie_groups = positive.groupby(positive, sort=False)
    through_ties = running.groupby(positive, sort=False).transform("max")
    before = (through_ties - tie_groups.transform("sum")) * 100.0 / total
    classes = np.select(
        [before < threshold_a - TOLERANCE, before < threshold_b - TOLERANCE],
        ["A", "B"],
        default="C",
    )
    return pd.DataFrame(
        {
            "abc_share": positive * 100.0 / total,
            "abc_cumulative_share": through_ties * 100.0 / total,
            "abc_class_computed": classes,
        },
        index=positive.index,
    )


def computed_abc_limits(metric):
    """The A and B thresholds (percent, as abc_classes reads them) that the
    positive values of `metric` give themselves: the computed ABC analysis of
    Ultsch and Lötsch (PLoS One 10(6), 2015, doi:10.1371/journal.pone.0129767),
    the method of the abc-analysis package.

    The curve: customers largest first, the point of the k-th of n customers
    at (k / n, cumulative share through it). Its Pareto point is the nearest
    to the ideal (0, 1), little effort for the whole yield; its break-even
    point is where the slope falls to 1, the last customer whose value is at
    least the mean (each customer after it adds less yield than effort). The
    one with fewer customers closes A; the B|C limit is the point nearest to
    (the effort of the other one, 1). A holds the customers up to the A|B
    point, B those up to the B|C point, C the rest, and the thresholds are
    the cumulative shares through these two points, so that abc_classes
    gives these classes (equal values share the class of the first, as with
    fixed thresholds). Ties between points go to the one with fewer
    customers, except at the break-even point (the last customer at the
    mean), as in the package.

    The package reads the points off a cubic spline through the curve, on a
    grid of 100 or 1000 steps, and puts the customer at the A|B limit into
    B; here they are read off the curve itself, one customer at a time, and
    the customer at a limit belongs to the class the limit closes. NaN for
    both without a positive value.
    """
    values = np.sort(metric[metric > 0].to_numpy(float))[::-1]
    count = len(values)
    if not count:
        return np.nan, np.nan
    total = values.sum()
    through = np.cumsum(values) / total
    effort = np.arange(1, count + 1) / count
    pareto = _nearest(effort, through, 0.0)
    break_even = np.count_nonzero(values * count >= total * (1 - TOLERANCE)) - 1
    last_a, other = sorted((pareto, break_even))
    last_b = _nearest(effort, through, effort[other])
    return through[last_a] * 100.0, through[last_b] * 100.0


def _nearest(effort, through, target):
    """Position of the first point of the curve nearest to (target, 1)."""
    distance = (effort - target) ** 2 + (1.0 - through) ** 2
    return int(np.flatnonzero(distance <= distance.min() + TOLERANCE)[0])


def xyz_variation(monthly, first_month, min_months):
    """Coefficient of variation of the monthly revenue of each customer.

    `monthly` is a customers x months array of net revenue (months in order,
    missing months as 0); `first_month` the column of each customer's first
    sale (0 when it is before the window, len(months) or more when after).
    The series starts at that column; fewer than `min_months` months or a
    mean that is not positive gives none (NaN): no XYZ class.
    """
    n_months = monthly.shape[1]
    start = np.clip(first_month, 0, n_months)
    in_series = np.arange(n_months)[None, :] >= start[:, None]
    length = n_months - start
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(in_series, monthly, 0.0).sum(axis=1) / length
        deviation = np.where(in_series, monthly - mean[:, None], 0.0)
        std = np.sqrt((deviation**2).sum(axis=1) / length)
        variation = std / mean
    valid = (length >= min_months) & (mean > TOLERANCE)
    return np.where(valid, variation, np.nan)


def share_xyz_limits(variation):
    """The X and Y thresholds (percent, as xyz_classes reads them) that split
    the customers with a coefficient of variation (NaN: none, no class, not
    counted) by share: from the most regular, a customer is X while the
    share of them ranked before it is below XYZ_SHARE_X, Y while below
    XYZ_SHARE_Y, otherwise Z; the customer that crosses a share belongs to
    the more regular class and equal coefficients share a class, as in ABC.
    A threshold is the largest coefficient of its class; NaN for both
    without a coefficient.
    """
    ranked = np.sort(variation[~np.isnan(variation)])
    count = len(ranked)
    if not count:
        return np.nan, np.nan
    # the share before each position, times the count: exact integers
    before = np.arange(count) * 100.0
    last_x = np.count_nonzero(before < XYZ_SHARE_X * count) - 1
    last_y = np.count_nonzero(before < XYZ_SHARE_Y * count) - 1
    return ranked[last_x] * 100.0, ranked[last_y] * 100.0


def xyz_classes(variation, threshold_x, threshold_y):
    """XYZ class of each coefficient of variation: X up to `threshold_x`
    percent, Y up to `threshold_y`, otherwise Z; None without a
    coefficient."""
    valid = ~np.isnan(variation)
    with np.errstate(invalid="ignore"):
        classes = np.select(
            [
                valid & (variation <= threshold_x / 100.0 + TOLERANCE),
                valid & (variation <= threshold_y / 100.0 + TOLERANCE),
                valid,
            ],
            ["X", "Y", "Z"],
            default="",
        )
    return np.where(classes == "", None, classes)


def classify(facts, run_date, rules):
    """Classify every customer of the aggregate `facts` (see FACT_COLUMNS).

    Returns one row per customer (index `partner_id`, sorted, so that the
    same facts always give the same sums) with the computed columns of
    RESULT_COLUMNS, and the ClassLimits the rules' methods gave; manual
    overrides and change dates are applied later by `reconcile`.
    """
    totals_mask = facts["is_total"].astype(bool)
    totals = facts[totals_mask].set_index("partner_id").sort_index()
    months = facts[~totals_mask].copy()
    months["month_index"] = month_index(months["month"])
    abc_start, end = window_months(run_date, rules.abc_window_months)
    xyz_start, _end = window_months(run_date, rules.xyz_window_months)

    result = pd.DataFrame(
        {
            # dates, not the strings a CSV gives: pandas compares strings
            # one group at a time in Python
            "first_purchase_date": pd.to_datetime(totals["first_date"]),
            "last_purchase_date": pd.to_datetime(totals["last_date"]),
            "classification_revenue": totals["window_revenue"].astype(float).fillna(0.0),
            "classification_margin": totals["window_margin"].astype(float).fillna(0.0),
            "classification_document_count": totals["window_doc_count"].fillna(0).astype(np.int64),
        },
        index=totals.index,
    )
    in_abc = months[(months["month_index"] >= abc_start) & (months["month_index"] < end)]
    months_bought = in_abc[in_abc["doc_count"] > 0].groupby("partner_id").size()
    result["purchase_month_count"] = months_bought.reindex(result.index, fill_value=0)

    metric_column = {
        "revenue": "classification_revenue",
        "margin": "classification_margin",
        "count": "classification_document_count",
    }[rules.metric]
    result["abc_metric_value"] = result[metric_column].astype(float)
    if rules.abc_method == "computed":
        abc_limits = computed_abc_limits(result["abc_metric_value"])
    else:
        abc_limits = (rules.abc_threshold_a, rules.abc_threshold_b)
    result = result.join(abc_classes(result["abc_metric_value"], *abc_limits))

    in_xyz = months[(months["month_index"] >= xyz_start) & (months["month_index"] < end)]
    rows = result.index.get_indexer(in_xyz["partner_id"])
    monthly = np.zeros((len(result), rules.xyz_window_months))
    # one fact per customer and month: each cell is set once, in no order
    monthly[rows, in_xyz["month_index"].to_numpy() - xyz_start] = in_xyz["revenue"].to_numpy(float)
    first_month = month_index(result["first_purchase_date"].reset_index(drop=True)) - xyz_start
    variation = xyz_variation(monthly, first_month, rules.min_history_months)
    if rules.xyz_method == "share":
        xyz_limits = share_xyz_limits(variation)
    else:
        xyz_limits = (rules.xyz_threshold_x, rules.xyz_threshold_y)
    result["xyz_variation"] = variation
    result["xyz_class"] = xyz_classes(variation, *xyz_limits)

    rhythm = purchase_rhythm(sale_days_frame(totals.index, totals["sale_days"]))
    result = result.join(rhythm)
    result["revenue_change_percent"] = revenue_change_percent(
        result["classification_revenue"], totals["previous_revenue"]
    )
    for column, digits in ROUNDING.items():
        result[column] = result[column].astype(float).round(digits)
    limits = ClassLimits(rules.abc_method, *map(_limit, abc_limits), rules.xyz_method, *map(_limit, xyz_limits))
    return result, limits


def _limit(value):
    """A limit as ClassLimits reports it: rounded, None for none."""
    return None if np.isnan(value) else round(float(value), LIMIT_DIGITS)


def reconcile(computed, current, run_date, cell_order=DEFAULT_CELL_ORDER):
    """Merge a fresh classification with the stored state of one company.

    `current` holds the stored OWN_COLUMNS plus `abc_class_manual` for the
    customers that have any (index `partner_id`; RELATIVE_COLUMNS, when it
    holds them, are not compared). Customers no longer in
    `computed` are cleared, a manual ABC class wins over the computed one,
    the change date moves only when the computed ABC or XYZ class moves, and
    the customers are ranked for the priority lists by their (effective)
    cell in `cell_order`, then revenue.

    Returns (rows to write: OWN_COLUMNS for the customers whose own stored
    figures change, None where a value is cleared; class changes: old and
    new ABC/XYZ and the metric value per customer whose computed class
    moved; RELATIVE_COLUMNS of every customer of `computed`, to store apart:
    `current` need not hold them).
    """
    current = current.reindex(columns=[*RESULT_COLUMNS, "abc_class_manual"])
    index = computed.index.union(current.index)
    new = computed.reindex(index=index, columns=RESULT_COLUMNS)
    old = current.reindex(index=index)

    manual = old["abc_class_manual"]
    new["abc_class"] = manual.where(manual.notna(), new["abc_class_computed"])
    both = new["abc_class"].notna() & new["xyz_class"].notna()
    cells = new.loc[both, "abc_class"].astype(str) + new.loc[both, "xyz_class"].astype(str)
    new["abc_xyz_class"] = cells.reindex(index)
    ranked = new.index.isin(computed.index)
    new["priority_rank"] = priority_ranks(
        new.loc[ranked, "abc_xyz_class"], new.loc[ranked, "classification_revenue"], cell_order
    ).reindex(index)

    moved = ~_same(old, new, "abc_class_computed") | ~_same(old, new, "xyz_class")
    # a customer with no sales left loses its figures but keeps the date its
    # class went away, so a list still says since when it has none
    new["class_change_date"] = pd.to_datetime(old["class_change_date"])
    new.loc[moved, "class_change_date"] = pd.Timestamp(run_date)
    changes = pd.DataFrame(
        {
            "old_abc_class": old.loc[moved, "abc_class_computed"],
            "new_abc_class": new.loc[moved, "abc_class_computed"],
            "old_xyz_class": old.loc[moved, "xyz_class"],
            "new_xyz_class": new.loc[moved, "xyz_class"],
            "metric_value": new.loc[moved, "abc_metric_value"],
        }
    )

    differs = pd.Series(False, index=index)
    for column in OWN_COLUMNS:
        differs |= ~_same(old, new, column)
    to_write = new.loc[differs, list(OWN_COLUMNS)].astype(object)
    relative = new.loc[ranked, list(RELATIVE_COLUMNS)]
    return (
        to_write.where(to_write.notna(), None),
        changes.astype(object).where(changes.notna(), None),
        relative,
    )


def _same(old, new, column):
    """Element-wise equality of one column where two missing values are equal.

    Figures are compared at the digits they are stored with (ROUNDING), as
    whole numbers of their last digit: what is stored is what a run computes
    rounded, and float noise below that must not count as a change. The
    comparison follows what the column holds, not its dtype: a column with
    no value at all comes back from pandas as float.
    """
    left, right = old[column], new[column]
    if column in FLOAT_COLUMNS or column in INTEGER_COLUMNS:
        scale = 10.0 ** ROUNDING.get(column, 0)
        left = np.rint(pd.to_numeric(left).to_numpy(float) * scale)
        right = np.rint(pd.to_numeric(right).to_numpy(float) * scale)
        equal = (left == right) | (np.isnan(left) & np.isnan(right))
        return pd.Series(equal, index=old.index)
    if column in DATE_COLUMNS:
        left, right = pd.to_datetime(left), pd.to_datetime(right)
    else:
        left, right = left.astype(object), right.astype(object)
    return (left == right) | (left.isna() & right.isna())
