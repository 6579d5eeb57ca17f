"""Report files: CSV for machines, one XLSX workbook for people, all byte-reproducible.

CSV (machine format): code names as headers, dot decimal, full precision, UTF-8, ``,``
separator, ``\\n`` line ends, text always quoted; a data dictionary (``data_dictionary.csv``)
beside the tables explains every column.

XLSX (for people): one workbook per report with one sheet per table plus an "Om data" /
"About" sheet; headers and code labels in the report's language, number formats by the
column's meaning (percent with one decimal, counts with thousands separators, years as
years, p with three decimals), column widths from the contents, a frozen, bold header row.

Every text cell that a spreadsheet would run as a formula is neutralised
(:func:`dimios_research.report.escape.spreadsheet_text`). XLSX files are re-packed with fixed
ZIP timestamps (1980-01-01) and fixed document dates (:data:`FIXED_TIMESTAMP`), so the same
tables give the same bytes. Every file is written with mode 0644 (readable like the HTML,
whatever the process umask).

References
----------
OWASP Foundation. CSV Injection. https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .escape import spreadsheet_frame, spreadsheet_text

__all__ = [
    "FILE_MODE",
    "FIXED_TIMESTAMP",
    "Sheet",
    "write_bytes",
    "write_csv",
    "write_workbook",
    "write_xlsx",
]

#: Permissions of every written file (owner read/write, everyone read).
FILE_MODE = 0o644
#: Creation/modification date written into every XLSX (and its ZIP entries).
FIXED_TIMESTAMP = "2000-01-01T00:00:00Z"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: Excel number formats by column kind (see :mod:`dimios_research.report.tables`).
EXCEL_FORMATS = {
    "pct": "0.0",
    "pp": "+0.0;-0.0;0.0",
    "count": "#,##0",
    "year": "0",
    "p": "0.000",
    "decimal1": "0.0",
    "decimal2": "0.00",
    "decimal3": "0.000",
    "share": "0.0",
}


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` (parents created) with mode :data:`FILE_MODE`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.chmod(path, FILE_MODE)
    return path


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as machine-readable CSV (see the module docstring).

    >>> import tempfile
    >>> path = write_csv(pd.DataFrame({"a": ["=1+1"], "b": [1.5]}), tempfile.mkdtemp() + "/t.csv")
    >>> path.read_text()
    '"a","b"\\n"\\'=1+1",1.5\\n'
    """
    text = spreadsheet_frame(df).to_csv(
        index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC
    )
    return write_bytes(path, text.encode("utf-8"))


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook for people.

    Attributes
    ----------
    name : str
        Sheet name (shortened to Excel's 31 characters; made unique by the writer).
    frame : DataFrame
        Headers already in the reader's language, code values already labelled, numbers as
        numbers (formatted by ``kinds``).
    kinds : sequence of str
        Kind of every column (``text``, ``pct``, ``count``, ``year``, ``p``, ...), giving its
        Excel number format.
    title : str
        Shown above the table (the table's caption); empty for none.
    """

    name: str
    frame: pd.DataFrame
    kinds: Sequence[str] = ()
    title: str = ""


def _cell(value: Any) -> Any:
    """A value openpyxl can store: numpy scalars as Python, missing as empty."""
    if value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)
    ):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple, dict, set)):
        return str(value)
    return spreadsheet_text(value)


def _sheet_names(sheets: Sequence[Sheet]) -> list[str]:
    """Excel-safe, unique sheet names (31 characters, no ``[]:*?/\\``)."""
    names: list[str] = []
    for sheet in sheets:
        base = re.sub(r"[\[\]:*?/\\]", "-", sheet.name).strip("'") or "Sheet"
        name, k = base[:31], 2
        while name.casefold() in {n.casefold() for n in names}:
            suffix = f" ({k})"
            name, k = base[: 31 - len(suffix)] + suffix, k + 1
        names.append(name)
    return names


def _fill_sheet(ws: Any, sheet: Sheet) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    frame = sheet.frame
    first = 1
    if sheet.title:
        ws.cell(row=1, column=1, value=spreadsheet_text(sheet.title)).font = Font(bold=True)
        first = 3
    kinds = list(sheet.kinds) or ["text"] * frame.shape[1]
    for j, column in enumerate(frame.columns, start=1):
        cell = ws.cell(row=first, column=j, value=spreadsheet_text(str(column)))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=first + 1):
        for j, value in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j, value=_cell(value))
            if kinds[j - 1] in EXCEL_FORMATS:
                cell.number_format = EXCEL_FORMATS[kinds[j - 1]]
    for j, column in enumerate(frame.columns, start=1):
        longest = max([len(str(column)) // 2 + 2, *(len(str(v)) for v in frame.iloc[:, j - 1])])
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, longest + 2))
    ws.freeze_panes = ws.cell(row=first + 1, column=1)


def write_workbook(sheets: Sequence[Sheet], path: str | Path) -> Path:
    """Write sheets to one XLSX workbook for people, byte-reproducibly (module docstring)."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, sheet in zip(_sheet_names(sheets), sheets, strict=True):
        _fill_sheet(workbook.create_sheet(name), sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return write_bytes(path, _repack(buffer.getvalue()))


def write_xlsx(df: pd.DataFrame, path: str | Path, sheet_name: str = "table") -> Path:
    """A one-sheet workbook of ``df`` as it is (column names and values unchanged)."""
    return write_workbook([Sheet(sheet_name, df)], path)


def _repack(data: bytes) -> bytes:
    """The XLSX archive with fixed ZIP entry times and fixed document dates."""
    stamp = FIXED_TIMESTAMP.encode()
    repacked = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(repacked, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(<)",
                    rb"\g<1>" + stamp + rb"\g<3>",
                    payload,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, payload)
    return repacked.getvalue()
