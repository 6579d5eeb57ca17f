"""Numbers as text, by the typographic rules of each language (Swedish and English).

Every number a report shows (tables, sentences, figure labels, key figures) is formatted
here, so the whole report follows one set of rules:

Number formatting conventions
-----------------------------
========================  ======================  ====================
rule                      Swedish (``"sv"``)      English (``"en"``)
========================  ======================  ====================
decimal mark              comma ``51,2``          point ``51.2``
thousands separator       narrow no-break space   comma ``12,345``
                          (U+202F) ``12 345``
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
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..conventions import check_lang
from .locale import t

__all__ = [
    "MISSING",
    "format_ci",
    "format_field",
    "format_number",
    "format_p",
    "format_pct",
    "format_set_pct",
    "format_pp",
    "format_pp_short",
]

#: Printed for a missing value (NaN, None, pd.NA): an en dash, as in Swedish tables.
MISSING = "\u2013"


NBSP = "\u00a0"
#: Narrow no-break space (U+202F): groups thousands in Swedish ("12 345").
NNBSP = "\u202f"


MINUS = "\u2212"


EN_DASH = "\u2013"


@dataclass(frozen=True)
class _NumberStyle:
    decimal_mark: str
    thousands_separator: str
    minus: str
    percent: str


_STYLES = {
    "sv": _NumberStyle(
        decimal_mark=",", thousands_separator=NNBSP, minus=MINUS, percent=NBSP + "%"
    ),
    "en": _NumberStyle(decimal_mark=".", thousands_separator=",", minus="-", percent="%"),
}


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
    >>> format_number(12345.63, "sv") == "12\\u202f345,6"
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


def format_set_pct(x: Any, lang: str = "sv") -> str:
    """A percentage someone chose (a target, a cut): as written, "55 %" but "52,5 %".

    Whole numbers get no decimals, others one (:func:`format_pct`).

    Examples
    --------
    >>> format_set_pct(55, "en"), format_set_pct(52.5, "en")
    ('55%', '52.5%')
    """
    return format_pct(x, lang, 0 if float(x).is_integer() else 1)


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


def format_pp_short(x: Any, lang: str = "sv", decimals: int = 1) -> str:
    """A signed change with the short unit, for tight spaces: "+0,7 p.e." / "+0.7 pp".

    >>> format_pp_short(-0.44, "en") == "-0.4\u00a0pp"
    True
    """
    number = format_number(x, lang, decimals, signed=True)
    return number if number == MISSING else f"{number}{NBSP}{t('unit.pp_short', lang)}"


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


def format_field(name: str, value: Any, lang: str) -> str:
    """A template field as text, by its name: years plain, ``*_pct`` percent, ``*_pp`` points."""
    if isinstance(value, str):
        return value
    if name == "year" or name.endswith("_year") or name in ("baseline", "follow_up"):
        return "–" if pd.isna(value) else str(int(round(float(value))))
    if name.endswith("_pct"):
        return format_pct(value, lang)
    if name.endswith("_pp"):
        return format_pp(value, lang)
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return format_number(value, lang, 0)
    return format_number(value, lang, 1)
