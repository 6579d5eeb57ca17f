"""Polychoric correlations of ordinal items (two-step estimation, as R ``psych::polychoric``).

Each item is taken as a coarsened standard normal variable: its thresholds come from its own
marginal distribution, :math:`\\tau_k = \\Phi^{-1}(\\text{cumulative share of codes} \\le
k)`, and the correlation of every item pair maximises the bivariate normal likelihood of the
pair's contingency table with the thresholds held fixed (Olsson 1979, two-step). The cell
probabilities of all item pairs and cells are computed at once: the bivariate normal
distribution function by Gauss-Legendre quadrature of Drezner & Wesolowsky's (1990) single
integral, and the correlations of all pairs together by secant steps on the score (the
derivative of the log-likelihood, whose cell terms are bivariate normal densities), with a
golden-section search of the likelihood for any pair the steps do not settle.

References
----------
Drezner, Z., & Wesolowsky, G. O. (1990). On the computation of the bivariate normal integral.
*Journal of Statistical Computation and Simulation, 35*(1-2), 101-107.

Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation coefficient.
*Psychometrika, 44*(4), 443-460.

Revelle, W. (2022). *psych: Procedures for psychological, psychometric, and personality
research* (R package version 2.2.9).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["polychoric", "thresholds"]

#: Gauss-Legendre nodes of the bivariate normal integral
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)
#: secant steps end when a pair's step is this small (or after _MAX_STEPS steps)
_STEP_TOL = 1e-12
_MAX_STEPS = 30
#: secant steps stay inside (-_RHO_MAX, _RHO_MAX) (the quadrature's own clip)
_RHO_MAX = 0.999999
#: golden-section iterations (pairs the secant steps do not settle): (-1, 1) to about 1e-12
_GOLDEN_ITERATIONS = 60
#: thresholds are clipped here (a category never used gives an infinite threshold)
_CLIP = 8.0
_MAX_CATEGORIES = 8


def _codes(items: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Answers as category indices 0..C-1 over the common range (-1 = missing)."""
    values = items.to_numpy(dtype=float)
    observed = ~np.isnan(values)
    if not observed.any():
        raise ValueError("`items` has no answers.")
    if np.any(values[observed] != np.round(values[observed])):
        raise ValueError("`items` must hold integer answer codes for polychoric correlations.")
    low, high = np.nanmin(values), np.nanmax(values)
    n_categories = int(high - low + 1)
    if n_categories > _MAX_CATEGORIES:
        raise ValueError(
            f"`items` spans {n_categories} answer codes; polychoric correlations are for "
            f"ordinal items with at most {_MAX_CATEGORIES} categories."
        )
    if n_categories < 2:
        raise ValueError("`items` has a single answer code; no correlation can be estimated.")
    codes = np.where(observed, values - low, -1).astype(int)
    return codes, n_categories


def thresholds(items: pd.DataFrame) -> pd.DataFrame:
    """Thresholds of every item from its marginal distribution (psych's ``tau``).

    Returns a DataFrame with one row per threshold (C - 1 rows for C categories over the
    common range of codes) and one column per item: :math:`\\Phi^{-1}` of the cumulative
    share of the item's answers in categories up to that one.
    """
    codes, n_categories = _codes(items)
    return pd.DataFrame(_thresholds(codes, n_categories).T, columns=items.columns)


def _thresholds(codes: np.ndarray, n_categories: int) -> np.ndarray:
    """(items, C - 1) thresholds from each item's answered rows."""
    counts = np.stack([(codes == c).sum(axis=0) for c in range(n_categories)], axis=1)
    shares = np.cumsum(counts, axis=1)[:, :-1] / counts.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        return special.ndtri(shares)


def _bvn_cdf(h: np.ndarray, k: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """P(X <= h, Y <= k) for standard bivariate normal with correlation rho (broadcast).

    :math:`\\Phi_2 = \\Phi(h)\\Phi(k) + \\frac{1}{2\\pi}\\int_0^{\\arcsin\\rho}
    \\exp\\big(-\\frac{h^2 + k^2 - 2hk\\sin\\theta}{2\\cos^2\\theta}\\big)\\,d\\theta`,
    64-point Gauss-Legendre quadrature.
    """
    h, k, rho = np.broadcast_arrays(h, k, rho)
    upper = np.arcsin(np.clip(rho, -0.999999, 0.999999))
    theta = (upper[..., None] / 2) * (_NODES + 1)  # nodes mapped to (0, asin rho)
    sin, cos2 = np.sin(theta), np.cos(theta) ** 2
    hh, kk = h[..., None], k[..., None]
    integrand = np.exp(-(hh**2 + kk**2 - 2 * hh * kk * sin) / (2 * cos2))
    integral = (upper / 2) * np.sum(_WEIGHTS * integrand, axis=-1)
    return special.ndtr(h) * special.ndtr(k) + integral / (2 * np.pi)


def _cells(grid_values: np.ndarray) -> np.ndarray:
    """Cell values (pairs, R, C) from a function's values at the interior threshold grid."""
    return np.diff(np.diff(grid_values, axis=1), axis=2)


def _cell_probabilities(tau_row: np.ndarray, tau_col: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Cell probabilities (pairs, R, C) of the pairs' tables for correlations ``rho``."""
    pairs, n_row = tau_row.shape
    n_col = tau_col.shape[1]
    grid = np.zeros((pairs, n_row + 2, n_col + 2))
    grid[:, 1:-1, 1:-1] = _bvn_cdf(tau_row[:, :, None], tau_col[:, None, :], rho[:, None, None])
    grid[:, -1, 1:-1] = special.ndtr(tau_col)
    grid[:, 1:-1, -1] = special.ndtr(tau_row)
    grid[:, -1, -1] = 1.0
    return _cells(grid)


def _cell_slopes(tau_row: np.ndarray, tau_col: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """d P / d rho of every cell: :math:`\\partial \\Phi_2 / \\partial\\rho = \\phi_2(h, k; \\rho)`.

    The bivariate normal density vanishes where a threshold is infinite (the grid's edges).
    """
    pairs, n_row = tau_row.shape
    h, k = tau_row[:, :, None], tau_col[:, None, :]
    r = rho[:, None, None]
    one_minus = 1.0 - r**2
    grid = np.zeros((pairs, n_row + 2, tau_col.shape[1] + 2))
    grid[:, 1:-1, 1:-1] = np.exp(-(h**2 - 2 * r * h * k + k**2) / (2 * one_minus)) / (
        2 * np.pi * np.sqrt(one_minus)
    )
    return _cells(grid)


def _score(rho, tau_row, tau_col, shares) -> np.ndarray:
    """d/d rho of :func:`_objective` for every pair (cells with P <= 0 left out, as there)."""
    prob = _cell_probabilities(tau_row, tau_col, rho)
    slope = _cell_slopes(tau_row, tau_col, rho)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        terms = np.where(prob > 0, shares * slope / np.where(prob > 0, prob, 1.0), 0.0)
    return -np.sum(terms, axis=(1, 2))


def _objective(rho, tau_row, tau_col, shares) -> np.ndarray:
    """-sum(share x log P) of every pair (psych's ``polyF``; cells with P <= 0 left out)."""
    prob = _cell_probabilities(tau_row, tau_col, rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_prob = np.where(prob > 0, np.log(np.where(prob > 0, prob, 1.0)), 0.0)
    return -np.sum(shares * log_prob, axis=(1, 2))


def polychoric(items: pd.DataFrame | np.ndarray) -> pd.DataFrame:
    """Polychoric correlation matrix of ordinal items.

    Parameters
    ----------
    items : DataFrame or 2-D array
        One row per respondent, one column per item, integer answer codes (at most 8
        categories over the common range); NaN = missing.

    Returns
    -------
    pandas.DataFrame
        The p x p correlation matrix (items as index and columns).

    Notes
    -----
    As ``psych::polychoric(x)$rho`` with its defaults (``global = TRUE``): thresholds of
    each item from all its answers (:func:`thresholds`), the table of each pair from the
    respondents who answered both, shares rather than counts, and the correlation in
    (-1, 1) that minimises :math:`-\\sum_{ab} p_{ab} \\log P_{ab}(\\rho)` with
    :math:`P_{ab}` the bivariate normal probability of cell (a, b). psych stops its
    one-dimensional search (``optimize``) at a tolerance of about 1e-4; this function
    solves the score equation (the likelihood's derivative is zero) to about 1e-12, so the
    two agree to about 1e-4. psych switches to
    pairwise thresholds with a continuity correction when the items do not all use the top
    code; this function keeps the global thresholds. psych smooths a matrix that is not
    positive definite (``smooth = TRUE``); this function returns it as estimated. The last
    64 matrices are kept, by the SHA-256 of the answer codes, so asking again for the same
    items (ordinal alpha and then ordinal omega of a scale) costs nothing.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> z = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], size=2000)
    >>> x = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1, columns=["a", "b"])
    >>> round(float(polychoric(x).loc["a", "b"]), 1)
    0.6
    """
    frame = items if isinstance(items, pd.DataFrame) else pd.DataFrame(np.asarray(items))
    if frame.shape[1] < 2:
        raise ValueError("`items` needs at least two item columns.")
    codes, n_categories = _codes(frame)
    key = (hashlib.sha256(codes.tobytes()).hexdigest(), codes.shape, codes.dtype.str, n_categories)
    if key not in _ESTIMATED:  # reliability tables ask twice per scale (alpha and omega)
        if len(_ESTIMATED) >= _KEEP:
            _ESTIMATED.pop(next(iter(_ESTIMATED)))
        _ESTIMATED[key] = _estimate(codes, n_categories)
    matrix = _ESTIMATED[key].copy()
    return pd.DataFrame(matrix, index=frame.columns, columns=frame.columns)


#: Matrices estimated in this process, by the SHA-256 of the answer codes (a few kept).
_ESTIMATED: dict[tuple, np.ndarray] = {}
_KEEP = 64


def _estimate(codes: np.ndarray, n_categories: int) -> np.ndarray:
    """The polychoric matrix of integer codes (see :func:`polychoric`)."""
    p = codes.shape[1]
    rows, cols = np.tril_indices(p, -1)
    rho = _root_of_score(_pairs(codes, n_categories))
    matrix = np.eye(p)
    matrix[rows, cols] = rho
    matrix[cols, rows] = rho
    return matrix


def _pairs(codes: np.ndarray, n_categories: int) -> tuple:
    """Row thresholds, column thresholds and table shares of every item pair (lower triangle)."""
    tau = np.clip(_thresholds(codes, n_categories), -_CLIP, _CLIP)
    p = codes.shape[1]
    rows, cols = np.tril_indices(p, -1)
    # pair tables: one-hot answers, so every pair's table is one matrix product
    onehot = np.stack([codes == c for c in range(n_categories)], axis=2).astype(float)
    flat = onehot.reshape(len(onehot), -1)
    tables = (flat.T @ flat).reshape(p, n_categories, p, n_categories).transpose(0, 2, 1, 3)
    tables = tables[rows, cols]  # (pairs, C, C)
    totals = tables.sum(axis=(1, 2))
    if np.any(totals == 0):
        raise ValueError("some item pairs have no respondent answering both.")
    return tau[rows], tau[cols], tables / totals[:, None, None]


def _pearson(shares: np.ndarray) -> np.ndarray:
    """Pearson correlation of the category numbers of every pair's table (the start value)."""
    codes = np.arange(shares.shape[1], dtype=float)
    row, col = shares.sum(axis=2), shares.sum(axis=1)
    mean_r, mean_c = row @ codes, col @ codes
    var_r, var_c = row @ codes**2 - mean_r**2, col @ codes**2 - mean_c**2
    cov = np.einsum("a,nab,b->n", codes, shares, codes) - mean_r * mean_c
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = cov / np.sqrt(var_r * var_c)
    return np.clip(np.nan_to_num(rho), -0.9, 0.9)


def _root_of_score(args: tuple) -> np.ndarray:
    """Correlation of every pair where its score is zero: secant steps, golden section if not.

    The likelihood of a pair's table is largest where its score (:func:`_score`) is zero.
    Secant steps from the Pearson correlation of the table's category numbers (close to the
    polychoric one) reach that point in some six to ten steps, each one quadrature of all
    cells; a golden-section search on the likelihood needs sixty. A pair whose step leaves
    (-0.999999, 0.999999) starts again from 0; a pair that has not settled after
    ``_MAX_STEPS`` steps, or settles where the likelihood is smallest rather than largest,
    is searched by golden section (:func:`_golden_section`), as before.
    """
    x0 = _pearson(args[2])
    x1 = x0 + np.where(x0 < 0, 0.01, -0.01)
    f0, f1 = _score(x0, *args), _score(x1, *args)
    converged = np.zeros(len(x0), dtype=bool)
    for _ in range(_MAX_STEPS):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            step = np.where(converged, 0.0, -f1 * (x1 - x0) / (f1 - f0))
        x0, f0, x1 = x1, f1, x1 + np.nan_to_num(step, nan=np.inf)
        bad = ~np.isfinite(x1) | (np.abs(x1) >= _RHO_MAX)
        x1 = np.where(bad, 0.0, x1)  # a step out of range: start again from 0
        f1 = _score(x1, *args)
        converged |= (np.abs(step) < _STEP_TOL) & ~bad
        if np.all(converged | bad):
            break
    with np.errstate(invalid="ignore", divide="ignore"):
        rising = (f1 - f0) / (x1 - x0) > 0  # a minimum of -log L, not a maximum
    good = converged & (rising | (x1 == x0))
    rho = x1.copy()
    if not good.all():
        rest = ~good
        rho[rest] = _golden_section(tuple(a[rest] for a in args))
    return rho


def _golden_section(args: tuple) -> np.ndarray:
    """Golden-section search of the likelihood over (-1, 1) for every pair (to about 1e-12)."""
    n = len(args[2])
    low, high = np.full(n, -1.0), np.full(n, 1.0)
    golden = (np.sqrt(5) - 1) / 2
    a, b = high - golden * (high - low), low + golden * (high - low)
    fa, fb = _objective(a, *args), _objective(b, *args)
    for _ in range(_GOLDEN_ITERATIONS):  # all pairs narrowed together
        left = fa < fb
        high = np.where(left, b, high)
        low = np.where(left, low, a)
        new_a, new_b = high - golden * (high - low), low + golden * (high - low)
        a, b = np.where(left, new_a, b), np.where(left, a, new_b)
        evaluate = np.where(left, a, b)
        f_new = _objective(evaluate, *args)
        fa, fb = np.where(left, f_new, fb), np.where(left, fa, f_new)
    return (low + high) / 2
