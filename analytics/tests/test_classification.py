"""Hand-computed cases for the ABC/XYZ engine."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics import (
    FACT_COLUMNS,
    RELATIVE_COLUMNS,
    ClassificationRules,
    ClassLimits,
    abc_classes,
    classify,
    computed_abc_limits,
    reconcile,
    share_xyz_limits,
    window_bounds,
    xyz_classes,
    xyz_variation,
)

RUN_DATE = date(2025, 1, 15)  # window: 2024-01 .. 2024-12
WINDOW_MONTHS = [f"2024-{m:02d}-01" for m in range(1, 13)]


def facts_from(series, first_dates=None, outside=None, abc_months=12, margins=None):
    """The aggregate the database returns for {partner: [12 monthly revenues
    of 2024]}: month rows, and a total row with the sums of the last
    `abc_months` months (margin half the revenue unless `margins` gives it).

    `first_dates` overrides a customer's first-ever sale (default: its first
    month with a non-zero value); `outside` adds out-of-window revenue.
    """
    rows = []
    for partner, revenues in series.items():
        dated = [(m, r) for m, r in zip(WINDOW_MONTHS, revenues, strict=True) if r]
        first = (first_dates or {}).get(partner) or (dated[0][0] if dated else "2023-06-01")
        last = dated[-1][0] if dated else first
        for month, revenue in dated:
            rows.append((partner, False, month, revenue, 1, None, None, None, None, None, None, None))
        if outside and partner in outside:
            rows.append((partner, False, None, outside[partner], 1, None, None, None, None, None, None, None))
        in_abc = revenues[12 - abc_months :]
        revenue = float(sum(in_abc))
        margin = (margins or {}).get(partner, revenue / 2)
        count = sum(1 for value in in_abc if value)
        rows.append((partner, True, None, None, None, revenue, margin, count, first, last, None, None))
    return pd.DataFrame(rows, columns=list(FACT_COLUMNS))


def classes(values, a=80.0, b=95.0):
    result = abc_classes(pd.Series(values, index=range(1, len(values) + 1), dtype=float), a, b)
    return result["abc_class_computed"].reindex(range(1, len(values) + 1)).tolist()


class TestAbc:
    def test_threshold_is_compared_with_share_before_the_customer(self):
        # shares before: 0, 50, 80, 95 -> A, A, B (80 is not below 80), C (95 not below 95)
        assert classes([50, 30, 15, 5]) == ["A", "A", "B", "C"]

    def test_customer_crossing_threshold_belongs_to_upper_class(self):
        # the second customer takes the cumulative share from 70 to 90: still A
        assert classes([70, 20, 10]) == ["A", "A", "B"]

    def test_equal_values_share_the_class_of_the_first(self):
        # alone, the third customer would start at 80 % and be B
        assert classes([60, 20, 20]) == ["A", "A", "A"]
        assert classes([40, 40, 10, 10]) == ["A", "A", "B", "B"]

    def test_non_positive_values_get_no_class(self):
        assert classes([100, 0, -20]) == ["A", np.nan, np.nan]

    def test_single_customer_is_a_with_full_share(self):
        result = abc_classes(pd.Series([123.0], index=[7]), 80, 95)
        assert result.loc[7].tolist() == [100.0, 100.0, "A"]

    def test_shares_are_percentages(self):
        result = abc_classes(pd.Series([50.0, 30.0, 20.0], index=[1, 2, 3]), 80, 95)
        assert result["abc_share"].tolist() == [50.0, 30.0, 20.0]
        assert result["abc_cumulative_share"].tolist() == [50.0, 80.0, 100.0]

    def test_custom_thresholds(self):
        # shares before: 0, 50 (not below 50), 80, 95
        assert classes([50, 30, 15, 5], a=50, b=90) == ["A", "B", "B", "C"]


class TestXyz:
    def run(self, rows, first=None, min_months=3):
        monthly = np.array(rows, dtype=float)
        first = np.zeros(len(rows), dtype=int) if first is None else np.array(first)
        variation = xyz_variation(monthly, first, min_months)
        return variation, xyz_classes(variation, 10.0, 25.0)

    def test_boundaries_are_inclusive(self):
        variation, result = self.run(
            [
                [100] * 12,  # CV 0
                [90, 110] * 6,  # CV exactly 0.10
                [89, 111] * 6,  # CV 0.11
                [75, 125] * 6,  # CV exactly 0.25
                [0, 200] * 6,  # CV 1
            ]
        )
        assert list(result) == ["X", "X", "Y", "Y", "Z"]
        assert variation[1] == pytest.approx(0.10)
        assert variation[4] == pytest.approx(1.0)

    def test_all_zero_months_give_no_class(self):
        variation, result = self.run([[0] * 12])
        assert result[0] is None and np.isnan(variation[0])

    def test_refunds_bigger_than_sales_give_no_class(self):
        _, result = self.run([[100, -300] + [0] * 10])
        assert result[0] is None

    def test_series_starts_at_first_sale(self):
        # first sale in the 10th month: series [100, 100, 100] -> X, not Z
        _, result = self.run([[0] * 9 + [100, 100, 100]], first=[9])
        assert result[0] == "X"

    def test_new_customer_with_short_history_is_not_unstable(self):
        _, result = self.run([[0] * 10 + [100, 5]], first=[10])
        assert result[0] is None

    def test_months_without_sale_count_as_zero(self):
        # 6 months of 100 and 6 empty months: mean 50, std 50 -> CV 1 -> Z
        variation, result = self.run([[100, 0] * 6])
        assert result[0] == "Z" and variation[0] == pytest.approx(1.0)


def computed_classes(values):
    """Computed limits and the classes they give, customers numbered from 1."""
    metric = pd.Series(values, index=range(1, len(values) + 1), dtype=float)
    limits = computed_abc_limits(metric)
    return limits, abc_classes(metric, *limits)["abc_class_computed"].reindex(metric.index).tolist()


class TestComputedAbc:
    """The computed ABC analysis on curves checked by hand: the k-th of n
    customers sits at (k / n, cumulative share through it)."""

    def test_break_even_before_pareto_point_closes_a(self):
        # 40 18 17 15 10 (total 100, mean 20): points (0.2, .40) (0.4, .58)
        # (0.6, .75) (0.8, .90) (1, 1). Squared distances to (0, 1): .40,
        # .3364, .4225, ...: Pareto point at 2 customers. Only 40 reaches the
        # mean: break-even at 1, so A|B at 1 customer; nearest to (0.4, 1):
        # .1764, .1025, .17: B|C at 3 customers.
        limits, classes = computed_classes([40, 18, 17, 15, 10])
        assert limits == pytest.approx((40.0, 75.0))
        assert classes == ["A", "B", "B", "C", "C"]

    def test_customer_at_the_mean_is_before_the_break_even_point(self):
        # 40 20 10 8 6 5 4 3 2 2 (total 100, mean 10): the third is at the
        # mean, break-even at 3; distances to (0, 1): .37, .20, .18, .2084:
        # Pareto point at 3 too. Nearest to (0.3, 1): .09, .0584, .0656: 4.
        limits, classes = computed_classes([40, 20, 10, 8, 6, 5, 4, 3, 2, 2])
        assert limits == pytest.approx((70.0, 78.0))
        assert classes == ["A", "A", "A", "B", *["C"] * 6]

    def test_order_and_scale_do_not_matter(self):
        limits, classes = computed_classes([1500, 1000, 4000, 1800, 1700])
        assert limits == pytest.approx((40.0, 75.0))
        assert classes == ["C", "C", "A", "B", "B"]

    def test_equal_values_share_the_class_of_the_first(self):
        # the curve is the diagonal: every point is a break-even point, the
        # last one is taken, and the Pareto point (0.5, 0.5) closes A
        limits, classes = computed_classes([5, 5, 5, 5])
        assert limits == pytest.approx((50.0, 100.0))
        assert classes == ["A", "A", "A", "A"]

    def test_a_single_customer_is_a(self):
        assert computed_classes([123]) == (pytest.approx((100.0, 100.0)), ["A"])

    def test_no_positive_value_finds_no_limit(self):
        limits, classes = computed_classes([0, -5])
        assert np.isnan(limits).all() and classes == [np.nan, np.nan]

    @pytest.mark.parametrize(
        ("name", "values"),
        [
            ("lognormal", np.random.default_rng(1).lognormal(8, 1.2, 400)),
            ("pareto", (np.random.default_rng(2).pareto(1.5, 150) + 1) * 1000),
            ("exponential", np.random.default_rng(3).exponential(500, 60)),
        ],
    )
    def test_limits_agree_with_the_abc_analysis_package(self, name, values):
        """The package reads the points off a spline on a grid of 1/100 or
        1/1000: its limits are within one customer or half a percent of the
        customers of ours, their cumulative shares within 2 points; it puts
        the customer at the A|B limit into B, so its A is one customer
        shorter."""
        abc_analysis = pytest.importorskip("abc_analysis").abc_analysis
        metric = pd.Series(np.round(values, 2), index=range(1, len(values) + 1))
        count = len(metric)
        limits, classes = computed_classes(metric)
        theirs = abc_analysis(metric.to_numpy())
        classes = pd.Series(classes, index=metric.index)
        ours_a, ours_ab = (classes == "A").sum() / count, (classes != "C").sum() / count
        tolerance = max(1 / count, 0.005)
        assert ours_a == pytest.approx(theirs["A"]["Effort"], abs=tolerance), name
        assert ours_ab == pytest.approx(theirs["C"]["Effort"], abs=tolerance), name
        assert limits[0] / 100 == pytest.approx(theirs["A"]["Yield"], abs=0.02), name
        assert limits[1] / 100 == pytest.approx(theirs["C"]["Yield"], abs=0.02), name
        assert set(metric.index[theirs["Aind"]]) <= set(classes.index[classes == "A"]), name


class TestXyzShare:
    def split(self, variation):
        variation = np.array(variation, dtype=float)
        limits = share_xyz_limits(variation)
        return limits, list(xyz_classes(variation, *limits))

    def test_thirty_fifty_rest(self):
        # ten coefficients in no order: the 3 lowest X, the next 5 Y, 2 Z
        limits, classes = self.split([0.9, 0.1, 0.5, 0.3, 0.05, 0.7, 0.2, 0.4, 0.6, 0.8])
        assert limits == pytest.approx((20.0, 70.0))
        assert classes == ["Z", "X", "Y", "Y", "X", "Y", "X", "Y", "Y", "Z"]

    def test_customers_without_a_coefficient_are_not_counted(self):
        limits, classes = self.split([np.nan, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, np.nan])
        assert limits == pytest.approx((30.0, 80.0))
        assert classes == [None, *"XXXYYYYYZZ", None]

    def test_the_customer_crossing_a_share_is_in_the_more_regular_class(self):
        # seven customers: shares before 0, 14, 29 (X), 43, 57, 71 (Y), 86 (Z)
        _limits, classes = self.split([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
        assert classes == [*"XXXYYYZ"]

    def test_equal_coefficients_share_the_class_of_the_first(self):
        _limits, classes = self.split([0.1, 0.2, 0.3, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
        assert classes == [*"XXXXYYYYZZ"]

    def test_no_coefficient_no_limit(self):
        limits, classes = self.split([np.nan])
        assert np.isnan(limits).all() and classes == [None]


class TestClassify:
    def test_full_classification(self):
        facts = facts_from(
            {
                1: [100] * 12,  # 1200, steady
                2: [0, 100] * 6,  # 600, irregular
                3: [10] * 12,  # 120
                4: [0] * 9 + [30, 30, 30],  # new customer, 90
            },
            first_dates={4: "2024-10-03"},
        )
        result, _limits = classify(facts, RUN_DATE, ClassificationRules())
        # total 2010: shares before 0, 59.7, 89.55, 95.52
        assert result["abc_class_computed"].tolist() == ["A", "A", "B", "C"]
        assert result["xyz_class"].tolist() == ["X", "Z", "X", "X"]
        assert result.loc[2, "classification_revenue"] == 600
        assert result.loc[2, "purchase_month_count"] == 6
        assert result.loc[4, "first_purchase_date"] == pd.Timestamp("2024-10-03")
        assert result.loc[1, "abc_share"] == pytest.approx(59.7015, abs=1e-4)

    def test_methods_and_the_limits_they_used(self):
        # revenue 480 216 204 180 120 (40, 18, 17, 15, 10 % of 1200: the
        # first curve of TestComputedAbc); coefficients of variation 0.5, 0,
        # 0.1, 0.2, 1
        facts = facts_from(
            {
                1: [20, 60] * 6,
                2: [18] * 12,
                3: [15.3, 18.7] * 6,
                4: [12, 18] * 6,
                5: [0, 20] * 6,
            }
        )
        result, limits = classify(facts, RUN_DATE, ClassificationRules())
        # fixed: shares before 0, 40, 58, 75 (below 80), 90 (below 95)
        assert result["abc_class_computed"].tolist() == ["A", "A", "A", "A", "B"]
        assert result["xyz_class"].tolist() == ["Z", "X", "X", "Y", "Z"]
        assert limits == ClassLimits("fixed", 80.0, 95.0, "variation", 10.0, 25.0)

        result, limits = classify(facts, RUN_DATE, ClassificationRules(abc_method="computed", xyz_method="share"))
        assert result["abc_class_computed"].tolist() == ["A", "B", "B", "C", "C"]
        # two of five (shares before 0 and 20 %) X, two (40, 60 %) Y, one Z
        assert result["xyz_class"].tolist() == ["Y", "X", "X", "Y", "Z"]
        assert limits == ClassLimits("computed", 40.0, 75.0, "share", 10.0, 50.0)

    def test_methods_without_customers_find_no_limits(self):
        facts = facts_from({1: [0] * 12})
        _result, limits = classify(facts, RUN_DATE, ClassificationRules(abc_method="computed", xyz_method="share"))
        assert limits == ClassLimits("computed", None, None, "share", None, None)

    def test_sales_outside_window_do_not_count(self):
        facts = facts_from({1: [0] * 12, 2: [10] * 12}, outside={1: 5000.0})
        result, _limits = classify(facts, RUN_DATE, ClassificationRules())
        assert pd.isna(result.loc[1, "abc_class_computed"])
        assert pd.isna(result.loc[1, "xyz_class"])
        assert result.loc[1, "classification_revenue"] == 0
        assert result.loc[2, "abc_class_computed"] == "A"

    def test_margin_and_count_metrics(self):
        facts = facts_from({1: [100] * 12, 2: [10] * 12}, margins={2: 12000.0})  # 12000 against 600
        by_margin, _limits = classify(facts, RUN_DATE, ClassificationRules(metric="margin"))
        assert by_margin["abc_class_computed"].tolist() == ["C", "A"]
        by_count, _limits = classify(facts, RUN_DATE, ClassificationRules(metric="count"))
        assert by_count["abc_class_computed"].tolist() == ["A", "A"]
        assert by_count.loc[1, "abc_metric_value"] == 12

    def test_order_of_the_rows_does_not_change_the_result(self):
        facts = facts_from({1: [100.07] * 12, 2: [0, 33.33] * 6, 3: [10.01] * 12, 4: [0] * 9 + [30, 30, 30]})
        shuffled = facts.sample(frac=1.0, random_state=7).reset_index(drop=True)
        rules = ClassificationRules(abc_method="computed", xyz_method="share")
        expected, limits = classify(facts, RUN_DATE, rules)
        result, shuffled_limits = classify(shuffled, RUN_DATE, rules)
        pd.testing.assert_frame_equal(result, expected)
        assert shuffled_limits == limits

    def test_shorter_abc_window(self):
        facts = facts_from({1: [100] * 6 + [0] * 6, 2: [0] * 6 + [10] * 6}, abc_months=3)
        result, _limits = classify(facts, RUN_DATE, ClassificationRules(abc_window_months=3))
        assert result.loc[1, "classification_revenue"] == 0
        assert result.loc[2, "abc_class_computed"] == "A"


class TestReconcile:
    def classified(self, series):
        return classify(facts_from(series), RUN_DATE, ClassificationRules())[0]

    def test_first_run_writes_everyone_and_records_changes(self):
        computed = self.classified({1: [100] * 12, 2: [1] * 12})
        to_write, changes, _relative = reconcile(computed, pd.DataFrame(), RUN_DATE)
        assert sorted(to_write.index) == [1, 2]
        assert to_write.loc[1, "abc_xyz_class"] == "AX"
        assert to_write.loc[1, "class_change_date"] == pd.Timestamp(RUN_DATE)
        assert changes.loc[1].tolist() == [None, "A", None, "X", 1200.0]

    def test_second_run_on_same_data_writes_nothing(self):
        computed = self.classified({1: [100] * 12, 2: [1] * 12, 3: [0, 5] * 6})
        stored, _changes, _relative = reconcile(computed, pd.DataFrame(), RUN_DATE)
        to_write, changes, _relative = reconcile(computed, stored, date(2025, 1, 16))
        assert to_write.empty and changes.empty

    def test_second_run_with_computed_limits_writes_nothing(self):
        facts = facts_from({1: [20, 60] * 6, 2: [18] * 12, 3: [15.3, 18.7] * 6, 4: [12, 18] * 6, 5: [0, 20] * 6})
        rules = ClassificationRules(abc_method="computed", xyz_method="share")
        stored, _changes, _relative = reconcile(classify(facts, RUN_DATE, rules)[0], pd.DataFrame(), RUN_DATE)
        to_write, changes, _relative = reconcile(classify(facts, RUN_DATE, rules)[0], stored, date(2025, 1, 16))
        assert to_write.empty and changes.empty

    def test_float_noise_below_the_stored_digits_is_no_change(self):
        computed = self.classified({1: [100] * 12, 2: [1] * 12, 3: [0, 5] * 6})
        stored, _changes, _relative = reconcile(computed, pd.DataFrame(), RUN_DATE)
        stored = stored.astype(object)
        stored.loc[1, "classification_margin"] = 600.0 + 1e-7
        stored.loc[3, "xyz_variation"] = computed.loc[3, "xyz_variation"] - 4e-6
        to_write, _changes, _relative = reconcile(computed, stored, date(2025, 1, 16))
        assert to_write.empty

    def test_a_change_at_the_stored_digits_is_written(self):
        computed = self.classified({1: [100] * 12, 2: [1] * 12})
        stored, _changes, _relative = reconcile(computed, pd.DataFrame(), RUN_DATE)
        stored = stored.astype(object)
        stored.loc[1, "classification_margin"] = 600.01
        to_write, _changes, _relative = reconcile(computed, stored, date(2025, 1, 16))
        assert to_write.index.tolist() == [1]
        assert to_write.loc[1, "classification_margin"] == 600.0

    def test_manual_class_wins_and_change_date_follows_computed_class(self):
        computed = self.classified({1: [100] * 12, 2: [1] * 12})
        stored, _changes, _relative = reconcile(computed, pd.DataFrame(), RUN_DATE)
        stored["abc_class_manual"] = [None, "A"]
        stored = stored.astype(object)
        to_write, changes, _relative = reconcile(computed, stored, date(2025, 2, 1))
        assert to_write.loc[2, "abc_class"] == "A"
        assert to_write.loc[2, "abc_class_computed"] == "C"
        assert to_write.loc[2, "abc_xyz_class"] == "AX"
        assert to_write.loc[2, "class_change_date"] == pd.Timestamp(RUN_DATE)
        assert changes.empty

    def test_customer_without_sales_any_more_is_cleared(self):
        stored, _changes, _relative = reconcile(self.classified({1: [100] * 12, 2: [1] * 12}), pd.DataFrame(), RUN_DATE)
        later = date(2025, 3, 1)
        to_write, changes, _relative = reconcile(self.classified({1: [100] * 12}), stored, later)
        assert to_write.loc[2, "abc_class"] is None
        assert to_write.loc[2, "classification_revenue"] is None
        assert to_write.loc[2, "class_change_date"] == pd.Timestamp(later)
        assert changes.loc[2, ["old_abc_class", "new_abc_class"]].tolist() == ["C", None]

    def test_shares_and_ranks_are_returned_apart_and_move_no_own_row(self):
        computed = self.classified({1: [100] * 12, 2: [1] * 12})
        stored, _changes, relative = reconcile(computed, pd.DataFrame(), RUN_DATE)
        assert not set(stored.columns) & set(RELATIVE_COLUMNS)
        assert relative.loc[[1, 2], "priority_rank"].tolist() == [1, 2]
        # a new customer with more revenue takes the first rank and a share
        # of the total: the others' shares and ranks move, their own figures
        # do not, so only the newcomer is written
        grown = self.classified({1: [100] * 12, 2: [1] * 12, 3: [200] * 12})
        to_write, _changes, relative = reconcile(grown, stored, date(2025, 1, 16))
        assert to_write.index.tolist() == [3]
        assert relative["priority_rank"].to_dict() == {1: 2, 2: 3, 3: 1}
        assert relative.loc[1, "abc_share"] == pytest.approx(1200 / 3612 * 100, abs=1e-4)

    def test_a_customer_cleared_has_no_rank(self):
        stored, _changes, _relative = reconcile(self.classified({1: [100] * 12, 2: [1] * 12}), pd.DataFrame(), RUN_DATE)
        _to_write, _changes, relative = reconcile(self.classified({1: [100] * 12}), stored, date(2025, 3, 1))
        assert relative.index.tolist() == [1]

    def test_manual_class_without_sales_is_kept(self):
        current = pd.DataFrame({"abc_class_manual": ["B"]}, index=pd.Index([9], name="partner_id"))
        to_write, changes, _relative = reconcile(self.classified({1: [100] * 12}), current, RUN_DATE)
        assert to_write.loc[9, "abc_class"] == "B"
        assert to_write.loc[9, "abc_xyz_class"] is None
        assert 9 not in changes.index


class TestRules:
    def test_defaults_are_valid(self):
        assert ClassificationRules().violations() == []

    @pytest.mark.parametrize(
        ("changes", "code"),
        [
            ({"abc_threshold_a": 95.0}, "abc_thresholds"),
            ({"abc_threshold_b": 100.0}, "abc_thresholds"),
            ({"abc_threshold_a": 0.0}, "abc_thresholds"),
            ({"xyz_threshold_x": 30.0}, "xyz_thresholds"),
            ({"xyz_threshold_x": 0.0}, "xyz_thresholds"),
            ({"abc_window_months": 0}, "windows"),
            ({"abc_window_months": 100000}, "windows"),
            ({"xyz_window_months": 121, "min_history_months": 3}, "windows"),
            ({"min_history_months": 0}, "min_history"),
            ({"min_history_months": 13}, "min_history"),
            ({"metric": "volume"}, "metric"),
            ({"abc_method": "auto"}, "abc_method"),
            ({"xyz_method": "cv"}, "xyz_method"),
        ],
    )
    def test_impossible_rules_are_named(self, changes, code):
        assert ClassificationRules(**changes).violations() == [code]

    def test_thresholds_count_only_where_their_method_uses_them(self):
        rules = ClassificationRules(
            abc_method="computed", abc_threshold_a=99.0, xyz_method="share", xyz_threshold_x=99.0
        )
        assert rules.violations() == []

    def test_window_is_full_months_before_the_run(self):
        assert window_bounds(date(2025, 1, 15), 12) == (date(2024, 1, 1), date(2025, 1, 1))
        assert window_bounds(date(2025, 3, 1), 2) == (date(2025, 1, 1), date(2025, 3, 1))
