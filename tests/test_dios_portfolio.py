"""DIOS portfolio: indicators by hand, redundancy, decommissioning, national comparison,
peer percentiles and the DiMiOS link (checked against R's cor.test and ecdf)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dios_helpers import DIOS, REGISTER, row, write_csv

import dimios_research as dr
from dimios_research.io.inventory import read_inventory
from dimios_research.scoring.inventory import score_inventory
from dimios_research.stats.indices import bootstrap_mean
from dimios_research.stats.portfolio import (
    COMPARISON_INDICATORS,
    Portfolio,
    correlation_ci,
    dimios_link,
    dimios_link_data,
    national_comparison,
    peer_percentiles,
    portfolio,
)

FIXTURE = Path(__file__).resolve().parent / "r" / "dios_link_fixture.csv"


def hand_rows() -> list[dict]:
    fin = {"business_area": "finance", "system_type": "finance_system"}
    edu = {"business_area": "education", "system_type": "line_of_business"}
    return [
        row("A", quality=4, importance=4, annual_cost_sek=400_000, installed_year=2020, **fin),
        row("B", quality=2, importance=4, annual_cost_sek=300_000, installed_year=2005, **fin),
        row("C", quality=3, importance=2, annual_cost_sek=100_000, installed_year=2013, **fin),
        row("D", quality=1, importance=1, annual_cost_sek=50_000, installed_year=2000, **edu),
        row("E", quality=2, importance=2, annual_cost_sek="", installed_year="", **edu)
        | {"lifecycle": "phase_out"},
        row("F", quality="", importance="", lifecycle="planned", **edu),
        row("G", quality="", importance="", lifecycle="retired", **edu),
        # a second organisation below the reporting threshold (3 rated systems)
        *(row(f"{i}", organisation_id="0180") for i in range(3)),
    ]


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    folder = tmp_path_factory.mktemp("portfolio")
    data = read_inventory(write_csv(folder, hand_rows()), REGISTER, DIOS)
    return portfolio(score_inventory(data))


def test_indicators_by_hand(hand):
    ind = hand.indicators.set_index("organisation_id")
    a = ind.loc["0114"]
    assert (a["n_systems"], a["n_rated"]) == (5, 5) and bool(a["reportable"])
    assert [a[f"share_{c}_pct"] for c in ("invest", "tolerate", "migrate", "eliminate")] == [
        20.0,
        20.0,
        20.0,
        40.0,
    ]
    costs = {"invest": 400, "tolerate": 100, "migrate": 300, "eliminate": 50}
    for cls, cost in costs.items():
        assert a[f"cost_share_{cls}_pct"] == pytest.approx(100 * cost / 850)
    assert a["total_cost_sek"] == 850_000 and a["n_cost_known"] == 4
    assert a["n_business_areas"] == 2
    assert (a["n_redundant_groups"], a["n_redundant_areas"], a["n_redundant_systems"]) == (1, 1, 2)
    assert a["redundant_systems_pct"] == 40.0
    assert a["past_end_of_life_pct"] == 50.0  # ages 3, 18, 10 (not past: > 10), 23
    assert a["median_age_years"] == 14.0
    # importance of low-quality systems B, D, E: 75 + 0 + 25 of 200
    assert a["technical_debt_pct"] == pytest.approx(50.0)
    assert a["health_pct"] == pytest.approx((75 * 75 + 75 * 25 + 25 * 50 + 0 + 25 * 25) / 200)
    assert a["decommission_cost_sek"] == 450_000
    assert a["decommission_cost_pct"] == pytest.approx(100 * 450 / 850)
    assert (a["type"], a["size_class"]) == ("kommun", "M")
    assert not bool(ind.loc["0180", "reportable"]) and ind.loc["0180", "n_rated"] == 3


def test_redundancy_keeps_the_most_important(hand):
    s = hand.systems.set_index("system_id")
    assert s.loc[["A", "B", "C"], "redundant_group_size"].tolist() == [3, 3, 3]
    assert s.loc[["A", "B", "C"], "redundant"].tolist() == [False, True, True]
    assert s.loc[["B", "C"], "kept_instead"].tolist() == ["A", "A"]  # A and B tie on importance
    assert not s.loc["E", "redundant"]  # phase-out systems are not active
    assert s.loc[["F", "G"], "in_operation"].tolist() == [False, False]
    areas = hand.areas[hand.areas["organisation_id"] == "0114"].set_index("business_area")
    assert areas.loc["finance", ["n_systems", "n_active", "redundant"]].tolist() == [3, 3, True]
    assert areas.loc["education", ["n_systems", "n_active", "redundant"]].tolist() == [2, 1, False]


def test_decommissioning_list_ranked_by_cost(hand):
    dl = hand.decommissioning_list("0114")
    assert dl["system_id"].tolist() == ["B", "C", "D", "E"]
    assert dl["rank"].tolist() == [1, 2, 3, 4]
    assert dl["cumulative_cost_sek"].tolist() == [300_000, 400_000, 450_000, 450_000]
    assert dl["eliminate"].tolist() == [False, False, True, True]
    assert dl["redundant"].tolist() == [True, True, False, False]
    assert dl["time_class"].astype(str).tolist() == [
        "migrate",
        "tolerate",
        "eliminate",
        "eliminate",
    ]
    with pytest.raises(ValueError, match="not in the inventory"):
        hand.decommissioning_list("9999")


def test_end_of_life_age_is_an_argument(hand, tmp_path):
    data = read_inventory(write_csv(tmp_path, hand_rows()), REGISTER, DIOS)
    pf = portfolio(score_inventory(data), end_of_life_age=2)
    assert pf.indicators.set_index("organisation_id").loc["0114", "past_end_of_life_pct"] == 100
    with pytest.raises(ValueError, match="end_of_life_age"):
        portfolio(score_inventory(data), end_of_life_age=0)
    with pytest.raises(ValueError, match="min_systems"):
        portfolio(score_inventory(data), min_systems=0)


def indicator_portfolio(frame: pd.DataFrame) -> Portfolio:
    empty = pd.DataFrame()
    return Portfolio(frame, empty, empty, empty, min_systems=5, end_of_life_age=10, cut=50)


def test_national_comparison_means_of_reportable_organisations():
    rng = np.random.default_rng(3)
    n = 24
    frame = pd.DataFrame(
        {
            "organisation_id": [f"K{i:03d}" for i in range(n)],
            "year": 2023,
            "type": rng.choice(["kommun", "region"], n),
            "size_class": rng.choice(["S", "M"], n),
            "health_pct": rng.normal(55, 10, n),
            "n_systems": rng.integers(3, 40, n),
            "reportable": np.arange(n) % 6 != 0,
        }
    )
    frame.loc[5, "health_pct"] = np.nan
    pf = indicator_portfolio(frame)
    out = national_comparison(pf, indicators=["health_pct", "n_systems"], n_boot=500, seed=4)
    shown = frame[frame["reportable"]]
    nat = out[(out["group_by"] == "national") & (out["indicator"] == "health_pct")].iloc[0]
    values = shown["health_pct"].dropna().to_numpy()
    assert nat["estimate"] == pytest.approx(values.mean())
    assert nat["n_organisations"] == len(values) == 19
    assert (nat["ci_low"], nat["ci_high"]) == pytest.approx(
        bootstrap_mean(values, n_boot=500, seed=4)[1:]
    )
    for (by, group), part in [(("type", g), p) for g, p in shown.groupby("type")] + [
        (("size_class", g), p) for g, p in shown.groupby("size_class")
    ]:
        got = out[(out["group_by"] == by) & (out["group"] == group)]
        assert got.set_index("indicator").loc["n_systems", "estimate"] == pytest.approx(
            part["n_systems"].mean()
        )
    assert set(out.columns) >= {"ci_low", "ci_high", "n_boot", "seed", "method"}
    with pytest.raises(ValueError, match="unknown indicator"):
        national_comparison(pf, indicators=["nope"])
    with pytest.raises(ValueError, match="by must name"):
        national_comparison(pf, by=["county"])
    with pytest.raises(ValueError, match="no inventory for year"):
        national_comparison(pf, year=2019)


def test_correlation_matches_r_cor_test():
    d = pd.read_csv(FIXTURE)
    got = correlation_ci(d["legacy_pct"], d["health_pct"])
    # Rscript tests/r/dios_reference.R: cor.test(d$legacy_pct, d$health_pct)
    assert got["n"] == 25
    assert got["estimate"] == pytest.approx(0.3736445665856961, rel=1e-12)
    assert got["ci_low"] == pytest.approx(-0.0252080044895792, rel=1e-10)
    assert got["ci_high"] == pytest.approx(0.6698759725873404, rel=1e-12)
    assert got["p"] == pytest.approx(0.0657883501386877, rel=1e-10)
    # cor.test(d$legacy_pct, d$health_pct, conf.level = 0.90)
    got = correlation_ci(d["legacy_pct"], d["health_pct"], ci_level=0.90)
    assert got["ci_low"] == pytest.approx(0.0419437850559624, rel=1e-10)
    assert got["ci_high"] == pytest.approx(0.6311566761976813, rel=1e-12)
    # cor.test on the first 5 complete pairs
    e = d.dropna().iloc[:5]
    got = correlation_ci(e["legacy_pct"], e["health_pct"])
    assert got["estimate"] == pytest.approx(-0.0703672031166341, rel=1e-12)
    assert got["ci_low"] == pytest.approx(-0.8969487026655381, rel=1e-12)
    assert got["ci_high"] == pytest.approx(0.8656404504164789, rel=1e-12)
    assert got["p"] == pytest.approx(0.9104796877001149, rel=1e-10)


def test_correlation_edge_cases():
    assert np.isnan(correlation_ci([1.0, 2.0], [1.0, 3.0])["estimate"])
    three = correlation_ci([1.0, 2.0, 3.0], [1.0, 3.0, 2.0])
    assert three["estimate"] == pytest.approx(0.5) and np.isnan(three["ci_low"])
    assert np.isnan(correlation_ci([1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0])["estimate"])
    perfect = correlation_ci([1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 4.0, 6.0, 8.0, 10.0])
    assert perfect["estimate"] == pytest.approx(1.0) and perfect["p"] < 1e-12
    assert perfect["ci_high"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="ci_level"):
        correlation_ci([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], ci_level=95)


def test_fisher_interval_coverage():
    """Coverage of the 95 % interval on bivariate normal samples (rho = 0.5, n = 20)."""
    rng = np.random.default_rng(11)
    reps, n, rho = 2000, 20, 0.5
    x = rng.normal(size=(reps, n))
    y = rho * x + np.sqrt(1 - rho**2) * rng.normal(size=(reps, n))
    covered = 0
    for k in range(reps):  # replications, not rows
        out = correlation_ci(x[k], y[k])
        covered += out["ci_low"] <= rho <= out["ci_high"]
    coverage = covered / reps
    assert 0.935 <= coverage <= 0.965, coverage


def test_peer_percentiles_match_r_ecdf():
    d = pd.read_csv(FIXTURE).assign(year=2023, type="kommun", reportable=True)
    pf = indicator_portfolio(d)
    # Rscript tests/r/dios_reference.R: 100 * (ecdf(p)(v) + mean(p < v)) / 2 over the others
    expected = {
        "K013": (64.5833333333333, 84.6153846153846),
        "K010": (41.6666666666667, 17.3076923076923),
        "K001": (16.6666666666667, 11.5384615384615),
        "K023": (95.8333333333333, 100.0),
    }
    for org, (health, legacy) in expected.items():
        out = peer_percentiles(pf, org, by=None, indicators=["health_pct", "legacy_pct"])
        got = out.set_index("indicator")["percentile"]
        assert got["health_pct"] == pytest.approx(health, abs=1e-10)
        assert got["legacy_pct"] == pytest.approx(legacy, abs=1e-10)
    out = peer_percentiles(pf, "K005", by="type", indicators=["health_pct", "legacy_pct"])
    assert np.isnan(out.loc[0, "percentile"]) and out.loc[1, "n_peers"] == 26  # K005 has no health
    assert out["peer_group"].tolist() == ["kommun", "kommun"]
    with pytest.raises(ValueError, match="not in the inventory"):
        peer_percentiles(pf, "X")


def test_peers_exclude_organisations_below_the_threshold(hand):
    out = peer_percentiles(hand, "0180", by=None).set_index("indicator")
    assert not out["reportable"].any()
    assert out.loc["n_systems", "n_peers"] == 1  # only 0114 is reportable
    assert out.loc["n_systems", "percentile"] == 0.0  # 3 systems against 5
    assert list(out.index) == list(COMPARISON_INDICATORS)


@pytest.fixture(scope="module")
def demo(demo_scores):
    return portfolio(score_inventory(dr.load_dataset("demo", kind="inventory"))), demo_scores


def test_dimios_link_on_demo(demo):
    pf, dimios = demo
    data = dimios_link_data(pf, dimios)
    inv = set(pf.indicators.loc[pf.indicators["reportable"], "organisation_id"])
    types = dimios.types
    dim = set(
        types.loc[types["reportable"] & (types["year"] == 2023), "organisation_id"].astype(str)
    )
    assert set(data["organisation_id"]) == inv & dim and len(data) >= 20
    assert list(data.columns) == [
        "organisation_id",
        "year",
        "dimios_year",
        "type",
        "size_class",
        "dimios_pct",
        "health_pct",
        "n_rated",
    ]
    link = dimios_link(pf, dimios).iloc[0]
    ref = correlation_ci(data["dimios_pct"], data["health_pct"])
    assert link["estimate"] == pytest.approx(ref["estimate"]) and link["n"] == len(data)
    assert link["ci_low"] < link["estimate"] < link["ci_high"]
    debt = dimios_link(pf, dimios, indicator="technical_debt_pct", dimios_year=2022).iloc[0]
    assert debt["dimios_year"] == 2022 and debt["n"] > 0
    with pytest.raises(ValueError, match="unknown indicator"):
        dimios_link(pf, dimios, indicator="nope")


def test_everything_quarantined_gives_empty_tables(tmp_path):
    rows = [row(""), row("1", organisation_id="X")]
    data = read_inventory(write_csv(tmp_path, rows), REGISTER, DIOS)
    assert data.report.rows_kept == 0 and data.systems.empty
    pf = portfolio(score_inventory(data))
    assert pf.indicators.empty and pf.decommission.empty
    out = national_comparison(pf)
    assert out.empty and {"estimate", "ci_low", "n_organisations"} <= set(out.columns)


def test_register_needs_type_and_size_class(tmp_path):
    register = REGISTER.drop(columns=["size_class"])
    data = read_inventory(write_csv(tmp_path, [row("1")]), register, DIOS)
    with pytest.raises(ValueError, match=r"register lacks column\(s\) \['size_class'\]"):
        portfolio(score_inventory(data))
