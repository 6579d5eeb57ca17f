"""Indices: estimates, the vectorised bootstrap, groups, targets, item tables, recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dimios_research.io.datasets import dataset_path
from dimios_research.stats.indices import (
    bootstrap_mean,
    group_index,
    index_change,
    index_table,
    item_distribution,
    national_index,
    target_gap,
)


def test_bootstrap_matches_a_naive_loop():
    values = np.array([40.0, 55.0, 47.0, 61.0, 38.0, 52.0])
    weights = np.array([1.0, 3.0, 2.0, 1.0, 5.0, 2.0])
    est, low, high = bootstrap_mean(values, weights, n_boot=500, seed=3, interval="percentile")
    assert est == pytest.approx(np.average(values, weights=weights))
    rng = np.random.default_rng(3)
    draws = rng.integers(0, 6, size=(500, 6))
    naive = [np.average(values[row], weights=weights[row]) for row in draws]
    assert (low, high) == pytest.approx(tuple(np.quantile(naive, [0.025, 0.975])))
    assert bootstrap_mean(values, n_boot=500, seed=3) == bootstrap_mean(values, n_boot=500, seed=3)


def test_bootstrap_edge_cases():
    assert np.isnan(bootstrap_mean(np.array([]))[0])
    est, low, high = bootstrap_mean(np.array([50.0]))
    assert est == 50.0 and np.isnan(low) and np.isnan(high)
    with pytest.raises(ValueError, match="must not be NaN"):
        bootstrap_mean(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="ci_level"):
        bootstrap_mean(np.array([1.0, 2.0]), ci_level=95)


def test_national_index_is_mean_of_reportable_organisations(demo_scores):
    row = national_index(demo_scores, 2023, n_boot=1000).iloc[0]
    types = demo_scores.types
    reportable = types[(types["year"] == 2023) & types["reportable"]]
    assert row["estimate"] == pytest.approx(reportable["overall_pct"].mean())
    assert row["n_organisations"] == len(reportable)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert row["method"].startswith("mean of organisation scores")
    with pytest.raises(ValueError, match="year 2030 has no data; rounds in the data"):
        national_index(demo_scores, 2030)
    with pytest.raises(ValueError, match="level must be one of"):
        national_index(demo_scores, 2023, level="item")


def test_weights_and_type_filter(demo_scores):
    org = demo_scores.organisation_level()
    org = org[org["year"] == 2023]
    weighted = national_index(demo_scores, 2023, weights="employees", n_boot=200).iloc[0]
    assert weighted["estimate"] == pytest.approx(
        np.average(org["score_pct"], weights=org["employees"])
    )
    pop = national_index(demo_scores, 2023, weights="population", n_boot=200).iloc[0]
    served = org[org["population"] > 0]
    assert pop["n_organisations"] == len(served)
    assert pop["n_excluded"] == len(org) - len(served)
    regions = national_index(demo_scores, 2023, org_types=["region"], n_boot=200).iloc[0]
    assert regions["estimate"] == pytest.approx(
        org.loc[org["type"] == "region", "score_pct"].mean()
    )
    with pytest.raises(ValueError, match="weights must be None or one of"):
        national_index(demo_scores, 2023, weights="budget")


def test_group_index(demo_scores):
    groups = group_index(demo_scores, 2023, by="type", n_boot=500)
    org = demo_scores.organisation_level()
    org = org[org["year"] == 2023]
    expected = org.groupby("type", observed=True)["score_pct"].mean()
    got = groups.set_index("group")["estimate"]
    expected.index = expected.index.astype(str)
    pd.testing.assert_series_equal(got, expected, check_names=False, check_index_type=False)
    assert groups["n_organisations"].sum() == len(org)
    # A group's interval does not depend on the other groups.
    alone = national_index(demo_scores, 2023, org_types=["kommun"], n_boot=500).iloc[0]
    kommun = groups.set_index("group").loc["kommun"]
    assert (kommun["ci_low"], kommun["ci_high"]) == (alone["ci_low"], alone["ci_high"])
    with pytest.raises(ValueError, match="by must be one of"):
        group_index(demo_scores, 2023, by="name")


def test_index_table_every_level(demo_scores):
    table = index_table(demo_scores, years=[2023], n_boot=100)
    assert set(table["level"]) == {"capability", "category", "dimension", "overall"}
    n_units = demo_scores.organisations.groupby("level", observed=True)["unit"].nunique()
    assert len(table) == n_units.sum()


def test_target_gap_and_change(demo_scores):
    gap = target_gap(demo_scores, 2023, target=55.0, n_boot=1000).iloc[0]
    assert gap["gap"] == pytest.approx(gap["estimate"] - 55.0)
    assert gap["gap_ci_low"] == pytest.approx(gap["ci_low"] - 55.0)
    assert gap["shortfall"] == pytest.approx(max(55.0 - gap["estimate"], 0.0))
    assert gap["met"] == (gap["estimate"] >= 55.0)
    easy = target_gap(demo_scores, 2023, target=40.0, n_boot=1000).iloc[0]
    assert easy["met"] and easy["met_with_confidence"] and easy["shortfall"] == 0.0
    change = index_change(demo_scores, 2023, 2019, n_boot=2000).iloc[0]
    a = national_index(demo_scores, 2023, n_boot=10).iloc[0]["estimate"]
    b = national_index(demo_scores, 2019, n_boot=10).iloc[0]["estimate"]
    assert change["estimate"] == pytest.approx(a - b)
    assert change["ci_low"] < change["estimate"] < change["ci_high"]


def test_item_distribution(demo_data):
    table = item_distribution(demo_data, 2023)
    assert len(table) == len(demo_data.codebook.item_ids)
    shares = table[[f"share_{k}" for k in range(1, 6)]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0)
    first = table.iloc[0]
    answers = demo_data.respondents.loc[demo_data.respondents["year"] == 2023, first["item_id"]]
    assert first["n_valid"] == answers.notna().sum()
    assert first["mean"] == pytest.approx(answers.mean())
    long = demo_data.long
    dk = long[(long["year"] == 2023) & (long["item_id"] == first["item_id"])]
    assert first["dont_know_share"] == pytest.approx((dk["status"] == "dont_know").mean())
    assert (table["dont_know_share"] > 0).any()


def test_national_index_ci_covers_true_mean(demo_scores):
    """Parameter recovery: the interval covers the simulator's true national mean."""
    truth = pd.read_csv(dataset_path("demo") / "truth" / "national_truth.csv")
    for row in truth.itertuples():
        est = national_index(demo_scores, int(row.year), n_boot=4000).iloc[0]
        assert est["ci_low"] <= row.overall <= est["ci_high"], (row.year, est["estimate"])


def test_unscored_data_get_a_type_error_that_says_how_to_score(demo_data):
    with pytest.raises(TypeError, match=r"score the data first: scores = dr.score\(data\)"):
        national_index(demo_data, 2023, n_boot=10)
