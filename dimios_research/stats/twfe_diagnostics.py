"""What a two-way fixed-effects DiD averages under staggered adoption.

The TWFE coefficient :math:`\\hat\\beta` of :math:`y_{it} = \\alpha_i + \\lambda_t + \\beta
D_{it} + e_{it}` (:math:`D_{it} = 1[t \\ge s_i]`) is

- a weighted average of all 2x2 difference-in-differences between timing groups
  (Goodman-Bacon 2021): :func:`bacon_decomposition` (balanced panels);
- a weighted sum of the treated cells' effects, :math:`\\sum_{D_{it}=1} w_{it}\\,\\Delta_{it}`
  with weights that can be negative (de Chaisemartin & D'Haultfœuille 2020):
  :func:`twfe_weights` (balanced or not).

Both return codes and numbers; ``negative`` flags the cells whose effect enters the TWFE
coefficient with a negative weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .did import rounds_frame

__all__ = ["TwfeWeights", "bacon_decomposition", "twfe_weights"]


@dataclass(frozen=True)
class TwfeWeights:
    """Result of :func:`twfe_weights`.

    Attributes
    ----------
    cells : DataFrame
        One row per treated (group, year) cell: ``group, year, event_time, n_obs, weight,
        negative``; the weights sum to 1.
    summary : DataFrame
        One row: ``twfe, n_treated_obs, n_cells, n_negative_cells, negative_weight_sum,
        method``.
    """

    cells: pd.DataFrame
    summary: pd.DataFrame


def _within(
    values: np.ndarray, org: np.ndarray, year: np.ndarray, tol: float = 1e-13
) -> np.ndarray:
    """Residual of values on organisation and year dummies (alternating projections).

    Each sweep subtracts organisation means then year means (``bincount``, no loop over
    rows); sweeps stop when the largest change is below ``tol`` times the scale. Exact in
    one sweep on a balanced panel; converges geometrically on an unbalanced one.
    """
    resid = values.astype(float).copy()
    n_org, n_year = org.max() + 1, year.max() + 1
    size_org, size_year = np.bincount(org, minlength=n_org), np.bincount(year, minlength=n_year)
    scale = max(float(np.abs(resid).max()), 1.0)
    for _ in range(100_000):  # sweeps, not rows
        before = resid.copy()
        resid -= (np.bincount(org, resid, n_org) / size_org)[org]
        resid -= (np.bincount(year, resid, n_year) / size_year)[year]
        if np.abs(resid - before).max() <= tol * scale:
            return resid
    raise RuntimeError("two-way demeaning did not converge; check for disconnected panels")


def _treatment(
    df: pd.DataFrame, outcome: str, start_col: str, id_col: str, year_col: str
) -> pd.DataFrame:
    data = rounds_frame(df, outcome, start_col, id_col, year_col)
    start = data[start_col].to_numpy(dtype=float)
    treated = ~np.isnan(start) & (data[year_col].to_numpy() >= np.nan_to_num(start, nan=np.inf))
    if treated.all() or not treated.any():
        raise ValueError(
            f"the TWFE coefficient needs treated and untreated organisation-rounds; "
            f"{'all' if treated.all() else 'none'} of the rows are treated ({start_col!r})"
        )
    return data.assign(_d=treated.astype(float))


def twfe_weights(
    df: pd.DataFrame,
    *,
    outcome: str = "score_pct",
    start_col: str = "programme_start",
    id_col: str = "organisation_id",
    year_col: str = "year",
) -> TwfeWeights:
    """De Chaisemartin–D'Haultfœuille weights of the TWFE DiD coefficient.

    Parameters
    ----------
    df : DataFrame
        One row per organisation and round with the outcome and the programme start
        (NaN = never); rows without an outcome are dropped.
    outcome, start_col, id_col, year_col : str
        Column names.

    Returns
    -------
    TwfeWeights

    Notes
    -----
    Let :math:`\\varepsilon_{it}` be the residual of :math:`D_{it}` on organisation and year
    dummies (over the observed rows). By Frisch–Waugh–Lovell
    :math:`\\hat\\beta = \\sum \\varepsilon_{it} y_{it} / \\sum \\varepsilon_{it} D_{it}`, and
    under parallel trends :math:`E\\hat\\beta = \\sum_{D_{it}=1} w_{it}\\,E\\Delta_{it}` with
    :math:`w_{it} = \\varepsilon_{it} / \\sum_{D=1} \\varepsilon` (de Chaisemartin &
    D'Haultfœuille 2020, Theorem 1). The weights sum to one; a negative weight means a
    larger effect in that cell lowers :math:`\\hat\\beta`. Cell weights are sums over the
    cell's organisation-rounds (equal within a cell on a balanced panel).

    References
    ----------
    de Chaisemartin, C., & D'Haultfœuille, X. (2020). Two-way fixed effects estimators with
    heterogeneous treatment effects. *American Economic Review*, 110(9), 2964-2996.

    Examples
    --------
    >>> df = pd.DataFrame({"organisation_id": list("aaabbbccc"), "year": [1, 2, 3] * 3,
    ...                    "programme_start": [2] * 3 + [3] * 3 + [None] * 3,
    ...                    "score_pct": [0.0, 1.0, 2.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]})
    >>> twfe_weights(df).cells["weight"].round(4).tolist()
    [0.5, 0.0, 0.5]
    """
    data = _treatment(df, outcome, start_col, id_col, year_col)
    org = pd.factorize(data[id_col])[0]
    year = pd.factorize(data[year_col])[0]
    resid = _within(data["_d"].to_numpy(), org, year)
    d = data["_d"].to_numpy()
    twfe = float(resid @ data[outcome].to_numpy(dtype=float) / (resid @ d))
    treated = data[d == 1].assign(_w=resid[d == 1] / resid[d == 1].sum())
    cells = (
        treated.groupby([start_col, year_col], sort=True)
        .agg(n_obs=("_w", "size"), weight=("_w", "sum"))
        .reset_index()
        .rename(columns={start_col: "group", year_col: "year"})
    )
    cells["group"] = cells["group"].astype(int)
    cells.insert(2, "event_time", cells["year"] - cells["group"])
    cells["negative"] = cells["weight"] < -1e-12
    summary = pd.DataFrame(
        {
            "twfe": [twfe],
            "n_treated_obs": [int(d.sum())],
            "n_cells": [len(cells)],
            "n_negative_cells": [int(cells["negative"].sum())],
            "negative_weight_sum": [float(cells.loc[cells["negative"], "weight"].sum())],
            "method": ["de_chaisemartin_dhaultfoeuille_2020"],
        }
    )
    return TwfeWeights(cells=cells, summary=summary)


def _timing_groups(data: pd.DataFrame, start_col: str, id_col: str, years: np.ndarray):
    """Per timing group: label, start, share of organisations n_k and treated share D_k."""
    start = data.groupby(id_col, sort=True)[start_col].first().to_numpy(dtype=float, copy=True)
    start[start > years[-1]] = np.nan  # starting after the last round = never here
    key = np.where(np.isnan(start), np.inf, np.maximum(start, years[0]))
    labels, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    treated_share = np.array([np.mean(years >= k) for k in labels])  # a handful of groups
    return labels, inverse, counts / counts.sum(), treated_share


def _two_by_two(means: np.ndarray, years: np.ndarray, treated: int, control: int, window, start):
    """2x2 DiD of group ``treated`` against ``control`` on the rounds in ``window``."""
    post, pre = window & (years >= start), window & (years < start)
    change = means[:, post].mean(axis=1) - means[:, pre].mean(axis=1)
    return float(change[treated] - change[control])


def bacon_decomposition(
    df: pd.DataFrame,
    *,
    outcome: str = "score_pct",
    start_col: str = "programme_start",
    id_col: str = "organisation_id",
    year_col: str = "year",
) -> pd.DataFrame:
    """Goodman-Bacon decomposition of the TWFE DiD coefficient (balanced panels).

    Parameters
    ----------
    df : DataFrame
        A balanced panel: every organisation observed in every round.
    outcome, start_col, id_col, year_col : str
        Column names.

    Returns
    -------
    DataFrame
        One row per 2x2 comparison: ``treated_group, control_group, type, estimate,
        weight``; ``type`` is ``"treated_vs_never"``, ``"earlier_vs_later"`` (the later group
        not yet treated is the control), ``"later_vs_earlier"`` (the already treated earlier
        group is the control: the comparison that biases TWFE when effects change over time)
        or ``"treated_vs_always"``. Groups are start years; never treated is ``inf`` and
        always treated (start in or before the first round) is the first round. The weights
        sum to 1 and :math:`\\sum_k s_k \\hat\\beta_k` equals the TWFE coefficient.

    Notes
    -----
    With :math:`n_k` the share of organisations in timing group k, :math:`\\bar D_k` its share
    of treated rounds (k earlier than l: :math:`\\bar D_k > \\bar D_l`),
    :math:`n_{kl} = n_k/(n_k + n_l)` and :math:`\\hat V^D` the variance of the two-way demeaned
    :math:`D_{it}` (Goodman-Bacon 2021, eq. 10):

    .. math::

        s^k_{kl} = \\frac{((n_k + n_l)(1 - \\bar D_l))^2\\, n_{kl}(1 - n_{kl})\\,
        \\frac{\\bar D_k - \\bar D_l}{1 - \\bar D_l}
        \\frac{1 - \\bar D_k}{1 - \\bar D_l}}{\\hat V^D},
        \\qquad
        s^l_{kl} = \\frac{((n_k + n_l)\\bar D_k)^2\\, n_{kl}(1 - n_{kl})\\,
        \\frac{\\bar D_l}{\\bar D_k}\\frac{\\bar D_k - \\bar D_l}{\\bar D_k}}{\\hat V^D}

    (never treated: :math:`\\bar D = 0`, always treated: :math:`\\bar D = 1`). The 2x2
    estimate :math:`\\hat\\beta^k_{kl}` uses the rounds before l starts, :math:`\\hat\\beta^l_{kl}`
    the rounds from k's start on.

    References
    ----------
    Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
    *Journal of Econometrics*, 225(2), 254-277.
    """
    data = _treatment(df, outcome, start_col, id_col, year_col)
    years = np.sort(data[year_col].unique())
    if data.groupby(id_col)[year_col].size().ne(years.size).any():
        raise ValueError(
            "bacon_decomposition needs a balanced panel (every organisation in every round); "
            "keep the organisations observed in all rounds, or use twfe_weights"
        )
    labels, group_of, share, dbar = _timing_groups(data, start_col, id_col, years)
    org_codes = pd.factorize(data[id_col], sort=True)[0]
    y = np.zeros((share.size, years.size))
    np.add.at(y, (group_of[org_codes], np.searchsorted(years, data[year_col])), data[outcome])
    means = y / np.bincount(group_of, minlength=share.size)[:, None]
    d = data["_d"].to_numpy()
    org, yr = pd.factorize(data[id_col])[0], pd.factorize(data[year_col])[0]
    v_d = float(np.mean(_within(d, org, yr) ** 2))
    rows = []
    for k in range(share.size):  # pairs of a handful of timing groups
        for m in range(share.size):
            if not dbar[k] > dbar[m]:
                continue
            rows.extend(_pair_rows(k, m, labels, share, dbar, means, years, v_d))
    return pd.DataFrame(
        rows, columns=["treated_group", "control_group", "type", "estimate", "weight"]
    )


def _pair_rows(k, m, labels, share, dbar, means, years, v_d) -> list[tuple]:
    """The (up to two) 2x2 comparisons of early group k and late group m."""
    nk, nm = share[k], share[m]
    n_km = nk / (nk + nm)
    rows = []
    whole = np.ones(years.size, dtype=bool)
    if dbar[k] < 1:  # k treated, m (not yet / never treated) control, rounds before m starts
        weight = ((nk + nm) * (1 - dbar[m])) ** 2 * n_km * (1 - n_km)
        weight *= (dbar[k] - dbar[m]) / (1 - dbar[m]) * (1 - dbar[k]) / (1 - dbar[m]) / v_d
        window = years < labels[m] if np.isfinite(labels[m]) else whole
        kind = "treated_vs_never" if dbar[m] == 0 else "earlier_vs_later"
        estimate = _two_by_two(means, years, k, m, window, labels[k])
        rows.append((labels[k], labels[m], kind, estimate, weight))
    if dbar[m] > 0:  # m treated, k (already treated) control, rounds from k's start on
        weight = ((nk + nm) * dbar[k]) ** 2 * n_km * (1 - n_km)
        weight *= dbar[m] / dbar[k] * (dbar[k] - dbar[m]) / dbar[k] / v_d
        kind = "treated_vs_always" if dbar[k] == 1 else "later_vs_earlier"
        estimate = _two_by_two(means, years, m, k, years >= labels[k], labels[m])
        rows.append((labels[m], labels[k], kind, estimate, weight))
    return rows
