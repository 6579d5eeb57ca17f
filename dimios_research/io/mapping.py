"""Mapping files: rename export columns and recode labels without editing the export."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataValidationError
from ..safe_yaml import load_yaml_file

__all__ = [
    "MAPPING_KEYS",
    "load_mapping",
    "rename_columns",
    "apply_value_maps",
    "check_mapped_columns",
]


#: The sections a mapping may have, each a mapping of its own.
MAPPING_KEYS = ("columns", "organisation_columns", "answers", "values")


def load_mapping(mapping: str | Path | Mapping | None) -> dict[str, Any]:
    """Load a column/label mapping (YAML file or dict), checking its shape.

    Keys (all optional)::

        columns: {export column: canonical column or item id}
        organisation_columns: {register column: canonical column}
        answers: {answer label: code}      # extra labels, case and spaces ignored
        values:  {canonical column: {value in export: canonical value}}

    A file is read once, with the package's safe YAML loader (no aliases, size limit).

    Raises
    ------
    DataValidationError
        When the file is missing, not YAML, or a section has the wrong shape; the message
        names the section and shows the expected form.

    Examples
    --------
    >>> load_mapping({"columns": {"Kommunkod": "organisation_id"}})["columns"]
    {'Kommunkod': 'organisation_id'}
    >>> load_mapping({"values": {"role": [1, 2]}})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    dimios_research.errors.DataValidationError: mapping: values.role must be a mapping ...list
    """
    source = "mapping"
    if mapping is None:
        raw: Any = {}
    elif isinstance(mapping, Mapping):
        raw = dict(mapping)
    else:
        source = str(mapping)
        raw = load_yaml_file(mapping, what="mapping file", error=DataValidationError)
        raw = {} if raw is None else raw
    _require_mapping(raw, source, "the file", "{columns: {...}, answers: {...}, ...}")
    unknown = sorted(str(k) for k in set(raw) - set(MAPPING_KEYS))
    if unknown:
        raise DataValidationError(
            f"{source}: unknown key(s) {unknown}; allowed: {sorted(MAPPING_KEYS)}"
        )
    out = {key: raw.get(key) or {} for key in MAPPING_KEYS}
    for key in ("columns", "organisation_columns", "answers"):
        _require_mapping(out[key], source, key, "{name in export: canonical name}")
    _require_mapping(out["values"], source, "values", "{column: {value: canonical value}}")
    for key in ("columns", "organisation_columns"):
        for name, target in out[key].items():
            if not isinstance(target, str) or not target.strip():
                raise DataValidationError(
                    f"{source}: {key} must map export names to canonical names (text), got "
                    f"{name!r}: {_kind(target)}"
                )
    for column, table in out["values"].items():
        _require_mapping(table, source, f"values.{column}", "{value in export: canonical value}")
        for value, target in table.items():
            if isinstance(target, (list, dict)) or target is None:
                raise DataValidationError(
                    f"{source}: values.{column} must map each value to one value (text or a "
                    f"number), got {value!r}: {_kind(target)}"
                )
    for label, code in out["answers"].items():
        if isinstance(code, bool) or not isinstance(code, int):
            raise DataValidationError(
                f"{source}: answers must map labels to integer codes, got {label!r}: {code!r}"
            )
    return {key: dict(value) for key, value in out.items()}


def _require_mapping(value: Any, source: str, where: str, form: str) -> None:
    if not isinstance(value, Mapping):
        raise DataValidationError(f"{source}: {where} must be a mapping {form}, got {_kind(value)}")


def _kind(value: Any) -> str:
    names = {
        list: "a list",
        dict: "a mapping",
        str: "a text",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "nothing",
    }
    return names.get(type(value), type(value).__name__)


def rename_columns(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    lowered = {str(k).strip().casefold(): v for k, v in columns.items()}
    renamed = {c: lowered.get(c.casefold(), c) for c in frame.columns}
    return frame.rename(columns=renamed)


def apply_value_maps(frame: pd.DataFrame, values: Mapping[str, Mapping]) -> pd.DataFrame:
    for col, table in values.items():
        if col in frame.columns:
            table = {str(k): v for k, v in table.items()}
            frame[col] = frame[col].map(lambda v, t=table: t.get(str(v), v))
    return frame


def check_mapped_columns(
    frame: pd.DataFrame,
    path: Path,
    required: Sequence[str],
    answer_ids: Sequence[str],
    *,
    file_kind: str,
    answer_kind: str,
    answer_id_of: str,
    export_columns: str,
) -> None:
    """Refuse a mapped export whose columns cannot be read: the survey and inventory rule.

    Parameters
    ----------
    frame : pandas.DataFrame
        The file's table after :func:`rename_columns` and :func:`apply_value_maps`.
    path : Path
        The file, named in every message.
    required : sequence of str
        Columns the file must have.
    answer_ids : sequence of str
        Answer columns of the instrument (items, ratings); at least one must be present.
    file_kind : str
        The file in words, e.g. ``"a responses file"``.
    answer_kind : str
        The answer columns in one word, e.g. ``"item"``.
    answer_id_of : str
        An answer id and its instrument, e.g. ``"an item id of codebook 'dimios'"``.
    export_columns : str
        What the export calls the answer columns, e.g. ``"question columns"``.

    Raises
    ------
    DataValidationError
        When a column appears twice after mapping, a required column is missing or no
        column is an answer id; the message names the file and the fix.
    """
    if frame.columns.duplicated().any():
        dup = sorted(set(frame.columns[frame.columns.duplicated()]))
        raise DataValidationError(
            f"{path}: column(s) {dup} appear twice (after mapping); rename one of them"
        )
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{path}: missing required column(s) {', '.join(missing)}; {file_kind} needs "
            f"{', '.join(required)} and {answer_kind} columns (map export names with --mapping)"
        )
    if not any(a in frame.columns for a in answer_ids):
        raise DataValidationError(
            f"{path}: no column matches {answer_id_of} (e.g. {answer_ids[0]!r}); map the "
            f"export's {export_columns} with --mapping"
        )
