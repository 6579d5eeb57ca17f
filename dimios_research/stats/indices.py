"""National and group maturity indices with bootstrap intervals, targets and item tables.

The index of a round is the mean of the reportable organisations' scores (each
organisation counts once, whatever its number of respondents), optionally weighted by
employees or population. Its interval is a studentized (bootstrap-t) bootstrap over
organisations, drawn as one resample matrix (``n_boot × n``), not a loop over resamples;
below :data:`MIN_ORGANISATIONS_CI` organisations there is no interval (``ci_note``).
Change between rounds resamples the organisations of both rounds jointly (panel-aware).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..conventions import GROUPING_COLUMNS, SCORE_LEVELS
from ..io.survey import SurveyData
from ..scoring import Scores, require_scores
from .weighting import DEFAULT_MARGINS, DEFAULT_STRATA

__all__ = [
    "bootstrap_mean",
    "bootstrap_means",
    "national_index",
    "level_indices",
    "group_index",
    "index_table",
    "index_change",
    "joint_bootstrap_means",
    "target_gap",
    "item_distribution",
    "GROUPING_COLUMNS",
    "MIN_ORGANISATIONS_CI",
    "BOOTSTRAP_INTERVALS",
]

_WEIGHTS = ("employees", "population")
#: Fewest organisations for an index interval; below it ``ci_low``/``ci_high`` are NaN and
#: ``ci_note`` is ``"too_few_organisations"`` (simulated coverage in docs/methods.md, 5.3).
MIN_ORGANISATIONS_CI = 5
_INDEX_METHOD = "mean of organisation scores, studentized bootstrap over organisations"
#: Interval methods of :func:`bootstrap_mean`.
BOOTSTRAP_INTERVALS = ("studentized", "percentile")


def bootstrap_mean(
    values: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    n_boot: int = 10_000,
    seed: int = 0,
    ci_level: float = 0.95,
    interval: str = "studentized",
) -> tuple[float, float, float]:
    """(Weighted) mean with a bootstrap interval over units.

    Parameters
    ----------
    values : array of float
        One value per unit (organisation); NaN not allowed.
    weights : array of float, optional
        Non-negative weights; default equal.
    n_boot : int
        Number of resamples (0 gives a NaN interval).
    seed : int
        Seed of the resampling generator.
    ci_level : float
        Interval level.
    interval : {"studentized", "percentile"}, default "studentized"
        Bootstrap-t interval (default) or the plain percentile interval.

    Returns
    -------
    (estimate, ci_low, ci_high)

    Notes
    -----
    Resamples are drawn with replacement as one integer matrix of shape
    ``(n_boot, n)``; the weighted mean of each row is
    :math:`\\sum w_i x_i / \\sum w_i` over the drawn units. Percentile: the
    :math:`(\\alpha/2, 1-\\alpha/2)` quantiles of the resampled means (Efron &
    Tibshirani 1993, ch. 13). Studentized (bootstrap-t; Efron & Tibshirani 1993, ch. 12.5;
    Davison & Hinkley 1997, 5.2.1): with the linearised SE :math:`se` of the ratio mean,
    :math:`t^*_b = (\\hat\\mu^*_b - \\hat\\mu)/se^*_b` and the interval
    :math:`(\\hat\\mu - t^*_{(1-\\alpha/2)}\\,se,\\ \\hat\\mu - t^*_{(\\alpha/2)}\\,se)`;
    resamples with :math:`se^*_b = 0` (one distinct unit drawn) are left out. Its simulated
    coverage stays at or above 92 % from 5 units on where the percentile interval has 82-85 %
    at n = 5 (``docs/methods.md``, section 5.3). Fewer than two units give a NaN interval.
    The computation is :func:`bootstrap_means` with one column.
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError("values and weights must be one-dimensional and of equal length")
    estimate, low, high = bootstrap_means(
        x[:, None], weights, n_boot=n_boot, seed=seed, ci_level=ci_level, interval=interval
    )
    return float(estimate[0]), float(low[0]), float(high[0])


def bootstrap_means(
    values: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    n_boot: int = 10_000,
    seed: int = 0,
    ci_level: float = 0.95,
    interval: str = "studentized",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means of several variables over the same units, with intervals from one resampling.

    Parameters
    ----------
    values : array of float, shape (n_units, n_variables)
        One row per unit (organisation), one column per variable (e.g. every capability);
        NaN not allowed.
    weights : array of float, shape (n_units,), optional
        Non-negative weights of the units; default equal.
    n_boot, seed, ci_level, interval :
        As in :func:`bootstrap_mean`.

    Returns
    -------
    (estimate, ci_low, ci_high) : tuple of arrays of shape (n_variables,)
        Column ``j`` equals ``bootstrap_mean(values[:, j], weights, ...)`` (up to rounding):
        the same resamples (the same seed) serve every variable.

    Notes
    -----
    A resample is a vector of counts :math:`c_{bi}` (how often unit :math:`i` is drawn in
    resample :math:`b`), so every resampled sum is a matrix product: with values centred at
    the full-sample estimates, :math:`x_{ij} - \\hat\\mu_j`, the resampled means are
    :math:`(C W X)/(C w)` and the sums of squares of the linearised SE are
    :math:`C(w^2 x^2) - 2 m\\, C(w^2 x) + m^2\\, C w^2` (centring keeps the cancellation
    small; sums below :math:`10^{-12}` of :math:`C(w^2x^2)` count as zero, i.e. one distinct
    value drawn). One ``(n_boot x n)`` count matrix replaces a resample loop per variable.

    Examples
    --------
    >>> x = np.array([[40.0, 1.0], [55.0, 2.0], [47.0, 2.0], [61.0, 3.0], [38.0, 1.0]])
    >>> est, low, high = bootstrap_means(x, n_boot=2000)
    >>> est.tolist()
    [48.2, 1.8]
    >>> bool(low[0] < 48.2 < high[0])
    True
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 2:
        raise ValueError("values must be a two-dimensional (units x variables) array")
    w = np.ones(x.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != x.shape[:1]:
        raise ValueError("values and weights must be one-dimensional and of equal length")
    if np.isnan(x).any() or np.isnan(w).any() or (w < 0).any():
        raise ValueError("values and weights must not be NaN, and weights not negative")
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must lie between 0 and 1, got {ci_level}")
    if interval not in BOOTSTRAP_INTERVALS:
        raise ValueError(f"interval must be one of {BOOTSTRAP_INTERVALS}, got {interval!r}")
    n, k = x.shape
    nan = np.full(k, np.nan)
    if n == 0:
        return nan, nan.copy(), nan.copy()
    estimate = (w @ x) / w.sum()
    if n < 2 or n_boot <= 0:
        return estimate, nan, nan.copy()
    counts = _resample_counts(n, n_boot, seed)
    alpha = 1 - ci_level
    centred = x - estimate
    w2 = (w**2)[:, None]
    # every resampled sum in one pass over the count matrix: C [w, w x, w2 x2, w2 x, w2]
    sums = counts @ np.hstack([w[:, None], w[:, None] * centred, w2 * centred**2, w2 * centred,
                               w2])  # fmt: skip
    total, weighted = sums[:, :1], sums[:, 1 : k + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = weighted / total  # resampled mean - estimate
        if interval == "percentile":
            low, high = _column_quantiles(shift, alpha)
            return estimate, estimate + low, estimate + high
        se = np.sqrt(n / (n - 1) * (w**2 @ centred**2)) / w.sum()
        square, cross, weight2 = sums[:, k + 1 : 2 * k + 1], sums[:, 2 * k + 1 : -1], sums[:, -1:]
        spread = square - 2 * shift * cross + shift**2 * weight2
        spread[spread <= 1e-12 * square] = 0.0  # one distinct value drawn: no spread
        t_star = shift / (np.sqrt(n / (n - 1) * spread) / total)
    t_low, t_high = _column_quantiles(t_star, alpha)
    low, high = estimate - t_high * se, estimate - t_low * se
    flat = (se == 0) | np.isnan(t_low)  # no spread, or no resample with spread
    return estimate, np.where(flat, estimate, low), np.where(flat, estimate, high)


def _resample_counts(n: int, n_boot: int, seed: int) -> np.ndarray:
    """How often each of ``n`` units is drawn in each resample, ``(n_boot, n)`` floats.

    The draws are ``default_rng(seed).integers(0, n, (n_boot, n))``, counted per row.
    """
    draws = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    draws += (np.arange(n_boot) * n)[:, None]
    return np.bincount(draws.ravel(), minlength=n_boot * n).reshape(n_boot, n).astype(float)


def _column_quantiles(draws: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """The alpha/2 and 1 - alpha/2 quantiles of each column over its finite values."""
    finite = np.isfinite(draws)
    if finite.all():
        low, high = np.quantile(draws, [alpha / 2, 1 - alpha / 2], axis=0)
        return low, high
    low, high = np.full(draws.shape[1], np.nan), np.full(draws.shape[1], np.nan)
    for j in np.flatnonzero(finite.any(axis=0)):  # columns, not resamples
        low[j], high[j] = np.quantile(draws[finite[:, j], j], [alpha / 2, 1 - alpha / 2])
    return low, high


def _selection(scores: Scores, year: int, level: str, unit: str) -> pd.DataFrame:
    scores = require_scores(scores)
    if level not in SCORE_LEVELS:
        raise ValueError(f"level must be one of {SCORE_LEVELS}, got {level!r}")
    year = scores.check_year(year)
    frame = scores.organisation_level(level, unit, reportable_only=True)
    return frame[frame["year"] == year]


def _weights(frame: pd.DataFrame, weights: str | None) -> tuple[np.ndarray | None, pd.Series]:
    if weights is None:
        return None, pd.Series(True, index=frame.index)
    if weights not in _WEIGHTS:
        raise ValueError(f"weights must be None or one of {_WEIGHTS}, got {weights!r}")
    w = pd.to_numeric(frame[weights], errors="coerce")
    usable = w.notna() & (w > 0)
    return w[usable].to_numpy(float), usable


def _index_row(
    frame: pd.DataFrame, weights: str | None, n_boot: int, seed: int, ci_level: float
) -> dict:
    w, usable = _weights(frame, weights)
    values = frame.loc[usable, "score_pct"].to_numpy(float)
    estimate, low, high = bootstrap_mean(values, w, n_boot=n_boot, seed=seed, ci_level=ci_level)
    too_few = len(values) < MIN_ORGANISATIONS_CI
    if too_few:
        low = high = np.nan
    return {
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "ci_note": "too_few_organisations" if too_few else None,
        "n_organisations": int(len(values)),
        "n_excluded": int((~usable).sum()),
        "n_respondents": int(frame.loc[usable, "n_respondents"].sum()),
    }


def _bootstrap_columns(weights: str | None, n_boot: int, seed: int) -> dict:
    """The trailing columns of an unweighted (bootstrap) index row, in their order."""
    return {
        "weights": weights or "equal",
        "n_boot": n_boot,
        "seed": seed,
        "method": _INDEX_METHOD,
        "weighting": "none",
    }


def national_index(
    scores: Scores,
    year: int,
    level: str = "overall",
    unit: str = "overall",
    weights: str | None = None,
    n_boot: int = 10_000,
    seed: int = 0,
    ci_level: float = 0.95,
    org_types: Sequence[str] | None = None,
    *,
    weighting: str = "none",
    strata: Sequence[str] = DEFAULT_STRATA,
    margins: Sequence[str] = DEFAULT_MARGINS,
    tol: float = 1e-6,
    max_iter: int = 1000,
) -> pd.DataFrame:
    """National maturity index of a round with a bootstrap or design-based interval.

    Parameters
    ----------
    scores : Scores
    year : int
        Round.
    level, unit : str
        Which score: ``("overall", "overall")``, ``("dimension", "capability")``,
        ``("category", "innovation")``, ``("capability", <id>)``.
    weights : {None, "employees", "population"}
        Weight organisations by size; organisations without a positive weight are excluded
        and counted in ``n_excluded``.
    n_boot, seed, ci_level :
        Bootstrap settings (studentized interval over organisations, see
        :func:`bootstrap_mean`).
    org_types : sequence of str, optional
        Restrict to organisation types (e.g. ``["kommun", "region"]``).
    weighting : {"none", "poststratified", "raked"}, default "none"
        ``"none"`` estimates the mean of the participants. The other two estimate the mean
        of the population in the organisation register (non-participants of the round
        included): post-stratification by ``strata`` or raking on ``margins``
        (:func:`dimios_research.stats.weighting.weighted_estimate`), with a design-based
        (linearisation) interval and the finite population correction; sparse strata are
        merged by documented rules and listed in ``merged_strata``.
    strata, margins, tol, max_iter :
        Weighting settings (see :func:`~dimios_research.stats.weighting.weighted_estimate`).

    Returns
    -------
    pandas.DataFrame
        One row: ``year, level, unit, group_by, group, estimate, ci_low, ci_high, ci_note,
        n_organisations, n_excluded, n_respondents, weights, n_boot, seed, method,
        weighting`` and, when weighted, ``se, N, merged_strata``.
        With fewer than :data:`MIN_ORGANISATIONS_CI` (5) organisations the interval is NaN
        and ``ci_note`` is ``"too_few_organisations"`` (else None).

    Notes
    -----
    Only reportable organisation-rounds enter the index (the reporting threshold also
    protects against very imprecise organisation means). Estimate:
    :math:`\\hat\\mu = \\sum_o w_o \\bar y_o / \\sum_o w_o` with :math:`w_o = 1` by default.
    See :func:`bootstrap_mean` for the interval (studentized bootstrap).

    Examples
    --------
    >>> row = dr.national_index(demo_scores, 2023, n_boot=1000).iloc[0]
    >>> bool(40 < row["estimate"] < 60)
    True
    """
    frame = _selection(scores, year, level, unit)
    register = scores.population_frame()
    if org_types is not None:
        frame = frame[frame["type"].astype(str).isin(list(org_types))]
        register = register[register["type"].astype(str).isin(list(org_types))]
    keys = {"year": year, "level": level, "unit": unit, "group_by": "national", "group": "all"}
    if weighting != "none":
        settings = {"strata": strata, "margins": margins, "tol": tol, "max_iter": max_iter}
        return _weighted_rows(frame, register, weighting, None, ci_level, settings, keys)
    row = _index_row(frame, weights, n_boot, seed, ci_level)
    return pd.DataFrame([{**keys, **row, **_bootstrap_columns(weights, n_boot, seed)}])


def level_indices(
    scores: Scores,
    year: int,
    level: str,
    units: Sequence[str] | None = None,
    n_boot: int = 10_000,
    seed: int = 0,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """:func:`national_index` of every unit of a level at once (equal weights, no weighting).

    Parameters
    ----------
    scores : Scores
    year : int
    level : {"overall", "dimension", "category", "capability"}
    units : sequence of str, optional
        Units in the order wanted (default: the order of the scores).
    n_boot, seed, ci_level :
        As in :func:`national_index`.

    Returns
    -------
    pandas.DataFrame
        One row per unit with the columns of :func:`national_index` (``weighting="none"``).
        Each row equals ``national_index(scores, year, level, unit, ...)`` up to rounding:
        the organisations of the round are resampled once (:func:`bootstrap_means`) for all
        units they have scores on, in the order ``national_index`` resamples them.

    Examples
    --------
    >>> rows = level_indices(demo_scores, 2023, "dimension", n_boot=500)
    >>> one = national_index(demo_scores, 2023, "dimension", rows["unit"][0], n_boot=500)
    >>> bool(abs(rows["ci_low"][0] - one["ci_low"][0]) < 1e-9)
    True
    """
    if level not in SCORE_LEVELS:
        raise ValueError(f"level must be one of {SCORE_LEVELS}, got {level!r}")
    year = scores.check_year(year)
    part = scores.reportable_scores(year, level)
    wide = part.pivot(index="organisation_id", columns="unit", values="score_pct")
    wide = wide.reindex(part["organisation_id"].drop_duplicates())  # national_index's order
    respondents = part.pivot(index="organisation_id", columns="unit", values="n_respondents")
    units = [str(u) for u in (units if units is not None else part["unit"].drop_duplicates())]
    missing = [u for u in units if u not in wide.columns]
    if missing:
        raise ValueError(f"no organisation scores at level {level!r}, unit {missing[0]!r}")
    rows: dict[str, dict] = {}
    present = wide[units].notna()
    for _, same in present.T.groupby(list(present.index), sort=False):  # units with the same
        chosen = list(same.index)  # organisations share one resampling
        used = present[chosen[0]].to_numpy()
        est, low, high = bootstrap_means(
            wide.loc[used, chosen].to_numpy(float), n_boot=n_boot, seed=seed, ci_level=ci_level
        )
        too_few = int(used.sum()) < MIN_ORGANISATIONS_CI
        for j, unit in enumerate(chosen):
            rows[unit] = {
                "estimate": est[j], "ci_low": np.nan if too_few else low[j],
                "ci_high": np.nan if too_few else high[j],
                "ci_note": "too_few_organisations" if too_few else None,
                "n_organisations": int(used.sum()), "n_excluded": 0,
                "n_respondents": int(respondents.loc[used, unit].sum()),
            }  # fmt: skip
    keys = {"year": year, "level": level, "group_by": "national", "group": "all"}
    out = pd.DataFrame([{**keys, "unit": unit, **rows[unit]} for unit in units])
    columns = ["year", "level", "unit", "group_by", "group", *next(iter(rows.values()))]
    return out[columns].assign(**_bootstrap_columns(None, n_boot, seed))


def group_index(
    scores: Scores,
    year: int,
    by: str = "type",
    level: str = "overall",
    unit: str = "overall",
    weights: str | None = None,
    n_boot: int = 10_000,
    seed: int = 0,
    ci_level: float = 0.95,
    *,
    weighting: str = "none",
    strata: Sequence[str] = DEFAULT_STRATA,
    margins: Sequence[str] = DEFAULT_MARGINS,
    tol: float = 1e-6,
    max_iter: int = 1000,
) -> pd.DataFrame:
    """The index per group (organisation type, size class or county) of a round.

    Same columns as :func:`national_index` with ``group_by = by`` and one row per group
    that has at least one reportable organisation; groups of fewer than
    :data:`MIN_ORGANISATIONS_CI` organisations get no interval (``ci_note``). Every group is
    resampled with its own generator seeded with ``seed``, so a group's interval does not
    depend on the others.
    """
    if by not in GROUPING_COLUMNS:
        raise ValueError(f"by must be one of {GROUPING_COLUMNS}, got {by!r}")
    frame = _selection(scores, year, level, unit)
    if weighting != "none":  # the groups are domains of one weighted design
        settings = {"strata": strata, "margins": margins, "tol": tol, "max_iter": max_iter}
        keys = {"year": year, "level": level, "unit": unit}
        return _weighted_rows(
            frame, scores.population_frame(), weighting, by, ci_level, settings, keys
        )
    rows = []
    for group, part in frame.groupby(by, observed=True, sort=True):
        row = _index_row(part, weights, n_boot, seed, ci_level)
        rows.append(
            {"year": year, "level": level, "unit": unit, "group_by": by, "group": str(group), **row}
        )
    return pd.DataFrame(rows).assign(**_bootstrap_columns(weights, n_boot, seed))


def _weighted_rows(
    frame: pd.DataFrame,
    register: pd.DataFrame,
    weighting: str,
    by: str | None,
    ci_level: float,
    settings: dict,
    keys: dict,
) -> pd.DataFrame:
    """Index rows estimated for the register's population (weighting to the frame)."""
    from .weighting import weighted_estimate

    result = weighted_estimate(
        frame[["organisation_id", "score_pct"]], register, weighting=weighting, by=by,
        ci=ci_level, **settings,
    )  # fmt: skip
    n_respondents = frame.groupby(by, observed=True)["n_respondents"].sum() if by else None
    out = pd.DataFrame(
        {
            **keys,
            "group_by": result["group_by"] if by else "national",
            "group": result["group"].astype(str) if by else "all",
            "estimate": result["estimate"],
            "ci_low": result["ci_low"],
            "ci_high": result["ci_high"],
            "se": result["se"],
            "ci_note": None,
            "n_organisations": result["n"].astype(int),
            "N": result["N"].astype(int),
            "n_respondents": (
                result["group"].map(n_respondents).fillna(0).astype(int)
                if by else int(frame["n_respondents"].sum())
            ),
            "merged_strata": result["merged_strata"],
            "weighting": weighting,
            "method": result["method"],
        }
    )  # fmt: skip
    small = out["n_organisations"] < MIN_ORGANISATIONS_CI  # the same small-group rule
    out.loc[small, ["ci_low", "ci_high"]] = np.nan
    out["ci_note"] = np.where(small, "too_few_organisations", None)
    return out.reset_index(drop=True)


def index_table(
    scores: Scores,
    years: Sequence[int] | None = None,
    levels: Sequence[str] = SCORE_LEVELS,
    by: str | None = None,
    n_boot: int = 2_000,
    seed: int = 0,
    weights: str | None = None,
) -> pd.DataFrame:
    """The index for every round, level and unit (and group when ``by`` is given)."""
    years = list(years) if years is not None else scores.years
    org = scores.organisations
    frames = []
    for level in levels:
        units = org.loc[org["level"] == level, "unit"].drop_duplicates().tolist()
        for unit in units:
            for year in years:
                if by is None:
                    frames.append(national_index(scores, year, level, unit, weights, n_boot, seed))
                else:
                    frames.append(group_index(scores, year, by, level, unit, weights, n_boot, seed))
    return pd.concat(frames, ignore_index=True)


def joint_bootstrap_means(values: np.ndarray, *, n_boot: int = 10_000, seed: int = 0) -> np.ndarray:
    """Round means over joint resamples of organisations (a panel-aware bootstrap).

    Parameters
    ----------
    values : array of float, shape (n_organisations, n_rounds)
        One row per organisation in the union of the rounds; NaN where the organisation
        has no (reportable) score in that round.
    n_boot : int
        Number of resamples.
    seed : int
        Seed of the resampling generator.

    Returns
    -------
    array of float, shape (n_boot, n_rounds)
        The mean of each round in each resample (NaN if a resample holds no organisation
        of that round).

    Notes
    -----
    Organisations, not organisation-rounds, are resampled with replacement: a resample is
    one multinomial count vector over the union of organisations (``n_boot x n`` matrix,
    ``default_rng(seed).multinomial``), applied to every round at once, so an organisation
    measured in several rounds brings all its scores along and the correlation between
    rounds is kept. Each round's mean is :math:`\\sum_o c_o y_{o,t} / \\sum_o c_o 1[y_{o,t}]`.
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError("values must be a non-empty (organisations x rounds) matrix")
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(x.shape[0], np.full(x.shape[0], 1 / x.shape[0]), size=n_boot)
    present = ~np.isnan(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (counts @ np.where(present, x, 0.0)) / (counts @ present)


#: Resampling schemes of :func:`index_change`.
CHANGE_RESAMPLING = ("joint", "independent")


def index_change(
    scores: Scores,
    year: int,
    previous: int,
    level: str = "overall",
    unit: str = "overall",
    n_boot: int = 10_000,
    seed: int = 0,
    ci_level: float = 0.95,
    resampling: str = "joint",
) -> pd.DataFrame:
    """Change of the national index between two rounds, with a bootstrap interval.

    The estimate is the difference of the two rounds' indices (all reportable
    organisations of each round). With ``resampling="joint"`` (default) the interval is
    panel-aware: organisations in the union of the two rounds are resampled together
    (:func:`joint_bootstrap_means`), so an organisation measured in both rounds brings
    both scores and the positive correlation between its rounds narrows the interval.
    ``resampling="independent"`` resamples each round on its own (the former method; right
    only when the rounds hold different organisations). For change within the same
    organisations only use :func:`dimios_research.stats.panel.paired_change`.

    Returns
    -------
    pandas.DataFrame
        One row: ``year, previous, level, unit, estimate, ci_low, ci_high, estimate_year,
        estimate_previous, n_organisations, n_organisations_previous,
        n_organisations_both, method``.
    """
    if resampling not in CHANGE_RESAMPLING:
        raise ValueError(f"resampling must be one of {CHANGE_RESAMPLING}, got {resampling!r}")
    frames = [_selection(scores, y, level, unit) for y in (year, previous)]
    now, before = (f["score_pct"].to_numpy(float) for f in frames)
    if len(now) < 2 or len(before) < 2:
        raise ValueError("index_change needs at least two reportable organisations per round")
    wide = pd.concat(
        [f.set_index("organisation_id")["score_pct"].rename(k) for k, f in enumerate(frames)],
        axis=1,
    )
    if resampling == "joint":
        means = joint_bootstrap_means(wide.to_numpy(float), n_boot=n_boot, seed=seed)
        diffs = means[:, 0] - means[:, 1]
        method = "difference of means, joint percentile bootstrap over organisations (panel)"
    else:
        rng_now, rng_before = (np.random.default_rng([seed, k]) for k in (0, 1))
        m_now = now[rng_now.integers(0, len(now), (n_boot, len(now)))].mean(axis=1)
        m_before = before[rng_before.integers(0, len(before), (n_boot, len(before)))].mean(axis=1)
        diffs = m_now - m_before
        method = "difference of means, independent percentile bootstrap"
    alpha = 1 - ci_level
    low, high = np.nanquantile(diffs, [alpha / 2, 1 - alpha / 2])
    return pd.DataFrame(
        [
            {
                "year": year,
                "previous": previous,
                "level": level,
                "unit": unit,
                "estimate": now.mean() - before.mean(),
                "ci_low": low,
                "ci_high": high,
                "estimate_year": now.mean(),
                "estimate_previous": before.mean(),
                "n_organisations": len(now),
                "n_organisations_previous": len(before),
                "n_organisations_both": int(wide.notna().all(axis=1).sum()),
                "method": method,
            }
        ]
    )


def target_gap(
    scores: Scores,
    year: int,
    target: float = 55.0,
    level: str = "overall",
    unit: str = "overall",
    n_boot: int = 10_000,
    seed: int = 0,
    ci_level: float = 0.95,
    org_types: Sequence[str] | None = None,
    *,
    weighting: str = "none",
) -> pd.DataFrame:
    """The national index of a round against a target (e.g. 55 % for 2023).

    Returns
    -------
    pandas.DataFrame
        One row: ``year, level, unit, estimate, ci_low, ci_high, target, gap
        (estimate − target), gap_ci_low, gap_ci_high, shortfall (max(target − estimate,
        0)), met (estimate >= target), met_with_confidence (ci_low >= target),
        n_organisations``. The gap's interval is the index interval shifted by the target
        (the target is a fixed number). ``weighting`` is passed to :func:`national_index`
        (the target is then compared with the population estimate).
    """
    row = national_index(
        scores, year, level, unit, None, n_boot, seed, ci_level, org_types, weighting=weighting
    )
    row = row[["year", "level", "unit", "estimate", "ci_low", "ci_high", "n_organisations"]]
    row = row.assign(
        target=float(target),
        gap=row["estimate"] - target,
        gap_ci_low=row["ci_low"] - target,
        gap_ci_high=row["ci_high"] - target,
        shortfall=np.maximum(target - row["estimate"], 0.0),
        met=row["estimate"] >= target,
        met_with_confidence=row["ci_low"] >= target,
    )
    return row


def item_distribution(data: SurveyData, year: int | None = None) -> pd.DataFrame:
    """Answer distribution per item and round, don't-know and missing shares included.

    Returns
    -------
    pandas.DataFrame
        One row per round and item: ``year, item_id, capability, dimension, reverse,
        n_respondents, n_valid, share_1 … share_k`` (shares of valid answers per code),
        ``dont_know_share, missing_share`` (of respondents), ``mean`` (raw code mean, not
        reverse-keyed).
    """
    long = data.long if year is None else data.long[data.long["year"] == year]
    if long.empty:
        raise ValueError(f"no answers for year {year}; rounds available: {data.years}")
    cb = data.codebook
    keys = ["year", "item_id"]
    status = pd.crosstab([long["year"], long["item_id"]], long["status"])
    for col in ("answered", "dont_know", "missing", "invalid"):
        if col not in status.columns:
            status[col] = 0
    codes = pd.crosstab([long["year"], long["item_id"]], long["value"])
    codes = codes.reindex(
        columns=[float(c) for c in range(cb.scale_min, cb.scale_max + 1)], fill_value=0
    )
    n_resp = status.sum(axis=1)
    n_valid = status["answered"]
    out = pd.DataFrame({"n_respondents": n_resp, "n_valid": n_valid})
    for code in codes.columns:
        out[f"share_{int(code)}"] = codes[code] / n_valid.where(n_valid > 0)
    out["dont_know_share"] = status["dont_know"] / n_resp
    out["missing_share"] = (status["missing"] + status["invalid"]) / n_resp
    means = long.groupby(keys, observed=True)["value"].mean()
    out["mean"] = means.reindex(out.index)
    out = out.reset_index()
    out["item_id"] = out["item_id"].astype(str)
    meta = cb.items[["item_id", "capability", "dimension", "reverse"]]
    out = out.merge(meta, on="item_id", how="left")
    first = ["year", "item_id", "capability", "dimension", "reverse"]
    return out[first + [c for c in out.columns if c not in first]]
