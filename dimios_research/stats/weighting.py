"""Weighting organisation scores to the population frame: post-stratification and raking.

The organisations that answer a round are a self-selected subset of the organisation
register (the *frame*). This module turns the participants' mean into an estimate for the
whole register: each responding organisation gets a calibration weight so that the weighted
counts of the respondents reproduce the register's counts by post-stratum
(:func:`calibration_weights` with ``weighting="poststratified"``) or on several margins at
once (``weighting="raked"``, iterative proportional fitting). :func:`weighted_estimate`
returns the weighted mean with a design-based standard error (Taylor linearisation with the
finite population correction of the frame) and a Wald interval.

The design and every formula follow R's survey package (Lumley 2004, 2010): the responding
organisations are treated as a simple random sample without replacement from the frame,
``svydesign(ids = ~1, fpc = ~N)``, then calibrated with ``postStratify`` or ``rake`` and
estimated with ``svymean``; the tests reproduce survey 4.1 to 1e-6.

References
----------
Deming, W. E., & Stephan, F. F. (1940). On a least squares adjustment of a sampled frequency
table when the expected marginal totals are known. *Annals of Mathematical Statistics, 11*(4),
427-444.

Holt, D., & Smith, T. M. F. (1979). Post stratification. *Journal of the Royal Statistical
Society: Series A, 142*(1), 33-46.

Kalton, G., & Flores-Cervantes, I. (2003). Weighting methods. *Journal of Official
Statistics, 19*(2), 81-97.

Lumley, T. (2004). Analysis of complex survey samples. *Journal of Statistical Software,
9*(8), 1-19.

Lumley, T. (2010). *Complex surveys: A guide to analysis using R*. Wiley.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import WeightingError

__all__ = [
    "WEIGHTINGS",
    "DEFAULT_STRATA",
    "DEFAULT_MARGINS",
    "DESIGNS",
    "WeightingError",
    "Calibration",
    "collapse_cells",
    "calibration_weights",
    "weighted_estimate",
]

#: weighting methods of :func:`weighted_estimate`
WEIGHTINGS = ("none", "poststratified", "raked")
#: default post-strata: organisation type by size class
DEFAULT_STRATA = ("type", "size_class")
#: default raking margins
DEFAULT_MARGINS = ("type", "size_class", "county")
#: sampling designs assumed for the variance
DESIGNS = ("stratified", "srs")
#: R survey's linearisation of a raked design runs this many backfitting sweeps
_RAKING_VARIANCE_SWEEPS = 10
_MERGE_SEPARATOR = "+"


@dataclass(frozen=True)
class Calibration:
    """Calibration weights of the responding organisations.

    Attributes
    ----------
    weights : pandas.Series
        Final weight of every responding organisation (index: ``organisation_id``); they
        sum to the frame size N.
    cells : pandas.DataFrame
        One row per original cell (post-stratification: combination of the strata
        variables; raking: category of a margin) present in the frame: ``variable`` (the
        strata variables joined by ``+``, or the margin), ``cell`` (the original label,
        levels joined by ``/``), ``stratum`` (the label of the group it was merged into;
        merged labels join the cells with ``+``), ``n`` respondents and ``N`` frame
        organisations of the original cell.
    groups : dict[str, numpy.ndarray]
        Per variable (``"type+size_class"`` or a margin), the integer group of every
        respondent after collapsing, in the order of ``weights``.
    weighting : str
        ``"none"``, ``"poststratified"`` or ``"raked"``.
    design : str
        ``"srs"`` or ``"stratified"`` (the sampling design assumed for the variance).
    design_groups : numpy.ndarray
        Design stratum of every respondent (all 0 for ``"srs"``).
    design_sizes : numpy.ndarray
        Frame organisations per design stratum (N for ``"srs"``).
    iterations : int
        Raking iterations (full cycles over the margins) until convergence; 0 otherwise.
    merged_strata : str
        The merged groups, ``"; "``-separated (empty when nothing was merged).
    """

    weights: pd.Series
    cells: pd.DataFrame
    groups: dict[str, np.ndarray]
    weighting: str
    design: str
    design_groups: np.ndarray
    design_sizes: np.ndarray
    iterations: int
    merged_strata: str


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------


def _check_frame(frame: pd.DataFrame, id_column: str, variables: Sequence[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("`frame` must be a pandas DataFrame (the organisation register).")
    absent = [c for c in (id_column, *variables) if c not in frame.columns]
    if absent:
        raise ValueError(f"`frame` lacks column(s) {absent}; pass the organisation register.")
    if frame[id_column].duplicated().any():
        dup = frame.loc[frame[id_column].duplicated(), id_column].astype(str).tolist()[:5]
        raise ValueError(f"`frame` has duplicated {id_column} values, e.g. {dup}.")
    for column in variables:
        if frame[column].isna().any():
            raise ValueError(
                f"`frame` column {column!r} has missing values; every organisation of the "
                f"register needs a {column} to be weighted (fill it or drop the variable)."
            )


def _sample_positions(
    org_scores: pd.DataFrame, frame: pd.DataFrame, id_column: str, value: str
) -> tuple[np.ndarray, np.ndarray]:
    """Frame row of every respondent and the respondents' values; clear errors otherwise."""
    if not isinstance(org_scores, pd.DataFrame):
        raise TypeError("`org_scores` must be a pandas DataFrame.")
    absent = [c for c in (id_column, value) if c not in org_scores.columns]
    if absent:
        raise ValueError(f"`org_scores` lacks column(s) {absent}.")
    ids = org_scores[id_column].astype(str)
    if ids.duplicated().any():
        raise ValueError(
            f"`org_scores` has several rows for {ids[ids.duplicated()].tolist()[:5]}; pass one "
            f"row per organisation (one round, one level and unit)."
        )
    values = pd.to_numeric(org_scores[value], errors="coerce").to_numpy(float)
    if np.isnan(values).any():
        raise ValueError(
            f"`org_scores[{value!r}]` has missing values; pass only organisations with a "
            f"reportable score (the others are non-respondents)."
        )
    position = pd.Index(frame[id_column].astype(str)).get_indexer(ids)
    if (position < 0).any():
        unknown = ids[position < 0].tolist()[:5]
        raise ValueError(f"organisations {unknown} of `org_scores` are not in `frame`.")
    return position, values


def _ordered_levels(column: pd.Series) -> list[str] | None:
    """Levels of an ordered categorical present in the column (adjacency matters), else None."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype) and dtype.ordered:
        present = np.unique(column.cat.codes.to_numpy())
        return [str(dtype.categories[k]) for k in present if k >= 0]
    return None


# --------------------------------------------------------------------------------------------
# collapsing sparse cells
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cells:
    codes: np.ndarray  # cells x variables, level codes (lexicographic = level order)
    labels: list[str]  # levels joined by "/"
    ordered: np.ndarray  # per variable: adjacency matters
    frame_cell: np.ndarray  # cell of every frame row


def _cell_table(frame: pd.DataFrame, variables: Sequence[str]) -> _Cells:
    """The cells of the frame (combinations of ``variables``) in level order."""
    codes, levels, ordered = [], [], []
    for column in variables:
        present, inverse = np.unique(frame[column].to_numpy(dtype=str), return_inverse=True)
        order = _ordered_levels(frame[column])
        ordered.append(order is not None)
        level = order if order is not None else present.tolist()
        rank = {value: k for k, value in enumerate(level)}
        codes.append(np.array([rank[value] for value in present])[inverse.ravel()])
        levels.append(level)
    unique, frame_cell = np.unique(np.column_stack(codes), axis=0, return_inverse=True)
    labels = ["/".join(levels[k][c] for k, c in enumerate(row)) for row in unique]  # cells
    return _Cells(unique, labels, np.array(ordered), frame_cell.ravel())


def _tier_matrix(cells: _Cells) -> np.ndarray:
    """Tier of a one-variable step between two cells; inf when they are not neighbours.

    Tier 0 = only the last variable differs (by one level if it is ordered), tier 1 = only
    the one before it, ...
    """
    codes = cells.codes
    n_vars = codes.shape[1]
    differs = codes[:, None, :] != codes[None, :, :]
    one_step = differs.sum(axis=2) == 1
    tier = np.full(one_step.shape, np.inf)
    for k in range(n_vars):  # a handful of variables
        step = one_step & differs[:, :, k]
        if cells.ordered[k]:
            step &= np.abs(codes[:, None, k] - codes[None, :, k]) == 1
        tier[step] = n_vars - 1 - k
    return tier


def collapse_cells(
    frame: pd.DataFrame,
    sampled: np.ndarray,
    variables: Sequence[str],
    *,
    min_cell: int = 5,
    collapse: bool = True,
) -> pd.DataFrame:
    """Cells of the frame by ``variables``, sparse ones merged with a neighbour.

    Parameters
    ----------
    frame : pandas.DataFrame
        The organisation register, one row per organisation, with the ``variables``.
    sampled : array of bool
        True for the frame rows that responded (have a reportable score).
    variables : sequence of str
        The post-stratification variables (one variable for a raking margin).
    min_cell : int, default 5
        Fewest respondents a (merged) cell may have.
    collapse : bool, default True
        Merge sparse cells; False raises :class:`WeightingError` naming them instead.

    Returns
    -------
    pandas.DataFrame
        One row per cell present in the frame, in level order: ``cell`` (levels joined by
        ``/``), ``n``, ``N``, ``stratum`` (merged label, cells joined by ``+``) and
        ``group`` (integer id of the merged cell, 0, 1, ... in level order).

    Notes
    -----
    Rule, applied until every group has at least ``min_cell`` respondents: take the sparse
    group with the fewest respondents (ties: fewest frame organisations, then level order)
    and merge it with a *neighbour*: a group holding a cell that differs from one of its
    cells in exactly one variable, a difference in an ordered variable (an ordered
    categorical such as ``size_class``) being to an adjacent level. Neighbours along the last
    variable come first (e.g. the next size class of the same organisation type), then along
    the variable before it (the same size class of another type), and so on; among those the
    group with the fewest respondents is taken (ties: level order). With one variable (a
    raking margin) an unordered category merges with the category with the fewest
    respondents, an ordered one with an adjacent category. A frame with fewer than
    ``min_cell`` respondents in total cannot be weighted.

    Examples
    --------
    >>> frame = pd.DataFrame({"size": pd.Categorical(list("SSMMLL"), list("SML"), ordered=True)})
    >>> cells = collapse_cells(frame, np.array([1, 1, 1, 1, 0, 0], bool), ["size"], min_cell=2)
    >>> cells["stratum"].tolist()
    ['S', 'M+L', 'M+L']
    """
    variables = list(variables)
    cells = _cell_table(frame, variables)
    sampled = np.asarray(sampled, dtype=bool)
    group = _collapse(cells, sampled, variables, min_cell, collapse)
    labels = np.array(cells.labels, dtype=object)
    stratum = [_MERGE_SEPARATOR.join(labels[group == g]) for g in range(group.max() + 1)]
    n_cells = len(labels)
    return pd.DataFrame(
        {
            "cell": cells.labels,
            "n": np.bincount(cells.frame_cell, weights=sampled, minlength=n_cells).astype(int),
            "N": np.bincount(cells.frame_cell, minlength=n_cells),
            "stratum": [stratum[g] for g in group],
            "group": group,
        }
    )


def _collapse(cells: _Cells, sampled, variables, min_cell: int, collapse: bool) -> np.ndarray:
    """Merged group (0, 1, ... in level order) of every cell; see :func:`collapse_cells`."""
    if min_cell < 1:
        raise ValueError(f"`min_cell` must be at least 1, got {min_cell}.")
    if int(sampled.sum()) < min_cell:
        raise WeightingError(
            f"only {int(sampled.sum())} responding organisations; weighting needs at least "
            f"min_cell={min_cell}."
        )
    n_cells = len(cells.labels)
    n = np.bincount(cells.frame_cell, weights=sampled, minlength=n_cells)
    big_n = np.bincount(cells.frame_cell, minlength=n_cells).astype(float)
    tier = _tier_matrix(cells)
    group = np.arange(n_cells)  # a group is named by its first cell
    while True:
        ids = np.unique(group)
        g_n = np.bincount(group, weights=n, minlength=n_cells)
        g_big = np.bincount(group, weights=big_n, minlength=n_cells)
        sparse = [g for g in ids if g_n[g] < min_cell]
        if not sparse:
            break
        if not collapse:
            names = [_MERGE_SEPARATOR.join(np.array(cells.labels)[group == g]) for g in sparse]
            raise WeightingError(
                f"cells of {'+'.join(variables)} with fewer than min_cell={min_cell} "
                f"respondents: {names}; lower min_cell, use collapse=True or coarser strata."
            )
        target = min(sparse, key=lambda g: (g_n[g], g_big[g], g))
        to_cell = tier[group == target].min(axis=0)
        to_cell[group == target] = np.inf
        to_group = np.full(n_cells, np.inf)
        np.minimum.at(to_group, group, to_cell)
        options = [(to_group[g], g_n[g], g) for g in ids if np.isfinite(to_group[g])]
        if not options:  # cannot happen on a grid of levels; stay explicit
            raise WeightingError(f"no neighbouring cell to merge {cells.labels[target]} with.")
        partner = min(options)[2]
        group[np.isin(group, [target, partner])] = min(target, partner)
    return np.unique(group, return_inverse=True)[1].ravel()


# --------------------------------------------------------------------------------------------
# calibration
# --------------------------------------------------------------------------------------------


def _groups_of(frame, sampled, variables, min_cell, collapse):
    """Merged group of every frame row, and the cells' rows of ``Calibration.cells``."""
    cells = _cell_table(frame, variables)
    cell_group = _collapse(cells, sampled, variables, min_cell, collapse)
    labels = np.array(cells.labels, dtype=object)
    stratum = np.array(
        [_MERGE_SEPARATOR.join(labels[cell_group == g]) for g in range(cell_group.max() + 1)],
        dtype=object,
    )
    n_cells = len(labels)
    table = {
        "variable": _MERGE_SEPARATOR.join(variables),
        "cell": labels,
        "stratum": stratum[cell_group],
        "n": np.bincount(cells.frame_cell, weights=sampled, minlength=n_cells).astype(int),
        "N": np.bincount(cells.frame_cell, minlength=n_cells),
    }
    return cell_group[cells.frame_cell], table


def _rake(base, groups, totals, tol, max_iter) -> tuple[np.ndarray, int]:
    """Iterative proportional fitting of ``base`` weights to the margin ``totals``."""
    weights = base.copy()
    for iteration in range(1, max_iter + 1):
        for group, total in zip(groups, totals):
            current = np.bincount(group, weights=weights, minlength=len(total))
            weights = weights * (total / current)[group]
        gap = max(
            np.max(np.abs(np.bincount(g, weights=weights, minlength=len(t)) - t))
            for g, t in zip(groups, totals)
        )
        if gap < tol:
            return weights, iteration
    raise WeightingError(
        f"raking did not converge in max_iter={max_iter} iterations (largest margin gap "
        f"{gap:.3g} >= tol={tol:g}); raise max_iter, loosen tol, or merge sparse margin "
        f"categories with a larger min_cell."
    )


def calibration_weights(
    org_scores: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    weighting: str = "poststratified",
    strata: Sequence[str] = DEFAULT_STRATA,
    margins: Sequence[str] = DEFAULT_MARGINS,
    design: str = "stratified",
    id_column: str = "organisation_id",
    value: str = "score_pct",
    tol: float = 1e-6,
    max_iter: int = 1000,
    min_cell: int = 5,
    collapse: bool = True,
) -> Calibration:
    """Weights that calibrate the responding organisations to the frame.

    Parameters
    ----------
    org_scores : pandas.DataFrame
        One row per responding organisation (a reportable score in the round): ``id_column``
        and ``value``; other columns are ignored (attributes are taken from ``frame``).
    frame : pandas.DataFrame
        The organisation register (the population), one row per organisation, with
        ``id_column`` and the ``strata`` / ``margins`` columns. Register organisations
        absent from ``org_scores`` are the round's non-respondents.
    weighting : {"none", "poststratified", "raked"}, default "poststratified"
        ``"none"``: every respondent weighs N/n; ``"poststratified"``: N_h/n_h in post-stratum
        h; ``"raked"``: iterative proportional fitting to every margin's frame counts.
    strata : sequence of str, default ("type", "size_class")
        Post-stratification variables (their combinations are the post-strata).
    margins : sequence of str, default ("type", "size_class", "county")
        Raking margins (one variable each).
    id_column, value : str
        Organisation id and score columns.
    tol : float, default 1e-6
        Raking stops when no margin category's weighted count is farther than ``tol``
        organisations from its frame count.
    max_iter : int, default 1000
        Most raking iterations (cycles over all margins); :class:`WeightingError` if the
        tolerance is not met by then.
    min_cell, collapse :
        Sparse cells and margin categories: see :func:`collapse_cells`.

    Returns
    -------
    Calibration

    Notes
    -----
    Design weights are :math:`d_i = N/n` (simple random sampling without replacement from
    the frame). Post-stratification: :math:`w_i = d_i N_h / \\hat N_h` with
    :math:`\\hat N_h = \\sum_{i \\in h} d_i`, i.e. :math:`N_h / n_h`. Raking (Deming & Stephan
    1940): starting from :math:`d`, post-stratify on each margin in turn, and repeat the cycle
    until every margin's weighted counts are within ``tol`` of the frame counts. As R
    ``postStratify`` and ``rake`` of the survey package (Lumley 2010).
    """
    sets = _variable_sets(weighting, design, strata, margins, tol, max_iter)
    _check_frame(frame, id_column, [*sets[0], *(v for subset in sets[1] for v in subset)])
    position, _ = _sample_positions(org_scores, frame, id_column, value)
    return _calibrate(
        frame, position, id_column, weighting, sets, tol, max_iter, min_cell, collapse
    )


def _variable_sets(weighting, design, strata, margins, tol, max_iter):
    """Design strata (empty for SRS) and calibration variable sets of a weighting."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"`weighting` must be one of {WEIGHTINGS}, got {weighting!r}.")
    if design not in DESIGNS:
        raise ValueError(f"`design` must be one of {DESIGNS}, got {design!r}.")
    if tol <= 0 or max_iter < 1:
        raise ValueError(f"`tol` must be > 0 and `max_iter` >= 1, got {tol}, {max_iter}.")
    design_set = list(strata) if design == "stratified" and weighting != "none" else []
    if weighting == "poststratified":
        return design_set, [list(strata)]
    return design_set, ([[m] for m in margins] if weighting == "raked" else [])


def _calibrate(frame, position, id_column, weighting, sets, tol, max_iter, min_cell, collapse):
    """Calibration of the respondents at frame rows ``position`` (inputs already checked)."""
    n, big_n = len(position), len(frame)
    if n < 1:
        raise WeightingError("no responding organisations to weight.")
    sampled = np.zeros(big_n, dtype=bool)
    sampled[position] = True
    design_set, sets = sets
    design_groups, design_sizes = np.zeros(n, dtype=int), np.array([float(big_n)])
    tables, groups, totals = [], {}, []
    if design_set:  # stratified SRS within the (merged) post-strata
        frame_group, table = _groups_of(frame, sampled, design_set, max(min_cell, 2), collapse)
        design_groups, design_sizes = frame_group[position], np.bincount(frame_group) * 1.0
        if design_set not in sets:
            tables.append(pd.DataFrame(table))
    base = (design_sizes / np.bincount(design_groups))[design_groups]
    for subset in sets:
        frame_group, table = _groups_of(frame, sampled, subset, min_cell, collapse)
        tables.append(pd.DataFrame(table))
        groups[table["variable"]] = frame_group[position]
        totals.append(np.bincount(frame_group).astype(float))
    iterations = 0
    if weighting == "poststratified":
        group, total = groups[tables[0]["variable"].iloc[0]], totals[0]
        weights = base * (total / np.bincount(group, weights=base, minlength=len(total)))[group]
    elif weighting == "raked":
        weights, iterations = _rake(base, list(groups.values()), totals, tol, max_iter)
    else:
        weights = base
    columns = ["variable", "cell", "stratum", "n", "N"]
    cells = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)
    merged = cells["stratum"][cells["stratum"].str.contains(_MERGE_SEPARATOR, regex=False)]
    ids = pd.Index(frame[id_column].to_numpy(dtype=str)[position], name=id_column)
    return Calibration(
        weights=pd.Series(weights, index=ids, name="weight"),
        cells=cells,
        groups=groups,
        weighting=weighting,
        design="stratified" if design_set else "srs",
        design_groups=design_groups,
        design_sizes=design_sizes,
        iterations=iterations,
        merged_strata="; ".join(dict.fromkeys(merged)),
    )


# --------------------------------------------------------------------------------------------
# estimation
# --------------------------------------------------------------------------------------------


def _residualise(x: np.ndarray, calibration: Calibration) -> np.ndarray:
    """Project estimating-function values onto the calibration residuals, as R survey.

    Post-stratification: :math:`x_i - w_i\\,\\overline{(x/w)}_{h(i)}` (mean over the respondents
    of i's post-stratum). Raking: the same for every margin in turn, for 10 sweeps
    (``survey:::svyrecvar``).
    """
    weights = calibration.weights.to_numpy()
    groups = list(calibration.groups.values())
    sweeps = _RAKING_VARIANCE_SWEEPS if calibration.weighting == "raked" else 1
    for _ in range(sweeps):
        for group in groups:
            ratio = x / weights[:, None]
            sums = np.stack([np.bincount(group, weights=col) for col in ratio.T], axis=1)
            means = sums / np.bincount(group)[:, None]
            x = x - weights[:, None] * means[group]
    return x


def _linearised_se(x: np.ndarray, calibration: Calibration) -> np.ndarray:
    """Stratified SRSWOR standard error of the totals of the columns of x.

    :math:`v = \\sum_h (1 - n_h/N_h)\\,\\frac{n_h}{n_h - 1}\\sum_{i \\in h}(x_i - \\bar x_h)^2`
    (one stratum, the whole frame, for the SRS design); NaN when a stratum has one respondent.
    """
    group, sizes = calibration.design_groups, calibration.design_sizes
    n_h = np.bincount(group, minlength=len(sizes)).astype(float)
    if (n_h < 2).any():
        return np.full(x.shape[1], np.nan)
    means = np.stack([np.bincount(group, weights=col) for col in x.T], axis=1) / n_h[:, None]
    squares = np.stack(
        [np.bincount(group, weights=col) for col in ((x - means[group]) ** 2).T], axis=1
    )
    scale = (1.0 - n_h / sizes) * n_h / (n_h - 1)
    return np.sqrt(scale @ squares)


def weighted_estimate(
    org_scores: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    weighting: str = "poststratified",
    strata: Sequence[str] = DEFAULT_STRATA,
    margins: Sequence[str] = DEFAULT_MARGINS,
    design: str = "stratified",
    by: str | None = None,
    id_column: str = "organisation_id",
    value: str = "score_pct",
    ci: float = 0.95,
    tol: float = 1e-6,
    max_iter: int = 1000,
    min_cell: int = 5,
    collapse: bool = True,
) -> pd.DataFrame:
    """Mean score of the frame's organisations, weighted, with a design-based interval.

    Parameters
    ----------
    org_scores : pandas.DataFrame
        One row per responding organisation of one round (and one level and unit):
        ``organisation_id`` and ``score_pct`` (names set by ``id_column`` and ``value``).
        Pass only reportable organisations; the frame's other organisations are the
        non-respondents.
    frame : pandas.DataFrame
        The organisation register, restricted to the population of interest (e.g. filter
        ``type`` first for an index of municipalities only).
    weighting : {"none", "poststratified", "raked"}, default "poststratified"
        See :func:`calibration_weights`.
    strata, margins, tol, max_iter, min_cell, collapse :
        See :func:`calibration_weights` and :func:`collapse_cells`.
    by : str, optional
        A frame column (e.g. ``"type"``): one row per group (a domain of the whole design),
        instead of one national row.
    ci : float, default 0.95
        Level of the Wald interval.

    Returns
    -------
    pandas.DataFrame
        One row (or one per group of ``by`` with respondents): ``group_by, group,
        estimate, se, ci_low, ci_high, ci_level, n`` (respondents), ``N`` (frame
        organisations; of the group), ``weighting``, ``variables`` (strata or margins joined
        by ``+``; empty for ``"none"``), ``n_cells`` (post-strata or margin categories after
        merging), ``merged_strata`` (merged groups, ``"; "``-separated, empty if none),
        ``iterations`` (raking cycles), ``method`` (``"linearisation_fpc"``).

    Notes
    -----
    Estimate :math:`\\hat\\mu = \\sum_i w_i y_i / \\sum_i w_i` (a domain: the sums over its
    respondents). Its linearised variance (Lumley 2010, ch. 2 and 7) uses
    :math:`z_i = w_i (y_i - \\hat\\mu)/\\sum_j w_j` (zero outside a domain), replaced by the
    calibration residuals of :func:`_residualise` (post-stratification: minus
    :math:`w_i` times the post-stratum mean of :math:`z/w`; raking: that for every margin in
    turn, 10 sweeps as R survey), then
    :math:`v = (1 - n/N)\\,\\frac{n}{n-1}\\sum_i (z_i - \\bar z)^2` with n respondents and
    N frame organisations (simple random sampling without replacement; the finite
    population correction :math:`1 - n/N`). Interval: :math:`\\hat\\mu \\pm z_{(1+ci)/2}
    \\sqrt v`, as ``confint(svymean(~score, design))``. The whole of R: ``svydesign(ids =
    ~1, fpc = ~N, data)``, ``postStratify(design, ~type + size_class, population)`` or
    ``rake(design, list(~type, ~size_class, ~county), margins)``, ``svymean`` (domains:
    ``svyby(~score, ~type, design, svymean)``). The estimate is unbiased for the frame mean
    when, within post-strata, responding is unrelated to the score (missing at random given
    the strata); raking assumes that the response propensity depends on the margins
    additively on the log scale. Self-selection on maturity itself is not removed.

    Examples
    --------
    >>> frame = pd.DataFrame({"organisation_id": list("abcdefgh"), "type": list("kkkkkkmm")})
    >>> scores = pd.DataFrame({"organisation_id": list("abcdg"), "score_pct": [40, 50, 60, 50, 80]})
    >>> row = weighted_estimate(scores, frame, strata=("type",), min_cell=1).iloc[0]
    >>> float(row["estimate"]), int(row["n"]), int(row["N"])
    (57.5, 5, 8)
    """
    if not 0 < ci < 1:
        raise ValueError(f"`ci` must lie between 0 and 1, got {ci}.")
    sets = _variable_sets(weighting, design, strata, margins, tol, max_iter)
    used = [*sets[0], *(v for subset in sets[1] for v in subset), *([by] if by else [])]
    _check_frame(frame, id_column, used)
    position, y = _sample_positions(org_scores, frame, id_column, value)
    calibration = _calibrate(
        frame, position, id_column, weighting, sets, tol, max_iter, min_cell, collapse
    )
    if by is not None:
        labels = frame[by].astype(str).to_numpy()
        order = _ordered_levels(frame[by])
        order = [str(v) for v in order] if order is not None else sorted(set(labels))
        domains = [d for d in order if d in set(labels[position])]
    else:
        labels, domains = None, ["all"]
    w = calibration.weights.to_numpy()
    member = np.column_stack(
        [np.ones(len(y), bool) if by is None else labels[position] == d for d in domains]
    )
    total_w = (w[:, None] * member).sum(axis=0)
    estimate = (w[:, None] * member * y[:, None]).sum(axis=0) / total_w
    z = member * w[:, None] * (y[:, None] - estimate) / total_w
    se = _linearised_se(_residualise(z, calibration), calibration)
    quantile = stats.norm.ppf(0.5 + ci / 2)
    out = pd.DataFrame(
        {
            "group_by": by or "national",
            "group": domains,
            "estimate": estimate,
            "se": se,
            "ci_low": estimate - quantile * se,
            "ci_high": estimate + quantile * se,
            "ci_level": ci,
            "n": member.sum(axis=0),
            "N": [len(frame) if by is None else int((labels == d).sum()) for d in domains],
            "weighting": weighting,
            "design": calibration.design,
            "variables": "; ".join(calibration.groups),
            "n_cells": sum(int(g.max()) + 1 for g in calibration.groups.values()),
            "merged_strata": calibration.merged_strata,
            "iterations": calibration.iterations,
            "method": "linearisation_fpc",
        }
    )
    return out
