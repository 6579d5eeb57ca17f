"""Internal consistency of the item scales: Cronbach's alpha, McDonald's omega, item analysis.

The functions follow R ``psych::alpha`` (Revelle; version 2.2.9 checked) so that a Python
result can be set next to a published psych table: the covariance matrix is computed from
pairwise complete observations (psych's default ``use = "pairwise"``), raw alpha comes from the
covariance matrix, standardised alpha from the correlation matrix derived from it, and the
corrected item-total correlation ``r_drop`` and ``alpha_if_deleted`` are computed from that same
matrix. The tests reproduce psych to 1e-6 on complete data and on data with missing answers.

References
----------
Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. *Psychometrika,
16*(3), 297-334.

Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for coefficient
alpha. *Applied Psychological Measurement, 11*(1), 93-103.

McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.

Revelle, W. (2022). *psych: Procedures for psychological, psychometric, and personality
research* (R package version 2.2.9).

Jöreskog, K. G. (1967). Some contributions to maximum likelihood factor analysis.
*Psychometrika, 32*(4), 443-482.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

__all__ = [
    "AlphaResult",
    "cronbach_alpha",
    "item_analysis",
    "omega_total",
    "reliability_table",
]

#: corrected item-total correlations below this are flagged in :func:`item_analysis`
LOW_R_DROP = 0.30
#: lower bound of the uniquenesses in the ML factor fit (as in psych::fa and factanal)
_MIN_UNIQUENESS = 0.005


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha with its confidence intervals.

    Attributes
    ----------
    alpha : float
        Raw alpha from the covariance matrix (psych ``raw_alpha``).
    std_alpha : float
        Standardised alpha from the correlation matrix (psych ``std.alpha``).
    ci_low, ci_high : float
        Feldt confidence interval of raw alpha (psych ``alpha$feldt``).
    boot_ci_low, boot_ci_high : float
        Percentile bootstrap interval over respondents; NaN when ``n_boot`` is 0.
    ci_level : float
        Confidence level of both intervals.
    n_boot : int
        Number of bootstrap resamples (0 = none).
    n_items : int
        Number of items.
    n_obs : int
        Number of respondents (rows with at least one answer).
    method : str
        ``"pearson"`` (Cronbach's alpha) or ``"polychoric"`` (ordinal alpha: alpha and
        std_alpha are both the standardised alpha of the polychoric correlation matrix, and
        there is no interval).
    """

    alpha: float
    std_alpha: float
    ci_low: float
    ci_high: float
    boot_ci_low: float
    boot_ci_high: float
    ci_level: float
    n_boot: int
    n_items: int
    n_obs: int
    method: str = "pearson"

    def to_frame(self) -> pd.DataFrame:
        """Tidy form: one row per estimate and interval method.

        Returns
        -------
        pandas.DataFrame
            Columns ``measure`` (``raw_alpha`` or ``std_alpha``), ``estimate``, ``ci_low``,
            ``ci_high``, ``ci_level``, ``method`` (``feldt``, ``bootstrap_percentile`` or
            ``none``), ``n_items``, ``n_obs``. The bootstrap row is present only when
            ``n_boot > 0``.
        """
        rows = [("raw_alpha", self.alpha, self.ci_low, self.ci_high, "feldt")]
        if self.n_boot > 0:
            rows.append(
                (
                    "raw_alpha",
                    self.alpha,
                    self.boot_ci_low,
                    self.boot_ci_high,
                    "bootstrap_percentile",
                )
            )
        rows.append(("std_alpha", self.std_alpha, np.nan, np.nan, "none"))
        frame = pd.DataFrame(rows, columns=["measure", "estimate", "ci_low", "ci_high", "method"])
        frame.insert(4, "ci_level", self.ci_level)
        return frame.assign(n_items=self.n_items, n_obs=self.n_obs)


# --------------------------------------------------------------------------------------------
# shared building blocks
# --------------------------------------------------------------------------------------------


def _as_item_frame(items: object, min_items: int = 2) -> pd.DataFrame:
    """Items as a float DataFrame without all-missing rows; clear errors otherwise."""
    if isinstance(items, pd.DataFrame):
        frame = items
    else:
        array = np.asarray(items)
        if array.ndim != 2:
            raise ValueError("`items` must be two-dimensional: respondents x items.")
        frame = pd.DataFrame(array, columns=[f"item_{j + 1}" for j in range(array.shape[1])])
    try:
        frame = frame.astype(float)
    except (TypeError, ValueError) as error:
        raise TypeError("`items` must be numeric (answers, NaN for missing).") from error
    if frame.shape[1] < min_items:
        raise ValueError(f"`items` needs at least {min_items} item columns, got {frame.shape[1]}.")
    frame = frame.loc[frame.notna().any(axis=1)]
    if len(frame) < 3:
        raise ValueError(f"`items` needs at least 3 respondents with answers, got {len(frame)}.")
    return frame


def _pairwise_covariances(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Covariance matrices from pairwise complete observations, one per row of ``weights``.

    ``values`` is n x p with NaN for missing; ``weights`` is B x n (1 = row used once; bootstrap
    counts for resamples). Every entry (i, j) uses the rows where both items are answered, with
    means over those rows and denominator (count - 1), as R ``cov(x, use = "pairwise")``.
    Returns B x p x p; entries with fewer than two pairs are NaN. The B sums are three matrix
    products, so resamples are not looped over.
    """
    n_rows, n_items = values.shape
    observed = ~np.isnan(values)
    # shifting by the column means leaves every covariance unchanged and keeps sums small
    centred = np.where(observed, values - np.nanmean(values, axis=0), 0.0)
    mask = observed.astype(float)
    pair_count = (mask[:, :, None] * mask[:, None, :]).reshape(n_rows, -1)
    pair_sum = (centred[:, :, None] * mask[:, None, :]).reshape(n_rows, -1)
    cross = (centred[:, :, None] * centred[:, None, :]).reshape(n_rows, -1)
    shape = (weights.shape[0], n_items, n_items)
    count = (weights @ pair_count).reshape(shape)
    sum_i = (weights @ pair_sum).reshape(shape)  # sum of item i over rows with i and j
    sum_j = np.swapaxes(sum_i, 1, 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        covariance = ((weights @ cross).reshape(shape) - sum_i * sum_j / count) / (count - 1)
    return np.where(count >= 2, covariance, np.nan)


def _alpha_from_covariance(covariance: np.ndarray) -> np.ndarray:
    """Raw alpha p/(p-1) (1 - tr C / sum C) of one or a stack of covariance matrices."""
    n_items = covariance.shape[-1]
    trace = np.trace(covariance, axis1=-2, axis2=-1)
    total = covariance.sum(axis=(-2, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return n_items / (n_items - 1) * (1.0 - trace / total)


def _correlation_from_covariance(covariance: np.ndarray) -> np.ndarray:
    """cov2cor: the correlation matrix psych uses for std.alpha."""
    scale = np.sqrt(np.diag(covariance))
    with np.errstate(divide="ignore", invalid="ignore"):
        return covariance / np.outer(scale, scale)


def _feldt_interval(alpha: float, n_obs: int, n_items: int, ci: float) -> tuple[float, float]:
    """Feldt et al. (1987) interval, as ``psych::alpha.ci`` (used for ``alpha$feldt``)."""
    tail = (1.0 - ci) / 2.0
    dfn, dfd = n_obs - 1, (n_obs - 1) * (n_items - 1)
    low = 1.0 - (1.0 - alpha) * stats.f.ppf(1.0 - tail, dfn, dfd)
    high = 1.0 - (1.0 - alpha) * stats.f.ppf(tail, dfn, dfd)
    return float(low), float(high)


# --------------------------------------------------------------------------------------------
# alpha
# --------------------------------------------------------------------------------------------


def cronbach_alpha(
    items: pd.DataFrame | np.ndarray,
    ci: float = 0.95,
    n_boot: int = 0,
    seed: int = 0,
    method: str = "pearson",
) -> AlphaResult:
    """Cronbach's alpha (raw and standardised) with Feldt and optional bootstrap intervals.

    Parameters
    ----------
    items : DataFrame or 2-D array
        One row per respondent, one numeric column per item (already reverse-keyed); NaN =
        missing / don't know. Rows without any answer are dropped.
    ci : float, default 0.95
        Confidence level of the intervals.
    n_boot : int, default 0
        Number of bootstrap resamples of respondents for the percentile interval; 0 = none.
    seed : int, default 0
        Seed of the ``numpy.random.Generator`` that draws the resamples.
    method : {"pearson", "polychoric"}, default "pearson"
        ``"polychoric"``: ordinal alpha (Zumbo, Gadermann & Zeisser 2007), the standardised
        alpha p/(p - 1) (1 - p / sum R) of the polychoric correlation matrix R
        (:func:`dimios_research.stats.polychoric.polychoric`), as ``psych::alpha(
        polychoric(x)$rho)$total$raw_alpha``; ``alpha`` and ``std_alpha`` are then equal
        and the intervals NaN (the Feldt interval assumes Pearson covariances; no bootstrap).

    Returns
    -------
    AlphaResult
        ``alpha``, ``std_alpha``, Feldt ``ci_low``/``ci_high``, bootstrap
        ``boot_ci_low``/``boot_ci_high`` (NaN when ``n_boot`` is 0), ``ci_level``,
        ``n_boot``, ``n_items``, ``n_obs``; ``to_frame()`` gives the tidy table.

    Notes
    -----
    With C the covariance matrix of the p items from pairwise complete observations (psych's
    default ``use = "pairwise"``), raw alpha = p/(p - 1) (1 - tr C / sum C); with R = cov2cor(C),
    standardised alpha = p/(p - 1) (1 - p / sum R). These are ``psych::alpha(x)$total$raw_alpha``
    and ``std.alpha``.

    The Feldt interval treats (1 - alpha) / (1 - alpha_hat) as F-distributed with n - 1 and
    (n - 1)(p - 1) degrees of freedom: [1 - (1 - alpha_hat) F_{1-a/2}, 1 - (1 - alpha_hat)
    F_{a/2}], as ``psych::alpha.ci`` with n the number of respondents (rows with any answer;
    psych counts every row, which is the same unless rows are entirely empty).

    The bootstrap draws ``n_boot`` resamples of respondents with replacement as multinomial
    counts (one B x n matrix), recomputes the pairwise covariance matrix of every resample with
    three matrix products, and reports the (1 - ci)/2 and (1 + ci)/2 percentiles of raw alpha.
    Memory grows with ``n_boot`` x respondents. Resamples where a pair of items has fewer than
    two joint answers are skipped.

    References
    ----------
    Cronbach (1951); Feldt, Woodruff & Salih (1987); Revelle (2022), ``psych::alpha``.

    Examples
    --------
    >>> items = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 4], "q3": [1, 3, 3, 4, 5]})
    >>> round(cronbach_alpha(items).alpha, 4)
    0.9451
    """
    if not 0 < ci < 1:
        raise ValueError(f"`ci` must be between 0 and 1, got {ci}.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"`n_boot` must be a non-negative integer, got {n_boot!r}.")
    if method not in ("pearson", "polychoric"):
        raise ValueError(f"`method` must be 'pearson' or 'polychoric', got {method!r}.")
    frame = _as_item_frame(items)
    if method == "polychoric":
        if n_boot:
            raise ValueError("`n_boot` must be 0 with method='polychoric' (no bootstrap).")
        return _ordinal_alpha(frame, ci)
    values = frame.to_numpy()
    n_obs, n_items = values.shape
    covariance = frame.cov(ddof=1).to_numpy()  # pairwise complete, as R cov(use="pairwise")
    alpha = float(_alpha_from_covariance(covariance))
    correlation = _correlation_from_covariance(covariance)
    std_alpha = float(n_items / (n_items - 1) * (1.0 - n_items / correlation.sum()))
    ci_low, ci_high = _feldt_interval(alpha, n_obs, n_items, ci)
    boot_low = boot_high = np.nan
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        counts = rng.multinomial(n_obs, np.full(n_obs, 1.0 / n_obs), size=n_boot)
        replicates = _alpha_from_covariance(_pairwise_covariances(values, counts.astype(float)))
        tail = (1.0 - ci) / 2.0
        boot_low, boot_high = np.nanquantile(replicates, [tail, 1.0 - tail])
    return AlphaResult(
        alpha=alpha,
        std_alpha=std_alpha,
        ci_low=ci_low,
        ci_high=ci_high,
        boot_ci_low=float(boot_low),
        boot_ci_high=float(boot_high),
        ci_level=float(ci),
        n_boot=int(n_boot),
        n_items=int(n_items),
        n_obs=int(n_obs),
    )


def _ordinal_alpha(frame: pd.DataFrame, ci: float) -> AlphaResult:
    """Standardised alpha of the polychoric correlation matrix (ordinal alpha)."""
    from .polychoric import polychoric

    correlation = polychoric(frame).to_numpy()
    n_obs, n_items = frame.shape
    alpha = float(n_items / (n_items - 1) * (1.0 - n_items / correlation.sum()))
    return AlphaResult(
        alpha=alpha,
        std_alpha=alpha,
        ci_low=np.nan,
        ci_high=np.nan,
        boot_ci_low=np.nan,
        boot_ci_high=np.nan,
        ci_level=float(ci),
        n_boot=0,
        n_items=int(n_items),
        n_obs=int(n_obs),
        method="polychoric",
    )


def item_analysis(items: pd.DataFrame | np.ndarray) -> pd.DataFrame:
    """Item statistics, corrected item-total correlations and alpha if an item is deleted.

    Parameters
    ----------
    items : DataFrame or 2-D array
        One row per respondent, one numeric column per item (at least two); NaN = missing.

    Returns
    -------
    pandas.DataFrame
        Indexed by item (the column names):

        - ``mean``, ``sd``: item mean and standard deviation (n - 1) over its answers;
        - ``n``: number of answers to the item;
        - ``missing_share``: share of respondents (rows with any answer) without an answer;
        - ``r_drop``: correlation of the item with the sum of the other items
          (psych ``item.stats$r.drop``);
        - ``alpha_if_deleted``: raw alpha of the other items (psych ``alpha.drop$raw_alpha``);
          NaN with two items, where one item has no alpha (psych prints a covariance ratio);
        - ``low_r_drop``: ``r_drop < 0.30``, the item discriminates weakly;
        - ``possible_reverse_key``: ``r_drop < 0``, the item runs against the scale and was
          probably not reverse-keyed.

    Notes
    -----
    As in psych, r_drop comes from the pairwise covariance matrix C, not from row totals:
    r_drop_i = (sum_j C_ij - C_ii) / sqrt(C_ii * sum_{j,k != i} C_jk), and alpha-if-deleted is
    raw alpha of C without row and column i. With complete data this equals the Pearson
    correlation of the item with the sum of the remaining items.

    Examples
    --------
    >>> items = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 4],
    ...                       "q3": [1, 3, 3, 4, 5], "q4": [5, 4, 3, 2, 2]})
    >>> item_analysis(items)["possible_reverse_key"].tolist()
    [False, False, False, True]
    """
    frame = _as_item_frame(items)
    n_obs, n_items = frame.shape
    covariance = frame.cov(ddof=1).to_numpy()  # pairwise complete, as R cov(use="pairwise")
    variance = np.diag(covariance)
    column_sum = covariance.sum(axis=0)
    rest_total = covariance.sum() - 2.0 * column_sum + variance  # sum of C without item i
    with np.errstate(divide="ignore", invalid="ignore"):
        r_drop = (column_sum - variance) / np.sqrt(variance * rest_total)
    if n_items > 2:
        alpha_if_deleted = np.array(
            [
                _alpha_from_covariance(np.delete(np.delete(covariance, i, 0), i, 1))
                for i in range(n_items)
            ]
        )
    else:  # one remaining item has no alpha
        alpha_if_deleted = np.full(n_items, np.nan)
    answered = frame.notna().sum()
    table = pd.DataFrame(
        {
            "mean": frame.mean(),
            "sd": frame.std(ddof=1),
            "n": answered,
            "missing_share": 1.0 - answered / n_obs,
            "r_drop": r_drop,
            "alpha_if_deleted": alpha_if_deleted,
        },
        index=frame.columns,
    )
    table["low_r_drop"] = table["r_drop"] < LOW_R_DROP
    table["possible_reverse_key"] = table["r_drop"] < 0
    table.index.name = "item"
    return table


# --------------------------------------------------------------------------------------------
# omega
# --------------------------------------------------------------------------------------------


def _ml_objective(uniqueness: np.ndarray, correlation: np.ndarray) -> tuple[float, np.ndarray]:
    """ML discrepancy of a one-factor model for given uniquenesses, and its gradient.

    Same concentrated likelihood as R ``factanal`` and ``psych::fa(fm = "ml")``: with
    S* = Psi^-1/2 S Psi^-1/2 and eigenvalues e_1 >= ... >= e_p, the discrepancy is
    -sum_{k > 1} (log e_k - e_k) - 1 + p. The gradient is diag(Lambda Lambda' + Psi - S) / Psi^2.
    """
    scale = 1.0 / np.sqrt(uniqueness)
    scaled = correlation * np.outer(scale, scale)
    eigenvalues, eigenvectors = np.linalg.eigh(scaled)  # ascending order
    rest = eigenvalues[:-1]
    if np.any(rest <= 0):
        return np.inf, np.zeros_like(uniqueness)
    value = -(np.sum(np.log(rest) - rest) - 1.0 + correlation.shape[0])
    loading = np.sqrt(uniqueness) * eigenvectors[:, -1] * np.sqrt(max(eigenvalues[-1] - 1, 0))
    gradient = (loading**2 + uniqueness - np.diag(correlation)) / uniqueness**2
    return float(value), gradient


def _one_factor_loadings(correlation: np.ndarray) -> np.ndarray:
    """Maximum-likelihood loadings of a one-factor model fitted to a correlation matrix."""
    if np.linalg.eigvalsh(correlation)[0] <= 0:
        raise ValueError(
            "The pairwise correlation matrix of `items` is not positive definite; the ML "
            "factor model cannot be fitted (too few joint answers or redundant items)."
        )
    start = 1.0 - 0.5 / correlation.shape[0]
    start = start / np.diag(np.linalg.inv(correlation))  # factanal's and psych's start values
    fit = optimize.minimize(
        _ml_objective,
        np.clip(start, _MIN_UNIQUENESS, 1.0),
        args=(correlation,),
        jac=True,
        method="L-BFGS-B",
        bounds=[(_MIN_UNIQUENESS, 1.0)] * correlation.shape[0],
        options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000},
    )
    uniqueness = fit.x
    scale = 1.0 / np.sqrt(uniqueness)
    eigenvalues, eigenvectors = np.linalg.eigh(correlation * np.outer(scale, scale))
    loading = np.sqrt(uniqueness) * eigenvectors[:, -1] * np.sqrt(max(eigenvalues[-1] - 1, 0))
    return loading if loading.sum() >= 0 else -loading  # the sign of a factor is arbitrary


def omega_total(items: pd.DataFrame | np.ndarray, method: str = "pearson") -> float:
    """McDonald's omega total from a one-factor maximum-likelihood model.

    Parameters
    ----------
    items : DataFrame or 2-D array
        One row per respondent, one numeric column per item (at least three; reverse-keyed);
        NaN = missing.
    method : {"pearson", "polychoric"}, default "pearson"
        Correlation matrix the factor model is fitted to: pairwise Pearson, or polychoric
        (ordinal omega, Zumbo, Gadermann & Zeisser 2007; the tests match the omega computed
        from ``psych::fa(polychoric(x)$rho, nfactors = 1, fm = "ml")`` loadings to 1e-3).

    Returns
    -------
    float
        omega_total = (sum lambda)^2 / ((sum lambda)^2 + sum psi), with lambda the standardised
        loadings and psi = 1 - lambda^2 the uniquenesses.

    Notes
    -----
    The model is fitted to the correlation matrix of pairwise complete observations (R
    ``cor(x, use = "pairwise")``) by maximum likelihood: the uniquenesses minimise the
    concentrated ML discrepancy of Jöreskog (1967), the same objective, start values and lower
    bound 0.005 as R ``factanal`` and ``psych::fa(x, nfactors = 1, fm = "ml")``, with scipy's
    L-BFGS-B and an analytic gradient to a tight tolerance. The tests match the omega computed
    from ``psych::fa`` loadings to 1e-6 (and from ``factanal`` with ``factr = 1`` to 1e-7).

    This is the model-based omega: the denominator is the variance implied by the factor
    model. ``psych::omega(x, nfactors = 1)$omega.tot`` divides by the observed total variance
    sum(R) instead and fits by minimum residuals, so it differs slightly when the model does
    not fit exactly. At least three items are needed for a one-factor model to be identified.

    References
    ----------
    McDonald (1999); Jöreskog (1967).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> factor = rng.normal(size=(500, 1))
    >>> items = factor * 0.7 + rng.normal(size=(500, 4)) * np.sqrt(1 - 0.49)
    >>> round(omega_total(items), 2)
    0.77
    """
    if method not in ("pearson", "polychoric"):
        raise ValueError(f"`method` must be 'pearson' or 'polychoric', got {method!r}.")
    frame = _as_item_frame(items, min_items=3)
    if method == "polychoric":
        from .polychoric import polychoric

        correlation = polychoric(frame).to_numpy()
    else:
        correlation = frame.corr(method="pearson").to_numpy()
    if np.isnan(correlation).any():
        raise ValueError("Some item pairs have too few joint answers for a correlation.")
    loading = _one_factor_loadings(correlation)
    common = loading.sum() ** 2
    return float(common / (common + np.sum(1.0 - loading**2)))


# --------------------------------------------------------------------------------------------
# table over the scale units
# --------------------------------------------------------------------------------------------


def reliability_table(
    answers: pd.DataFrame,
    items: pd.DataFrame,
    *,
    levels: Sequence[str] = ("capability", "category", "dimension"),
    ci: float = 0.95,
) -> pd.DataFrame:
    """Alpha, omega and item diagnostics for every unit of every level of the instrument.

    Parameters
    ----------
    answers : pandas.DataFrame
        Wide answers, one row per respondent (and round), one numeric column per item id,
        already reverse-keyed; other columns are ignored.
    items : pandas.DataFrame
        Codebook items: ``item_id`` plus one column per entry of ``levels``.
    levels : sequence of str, default ("capability", "category", "dimension")
        The levels whose units (capabilities, categories, dimensions) are scales.
    ci : float, default 0.95
        Level of the Feldt interval.

    Returns
    -------
    pandas.DataFrame
        One row per level x unit (codebook order):

        - ``level``, ``unit``;
        - ``n_items``: items of the unit;
        - ``n_obs``: respondents with at least one answer on the unit;
        - ``alpha``, ``std_alpha``, ``ci_low``, ``ci_high``: :func:`cronbach_alpha` (Feldt);
        - ``omega_total``: :func:`omega_total`;
        - ``n_low_r_drop``: items with ``r_drop < 0.30`` (:func:`item_analysis`);
        - ``note``: a code saying why a statistic is NaN (empty when all are computed):
          ``too_few_items_alpha`` (fewer than 2 items), ``too_few_items_omega`` (fewer
          than 3: a one-factor omega is not identified), ``omega_not_computed`` (the
          one-factor fit failed).

    Notes
    -----
    A unit with one item has no internal consistency (alpha, omega and item statistics NaN);
    a unit with two items gets alpha but no omega, since a one-factor model needs at least
    three items to be identified. A unit whose pairwise correlation matrix cannot be fitted
    gets NaN omega with the reason in ``note``. One loop runs over the handful of units.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> answers = pd.DataFrame(rng.integers(1, 6, size=(30, 4)), columns=["a", "b", "c", "d"])
    >>> items = pd.DataFrame({"item_id": ["a", "b", "c", "d"],
    ...                       "capability": ["c1", "c1", "c1", "c2"], "dimension": ["d"] * 4})
    >>> reliability_table(answers, items, levels=("capability",))[["unit", "n_items"]]
      unit  n_items
    0   c1        3
    1   c2        1
    """
    levels = list(levels)
    if not isinstance(answers, pd.DataFrame) or not isinstance(items, pd.DataFrame):
        raise TypeError("`answers` and `items` must be pandas DataFrames.")
    absent = [column for column in ["item_id", *levels] if column not in items.columns]
    if absent:
        raise ValueError(f"`items` lacks required column(s) {absent}.")
    unknown = [item for item in items["item_id"] if item not in answers.columns]
    if unknown:
        raise ValueError(f"`answers` lacks item columns {unknown[:5]} listed in `items`.")
    rows = []
    for level in levels:
        for unit, unit_items in items.groupby(level, sort=False)["item_id"]:
            rows.append(
                {"level": level, "unit": unit, **_unit_reliability(answers[list(unit_items)], ci)}
            )
    columns = ["level", "unit", "n_items", "n_obs", "alpha", "std_alpha", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=[*columns, "omega_total", "n_low_r_drop", "note"])


def _unit_reliability(unit_answers: pd.DataFrame, ci: float) -> dict[str, object]:
    """The statistics of one unit, NaN with a note where they are undefined."""
    n_items = unit_answers.shape[1]
    n_obs = int(unit_answers.notna().any(axis=1).sum())
    row: dict[str, object] = {
        "n_items": n_items,
        "n_obs": n_obs,
        "alpha": np.nan,
        "std_alpha": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "omega_total": np.nan,
        "n_low_r_drop": pd.NA,
        "note": "",
    }
    if n_items < 2:
        row["note"] = "too_few_items_alpha"
        return row
    result = cronbach_alpha(unit_answers, ci=ci)
    row.update(
        alpha=result.alpha,
        std_alpha=result.std_alpha,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        n_low_r_drop=int(item_analysis(unit_answers)["low_r_drop"].sum()),
    )
    if n_items < 3:
        row["note"] = "too_few_items_omega"
        return row
    try:
        row["omega_total"] = omega_total(unit_answers)
    except ValueError:
        row["note"] = "omega_not_computed"
    return row
