"""Programme evaluation by two-way fixed effects: the DiD estimate and an event study.

Input: organisation-level scores per round (``year, organisation_id, score_pct``) with
``programme_start`` (the year an organisation joined a support programme, NaN if never).
Cluster-robust standard errors by organisation. Under staggered adoption with effects that
grow over time the TWFE estimate is biased; see :mod:`dimios_research.stats.did`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import linalg, stats

from ..conventions import check_ci, require_columns
from .intervals import t_interval

__all__ = [
    "EventStudyResult",
    "ProgrammeEffectResult",
    "event_study",
    "programme_design_problem",
    "programme_effect",
]


@dataclass(frozen=True)
class ProgrammeEffectResult:
    """Result of :func:`programme_effect`.

    Attributes
    ----------
    effect : DataFrame
        One row: ``term, estimate, se, ci_low, ci_high, p, n_obs, n_clusters, n_treated,
        method``.

    Organisations choose to join a programme, so the estimate is not a randomised effect;
    the reports say so (catalogue key ``programme.caveat``).
    """

    effect: pd.DataFrame


@dataclass(frozen=True)
class EventStudyResult:
    """Result of :func:`event_study`.

    Attributes
    ----------
    coefficients : DataFrame
        One row per event time: ``event_time, estimate, se, ci_low, ci_high, p, n_obs,
        is_reference`` (the reference period -1 has estimate 0 and se NaN).
    pre_trend_test : DataFrame
        One row: ``statistic`` (F), ``df1``, ``df2``, ``p``, ``n_leads``, ``method``.
    """

    coefficients: pd.DataFrame
    pre_trend_test: pd.DataFrame


def _programme_data(
    df: pd.DataFrame, programme_col: str, outcome: str, id_col: str, year_col: str
) -> pd.DataFrame:
    require_columns(df, [programme_col, outcome, id_col, year_col], "df")
    data = df.dropna(subset=[outcome, id_col, year_col]).reset_index(drop=True)
    starts = data.groupby(id_col)[programme_col].nunique(dropna=False)
    if (starts > 1).any():
        raise ValueError(
            f"{programme_col!r} must be constant within each organisation; "
            f"{starts.index[starts > 1][:5].tolist()} have several values"
        )
    if data[year_col].nunique() < 2:
        raise ValueError(f"programme evaluation needs at least two rounds in {year_col!r}")
    return data


def _twfe_cluster_fit(
    data: pd.DataFrame, regressors: pd.DataFrame, outcome: str, id_col: str, year_col: str
) -> tuple[pd.Series, pd.DataFrame, int]:
    """OLS of outcome on regressors + organisation and year dummies, CR1 cluster covariance.

    Returns the regressor coefficients, their cluster-robust covariance and the number of
    clusters. The design (regressors, all organisation dummies, year dummies but the first) has
    as many columns as R's ``lm(y ~ D + factor(id) + factor(year))``, so the small-sample factor
    :math:`G/(G-1) \\cdot (N-1)/(N-K)` of statsmodels ``cov_type="cluster"`` equals
    ``sandwich::vcovCL(type = "HC1")``.
    """
    org_dummies = pd.get_dummies(data[id_col], prefix="org", dtype=float)
    year_dummies = pd.get_dummies(data[year_col], prefix="yr", drop_first=True, dtype=float)
    design = pd.concat([regressors.astype(float), org_dummies, year_dummies], axis=1)
    # Rank-revealing pivoted QR (cheaper than an SVD on organisations x rounds dummies).
    r_factor = linalg.qr(design.to_numpy(), mode="r", pivoting=True)[0]
    diagonal = np.abs(np.diag(r_factor))
    rank = int(np.sum(diagonal > diagonal[0] * max(design.shape) * np.finfo(float).eps))
    if rank < design.shape[1]:
        raise ValueError(
            "the treatment indicators are collinear with the organisation and year fixed "
            "effects (e.g. every participant is treated in all its observed rounds, or an "
            "event-time bin coincides with a year); add never-treated organisations or rounds "
            "before the start, or use fewer leads/lags"
        )
    clusters, _ = pd.factorize(data[id_col])
    # hasconst: the organisation dummies sum to one (skips statsmodels' implicit-constant check)
    fit = sm.OLS(data[outcome].to_numpy(dtype=float), design, hasconst=True).fit(
        method="qr",
        cov_type="cluster",
        cov_kwds={"groups": clusters, "use_correction": True},
        use_t=True,
    )
    names = list(regressors.columns)
    return fit.params[names], fit.cov_params().loc[names, names], int(clusters.max() + 1)


def _effect_rows(params: pd.Series, cov: pd.DataFrame, n_clusters: int, ci: float) -> pd.DataFrame:
    se = np.sqrt(np.diag(cov))
    low, high, p = t_interval(params.to_numpy(), se, n_clusters - 1, ci)
    return pd.DataFrame(
        {"estimate": params.to_numpy(), "se": se, "ci_low": low, "ci_high": high, "p": p}
    )


#: Reasons a programme evaluation cannot be estimated (see :func:`programme_design_problem`).
DESIGN_PROBLEMS = {
    "too_few_rounds": "too few rounds",
    "all_treated": "no variation in treatment: every organisation-round is treated",
    "none_treated": "no variation in treatment: no organisation-round is treated",
}


def _design_problem(
    data: pd.DataFrame, programme_col: str, year_col: str, min_rounds: int
) -> str | None:
    if data[year_col].nunique() < min_rounds:
        return "too_few_rounds"
    start = data[programme_col]
    treated_now = start.notna() & (data[year_col] >= start)
    if treated_now.all():
        return "all_treated"
    if not treated_now.any():
        return "none_treated"
    return None


def programme_design_problem(
    df: pd.DataFrame,
    *,
    min_rounds: int = 2,
    programme_col: str = "programme_start",
    outcome: str = "score_pct",
    id_col: str = "organisation_id",
    year_col: str = "year",
) -> str | None:
    """Why a programme evaluation cannot be estimated on ``df``, or None when it can.

    Parameters
    ----------
    df : DataFrame
        As for :func:`programme_effect`.
    min_rounds : int, default 2
        Rounds needed: 2 for :func:`programme_effect`, 3 for :func:`event_study`.

    Returns
    -------
    str or None
        A key of :data:`DESIGN_PROBLEMS`: ``"too_few_rounds"``, ``"all_treated"`` (every
        organisation-round observed is already in the programme, e.g. when only programme
        members were measured after the start) or ``"none_treated"``; None when estimable.
        Reports use it to state why an effect is not shown instead of failing.
    """
    data = _programme_data(df, programme_col, outcome, id_col, year_col)
    return _design_problem(data, programme_col, year_col, min_rounds)


def programme_effect(
    df: pd.DataFrame,
    *,
    programme_col: str = "programme_start",
    outcome: str = "score_pct",
    id_col: str = "organisation_id",
    year_col: str = "year",
    ci: float = 0.95,
) -> ProgrammeEffectResult:
    """Difference-in-differences estimate of a support programme's effect (two-way FE).

    Parameters
    ----------
    df : DataFrame
        Organisation scores per round (long), with the programme start year per organisation
        (NaN = never joined).
    programme_col, outcome, id_col, year_col : str
        Column names (defaults ``programme_start``, ``score_pct``, ``organisation_id``,
        ``year``).
    ci : float, default 0.95
        Confidence level.

    Returns
    -------
    ProgrammeEffectResult
        ``effect`` (one row: ``term`` = "programme", ``estimate, se, ci_low, ci_high, p,
        n_obs, n_clusters, n_treated`` = organisations with a programme start, ``method``).

    Notes
    -----
    Treated organisations have a start year; :math:`D_{it} = 1` when organisation *i* is
    treated and :math:`t \\ge` its start year (staggered adoption, treatment is absorbing).
    Model: :math:`y_{it} = \\alpha_i + \\lambda_t + \\delta D_{it} + e_{it}` by OLS with
    organisation and year fixed effects. SE: cluster-robust by organisation with the CR1/HC1
    small-sample factor :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}` (K counts all fixed-effect
    dummies), statsmodels ``cov_type="cluster"`` with its default correction, identical to R
    ``sandwich::vcovCL(fit, cluster = ~organisation_id, type = "HC1")``. Interval and p use a
    t distribution with G - 1 df (Stata convention; ``lmtest::coeftest`` would use N - K).

    Caveat: with staggered starts and effects that change with time since start or differ by
    start cohort, the TWFE :math:`\\delta` is a weighted average of all 2x2 comparisons,
    including "already treated vs newly treated" ones, and can be biased, even of the wrong
    sign (Goodman-Bacon 2021; de Chaisemartin & D'Haultfoeuille 2020). Inspect
    :func:`event_study`. Participation is self-selected: the estimate is not a randomised
    effect.

    References
    ----------
    Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
    *Journal of Econometrics*, 225, 254-277.
    Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. *Journal of Human Resources*, 50, 317-372.
    """
    check_ci(ci)
    data = _programme_data(df, programme_col, outcome, id_col, year_col)
    problem = _design_problem(data, programme_col, year_col, min_rounds=2)
    if problem is not None:
        raise ValueError(f"programme_effect: {DESIGN_PROBLEMS[problem]} ({programme_col!r})")
    start = data[programme_col]
    treated_now = (start.notna() & (data[year_col] >= start)).astype(float)
    params, cov, n_clusters = _twfe_cluster_fit(
        data, pd.DataFrame({"programme": treated_now}), outcome, id_col, year_col
    )
    effect = _effect_rows(params, cov, n_clusters, ci)
    effect.insert(0, "term", "programme")
    effect["n_obs"] = len(data)
    effect["n_clusters"] = n_clusters
    effect["n_treated"] = int(data.loc[start.notna(), id_col].nunique())
    effect["method"] = "two-way fixed-effects DiD, cluster-robust SE by organisation (CR1/HC1)"
    return ProgrammeEffectResult(effect=effect)


def event_study(
    df: pd.DataFrame,
    *,
    programme_col: str = "programme_start",
    outcome: str = "score_pct",
    id_col: str = "organisation_id",
    year_col: str = "year",
    leads: int = 3,
    lags: int = 3,
    ci: float = 0.95,
) -> EventStudyResult:
    """Event-study (leads and lags) version of :func:`programme_effect` with a pre-trend test.

    Parameters
    ----------
    df : DataFrame
        As for :func:`programme_effect`; needs at least three distinct rounds.
    programme_col, outcome, id_col, year_col : str
        Column names.
    leads : int, default 3
        Event times -leads, ..., -2 get their own coefficient; -leads is binned (all earlier
        times fall in it). -1 is the reference. ``leads=1`` estimates no lead.
    lags : int, default 3
        Event times 0, ..., lags; lags is binned (all later times fall in it).
    ci : float, default 0.95
        Confidence level.

    Returns
    -------
    EventStudyResult
        ``coefficients`` (event time -1 included as the reference row), ``pre_trend_test``.

    Notes
    -----
    Event time :math:`k = t - start_i` in years (rounds are yearly). Model:
    :math:`y_{it} = \\alpha_i + \\lambda_t + \\sum_{k \\ne -1} \\delta_k 1[K_{it} = k] + e_{it}`
    with binned end points, never-treated organisations as controls, and the same
    cluster-robust (CR1) covariance as :func:`programme_effect`. Bins without observations are
    left out (``n_obs`` = 0, estimate NaN).

    Pre-trend test: :math:`F = \\hat\\delta_L' V_L^{-1} \\hat\\delta_L / q` over the
    :math:`q` lead coefficients with the cluster-robust covariance, p from
    :math:`F(q, G - 1)`. A small p says treated and control organisations already diverged
    before the start, undermining the parallel-trends assumption; a large p does not prove
    parallel trends (low power with few rounds). Event-study coefficients under staggered
    adoption share the TWFE caveat (Sun & Abraham 2021).

    References
    ----------
    Sun, L., & Abraham, S. (2021). Estimating dynamic treatment effects in event studies with
    heterogeneous treatment effects. *Journal of Econometrics*, 225, 175-199.
    """
    check_ci(ci)
    if leads < 1 or lags < 0:
        raise ValueError(f"leads must be >= 1 and lags >= 0, got leads={leads}, lags={lags}")
    data = _programme_data(df, programme_col, outcome, id_col, year_col)
    n_rounds = data[year_col].nunique()
    problem = _design_problem(data, programme_col, year_col, min_rounds=1)
    if problem is not None:
        raise ValueError(f"event_study: {DESIGN_PROBLEMS[problem]} ({programme_col!r})")
    if n_rounds < 3:
        raise ValueError(
            f"event_study needs at least three rounds in {year_col!r} (found {n_rounds}); "
            "use programme_effect for two rounds"
        )
    event_time = (data[year_col] - data[programme_col]).clip(lower=-leads, upper=lags)
    all_times = [k for k in range(-leads, lags + 1) if k != -1]
    counts = {k: int((event_time == k).sum()) for k in all_times}
    used = [k for k in all_times if counts[k] > 0]
    if not used:
        raise ValueError(f"no organisation in df has a start year in {programme_col!r}")
    regressors = pd.DataFrame({f"event_{k}": (event_time == k).astype(float) for k in used})
    params, cov, n_clusters = _twfe_cluster_fit(data, regressors, outcome, id_col, year_col)
    rows = _effect_rows(params, cov, n_clusters, ci).set_index(pd.Index(used))
    rows.loc[-1, "estimate"] = 0.0  # reference period: fixed at zero, no se
    event_times = sorted([*all_times, -1])
    coefficients = rows.reindex(event_times).rename_axis("event_time").reset_index()
    counts[-1] = int((event_time == -1).sum())
    coefficients["n_obs"] = coefficients["event_time"].map(counts)
    coefficients["is_reference"] = coefficients["event_time"] == -1

    lead_names = [f"event_{k}" for k in used if k < -1]
    if lead_names:
        b = params[lead_names].to_numpy()
        f_stat = float(b @ np.linalg.solve(cov.loc[lead_names, lead_names].to_numpy(), b))
        f_stat /= len(lead_names)
        p_value = float(stats.f.sf(f_stat, len(lead_names), n_clusters - 1))
    else:
        f_stat = p_value = np.nan
    pre_trend = pd.DataFrame(
        {
            "statistic": [f_stat],
            "df1": [len(lead_names)],
            "df2": [n_clusters - 1],
            "p": [p_value],
            "n_leads": [len(lead_names)],
            "method": ["joint Wald F test of leads = 0, cluster-robust (CR1)"],
        }
    )
    return EventStudyResult(coefficients=coefficients, pre_trend_test=pre_trend)
