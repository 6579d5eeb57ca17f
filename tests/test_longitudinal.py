"""Tests for dimios_research.stats.panel.

Reference values come from R (tests/r/longitudinal_reference.R, lme4 + sandwich) on the
fixture tests/r/longitudinal_panel.csv (written by tests/r/make_longitudinal_fixtures.py:
40 organisations, 2-5 rounds each in 2019-2023, staggered programme starts).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dimios_research.stats.growth import GrowthModelResult, growth_model
from dimios_research.stats.panel import attrition_table, paired_change, panel
from dimios_research.stats.programme import event_study, programme_effect
from dimios_research.stats.targets import target_attainment

FIXTURE = Path(__file__).parent / "r" / "longitudinal_panel.csv"


@pytest.fixture(scope="module")
def fixture_panel() -> pd.DataFrame:
    return pd.read_csv(FIXTURE)


def simulate_panel(seed: int = 7, n_org: int = 80) -> pd.DataFrame:
    """Panel with a known yearly trend (+1.5) and programme effect (+4 from the start year)."""
    rng = np.random.default_rng(seed)
    years = np.arange(2019, 2024)
    org = np.repeat(np.arange(n_org), years.size)
    year = np.tile(years, n_org)
    start = np.where(rng.random(n_org) < 0.5, rng.choice([2020, 2021, 2022], n_org), np.nan)
    active = ~np.isnan(start[org]) & (year >= np.nan_to_num(start[org], nan=np.inf))
    score = (
        50.0
        + 1.5 * (year - 2021)
        + 4.0 * active
        + rng.normal(0, 6.0, n_org)[org]
        + rng.normal(0, 2.5, org.size)
    )
    keep = rng.random(org.size) < 0.85  # some missed rounds: unbalanced
    return pd.DataFrame(
        {
            "year": year,
            "organisation_id": [f"o{i:03d}" for i in org],
            "score_pct": score,
            "programme_start": start[org],
            "programme_active": active.astype(float),
        }
    )[keep].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# growth_model vs lme4
# --------------------------------------------------------------------------------------------
def test_growth_random_intercept_matches_lmer(fixture_panel: pd.DataFrame) -> None:
    # R: m1 <- lmer(score_pct ~ year + (1 | organisation_id), data = d, REML = TRUE)
    #    fixef(m1): (Intercept) -3489.48004045801599, year 1.75143454332591
    #    sqrt(diag(vcov(m1))): 552.478146898144587, 0.273360900593542
    #    VarCorr: organisation_id (Intercept) 31.4318364465209, Residual 20.8989141818231
    res = growth_model(fixture_panel)
    assert isinstance(res, GrowthModelResult)
    assert list(res.params.index) == ["Intercept", "year"]
    assert res.params["year"] == pytest.approx(1.75143454332591, abs=1e-4)
    assert res.bse["year"] == pytest.approx(0.273360900593542, abs=1e-4)
    # The raw-year intercept is ~-3489 (time 0 = year 0): compare it relative to its size.
    assert res.params["Intercept"] == pytest.approx(-3489.48004045801599, rel=1e-7)
    assert res.bse["Intercept"] == pytest.approx(552.478146898144587, rel=1e-7)
    assert res.group_variance == pytest.approx(31.4318364465209, abs=1e-4)
    assert res.residual_variance == pytest.approx(20.8989141818231, abs=1e-4)
    assert res.slope_variance is None
    assert res.converged and res.n_obs == 147 and res.n_groups == 40


def test_growth_model_does_not_depend_on_the_index(fixture_panel: pd.DataFrame) -> None:
    # A panel stacked from yearly tables repeats index labels (0, 1, ... in every year); the
    # fit must be the one of the same rows with a fresh index (issue: SE 0.057 vs 0.154).
    stacked = pd.concat([year.reset_index(drop=True) for _, year in fixture_panel.groupby("year")])
    assert stacked.index.has_duplicates
    fresh = growth_model(stacked.reset_index(drop=True))
    repeated = growth_model(stacked)
    assert repeated.n_obs == fresh.n_obs == len(fixture_panel)
    pd.testing.assert_series_equal(repeated.params, fresh.params)
    pd.testing.assert_series_equal(repeated.bse, fresh.bse)


def test_growth_centred_time_matches_lmer(fixture_panel: pd.DataFrame) -> None:
    # R: m1c <- lmer(score_pct ~ year_c + (1 | organisation_id), data = d, REML = TRUE),
    #    year_c = year - 2021
    #    fixef: (Intercept) 50.16917160836277, year_c 1.75143454118473
    #    se:    0.966559903775145, 0.273360890216965
    res = growth_model(fixture_panel, center_time=2021)
    assert res.params["Intercept"] == pytest.approx(50.16917160836277, abs=1e-4)
    assert res.bse["Intercept"] == pytest.approx(0.966559903775145, abs=1e-4)
    assert res.params["year"] == pytest.approx(1.75143454118473, abs=1e-4)
    assert res.bse["year"] == pytest.approx(0.273360890216965, abs=1e-4)
    # Centring changes the intercept only.
    raw = growth_model(fixture_panel)
    assert res.params["year"] == pytest.approx(raw.params["year"], abs=1e-9)
    assert res.group_variance == pytest.approx(raw.group_variance, abs=1e-9)


def test_growth_random_slope_matches_lmer(fixture_panel: pd.DataFrame) -> None:
    # R: m2 <- lmer(score_pct ~ year_c + (1 + year_c | organisation_id), data = d, REML = TRUE,
    #               control = lmerControl(optimizer = "bobyqa")), year_c = year - 2021
    #    fixef: (Intercept) 50.1727970756398, year_c 1.7381809556482
    #    se:    0.965830134068600, 0.280830651680223
    #    VarCorr (vcov): (Intercept) 31.527848838484520, year_c 0.238383237200766,
    #                    cov 1.134245243672810, Residual 20.262492561533406
    res = growth_model(fixture_panel, random_slope=True, center_time=2021)
    assert res.params["Intercept"] == pytest.approx(50.1727970756398, abs=1e-4)
    assert res.params["year"] == pytest.approx(1.7381809556482, abs=1e-4)
    assert res.bse["Intercept"] == pytest.approx(0.965830134068600, abs=1e-4)
    assert res.bse["year"] == pytest.approx(0.280830651680223, abs=1e-4)
    assert res.group_variance == pytest.approx(31.527848838484520, abs=1e-4)
    assert res.slope_variance == pytest.approx(0.238383237200766, abs=1e-4)
    assert res.intercept_slope_covariance == pytest.approx(1.134245243672810, abs=1e-4)
    assert res.residual_variance == pytest.approx(20.262492561533406, abs=1e-4)
    assert res.converged


def test_growth_with_covariate_matches_lmer(fixture_panel: pd.DataFrame) -> None:
    # R: m3 <- lmer(score_pct ~ year_c + type + (1 | organisation_id), data = d, REML = TRUE)
    #    fixef: (Intercept) 49.5959312501344982, year_c 1.7533415627458178,
    #           typemyndighet 2.4985271149838089, typeregion 0.0596707959080698
    #    se: 1.262898018679941, 0.273499655088126, 2.414565819496641, 2.649040344141754
    #    VarCorr: organisation_id 32.2400232841682, Residual 20.9072747390667
    res = growth_model(fixture_panel, covariates=["C(type)"], center_time=2021)
    terms = ["Intercept", "year", "C(type)[T.myndighet]", "C(type)[T.region]"]
    np.testing.assert_allclose(
        res.params[terms],
        [49.5959312501344982, 1.7533415627458178, 2.4985271149838089, 0.0596707959080698],
        atol=1e-4,
    )
    np.testing.assert_allclose(
        res.bse[terms],
        [1.262898018679941, 0.273499655088126, 2.414565819496641, 2.649040344141754],
        atol=1e-4,
    )
    assert res.group_variance == pytest.approx(32.2400232841682, abs=1e-4)
    assert res.residual_variance == pytest.approx(20.9072747390667, abs=1e-4)
    with pytest.raises(ValueError, match="covariates"):
        growth_model(fixture_panel, covariates=["not_a_column"])


def test_growth_to_frame_and_predict(fixture_panel: pd.DataFrame) -> None:
    res = growth_model(fixture_panel, center_time=2021)
    table = res.to_frame()
    assert list(table.columns) == ["term", "estimate", "se", "ci_low", "ci_high", "p", "method"]
    year_row = table.set_index("term").loc["year"]
    assert year_row["ci_low"] == pytest.approx(year_row["estimate"] - 1.959963985 * year_row["se"])
    pred = res.predict([2021, 2023])
    # At the centre the prediction is the intercept with its own se.
    assert pred["estimate"].iloc[0] == pytest.approx(res.params["Intercept"])
    assert pred["se"].iloc[0] == pytest.approx(res.bse["Intercept"])
    assert pred["estimate"].iloc[1] == pytest.approx(
        res.params["Intercept"] + 2 * res.params["year"]
    )
    # Predictions do not depend on the centring.
    raw = growth_model(fixture_panel).predict([2021, 2023])
    np.testing.assert_allclose(raw[["estimate", "se"]], pred[["estimate", "se"]], rtol=1e-6)


def test_growth_model_errors(fixture_panel: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="lacks column"):
        growth_model(fixture_panel, outcome="capability")
    with pytest.raises(ValueError, match="center_time"):
        growth_model(fixture_panel, center_time="median")


# --------------------------------------------------------------------------------------------
# programme_effect / event_study vs sandwich::vcovCL
# --------------------------------------------------------------------------------------------
def test_programme_effect_matches_vcovcl_hc1(fixture_panel: pd.DataFrame) -> None:
    # R: d$D <- as.integer(!is.na(d$programme_start) & d$year >= d$programme_start)
    #    fit <- lm(score_pct ~ D + factor(organisation_id) + factor(year), data = d)
    #    V <- vcovCL(fit, cluster = ~organisation_id, type = "HC1")
    #    coef(fit)["D"] = 2.18862655362245, sqrt(V["D", "D"]) = 1.79545436702137
    res = programme_effect(fixture_panel)
    row = res.effect.iloc[0]
    assert row["estimate"] == pytest.approx(2.18862655362245, abs=1e-6)
    assert row["se"] == pytest.approx(1.79545436702137, abs=1e-6)
    assert row["n_obs"] == 147 and row["n_clusters"] == 40 and row["n_treated"] == 21


def test_event_study_matches_vcovcl_hc1(fixture_panel: pd.DataFrame) -> None:
    # R: event time rel = year - programme_start binned with pmin(pmax(rel, -2), 2),
    #    fe <- lm(score_pct ~ ev_m2 + ev_0 + ev_1 + ev_2 + factor(organisation_id)
    #             + factor(year), data = d)
    #    Ve <- vcovCL(fe, cluster = ~organisation_id, type = "HC1")
    #    estimates: ev_m2 3.57371909194693, ev_0 3.94713249201980, ev_1 3.00528572492517,
    #               ev_2 1.58462387765750
    #    se:        ev_m2 2.16645372533889, ev_0 1.42540694291454, ev_1 2.43149447706626,
    #               ev_2 2.63511973286252
    #    Wald of the lead: coef(fe)["ev_m2"]^2 / Ve["ev_m2", "ev_m2"] = 2.72108426138173
    res = event_study(fixture_panel, leads=2, lags=2)
    coef = res.coefficients.set_index("event_time")
    assert list(coef.index) == [-2, -1, 0, 1, 2]
    np.testing.assert_allclose(
        coef.loc[[-2, 0, 1, 2], "estimate"],
        [3.57371909194693, 3.94713249201980, 3.00528572492517, 1.58462387765750],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        coef.loc[[-2, 0, 1, 2], "se"],
        [2.16645372533889, 1.42540694291454, 2.43149447706626, 2.63511973286252],
        atol=1e-6,
    )
    assert coef.loc[-1, "estimate"] == 0 and coef.loc[-1, "is_reference"]
    test = res.pre_trend_test.iloc[0]
    assert test["statistic"] == pytest.approx(2.72108426138173, abs=1e-6)
    assert (test["df1"], test["df2"]) == (1, 39)
    assert 0 < test["p"] < 1


def test_event_study_needs_three_rounds(fixture_panel: pd.DataFrame) -> None:
    two_rounds = fixture_panel[fixture_panel["year"].isin([2021, 2023])]
    with pytest.raises(ValueError, match="at least three rounds"):
        event_study(two_rounds)
    # The DiD itself works with two rounds.
    assert np.isfinite(programme_effect(two_rounds).effect["se"].item())


def test_programme_effect_rejects_varying_start(fixture_panel: pd.DataFrame) -> None:
    bad = fixture_panel.copy()
    bad.loc[bad.index[0], "programme_start"] = 2020.0
    with pytest.raises(ValueError, match="constant within each organisation"):
        programme_effect(bad)


# --------------------------------------------------------------------------------------------
# Parameter recovery on simulated data
# --------------------------------------------------------------------------------------------
@pytest.mark.slow  # over a second: left out of make test-fast
def test_parameter_recovery_trend_and_programme_effect() -> None:
    data = simulate_panel(seed=7)
    growth = growth_model(data, covariates=["programme_active"], center_time=2021).to_frame()
    slope = growth.set_index("term").loc["year"]
    assert slope["ci_low"] < 1.5 < slope["ci_high"]
    assert abs(slope["estimate"] - 1.5) < 0.4

    effect = programme_effect(data).effect.iloc[0]
    assert effect["ci_low"] < 4.0 < effect["ci_high"]
    assert abs(effect["estimate"] - 4.0) < 1.0
    assert effect["p"] < 0.001

    # No anticipation was simulated: the leads are near zero; the pre-trend test is not
    # significant and the lags recover the effect.
    es = event_study(data, leads=2, lags=1)
    coef = es.coefficients.set_index("event_time")
    assert coef.loc[0, "ci_low"] < 4.0 < coef.loc[0, "ci_high"]
    assert es.pre_trend_test["p"].item() > 0.05


# --------------------------------------------------------------------------------------------
# panel, attrition, paired change
# --------------------------------------------------------------------------------------------
def test_panel_and_paired_change_match_r_t_test(fixture_panel: pd.DataFrame) -> None:
    # R: b <- d[d$year == 2021, ]; f <- d[d$year == 2023, ]; p <- merge(b, f, ...)
    #    t.test(p$score_pct_f, p$score_pct_b, paired = TRUE)
    #    n = 20, mean = 3.7545000000000011, CI 0.8764385176242293 to 6.6325614823757730,
    #    p = 0.0132872542922191
    wide = panel(fixture_panel, 2021, 2023)
    assert {"baseline", "follow_up", "change", "se_baseline", "se_follow_up"} <= set(wide)
    res = paired_change(wide).iloc[0]
    assert res["n"] == 20
    assert res["mean_change"] == pytest.approx(3.7545000000000011, rel=1e-12)
    assert res["ci_low"] == pytest.approx(0.8764385176242293, rel=1e-10)
    assert res["ci_high"] == pytest.approx(6.6325614823757730, rel=1e-10)
    assert res["p"] == pytest.approx(0.0132872542922191, rel=1e-8)
    assert res["reliable_change_basis"] == "se"


def test_attrition_table_matches_r_welch(fixture_panel: pd.DataFrame) -> None:
    # R: stayed <- b$organisation_id %in% f$organisation_id
    #    t.test(b$score_pct[stayed], b$score_pct[!stayed])
    #    n_stayed = 20, n_left = 8, t = -0.724109129018085, df = 11.370328419890424,
    #    p = 0.483631825660747
    row = attrition_table(fixture_panel, 2021, 2023).iloc[0]
    assert (row["n_stayed"], row["n_left"]) == (20, 8)
    assert row["t"] == pytest.approx(-0.724109129018085, rel=1e-10)
    assert row["df"] == pytest.approx(11.370328419890424, rel=1e-10)
    assert row["p"] == pytest.approx(0.483631825660747, rel=1e-10)


def test_paired_change_hand_case() -> None:
    wide = pd.DataFrame(
        {
            "organisation_id": list("abcd"),
            "baseline": [40.0, 50.0, 60.0, 50.0],
            "follow_up": [46.0, 52.0, 57.0, 59.0],
            "se_baseline": [2.0, 1.0, 1.0, 3.0],
            "se_follow_up": [2.0, 1.0, 1.0, 4.0],
        }
    ).assign(change=lambda d: d["follow_up"] - d["baseline"])
    # changes 6, 2, -3, 9: mean 3.5, sd sqrt(((2.5)^2 + 1.5^2 + 6.5^2 + 5.5^2) / 3) = sqrt(27)
    # thresholds 1.96 * sqrt(se_b^2 + se_f^2): 5.544, 2.772, 2.772, 9.8
    # reliably improved: a (6 > 5.544); declined: c (-3 < -2.772); d (9 < 9.8) is not.
    res = paired_change(wide).iloc[0]
    assert res["n"] == 4
    assert res["mean_change"] == pytest.approx(3.5)
    assert res["sd_change"] == pytest.approx(np.sqrt(27))
    assert res["d_z"] == pytest.approx(3.5 / np.sqrt(27))
    half = 3.182446305284263 * np.sqrt(27) / 2  # qt(0.975, 3) * sd / sqrt(4)
    assert res["ci_low"] == pytest.approx(3.5 - half)
    assert res["ci_high"] == pytest.approx(3.5 + half)
    assert res["share_improved"] == pytest.approx(0.75)
    assert res["share_reliably_improved"] == pytest.approx(0.25)
    assert res["share_reliably_declined"] == pytest.approx(0.25)

    # Without se columns: Jacobson-Truax with reliability 0.9:
    # threshold = 1.96 * sqrt(2 * 0.1) * sd(baseline) = 1.96 * sqrt(0.2) * sqrt(200/3) = 7.157
    jt = paired_change(wide.drop(columns=["se_baseline", "se_follow_up"]), reliability=0.9)
    assert jt["reliable_change_basis"].item() == "jacobson_truax"
    assert jt["share_reliably_improved"].item() == pytest.approx(0.25)  # only d (9)
    assert jt["share_reliably_declined"].item() == 0
    none = paired_change(wide.drop(columns=["se_baseline", "se_follow_up"]))
    assert none["reliable_change_basis"].item() == "none"
    assert np.isnan(none["share_reliably_improved"].item())


def test_paired_change_per_level_and_unit() -> None:
    scores = pd.DataFrame(
        {
            "level": ["dimension"] * 8,
            "unit": ["capability"] * 4 + ["legacy"] * 4,
            "organisation_id": list("aabb") * 2,
            "year": [2021, 2023] * 4,
            "score_pct": [40.0, 45.0, 50.0, 53.0, 60.0, 58.0, 70.0, 66.0],
        }
    )
    res = paired_change(panel(scores, 2021, 2023))
    assert list(res["unit"]) == ["capability", "legacy"]
    np.testing.assert_allclose(res["mean_change"], [4.0, -3.0])
    assert (res["n"] == 2).all()


def test_panel_errors(fixture_panel: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="different rounds"):
        panel(fixture_panel, 2021, 2021)
    with pytest.raises(ValueError, match="no scores"):
        panel(fixture_panel, 2021, 2030)
    with pytest.raises(ValueError, match="duplicate"):
        panel(pd.concat([fixture_panel, fixture_panel.iloc[:1]]), 2019, 2020)


# --------------------------------------------------------------------------------------------
# target_attainment
# --------------------------------------------------------------------------------------------
def test_target_attainment_hand_case() -> None:
    # Exact line 45 + 2 (year - 2019); se of each round = 1 / 1.959964 (CI +/- 1).
    index = pd.DataFrame(
        {"year": [2019, 2020, 2021, 2022, 2023], "estimate": [45.0, 47.0, 49.0, 51.0, 53.0]}
    ).assign(ci_low=lambda d: d["estimate"] - 1, ci_high=lambda d: d["estimate"] + 1)
    res = target_attainment(index, target=55.0, target_year=2023)
    rounds = res.rounds.set_index("year")
    assert rounds.loc[2023, "gap"] == pytest.approx(-2.0)
    assert (rounds.loc[2023, "gap_ci_low"], rounds.loc[2023, "gap_ci_high"]) == (-3.0, -1.0)
    assert not rounds["target_met"].any() and rounds.loc[2023, "is_target_year"]
    proj = res.projection.iloc[0]
    assert res.status == "projected"
    assert proj["slope"] == pytest.approx(2.0)
    assert proj["projected_year"] == pytest.approx(2024.0)
    # Residuals are 0 so the dispersion is 1: var(slope) = se^2 / sum((t - 2021)^2) = se^2 / 10
    slope_se = (1 / 1.959963984540054) / np.sqrt(10)
    low_slope, high_slope = 2 - 1.959963984540054 * slope_se, 2 + 1.959963984540054 * slope_se
    # anchor 2021 at 49: 6 points to go
    assert proj["projected_year_low"] == pytest.approx(2021 + 6 / high_slope)
    assert proj["projected_year_high"] == pytest.approx(2021 + 6 / low_slope)
    assert proj["source"] == "weighted_fit"


def test_target_attainment_never_reached_and_reached() -> None:
    index = pd.DataFrame(
        {
            "year": [2019, 2021, 2023],
            "estimate": [50.0, 49.0, 48.0],
            "ci_low": [48.0, 47.0, 46.0],
            "ci_high": [52.0, 51.0, 50.0],
        }
    )
    res = target_attainment(index, target=55.0)
    assert res.status == "not_reached"
    assert np.isnan(res.projection["projected_year"].item())

    slow = index.assign(
        estimate=[50.0, 50.1, 50.2], ci_low=[49.9, 50.0, 50.1], ci_high=[50.1, 50.2, 50.3]
    )
    assert target_attainment(slow, target=55.0, horizon=30).status == "beyond_horizon"

    met = index.assign(
        estimate=[54.0, 56.0, 58.0], ci_low=[53.0, 55.0, 57.0], ci_high=[55.0, 57.0, 59.0]
    )
    res_met = target_attainment(met, target=55.0)
    assert res_met.status == "reached"
    assert res_met.rounds["target_met_with_confidence"].tolist() == [False, True, True]


def test_target_attainment_from_growth_model(fixture_panel: pd.DataFrame) -> None:
    growth = growth_model(fixture_panel, center_time=2021)
    index = pd.DataFrame({"year": [2021], "estimate": [50.0], "ci_low": [49.0], "ci_high": [51.0]})
    res = target_attainment(index, target=55.0, growth=growth)
    proj = res.projection.iloc[0]
    mean_at_anchor = growth.predict([growth.time_mean])["estimate"].item()
    expected = growth.time_mean + (55.0 - mean_at_anchor) / growth.params["year"]
    assert proj["projected_year"] == pytest.approx(expected)
    assert proj["projected_year_low"] < expected < proj["projected_year_high"]
    assert proj["source"] == "growth_model"
    with pytest.raises(ValueError, match="at least two rounds"):
        target_attainment(index, target=55.0)


def test_programme_design_problem_names_why_not_estimable():
    from dimios_research.stats.programme import programme_design_problem

    base = pd.DataFrame(
        {
            "organisation_id": ["a", "a", "b", "b"],
            "year": [2022, 2023, 2022, 2023],
            "score_pct": [50.0, 52.0, 48.0, 49.0],
        }
    )
    all_in = base.assign(programme_start=2021.0)
    assert programme_design_problem(all_in) == "all_treated"
    with pytest.raises(ValueError, match="every organisation-round is treated"):
        programme_effect(all_in)
    with pytest.raises(ValueError, match="every organisation-round is treated"):
        event_study(all_in)
    assert programme_design_problem(base.assign(programme_start=np.nan)) == "none_treated"
    staggered = base.assign(programme_start=[2023.0, 2023.0, np.nan, np.nan])
    assert programme_design_problem(staggered) is None
    assert programme_design_problem(staggered, min_rounds=3) == "too_few_rounds"
