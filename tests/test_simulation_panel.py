"""The staggered-adoption panel simulator (dimios_research.simulation.panel)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dimios_research.simulation.panel import simulate_staggered_panel, true_aggregations


def test_shape_truth_and_determinism():
    sim = simulate_staggered_panel(
        300, years=(2018, 2019, 2020, 2021), cohorts={2019: 0.3, 2021: 0.2},
        start_effect={2019: 1.0, 2021: 5.0}, effect_slope=0.5, seed=3,
    )  # fmt: skip
    assert len(sim.data) == 300 * 4
    assert list(sim.data.columns) == ["organisation_id", "year", "score_pct", "programme_start"]
    assert sim.data.groupby("organisation_id")["programme_start"].nunique(dropna=False).max() == 1
    shares = sim.data.drop_duplicates("organisation_id")["programme_start"].value_counts(
        normalize=True, dropna=False
    )
    assert shares[2019.0] == pytest.approx(0.3, abs=0.08)
    gt = sim.group_time.set_index(["group", "year"])["att"]
    assert gt[(2019, 2019)] == 1.0 and gt[(2019, 2021)] == 2.0 and gt[(2021, 2021)] == 5.0
    assert gt[(2021, 2019)] == 0.0  # before the start
    # simple aggregation: (1 + 1.5 + 2) * 0.3 + 5 * 0.2 over 3 * 0.3 + 0.2
    assert sim.overall == pytest.approx((4.5 * 0.3 + 5 * 0.2) / 1.1)
    pd.testing.assert_frame_equal(sim.data, simulate_staggered_panel(
        300, years=(2018, 2019, 2020, 2021), cohorts={2019: 0.3, 2021: 0.2},
        start_effect={2019: 1.0, 2021: 5.0}, effect_slope=0.5, seed=3).data)  # fmt: skip


def test_effects_enter_the_outcome():
    """Without noise the treated-minus-untreated change equals the true effect."""
    sim = simulate_staggered_panel(
        40, cohorts={2021: 0.5}, start_effect=3.0, effect_slope=1.0, year_sd=0.0,
        organisation_sd=0.0, noise_sd=0.0, trend_per_year=2.0, seed=1,
    )  # fmt: skip
    wide = sim.data.pivot(index="organisation_id", columns="year", values="score_pct")
    start = sim.data.groupby("organisation_id")["programme_start"].first()
    treated, never = wide[start == 2021], wide[start.isna()]
    gap = treated[2023].to_numpy()[:, None] - never[2023].to_numpy()[None, :]
    np.testing.assert_allclose(gap, 5.0)  # 3 + 1 * 2 years
    np.testing.assert_allclose(never[2020] - never[2019], 2.0)  # the common trend


def test_unbalanced_and_errors():
    sim = simulate_staggered_panel(500, observe_prob=0.6, seed=2)
    assert len(sim.data) == pytest.approx(0.6 * 2500, rel=0.05)
    with pytest.raises(ValueError, match="probabilities"):
        simulate_staggered_panel(10, cohorts={2021: 0.7, 2022: 0.6})
    with pytest.raises(ValueError, match="observe_prob"):
        simulate_staggered_panel(10, observe_prob=0.0)
    with pytest.raises(ValueError, match="start_effect lacks"):
        simulate_staggered_panel(10, start_effect={2021: 1.0})
    with pytest.raises(ValueError, match="two distinct rounds"):
        simulate_staggered_panel(10, years=(2020,))


def test_true_aggregations():
    table = pd.DataFrame(
        {"group": [1, 1, 2], "year": [1, 2, 2], "event_time": [0, 1, 0],
         "att": [2.0, 4.0, 8.0], "share": [0.25, 0.25, 0.5]}
    )  # fmt: skip
    overall, event = true_aggregations(table)
    assert overall == pytest.approx((0.5 + 1.0 + 4.0) / 1.0)
    assert event.set_index("event_time")["att"].to_dict() == pytest.approx({0: 6.0, 1: 4.0})
