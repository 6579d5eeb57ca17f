"""Tests of dimios_research.stats.agreement against R multilevel 2.7 and hand computations.

Reference values: ``Rscript tests/r/agreement_reference.R`` (prints every value below) on
``tests/r/agreement_fixture.csv`` (complete data, organisations A-G of sizes 5, 8, 3, 1, 6, 4,
7; "D" has one respondent, "F" answers only 1 and 5 so its variance exceeds the null).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dimios_research.stats.agreement import (
    ad_m,
    aggregation_table,
    icc1,
    icc2,
    icc_table,
    null_variance,
    rwg,
    rwg_j,
)

FIXTURE = Path(__file__).parent / "r" / "agreement_fixture.csv"
ITEMS = ["item_1", "item_2", "item_3", "item_4"]
GROUPS = ["A", "B", "C", "D", "E", "F", "G"]
SIZES = [5, 8, 3, 1, 6, 4, 7]
TOL = 1e-6


@pytest.fixture(scope="module")
def fx() -> pd.DataFrame:
    return pd.read_csv(FIXTURE)


# --------------------------------------------------------------------------------------------
# rwg, rwg(j), AD against multilevel
# --------------------------------------------------------------------------------------------


def test_rwg_matches_multilevel_uniform(fx: pd.DataFrame) -> None:
    result = rwg(fx["x"], fx["organisation_id"])
    # rwg(fx$x, fx$organisation_id, ranvar = 2)
    expected = [0.75, 0.9375, 0.833333333333333, np.nan, 0.85, 0.0, 0.857142857142857]
    assert list(result.columns) == ["group", "rwg", "observed_variance", "n"]
    assert result["group"].tolist() == GROUPS
    assert result["n"].tolist() == SIZES
    np.testing.assert_allclose(result["rwg"], expected, atol=TOL)
    # the single respondent of D gives NaN; F's variance is above the null and rwg is capped
    assert np.isnan(result.loc[3, "rwg"])
    assert result.loc[5, "observed_variance"] > null_variance("uniform", 5)
    assert result.loc[5, "rwg"] == 0.0


def test_rwg_matches_multilevel_slight_skew(fx: pd.DataFrame) -> None:
    result = rwg(fx["x"], fx["organisation_id"], null="slight_skew")
    # rwg(fx$x, fx$organisation_id, ranvar = 1.34)
    expected = [
        0.626865671641791,
        0.906716417910448,
        0.751243781094527,
        np.nan,
        0.776119402985075,
        0.0,
        0.786780383795309,
    ]
    np.testing.assert_allclose(result["rwg"], expected, atol=TOL)
    # a float null variance is used as is
    pd.testing.assert_frame_equal(result, rwg(fx["x"], fx["organisation_id"], null=1.34))


@pytest.mark.parametrize("missing", ["pairwise", "listwise"])
def test_rwg_j_matches_multilevel_uniform(fx: pd.DataFrame, missing: str) -> None:
    result = rwg_j(fx[ITEMS], fx["organisation_id"], missing=missing)
    # rwg.j(fx[, items], fx$organisation_id, ranvar = 2)
    expected = [
        0.887029288702929,
        0.77140169332079,
        0.8,
        np.nan,
        0.906666666666667,
        0.0,
        0.931899641577061,
    ]
    assert list(result.columns) == ["group", "rwg_j", "mean_variance", "n_items", "n"]
    np.testing.assert_allclose(result["rwg_j"], expected, atol=TOL)
    assert result["n"].tolist() == SIZES
    assert result["n_items"].tolist() == [4, 4, 4, 0, 4, 4, 4]
    assert result.loc[5, "mean_variance"] > 2.0  # capped group F


def test_rwg_j_matches_multilevel_moderate_skew(fx: pd.DataFrame) -> None:
    result = rwg_j(fx[ITEMS], fx["organisation_id"], null="moderate_skew")
    # rwg.j(fx[, items], fx$organisation_id, ranvar = 0.90)
    expected = [0.571428571428571, 0, 0, np.nan, 0.684684684684685, 0, 0.798301486199575]
    np.testing.assert_allclose(result["rwg_j"], expected, atol=TOL)


def test_ad_m_matches_multilevel(fx: pd.DataFrame) -> None:
    single = ad_m(fx["x"], fx["organisation_id"])
    # ad.m(fx$x, fx$organisation_id, type = "mean")
    expected_single = [0.4, 0.21875, 0.444444444444444, np.nan, 0.5, 2, 0.489795918367347]
    np.testing.assert_allclose(single["ad_m"], expected_single, atol=TOL)
    several = ad_m(fx[ITEMS], fx["organisation_id"])
    # ad.m(fx[, items], fx$organisation_id, type = "mean")
    expected_several = [
        0.58,
        0.8203125,
        0.722222222222222,
        np.nan,
        0.527777777777778,
        2,
        0.520408163265306,
    ]
    np.testing.assert_allclose(several["ad_m"], expected_several, atol=TOL)
    assert list(several.columns) == ["group", "ad_m", "n"]
    assert several["n"].tolist() == SIZES


def test_rwg_j_is_rwg_for_one_item(fx: pd.DataFrame) -> None:
    one = rwg_j(fx[["x"]], fx["organisation_id"])
    np.testing.assert_allclose(one["rwg_j"], rwg(fx["x"], fx["organisation_id"])["rwg"])


# --------------------------------------------------------------------------------------------
# missing data policies
# --------------------------------------------------------------------------------------------


def test_missing_policies_differ_as_documented() -> None:
    items = pd.DataFrame({"q1": [4.0, 5.0, 3.0, np.nan], "q2": [4.0, 4.0, 2.0, 5.0]}, dtype=float)
    groups = ["g"] * 4
    pairwise = rwg_j(items, groups, missing="pairwise").iloc[0]
    listwise = rwg_j(items, groups, missing="listwise").iloc[0]
    # pairwise: var(4, 5, 3) = 1 and var(4, 4, 2, 5) = 1.5833; listwise drops the fourth row
    s_pairwise = (1.0 + np.var([4, 4, 2, 5], ddof=1)) / 2
    s_listwise = (1.0 + np.var([4, 4, 2], ddof=1)) / 2
    assert pairwise["mean_variance"] == pytest.approx(s_pairwise)
    assert listwise["mean_variance"] == pytest.approx(s_listwise)
    assert (pairwise["n"], listwise["n"]) == (4, 3)
    ratio = s_pairwise / 2.0
    assert pairwise["rwg_j"] == pytest.approx(2 * (1 - ratio) / (2 * (1 - ratio) + ratio))
    ad_pairwise = ad_m(items, groups).iloc[0]["ad_m"]
    expected_ad = (
        np.mean(np.abs([4, 5, 3] - np.mean([4, 5, 3])))
        + np.mean(np.abs(np.array([4, 4, 2, 5]) - 3.75))
    ) / 2
    assert ad_pairwise == pytest.approx(expected_ad)


def test_rwg_drops_missing_answers_within_group() -> None:
    result = rwg([4, np.nan, 4, 5, 1, 1], ["a", "a", "a", "a", "b", "b"])
    assert result["n"].tolist() == [3, 2]
    assert result.loc[0, "observed_variance"] == pytest.approx(np.var([4, 4, 5], ddof=1))
    assert result.loc[1, "rwg"] == pytest.approx(1.0)


# --------------------------------------------------------------------------------------------
# null distributions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("null", "points", "expected"),
    [
        ("uniform", 5, 2.0),
        ("uniform", 7, 4.0),
        ("uniform", 2, 0.25),
        # LeBreton & Senter (2008, Table 3), 5-point scale
        ("slight_skew", 5, 1.34),
        ("moderate_skew", 5, 0.90),
        ("heavy_skew", 5, 0.44),
        ("triangular", 5, 1.32),
        ("normal", 5, 1.04),
        (0.75, 5, 0.75),
    ],
)
def test_null_variance_values(null: str | float, points: int, expected: float) -> None:
    assert null_variance(null, points) == pytest.approx(expected, abs=1e-12)


def test_skewed_null_gives_lower_agreement(fx: pd.DataFrame) -> None:
    uniform = rwg_j(fx[ITEMS], fx["organisation_id"])["rwg_j"]
    slight = rwg_j(fx[ITEMS], fx["organisation_id"], null="slight_skew")["rwg_j"]
    defined = uniform.notna()
    assert (slight[defined] <= uniform[defined]).all()
    assert (slight[defined] < uniform[defined]).sum() == 5  # all but the capped group F


# --------------------------------------------------------------------------------------------
# ICC(1), ICC(2)
# --------------------------------------------------------------------------------------------


def test_icc_matches_multilevel(fx: pd.DataFrame) -> None:
    # ICC1(aov(score_pct ~ as.factor(organisation_id), data = fx))
    assert icc1(fx["score_pct"], fx["organisation_id"]) == pytest.approx(0.635363573622848, abs=TOL)
    # ICC2(aov(score_pct ~ as.factor(organisation_id), data = fx))
    assert icc2(fx["score_pct"], fx["organisation_id"]) == pytest.approx(0.894329357214224, abs=TOL)
    # ICC1(aov(x ~ as.factor(organisation_id), data = fx))
    assert icc1(fx["x"], fx["organisation_id"]) == pytest.approx(0.34008185611404, abs=TOL)
    # ICC2(aov(x ~ as.factor(organisation_id), data = fx))
    assert icc2(fx["x"], fx["organisation_id"]) == pytest.approx(0.714536705780554, abs=TOL)


def _hand_anova(values: np.ndarray, groups: np.ndarray) -> tuple[float, float, list[int]]:
    """MSB, MSW and group sizes from the textbook sums (an independent loop version)."""
    labels = sorted(set(groups))
    grand = values.mean()
    ssb = ssw = 0.0
    sizes = []
    for label in labels:
        part = values[groups == label]
        sizes.append(len(part))
        ssb += len(part) * (part.mean() - grand) ** 2
        ssw += ((part - part.mean()) ** 2).sum()
    n_total, n_groups = len(values), len(labels)
    return ssb / (n_groups - 1), ssw / (n_total - n_groups), sizes


def test_icc_adjusted_group_size_by_hand(fx: pd.DataFrame) -> None:
    values, groups = fx["score_pct"].to_numpy(), fx["organisation_id"].to_numpy()
    msb, msw, sizes = _hand_anova(values, groups)
    n_total, n_groups = sum(sizes), len(sizes)
    k0 = (n_total - sum(s**2 for s in sizes) / n_total) / (n_groups - 1)
    assert k0 == pytest.approx((34 - 200 / 34) / 6)  # sizes 5, 8, 3, 1, 6, 4, 7
    expected = (msb - msw) / (msb + (k0 - 1) * msw)
    assert icc1(values, groups, group_size="adjusted") == pytest.approx(expected, rel=1e-12)
    # the mean group size N / J is larger than k0 for unequal groups, so ICC(1) is smaller
    assert icc1(values, groups) < icc1(values, groups, group_size="adjusted")
    # ICC(2) = (MSB - MSW) / MSB does not depend on k
    assert icc2(values, groups, group_size="adjusted") == pytest.approx((msb - msw) / msb)
    assert icc2(values, groups) == pytest.approx((msb - msw) / msb)


def test_icc_drops_missing_rows(fx: pd.DataFrame) -> None:
    values = fx["score_pct"].to_numpy().copy()
    groups = fx["organisation_id"].to_numpy()
    extended_values = np.append(values, [np.nan, 99.0])
    extended_groups = np.append(groups, ["A", None])
    assert icc1(extended_values, extended_groups) == pytest.approx(icc1(values, groups))


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------


@pytest.fixture
def tiny() -> tuple[pd.DataFrame, pd.DataFrame]:
    items = pd.DataFrame(
        {
            "item_id": ["q1", "q2", "q3", "q4", "q5", "q6"],
            "capability": ["c1", "c1", "c2", "c2", "l1", "l1"],
            "category": ["eff", "eff", "inn", "inn", "org", "org"],
            "dimension": ["capability"] * 4 + ["legacy"] * 2,
        }
    )
    # o1: three respondents in full agreement; o2: five respondents split between 1 and 5
    agree = pd.DataFrame(np.full((3, 6), 4.0), columns=items["item_id"])
    split = pd.DataFrame(np.array([[1.0], [5.0], [1.0], [5.0], [1.0]]).repeat(6, axis=1))
    split.columns = items["item_id"]
    answers = pd.concat([agree, split], ignore_index=True)
    answers.insert(0, "organisation_id", ["o1"] * 3 + ["o2"] * 5)
    answers.insert(0, "year", 2023)
    return answers, items


def test_aggregation_table_structure_and_flags(tiny: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    answers, items = tiny
    table = aggregation_table(answers, items)
    assert list(table.columns) == [
        "year",
        "organisation_id",
        "level",
        "unit",
        "n_respondents",
        "n_items",
        "rwg_j",
        "ad_m",
        "low_agreement",
        "too_few_respondents",
    ]
    # 2 organisations x (2 dimensions + 3 categories)
    assert len(table) == 10
    o1 = table[table["organisation_id"] == "o1"]
    o2 = table[table["organisation_id"] == "o2"]
    assert o1["level"].tolist() == ["dimension"] * 2 + ["category"] * 3
    assert o1["unit"].tolist() == ["capability", "legacy", "eff", "inn", "org"]
    assert o1["n_items"].tolist() == [4, 2, 2, 2, 2]
    np.testing.assert_allclose(o1["rwg_j"], 1.0)
    np.testing.assert_allclose(o1["ad_m"], 0.0)
    assert not o1["low_agreement"].any()
    assert o1["too_few_respondents"].all()  # 3 < 5
    np.testing.assert_allclose(o2["rwg_j"], 0.0)  # variance 4.8 > 2: capped
    np.testing.assert_allclose(o2["ad_m"], 1.92)  # mean 2.6: (3 * 1.6 + 2 * 2.4) / 5
    assert o2["low_agreement"].all()
    assert not o2["too_few_respondents"].any()
    assert (o2["n_respondents"] == 5).all()


def test_aggregation_table_matches_rwg_j(fx: pd.DataFrame) -> None:
    answers = fx.assign(year=2022)
    items = pd.DataFrame(
        {
            "item_id": ITEMS,
            "capability": ["c1", "c1", "c2", "c2"],
            "category": ["eff", "eff", "inn", "inn"],
            "dimension": ["capability"] * 4,
        }
    )
    table = aggregation_table(answers, items, null="slight_skew")
    dimension = table[table["level"] == "dimension"].reset_index(drop=True)
    direct = rwg_j(fx[ITEMS], fx["organisation_id"], null="slight_skew")
    np.testing.assert_allclose(dimension["rwg_j"], direct["rwg_j"])
    inn = table[table["unit"] == "inn"].reset_index(drop=True)
    np.testing.assert_allclose(
        inn["ad_m"], ad_m(fx[["item_3", "item_4"]], fx["organisation_id"])["ad_m"]
    )


def test_icc_table_recovers_true_icc() -> None:
    rng = np.random.default_rng(2024)
    frames = []
    # two cells with true ICC(1) = tau^2 / (tau^2 + sigma^2) = 0.10 and 0.30
    for unit, tau2 in [("capability", 10.0), ("legacy", 30.0)]:
        n_groups, sigma2 = 300, 100.0 - tau2
        sizes = rng.integers(5, 40, size=n_groups)
        organisation = np.repeat(np.arange(n_groups), sizes)
        effect = rng.normal(0.0, np.sqrt(tau2), n_groups)[organisation]
        score = 50.0 + effect + rng.normal(0.0, np.sqrt(sigma2), organisation.size)
        frames.append(
            pd.DataFrame(
                {
                    "year": 2023,
                    "organisation_id": organisation,
                    "respondent_id": np.arange(organisation.size),
                    "level": "dimension",
                    "unit": unit,
                    "score_pct": score,
                }
            )
        )
    scores = pd.concat(frames, ignore_index=True)
    table = icc_table(scores)
    assert list(table.columns) == [
        "year",
        "level",
        "unit",
        "n_respondents",
        "n_groups",
        "group_size",
        "icc1",
        "icc2",
        "group_size_convention",
    ]
    assert table["unit"].tolist() == ["capability", "legacy"]
    # standard error of ICC(1) here is about 0.01-0.02; 0.04 is more than two of them
    assert table.loc[0, "icc1"] == pytest.approx(0.10, abs=0.04)
    assert table.loc[1, "icc1"] == pytest.approx(0.30, abs=0.04)
    assert (table["n_groups"] == 300).all()
    # each row equals the scalar functions on its subset
    subset = scores[scores["unit"] == "legacy"]
    assert table.loc[1, "icc1"] == pytest.approx(
        icc1(subset["score_pct"], subset["organisation_id"]), rel=1e-10
    )
    assert table.loc[1, "icc2"] == pytest.approx(
        icc2(subset["score_pct"], subset["organisation_id"]), rel=1e-10
    )
    adjusted = icc_table(scores, group_size="adjusted")
    assert (adjusted["group_size_convention"] == "adjusted").all()
    assert (adjusted["group_size"] < table["group_size"]).all()
    assert adjusted.loc[1, "icc1"] == pytest.approx(
        icc1(subset["score_pct"], subset["organisation_id"], "adjusted"), rel=1e-10
    )


def test_icc_table_nan_for_single_group() -> None:
    scores = pd.DataFrame(
        {
            "year": [2023] * 3,
            "organisation_id": ["o1"] * 3,
            "respondent_id": [1, 2, 3],
            "level": "dimension",
            "unit": "capability",
            "score_pct": [40.0, 50.0, 60.0],
        }
    )
    row = icc_table(scores).iloc[0]
    assert row["n_groups"] == 1
    assert np.isnan(row["icc1"]) and np.isnan(row["icc2"])


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------


def test_bad_input_raises_clear_errors(fx: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="scale_points"):
        rwg(fx["x"], fx["organisation_id"], scale_points=1)
    with pytest.raises(ValueError, match="Unknown `null`"):
        rwg(fx["x"], fx["organisation_id"], null="skewed")
    with pytest.raises(ValueError, match="No tabulated variance"):
        rwg_j(fx[ITEMS], fx["organisation_id"], scale_points=7, null="heavy_skew")
    with pytest.raises(ValueError, match="must be > 0"):
        null_variance(-1.0)
    with pytest.raises(ValueError, match="length"):
        rwg(fx["x"], fx["organisation_id"].iloc[:-1])
    with pytest.raises(ValueError, match="length"):
        icc1(fx["score_pct"], fx["organisation_id"].iloc[:5])
    with pytest.raises(ValueError, match="missing"):
        rwg_j(fx[ITEMS], fx["organisation_id"], missing="mean")
    with pytest.raises(ValueError, match="group_size"):
        icc1(fx["score_pct"], fx["organisation_id"], group_size="harmonic")
    with pytest.raises(ValueError, match="two groups"):
        icc1([1.0, 2.0, 3.0], ["a", "a", "a"])
    with pytest.raises(TypeError, match="numeric"):
        rwg(["high", "low"], ["a", "a"])
    with pytest.raises(ValueError, match="one item"):
        rwg(fx[ITEMS], fx["organisation_id"])


def test_table_errors(tiny: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    answers, items = tiny
    with pytest.raises(ValueError, match="lacks column"):
        aggregation_table(answers.drop(columns="year"), items)
    with pytest.raises(ValueError, match="item columns"):
        aggregation_table(answers.drop(columns="q3"), items)
    with pytest.raises(ValueError, match="lacks column"):
        icc_table(pd.DataFrame({"year": [2023]}))
