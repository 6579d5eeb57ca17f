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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..conventions import ORGANISATION_TYPES, SIZE_CLASSES
from ..errors import DataValidationError, PseudonymisationWarning
from ..instrument.codebook import Codebook, load_codebook
from .answers import CELL_ISSUE_REASONS, parse_answers
from .files import (
    DEFAULT_MAX_BYTES,
    INVENTORY_FILE_PREFIX,
    RESPONSE_FILE_SUFFIXES,
    file_sha256,
    format_bytes,
    read_typed_table,
    resolve_paths,
)
from .mapping import apply_value_maps, check_mapped_columns, load_mapping, rename_columns
from .organisations import match_organisation_ids, read_organisations
from .privacy import (
    PSEUDONYM_KEY_ENV,
    drop_personal_columns,
    pseudonym_key_is_default,
    pseudonymise,
    redact_values,
)

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
    "DEFAULT_MAX_BYTES",
    "find_register",
    "require_kept_rows",
]

ID_COLUMNS = ("respondent_id", "organisation_id", "year")
OPTIONAL_RESPONSE_COLUMNS = ("role",)

#: Row-level reasons, in the order they are checked (a row gets the first that applies).
QUARANTINE_REASONS = {
    "missing_respondent_id": "the respondent id is blank",
    "missing_organisation_id": "the organisation id is blank",
    "missing_or_invalid_year": "the year is blank or not a whole number between 2000 and 2100",
    "organisation_id_lost_leading_zeros": "the organisation id is a register code without its "
    "leading zeros (e.g. 114 for 0114): the ids were probably stored as numbers in a "
    "spreadsheet; store the id column as text (in Excel, format it as Text) and export again",
    "unknown_organisation": "the organisation id is not in the organisation register",
    "duplicate_respondent_in_round": "the respondent id already occurs in this round "
    "(the first occurrence is kept)",
    "no_valid_answers": "not one item has a valid answer (don't-know excluded)",
}


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
    organisation_ids_padded : int
        Organisation ids stored as numbers (XLSX, Parquet) that were matched to the
        register's zero-padded codes (``114`` → ``"0114"``); see
        :func:`dimios_research.io.organisations.match_organisation_ids`.
    sheets : dict[str, str]
        Worksheet read from each XLSX file.
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
    organisation_ids_padded: int = 0
    sheets: dict[str, str] = field(default_factory=dict)

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
            "organisation_ids_padded": self.organisation_ids_padded,
            "sheets": dict(self.sheets),
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
        lines += [f"sheet read from {f}: {name}" for f, name in sorted(self.sheets.items())]
        if self.organisation_ids_padded:
            lines.append(
                f"organisation ids stored as numbers and matched to zero-padded register "
                f"codes (e.g. 114 to 0114): {self.organisation_ids_padded}"
            )
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
        in ``answered, dont_know, missing, invalid``; ids, item and status are categoricals.
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


# --------------------------------------------------------------------------- reading files


# --------------------------------------------------------------------------- personal data


# --------------------------------------------------------------------------- register


# --------------------------------------------------------------------------- responses


def _read_responses(
    paths: list[Path], maps: dict, codebook: Codebook, options: dict[str, Any]
) -> tuple[pd.DataFrame, dict[str, str], list[str], dict[str, str]]:
    """Every response file, mapped and stripped of personal columns, in one frame.

    Returns the frame (with ``source_file``, ``source_row`` and the private column
    ``_organisation_id_numeric``), the dropped and ignored columns and the sheets read.
    """
    total = sum(p.stat().st_size for p in paths)
    if total > options["max_bytes"]:
        raise DataValidationError(
            f"{paths[0].parent}: the {len(paths)} response file(s) hold {format_bytes(total)}, "
            f"more than the {format_bytes(options['max_bytes'])} limit; a survey round is a "
            f"few MB, so check the files, or raise the limit with --max-bytes (max_bytes=)"
        )
    item_ids = set(codebook.item_ids)
    keep = set(ID_COLUMNS) | set(OPTIONAL_RESPONSE_COLUMNS) | item_ids
    frames, dropped, ignored, sheets = [], {}, [], {}
    for path in paths:
        frame, numeric, sheet = _read_response_file(path, maps, codebook, options)
        frame, file_dropped, file_ignored = drop_personal_columns(frame, keep, item_ids)
        dropped.update(file_dropped)
        ignored += [c for c in file_ignored if c not in ignored]
        frame["_organisation_id_numeric"] = numeric
        frame["source_file"] = path.name
        frame["source_row"] = np.arange(2, len(frame) + 2)  # spreadsheet row, header = 1
        frames.append(frame)
        if sheet is not None:
            sheets[path.name] = sheet
    combined = pd.concat(frames, ignore_index=True, sort=False)
    if "role" not in combined.columns:
        combined["role"] = ""
    # A role is a category ("IT-chef"); one that looks personal is never kept.
    combined["role"] = redact_values(combined["role"].fillna("").astype(str))
    return combined, dropped, ignored, sheets


def _read_response_file(
    path: Path, maps: dict, codebook: Codebook, options: dict[str, Any]
) -> tuple[pd.DataFrame, pd.Series, str | None]:
    """One response file, columns renamed and values mapped, its canonical columns checked.

    Returns the frame, where its organisation id was stored as a number, and the sheet.
    """
    table = read_typed_table(
        path, options["encoding"], max_bytes=options["max_bytes"], sheet=options["sheet"]
    )
    frame = apply_value_maps(rename_columns(table.frame, maps["columns"]), maps["values"])
    numeric = rename_columns(table.numeric, maps["columns"])
    check_mapped_columns(
        frame,
        path,
        ID_COLUMNS,
        codebook.item_ids,
        file_kind="a responses file",
        answer_kind="item",
        answer_id_of=f"an item id of codebook {codebook.id!r}",
        export_columns="question columns",
    )
    absent = [i for i in codebook.item_ids if i not in frame.columns]
    for item in absent:  # an item not asked in this file is missing for everyone
        frame[item] = ""
    org_numeric = (
        numeric["organisation_id"]
        if "organisation_id" in numeric.columns
        else pd.Series(False, index=frame.index)
    )
    return frame, org_numeric.astype(bool), table.sheet


def parse_year(values: pd.Series) -> pd.Series:
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
    max_bytes: int = DEFAULT_MAX_BYTES,
    sheet: str | None = None,
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
        surrounding spaces ignored). Ids are text: ``"0114"`` keeps its zero and ``"007"``
        is not ``"7"``.
    organisations : path or DataFrame
        The organisation register (see :func:`read_organisations`).
    codebook : Codebook or path, optional
        Default: the illustrative instrument.
    mapping : path or dict, optional
        Renames export columns and maps answer labels (see :func:`load_mapping`); a file
        is read once, for the responses and the register.
    pseudonym_key : str or bytes, optional
        Key for pseudonymising respondent ids; default ``$DIMIOS_PSEUDONYM_KEY``, else a
        built-in key with a :class:`PseudonymisationWarning`.
    encoding : str, optional
        Force a CSV encoding instead of detecting UTF-8/cp1252.
    max_bytes : int, default :data:`DEFAULT_MAX_BYTES` (50 MB)
        Largest total size of the response files, and of each file's content (uncompressed
        for XLSX and Parquet); larger input is refused before it is parsed.
    sheet : str, optional
        Worksheet to read from XLSX files; needed when a workbook has several sheets with
        data (otherwise the only sheet with data is read).

    Returns
    -------
    SurveyData

    Raises
    ------
    DataValidationError
        For file-level problems (missing, empty or too large file, another encoding,
        duplicate or missing column, undecodable bytes, several data sheets, duplicate ids
        in the register).

    Notes
    -----
    Row-level reasons for quarantine, checked in this order: see
    :data:`QUARANTINE_REASONS`. Cell-level reasons: :data:`CELL_ISSUE_REASONS`.
    Don't-know answers are missing with status ``dont_know`` and are not issues.
    Organisation ids stored as numbers in XLSX or Parquet are matched to zero-padded
    register codes when that is unambiguous
    (:func:`~dimios_research.io.organisations.match_organisation_ids`).
    """
    cb = codebook if isinstance(codebook, Codebook) else load_codebook(codebook)
    maps = load_mapping(mapping)
    paths = resolve_paths(responses)
    register, register_hash = _register(organisations, maps, max_bytes)
    options = {"encoding": encoding, "max_bytes": max_bytes, "sheet": sheet}
    raw, dropped, ignored, sheets = _read_responses(paths, maps, cb, options)
    year, padded = _identify(raw, register, pseudonym_key)
    values, status, issues = parse_answers(raw, cb, maps["answers"])
    reason = _quarantine_reasons(raw, year, values, register)
    kept = reason.isna()
    kept_ids = pd.DataFrame(
        {
            "year": year[kept].astype(int),
            "organisation_id": raw.loc[kept, "organisation_id"],
            "respondent_id": raw.loc[kept, "respondent_id"],
        }
    )
    cell_issues = _cell_issues(raw, year, issues[issues["row"].isin(raw.index[kept])])
    report = ValidationReport(
        files=tuple(str(p) for p in paths),
        file_sha256={**{p.name: file_sha256(p) for p in paths}, **register_hash},
        rows_read=len(raw),
        rows_kept=int(kept.sum()),
        rows_quarantined=int((~kept).sum()),
        quarantine_reasons={r: int(n) for r, n in reason[~kept].value_counts().items() if n},
        cell_issues={r: int(n) for r, n in cell_issues["reason"].value_counts().items()},
        dont_know=int((status[kept] == "dont_know").to_numpy().sum()),
        dropped_columns=dropped,
        ignored_columns=tuple(ignored),
        default_key_used=pseudonym_key_is_default(pseudonym_key),
        organisation_ids_padded=padded,
        sheets=sheets,
    )
    return SurveyData(
        respondents=_respondents(raw.loc[kept], kept_ids, values[kept]),
        long=_to_long(kept_ids, values[kept], status[kept], cb.item_ids),
        organisations=register,
        report=report,
        quarantine=_quarantine_table(raw, reason, cb.item_ids),
        cell_issues=cell_issues,
        codebook=cb,
    )


def _register(
    organisations: str | Path | pd.DataFrame, maps: dict, max_bytes: int
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The register (read and validated unless given as a frame) and its file hash."""
    if isinstance(organisations, pd.DataFrame):
        return organisations.copy(), {}
    path = Path(organisations)
    register = read_organisations(path, maps, max_bytes=max_bytes)
    return register, {path.name: file_sha256(path)}


def _identify(
    raw: pd.DataFrame, register: pd.DataFrame, pseudonym_key: str | bytes | None
) -> tuple[pd.Series, int]:
    """Pseudonymise respondent ids and match organisation ids in place.

    Returns the years and the number of organisation ids matched by zero-padding; the
    private column ``_organisation_id_numeric`` becomes ``_lost_zeros`` (see
    :func:`~dimios_research.io.organisations.match_organisation_ids`).
    """
    ids = raw["respondent_id"].astype(str).str.strip()
    raw["respondent_id"] = pseudonymise(ids.where(ids != ""), pseudonym_key)
    read = raw["organisation_id"].astype(str).str.strip()
    matched, lost = match_organisation_ids(
        read, raw.pop("_organisation_id_numeric"), register["organisation_id"]
    )
    raw["organisation_id"] = matched
    raw["_lost_zeros"] = lost
    return parse_year(raw["year"]), int((matched != read).sum())


def _quarantine_reasons(
    raw: pd.DataFrame, year: pd.Series, values: pd.DataFrame, register: pd.DataFrame
) -> pd.Series:
    """Each row's quarantine reason (NA when kept): the first of QUARANTINE_REASONS that applies."""
    reason = pd.Series(pd.NA, index=raw.index, dtype="object")

    def flag(mask: pd.Series, name: str) -> None:
        reason[mask & reason.isna()] = name

    flag(raw["respondent_id"].isna(), "missing_respondent_id")
    flag(raw["organisation_id"] == "", "missing_organisation_id")
    flag(year.isna(), "missing_or_invalid_year")
    flag(raw["_lost_zeros"], "organisation_id_lost_leading_zeros")
    flag(~raw["organisation_id"].isin(register["organisation_id"]), "unknown_organisation")
    candidates = reason.isna()
    keys = pd.DataFrame({"year": year, "respondent_id": raw["respondent_id"]})
    duplicate = keys[candidates].duplicated(keep="first").reindex(raw.index, fill_value=False)
    flag(duplicate, "duplicate_respondent_in_round")
    flag(values.notna().sum(axis=1) == 0, "no_valid_answers")
    return reason


def _quarantine_table(raw: pd.DataFrame, reason: pd.Series, item_ids: list[str]) -> pd.DataFrame:
    """The set-aside rows with their reason; every value that looks personal is redacted.

    The respondent id is already a pseudonym; the organisation id, year, role and answers
    are shown as read unless they look personal or are longer than 40 characters.
    """
    quarantined = reason.notna()
    canonical = ["respondent_id", "organisation_id", "year", "role", *item_ids]
    quarantine = raw.loc[quarantined, ["source_file", "source_row", *canonical]].copy()
    for column in canonical:
        quarantine[column] = redact_values(quarantine[column])
    quarantine.insert(2, "reason", reason[quarantined])
    quarantine.insert(3, "reason_text", quarantine["reason"].map(QUARANTINE_REASONS))
    return quarantine.reset_index(drop=True)


def _respondents(raw: pd.DataFrame, ids: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Kept rows, wide: ids, role, source and one float column per item, sorted by id."""
    source = raw[["role", "source_file", "source_row"]].astype({"role": str})
    respondents = pd.concat([ids, source, values], axis=1)
    order = ["year", "organisation_id", "respondent_id"]
    return respondents.sort_values(order, kind="mergesort").reset_index(drop=True)


def _cell_issues(raw: pd.DataFrame, year: pd.Series, issues: pd.DataFrame) -> pd.DataFrame:
    """Cell issues of kept rows with their source file and row."""
    rows = issues["row"]
    return pd.DataFrame(
        {
            "source_file": raw.loc[rows, "source_file"].to_numpy(),
            "source_row": raw.loc[rows, "source_row"].to_numpy(),
            "respondent_id": raw.loc[rows, "respondent_id"].to_numpy(),
            "year": year.loc[rows].to_numpy(),
            "item_id": issues["item_id"].to_numpy(),
            "original_value": issues["original_value"].to_numpy(),
            "reason": issues["reason"].to_numpy(),
        }
    )


def _to_long(
    ids: pd.DataFrame, values: pd.DataFrame, status: pd.DataFrame, item_ids: list[str]
) -> pd.DataFrame:
    """Tidy answers: one row per respondent, round and item, sorted by those keys.

    ``ids`` (year, organisation_id, respondent_id), ``values`` and ``status`` are
    row-aligned (the kept input rows). The rows are sorted once and every column is built
    by repeating (ids) or flattening (values, status) arrays, so no stacked index is made;
    ids and status are categoricals (one small integer per row).
    """
    order = ids.reset_index(drop=True).sort_values(
        ["year", "organisation_id", "respondent_id"], kind="mergesort"
    )
    rows = order.index.to_numpy()
    k = len(item_ids)
    repeated = np.repeat(rows, k)
    status_codes = np.column_stack([status[item].cat.codes.to_numpy() for item in item_ids])
    merged = np.array([0, 1, 2, 3, 3], dtype=np.int8)  # out_of_range, unparseable → invalid
    organisations = pd.Categorical(ids["organisation_id"].astype(str))
    respondents = pd.Categorical(ids["respondent_id"].astype(str))
    return pd.DataFrame(
        {
            "year": ids["year"].to_numpy()[repeated],
            "organisation_id": pd.Categorical.from_codes(
                organisations.codes[repeated], organisations.categories
            ),
            "respondent_id": pd.Categorical.from_codes(
                respondents.codes[repeated], respondents.categories
            ),
            "item_id": pd.Categorical.from_codes(np.tile(np.arange(k), len(rows)), item_ids),
            "value": values[item_ids].to_numpy(dtype=float)[rows].ravel(),
            "status": pd.Categorical.from_codes(
                merged[status_codes[rows].ravel()],
                ["answered", "dont_know", "missing", "invalid"],
            ),
        }
    )


def require_kept_rows(data: SurveyData) -> SurveyData:
    """``data`` unchanged, or a :class:`DataValidationError` when every row was quarantined.

    Nothing can be scored then; the message gives the most frequent reason.
    """
    report = data.report
    if report.rows_kept == 0:
        reason, count = max(
            report.quarantine_reasons.items(), key=lambda item: item[1], default=("none", 0)
        )
        raise DataValidationError(
            f"all {report.rows_read} rows were quarantined (most often {reason}: {count}); "
            f"see the quarantine (validate --quarantine-out FILE) and fix the input"
        )
    return data


def find_register(data_dir: str | Path) -> Path:
    """The organisation register of a data folder: its one ``organisations.{csv,xlsx,parquet}``."""
    folder = Path(data_dir)
    if not folder.is_dir():
        raise DataValidationError(f"{folder}: data directory not found; check the path")
    registers = [p for p in folder.iterdir() if p.stem == "organisations"]
    if len(registers) != 1:
        raise DataValidationError(
            f"{folder}: expected exactly one organisation register named organisations.csv, "
            f".xlsx or .parquet, found {len(registers)}"
        )
    return registers[0]


def read_survey_dir(
    data_dir: str | Path,
    codebook: Codebook | str | Path | None = None,
    mapping: str | Path | Mapping | None = None,
    *,
    pseudonym_key: str | bytes | None = None,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    sheet: str | None = None,
) -> SurveyData:
    """Read a data directory: every response file plus ``organisations.{csv,xlsx,parquet}``.

    This is the layout the command line and the report notebooks use (``--data DIR``).
    Files named ``inventory_*`` are DIOS system inventories and are skipped here. The keyword
    arguments are those of :func:`read_survey`.
    """
    folder = Path(data_dir)
    register = find_register(folder)
    responses = sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in RESPONSE_FILE_SUFFIXES
        and p.stem != "organisations"
        and not p.name.startswith(".")
        and not p.name.lower().startswith(INVENTORY_FILE_PREFIX)  # DIOS inventories
    )
    if not responses:
        raise DataValidationError(f"{folder}: no response files next to the register")
    return read_survey(
        responses,
        register,
        codebook,
        mapping,
        pseudonym_key=pseudonym_key,
        encoding=encoding,
        max_bytes=max_bytes,
        sheet=sheet,
    )
