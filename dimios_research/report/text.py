"""Bilingual (Swedish/English) number formatting, UI strings and narrative sentences.

Reports on DiMiOS results are written in Swedish first and English second. This module holds
everything that turns a number or a result row into text, so that notebooks, figures and the
CLI format numbers the same way:

- :func:`format_number`, :func:`format_pct`, :func:`format_pp`, :func:`format_ci` and
  :func:`format_p` format single numbers by the typographic rules of each language;
- :func:`t` looks up a user-interface string (axis label, title, legend name, sentence
  template) in ``instruments/locale.yaml``;
- :func:`national_index_sentence`, :func:`target_sentence`, :func:`change_sentence` and
  :func:`type_distribution_sentence` write one short sentence from a tidy result row.

Number formatting conventions
-----------------------------
========================  ======================  ====================
rule                      Swedish (``"sv"``)      English (``"en"``)
========================  ======================  ====================
decimal mark              comma ``51,2``          point ``51.2``
thousands separator       no-break space          comma ``12,345``
                          (U+00A0) ``12 345``
minus sign                true minus U+2212       hyphen-minus ``-``
                          ``−2,3``
percent                   no-break space then     no space ``51.2%``
                          ``%``: ``51,2 %``
missing value             en dash ``–``           en dash ``–``
========================  ======================  ====================

The Swedish rules follow the Swedish Language Council's *Svenska skrivregler* (decimal
comma; thousands grouped with a space; a space between a number and the percent sign; the
typographic minus sign). The spaces inside a number and before ``%`` are no-break spaces so
that a line never breaks inside a figure. Numbers from 1 000 upwards are grouped in both
languages; years are never passed through the number formatter.

Rounding is *half away from zero* on the shortest decimal representation of the float
(``2.25`` → ``2,3``, ``2.675`` → ``2,68`` with two decimals), which is what a reader checking a
table by hand expects; Python's ``format`` would round the binary value half-to-even instead.
A value that rounds to zero is printed without a sign (never ``−0,0``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..conventions import LANGUAGES, TYPE_LETTERS, check_lang

__all__ = [
    "LANGUAGES",
    "LOCALE_PATH",
    "MATURITY_TYPES",
    "MISSING",
    "check_lang",
    "t",
    "locale_keys",
    "format_number",
    "format_pct",
    "format_pp",
    "format_ci",
    "format_p",
    "national_index_sentence",
    "target_sentence",
    "change_sentence",
    "type_distribution_sentence",
]

#: Supported languages, Swedish first (the language of the national reports).
#: The user-interface strings shipped with the package.
LOCALE_PATH = Path(__file__).resolve().parent / "locale" / "locale.yaml"
#: Printed for a missing value (NaN, None, pd.NA): an en dash, as in Swedish tables.
MISSING = "\u2013"

NBSP = "\u00a0"
MINUS = "\u2212"
EN_DASH = "\u2013"
MATURITY_TYPES = TYPE_LETTERS

_NO_DEFAULT = object()


@dataclass(frozen=True)
class _NumberStyle:
    decimal_mark: str
    thousands_separator: str
    minus: str
    percent: str


_STYLES = {
    "sv": _NumberStyle(decimal_mark=",", thousands_separator=NBSP, minus=MINUS, percent=NBSP + "%"),
    "en": _NumberStyle(decimal_mark=".", thousands_separator=",", minus="-", percent="%"),
}


# ----------------------------------------------------------------------------------------------
# Languages and UI strings
# ----------------------------------------------------------------------------------------------
# ISSUE 10 (figures helper): the figure strings live in locale/figures_new.yaml until the
# lead merges them into the new catalogue; the loader reads both files (a key defined twice
# is an error). Remove _EXTRA_LOCALE_PATHS when figures_new.yaml is merged.
_EXTRA_LOCALE_PATHS = (LOCALE_PATH.with_name("figures_new.yaml"),)


@cache
def _locale() -> dict[str, dict[str, str]]:
    """Read the locale files once and flatten them to ``{dotted key: {lang: text}}``."""
    flat: dict[str, dict[str, str]] = {}

    def walk(node: Any, prefix: str, path: Path) -> None:
        if not isinstance(node, dict):
            raise ValueError(f"{path}: {prefix!r} must be a mapping, got {node!r}")
        if node and set(node) <= set(LANGUAGES) and all(isinstance(v, str) for v in node.values()):
            if prefix in flat:
                raise ValueError(f"{path}: key {prefix!r} is already defined")
            flat[prefix] = dict(node)
            return
        for name, child in node.items():
            walk(child, f"{prefix}.{name}" if prefix else str(name), path)

    for path in (LOCALE_PATH, *_EXTRA_LOCALE_PATHS):
        if path.exists():
            with path.open(encoding="utf-8") as handle:
                walk(yaml.safe_load(handle), "", path)
    return flat


def locale_keys() -> list[str]:
    """All dotted keys defined in ``locale.yaml``, sorted.

    Returns
    -------
    list of str
        Keys such as ``"axis.capability"`` accepted by :func:`t`.
    """
    return sorted(_locale())


def t(key: str, lang: str = "sv", default: Any = _NO_DEFAULT, **fields: Any) -> str:
    """Look up a user-interface string in ``instruments/locale.yaml``.

    Parameters
    ----------
    key : str
        Dotted path to the string, e.g. ``"axis.capability"`` or ``"maturity_type.A"``.
    lang : {"sv", "en"}
        Language.
    default : optional
        Returned (unformatted) when the key is not defined; without it a missing key raises.
    **fields
        Values for the ``{placeholders}`` of a template string (``str.format``).

    Returns
    -------
    str
        The string in the requested language.

    Raises
    ------
    ValueError
        If ``lang`` is not ``"sv"`` or ``"en"``.
    KeyError
        If the key (or its text in ``lang``) is missing and no ``default`` is given, or a
        placeholder of the template has no value in ``fields``.

    Examples
    --------
    >>> t("axis.legacy", "en")
    'Digital legacy (%)'
    >>> t("legend.target", "sv")
    'Mål'
    """
    lang = check_lang(lang)
    text = _locale().get(key, {}).get(lang)
    if text is None:
        if default is not _NO_DEFAULT:
            return default
        raise KeyError(
            f"no locale string for key {key!r} in language {lang!r}; add it to {LOCALE_PATH.name}"
        )
    if not fields:
        return text
    try:
        return text.format(**fields)
    except KeyError as err:
        raise KeyError(
            f"locale string {key!r} ({lang}) needs the field {err.args[0]!r}; got {sorted(fields)}"
        ) from None


# ----------------------------------------------------------------------------------------------
# Numbers
# ----------------------------------------------------------------------------------------------
def _is_missing(x: Any) -> bool:
    if isinstance(x, Decimal):
        return x.is_nan()
    return x is None or (not isinstance(x, (str, bytes)) and np.ndim(x) == 0 and bool(pd.isna(x)))


def _as_decimal(x: Any, name: str) -> Decimal:
    """Validate one real number and return it as an exact decimal of its shortest repr."""
    if isinstance(x, (bool, str, bytes)) or not isinstance(x, (numbers.Real, Decimal)):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__} {x!r}")
    value = float(x)
    if math.isinf(value):
        raise ValueError(f"{name} must be finite, got {x!r}")
    # repr gives the shortest string that round-trips, i.e. the number a person typed.
    return Decimal(repr(value)) if not isinstance(x, Decimal) else x


def _check_decimals(decimals: Any) -> int:
    if isinstance(decimals, bool) or not isinstance(decimals, numbers.Integral) or decimals < 0:
        raise ValueError(f"decimals must be a non-negative integer, got {decimals!r}")
    return int(decimals)


def _round(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def format_number(x: Any, lang: str = "sv", decimals: int = 1, *, signed: bool = False) -> str:
    """Format one number by the conventions of ``lang``.

    Parameters
    ----------
    x : real number or missing
        The number. ``NaN``, ``None`` and ``pd.NA`` give ``"–"`` (en dash).
    lang : {"sv", "en"}
        ``"sv"``: decimal comma, no-break space (U+00A0) between thousands, true minus sign
        (U+2212). ``"en"``: decimal point, comma between thousands, hyphen-minus.
    decimals : int, default 1
        Number of decimals (rounded half away from zero).
    signed : bool, default False
        Prefix positive numbers with ``+`` (used for changes). Zero never gets a sign.

    Returns
    -------
    str
        The formatted number.

    Raises
    ------
    ValueError
        For an unknown ``lang``, a negative ``decimals`` or an infinite ``x``.
    TypeError
        If ``x`` is not a real number (strings and booleans are rejected).

    Notes
    -----
    See the module docstring for the table of conventions. Rounding uses the shortest decimal
    representation of the float and rounds half away from zero, so ``2.25`` prints as
    ``2,3`` and ``-0.04`` prints as ``0,0`` (a value that rounds to zero has no sign).

    Examples
    --------
    >>> format_number(12345.63, "sv") == "12\\u00a0345,6"
    True
    >>> format_number(12345.63, "en")
    '12,345.6'
    >>> format_number(-2.25, "sv") == "\\u22122,3"
    True
    >>> format_number(float("nan"))
    '–'
    """
    style = _STYLES[check_lang(lang)]
    decimals = _check_decimals(decimals)
    if _is_missing(x):
        return MISSING
    rounded = _round(_as_decimal(x, "x"), decimals)
    digits = format(abs(rounded), f",.{decimals}f")
    # One simultaneous translation, so "," and "." cannot overwrite each other.
    digits = digits.translate(
        str.maketrans({",": style.thousands_separator, ".": style.decimal_mark})
    )
    if rounded < 0:
        return style.minus + digits
    if signed and rounded > 0:
        return "+" + digits
    return digits


def format_pct(x: Any, lang: str = "sv", decimals: int = 1) -> str:
    """Format a percentage (a number on the 0–100 scale) with its percent sign.

    Parameters
    ----------
    x : real number or missing
        The percentage, already multiplied by 100 (``51.2`` means 51.2 %). Scores in this
        package are percent of maximum, so they are passed as they are; a share on the 0–1
        scale must be multiplied by 100 first.
    lang : {"sv", "en"}
        ``"sv"`` puts a no-break space before ``%`` (``51,2 %``); ``"en"`` none (``51.2%``).
    decimals : int, default 1
        Number of decimals.

    Returns
    -------
    str
        The formatted percentage, or ``"–"`` (without a percent sign) when missing.

    Examples
    --------
    >>> format_pct(51.23, "sv") == "51,2\\u00a0%"
    True
    >>> format_pct(51.23, "en")
    '51.2%'
    """
    number = format_number(x, lang, decimals)
    return number if number == MISSING else number + _STYLES[lang].percent


def format_pp(x: Any, lang: str = "sv", decimals: int = 1, *, signed: bool = True) -> str:
    """Format a difference of percentages in percentage points (procentenheter).

    Parameters
    ----------
    x : real number or missing
        The difference, in percentage points.
    lang : {"sv", "en"}
        Language; the unit is "procentenheter" / "percentage points".
    decimals : int, default 1
        Number of decimals.
    signed : bool, default True
        Show ``+`` for increases. Decreases always carry a minus sign: the true minus sign
        U+2212 in Swedish (Swedish typography), a hyphen-minus in English. Use
        ``signed=False`` with ``abs(x)`` when the sentence says "increase"/"decrease" itself.

    Returns
    -------
    str
        For example ``"+2,3 procentenheter"`` or ``"-2.3 percentage points"``; ``"–"`` when
        missing.

    Notes
    -----
    The unit is singular only when the printed magnitude is exactly ``1`` (``"1
    procentenhet"``, ``"1 percentage point"``); with decimals both languages use the plural
    (``"1,0 procentenheter"``).

    Examples
    --------
    >>> format_pp(2.34, "sv")
    '+2,3 procentenheter'
    >>> format_pp(-2.34, "en")
    '-2.3 percentage points'
    """
    number = format_number(x, lang, decimals, signed=signed)
    if number == MISSING:
        return number
    return f"{number} {_pp_unit(number, lang)}"


def _pp_unit(number: str, lang: str) -> str:
    singular = number.lstrip("+-" + MINUS) == "1"
    return t("unit.pp_singular" if singular else "unit.pp_plural", lang)


def _auto_decimals(x: Any, decimals: int) -> int:
    """0 decimals for whole numbers (targets such as 55 %, the level 95 %), else ``decimals``."""
    if _is_missing(x):
        return decimals
    return 0 if float(x) == round(float(x)) else decimals


def _ci_level(level: Any, lang: str) -> str:
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 1:
        raise ValueError(f"level must be a number between 0 and 1 (e.g. 0.95), got {level!r}")
    percent = float(_round(_as_decimal(level, "level") * 100, 6))
    return format_pct(percent, lang, _auto_decimals(percent, 1))


def _ci_range(low: Any, high: Any, lang: str, decimals: int, unit: str | None) -> str:
    """``48,1–53,0 %``; with a negative bound ``−0,8 till 3,0 procentenheter``."""
    if unit not in ("pct", "pp", None):
        raise ValueError(f"unit must be 'pct', 'pp' or None, got {unit!r}")
    if _is_missing(low) or _is_missing(high):
        return MISSING
    low_text, high_text = format_number(low, lang, decimals), format_number(high, lang, decimals)
    negative = low_text.startswith(_STYLES[lang].minus) or high_text.startswith(_STYLES[lang].minus)
    # A dash between two negative numbers reads as a minus sign, so use a word instead.
    joiner = f" {t('word.to', lang)} " if negative else EN_DASH
    text = f"{low_text}{joiner}{high_text}"
    if unit == "pct":
        return text + _STYLES[lang].percent
    if unit == "pp":
        return f"{text} {t('unit.pp_plural', lang)}"
    return text


def format_ci(
    low: Any,
    high: Any,
    lang: str = "sv",
    decimals: int = 1,
    *,
    level: float = 0.95,
    unit: str | None = "pct",
) -> str:
    """Format a confidence interval with its level.

    Parameters
    ----------
    low, high : real number or missing
        The bounds. If either is missing the range is printed as ``"–"``.
    lang : {"sv", "en"}
        ``"sv"``: ``"95 % KI 48,1–53,0 %"`` (KI = konfidensintervall); ``"en"``:
        ``"95% CI 48.1–53.0%"``.
    decimals : int, default 1
        Decimals of the bounds.
    level : float, default 0.95
        Confidence level on the 0–1 scale; printed without decimals when whole (``95 %``).
    unit : {"pct", "pp", None}, default "pct"
        ``"pct"`` appends the percent sign once after the range, ``"pp"`` the word
        "procentenheter" / "percentage points", ``None`` nothing.

    Returns
    -------
    str
        The formatted interval.

    Notes
    -----
    The bounds are joined by an en dash (``48,1–53,0``). When a bound is negative they are
    joined by "till" / "to" instead (``−0,8 till 3,0``), because a dash next to a minus sign
    is misread.

    Examples
    --------
    >>> format_ci(48.1, 53.04, "en")
    '95% CI 48.1–53.0%'
    >>> format_ci(-0.8, 3.0, "en", unit="pp")
    '95% CI -0.8 to 3.0 percentage points'
    """
    decimals = _check_decimals(decimals)
    prefix = t("stat.ci_prefix", lang, level=_ci_level(level, lang))
    return f"{prefix} {_ci_range(low, high, lang, decimals, unit)}"


def format_p(p: Any, lang: str = "sv", decimals: int = 3) -> str:
    """Format a p-value.

    Parameters
    ----------
    p : real number in [0, 1] or missing
        The p-value.
    lang : {"sv", "en"}
        Language (decimal comma in Swedish).
    decimals : int, default 3
        Decimals; values below ``10**-decimals`` print as ``"p < 0,001"``.

    Returns
    -------
    str
        ``"p < 0,001"`` / ``"p < 0.001"``, else ``"p = 0,023"``; ``"p = –"`` when missing.

    Raises
    ------
    ValueError
        If ``p`` is outside [0, 1].

    Examples
    --------
    >>> format_p(0.0004, "en")
    'p < 0.001'
    >>> format_p(0.0234, "sv")
    'p = 0,023'
    """
    decimals = _check_decimals(decimals)
    if _is_missing(p):
        return f"p = {format_number(p, lang, decimals)}"
    if not 0 <= float(_as_decimal(p, "p")) <= 1:
        raise ValueError(f"p must lie between 0 and 1, got {p!r}")
    threshold = 10.0**-decimals
    if decimals > 0 and p < threshold:
        return f"p < {format_number(threshold, lang, decimals)}"
    return f"p = {format_number(p, lang, decimals)}"


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
    row: Any, lang: str = "sv", previous: Any = None, *, decimals: int = 1
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
    unknown = sorted(map(str, set(counts) - set(MATURITY_TYPES)))
    if unknown:
        raise ValueError(f"{name}: counts has keys {unknown}; only {list(MATURITY_TYPES)} allowed")
    ordered = {k: _count(counts[k], f"counts[{k!r}]", name) for k in MATURITY_TYPES if k in counts}
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
