"""The rules report parameters must respect: one home, checked before any notebook runs.

A report notebook declares its parameters (``n_boot = 10000``, ``lang = "sv"``, ...); the
runner checks that a request names only declared ones
(:func:`dimios_research.report.runner.check_parameters`) and, here, that every value lies
in its range. A value out of range is one :class:`~dimios_research.errors.ReportParameterError`
line naming the parameter, the rule and the value, before anything is scored or executed.

========================  =====================================================
parameter                 rule
========================  =====================================================
``n_boot``                integer, 100 ≤ n_boot ≤ 100 000
``ci``                    number strictly between 0 and 1
``seed``                  integer ≥ 0
``year``, ``baseline``,   integer year 2000–2100 (or None: the default round)
``follow_up``
``target_year``           integer year 2000–2100
``lang``                  ``sv`` or ``en``
``target``                number between 0 and 100 (percent)
``org_types``             None or organisation types (kommun, region, myndighet, annan)
``cohort``                None, ``programme`` or ``non_programme``
``programme``             non-empty text (a bundled programme or a file)
``organisation_id``       non-empty text
========================  =====================================================

A whole float (``2000.0``) is accepted for an integer and returned as an int; booleans are
never numbers.

>>> check_report_parameters({"n_boot": 2000, "lang": "en", "target": 55})
{'n_boot': 2000, 'lang': 'en', 'target': 55.0}
>>> check_report_parameters({"n_boot": -5})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
dimios_research.errors.ReportParameterError: parameter n_boot must be an integer from 100 ...
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..conventions import LANGUAGES, ORGANISATION_TYPES
from ..errors import ReportParameterError

__all__ = ["PARAMETER_RULES", "ParameterRule", "check_report_parameters"]

#: Largest number of bootstrap resamples (the resample matrix is n_boot × organisations).
MAX_N_BOOT = 100_000
_YEARS = (2000, 2100)


@dataclass(frozen=True)
class ParameterRule:
    """The rule of one parameter.

    Attributes
    ----------
    text : str
        What the value must be, for the message ("an integer from 100 to 100000").
    check : callable
        ``check(value) -> value`` (normalised) or raise ValueError.
    optional : bool
        True when None (the notebook's default) is allowed.
    """

    text: str
    check: Callable[[Any], Any]
    optional: bool = False


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    raise ValueError


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError
    return float(value)


def _between(low: float, high: float, kind: Callable[[Any], Any], *, open_: bool = False):
    def check(value: Any) -> Any:
        number = kind(value)
        inside = low < number < high if open_ else low <= number <= high
        if not inside:
            raise ValueError
        return number

    return check


def _one_of(choices: tuple[Any, ...]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value not in choices:
            raise ValueError
        return value

    return check


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError
    return value


def _organisation_types(value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values:
        raise ValueError
    if any(v not in ORGANISATION_TYPES for v in values):
        raise ValueError
    return list(values)


_YEAR = ParameterRule(f"a whole year from {_YEARS[0]} to {_YEARS[1]}", _between(*_YEARS, _integer))
_ROUND = ParameterRule(_YEAR.text + " (or None)", _YEAR.check, optional=True)

#: Parameter name → its rule (see the module docstring).
PARAMETER_RULES: dict[str, ParameterRule] = {
    "n_boot": ParameterRule(
        f"an integer from 100 to {MAX_N_BOOT}", _between(100, MAX_N_BOOT, _integer)
    ),
    "ci": ParameterRule(
        "a number strictly between 0 and 1 (e.g. 0.95)", _between(0, 1, _number, open_=True)
    ),
    "seed": ParameterRule("an integer of at least 0", _between(0, 2**63 - 1, _integer)),
    "year": _ROUND,
    "baseline": _ROUND,
    "follow_up": _ROUND,
    "target_year": _YEAR,
    "lang": ParameterRule(f"one of {', '.join(LANGUAGES)}", _one_of(LANGUAGES)),
    "target": ParameterRule("a number from 0 to 100 (percent)", _between(0, 100, _number)),
    "org_types": ParameterRule(
        f"None or a list of {', '.join(ORGANISATION_TYPES)}", _organisation_types, optional=True
    ),
    "cohort": ParameterRule(
        "None, programme or non_programme", _one_of(("programme", "non_programme")), optional=True
    ),
    "programme": ParameterRule("a programme name or file", _text),
    "organisation_id": ParameterRule("an organisation id", _text),
}


def check_report_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Check every value that has a rule in :data:`PARAMETER_RULES`; return them normalised.

    Parameters without a rule pass unchanged (the notebook declares what it accepts).

    Raises
    ------
    ReportParameterError
        ``parameter <name> must be <rule>, got <value>``, for the first value that breaks
        its rule.
    """
    checked = {}
    for name, value in parameters.items():
        rule = PARAMETER_RULES.get(name)
        if rule is None or (value is None and rule.optional):
            checked[name] = value
            continue
        try:
            checked[name] = rule.check(value)
        except (ValueError, TypeError):
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            message = f"parameter {name} must be {rule.text}, got {shown}"
            raise ReportParameterError(message) from None
    return checked
