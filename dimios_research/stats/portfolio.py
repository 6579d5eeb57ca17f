"""DIOS portfolio statistics: TIME mix, redundancy, age, technical debt, decommissioning,
national comparison, peer percentiles and the link to DiMiOS.

Everything here starts from :class:`~dimios_research.scoring.inventory.InventoryScores` and
returns tidy DataFrames of codes and numbers. Portfolio indicators count the systems **in
operation** (lifecycle values flagged ``in_operation`` in the instrument: ``active`` and
``phase_out``); planned and retired systems are listed in the inventory but not part of the
portfolio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..instrument.dios import ACTIVE_LIFECYCLE
from ..scoring import Scores
from ..scoring.inventory import CUT_TOLERANCE, TIME_CLASSES, InventoryScores
from .indices import bootstrap_mean

__all__ = [
    "Portfolio",
    "portfolio",
    "system_table",
    "business_areas",
    "portfolio_indicators",
    "decommissioning_candidates",
    "national_comparison",
    "peer_percentiles",
    "dimios_link_data",
    "dimios_link",
    "correlation_ci",
    "COMPARISON_INDICATORS",
    "GROUPINGS",
]

KEYS = ["organisation_id", "year"]
#: Indicators compared nationally and against peers by default.
COMPARISON_INDICATORS = (
    "n_systems",
    *(f"share_{c}_pct" for c in TIME_CLASSES),
    *(f"cost_share_{c}_pct" for c in TIME_CLASSES),
    "redundant_systems_pct",
    "past_end_of_life_pct",
    "median_age_years",
    "technical_debt_pct",
    "health_pct",
    "decommission_cost_pct",
)
GROUPINGS = ("type", "size_class")
_METHOD = "mean of organisation indicators, percentile bootstrap over organisations"


@dataclass(frozen=True)
class Portfolio:
    """An inventory's portfolio analysis.

    Attributes
    ----------
    indicators : pandas.DataFrame
        One row per organisation and year (:func:`portfolio_indicators`).
    systems : pandas.DataFrame
        One row per system with its scores, attributes and flags (:func:`system_table`).
    areas : pandas.DataFrame
        Systems per business area and type (:func:`business_areas`).
    decommission : pandas.DataFrame
        The decommissioning list of every organisation-year
        (:func:`decommissioning_candidates`).
    min_systems, end_of_life_age, cut :
        The conventions used.
    """

    indicators: pd.DataFrame
    systems: pd.DataFrame
    areas: pd.DataFrame
    decommission: pd.DataFrame
    min_systems: int
    end_of_life_age: float
    cut: float

    def decommissioning_list(self, organisation_id: str, year: int | None = None) -> pd.DataFrame:
        """One organisation's decommissioning list (latest year when ``year`` is None)."""
        org = self.decommission[self.decommission["organisation_id"] == str(organisation_id)]
        known = self.indicators.loc[self.indicators["organisation_id"] == str(organisation_id)]
        if known.empty:
            raise ValueError(f"organisation_id {organisation_id!r} is not in the inventory")
        year = int(known["year"].max()) if year is None else int(year)
        return org[org["year"] == year].reset_index(drop=True)


def system_table(scores: InventoryScores, *, end_of_life_age: float = 10) -> pd.DataFrame:
    """Every system with its scores, attributes and the flags the portfolio counts.

    Parameters
    ----------
    scores : InventoryScores
    end_of_life_age : float, default 10
        A system is past its end of life when its age exceeds this many years (assumption:
        a common depreciation and contract horizon for public-sector systems).

    Returns
    -------
    pandas.DataFrame
        The columns of :meth:`InventoryScores.table` plus ``in_operation, active, age_years,
        past_end_of_life, low_quality, eliminate, redundant_group_size, redundant,
        kept_instead, candidate``.

    Notes
    -----
    ``age_years = year - installed_year``. Redundancy: the *active* systems of an
    organisation-year that share business area and system type form a group; in a group of
    two or more the system with the highest importance (then quality, then the lowest
    annual cost, then the smallest system id; missing values last) is kept and the others
    are ``redundant`` (``kept_instead`` names the kept system). ``candidate`` = in operation
    and (TIME class ``eliminate`` or redundant). ``low_quality`` = quality below the cut.
    """
    if end_of_life_age <= 0:
        raise ValueError(f"end_of_life_age must be positive, got {end_of_life_age}")
    table = scores.table()
    life = table["lifecycle"].astype(object)
    table["in_operation"] = life.isin(scores.instrument.in_operation)
    table["active"] = life == ACTIVE_LIFECYCLE
    table["age_years"] = table["year"] - table["installed_year"]
    table["past_end_of_life"] = (table["age_years"] > end_of_life_age).astype("boolean")
    table.loc[table["age_years"].isna(), "past_end_of_life"] = pd.NA
    table["low_quality"] = table["quality_pct"] < scores.cut - CUT_TOLERANCE
    table["eliminate"] = table["time_class"] == "eliminate"
    group = [*KEYS, "business_area", "system_type"]
    active = table[table["active"]].sort_values(
        ["importance_pct", "quality_pct", "annual_cost_sek", "system_id"],
        ascending=[False, False, True, True],
        na_position="last",
        kind="mergesort",
    )
    grouped = active.groupby(group, observed=True, sort=False)
    size = grouped["system_id"].transform("size")
    keeper = grouped["system_id"].transform("first")
    table["redundant_group_size"] = size.reindex(table.index).fillna(0).astype(int)
    table["redundant"] = (table["redundant_group_size"] >= 2) & (
        keeper.reindex(table.index) != table["system_id"]
    )
    table["kept_instead"] = keeper.reindex(table.index).where(table["redundant"])
    table["candidate"] = table["in_operation"] & (table["eliminate"] | table["redundant"])
    return table


def business_areas(systems: pd.DataFrame) -> pd.DataFrame:
    """Systems in operation per organisation-year, business area and system type.

    Returns ``organisation_id, year, business_area, system_type, n_systems, n_active,
    redundant`` (``redundant`` = two or more active systems of that type in that area).
    """
    live = systems[systems["in_operation"]]
    out = (
        live.groupby([*KEYS, "business_area", "system_type"], observed=True, sort=True)
        .agg(n_systems=("system_id", "size"), n_active=("active", "sum"))
        .reset_index()
    )
    out["n_active"] = out["n_active"].astype(int)
    out["redundant"] = out["n_active"] >= 2
    return out


def _sums(live: pd.DataFrame) -> pd.DataFrame:
    """Per organisation-year sums of the one-hot class, cost and importance columns."""
    cls = live["time_class"].astype(object)
    rated = cls.notna()
    cost = live["annual_cost_sek"]
    parts = {"n_systems": 1.0, "n_rated": rated.astype(float)}
    for c in TIME_CLASSES:
        parts[f"n_{c}"] = (cls == c).astype(float)
        parts[f"cost_{c}"] = ((cls == c) * cost).where(cost.notna() & rated, 0.0)
    parts["cost_rated"] = cost.where(rated, np.nan).fillna(0.0)
    parts["total_cost_sek"] = cost.fillna(0.0)
    parts["n_cost_known"] = cost.notna().astype(float)
    imp = live["importance_pct"].where(rated & live["quality_pct"].notna(), 0.0)
    parts["importance"] = imp
    parts["importance_low"] = imp.where(live["low_quality"], 0.0)
    parts["importance_x_quality"] = imp * live["quality_pct"].fillna(0.0)
    parts["n_redundant_systems"] = live["redundant"].astype(float)
    parts["decommission_cost_sek"] = cost.where(live["candidate"], 0.0).fillna(0.0)
    parts["n_aged"] = live["past_end_of_life"].notna().astype(float)
    parts["n_past_end_of_life"] = live["past_end_of_life"].fillna(False).astype(float)
    frame = pd.DataFrame(parts, index=live.index).assign(**{k: live[k] for k in KEYS})
    return frame.groupby(KEYS, sort=True).sum()


def portfolio_indicators(
    systems: pd.DataFrame, register: pd.DataFrame, *, min_systems: int = 5
) -> pd.DataFrame:
    """Portfolio indicators per organisation and year (systems in operation).

    Returns
    -------
    pandas.DataFrame
        ``organisation_id, year, n_systems, n_rated, share_<class>_pct,
        cost_share_<class>_pct`` (classes of :data:`TIME_CLASSES`), ``total_cost_sek,
        n_cost_known, n_business_areas, n_redundant_groups, n_redundant_areas,
        n_redundant_systems, redundant_systems_pct, past_end_of_life_pct, median_age_years,
        technical_debt_pct, health_pct, decommission_cost_sek, decommission_cost_pct,
        reportable, type, size_class``.

    Notes
    -----
    With :math:`S` the rated systems in operation (both scores), :math:`q_s, i_s` their
    quality and importance and :math:`c` the cut:

    - share of class :math:`k`: :math:`100\\,|\\{s \\in S: k_s = k\\}| / |S|`; cost share:
      the same with annual costs, over the rated systems with a known cost;
    - technical debt: :math:`100 \\sum_{s \\in S,\\, q_s < c} i_s / \\sum_{s \\in S} i_s`
      (the share of importance carried by low-quality systems);
    - health: :math:`\\sum_{s \\in S} i_s q_s / \\sum_{s \\in S} i_s` (importance-weighted
      mean quality, percent);
    - past end of life: percent of systems with a known age whose age exceeds the limit;
      median age over the same systems;
    - ``redundant_systems_pct``: redundant systems (see :func:`system_table`) per 100
      systems in operation; ``decommission_cost_pct``: annual cost of the decommissioning
      candidates as a percent of the known annual cost;
    - ``reportable``: at least ``min_systems`` rated systems (the survey's threshold, 5).
    """
    if min_systems < 1:
        raise ValueError(f"min_systems must be at least 1, got {min_systems}")
    absent = [c for c in ("organisation_id", "type", "size_class") if c not in register.columns]
    if absent:
        raise ValueError(
            f"register lacks column(s) {absent}; pass the register read by read_organisations"
        )
    live = systems[systems["in_operation"]]
    sums = _sums(live)
    out = sums[["n_systems", "n_rated"]].astype(int)
    rated = sums["n_rated"].where(sums["n_rated"] > 0)
    cost_rated = sums["cost_rated"].where(sums["cost_rated"] > 0)
    for c in TIME_CLASSES:
        out[f"share_{c}_pct"] = 100 * sums[f"n_{c}"] / rated
    for c in TIME_CLASSES:
        out[f"cost_share_{c}_pct"] = 100 * sums[f"cost_{c}"] / cost_rated
    out["total_cost_sek"] = sums["total_cost_sek"]
    out["n_cost_known"] = sums["n_cost_known"].astype(int)
    grouped = live.groupby(KEYS, sort=True)
    out["n_business_areas"] = grouped["business_area"].nunique()
    areas = business_areas(systems)
    redundant = areas[areas["redundant"]].groupby(KEYS)
    out["n_redundant_groups"] = redundant.size().reindex(out.index, fill_value=0)
    areas_red = redundant["business_area"].nunique().reindex(out.index, fill_value=0)
    out["n_redundant_areas"] = areas_red
    out["n_redundant_systems"] = sums["n_redundant_systems"].astype(int)
    out["redundant_systems_pct"] = 100 * sums["n_redundant_systems"] / sums["n_systems"]
    aged = sums["n_aged"].where(sums["n_aged"] > 0)
    out["past_end_of_life_pct"] = 100 * sums["n_past_end_of_life"] / aged
    out["median_age_years"] = grouped["age_years"].median()
    importance = sums["importance"].where(sums["importance"] > 0)
    out["technical_debt_pct"] = 100 * sums["importance_low"] / importance
    out["health_pct"] = sums["importance_x_quality"] / importance
    out["decommission_cost_sek"] = sums["decommission_cost_sek"]
    total = sums["total_cost_sek"].where(sums["total_cost_sek"] > 0)
    out["decommission_cost_pct"] = 100 * sums["decommission_cost_sek"] / total
    out["reportable"] = out["n_rated"] >= min_systems
    out = out.reset_index()
    attrs = register[["organisation_id", "type", "size_class"]].copy()
    attrs["organisation_id"] = attrs["organisation_id"].astype(str)
    return out.merge(attrs, on="organisation_id", how="left")


def decommissioning_candidates(systems: pd.DataFrame) -> pd.DataFrame:
    """The decommissioning list of every organisation-year, ranked by cost freed.

    Candidates are the systems in operation whose TIME class is ``eliminate`` or that are
    redundant (:func:`system_table`). Within an organisation-year they are ranked by annual
    cost, highest first (unknown cost last, then by system id); ``cumulative_cost_sek`` is
    the annual cost freed by removing the candidates up to that rank (unknown costs add 0).

    Returns
    -------
    pandas.DataFrame
        ``organisation_id, year, rank, system_id, system_name, business_area, system_type,
        lifecycle, time_class, quality_pct, importance_pct, annual_cost_sek, eliminate,
        redundant, kept_instead, cumulative_cost_sek``.
    """
    cand = systems[systems["candidate"]].sort_values(
        [*KEYS, "annual_cost_sek", "system_id"],
        ascending=[True, True, False, True],
        na_position="last",
        kind="mergesort",
    )
    cand = cand.assign(rank=cand.groupby(KEYS, sort=False).cumcount() + 1)
    cost = cand["annual_cost_sek"].fillna(0.0)
    cand["cumulative_cost_sek"] = cost.groupby([cand[k] for k in KEYS], sort=False).cumsum()
    columns = [
        *KEYS,
        "rank",
        "system_id",
        "system_name",
        "business_area",
        "system_type",
        "lifecycle",
        "time_class",
        "quality_pct",
        "importance_pct",
        "annual_cost_sek",
        "eliminate",
        "redundant",
        "kept_instead",
        "cumulative_cost_sek",
    ]
    return cand[columns].reset_index(drop=True)


def portfolio(
    scores: InventoryScores, *, end_of_life_age: float = 10, min_systems: int = 5
) -> Portfolio:
    """The portfolio analysis of a scored inventory (all organisations and years).

    Parameters
    ----------
    scores : InventoryScores
    end_of_life_age : float, default 10
        Age in years beyond which a system is past its end of life (assumption).
    min_systems : int, default 5
        Reporting threshold: organisations with fewer rated systems in operation are not
        shown in comparisons (``reportable = False``).

    Examples
    --------
    >>> from dimios_research.scoring.inventory import score_inventory
    >>> p = portfolio(score_inventory(dr.load_dataset("demo", kind="inventory")))
    >>> bool((p.indicators["n_rated"] <= p.indicators["n_systems"]).all())
    True
    """
    systems = system_table(scores, end_of_life_age=end_of_life_age)
    return Portfolio(
        indicators=portfolio_indicators(systems, scores.organisations, min_systems=min_systems),
        systems=systems,
        areas=business_areas(systems),
        decommission=decommissioning_candidates(systems),
        min_systems=min_systems,
        end_of_life_age=float(end_of_life_age),
        cut=scores.cut,
    )


# --------------------------------------------------------------------------- comparisons


def _indicator_list(indicators: Sequence[str] | None, frame: pd.DataFrame) -> list[str]:
    chosen = list(COMPARISON_INDICATORS if indicators is None else indicators)
    unknown = [i for i in chosen if i not in frame.columns]
    if unknown:
        raise ValueError(f"unknown indicator(s) {unknown}; available: {list(frame.columns)}")
    return chosen


def _reportable(pf: Portfolio, year: int | None) -> pd.DataFrame:
    frame = pf.indicators[pf.indicators["reportable"]]
    if year is not None:
        if year not in set(pf.indicators["year"]):
            raise ValueError(f"no inventory for year {year}; years: {sorted(set(frame['year']))}")
        frame = frame[frame["year"] == year]
    return frame


def national_comparison(
    pf: Portfolio,
    *,
    year: int | None = None,
    by: Sequence[str] = GROUPINGS,
    indicators: Sequence[str] | None = None,
    n_boot: int = 2_000,
    seed: int = 0,
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Portfolio indicators nationally and by organisation type and size class.

    Parameters
    ----------
    pf : Portfolio
    year : int, optional
        One inventory year; default every year.
    by : sequence of str, default ("type", "size_class")
        Register columns to group by (each separately); the national row is always given.
    indicators : sequence of str, optional
        Default :data:`COMPARISON_INDICATORS`.
    n_boot, seed, ci_level :
        Percentile bootstrap over organisations
        (:func:`dimios_research.stats.indices.bootstrap_mean`,
        the survey indices' machinery; each group resampled with its own generator seeded
        with ``seed``).

    Returns
    -------
    pandas.DataFrame
        ``year, group_by, group, indicator, estimate, ci_low, ci_high, n_organisations,
        n_boot, seed, method``. Only reportable organisations enter (at least
        ``pf.min_systems`` rated systems); organisations without a value of an indicator
        (e.g. no known cost) are left out of that indicator.

    Notes
    -----
    Estimate: the mean over organisations, each counting once:
    :math:`\\hat\\mu = \\frac1n\\sum_o y_o`.
    """
    unknown = [b for b in by if b not in pf.indicators.columns]
    if unknown:
        raise ValueError(f"by must name register columns such as {GROUPINGS}, got {unknown}")
    frame = _reportable(pf, year)
    chosen = _indicator_list(indicators, frame)
    rows = []
    for yr, part in frame.groupby("year", sort=True):
        groupings = [("national", "all", part)]
        for col in by:
            groupings += [(col, str(g), sub) for g, sub in part.groupby(col, observed=True)]
        for group_by, group, sub in groupings:  # a handful of groups and indicators
            for name in chosen:
                values = sub[name].dropna().to_numpy(float)
                est, low, high = bootstrap_mean(values, n_boot=n_boot, seed=seed, ci_level=ci_level)
                rows.append(
                    {
                        "year": int(yr),
                        "group_by": group_by,
                        "group": group,
                        "indicator": name,
                        "estimate": est,
                        "ci_low": low,
                        "ci_high": high,
                        "n_organisations": len(values),
                    }
                )
    columns = [
        "year",
        "group_by",
        "group",
        "indicator",
        "estimate",
        "ci_low",
        "ci_high",
        "n_organisations",
    ]
    out = pd.DataFrame(rows, columns=columns)
    return out.assign(n_boot=n_boot, seed=seed, method=_METHOD)


def peer_percentiles(
    pf: Portfolio,
    organisation_id: str,
    *,
    year: int | None = None,
    by: str | None = "type",
    indicators: Sequence[str] | None = None,
) -> pd.DataFrame:
    """An organisation's percentile on each indicator among its peers.

    Parameters
    ----------
    pf : Portfolio
    organisation_id : str
    year : int, optional
        Default: the organisation's latest inventory year.
    by : str or None, default "type"
        Peers share this register column with the organisation (e.g. ``"type"``,
        ``"size_class"``); None compares with all organisations.
    indicators : sequence of str, optional

    Returns
    -------
    pandas.DataFrame
        ``organisation_id, year, indicator, value, peer_group_by, peer_group, n_peers,
        peer_median, percentile, reportable``. Peers are the other *reportable*
        organisations of that year and group; ``reportable`` tells whether the organisation
        itself reaches the threshold.

    Notes
    -----
    Mid-rank percentile: :math:`100\\,(\\#\\{p < v\\} + \\tfrac12\\#\\{p = v\\}) / n`
    over the :math:`n` peers with a value (the ``kind="mean"`` convention of
    :func:`scipy.stats.percentileofscore`). NaN when there is no peer or no value.
    """
    ind = pf.indicators
    own = ind[ind["organisation_id"] == str(organisation_id)]
    if own.empty:
        raise ValueError(f"organisation_id {organisation_id!r} is not in the inventory")
    year = int(own["year"].max()) if year is None else int(year)
    own = own[own["year"] == year]
    if own.empty:
        raise ValueError(f"organisation {organisation_id!r} has no inventory in {year}")
    chosen = _indicator_list(indicators, ind)
    row = own.iloc[0]
    peers = ind[ind["reportable"] & (ind["year"] == year)]
    peers = peers[peers["organisation_id"] != str(organisation_id)]
    group = "all"
    if by is not None:
        group = str(row[by])
        peers = peers[peers[by].astype(str) == group]
    values = row[chosen].to_numpy(float)
    p = peers[chosen].to_numpy(float)  # peers × indicators
    present = ~np.isnan(p)
    n = present.sum(axis=0)
    below = (p < values).sum(axis=0)
    ties = (p == values).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where((n > 0) & ~np.isnan(values), 100 * (below + 0.5 * ties) / n, np.nan)
    return pd.DataFrame(
        {
            "organisation_id": str(organisation_id),
            "year": year,
            "indicator": chosen,
            "value": values,
            "peer_group_by": by or "national",
            "peer_group": group,
            "n_peers": n,
            "peer_median": np.nanmedian(p, axis=0) if len(p) else np.full(len(chosen), np.nan),
            "percentile": pct,
            "reportable": bool(row["reportable"]),
        }
    )


def correlation_ci(x: np.ndarray, y: np.ndarray, ci_level: float = 0.95) -> dict[str, float]:
    """Pearson correlation with a Fisher z interval and a t test.

    Returns
    -------
    dict
        ``estimate, ci_low, ci_high, n, p``.

    Notes
    -----
    :math:`r` is the sample correlation of the :math:`n` complete pairs;
    interval :math:`\\tanh(\\operatorname{atanh} r \\pm z_{1-\\alpha/2}/\\sqrt{n-3})`
    (Fisher 1921; NaN for :math:`n < 4`); :math:`p` from
    :math:`t = r\\sqrt{(n-2)/(1-r^2)}` on :math:`n-2` df, two-sided. Matches R's
    ``cor.test(x, y)``.

    Examples
    --------
    >>> out = correlation_ci(np.array([1.0, 2, 3, 4, 5]), np.array([2.0, 1, 4, 3, 5]))
    >>> round(out["estimate"], 6), round(out["ci_low"], 6)  # R cor.test: 0.8, -0.279640
    (0.8, -0.27964)
    """
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must lie between 0 and 1, got {ci_level}")
    xy = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
    xy = xy[~np.isnan(xy).any(axis=1)]
    n = len(xy)
    out = {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": n, "p": np.nan}
    if n < 3 or np.ptp(xy[:, 0]) == 0 or np.ptp(xy[:, 1]) == 0:
        return out
    r = float(np.corrcoef(xy[:, 0], xy[:, 1])[0, 1])
    r = min(max(r, -1.0), 1.0)
    out["estimate"] = r
    with np.errstate(divide="ignore"):
        t = r * np.sqrt((n - 2) / (1 - r**2)) if abs(r) < 1 else np.sign(r) * np.inf
    out["p"] = float(2 * stats.t.sf(abs(t), n - 2))
    if n > 3:
        z = np.arctanh(r) if abs(r) < 1 else np.sign(r) * np.inf
        half = stats.norm.ppf(1 - (1 - ci_level) / 2) / np.sqrt(n - 3)
        out["ci_low"], out["ci_high"] = float(np.tanh(z - half)), float(np.tanh(z + half))
    return out


def _link_years(pf: Portfolio, year: int | None, dimios_year: int | None) -> tuple[int, int]:
    """Inventory year (default the latest) and DiMiOS round (default the inventory year)."""
    year = sorted(set(pf.indicators["year"]))[-1] if year is None else int(year)
    return year, year if dimios_year is None else int(dimios_year)


def dimios_link_data(
    pf: Portfolio,
    dimios: Scores,
    *,
    indicator: str = "health_pct",
    year: int | None = None,
    dimios_year: int | None = None,
    unit: str = "legacy",
) -> pd.DataFrame:
    """Organisations in both the inventory and DiMiOS: the data of the scatter plot.

    Parameters
    ----------
    pf : Portfolio
    dimios : Scores
        DiMiOS scores (:func:`dimios_research.scoring.score`).
    indicator : str, default "health_pct"
        Portfolio-health indicator (any column of ``pf.indicators``).
    year : int, optional
        Inventory year; default the latest.
    dimios_year : int, optional
        DiMiOS round; default the inventory year.
    unit : str, default "legacy"
        DiMiOS dimension whose score is used.

    Returns
    -------
    pandas.DataFrame
        ``organisation_id, year, dimios_year, type, size_class, dimios_pct, <indicator>,
        n_rated``: one row per organisation reportable in both (at least ``pf.min_systems``
        rated systems and the survey's respondent threshold) with a value of the indicator.
        x = ``dimios_pct``, y = the indicator.
    """
    _indicator_list([indicator], pf.indicators)
    year, dimios_year = _link_years(pf, year, dimios_year)
    inv = _reportable(pf, year)[
        ["organisation_id", "year", "type", "size_class", indicator, "n_rated"]
    ]
    org = dimios.organisation_level("dimension", unit, reportable_only=True)
    org = org[org["year"] == dimios_year]
    side = pd.DataFrame(
        {"organisation_id": org["organisation_id"].astype(str), "dimios_pct": org["score_pct"]}
    )
    out = inv.merge(side, on="organisation_id", how="inner").dropna(subset=[indicator])
    out.insert(2, "dimios_year", dimios_year)
    columns = [
        "organisation_id",
        "year",
        "dimios_year",
        "type",
        "size_class",
        "dimios_pct",
        indicator,
        "n_rated",
    ]
    return out[columns].sort_values("organisation_id").reset_index(drop=True)


def dimios_link(
    pf: Portfolio,
    dimios: Scores,
    *,
    indicator: str = "health_pct",
    year: int | None = None,
    dimios_year: int | None = None,
    unit: str = "legacy",
    ci_level: float = 0.95,
) -> pd.DataFrame:
    """Correlation between a DiMiOS dimension score and a portfolio indicator.

    For the organisations of :func:`dimios_link_data`: Pearson :math:`r` with a Fisher z
    interval and a t-test p value (:func:`correlation_ci`).

    Returns
    -------
    pandas.DataFrame
        One row: ``year, dimios_year, unit, indicator, estimate, ci_low, ci_high, n, p,
        method``.
    """
    data = dimios_link_data(
        pf, dimios, indicator=indicator, year=year, dimios_year=dimios_year, unit=unit
    )
    result = correlation_ci(data["dimios_pct"], data[indicator], ci_level=ci_level)
    year, dimios_year = _link_years(pf, year, dimios_year)
    return pd.DataFrame(
        [
            {
                "year": year,
                "dimios_year": dimios_year,
                "unit": unit,
                "indicator": indicator,
                **result,
                "method": "pearson correlation, Fisher z interval, t test",
            }
        ]
    )
