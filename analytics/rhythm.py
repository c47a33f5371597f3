"""Purchase rhythm of customers: how often each one buys, when it should buy
next, and how its revenue moves against the window before.

Pure pandas/numpy, fed by the classification aggregate: per customer, the
distinct dates of its purchases (credit notes are not purchases) over the
last RHYTHM_MONTHS months, and its revenue in the ABC window and in the
window of the same length before it.
"""

import numpy as np
import pandas as pd

# months of purchase dates the usual interval is measured on
RHYTHM_MONTHS = 24
# fewer distinct purchase dates than this give no usual interval
MIN_PURCHASES = 3
# purchase dates travel from the database as whole days since this date
EPOCH = pd.Timestamp("1970-01-01")
RHYTHM_COLUMNS = ("purchase_interval_days", "next_purchase_date")


def rhythm_start(run_date):
    """First day of the purchase dates the rhythm reads: RHYTHM_MONTHS
    months before the run date (the run date itself is the last one)."""
    return (pd.Timestamp(run_date) - pd.DateOffset(months=RHYTHM_MONTHS)).date()


def sale_days_frame(partner_ids, arrays):
    """Long frame (partner_id, day) from one text array of day numbers per
    customer as PostgreSQL writes it ("{19001,19031}"; missing or "{}" for
    none): one row per customer and purchase date.

    The arrays are joined and parsed at once, not one customer at a time.
    """
    texts = pd.Series(arrays, index=pd.Index(partner_ids, name="partner_id"), dtype=object)
    texts = texts[texts.notna()].astype(str)
    texts = texts[texts != "{}"]
    if texts.empty:
        return pd.DataFrame({"partner_id": np.array([], dtype=np.int64), "day": np.array([], dtype=np.int64)})
    counts = texts.str.count(",").to_numpy() + 1
    joined = ",".join(texts.tolist()).replace("{", "").replace("}", "")
    days = np.fromstring(joined, dtype=np.int64, sep=",")
    return pd.DataFrame({"partner_id": np.repeat(texts.index.to_numpy(np.int64), counts), "day": days})


def purchase_rhythm(sale_days, min_purchases=MIN_PURCHASES):
    """Usual interval and next expected purchase of each customer.

    `sale_days` holds (partner_id, day): the days (whole days since EPOCH)
    a customer bought on, once per date, in any order. The usual interval is
    the median gap in days between consecutive purchase dates, rounded to
    the nearest day (halves up); the next purchase is expected one usual
    interval after the last one. Customers with fewer than `min_purchases`
    dates are not in the result (no rhythm).

    Returns a frame indexed by partner_id with purchase_interval_days (int)
    and next_purchase_date (datetime64).
    """
    # customer and day in one sortable integer: one sort orders and
    # deduplicates them (ids and day numbers both fit in 32 bits)
    # (np.unique hashes before it sorts, and is far slower here)
    keys = np.sort((sale_days["partner_id"].to_numpy(np.int64) << 32) | sale_days["day"].to_numpy(np.int64))
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    partner, day = keys >> 32, keys & 0xFFFFFFFF
    # the gap to the previous date of the same customer
    same_customer = np.zeros(len(day), dtype=bool)
    same_customer[1:] = partner[1:] == partner[:-1]
    gaps = np.diff(day, prepend=day[:1])[same_customer]
    # the median of each customer's gaps, from its sorted gaps
    gap_keys = np.sort((partner[same_customer] << 32) | gaps)
    owners, gaps = gap_keys >> 32, gap_keys & 0xFFFFFFFF
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else np.array([], dtype=np.int64)
    counts = np.diff(np.r_[starts, len(owners)])
    enough = counts >= min_purchases - 1
    starts, counts = starts[enough], counts[enough]
    median = (gaps[starts + (counts - 1) // 2] + gaps[starts + counts // 2]) / 2.0
    interval = np.floor(median + 0.5).astype(np.int64)
    customers = owners[starts]
    # the last date of each customer ends its run of sorted keys
    ends = np.r_[partner[1:] != partner[:-1], True] if len(day) else np.array([], dtype=bool)
    last = day[ends][np.searchsorted(partner[ends], customers)]
    return pd.DataFrame(
        {
            "purchase_interval_days": interval,
            "next_purchase_date": EPOCH + pd.to_timedelta(last + interval, unit="D"),
        },
        index=pd.Index(customers, name="partner_id"),
    )


def revenue_change_percent(current, previous):
    """Revenue of the current window against the window before it, in
    percent (+25.0: a quarter more). No revenue before (none, or net of
    credit notes not positive) gives no percentage (NaN), never an infinite
    one or a drop."""
    current = pd.to_numeric(current).astype(float)
    previous = pd.to_numeric(previous).astype(float).reindex(current.index)
    with np.errstate(invalid="ignore", divide="ignore"):
        change = (current - previous) * 100.0 / previous
    return change.where(previous > 0)
