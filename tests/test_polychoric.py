"""Polychoric correlations and ordinal alpha / omega against R psych, plus recovery.

Reference values: ``Rscript tests/r/polychoric_reference.R`` (psych 2.2.9) on the 2023 round of
tests/r/cfa_fixture.csv (made by tests/r/make_cfa_fixtures.py): ``p <- polychoric(x)`` with
its defaults, ``alpha(p$rho)$total$raw_alpha``, and omega total from the loadings l of
``fa(p$rho, nfactors = 1, fm = "ml")``: sum(l)^2 / (sum(l)^2 + sum(1 - l^2)).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dimios_research.stats.polychoric import polychoric, thresholds
from dimios_research.stats.reliability import cronbach_alpha, omega_total

HERE = Path(__file__).resolve().parent / "r"
FOUR = ["i1", "i2", "i3", "i4"]
TWELVE = [f"i{k}" for k in range(1, 13)]


@pytest.fixture(scope="module")
def answers():
    data = pd.read_csv(HERE / "cfa_fixture.csv")
    return data.loc[data["year"] == 2023, TWELVE]


def lower(matrix: pd.DataFrame) -> np.ndarray:
    """Lower triangle by column, as R's m[lower.tri(m)]."""
    values = matrix.to_numpy()
    cols, rows = np.triu_indices(len(values), 1)
    return values[rows, cols]


def test_thresholds_equal_psych(answers):
    tau = thresholds(answers[FOUR])
    # polychoric(x)$tau[, 1:2] (column-major: i1 thresholds 1-4, then i2)
    assert tau.iloc[:2].to_numpy().T.ravel()[[0, 1, 2, 3]] == pytest.approx(
        [-1.3249576889, -0.4089999709, -1.2966929905, -0.3500305248], abs=1e-9
    )


def test_polychoric_equals_psych(answers):
    rho = polychoric(answers[FOUR])
    # polychoric(x)$rho[lower.tri(...)], x = i1-i4 (psych's optimize stops at ~1e-4)
    expected = [0.2576097821, 0.3190662021, 0.3528209078, 0.2988240217, 0.3612477974,
                0.4518120940]  # fmt: skip
    assert lower(rho) == pytest.approx(expected, abs=1e-4)
    full = polychoric(answers)
    assert lower(full)[:4] == pytest.approx(
        [0.2576097821, 0.3190662021, 0.3528209078, 0.1515751322], abs=1e-4
    )
    assert lower(full)[-3:] == pytest.approx([0.4140045894, 0.6148958496, 0.4193025139], abs=1e-4)
    assert np.allclose(full.to_numpy(), full.to_numpy().T)


def test_ordinal_alpha_equals_psych(answers):
    # alpha(polychoric(x)$rho)$total$raw_alpha
    four = cronbach_alpha(answers[FOUR], method="polychoric")
    assert four.alpha == pytest.approx(0.6734928493, abs=1e-3)
    assert four.method == "polychoric" and np.isnan(four.ci_low)
    assert cronbach_alpha(answers, method="polychoric").alpha == pytest.approx(
        0.8066911449, abs=1e-3
    )
    # ordinal alpha exceeds the Pearson alpha of the same coarse items
    assert four.alpha > cronbach_alpha(answers[FOUR]).alpha


def test_ordinal_omega_equals_psych(answers):
    # omega from fa(polychoric(x)$rho, nfactors = 1, fm = "ml") loadings
    assert omega_total(answers[FOUR], method="polychoric") == pytest.approx(0.6789000129, abs=1e-3)
    assert omega_total(answers, method="polychoric") == pytest.approx(0.8052025507, abs=1e-3)


def test_recovers_latent_correlation():
    """Coarsened bivariate normal data: the polychoric estimate is near the latent rho."""
    rng = np.random.default_rng(3)
    for rho in (-0.5, 0.3, 0.8):
        z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=4000)
        codes = np.column_stack(
            [
                np.digitize(z[:, 0], [-1.2, -0.3, 0.5, 1.4]),
                np.digitize(z[:, 1], [-0.8, 0, 0.9, 1.6]),
            ]
        )
        estimate = polychoric(pd.DataFrame(codes + 1.0)).iloc[0, 1]
        assert estimate == pytest.approx(rho, abs=0.04)
        pearson = np.corrcoef(codes.T)[0, 1]
        assert abs(estimate) > abs(pearson)  # coarsening attenuates Pearson


def test_invalid_inputs():
    with pytest.raises(ValueError, match="integer"):
        polychoric(pd.DataFrame({"a": [1.5, 2, 3], "b": [1, 2, 3]}))
    with pytest.raises(ValueError, match="categories"):
        polychoric(pd.DataFrame({"a": [1, 20, 3], "b": [1, 2, 3]}))
    with pytest.raises(ValueError, match="method"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 2]}), method="spearman")
    with pytest.raises(ValueError, match="n_boot"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 2, 2, 4]}), method="polychoric",
                       n_boot=10)  # fmt: skip


def test_score_search_finds_the_golden_section_maximum(answers):
    """Secant steps on the score land where the likelihood search does (to its 1e-8)."""
    from dimios_research.stats import polychoric as module

    codes, n_categories = module._codes(answers)
    args = module._pairs(codes, n_categories)
    by_score = module._root_of_score(args)
    by_likelihood = module._golden_section(args)
    assert np.abs(by_score - by_likelihood).max() < 1e-7
    assert np.abs(module._score(by_score, *args)).max() < 1e-8  # the score is zero there


def test_pairs_at_the_edge_fall_back_to_golden_section(monkeypatch):
    """Identical items (correlation 1): the secant leaves the range; golden section takes over."""
    from dimios_research.stats import polychoric as module

    rng = np.random.default_rng(3)
    z = rng.normal(size=(400, 2))
    x = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1, columns=["a", "c"])
    x["b"] = x["a"]
    calls = []
    golden = module._golden_section
    monkeypatch.setattr(module, "_golden_section", lambda args: calls.append(1) or golden(args))
    module._ESTIMATED.clear()
    rho = polychoric(x[["a", "b", "c"]])
    assert calls  # the identical pair went to the fallback
    assert rho.loc["a", "b"] > 0.999
    assert abs(rho.loc["a", "c"]) < 0.15  # independent items stay near 0
