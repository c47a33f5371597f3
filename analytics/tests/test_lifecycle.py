"""Hand-checked life cycles: new, lost, returning, churn."""

from datetime import date

import pandas as pd
import pytest

from analytics.lifecycle import (
    COUNT_COLUMNS,
    AnalysesSettings,
    base_counts,
    month_index,
    spells,
    status_changes,
    statuses,
)


def m(year, month):
    return month_index(date(year, month, 1))


def purchases(rows):
    return pd.DataFrame([{"partner_id": partner, "month": m(*ym)} for partner, ym in rows])


# customer 1: new in January 2024, last purchase in February, lost in August
# (6 months later), back in March 2025. Customer 2 buys every month of 2024
# and stops: lost in July 2025. Customer 3: one purchase in December 2024.
ROWS = [(1, (2024, 1)), (1, (2024, 2)), (1, (2025, 3))]
ROWS += [(2, (2024, month)) for month in range(1, 13)] + [(2, (2025, 1))]
ROWS += [(3, (2024, 12))]


def test_spells():
    result = spells(purchases(ROWS), 6)
    first = result[result["partner_id"] == 1]
    assert first[["start", "last", "lost"]].values.tolist() == [
        [m(2024, 1), m(2024, 2), m(2024, 8)],
        [m(2025, 3), m(2025, 3), m(2025, 9)],
    ]
    assert first["is_first"].tolist() == [True, False]
    # a gap of exactly the threshold (6 months) is no break
    assert len(spells(purchases([(9, (2024, 1)), (9, (2024, 7))]), 6)) == 1
    assert len(spells(purchases([(9, (2024, 1)), (9, (2024, 8))]), 6)) == 2
    with pytest.raises(ValueError):
        spells(purchases(ROWS), 0)


def test_spells_of_rows_in_any_order():
    """The months come from the database in no order, and a customer may
    follow a customer whose last month is later than its first one."""
    shuffled = purchases([ROWS[4], (3, (2024, 12)), *reversed(ROWS), ROWS[0]])
    result = spells(shuffled, 6)
    assert result.values.tolist() == [
        [1, m(2024, 1), m(2024, 2), m(2024, 8), True],
        [1, m(2025, 3), m(2025, 3), m(2025, 9), False],
        [2, m(2024, 1), m(2025, 1), m(2025, 7), True],
        [3, m(2024, 12), m(2024, 12), m(2025, 6), True],
    ]
    assert result.dtypes.tolist() == ["int64"] * 4 + ["bool"]
    none = spells(purchases([]).reindex(columns=["partner_id", "month"]), 6)
    assert none.empty
    assert list(none.columns) == ["partner_id", "start", "last", "lost", "is_first"]


def test_monthly_counts_by_hand():
    groups = pd.DataFrame({"user_id": [10, 10, 20]}, index=pd.Index([1, 2, 3], name="partner_id"))
    counts = base_counts(spells(purchases(ROWS), 6), groups, m(2025, 9), m(2024, 1))
    total = counts.groupby("period")[list(COUNT_COLUMNS)].sum()

    def row(year, month):
        return total.loc[m(year, month)].tolist()

    # January 2024: 1 and 2 are new, 2 active
    assert row(2024, 1) == [2, 0, 2, 0, 0]
    # August 2024: 1 is lost; churn = 1 lost / 2 active at the start
    assert row(2024, 8) == [1, 2, 0, 0, 1]
    # December 2024: 3 is new
    assert row(2024, 12) == [2, 1, 1, 0, 0]
    # March 2025: 1 returns
    assert row(2025, 3) == [3, 2, 0, 1, 0]
    # June 2025: 3 is lost (December + 6); July 2025: 2 is lost (January + 6)
    assert row(2025, 6) == [2, 3, 0, 0, 1]
    assert row(2025, 7) == [1, 2, 0, 0, 1]
    # September 2025: 1 is lost again (March + 6)
    assert row(2025, 9) == [0, 1, 0, 0, 1]
    # per salesperson: user 10 has customers 1 and 2
    by_user = counts[(counts["user_id"] == 10) & (counts["period"] == m(2024, 8))]
    assert by_user[["active_count", "active_start_count", "lost_count"]].values.tolist() == [[1, 2, 1]]


def test_quarter_and_year_counts():
    groups = pd.DataFrame({"user_id": [10, 10, 20]}, index=pd.Index([1, 2, 3], name="partner_id"))
    rows = spells(purchases(ROWS), 6)
    quarters = base_counts(rows, groups, m(2025, 9), m(2024, 1), "quarter").groupby("period").sum()
    # Q3 2024: 1 lost in August; active at the end of September: 2 only
    assert quarters.loc[m(2024, 7), ["active_count", "active_start_count", "lost_count"]].tolist() == [1, 2, 1]
    years = base_counts(rows, groups, m(2025, 9), m(2024, 1), "year").groupby("period").sum()
    # 2024: three new, one lost, two active at the end; net growth 3 - 1 = 2
    assert years.loc[m(2024, 1), ["active_count", "active_start_count", "new_count", "lost_count"]].tolist() == [
        2,
        0,
        3,
        1,
    ]
    # 2025 so far: 1 returns, lost: 3 (June), 2 (July), 1 (September)
    assert years.loc[m(2025, 1), ["active_count", "returning_count", "lost_count"]].tolist() == [0, 1, 3]


def test_periods_start_before_the_first_purchase():
    """The first period holds `first_month` even when it starts before any
    purchase and before that month: the quarter of February 2024 starts in
    January, with nothing in it but the purchases of ROWS."""
    groups = pd.DataFrame({"user_id": [10, 10, 20]}, index=pd.Index([1, 2, 3], name="partner_id"))
    rows = spells(purchases([(partner, ym) for partner, ym in ROWS if ym >= (2024, 2)]), 6)
    quarters = base_counts(rows, groups, m(2025, 9), m(2024, 2), "quarter").groupby("period").sum()
    assert quarters.index[0] == m(2024, 1)
    # 1 and 2 are new in February; 2's purchases go on, 1 is lost in August
    assert quarters.loc[m(2024, 1), ["active_count", "new_count", "lost_count"]].tolist() == [2, 2, 0]
    assert quarters.loc[m(2024, 7), ["active_count", "active_start_count", "lost_count"]].tolist() == [1, 2, 1]


def test_customers_without_a_group_are_counted():
    groups = pd.DataFrame({"user_id": [10.0]}, index=pd.Index([1], name="partner_id"))
    counts = base_counts(spells(purchases(ROWS), 6), groups, m(2024, 1), m(2024, 1))
    assert sorted(counts["new_count"].tolist()) == [1, 1]
    assert counts["user_id"].isna().sum() == 1


def test_statuses():
    def status_in(year, month):
        bought = purchases(ROWS)
        return statuses(spells(bought[bought["month"] <= m(year, month)], 6), m(year, month), 6).to_dict()

    assert status_in(2024, 2) == {1: "new", 2: "new"}
    # no purchase for 3 months (half the threshold): at risk
    assert status_in(2024, 5) == {1: "at_risk", 2: "new"}
    assert status_in(2024, 8) == {1: "lost", 2: "active"}
    assert status_in(2025, 4) == {1: "returned", 2: "at_risk", 3: "at_risk"}
    assert status_in(2025, 9) == {1: "lost", 2: "lost", 3: "lost"}


def test_status_changes():
    new = pd.Series({1: "lost", 2: "active", 3: "new"})
    stored = pd.Series({1: "at_risk", 2: "active", 4: "returned", 5: None})
    changed = status_changes(new, stored)
    assert changed.to_dict() == {1: "lost", 3: "new", 4: None}
    assert status_changes(new, new).empty


def test_settings_out_of_range_are_named():
    assert AnalysesSettings().violations() == []
    assert AnalysesSettings(churn_months=61).violations() == ["churn_months"]
    assert AnalysesSettings(growth_threshold=0.0).violations() == ["growth_threshold"]
    assert AnalysesSettings(churn_months=0, growth_threshold=1000.0).violations() == [
        "churn_months",
        "growth_threshold",
    ]
