"""Distance to a national target and the projected year the trend reaches it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..conventions import check_ci, require_columns
from .growth import GrowthModelResult

__all__ = ["TargetAttainmentResult", "target_attainment"]


@dataclass(frozen=True)
class TargetAttainmentResult:
    """Result of :func:`target_attainment`.

    Attributes
    ----------
    rounds : DataFrame
        Per round: ``year, estimate, ci_low, ci_high, target, gap, gap_ci_low, gap_ci_high,
        target_met, target_met_with_confidence, is_target_year``.
    projection : DataFrame
        One row: ``target, slope, slope_ci_low, slope_ci_high, anchor_year, anchor_estimate,
        projected_year, projected_year_low, projected_year_high, status, source``
        (``source``: ``"growth_model"``, ``"weighted_fit"`` or ``"weighted_fit_panel"``).
    status : str
        ``"reached"``, ``"projected"``, ``"beyond_horizon"`` or ``"not_reached"``; the
        reports put it into words (:func:`dimios_research.report.narrative.projection_sentence`).
    """

    rounds: pd.DataFrame
    projection: pd.DataFrame
    status: str


def _index_trend(
    national_index: pd.DataFrame,
    ci: float,
    org_scores: pd.DataFrame | None = None,
    n_boot: int = 2_000,
    seed: int = 0,
) -> tuple[float, float, float, float]:
    """Weighted linear fit of the index on year: slope, its se, anchor year and anchor mean.

    Weights 1/se^2 with se = (ci_high - ci_low) / (2 z); slope variance from the known
    round variances times the dispersion max(1, chi2 / (n - 2)) when n >= 3. With
    ``org_scores`` the known-variance part is replaced by the variance of the same fit over
    joint bootstrap resamples of organisations (panel-aware, as ``index_change``).
    """
    z = stats.norm.ppf(0.5 + ci / 2)
    years = national_index["year"].to_numpy(dtype=float)
    estimate = national_index["estimate"].to_numpy(dtype=float)
    se = (national_index["ci_high"] - national_index["ci_low"]).to_numpy(dtype=float) / (2 * z)
    if np.any(se <= 0) or np.isnan(se).any():
        raise ValueError("national_index needs ci_high > ci_low in every round")
    weight = 1 / se**2
    anchor = float(np.sum(weight * years) / weight.sum())
    anchor_mean = float(np.sum(weight * estimate) / weight.sum())
    sxx = np.sum(weight * (years - anchor) ** 2)
    slope = float(np.sum(weight * (years - anchor) * (estimate - anchor_mean)) / sxx)
    dispersion = 1.0
    if years.size >= 3:
        resid = estimate - anchor_mean - slope * (years - anchor)
        dispersion = max(1.0, float(np.sum(weight * resid**2)) / (years.size - 2))
    variance = 1 / sxx
    if org_scores is not None:
        means = _joint_round_means(org_scores, years, n_boot, seed)
        centred = means - (means @ weight / weight.sum())[:, None]
        slopes = centred @ (weight * (years - anchor)) / sxx
        variance = float(np.nanvar(slopes, ddof=1))
    return slope, float(np.sqrt(dispersion * variance)), anchor, anchor_mean


def _joint_round_means(
    org_scores: pd.DataFrame, years: np.ndarray, n_boot: int, seed: int
) -> np.ndarray:
    """(n_boot x rounds) round means over joint resamples of the organisations."""
    from .indices import joint_bootstrap_means

    require_columns(org_scores, ["year", "organisation_id", "score_pct"], "org_scores")
    rows = org_scores[org_scores["year"].isin(years)]
    if rows.duplicated(["organisation_id", "year"]).any():
        raise ValueError("org_scores must hold one row per organisation and year")
    wide = rows.pivot(index="organisation_id", columns="year", values="score_pct")
    return joint_bootstrap_means(
        wide.reindex(columns=years).to_numpy(float), n_boot=n_boot, seed=seed
    )


def target_attainment(
    national_index: pd.DataFrame,
    target: float = 55.0,
    target_year: int = 2023,
    growth: GrowthModelResult | None = None,
    *,
    ci: float = 0.95,
    horizon: float = 30.0,
    org_scores: pd.DataFrame | None = None,
    n_boot: int = 2_000,
    seed: int = 0,
) -> TargetAttainmentResult:
    """Distance of the national index to a target per round and the projected attainment year.

    Parameters
    ----------
    national_index : DataFrame
        One row per round with ``year, estimate, ci_low, ci_high`` (e.g. the national index
        of :mod:`dimios_research.stats.indices`).
    target : float, default 55.0
        Target value of the index (percent of maximum).
    target_year : int, default 2023
        Year by which the target should be met (flagged in ``is_target_year``).
    growth : GrowthModelResult, optional
        A fitted :func:`growth_model`; its population trend is used for the projection.
        Without it, a weighted linear fit of the index on year is used (see Notes).
    ci : float, default 0.95
        Confidence level of ``national_index`` intervals (used to recover their se) and of
        the slope interval.
    horizon : float, default 30.0
        Years after the last round beyond which a projection is reported as
        ``"beyond_horizon"``.
    org_scores : DataFrame, optional
        The organisation scores behind ``national_index`` (``year, organisation_id,
        score_pct``, one row per organisation and round). Without ``growth``, the slope's
        sampling variance then comes from a joint bootstrap over organisations (an
        organisation measured in several rounds is resampled with all its rounds), as
        :func:`dimios_research.stats.indices.index_change` does; otherwise the rounds are taken
        as independent.
    n_boot, seed : int
        Bootstrap settings for ``org_scores`` (default 2,000 resamples, seed 0).

    Returns
    -------
    TargetAttainmentResult
        ``rounds``, ``projection``, ``status`` (see the class).

    Notes
    -----
    Per round: gap = estimate - target with interval (ci_low - target, ci_high - target);
    ``target_met`` = estimate >= target, ``target_met_with_confidence`` = ci_low >= target.

    Projection: the trend line is anchored at the (weighted) mean year :math:`\\bar t`, where
    the level :math:`\\hat\\mu(\\bar t)` and the slope are (nearly) uncorrelated, and
    :math:`t^* = \\bar t + (target - \\hat\\mu(\\bar t)) / \\hat b`. Its interval replaces
    :math:`\\hat b` with the ends of the slope's normal CI, holding the anchor fixed (the
    uncertainty of the level at the anchor is ignored; with a slope CI that includes 0 the
    far end is infinite). Sources:

    - ``growth``: slope = its time coefficient with ``bse``; anchor = its ``time_mean`` with
      :math:`\\hat\\mu` from :meth:`GrowthModelResult.predict` (covariates at means).
    - no ``growth``: weighted least squares of estimate on year with weights
      :math:`1/se^2`, se = (ci_high - ci_low)/(2 z); slope variance
      :math:`\\phi / \\sum w (t - \\bar t)^2` with the dispersion
      :math:`\\phi = \\max(1, \\chi^2/(n-2))` (rounds that scatter more than their sampling error
      widen the interval; with two rounds :math:`\\phi = 1`). With ``org_scores`` the
      known-variance part :math:`1/\\sum w (t - \\bar t)^2` is replaced by the variance of
      the same weighted slope over joint bootstrap resamples of organisations (panel-aware;
      the rounds of a panel are positively correlated, so independence overstates it).

    Status: ``"reached"`` when the trend line is at or above the target at the last round;
    ``"not_reached"`` when it is below and the slope is <= 0 (the trend never reaches it);
    ``"beyond_horizon"`` when :math:`t^*` is more than ``horizon`` years after the last round;
    else ``"projected"``. A straight-line extrapolation assumes the past yearly change goes on.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.DataFrame({"year": [2019, 2021, 2023], "estimate": [45.0, 49.0, 53.0],
    ...                     "ci_low": [44.0, 48.0, 52.0], "ci_high": [46.0, 50.0, 54.0]})
    >>> round(target_attainment(idx, target=55.0).projection["projected_year"].item(), 6)
    2024.0
    """
    require_columns(national_index, ["year", "estimate", "ci_low", "ci_high"], "national_index")
    check_ci(ci)
    index = national_index.dropna(subset=["year", "estimate"]).sort_values("year")
    if index.empty:
        raise ValueError("national_index has no round with a year and an estimate")
    rounds = index[["year", "estimate", "ci_low", "ci_high"]].reset_index(drop=True)
    rounds["target"] = float(target)
    rounds["gap"] = rounds["estimate"] - target
    rounds["gap_ci_low"] = rounds["ci_low"] - target
    rounds["gap_ci_high"] = rounds["ci_high"] - target
    rounds["target_met"] = rounds["estimate"] >= target
    rounds["target_met_with_confidence"] = rounds["ci_low"] >= target
    rounds["is_target_year"] = rounds["year"] == target_year

    if growth is not None:
        slope, slope_se = float(growth.params[growth.time]), float(growth.bse[growth.time])
        anchor = growth.time_mean
        anchor_mean = float(growth.predict([anchor])["estimate"].iloc[0])
        source = "growth_model"
    else:
        if rounds["year"].nunique() < 2:
            raise ValueError(
                "a projection needs at least two rounds in national_index (or pass growth=)"
            )
        slope, slope_se, anchor, anchor_mean = _index_trend(rounds, ci, org_scores, n_boot, seed)
        source = "weighted_fit" if org_scores is None else "weighted_fit_panel"
    z = stats.norm.ppf(0.5 + ci / 2)
    slope_low, slope_high = slope - z * slope_se, slope + z * slope_se
    last_year = float(rounds["year"].max())
    distance = target - anchor_mean

    def crossing(b: float) -> float:
        if b > 0:
            return anchor + distance / b
        return np.inf if distance > 0 else -np.inf

    level_at_last = anchor_mean + slope * (last_year - anchor)
    projected = crossing(slope) if slope > 0 else np.nan
    ends = sorted([crossing(slope_low), crossing(slope_high)]) if slope > 0 else [np.nan] * 2
    if level_at_last >= target:
        status = "reached"
    elif slope <= 0:
        status = "not_reached"
    elif projected > last_year + horizon:
        status = "beyond_horizon"
    else:
        status = "projected"
    projection = pd.DataFrame(
        {
            "target": [float(target)],
            "slope": [slope],
            "slope_ci_low": [slope_low],
            "slope_ci_high": [slope_high],
            "anchor_year": [anchor],
            "anchor_estimate": [anchor_mean],
            "projected_year": [projected],
            "projected_year_low": [ends[0]],
            "projected_year_high": [ends[1]],
            "status": [status],
            "source": [source],
        }
    )
    return TargetAttainmentResult(rounds=rounds, projection=projection, status=status)
