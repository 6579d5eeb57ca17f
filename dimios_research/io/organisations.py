"""The organisation register: the population frame every survey is validated against."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..conventions import ORGANISATION_TYPES, SIZE_CLASSES
from ..errors import DataValidationError
from .files import read_table, spreadsheet_rows
from .mapping import apply_value_maps, load_mapping, rename_columns

__all__ = [
    "REQUIRED_ORGANISATION_COLUMNS",
    "OPTIONAL_ORGANISATION_COLUMNS",
    "read_organisations",
]

REQUIRED_ORGANISATION_COLUMNS = ("organisation_id", "name", "type", "county", "size_class")


OPTIONAL_ORGANISATION_COLUMNS = ("employees", "population", "programme_start")


def read_organisations(
    path: str | Path, mapping: str | Path | Mapping | None = None
) -> pd.DataFrame:
    """Read and validate the organisation register.

    Parameters
    ----------
    path : str or Path
        CSV, XLSX or Parquet with ``organisation_id, name, type, county, size_class`` and
        optionally ``employees, population, programme_start``.
    mapping : optional
        A mapping (see :func:`load_mapping`); its ``organisation_columns`` and ``values``
        entries apply.

    Returns
    -------
    pandas.DataFrame
        One row per organisation; ``type``, ``county`` and ``size_class`` categorical (size
        classes ordered XS < S < M < L < XL); numeric columns as floats
        (``programme_start`` NaN when the organisation never joined a programme).

    Raises
    ------
    DataValidationError
        Missing file or column, duplicate ids, unknown type or size class, non-numeric
        employees/population/programme_start: the message names the file, column and rows.
    """
    file = Path(path)
    if not file.is_file():
        raise DataValidationError(f"{file}: organisation register not found; check the path")
    maps = load_mapping(mapping)
    frame = rename_columns(read_table(file), maps["organisation_columns"])
    frame = apply_value_maps(frame, maps["values"])
    missing = [c for c in REQUIRED_ORGANISATION_COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{file}: missing required column(s) {', '.join(missing)}; the register needs "
            f"{', '.join(REQUIRED_ORGANISATION_COLUMNS)} (rename columns with a mapping file)"
        )
    frame["organisation_id"] = frame["organisation_id"].astype(str).str.strip()
    blank = frame.index[frame["organisation_id"] == ""]
    if len(blank):
        raise DataValidationError(
            f"{file}: column organisation_id is blank on data row(s) {spreadsheet_rows(blank)}; "
            f"give every organisation an id"
        )
    dupes = frame["organisation_id"][frame["organisation_id"].duplicated(keep=False)]
    if not dupes.empty:
        raise DataValidationError(
            f"{file}: duplicate organisation_id {sorted(dupes.unique())[:5]} on data row(s) "
            f"{spreadsheet_rows(dupes.index)}; each organisation must appear once"
        )
    frame["type"] = frame["type"].astype(str).str.strip().str.lower()
    frame["size_class"] = frame["size_class"].astype(str).str.strip().str.upper()
    for col, allowed in (("type", ORGANISATION_TYPES), ("size_class", SIZE_CLASSES)):
        bad = frame.index[~frame[col].isin(allowed)]
        if len(bad):
            raise DataValidationError(
                f"{file}: column {col} has value(s) {sorted(frame.loc[bad, col].unique())[:5]} "
                f"on data row(s) {spreadsheet_rows(bad)}; allowed: {', '.join(allowed)}"
            )
    for col in OPTIONAL_ORGANISATION_COLUMNS:
        if col not in frame.columns:
            frame[col] = np.nan
            continue
        text = frame[col].astype(str).str.strip().str.replace(",", ".", regex=False)
        numbers = pd.to_numeric(text.replace({"": np.nan, "nan": np.nan}), errors="coerce")
        bad = frame.index[numbers.isna() & ~text.isin(["", "nan", "None"])]
        if len(bad):
            raise DataValidationError(
                f"{file}: column {col} is not a number on data row(s) {spreadsheet_rows(bad)}; "
                f"leave the cell blank or write a number"
            )
        frame[col] = numbers.astype(float)
    frame["type"] = pd.Categorical(frame["type"], categories=list(ORGANISATION_TYPES))
    frame["size_class"] = pd.Categorical(
        frame["size_class"], categories=list(SIZE_CLASSES), ordered=True
    )
    frame["county"] = frame["county"].astype(str).str.strip().astype("category")
    frame["name"] = frame["name"].astype(str).str.strip()
    columns = list(REQUIRED_ORGANISATION_COLUMNS) + list(OPTIONAL_ORGANISATION_COLUMNS)
    return frame[columns].reset_index(drop=True)
