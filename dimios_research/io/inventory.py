"""Read, map, clean and validate DIOS system inventories into :class:`InventoryData`.

The canonical inventory file has one row per system and rater::

    system_id, organisation_id, year, system_name, business_area, system_type, deployment,
    vendor, installed_year, users, annual_cost_sek, lifecycle, rater_role,
    q_<criterion> ..., i_<criterion> ...

It goes through the survey's readers (:mod:`dimios_research.io.files`: file formats, encodings,
delimiters, the mapping YAML, the organisation register, personal-data detection and
redaction) and follows the same nothing-lost rules:

* every input row ends in ``InventoryData.ratings`` or in ``InventoryData.quarantine`` with
  a reason code (:data:`QUARANTINE_REASONS`);
* every cell that could not be used is recorded in ``InventoryData.cell_issues`` with a
  reason code (:data:`CELL_ISSUE_REASONS`) and set missing;
* columns holding personal data (names, e-mail addresses and phone numbers of system owners
  and administrators, free text) are dropped and listed by name only.

Identifiers (``system_id``, ``organisation_id``) stay text, leading zeros included, in CSV,
XLSX and Parquet files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ..instrument.dios import DiosInstrument, load_dios_instrument
from .answers import parse_answers
from .files import (
    INVENTORY_FILE_PREFIX,
    RESPONSE_FILE_SUFFIXES,
    file_sha256,
    read_table,
    resolve_paths,
)
from .mapping import apply_value_maps, check_mapped_columns, load_mapping, rename_columns
from .organisations import read_organisations
from .privacy import drop_personal_columns, personal_kind_by_name, redact
from .survey import ValidationReport, find_register, parse_year

__all__ = [
    "InventoryData",
    "read_inventory",
    "read_inventory_dir",
    "inventory_files",
    "has_inventory",
    "CANONICAL_COLUMNS",
    "SYSTEM_COLUMNS",
    "QUARANTINE_REASONS",
    "CELL_ISSUE_REASONS",
    "INVENTORY_FILE_PREFIX",
]

ID_COLUMNS = ("system_id", "organisation_id", "year")
#: Columns describing a system (the same on every rater's row; the first row wins).
SYSTEM_COLUMNS = (
    "system_name",
    "business_area",
    "system_type",
    "deployment",
    "vendor",
    "installed_year",
    "users",
    "annual_cost_sek",
    "lifecycle",
)
CANONICAL_COLUMNS = (*ID_COLUMNS, *SYSTEM_COLUMNS, "rater_role")
TEXT_COLUMNS = ("system_name", "vendor")
NUMBER_COLUMNS = ("installed_year", "users", "annual_cost_sek")
KEY_COLUMNS = ["organisation_id", "year", "system_id"]
#: Row-level reason codes, in the order they are checked (a row gets the first that applies).
QUARANTINE_REASONS = (
    "missing_system_id",
    "missing_organisation_id",
    "missing_or_invalid_year",
    "unknown_organisation",
    "invalid_attribute_value",
    "duplicate_system_rater",
)
#: Cell-level reason codes (the cell is set missing; for ``inconsistent_attribute`` the
#: system keeps the value of its first row).
CELL_ISSUE_REASONS = ("out_of_range", "unparseable", "inconsistent_attribute")
#: Earliest installation year accepted (older years are out of range).
MIN_INSTALLED_YEAR = 1900
# Column names that reveal personal data in inventories, on top of the survey's patterns
# (``ingest._PERSONAL_NAME_PATTERNS``): owners, administrators and contacts of a system.
_INVENTORY_PERSONAL_PATTERNS = {
    "personal name": r"owner|ägare|agare|förvaltare|forvaltare|admin|ansvarig|responsible|"
    r"kontakt|contact|handläggare|handlaggare|(^|[-_ ])(name|namn)$",
}
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}")


@dataclass(frozen=True)
class InventoryData:
    """A validated system inventory.

    Attributes
    ----------
    ratings : pandas.DataFrame
        One row per system and rater: ``organisation_id, year, system_id, rater_role,
        source_file, source_row`` then one float column per rating id of the instrument
        (codes as answered; NaN for missing, don't know and invalid).
    systems : pandas.DataFrame
        One row per system (organisation, year, system id): ``organisation_id, year,
        system_id`` then :data:`SYSTEM_COLUMNS` (attributes as instrument codes,
        categorical; numbers as floats) and ``n_rating_rows``. Values come from the system's
        first kept row in file order; later rows that differ are cell issues.
    organisations : pandas.DataFrame
        The organisation register (:func:`dimios_research.io.survey.read_organisations`).
    report : ValidationReport
        Files, hashes, row counts, reasons, cell issues, don't-know answers, dropped and
        ignored columns (``rows_read == rows_kept + rows_quarantined``).
    quarantine : pandas.DataFrame
        ``source_file, source_row, reason, detail`` (the offending column or columns) then
        the canonical and rating columns as read (free text redacted).
    cell_issues : pandas.DataFrame
        ``source_file, source_row, organisation_id, year, system_id, column,
        original_value, reason`` (reason codes of :data:`CELL_ISSUE_REASONS`).
    instrument : DiosInstrument
    """

    ratings: pd.DataFrame
    systems: pd.DataFrame
    organisations: pd.DataFrame
    report: ValidationReport
    quarantine: pd.DataFrame
    cell_issues: pd.DataFrame
    instrument: DiosInstrument = field(repr=False)

    @property
    def dropped_columns(self) -> dict[str, str]:
        """Personal-data columns dropped: column name → why (never their values)."""
        return dict(self.report.dropped_columns)

    @property
    def years(self) -> list[int]:
        """Inventory years present in the kept data, ascending."""
        return sorted(self.systems["year"].unique().tolist())


# --------------------------------------------------------------------------- files


def inventory_files(folder: str | Path) -> list[Path]:
    """Inventory files of a data folder: ``inventory_*.{csv,txt,xlsx,parquet}``, sorted."""
    path = Path(folder)
    if not path.is_dir():
        return []
    return sorted(
        p
        for p in path.iterdir()
        if p.is_file()
        and p.name.lower().startswith(INVENTORY_FILE_PREFIX)
        and p.suffix.lower() in RESPONSE_FILE_SUFFIXES
    )


def has_inventory(data_dir: str | Path) -> bool:
    """True when a data folder holds at least one inventory file."""
    return bool(inventory_files(data_dir))


def _personal_inventory_columns(frame: pd.DataFrame, keep: set[str]) -> dict[str, str]:
    """Personal data particular to inventories: owner/administrator columns, e-mails."""
    dropped: dict[str, str] = {}
    for col in frame.columns:  # a handful of columns
        name = col.strip().casefold()
        if col not in keep:
            kind = personal_kind_by_name(col) or next(
                (k for k, p in _INVENTORY_PERSONAL_PATTERNS.items() if re.search(p, name)), None
            )
            if kind:
                dropped[col] = f"personal data ({kind}), recognised by name"
        elif col in TEXT_COLUMNS and frame[col].str.contains(_EMAIL_RE).any():
            dropped[col] = "personal data (e-mail), recognised by content"
    return dropped


def _drop_inventory_personal(
    frame: pd.DataFrame, instrument: DiosInstrument
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Drop personal-data columns (inventory patterns, then the survey's rules)."""
    keep = set(CANONICAL_COLUMNS) | set(instrument.rating_ids)
    dropped = _personal_inventory_columns(frame, keep)
    frame = frame.drop(columns=list(dropped))
    # Canonical columns are passed as "items": the survey rules then judge only the other
    # columns (a system name of several words is not free text).
    frame, survey_dropped, ignored = drop_personal_columns(frame, keep, keep)
    return frame, {**dropped, **survey_dropped}, ignored


def _read_files(
    paths: list[Path], maps: dict, instrument: DiosInstrument, encoding: str | None
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    required = list(ID_COLUMNS) + list(instrument.required_attributes)
    ratings = instrument.rating_ids
    frames, dropped, ignored = [], {}, []
    for path in paths:
        # Text cells stay text in every format (ids keep their leading zeros): one read.
        frame = rename_columns(read_table(path, encoding), maps["columns"])
        frame = apply_value_maps(frame, maps["values"])
        check_mapped_columns(
            frame,
            path,
            required,
            ratings,
            file_kind="an inventory file",
            answer_kind="rating",
            answer_id_of=f"a rating id of instrument {instrument.id!r}",
            export_columns="rating columns",
        )
        for col in [c for c in (*CANONICAL_COLUMNS, *ratings) if c not in frame.columns]:
            frame[col] = ""  # an optional column or a rating not in this file: blank
        frame, file_dropped, file_ignored = _drop_inventory_personal(frame, instrument)
        dropped.update(file_dropped)
        ignored += [c for c in file_ignored if c not in ignored]
        for col in TEXT_COLUMNS:
            if col not in frame.columns:  # dropped as personal data: blank from here on
                frame[col] = ""
        frame["source_file"] = path.name
        frame["source_row"] = np.arange(2, len(frame) + 2)  # spreadsheet row, header = 1
        frames.append(frame)
    raw = pd.concat(frames, ignore_index=True, sort=False)
    raw[list(CANONICAL_COLUMNS)] = raw[list(CANONICAL_COLUMNS)].astype(str)
    return raw, dropped, ignored


# --------------------------------------------------------------------------- cells


def _normalised(values: pd.Series) -> pd.Series:
    """Trimmed, case-folded, inner whitespace collapsed (as answer labels are compared)."""
    return values.astype(str).str.split().str.join(" ").str.casefold()


def _parse_attributes(
    raw: pd.DataFrame, instrument: DiosInstrument
) -> tuple[pd.DataFrame, pd.Series]:
    """Attribute codes (NA when blank) and, per row, the invalid attribute columns."""
    codes = {}
    invalid = pd.Series("", index=raw.index, dtype=object)
    for attribute in instrument.attribute_ids:
        text = _normalised(raw[attribute])
        code = text.map(instrument.value_lookup(attribute))
        blank = text == ""
        bad = (code.isna() & ~blank) | (blank & (attribute in instrument.required_attributes))
        invalid = invalid.where(~bad, invalid + "," + attribute)
        codes[attribute] = pd.Categorical(code, categories=instrument.values(attribute))
    return pd.DataFrame(codes, index=raw.index), invalid.str.lstrip(",")


def _parse_numbers(raw: pd.DataFrame, year: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """installed_year, users, annual_cost_sek as floats, with their cell issues.

    Spaces (also no-break spaces) as thousands separators and the decimal comma are
    accepted. Ranges: ``MIN_INSTALLED_YEAR <= installed_year <= year`` and whole;
    ``users`` whole and >= 0; ``annual_cost_sek`` >= 0.
    """
    numbers, issues = {}, []
    for col in NUMBER_COLUMNS:
        text = raw[col].str.replace(r"[\s\u00a0]", "", regex=True).str.replace(",", ".")
        value = pd.to_numeric(text.where(text != ""), errors="coerce")
        value = value.where(np.isfinite(value))
        whole = value == value.round()
        if col == "installed_year":
            ok = whole & (value >= MIN_INSTALLED_YEAR) & ~(value > year.astype(float))
        elif col == "users":
            ok = whole & (value >= 0)
        else:
            ok = value >= 0
        unparseable = value.isna() & (text != "")
        out_of_range = value.notna() & ~ok
        numbers[col] = value.where(ok).astype(float)
        for reason, mask in (("unparseable", unparseable), ("out_of_range", out_of_range)):
            issues.append(pd.DataFrame({"row": raw.index[mask], "column": col, "reason": reason}))
    found = pd.concat(issues, ignore_index=True)
    return pd.DataFrame(numbers, index=raw.index), found


def _parse_ratings(
    raw: pd.DataFrame, instrument: DiosInstrument, labels: Mapping[str, int]
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Rating codes per block with the survey's answer parser (one block, one scale).

    Returns the float codes, the number of don't-know answers per row and the cell issues.
    """
    values, dont_know, issues = [], [], []
    for block in instrument.blocks.values():
        block_values, status, block_issues = parse_answers(raw, block, labels)
        values.append(block_values)
        dont_know.append((status == "dont_know").sum(axis=1))
        issues.append(block_issues.rename(columns={"item_id": "column"}))
    found = pd.concat(issues, ignore_index=True)[["row", "column", "reason"]]
    return pd.concat(values, axis=1), sum(dont_know), found


# --------------------------------------------------------------------------- rows


def _row_reasons(
    raw: pd.DataFrame, parsed: _Parsed, register: pd.DataFrame
) -> tuple[pd.Series, pd.Series]:
    """The first quarantine reason of every row (NA = kept) and its detail column(s)."""
    reason = pd.Series(pd.NA, index=raw.index, dtype="object")
    detail = pd.Series("", index=raw.index, dtype="object")

    def flag(mask: pd.Series, name: str, columns: pd.Series | str) -> None:
        new = mask & reason.isna()
        reason[new] = name
        detail[new] = columns[new] if isinstance(columns, pd.Series) else columns

    unknown = ~raw["organisation_id"].isin(register["organisation_id"])
    flag(raw["system_id"] == "", "missing_system_id", "system_id")
    flag(raw["organisation_id"] == "", "missing_organisation_id", "organisation_id")
    flag(parsed.year.isna(), "missing_or_invalid_year", "year")
    flag(unknown, "unknown_organisation", "organisation_id")
    flag(parsed.invalid != "", "invalid_attribute_value", parsed.invalid)
    keys = pd.DataFrame(
        {
            "organisation_id": raw["organisation_id"],
            "year": parsed.year,
            "system_id": raw["system_id"],
            "rater_role": parsed.table["rater_role"].astype(object),
        }
    )
    candidates = reason.isna()
    duplicate = keys[candidates].duplicated(keep="first").reindex(raw.index, fill_value=False)
    flag(duplicate, "duplicate_system_rater", "system_id,rater_role")
    return reason, detail


def _inconsistent(kept: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first row of every system and the later rows' differing system attributes."""
    first_mask = ~kept.duplicated(KEY_COLUMNS, keep="first")
    first = kept.loc[first_mask, KEY_COLUMNS + list(SYSTEM_COLUMNS)]
    aligned = kept[KEY_COLUMNS].merge(first, on=KEY_COLUMNS, how="left").set_index(kept.index)
    issues = []
    for col in SYSTEM_COLUMNS:  # a handful of columns, compared for all rows at once
        a = kept[col].astype(object)
        b = aligned[col].astype(object)
        differs = ~((a == b) | (a.isna() & b.isna()))
        issues.append(pd.DataFrame({"row": kept.index[differs], "column": col}))
    found = pd.concat(issues, ignore_index=True).assign(reason="inconsistent_attribute")
    return first, found


def _cell_issue_table(
    raw: pd.DataFrame, year: pd.Series, found: pd.DataFrame, rating_ids: list[str]
) -> pd.DataFrame:
    rows = found["row"].to_numpy()
    originals = raw[[*CANONICAL_COLUMNS, *rating_ids]]
    col_pos = originals.columns.get_indexer(found["column"])
    original = originals.to_numpy(dtype=object)[raw.index.get_indexer(rows), col_pos]
    out = pd.DataFrame(
        {
            "source_file": raw.loc[rows, "source_file"].to_numpy(),
            "source_row": raw.loc[rows, "source_row"].to_numpy(),
            "organisation_id": raw.loc[rows, "organisation_id"].to_numpy(),
            "year": year.loc[rows].to_numpy(),
            "system_id": raw.loc[rows, "system_id"].to_numpy(),
            "column": found["column"].to_numpy(),
            "original_value": pd.Series(original, dtype=object).map(redact).to_numpy(),
            "reason": found["reason"].to_numpy(),
        }
    )
    order = ["source_file", "source_row", "column"]
    return out.sort_values(order, kind="mergesort").reset_index(drop=True)


def _quarantine_table(
    raw: pd.DataFrame, reason: pd.Series, detail: pd.Series, rating_ids: list[str]
) -> pd.DataFrame:
    mask = reason.notna()
    columns = [*CANONICAL_COLUMNS, *rating_ids]
    out = raw.loc[mask, ["source_file", "source_row", *columns]].astype(object)
    redacted = [*TEXT_COLUMNS, *rating_ids]
    out[redacted] = out[redacted].map(redact)
    out.insert(2, "reason", reason[mask].astype(str))
    out.insert(3, "detail", detail[mask].astype(str))
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- public API


@dataclass(frozen=True)
class _Parsed:
    """Every input row parsed: ids, codes and numbers, plus cell issues of all rows."""

    year: pd.Series
    table: pd.DataFrame
    invalid: pd.Series
    issues: pd.DataFrame
    dont_know: pd.Series


def _parse(raw: pd.DataFrame, dios: DiosInstrument, maps: dict) -> _Parsed:
    for col in ("system_id", "organisation_id"):
        raw[col] = raw[col].str.strip()
    year = parse_year(raw["year"])
    attributes, invalid = _parse_attributes(raw, dios)
    numbers, number_issues = _parse_numbers(raw, year)
    values, dont_know, rating_issues = _parse_ratings(raw, dios, maps["answers"])
    ids = pd.DataFrame(
        {
            "organisation_id": raw["organisation_id"],
            "year": year,
            "system_id": raw["system_id"],
            "system_name": raw["system_name"].astype(object),
            "vendor": raw["vendor"].astype(object),
            "source_file": raw["source_file"],
            "source_row": raw["source_row"],
        }
    )
    table = pd.concat([ids, attributes, numbers, values], axis=1)
    issues = pd.concat([rating_issues, number_issues], ignore_index=True)
    return _Parsed(year=year, table=table, invalid=invalid, issues=issues, dont_know=dont_know)


def _register(organisations: str | Path | pd.DataFrame, mapping) -> tuple[pd.DataFrame, dict]:
    if isinstance(organisations, pd.DataFrame):
        register = organisations.copy()
        register["organisation_id"] = register["organisation_id"].astype(str).str.strip()
        return register, {}
    path = Path(organisations)
    return read_organisations(path, mapping), {path.name: file_sha256(path)}


def _inventory_paths(inventory: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(inventory, (str, Path)) and Path(inventory).is_dir():
        found = inventory_files(inventory)
        if not found:
            raise DataValidationError(
                f"{inventory}: directory holds no inventory files ({INVENTORY_FILE_PREFIX}*"
                f" with {', '.join(RESPONSE_FILE_SUFFIXES)})"
            )
        return found
    return resolve_paths(inventory)


def read_inventory(
    inventory: str | Path | Iterable[str | Path],
    organisations: str | Path | pd.DataFrame,
    instrument: DiosInstrument | str | Path | None = None,
    mapping: str | Path | Mapping | None = None,
    *,
    encoding: str | None = None,
) -> InventoryData:
    """Read system-inventory files and the organisation register into :class:`InventoryData`.

    Parameters
    ----------
    inventory : path, list of paths or directory
        CSV/.txt (``,``, ``;`` or tab; UTF-8, UTF-8 with BOM or cp1252), XLSX or Parquet files
        in the canonical shape (module docstring), one row per system and rater. A directory
        is read for its ``inventory_*`` files.
    organisations : path or DataFrame
        The organisation register (:func:`dimios_research.io.survey.read_organisations`).
    instrument : DiosInstrument or path, optional
        Default: the illustrative DIOS instrument.
    mapping : path or dict, optional
        The survey's mapping YAML (:func:`dimios_research.io.survey.load_mapping`): ``columns``
        renames export columns, ``values`` recodes values (e.g. ``{lifecycle: {"Drift":
        active}}``), ``answers`` adds rating labels.
    encoding : str, optional
        Force a CSV encoding.

    Returns
    -------
    InventoryData

    Raises
    ------
    DataValidationError
        File-level problems: missing or empty file, missing required column
        (``system_id, organisation_id, year`` and the instrument's required attributes), no
        rating column, a column twice after mapping, undecodable bytes, a bad register.

    Notes
    -----
    Quarantine reasons, checked in the order of :data:`QUARANTINE_REASONS`: blank system id;
    blank organisation id; year blank or not a whole number in 2000–2100; organisation not in
    the register; an attribute value that is neither a code nor a label of the instrument
    (or blank where the instrument requires it); the same organisation, year, system id and
    rater role as an earlier kept row (the first is kept). Attribute values are matched to
    codes and labels in both languages, case and spaces ignored.

    Cell issues (the cell is set missing): ratings outside the block's scale
    (``out_of_range``) or neither a code nor a label (``unparseable``); ``installed_year``
    not whole or outside ``1900..year``, ``users`` not a whole number >= 0,
    ``annual_cost_sek`` negative (``out_of_range``) or not a number (``unparseable``);
    a system attribute that differs from the system's first row (``inconsistent_attribute``;
    the first row's value is kept). Don't-know ratings are missing and counted, not issues.
    A kept system without any rating stays in the data (its scores are missing).

    Personal data: columns whose name marks an owner, administrator, contact or a personal
    name (``system_owner``, ``förvaltare``, ``admin_name``...), the survey's e-mail, name,
    IP, phone and free-text rules for other columns, and ``system_name``/``vendor`` when a
    value holds an e-mail address. Dropped columns are listed by name only.

    Examples
    --------
    >>> data = dr.load_dataset("demo", kind="inventory")
    >>> data.report.rows_read == data.report.rows_kept + data.report.rows_quarantined
    True
    """
    if isinstance(instrument, DiosInstrument):
        dios = instrument
    else:
        dios = load_dios_instrument(instrument)
    maps = load_mapping(mapping)
    paths = _inventory_paths(inventory)
    register, register_hash = _register(organisations, mapping)
    raw, dropped, ignored = _read_files(paths, maps, dios, encoding)
    parsed = _parse(raw, dios, maps)
    reason, detail = _row_reasons(raw, parsed, register)
    kept = reason.isna()
    table = parsed.table[kept].astype({"year": int})
    first, attr_issues = _inconsistent(table)
    issues = parsed.issues[parsed.issues["row"].isin(table.index)]
    cell_issues = _cell_issue_table(
        raw, parsed.year, pd.concat([issues, attr_issues], ignore_index=True), dios.rating_ids
    )
    keys_and_role = [*KEY_COLUMNS, "rater_role"]
    ratings = table[[*keys_and_role, "source_file", "source_row", *dios.rating_ids]]
    counts = table.groupby(KEY_COLUMNS, sort=False).size().rename("n_rating_rows")
    systems = first.merge(counts.reset_index(), on=KEY_COLUMNS, how="left")
    report = ValidationReport(
        files=tuple(str(p) for p in paths),
        file_sha256={**{p.name: file_sha256(p) for p in paths}, **register_hash},
        rows_read=len(raw),
        rows_kept=int(kept.sum()),
        rows_quarantined=int((~kept).sum()),
        quarantine_reasons={r: int(n) for r, n in reason[~kept].value_counts().items()},
        cell_issues={r: int(n) for r, n in cell_issues["reason"].value_counts().items()},
        dont_know=int(parsed.dont_know[kept].sum()),
        dropped_columns=dropped,
        ignored_columns=tuple(ignored),
        default_key_used=False,
    )
    return InventoryData(
        ratings=ratings.sort_values(keys_and_role, kind="mergesort").reset_index(drop=True),
        systems=systems.sort_values(KEY_COLUMNS, kind="mergesort").reset_index(drop=True),
        organisations=register,
        report=report,
        quarantine=_quarantine_table(raw, reason, detail, dios.rating_ids),
        cell_issues=cell_issues,
        instrument=dios,
    )


def read_inventory_dir(
    data_dir: str | Path,
    instrument: DiosInstrument | str | Path | None = None,
    mapping: str | Path | Mapping | None = None,
    *,
    encoding: str | None = None,
) -> InventoryData:
    """Read a data folder's ``inventory_*`` files with its ``organisations.{csv,xlsx,parquet}``.

    The layout of the command line and the reports (``--data DIR``): inventory files sit
    beside the survey's response files, which the survey reader skips.
    """
    folder = Path(data_dir)
    register = find_register(folder)  # the survey's rule: exactly one register
    files = inventory_files(folder)
    if not files:
        raise DataValidationError(
            f"{folder}: no inventory files ({INVENTORY_FILE_PREFIX}*.csv, .xlsx or .parquet) "
            f"next to the register"
        )
    return read_inventory(files, register, instrument, mapping, encoding=encoding)
