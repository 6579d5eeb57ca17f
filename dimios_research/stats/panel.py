"""Panels of organisations measured in two rounds: who stayed, and how much they changed.

Input: organisation-level scores per round, a tidy DataFrame with ``year, organisation_id,
score_pct`` (0-100) and optionally ``se`` (standard error of the organisation mean from its
respondents), ``n_respondents`` and organisation attributes (``type``, ``size_class``,
``county``). When the frame holds several outcomes in long form, the columns ``level`` and
``unit`` identify them and the functions work per level/unit.

Growth models are in :mod:`~dimios_research.stats.growth`, programme evaluation in
:mod:`~dimios_research.stats.programme` and :mod:`~dimios_research.stats.did`, targets in
:mod:`~dimios_research.stats.targets`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..conventions import check_ci, require_columns
from .intervals import t_interval

__all__ = ["OUTCOME_KEYS", "attrition_table", "paired_change", "panel"]

#: Columns that identify an outcome in long-form score tables; the change functions work per
#: combination of those present.
OUTCOME_KEYS: tuple[str, ...] = ("level", "unit")


def _outcome_keys(df: pd.DataFrame) -> list[str]:
    return [c for c in OUTCOME_KEYS if c in df.columns]


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
    require_columns(org_scores, [id_col, year_col, value_col], "org_scores")
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
    require_columns(panel_df, ["baseline", "follow_up", "change"], "panel_df")
    check_ci(ci)
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
            t_interval(mean, sd / np.sqrt(n), n - 1, ci) if n > 1 else (np.nan, np.nan, np.nan)
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
