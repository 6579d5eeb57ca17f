"""Linear mixed growth model of organisation scores across rounds (matches ``lme4::lmer``)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import patsy
import statsmodels.formula.api as smf
from scipy import stats

from ..conventions import check_ci, require_columns

__all__ = ["GrowthModelResult", "growth_model"]


@dataclass(frozen=True)
class GrowthModelResult:
    """A fitted linear growth model (see :func:`growth_model`).

    Attributes
    ----------
    params, bse : Series
        Fixed effects and their standard errors, indexed ``Intercept``, the time column name
        (e.g. ``year``) and the covariate terms (patsy names).
    cov_params : DataFrame
        Covariance matrix of the fixed effects.
    group_variance : float
        Variance of the organisation random intercept (at time = ``center_time``).
    residual_variance : float
        Within-organisation residual variance.
    slope_variance, intercept_slope_covariance : float or None
        Random slope variance and its covariance with the intercept (random slope models).
    n_obs, n_groups : int
        Observations and organisations used.
    converged : bool
        Whether the REML optimisation reached a stationary point (gradient below 1e-4).
    time, outcome : str
        Time and outcome column names.
    center_time : float
        Time value where the intercept applies (0.0 = raw time).
    time_mean : float
        Mean of the time column over the observations used.
    design_means : Series
        Mean of each fixed-effect design column; covariates are held at these values in
        :meth:`predict`.
    """

    params: pd.Series
    bse: pd.Series
    cov_params: pd.DataFrame
    group_variance: float
    residual_variance: float
    slope_variance: float | None
    intercept_slope_covariance: float | None
    n_obs: int
    n_groups: int
    converged: bool
    time: str
    outcome: str
    center_time: float
    time_mean: float
    design_means: pd.Series = field(repr=False)

    def to_frame(self, ci: float = 0.95) -> pd.DataFrame:
        """Tidy fixed-effects table.

        Parameters
        ----------
        ci : float, default 0.95
            Confidence level.

        Returns
        -------
        DataFrame
            ``term, estimate, se, ci_low, ci_high, p`` (Wald z: normal reference
            distribution) and ``method``.
        """
        check_ci(ci)
        z = stats.norm.ppf(0.5 + ci / 2)
        return pd.DataFrame(
            {
                "term": self.params.index,
                "estimate": self.params.to_numpy(),
                "se": self.bse.to_numpy(),
                "ci_low": (self.params - z * self.bse).to_numpy(),
                "ci_high": (self.params + z * self.bse).to_numpy(),
                "p": 2 * stats.norm.sf(np.abs((self.params / self.bse).to_numpy())),
                "method": "linear mixed model (REML), Wald z",
            }
        )

    def predict(self, years: Sequence[float] | np.ndarray, ci: float = 0.95) -> pd.DataFrame:
        """Population mean trajectory with a delta-method confidence interval.

        Parameters
        ----------
        years : array-like
            Time values (on the original scale of the time column).
        ci : float, default 0.95
            Confidence level.

        Returns
        -------
        DataFrame
            The time column, ``estimate``, ``se``, ``ci_low``, ``ci_high``.

        Notes
        -----
        :math:`\\hat\\mu(t) = x_t' \\hat\\beta` with :math:`x_t` = (1, t - center_time,
        covariates at their sample means); :math:`se = \\sqrt{x_t' V_\\beta x_t}` from the
        fixed-effects covariance (exact, since the prediction is linear in beta); normal
        interval.
        """
        check_ci(ci)
        t = np.asarray(years, dtype=float).ravel()
        design = np.tile(self.design_means.to_numpy(), (t.size, 1))
        design[:, self.params.index.get_loc("Intercept")] = 1.0
        design[:, self.params.index.get_loc(self.time)] = t - self.center_time
        estimate = design @ self.params.to_numpy()
        se = np.sqrt(np.einsum("ij,jk,ik->i", design, self.cov_params.to_numpy(), design))
        z = stats.norm.ppf(0.5 + ci / 2)
        return pd.DataFrame(
            {
                self.time: t,
                "estimate": estimate,
                "se": se,
                "ci_low": estimate - z * se,
                "ci_high": estimate + z * se,
            }
        )


def _fixed_effects_covariance(
    exog: np.ndarray, exog_re: np.ndarray, codes: np.ndarray, cov_re: np.ndarray, scale: float
) -> np.ndarray:
    """(X' V^-1 X)^-1 at the variance estimates, as lme4's ``vcov``.

    statsmodels' ``bse_fe`` inverts the full Hessian including the fixed/random cross terms,
    which differs from lme4 in random slope models; this is the conditional covariance used by
    lme4. Woodbury per organisation, vectorised: with :math:`V_i = Z_i G Z_i' + \\sigma^2 I`,
    :math:`X_i'V_i^{-1}X_i = \\sigma^{-2}[X_i'X_i - X_i'Z_i M_i^{-1} G Z_i'X_i]` and
    :math:`M_i = \\sigma^2 I + G Z_i'Z_i` (valid also for a singular G).
    """
    n_groups = codes.max() + 1
    q, p = exog_re.shape[1], exog.shape[1]
    xz = np.zeros((n_groups, p, q))
    zz = np.zeros((n_groups, q, q))
    np.add.at(xz, codes, np.einsum("rp,rq->rpq", exog, exog_re))
    np.add.at(zz, codes, np.einsum("rp,rq->rpq", exog_re, exog_re))
    inner = scale * np.eye(q) + cov_re @ zz
    correction = xz @ np.linalg.solve(inner, cov_re @ np.swapaxes(xz, 1, 2))
    information = (exog.T @ exog - correction.sum(axis=0)) / scale
    return np.linalg.inv(information)


def _fit_reml(model: Any) -> tuple[Any, bool]:
    """REML fit (L-BFGS start, BFGS polish) and whether the profiled gradient is ~0."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence is checked through the gradient below
        first = model.fit(reml=True, method="lbfgs")
        fit = model.fit(
            reml=True, method="bfgs", start_params=first.params_object, gtol=1e-10, maxiter=5000
        )
        packed = fit.params_object.get_packed(use_sqrt=model.use_sqrt, has_fe=False)
        gradient = model.score(packed, profile_fe=True)
    return fit, bool(np.all(np.isfinite(gradient)) and np.max(np.abs(gradient)) < 1e-4)


def growth_model(
    df: pd.DataFrame,
    outcome: str = "score_pct",
    time: str = "year",
    group: str = "organisation_id",
    covariates: Sequence[str] = (),
    random_slope: bool = False,
    center_time: float | str | None = None,
) -> GrowthModelResult:
    """Linear growth model of organisation scores over rounds (linear mixed model, REML).

    Parameters
    ----------
    df : DataFrame
        Organisation scores per round, long form (unbalanced panels are fine); rows with a
        missing outcome, time, group or covariate are dropped.
    outcome : str, default "score_pct"
        Outcome column.
    time : str, default "year"
        Numeric time column; its fixed effect is named after it.
    group : str, default "organisation_id"
        Organisation column (random effects).
    covariates : sequence of str, default ()
        Additional fixed-effect terms in patsy syntax (e.g. ``"C(type)"``, ``"size_class"``).
    random_slope : bool, default False
        Add a random time slope correlated with the random intercept.
    center_time : float, "mean" or None, default None
        Time value where the intercept (and the random intercept variance) applies. None:
        raw time (intercept at time 0, as ``lmer(score_pct ~ year + ...)``); a number, e.g.
        2021; or ``"mean"``.

    Returns
    -------
    GrowthModelResult
        Fixed effects, standard errors, variance components, ``to_frame()`` and
        ``predict()``.

    Notes
    -----
    Model: :math:`y_{it} = \\beta_0 + \\beta_1 (t - c) + \\gamma' x_{it} + u_{0i}
    [+ u_{1i}(t - c)] + e_{it}`, with :math:`u_i \\sim N(0, G)`, :math:`e_{it} \\sim
    N(0, \\sigma^2)`, fitted by REML with statsmodels ``MixedLM``. Equivalent to
    ``lme4::lmer(score_pct ~ year + (1 | organisation_id), REML = TRUE)`` and, with
    ``random_slope=True`` and ``center_time=2021``,
    ``lmer(score_pct ~ year_c + (1 + year_c | organisation_id))`` with
    ``year_c = year - 2021``; ``bse`` is lme4's ``vcov`` (:math:`(X'V^{-1}X)^{-1}`).

    Centring: the slope, its SE, the residual variance and the slope variance do not depend on
    the centre ``c``; the intercept, its SE, the random intercept variance and the
    intercept-slope covariance refer to time ``c``. Because the raw-year parametrisation is
    numerically ill-conditioned (X'X of years ~2020 is near singular), the model is always
    *fitted* with time centred at its mean and the estimates are then transformed exactly to
    the requested centre (:math:`\\beta_0^{(c)} = \\beta_0^{(m)} + (c - m)\\beta_1`, and
    :math:`G^{(c)} = T G^{(m)} T'` with :math:`T = [[1, c - m], [0, 1]]`), which is the same
    REML optimum. For a random slope, report a centre inside the observed years: the
    intercept variance at year 0 is meaningless.

    The REML optimisation runs L-BFGS and is then polished with BFGS (gradient tolerance
    1e-10) so that the variance components agree with lme4 to about 1e-5. p-values are Wald z
    (lme4 gives none; lmerTest's Satterthwaite t is close with ~40 organisations).

    References
    ----------
    Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects
    models using lme4. *Journal of Statistical Software*, 67(1).
    Singer, J. D., & Willett, J. B. (2003). *Applied longitudinal data analysis*. Oxford UP.
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    base_cols = [outcome, time, group]
    require_columns(df, base_cols, "df")
    # A fresh 0..n-1 index: the rows patsy keeps are then positions, whatever the input
    # index was (a pd.concat of yearly tables repeats labels, and .loc would duplicate rows).
    data = df.dropna(subset=base_cols).reset_index(drop=True)
    formula = " + ".join([f"{outcome} ~ {time}", *covariates])
    try:  # patsy drops rows with a missing covariate; keep the same rows for the groups
        kept_rows = patsy.dmatrices(formula, data, return_type="dataframe")[1].index
    except patsy.PatsyError as error:
        raise ValueError(f"covariates={covariates!r} cannot be built from df: {error}") from None
    data = data.loc[kept_rows].copy()
    if not pd.api.types.is_numeric_dtype(data[time]):
        raise TypeError(f"time column {time!r} must be numeric, got dtype {data[time].dtype}")
    if data[group].nunique() < 2 or data[time].nunique() < 2:
        raise ValueError(
            f"growth_model needs at least two organisations ({group!r}) and two time points "
            f"({time!r}); got {data[group].nunique()} and {data[time].nunique()}"
        )
    time_mean = float(data[time].mean())
    if center_time is None:
        centre = 0.0
    elif isinstance(center_time, str):
        if center_time != "mean":
            raise ValueError(f"center_time must be a number, 'mean' or None, got {center_time!r}")
        centre = time_mean
    else:
        centre = float(center_time)

    data[time] = data[time] - time_mean  # fit on mean-centred time (numerical stability)
    codes, _ = pd.factorize(data[group])
    model = smf.mixedlm(
        formula, data, groups=codes, re_formula=f"~{time}" if random_slope else None
    )
    fit, converged = _fit_reml(model)

    names = list(fit.fe_params.index)
    scale = float(fit.scale)
    cov_re = np.asarray(fit.cov_re, dtype=float)
    cov_fe = _fixed_effects_covariance(model.exog, model.exog_re, codes, cov_re, scale)
    # Re-express intercept at the requested centre: beta0(c) = beta0(m) + (c - m) beta1.
    shift = np.eye(len(names))
    shift[names.index("Intercept"), names.index(time)] = centre - time_mean
    params = pd.Series(shift @ fit.fe_params.to_numpy(), index=names)
    cov_params = pd.DataFrame(shift @ cov_fe @ shift.T, index=names, columns=names)
    design_means = pd.Series(model.exog.mean(axis=0), index=names)
    design_means[time] += time_mean - centre
    slope_var = slope_cov = None
    if random_slope:
        transform = np.array([[1.0, centre - time_mean], [0.0, 1.0]])
        cov_re = transform @ cov_re @ transform.T
        slope_var, slope_cov = float(cov_re[1, 1]), float(cov_re[0, 1])
    return GrowthModelResult(
        params=params,
        bse=pd.Series(np.sqrt(np.diag(cov_params)), index=names),
        cov_params=cov_params,
        group_variance=float(cov_re[0, 0]),
        residual_variance=scale,
        slope_variance=slope_var,
        intercept_slope_covariance=slope_cov,
        n_obs=int(model.nobs),
        n_groups=int(codes.max() + 1),
        converged=converged,
        time=time,
        outcome=outcome,
        center_time=centre,
        time_mean=time_mean,
        design_means=design_means,
    )
