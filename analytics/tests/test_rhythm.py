"""Hand-computed cases for the purchase rhythm and the priority rules."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics import FACT_COLUMNS, ClassificationRules, classify, reconcile
from analytics.priority import (
    CELLS,
    DEFAULT_CELL_ORDER,
    AttentionRules,
    class_drops,
    format_cell_order,
    parse_cell_order,
    priority_ranks,
)
from analytics.rhythm import (
    EPOCH,
    purchase_rhythm,
    revenue_change_percent,
    rhythm_start,
    sale_days_frame,
)


def day(text):
    return (pd.Timestamp(text) - EPOCH).days


def days_of(dates_by_partner):
    rows = [(partner, day(text)) for partner, dates in dates_by_partner.items() for text in dates]
    return pd.DataFrame(rows, columns=["partner_id", "day"])


class TestPurchaseRhythm:
    def test_every_thirty_days(self):
        # 2024-10-02, 11-01, 12-01: gaps 30 and 30 -> every 30 days, next 2024-12-31
        result = purchase_rhythm(days_of({7: ["2024-10-02", "2024-11-01", "2024-12-01"]}))
        assert result.loc[7, "purchase_interval_days"] == 30
        assert result.loc[7, "next_purchase_date"] == pd.Timestamp("2024-12-31")

    def test_interval_is_the_median_gap(self):
        # gaps 10, 30, 31, 90: median of four = (30 + 31) / 2 = 30.5 -> 31 (halves up)
        dates = ["2024-01-01", "2024-01-11", "2024-02-10", "2024-03-12", "2024-06-10"]
        result = purchase_rhythm(days_of({1: dates}))
        assert result.loc[1, "purchase_interval_days"] == 31
        assert result.loc[1, "next_purchase_date"] == pd.Timestamp("2024-07-11")

    def test_odd_number_of_gaps_takes_the_middle_one(self):
        # gaps 5, 60, 7 -> sorted 5, 7, 60 -> 7, whatever their order in time
        dates = ["2024-01-01", "2024-01-06", "2024-03-06", "2024-03-13"]
        assert purchase_rhythm(days_of({1: dates})).loc[1, "purchase_interval_days"] == 7

    def test_fewer_than_three_purchase_dates_have_no_rhythm(self):
        result = purchase_rhythm(days_of({1: ["2024-01-01", "2024-02-01"], 2: ["2024-01-01"]}))
        assert result.empty

    def test_several_documents_on_one_date_are_one_purchase(self):
        # three invoices on two dates: two purchase dates, no rhythm yet
        result = purchase_rhythm(days_of({1: ["2024-01-01", "2024-01-01", "2024-02-01"]}))
        assert result.empty
        # the same date again does not make a gap of 0
        result = purchase_rhythm(days_of({1: ["2024-01-01", "2024-01-01", "2024-01-21", "2024-02-10"]}))
        assert result.loc[1, "purchase_interval_days"] == 20

    def test_order_of_the_rows_does_not_matter_and_customers_stay_apart(self):
        frame = days_of(
            {
                1: ["2024-03-01", "2024-01-01", "2024-02-01"],  # gaps 31, 29 -> 30
                2: ["2024-01-05", "2024-01-12", "2024-01-19", "2024-01-26"],  # weekly
            }
        )
        result = purchase_rhythm(frame.sample(frac=1, random_state=3))
        assert result["purchase_interval_days"].to_dict() == {1: 30, 2: 7}
        assert result.loc[1, "next_purchase_date"] == pd.Timestamp("2024-03-31")
        assert result.loc[2, "next_purchase_date"] == pd.Timestamp("2024-02-02")

    def test_no_purchase_at_all(self):
        assert purchase_rhythm(days_of({})).empty


class TestSaleDaysFrame:
    def test_parses_postgres_arrays(self):
        frame = sale_days_frame([3, 4, 5, 6], ["{19723,19753}", None, "{}", "{19000}"])
        assert frame.to_dict("list") == {"partner_id": [3, 3, 6], "day": [19723, 19753, 19000]}

    def test_nothing_to_parse(self):
        frame = sale_days_frame([1], [np.nan])
        assert frame.empty and list(frame.columns) == ["partner_id", "day"]

    def test_day_numbers_are_days_since_1970(self):
        assert EPOCH + pd.Timedelta(days=19723) == pd.Timestamp("2024-01-01")


class TestRevenueChange:
    def test_percent_against_the_window_before(self):
        current = pd.Series({1: 700.0, 2: 1250.0, 3: 500.0})
        previous = pd.Series({1: 1000.0, 2: 1000.0, 3: 500.0})
        assert revenue_change_percent(current, previous).to_dict() == {1: -30.0, 2: 25.0, 3: 0.0}

    def test_no_revenue_before_gives_no_percentage(self):
        current = pd.Series({1: 700.0, 2: 100.0, 3: 0.0})
        previous = pd.Series({1: np.nan, 2: 0.0, 3: -50.0})
        assert revenue_change_percent(current, previous).isna().all()

    def test_window_start(self):
        assert rhythm_start(date(2025, 1, 15)) == date(2023, 1, 15)


def test_classify_adds_the_rhythm_and_the_trend():
    """The total row of the aggregate carries the purchase days and the
    revenue of the window before; classify turns them into stored columns."""
    rows = []
    for partner, revenue in ((1, 1000.0), (2, 100.0)):
        for month in range(1, 13):
            rows.append((partner, False, f"2024-{month:02d}-01", revenue, 1) + (None,) * 7)

    def array(*dates):
        return "{" + ",".join(str(day(text)) for text in dates) + "}"

    totals = {
        # 30-day rhythm, revenue 12000 after 15000: -20 %
        1: (12000.0, "2023-01-01", "2024-12-10", 15000.0, array("2024-10-11", "2024-11-10", "2024-12-10")),
        # two purchase dates: no rhythm; nothing before: no trend
        2: (1200.0, "2024-01-01", "2024-12-01", None, array("2024-11-01", "2024-12-01")),
    }
    for partner, (revenue, first, last, previous, days) in totals.items():
        rows.append((partner, True, None, None, None, revenue, revenue / 2, 12, first, last, previous, days))
    result, _limits = classify(pd.DataFrame(rows, columns=list(FACT_COLUMNS)), date(2025, 1, 15), ClassificationRules())
    assert result.loc[1, "purchase_interval_days"] == 30
    assert result.loc[1, "next_purchase_date"] == pd.Timestamp("2025-01-09")
    assert result.loc[1, "revenue_change_percent"] == -20.0
    assert np.isnan(result.loc[2, "purchase_interval_days"])
    assert pd.isna(result.loc[2, "next_purchase_date"])
    assert np.isnan(result.loc[2, "revenue_change_percent"])


class TestCellOrder:
    def test_default_order_is_the_methods(self):
        assert DEFAULT_CELL_ORDER == ("AX", "AY", "BX", "AZ", "BY", "CX", "BZ", "CY", "CZ")
        assert sorted(DEFAULT_CELL_ORDER) == sorted(CELLS)

    def test_parse_any_separator_and_case(self):
        assert parse_cell_order("ax ay bx, az;by > cx bz cy cz") == DEFAULT_CELL_ORDER
        assert parse_cell_order(format_cell_order(DEFAULT_CELL_ORDER)) == DEFAULT_CELL_ORDER

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "AX, AY, BX, AZ, BY, CX, BZ, CY",  # one missing
            "AX, AX, BX, AZ, BY, CX, BZ, CY, CZ",  # one twice
            "AX, AY, BX, AZ, BY, CX, BZ, CY, CZ, DX",  # not a cell
            "AX, AY, BX, AZ, BY, CX, BZ, CY, CZ please",
        ],
    )
    def test_refuses_what_does_not_name_each_cell_once(self, text):
        assert parse_cell_order(text) is None


class TestAttentionRules:
    def test_defaults_are_the_issues(self):
        rules = AttentionRules()
        assert (rules.overdue_tolerance, rules.class_drop_days, rules.revenue_down_percent) == (50.0, 30, 30.0)
        assert rules.violations() == []
        assert rules.enabled_reasons == ("overdue", "class_drop", "revenue_down", "no_activity", "contact_overdue")

    @pytest.mark.parametrize(
        ("changes", "code"),
        [
            ({"overdue_tolerance": 0}, "overdue_tolerance"),
            ({"overdue_tolerance": 1001}, "overdue_tolerance"),
            ({"class_drop_days": 0}, "class_drop_days"),
            ({"revenue_down_percent": 0}, "revenue_down_percent"),
            ({"revenue_down_percent": 120}, "revenue_down_percent"),
            ({"drop_activity_days": 0}, "drop_activity_days"),
            ({"cell_order": None}, "cell_order"),
            ({"cell_order": ("AX",)}, "cell_order"),
        ],
    )
    def test_impossible_rules_are_named(self, changes, code):
        assert AttentionRules(**changes).violations() == [code]

    def test_switched_off_rules_are_not_evaluated(self):
        assert AttentionRules(overdue=False, no_activity=False).enabled_reasons == (
            "class_drop",
            "revenue_down",
            "contact_overdue",
        )
        assert "contact_overdue" not in AttentionRules(contact_overdue=False).enabled_reasons


def test_class_drops():
    changes = pd.DataFrame(
        {
            "old_abc_class": ["A", "A", "B", "C", None, "A", "B", "A", "A"],
            "new_abc_class": ["B", "C", "C", "B", "A", None, "B", "A", "A"],
            "old_xyz_class": ["X", "X", "X", "X", None, "X", "X", "X", "Y"],
            "new_xyz_class": ["X", "X", "X", "X", "X", None, "Z", "Y", "X"],
        },
        index=range(1, 10),
    ).astype(object)
    # A->B, A->C, B->C, X->Z, X->Y drop; C->B and Y->X rise; a class that
    # appears (first run) or goes away is no drop
    assert class_drops(changes).to_dict() == {
        1: True,
        2: True,
        3: True,
        4: False,
        5: False,
        6: False,
        7: True,
        8: True,
        9: False,
    }


class TestPriorityRanks:
    cells = pd.Series({1: "BX", 2: "AX", 3: None, 4: "AX", 5: "CZ", 6: "AX"}, dtype=object)
    revenue = pd.Series({1: 100.0, 2: 50.0, 3: 999.0, 4: 70.0, 5: 10.0, 6: 50.0})

    def test_by_cell_priority_then_revenue_then_id(self):
        # AX: 4 (70), then 2 and 6 (50 each, by id); BX; CZ; no cell last
        ranks = priority_ranks(self.cells, self.revenue)
        assert ranks.to_dict() == {4: 1, 2: 2, 6: 3, 1: 4, 5: 5, 3: 6}

    def test_the_company_order_of_the_cells(self):
        order = ("CZ", "CY", "CX", "BZ", "BY", "BX", "AZ", "AY", "AX")
        ranks = priority_ranks(self.cells, self.revenue, order)
        assert ranks.sort_values().index.tolist() == [5, 1, 4, 2, 6, 3]

    def test_reconcile_ranks_on_the_effective_cell_and_a_rerun_writes_nothing(self):
        computed = pd.DataFrame(
            {
                "abc_class_computed": ["A", "B"],
                "xyz_class": ["Z", "X"],
                "classification_revenue": [900.0, 100.0],
            },
            index=pd.Index([1, 2], name="partner_id"),
        )
        stored, _changes, relative = reconcile(computed, pd.DataFrame(), date(2025, 1, 15))
        assert relative["priority_rank"].to_dict() == {1: 2, 2: 1}, "BX comes before AZ by default"
        current = stored.copy()
        current["abc_class_manual"] = [None, "C"]  # 2 is CX by hand: after AZ now
        to_write, _changes, relative = reconcile(computed, current, date(2025, 1, 16))
        assert relative["priority_rank"].to_dict() == {1: 1, 2: 2}
        assert to_write.index.tolist() == [2], "its cell is its own figure; the ranks are stored apart"
        to_write, _changes, _relative = reconcile(computed, stored.assign(abc_class_manual=None), date(2025, 1, 16))
        assert to_write.empty
