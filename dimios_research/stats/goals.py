"""Goal attainment of a development programme, recomputed from its raw counts.

Functions
---------
goal_attainment
    One row per indicator: value, reference (goal, population or total) and result.
fee_table
    Self-assessment fee by size class and the part the programme paid.
evaluation_scores
    Mean scores of the programme's own participant evaluation.

The programme files are loaded by :func:`dimios_research.io.programmes.load_programme`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..io.programmes import Programme, load_programme  # noqa: F401 - doctests use it

__all__ = ["INDICATORS", "evaluation_scores", "fee_table", "goal_attainment"]

#: Every indicator goal_attainment() can return, in table order. Their labels are in the
#: report catalogues (``indicator.<code>``); statistics return codes only.
INDICATORS: tuple[str, ...] = (
    "organisations_reached_share_of_population",
    "organisations_goal_share_of_population",
    "organisations_reached_vs_goal",
    "training_participants_vs_goal",
    "training_participants_share_of_target_group",
    "training_participants_women_share",
    "coordinators_women_share",
    "coordinator_fte",
    "esf_share_decided",
    "cofinancing_share_decided",
    "esf_share_at_close",
    "cofinancing_share_at_close",
    "funding_used_share_of_decided",
    "evaluation_response_rate",
    "maturity_progress",
)


def goal_attainment(
    programme: Programme, *, observed_maturity_pct: float | None = None
) -> pd.DataFrame:
    """Recompute a programme's indicators and goal attainment from its raw counts.

    Parameters
    ----------
    programme : Programme
        A programme from :func:`load_programme`.
    observed_maturity_pct : float, optional
        Maturity (percent of maximum) observed in the programme's target year, if known, for
        the row ``maturity_progress``. The ESF report does not contain it (the 2023 result was
        published later), so by default that row has a missing value.

    Returns
    -------
    pandas.DataFrame
        One row per indicator, in this order:

        ``organisations_reached_share_of_population``
            organisations reached / (municipalities + regions).
        ``organisations_goal_share_of_population``
            the goal count / (municipalities + regions): checks the stated goal share.
        ``organisations_reached_vs_goal``
            organisations reached / goal count.
        ``training_participants_vs_goal``
            training participants / goal count.
        ``training_participants_share_of_target_group``
            participants / implied target group (goal count / goal share).
        ``training_participants_women_share``, ``coordinators_women_share``
            women / total (rows omitted when the breakdown is absent).
        ``coordinator_fte``
            coordinator hours / hours per full-time equivalent.
        ``esf_share_decided``, ``cofinancing_share_decided``
            ESF support and co-financing / total funding decided.
        ``esf_share_at_close``, ``cofinancing_share_at_close``
            the same shares of the funding used at close.
        ``funding_used_share_of_decided``
            total used at close / total decided.
        ``evaluation_response_rate``
            evaluation respondents / invited.
        ``maturity_progress``
            (observed - baseline) / (target - baseline) maturity, in percent of the targeted
            increase (rows omitted when the file has no ``goals.maturity``).

        Columns:

        ``indicator`` : str
            Stable identifier (above).
        ``value`` : float
            The numerator, in ``value_unit``.
        ``value_unit`` : str
            ``"organisations"``, ``"people"``, ``"hours"``, ``"SEK"``, ``"respondents"``,
            ``"percentage points"``.
        ``reference`` : float
            The denominator, in the same unit as ``value`` (hours per FTE for the FTE row).
        ``reference_kind`` : str
            What the reference is: ``"goal"``, ``"population"``, ``"target_group"``,
            ``"total"``, ``"hours_per_fte"`` or ``"invited"``.
        ``result`` : float
            ``100 * value / reference`` when ``result_unit`` is ``"%"``, ``value / reference``
            when it is ``"FTE"``; unrounded.
        ``result_unit`` : str
            ``"%"`` or ``"FTE"``.
        ``stated`` : float
            The result as printed in the source (``stated_*`` keys of the file), or NaN; for
            comparison only.
        ``goal_met`` : boolean (nullable)
            ``value >= reference`` for goal rows; ``<NA>`` for other rows or unknown values.

    Notes
    -----
    All results are ratios of raw counts, never copied from the source, so the percentages a
    report states can be checked: for the ESF project 150 / (290 + 21) = 48.2 % of all
    municipalities and regions, 17 971 200 / 38 374 438 = 46.83 % ESF support of the funding
    decided, 9 391 080 / 20 065 773 = 46.80 % at close, 21 426 h / 1 700 h = 12.6 FTE and
    68 / 150 = 45.3 % evaluation response. Rounding is left to the presentation layer.

    The FTE convention (hours per full-time equivalent) is a field of the file because
    sources rarely state it; see ``outcomes.coordinators.hours_per_fte`` and its comment.

    References
    ----------
    Larsson, J. (2023). *Slutrapport för ett ESF-finansierat projekt 2021-2022: ESF-projekt
    Digital mognad*. Stockholm: Sveriges Kommuner och Regioner / Adda.

    Examples
    --------
    >>> table = goal_attainment(load_programme("esf_digital_mognad_2021_2023"))
    >>> result = table.set_index("indicator")["result"]
    >>> f"{result['organisations_reached_share_of_population']:.0f} %"
    '48 %'
    >>> f"{result['esf_share_at_close']:.2f} %, {result['coordinator_fte']:.1f} FTE"
    '46.80 %, 12.6 FTE'
    """
    if not isinstance(programme, Programme):
        raise TypeError(
            f"programme must be a Programme from load_programme(), got {type(programme).__name__}"
        )
    figures = _derived_figures(programme)
    rows = []
    for indicator, value, unit, reference, kind, stated, result_unit in _INDICATORS:
        value_figure = _figure(programme, figures, value)
        reference_figure = _figure(programme, figures, reference)
        if value_figure is None or not reference_figure:
            continue  # an optional breakdown the file does not give
        stated_figure = programme.get(stated, None) if stated else None
        rows.append(
            _row(indicator, value_figure, unit, reference_figure, kind,
                 stated=stated_figure, result_unit=result_unit)
        )  # fmt: skip
    maturity = programme.get("goals.maturity", None)
    if maturity is not None:
        baseline = maturity["baseline_pct"]
        observed_change = (
            math.nan if observed_maturity_pct is None else float(observed_maturity_pct) - baseline
        )
        rows.append(
            _row("maturity_progress", observed_change, "percentage points",
                 maturity["target_pct"] - baseline, "goal")
        )  # fmt: skip
    table = pd.DataFrame(rows)
    table["goal_met"] = table["goal_met"].astype("boolean")
    return table


# Indicators of goal_attainment, in order: (indicator, value, value unit, reference,
# reference kind, key of the stated result, result unit). Values and references are dotted
# keys of the programme file or names of _derived_figures.
_INDICATORS: tuple[tuple[str, str, str, str, str, str | None, str], ...] = (
    ("organisations_reached_share_of_population", "outcomes.organisations_reached.count",
     "organisations", "population", "population",
     "outcomes.organisations_reached.stated_share_of_population_pct", "%"),
    ("organisations_goal_share_of_population", "goals.organisations.count", "organisations",
     "population", "population", "goals.organisations.share_of_population_pct", "%"),
    ("organisations_reached_vs_goal", "outcomes.organisations_reached.count", "organisations",
     "goals.organisations.count", "goal", None, "%"),
    ("training_participants_vs_goal", "outcomes.training.participants", "people",
     "goals.training_participants.count", "goal", None, "%"),
    # The goal is a share of the target group, so the group's size is implied by the goal.
    ("training_participants_share_of_target_group", "outcomes.training.participants",
     "people", "implied_target_group", "target_group", None, "%"),
    ("training_participants_women_share", "outcomes.training.women", "people",
     "outcomes.training.participants", "total", None, "%"),
    ("coordinators_women_share", "outcomes.coordinators.women", "people",
     "outcomes.coordinators.count", "total", None, "%"),
    ("coordinator_fte", "outcomes.coordinators.hours_reported", "hours",
     "outcomes.coordinators.hours_per_fte", "hours_per_fte",
     "outcomes.coordinators.stated_fte", "FTE"),
    ("esf_share_decided", "funding.decided.esf", "SEK", "decided_total", "total",
     "funding.decided.stated_esf_pct", "%"),
    ("cofinancing_share_decided", "funding.decided.cofinancing", "SEK", "decided_total",
     "total", "funding.decided.stated_cofinancing_pct", "%"),
    ("esf_share_at_close", "funding.used_at_close.esf", "SEK", "used_total", "total",
     "funding.used_at_close.stated_esf_pct", "%"),
    ("cofinancing_share_at_close", "funding.used_at_close.cofinancing", "SEK", "used_total",
     "total", "funding.used_at_close.stated_cofinancing_pct", "%"),
    ("funding_used_share_of_decided", "used_total", "SEK", "decided_total", "total", None,
     "%"),
    ("evaluation_response_rate", "evaluation.respondents", "respondents",
     "evaluation.invited", "invited", "evaluation.stated_response_rate_pct", "%"),
)  # fmt: skip


def _derived_figures(programme: Programme) -> dict[str, float]:
    """Figures computed from the file's counts: population, funding totals, target group."""
    get = programme.get
    share = get("goals.training_participants.share_of_target_group_pct") / 100
    return {
        "population": get("population.municipalities") + get("population.regions"),
        "decided_total": get("funding.decided.esf") + get("funding.decided.cofinancing"),
        "used_total": get("funding.used_at_close.esf") + get("funding.used_at_close.cofinancing"),
        "implied_target_group": get("goals.training_participants.count") / share,
    }


def _figure(programme: Programme, derived: dict[str, float], name: str) -> float | None:
    return derived[name] if name in derived else programme.get(name, None)


def fee_table(programme: Programme) -> pd.DataFrame:
    """Self-assessment fee by size class and the part the programme paid.

    Parameters
    ----------
    programme : Programme
        A programme whose file has a ``fees`` block (``by_size_class``, ``project_share``).

    Returns
    -------
    pandas.DataFrame
        One row per size class, in file order (XS … XL):

        ``size_class`` : str
        ``fee_sek`` : float
            Full fee for the organisation's size class.
        ``programme_pays_sek`` : float
            ``fee_sek * project_share``.
        ``organisation_pays_sek`` : float
            ``fee_sek - programme_pays_sek``.
        ``stated_programme_pays_sek`` : float
            The subsidy as printed in the source, or NaN.

    Raises
    ------
    ValueError
        If the programme file has no ``fees`` block or ``project_share`` is outside 0..1.

    Examples
    --------
    >>> fees = fee_table(load_programme("esf_digital_mognad_2021_2023"))
    >>> fees["programme_pays_sek"].tolist()
    [5000.0, 7500.0, 10000.0, 12500.0, 15000.0]
    """
    fees = programme.get("fees", None)
    if fees is None or "by_size_class" not in fees:
        raise ValueError(
            f"programme {programme.programme_id!r} has no 'fees.by_size_class'; add it to "
            f"{programme.path}"
        )
    project_share = float(fees.get("project_share", 0.0))
    if not 0.0 <= project_share <= 1.0:
        raise ValueError(f"fees.project_share must be between 0 and 1, got {project_share}")
    stated = fees.get("stated_subsidy", {})
    table = pd.DataFrame(
        {
            "size_class": list(fees["by_size_class"]),
            "fee_sek": np.asarray(list(fees["by_size_class"].values()), dtype=float),
        }
    )
    table["programme_pays_sek"] = table["fee_sek"] * project_share
    table["organisation_pays_sek"] = table["fee_sek"] - table["programme_pays_sek"]
    table["stated_programme_pays_sek"] = table["size_class"].map(stated).astype(float)
    return table


def evaluation_scores(programme: Programme) -> pd.DataFrame:
    """Mean scores of the programme's own participant evaluation.

    Parameters
    ----------
    programme : Programme
        A programme whose file has ``evaluation.items`` (id, text_sv, text_en, mean) and
        ``evaluation.scale_max``.

    Returns
    -------
    pandas.DataFrame
        One row per evaluation statement, in file order:

        ``item`` : str
        ``text_sv``, ``text_en`` : str
        ``mean`` : float
            Mean answer as published.
        ``scale_max`` : float
            Top of the answer scale (10 for the ESF evaluation).
        ``mean_share_of_top_pct`` : float
            ``100 * mean / scale_max`` (share of the top answer, not the package's
            percent of maximum, which subtracts the scale minimum).
        ``n_respondents`` : int
            Number of respondents to the evaluation (the same for every item; item
            nonresponse is not published).

    Raises
    ------
    ValueError
        If the programme file has no ``evaluation.items``.
    """
    items = programme.get("evaluation.items", None)
    if not items:
        raise ValueError(
            f"programme {programme.programme_id!r} has no 'evaluation.items'; add them to "
            f"{programme.path}"
        )
    scale_max = float(programme.get("evaluation.scale_max"))
    table = pd.DataFrame(
        {
            "item": [item["id"] for item in items],
            "text_sv": [item.get("text_sv", "") for item in items],
            "text_en": [item.get("text_en", "") for item in items],
            "mean": [float(item["mean"]) for item in items],
        }
    )
    table["scale_max"] = scale_max
    table["mean_share_of_top_pct"] = 100 * table["mean"] / scale_max
    table["n_respondents"] = int(programme.get("evaluation.respondents"))
    return table


# --------------------------------------------------------------------------------------------
# helpers


def _row(
    indicator: str,
    value: float,
    value_unit: str,
    reference: float,
    reference_kind: str,
    *,
    stated: float | None = None,
    result_unit: str = "%",
) -> dict[str, Any]:
    """Build one goal-attainment row; the single place where a result is computed."""
    if indicator not in INDICATORS:
        raise ValueError(
            f"unknown programme indicator {indicator!r}; known: {', '.join(INDICATORS)}"
        )
    value = float(value)
    reference = float(reference)
    ratio = value / reference
    result = 100 * ratio if result_unit == "%" else ratio
    goal_met: bool | None = None
    if reference_kind == "goal" and not math.isnan(value):
        goal_met = value >= reference
    return {
        "indicator": indicator,
        "value": value,
        "value_unit": value_unit,
        "reference": reference,
        "reference_kind": reference_kind,
        "result": result,
        "result_unit": result_unit,
        "stated": math.nan if stated is None else float(stated),
        "goal_met": goal_met,
    }
