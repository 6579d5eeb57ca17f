"""Narrative sentences written from tidy result rows, in Swedish or English.

Statistics return codes and numbers; this module turns a result row into one short
sentence, with the words from the locale catalogue (:func:`dimios_research.report.locale.t`)
and the numbers from :mod:`dimios_research.report.numbers`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..conventions import TYPE_LETTERS, check_lang
from .locale import t
from .numbers import (
    _as_decimal,
    _auto_decimals,
    _ci_level,
    _ci_range,
    _is_missing,
    _round,
    format_ci,
    format_number,
    format_pct,
    format_pp,
    format_set_pct,
)

__all__ = [
    "STATED_DECIMALS",
    "change_sentence",
    "fractional_year",
    "programme_sentences",
    "projection_sentence",
    "projection_year",
    "national_index_sentence",
    "target_sentence",
    "type_distribution_sentence",
]


# ----------------------------------------------------------------------------------------------
# Narrative sentences
# ----------------------------------------------------------------------------------------------
def _fields(row: Any, names: tuple[str, ...], function: str) -> dict[str, Any]:
    """Pull the named fields out of a mapping, a Series or a one-row DataFrame."""
    if isinstance(row, pd.DataFrame):
        if len(row) != 1:
            raise ValueError(f"{function}: row must be a single row, got a DataFrame of {len(row)}")
        row = row.iloc[0]
    if not isinstance(row, (Mapping, pd.Series)):
        raise TypeError(
            f"{function}: row must be a mapping or a pandas Series, got {type(row).__name__}"
        )
    missing = [name for name in names if name not in row]
    if missing:
        raise ValueError(f"{function}: row is missing {missing}; it needs {list(names)}")
    return {name: row[name] for name in names}


def _year(value: Any, function: str) -> str:
    if _is_missing(value) or float(value) != int(float(value)):
        raise ValueError(f"{function}: year must be a whole number, got {value!r}")
    return str(int(float(value)))


def _count(value: Any, name: str, function: str) -> int:
    if _is_missing(value) or isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{function}: {name} must be a non-negative whole number, got {value!r}")
    if float(value) < 0 or float(value) != int(value):
        raise ValueError(f"{function}: {name} must be a non-negative whole number, got {value!r}")
    return int(value)


def _organisation_word(n: int, lang: str) -> str:
    return t("unit.organisation_singular" if n == 1 else "unit.organisation_plural", lang)


def _direction(change: Any, decimals: int) -> int:
    """+1, -1 or 0; 0 when the change rounds to zero at the printed precision."""
    rounded = _round(_as_decimal(change, "change"), decimals)
    return (rounded > 0) - (rounded < 0)


def national_index_sentence(
    row: Any,
    lang: str = "sv",
    previous: Any = None,
    *,
    decimals: int = 1,
    change: float | None = None,
) -> str:
    """One sentence stating the national index with its confidence interval and change.

    Parameters
    ----------
    row : mapping, Series or one-row DataFrame
        Needs ``year, estimate, ci_low, ci_high, n_organisations`` (estimate and bounds in
        percent of maximum), e.g. a row of the national index table.
    lang : {"sv", "en"}
        Language.
    previous : mapping, Series or one-row DataFrame, optional
        The comparison year's row; needs ``year, estimate``. Without it the sentence has no
        change clause.
    decimals : int, default 1
        Decimals of percentages and of the change.
    change : float, optional
        The change to state, when it is not ``estimate - previous["estimate"]``: the status
        report states the participants' change between the rounds
        (:func:`dimios_research.stats.indices.index_change`) beside a weighted index, the
        same figure as its key figure.

    Returns
    -------
    str
        For example "Det nationella indexet för digital mognad 2023 är 51,2 % (95 % KI
        49,0–53,4 %, 150 organisationer), en ökning med 2,3 procentenheter jämfört med 2022."

    Notes
    -----
    The change is ``estimate - previous["estimate"]`` from the unrounded estimates. It is
    called unchanged ("oförändrat") when it rounds to zero at ``decimals`` (|change| < 0.05
    with one decimal), so the sentence never reports "an increase of 0,0 procentenheter". A
    missing confidence interval is left out of the parenthesis.

    Examples
    --------
    >>> row = {"year": 2023, "estimate": 51.2, "ci_low": 49.0, "ci_high": 53.4,
    ...        "n_organisations": 150}
    >>> national_index_sentence(row, "en", previous={"year": 2022, "estimate": 48.9})
    'The national digital maturity index for 2023 is 51.2% (95% CI 49.0–53.4%, 150 organisations), an increase of 2.3 percentage points compared with 2022.'
    """  # noqa: E501
    name = "national_index_sentence"
    lang = check_lang(lang)
    fields = _fields(row, ("year", "estimate", "ci_low", "ci_high", "n_organisations"), name)
    n_organisations = _count(fields["n_organisations"], "n_organisations", name)
    details = [
        f"{format_number(n_organisations, lang, 0)} {_organisation_word(n_organisations, lang)}"
    ]
    if not (_is_missing(fields["ci_low"]) or _is_missing(fields["ci_high"])):
        details.insert(0, format_ci(fields["ci_low"], fields["ci_high"], lang, decimals))
    sentence = t(
        "sentence.national_index.base",
        lang,
        year=_year(fields["year"], name),
        estimate=format_pct(fields["estimate"], lang, decimals),
        details=", ".join(details),
    )
    if previous is None:
        return sentence + "."
    before = _fields(previous, ("year", "estimate"), f"{name} (previous)")
    if change is None:
        change = float(fields["estimate"]) - float(before["estimate"])
    case = {1: "increase", -1: "decrease", 0: "unchanged"}[_direction(change, decimals)]
    clause = t(
        f"sentence.national_index.{case}",
        lang,
        change=format_pp(abs(change), lang, decimals, signed=False),
        previous_year=_year(before["year"], name),
    )
    return f"{sentence}, {clause}."


def target_sentence(row: Any, lang: str = "sv", *, decimals: int = 1) -> str:
    """One sentence on whether a target (e.g. 55 % in 2023) is met.

    Parameters
    ----------
    row : mapping, Series or one-row DataFrame
        Needs ``year, estimate, target, gap, gap_ci_low, gap_ci_high, met``: the index, the
        target (both percent), the gap ``estimate - target`` in percentage points with its
        confidence interval, and ``met`` (bool), as decided by the caller (the indices module).
    lang : {"sv", "en"}
        Language.
    decimals : int, default 1
        Decimals of the estimate, the gap and its interval; a whole-number target is printed
        without decimals (``55 %``).

    Returns
    -------
    str
        For example "Målet på 55 % för 2023 är inte uppnått: indexet är 51,2 %, 3,8
        procentenheter under målet (95 % KI för skillnaden −5,9 till −1,7 procentenheter)."

    Raises
    ------
    ValueError
        If a field is missing, ``met`` is not a boolean, or ``gap`` has the opposite sign of
        ``estimate - target`` (the convention here is gap = estimate − target).

    Notes
    -----
    The interval is that of the signed difference index − target, so a negative interval
    means "below the target". The sentence repeats ``met`` as given: whether "met" means
    ``estimate >= target`` or a confidence bound above the target is the caller's
    convention. A gap that rounds to zero is described as "i nivå med målet" / "level with
    the target".

    Examples
    --------
    >>> row = {"year": 2023, "estimate": 56.1, "target": 55, "gap": 1.1, "gap_ci_low": -0.8,
    ...        "gap_ci_high": 3.0, "met": True}
    >>> target_sentence(row, "en")
    'The target of 55% for 2023 has been met: the index is 56.1%, 1.1 percentage points above the target (95% CI for the difference -0.8 to 3.0 percentage points).'
    """  # noqa: E501
    name = "target_sentence"
    lang = check_lang(lang)
    names = ("year", "estimate", "target", "gap", "gap_ci_low", "gap_ci_high", "met")
    fields = _fields(row, names, name)
    met = fields["met"]
    if not isinstance(met, (bool, np.bool_)):
        raise ValueError(f"{name}: met must be True or False, got {met!r}")
    gap = float(_as_decimal(fields["gap"], "gap"))
    implied = float(fields["estimate"]) - float(fields["target"])
    # The reversed convention (target - estimate) shows as gap == -(estimate - target).
    if abs(implied) >= 0.05 and gap * implied < 0 and math.isclose(gap, -implied, abs_tol=0.05):
        raise ValueError(
            f"{name}: gap must be estimate - target (got gap={gap!r}, estimate - target="
            f"{implied!r}); flip the sign of gap and its interval"
        )
    direction = _direction(gap, decimals)
    gap_key = {1: "above", -1: "below", 0: "level"}[direction]
    gap_text = t(
        f"sentence.target.{gap_key}", lang, gap=format_pp(abs(gap), lang, decimals, signed=False)
    )
    ci = t("stat.ci_for_difference", lang, level=_ci_level(0.95, lang))
    ci_range = _ci_range(fields["gap_ci_low"], fields["gap_ci_high"], lang, decimals, "pp")
    target = fields["target"]
    return t(
        f"sentence.target.{'met' if met else 'not_met'}",
        lang,
        target=format_pct(target, lang, _auto_decimals(target, decimals)),
        year=_year(fields["year"], name),
        estimate=format_pct(fields["estimate"], lang, decimals),
        gap=gap_text,
        ci=f"{ci} {ci_range}",
    )


def change_sentence(row: Any, lang: str = "sv", *, decimals: int = 1) -> str:
    """One sentence on the mean change of a group of organisations between two rounds.

    Parameters
    ----------
    row : mapping, Series or one-row DataFrame
        Needs ``unit_label`` (the group's display name, starting the sentence, e.g.
        "Kommuner"), ``n`` (organisations in the panel), ``mean_change`` with ``ci_low,
        ci_high`` (percentage points) and ``share_improved`` (share of organisations whose
        score rose, on the 0–1 scale).
    lang : {"sv", "en"}
        Language.
    decimals : int, default 1
        Decimals of the change, its interval and the share.

    Returns
    -------
    str
        For example "Kommuner (n = 120): genomsnittlig förändring +2,3 procentenheter (95 % KI
        1,1–3,5 procentenheter); 64,2 % av organisationerna förbättrade sitt resultat."

    Examples
    --------
    >>> row = {"unit_label": "Regions", "n": 21, "mean_change": -1.04, "ci_low": -2.5,
    ...        "ci_high": 0.4, "share_improved": 0.381}
    >>> change_sentence(row, "en")
    'Regions (n = 21): mean change -1.0 percentage points (95% CI -2.5 to 0.4 percentage points); 38.1% of the organisations improved their score.'
    """  # noqa: E501
    name = "change_sentence"
    lang = check_lang(lang)
    names = ("unit_label", "n", "mean_change", "ci_low", "ci_high", "share_improved")
    fields = _fields(row, names, name)
    share = fields["share_improved"]
    if not _is_missing(share) and not 0 <= float(share) <= 1:
        raise ValueError(f"{name}: share_improved must be a share between 0 and 1, got {share!r}")
    return t(
        "sentence.change",
        lang,
        unit_label=str(fields["unit_label"]),
        n=format_number(_count(fields["n"], "n", name), lang, 0),
        change=format_pp(fields["mean_change"], lang, decimals),
        ci=format_ci(fields["ci_low"], fields["ci_high"], lang, decimals, unit="pp"),
        share=format_pct(share if _is_missing(share) else float(share) * 100, lang, decimals),
    )


def type_distribution_sentence(counts: Any, lang: str = "sv", *, decimals: int = 1) -> str:
    """One sentence on how many organisations belong to each maturity type A–D.

    Parameters
    ----------
    counts : mapping or Series
        Maturity type letter (``"A"`` … ``"D"``) → number of organisations, e.g.
        ``types_df["maturity_type"].value_counts()``. Types absent from ``counts`` are not
        mentioned;
        a type with count 0 is.
    lang : {"sv", "en"}
        Language.
    decimals : int, default 1
        Decimals of the shares.

    Returns
    -------
    str
        For example "Av 150 organisationer tillhör 40 (26,7 %) typ A, 35 (23,3 %) typ B, 30
        (20,0 %) typ C och 45 (30,0 %) typ D." Types are listed in the order A–D.

    Raises
    ------
    ValueError
        For a key other than A–D, a negative or fractional count, or a total of zero.

    Examples
    --------
    >>> type_distribution_sentence({"B": 1, "A": 3}, "en")
    'Of 4 organisations, type A accounts for 3 (75.0%) and type B for 1 (25.0%).'
    """
    name = "type_distribution_sentence"
    lang = check_lang(lang)
    if not isinstance(counts, (Mapping, pd.Series)):
        raise TypeError(f"{name}: counts must be a mapping type -> count, got {type(counts)}")
    counts = dict(counts)
    unknown = sorted(map(str, set(counts) - set(TYPE_LETTERS)))
    if unknown:
        raise ValueError(f"{name}: counts has keys {unknown}; only {list(TYPE_LETTERS)} allowed")
    ordered = {k: _count(counts[k], f"counts[{k!r}]", name) for k in TYPE_LETTERS if k in counts}
    total = sum(ordered.values())
    if total == 0:
        raise ValueError(f"{name}: counts must contain at least one organisation")
    parts = [
        t(
            f"sentence.type_distribution.{'first' if i == 0 else 'other'}",
            lang,
            type=letter,
            count=format_number(count, lang, 0),
            share=format_pct(100 * count / total, lang, decimals),
        )
        for i, (letter, count) in enumerate(ordered.items())
    ]
    listed = parts[-1]
    if len(parts) > 1:
        listed = f"{', '.join(parts[:-1])} {t('word.and', lang)} {parts[-1]}"
    return t(
        "sentence.type_distribution.lead",
        lang,
        total=format_number(total, lang, 0),
        organisations=_organisation_word(total, lang),
        parts=listed,
    )


def fractional_year(value: Any, lang: str) -> str:
    """A projected (fractional) year with one decimal and no thousands grouping.

    >>> fractional_year(2023.469, "sv"), fractional_year(2023.469, "en")
    ('2023,5', '2023.5')
    """
    if value is None or not np.isfinite(float(value)):
        return "\u2013"
    text = f"{float(value):.1f}"
    return text.replace(".", ",") if check_lang(lang) == "sv" else text


def projection_year(row: Any, lang: str) -> str:
    """The projected year of a target-attainment projection row, with its interval."""
    return t(
        "follow.key.projected",
        lang,
        projected_year=fractional_year(row["projected_year"], lang),
        low_year=fractional_year(row["projected_year_low"], lang),
        high_year=fractional_year(row["projected_year_high"], lang),
    )


def projection_sentence(result: Any, lang: str = "sv") -> str:
    """One sentence on the projected year a trend reaches its target, in ``lang``.

    Parameters
    ----------
    result : TargetAttainmentResult
        From :func:`dimios_research.stats.targets.target_attainment`.
    lang : {"sv", "en"}
    """
    lang = check_lang(lang)
    row = result.projection.iloc[0]
    target = format_set_pct(row["target"], lang)
    slope = format_pp(row["slope"], lang, 2, signed=True)

    return t(
        f"projection.{result.status}",
        lang,
        target=target,
        slope=slope,
        projected_year=fractional_year(row["projected_year"], lang),
        low_year=fractional_year(row["projected_year_low"], lang),
        high_year=fractional_year(row["projected_year_high"], lang),
    )


#: Decimals with which the source report states each programme indicator (48 %, 46,80 %,
#: 12,6 FTE, 45 %); results are shown rounded the same way.
STATED_DECIMALS = {
    "organisations_reached_share_of_population": 0,
    "organisations_goal_share_of_population": 0,
    "esf_share_at_close": 2,
    "coordinator_fte": 1,
    "evaluation_response_rate": 0,
}


def programme_sentences(programme: Any, goals: pd.DataFrame, lang: str = "sv") -> list[str]:
    """Goal-attainment sentences of a programme with the source's rounding.

    Parameters
    ----------
    programme : Programme
        From :func:`dimios_research.io.programmes.load_programme`.
    goals : pandas.DataFrame
        :func:`dimios_research.stats.goals.goal_attainment` of it.
    lang : {"sv", "en"}

    Returns
    -------
    list of str
        Organisations reached (share of municipalities and regions, against the goal), ESF
        share of the funding used at close, coordinator FTE and the evaluation response rate,
        each recomputed from the raw counts and rounded as the source states it (e.g. "48 %",
        "46,80 %", "12,6", "45 %" in Swedish), then the source.
    """
    lang = check_lang(lang)
    result = goals.set_index("indicator")

    def pct(indicator: str) -> str:
        return format_pct(result.loc[indicator, "result"], lang, STATED_DECIMALS[indicator])

    def count(value: Any) -> str:
        return format_number(value, lang, 0)

    get = programme.get
    return [
        t(
            "programme.reached",
            lang,
            name=get(f"name.{lang}"),
            count=count(result.loc["organisations_reached_share_of_population", "value"]),
            share=pct("organisations_reached_share_of_population"),
            goal_count=count(get("goals.organisations.count")),
            goal_share=pct("organisations_goal_share_of_population"),
        ),
        t("programme.funding", lang, share=pct("esf_share_at_close")),
        t(
            "programme.fte",
            lang,
            hours=count(get("outcomes.coordinators.hours_reported")),
            fte=format_number(
                result.loc["coordinator_fte", "result"], lang, STATED_DECIMALS["coordinator_fte"]
            ),
            hours_per_fte=count(get("outcomes.coordinators.hours_per_fte")),
        ),
        t(
            "programme.evaluation",
            lang,
            respondents=count(get("evaluation.respondents")),
            invited=count(get("evaluation.invited")),
            share=pct("evaluation_response_rate"),
        ),
        # An English report cites the source by its translated title (the report is Swedish).
        t(
            "programme.source",
            lang,
            source=str(get("source.title" if lang == "sv" else "source.title_en")),
        ),
    ]
