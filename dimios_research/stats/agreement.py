"""Within-group agreement and reliability of group means: rwg, rwg(j), AD, ICC(1), ICC(2).

DiMiOS asks several respondents per organisation and round, and reports the organisation as one
unit. Before a respondent mean is read as a property of the organisation the analyst checks

* **agreement** (interchangeability of respondents inside one organisation): :func:`rwg`,
  :func:`rwg_j` and :func:`ad_m`, computed per group;
* **reliability of the group mean** (how well organisations are told apart): :func:`icc1` and
  :func:`icc2` from a one-way ANOVA of respondent values on organisation.

The functions follow the conventions of the R package ``multilevel`` (Bliese, version 2.7), and
the tests reproduce ``multilevel::rwg``, ``rwg.j``, ``ad.m``, ``ICC1`` and ``ICC2`` to 1e-6.
:func:`aggregation_table` and :func:`icc_table` apply them to every dimension and category.

References
----------
Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability: Implications for
data aggregation and analysis. In K. J. Klein & S. W. J. Kozlowski (Eds.), *Multilevel theory,
research, and methods in organizations* (pp. 349-381). Jossey-Bass.

Bliese, P. D. (2022). *multilevel: Multilevel functions* (R package version 2.7).

Burke, M. J., & Dunlap, W. P. (2002). Estimating interrater agreement with the average deviation
index: A user's guide. *Organizational Research Methods, 5*(2), 159-172.

James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating within-group interrater reliability
with and without response bias. *Journal of Applied Psychology, 69*(1), 85-98.

LeBreton, J. M., & Senter, J. L. (2008). Answers to 20 questions about interrater reliability and
interrater agreement. *Organizational Research Methods, 11*(4), 815-852.

Snijders, T. A. B., & Bosker, R. J. (2012). *Multilevel analysis* (2nd ed.). Sage.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from ..conventions import require_columns

__all__ = [
    "NULL_DISTRIBUTIONS",
    "ad_m",
    "aggregation_table",
    "icc1",
    "icc2",
    "icc_table",
    "null_variance",
    "rwg",
    "rwg_j",
]

MissingPolicy = Literal["pairwise", "listwise"]
GroupSizeConvention = Literal["mean", "adjusted"]

#: Response probabilities of the non-uniform null distributions of James, Demaree & Wolf (1984),
#: tabulated with their variances by LeBreton & Senter (2008, Table 3), keyed by name and number
#: of scale points. The skewed nulls model leniency: answers pile up at the top of the scale.
NULL_DISTRIBUTIONS: dict[str, dict[int, tuple[float, ...]]] = {
    "slight_skew": {5: (0.05, 0.15, 0.20, 0.35, 0.25)},  # variance 1.34
    "moderate_skew": {5: (0.00, 0.10, 0.15, 0.40, 0.35)},  # variance 0.90
    "heavy_skew": {5: (0.00, 0.00, 0.10, 0.40, 0.50)},  # variance 0.44
    "triangular": {5: (0.11, 0.22, 0.34, 0.22, 0.11)},  # variance 1.32
    "normal": {5: (0.07, 0.24, 0.38, 0.24, 0.07)},  # variance 1.04
}

_LEVELS = ("dimension", "category")


def null_variance(null: str | float = "uniform", scale_points: int = 5) -> float:
    """Expected variance of answers under a null (no agreement) distribution.

    Parameters
    ----------
    null : str or float, default "uniform"
        ``"uniform"`` (every answer equally likely), one of the names in
        :data:`NULL_DISTRIBUTIONS` (``"slight_skew"``, ``"moderate_skew"``, ``"heavy_skew"``,
        ``"triangular"``, ``"normal"``), or a positive float used as the null variance as is.
    scale_points : int, default 5
        Number of answer options A (integers 1..A).

    Returns
    -------
    float
        The null variance sigma^2_E.

    Notes
    -----
    The uniform null variance is (A^2 - 1) / 12 (2.0 on a 5-point scale). The other nulls are
    the discrete distributions of James, Demaree & Wolf (1984); their variances
    sum_a p_a (a - mu)^2 are those of LeBreton & Senter (2008, Table 3): 1.34 (slight skew),
    0.90 (moderate skew), 0.44 (heavy skew), 1.32 (triangular) and 1.04 (normal) for A = 5.
    Only the 5-point values are tabulated here; for another scale pass the variance as a
    float.

    Examples
    --------
    >>> null_variance("uniform", 5)
    2.0
    >>> round(null_variance("slight_skew", 5), 2)
    1.34
    """
    if isinstance(scale_points, bool) or not isinstance(scale_points, (int, np.integer)):
        raise TypeError(f"`scale_points` must be an integer, got {scale_points!r}.")
    if scale_points < 2:
        raise ValueError(f"`scale_points` must be at least 2, got {scale_points}.")
    if isinstance(null, (int, float, np.number)) and not isinstance(null, bool):
        if not np.isfinite(null) or null <= 0:
            raise ValueError(f"A numeric `null` is a variance and must be > 0, got {null}.")
        return float(null)
    if not isinstance(null, str):
        raise TypeError(f"`null` must be a name or a positive float, got {null!r}.")
    if null == "uniform":
        return (scale_points**2 - 1) / 12.0
    if null not in NULL_DISTRIBUTIONS:
        known = ", ".join(["uniform", *NULL_DISTRIBUTIONS])
        raise ValueError(f"Unknown `null` {null!r}; use one of {known} or a float variance.")
    table = NULL_DISTRIBUTIONS[null]
    if scale_points not in table:
        raise ValueError(
            f"No tabulated variance for null {null!r} with scale_points={scale_points} "
            f"(tabulated: {sorted(table)}); pass the null variance as a float instead."
        )
    probabilities = np.asarray(table[scale_points])
    answers = np.arange(1, scale_points + 1)
    mean = probabilities @ answers
    # Rounded to 10 decimals to remove float noise only; the result reproduces the
    # two-decimal values of LeBreton & Senter's Table 3.
    return round(float(probabilities @ (answers - mean) ** 2), 10)


# --------------------------------------------------------------------------------------------
# shared preparation
# --------------------------------------------------------------------------------------------


def _check_missing(missing: str) -> None:
    if missing not in ("pairwise", "listwise"):
        raise ValueError(f"`missing` must be 'pairwise' or 'listwise', got {missing!r}.")


def _as_numeric_frame(items: object, name: str) -> pd.DataFrame:
    """Items as a float DataFrame with a fresh RangeIndex (columns kept when named)."""
    if isinstance(items, pd.Series):
        frame = items.to_frame(name=items.name if items.name is not None else "x")
    elif isinstance(items, pd.DataFrame):
        frame = items
    else:
        array = np.asarray(items)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2:
            raise ValueError(f"`{name}` must be one- or two-dimensional, got {array.ndim} dims.")
        frame = pd.DataFrame(array)
    if frame.shape[1] == 0:
        raise ValueError(f"`{name}` has no columns; pass at least one item.")
    try:
        frame = frame.astype(float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"`{name}` must be numeric (answers 1..A, NaN for missing).") from error
    return frame.reset_index(drop=True)


def _as_group_keys(groups: object, n_rows: int, name: str = "groups") -> list[pd.Series]:
    """Group labels as a list of Series (one per key column) aligned with a RangeIndex."""
    if isinstance(groups, pd.DataFrame):
        keys = [groups[column].reset_index(drop=True) for column in groups.columns]
    else:
        keys = [pd.Series(np.asarray(groups), name="group")]
    if any(key.ndim != 1 for key in keys) or len(keys[0]) != n_rows:
        raise ValueError(
            f"`{name}` has length {len(keys[0])} but the values have {n_rows} rows; pass one "
            "group label per respondent."
        )
    return keys


def _agreement_by_group(
    frame: pd.DataFrame,
    keys: list[pd.Series],
    missing: MissingPolicy,
    sigma2: float = np.nan,
) -> pd.DataFrame:
    """rwg(j), mean item variance, J, AD_M and n per group, all groups at once.

    Rows with a missing group label are dropped. Under ``"listwise"`` a respondent with any
    missing item is dropped first (``na.exclude`` in multilevel); under ``"pairwise"`` each
    item uses the answers available for it. An item statistic is NaN in a group where the item
    has fewer than two answers, and such items do not count in J. Indexed by the group keys.
    """
    _check_missing(missing)
    has_group = np.logical_and.reduce([key.notna().to_numpy() for key in keys])
    keep = has_group & frame.notna().any(axis=1).to_numpy()
    if missing == "listwise":
        keep &= frame.notna().all(axis=1).to_numpy()
    frame = frame.loc[keep]
    keys = [key.loc[keep] for key in keys]
    grouped = frame.groupby(keys, sort=True, observed=True)
    enough = grouped.count() >= 2
    item_variance = grouped.var(ddof=1).where(enough)
    # average deviation around the group mean: mean |x - mean_g| over the answers of the item
    deviation = (frame - grouped.transform("mean")).abs()
    item_deviation = deviation.groupby(keys, sort=True, observed=True).mean().where(enough)
    mean_variance = item_variance.mean(axis=1, skipna=True)
    n_items = item_variance.notna().sum(axis=1)
    # rwg(j) of James et al. (1984); a mean variance above the null is capped (rwg(j) = 0)
    ratio = np.minimum(mean_variance, sigma2) / sigma2
    spread = n_items * (1.0 - ratio)
    return pd.DataFrame(
        {
            "rwg_j": spread / (spread + ratio),
            "mean_variance": mean_variance,
            "n_items": n_items,
            "ad_m": item_deviation.mean(axis=1, skipna=True),
            "n": grouped.size(),
        }
    )


def _tidy(result: pd.DataFrame) -> pd.DataFrame:
    """Move the group index into a ``group`` column."""
    result = result.reset_index()
    return result.rename(columns={result.columns[0]: "group"})


# --------------------------------------------------------------------------------------------
# agreement per group
# --------------------------------------------------------------------------------------------


def rwg(
    x: Sequence[float] | np.ndarray | pd.Series,
    groups: Sequence[object] | np.ndarray | pd.Series,
    scale_points: int = 5,
    null: str | float = "uniform",
) -> pd.DataFrame:
    """Single-item within-group agreement rwg per group (James, Demaree & Wolf, 1984).

    Parameters
    ----------
    x : array-like of float
        Answers to one item (1..A), one per respondent; NaN = missing / don't know.
    groups : array-like
        Group label (e.g. organisation-round) of each respondent, same length as ``x``.
    scale_points : int, default 5
        Number of answer options A.
    null : str or float, default "uniform"
        Null distribution by name or null variance as a float; see :func:`null_variance`.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by group:

        - ``group``: the group label;
        - ``rwg``: 1 - min(s^2, sigma^2_E) / sigma^2_E, in [0, 1]; NaN for a group with fewer
          than two answers;
        - ``observed_variance``: the within-group sample variance s^2 (denominator n - 1), not
          capped;
        - ``n``: number of answers in the group.

    Notes
    -----
    As in ``multilevel::rwg(x, grpid, ranvar)`` a within-group variance larger than the null
    variance is set to the null variance, so rwg is 0 rather than negative. Missing answers are
    dropped within their group before the variance is taken (``na.exclude`` in multilevel);
    groups without any answer are left out. rwg >= 0.70 is the customary threshold for
    aggregation (LeBreton & Senter, 2008), with a skewed null giving a stricter test.

    References
    ----------
    James, Demaree & Wolf (1984); Bliese (2000); LeBreton & Senter (2008).

    Examples
    --------
    >>> rwg([4, 4, 5, 2, 3, 3], ["a", "a", "a", "b", "b", "b"])
      group       rwg  observed_variance  n
    0     a  0.833333           0.333333  3
    1     b  0.833333           0.333333  3
    """
    frame = _as_numeric_frame(x, "x")
    if frame.shape[1] != 1:
        raise ValueError("`x` must hold one item; use `rwg_j` for several items.")
    sigma2 = null_variance(null, scale_points)
    keys = _as_group_keys(groups, len(frame))
    # rwg(j) with J = 1 reduces to rwg = 1 - s^2 / sigma^2_E
    result = _agreement_by_group(frame, keys, "listwise", sigma2)
    result = result.rename(columns={"rwg_j": "rwg", "mean_variance": "observed_variance"})
    return _tidy(result[["rwg", "observed_variance", "n"]])


def rwg_j(
    items: pd.DataFrame | np.ndarray,
    groups: Sequence[object] | np.ndarray | pd.Series,
    scale_points: int = 5,
    null: str | float = "uniform",
    missing: MissingPolicy = "pairwise",
) -> pd.DataFrame:
    """Multi-item within-group agreement rwg(j) per group (James, Demaree & Wolf, 1984).

    Parameters
    ----------
    items : DataFrame or 2-D array
        Answers (1..A), one row per respondent and one column per item of a parallel scale;
        NaN = missing / don't know.
    groups : array-like
        Group label of each respondent (row).
    scale_points : int, default 5
        Number of answer options A.
    null : str or float, default "uniform"
        Null distribution by name or null variance as a float; see :func:`null_variance`.
    missing : {"pairwise", "listwise"}, default "pairwise"
        ``"pairwise"``: each item variance uses the answers available for that item in the
        group, so a don't-know on one item does not discard the respondent's other answers.
        ``"listwise"``: respondents with any missing item are dropped first, exactly as
        ``multilevel::rwg.j`` does (``na.exclude``). Both agree on complete data.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by group:

        - ``group``: the group label;
        - ``rwg_j``: J (1 - s̄^2/sigma^2_E) / (J (1 - s̄^2/sigma^2_E) + s̄^2/sigma^2_E), in
          [0, 1]; NaN when no item has two answers in the group (e.g. a group of one);
        - ``mean_variance``: s̄^2, the mean of the within-group item variances (not capped);
        - ``n_items``: J, the number of items with at least two answers in the group;
        - ``n``: number of respondents in the group with at least one answer used.

    Notes
    -----
    s̄^2 larger than sigma^2_E is set to sigma^2_E, so rwg(j) = 0 (multilevel's convention).
    rwg(j) grows with J through the Spearman-Brown step-up, so compare it only between units
    with similar numbers of items (LeBreton & Senter, 2008).

    Examples
    --------
    >>> items = pd.DataFrame({"q1": [4, 4, 5, 2], "q2": [4, 5, 5, 4]})
    >>> rwg_j(items, ["a", "a", "a", "b"])["rwg_j"].round(4).tolist()
    [0.9091, nan]
    """
    frame = _as_numeric_frame(items, "items")
    sigma2 = null_variance(null, scale_points)
    keys = _as_group_keys(groups, len(frame))
    result = _agreement_by_group(frame, keys, missing, sigma2)
    return _tidy(result[["rwg_j", "mean_variance", "n_items", "n"]])


def ad_m(
    items: pd.DataFrame | np.ndarray | pd.Series,
    groups: Sequence[object] | np.ndarray | pd.Series,
    missing: MissingPolicy = "pairwise",
) -> pd.DataFrame:
    """Average deviation around the group mean, AD_M (Burke & Dunlap, 2002), per group.

    Parameters
    ----------
    items : Series, DataFrame or array
        Answers to one item (1-D) or several items (one column each); NaN = missing.
    groups : array-like
        Group label of each respondent.
    missing : {"pairwise", "listwise"}, default "pairwise"
        As in :func:`rwg_j`; ``"listwise"`` reproduces ``multilevel::ad.m`` on incomplete data.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by group:

        - ``group``: the group label;
        - ``ad_m``: for one item, mean |x - x̄_g| over the group's answers; for several items,
          the mean over items of the item AD (items with fewer than two answers are skipped);
          NaN for a group of one;
        - ``n``: number of respondents in the group.

    Notes
    -----
    Identical to ``multilevel::ad.m(x, grpid, type = "mean")`` (the deviation is divided by n,
    not n - 1). AD is in the units of the scale, and lower means more agreement. Burke & Dunlap
    (2002) propose A / 6 as the practical upper limit for acceptable agreement: 0.83 on a
    5-point scale, 1.17 on a 7-point scale.

    Examples
    --------
    >>> ad_m([4, 4, 5, 2, 3, 3], ["a", "a", "a", "b", "b", "b"])["ad_m"].round(4).tolist()
    [0.4444, 0.4444]
    """
    frame = _as_numeric_frame(items, "items")
    keys = _as_group_keys(groups, len(frame))
    return _tidy(_agreement_by_group(frame, keys, missing)[["ad_m", "n"]])


# --------------------------------------------------------------------------------------------
# ICC(1), ICC(2)
# --------------------------------------------------------------------------------------------


def _anova_components(
    frame: pd.DataFrame, by: list[str], group_col: str, value_col: str
) -> pd.DataFrame:
    """One-way ANOVA sums per cell of ``by`` (vectorised over cells and groups).

    ``by`` must name at least one column. Returns a frame indexed by ``by`` with
    ``n_respondents`` (N), ``n_groups`` (J), ``sum_sq_size`` (sum n_j^2), ``msb`` and ``msw``.
    """
    frame = frame.dropna(subset=[*by, group_col, value_col])
    keys = [*by, group_col]
    per_group = frame.groupby(keys, sort=True, observed=True)[value_col]
    squared_residual = (frame[value_col] - per_group.transform("mean")) ** 2
    groups = pd.DataFrame(
        {
            "n_j": per_group.size(),
            "mean_j": per_group.mean(),
            "ss_within": frame.assign(_sq=squared_residual)
            .groupby(keys, sort=True, observed=True)["_sq"]
            .sum(),
        }
    )
    cell_levels = list(range(len(by)))  # the index levels of `groups` that identify a cell
    n_total = groups["n_j"].groupby(level=cell_levels).transform("sum")
    weighted = (groups["n_j"] * groups["mean_j"]).groupby(level=cell_levels).transform("sum")
    groups["ss_between"] = groups["n_j"] * (groups["mean_j"] - weighted / n_total) ** 2
    groups["n_j_sq"] = groups["n_j"] ** 2
    cells = groups.groupby(level=cell_levels, sort=True).agg(
        n_respondents=("n_j", "sum"),
        n_groups=("n_j", "size"),
        sum_sq_size=("n_j_sq", "sum"),
        ss_between=("ss_between", "sum"),
        ss_within=("ss_within", "sum"),
    )
    df_between = cells["n_groups"] - 1
    df_within = cells["n_respondents"] - cells["n_groups"]
    cells["msb"] = cells["ss_between"] / df_between.where(df_between > 0)
    cells["msw"] = cells["ss_within"] / df_within.where(df_within > 0)
    return cells[["n_respondents", "n_groups", "sum_sq_size", "msb", "msw"]]


def _check_group_size(group_size: str) -> None:
    """Raise unless ``group_size`` is a :data:`GroupSizeConvention`."""
    if group_size not in ("mean", "adjusted"):
        raise ValueError(f"`group_size` must be 'mean' or 'adjusted', got {group_size!r}.")


def _group_size(cells: pd.DataFrame, group_size: GroupSizeConvention) -> pd.Series:
    """k: the mean group size N/J or the adjusted size k0 = (N - sum n_j^2 / N) / (J - 1).

    ``group_size`` is checked by the callers (:func:`_check_group_size`) before any work.
    """
    n_total, n_groups = cells["n_respondents"], cells["n_groups"]
    if group_size == "mean":
        return n_total / n_groups
    return (n_total - cells["sum_sq_size"] / n_total) / (n_groups - 1).where(n_groups > 1)


def _icc_from_cells(cells: pd.DataFrame, group_size: GroupSizeConvention) -> pd.DataFrame:
    k = _group_size(cells, group_size)
    msb, msw = cells["msb"], cells["msw"]
    return pd.DataFrame(
        {
            "group_size": k,
            "icc1": (msb - msw) / (msb + (k - 1) * msw),
            "icc2": ((msb - msw) / msb).where(msb > 0),
        }
    )


def _scalar_icc(values: object, groups: object, group_size: GroupSizeConvention) -> pd.Series:
    """ICC(1), ICC(2) and k for one set of values; raises on unusable input."""
    _check_group_size(group_size)
    frame = _as_numeric_frame(values, "values")
    if frame.shape[1] != 1:
        raise ValueError("`values` must be one-dimensional (one value per respondent).")
    keys = _as_group_keys(groups, len(frame))
    data = pd.DataFrame({"cell": 0, "group": keys[0], "value": frame.iloc[:, 0]})
    cells = _anova_components(data, ["cell"], "group", "value")
    if cells.empty or cells["n_groups"].iloc[0] < 2:
        raise ValueError("ICC needs at least two groups with non-missing values.")
    if cells["n_respondents"].iloc[0] <= cells["n_groups"].iloc[0]:
        raise ValueError("ICC needs at least one group with two or more respondents.")
    return _icc_from_cells(cells, group_size).iloc[0]


def icc1(
    values: Sequence[float] | np.ndarray | pd.Series,
    groups: Sequence[object] | np.ndarray | pd.Series,
    group_size: GroupSizeConvention = "mean",
) -> float:
    """ICC(1): share of the variance of respondent values that lies between groups.

    Parameters
    ----------
    values : array-like of float
        One value per respondent (e.g. ``score_pct``); NaN rows are dropped first.
    groups : array-like
        Group label of each respondent (e.g. organisation).
    group_size : {"mean", "adjusted"}, default "mean"
        The group size k in the formula. ``"mean"``: k = N / J, the convention of
        ``multilevel::ICC1`` (which takes k = (df_within + J) / J from the ``aov`` table).
        ``"adjusted"``: k0 = (N - sum_j n_j^2 / N) / (J - 1), the ANOVA estimator for
        unbalanced groups (Snijders & Bosker, 2012, eq. 3.14); smaller than N / J when group
        sizes differ. Both coincide for equal group sizes.

    Returns
    -------
    float
        ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW), from the one-way ANOVA of values on group
        (MSB = between-group mean square, df J - 1; MSW = within, df N - J). Can be negative
        when the groups differ less than chance would make them.

    Notes
    -----
    ICC(1) estimates tau^2 / (tau^2 + sigma^2) in the random-intercept model: how much a
    respondent's answer depends on the organisation (Bliese, 2000). Values of 0.05-0.30 are
    typical for organisational surveys.

    References
    ----------
    Bliese (2000); Snijders & Bosker (2012).

    Examples
    --------
    >>> round(icc1([1, 2, 3, 5, 6, 7], ["a", "a", "a", "b", "b", "b"]), 4)
    0.8846
    """
    return float(_scalar_icc(values, groups, group_size)["icc1"])


def icc2(
    values: Sequence[float] | np.ndarray | pd.Series,
    groups: Sequence[object] | np.ndarray | pd.Series,
    group_size: GroupSizeConvention = "mean",
) -> float:
    """ICC(2): reliability of the group means, (MSB - MSW) / MSB.

    Parameters
    ----------
    values : array-like of float
        One value per respondent; NaN rows are dropped first.
    groups : array-like
        Group label of each respondent.
    group_size : {"mean", "adjusted"}, default "mean"
        Validated and accepted for symmetry with :func:`icc1`; it does not change the value,
        because the Spearman-Brown step-up k ICC(1) / (1 + (k - 1) ICC(1)) of ICC(1) at any k
        equals (MSB - MSW) / MSB.

    Returns
    -------
    float
        ICC(2) as in ``multilevel::ICC2(aov(values ~ as.factor(groups)))``; NaN when MSB is 0.

    Notes
    -----
    ICC(2) >= 0.70 is often required before organisation means are compared (Bliese, 2000);
    it rises with the number of respondents per organisation.

    Examples
    --------
    >>> round(icc2([1, 2, 3, 5, 6, 7], ["a", "a", "a", "b", "b", "b"]), 4)
    0.9583
    """
    return float(_scalar_icc(values, groups, group_size)["icc2"])


# --------------------------------------------------------------------------------------------
# tables over dimensions and categories
# --------------------------------------------------------------------------------------------


def aggregation_table(
    answers: pd.DataFrame,
    items: pd.DataFrame,
    *,
    group_cols: Sequence[str] = ("year", "organisation_id"),
    scale_points: int = 5,
    null: str | float = "uniform",
    min_respondents: int = 5,
    rwg_threshold: float = 0.7,
    missing: MissingPolicy = "pairwise",
) -> pd.DataFrame:
    """Agreement diagnostics for every group and every dimension and category.

    Parameters
    ----------
    answers : pandas.DataFrame
        Wide answers: one row per respondent and round, the ``group_cols`` and one numeric
        column per item id (1..A, NaN = missing / don't know), raw or reverse-keyed: rwg(j)
        and AD_M do not change when an item is recoded as min + max - x.
    items : pandas.DataFrame
        The codebook items with columns ``item_id``, ``capability``, ``category`` and
        ``dimension`` (one row per item).
    group_cols : sequence of str, default ("year", "organisation_id")
        Columns that define a group (an organisation-round).
    scale_points, null, missing
        Passed to :func:`rwg_j` and :func:`ad_m`.
    min_respondents : int, default 5
        Groups with fewer respondents are flagged ``too_few_respondents``.
    rwg_threshold : float, default 0.7
        Groups with rwg(j) below it are flagged ``low_agreement``.

    Returns
    -------
    pandas.DataFrame
        One row per group x level x unit, sorted by group (levels and units in codebook
        order):

        - the ``group_cols`` (``year``, ``organisation_id`` by default);
        - ``level``: ``"dimension"`` or ``"category"``;
        - ``unit``: the dimension or category id;
        - ``n_respondents``: respondents of the group with at least one answer on the unit;
        - ``n_items``: items of the unit with at least two answers in the group (J);
        - ``rwg_j``: :func:`rwg_j` over the unit's items (NaN for a group of one);
        - ``ad_m``: :func:`ad_m` over the unit's items;
        - ``low_agreement``: rwg_j < ``rwg_threshold`` (False where rwg_j is NaN);
        - ``too_few_respondents``: n_respondents < ``min_respondents``.

    Notes
    -----
    A loop runs over the handful of units; each unit's statistics are computed for all groups
    at once. Groups without any answer on a unit get no row for it.

    Examples
    --------
    >>> items = pd.DataFrame({"item_id": ["q1", "q2"], "capability": ["c1", "c1"],
    ...                       "category": ["eff", "eff"], "dimension": ["capability"] * 2})
    >>> answers = pd.DataFrame({"year": 2023, "organisation_id": ["o1"] * 3,
    ...                         "q1": [4, 4, 5], "q2": [4, 5, 5]})
    >>> aggregation_table(answers, items, min_respondents=3)[["level", "unit", "rwg_j"]]
           level        unit     rwg_j
    0  dimension  capability  0.909091
    1   category         eff  0.909091
    """
    group_cols = list(group_cols)
    require_columns(answers, group_cols, "answers")
    require_columns(items, ["item_id", *_LEVELS], "items")
    missing_items = sorted(set(items["item_id"]) - set(answers.columns), key=str)
    if missing_items:
        raise ValueError(
            f"`answers` lacks item columns {missing_items[:5]} listed in `items['item_id']`."
        )
    if not 0 < rwg_threshold <= 1:
        raise ValueError(f"`rwg_threshold` must be in (0, 1], got {rwg_threshold}.")
    sigma2 = null_variance(null, scale_points)
    keys = _as_group_keys(answers[group_cols], len(answers), "answers[group_cols]")
    pieces = []
    for level in _LEVELS:
        for unit, unit_items in items.groupby(level, sort=False)["item_id"]:
            unit_answers = _as_numeric_frame(answers[list(unit_items)], "answers")
            piece = _agreement_by_group(unit_answers, keys, missing, sigma2)
            piece.index.names = group_cols
            pieces.append(piece.reset_index().assign(level=level, unit=unit))
    table = pd.concat(pieces, ignore_index=True)
    table = table.rename(columns={"n": "n_respondents"})
    table["low_agreement"] = (table["rwg_j"] < rwg_threshold).astype(bool)
    table["too_few_respondents"] = table["n_respondents"] < min_respondents
    table = table.sort_values(group_cols, kind="mergesort", ignore_index=True)
    columns = [*group_cols, "level", "unit", "n_respondents", "n_items", "rwg_j", "ad_m"]
    return table[[*columns, "low_agreement", "too_few_respondents"]]


def icc_table(
    respondent_scores: pd.DataFrame,
    *,
    group_col: str = "organisation_id",
    by: Sequence[str] = ("year", "level", "unit"),
    value_col: str = "score_pct",
    group_size: GroupSizeConvention = "mean",
) -> pd.DataFrame:
    """ICC(1) and ICC(2) of respondent scores for every year x level x unit.

    Parameters
    ----------
    respondent_scores : pandas.DataFrame
        Tidy long scores: ``year``, ``organisation_id``, ``respondent_id``, ``level``,
        ``unit``, ``score_pct`` (one row per respondent and unit).
    group_col : str, default "organisation_id"
        The grouping whose between-group variance is estimated.
    by : sequence of str, default ("year", "level", "unit")
        One ICC per combination of these columns.
    value_col : str, default "score_pct"
        The respondent value.
    group_size : {"mean", "adjusted"}, default "mean"
        The k of ICC(1); see :func:`icc1`.

    Returns
    -------
    pandas.DataFrame
        One row per cell of ``by``, sorted:

        - the ``by`` columns;
        - ``n_respondents``: N, rows with a value;
        - ``n_groups``: J, groups with at least one value;
        - ``group_size``: the k used;
        - ``icc1``, ``icc2``: as :func:`icc1` and :func:`icc2` (NaN when J < 2 or N = J);
        - ``group_size_convention``: ``"mean"`` or ``"adjusted"``.

    Notes
    -----
    The ANOVA sums are computed for all cells and groups at once with grouped aggregations;
    rows with a missing value are dropped first.

    Examples
    --------
    >>> scores = pd.DataFrame({"year": 2023, "organisation_id": list("aaabbb"),
    ...                        "respondent_id": range(6), "level": "dimension",
    ...                        "unit": "capability", "score_pct": [10, 20, 30, 50, 60, 70]})
    >>> icc_table(scores)[["unit", "icc1", "icc2"]].round(4)
             unit    icc1    icc2
    0  capability  0.8846  0.9583
    """
    by = list(by)
    require_columns(respondent_scores, [*by, group_col, value_col], "respondent_scores")
    _check_group_size(group_size)
    if not pd.api.types.is_numeric_dtype(respondent_scores[value_col]):
        raise TypeError(f"Column `{value_col}` of `respondent_scores` must be numeric.")
    if not by:
        raise ValueError("`by` must name at least one column (e.g. ('year', 'level', 'unit')).")
    cells = _anova_components(respondent_scores, by, group_col, value_col)
    icc = _icc_from_cells(cells, group_size)
    table = pd.concat([cells[["n_respondents", "n_groups"]], icc], axis=1)
    table["group_size_convention"] = group_size
    return table.reset_index()
