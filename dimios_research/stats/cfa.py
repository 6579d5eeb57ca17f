"""Confirmatory factor analysis of the instrument and measurement invariance across rounds.

One factor per unit of a codebook level (the six categories by default), every item loading on
the factor of its unit only, factors correlated, residuals uncorrelated; maximum likelihood
with the factor variances fixed at 1 (lavaan's ``std.lv = TRUE``). Missing answers (don't
know, blank) are handled by full-information maximum likelihood (FIML, the default) or by
listwise deletion. :func:`measurement_invariance` fits the same model to several rounds at
once with free (configural), equal loadings (metric) and equal loadings and intercepts
(scalar).

The estimation is this module's own: the ML discrepancy and its analytic gradient with
respect to every parameter (Jöreskog 1969), minimised by L-BFGS (scipy); FIML uses the
casewise likelihood of the observed answers (Arbuckle 1996) with the inverse of each
respondent's observed block obtained from the full inverse by a Schur complement of the
(few) missing items, so that no loop runs over respondents. The saturated model under missing
data is fitted by the EM algorithm. Fit indices follow lavaan 0.6 (Rosseel 2012); the tests
reproduce lavaan's fit indices and standardised loadings to 1e-3.

References
----------
Arbuckle, J. L. (1996). Full information estimation in the presence of incomplete data. In
G. A. Marcoulides & R. E. Schumacker (Eds.), *Advanced structural equation modeling* (pp.
243-277). Erlbaum.

Bentler, P. M. (1990). Comparative fit indexes in structural models. *Psychological Bulletin,
107*(2), 238-246.

Browne, M. W., & Cudeck, R. (1993). Alternative ways of assessing model fit. In K. A. Bollen &
J. S. Long (Eds.), *Testing structural equation models* (pp. 136-162). Sage.

Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement invariance.
*Structural Equation Modeling, 14*(3), 464-504.

Jöreskog, K. G. (1969). A general approach to confirmatory maximum likelihood factor analysis.
*Psychometrika, 34*(2), 183-202.

Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of
Statistical Software, 48*(2), 1-36.

Steiger, J. H. (1998). A note on multiple sample extensions of the RMSEA fit index.
*Structural Equation Modeling, 5*(4), 411-419.

Tucker, L. R., & Lewis, C. (1973). A reliability coefficient for maximum likelihood factor
analysis. *Psychometrika, 38*(1), 1-10.

Vandenberg, R. J., & Lance, C. E. (2000). A review and synthesis of the measurement invariance
literature. *Organizational Research Methods, 3*(1), 4-70.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats
from threadpoolctl import threadpool_limits

from ..io.survey import SurveyData
from ..scoring import reverse_keyed

__all__ = [
    "CFAResult",
    "MISSING_METHODS",
    "INVARIANCE_LEVELS",
    "DELTA_CFI_MAX",
    "DELTA_RMSEA_MAX",
    "cfa",
    "cfa_model",
    "measurement_invariance",
    "invariance_table",
    "answers_for_cfa",
    "highest_invariance",
]

MISSING_METHODS = ("fiml", "listwise")
INVARIANCE_LEVELS = ("configural", "metric", "scalar")
#: Chen (2007): invariance is kept when CFI drops by at most 0.010 ...
DELTA_CFI_MAX = 0.010
#: ... and RMSEA rises by at most 0.015 from the less constrained model.
DELTA_RMSEA_MAX = 0.015
#: step of the finite differences of the FIML gradient (observed information)
_HESSIAN_STEP = 1e-5
#: convergence: largest gradient entry of the discrepancy per respondent
_GRADIENT_TOL = 1e-7
#: ... or below this when double precision allows no further decrease
_GRADIENT_STALL_TOL = 1e-5
_MAX_ITER = 20_000
#: curvature pairs kept by L-BFGS: models have hundreds of parameters, and a longer memory
#: takes fewer steps (the validation report's model: 50 FIML evaluations instead of 217)
_MEMORY = 100
_FIT_COLUMNS = [
    "chisq",
    "df",
    "pvalue",
    "cfi",
    "tli",
    "rmsea",
    "rmsea_ci_low",
    "rmsea_ci_high",
    "srmr",
    "n",
]


@dataclass(frozen=True)
class CFAResult:
    """A fitted confirmatory factor model.

    Attributes
    ----------
    fit : pandas.DataFrame
        One row: ``chisq, df, pvalue, cfi, tli, rmsea, rmsea_ci_low, rmsea_ci_high`` (90 %
        interval, as lavaan), ``srmr, n`` (respondents used), ``n_parameters, missing,
        converged``.
    loadings : pandas.DataFrame
        One row per item: ``item_id, factor, std_loading`` (completely standardised, lavaan's
        ``std.all``), ``se`` (its delta-method standard error), ``loading`` (with factor
        variance 1), ``residual_variance``.
    factor_correlations : pandas.DataFrame
        ``factor_1, factor_2, estimate``.
    """

    fit: pd.DataFrame
    loadings: pd.DataFrame
    factor_correlations: pd.DataFrame


# --------------------------------------------------------------------------------------------
# model specification: which parameter sits where
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    """Index of the free parameter behind every model matrix entry (-1 = fixed)."""

    factor: np.ndarray  # (p,) factor of every item
    lam: np.ndarray  # (G, p) loading of item j in group g
    psi: np.ndarray  # (G, p) residual variance
    nu: np.ndarray  # (G, p) intercept
    phi: np.ndarray  # (G, K, K) factor (co)variance; -1 = fixed at 1 (diagonal)
    kappa: np.ndarray  # (G, K) latent mean; -1 = fixed at 0
    n_par: int


def _spec(factor: np.ndarray, n_factors: int, n_groups: int, level: str) -> _Spec:
    """Parameter layout of the configural, metric or scalar model (std.lv identification)."""
    p, k, g = len(factor), n_factors, n_groups
    counter = iter(range(10**9))

    def new(shape):
        return np.fromiter((next(counter) for _ in range(int(np.prod(shape)))), int).reshape(shape)

    lam = np.repeat(new((1, p)), g, axis=0) if level in ("metric", "scalar") else new((g, p))
    nu = np.repeat(new((1, p)), g, axis=0) if level == "scalar" else new((g, p))
    psi = new((g, p))
    phi = np.full((g, k, k), -1)
    lower = np.tril_indices(k, -1)
    for group in range(g):  # a handful of groups
        off = new(len(lower[0]))
        phi[group][lower] = off
        phi[group][lower[::-1]] = off
        if group > 0 and level in ("metric", "scalar"):
            phi[group][np.diag_indices(k)] = new(k)  # variances free beyond the first group
    kappa = np.full((g, k), -1)
    if level == "scalar" and g > 1:
        kappa[1:] = new((g - 1, k))
    return _Spec(factor, lam, psi, nu, phi, kappa, next(counter))


def _implied(spec: _Spec, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Model-implied means (G, p) and covariances (G, p, p), and the model matrices."""
    g, p = spec.lam.shape
    k = spec.phi.shape[1]
    lam = np.zeros((g, p, k))
    lam[:, np.arange(p), spec.factor] = theta[spec.lam]
    phi = np.where(spec.phi >= 0, theta[np.maximum(spec.phi, 0)], np.eye(k))
    kappa = np.where(spec.kappa >= 0, theta[np.maximum(spec.kappa, 0)], 0.0)
    sigma = lam @ phi @ np.swapaxes(lam, 1, 2)
    sigma[:, np.arange(p), np.arange(p)] += theta[spec.psi]
    mu = theta[spec.nu] + np.einsum("gpk,gk->gp", lam, kappa)
    return mu, sigma, (lam, phi, kappa)


def _chain(spec: _Spec, matrices: tuple, grad_sigma: np.ndarray, grad_mu: np.ndarray):
    """Gradient with respect to the parameters from dF/dSigma (symmetric) and dF/dmu."""
    lam, phi, kappa = matrices
    p = spec.lam.shape[1]
    out = np.zeros(spec.n_par)
    d_lam = 2 * grad_sigma @ lam @ phi + grad_mu[:, :, None] * kappa[:, None, :]
    np.add.at(out, spec.lam, d_lam[:, np.arange(p), spec.factor])
    np.add.at(out, spec.psi, np.diagonal(grad_sigma, axis1=1, axis2=2))
    np.add.at(out, spec.nu, grad_mu)
    d_phi = np.swapaxes(lam, 1, 2) @ grad_sigma @ lam
    free = spec.phi >= 0
    np.add.at(out, spec.phi[free], d_phi[free])
    d_kappa = np.einsum("gpk,gp->gk", lam, grad_mu)
    free = spec.kappa >= 0
    np.add.at(out, spec.kappa[free], d_kappa[free])
    return out


# --------------------------------------------------------------------------------------------
# data: complete-data moments and FIML missing-data patterns
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """One group's answers: values with missing set to 0, and the missing patterns by size."""

    values: np.ndarray  # (n, p), NaN replaced by 0
    observed: np.ndarray  # (n, p) bool
    blocks: tuple  # per number of missing items k > 0: (rows, missing (n_k, k), flat indices)

    @property
    def n(self) -> int:
        return self.values.shape[0]


def _group(values: np.ndarray) -> _Group:
    observed = ~np.isnan(values)
    n_missing = (~observed).sum(axis=1)
    blocks = []
    for k in np.unique(n_missing[n_missing > 0]):  # a handful of pattern sizes
        rows = np.flatnonzero(n_missing == k)
        missing = np.nonzero(~observed[rows])[1].reshape(len(rows), k)
        flat_rows = rows[:, None] * values.shape[1] + missing  # into the (n, p) matrix
        flat_pairs = (missing[:, :, None] * values.shape[1] + missing[:, None, :]).ravel()
        blocks.append((rows, missing, (flat_rows, flat_pairs)))
    return _Group(np.where(observed, values, 0.0), observed, tuple(blocks))


def _fiml(group: _Group, mu: np.ndarray, sigma: np.ndarray, with_gradient: bool = True):
    """-2 log-likelihood (without 2 pi) of one group's observed answers, and its gradient.

    Returns (value, dF/dSigma, dF/dmu, filled values, sum of conditional covariances): the
    last two are the E-step of the EM algorithm.
    """
    try:
        chol = linalg.cho_factor(sigma, lower=True)
    except linalg.LinAlgError:
        return np.inf, None, None, None, None
    p = sigma.shape[0]
    prec = linalg.cho_solve(chol, np.eye(p))
    logdet = 2 * np.sum(np.log(np.diag(chol[0])))
    resid = np.where(group.observed, group.values - mu, 0.0)
    y = resid @ prec
    quad = np.einsum("ij,ij->i", resid, y)
    logdets = np.full(group.n, logdet)
    z_full = np.zeros(resid.size)
    b_sum = np.zeros(p * p)
    for rows, missing, (flat_rows, flat_pairs) in group.blocks:  # by number of missing items
        p_mm = prec.ravel()[flat_pairs].reshape(len(rows), missing.shape[1], -1)
        try:
            chol_mm = np.linalg.cholesky(p_mm)
        except np.linalg.LinAlgError:
            return np.inf, None, None, None, None
        w = np.linalg.inv(p_mm)
        y_m = y.ravel()[flat_rows]
        z = np.einsum("nab,nb->na", w, y_m)
        quad[rows] -= np.einsum("na,na->n", y_m, z)
        logdets[rows] += 2 * np.log(np.diagonal(chol_mm, axis1=1, axis2=2)).sum(axis=1)
        z_full[flat_rows] = z
        b_sum += np.bincount(flat_pairs, weights=w.ravel(), minlength=p * p)
    z_full = z_full.reshape(resid.shape)
    b_sum = b_sum.reshape(p, p)
    value = float(np.sum(logdets + quad))
    if not with_gradient:
        filled = np.where(group.observed, group.values, mu - z_full)
        return value, None, None, filled, b_sum
    v = y - z_full @ prec
    grad_sigma = group.n * prec - prec @ b_sum @ prec - v.T @ v
    grad_mu = -2 * v.sum(axis=0)
    return value, grad_sigma, grad_mu, None, None


def _saturated(group: _Group, tol: float = 1e-10, max_iter: int = 5000):
    """EM estimates of the unrestricted mean and covariance (the H1 model under FIML)."""
    n = group.n
    counts = group.observed.sum(axis=0)
    mu = group.values.sum(axis=0) / counts
    centred = np.where(group.observed, group.values - mu, 0.0)
    sigma = np.diag((centred**2).sum(axis=0) / counts)
    previous = np.inf
    for _ in range(max_iter):
        value, _, _, filled, b_sum = _fiml(group, mu, sigma, with_gradient=False)
        mu = filled.mean(axis=0)
        centred = filled - mu
        sigma = (centred.T @ centred + b_sum) / n
        if abs(previous - value) <= tol * abs(value):
            break
        previous = value
    value = _fiml(group, mu, sigma, with_gradient=False)[0]
    return mu, sigma, value


# --------------------------------------------------------------------------------------------
# fitting
# --------------------------------------------------------------------------------------------


def _complete_objective(theta, spec, moments):
    """Sum over groups of n_g [log|Sigma| + tr((S + d d') Sigma^-1)], and its gradient."""
    mu, sigma, matrices = _implied(spec, theta)
    total = 0.0
    grad_sigma = np.zeros_like(sigma)
    grad_mu = np.zeros_like(mu)
    for g, (n, mean, cov) in enumerate(moments):  # a handful of groups
        try:
            chol = linalg.cho_factor(sigma[g], lower=True)
        except linalg.LinAlgError:
            return np.inf, np.zeros_like(theta)
        prec = linalg.cho_solve(chol, np.eye(len(mean)))
        d = mean - mu[g]
        w = cov + np.outer(d, d)
        total += n * (2 * np.sum(np.log(np.diag(chol[0]))) + np.sum(prec * w))
        grad_sigma[g] = n * (prec - prec @ w @ prec)
        grad_mu[g] = -2 * n * prec @ d
    return total, _chain(spec, matrices, grad_sigma, grad_mu)


def _fiml_objective(theta, spec, groups):
    mu, sigma, matrices = _implied(spec, theta)
    total = 0.0
    grad_sigma = np.zeros_like(sigma)
    grad_mu = np.zeros_like(mu)
    for g, group in enumerate(groups):  # a handful of groups
        value, grad_sigma[g], grad_mu[g], _, _ = _fiml(group, mu[g], sigma[g])
        if not np.isfinite(value):
            return np.inf, np.zeros_like(theta)
        total += value
    return total, _chain(spec, matrices, grad_sigma, grad_mu)


def _start(spec: _Spec, moments) -> np.ndarray:
    """Start values: half of every variance unique, the other half common; means observed."""
    theta = np.zeros(spec.n_par)
    for g, (_, mean, cov) in enumerate(moments):
        var = np.diag(cov)
        theta[spec.lam[g]] = np.sqrt(0.5 * var)
        theta[spec.psi[g]] = 0.5 * var
        theta[spec.nu[g]] = mean
        diag = spec.phi[g][np.diag_indices(spec.phi.shape[1])]
        theta[diag[diag >= 0]] = 1.0
    return theta


def _minimise(objective, theta, args, scale):
    """Minimise objective / scale by L-BFGS with a backtracking (Armijo) line search.

    A trial step where the implied covariance is not positive definite has an infinite
    discrepancy and is simply halved, which scipy's L-BFGS-B line search does not tolerate.
    Converged when the largest gradient entry per respondent is below ``_GRADIENT_TOL``.
    """

    def fun(x):
        value, gradient = objective(x, *args)
        return value / scale, gradient / scale

    value, gradient = fun(theta)
    history: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(_MAX_ITER):  # iterations of the optimiser
        if np.max(np.abs(gradient)) < _GRADIENT_TOL:
            return theta, True
        direction = -_two_loop(gradient, history)
        slope = gradient @ direction
        if slope >= 0:  # not a descent direction: forget the curvature memory
            history.clear()
            direction, slope = -gradient, -(gradient @ gradient)
        step = 1.0
        while True:  # backtracking
            trial = theta + step * direction
            trial_value, trial_gradient = fun(trial)
            if np.isfinite(trial_value) and trial_value <= value + 1e-4 * step * slope:
                break
            step *= 0.5
            if step < 1e-16:
                return theta, bool(np.max(np.abs(gradient)) < _GRADIENT_STALL_TOL)
        if value - trial_value <= 1e-15 * abs(value):  # no progress left at double precision
            flat = np.max(np.abs(trial_gradient)) < _GRADIENT_STALL_TOL
            return (trial, True) if flat else (trial, False)
        s_k, y_k = trial - theta, trial_gradient - gradient
        if s_k @ y_k > 1e-12:
            history.append((s_k, y_k, 1.0 / (s_k @ y_k)))
            history = history[-_MEMORY:]
        theta, value, gradient = trial, trial_value, trial_gradient
    return theta, False


def _two_loop(gradient: np.ndarray, history: list) -> np.ndarray:
    """L-BFGS product of the inverse Hessian approximation with the gradient."""
    q = gradient.copy()
    alphas = []
    for s_k, y_k, rho in reversed(history):
        alpha = rho * (s_k @ q)
        q -= alpha * y_k
        alphas.append(alpha)
    if history:
        s_k, y_k, _ = history[-1]
        q *= (s_k @ y_k) / (y_k @ y_k)
    else:
        q /= max(1.0, np.linalg.norm(gradient))
    for (s_k, y_k, rho), alpha in zip(history, reversed(alphas)):
        q += s_k * (alpha - rho * (y_k @ q))
    return q


def _prepare(data: list[np.ndarray], missing: str) -> dict:
    """Per-group data, the saturated (H1) and baseline discrepancies and the H1 moments."""
    if missing == "listwise":
        data = [x[~np.isnan(x).any(axis=1)] for x in data]
    data = [x[~np.isnan(x).all(axis=1)] for x in data]
    n = np.array([len(x) for x in data])
    p = data[0].shape[1]
    if (n <= p).any():
        raise ValueError(
            f"too few respondents for the model: {n.tolist()} per group with {p} items; "
            f"use missing='fiml' or a coarser level."
        )
    if missing == "listwise":
        moments = [(len(x), x.mean(axis=0), np.cov(x, rowvar=False, bias=True)) for x in data]
        h1 = [m[0] * (np.linalg.slogdet(m[2])[1] + p) for m in moments]
        base = [m[0] * (np.sum(np.log(np.diag(m[2]))) + p) for m in moments]
        return dict(n=n, moments=moments, h1=h1, base=base, groups=None)
    groups = [_group(x) for x in data]
    saturated = [_saturated(group) for group in groups]
    moments = [(len(x), mu, sigma) for x, (mu, sigma, _) in zip(data, saturated)]
    counts = [np.sum(g.observed, axis=0) for g in groups]
    variances = [np.nanvar(x, axis=0) for x in data]
    base = [np.sum(c * (np.log(v) + 1)) for c, v in zip(counts, variances)]
    return dict(n=n, moments=moments, h1=[s[2] for s in saturated], base=base, groups=groups)


def _subset(prepared: dict, g: int) -> dict:
    """The prepared data of one group."""
    return {
        key: (value if value is None else [value[g]]) if key != "n" else value[[g]]
        for key, value in prepared.items()
    }


def _fit(spec: _Spec, prepared: dict, start: np.ndarray | None = None) -> dict:
    """Fit the model to prepared data: estimates and the H0, H1 and baseline discrepancies."""
    moments, groups, n = prepared["moments"], prepared["groups"], prepared["n"].sum()
    theta = _start(spec, moments) if start is None else start
    if groups is None:  # complete data: the fit to the moments is the fit
        theta, ok = _minimise(_complete_objective, theta, (spec, moments), n)
        h0 = _complete_objective(theta, spec, moments)[0]
    else:
        # A complete-data fit to the EM moments brings rough start values near the FIML
        # optimum; start values from a fitted model (the invariance ladder) are nearer
        # already, and the pre-fit only added evaluations (the metric model: 493, 0.9 s).
        if start is None:
            theta, _ = _minimise(_complete_objective, theta, (spec, moments), n)
        theta, ok = _minimise(_fiml_objective, theta, (spec, groups), n)
        h0 = _fiml_objective(theta, spec, groups)[0]
    return dict(
        theta=theta,
        h0=h0,
        h1=sum(prepared["h1"]),
        base=sum(prepared["base"]),
        moments=moments,
        n=prepared["n"],
        ok=ok,
        groups=groups,
    )


def _entry_values(spec: _Spec, theta: np.ndarray) -> dict:
    """Value of every model matrix entry (fixed ones included)."""
    mu, sigma, (lam, phi, kappa) = _implied(spec, theta)
    p = spec.lam.shape[1]
    return {
        "lam": lam[:, np.arange(p), spec.factor],
        "psi": theta[spec.psi],
        "nu": theta[spec.nu],
        "phi": phi,
        "kappa": kappa,
    }


def _transfer(spec_from: _Spec, theta_from: np.ndarray, spec_to: _Spec) -> np.ndarray:
    """Start values for ``spec_to``: each parameter is the mean of the entries it stands for."""
    values = _entry_values(spec_from, theta_from)
    total = np.zeros(spec_to.n_par)
    count = np.zeros(spec_to.n_par)
    for name in ("lam", "psi", "nu", "phi", "kappa"):
        index = getattr(spec_to, name)
        free = index >= 0
        np.add.at(total, index[free], values[name][free])
        np.add.at(count, index[free], 1.0)
    return total / np.maximum(count, 1.0)


def _fit_groups_separately(spec: _Spec, prepared: dict) -> np.ndarray:
    """Configural start values: every group fitted on its own."""
    n_groups = spec.lam.shape[0]
    single = _spec(spec.factor, spec.phi.shape[1], 1, "configural")
    theta = np.zeros(spec.n_par)
    for g in range(n_groups):  # a handful of groups
        estimate = _fit(single, _subset(prepared, g))["theta"]
        values = _entry_values(single, estimate)
        for name in ("lam", "psi", "nu", "phi", "kappa"):
            index = getattr(spec, name)[g]
            free = index >= 0
            theta[index[free]] = values[name][0][free]
    return theta


def _rmsea_interval(chisq: float, df: int, n: int, n_groups: int) -> tuple[float, float]:
    """90 % interval of RMSEA from the noncentral chi-square, as lavaan."""

    def root(target):
        f = lambda lam: stats.ncx2.cdf(chisq, df, lam) - target  # noqa: E731
        if df < 1 or f(0) < 0:
            return 0.0
        upper = max(n, 4 * chisq)
        if f(upper) > 0:
            return 0.0
        return optimize.brentq(f, 0, upper, xtol=1e-12)

    scale = np.sqrt(n_groups) / np.sqrt(n * df)
    return np.sqrt(root(0.95)) * scale, np.sqrt(root(0.05)) * scale


def _srmr(spec, theta, moments, with_means: bool) -> float:
    """Bentler's SRMR (lavaan's ``srmr``), averaged over groups with weights n_g / N."""
    mu, sigma, _ = _implied(spec, theta)
    n = np.array([m[0] for m in moments], dtype=float)
    values = []
    for g, (_, mean, cov) in enumerate(moments):
        sd = np.sqrt(np.diag(cov))
        resid = (cov - sigma[g]) / np.outer(sd, sd)
        squares = list(resid[np.tril_indices(len(sd))] ** 2)
        if with_means:
            squares += list(((mean - mu[g]) / sd) ** 2)
        values.append(np.sqrt(np.mean(squares)))
    return float(np.sum(n / n.sum() * np.array(values)))


def _fit_measures(spec: _Spec, fitted: dict, with_means: bool) -> dict:
    n_groups, p = spec.lam.shape
    moments_count = n_groups * (p * (p + 1) // 2 + p)
    df = moments_count - spec.n_par
    chisq = max(fitted["h0"] - fitted["h1"], 0.0)
    base_chisq = fitted["base"] - fitted["h1"]
    base_df = n_groups * p * (p - 1) // 2
    n = int(fitted["n"].sum())
    denominator = max(base_chisq - base_df, chisq - df, 0.0)
    cfi = 1.0 - max(chisq - df, 0.0) / denominator if denominator > 0 else 1.0
    tli = (base_chisq / base_df - chisq / df) / (base_chisq / base_df - 1.0) if df > 0 else 1.0
    rmsea = np.sqrt(max(chisq / n / df - 1.0 / n, 0.0)) * np.sqrt(n_groups) if df > 0 else 0.0
    low, high = _rmsea_interval(chisq, df, n, n_groups)
    return {
        "chisq": chisq,
        "df": int(df),
        "pvalue": float(stats.chi2.sf(chisq, df)) if df > 0 else np.nan,
        "cfi": cfi,
        "tli": tli,
        "rmsea": rmsea,
        "rmsea_ci_low": low,
        "rmsea_ci_high": high,
        "srmr": _srmr(spec, fitted["theta"], fitted["moments"], with_means),
        "n": n,
        "n_parameters": spec.n_par,
    }


# --------------------------------------------------------------------------------------------
# standard errors and standardised loadings
# --------------------------------------------------------------------------------------------


def _information(spec: _Spec, fitted: dict, missing: str) -> np.ndarray:
    """Expected (listwise) or observed (FIML, as lavaan) information matrix of the parameters."""
    theta = fitted["theta"]
    step = 1e-4
    if missing == "fiml":  # Hessian of -log L by forward differences of the analytic gradient
        base = _fiml_objective(theta, spec, fitted["groups"])[1]
        hessian = np.empty((spec.n_par, spec.n_par))
        for a in range(spec.n_par):  # one gradient per parameter
            shift = np.zeros(spec.n_par)
            shift[a] = _HESSIAN_STEP
            up = _fiml_objective(theta + shift, spec, fitted["groups"])[1]
            hessian[:, a] = (up - base) / (2 * _HESSIAN_STEP)  # d2(-log L) = d2(F) / 2
        return (hessian + hessian.T) / 2
    # Sigma and mu are at most quadratic in the parameters: central differences are exact
    shifts = np.eye(spec.n_par) * step
    d_sigma, d_mu = [], []
    for shift in shifts:  # one pair of implied moments per parameter
        mu_up, sigma_up, _ = _implied(spec, theta + shift)
        mu_down, sigma_down, _ = _implied(spec, theta - shift)
        d_sigma.append((sigma_up - sigma_down) / (2 * step))
        d_mu.append((mu_up - mu_down) / (2 * step))
    d_sigma, d_mu = np.stack(d_sigma, axis=1), np.stack(d_mu, axis=1)  # (G, q, p, p), (G, q, p)
    _, sigma, _ = _implied(spec, theta)
    info = np.zeros((spec.n_par, spec.n_par))
    for g, (n, _, _) in enumerate(fitted["moments"]):
        prec = np.linalg.inv(sigma[g])
        a = prec @ d_sigma[g]  # (q, p, p)
        info += n / 2 * np.einsum("aij,bji->ab", a, a) + n * d_mu[g] @ prec @ d_mu[g].T
    return info


def _loadings_table(spec, fitted, items, factors, missing, se: bool) -> pd.DataFrame:
    theta = fitted["theta"]
    lam, psi = theta[spec.lam[0]], theta[spec.psi[0]]
    total = lam**2 + psi
    std = lam / np.sqrt(total)
    std_se = np.full(len(items), np.nan)
    if se:
        try:
            vcov = np.linalg.inv(_information(spec, fitted, missing))
        except np.linalg.LinAlgError:
            vcov = None
        if vcov is not None:
            d_lam, d_psi = psi / total**1.5, -lam / (2 * total**1.5)
            i, j = spec.lam[0], spec.psi[0]
            variance = (
                d_lam**2 * vcov[i, i] + 2 * d_lam * d_psi * vcov[i, j] + d_psi**2 * vcov[j, j]
            )
            std_se = np.sqrt(variance)
    return pd.DataFrame(
        {
            "item_id": items,
            "factor": [factors[k] for k in spec.factor],
            "std_loading": std,
            "se": std_se,
            "loading": lam,
            "residual_variance": psi,
        }
    )


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------


def _factor_layout(answers: pd.DataFrame, factors: Mapping[str, Sequence[str]]):
    if not isinstance(answers, pd.DataFrame):
        raise TypeError("`answers` must be a pandas DataFrame (respondents x items).")
    names = list(factors)
    items = [item for name in names for item in factors[name]]
    if len(set(items)) != len(items):
        raise ValueError("every item may load on one factor only; `factors` repeats items.")
    absent = [item for item in items if item not in answers.columns]
    if absent:
        raise ValueError(f"`answers` lacks item columns {absent[:5]} named in `factors`.")
    small = [name for name in names if len(factors[name]) < 2]
    if small:
        raise ValueError(
            f"factors {small} have fewer than 2 items and are not identified; use a coarser "
            f"level or drop them."
        )
    factor = np.repeat(np.arange(len(names)), [len(factors[name]) for name in names])
    return names, items, factor


def cfa_model(
    answers: pd.DataFrame,
    factors: Mapping[str, Sequence[str]],
    *,
    missing: str = "fiml",
    se: bool = True,
) -> CFAResult:
    """Fit a correlated-factors CFA to a table of answers.

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per respondent, one numeric column per item (reverse-keyed; NaN = missing or
        don't know); other columns are ignored.
    factors : mapping of str to sequence of str
        Factor name -> its items (each item on one factor, at least two items per factor).
    missing : {"fiml", "listwise"}, default "fiml"
        Full-information ML over every respondent with at least one answer, or only the
        respondents who answered every item.
    se : bool, default True
        Compute standard errors of the standardised loadings (FIML: one gradient pair per
        parameter, the slowest step).

    Returns
    -------
    CFAResult

    Notes
    -----
    Model (factor variances 1, lavaan ``std.lv = TRUE``): :math:`\\Sigma = \\Lambda\\Phi
    \\Lambda' + \\Theta`, :math:`\\mu = \\nu` (free intercepts). Listwise: the ML
    discrepancy :math:`F = \\log|\\Sigma| + \\mathrm{tr}(S\\Sigma^{-1}) - \\log|S| - p` with S
    the covariance matrix with divisor n, :math:`\\chi^2 = nF`. FIML: :math:`\\chi^2 =
    -2(\\ell_0 - \\ell_1)` with :math:`\\ell_1` the saturated log-likelihood fitted by EM.
    Baseline: independent items (free means and variances). CFI :math:`= 1 -
    \\max(\\chi^2 - df, 0)/\\max(\\chi^2_b - df_b, \\chi^2 - df, 0)`; TLI :math:`=
    (\\chi^2_b/df_b - \\chi^2/df)/(\\chi^2_b/df_b - 1)`; RMSEA :math:`= \\sqrt{G}
    \\sqrt{\\max(\\chi^2/(n\\,df) - 1/n, 0)}` with the 90 % interval from the noncentral
    chi-square; SRMR: root mean square of :math:`(s_{ij} - \\hat\\sigma_{ij})/\\sqrt{s_{ii}
    s_{jj}}` over the lower triangle with the diagonal (plus the standardised mean residuals
    under FIML or with several groups), S being the saturated (EM) moments under FIML; the
    group-size weighted mean over groups. Standard errors: inverse of the expected
    information (listwise) or of the observed information (FIML; the Hessian by central
    differences of the analytic gradient), as lavaan's defaults; the standardised loading
    :math:`\\lambda_j/\\sqrt{\\lambda_j^2 + \\theta_j}` gets a delta-method SE. Equal to
    ``lavaan::cfa(model, data, estimator = "ML", std.lv = TRUE)`` with ``missing = "ml"``
    for FIML.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 2)) @ np.array([[1, 0.4], [0, 0.9]])
    >>> x = np.repeat(f, 3, axis=1) * 0.8 + rng.normal(scale=0.6, size=(300, 6))
    >>> answers = pd.DataFrame(x, columns=list("abcdef"))
    >>> result = cfa_model(answers, {"f1": list("abc"), "f2": list("def")}, se=False)
    >>> int(result.fit.loc[0, "df"]), bool(result.fit.loc[0, "cfi"] > 0.95)
    (8, True)
    """
    if missing not in MISSING_METHODS:
        raise ValueError(f"`missing` must be one of {MISSING_METHODS}, got {missing!r}.")
    names, items, factor = _factor_layout(answers, factors)
    values = answers[items].to_numpy(dtype=float)
    spec = _spec(factor, len(names), 1, "configural")
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only cost
        fitted = _fit(spec, _prepare([values], missing))
        measures = _fit_measures(spec, fitted, with_means=missing == "fiml")
        loadings = _loadings_table(spec, fitted, items, names, missing, se)
    fit = pd.DataFrame([{**measures, "missing": missing, "converged": fitted["ok"]}])
    theta = fitted["theta"]
    lower = np.tril_indices(len(names), -1)
    correlations = pd.DataFrame(
        {
            "factor_1": [names[k] for k in lower[1]],
            "factor_2": [names[k] for k in lower[0]],
            "estimate": theta[spec.phi[0][lower]],
        }
    )
    return CFAResult(
        fit=fit,
        loadings=loadings,
        factor_correlations=correlations,
    )


def invariance_table(
    answers: pd.DataFrame,
    group: str,
    factors: Mapping[str, Sequence[str]],
    *,
    missing: str = "fiml",
) -> pd.DataFrame:
    """Configural, metric and scalar multi-group models and the Chen (2007) decisions.

    Parameters
    ----------
    answers : pandas.DataFrame
        Answers (reverse-keyed, NaN missing) with a ``group`` column.
    group : str
        Column that defines the groups (e.g. ``"year"``); groups in sorted order, the first
        is the reference group of the identification.
    factors, missing :
        As :func:`cfa_model`.

    Returns
    -------
    pandas.DataFrame
        One row per model (``configural, metric, scalar``): ``model, chisq, df, pvalue, cfi,
        tli, rmsea, rmsea_ci_low, rmsea_ci_high, srmr, n, n_groups, delta_cfi, delta_rmsea``
        (this model minus the previous one; NaN for configural) and ``decision``:
        ``"reference"`` (configural), ``"supported"`` when :math:`-\\Delta CFI \\le 0.010` and
        :math:`\\Delta RMSEA \\le 0.015`, else ``"not_supported"``; ``"not_tested"`` after a
        level that is not supported.

    Notes
    -----
    Identification as lavaan ``cfa(model, data, group = "year", std.lv = TRUE, group.equal
    = ...)``: configural, every group has factor variances 1, latent means 0, its own
    loadings, intercepts and residual variances; metric (``group.equal = "loadings"``), equal
    loadings with free factor variances beyond the first group; scalar (``c("loadings",
    "intercepts")``), also equal intercepts with free latent means beyond the first group.
    Fit measures as :func:`cfa_model` with mean residuals in the SRMR and the multi-group
    RMSEA multiplied by :math:`\\sqrt G` (Steiger 1998), as lavaan. Cut-offs: Chen (2007).
    """
    if missing not in MISSING_METHODS:
        raise ValueError(f"`missing` must be one of {MISSING_METHODS}, got {missing!r}.")
    if group not in answers.columns:
        raise ValueError(f"`answers` has no group column {group!r}.")
    names, items, factor = _factor_layout(answers, factors)
    levels = sorted(answers[group].dropna().unique())
    if len(levels) < 2:
        raise ValueError(f"measurement invariance needs at least 2 groups in {group!r}.")
    data = [answers.loc[answers[group] == g, items].to_numpy(dtype=float) for g in levels]
    rows, previous = [], None
    with threadpool_limits(limits=1, user_api="blas"):  # small matrices: threads only cost
        prepared = _prepare(data, missing)
        for level in INVARIANCE_LEVELS:  # three nested models, each started from the last
            spec = _spec(factor, len(names), len(levels), level)
            if previous is None:
                start = _fit_groups_separately(spec, prepared)
            else:
                start = _transfer(previous[0], previous[1], spec)
            fitted = _fit(spec, prepared, start)
            previous = (spec, fitted["theta"])
            measures = _fit_measures(spec, fitted, with_means=True)
            rows.append(
                {"model": level, **measures, "n_groups": len(levels), "converged": fitted["ok"]}
            )
    table = pd.DataFrame(rows)
    table["delta_cfi"] = table["cfi"].diff()
    table["delta_rmsea"] = table["rmsea"].diff()
    table["decision"] = _decisions(table)
    return table


def _decisions(table: pd.DataFrame) -> list[str]:
    decisions, failed = ["reference"], False
    for row in table.iloc[1:].itertuples():  # metric, scalar
        if failed:
            decisions.append("not_tested")
            continue
        ok = -row.delta_cfi <= DELTA_CFI_MAX + 1e-12 and row.delta_rmsea <= DELTA_RMSEA_MAX + 1e-12
        decisions.append("supported" if ok else "not_supported")
        failed = not ok
    return decisions


def highest_invariance(table: pd.DataFrame) -> str:
    """The most constrained model supported: ``"scalar"``, ``"metric"`` or ``"configural"``.

    Scalar invariance is what comparing means (indices) across rounds needs.
    """
    supported = table.loc[table["decision"].isin(["reference", "supported"]), "model"]
    return str(supported.iloc[-1])


def _respondents_of(data: object) -> pd.DataFrame:
    """Respondents wide (raw codes): ``SurveyData.respondents``, or ``answers`` of stored
    results (:class:`dimios_research.report.results.Results`)."""
    if isinstance(data, SurveyData):
        return data.respondents
    answers = getattr(data, "answers", None)
    if isinstance(answers, pd.DataFrame) and hasattr(data, "codebook"):
        return answers
    raise TypeError(
        "`data` must be a SurveyData (dimios_research.read_survey) or results with "
        "`answers` and `codebook` (dimios_research.load_or_score)."
    )


def answers_for_cfa(
    data: SurveyData, years: int | Sequence[int], level: str = "category"
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Reverse-keyed answers of some rounds and the factor layout of a codebook level.

    Returns the answers (``year`` and one column per item; don't know and blank as NaN) and
    ``{unit: [item ids]}`` in codebook order.
    """
    respondents = _respondents_of(data)
    codebook = data.codebook
    units = codebook.units_at(level)  # raises for an unknown level
    years = [years] if np.isscalar(years) else list(years)
    available = sorted(int(y) for y in respondents["year"].unique())
    unknown = [y for y in years if y not in available]
    if unknown:
        raise ValueError(f"no answers for year(s) {unknown}; rounds available: {available}.")
    rows = respondents[respondents["year"].isin(years)]
    answers = reverse_keyed(rows[["year", *codebook.item_ids]], codebook)
    items = codebook.items
    factors = {u: items.loc[items[level] == u, "item_id"].tolist() for u in units}
    return answers.reset_index(drop=True), factors


def cfa(
    data: SurveyData,
    year: int,
    level: str = "category",
    *,
    missing: str = "fiml",
    se: bool = True,
) -> CFAResult:
    """CFA of one round: one factor per unit of a codebook level, factors correlated.

    Parameters
    ----------
    data : SurveyData
        Validated survey data (:func:`dimios_research.read_survey`); answers are
        reverse-keyed here, don't know and blank are missing.
    year : int
        The round.
    level : {"category", "dimension", "capability"}, default "category"
        Codebook level whose units are the factors (every unit needs two items or more).
    missing : {"fiml", "listwise"}, default "fiml"
    se : bool, default True

    Returns
    -------
    CFAResult
        See :func:`cfa_model` for the estimation and the fit measures.
    """
    answers, factors = answers_for_cfa(data, year, level)
    return cfa_model(answers, factors, missing=missing, se=se)


def measurement_invariance(
    data: SurveyData,
    years: Sequence[int] | None = None,
    level: str = "category",
    *,
    missing: str = "fiml",
    max_per_round: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Measurement invariance of the level's factor model across rounds.

    Parameters
    ----------
    data : SurveyData or Results
    years : sequence of int, optional
        Rounds to compare (default: all).
    level : str, default "category"
    missing : {"fiml", "listwise"}, default "fiml"
    max_per_round : int, optional
        Fit on a simple random sample of at most this many respondents per round (seeded
        by ``seed``) instead of all of them, to bound the time of the fit (70 items in
        five groups by FIML: about 11 s for 300 per round on the demo, minutes for all).
        The reports use 300 per round and say so; the changes in fit (ΔCFI, ΔRMSEA) that
        decide are less stable in a smaller sample, so a borderline verdict should be
        checked on all respondents.
    seed : int, default 0

    Returns
    -------
    pandas.DataFrame
        :func:`invariance_table` with ``group = "year"``; :func:`highest_invariance` gives
        the verdict code.
    """
    chosen = years if years is not None else sorted(_respondents_of(data)["year"].unique())
    answers, factors = answers_for_cfa(data, chosen, level)
    if max_per_round is not None:
        rng = np.random.default_rng(seed)
        order = answers.assign(_key=rng.random(len(answers))).sort_values(["year", "_key"])
        answers = order.groupby("year").head(max_per_round).drop(columns="_key")
        answers = answers.sort_index().reset_index(drop=True)
    return invariance_table(answers, "year", factors, missing=missing)
