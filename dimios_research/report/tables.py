"""Tables for people: labelled columns, labelled codes, numbers formatted by meaning.

A result table from :mod:`dimios_research.stats` or :mod:`~dimios_research.report.summaries`
has machine columns (``estimate``, ``size_class``, ``p_adj``) and codes in its cells
(``kommun``, ``games-howell``). :func:`people_table` turns it into what a report shows:

1. **Technical constants to the note.** Columns of :data:`TECHNICAL_COLUMNS` that hold one
   value for every row (method, number of resamples, seed, ...) leave the table and become
   one note line, with their codes labelled ("Metod: Welch-ANOVA").
2. **Codes to labels.** Cells of code columns (organisation type, maturity type, level,
   unit, grouping, method, ...) are shown with their catalogue label
   (``value.<column>.<code>``, ``organisation_type.<code>``, ``maturity_type.<code>``) or, for
   units of the instrument, the codebook's label in the report language.
3. **Natural orders** are kept: rows come in the order the statistic gives (size classes
   XS…XL, organisation types in their fixed order, capabilities by category).
4. **Headers** from the catalogue (``column.<name>``); a column without a label is an
   error, so no code name reaches a reader.
5. **Numbers by meaning** (:data:`COLUMN_KINDS`, :func:`column_kind`): percent with one
   decimal, percentage points with a sign, counts with thousands separators, years as
   years, p as "< 0,001", coefficients with two or three decimals; missing as "–".
6. **At most** :data:`MAX_COLUMNS` **columns**, so a table fits an A4 page in portrait.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..conventions import check_lang
from .locale import has_key, t
from .numbers import MISSING, format_number, format_p

__all__ = [
    "COLUMN_KINDS",
    "MAX_COLUMNS",
    "TECHNICAL_COLUMNS",
    "PeopleTable",
    "column_kind",
    "label_value",
    "people_table",
]

#: Widest table a report shows (an A4 portrait page at the report's font size).
MAX_COLUMNS = 8
#: Columns that describe how a table was computed; constant ones move to the note.
TECHNICAL_COLUMNS = (
    "method",
    "weights",
    "n_boot",
    "seed",
    "p_adjust",
    "group_by",
    "ci_level",
    "group_size_convention",
    "weighting",
    "rwg_threshold",
    "threshold",
)
#: Explicit kinds of columns whose name does not tell (see :func:`column_kind`).
COLUMN_KINDS: dict[str, str] = {
    "estimate": "pct", "ci_low": "pct", "ci_high": "pct", "score_pct": "pct", "mean": "pct",
    "estimate_year": "pct", "estimate_previous": "pct", "index": "pct", "index_previous": "pct",
    "median": "pct", "min": "pct", "max": "pct", "q25": "pct", "q75": "pct", "iqr": "decimal1",
    "sd": "decimal1", "se": "decimal1", "sd_between": "decimal1", "mean_sd_within": "decimal1",
    "mean_all": "pct",
    "mean_peers": "pct", "target": "pct", "baseline": "pct", "follow_up": "pct",
    "previous": "pct", "change": "pp", "mean_change": "pp", "sd_change": "decimal1", "gap": "pp",
    "difference": "pp", "diff": "pp", "att": "pp", "effect": "pp", "slope": "pp",
    "percentile_all": "decimal0", "percentile_peers": "decimal0", "band_low": "pp",
    "band_high": "pp", "weight": "decimal3",
    "icc1": "decimal3", "icc2": "decimal3", "rwg": "decimal2", "rwg_j": "decimal2",
    "median_rwg_j": "decimal2", "ad_m": "decimal2", "mean_ad_m": "decimal2",
    "alpha": "decimal2", "omega": "decimal2", "r_drop": "decimal2", "std_alpha": "decimal2",
    "omega_total": "decimal2", "alpha_ordinal": "decimal2", "omega_ordinal": "decimal2",
    "std_loading": "decimal2", "cfi": "decimal3", "tli": "decimal3", "rmsea": "decimal3",
    "srmr": "decimal3", "delta_cfi": "decimal3", "delta_rmsea": "decimal3",
    "alpha_if_deleted": "decimal2", "hedges_g": "decimal2", "d_z": "decimal2",
    "omega_squared": "decimal3", "statistic": "decimal2", "f": "decimal2", "h": "decimal2",
    "r": "decimal2", "correlation": "decimal2", "group_size": "decimal1",
    "projected_year": "decimal1",
}  # fmt: skip
#: Code columns and the catalogue family that labels their values.
_VALUE_FAMILIES = {
    "type": "organisation_type",
    "organisation_type": "organisation_type",
    "maturity_type": "maturity_type",
    "level": "value.level",
    "group_by": "column",
    "method": "value.method",
    "p_adjust": "value.p_adjust",
    "weights": "value.weights",
    "weighting": "value.weighting",
    "estimate_kind": "value.estimate_kind",
    "decision": "value.decision",
    "time_class": "value.time_class",
    "model": "value.model",
    "reason": "value.reason",
    "cohort": "value.cohort",
    "peer_group": "value.peer_group",
    "reference_kind": "value.reference_kind",
    "group_size_convention": "value.group_size_convention",
}


#: Code columns whose values are descriptions from the statistics: each needs a label.
_STRICT_FAMILIES = frozenset(
    {"method", "decision", "model", "time_class", "weighting", "estimate_kind"}
)


def column_kind(name: str) -> str:
    """The kind of a column, from :data:`COLUMN_KINDS` or its name.

    ``year``-like names → ``year``; ``n``, ``n_*`` → ``count``; ``p``, ``p_*`` → ``p``;
    ``*_pct`` → ``pct``; ``*_pp`` → ``pp``; ``share_*`` → ``pct``; else ``text``.
    """
    if name in COLUMN_KINDS:
        return COLUMN_KINDS[name]
    if name in ("year", "event_time") or name.endswith("_year"):
        return "year"
    if name == "n" or name.startswith("n_"):
        return "count"
    if name in ("p", "pval") or name.startswith("p_"):
        return "p"
    if name.endswith("_pct") or name.startswith("share"):
        return "pct"
    if name.endswith("_pp"):
        return "pp"
    return "text"


def label_value(column: str, value: Any, lang: str, labels: Mapping[str, str] | None = None) -> str:
    """The label of one code ``value`` of ``column`` (or the value itself when uncoded).

    ``labels`` maps further codes (e.g. the codebook's units) to labels first.
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    if isinstance(value, bool):
        return t("value.yes" if value else "value.no", lang)
    text = str(value)
    if labels and text in labels:
        return labels[text]
    family = _VALUE_FAMILIES.get(column)
    if family and has_key(f"{family}.{text}", lang):
        return t(f"{family}.{text}", lang)
    if column in _STRICT_FAMILIES:  # words from a statistic: never shown untranslated
        raise KeyError(f"no label for {column} {text!r}: add value.{column}.{text} to both "
                       "locale catalogues")  # fmt: skip
    return text


def _format_cell(value: Any, kind: str, lang: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    if isinstance(value, (bool,)):
        return t("value.yes" if value else "value.no", lang)
    if kind == "year":
        return str(int(round(float(value))))
    if kind == "count":
        return format_number(value, lang, 0)
    if kind == "p":
        return format_p(value, lang).removeprefix("p = ").removeprefix("p ")
    if kind == "pp":  # a signed change; the header names the unit
        return format_number(value, lang, 1, signed=True)
    if kind == "pct" or kind == "decimal1":
        return format_number(value, lang, 1)
    if kind.startswith("decimal"):
        return format_number(value, lang, int(kind[-1]))
    return str(value)


def _kind(series: pd.Series, name: str, kinds: Mapping[str, str] | None) -> str:
    """The column's kind; a numeric column of no known kind still gets a number format."""
    kind = dict(kinds or {}).get(name, column_kind(name))
    if kind != "text" or pd.api.types.is_bool_dtype(series):
        return kind
    if pd.api.types.is_integer_dtype(series):
        return "count"
    return "decimal1" if pd.api.types.is_float_dtype(series) else "text"


@dataclass(frozen=True)
class PeopleTable:
    """A table as a report shows it (see the module docstring).

    Attributes
    ----------
    columns : tuple of str
        Headers in the report language.
    rows : tuple of tuple of str
        Every cell as formatted text.
    kinds : tuple of str
        Kind of every column (``text`` columns are left-aligned, others right-aligned).
    note : str
        The technical constants, labelled ("Metod: …; Antal omdragningar: 10 000"), or "".
    values : DataFrame
        The same table with labelled headers and codes but numbers as numbers (for the
        workbook for people).
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    kinds: tuple[str, ...]
    note: str = ""
    values: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    @property
    def align(self) -> tuple[str, ...]:
        """``left`` for text columns, ``right`` for numbers."""
        return tuple("left" if k == "text" else "right" for k in self.kinds)


def _technical_note(df: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, str]:
    constant = [
        c for c in TECHNICAL_COLUMNS
        if c in df.columns and len(df) > 0 and df[c].astype(str).nunique() == 1
    ]  # fmt: skip
    parts = []
    for column in constant:
        value = df[column].iloc[0]
        shown = label_value(column, value, lang)
        if column_kind(column) == "count" or column in ("seed", "n_boot"):
            shown = format_number(value, lang, 0)
        parts.append(f"{t(f'column.{column}', lang)}: {shown}")
    return df.drop(columns=constant), "; ".join(parts)


def people_table(
    df: pd.DataFrame,
    lang: str = "sv",
    *,
    labels: Mapping[str, str] | None = None,
    kinds: Mapping[str, str] | None = None,
    max_columns: int = MAX_COLUMNS,
) -> PeopleTable:
    """A result table made ready for a reader (see the module docstring).

    Parameters
    ----------
    df : DataFrame
        Machine columns; the order of rows and columns is kept.
    lang : {"sv", "en"}
    labels : mapping, optional
        Labels of further codes found in text columns (e.g. units of the codebook).
    kinds : mapping, optional
        Column kinds overriding :func:`column_kind`.
    max_columns : int, default :data:`MAX_COLUMNS`

    Raises
    ------
    KeyError
        A column has no ``column.<name>`` label in the catalogue.
    ValueError
        More than ``max_columns`` columns remain: choose columns, split or transpose.
    """
    lang = check_lang(lang)
    frame, note = _technical_note(df.reset_index(drop=True), lang)
    if frame.shape[1] > max_columns:
        raise ValueError(
            f"a report table has at most {max_columns} columns; got {frame.shape[1]} "
            f"({list(frame.columns)}): select, split or transpose it"
        )
    column_kinds = [_kind(frame[c], str(c), kinds) for c in frame.columns]
    values = pd.DataFrame(index=frame.index)
    for column, kind in zip(frame.columns, column_kinds, strict=True):
        series = frame[column]
        if kind == "text" or pd.api.types.is_bool_dtype(series):
            values[column] = [label_value(str(column), v, lang, labels) for v in series]
        else:
            values[column] = series
    rows = tuple(
        tuple(
            v if kind == "text" else _format_cell(v, kind, lang)
            for v, kind in zip(row, column_kinds, strict=True)
        )
        for row in values.itertuples(index=False, name=None)
    )
    headers = tuple(t(f"column.{c}", lang) for c in frame.columns)
    values.columns = list(headers)
    return PeopleTable(headers, rows, tuple(column_kinds), note, values)


def select(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``df`` restricted to ``columns`` that it has, in that order (a display choice)."""
    return df[[c for c in columns if c in df.columns]]
