"""Staggered-adoption difference-in-differences (Callaway & Sant'Anna 2021).

Organisations join a programme in different years. The two-way fixed-effects (TWFE)
regression then mixes clean and "forbidden" comparisons (see
:mod:`dimios_research.stats.twfe_diagnostics`); this module estimates the group-time average
treatment effects on the treated, ATT(g,t), without covariates, and their "simple" and
"dynamic" aggregations, as the R package did (Callaway & Sant'Anna 2021) does with
``est_method = "dr"``, ``base_period = "varying"`` and no covariates.

Conventions (all documented in ``docs/methods.md``, section 13):

- group :math:`g` = programme start year; organisations without a start, or with a start
  after the last round, are never treated; organisations that start in or before the
  first round have no pre-period and are dropped (as in did), and counted;
- rounds are the distinct years in the data; "t - 1" and "g - 1" mean the previous round;
- an organisation enters a cell when it is observed in both t and its base round b, so
  unbalanced panels work (each cell is balanced on its own two rounds);
- inference: influence functions and a multiplier (wild) bootstrap with one Mammen weight
  per organisation, i.e. a cluster bootstrap over organisations, as in did's ``mboot``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "CONTROL_GROUPS",
    "SMALL_CELL",
    "StaggeredDidResult",
    "adoption_pattern",
    "is_staggered",
    "staggered_did",
]

#: Control groups of :func:`staggered_did`.
CONTROL_GROUPS = ("not_yet_treated", "never_treated")
_SQRT5 = np.sqrt(5.0)
#: Cells with fewer treated or control organisations than this get the note "small_cells"
#: (their influence-function variance rests on very few organisations).
SMALL_CELL = 5
#: Standard errors at or below this are treated as zero (no variation): NaN (as in did).
_SE_FLOOR = np.sqrt(np.finfo(float).eps) * 10


@dataclass(frozen=True)
class _Panel:
    """Outcome matrix (organisations x rounds, NaN = not observed) and programme starts."""

    y: np.ndarray
    years: np.ndarray
    start: np.ndarray  # NaN = never treated in the observed window
    ids: pd.Index
    n_always_treated: int


@dataclass(frozen=True)
class StaggeredDidResult:
    """Result of :func:`staggered_did`.

    Attributes
    ----------
    group_time : DataFrame
        One row per cell: ``group, year, base_year, event_time, att, se, ci_low, ci_high,
        n_treated, n_control``. Cells without treated or control organisations have NaN.
    overall : DataFrame
        One row: ``att, se, ci_low, ci_high, n_organisations, n_treated_organisations,
        n_cells, method, se_method`` (``n_cells`` counts the estimated post-treatment
        cells).
    event_time : DataFrame
        ``event_time, att, se, ci_low, ci_high, band_low, band_high, n_groups``:
        pointwise interval and uniform (sup-t) band.
    pre_trend : DataFrame
        One row: ``statistic, df, p, method`` (Wald chi-square test that all
        pre-treatment ATT(g,t) are zero).
    control : str
    n_boot, seed : int
    ci : float
    band_crit : float
        Critical value of the uniform event-time band (NaN without bootstrap).
    n_organisations : int
        Organisations used (after dropping the always treated).
    n_always_treated : int
        Organisations dropped because they started in or before the first round.
    notes : tuple of str
        Codes: ``"always_treated_dropped"``, ``"cells_without_controls"``,
        ``"small_cells"`` (an estimated cell has fewer than :data:`SMALL_CELL` treated or
        control organisations: its SE and the pre-trend test are unreliable),
        ``"no_pre_periods"``, ``"pre_trend_singular"``, ``"analytic_se"``.
    """

    group_time: pd.DataFrame
    overall: pd.DataFrame
    event_time: pd.DataFrame
    pre_trend: pd.DataFrame
    control: str
    n_boot: int
    seed: int
    ci: float
    band_crit: float
    n_organisations: int
    n_always_treated: int
    notes: tuple[str, ...]


# --------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------
def _check_columns(df: pd.DataFrame, columns: list[str]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"df lacks column(s) {missing}; it has {list(df.columns)} (pass the column "
            "names as outcome=, start_col=, id_col=, year_col=)"
        )


def _whole_numbers(values: pd.Series, name: str) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = (np.isnan(numbers) & values.notna().to_numpy()) | (
        np.isfinite(numbers) & (numbers != np.round(numbers))
    )
    if bad.any():
        raise ValueError(f"column {name!r} must hold whole years; bad values: {values[bad][:5]}")
    return numbers


def _starts(df: pd.DataFrame, start_col: str, id_col: str) -> pd.Series:
    """One programme start per organisation (NaN = never); error when it varies."""
    start = pd.Series(_whole_numbers(df[start_col], start_col), index=df.index)
    per_org = start.groupby(df[id_col], sort=False)
    varying = per_org.nunique(dropna=False) > 1
    if varying.any():
        raise ValueError(
            f"{start_col!r} must be constant within each organisation; "
            f"{varying.index[varying][:5].tolist()} have several values"
        )
    return per_org.first()


def rounds_frame(
    df: pd.DataFrame, outcome: str | None, start_col: str, id_col: str, year_col: str
) -> pd.DataFrame:
    """Checked copy: ``id, year, outcome, start`` rows, one per organisation and round.

    Rows without an outcome are dropped (the round is unobserved); a missing id or year, a
    duplicated organisation-round or a start that varies within an organisation raises.
    """
    columns = [id_col, year_col, start_col] + ([outcome] if outcome else [])
    _check_columns(df, columns)
    data = df[columns] if outcome is None else df.loc[df[outcome].notna(), columns]
    if data[id_col].isna().any() or data[year_col].isna().any():
        raise ValueError(f"df has rows without {id_col!r} or {year_col!r}; drop or fill them")
    data = data.assign(**{year_col: _whole_numbers(data[year_col], year_col).astype(int)})
    dup = data.duplicated([id_col, year_col], keep=False)
    if dup.any():
        pairs = data.loc[dup, [id_col, year_col]].drop_duplicates().head(5)
        raise ValueError(
            "df must have one row per organisation and round; duplicated "
            f"({id_col}, {year_col}) pairs, e.g. {list(map(tuple, pairs.to_numpy()))}: "
            "aggregate them first (e.g. the organisation mean)"
        )
    if outcome is not None:
        data = data.assign(**{outcome: pd.to_numeric(data[outcome], errors="raise")})
    starts = _starts(data, start_col, id_col)
    return data.assign(**{start_col: data[id_col].map(starts).to_numpy(dtype=float)})


def _panel(df: pd.DataFrame, outcome: str, start_col: str, id_col: str, year_col: str) -> _Panel:
    """The outcome matrix; always-treated organisations dropped, late starts never treated."""
    data = rounds_frame(df, outcome, start_col, id_col, year_col)
    years = np.sort(data[year_col].unique())
    if years.size < 2:
        raise ValueError(f"staggered_did needs at least two rounds in {year_col!r}")
    codes, ids = pd.factorize(data[id_col], sort=True)
    y = np.full((len(ids), years.size), np.nan)
    y[codes, np.searchsorted(years, data[year_col].to_numpy())] = data[outcome].to_numpy(float)
    start = np.full(len(ids), np.nan)
    start[codes] = data[start_col].to_numpy(dtype=float)
    start[start > years[-1]] = np.nan  # starts after the last round: never treated here
    always = start <= years[0]
    return _Panel(y[~always], years, start[~always], pd.Index(ids)[~always], int(always.sum()))


def adoption_pattern(
    df: pd.DataFrame,
    *,
    start_col: str = "programme_start",
    id_col: str = "organisation_id",
    year_col: str = "year",
) -> str:
    """How organisations in ``df`` adopt the programme, as a code.

    Returns
    -------
    str
        ``"none_treated"`` (no organisation starts by the last round), ``"single_start"``
        (every treated organisation starts in the same year) or ``"staggered"`` (several
        start years among organisations that start by the last round, including those
        that started in or before the first round).

    Examples
    --------
    >>> df = pd.DataFrame({"organisation_id": ["a", "a", "b", "b", "c", "c"],
    ...                    "year": [2020, 2021] * 3,
    ...                    "programme_start": [2021, 2021, 2022, 2022, None, None]})
    >>> adoption_pattern(df)  # b starts after the last round: never treated here
    'single_start'
    """
    data = rounds_frame(df, None, start_col, id_col, year_col)
    start = data.groupby(id_col, sort=False)[start_col].first()
    starts = start[start <= data[year_col].max()].unique()
    if starts.size == 0:
        return "none_treated"
    return "single_start" if starts.size == 1 else "staggered"


def is_staggered(
    df: pd.DataFrame,
    *,
    start_col: str = "programme_start",
    id_col: str = "organisation_id",
    year_col: str = "year",
) -> bool:
    """True when :func:`adoption_pattern` is ``"staggered"`` (then TWFE DiD can be biased)."""
    pattern = adoption_pattern(df, start_col=start_col, id_col=id_col, year_col=year_col)
    return pattern == "staggered"


# --------------------------------------------------------------------------------------------
# ATT(g,t) and influence functions
# --------------------------------------------------------------------------------------------
def _cells(panel: _Panel) -> pd.DataFrame:
    """Every (group, round) cell with its base round: g - 1 for t >= g, t - 1 before."""
    years = panel.years
    groups = np.unique(panel.start[~np.isnan(panel.start)]).astype(int)
    if groups.size == 0:
        raise ValueError(
            "no organisation starts the programme after the first round and by the last "
            "round; staggered_did needs treated organisations with a pre-period"
        )
    g, t_idx = np.meshgrid(groups, np.arange(1, years.size), indexing="ij")
    g, t_idx = g.ravel(), t_idx.ravel()
    base_post = np.searchsorted(years, g, side="left") - 1  # last round before g
    b_idx = np.where(years[t_idx] >= g, base_post, t_idx - 1)
    return pd.DataFrame(
        {
            "group": g,
            "year": years[t_idx],
            "base_year": years[b_idx],
            "event_time": years[t_idx] - g,
            "t_idx": t_idx,
            "b_idx": b_idx,
        }
    )


def _att_gt(panel: _Panel, cells: pd.DataFrame, control: str) -> dict[str, np.ndarray]:
    """ATT(g,t) of all cells at once and their influence functions (organisations x cells).

    With :math:`\\Delta Y_i = Y_{it} - Y_{ib}`, treated set :math:`T` (start g, observed in
    t and b) and control set :math:`C`: :math:`\\widehat{ATT} = \\bar{\\Delta Y}_T -
    \\bar{\\Delta Y}_C` and :math:`\\psi_i = n [1_T (\\Delta Y_i - \\bar{\\Delta Y}_T)/n_T -
    1_C (\\Delta Y_i - \\bar{\\Delta Y}_C)/n_C]`, so :math:`\\widehat{ATT} - ATT \\approx
    n^{-1}\\sum_i \\psi_i`.
    """
    g = cells["group"].to_numpy()
    delta = panel.y[:, cells["t_idx"]] - panel.y[:, cells["b_idx"]]
    observed = ~np.isnan(delta)
    start = panel.start[:, None]
    treated = (start == g[None, :]) & observed
    never = np.isnan(start)
    if control == "never_treated":
        controls = never & observed
    else:
        later = np.maximum(cells["year"], cells["base_year"]).to_numpy()[None, :]
        controls = (never | ((start > later) & (start != g[None, :]))) & observed
    delta = np.where(observed, delta, 0.0)
    n_t, n_c = treated.sum(axis=0), controls.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_t = (treated * delta).sum(axis=0) / n_t
        mean_c = (controls * delta).sum(axis=0) / n_c
        n = len(panel.ids)
        inf = n * (treated * (delta - mean_t) / n_t - controls * (delta - mean_c) / n_c)
    att = mean_t - mean_c
    inf[:, np.isnan(att)] = 0.0
    return {"att": att, "inf": inf, "n_treated": n_t, "n_control": n_c}


def _aggregate(
    att: np.ndarray, inf: np.ndarray, member: np.ndarray, pg: np.ndarray, keep: np.ndarray
) -> tuple[float, np.ndarray]:
    """Weighted average of the kept cells with weights P(G = g) and its influence function.

    The weight's own estimation adds (did's ``wif``)
    :math:`\\sum_k att_k [(1\\{G_i = g_k\\} - p_k)/S - p_k \\sum_j (1\\{G_i = g_j\\} - p_j)/S^2]`
    with :math:`S = \\sum_k p_k` over the kept cells.
    """
    p = pg[keep]
    total = p.sum()
    weight = p / total
    centred = member[:, keep] - p[None, :]
    wif = centred / total - centred.sum(axis=1, keepdims=True) * (p / total**2)[None, :]
    estimate = float(weight @ att[keep])
    return estimate, inf[:, keep] @ weight + wif @ att[keep]


# --------------------------------------------------------------------------------------------
# Inference
# --------------------------------------------------------------------------------------------
def _mammen(n_boot: int, n: int, seed: int) -> np.ndarray:
    """(n_boot x n) Mammen multipliers: mean 0, variance 1, third moment 1."""
    rng = np.random.default_rng(seed)
    low, high = (1 - _SQRT5) / 2, (1 + _SQRT5) / 2
    return np.where(rng.random((n_boot, n)) < (_SQRT5 + 1) / (2 * _SQRT5), low, high)


def _standard_errors(inf: np.ndarray, draws: np.ndarray | None) -> np.ndarray:
    """Analytic :math:`\\sqrt{\\sum \\psi^2}/n` (no draws), or did's bootstrap IQR / 1.349 SE.

    ``draws`` are the bootstrap deviations :math:`n^{-1} \\sum_i v_{bi} \\psi_i`
    (``n_boot x`` columns of ``inf``).
    """
    n = inf.shape[0]
    if draws is None:
        se = np.sqrt((inf**2).sum(axis=0)) / n
    else:
        q25, q75 = np.quantile(draws, [0.25, 0.75], axis=0, method="inverted_cdf")
        se = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    se = np.asarray(se, dtype=float)
    se[~(se > _SE_FLOOR)] = np.nan
    return se


def _sup_t_crit(draws: np.ndarray, se: np.ndarray, ci: float) -> float:
    """Bootstrap critical value of the uniform band: the ci quantile of max_j |draw_j| / se_j."""
    se = np.asarray(se, dtype=float)
    usable = np.isfinite(se)
    if not usable.any():
        return np.nan
    sup = np.max(np.abs(draws[:, usable]) / se[usable], axis=1)
    crit = float(np.quantile(sup, ci, method="inverted_cdf"))
    return max(crit, float(stats.norm.ppf(0.5 + ci / 2)))


def _pre_trend(att: np.ndarray, inf: np.ndarray, se: np.ndarray, pre: np.ndarray) -> tuple:
    """Wald test :math:`W = n\\,a' V^{-1} a` with :math:`V = \\Psi'\\Psi/n` over pre cells."""
    use = pre & np.isfinite(att) & np.isfinite(se)
    q = int(use.sum())
    if q == 0:
        return np.nan, 0, np.nan, "no_pre_periods"
    n = inf.shape[0]
    cov = inf[:, use].T @ inf[:, use] / n
    if 1 / np.linalg.cond(cov) <= np.finfo(float).eps:
        return np.nan, q, np.nan, "pre_trend_singular"
    a = att[use]
    statistic = float(n * a @ np.linalg.solve(cov, a))
    return statistic, q, float(stats.chi2.sf(statistic, q)), None


# --------------------------------------------------------------------------------------------
# Public function
# --------------------------------------------------------------------------------------------
def _check_arguments(control: str, n_boot: int, ci: float) -> None:
    if control not in CONTROL_GROUPS:
        raise ValueError(f"control must be one of {CONTROL_GROUPS}, got {control!r}")
    if not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise ValueError(f"n_boot must be a whole number >= 0 (0 = analytic SE), got {n_boot}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1 (e.g. 0.95), got {ci}")


def _interval(att, se, crit) -> tuple[np.ndarray, np.ndarray]:
    att, se = np.asarray(att, dtype=float), np.asarray(se, dtype=float)
    return att - crit * se, att + crit * se


def _event_aggregates(cells, est, member, pg) -> tuple[pd.DataFrame, np.ndarray]:
    """Dynamic aggregation: one estimate and influence function per event time."""
    ok = np.isfinite(est["att"])
    times = np.unique(cells.loc[ok, "event_time"])
    rows, infs = [], []
    for e in times:  # a handful of event times
        keep = ok & (cells["event_time"].to_numpy() == e)
        att_e, inf_e = _aggregate(est["att"], est["inf"], member, pg, keep)
        rows.append({"event_time": int(e), "att": att_e, "n_groups": int(keep.sum())})
        infs.append(inf_e)
    return pd.DataFrame(rows), np.column_stack(infs)


def staggered_did(
    df: pd.DataFrame,
    *,
    outcome: str = "score_pct",
    start_col: str = "programme_start",
    id_col: str = "organisation_id",
    year_col: str = "year",
    control: str = "not_yet_treated",
    n_boot: int = 999,
    seed: int = 0,
    ci: float = 0.95,
) -> StaggeredDidResult:
    """Callaway–Sant'Anna group-time effects with simple and event-time aggregations.

    Parameters
    ----------
    df : DataFrame
        One row per organisation and round (``id_col``, ``year_col``), the outcome and the
        programme start year (NaN = never joined). Rows with a missing outcome are
        unobserved rounds; duplicated organisation-rounds raise.
    outcome, start_col, id_col, year_col : str
        Column names.
    control : {"not_yet_treated", "never_treated"}, default "not_yet_treated"
        Comparison organisations of a cell (g, t) with base round b: never-treated ones, or
        also those that start after both t and b (other than group g).
    n_boot : int, default 999
        Multiplier-bootstrap draws; 0 gives analytic influence-function SEs (did's
        ``bstrap = FALSE``) and no uniform band.
    seed : int, default 0
        Seed of the bootstrap multipliers.
    ci : float, default 0.95
        Confidence level of intervals and of the uniform band.

    Returns
    -------
    StaggeredDidResult

    Notes
    -----
    :math:`ATT(g,t) = E[Y_t - Y_b \\mid G = g] - E[Y_t - Y_b \\mid C]` with b = g - 1
    (the last round before g) for :math:`t \\ge g` and b = t - 1 for :math:`t < g` (did's
    "varying" base period); cells for every round after the first. Simple aggregation:
    :math:`\\theta = \\sum_{t \\ge g} p_g ATT(g,t) / \\sum_{t \\ge g} p_g` with
    :math:`p_g` = share of organisations starting in g; event time e:
    :math:`\\theta(e) = \\sum_g p_g ATT(g, g+e) / \\sum_g p_g` over the cells with
    :math:`t - g = e`. Cells without treated or control organisations are NaN and left out.

    Inference: organisation-level influence functions (including the estimation of the
    weights :math:`p_g`); the bootstrap multiplies each organisation's influence function
    by one Mammen weight per draw (a cluster bootstrap over organisations, vectorised as
    one ``n_boot x n`` matrix); SE = bootstrap interquartile range / 1.349; pointwise
    intervals :math:`\\hat\\theta \\pm z_{1-\\alpha/2}\\,SE`; the event-time band uses the
    bootstrap quantile of :math:`\\max_e |\\hat\\theta^*(e) - \\hat\\theta(e)|/SE(e)` (sup-t,
    at least z). Pre-trend test: Wald :math:`W = n\\,a'V^{-1}a` over the pre-treatment
    ATT(g,t) with the analytic covariance :math:`V = \\Psi'\\Psi/n`, p from
    :math:`\\chi^2_q` (as did's ``att_gt``).

    References
    ----------
    Callaway, B., & Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple
    time periods. *Journal of Econometrics*, 225(2), 200-230.
    Callaway, B., & Sant'Anna, P. H. C. (2021). did: Difference in differences (R package),
    documentation of ``att_gt``, ``aggte`` and ``mboot``.

    Examples
    --------
    >>> from dimios_research.simulation.panel import simulate_staggered_panel
    >>> sim = simulate_staggered_panel(120, seed=3)
    >>> res = staggered_did(sim.data, n_boot=199)
    >>> bool(abs(res.overall["att"].item() - sim.overall) < 3 * res.overall["se"].item())
    True
    """
    _check_arguments(control, n_boot, ci)
    panel = _panel(df, outcome, start_col, id_col, year_col)
    if control == "never_treated" and not np.isnan(panel.start).any():
        raise ValueError(
            "control='never_treated' needs organisations that never start (by the last "
            "round); use control='not_yet_treated'"
        )
    cells = _cells(panel)
    est = _att_gt(panel, cells, control)
    n = len(panel.ids)
    groups = np.unique(cells["group"])
    member_group = panel.start[:, None] == groups[None, :]  # organisations x groups
    member = member_group[:, np.searchsorted(groups, cells["group"])].astype(float)
    pg = member.mean(axis=0)
    post = (cells["event_time"] >= 0).to_numpy() & np.isfinite(est["att"])
    if not post.any():
        raise ValueError("no post-treatment cell has both treated and control organisations")
    simple_att, simple_inf = _aggregate(est["att"], est["inf"], member, pg, post)
    dynamic, dynamic_inf = _event_aggregates(cells, est, member, pg)
    return _assemble(
        panel, cells, est, (simple_att, simple_inf), (dynamic, dynamic_inf), control,
        n_boot, seed, ci, int(member_group.any(axis=1).sum()), n,
    )  # fmt: skip


def _small_cells(est: dict[str, np.ndarray]) -> bool:
    used = np.isfinite(est["att"])
    smallest = np.minimum(est["n_treated"], est["n_control"])[used]
    return bool((smallest < SMALL_CELL).any())


def _assemble(panel, cells, est, simple, dynamic, control, n_boot, seed, ci, n_treated, n):
    """Standard errors, intervals, band and the result tables."""
    event, event_inf = dynamic
    k = est["inf"].shape[1]  # cells, then the overall ATT, then the event times
    infs = np.column_stack([est["inf"], simple[1], event_inf])
    draws = _mammen(n_boot, n, seed) @ infs / n if n_boot > 0 else None  # one matrix product
    se_all = _standard_errors(infs, draws)
    se_gt, simple_se = se_all[:k], se_all[k]
    z = float(stats.norm.ppf(0.5 + ci / 2))
    se_gt[~np.isfinite(est["att"])] = np.nan
    group_time = cells[["group", "year", "base_year", "event_time"]].copy()
    group_time["att"] = est["att"]
    group_time["se"] = se_gt
    group_time["ci_low"], group_time["ci_high"] = _interval(est["att"], se_gt, z)
    group_time["n_treated"] = est["n_treated"]
    group_time["n_control"] = est["n_control"]

    low, high = _interval(simple[0], simple_se, z)
    se_method = "multiplier_bootstrap" if draws is not None else "influence_function"
    overall = pd.DataFrame(
        {
            "att": [simple[0]],
            "se": [simple_se],
            "ci_low": [float(low)],
            "ci_high": [float(high)],
            "n_organisations": [n],
            "n_treated_organisations": [n_treated],
            "n_cells": [int(((group_time["event_time"] >= 0) & group_time["att"].notna()).sum())],
            "method": ["callaway_santanna_simple"],
            "se_method": [se_method],
        }
    )
    event["se"] = se_all[k + 1 :]
    event["ci_low"], event["ci_high"] = _interval(event["att"], event["se"], z)
    crit = np.nan if draws is None else _sup_t_crit(draws[:, k + 1 :], se_all[k + 1 :], ci)
    event["band_low"], event["band_high"] = _interval(event["att"], event["se"], crit)
    order = ["event_time", "att", "se", "ci_low", "ci_high", "band_low", "band_high", "n_groups"]

    statistic, q, p, pre_note = _pre_trend(
        est["att"], est["inf"], se_gt, (cells["event_time"] < 0).to_numpy()
    )
    pre_trend = pd.DataFrame(
        {"statistic": [statistic], "df": [q], "p": [p], "method": ["wald_chi2_analytic"]}
    )
    notes = [
        code
        for code, flag in [
            ("always_treated_dropped", panel.n_always_treated > 0),
            ("cells_without_controls", bool((est["n_control"] == 0).any())),
            ("small_cells", bool(_small_cells(est))),
            (pre_note, pre_note is not None),
            ("analytic_se", draws is None),
        ]
        if flag
    ]
    return StaggeredDidResult(
        group_time=group_time.reset_index(drop=True),
        overall=overall,
        event_time=event[order],
        pre_trend=pre_trend,
        control=control,
        n_boot=int(n_boot),
        seed=int(seed),
        ci=float(ci),
        band_crit=float(crit),
        n_organisations=n,
        n_always_treated=panel.n_always_treated,
        notes=tuple(notes),
    )
