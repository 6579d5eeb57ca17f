"""Reading input files: paths, encodings, delimiters and formats, everything as text.

Every reader of the package (survey responses, the organisation register) goes through
:func:`read_table`, so all formats are parsed the same way: CSV, XLSX and Parquet become a
frame of trimmed strings, and the callers parse numbers themselves. Nothing is coerced on
the way: an id ``"0114"`` stays ``"0114"`` and ``"007"`` stays distinct from ``"7"``. A cell
that a spreadsheet or Parquet file stores as a *number* is written as its digits (``114``,
``3.0`` → ``"3"``) and marked in :attr:`Table.numeric`, so that a caller can tell an id
that lost its leading zeros in Excel from one typed without them.

Files are untrusted, so reading is bounded:

* a file (for XLSX and Parquet: its uncompressed content) larger than ``max_bytes``
  (default :data:`DEFAULT_MAX_BYTES`) is refused before it is parsed;
* an XLSX whose parts expand more than :data:`MAX_EXPANSION` times (a "zip bomb"), or any
  workbook or Parquet file with more than :data:`MAX_ROWS` rows, is refused;
* CSV is decoded while it is parsed (no copy of the whole text in memory);
* UTF-16/UTF-32 files (recognised by their byte-order mark), binary files and workbooks
  saved under a ``.csv`` name are refused with a message that names the format;
* duplicate header names are refused (they are never renamed or dropped silently);
* a workbook with several sheets holding data is refused unless ``sheet`` names one.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..conventions import DEFAULT_MAX_BYTES
from ..errors import DataValidationError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "INVENTORY_FILE_PREFIX",
    "MAX_EXPANSION",
    "MAX_ROWS",
    "RESPONSE_FILE_SUFFIXES",
    "Table",
    "file_sha256",
    "format_bytes",
    "parse_byte_size",
    "read_table",
    "read_typed_table",
    "resolve_paths",
    "spreadsheet_rows",
]

RESPONSE_FILE_SUFFIXES = (".csv", ".txt", ".xlsx", ".parquet")
#: Files of a data folder whose name starts with this prefix are DIOS inventories (read by
#: :mod:`dimios_research.io.inventory`, skipped by the survey reader).
INVENTORY_FILE_PREFIX = "inventory_"
#: Largest ratio of uncompressed to compressed size of an XLSX part (real workbooks: < 20).
MAX_EXPANSION = 100
#: Most rows read from a workbook or Parquet file (Excel's own limit).
MAX_ROWS = 1_048_576

_BOMS = (  # longest first: the UTF-32 LE mark starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "UTF-32 (little-endian)", "utf-32"),
    (codecs.BOM_UTF32_BE, "UTF-32 (big-endian)", "utf-32"),
    (codecs.BOM_UTF16_LE, "UTF-16 (little-endian)", "utf-16"),
    (codecs.BOM_UTF16_BE, "UTF-16 (big-endian)", "utf-16"),
)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Table:
    """A file read as text.

    Attributes
    ----------
    frame : pandas.DataFrame
        Every cell as a trimmed string (``""`` when empty); header names trimmed.
    numeric : pandas.DataFrame
        Boolean, same index: for the columns that hold at least one cell stored as a
        number (XLSX and Parquet only), True where the cell was a number. Empty for CSV.
    sheet : str or None
        The worksheet read (XLSX).
    """

    frame: pd.DataFrame
    numeric: pd.DataFrame
    sheet: str | None = None


def resolve_paths(responses: str | Path | Iterable[str | Path]) -> list[Path]:
    """Response files from a file, a list of files or a directory (sorted, hidden skipped)."""
    if isinstance(responses, (str, Path)):
        candidates = [Path(responses)]
    else:
        candidates = [Path(p) for p in responses]
    if not candidates:
        raise DataValidationError("no response files given; pass a file, a list or a directory")
    paths: list[Path] = []
    for cand in candidates:
        if cand.is_dir():
            found = sorted(
                p
                for p in cand.iterdir()
                if p.suffix.lower() in RESPONSE_FILE_SUFFIXES and not p.name.startswith(".")
            )
            if not found:
                raise DataValidationError(
                    f"{cand}: directory holds no response files "
                    f"({', '.join(RESPONSE_FILE_SUFFIXES)})"
                )
            paths.extend(found)
        elif cand.is_file():
            paths.append(cand)
        else:
            raise DataValidationError(f"{cand}: file not found; check the path")
    return paths


# --------------------------------------------------------------------------- sizes


def format_bytes(size: float) -> str:
    """A size for a message: ``"1.2 MB"`` (1 MB = 1024² bytes, as the limits are given).

    >>> format_bytes(50 * 1024 * 1024), format_bytes(1536)
    ('50 MB', '1.5 KB')
    """
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(size)} bytes"


def parse_byte_size(text: str | int) -> int:
    """Bytes from ``"200MB"``, ``"1.5 GB"``, ``"500KB"`` or a plain number of bytes.

    >>> parse_byte_size("200MB"), parse_byte_size("1 GB"), parse_byte_size(1000)
    (209715200, 1073741824, 1000)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*", str(text), re.IGNORECASE)
    unit = (match.group(2) or "").lower().rstrip("b").rstrip("i") if match else ""
    if match is None or unit not in ("", "k", "m", "g", "t"):
        raise ValueError(f"max-bytes must be a size such as 200MB or 1GB, got {text!r}")
    value = float(match.group(1)) * 1024 ** ("kmgt".index(unit) + 1 if unit else 0)
    if value < 1:
        raise ValueError(f"max-bytes must be at least 1 byte, got {text!r}")
    return int(value)


def _refuse_large(path: Path, size: int, max_bytes: int, what: str = "") -> None:
    if size > max_bytes:
        raise DataValidationError(
            f"{path}: {what or 'file'} of {format_bytes(size)} is larger than the "
            f"{format_bytes(max_bytes)} limit; a survey export is a few MB, so check the file, "
            f"or raise the limit with --max-bytes (max_bytes=)"
        )


# --------------------------------------------------------------------------- CSV


def _refuse_other_formats(path: Path, head: bytes, encoding: str | None) -> None:
    """Refuse UTF-16/32 (by byte-order mark), binary files and workbooks named .csv."""
    if encoding is None:
        for bom, name, codec in _BOMS:
            if head.startswith(bom):
                raise DataValidationError(
                    f"{path}: the file is {name} text (byte-order mark {bom.hex(' ').upper()}); "
                    f"save it as UTF-8 (Excel: 'CSV UTF-8') or pass --encoding {codec}"
                )
    if head.startswith(b"PK\x03\x04"):
        raise DataValidationError(
            f"{path}: this is a ZIP file (an Excel workbook?), not CSV text; "
            f"give it the suffix .xlsx or export it as CSV"
        )
    if encoding is None and b"\x00" in head:
        raise DataValidationError(
            f"{path}: the file holds NUL bytes, so it is not CSV text (UTF-16 without a "
            f"byte-order mark, or a binary file); save it as UTF-8 CSV"
        )


def _detect_encoding(path: Path) -> str:
    """UTF-8 (BOM allowed) when every byte decodes, else cp1252; read in chunks."""
    last: UnicodeDecodeError | None = None
    for enc in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(enc)()
        offset = 0
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    decoder.decode(chunk)
                    offset += len(chunk)
                decoder.decode(b"", final=True)
            return enc
        except UnicodeDecodeError as exc:
            last = UnicodeDecodeError(exc.encoding, exc.object, offset + exc.start, 0, "")
    raise DataValidationError(
        f"{path}: undecodable bytes at byte {last.start if last else 0} (tried utf-8-sig, "
        f"cp1252); save the file as UTF-8 or pass its encoding (--encoding, e.g. latin-1)"
    )


def _sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _header_line(head: bytes, encoding: str) -> str:
    text = head.decode(encoding, errors="replace")
    return text.split("\n", 1)[0].rstrip("\r")


def _read_csv(path: Path, encoding: str | None) -> pd.DataFrame:
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    if not head.strip():
        raise DataValidationError(f"{path}: the file is empty; export it again with a header")
    _refuse_other_formats(path, head, encoding)
    enc = encoding or _detect_encoding(path)
    header = _header_line(head, enc)
    sep = _sniff_delimiter(header)
    names = next(csv.reader([header], delimiter=sep, skipinitialspace=True), [])
    _refuse_duplicate_names(path, names)
    return pd.read_csv(
        path,
        sep=sep,
        dtype=str,
        keep_default_na=False,
        skipinitialspace=True,
        encoding=enc,
        engine="c",
    )


def _refuse_duplicate_names(path: Path, names: Sequence[Any], where: str = "") -> None:
    """Header names must be unique after trimming (spreadsheets would rename them)."""
    seen: dict[str, int] = {}
    for name in names:
        key = "" if name is None else str(name).strip()
        if key:
            seen[key] = seen.get(key, 0) + 1
    dupes = sorted(k for k, n in seen.items() if n > 1)
    if dupes:
        shown = ", ".join(repr(d[:40]) for d in dupes[:5])
        raise DataValidationError(
            f"{path}{where}: column name(s) {shown} appear more than once in the header; "
            f"rename or delete the extra column(s)"
        )


# --------------------------------------------------------------------------- XLSX


def _check_workbook_archive(path: Path, max_bytes: int) -> None:
    """Refuse a workbook whose parts are too large or expand too much, before parsing it."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataValidationError(
            f"{path}: not a valid .xlsx workbook ({exc}); save it again from Excel"
        ) from None
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > 1024 * 1024 and ratio > MAX_EXPANSION:
            raise DataValidationError(
                f"{path}: part {part.filename} expands {ratio:.0f} times (to "
                f"{format_bytes(part.file_size)}); a real workbook expands less than "
                f"{MAX_EXPANSION} times, so this one is refused (a 'zip bomb'?)"
            )
    total = sum(p.file_size for p in parts)
    _refuse_large(path, total, max_bytes, "workbook content (uncompressed)")


def _data_sheet(path: Path, book: Any, sheet: str | None) -> Any:
    """The worksheet to read: ``sheet`` by name, else the only one holding data."""
    sheets = [ws for ws in book.worksheets if hasattr(ws, "iter_rows")]
    if sheet is not None:
        for ws in sheets:
            if ws.title == sheet:
                return ws
        names = ", ".join(repr(ws.title) for ws in sheets)
        raise DataValidationError(f"{path}: no sheet named {sheet!r}; the sheets are {names}")
    with_data = [
        ws
        for ws in sheets
        if any(
            v not in (None, "") for row in ws.iter_rows(max_row=1, values_only=True) for v in row
        )
    ]
    if len(with_data) > 1:
        names = ", ".join(repr(ws.title) for ws in with_data)
        raise DataValidationError(
            f"{path}: the workbook has {len(with_data)} sheets with data ({names}); name the one "
            f"to read with --sheet NAME (sheet=), or keep one sheet"
        )
    if not with_data:
        raise DataValidationError(f"{path}: the file is empty; export it again with a header")
    return with_data[0]


def _sheet_rows(path: Path, worksheet: Any) -> list[tuple]:
    rows: list[tuple] = []
    for row in worksheet.iter_rows(values_only=True):
        rows.append(row)
        if len(rows) > MAX_ROWS + 1:
            raise DataValidationError(
                f"{path}: sheet {worksheet.title!r} has more than {MAX_ROWS} rows; "
                f"check the file (a survey export has one row per respondent)"
            )
    while rows and all(v in (None, "") for v in rows[-1]):
        rows.pop()  # formatted but empty rows at the end
    return rows


def _read_xlsx(path: Path, max_bytes: int, sheet: str | None) -> tuple[pd.DataFrame, str]:
    import openpyxl

    _check_workbook_archive(path, max_bytes)
    book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        worksheet = _data_sheet(path, book, sheet)
        rows = _sheet_rows(path, worksheet)
    finally:
        book.close()
    if not rows:
        raise DataValidationError(f"{path}: the file is empty; export it again with a header")
    width = max(len(r) for r in rows)
    header = list(rows[0]) + [None] * (width - len(rows[0]))
    _refuse_duplicate_names(path, header, f" (sheet {worksheet.title!r})")
    frame = pd.DataFrame.from_records(rows[1:], columns=range(width)) if len(rows) > 1 else None
    if frame is None:
        frame = pd.DataFrame(columns=range(width), dtype=object)
    names = [f"Unnamed: {i}" if h in (None, "") else str(h) for i, h in enumerate(header)]
    frame.columns = names
    empty = [n for n, h in zip(names, header) if h in (None, "") and frame[n].isna().all()]
    return frame.drop(columns=empty), worksheet.title


# --------------------------------------------------------------------------- Parquet


def _read_parquet(path: Path, max_bytes: int) -> pd.DataFrame:
    """Read Parquet, refusing it when its content, dictionaries expanded, exceeds the limit.

    Text columns are read dictionary-encoded, so that a short dictionary repeated over many
    rows (a "Parquet bomb") is measured before it is expanded.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
        schema = pq.read_schema(path)
    except Exception as exc:
        raise DataValidationError(f"{path}: not a valid Parquet file ({exc})") from None
    _refuse_duplicate_names(path, schema.names)
    if meta.num_rows > MAX_ROWS:
        raise DataValidationError(
            f"{path}: {meta.num_rows} rows is more than the {MAX_ROWS} rows read; check the file"
        )
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    _refuse_large(path, size, max_bytes, "Parquet content (uncompressed)")
    text = [
        f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]
    table = pq.read_table(path, read_dictionary=text)
    columns, size = [], 0
    for column in table.columns:
        chunks = []
        for chunk in column.chunks:
            expanded = pa.types.is_dictionary(chunk.type)
            if expanded:
                lengths = pc.binary_length(chunk.dictionary).take(chunk.indices)
                size += pc.sum(lengths).as_py() or 0
            else:
                size += chunk.nbytes
            _refuse_large(path, size, max_bytes, "Parquet content (expanded)")
            chunks.append(chunk.dictionary_decode() if expanded else chunk)  # after the check
        columns.append(pa.chunked_array(chunks, type=chunks[0].type if chunks else None))
    return pa.table(columns, names=table.column_names).to_pandas()


# --------------------------------------------------------------------------- text


def _as_text(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A column as trimmed text, and where it held numbers (whole numbers as integers).

    Numeric columns (Parquet) are converted vectorised; mixed columns (a worksheet column
    holds text and numbers side by side) cell by cell.
    """
    if pd.api.types.is_float_dtype(column.dtype) or pd.api.types.is_integer_dtype(column.dtype):
        values = column.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(values)
        whole = present & (np.abs(values) < 2**62)
        whole[whole] = values[whole] == np.round(values[whole])
        text = np.full(len(values), "", dtype=object)
        text[whole] = values[whole].astype(np.int64).astype(str)
        rest = present & ~whole
        text[rest] = [repr(float(v)) for v in values[rest]]
        return pd.Series(text, index=column.index, dtype=str), pd.Series(present, column.index)
    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        return column.fillna("").str.strip(), pd.Series(False, index=column.index)
    values = column.astype(object)
    is_number = values.map(
        lambda v: (
            isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, (bool, np.bool_))
            and v == v
        )
    ).astype(bool)
    return values.map(_cell_text).astype(str).str.strip(), is_number


def _cell_text(value: Any) -> str:
    """One cell as text: whole floats as integers (Excel's 2019.0 is 2019), missing as ''."""
    if value is None or (isinstance(value, (float, np.floating)) and value != value):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    return str(value)


def read_typed_table(
    path: Path,
    encoding: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    sheet: str | None = None,
) -> Table:
    """Read one CSV/XLSX/Parquet file as text, with the cells stored as numbers marked.

    See the module docstring for the checks. Raises :class:`DataValidationError` naming
    the file and the fix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in RESPONSE_FILE_SUFFIXES:
        raise DataValidationError(
            f"{path}: unsupported file type {suffix!r}; use CSV, XLSX or Parquet"
        )
    if not path.is_file():
        raise DataValidationError(f"{path}: file not found; check the path")
    _refuse_large(path, path.stat().st_size, max_bytes)
    sheet_read = None
    try:
        if suffix in (".csv", ".txt"):
            frame = _read_csv(path, encoding)
        elif suffix == ".xlsx":
            frame, sheet_read = _read_xlsx(path, max_bytes, sheet)
        else:
            frame = _read_parquet(path, max_bytes)
    except DataValidationError:
        raise
    except Exception as exc:  # parser errors name the line; keep them, drop the traceback
        raise DataValidationError(f"{path}: could not be read as {suffix} ({exc})") from exc
    if frame.shape[1] == 0:
        raise DataValidationError(f"{path}: no columns found; the first line must be a header")
    return _text_table(path, frame, suffix, sheet_read)


def _text_table(path: Path, frame: pd.DataFrame, suffix: str, sheet: str | None) -> Table:
    names = [str(c).strip() for c in frame.columns]
    _refuse_duplicate_names(path, names)
    frame = frame.set_axis(names, axis=1).reset_index(drop=True)
    if suffix in (".csv", ".txt"):  # text already: trim only
        text = {c: frame[c].fillna("").astype(str).str.strip() for c in names}
        return Table(pd.DataFrame(text, index=frame.index), pd.DataFrame(index=frame.index))
    text, numeric = {}, {}
    for column in names:
        text[column], is_number = _as_text(frame[column])
        if is_number.any():
            numeric[column] = is_number
    return Table(
        pd.DataFrame(text, index=frame.index).astype(str),
        pd.DataFrame(numeric, index=frame.index, dtype=bool),
        sheet,
    )


def read_table(
    path: Path,
    encoding: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    sheet: str | None = None,
) -> pd.DataFrame:
    """Read one CSV/XLSX/Parquet file as strings, header normalised (see the module doc)."""
    return read_typed_table(path, encoding, max_bytes=max_bytes, sheet=sheet).frame


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def spreadsheet_rows(index: Iterable[int], limit: int = 10) -> str:
    """Data-row numbers as a user sees them in a spreadsheet (header is row 1)."""
    rows = [int(i) + 2 for i in index]
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")
