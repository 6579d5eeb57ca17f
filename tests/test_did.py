"""Tests for dimios_research.stats.did and dimios_research.stats.twfe_diagnostics.

Reference values: ``csdid`` 0.4.3 (a port of R did 2.5; R's did itself is not installable
here) on the fixture tests/r/did_panel.csv, printed by tests/r/did_reference.py with the
calls quoted there: ``ATTgt(yname="score_pct", tname="year", idname="id", gname="g",
data=panel, control_group=CONTROL).fit(est_method="dr", base_period="varying",
bstrap=False)`` and ``.aggte(typec="simple" | "dynamic", bstrap=False)``. Analytic
influence-function SEs (``n_boot=0`` here) make the values exact.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from dimios_research.simulation.panel import simulate_staggered_panel
from dimios_research.stats.did import adoption_pattern, is_staggered, staggered_did
from dimios_research.stats.twfe_diagnostics import bacon_decomposition, twfe_weights

FIXTURE = Path(__file__).parent / "r" / "did_panel.csv"
TOL = 1e-8

# Cells in csdid's order: groups 2021, 2022, 2023 x years 2020-2023.
REFERENCE = {
    "never_treated": {
        # fit(...) with control_group="nevertreated": results["att"], results["se"]
        "att": [0.358431372549, -1.091540616247, 3.191204481793, 3.993781512605,
                1.932875816993, 0.668300653595, 1.483856209150, 1.098496732026,
                0.384072398190, -0.765203619910, 2.200180995475, -0.077239819005],
        "se": [1.640316613598, 1.401869914816, 1.465043926418, 1.338336627544,
               1.965553032289, 1.253791623309, 1.274151091564, 1.307994699917,
               1.775852096143, 1.650719345346, 1.732558813263, 1.621193476642],
        # MP["W"], MP["Wpval"] (Wpval rounded to 5 decimals by did)
        "wald": (5.211103093634707, 0.51704),
        # aggte(typec="simple", bstrap=False): overall_att, overall_se
        "simple": (1.5978660826032522, 0.8590839052307137),
        # aggte(typec="dynamic", bstrap=False): egt, att_egt, se_egt
        "event_time": [-3, -2, -1, 0, 1, 2],
        "dynamic_att": [0.384072398190, 0.338556149733, 0.980095759234, -0.245854993160,
                        2.563392156863, 3.993781512605],
        "dynamic_se": [1.775852096143, 1.124627212845, 0.872313715160, 0.801000488147,
                       1.121203282371, 1.338336627544],
    },
    "not_yet_treated": {
        # fit(...) with control_group="notyettreated"
        "att": [-0.215641025641, -0.990695970696, 2.569380952381, 3.993781512605,
                1.687385620915, 0.999888888889, 0.530444444444, 1.098496732026,
                -0.146202945990, -0.996538461538, 2.200180995475, -0.077239819005],
        "se": [1.382642374875, 1.179972257972, 1.321429909611, 1.338336627544,
               1.722954826983, 1.108395176158, 1.163487324108, 1.307994699917,
               1.520280976426, 1.493387543559, 1.732558813263, 1.621193476642],
        "wald": (5.116146288278231, 0.52901),
        "simple": (1.390193077885817, 0.8248446274934503),
        "event_time": [-3, -2, -1, 0, 1, 2],
        "dynamic_att": [-0.146202945990, 0.101430481283, 0.769137009365, -0.396156582132,
                        2.128115686275, 3.993781512605],
        "dynamic_se": [1.520280976426, 1.182808853788, 0.907912352657, 0.780254164167,
                       1.018089702987, 1.338336627544],
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def fixture_panel() -> pd.DataFrame:
    return pd.read_csv(FIXTURE)


# --------------------------------------------------------------------------------------------
# (a) against the reference implementation
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
def test_matches_did_reference(fixture_panel, control):
    ref = REFERENCE[control]
    res = staggered_did(fixture_panel, control=control, n_boot=0)
    gt = res.group_time
    assert gt["group"].tolist() == [2021] * 4 + [2022] * 4 + [2023] * 4
    assert gt["year"].tolist() == [2020, 2021, 2022, 2023] * 3
    np.testing.assert_allclose(gt["att"], ref["att"], rtol=0, atol=TOL)
    np.testing.assert_allclose(gt["se"], ref["se"], rtol=0, atol=TOL)
    assert res.pre_trend["statistic"].item() == pytest.approx(ref["wald"][0], abs=TOL)
    assert res.pre_trend["p"].item() == pytest.approx(ref["wald"][1], abs=5e-6)
    assert res.pre_trend["df"].item() == 6
    overall = res.overall.iloc[0]
    assert overall["att"] == pytest.approx(ref["simple"][0], abs=TOL)
    assert overall["se"] == pytest.approx(ref["simple"][1], abs=TOL)
    ev = res.event_time
    assert ev["event_time"].tolist() == ref["event_time"]
    np.testing.assert_allclose(ev["att"], ref["dynamic_att"], rtol=0, atol=TOL)
    np.testing.assert_allclose(ev["se"], ref["dynamic_se"], rtol=0, atol=TOL)
    assert res.notes == ("analytic_se",)


def test_live_csdid_comparison(fixture_panel):
    """The same comparison against an installed csdid (skipped where it is not installed)."""
    att_gt = pytest.importorskip("csdid.att_gt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = att_gt.ATTgt(
            yname="score_pct", tname="year", idname="id", gname="g", data=fixture_panel,
            control_group="notyettreated",
        ).fit(est_method="dr", base_period="varying", bstrap=False)  # fmt: skip
    res = staggered_did(fixture_panel, n_boot=0)
    np.testing.assert_allclose(res.group_time["att"], fit.results["att"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.group_time["se"], fit.results["se"], rtol=0, atol=1e-10)


# --------------------------------------------------------------------------------------------
# (b) hand computations
# --------------------------------------------------------------------------------------------
def tiny_panel() -> pd.DataFrame:
    """a, b start 2021; c starts 2022; d, e never; c misses 2019 (unbalanced)."""
    y = {
        "a": [10.0, 11.0, 15.0, 16.0],
        "b": [20.0, 22.0, 25.0, 29.0],
        "c": [np.nan, 30.0, 31.0, 38.0],
        "d": [5.0, 6.0, 8.0, 9.0],
        "e": [7.0, 7.0, 8.0, 12.0],
    }
    start = {"a": 2021, "b": 2021, "c": 2022, "d": np.nan, "e": np.nan}
    rows = [
        (org, year, value, start[org])
        for org, values in y.items()
        for year, value in zip(range(2019, 2023), values)
    ]
    return pd.DataFrame(rows, columns=["organisation_id", "year", "score_pct", "programme_start"])


def _cell(res, group, year) -> pd.Series:
    gt = res.group_time
    return gt[(gt["group"] == group) & (gt["year"] == year)].iloc[0]


def test_hand_computed_cells_not_yet_treated():
    res = staggered_did(tiny_panel(), n_boot=0)
    # (2021, 2021), base 2020; treated a (+4), b (+3); controls d (+2), e (+1), c (+1)
    cell = _cell(res, 2021, 2021)
    assert cell["base_year"] == 2020
    assert cell["att"] == pytest.approx(3.5 - 4.0 / 3.0)
    assert (cell["n_treated"], cell["n_control"]) == (2, 3)
    # SE: sqrt(var_T/n_T + var_C/n_C) with ddof 0 variances (influence functions)
    se = np.sqrt(np.var([4.0, 3.0]) / 2 + np.var([2.0, 1.0, 1.0]) / 3)
    assert cell["se"] == pytest.approx(se)
    # (2021, 2022), base 2020: c starts in 2022, so only d, e are controls
    cell = _cell(res, 2021, 2022)
    assert cell["att"] == pytest.approx(np.mean([5.0, 7.0]) - np.mean([3.0, 5.0]))
    assert cell["n_control"] == 2
    # pre cell (2022, 2020), base 2019: c is not observed in 2019, so it has no treated
    assert np.isnan(_cell(res, 2022, 2020)["att"])
    assert _cell(res, 2022, 2020)["n_treated"] == 0
    # pre cell (2022, 2021), base 2020: controls d, e and a, b? a, b start 2021, not > 2021
    cell = _cell(res, 2022, 2021)
    assert cell["att"] == pytest.approx(1.0 - np.mean([2.0, 1.0]))
    # (2022, 2022), base 2021; never-treated controls only (nobody starts after 2022)
    cell = _cell(res, 2022, 2022)
    assert cell["att"] == pytest.approx(7.0 - np.mean([1.0, 4.0]))
    assert "cells_without_controls" not in res.notes
    assert "small_cells" in res.notes


def test_hand_computed_aggregations():
    res = staggered_did(tiny_panel(), n_boot=0)
    gt = res.group_time.set_index(["group", "year"])["att"]
    # simple: post cells weighted by group size (2 organisations start 2021, 1 starts 2022)
    post = [(2021, 2021, 2), (2021, 2022, 2), (2022, 2022, 1)]
    expected = sum(gt[(g, t)] * w for g, t, w in post) / 5
    assert res.overall["att"].item() == pytest.approx(expected)
    assert res.overall["n_organisations"].item() == 5
    assert res.overall["n_cells"].item() == 3
    ev = res.event_time.set_index("event_time")["att"]
    assert ev[0] == pytest.approx((2 * gt[(2021, 2021)] + gt[(2022, 2022)]) / 3)
    assert ev[1] == pytest.approx(gt[(2021, 2022)])
    assert ev[-1] == pytest.approx((2 * gt[(2021, 2020)] + gt[(2022, 2021)]) / 3)


def test_cells_without_controls_are_left_out():
    # No never-treated organisation: after 2021 nobody is "not yet treated" any more.
    df = tiny_panel()
    res = staggered_did(df[df["programme_start"].notna()], n_boot=0)
    assert np.isnan(_cell(res, 2021, 2022)["att"]) and np.isnan(_cell(res, 2022, 2022)["att"])
    assert _cell(res, 2021, 2022)["n_control"] == 0
    assert "cells_without_controls" in res.notes
    assert res.overall["n_cells"].item() == 1
    assert res.overall["att"].item() == pytest.approx(_cell(res, 2021, 2021)["att"])


def test_never_treated_control_and_late_starts():
    df = tiny_panel()
    res = staggered_did(df, control="never_treated", n_boot=0)
    cell = _cell(res, 2021, 2021)
    assert cell["att"] == pytest.approx(3.5 - 1.5)  # controls d (+2), e (+1) only
    # a start after the last round means never treated within the data
    late = df.assign(programme_start=df["programme_start"].where(df["organisation_id"] != "c"))
    shifted = df.assign(
        programme_start=np.where(df["organisation_id"] == "c", 2030.0, df["programme_start"])
    )
    a = staggered_did(late, n_boot=0).group_time
    b = staggered_did(shifted, n_boot=0).group_time
    pd.testing.assert_frame_equal(a, b)


def test_always_treated_are_dropped():
    df = tiny_panel()
    extra = pd.DataFrame(
        {"organisation_id": "z", "year": range(2019, 2023), "score_pct": [1.0, 50, 3, 90],
         "programme_start": 2019.0}
    )  # fmt: skip
    res = staggered_did(pd.concat([df, extra]), n_boot=0)
    base = staggered_did(df, n_boot=0)
    assert res.n_always_treated == 1 and "always_treated_dropped" in res.notes
    pd.testing.assert_frame_equal(res.group_time, base.group_time)


def test_input_errors():
    df = tiny_panel()
    with pytest.raises(ValueError, match="one row per organisation and round"):
        staggered_did(pd.concat([df, df.iloc[[0]]]))
    varying = df.copy()
    varying.loc[0, "programme_start"] = 2022
    with pytest.raises(ValueError, match="constant within each organisation"):
        staggered_did(varying)
    with pytest.raises(ValueError, match="control must be one of"):
        staggered_did(df, control="later")
    with pytest.raises(ValueError, match="lacks column"):
        staggered_did(df, outcome="overall")
    with pytest.raises(ValueError, match="whole years"):
        staggered_did(df.assign(programme_start=df["programme_start"] + 0.5))
    treated = df[df["programme_start"].notna()]
    with pytest.raises(ValueError, match="never start"):
        staggered_did(treated, control="never_treated")
    with pytest.raises(ValueError, match="n_boot"):
        staggered_did(df, n_boot=-1)


def test_bootstrap_is_seeded_and_close_to_analytic():
    sim = simulate_staggered_panel(400, seed=4, observe_prob=0.9)
    a = staggered_did(sim.data, n_boot=999, seed=1)
    b = staggered_did(sim.data, n_boot=999, seed=1)
    c = staggered_did(sim.data, n_boot=999, seed=2)
    analytic = staggered_did(sim.data, n_boot=0)
    pd.testing.assert_frame_equal(a.event_time, b.event_time)
    assert not np.allclose(a.event_time["se"], c.event_time["se"])
    np.testing.assert_allclose(a.event_time["att"], analytic.event_time["att"])
    ratio = a.event_time["se"] / analytic.event_time["se"]
    assert ratio.between(0.85, 1.15).all(), ratio.tolist()
    # the uniform band is at least as wide as the pointwise interval
    assert a.band_crit >= 1.959
    assert (a.event_time["band_high"] >= a.event_time["ci_high"]).all()
    assert np.isnan(analytic.band_crit) and analytic.event_time["band_low"].isna().all()


def test_noise_free_panel_recovers_the_truth_exactly():
    sim = simulate_staggered_panel(
        60, cohorts={2020: 0.3, 2022: 0.3}, start_effect={2020: 1.0, 2022: 4.0},
        effect_slope=2.0, year_sd=1.0, organisation_sd=5.0, noise_sd=0.0, observe_prob=0.7,
        seed=9,
    )  # fmt: skip
    for control in ("never_treated", "not_yet_treated"):
        res = staggered_did(sim.data, control=control, n_boot=0)
        merged = res.group_time.merge(sim.group_time, on=["group", "year"], suffixes=("", "_t"))
        np.testing.assert_allclose(merged["att"], merged["att_t"], atol=1e-9)


# --------------------------------------------------------------------------------------------
# (c) recovery and coverage
# --------------------------------------------------------------------------------------------
def _coverage(reps: int, n_boot: int, observe_prob: float, control: str) -> tuple[float, float]:
    hits_overall, hits_event, n_event = 0, 0, 0
    for r in range(reps):
        sim = simulate_staggered_panel(
            150, cohorts={2020: 0.2, 2021: 0.2, 2022: 0.2},
            start_effect={2020: 1.0, 2021: 2.0, 2022: 3.0}, effect_slope=1.0, effect_sd=1.0,
            observe_prob=observe_prob, seed=1000 + r,
        )  # fmt: skip
        res = staggered_did(sim.data, control=control, n_boot=n_boot, seed=r)
        row = res.overall.iloc[0]
        hits_overall += row["ci_low"] <= sim.overall <= row["ci_high"]
        ev = res.event_time.merge(sim.event_time, on="event_time", suffixes=("", "_true"))
        hits_event += ev["att_true"].between(ev["ci_low"], ev["ci_high"]).sum()
        n_event += len(ev)
    return hits_overall / reps, hits_event / n_event


@pytest.mark.slow  # over a second: left out of make test-fast
def test_coverage_quick():
    # 50 replications: a gross error (e.g. SEs off by a factor 2) fails this.
    overall, event = _coverage(50, 199, 0.85, "not_yet_treated")
    assert 0.86 <= overall <= 1.0
    assert 0.88 <= event <= 0.99


@pytest.mark.slow
@pytest.mark.parametrize(
    ("observe_prob", "control"), [(1.0, "not_yet_treated"), (0.8, "never_treated")]
)
def test_coverage_slow(observe_prob, control):
    # 300 replications per setting (section 13.5 of docs/methods.md has 1,000).
    overall, event = _coverage(300, 999, observe_prob, control)
    assert 0.935 <= overall <= 0.975
    assert 0.935 <= event <= 0.965


def test_recovery_of_dynamic_effects():
    sim = simulate_staggered_panel(
        3000, cohorts={2020: 0.2, 2021: 0.2, 2022: 0.2},
        start_effect={2020: 1.0, 2021: 2.0, 2022: 3.0}, effect_slope=1.5, seed=5,
    )  # fmt: skip
    res = staggered_did(sim.data, n_boot=199)
    merged = res.event_time.merge(sim.event_time, on="event_time", suffixes=("", "_true"))
    assert (np.abs(merged["att"] - merged["att_true"]) < 4 * merged["se"]).all()
    assert res.overall["att"].item() == pytest.approx(sim.overall, abs=0.3)
    assert res.pre_trend["p"].item() > 0.001


# --------------------------------------------------------------------------------------------
# (d) TWFE diagnostics
# --------------------------------------------------------------------------------------------
def _twfe(df: pd.DataFrame) -> float:
    d = (df["year"] >= df["programme_start"].fillna(np.inf)).astype(float)
    fit = smf.ols("score_pct ~ D + C(organisation_id) + C(year)", df.assign(D=d)).fit()
    return float(fit.params["D"])


@pytest.mark.parametrize(
    "cohorts",
    [{2020: 0.2, 2021: 0.25, 2022: 0.25}, {2021: 0.5, 2023: 0.5}, {2019: 0.2, 2022: 0.3}],
)
def test_bacon_decomposition_sums_to_twfe(cohorts):
    sim = simulate_staggered_panel(60, cohorts=cohorts, seed=2)
    dec = bacon_decomposition(sim.data)
    assert dec["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (dec["weight"] >= 0).all()
    assert (dec["weight"] * dec["estimate"]).sum() == pytest.approx(_twfe(sim.data), abs=1e-9)
    assert twfe_weights(sim.data).summary["twfe"].item() == pytest.approx(_twfe(sim.data), abs=1e-9)


def test_bacon_types_and_hand_computed_comparison():
    sim = simulate_staggered_panel(40, cohorts={2020: 0.3, 2022: 0.3}, seed=3)
    dec = bacon_decomposition(sim.data).set_index(["treated_group", "control_group"])
    assert dec.loc[(2020, 2022), "type"] == "earlier_vs_later"
    assert dec.loc[(2022, 2020), "type"] == "later_vs_earlier"
    assert dec.loc[(2020, np.inf), "type"] == "treated_vs_never"
    # later_vs_earlier by hand: 2022 group vs the 2020 group on rounds 2020-2023
    means = sim.data.pivot_table("score_pct", "programme_start", "year")
    change = means[[2022, 2023]].mean(axis=1) - means[[2020, 2021]].mean(axis=1)
    assert dec.loc[(2022, 2020), "estimate"] == pytest.approx(change[2022] - change[2020])


def test_bacon_needs_a_balanced_panel():
    sim = simulate_staggered_panel(40, seed=3, observe_prob=0.9)
    with pytest.raises(ValueError, match="balanced panel"):
        bacon_decomposition(sim.data)


def test_twfe_weights_unbalanced_identity_and_negative_weight():
    # Unbalanced, noise-free panel: TWFE = sum of the weights times the true cell effects.
    sim = simulate_staggered_panel(
        80, cohorts={2020: 0.4, 2022: 0.4}, start_effect=1.0, effect_slope=2.0,
        noise_sd=0.0, observe_prob=0.8, seed=6,
    )  # fmt: skip
    w = twfe_weights(sim.data)
    assert w.cells["weight"].sum() == pytest.approx(1.0)
    assert w.summary["twfe"].item() == pytest.approx(_twfe(sim.data), abs=1e-8)
    # observation-level identity aggregated: each cell's effect is the truth of the cell
    merged = w.cells.merge(sim.group_time, on=["group", "year"])
    assert (merged["weight"] * merged["att"]).sum() == pytest.approx(w.summary["twfe"].item())
    # Known case (no never treated, early and late cohort, effects growing): the early
    # cohort's last round gets a negative weight, so TWFE understates the average effect.
    late = simulate_staggered_panel(60, cohorts={2021: 0.5, 2023: 0.5}, seed=2)
    cells = twfe_weights(late.data).cells.set_index(["group", "year"])
    assert cells.loc[(2021, 2023), "negative"]
    assert cells.loc[(2021, 2023), "weight"] < 0
    assert not cells.drop(index=(2021, 2023))["negative"].any()


def test_adoption_pattern_codes():
    df = tiny_panel()
    assert adoption_pattern(df) == "staggered" and is_staggered(df)
    single = df[df["organisation_id"] != "c"]
    assert adoption_pattern(single) == "single_start" and not is_staggered(single)
    none = df.assign(programme_start=np.nan)
    assert adoption_pattern(none) == "none_treated"
