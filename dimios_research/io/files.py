"""Reading input files: paths, encodings, delimiters and formats, everything as text.

Every reader of the package (survey responses, the organisation register, DIOS inventories)
goes through :func:`read_table`, so all formats are parsed the same way: CSV, XLSX and
Parquet become a frame of trimmed strings, and the callers parse numbers themselves.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..errors import DataValidationError

__all__ = [
    "RESPONSE_FILE_SUFFIXES",
    "file_sha256",
    "read_table",
    "resolve_paths",
    "spreadsheet_rows",
]

RESPONSE_FILE_SUFFIXES = (".csv", ".txt", ".xlsx", ".parquet")


def resolve_paths(responses: str | Path | Iterable[str | Path]) -> list[Path]:
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


def _decode(path: Path, data: bytes, encoding: str | None) -> str:
    """Decode CSV bytes: UTF-8 (with or without BOM), else cp1252 (Swedish Excel)."""
    tried = [encoding] if encoding else ["utf-8-sig", "cp1252"]
    for enc in tried:
        try:
            return data.decode(enc)
        except UnicodeDecodeError as exc:
            last = exc
    raise DataValidationError(
        f"{path}: undecodable bytes at byte {last.start} (tried {', '.join(tried)}); "
        f"save the file as UTF-8 or pass its encoding (--encoding, e.g. latin-1)"
    )


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def read_table(path: Path, encoding: str | None = None) -> pd.DataFrame:
    """Read one CSV/XLSX/Parquet file as strings (object dtype), header normalised."""
    suffix = path.suffix.lower()
    data = path.read_bytes()
    if not data.strip():
        raise DataValidationError(f"{path}: the file is empty; export it again with a header")
    try:
        if suffix in (".csv", ".txt"):
            text = _decode(path, data, encoding)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=_sniff_delimiter(text),
                dtype=str,
                keep_default_na=False,
                skipinitialspace=True,
            )
        elif suffix == ".xlsx":
            frame = pd.read_excel(io.BytesIO(data), dtype=object, engine="openpyxl")
        elif suffix == ".parquet":
            frame = pd.read_parquet(io.BytesIO(data)).astype(object)
        else:
            raise DataValidationError(
                f"{path}: unsupported file type {suffix!r}; use CSV, XLSX or Parquet"
            )
    except DataValidationError:
        raise
    except Exception as exc:  # parser errors name the line; keep them, drop the traceback
        raise DataValidationError(f"{path}: could not be read as {suffix} ({exc})") from exc
    if frame.shape[1] == 0:
        raise DataValidationError(f"{path}: no columns found; the first line must be a header")
    frame.columns = [str(c).strip() for c in frame.columns]
    if suffix in (".xlsx", ".parquet"):
        frame = frame.apply(_whole_floats_as_int)
    # Everything as trimmed text, so every format goes through the same parsing.
    frame = frame.where(frame.notna(), "").astype(str)
    return frame.apply(lambda column: column.str.strip())


def _whole_floats_as_int(column: pd.Series) -> pd.Series:
    """Excel stores 3 and 2019 as 3.0 and 2019.0; give them back as the integers typed."""
    numbers = pd.to_numeric(column, errors="coerce")
    whole = numbers.notna() & (numbers == numbers.round())
    if not whole.any():
        return column
    out = column.astype(object).copy()
    out[whole] = numbers[whole].astype("int64")
    return out


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def spreadsheet_rows(index: Iterable[int], limit: int = 10) -> str:
    """Data-row numbers as a user sees them in a spreadsheet (header is row 1)."""
    rows = [int(i) + 2 for i in index]
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")
