"""Tests of dimios_research.stats.reliability against R psych 2.2.9.

Reference values: ``Rscript tests/r/reliability_reference.R`` (prints every value below) on
``tests/r/reliability_fixture.csv`` (80 respondents x 6 items, complete) and
``tests/r/reliability_fixture_missing.csv`` (the same with 28 answers missing).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dimios_research.stats.reliability import (
    AlphaResult,
    _pairwise_covariances,
    cronbach_alpha,
    item_analysis,
    omega_total,
    reliability_table,
)

HERE = Path(__file__).parent / "r"
TOL = 1e-6


@pytest.fixture(scope="module")
def complete() -> pd.DataFrame:
    return pd.read_csv(HERE / "reliability_fixture.csv")


@pytest.fixture(scope="module")
def with_missing() -> pd.DataFrame:
    return pd.read_csv(HERE / "reliability_fixture_missing.csv")


# --------------------------------------------------------------------------------------------
# psych::alpha
# --------------------------------------------------------------------------------------------


def test_alpha_matches_psych_complete(complete: pd.DataFrame) -> None:
    # a <- alpha(complete, warnings = FALSE)
    result = cronbach_alpha(complete)
    assert result.alpha == pytest.approx(0.813473099377, abs=TOL)  # a$total$raw_alpha
    assert result.std_alpha == pytest.approx(0.814870767779, abs=TOL)  # a$total$std.alpha
    # a$feldt$lower.ci, a$feldt$upper.ci
    assert result.ci_low == pytest.approx(0.742171818665, abs=TOL)
    assert result.ci_high == pytest.approx(0.870311940040, abs=TOL)
    assert (result.n_items, result.n_obs) == (6, 80)

    items = item_analysis(complete)
    # a$item.stats$r.drop
    r_drop = [0.686624117657, 0.665473179681, 0.652165177351, 0.709215662255, 0.451639910207,
              0.322812847056]  # fmt: skip
    # a$alpha.drop$raw_alpha
    alpha_drop = [0.759569001678, 0.764751072430, 0.766044936573, 0.754040118887,
                  0.809377649021, 0.838880320372]  # fmt: skip
    np.testing.assert_allclose(items["r_drop"], r_drop, atol=TOL)
    np.testing.assert_allclose(items["alpha_if_deleted"], alpha_drop, atol=TOL)
    assert items["n"].tolist() == [80] * 6  # a$item.stats$n
    # with complete data r_drop is the correlation with the sum of the other items
    rest = complete.drop(columns="i1").sum(axis=1)
    assert items.loc["i1", "r_drop"] == pytest.approx(np.corrcoef(complete["i1"], rest)[0, 1])


def test_alpha_matches_psych_with_missing(with_missing: pd.DataFrame) -> None:
    # a <- alpha(missing, warnings = FALSE)   # use = "pairwise" by default
    result = cronbach_alpha(with_missing)
    assert result.alpha == pytest.approx(0.807470057636, abs=TOL)  # a$total$raw_alpha
    assert result.std_alpha == pytest.approx(0.808654143051, abs=TOL)  # a$total$std.alpha
    # a$feldt$lower.ci, a$feldt$upper.ci
    assert result.ci_low == pytest.approx(0.733874070033, abs=TOL)
    assert result.ci_high == pytest.approx(0.866138156877, abs=TOL)

    items = item_analysis(with_missing)
    # a$item.stats$r.drop
    r_drop = [0.675525521040, 0.674462069570, 0.641273272095, 0.676139042191, 0.418508952879,
              0.343374532832]  # fmt: skip
    # a$alpha.drop$raw_alpha
    alpha_drop = [0.752324863760, 0.753648587189, 0.759916801978, 0.751711329969,
                  0.808526242592, 0.827299494545]  # fmt: skip
    np.testing.assert_allclose(items["r_drop"], r_drop, atol=TOL)
    np.testing.assert_allclose(items["alpha_if_deleted"], alpha_drop, atol=TOL)
    assert items["n"].tolist() == [76, 76, 74, 71, 76, 74]  # a$item.stats$n
    np.testing.assert_allclose(items["missing_share"], 1 - items["n"] / 80)
    np.testing.assert_allclose(items["mean"], with_missing.mean())


def test_unreversed_item_is_flagged(complete: pd.DataFrame) -> None:
    unreversed = complete.assign(i6=6 - complete["i6"])
    # a <- alpha(unreversed, warnings = FALSE)   # unreversed$i6 <- 6 - unreversed$i6
    assert cronbach_alpha(unreversed).alpha == pytest.approx(0.663721130973, abs=TOL)
    items = item_analysis(unreversed)
    # a$item.stats$r.drop
    r_drop = [0.581316175600, 0.654607115406, 0.656034635655, 0.663784102687, 0.399012066357,
              -0.322812847056]  # fmt: skip
    np.testing.assert_allclose(items["r_drop"], r_drop, atol=TOL)
    assert items["possible_reverse_key"].tolist() == [False] * 5 + [True]
    assert items["low_r_drop"].tolist() == [False] * 5 + [True]
    # a$alpha.drop$raw_alpha for i6: dropping it restores the original alpha without i6
    assert items.loc["i6", "alpha_if_deleted"] == pytest.approx(0.838880320372, abs=TOL)


def test_low_r_drop_flag_threshold() -> None:
    rng = np.random.default_rng(3)
    factor = rng.normal(size=(400, 1))
    loadings = np.array([0.8, 0.8, 0.8, 0.1])
    values = factor * loadings + rng.normal(size=(400, 4)) * np.sqrt(1 - loadings**2)
    items = item_analysis(values)
    assert items.index.tolist() == ["item_1", "item_2", "item_3", "item_4"]
    assert items["low_r_drop"].tolist() == [False, False, False, True]
    assert not items["possible_reverse_key"].any()


# --------------------------------------------------------------------------------------------
# omega
# --------------------------------------------------------------------------------------------


def test_omega_matches_psych_fa_ml(complete: pd.DataFrame, with_missing: pd.DataFrame) -> None:
    # f <- fa(complete, nfactors = 1, fm = "ml", use = "pairwise"); l <- f$loadings
    # sum(l)^2 / (sum(l)^2 + sum(1 - l^2))
    assert omega_total(complete) == pytest.approx(0.825730227579, abs=TOL)
    # factanal(complete, factors = 1, control = list(opt = list(factr = 1))): tighter optimum
    assert omega_total(complete) == pytest.approx(0.825730167086, abs=1e-7)
    # f <- fa(missing, nfactors = 1, fm = "ml", use = "pairwise"), same formula
    assert omega_total(with_missing) == pytest.approx(0.822929384554, abs=TOL)


def test_omega_recovers_congeneric_reliability() -> None:
    rng = np.random.default_rng(11)
    loadings = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    factor = rng.normal(size=(20_000, 1))
    values = factor * loadings + rng.normal(size=(20_000, 5)) * np.sqrt(1 - loadings**2)
    truth = loadings.sum() ** 2 / (loadings.sum() ** 2 + np.sum(1 - loadings**2))
    assert omega_total(values) == pytest.approx(truth, abs=0.01)


# --------------------------------------------------------------------------------------------
# bootstrap
# --------------------------------------------------------------------------------------------


def test_bootstrap_is_deterministic_with_seed(with_missing: pd.DataFrame) -> None:
    first = cronbach_alpha(with_missing, n_boot=500, seed=7)
    again = cronbach_alpha(with_missing, n_boot=500, seed=7)
    other = cronbach_alpha(with_missing, n_boot=500, seed=8)
    assert (first.boot_ci_low, first.boot_ci_high) == (again.boot_ci_low, again.boot_ci_high)
    assert (first.boot_ci_low, first.boot_ci_high) != (other.boot_ci_low, other.boot_ci_high)
    assert first.boot_ci_low < first.alpha < first.boot_ci_high
    # the Feldt interval and the point estimates do not depend on the bootstrap
    assert (first.alpha, first.ci_low) == (cronbach_alpha(with_missing).alpha, first.ci_low)
    assert np.isnan(cronbach_alpha(with_missing).boot_ci_low)


def test_vectorised_pairwise_covariance_equals_pandas(with_missing: pd.DataFrame) -> None:
    values = with_missing.to_numpy()
    rng = np.random.default_rng(5)
    counts = rng.multinomial(len(values), np.full(len(values), 1 / len(values)), size=3)
    stacked = _pairwise_covariances(values, counts.astype(float))
    for weights, covariance in zip(counts, stacked, strict=True):
        resample = pd.DataFrame(np.repeat(values, weights, axis=0))
        np.testing.assert_allclose(covariance, resample.cov().to_numpy(), atol=1e-12)


def test_alpha_result_frame(complete: pd.DataFrame) -> None:
    result = cronbach_alpha(complete, ci=0.9, n_boot=200, seed=1)
    assert isinstance(result, AlphaResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.alpha = 0.5  # type: ignore[misc]
    frame = result.to_frame()
    assert list(frame.columns) == [
        "measure", "estimate", "ci_low", "ci_high", "ci_level", "method", "n_items", "n_obs",
    ]  # fmt: skip
    assert frame["method"].tolist() == ["feldt", "bootstrap_percentile", "none"]
    assert frame.loc[0, "ci_low"] == result.ci_low
    assert frame.loc[1, "ci_high"] == result.boot_ci_high
    assert (frame["ci_level"] == 0.9).all()
    # a 90 % Feldt interval is narrower than the 95 % one
    wide = cronbach_alpha(complete)
    assert wide.ci_low < result.ci_low < result.ci_high < wide.ci_high
    assert len(cronbach_alpha(complete).to_frame()) == 2


# --------------------------------------------------------------------------------------------
# table
# --------------------------------------------------------------------------------------------


def test_reliability_table_shape(with_missing: pd.DataFrame) -> None:
    answers = with_missing.assign(year=2023)
    items = pd.DataFrame(
        {
            "item_id": ["i1", "i2", "i3", "i4", "i5", "i6"],
            "capability": ["c1", "c1", "c1", "c2", "c2", "c3"],
            "category": ["eff", "eff", "eff", "inn", "inn", "inn"],
            "dimension": ["capability"] * 6,
        }
    )
    table = reliability_table(answers, items)
    assert list(table.columns) == [
        "level", "unit", "n_items", "n_obs", "alpha", "std_alpha", "ci_low", "ci_high",
        "omega_total", "n_low_r_drop", "note",
    ]  # fmt: skip
    assert table["level"].tolist() == ["capability"] * 3 + ["category"] * 2 + ["dimension"]
    assert table["unit"].tolist() == ["c1", "c2", "c3", "eff", "inn", "capability"]
    assert table["n_items"].tolist() == [3, 2, 1, 3, 3, 6]
    c1, c2, c3, _, _, dimension = (row for _, row in table.iterrows())
    assert c1["alpha"] == pytest.approx(cronbach_alpha(with_missing[["i1", "i2", "i3"]]).alpha)
    assert c1["omega_total"] == pytest.approx(omega_total(with_missing[["i1", "i2", "i3"]]))
    assert c1["note"] == ""
    assert not np.isnan(c2["alpha"]) and np.isnan(c2["omega_total"])
    assert c2["note"] == "too_few_items_omega"
    assert np.isnan(c3["alpha"]) and c3["note"] == "too_few_items_alpha"
    assert c3["n_obs"] == 74  # i6 answered 74 times
    assert dimension["alpha"] == pytest.approx(0.807470057636, abs=TOL)  # psych raw_alpha
    assert dimension["omega_total"] == pytest.approx(0.822929384554, abs=TOL)
    assert dimension["n_low_r_drop"] == 0


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------


def test_bad_input_raises(complete: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="at least 2 item"):
        cronbach_alpha(complete[["i1"]])
    with pytest.raises(ValueError, match="at least 3 item"):
        omega_total(complete[["i1", "i2"]])
    with pytest.raises(ValueError, match="`ci`"):
        cronbach_alpha(complete, ci=1.5)
    with pytest.raises(ValueError, match="n_boot"):
        cronbach_alpha(complete, n_boot=-1)
    with pytest.raises(TypeError, match="numeric"):
        cronbach_alpha(complete.astype(str).replace("1.0", "low"))
    with pytest.raises(ValueError, match="respondents"):
        cronbach_alpha(complete.iloc[:2])
    items = pd.DataFrame({"item_id": ["i1", "zz"], "capability": ["c", "c"]})
    with pytest.raises(ValueError, match="item columns"):
        reliability_table(complete, items, levels=("capability",))
    with pytest.raises(ValueError, match="required column"):
        reliability_table(complete, items.drop(columns="capability"), levels=("capability",))
