"""Read, map, clean and validate survey exports into :class:`SurveyData`.

Nothing is lost and nothing personal leaves this module:

* every input row ends up either in ``SurveyData.respondents`` or in
  ``SurveyData.quarantine`` with a reason;
* every cell that could not be used is recorded in ``SurveyData.cell_issues`` (row, column,
  original value, reason) and set missing;
* columns holding personal data are dropped and listed by column name only: e-mail
  addresses, IP addresses and free text are recognised by column name and by content,
  personal names and phone numbers by column name;
* respondent ids are pseudonymised with a keyed hash (HMAC-SHA-256).

File-level problems raise :class:`DataValidationError` naming the file, the column or row,
and the fix.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .codebook import Codebook, _normalise_label, load_codebook

__all__ = [
    "DataValidationError",
    "PseudonymisationWarning",
    "SurveyData",
    "ValidationReport",
    "read_survey",
    "read_organisations",
    "read_survey_dir",
    "load_mapping",
    "pseudonymise",
    "ORGANISATION_TYPES",
    "SIZE_CLASSES",
    "QUARANTINE_REASONS",
    "CELL_ISSUE_REASONS",
    "PSEUDONYM_KEY_ENV",
]

RESPONSE_FILE_SUFFIXES = (".csv", ".txt", ".xlsx", ".parquet")
ID_COLUMNS = ("respondent_id", "organisation_id", "year")
OPTIONAL_RESPONSE_COLUMNS = ("role",)
ORGANISATION_TYPES = ("kommun", "region", "myndighet", "annan")
SIZE_CLASSES = ("XS", "S", "M", "L", "XL")
REQUIRED_ORGANISATION_COLUMNS = ("organisation_id", "name", "type", "county", "size_class")
OPTIONAL_ORGANISATION_COLUMNS = ("employees", "population", "programme_start")

#: Row-level reasons, in the order they are checked (a row gets the first that applies).
QUARANTINE_REASONS = {
    "missing_respondent_id": "the respondent id is blank",
    "missing_organisation_id": "the organisation id is blank",
    "missing_or_invalid_year": "the year is blank or not a whole number between 2000 and 2100",
    "unknown_organisation": "the organisation id is not in the organisation register",
    "duplicate_respondent_in_round": "the respondent id already occurs in this round "
    "(the first occurrence is kept)",
    "no_valid_answers": "not one item has a valid answer (don't-know excluded)",
}
CELL_ISSUE_REASONS = {
    "out_of_range": "a number outside the scale and not a don't-know code",
    "unparseable": "neither a scale code nor a known answer label",
}
PSEUDONYM_KEY_ENV = "DIMIOS_PSEUDONYM_KEY"
_DEFAULT_KEY = "dimios-research-default-key"
_REDACTED = "<redacted: looks like personal data>"

# Column names that reveal personal data (Swedish and English export conventions).
_PERSONAL_NAME_PATTERNS = {
    "e-mail": r"e[-_ ]?mail|e[-_ ]?post|epost|mejl",
    "personal name": r"^(first|last|full|given|sur|respondent|person|contact)?[-_ ]?"
    r"(name|namn)$|^(förnamn|efternamn|respondentnamn|kontaktperson)$",
    "IP address": r"(^|[_ -])ip([_ -]?(address|adress|addr))?$",
    "free text": r"comment|kommentar|fritext|free[_ ]?text|övrigt|ovrigt|synpunkt|message|"
    r"meddelande|open[_ ]?answer|öppet[_ ]?svar",
    "phone number": r"phone|telefon|mobil",
}
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}")
_IP_RE = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")


class DataValidationError(ValueError):
    """A file-level problem: the message names the file, the column or row, and the fix."""


class PseudonymisationWarning(UserWarning):
    """The built-in default pseudonymisation key is in use."""


@dataclass(frozen=True)
class ValidationReport:
    """What happened to every input row and cell.

    Attributes
    ----------
    files : tuple[str, ...]
        Response files read, in order.
    file_sha256 : dict[str, str]
        SHA-256 of every input file (responses and register), for provenance.
    rows_read, rows_kept, rows_quarantined : int
        ``rows_read == rows_kept + rows_quarantined`` always holds.
    quarantine_reasons : dict[str, int]
        Quarantined rows per reason.
    cell_issues : dict[str, int]
        Cell issues per reason.
    dont_know : int
        Don't-know answers (set missing, not an issue).
    dropped_columns : dict[str, str]
        Column name → why it was dropped (personal data). Only names, never values.
    ignored_columns : tuple[str, ...]
        Columns that are neither canonical nor items nor personal data (not used).
    default_key_used : bool
        True when respondent ids were pseudonymised with the built-in default key.
    """

    files: tuple[str, ...]
    file_sha256: dict[str, str]
    rows_read: int
    rows_kept: int
    rows_quarantined: int
    quarantine_reasons: dict[str, int]
    cell_issues: dict[str, int]
    dont_know: int
    dropped_columns: dict[str, str]
    ignored_columns: tuple[str, ...]
    default_key_used: bool

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-serialisable types (the CLI's ``--json`` output)."""
        return {
            "files": list(self.files),
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_quarantined": self.rows_quarantined,
            "quarantine_reasons": dict(self.quarantine_reasons),
            "cell_issues": dict(self.cell_issues),
            "dont_know": self.dont_know,
            "dropped_columns": sorted(self.dropped_columns),
            "ignored_columns": list(self.ignored_columns),
            "default_key_used": self.default_key_used,
        }

    def summary(self) -> str:
        """A few plain lines for a terminal or a log."""
        lines = [
            f"files read: {len(self.files)}",
            f"rows read: {self.rows_read}; kept: {self.rows_kept}; "
            f"quarantined: {self.rows_quarantined}",
        ]
        lines += [f"  quarantined, {r}: {n}" for r, n in self.quarantine_reasons.items()]
        lines.append(f"cell issues: {sum(self.cell_issues.values())}")
        lines += [f"  cell issue, {r}: {n}" for r, n in self.cell_issues.items()]
        lines.append(f"don't-know answers: {self.dont_know}")
        dropped = ", ".join(f"{c} ({why})" for c, why in sorted(self.dropped_columns.items()))
        lines.append(f"personal-data columns dropped: {dropped or 'none'}")
        if self.default_key_used:
            lines.append(
                f"warning: respondent ids pseudonymised with the default key; set "
                f"{PSEUDONYM_KEY_ENV} to a secret of your own"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class SurveyData:
    """Validated survey data.

    Attributes
    ----------
    respondents : pandas.DataFrame
        Wide, one row per respondent and round: ``year, organisation_id, respondent_id,
        role, source_file, source_row`` and one float column per item (scale codes as
        answered, *not* reverse-keyed; NaN for missing and don't know).
    long : pandas.DataFrame
        Tidy: ``year, organisation_id, respondent_id, item_id, value, status`` with status
        in ``answered, dont_know, missing, invalid``.
    organisations : pandas.DataFrame
        The register: ``organisation_id, name, type, county, size_class, employees,
        population, programme_start`` with categoricals for type, county and size class.
    report : ValidationReport
    quarantine : pandas.DataFrame
        Rows that were set aside: ``source_file, source_row, reason, reason_text`` then the
        canonical columns as read (respondent id pseudonymised, personal data dropped).
    cell_issues : pandas.DataFrame
        ``source_file, source_row, respondent_id, year, item_id, original_value, reason``.
    codebook : Codebook
    """

    respondents: pd.DataFrame
    long: pd.DataFrame
    organisations: pd.DataFrame
    report: ValidationReport
    quarantine: pd.DataFrame
    cell_issues: pd.DataFrame
    codebook: Codebook = field(repr=False)

    @property
    def years(self) -> list[int]:
        """Rounds present in the kept data, ascending."""
        return sorted(self.respondents["year"].unique().tolist())

    @property
    def item_ids(self) -> list[str]:
        return self.codebook.item_ids


# --------------------------------------------------------------------------- pseudonyms


def _pseudonym_key(key: str | bytes | None) -> tuple[bytes, bool]:
    if key is None:
        key = os.environ.get(PSEUDONYM_KEY_ENV) or None
    if key is None:
        return _DEFAULT_KEY.encode(), True
    return (key.encode() if isinstance(key, str) else key), False


def pseudonymise(ids: pd.Series, key: str | bytes | None = None) -> pd.Series:
    """Replace identifiers with a keyed hash: ``"r_" + HMAC-SHA-256(key, id)[:16]``.

    Parameters
    ----------
    ids : pandas.Series
        Raw respondent ids (e-mail addresses included); missing stays missing.
    key : str or bytes, optional
        Secret key. Default: the environment variable ``DIMIOS_PSEUDONYM_KEY``, else a
        built-in key (a :class:`PseudonymisationWarning` is raised then, because anyone with
        the package could re-identify ids by hashing guesses).

    Notes
    -----
    The same id and key always give the same pseudonym, so rounds can be linked; without
    the key the mapping cannot be reversed or re-computed. 64 bits make collisions
    negligible for survey-sized populations.
    """
    secret, default = _pseudonym_key(key)
    if default:
        warnings.warn(
            f"respondent ids are pseudonymised with the built-in default key; set the "
            f"environment variable {PSEUDONYM_KEY_ENV} to a secret of your own",
            PseudonymisationWarning,
            stacklevel=2,
        )
    uniques = ids.dropna().astype(str).unique()
    # Hashing is per distinct id (a few thousand), not per answer.
    table = {
        raw: "r_" + hmac.new(secret, raw.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
        for raw in uniques
    }
    return ids.astype("object").map(table, na_action="ignore")


# --------------------------------------------------------------------------- reading files


def _resolve_paths(responses: str | Path | Iterable[str | Path]) -> list[Path]:
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


def _read_table(path: Path, encoding: str | None = None) -> pd.DataFrame:
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


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- mapping


def load_mapping(mapping: str | Path | Mapping | None) -> dict[str, Any]:
    """Load a column/label mapping (YAML file or dict).

    Keys (all optional)::

        columns: {export column: canonical column or item id}
        organisation_columns: {register column: canonical column}
        answers: {answer label: code}      # extra labels, case and spaces ignored
        values:  {canonical column: {value in export: canonical value}}

    Examples
    --------
    >>> load_mapping({"columns": {"Kommunkod": "organisation_id"}})["columns"]
    {'Kommunkod': 'organisation_id'}
    """
    if mapping is None:
        raw: dict = {}
    elif isinstance(mapping, Mapping):
        raw = dict(mapping)
    else:
        path = Path(mapping)
        if not path.is_file():
            raise DataValidationError(f"{path}: mapping file not found; check the path")
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            raise DataValidationError(f"{path}: not a readable YAML mapping ({exc})") from exc
    allowed = {"columns", "organisation_columns", "answers", "values"}
    unknown = set(raw) - allowed
    if unknown:
        raise DataValidationError(
            f"mapping: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}"
        )
    out = {key: dict(raw.get(key) or {}) for key in allowed}
    for code in out["answers"].values():
        if not isinstance(code, int):
            raise DataValidationError(f"mapping: answers must map labels to integer codes: {code}")
    return out


def _rename(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    lowered = {str(k).strip().casefold(): v for k, v in columns.items()}
    renamed = {c: lowered.get(c.casefold(), c) for c in frame.columns}
    return frame.rename(columns=renamed)


# --------------------------------------------------------------------------- personal data


def _personal_by_name(column: str) -> str | None:
    name = column.strip().casefold()
    for kind, pattern in _PERSONAL_NAME_PATTERNS.items():
        if re.search(pattern, name):
            return kind
    return None


def _personal_by_content(values: pd.Series) -> str | None:
    text = values[values.astype(str).str.len() > 0].astype(str)
    if text.empty:
        return None
    if text.str.contains(_EMAIL_RE).any():
        return "e-mail"
    if text.str.fullmatch(_IP_RE).mean() > 0.5:
        return "IP address"
    # Free text: long answers with several words are comments, not codes or categories.
    words = text.str.count(r"\s+") + 1
    if (words >= 4).mean() > 0.2 and text.str.len().mean() > 20:
        return "free text"
    return None


def _drop_personal(
    frame: pd.DataFrame, keep: set[str], item_ids: set[str]
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Drop personal-data columns; return the frame, dropped {col: why}, ignored columns."""
    dropped: dict[str, str] = {}
    ignored: list[str] = []
    for col in frame.columns:
        if col in item_ids or col in ("organisation_id", "year"):
            continue  # answers and ids are checked cell by cell / pseudonymised
        by_name = _personal_by_name(col) if col not in keep else None
        if by_name:
            dropped[col] = f"personal data ({by_name}), recognised by name"
            continue
        by_content = _personal_by_content(frame[col]) if col != "respondent_id" else None
        if by_content:
            dropped[col] = f"personal data ({by_content}), recognised by content"
        elif col not in keep:
            ignored.append(col)
    return frame.drop(columns=list(dropped) + ignored), dropped, ignored


def _redact(value: Any) -> Any:
    text = str(value)
    if _EMAIL_RE.search(text) or _IP_RE.search(text) or len(text) > 40:
        return _REDACTED
    return value


# --------------------------------------------------------------------------- answers


def _parse_answers(
    raw: pd.DataFrame, codebook: Codebook, extra_labels: Mapping[str, int]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Turn raw answer strings into float codes.

    Returns values (float, NaN where unusable), status codes and a long frame of cell
    issues (index of the row, item, original value, reason). Work is per column on the
    distinct values only, so it scales with items × distinct answers, not respondents.
    """
    labels = codebook.answer_labels()
    labels.update({_normalise_label(k): int(v) for k, v in extra_labels.items()})
    lo, hi = codebook.scale_min, codebook.scale_max
    dont_know = set(codebook.dont_know_codes)

    def classify(value: Any) -> tuple[float, str]:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return np.nan, "missing"
        text = str(value).strip()
        if text == "":
            return np.nan, "missing"
        key = _normalise_label(text)
        if key in labels:
            code = labels[key]
        else:
            try:
                number = float(key.replace(",", "."))  # decimal comma: "3,0"
            except ValueError:
                return np.nan, "unparseable"
            if not np.isfinite(number) or number != int(number):
                return np.nan, "out_of_range"
            code = int(number)
        if code in dont_know:
            return np.nan, "dont_know"
        if lo <= code <= hi:
            return float(code), "answered"
        return np.nan, "out_of_range"

    values = {}
    status = {}
    for item in codebook.item_ids:
        column = raw[item]
        uniques = pd.unique(column.astype(object))
        lookup = {u: classify(u) for u in uniques}
        values[item] = column.map({u: v for u, (v, _) in lookup.items()}).astype(float)
        status[item] = column.map({u: s for u, (_, s) in lookup.items()})
    values_df = pd.DataFrame(values, index=raw.index)
    status_df = pd.DataFrame(status, index=raw.index)
    stacked = status_df.stack()
    bad = stacked[stacked.isin(list(CELL_ISSUE_REASONS))]
    issues = pd.DataFrame(
        {
            "row": bad.index.get_level_values(0),
            "item_id": bad.index.get_level_values(1),
            "reason": bad.to_numpy(),
        }
    )
    originals = raw[codebook.item_ids].to_numpy()
    column_pos = pd.Index(codebook.item_ids).get_indexer(issues["item_id"])
    row_pos = raw.index.get_indexer(issues["row"])
    issues["original_value"] = pd.Series(
        originals[row_pos, column_pos] if len(issues) else [], dtype=object
    ).map(_redact)
    return values_df, status_df, issues


# --------------------------------------------------------------------------- register


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
    frame = _rename(_read_table(file), maps["organisation_columns"])
    frame = _apply_value_maps(frame, maps["values"])
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
            f"{file}: column organisation_id is blank on data row(s) {_rows(blank)}; "
            f"give every organisation an id"
        )
    dupes = frame["organisation_id"][frame["organisation_id"].duplicated(keep=False)]
    if not dupes.empty:
        raise DataValidationError(
            f"{file}: duplicate organisation_id {sorted(dupes.unique())[:5]} on data row(s) "
            f"{_rows(dupes.index)}; each organisation must appear once"
        )
    frame["type"] = frame["type"].astype(str).str.strip().str.lower()
    frame["size_class"] = frame["size_class"].astype(str).str.strip().str.upper()
    for col, allowed in (("type", ORGANISATION_TYPES), ("size_class", SIZE_CLASSES)):
        bad = frame.index[~frame[col].isin(allowed)]
        if len(bad):
            raise DataValidationError(
                f"{file}: column {col} has value(s) {sorted(frame.loc[bad, col].unique())[:5]} "
                f"on data row(s) {_rows(bad)}; allowed: {', '.join(allowed)}"
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
                f"{file}: column {col} is not a number on data row(s) {_rows(bad)}; "
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


def _rows(index: Iterable[int], limit: int = 10) -> str:
    """Data-row numbers as a user sees them in a spreadsheet (header is row 1)."""
    rows = [int(i) + 2 for i in index]
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def _apply_value_maps(frame: pd.DataFrame, values: Mapping[str, Mapping]) -> pd.DataFrame:
    for col, table in values.items():
        if col in frame.columns:
            table = {str(k): v for k, v in table.items()}
            frame[col] = frame[col].map(lambda v, t=table: t.get(str(v), v))
    return frame


# --------------------------------------------------------------------------- responses


def _read_responses(
    paths: list[Path], maps: dict, codebook: Codebook, encoding: str | None
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    item_ids = set(codebook.item_ids)
    keep = set(ID_COLUMNS) | set(OPTIONAL_RESPONSE_COLUMNS) | item_ids
    frames = []
    dropped: dict[str, str] = {}
    ignored: list[str] = []
    for path in paths:
        frame = _rename(_read_table(path, encoding), maps["columns"])
        frame = _apply_value_maps(frame, maps["values"])
        if frame.columns.duplicated().any():
            dup = sorted(set(frame.columns[frame.columns.duplicated()]))
            raise DataValidationError(
                f"{path}: column(s) {dup} appear twice (after mapping); rename one of them"
            )
        missing = [c for c in ID_COLUMNS if c not in frame.columns]
        if missing:
            raise DataValidationError(
                f"{path}: missing required column(s) {', '.join(missing)}; a responses file "
                f"needs {', '.join(ID_COLUMNS)} and item columns (map export names with "
                f"--mapping)"
            )
        absent = [i for i in codebook.item_ids if i not in frame.columns]
        if len(absent) == len(codebook.item_ids):
            raise DataValidationError(
                f"{path}: no column matches an item id of codebook {codebook.id!r} (e.g. "
                f"{codebook.item_ids[0]!r}); map the export's question columns with --mapping"
            )
        for item in absent:  # an item not asked in this file is missing for everyone
            frame[item] = ""
        frame, file_dropped, file_ignored = _drop_personal(frame, keep, item_ids)
        dropped.update(file_dropped)
        ignored += [c for c in file_ignored if c not in ignored]
        frame["source_file"] = path.name
        frame["source_row"] = np.arange(2, len(frame) + 2)  # spreadsheet row, header = 1
        frames.append(frame)
    combined = pd.concat(frames, ignore_index=True, sort=False)
    if "role" not in combined.columns:
        combined["role"] = ""
    combined["role"] = combined["role"].fillna("")
    return combined, dropped, ignored


def _parse_year(values: pd.Series) -> pd.Series:
    text = values.astype(str).str.strip().str.replace(",", ".", regex=False)
    number = pd.to_numeric(text, errors="coerce")
    valid = number.notna() & (number == number.round()) & number.between(2000, 2100)
    return number.where(valid).astype("Int64")


def read_survey(
    responses: str | Path | Iterable[str | Path],
    organisations: str | Path | pd.DataFrame,
    codebook: Codebook | str | Path | None = None,
    mapping: str | Path | Mapping | None = None,
    *,
    pseudonym_key: str | bytes | None = None,
    encoding: str | None = None,
) -> SurveyData:
    """Read survey exports and the organisation register into validated :class:`SurveyData`.

    Parameters
    ----------
    responses : path, list of paths or directory
        CSV or .txt (``,``, ``;`` or tab delimited, detected from the header line; UTF-8,
        UTF-8 with BOM or cp1252; CRLF line endings
        and decimal comma accepted), XLSX or Parquet files with one row per respondent and
        round: ``respondent_id, organisation_id, year``, optional ``role``, then one column
        per codebook item. Answers are codes or scale labels in either language (case and
        surrounding spaces ignored).
    organisations : path or DataFrame
        The organisation register (see :func:`read_organisations`).
    codebook : Codebook or path, optional
        Default: the illustrative instrument.
    mapping : path or dict, optional
        Renames export columns and maps answer labels (see :func:`load_mapping`).
    pseudonym_key : str or bytes, optional
        Key for pseudonymising respondent ids; default ``$DIMIOS_PSEUDONYM_KEY``, else a
        built-in key with a :class:`PseudonymisationWarning`.
    encoding : str, optional
        Force a CSV encoding instead of detecting UTF-8/cp1252.

    Returns
    -------
    SurveyData

    Raises
    ------
    DataValidationError
        For file-level problems (missing or empty file, missing required column,
        undecodable bytes, duplicate ids in the register).

    Notes
    -----
    Row-level reasons for quarantine, checked in this order: see
    :data:`QUARANTINE_REASONS`. Cell-level reasons: :data:`CELL_ISSUE_REASONS`.
    Don't-know answers are missing with status ``dont_know`` and are not issues.
    """
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    maps = load_mapping(mapping)
    paths = _resolve_paths(responses)
    if isinstance(organisations, pd.DataFrame):
        register = organisations.copy()
        register_hash: dict[str, str] = {}
    else:
        register = read_organisations(organisations, mapping)
        register_hash = {Path(organisations).name: _sha256(Path(organisations))}
    raw, dropped, ignored = _read_responses(paths, maps, cb, encoding)

    default_key = _pseudonym_key(pseudonym_key)[1]
    ids = raw["respondent_id"].astype(str).str.strip()
    raw["respondent_id"] = pseudonymise(ids.where(ids != ""), pseudonym_key)
    raw["organisation_id"] = raw["organisation_id"].astype(str).str.strip()
    year = _parse_year(raw["year"])
    values, status, issues = _parse_answers(raw, cb, maps["answers"])

    reason = pd.Series(pd.NA, index=raw.index, dtype="object")

    def flag(mask: pd.Series, name: str) -> None:
        reason[mask & reason.isna()] = name

    flag(raw["respondent_id"].isna(), "missing_respondent_id")
    flag(raw["organisation_id"] == "", "missing_organisation_id")
    flag(year.isna(), "missing_or_invalid_year")
    flag(~raw["organisation_id"].isin(register["organisation_id"]), "unknown_organisation")
    candidates = reason.isna()
    keys = pd.DataFrame({"year": year, "respondent_id": raw["respondent_id"]})
    duplicate = keys[candidates].duplicated(keep="first").reindex(raw.index, fill_value=False)
    flag(duplicate, "duplicate_respondent_in_round")
    flag(values.notna().sum(axis=1) == 0, "no_valid_answers")

    quarantined = reason.notna()
    canonical = ["respondent_id", "organisation_id", "year", "role", *cb.item_ids]
    quarantine = raw.loc[quarantined, ["source_file", "source_row", *canonical]].copy()
    quarantine[cb.item_ids] = quarantine[cb.item_ids].map(_redact)
    quarantine.insert(2, "reason", reason[quarantined])
    quarantine.insert(3, "reason_text", quarantine["reason"].map(QUARANTINE_REASONS))
    quarantine = quarantine.reset_index(drop=True)

    kept = ~quarantined
    respondents = pd.concat(
        [
            pd.DataFrame(
                {
                    "year": year[kept].astype(int),
                    "organisation_id": raw.loc[kept, "organisation_id"],
                    "respondent_id": raw.loc[kept, "respondent_id"],
                    "role": raw.loc[kept, "role"].astype(str),
                    "source_file": raw.loc[kept, "source_file"],
                    "source_row": raw.loc[kept, "source_row"],
                }
            ),
            values[kept],
        ],
        axis=1,
    )
    order = ["year", "organisation_id", "respondent_id"]
    respondents = respondents.sort_values(order, kind="mergesort").reset_index(drop=True)

    cell_issues = issues[issues["row"].isin(raw.index[kept])].copy()
    cell_issues = pd.DataFrame(
        {
            "source_file": raw.loc[cell_issues["row"], "source_file"].to_numpy(),
            "source_row": raw.loc[cell_issues["row"], "source_row"].to_numpy(),
            "respondent_id": raw.loc[cell_issues["row"], "respondent_id"].to_numpy(),
            "year": year.loc[cell_issues["row"]].to_numpy(),
            "item_id": cell_issues["item_id"].to_numpy(),
            "original_value": cell_issues["original_value"].to_numpy(),
            "reason": cell_issues["reason"].to_numpy(),
        }
    )

    kept_ids = pd.DataFrame(
        {
            "year": year[kept].astype(int),
            "organisation_id": raw.loc[kept, "organisation_id"],
            "respondent_id": raw.loc[kept, "respondent_id"],
        }
    )
    long = _to_long(kept_ids, values[kept], status[kept], cb.item_ids)
    kept_status = status[kept]
    report = ValidationReport(
        files=tuple(str(p) for p in paths),
        file_sha256={**{p.name: _sha256(p) for p in paths}, **register_hash},
        rows_read=len(raw),
        rows_kept=int(kept.sum()),
        rows_quarantined=int(quarantined.sum()),
        quarantine_reasons={r: int(n) for r, n in reason[quarantined].value_counts().items() if n},
        cell_issues={r: int(n) for r, n in cell_issues["reason"].value_counts().items()},
        dont_know=int((kept_status == "dont_know").to_numpy().sum()),
        dropped_columns=dropped,
        ignored_columns=tuple(ignored),
        default_key_used=default_key,
    )
    return SurveyData(
        respondents=respondents,
        long=long,
        organisations=register,
        report=report,
        quarantine=quarantine,
        cell_issues=cell_issues,
        codebook=cb,
    )


def _to_long(
    ids: pd.DataFrame, values: pd.DataFrame, status: pd.DataFrame, item_ids: list[str]
) -> pd.DataFrame:
    """Tidy answers: one row per respondent, round and item.

    ``ids`` (year, organisation_id, respondent_id), ``values`` and ``status`` are
    row-aligned (the kept input rows), so stacking needs no look-up.
    """
    index = pd.MultiIndex.from_frame(ids)
    long = pd.concat(
        {
            "value": values.set_axis(index).rename_axis(columns="item_id").stack(future_stack=True),
            "status": status.set_axis(index)
            .rename_axis(columns="item_id")
            .stack(future_stack=True),
        },
        axis=1,
    ).reset_index()
    long["status"] = long["status"].replace({"out_of_range": "invalid", "unparseable": "invalid"})
    long["item_id"] = pd.Categorical(long["item_id"], categories=item_ids)
    columns = ["year", "organisation_id", "respondent_id", "item_id", "value", "status"]
    return (
        long[columns]
        .sort_values(["year", "organisation_id", "respondent_id", "item_id"])
        .reset_index(drop=True)
    )


def read_survey_dir(
    data_dir: str | Path,
    codebook: Codebook | str | Path | None = None,
    mapping: str | Path | Mapping | None = None,
    *,
    pseudonym_key: str | bytes | None = None,
    encoding: str | None = None,
) -> SurveyData:
    """Read a data directory: every response file plus ``organisations.{csv,xlsx,parquet}``.

    This is the layout the command line and the report notebooks use (``--data DIR``).
    Files named ``inventory_*`` are DIOS system inventories and are skipped here.
    """
    folder = Path(data_dir)
    if not folder.is_dir():
        raise DataValidationError(f"{folder}: data directory not found; check the path")
    registers = [p for p in folder.iterdir() if p.stem == "organisations"]
    if len(registers) != 1:
        raise DataValidationError(
            f"{folder}: expected exactly one organisation register named organisations.csv, "
            f".xlsx or .parquet, found {len(registers)}"
        )
    responses = sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in RESPONSE_FILE_SUFFIXES
        and p.stem != "organisations"
        and not p.name.startswith(".")
        and not p.name.lower().startswith("inventory_")  # DIOS inventories: io.inventory
    )
    if not responses:
        raise DataValidationError(f"{folder}: no response files next to the register")
    return read_survey(
        responses, registers[0], codebook, mapping, pseudonym_key=pseudonym_key, encoding=encoding
    )
