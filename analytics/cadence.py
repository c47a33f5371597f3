"""Contact cadence: how often each customer is contacted, and which cadence
pays, per profile of customers.

A *contact* is a call, a visit, a meeting or an email with a customer,
counted once per day and kind (the Odoo layer builds them from the done
activities, meetings and sent emails); each has a cost. Pure pandas, numpy
and scipy: the Odoo layer hands in the contacts and sales per customer and
month and writes back what comes out.

**Cadence of a customer-month**, by its contacts: ``daily`` (16 or more),
``twice_weekly`` (8 to 15), ``weekly`` (4 to 7), ``biweekly`` (2 or 3),
``monthly`` (1), ``none`` (0); a month without any contact in it nor in the
two months before it (about 90 days) is ``dormant``.

**What a cadence brings**: the margin of the *following* month(s) (the
horizon, default 1: a visit this month sells next month), less the cost of
this month's contacts: the *net margin* of the customer-month. Averaging it
per cadence over customers compares big customers (called often because
they are big) with small ones (called rarely): size passes for effect. So
each customer is also compared **with itself**: its months at a cadence
against its own average (customer fixed effects, the "within" comparison of
panel data). A customer always called at the same cadence adds nothing to
it; customers whose cadence changed tell what the change brought.

**Recommendation** of a profile (a cell of the ABC-XYZ matrix, a segment):
the cadence of the highest within-customer net margin per customer-month
among the cadences with at least `min_customers` customers behind them,
never a cadence the profile has no data for, and only when the customers
served at both it and the runner-up did better at it beyond chance (a
paired t-test, see `recommend`); otherwise the profile "cannot tell them
apart" and no interval is recommended.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .lifecycle import month_index
from .rhythm import EPOCH, purchase_rhythm

# the cadences, most frequent first, and the fewest contacts in a month of
# each cadence counted from contacts (dormant comes from the months before)
CADENCES = ("daily", "twice_weekly", "weekly", "biweekly", "monthly", "none", "dormant")
CADENCE_FLOORS = (("daily", 16), ("twice_weekly", 8), ("weekly", 4), ("biweekly", 2), ("monthly", 1))
# months without any contact that make a month dormant: it and the two before (about 90 days)
DORMANT_MONTHS = 3
# days between two contacts that each cadence stands for (a dormant
# customer is not to be contacted, so it has none)
INTERVAL_DAYS = {
    "daily": 1,
    "twice_weekly": 3,
    "weekly": 7,
    "biweekly": 14,
    "monthly": 30,
    "none": 60,
    "dormant": None,
}
# what the cadence analysis stores per customer and company
CONTACT_COLUMNS = (
    "last_contact_date",
    "contact_count_90d",
    "contact_interval_days",
    "recommended_contact_interval_days",
    "next_contact_date",
)
# the customer's contact figures: contacts in the last RECENT_DAYS days, the
# usual interval over the last STATS_MONTHS months from MIN_CONTACTS contact dates
RECENT_DAYS = 90
STATS_MONTHS = 6
MIN_CONTACTS = 3
# the test of a recommendation against its runner-up
SIGNIFICANCE = 0.05
STATES = ("recommended", "undecided", "single", "no_data")
MONEY_DIGITS = 2
PANEL_COLUMNS = (
    "partner_id",
    "month",
    "contact_count",
    "contact_cost",
    "cadence",
    "revenue",
    "margin",
    "next_revenue",
    "next_margin",
    "net_margin",
    "net_margin_vs_own",
)
# per customer and cadence: its customer-months and their net margin summed (cadence_sums)
SUM_COLUMNS = ("partner_id", "cadence", "month_count", "net_margin")
RECOMMENDATION_COLUMNS = (
    "profile",
    "state",
    "cadence",
    "leading_cadence",
    "runner_up_cadence",
    "customer_count",
    "month_count",
    "net_margin_per_month",
    "runner_up_net_margin",
    "difference",
    "plain_net_margin_per_month",
    "p_value",
    "interval_days",
)


@dataclass(frozen=True)
class CadenceSettings:
    """The settings of one company's cadence analysis: the months of sales
    after a month that its contacts are credited with (`horizon_months`),
    the months analysed (`window_months`, ending with the last month whose
    horizon is over) and the customers a cadence needs to be recommended."""

    horizon_months: int = 1
    window_months: int = 12
    min_customers: int = 10

    def violations(self):
        """Codes of the settings that cannot work; empty when all is well."""
        problems = []
        if not 1 <= self.horizon_months <= 6:
            problems.append("horizon_months")
        if not 3 <= self.window_months <= 36:
            problems.append("window_months")
        if not 1 <= self.min_customers <= 100000:
            problems.append("min_customers")
        return problems


def analysed_months(run_date, settings):
    """(first, last) month numbers analysed on `run_date`: the last is the
    latest month whose horizon lies in full months before the run date's."""
    last = month_index(run_date) - 1 - settings.horizon_months
    return last - settings.window_months + 1, last


def sales_months(run_date, settings):
    """(first, last) month numbers of the sales the panel reads on
    `run_date` (see cadence_panel): the analysed months and their horizon,
    which ends with the month before the run date's."""
    first, last = analysed_months(run_date, settings)
    return first, last + settings.horizon_months


def cadence_of(contacts, contacted_recently):
    """The cadence of customer-months (arrays): by their number of contacts,
    and dormant when neither the month nor the two before have any
    (`contacted_recently` false)."""
    contacts = np.asarray(contacts)
    choices = [contacts >= floor for _name, floor in CADENCE_FLOORS]
    names = [name for name, _floor in CADENCE_FLOORS]
    cadence = np.select(choices, names, default="none").astype(object)
    cadence[~np.asarray(contacted_recently, dtype=bool)] = "dormant"
    return cadence


def contact_stats(days, last_days, run_date):
    """The contact figures of each customer on `run_date`.

    `days` holds (partner_id, day, contact_count): the contacts of each day
    (whole days since EPOCH) over the last STATS_MONTHS months up to the run
    date; `last_days` the last contact day ever of each customer (a Series
    indexed by partner_id). Returns a frame indexed by partner_id with
    last_contact_date, contact_count_90d (contacts in the RECENT_DAYS days
    ending with the run date) and contact_interval_days (the median gap
    between the distinct contact dates, from MIN_CONTACTS dates; missing
    otherwise), for every customer of `last_days`.
    """
    today = (pd.Timestamp(run_date) - EPOCH).days
    result = pd.DataFrame(index=pd.Index(last_days.index.astype(np.int64), name="partner_id"))
    result["last_contact_date"] = EPOCH + pd.to_timedelta(last_days.to_numpy(np.int64), unit="D")
    recent = days[(days["day"] > today - RECENT_DAYS) & (days["day"] <= today)]
    counts = recent.groupby("partner_id")["contact_count"].sum()
    result["contact_count_90d"] = counts.reindex(result.index, fill_value=0).astype(np.int64)
    rhythm = purchase_rhythm(days[days["day"] <= today][["partner_id", "day"]], MIN_CONTACTS)
    result["contact_interval_days"] = rhythm["purchase_interval_days"].reindex(result.index).astype("Int64")
    return result


def next_contacts(stats, intervals):
    """When each customer is to be contacted next: its last contact plus
    its recommended interval (`intervals`, days per partner_id; missing
    where none applies). A customer never contacted, or without a
    recommendation, has no next contact date."""
    interval = intervals.reindex(stats.index)
    return stats["last_contact_date"] + pd.to_timedelta(interval, unit="D")


def cadence_panel(contacts, sales, run_date, settings):
    """One row per customer and analysed month (PANEL_COLUMNS).

    `contacts` holds (partner_id, month, contact_count, contact_cost) and
    `sales` (partner_id, month, revenue, margin), months as month numbers
    (lifecycle.month_index), from two months before the first analysed
    month on. A customer is analysed from the later of the first analysed
    month and the first month it was contacted or bought in, as long as it
    was contacted or bought in the analysed months or their horizon.
    next_revenue and next_margin are the monthly average of the horizon's
    months; net_margin is next_margin less the month's contact cost;
    net_margin_vs_own is net_margin less the customer's average net margin
    over its analysed months. Money is rounded to cents.
    """
    first, last = analysed_months(run_date, settings)
    horizon = settings.horizon_months
    origin = first - (DORMANT_MONTHS - 1)  # column 0 of the dense arrays
    span = last + horizon - origin + 1
    contacts = contacts[(contacts["month"] >= origin) & (contacts["month"] <= last)]
    sales = sales[sales["month"].between(*sales_months(run_date, settings))]
    customers = np.union1d(contacts["partner_id"].to_numpy(np.int64), sales["partner_id"].to_numpy(np.int64))
    if not len(customers) or last < first:
        return _empty_panel()

    def dense(frame, column):
        values = np.zeros((len(customers), span))
        rows = np.searchsorted(customers, frame["partner_id"].to_numpy(np.int64))
        np.add.at(values, (rows, frame["month"].to_numpy(np.int64) - origin), frame[column].to_numpy(float))
        return values

    count, cost = dense(contacts, "contact_count"), dense(contacts, "contact_cost")
    revenue, margin = dense(sales, "revenue"), dense(sales, "margin")
    seen = (count > 0) | (revenue != 0) | (margin != 0)
    # from the first month seen (a contact of the two months before the
    # window counts), not before the first analysed one; not at all when
    # seen before the window only
    start = np.maximum(np.argmax(seen, axis=1), first - origin)
    start[~seen[:, first - origin :].any(axis=1)] = span
    columns = np.arange(first - origin, last - origin + 1)
    in_panel = columns[None, :] >= start[:, None]
    rows, offsets = np.nonzero(in_panel)
    months = columns[offsets]
    recent = sum(count[rows, months - back] for back in range(DORMANT_MONTHS)) > 0
    following = np.arange(1, horizon + 1)
    next_revenue = revenue[rows[:, None], months[:, None] + following].mean(axis=1)
    next_margin = margin[rows[:, None], months[:, None] + following].mean(axis=1)
    panel = pd.DataFrame(
        {
            "partner_id": customers[rows],
            "month": months + origin,
            "contact_count": count[rows, months].astype(np.int64),
            "contact_cost": cost[rows, months],
            "cadence": cadence_of(count[rows, months], recent),
            "revenue": revenue[rows, months],
            "margin": margin[rows, months],
            "next_revenue": next_revenue,
            "next_margin": next_margin,
        }
    )
    for column in ("contact_cost", "revenue", "margin", "next_revenue", "next_margin"):
        panel[column] = panel[column].round(MONEY_DIGITS)
    panel["net_margin"] = (panel["next_margin"] - panel["contact_cost"]).round(MONEY_DIGITS)
    own = panel.groupby("partner_id")["net_margin"].transform("mean")
    panel["net_margin_vs_own"] = (panel["net_margin"] - own).round(MONEY_DIGITS)
    return panel[list(PANEL_COLUMNS)]


def _empty_panel():
    kinds = {"partner_id": np.int64, "month": np.int64, "contact_count": np.int64, "cadence": object}
    return pd.DataFrame({column: pd.Series(dtype=kinds.get(column, float)) for column in PANEL_COLUMNS})


def paired_p_value(differences):
    """Two-sided p-value of the paired t-test of `differences` (one per
    customer, at least two) against 0. Differences without any spread are
    sure when they are not 0 (p 0), and say nothing when they are (p 1)."""
    differences = np.asarray(differences, float)
    mean = differences.mean()
    error = differences.std(ddof=1) / np.sqrt(len(differences))
    if error <= 1e-9 * max(1.0, abs(mean)):
        return 0.0 if abs(mean) > 1e-9 else 1.0
    return float(2 * stats.t.sf(abs(mean) / error, len(differences) - 1))


def cadence_sums(panel):
    """Per customer and cadence of `panel` (cadence_panel rows): its
    customer-months and their net margin summed (SUM_COLUMNS), all that
    recommend reads of them. The panel is dense: every month counted has its
    net margin."""
    return panel.groupby(["partner_id", "cadence"], as_index=False).agg(
        month_count=("net_margin", "size"), net_margin=("net_margin", "sum")
    )[list(SUM_COLUMNS)]


def customer_table(sums):
    """Each customer's months and summed net margin per cadence of `sums`
    (cadence_sums rows): two frames, a row per customer and a column per
    cadence (in CADENCES order), 0 where it was never served so. A customer
    listed twice among a profile's members counts twice, as its months did."""
    table = (
        sums.groupby(["partner_id", "cadence"])[["month_count", "net_margin"]].sum().unstack("cadence", fill_value=0)
    )
    cadences = sorted(table["month_count"].columns, key=CADENCES.index)
    return table["month_count"][cadences], table["net_margin"][cadences]


def within_estimates(months, margins):
    """The net margin per customer-month of each cadence (customer_table
    of one profile), each customer compared with itself: the least squares
    fit of the customer-months' net margin on one dummy per cadence after
    subtracting each customer's own average from both (customer fixed
    effects), put back on the profile's scale (the estimates average, over
    the months, to the profile's average net margin).

    The months of a customer at one cadence share their row of the design:
    the fit is solved on one row per customer and cadence served, weighted
    by its months (with n those months, N and S the customer's months and
    net margin: (e - n/N) sqrt(n) against (s/n - S/N) sqrt(n)), whose normal
    equations are those of the months. By lstsq, not by inverting the
    normal equations: their matrix has an exact null direction (every
    cadence moved together) that rounding fills with noise, which pinv
    then inverts (0.3 to 0.8 a month off at 5,000 customers). Cadences that no
    customer links (nobody was served at both, directly or through others)
    cannot be compared: the fit then takes the smallest solution, and the
    pair test of `recommend` finds no customer to compare them on."""
    served = months.to_numpy(float)
    earned = margins.to_numpy(float)
    own_months = served.sum(axis=1)
    own_average = earned.sum(axis=1) / own_months
    customer, cadence = np.nonzero(served)
    weight = np.sqrt(served[customer, cadence])
    design = (np.eye(served.shape[1])[cadence] - served[customer] / own_months[customer, None]) * weight[:, None]
    target = (earned[customer, cadence] / served[customer, cadence] - own_average[customer]) * weight
    effects = np.linalg.lstsq(design, target, rcond=None)[0]
    cadence_months = served.sum(axis=0)
    average = earned.sum() / cadence_months.sum()
    return pd.Series(effects + average - cadence_months @ effects / cadence_months.sum(), index=months.columns)


def recommend(sums, members, settings):
    """The recommended cadence of each profile (RECOMMENDATION_COLUMNS).

    `sums` comes from cadence_sums (or is read summed so from the stored
    cadence report); `members` holds (profile, partner_id):
    the customers of each profile (a customer may be in several profiles,
    such as its cell and segments; a profile without customers has a
    missing partner_id, and gets its row all the same). Per profile and cadence: its
    customer-months, its customers, the plain average net margin per
    customer-month and the within-customer one (within_estimates). The
    leading cadence is the one of the highest within-customer net margin
    among those with at least `min_customers` customers, the runner-up the
    next one. The state says whether the leader is `recommended`, `undecided`
    (the data cannot tell the two apart), `single` (no other cadence to
    compare with) or `no_data` (no cadence has enough customers). Only a
    recommended cadence has an interval.

    The leader is recommended when the customers served at both cadences
    did better at the leader's: a paired t-test at 5 % (SIGNIFICANCE) of
    their differences (per customer, its average net margin at the leader's
    cadence less its average at the runner-up's). Per customer, because a
    customer's months are not independent draws: counting months would
    pretend to far more evidence than there is; paired, because each
    customer is its own control (a big customer called more often is
    compared with itself, never with a small one). Fewer than two such
    customers cannot tell the two apart.
    """
    known = members.dropna(subset=["partner_id"]).astype({"partner_id": np.int64})
    groups = dict(list(known.merge(sums, on="partner_id").groupby("profile")))
    rows = [
        _recommend_profile(profile, groups.get(profile, sums.iloc[:0]), settings)
        for profile in members["profile"].drop_duplicates()
    ]
    return pd.DataFrame(rows, columns=list(RECOMMENDATION_COLUMNS))


def _recommend_profile(profile, sums, settings):
    result = dict.fromkeys(RECOMMENDATION_COLUMNS)
    result.update(profile=profile, state="no_data")
    if sums.empty:
        return result
    months, margins = customer_table(sums)
    cadence_months = months.sum()
    by_cadence = pd.DataFrame(
        {"customers": (months > 0).sum(), "months": cadence_months, "plain": margins.sum() / cadence_months}
    )
    by_cadence["within"] = within_estimates(months, margins)
    eligible = by_cadence[by_cadence["customers"] >= settings.min_customers]
    if eligible.empty:
        return result
    # highest within-customer net margin first; a tie goes to the less frequent cadence (cheaper to serve)
    order = sorted(
        eligible.index, key=lambda cadence: (-round(eligible.at[cadence, "within"], 6), -CADENCES.index(cadence))
    )
    leader = order[0]
    result.update(
        leading_cadence=leader,
        customer_count=int(eligible.at[leader, "customers"]),
        month_count=int(eligible.at[leader, "months"]),
        net_margin_per_month=round(float(eligible.at[leader, "within"]), MONEY_DIGITS),
        plain_net_margin_per_month=round(float(eligible.at[leader, "plain"]), MONEY_DIGITS),
        state="single",
    )
    if len(order) == 1:
        return result
    runner_up = order[1]
    result.update(
        runner_up_cadence=runner_up,
        runner_up_net_margin=round(float(eligible.at[runner_up, "within"]), MONEY_DIGITS),
        difference=round(float(eligible.at[leader, "within"] - eligible.at[runner_up, "within"]), MONEY_DIGITS),
        state="undecided",
    )
    means = margins / months.where(months > 0)
    differences = (means[leader] - means[runner_up]).dropna()
    if len(differences) < 2:
        return result
    p_value = paired_p_value(differences)
    result["p_value"] = round(p_value, 6)
    if p_value < SIGNIFICANCE and differences.mean() > 0 and result["difference"] > 0:
        result.update(state="recommended", cadence=leader, interval_days=INTERVAL_DAYS[leader])
    return result
