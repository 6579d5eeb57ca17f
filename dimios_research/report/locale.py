"""The locale catalogue: every word of the reports and figures, one file per language.

``locale/sv.yaml`` and ``locale/en.yaml`` map flat dotted keys (``"status.title"``,
``"column.estimate"``, ``"axis.capability"``) to text. Both files have the same keys and
the same ``{placeholders}`` (``tests/test_text.py`` checks it). :func:`t` is the one way to
get a string; statistics never return sentences, and no Python module holds report words.

Key families: ``column.<name>`` table headers; ``value.<column>.<code>`` labels of codes in
table cells (organisation types, methods, reasons); ``axis.``, ``title.``, ``legend.`` figure
texts; ``<report>.…`` headings, paragraphs and captions of each report; ``sentence.…``
narrative templates; ``unit.``, ``word.``, ``stat.`` building blocks of formatted numbers.

>>> t("axis.legacy", "en")
'Digital legacy (%)'
>>> t("coverage.text", "en", year=2023, n_organisations=1500, n_respondents=3800,
...   n_reportable=149)[:30]
'In 2023, 1,500 organisations t'
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from ..conventions import check_lang
from ..safe_yaml import load_yaml_file

__all__ = ["CATALOGUE_DIR", "catalogue", "has_key", "locale_keys", "placeholders", "t"]

#: Folder of the catalogue files ``<lang>.yaml``.
CATALOGUE_DIR = Path(__file__).resolve().parent / "locale"
_NO_DEFAULT = object()
_PLACEHOLDER = re.compile(r"\{(\w+)[^{}]*\}")


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The catalogue of one language, ``{key: text}`` (read once)."""
    path = CATALOGUE_DIR / f"{check_lang(lang)}.yaml"
    texts = load_yaml_file(path, what="locale catalogue")
    bad = [k for k, v in texts.items() if not isinstance(v, str) or not v.strip()]
    if bad:
        raise ValueError(f"{path}: key(s) {bad[:5]} must hold non-empty text")
    return dict(texts)


def locale_keys(lang: str = "sv") -> list[str]:
    """All keys of a language's catalogue, sorted."""
    return sorted(catalogue(lang))


def has_key(key: str, lang: str = "sv") -> bool:
    """True when the catalogue of ``lang`` defines ``key``."""
    return key in catalogue(lang)


def placeholders(text: str) -> set[str]:
    """The ``{field}`` names of a template."""
    return set(_PLACEHOLDER.findall(text))


def t(key: str, lang: str = "sv", default: Any = _NO_DEFAULT, **fields: Any) -> str:
    """The text of ``key`` in ``lang``, with its ``{placeholders}`` filled.

    Parameters
    ----------
    key : str
        Catalogue key, e.g. ``"axis.capability"`` or ``"maturity_type.A"``.
    lang : {"sv", "en"}
    default : optional
        Returned (unformatted) when the key is not defined; without it a missing key raises.
    **fields
        Values for the placeholders. Text is inserted as it is; numbers are formatted by
        their field name (:func:`dimios_research.report.numbers.format_field`): years plain,
        ``*_pct`` as percent, ``*_pp`` as percentage points, integers with thousands
        separators, other numbers with one decimal.

    Raises
    ------
    KeyError
        The key is missing (and no default), or a placeholder has no field.
    """
    text = catalogue(lang).get(key)
    if text is None:
        if default is not _NO_DEFAULT:
            return default
        raise KeyError(f"no text for key {key!r} in the {lang} catalogue (locale/{lang}.yaml)")
    if not fields:
        return text
    from .numbers import format_field  # numbers uses t for its units: imported when needed

    try:
        return text.format(**{name: format_field(name, v, lang) for name, v in fields.items()})
    except KeyError as err:
        raise KeyError(
            f"text {key!r} ({lang}) needs the field {err.args[0]!r}; got {sorted(fields)}"
        ) from None
