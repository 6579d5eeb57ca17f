"""Longitudinal statistics and programme evaluation for organisation scores across rounds.

Input: organisation-level scores per round, a tidy DataFrame with ``year, organisation_id,
score_pct`` (0-100) and optionally ``se`` (standard error of the organisation mean from its
respondents), ``n_respondents``, organisation attributes (``type``, ``size_class``, ``county``)
and ``programme_start`` (year an organisation joined a support programme, NaN if never). When
the frame holds several outcomes in long form, the columns ``level`` and ``unit`` (e.g.
``dimension`` / ``capability``) identify them and the change functions work per level/unit.

Functions
---------
panel, attrition_table
    Organisations present in two rounds; who stayed and who left.
paired_change
    Mean change with a t interval, d_z and reliable change shares.
growth_model
    Linear mixed growth model (statsmodels MixedLM, REML), matches ``lme4::lmer``.
programme_effect, event_study
    Two-way fixed-effects difference-in-differences with cluster-robust SE, leads/lags.
target_attainment
    Distance to a national target and the projected year the trend reaches it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import linalg, stats

__all__ = [
    "PROGRAMME_CAVEAT",
    "EventStudyResult",
    "GrowthModelResult",
    "ProgrammeEffectResult",
    "TargetAttainmentResult",
    "attrition_table",
    "event_study",
    "growth_model",
    "paired_change",
    "panel",
    "programme_effect",
    "target_attainment",
]

#: Columns that identify an outcome in long-form score tables; the change functions work per
#: combination of those present.
OUTCOME_KEYS: tuple[str, ...] = ("level", "unit")

#: Plain-language caveat attached to every programme-effect result.
PROGRAMME_CAVEAT: Mapping[str, str] = {
    "en": (
        "Organisations chose to join the programme themselves, so the estimate compares "
        "participants with organisations that had not (yet) joined and is not a randomised "
        "effect: it can include differences in motivation, resources or timing."
    ),
    "sv": (
        "Organisationerna valde själva att delta i programmet, så skattningen jämför "
        "deltagare med organisationer som (ännu) inte deltog och är inte en randomiserad "
        "effekt: den kan spegla skillnader i motivation, resurser eller tidpunkt."
    ),
}


# --------------------------------------------------------------------------------------------
# Input checks and small helpers
# --------------------------------------------------------------------------------------------
def _require_columns(df: pd.DataFrame, columns: Iterable[str], argument: str = "df") -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{argument} must be a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{argument} lacks column(s) {missing}; it has {list(df.columns)} "
            "(pass the column names as keyword arguments if they differ)"
        )


def _outcome_keys(df: pd.DataFrame) -> list[str]:
    return [c for c in OUTCOME_KEYS if c in df.columns]


def _check_ci(ci: float) -> None:
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1 (e.g. 0.95), got {ci}")


def _t_interval(
    estimate: np.ndarray | float, se: np.ndarray | float, df: np.ndarray | float, ci: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-sided t interval and p-value for estimate/se with df degrees of freedom."""
    estimate, se = np.asarray(estimate, dtype=float), np.asarray(se, dtype=float)
    crit = stats.t.ppf(0.5 + ci / 2, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.t.sf(np.abs(estimate / se), df)
    return estimate - crit * se, estimate + crit * se, p


# --------------------------------------------------------------------------------------------
# Panel and attrition
# --------------------------------------------------------------------------------------------
def panel(
    org_scores: pd.DataFrame,
    baseline: int,
    follow_up: int,
    *,
    id_col: str = "organisation_id",
    year_col: str = "year",
    value_col: str = "score_pct",
    se_col: str = "se",
) -> pd.DataFrame:
    """Wide panel of the organisations measured in both the baseline and the follow-up round.

    Parameters
    ----------
    org_scores : DataFrame
        Organisation scores per round (one row per organisation, round and, if present,
        ``level``/``unit``).
    baseline, follow_up : int
        The two rounds (values of ``year_col``); ``follow_up`` must differ from ``baseline``.
    id_col, year_col, value_col : str
        Column names (defaults ``organisation_id``, ``year``, ``score_pct``).
    se_col : str, default "se"
        Standard error of the organisation mean; carried over when the column exists.

    Returns
    -------
    DataFrame
        One row per organisation (and ``level``/``unit``) with both rounds non-missing:
        the key columns, ``baseline``, ``follow_up``, ``change`` (follow_up - baseline) and,
        when ``se_col`` exists, ``se_baseline`` and ``se_follow_up``.

    Notes
    -----
    Organisations measured in only one of the two rounds are left out here; compare them with
    :func:`attrition_table`. Duplicate rows for an organisation and round raise ValueError.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"year": [2021, 2023, 2021], "organisation_id": ["a", "a", "b"],
    ...                   "score_pct": [40.0, 46.0, 50.0]})
    >>> panel(s, 2021, 2023)[["organisation_id", "change"]].to_dict("records")
    [{'organisation_id': 'a', 'change': 6.0}]
    """
    _require_columns(org_scores, [id_col, year_col, value_col], "org_scores")
    if baseline == follow_up:
        raise ValueError("baseline and follow_up must be different rounds")
    keys = [*_outcome_keys(org_scores), id_col]
    value_cols = [value_col] + ([se_col] if se_col in org_scores.columns else [])
    rounds = org_scores[org_scores[year_col].isin([baseline, follow_up])]
    rounds = rounds.dropna(subset=[value_col])
    duplicated = rounds.duplicated([*keys, year_col])
    if duplicated.any():
        example = rounds.loc[duplicated, [*keys, year_col]].iloc[0].to_dict()
        raise ValueError(f"org_scores has duplicate rows per {keys + [year_col]}, e.g. {example}")
    for year, label in ((baseline, "baseline"), (follow_up, "follow_up")):
        if not (rounds[year_col] == year).any():
            raise ValueError(f"{label}={year} has no scores in column {year_col!r}")
    wide = rounds.pivot(index=keys, columns=year_col, values=value_cols).dropna(
        subset=[(value_col, baseline), (value_col, follow_up)]
    )
    out = pd.DataFrame(index=wide.index)
    out["baseline"] = wide[(value_col, baseline)]
    out["follow_up"] = wide[(value_col, follow_up)]
    out["change"] = out["follow_up"] - out["baseline"]
    if se_col in value_cols:
        out["se_baseline"] = wide[(se_col, baseline)]
        out["se_follow_up"] = wide[(se_col, follow_up)]
    return out.reset_index()


def attrition_table(
    org_scores: pd.DataFrame,
    baseline: int,
    follow_up: int,
    *,
    id_col: str = "organisation_id",
    year_col: str = "year",
    value_col: str = "score_pct",
) -> pd.DataFrame:
    """Baseline scores of organisations that stayed to the follow-up versus those that left.

    Parameters
    ----------
    org_scores : DataFrame
        Organisation scores per round.
    baseline, follow_up : int
        The two rounds.
    id_col, year_col, value_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per ``level``/``unit`` (a single row when those columns are absent) with the
        key columns, ``n_stayed, mean_stayed, sd_stayed, n_left, mean_left, sd_left``,
        ``diff`` (mean_stayed - mean_left), ``t``, ``df``, ``p`` (Welch two-sample t test,
        NaN when a group has fewer than two organisations) and ``method``.

    Notes
    -----
    "Stayed" = has a non-missing score in both rounds (the organisations of :func:`panel`);
    "left" = scored at baseline only. A baseline difference warns that the panel is not a
    random subset of the baseline sample, so change in the panel may not generalise. Welch's t
    test matches R ``t.test(stayed, left)``.
    """
    wide = panel(
        org_scores, baseline, follow_up, id_col=id_col, year_col=year_col, value_col=value_col
    )
    keys = _outcome_keys(org_scores)
    base = org_scores[(org_scores[year_col] == baseline) & org_scores[value_col].notna()]
    stayed_ids = pd.MultiIndex.from_frame(wide[[*keys, id_col]])
    stayed = pd.MultiIndex.from_frame(base[[*keys, id_col]]).isin(stayed_ids)
    base = base.assign(_stayed=stayed)
    rows = []
    for key, group in base.groupby(keys, sort=True) if keys else [((), base)]:
        a = group.loc[group["_stayed"], value_col].to_numpy(dtype=float)
        b = group.loc[~group["_stayed"], value_col].to_numpy(dtype=float)
        if a.size >= 2 and b.size >= 2:
            test = stats.ttest_ind(a, b, equal_var=False)
            t_stat, p_value, dof = float(test.statistic), float(test.pvalue), float(test.df)
        else:
            t_stat = p_value = dof = np.nan
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        row.update(
            n_stayed=a.size,
            mean_stayed=a.mean() if a.size else np.nan,
            sd_stayed=a.std(ddof=1) if a.size > 1 else np.nan,
            n_left=b.size,
            mean_left=b.mean() if b.size else np.nan,
            sd_left=b.std(ddof=1) if b.size > 1 else np.nan,
        )
        row.update(
            diff=row["mean_stayed"] - row["mean_left"],
            t=t_stat,
            df=dof,
            p=p_value,
            method="Welch two-sample t test (baseline score, stayed vs left)",
        )
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Paired change
# --------------------------------------------------------------------------------------------
def paired_change(
    panel_df: pd.DataFrame,
    *,
    ci: float = 0.95,
    reliable_change_z: float = 1.96,
    reliability: float | None = None,
) -> pd.DataFrame:
    """Mean change between two rounds with interval, effect size and reliable change shares.

    Parameters
    ----------
    panel_df : DataFrame
        Output of :func:`panel`: ``baseline``, ``follow_up``, ``change`` and optionally
        ``se_baseline``, ``se_follow_up`` and ``level``/``unit``.
    ci : float, default 0.95
        Confidence level of the t interval of the mean change.
    reliable_change_z : float, default 1.96
        z multiplier of the reliable change threshold (1.96: 95 % two-sided).
    reliability : float, optional
        Reliability of organisation scores (e.g. ICC(2) of the organisation mean), used for
        the Jacobson-Truax threshold when the panel has no se columns. Without se columns and
        without ``reliability`` the reliable shares are NaN and ``reliable_change_basis`` is
        ``"none"``.

    Returns
    -------
    DataFrame
        One row per ``level``/``unit`` (one row when absent): the key columns, ``n``,
        ``mean_change``, ``ci_low``, ``ci_high`` (t interval, n - 1 df), ``sd_change``,
        ``d_z`` (mean_change / sd_change), ``p`` (paired t test, as R
        ``t.test(follow_up, baseline, paired = TRUE)``), ``share_improved`` (change > 0),
        ``share_reliably_improved``, ``share_reliably_declined``, ``reliable_change_basis``
        (``"se"``, ``"jacobson_truax"`` or ``"none"``) and ``method``.

    Notes
    -----
    Reliable change: an organisation's change counts as reliable when
    :math:`|change| > z \\cdot SE_{diff}`.

    - With se columns (measurement error of each organisation mean from its respondents):
      :math:`SE_{diff,i} = \\sqrt{se_{baseline,i}^2 + se_{follow\\_up,i}^2}`, organisation by
      organisation; organisations without both se values are left out of the reliable
      shares' denominator.
    - Without them, Jacobson & Truax (1991):
      :math:`SE_{diff} = \\sqrt 2 \\, s_{baseline} \\sqrt{1 - r_{xx}}` with the standard
      deviation of the baseline scores and ``reliability`` :math:`r_{xx}`, one threshold for
      all organisations.

    :math:`d_z` is the standardised mean of the differences (Cohen 1988), not comparable to a
    between-groups d.

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical approach to
    defining meaningful change. *Journal of Consulting and Clinical Psychology*, 59, 12-19.
    """
    _require_columns(panel_df, ["baseline", "follow_up", "change"], "panel_df")
    _check_ci(ci)
    if reliable_change_z <= 0:
        raise ValueError(f"reliable_change_z must be positive, got {reliable_change_z}")
    if reliability is not None and not 0 <= reliability < 1:
        raise ValueError(f"reliability must be in [0, 1), got {reliability}")
    keys = _outcome_keys(panel_df)
    has_se = {"se_baseline", "se_follow_up"} <= set(panel_df.columns)
    data = panel_df.dropna(subset=["change"])
    if data.empty:
        raise ValueError("panel_df has no organisation with a non-missing change")
    rows = []
    for key, group in data.groupby(keys, sort=True) if keys else [((), data)]:
        change = group["change"].to_numpy(dtype=float)
        n = change.size
        mean, sd = change.mean(), (change.std(ddof=1) if n > 1 else np.nan)
        low, high, p = (
            _t_interval(mean, sd / np.sqrt(n), n - 1, ci) if n > 1 else (np.nan, np.nan, np.nan)
        )
        if has_se:
            threshold = reliable_change_z * np.hypot(group["se_baseline"], group["se_follow_up"])
            threshold = threshold.to_numpy(dtype=float)
            basis = "se"
        elif reliability is not None:
            sd_base = group["baseline"].std(ddof=1)
            threshold = np.full(n, reliable_change_z * np.sqrt(2 * (1 - reliability)) * sd_base)
            basis = "jacobson_truax"
        else:
            threshold = np.full(n, np.nan)
            basis = "none"
        known = ~np.isnan(threshold)
        with np.errstate(invalid="ignore"):
            improved = np.mean(change[known] > threshold[known]) if known.any() else np.nan
            declined = np.mean(change[known] < -threshold[known]) if known.any() else np.nan
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,)))
        row.update(
            n=n,
            mean_change=mean,
            ci_low=float(low),
            ci_high=float(high),
            sd_change=sd,
            d_z=mean / sd if sd > 0 else np.nan,
            p=float(p),
            share_improved=np.mean(change > 0),
            share_reliably_improved=improved,
            share_reliably_declined=declined,
            reliable_change_basis=basis,
            method="paired t test",
        )
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Growth model
# --------------------------------------------------------------------------------------------
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
        _check_ci(ci)
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
        _check_ci(ci)
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
    _require_columns(df, base_cols, "df")
    data = df.dropna(subset=base_cols)
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence is checked through the gradient below
        first = model.fit(reml=True, method="lbfgs")
        fit = model.fit(
            reml=True, method="bfgs", start_params=first.params_object, gtol=1e-10, maxiter=5000
        )
        packed = fit.params_object.get_packed(use_sqrt=model.use_sqrt, has_fe=False)
        gradient = model.score(packed, profile_fe=True)
    converged = bool(np.all(np.isfinite(gradient)) and np.max(np.abs(gradient)) < 1e-4)

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


# --------------------------------------------------------------------------------------------
# Programme evaluation: two-way fixed effects
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProgrammeEffectResult:
    """Result of :func:`programme_effect`.

    Attributes
    ----------
    effect : DataFrame
        One row: ``term, estimate, se, ci_low, ci_high, p, n_obs, n_clusters, n_treated,
        method``.
    caveat : Mapping
        ``{"en": ..., "sv": ...}``: the estimate is not a randomised effect.
    """

    effect: pd.DataFrame
    caveat: Mapping[str, str] = field(default_factory=lambda: dict(PROGRAMME_CAVEAT))


@dataclass(frozen=True)
class EventStudyResult:
    """Result of :func:`event_study`.

    Attributes
    ----------
    coefficients : DataFrame
        One row per event time: ``event_time, estimate, se, ci_low, ci_high, p, n_obs,
        is_reference`` (the reference period -1 has estimate 0 and se NaN).
    pre_trend_test : DataFrame
        One row: ``statistic`` (F), ``df1``, ``df2``, ``p``, ``n_leads``, ``method``.
    caveat : Mapping
        As in :class:`ProgrammeEffectResult`.
    """

    coefficients: pd.DataFrame
    pre_trend_test: pd.DataFrame
    caveat: Mapping[str, str] = field(default_factory=lambda: dict(PROGRAMME_CAVEAT))


def _programme_data(
    df: pd.DataFrame, programme_col: str, outcome: str, id_col: str, year_col: str
) -> pd.DataFrame:
    _require_columns(df, [programme_col, outcome, id_col, year_col], "df")
    data = df.dropna(subset=[outcome, id_col, year_col]).reset_index(drop=True)
    starts = data.groupby(id_col)[programme_col].nunique(dropna=False)
    if (starts > 1).any():
        raise ValueError(
            f"{programme_col!r} must be constant within each organisation; "
            f"{starts.index[starts > 1][:5].tolist()} have several values"
        )
    if data[year_col].nunique() < 2:
        raise ValueError(f"programme evaluation needs at least two rounds in {year_col!r}")
    return data


def _twfe_cluster_fit(
    data: pd.DataFrame, regressors: pd.DataFrame, outcome: str, id_col: str, year_col: str
) -> tuple[pd.Series, pd.DataFrame, int]:
    """OLS of outcome on regressors + organisation and year dummies, CR1 cluster covariance.

    Returns the regressor coefficients, their cluster-robust covariance and the number of
    clusters. The design (regressors, all organisation dummies, year dummies but the first) has
    as many columns as R's ``lm(y ~ D + factor(id) + factor(year))``, so the small-sample factor
    :math:`G/(G-1) \\cdot (N-1)/(N-K)` of statsmodels ``cov_type="cluster"`` equals
    ``sandwich::vcovCL(type = "HC1")``.
    """
    org_dummies = pd.get_dummies(data[id_col], prefix="org", dtype=float)
    year_dummies = pd.get_dummies(data[year_col], prefix="yr", drop_first=True, dtype=float)
    design = pd.concat([regressors.astype(float), org_dummies, year_dummies], axis=1)
    # Rank-revealing pivoted QR (cheaper than an SVD on organisations x rounds dummies).
    r_factor = linalg.qr(design.to_numpy(), mode="r", pivoting=True)[0]
    diagonal = np.abs(np.diag(r_factor))
    rank = int(np.sum(diagonal > diagonal[0] * max(design.shape) * np.finfo(float).eps))
    if rank < design.shape[1]:
        raise ValueError(
            "the treatment indicators are collinear with the organisation and year fixed "
            "effects (e.g. every participant is treated in all its observed rounds, or an "
            "event-time bin coincides with a year); add never-treated organisations or rounds "
            "before the start, or use fewer leads/lags"
        )
    clusters, _ = pd.factorize(data[id_col])
    # hasconst: the organisation dummies sum to one (skips statsmodels' implicit-constant check)
    fit = sm.OLS(data[outcome].to_numpy(dtype=float), design, hasconst=True).fit(
        method="qr",
        cov_type="cluster",
        cov_kwds={"groups": clusters, "use_correction": True},
        use_t=True,
    )
    names = list(regressors.columns)
    return fit.params[names], fit.cov_params().loc[names, names], int(clusters.max() + 1)


def _effect_rows(params: pd.Series, cov: pd.DataFrame, n_clusters: int, ci: float) -> pd.DataFrame:
    se = np.sqrt(np.diag(cov))
    low, high, p = _t_interval(params.to_numpy(), se, n_clusters - 1, ci)
    return pd.DataFrame(
        {"estimate": params.to_numpy(), "se": se, "ci_low": low, "ci_high": high, "p": p}
    )


#: Reasons a programme evaluation cannot be estimated (see :func:`programme_design_problem`).
DESIGN_PROBLEMS = {
    "too_few_rounds": "too few rounds",
    "all_treated": "no variation in treatment: every organisation-round is treated",
    "none_treated": "no variation in treatment: no organisation-round is treated",
}


def _design_problem(
    data: pd.DataFrame, programme_col: str, year_col: str, min_rounds: int
) -> str | None:
    if data[year_col].nunique() < min_rounds:
        return "too_few_rounds"
    start = data[programme_col]
    treated_now = start.notna() & (data[year_col] >= start)
    if treated_now.all():
        return "all_treated"
    if not treated_now.any():
        return "none_treated"
    return None


def programme_design_problem(
    df: pd.DataFrame,
    *,
    min_rounds: int = 2,
    programme_col: str = "programme_start",
    outcome: str = "score_pct",
    id_col: str = "organisation_id",
    year_col: str = "year",
) -> str | None:
    """Why a programme evaluation cannot be estimated on ``df``, or None when it can.

    Parameters
    ----------
    df : DataFrame
        As for :func:`programme_effect`.
    min_rounds : int, default 2
        Rounds needed: 2 for :func:`programme_effect`, 3 for :func:`event_study`.

    Returns
    -------
    str or None
        A key of :data:`DESIGN_PROBLEMS`: ``"too_few_rounds"``, ``"all_treated"`` (every
        organisation-round observed is already in the programme, e.g. when only programme
        members were measured after the start) or ``"none_treated"``; None when estimable.
        Reports use it to state why an effect is not shown instead of failing.
    """
    data = _programme_data(df, programme_col, outcome, id_col, year_col)
    return _design_problem(data, programme_col, year_col, min_rounds)


def programme_effect(
    df: pd.DataFrame,
    *,
    programme_col: str = "programme_start",
    outcome: str = "score_pct",
    id_col: str = "organisation_id",
    year_col: str = "year",
    ci: float = 0.95,
) -> ProgrammeEffectResult:
    """Difference-in-differences estimate of a support programme's effect (two-way FE).

    Parameters
    ----------
    df : DataFrame
        Organisation scores per round (long), with the programme start year per organisation
        (NaN = never joined).
    programme_col, outcome, id_col, year_col : str
        Column names (defaults ``programme_start``, ``score_pct``, ``organisation_id``,
        ``year``).
    ci : float, default 0.95
        Confidence level.

    Returns
    -------
    ProgrammeEffectResult
        ``effect`` (one row: ``term`` = "programme", ``estimate, se, ci_low, ci_high, p,
        n_obs, n_clusters, n_treated`` = organisations with a programme start, ``method``) and
        the ``caveat`` in English and Swedish.

    Notes
    -----
    Treated organisations have a start year; :math:`D_{it} = 1` when organisation *i* is
    treated and :math:`t \\ge` its start year (staggered adoption, treatment is absorbing).
    Model: :math:`y_{it} = \\alpha_i + \\lambda_t + \\delta D_{it} + e_{it}` by OLS with
    organisation and year fixed effects. SE: cluster-robust by organisation with the CR1/HC1
    small-sample factor :math:`\\frac{G}{G-1}\\frac{N-1}{N-K}` (K counts all fixed-effect
    dummies), statsmodels ``cov_type="cluster"`` with its default correction, identical to R
    ``sandwich::vcovCL(fit, cluster = ~organisation_id, type = "HC1")``. Interval and p use a
    t distribution with G - 1 df (Stata convention; ``lmtest::coeftest`` would use N - K).

    Caveat: with staggered starts and effects that change with time since start or differ by
    start cohort, the TWFE :math:`\\delta` is a weighted average of all 2x2 comparisons,
    including "already treated vs newly treated" ones, and can be biased, even of the wrong
    sign (Goodman-Bacon 2021; de Chaisemartin & D'Haultfoeuille 2020). Inspect
    :func:`event_study`. Participation is self-selected: the estimate is not a randomised
    effect (see ``caveat``).

    References
    ----------
    Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
    *Journal of Econometrics*, 225, 254-277.
    Cameron, A. C., & Miller, D. L. (2015). A practitioner's guide to cluster-robust
    inference. *Journal of Human Resources*, 50, 317-372.
    """
    _check_ci(ci)
    data = _programme_data(df, programme_col, outcome, id_col, year_col)
    problem = _design_problem(data, programme_col, year_col, min_rounds=2)
    if problem is not None:
        raise ValueError(f"programme_effect: {DESIGN_PROBLEMS[problem]} ({programme_col!r})")
    start = data[programme_col]
    treated_now = (start.notna() & (data[year_col] >= start)).astype(float)
    params, cov, n_clusters = _twfe_cluster_fit(
        data, pd.DataFrame({"programme": treated_now}), outcome, id_col, year_col
    )
    effect = _effect_rows(params, cov, n_clusters, ci)
    effect.insert(0, "term", "programme")
    effect["n_obs"] = len(data)
    effect["n_clusters"] = n_clusters
    effect["n_treated"] = int(data.loc[start.notna(), id_col].nunique())
    effect["method"] = "two-way fixed-effects DiD, cluster-robust SE by organisation (CR1/HC1)"
    return ProgrammeEffectResult(effect=effect)


def event_study(
    df: pd.DataFrame,
    *,
    programme_col: str = "programme_start",
    outcome: str = "score_pct",
    id_col: str = "organisation_id",
    year_col: str = "year",
    leads: int = 3,
    lags: int = 3,
    ci: float = 0.95,
) -> EventStudyResult:
    """Event-study (leads and lags) version of :func:`programme_effect` with a pre-trend test.

    Parameters
    ----------
    df : DataFrame
        As for :func:`programme_effect`; needs at least three distinct rounds.
    programme_col, outcome, id_col, year_col : str
        Column names.
    leads : int, default 3
        Event times -leads, ..., -2 get their own coefficient; -leads is binned (all earlier
        times fall in it). -1 is the reference. ``leads=1`` estimates no lead.
    lags : int, default 3
        Event times 0, ..., lags; lags is binned (all later times fall in it).
    ci : float, default 0.95
        Confidence level.

    Returns
    -------
    EventStudyResult
        ``coefficients`` (event time -1 included as the reference row), ``pre_trend_test``.

    Notes
    -----
    Event time :math:`k = t - start_i` in years (rounds are yearly). Model:
    :math:`y_{it} = \\alpha_i + \\lambda_t + \\sum_{k \\ne -1} \\delta_k 1[K_{it} = k] + e_{it}`
    with binned end points, never-treated organisations as controls, and the same
    cluster-robust (CR1) covariance as :func:`programme_effect`. Bins without observations are
    left out (``n_obs`` = 0, estimate NaN).

    Pre-trend test: :math:`F = \\hat\\delta_L' V_L^{-1} \\hat\\delta_L / q` over the
    :math:`q` lead coefficients with the cluster-robust covariance, p from
    :math:`F(q, G - 1)`. A small p says treated and control organisations already diverged
    before the start, undermining the parallel-trends assumption; a large p does not prove
    parallel trends (low power with few rounds). Event-study coefficients under staggered
    adoption share the TWFE caveat (Sun & Abraham 2021).

    References
    ----------
    Sun, L., & Abraham, S. (2021). Estimating dynamic treatment effects in event studies with
    heterogeneous treatment effects. *Journal of Econometrics*, 225, 175-199.
    """
    _check_ci(ci)
    if leads < 1 or lags < 0:
        raise ValueError(f"leads must be >= 1 and lags >= 0, got leads={leads}, lags={lags}")
    data = _programme_data(df, programme_col, outcome, id_col, year_col)
    n_rounds = data[year_col].nunique()
    problem = _design_problem(data, programme_col, year_col, min_rounds=1)
    if problem is not None:
        raise ValueError(f"event_study: {DESIGN_PROBLEMS[problem]} ({programme_col!r})")
    if n_rounds < 3:
        raise ValueError(
            f"event_study needs at least three rounds in {year_col!r} (found {n_rounds}); "
            "use programme_effect for two rounds"
        )
    event_time = (data[year_col] - data[programme_col]).clip(lower=-leads, upper=lags)
    all_times = [k for k in range(-leads, lags + 1) if k != -1]
    counts = {k: int((event_time == k).sum()) for k in all_times}
    used = [k for k in all_times if counts[k] > 0]
    if not used:
        raise ValueError(f"no organisation in df has a start year in {programme_col!r}")
    regressors = pd.DataFrame({f"event_{k}": (event_time == k).astype(float) for k in used})
    params, cov, n_clusters = _twfe_cluster_fit(data, regressors, outcome, id_col, year_col)
    rows = _effect_rows(params, cov, n_clusters, ci).set_index(pd.Index(used))
    rows.loc[-1, "estimate"] = 0.0  # reference period: fixed at zero, no se
    event_times = sorted([*all_times, -1])
    coefficients = rows.reindex(event_times).rename_axis("event_time").reset_index()
    counts[-1] = int((event_time == -1).sum())
    coefficients["n_obs"] = coefficients["event_time"].map(counts)
    coefficients["is_reference"] = coefficients["event_time"] == -1

    lead_names = [f"event_{k}" for k in used if k < -1]
    if lead_names:
        b = params[lead_names].to_numpy()
        f_stat = float(b @ np.linalg.solve(cov.loc[lead_names, lead_names].to_numpy(), b))
        f_stat /= len(lead_names)
        p_value = float(stats.f.sf(f_stat, len(lead_names), n_clusters - 1))
    else:
        f_stat = p_value = np.nan
    pre_trend = pd.DataFrame(
        {
            "statistic": [f_stat],
            "df1": [len(lead_names)],
            "df2": [n_clusters - 1],
            "p": [p_value],
            "n_leads": [len(lead_names)],
            "method": ["joint Wald F test of leads = 0, cluster-robust (CR1)"],
        }
    )
    return EventStudyResult(coefficients=coefficients, pre_trend_test=pre_trend)


# --------------------------------------------------------------------------------------------
# Target attainment
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetAttainmentResult:
    """Result of :func:`target_attainment`.

    Attributes
    ----------
    rounds : DataFrame
        Per round: ``year, estimate, ci_low, ci_high, target, gap, gap_ci_low, gap_ci_high,
        target_met, target_met_with_confidence, is_target_year``.
    projection : DataFrame
        One row: ``target, slope, slope_ci_low, slope_ci_high, anchor_year, anchor_estimate,
        projected_year, projected_year_low, projected_year_high, status, source``.
    status : str
        ``"reached"``, ``"projected"``, ``"beyond_horizon"`` or ``"not_reached"``.
    statement : str
        One English sentence saying what the trend implies.
    """

    rounds: pd.DataFrame
    projection: pd.DataFrame
    status: str
    statement: str


def _index_trend(
    national_index: pd.DataFrame,
    ci: float,
    org_scores: pd.DataFrame | None = None,
    n_boot: int = 2_000,
    seed: int = 0,
) -> tuple[float, float, float, float]:
    """Weighted linear fit of the index on year: slope, its se, anchor year and anchor mean.

    Weights 1/se^2 with se = (ci_high - ci_low) / (2 z); slope variance from the known
    round variances times the dispersion max(1, chi2 / (n - 2)) when n >= 3. With
    ``org_scores`` the known-variance part is replaced by the variance of the same fit over
    joint bootstrap resamples of organisations (panel-aware, as ``index_change``).
    """
    z = stats.norm.ppf(0.5 + ci / 2)
    years = national_index["year"].to_numpy(dtype=float)
    estimate = national_index["estimate"].to_numpy(dtype=float)
    se = (national_index["ci_high"] - national_index["ci_low"]).to_numpy(dtype=float) / (2 * z)
    if np.any(se <= 0) or np.isnan(se).any():
        raise ValueError("national_index needs ci_high > ci_low in every round")
    weight = 1 / se**2
    anchor = float(np.sum(weight * years) / weight.sum())
    anchor_mean = float(np.sum(weight * estimate) / weight.sum())
    sxx = np.sum(weight * (years - anchor) ** 2)
    slope = float(np.sum(weight * (years - anchor) * (estimate - anchor_mean)) / sxx)
    dispersion = 1.0
    if years.size >= 3:
        resid = estimate - anchor_mean - slope * (years - anchor)
        dispersion = max(1.0, float(np.sum(weight * resid**2)) / (years.size - 2))
    variance = 1 / sxx
    if org_scores is not None:
        means = _joint_round_means(org_scores, years, n_boot, seed)
        centred = means - (means @ weight / weight.sum())[:, None]
        slopes = centred @ (weight * (years - anchor)) / sxx
        variance = float(np.nanvar(slopes, ddof=1))
    return slope, float(np.sqrt(dispersion * variance)), anchor, anchor_mean


def _joint_round_means(
    org_scores: pd.DataFrame, years: np.ndarray, n_boot: int, seed: int
) -> np.ndarray:
    """(n_boot x rounds) round means over joint resamples of the organisations."""
    from .indices import joint_bootstrap_means

    _require_columns(org_scores, ["year", "organisation_id", "score_pct"], "org_scores")
    rows = org_scores[org_scores["year"].isin(years)]
    if rows.duplicated(["organisation_id", "year"]).any():
        raise ValueError("org_scores must hold one row per organisation and year")
    wide = rows.pivot(index="organisation_id", columns="year", values="score_pct")
    return joint_bootstrap_means(
        wide.reindex(columns=years).to_numpy(float), n_boot=n_boot, seed=seed
    )


def target_attainment(
    national_index: pd.DataFrame,
    target: float = 55.0,
    target_year: int = 2023,
    growth: GrowthModelResult | None = None,
    *,
    ci: float = 0.95,
    horizon: float = 30.0,
    org_scores: pd.DataFrame | None = None,
    n_boot: int = 2_000,
    seed: int = 0,
) -> TargetAttainmentResult:
    """Distance of the national index to a target per round and the projected attainment year.

    Parameters
    ----------
    national_index : DataFrame
        One row per round with ``year, estimate, ci_low, ci_high`` (e.g. the national index
        of :mod:`dimios_research.indices`).
    target : float, default 55.0
        Target value of the index (percent of maximum).
    target_year : int, default 2023
        Year by which the target should be met (flagged in ``is_target_year``).
    growth : GrowthModelResult, optional
        A fitted :func:`growth_model`; its population trend is used for the projection.
        Without it, a weighted linear fit of the index on year is used (see Notes).
    ci : float, default 0.95
        Confidence level of ``national_index`` intervals (used to recover their se) and of
        the slope interval.
    horizon : float, default 30.0
        Years after the last round beyond which a projection is reported as
        ``"beyond_horizon"``.
    org_scores : DataFrame, optional
        The organisation scores behind ``national_index`` (``year, organisation_id,
        score_pct``, one row per organisation and round). Without ``growth``, the slope's
        sampling variance then comes from a joint bootstrap over organisations (an
        organisation measured in several rounds is resampled with all its rounds), as
        :func:`dimios_research.indices.index_change` does; otherwise the rounds are taken
        as independent.
    n_boot, seed : int
        Bootstrap settings for ``org_scores`` (default 2,000 resamples, seed 0).

    Returns
    -------
    TargetAttainmentResult
        ``rounds``, ``projection``, ``status``, ``statement`` (see the class).

    Notes
    -----
    Per round: gap = estimate - target with interval (ci_low - target, ci_high - target);
    ``target_met`` = estimate >= target, ``target_met_with_confidence`` = ci_low >= target.

    Projection: the trend line is anchored at the (weighted) mean year :math:`\\bar t`, where
    the level :math:`\\hat\\mu(\\bar t)` and the slope are (nearly) uncorrelated, and
    :math:`t^* = \\bar t + (target - \\hat\\mu(\\bar t)) / \\hat b`. Its interval replaces
    :math:`\\hat b` with the ends of the slope's normal CI, holding the anchor fixed (the
    uncertainty of the level at the anchor is ignored; with a slope CI that includes 0 the
    far end is infinite). Sources:

    - ``growth``: slope = its time coefficient with ``bse``; anchor = its ``time_mean`` with
      :math:`\\hat\\mu` from :meth:`GrowthModelResult.predict` (covariates at means).
    - no ``growth``: weighted least squares of estimate on year with weights
      :math:`1/se^2`, se = (ci_high - ci_low)/(2 z); slope variance
      :math:`\\phi / \\sum w (t - \\bar t)^2` with the dispersion
      :math:`\\phi = \\max(1, \\chi^2/(n-2))` (rounds that scatter more than their sampling error
      widen the interval; with two rounds :math:`\\phi = 1`). With ``org_scores`` the
      known-variance part :math:`1/\\sum w (t - \\bar t)^2` is replaced by the variance of
      the same weighted slope over joint bootstrap resamples of organisations (panel-aware;
      the rounds of a panel are positively correlated, so independence overstates it).

    Status: ``"reached"`` when the trend line is at or above the target at the last round;
    ``"not_reached"`` when it is below and the slope is <= 0 (the trend never reaches it);
    ``"beyond_horizon"`` when :math:`t^*` is more than ``horizon`` years after the last round;
    else ``"projected"``. A straight-line extrapolation assumes the past yearly change goes on.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.DataFrame({"year": [2019, 2021, 2023], "estimate": [45.0, 49.0, 53.0],
    ...                     "ci_low": [44.0, 48.0, 52.0], "ci_high": [46.0, 50.0, 54.0]})
    >>> round(target_attainment(idx, target=55.0).projection["projected_year"].item(), 6)
    2024.0
    """
    _require_columns(national_index, ["year", "estimate", "ci_low", "ci_high"], "national_index")
    _check_ci(ci)
    index = national_index.dropna(subset=["year", "estimate"]).sort_values("year")
    if index.empty:
        raise ValueError("national_index has no round with a year and an estimate")
    rounds = index[["year", "estimate", "ci_low", "ci_high"]].reset_index(drop=True)
    rounds["target"] = float(target)
    rounds["gap"] = rounds["estimate"] - target
    rounds["gap_ci_low"] = rounds["ci_low"] - target
    rounds["gap_ci_high"] = rounds["ci_high"] - target
    rounds["target_met"] = rounds["estimate"] >= target
    rounds["target_met_with_confidence"] = rounds["ci_low"] >= target
    rounds["is_target_year"] = rounds["year"] == target_year

    if growth is not None:
        slope, slope_se = float(growth.params[growth.time]), float(growth.bse[growth.time])
        anchor = growth.time_mean
        anchor_mean = float(growth.predict([anchor])["estimate"].iloc[0])
        source = "growth model (population mean trend)"
    else:
        if rounds["year"].nunique() < 2:
            raise ValueError(
                "a projection needs at least two rounds in national_index (or pass growth=)"
            )
        slope, slope_se, anchor, anchor_mean = _index_trend(rounds, ci, org_scores, n_boot, seed)
        source = "weighted linear fit of the index"
        if org_scores is not None:
            source += ", joint bootstrap over organisations (panel)"
    z = stats.norm.ppf(0.5 + ci / 2)
    slope_low, slope_high = slope - z * slope_se, slope + z * slope_se
    last_year = float(rounds["year"].max())
    distance = target - anchor_mean

    def crossing(b: float) -> float:
        if b > 0:
            return anchor + distance / b
        return np.inf if distance > 0 else -np.inf

    level_at_last = anchor_mean + slope * (last_year - anchor)
    projected = crossing(slope) if slope > 0 else np.nan
    ends = sorted([crossing(slope_low), crossing(slope_high)]) if slope > 0 else [np.nan] * 2
    if level_at_last >= target:
        status = "reached"
        statement = (
            f"The trend line is at {level_at_last:.1f} in {last_year:.0f}, at or above "
            f"the target {target:g}."
        )
    elif slope <= 0:
        status = "not_reached"
        statement = (
            f"The trend does not reach the target {target:g}: the estimated yearly "
            f"change is {slope:+.2f} points."
        )
    elif projected > last_year + horizon:
        status = "beyond_horizon"
        statement = (
            f"At {slope:+.2f} points a year the trend would reach {target:g} only in "
            f"{projected:.0f}, more than {horizon:g} years after {last_year:.0f}."
        )
    else:
        status = "projected"
        statement = (
            f"At {slope:+.2f} points a year the trend reaches {target:g} in "
            f"{projected:.1f} (interval {ends[0]:.1f} to {ends[1]:.1f})."
        )
    projection = pd.DataFrame(
        {
            "target": [float(target)],
            "slope": [slope],
            "slope_ci_low": [slope_low],
            "slope_ci_high": [slope_high],
            "anchor_year": [anchor],
            "anchor_estimate": [anchor_mean],
            "projected_year": [projected],
            "projected_year_low": [ends[0]],
            "projected_year_high": [ends[1]],
            "status": [status],
            "source": [source],
        }
    )
    return TargetAttainmentResult(
        rounds=rounds, projection=projection, status=status, statement=statement
    )
