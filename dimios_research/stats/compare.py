"""Group comparisons of organisation scores: omnibus tests, post hoc tests and effect sizes.

The typical question is whether organisation types (kommun, region, myndighet, annan) or size
classes differ in digital maturity. Organisation scores are percentages of maximum with
unequal spreads between groups and unequal group sizes, so the defaults are the
heteroscedasticity-robust Welch ANOVA with Games-Howell post hoc tests; the rank-based
alternative is Kruskal-Wallis with Dunn post hoc tests.

All functions take a tidy DataFrame with one row per organisation (for one round and one
dimension) and explicit column names. They return tidy DataFrames, or
:class:`ComparisonResult` from :func:`compare_groups`.

Functions
---------
adjust_pvalues
    Holm, Bonferroni and Benjamini-Hochberg adjustment (R ``p.adjust``).
welch_anova
    Welch's heteroscedastic one-way ANOVA (R ``oneway.test(var.equal = FALSE)``).
games_howell
    Games-Howell pairwise comparisons (as pingouin ``pairwise_gameshowell``).
kruskal
    Kruskal-Wallis rank-sum test (R ``kruskal.test``) with epsilon squared.
dunn
    Dunn (1964) pairwise rank tests with tie correction and adjusted p.
omega_squared, hedges_g, rank_biserial
    Effect sizes.
compare_groups
    Omnibus + post hoc in one call, small groups dropped visibly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

__all__ = [
    "P_ADJUST_METHODS",
    "PINGOUIN_GAMESHOWELL_COLUMNS",
    "ComparisonResult",
    "adjust_pvalues",
    "compare_groups",
    "dunn",
    "games_howell",
    "hedges_g",
    "kruskal",
    "omega_squared",
    "rank_biserial",
    "welch_anova",
]

#: Supported p-value adjustments and their names in statsmodels ``multipletests`` (the same
#: adjustments, computed here in numpy as R ``p.adjust`` does).
P_ADJUST_METHODS: dict[str, str | None] = {
    "holm": "holm",
    "bonferroni": "bonferroni",
    "fdr_bh": "fdr_bh",
    "none": None,
}

#: Columns of ``pingouin.pairwise_gameshowell`` (pingouin >= 0.7) that correspond to the
#: columns of :func:`games_howell` (pingouin 0.7 renamed them; 0.6 had ``mean(A)``,
#: ``mean(B)``, ``pval`` and ``T`` in other spellings). The tests compare the two functions
#: through these names, so that a rename fails loudly.
PINGOUIN_GAMESHOWELL_COLUMNS: tuple[str, ...] = (
    "A",
    "B",
    "mean_A",
    "mean_B",
    "diff",
    "se",
    "T",
    "df",
    "pval",
)


# --------------------------------------------------------------------------------------------
# Input handling
# --------------------------------------------------------------------------------------------
def _clean_groups(df: pd.DataFrame, dv: str, between: str) -> pd.DataFrame:
    """Return ``[between, dv]`` rows with a non-missing dv and group, or raise a clear error."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    for name, col in (("dv", dv), ("between", between)):
        if col not in df.columns:
            raise ValueError(f"{name}={col!r} is not a column of df; columns: {list(df.columns)}")
    if not pd.api.types.is_numeric_dtype(df[dv]):
        raise TypeError(f"dv column {dv!r} must be numeric, got dtype {df[dv].dtype}")
    data = df[[between, dv]].dropna()
    if data[between].nunique() < 2:
        raise ValueError(
            f"between={between!r} needs at least two groups with data, "
            f"found {data[between].nunique()}"
        )
    return data


def _group_summary(data: pd.DataFrame, dv: str, between: str) -> pd.DataFrame:
    """n, mean and variance (ddof=1) per group, groups in sorted order."""
    return data.groupby(between, sort=True, observed=True)[dv].agg(
        n="count", mean="mean", var="var"
    )


def _pair_indices(n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(n_groups, k=1)


# --------------------------------------------------------------------------------------------
# p-value adjustment
# --------------------------------------------------------------------------------------------
def adjust_pvalues(p: Sequence[float] | np.ndarray | pd.Series, method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple comparisons, as R ``p.adjust``.

    Parameters
    ----------
    p : array-like of float
        Unadjusted p-values. Missing values (NaN) are kept as NaN and do not count towards
        the number of tests (R's ``p.adjust`` default ``n = length(p[!is.na(p)])``).
    method : {"holm", "bonferroni", "fdr_bh", "none"}, default "holm"
        ``holm`` controls the family-wise error rate (Holm 1979) and is uniformly more powerful
        than ``bonferroni``; ``fdr_bh`` controls the false discovery rate (Benjamini & Hochberg
        1995; R ``method = "BH"``); ``none`` returns the input.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order, capped at 1.

    Notes
    -----
    With :math:`m` tests and sorted p-values :math:`p_{(1)} \\le \\dots \\le p_{(m)}`:
    Bonferroni :math:`\\min(1, m p)`; Holm
    :math:`\\max_{j \\le i} \\min(1, (m - j + 1) p_{(j)})`; BH
    :math:`\\min_{j \\ge i} \\min(1, m p_{(j)} / j)`.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
    Journal of Statistics*, 6, 65-70.
    Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate. *JRSS B*, 57,
    289-300.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03], method="holm")
    array([0.03, 0.06, 0.06])
    """
    _check_p_adjust(method, "method")
    values = np.asarray(p, dtype=float)
    if np.any((values < 0) | (values > 1)):
        raise ValueError("p must hold probabilities between 0 and 1 (NaN allowed)")
    out = values.copy()
    ok = ~np.isnan(values)
    if P_ADJUST_METHODS[method] is not None and ok.any():
        out[ok] = _p_adjust(values[ok], method)
    return out


def _check_p_adjust(method: str, name: str) -> None:
    """Raise unless ``method`` is a key of :data:`P_ADJUST_METHODS` (``name``: the argument)."""
    if method not in P_ADJUST_METHODS:
        raise ValueError(f"{name}={method!r} is not supported; use one of {list(P_ADJUST_METHODS)}")


def _p_adjust(p: np.ndarray, method: str) -> np.ndarray:
    """R ``p.adjust`` of p-values without NaN (see :func:`adjust_pvalues`)."""
    m = p.size
    if method == "bonferroni":
        return np.minimum(1.0, m * p)
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "holm":  # cummax((m - i + 1) p_(i))
        adjusted = np.maximum.accumulate((m - np.arange(m)) * ranked)
    else:  # fdr_bh: cummin from the largest of m p_(i) / i
        adjusted = np.minimum.accumulate(m / np.arange(m, 0, -1) * ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(1.0, adjusted)
    return out


# --------------------------------------------------------------------------------------------
# Effect sizes
# --------------------------------------------------------------------------------------------
def omega_squared(df: pd.DataFrame, dv: str = "score_pct", between: str = "type") -> float:
    """Omega squared from a classical one-way ANOVA.

    Parameters
    ----------
    df : DataFrame
        One row per organisation.
    dv, between : str
        Outcome column and grouping column.

    Returns
    -------
    float
        :math:`\\omega^2`, the estimated share of outcome variance explained by the groups in
        the population. Can be slightly negative when the groups explain less than chance;
        it is returned as computed (not truncated at 0).

    Notes
    -----
    :math:`\\omega^2 = (SS_B - (k - 1) MS_W) / (SS_T + MS_W)` with :math:`k` groups
    (Hays 1963; Olejnik & Algina 2003). It is less biased than eta squared. It comes from the
    equal-variance ANOVA decomposition and is reported next to the Welch test as a descriptive
    effect size.

    References
    ----------
    Olejnik, S., & Algina, J. (2003). Generalized eta and omega squared statistics.
    *Psychological Methods*, 8, 434-447.
    """
    data = _clean_groups(df, dv, between)
    summary = _group_summary(data, dv, between)
    return _omega_squared_from_summary(summary, data[dv].to_numpy())


def _omega_squared_from_summary(summary: pd.DataFrame, values: np.ndarray) -> float:
    n_total, k = values.size, len(summary)
    grand_mean = values.mean()
    ss_between = float((summary["n"] * (summary["mean"] - grand_mean) ** 2).sum())
    ss_total = float(((values - grand_mean) ** 2).sum())
    ms_within = (ss_total - ss_between) / (n_total - k)
    return (ss_between - (k - 1) * ms_within) / (ss_total + ms_within)


def hedges_g(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Hedges' g: standardised mean difference of ``x - y`` with the small-sample correction.

    Parameters
    ----------
    x, y : array-like of float
        Scores of the two groups (NaN dropped); each needs at least two values.

    Returns
    -------
    float
        :math:`g = J \\cdot d`, positive when ``x`` has the higher mean.

    Notes
    -----
    Cohen's :math:`d = (\\bar x - \\bar y) / s_p` with the pooled standard deviation
    :math:`s_p = \\sqrt{((n_x - 1)s_x^2 + (n_y - 1)s_y^2) / (n_x + n_y - 2)}`, and Hedges'
    correction :math:`J = 1 - 3 / (4(n_x + n_y) - 9)` (Hedges & Olkin 1985, the usual
    approximation of the exact gamma-function factor; the same as pingouin).

    References
    ----------
    Hedges, L. V., & Olkin, I. (1985). *Statistical methods for meta-analysis*. Academic Press.
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    xa, ya = xa[~np.isnan(xa)], ya[~np.isnan(ya)]
    if xa.size < 2 or ya.size < 2:
        raise ValueError("hedges_g needs at least two non-missing values in each of x and y")
    return float(
        _hedges_g_vectorised(
            np.array([xa.mean()]),
            np.array([ya.mean()]),
            np.array([xa.var(ddof=1)]),
            np.array([ya.var(ddof=1)]),
            np.array([xa.size]),
            np.array([ya.size]),
        )[0]
    )


def _hedges_g_vectorised(
    mean_a: np.ndarray,
    mean_b: np.ndarray,
    var_a: np.ndarray,
    var_b: np.ndarray,
    n_a: np.ndarray,
    n_b: np.ndarray,
) -> np.ndarray:
    pooled_sd = np.sqrt(((n_a - 1) * var_a + (n_b - 1) * var_b) / (n_a + n_b - 2))
    correction = 1 - 3 / (4 * (n_a + n_b) - 9)
    return correction * (mean_a - mean_b) / pooled_sd


def rank_biserial(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Rank-biserial correlation of ``x`` versus ``y`` from the Mann-Whitney U statistic.

    Parameters
    ----------
    x, y : array-like of float
        Scores of the two groups (NaN dropped).

    Returns
    -------
    float
        :math:`r = 2 U_x / (n_x n_y) - 1` in [-1, 1]; positive when values of ``x`` tend to
        be larger. :math:`U_x` counts the pairs with ``x > y`` plus half the ties.

    Notes
    -----
    Equals the difference between the share of pairs favouring ``x`` and the share favouring
    ``y`` (Kerby 2014); the same convention as pingouin's ``RBC``.

    References
    ----------
    Kerby, D. S. (2014). The simple difference formula. *Comprehensive Psychology*, 3, 1.
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    xa, ya = xa[~np.isnan(xa)], ya[~np.isnan(ya)]
    if xa.size == 0 or ya.size == 0:
        raise ValueError("rank_biserial needs at least one non-missing value in each of x and y")
    u_x = stats.mannwhitneyu(xa, ya, alternative="two-sided").statistic
    return float(2 * u_x / (xa.size * ya.size) - 1)


# --------------------------------------------------------------------------------------------
# Omnibus tests
# --------------------------------------------------------------------------------------------
def welch_anova(df: pd.DataFrame, dv: str = "score_pct", between: str = "type") -> pd.DataFrame:
    """Welch's heteroscedastic one-way ANOVA.

    Parameters
    ----------
    df : DataFrame
        One row per organisation; rows with a missing ``dv`` or group are dropped.
    dv : str, default "score_pct"
        Outcome column.
    between : str, default "type"
        Grouping column; every group needs at least two observations with non-zero variance.

    Returns
    -------
    DataFrame
        One row with columns

        - ``method``: ``"Welch ANOVA"``
        - ``statistic``: Welch's F
        - ``df1``, ``df2``: numerator and (fractional) denominator degrees of freedom
        - ``p``: upper-tail p-value of F(df1, df2)
        - ``n``: number of organisations used
        - ``n_groups``: number of groups
        - ``omega_squared``: :func:`omega_squared` of the classical ANOVA

    Notes
    -----
    With weights :math:`w_j = n_j / s_j^2`, :math:`W = \\sum w_j`, weighted mean
    :math:`\\tilde x = \\sum w_j \\bar x_j / W` and
    :math:`\\Lambda = \\sum (1 - w_j/W)^2 / (n_j - 1)`:
    :math:`F = \\frac{\\sum w_j (\\bar x_j - \\tilde x)^2 / (k-1)}
    {1 + 2(k-2)\\Lambda/(k^2-1)}`, :math:`df_1 = k - 1`,
    :math:`df_2 = (k^2 - 1) / (3\\Lambda)` (Welch 1951). Matches R
    ``oneway.test(dv ~ g, var.equal = FALSE)``.

    References
    ----------
    Welch, B. L. (1951). On the comparison of several mean values: an alternative approach.
    *Biometrika*, 38, 330-336.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"type": list("aaabbbccc"), "score_pct": [1, 2, 3, 2, 4, 6, 5, 8, 9.]})
    >>> welch_anova(d)[["statistic", "df1"]].round(3).iloc[0].tolist()
    [6.993, 2.0]
    """
    data = _clean_groups(df, dv, between)
    summary = _group_summary(data, dv, between)
    if (summary["n"] < 2).any() or (summary["var"] <= 0).any():
        bad = summary.index[(summary["n"] < 2) | ~(summary["var"] > 0)].tolist()
        raise ValueError(
            f"welch_anova needs at least two distinct values per group of {between!r}; "
            f"groups {bad} fail (drop them or use compare_groups(min_group_size=...))"
        )
    k = len(summary)
    weights = summary["n"] / summary["var"]
    total_weight = weights.sum()
    weighted_mean = (weights * summary["mean"]).sum() / total_weight
    lam = (((1 - weights / total_weight) ** 2) / (summary["n"] - 1)).sum()
    numerator = (weights * (summary["mean"] - weighted_mean) ** 2).sum() / (k - 1)
    f_stat = numerator / (1 + 2 * (k - 2) * lam / (k**2 - 1))
    df2 = (k**2 - 1) / (3 * lam)
    return pd.DataFrame(
        {
            "method": ["Welch ANOVA"],
            "statistic": [float(f_stat)],
            "df1": [float(k - 1)],
            "df2": [float(df2)],
            "p": [float(stats.f.sf(f_stat, k - 1, df2))],
            "n": [int(summary["n"].sum())],
            "n_groups": [k],
            "omega_squared": [_omega_squared_from_summary(summary, data[dv].to_numpy())],
        }
    )


def kruskal(df: pd.DataFrame, dv: str = "score_pct", between: str = "type") -> pd.DataFrame:
    """Kruskal-Wallis rank-sum test with epsilon squared.

    Parameters
    ----------
    df : DataFrame
        One row per organisation; rows with a missing ``dv`` or group are dropped.
    dv, between : str
        Outcome and grouping columns (defaults ``score_pct``, ``type``).

    Returns
    -------
    DataFrame
        One row: ``method`` (``"Kruskal-Wallis"``), ``statistic`` (H, tie-corrected), ``df``
        (k - 1), ``p`` (chi-squared approximation), ``n``, ``n_groups``, ``epsilon_squared``.

    Notes
    -----
    :math:`H = \\frac{12}{N(N+1)} \\sum n_j \\bar R_j^2 - 3(N+1)` divided by the tie correction
    :math:`1 - \\sum (t^3 - t)/(N^3 - N)`; p from :math:`\\chi^2_{k-1}`, as R
    ``kruskal.test``. Effect size :math:`\\varepsilon^2 = H / ((N^2 - 1)/(N + 1)) = H/(N-1)`
    (Tomczak & Tomczak 2014), between 0 and 1.

    References
    ----------
    Kruskal, W. H., & Wallis, W. A. (1952). Use of ranks in one-criterion variance analysis.
    *JASA*, 47, 583-621.
    Tomczak, M., & Tomczak, E. (2014). The need to report effect size estimates revisited.
    *Trends in Sport Sciences*, 21, 19-25.
    """
    data = _clean_groups(df, dv, between)
    samples = [g.to_numpy() for _, g in data.groupby(between, sort=True, observed=True)[dv]]
    h_stat, p_value = stats.kruskal(*samples)
    n_total = len(data)
    return pd.DataFrame(
        {
            "method": ["Kruskal-Wallis"],
            "statistic": [float(h_stat)],
            "df": [float(len(samples) - 1)],
            "p": [float(p_value)],
            "n": [n_total],
            "n_groups": [len(samples)],
            "epsilon_squared": [float(h_stat / ((n_total**2 - 1) / (n_total + 1)))],
        }
    )


# --------------------------------------------------------------------------------------------
# Post hoc tests
# --------------------------------------------------------------------------------------------
def games_howell(
    df: pd.DataFrame, dv: str = "score_pct", between: str = "type", ci: float = 0.95
) -> pd.DataFrame:
    """Games-Howell pairwise comparisons (unequal variances, unequal sizes).

    Parameters
    ----------
    df : DataFrame
        One row per organisation; rows with a missing ``dv`` or group are dropped.
    dv, between : str
        Outcome and grouping columns (defaults ``score_pct``, ``type``).
    ci : float, default 0.95
        Simultaneous confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per pair of groups (sorted group order, ``group_a`` before ``group_b``):
        ``group_a, group_b, mean_a, mean_b, diff`` (mean_a - mean_b), ``se``, ``t``, ``df``
        (Welch-Satterthwaite), ``p`` (Games-Howell, already adjusted for the family of all
        pairs: do not adjust again), ``ci_low, ci_high`` (simultaneous), ``hedges_g``
        (:func:`hedges_g` of group_a vs group_b), ``method``.

    Notes
    -----
    :math:`t = (\\bar x_a - \\bar x_b) / \\sqrt{s_a^2/n_a + s_b^2/n_b}` with Welch df. The p-value
    is Tukey-type: :math:`P(Q_{k,\\nu} > \\sqrt 2 |t|)` from the studentized range distribution
    with :math:`k` groups (``scipy.stats.studentized_range``), so it is a family-wise adjusted
    p of its own and ``p_adjust`` does not apply. The interval is
    :math:`diff \\pm q_{1-\\alpha; k, \\nu} / \\sqrt 2 \\cdot se`, with the quantile from
    :func:`studentized_range_quantile`. t, df and p are those of
    ``pingouin.pairwise_gameshowell`` (computed here in a few vectorised lines, without
    importing pingouin).

    References
    ----------
    Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures with unequal
    n's and/or variances. *Journal of Educational Statistics*, 1, 113-125.
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1, got {ci}")
    data = _clean_groups(df, dv, between)
    summary = _group_summary(data, dv, between)
    if (summary["n"] < 2).any():
        raise ValueError(
            f"games_howell needs at least two observations per group of {between!r}; "
            f"groups {summary.index[summary['n'] < 2].tolist()} have fewer"
        )
    k = len(summary)
    ia, ib = _pair_indices(k)
    n, mean, var = (summary[c].to_numpy(float) for c in ("n", "mean", "var"))
    v = var / n
    se = np.sqrt(v[ia] + v[ib])
    diff = mean[ia] - mean[ib]
    t = diff / se
    dfs = (v[ia] + v[ib]) ** 2 / (v[ia] ** 2 / (n[ia] - 1) + v[ib] ** 2 / (n[ib] - 1))
    p = np.clip(stats.studentized_range.sf(np.sqrt(2) * np.abs(t), k, dfs), 0, 1)
    half_width = studentized_range_quantile(ci, k, dfs) / np.sqrt(2) * se
    groups = summary.index.to_numpy()
    out = pd.DataFrame(
        {
            "group_a": groups[ia], "group_b": groups[ib], "mean_a": mean[ia],
            "mean_b": mean[ib], "diff": diff, "se": se, "t": t, "df": dfs, "p": p,
            "ci_low": diff - half_width, "ci_high": diff + half_width,
            "hedges_g": _hedges_g_vectorised(mean[ia], mean[ib], var[ia], var[ib], n[ia], n[ib]),
            "method": "Games-Howell",
        }
    )  # fmt: skip
    return out


#: Gauss-Legendre nodes of the approximate studentized range distribution.
_QUADRATURE_NODES = 64


def _approximate_range_cdf(k: int, df: np.ndarray):
    """A function ``q -> P(Q_{k,df} <= q)`` by fixed quadrature (about 1e-5 absolute)."""
    x, w = np.polynomial.legendre.leggauss(_QUADRATURE_NODES)
    z, wz = 8.5 * x, 8.5 * w * np.exp(-((8.5 * x) ** 2) / 2) / np.sqrt(2 * np.pi)
    s = np.sqrt(2 * special.gammaincinv(df[:, None] / 2, (x + 1) / 2) / df[:, None])
    wu = w / 2  # s: quantiles of sqrt(chi2_nu / nu) at the nodes of (0, 1)

    def cdf(q: np.ndarray) -> np.ndarray:
        width = q[:, None, None] * s[:, :, None]  # df x chi nodes x normal nodes
        inner = np.clip(special.ndtr(z) - special.ndtr(z - width), 0, 1) ** (k - 1)
        return k * ((inner * wz).sum(axis=-1) * wu).sum(axis=-1)

    return cdf


def studentized_range_quantile(level: float, k: int, df: np.ndarray) -> np.ndarray:
    """Quantile :math:`q_{level; k, \\nu}` of the studentized range for every ``df``.

    Parameters
    ----------
    level : float
        Lower-tail probability, e.g. 0.95.
    k : int
        Number of groups (at least 2).
    df : array of float
        Degrees of freedom (positive; ``inf`` allowed).

    Returns
    -------
    numpy.ndarray
        :math:`q` with :math:`P(Q_{k,\\nu} \\le q) = level`: ``scipy.stats.studentized_range``
        ``.ppf`` to about 1e-8 (relative), at a small fraction of its cost.

    Notes
    -----
    A first approximation solves :math:`P(Q \\le q) = level` with the distribution by fixed
    quadrature, :math:`P(Q \\le q) = \\int_0^1 P_\\infty(q\\, s(u))\\, du` with
    :math:`s(u) = \\sqrt{\\chi^2_\\nu(u)/\\nu}` (the quantiles of :math:`S`) and
    :math:`P_\\infty(w) = k \\int \\phi(z) [\\Phi(z) - \\Phi(z - w)]^{k-1} dz`
    (Hartley 1944), both integrals by 64-point Gauss-Legendre (:math:`z \\in [-8.5, 8.5]`),
    vectorised over all ``df``, by regula falsi (Illinois). Newton steps on scipy's exact
    (adaptive quadrature) distribution function, with the slope of the approximation, then
    remove its error (about 1e-4 in ``q``) until the exact probability is within 1e-10 of
    ``level``, so the quantile agrees with the p-values of :func:`games_howell`: an interval
    excludes 0 exactly when ``p < 1 - level``. ``scipy.stats.studentized_range.ppf`` takes
    some fifteen exact evaluations per ``df``, this two or three.

    Examples
    --------
    >>> float(studentized_range_quantile(0.95, 3, np.array([10.0]))[0].round(6))  # R qtukey
    3.876777
    """
    nu = np.minimum(np.asarray(df, dtype=float), 1e6)  # scipy: large df is infinite df
    approx = _approximate_range_cdf(k, nu)
    lo, hi = np.full(nu.shape, 0.5), np.full(nu.shape, 8.0)
    f_lo, f_hi = approx(lo) - level, approx(hi) - level
    for _ in range(20):  # widen the bracket for tiny df (q grows without bound as df -> 0)
        if not (f_hi < 0).any():
            break
        hi = np.where(f_hi < 0, 2 * hi, hi)
        f_hi = approx(hi) - level
    side = np.zeros(nu.shape)
    for _ in range(60):  # regula falsi, Illinois variant, elementwise
        mid = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        f_mid = approx(mid) - level
        left = f_mid < 0
        f_hi = np.where(left & (side < 0), f_hi / 2, f_hi)  # halve the end that stays put
        f_lo = np.where(~left & (side > 0), f_lo / 2, f_lo)
        lo, f_lo = np.where(left, mid, lo), np.where(left, f_mid, f_lo)
        hi, f_hi = np.where(left, hi, mid), np.where(left, f_hi, f_mid)
        side = np.where(left, -1.0, 1.0)
        if np.all(hi - lo < 1e-6 * mid):  # the approximation is not better than this
            break
    slope = (approx(mid * (1 + 1e-6)) - approx(mid)) / (mid * 1e-6)
    todo = np.ones(nu.shape, dtype=bool)
    for _ in range(4):  # Newton steps on the exact distribution, approximate slope
        error = stats.studentized_range.cdf(mid[todo], k, nu[todo]) - level
        mid[todo] -= error / slope[todo]
        todo[todo] = np.abs(error) >= 1e-10
        if not todo.any():
            break
    return mid


def dunn(
    df: pd.DataFrame,
    dv: str = "score_pct",
    between: str = "type",
    p_adjust: str = "holm",
) -> pd.DataFrame:
    """Dunn's (1964) pairwise rank tests after Kruskal-Wallis.

    Parameters
    ----------
    df : DataFrame
        One row per organisation; rows with a missing ``dv`` or group are dropped.
    dv, between : str
        Outcome and grouping columns (defaults ``score_pct``, ``type``).
    p_adjust : {"holm", "bonferroni", "fdr_bh", "none"}, default "holm"
        Adjustment across all pairs (:func:`adjust_pvalues`).

    Returns
    -------
    DataFrame
        One row per pair: ``group_a, group_b, n_a, n_b, mean_rank_a, mean_rank_b, z, p``
        (two-sided, unadjusted), ``p_adj``, ``p_adjust`` (the method name),
        ``rank_biserial`` (:func:`rank_biserial` of the pair alone, positive when group_a
        tends higher), ``method``.

    Notes
    -----
    Ranks are taken over all :math:`N` observations (average ranks for ties). For groups
    :math:`a, b`:
    :math:`z = (\\bar R_a - \\bar R_b) / \\sqrt{\\left(\\frac{N(N+1)}{12} -
    \\frac{\\sum (t^3 - t)}{12 (N - 1)}\\right) \\left(\\frac{1}{n_a} + \\frac{1}{n_b}\\right)}`,
    where :math:`t` runs over the sizes of tied groups; :math:`p = 2(1 - \\Phi(|z|))`. The same
    statistic as R ``dunn.test`` / ``FSA::dunnTest``.

    References
    ----------
    Dunn, O. J. (1964). Multiple comparisons using rank sums. *Technometrics*, 6, 241-252.
    """
    _check_p_adjust(p_adjust, "p_adjust")
    data = _clean_groups(df, dv, between)
    values = data[dv].to_numpy(dtype=float)
    n_total = values.size
    ranks = pd.Series(stats.rankdata(values), index=data.index)
    rank_summary = ranks.groupby(data[between], sort=True, observed=True).agg(["count", "mean"])
    _, tie_sizes = np.unique(values, return_counts=True)
    rank_variance = n_total * (n_total + 1) / 12 - (tie_sizes**3 - tie_sizes).sum() / (
        12 * (n_total - 1)
    )
    ia, ib = _pair_indices(len(rank_summary))
    groups = rank_summary.index.to_numpy()
    n_a = rank_summary["count"].to_numpy()[ia]
    n_b = rank_summary["count"].to_numpy()[ib]
    mean_a = rank_summary["mean"].to_numpy()[ia]
    mean_b = rank_summary["mean"].to_numpy()[ib]
    z = (mean_a - mean_b) / np.sqrt(rank_variance * (1 / n_a + 1 / n_b))
    p = 2 * stats.norm.sf(np.abs(z))
    rbc = _pairwise_rank_biserial(values, pd.Index(groups).get_indexer(data[between]), ia, ib)
    return pd.DataFrame(
        {
            "group_a": groups[ia],
            "group_b": groups[ib],
            "n_a": n_a,
            "n_b": n_b,
            "mean_rank_a": mean_a,
            "mean_rank_b": mean_b,
            "z": z,
            "p": p,
            "p_adj": adjust_pvalues(p, method=p_adjust),
            "p_adjust": p_adjust,
            "rank_biserial": rbc,
            "method": "Dunn",
        }
    )


def _pairwise_rank_biserial(
    values: np.ndarray, codes: np.ndarray, ia: np.ndarray, ib: np.ndarray
) -> np.ndarray:
    """:func:`rank_biserial` of every pair of groups at once.

    With :math:`H_{ij} = 1[x_i > x_j] + 1[x_i = x_j]/2` over all observations and the group
    indicator matrix :math:`M`, :math:`U = M^\\top H M` holds the Mann-Whitney :math:`U` of
    every ordered pair of groups (pairs favouring the first plus half the ties).
    """
    above = 0.5 * (1 + np.sign(values[:, None] - values[None, :]))
    member = np.zeros((values.size, int(codes.max()) + 1))
    member[np.arange(values.size), codes] = 1.0
    u = member.T @ above @ member
    sizes = member.sum(axis=0)
    return 2 * u[ia, ib] / (sizes[ia] * sizes[ib]) - 1


# --------------------------------------------------------------------------------------------
# One call
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ComparisonResult:
    """Result of :func:`compare_groups`.

    Attributes
    ----------
    omnibus : DataFrame
        One row from :func:`welch_anova` or :func:`kruskal`, plus ``dropped_groups`` (a
        comma-separated list of groups left out for being smaller than ``min_group_size``,
        ``""`` when none) and ``p_adjust``.
    posthoc : DataFrame
        :func:`games_howell` or :func:`dunn` table with a ``p_adj`` and ``p_adjust`` column.
    method : str
        ``"welch"`` or ``"kruskal"``.
    p_adjust : str
        The post hoc p-value adjustment actually applied (``"games-howell"`` for the Tukey-type
        p of Games-Howell).
    dropped_groups : tuple of str
        Groups left out, with their sizes in ``omnibus["dropped_groups"]``.
    """

    omnibus: pd.DataFrame
    posthoc: pd.DataFrame
    method: str
    p_adjust: str
    dropped_groups: tuple[str, ...] = ()


def compare_groups(
    df: pd.DataFrame,
    dv: str = "score_pct",
    between: str = "type",
    method: str = "welch",
    p_adjust: str = "holm",
    min_group_size: int = 2,
) -> ComparisonResult:
    """Compare organisation scores between groups: omnibus test, post hoc tests, effect sizes.

    Parameters
    ----------
    df : DataFrame
        One row per organisation (one round, one dimension).
    dv : str, default "score_pct"
        Outcome column.
    between : str, default "type"
        Grouping column (e.g. ``type``, ``size_class``, ``county``).
    method : {"welch", "kruskal"}, default "welch"
        ``welch``: :func:`welch_anova` + :func:`games_howell`; ``kruskal``: :func:`kruskal` +
        :func:`dunn`.
    p_adjust : {"holm", "bonferroni", "fdr_bh", "none"}, default "holm"
        Adjustment of the Dunn p-values. Games-Howell p-values are Tukey-type family-wise
        p-values already: they are copied to ``p_adj`` unchanged and the result says
        ``p_adjust="games-howell"``.
    min_group_size : int, default 2
        Groups with fewer non-missing observations are dropped before testing and listed in
        ``dropped_groups`` (never silently).

    Returns
    -------
    ComparisonResult
        See :class:`ComparisonResult`.

    Notes
    -----
    The Welch route is the default because group variances of organisation scores differ
    (regions are few and alike, agencies are many and diverse) and the classical F test is not
    robust to that with unequal group sizes.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"type": list("aaabbbcccd"),
    ...                   "score_pct": [1, 2, 3, 2, 4, 6, 5, 8, 9, 7.]})
    >>> res = compare_groups(d)
    >>> res.dropped_groups
    ('d',)
    """
    if method not in ("welch", "kruskal"):
        raise ValueError(f"method={method!r} is not supported; use 'welch' or 'kruskal'")
    _check_p_adjust(p_adjust, "p_adjust")
    if min_group_size < 2:
        raise ValueError(f"min_group_size must be at least 2, got {min_group_size}")
    data = _clean_groups(df, dv, between)
    sizes = data.groupby(between, sort=True, observed=True).size()
    small = sizes[sizes < min_group_size]
    kept = data[~data[between].isin(small.index)]
    dropped_note = ", ".join(f"{g} (n={n})" for g, n in small.items())
    if kept[between].nunique() < 2:
        raise ValueError(
            f"fewer than two groups of {between!r} have at least min_group_size="
            f"{min_group_size} observations (dropped: {dropped_note})"
        )
    if method == "welch":
        omnibus = welch_anova(kept, dv, between)
        posthoc = games_howell(kept, dv, between)
        posthoc["p_adj"] = posthoc["p"]
        applied = "games-howell"
    else:
        omnibus = kruskal(kept, dv, between)
        posthoc = dunn(kept, dv, between, p_adjust=p_adjust)
        applied = p_adjust
    posthoc["p_adjust"] = applied
    omnibus["p_adjust"] = applied
    omnibus["dropped_groups"] = dropped_note
    return ComparisonResult(
        omnibus=omnibus,
        posthoc=posthoc,
        method=method,
        p_adjust=applied,
        dropped_groups=tuple(str(g) for g in small.index),
    )
