"""Simulated organisation panels with staggered programme adoption and a known ATT(g,t).

The generative model for organisation :math:`i`, round :math:`t` and programme start
(cohort) :math:`g_i` (never-treated organisations have no start):

.. math::

    y_{it} = \\mu + \\gamma (t - t_0) + \\lambda_t + a_i
             + 1[t \\ge g_i]\\,\\big(\\tau_{g_i}(t - g_i) + b_i\\big) + e_{it}

with a common linear trend :math:`\\gamma`, year shocks :math:`\\lambda_t \\sim N(0,
\\sigma_\\lambda^2)` shared by all organisations, organisation effects :math:`a_i \\sim N(0,
\\sigma_a^2)`, a cohort- and time-varying effect
:math:`\\tau_g(e) = \\tau^{0}_g + \\delta\\,e` for event time :math:`e = t - g \\ge 0`,
organisation-specific effect deviations :math:`b_i \\sim N(0, \\sigma_b^2)` and noise
:math:`e_{it} \\sim N(0, \\sigma_e^2)`. Cohorts are drawn independently of everything else
with the probabilities ``cohorts`` (parallel trends hold by construction, there is no
anticipation). Rounds are missing completely at random with probability
``1 - observe_prob`` (an unbalanced panel). The outcome is not clipped to [0, 100].

The truth is the population ATT(g,t) :math:`= \\tau_g(t - g)` of every cell a
Callaway–Sant'Anna estimator can form (``t`` after the first round; 0 before the start), its
"simple" aggregation (post-treatment cells weighted by the cohort probabilities) and its
"dynamic" (event-time) aggregation with the same weights.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["StaggeredPanel", "simulate_staggered_panel", "true_aggregations"]


@dataclass(frozen=True)
class StaggeredPanel:
    """A simulated panel and the effects it was generated with.

    Attributes
    ----------
    data : DataFrame
        ``organisation_id, year, score_pct, programme_start`` (NaN = never treated), one row
        per observed organisation-round.
    group_time : DataFrame
        True ``group, year, event_time, att`` for every cell (0 for pre-treatment cells).
    overall : float
        True "simple" aggregation: post-treatment cells weighted by the cohort probability.
    event_time : DataFrame
        True ``event_time, att``: ATT(g, g + e) averaged over cohorts with the cohort
        probabilities as weights.
    cohorts : Mapping
        Cohort probabilities used (start year -> probability).
    seed : int
    """

    data: pd.DataFrame
    group_time: pd.DataFrame
    overall: float
    event_time: pd.DataFrame
    cohorts: Mapping[int, float]
    seed: int


def _effect_table(
    years: np.ndarray, cohorts: Mapping[int, float], start_effect: Mapping[int, float], slope: float
) -> pd.DataFrame:
    """True ATT(g,t) of every estimable cell (t after the first round, g after it too)."""
    groups = np.array([g for g in sorted(cohorts) if years[0] < g <= years[-1]], dtype=int)
    g, t = np.meshgrid(groups, years[1:], indexing="ij")
    g, t = g.ravel(), t.ravel()
    e = t - g
    base = np.array([start_effect[k] for k in g], dtype=float)
    att = np.where(e >= 0, base + slope * e, 0.0)
    share = np.array([cohorts[k] for k in g], dtype=float)
    return pd.DataFrame({"group": g, "year": t, "event_time": e, "att": att, "share": share})


def true_aggregations(group_time: pd.DataFrame) -> tuple[float, pd.DataFrame]:
    """Simple and dynamic aggregations of a truth table with a ``share`` column.

    Returns the overall ATT (post cells weighted by ``share``) and the event-time table.
    """
    post = group_time[group_time["event_time"] >= 0]
    overall = float(np.sum(post["att"] * post["share"]) / post["share"].sum())
    weighted = group_time.assign(w_att=group_time["att"] * group_time["share"])
    sums = weighted.groupby("event_time")[["w_att", "share"]].sum()
    event = (sums["w_att"] / sums["share"]).rename("att").reset_index()
    return overall, event


def simulate_staggered_panel(
    n_organisations: int = 200,
    years: Sequence[int] = (2019, 2020, 2021, 2022, 2023),
    cohorts: Mapping[int, float] | None = None,
    *,
    start_effect: float | Mapping[int, float] = 2.0,
    effect_slope: float = 1.0,
    effect_sd: float = 0.0,
    baseline: float = 50.0,
    trend_per_year: float = 1.0,
    year_sd: float = 1.0,
    organisation_sd: float = 7.0,
    noise_sd: float = 3.0,
    observe_prob: float = 1.0,
    seed: int = 0,
) -> StaggeredPanel:
    """Simulate a staggered-adoption panel with dynamic, cohort-varying effects.

    Parameters
    ----------
    n_organisations : int, default 200
    years : sequence of int
        Rounds (sorted, distinct).
    cohorts : mapping, optional
        Start year -> probability that an organisation starts then; the remaining
        probability is never treated. Default ``{2021: 0.25, 2022: 0.25}``.
    start_effect : float or mapping, default 2.0
        Effect in the start year, :math:`\\tau^0_g`, common or per cohort.
    effect_slope : float, default 1.0
        Change of the effect per year since the start, :math:`\\delta`.
    effect_sd : float, default 0.0
        SD of organisation-specific effect deviations :math:`b_i`.
    baseline, trend_per_year, year_sd, organisation_sd, noise_sd : float
        :math:`\\mu, \\gamma, \\sigma_\\lambda, \\sigma_a, \\sigma_e` of the model (module
        docstring).
    observe_prob : float, default 1.0
        Probability that an organisation-round is observed (1 = balanced panel).
    seed : int, default 0

    Returns
    -------
    StaggeredPanel

    Examples
    --------
    >>> sim = simulate_staggered_panel(50, seed=1)
    >>> sim.data.shape
    (250, 4)
    >>> sim.overall  # cells (2021; e = 0, 1, 2) and (2022; e = 0, 1), effect 2 + e
    2.8
    """
    years = np.asarray(sorted(set(int(y) for y in years)), dtype=int)
    if years.size < 2:
        raise ValueError(f"years must hold at least two distinct rounds, got {list(years)}")
    cohorts = dict(cohorts) if cohorts is not None else {2021: 0.25, 2022: 0.25}
    probs = np.array(list(cohorts.values()), dtype=float)
    if (probs < 0).any() or probs.sum() > 1 + 1e-12:
        raise ValueError(f"cohorts must hold probabilities summing to at most 1, got {cohorts}")
    if not 0 < observe_prob <= 1:
        raise ValueError(f"observe_prob must lie in (0, 1], got {observe_prob}")
    if n_organisations < 1:
        raise ValueError(f"n_organisations must be positive, got {n_organisations}")
    if isinstance(start_effect, Mapping):
        missing = sorted(set(cohorts) - set(start_effect))
        if missing:
            raise ValueError(f"start_effect lacks the cohort(s) {missing}")
        effects = {int(k): float(v) for k, v in start_effect.items()}
    else:
        effects = {int(k): float(start_effect) for k in cohorts}

    rng = np.random.default_rng(seed)
    starts = np.array([*cohorts, np.nan], dtype=float)
    start = starts[rng.choice(starts.size, size=n_organisations, p=[*probs, 1 - probs.sum()])]
    level = rng.normal(0.0, organisation_sd, n_organisations)
    deviation = rng.normal(0.0, effect_sd, n_organisations)
    shock = rng.normal(0.0, year_sd, years.size)
    noise = rng.normal(0.0, noise_sd, (n_organisations, years.size))
    observed = rng.random((n_organisations, years.size)) < observe_prob

    event = years[None, :] - start[:, None]  # NaN for never treated
    treated = event >= 0  # False for NaN
    base = np.zeros(n_organisations)
    for cohort, value in effects.items():  # a handful of cohorts
        base[start == cohort] = value
    effect = np.where(treated, base[:, None] + effect_slope * event + deviation[:, None], 0.0)
    y = (
        baseline
        + trend_per_year * (years - years[0])[None, :]
        + shock[None, :]
        + level[:, None]
        + effect
        + noise
    )
    org, col = np.nonzero(observed)
    width = len(str(n_organisations))
    data = pd.DataFrame(
        {
            "organisation_id": np.char.add("o", np.char.zfill(org.astype(str), width)),
            "year": years[col],
            "score_pct": y[org, col],
            "programme_start": start[org],
        }
    )
    truth = _effect_table(years, cohorts, effects, effect_slope)
    overall, event_truth = true_aggregations(truth)
    return StaggeredPanel(
        data=data,
        group_time=truth.drop(columns="share"),
        overall=overall,
        event_time=event_truth,
        cohorts=cohorts,
        seed=seed,
    )
