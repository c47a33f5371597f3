"""Hand-computed cases for the contact cadence: the cadences, the customers'
contact figures, the panel of customer-months and the recommendation."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.cadence import (
    CADENCES,
    CadenceSettings,
    analysed_months,
    cadence_of,
    cadence_panel,
    cadence_sums,
    contact_stats,
    customer_table,
    next_contacts,
    paired_p_value,
    recommend,
    within_estimates,
)
from analytics.lifecycle import month_index
from analytics.rhythm import EPOCH

# analysed on 15 June 2025 with a horizon of one month: the last analysed
# month is April (its horizon, May, is the last full month)
RUN_DATE = date(2025, 6, 15)
FEBRUARY, MARCH, APRIL, MAY = (month_index(date(2025, month, 1)) for month in (2, 3, 4, 5))


def day(text):
    return (pd.Timestamp(text) - EPOCH).days


def frames(contact_rows, sale_rows, cost_per_contact):
    contacts = pd.DataFrame(contact_rows, columns=["partner_id", "month", "contact_count"])
    contacts["contact_cost"] = contacts["contact_count"] * cost_per_contact
    sales = pd.DataFrame(sale_rows, columns=["partner_id", "month", "revenue", "margin"])
    return contacts, sales


class TestCadences:
    def test_contacts_per_month(self):
        contacts = [40, 16, 15, 8, 7, 4, 3, 2, 1, 0]
        assert list(cadence_of(contacts, [True] * 10)) == [
            "daily",
            "daily",
            "twice_weekly",
            "twice_weekly",
            "weekly",
            "weekly",
            "biweekly",
            "biweekly",
            "monthly",
            "none",
        ]

    def test_no_contact_for_three_months_is_dormant(self):
        assert list(cadence_of([0, 0], [True, False])) == ["none", "dormant"]

    def test_settings(self):
        assert CadenceSettings().violations() == []
        assert CadenceSettings(horizon_months=0, window_months=2, min_customers=0).violations() == [
            "horizon_months",
            "window_months",
            "min_customers",
        ]

    def test_analysed_months_end_before_the_horizon(self):
        assert analysed_months(RUN_DATE, CadenceSettings(window_months=3)) == (FEBRUARY, APRIL)
        assert analysed_months(RUN_DATE, CadenceSettings(horizon_months=2, window_months=3)) == (
            FEBRUARY - 1,
            MARCH,
        )


class TestContactStats:
    def test_last_contact_count_and_interval(self):
        # partner 1, on 30 June 2025: contacts on 15 January, 10 April, 20 May
        # and 1 June (two that day); the last 90 days start after 1 April:
        # 1 + 1 + 2 = 4 contacts; gaps 85, 40 and 12 days -> median 40.
        # partner 2: two contact dates only -> no interval.
        days = pd.DataFrame(
            [
                (1, day("2025-01-15"), 1),
                (1, day("2025-04-10"), 1),
                (1, day("2025-05-20"), 1),
                (1, day("2025-06-01"), 2),
                (2, day("2025-02-01"), 1),
                (2, day("2025-03-01"), 1),
            ],
            columns=["partner_id", "day", "contact_count"],
        )
        last = pd.Series({1: day("2025-06-01"), 2: day("2025-03-01"), 3: day("2023-05-05")})
        result = contact_stats(days, last, date(2025, 6, 30))
        assert result.loc[1, "last_contact_date"] == pd.Timestamp("2025-06-01")
        assert result.loc[1, "contact_count_90d"] == 4
        assert result.loc[1, "contact_interval_days"] == 40
        assert result.loc[2, "contact_count_90d"] == 0
        assert pd.isna(result.loc[2, "contact_interval_days"])
        # contacted long ago only: its last contact, nothing recent
        assert result.loc[3, "last_contact_date"] == pd.Timestamp("2023-05-05")
        assert result.loc[3, "contact_count_90d"] == 0

    def test_next_contact_is_the_last_one_plus_the_recommended_interval(self):
        stats = pd.DataFrame(
            {"last_contact_date": pd.to_datetime(["2025-06-01", "2025-05-01"])}, index=pd.Index([1, 2])
        )
        result = next_contacts(stats, pd.Series({1: 7}))
        assert result.loc[1] == pd.Timestamp("2025-06-08")
        assert pd.isna(result.loc[2])  # no recommendation, no next contact


class TestPanel:
    def test_months_horizon_and_dormancy(self):
        # horizon 2, window 3: January to March 2025 (March's horizon ends with May)
        settings = CadenceSettings(horizon_months=2, window_months=3)
        january = FEBRUARY - 1
        contacts, sales = frames(
            [(1, january - 2, 1), (1, MARCH, 5)],
            [(1, FEBRUARY, 100.0, 40.0), (1, APRIL, 300.0, 90.0), (2, MAY, 50.0, 10.0)],
            cost_per_contact=10.0,
        )
        panel = cadence_panel(contacts, sales, RUN_DATE, settings).set_index(["partner_id", "month"])
        # customer 1: contacted in November (two months before January): January is "none",
        # February has no contact for three months: dormant; March: 5 contacts, weekly
        assert list(panel.loc[1, "cadence"]) == ["none", "dormant", "weekly"]
        # the horizon's months averaged: January -> (February + March) / 2 = 50 revenue, 20 margin
        assert panel.loc[(1, january), "next_revenue"] == 50.0
        assert panel.loc[(1, january), "next_margin"] == 20.0
        # March -> (April + May) / 2 = 150 and 45, less 5 contacts at 10: net 45 - 50 = -5
        assert panel.loc[(1, MARCH), "next_margin"] == 45.0
        assert panel.loc[(1, MARCH), "contact_cost"] == 50.0
        assert panel.loc[(1, MARCH), "net_margin"] == -5.0
        # February -> (March + April) / 2 = 45 margin, no contact: net 45
        assert panel.loc[(1, FEBRUARY), "net_margin"] == 45.0
        # each month against the customer's own average net margin: (20 + 45 - 5) / 3 = 20
        assert list(panel.loc[1, "net_margin_vs_own"]) == [0.0, 25.0, -25.0]
        assert panel.loc[(1, FEBRUARY), "revenue"] == 100.0
        # customer 2 bought in May only, beyond the analysed months: not analysed
        assert 2 not in panel.index.get_level_values("partner_id")

    def test_a_customer_is_analysed_from_its_first_month(self):
        settings = CadenceSettings(window_months=3)
        contacts, sales = frames([(1, MARCH, 1)], [(1, APRIL, 10.0, 5.0)], cost_per_contact=0.0)
        panel = cadence_panel(contacts, sales, RUN_DATE, settings)
        assert list(panel["month"]) == [MARCH, APRIL]
        assert list(panel["cadence"]) == ["monthly", "none"]

    def test_nothing_to_analyse(self):
        contacts, sales = frames([], [], cost_per_contact=0.0)
        panel = cadence_panel(contacts, sales, RUN_DATE, CadenceSettings())
        assert panel.empty
        assert panel["partner_id"].dtype == np.int64


def documents_example():
    """The documents' example, a month being four weeks: shops restocked
    every day (20 visits a month) sell 100,000 a week, every three days (10
    visits) 95,000, weekly (4 visits) 70,000, in the month after; the goods
    leave a margin of 25 %; each visit costs 1,000. Three shops, each a
    month at each frequency (February to April 2025), in turns."""
    visits = {"daily": 20, "every_three_days": 10, "weekly": 4}
    weekly_sales = {"daily": 100000.0, "every_three_days": 95000.0, "weekly": 70000.0}
    turns = {
        1: ("daily", "every_three_days", "weekly"),
        2: ("every_three_days", "weekly", "daily"),
        3: ("weekly", "daily", "every_three_days"),
    }
    contact_rows, sale_rows = [], []
    for shop, frequencies in turns.items():
        sale_rows.append((shop, FEBRUARY, 300000.0, 75000.0))
        for month, frequency in zip((FEBRUARY, MARCH, APRIL), frequencies, strict=True):
            contact_rows.append((shop, month, visits[frequency]))
            revenue = 4 * weekly_sales[frequency]
            sale_rows.append((shop, month + 1, revenue, revenue * 0.25))
    return frames(contact_rows, sale_rows, cost_per_contact=1000.0)


class TestRecommendation:
    def test_documents_example_follows_net_margin_not_revenue(self):
        contacts, sales = documents_example()
        settings = CadenceSettings(window_months=3, min_customers=3)
        panel = cadence_panel(contacts, sales, RUN_DATE, settings)
        by_cadence = panel.groupby("cadence")[["next_revenue", "net_margin"]].mean()
        # revenue says every day: 400,000 against 380,000 and 280,000
        assert by_cadence["next_revenue"].idxmax() == "daily"
        # net margin: daily 100,000 - 20,000 = 80,000; every three days
        # 95,000 - 10,000 = 85,000; weekly 70,000 - 4,000 = 66,000
        assert by_cadence["net_margin"].to_dict() == {"daily": 80000.0, "twice_weekly": 85000.0, "weekly": 66000.0}
        members = pd.DataFrame({"profile": "shops", "partner_id": [1, 2, 3]})
        [result] = recommend(cadence_sums(panel), members, settings).to_dict("records")
        assert result["state"] == "recommended"
        assert result["cadence"] == result["leading_cadence"] == "twice_weekly"
        assert result["interval_days"] == 3
        assert result["runner_up_cadence"] == "daily"
        assert result["net_margin_per_month"] == 85000.0
        assert result["runner_up_net_margin"] == 80000.0
        assert result["difference"] == 5000.0
        assert (result["customer_count"], result["month_count"]) == (3, 3)
        assert result["p_value"] == 0.0  # every shop gained exactly 5,000 a month

    def test_cadences_with_too_few_customers_are_not_recommended(self):
        contacts, sales = documents_example()
        settings = CadenceSettings(window_months=3, min_customers=4)
        panel = cadence_panel(contacts, sales, RUN_DATE, settings)
        members = pd.DataFrame({"profile": "shops", "partner_id": [1, 2, 3]})
        [result] = recommend(cadence_sums(panel), members, settings).to_dict("records")
        assert result["state"] == "no_data"
        assert result["cadence"] is None and result["leading_cadence"] is None

    def test_bigger_customers_called_more_gain_nothing(self):
        # Four big customers are called daily (20 calls) or twice a week (10)
        # in turns, four medium ones twice a week or weekly (5), four small
        # ones weekly or every other week (2); each earns the same margin
        # every month whatever the calls (50,000, 20,000, 5,000); a call
        # costs 100. Across customers the daily months look best (48,000 of
        # net margin against 4,800 every other week): size passing for
        # effect. Each customer against itself only pays for its calls: the
        # fewer, the better, down to every other week (+300 a month for each
        # small customer against weekly).
        levels = {"big": (("daily", 20), ("twice", 10), 50000.0), "medium": (("twice", 10), ("weekly", 5), 20000.0)}
        levels["small"] = (("weekly", 5), ("biweekly", 2), 5000.0)
        contact_rows, sale_rows, partner = [], [], 0
        january = FEBRUARY - 1
        for first, second, margin in levels.values():
            for _customer in range(4):
                partner += 1
                for index, month in enumerate((january, FEBRUARY, MARCH, APRIL)):
                    contact_rows.append((partner, month, (first, second)[index % 2][1]))
                for month in (january, FEBRUARY, MARCH, APRIL, MAY):
                    sale_rows.append((partner, month, margin * 4, margin))
        contacts, sales = frames(contact_rows, sale_rows, cost_per_contact=100.0)
        settings = CadenceSettings(window_months=4, min_customers=4)
        panel = cadence_panel(contacts, sales, RUN_DATE, settings)
        assert panel.groupby("cadence")["net_margin"].mean().idxmax() == "daily"
        members = pd.DataFrame({"profile": "all", "partner_id": range(1, 13)})
        [result] = recommend(cadence_sums(panel), members, settings).to_dict("records")
        assert result["state"] == "recommended"
        assert result["cadence"] == "biweekly"
        assert result["runner_up_cadence"] == "weekly"
        assert result["difference"] == pytest.approx(300.0)
        assert result["interval_days"] == 14

    def test_cadences_nobody_had_both_cannot_be_told_apart(self):
        # big customers between daily and twice a week, small ones between
        # weekly and every other week: no customer links the two groups
        contact_rows, sale_rows = [], []
        january = FEBRUARY - 1
        for partner in range(1, 9):
            calls = (20, 10) if partner <= 4 else (5, 2)
            margin = 50000.0 if partner <= 4 else 5000.0
            for index, month in enumerate((january, FEBRUARY, MARCH, APRIL)):
                contact_rows.append((partner, month, calls[index % 2]))
            sale_rows += [(partner, month, margin, margin) for month in (january, FEBRUARY, MARCH, APRIL, MAY)]
        contacts, sales = frames(contact_rows, sale_rows, cost_per_contact=100.0)
        settings = CadenceSettings(window_months=4, min_customers=4)
        panel = cadence_panel(contacts, sales, RUN_DATE, settings)
        members = pd.DataFrame({"profile": "all", "partner_id": range(1, 9)})
        [result] = recommend(cadence_sums(panel), members, settings).to_dict("records")
        # the fit says: twice a week (+500 against daily among big customers)
        # and every other week (+150 against weekly among small ones) lead
        assert {result["leading_cadence"], result["runner_up_cadence"]} == {"twice_weekly", "biweekly"}
        assert result["state"] == "undecided"
        assert result["cadence"] is None and result["interval_days"] is None

    def test_noise_is_not_a_recommendation(self):
        # twenty customers, each alternating weekly and every other week at
        # no cost, with a margin that moves at random whatever the cadence
        rng = np.random.default_rng(7)
        contact_rows, sale_rows = [], []
        months = range(FEBRUARY - 8, APRIL + 1)
        for partner in range(1, 21):
            for index, month in enumerate(months):
                contact_rows.append((partner, month, (5, 2)[(index + partner) % 2]))
            sale_rows += [(partner, month + 1, 1000.0, 1000.0 + rng.normal(0, 100)) for month in months]
        contacts, sales = frames(contact_rows, sale_rows, cost_per_contact=0.0)
        settings = CadenceSettings(window_months=len(months), min_customers=10)
        panel = cadence_panel(contacts, sales, RUN_DATE, settings)
        members = pd.DataFrame({"profile": "all", "partner_id": range(1, 21)})
        [result] = recommend(cadence_sums(panel), members, settings).to_dict("records")
        assert result["state"] == "undecided"
        assert result["p_value"] >= 0.05

    def test_one_cadence_only_has_nothing_to_compare_with(self):
        contacts, sales = frames(
            [(partner, month, 5) for partner in (1, 2) for month in (FEBRUARY, MARCH, APRIL)],
            [(partner, month, 10.0, 5.0) for partner in (1, 2) for month in (MARCH, APRIL, MAY)],
            cost_per_contact=1.0,
        )
        settings = CadenceSettings(window_months=3, min_customers=2)
        panel = cadence_panel(contacts, sales, RUN_DATE, settings)
        [result] = recommend(
            cadence_sums(panel), pd.DataFrame({"profile": "x", "partner_id": [1, 2]}), settings
        ).to_dict("records")
        assert (result["state"], result["leading_cadence"], result["cadence"]) == ("single", "weekly", None)

    def test_months_summed_per_customer_and_cadence(self):
        # three customers at two cadences, with unequal months at each:
        # (customer, cadence, net margin of each month)
        months = [
            (1, "weekly", (100.0, 120.0)),
            (1, "biweekly", (150.0,)),
            (2, "weekly", (200.0,)),
            (2, "biweekly", (260.0, 240.0)),
            (3, "weekly", (50.0, 70.0, 60.0)),
            (3, "biweekly", (90.0,)),
        ]
        panel = pd.DataFrame(
            [(partner, cadence, margin) for partner, cadence, margins in months for margin in margins],
            columns=["partner_id", "cadence", "net_margin"],
        )
        sums = cadence_sums(panel)
        assert sums.to_dict("list") == {
            "partner_id": [1, 1, 2, 2, 3, 3],
            "cadence": ["biweekly", "weekly"] * 3,
            "month_count": [1, 2, 2, 1, 1, 3],
            "net_margin": [150.0, 220.0, 500.0, 200.0, 90.0, 180.0],
        }
        members = pd.DataFrame({"profile": "all", "partner_id": [1, 2, 3]})
        [result] = recommend(sums, members, CadenceSettings(min_customers=3)).to_dict("records")
        # each customer's months less its own average (123.33, 233.33, 67.5),
        # against its biweekly dummy less its biweekly share (1/3, 2/3, 1/4):
        # biweekly earns 82.5 / 2.0833 = 39.6 a month more; the two
        # estimates, +-19.8, put back on the average of the 10 months (134,
        # of which the estimates' own average over them, -3.96, is taken off)
        assert result["leading_cadence"] == result["cadence"] == "biweekly"
        assert result["net_margin_per_month"] == 157.76
        assert result["runner_up_net_margin"] == 118.16
        assert result["difference"] == 39.6
        # plainly, across customers: 740 / 4 months biweekly
        assert result["plain_net_margin_per_month"] == 185.0
        assert (result["customer_count"], result["month_count"]) == (3, 4)
        # each customer's averages: 150 - 110, 250 - 200, 90 - 60: mean 40,
        # standard error 10 / sqrt(3), t = 6.93 with 2 degrees of freedom
        assert result["p_value"] == pytest.approx(0.020204, abs=1e-6)
        assert (result["state"], result["interval_days"]) == ("recommended", 14)

    def test_within_estimates_are_the_fit_of_the_months(self):
        # 5,000 customers over 12 months from staggered starts, cadences at
        # random, a third of them always dormant: shares such as 1/7 of a
        # customer's months are not exact in binary, and inverting the
        # normal equations built from the sums put the estimates 0.78 a month
        # off here; the fit of the months themselves is the reference
        rng = np.random.default_rng(0)
        customers = np.repeat(np.arange(5000), 12)
        cadences = rng.choice(CADENCES, size=len(customers), p=[0.01, 0.04, 0.15, 0.2, 0.3, 0.25, 0.05])
        cadences[customers % 3 == 0] = "dormant"
        margins = np.round(rng.lognormal(5, 1, size=len(customers)) * (1 + customers % 13), 2)
        panel = pd.DataFrame({"partner_id": customers, "cadence": cadences, "net_margin": margins})
        panel = panel[np.tile(np.arange(12), 5000) >= customers % 7]
        order = sorted(panel["cadence"].unique(), key=CADENCES.index)
        dummies = pd.get_dummies(panel["cadence"])[order].astype(float)
        design = dummies - dummies.groupby(panel["partner_id"]).transform("mean")
        target = panel["net_margin"] - panel.groupby("partner_id")["net_margin"].transform("mean")
        effects = np.linalg.lstsq(design.to_numpy(), target.to_numpy(), rcond=None)[0]
        months = dummies.sum().to_numpy()
        reference = effects + panel["net_margin"].mean() - months @ effects / months.sum()
        estimates = within_estimates(*customer_table(cadence_sums(panel)))
        assert list(estimates.index) == order
        assert estimates.to_numpy() == pytest.approx(reference, abs=1e-6)

    def test_paired_p_value(self):
        # differences 1, 2, 3: mean 2, standard error 1 / sqrt(3): t = 3.464, 2 degrees of freedom
        assert paired_p_value([1.0, 2.0, 3.0]) == pytest.approx(0.0742, abs=1e-4)
        assert paired_p_value([5.0, 5.0]) == 0.0
        assert paired_p_value([0.0, 0.0]) == 1.0


def test_a_profile_without_customers_has_no_data():
    contacts, sales = documents_example()
    settings = CadenceSettings(window_months=3, min_customers=3)
    panel = cadence_panel(contacts, sales, RUN_DATE, settings)
    members = pd.DataFrame({"profile": ["shops", "shops", "shops", "empty"], "partner_id": [1, 2, 3, None]})
    result = recommend(cadence_sums(panel), members, settings).set_index("profile")
    assert result.loc["shops", "state"] == "recommended"
    assert result.loc["empty", "state"] == "no_data"
