"""The organisation register: the population frame every survey is validated against."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..conventions import ORGANISATION_TYPES, SIZE_CLASSES
from ..errors import DataValidationError
from .files import DEFAULT_MAX_BYTES, read_table, spreadsheet_rows
from .mapping import apply_value_maps, load_mapping, rename_columns
from .privacy import shown_values

__all__ = [
    "REQUIRED_ORGANISATION_COLUMNS",
    "OPTIONAL_ORGANISATION_COLUMNS",
    "match_organisation_ids",
    "read_organisations",
]

REQUIRED_ORGANISATION_COLUMNS = ("organisation_id", "name", "type", "county", "size_class")


OPTIONAL_ORGANISATION_COLUMNS = ("employees", "population", "programme_start")


def read_organisations(
    path: str | Path,
    mapping: str | Path | Mapping | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
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
    max_bytes : int, optional
        Largest file read (see :func:`dimios_research.io.files.read_table`).

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
    table = read_table(file, max_bytes=max_bytes)
    frame = rename_columns(table, maps["organisation_columns"])
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
            f"{file}: duplicate organisation_id {shown_values(sorted(dupes.unique()))} on data "
            f"row(s) {spreadsheet_rows(dupes.index)}; each organisation must appear once"
        )
    frame["type"] = frame["type"].astype(str).str.strip().str.lower()
    frame["size_class"] = frame["size_class"].astype(str).str.strip().str.upper()
    for col, allowed in (("type", ORGANISATION_TYPES), ("size_class", SIZE_CLASSES)):
        bad = frame.index[~frame[col].isin(allowed)]
        if len(bad):
            values = shown_values(sorted(frame.loc[bad, col].unique()))
            raise DataValidationError(
                f"{file}: column {col} has value(s) {values} "
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


def match_organisation_ids(
    ids: pd.Series, numeric: pd.Series, register_ids: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Organisation ids matched to the register, with leading zeros restored when unambiguous.

    Parameters
    ----------
    ids : pandas.Series
        Organisation ids as text, as read.
    numeric : pandas.Series of bool
        True where the id was stored as a number (an XLSX or Parquet cell), so that its
        leading zeros may have been lost (Excel shows ``0114`` typed into a number cell as
        ``114``).
    register_ids : pandas.Series
        The register's ids.

    Returns
    -------
    ids : pandas.Series
        ``ids`` with the numbers that match a register code once zero-padded replaced by
        that code.
    lost_zeros : pandas.Series of bool
        Ids not in the register that equal a register code with its leading zeros removed,
        and were not restored: the probable cause of their being unknown.

    Notes
    -----
    A number is zero-padded only when every register code is made of digits and all have
    the same width (then ``114`` can only mean ``0114``); with codes of several widths or
    with letters the match would be a guess, so it is not made. Ids written as text (CSV,
    text cells) are never changed: ``"007"`` and ``"7"`` stay different.

    >>> ids, lost = match_organisation_ids(
    ...     pd.Series(["114", "0180", "114"]), pd.Series([True, False, False]),
    ...     pd.Series(["0114", "0180"]))
    >>> ids.tolist(), lost.tolist()
    (['0114', '0180', '114'], [False, False, True])
    """
    ids = ids.astype(str)
    codes = register_ids.astype(str)
    known = ids.isin(set(codes))
    digits = ids.str.fullmatch(r"\d+") & ~known
    widths = codes.str.len().unique()
    if len(codes) and codes.str.fullmatch(r"\d+").all() and len(widths) == 1:
        padded = ids.str.zfill(int(widths[0]))
        restore = digits & numeric.reindex(ids.index, fill_value=False).astype(bool)
        restore &= padded.isin(set(codes))
        ids = ids.where(~restore, padded)
        digits &= ~restore
    stripped = set(codes[codes.str.fullmatch(r"0+\d+")].str.lstrip("0"))
    lost = digits & ids.isin(stripped)
    return ids, lost
