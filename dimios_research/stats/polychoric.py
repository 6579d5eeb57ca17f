"""Polychoric correlations of ordinal items (two-step estimation, as R ``psych::polychoric``).

Each item is taken as a coarsened standard normal variable: its thresholds come from its own
marginal distribution, :math:`\\tau_k = \\Phi^{-1}(\\text{cumulative share of codes} \\le
k)`, and the correlation of every item pair maximises the bivariate normal likelihood of the
pair's contingency table with the thresholds held fixed (Olsson 1979, two-step). The cell
probabilities of all item pairs and cells are computed at once: the bivariate normal
distribution function by Gauss-Legendre quadrature of Drezner & Wesolowsky's (1990) single
integral, and the correlations of all pairs by one vectorised golden-section search.

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
#: golden-section iterations: the bracket (-1, 1) shrinks to about 1e-12
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


def _cell_probabilities(tau_row: np.ndarray, tau_col: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Cell probabilities (pairs, R, C) of the pairs' tables for correlations ``rho``."""
    pairs, n_row = tau_row.shape
    n_col = tau_col.shape[1]
    grid = np.zeros((pairs, n_row + 2, n_col + 2))
    grid[:, 1:-1, 1:-1] = _bvn_cdf(tau_row[:, :, None], tau_col[:, None, :], rho[:, None, None])
    grid[:, -1, 1:-1] = special.ndtr(tau_col)
    grid[:, 1:-1, -1] = special.ndtr(tau_row)
    grid[:, -1, -1] = 1.0
    return np.diff(np.diff(grid, axis=1), axis=2)


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
    narrows the bracket to about 1e-12, so the two agree to about 1e-4. psych switches to
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
    shares = tables / totals[:, None, None]
    low, high = np.full(len(rows), -1.0), np.full(len(rows), 1.0)
    golden = (np.sqrt(5) - 1) / 2
    args = (tau[rows], tau[cols], shares)
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
    rho = (low + high) / 2
    matrix = np.eye(p)
    matrix[rows, cols] = rho
    matrix[cols, rows] = rho
    return matrix
