"""Tests for dimios_research.stats.compare, with R reference values (tests/r/compare_reference.R).

The fixture tests/r/compare_groups.csv is written by tests/r/make_longitudinal_fixtures.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from dimios_research.stats.compare import (
    PINGOUIN_GAMESHOWELL_COLUMNS,
    ComparisonResult,
    adjust_pvalues,
    compare_groups,
    dunn,
    games_howell,
    hedges_g,
    kruskal,
    omega_squared,
    rank_biserial,
    studentized_range_quantile,
    welch_anova,
)

FIXTURE = Path(__file__).parent / "r" / "compare_groups.csv"


@pytest.fixture(scope="module")
def groups() -> pd.DataFrame:
    return pd.read_csv(FIXTURE)


# --------------------------------------------------------------------------------------------
# R references
# --------------------------------------------------------------------------------------------
def test_welch_anova_matches_r_oneway_test(groups: pd.DataFrame) -> None:
    # R: oneway.test(score_pct ~ type, data = d, var.equal = FALSE)
    #    F = 5.0519032979955742, num df = 3, denom df = 12.5817240383956648,
    #    p-value = 0.0161565375407377
    res = welch_anova(groups, dv="score_pct", between="type")
    row = res.iloc[0]
    assert row["method"] == "Welch ANOVA"
    assert row["statistic"] == pytest.approx(5.0519032979955742, rel=1e-10)
    assert row["df1"] == 3
    assert row["df2"] == pytest.approx(12.5817240383956648, rel=1e-10)
    assert row["p"] == pytest.approx(0.0161565375407377, rel=1e-8)
    assert row["n"] == 34 and row["n_groups"] == 4


def test_omega_squared_matches_r_anova(groups: pd.DataFrame) -> None:
    # R: a <- anova(lm(score_pct ~ type, data = d))
    #    (a[1, "Sum Sq"] - a[1, "Df"] * a[2, "Mean Sq"]) / (sum(a[, "Sum Sq"]) + a[2, "Mean Sq"])
    #    = 0.101032506442492
    assert omega_squared(groups) == pytest.approx(0.101032506442492, rel=1e-10)
    assert welch_anova(groups)["omega_squared"].item() == pytest.approx(0.101032506442492)


def test_kruskal_matches_r_kruskal_test(groups: pd.DataFrame) -> None:
    # R: kruskal.test(score_pct ~ type, data = d)
    #    Kruskal-Wallis chi-squared = 7.217330312449832, df = 3, p-value = 0.065284039065101
    #    epsilon squared: H / ((n^2 - 1) / (n + 1)) = 0.218706979165146
    row = kruskal(groups).iloc[0]
    assert row["statistic"] == pytest.approx(7.217330312449832, rel=1e-10)
    assert row["df"] == 3
    assert row["p"] == pytest.approx(0.065284039065101, rel=1e-8)
    assert row["epsilon_squared"] == pytest.approx(0.218706979165146, rel=1e-10)


def test_kruskal_fixture_has_ties(groups: pd.DataFrame) -> None:
    # The R comparison exercises the tie correction only if the fixture has ties.
    assert groups["score_pct"].duplicated().any()


P_RAW = [0.010, 0.040, 0.030, 0.005, 0.200, 0.041, np.nan, 0.900]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # R: p.adjust(c(0.010, 0.040, 0.030, 0.005, 0.200, 0.041, NA, 0.900), method = "holm")
        ("holm", [0.060, 0.160, 0.150, 0.035, 0.400, 0.160, np.nan, 0.900]),
        # R: p.adjust(c(0.010, 0.040, 0.030, 0.005, 0.200, 0.041, NA, 0.900), method = "BH")
        ("fdr_bh", [0.035, 0.0574, 0.0574, 0.035, 0.233333333333333, 0.0574, np.nan, 0.900]),
        # R: p.adjust(c(...same...), method = "bonferroni")
        ("bonferroni", [0.070, 0.280, 0.210, 0.035, 1.000, 0.287, np.nan, 1.000]),
        ("none", P_RAW),
    ],
)
def test_adjust_pvalues_matches_r_p_adjust(method: str, expected: list[float]) -> None:
    np.testing.assert_allclose(adjust_pvalues(P_RAW, method=method), expected, rtol=1e-12)


@pytest.mark.slow
def test_adjust_pvalues_matches_statsmodels() -> None:
    """The numpy adjustment equals statsmodels ``multipletests``, ties and extremes included."""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(7)
    for size in (1, 2, 7, 40):
        p = np.round(rng.uniform(0, 1, size) ** 3, 2)  # rounding makes ties, also 0 and 1
        for method in ("holm", "bonferroni", "fdr_bh"):
            expected = multipletests(p, method=method)[1]
            np.testing.assert_allclose(adjust_pvalues(p, method=method), expected, rtol=1e-12)


def test_adjust_pvalues_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="method"):
        adjust_pvalues([0.1], method="BH")
    with pytest.raises(ValueError, match="between 0 and 1"):
        adjust_pvalues([1.5])


def test_dunn_matches_hand_computation_in_r(groups: pd.DataFrame) -> None:
    # R (base, tests/r/compare_reference.R): tie-corrected Dunn z for kommun vs myndighet,
    #   r <- rank(d$score_pct); s2 <- n*(n+1)/12 - sum(t^3 - t)/(12*(n-1))
    #   z <- (mean(r[kommun]) - mean(r[myndighet])) / sqrt(s2 * (1/n_k + 1/n_m))
    #   z = 0.0102745292291346, p = 2 * pnorm(-abs(z)) = 0.9918022559925831
    res = dunn(groups, p_adjust="holm")
    row = res.query("group_a == 'kommun' and group_b == 'myndighet'").iloc[0]
    assert row["z"] == pytest.approx(0.0102745292291346, rel=1e-8)
    assert row["p"] == pytest.approx(0.9918022559925831, rel=1e-10)
    assert len(res) == 6
    np.testing.assert_allclose(res["p_adj"], adjust_pvalues(res["p"], "holm"))
    assert (res["p_adjust"] == "holm").all()


def test_dunn_rank_biserial_matches_pingouin_mwu(groups: pd.DataFrame) -> None:
    res = dunn(groups).set_index(["group_a", "group_b"])
    a = groups.loc[groups["type"] == "kommun", "score_pct"]
    b = groups.loc[groups["type"] == "region", "score_pct"]
    expected = pg.mwu(a, b)["RBC"].item()
    assert res.loc[("kommun", "region"), "rank_biserial"] == pytest.approx(expected)
    # every pair (computed at once from one comparison matrix) equals the pairwise function,
    # ties included
    tied = groups.assign(score_pct=groups["score_pct"].round(-1))
    for (ga, gb), row in dunn(tied).set_index(["group_a", "group_b"]).iterrows():
        x = tied.loc[tied["type"] == ga, "score_pct"]
        y = tied.loc[tied["type"] == gb, "score_pct"]
        assert row["rank_biserial"] == pytest.approx(rank_biserial(x, y), abs=1e-12)


def test_games_howell_matches_ptukey_in_r(groups: pd.DataFrame) -> None:
    # R (base): kommun vs region, t = (mean(xa) - mean(xb)) / sqrt(va + vb),
    #   Welch df nu, p = ptukey(sqrt(2) * abs(t), nlevels(d$type), nu, lower.tail = FALSE)
    #   t = -3.65876251907574535, df = 17.16311052654468483, p = 0.00939315759892922
    res = games_howell(groups).set_index(["group_a", "group_b"])
    row = res.loc[("kommun", "region")]
    assert row["t"] == pytest.approx(-3.65876251907574535, rel=1e-10)
    assert row["df"] == pytest.approx(17.16311052654468483, rel=1e-10)
    assert row["p"] == pytest.approx(0.00939315759892922, rel=1e-4)
    # R: q <- qtukey(0.95, nlevels(d$type), nu); diff -/+ q / sqrt(2) * sqrt(va + vb)
    #   ci_low = -15.13960525336947, ci_high = -1.90801379424957 (qtukey: precision 1e-4)
    assert row["ci_low"] == pytest.approx(-15.13960525336947, rel=1e-6)
    assert row["ci_high"] == pytest.approx(-1.90801379424957, rel=1e-6)


@pytest.mark.parametrize(
    ("level", "k", "df", "expected"),
    [
        (0.95, 3, 10.0, 3.87677674919156),  # R: qtukey(0.95, 3, 10)
        (0.95, 5, 6.381711, 5.20061402332045),  # R: qtukey(0.95, 5, 6.381711)
        (0.95, 5, 12.933262, 4.45627481544063),  # R: qtukey(0.95, 5, 12.933262)
        (0.95, 5, 108.16811, 3.92349448363740),  # R: qtukey(0.95, 5, 108.16811)
        (0.99, 21, 40.7, 6.23936848444842),  # R: qtukey(0.99, 21, 40.7)
    ],
)
def test_studentized_range_quantile_matches_qtukey(level, k, df, expected) -> None:
    q = studentized_range_quantile(level, k, np.array([df]))[0]
    assert q == pytest.approx(expected, rel=1e-6)  # R's qtukey iterates to 1e-4 only


@pytest.mark.parametrize(
    ("level", "df", "expected"),
    [
        (0.90, 3.5, 3.14299558819149),  # R: sqrt(2) * qt(0.95, 3.5)
        (0.95, 1.5, 8.50884656251179),  # R: sqrt(2) * qt(0.975, 1.5)
    ],
)
def test_studentized_range_quantile_is_exact_for_two_groups(level, df, expected) -> None:
    # The range of two standard normals over S is sqrt(2) |t|: an exact reference.
    q = studentized_range_quantile(level, 2, np.array([df]))[0]
    assert q == pytest.approx(expected, rel=1e-10)


@pytest.mark.slow
def test_studentized_range_quantile_matches_scipy_ppf() -> None:
    """Vectorised over df (tiny and infinite df included) and as exact as scipy's ppf."""
    from scipy import stats

    dfs = np.array([1.05, 1.7, 3.5, 17.2, 150.3, 1200.0, np.inf])
    for level, k in ((0.95, 2), (0.95, 7), (0.99, 4)):
        expected = [stats.studentized_range.ppf(level, k, d) for d in dfs]
        np.testing.assert_allclose(studentized_range_quantile(level, k, dfs), expected, rtol=1e-8)


# --------------------------------------------------------------------------------------------
# Games-Howell sanity
# --------------------------------------------------------------------------------------------
def test_games_howell_is_symmetric_and_matches_pingouin(groups: pd.DataFrame) -> None:
    res = games_howell(groups)
    assert list(res.columns) == [
        "group_a",
        "group_b",
        "mean_a",
        "mean_b",
        "diff",
        "se",
        "t",
        "df",
        "p",
        "ci_low",
        "ci_high",
        "hedges_g",
        "method",
    ]
    ref = pg.pairwise_gameshowell(data=groups, dv="score_pct", between="type")
    np.testing.assert_allclose(res["p"], ref["pval"])
    np.testing.assert_allclose(res["hedges_g"], ref["hedges"])
    # Swapping the group labels (reversing the sort order) flips signs, keeps p.
    flipped = groups.assign(
        type="z_"
        + groups["type"].map({"annan": "4", "kommun": "3", "myndighet": "2", "region": "1"})
    )
    res2 = games_howell(flipped)
    np.testing.assert_allclose(np.sort(res2["p"]), np.sort(res["p"]), rtol=1e-12)
    np.testing.assert_allclose(np.sort(-res2["diff"]), np.sort(res["diff"]), rtol=1e-12)
    # The interval and the p agree: the CI excludes 0 exactly when p < 0.05.
    excludes_zero = (res["ci_low"] > 0) | (res["ci_high"] < 0)
    assert (excludes_zero == (res["p"] < 0.05)).all()


def test_pingouin_gameshowell_columns_exist() -> None:
    # Guard: pingouin 0.6 -> 0.7 renamed output columns; the comparison below reads them.
    d = pd.DataFrame({"g": list("aaabbbccc"), "y": [1.0, 2, 4, 2, 5, 6, 7, 8, 10]})
    out = pg.pairwise_gameshowell(data=d, dv="y", between="g")
    missing = set(PINGOUIN_GAMESHOWELL_COLUMNS) - set(out.columns)
    assert not missing, f"pingouin {pg.__version__} renamed columns: {missing}"
    ours = games_howell(d, dv="y", between="g")
    theirs = out[list(PINGOUIN_GAMESHOWELL_COLUMNS)].to_numpy()
    mine = ours[["group_a", "group_b", "mean_a", "mean_b", "diff", "se", "t", "df", "p"]]
    assert (mine.iloc[:, :2].to_numpy() == theirs[:, :2]).all()
    np.testing.assert_allclose(mine.iloc[:, 2:].to_numpy(float), theirs[:, 2:].astype(float))
    assert {"U_val", "RBC"} <= set(pg.mwu([1.0, 2, 3], [2.0, 4, 5]).columns)


# --------------------------------------------------------------------------------------------
# Effect sizes
# --------------------------------------------------------------------------------------------
def test_hedges_g_hand_computation() -> None:
    x = [50.0, 54.0, 58.0, 62.0]  # mean 56, var 80/3
    y = [44.0, 46.0, 48.0]  # mean 46, var 4
    pooled_sd = np.sqrt((3 * 80 / 3 + 2 * 4) / 5)  # sqrt(88/5)
    d = 10 / pooled_sd
    j = 1 - 3 / (4 * 7 - 9)
    assert hedges_g(x, y) == pytest.approx(j * d, rel=1e-12)
    assert hedges_g(y, x) == pytest.approx(-j * d, rel=1e-12)
    with pytest.raises(ValueError, match="at least two"):
        hedges_g([1.0], y)


def test_rank_biserial_hand_computation() -> None:
    # Pairs x > y: 3 > (1, 2) -> 2, 4 > (1, 2) -> 2, tie 2 = 2 -> 0.5, 2 > 1 -> 1: U_x = 5.5
    x, y = [2.0, 3.0, 4.0], [1.0, 2.0]
    assert rank_biserial(x, y) == pytest.approx(2 * 5.5 / 6 - 1)


# --------------------------------------------------------------------------------------------
# compare_groups
# --------------------------------------------------------------------------------------------
def test_compare_groups_drops_small_groups_visibly(groups: pd.DataFrame) -> None:
    tiny = pd.DataFrame({"organisation_id": ["x1"], "type": ["ovrig"], "score_pct": [70.0]})
    data = pd.concat([groups, tiny], ignore_index=True)
    res = compare_groups(data, method="welch", min_group_size=2)
    assert isinstance(res, ComparisonResult)
    assert res.dropped_groups == ("ovrig",)
    assert res.omnibus["dropped_groups"].item() == "ovrig (n=1)"
    assert "ovrig" not in set(res.posthoc["group_a"]) | set(res.posthoc["group_b"])
    # Same numbers as without the tiny group.
    assert res.omnibus["statistic"].item() == pytest.approx(5.0519032979955742, rel=1e-10)
    assert res.p_adjust == "games-howell" and (res.posthoc["p_adjust"] == "games-howell").all()


def test_compare_groups_kruskal_names_adjustment(groups: pd.DataFrame) -> None:
    res = compare_groups(groups, method="kruskal", p_adjust="fdr_bh", min_group_size=6)
    assert res.method == "kruskal" and res.p_adjust == "fdr_bh"
    assert res.dropped_groups == ("annan",)  # n = 5 < 6
    assert res.omnibus["n_groups"].item() == 3
    assert (res.posthoc["p_adjust"] == "fdr_bh").all()
    assert (res.posthoc["p_adj"] >= res.posthoc["p"]).all()


def test_compare_groups_errors(groups: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="method"):
        compare_groups(groups, method="anova")
    with pytest.raises(ValueError, match="not a column"):
        compare_groups(groups, between="county")
    with pytest.raises(ValueError, match="fewer than two groups"):
        compare_groups(groups, min_group_size=15)
    with pytest.raises(ValueError, match="two distinct values"):
        welch_anova(groups.iloc[:-4])  # leaves 'annan' with one organisation
