"""The DIOS system-inventory instrument as data: load, validate and query it.

A DIOS instrument is a YAML file declaring the attributes of a system (business area, system
type, deployment, lifecycle status, rater role) with their allowed values, and two rating
blocks, technical ``quality`` and business ``importance``, each with its own answer scale and
criteria. The package ships an *illustrative* instrument (:data:`DEFAULT_DIOS_INSTRUMENT`);
a licensed user passes the path of the real instrument, written in the same schema, to
:func:`load_dios_instrument`.

The validation helpers are those of the DiMiOS codebook
(:mod:`dimios_research.instrument.codebook`), so
both instruments report problems the same way: a :class:`DiosInstrumentError` (a
:class:`~dimios_research.instrument.codebook.CodebookError`) naming the file and the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ..conventions import check_lang
from ..errors import CodebookError, DiosInstrumentError
from ..safe_yaml import read_yaml_file
from .codebook import (
    INSTRUMENT_DIR,
    Codebook,
    bilingual,
    check_unique,
    list_of,
    normalise_label,
    parse_scale,
    require_key,
)

__all__ = [
    "DiosInstrumentError",
    "DiosInstrument",
    "RatingBlock",
    "load_dios_instrument",
    "DEFAULT_DIOS_INSTRUMENT",
    "REQUIRED_ATTRIBUTES",
    "BLOCK_PREFIXES",
    "ACTIVE_LIFECYCLE",
]

DEFAULT_DIOS_INSTRUMENT = INSTRUMENT_DIR / "dios_illustrative.yaml"
#: Attributes every DIOS instrument declares (one canonical column each).
REQUIRED_ATTRIBUTES = ("business_area", "system_type", "deployment", "lifecycle", "rater_role")
#: The two rating blocks and the prefix of their rating ids (the file says the block).
BLOCK_PREFIXES = {"quality": "q_", "importance": "i_"}
#: The lifecycle value of a system in normal operation (redundancy counts these).
ACTIVE_LIFECYCLE = "active"
_CODE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


@dataclass(frozen=True)
class RatingBlock:
    """One rating block (``quality`` or ``importance``) and its answer scale.

    Attributes
    ----------
    id, prefix : str
        Block id and the prefix of its rating ids (``q_`` or ``i_``).
    scale_min, scale_max, scale_labels, dont_know_codes, dont_know_label :
        The answer scale, with the same meaning as on
        :class:`~dimios_research.instrument.codebook.Codebook`.
    criteria : pandas.DataFrame
        ``rating_id, label_sv, label_en, text_sv, text_en`` in instrument order.

    Notes
    -----
    A block offers ``item_ids`` and ``answer_labels()`` like a codebook, so the survey's
    answer parser reads the ratings of a block unchanged.
    """

    id: str
    prefix: str
    scale_min: int
    scale_max: int
    scale_labels: dict[int, dict[str, str]]
    dont_know_codes: tuple[int, ...]
    dont_know_label: dict[str, str]
    criteria: pd.DataFrame = field(repr=False)

    @property
    def item_ids(self) -> list[str]:
        """Rating ids of the block, in instrument order (codebook-compatible name)."""
        return self.criteria["rating_id"].tolist()

    # The DiMiOS codebook's label map reads only the scale attributes, which a block shares.
    answer_labels = Codebook.answer_labels


@dataclass(frozen=True)
class DiosInstrument:
    """A validated DIOS instrument.

    Attributes
    ----------
    id, version : str
    name, notice : dict
        By language (``sv``, ``en``).
    illustrative : bool
        True when the content is not the official instrument.
    attributes : pandas.DataFrame
        One row per allowed value: ``attribute, value, label_sv, label_en, in_operation``
        (``in_operation`` is meaningful for ``lifecycle`` only, False elsewhere).
    required_attributes : tuple[str, ...]
        Attributes that may not be blank in an inventory row.
    blocks : dict[str, RatingBlock]
        ``quality`` then ``importance``.
    labels : pandas.DataFrame
        Every label of the instrument: ``kind, code, label_sv, label_en`` with kind
        ``attribute`` (attribute names), an attribute id (its values), ``block`` or
        ``rating``.
    source, sha256 : str
        Path of the YAML file and SHA-256 of its bytes.
    """

    id: str
    version: str
    name: dict[str, str]
    notice: dict[str, str]
    illustrative: bool
    attributes: pd.DataFrame = field(repr=False)
    required_attributes: tuple[str, ...]
    blocks: dict[str, RatingBlock] = field(repr=False)
    labels: pd.DataFrame = field(repr=False)
    source: str = ""
    sha256: str = ""

    @property
    def rating_ids(self) -> list[str]:
        """All rating ids: the quality block's, then the importance block's."""
        return [r for block in self.blocks.values() for r in block.item_ids]

    @property
    def attribute_ids(self) -> list[str]:
        """Attribute ids in instrument order."""
        return list(dict.fromkeys(self.attributes["attribute"]))

    def values(self, attribute: str) -> list[str]:
        """Allowed value codes of an attribute, in instrument order.

        Examples
        --------
        >>> load_dios_instrument().values("deployment")
        ['on_premises', 'hosted', 'saas']
        """
        if attribute not in self.attribute_ids:
            raise ValueError(f"attribute must be one of {self.attribute_ids}, got {attribute!r}")
        return self.attributes.loc[self.attributes["attribute"] == attribute, "value"].tolist()

    @property
    def in_operation(self) -> list[str]:
        """Lifecycle codes of systems in operation (counted in the portfolio)."""
        life = self.attributes[self.attributes["attribute"] == "lifecycle"]
        return life.loc[life["in_operation"], "value"].tolist()

    def value_lookup(self, attribute: str) -> dict[str, str]:
        """Map of every accepted spelling (code or label, lower case, trimmed) to its code."""
        return dict(self._lookups[attribute])

    @cached_property
    def _lookups(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for attribute, rows in self.attributes.groupby("attribute", sort=False):
            table: dict[str, str] = {}
            for column in ("label_en", "label_sv", "value"):  # codes win over labels
                table.update(dict(zip(rows[column].map(normalise_label), rows["value"])))
            out[str(attribute)] = table
        return out

    def label(self, kind: str, code: str, lang: str = "sv") -> str:
        """The label of an attribute, attribute value, block or rating in a language.

        Examples
        --------
        >>> dios = load_dios_instrument()
        >>> dios.label("lifecycle", "phase_out", "en"), dios.label("block", "quality")
        ('Phase-out', 'Teknisk kvalitet')
        """
        check_lang(lang)
        row = self.labels[(self.labels["kind"] == kind) & (self.labels["code"] == code)]
        if row.empty:
            raise KeyError(f"no label for {kind} {code!r} in instrument {self.id!r}")
        return str(row[f"label_{lang}"].iloc[0])


def _fail(source: str, message: str) -> DiosInstrumentError:
    return DiosInstrumentError(f"{source}: {message}")


def _parse_attribute(raw: Any, source: str) -> tuple[str, bool, list[dict], dict]:
    """One attribute: its id, required flag, value rows and label row."""
    attr_id = str(require_key(raw, "id", "an attribute", source))
    where = f"attribute '{attr_id}'"
    label = bilingual(require_key(raw, "label", where, source), f"{where} label", source)
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise _fail(source, f"{where}: required must be true or false")
    rows = []
    for value in list_of(raw.get("values"), "values", where, source):
        code = str(require_key(value, "id", f"a value of {where}", source))
        if not _CODE.match(code):
            raise _fail(source, f"{where}: value id {code!r} must be snake_case (a-z, 0-9, _)")
        text = bilingual(require_key(value, "label", f"value '{code}'", source), code, source)
        in_operation = value.get("in_operation", False)
        if not isinstance(in_operation, bool):
            raise _fail(source, f"{where}: value '{code}': in_operation must be true or false")
        rows.append(
            {
                "attribute": attr_id,
                "value": code,
                "label_sv": text["sv"],
                "label_en": text["en"],
                "in_operation": in_operation,
            }
        )
    check_unique([r["value"] for r in rows], f"value ids in {where}", source)
    return attr_id, required, rows, {"kind": "attribute", "code": attr_id, **_langs(label)}


def _langs(label: dict[str, str]) -> dict[str, str]:
    return {"label_sv": label["sv"], "label_en": label["en"]}


def _check_attributes(ids: list[str], rows: list[dict], source: str) -> None:
    check_unique(ids, "attribute ids", source)
    missing = [a for a in REQUIRED_ATTRIBUTES if a not in ids]
    unknown = [a for a in ids if a not in REQUIRED_ATTRIBUTES]
    if missing:
        raise _fail(
            source,
            f"attribute(s) missing: {', '.join(missing)}; a DIOS instrument "
            f"declares {', '.join(REQUIRED_ATTRIBUTES)}",
        )
    if unknown:
        raise _fail(
            source,
            f"unknown attribute(s) {', '.join(unknown)}; the canonical inventory "
            f"file has the attributes {', '.join(REQUIRED_ATTRIBUTES)} only",
        )
    life = [r for r in rows if r["attribute"] == "lifecycle"]
    if not any(r["value"] == ACTIVE_LIFECYCLE and r["in_operation"] for r in life):
        raise _fail(
            source,
            f"attribute 'lifecycle' needs the value '{ACTIVE_LIFECYCLE}' with "
            f"in_operation: true (redundancy counts active systems)",
        )


def _parse_block(raw: Any, source: str) -> RatingBlock:
    block_id = str(require_key(raw, "id", "a block", source))
    if block_id not in BLOCK_PREFIXES:
        raise _fail(source, f"unknown block {block_id!r}; the blocks are {list(BLOCK_PREFIXES)}")
    where = f"block '{block_id}'"
    prefix = str(require_key(raw, "prefix", where, source))
    if prefix != BLOCK_PREFIXES[block_id]:
        raise _fail(source, f"{where}: prefix must be {BLOCK_PREFIXES[block_id]!r}, got {prefix!r}")
    require_key(raw, "scale", where, source)
    scale_min, scale_max, labels, dk_codes, dk_label = parse_scale(raw, f"{source}: {where}")
    rows = []
    for criterion in list_of(raw.get("criteria"), "criteria", where, source):
        rating_id = str(require_key(criterion, "id", f"a criterion of {where}", source))
        if not rating_id.startswith(prefix) or not _CODE.match(rating_id):
            raise _fail(
                source,
                f"{where}: rating id {rating_id!r} must be {prefix}<criterion> "
                f"in snake_case, e.g. {prefix}maintainability",
            )
        cwhere = f"criterion '{rating_id}'"
        text = bilingual(require_key(criterion, "label", cwhere, source), cwhere, source)
        rows.append(
            {
                "rating_id": rating_id,
                **_langs(text),
                "text_sv": str(require_key(criterion, "text_sv", cwhere, source)),
                "text_en": str(require_key(criterion, "text_en", cwhere, source)),
            }
        )
    return RatingBlock(
        id=block_id,
        prefix=prefix,
        scale_min=scale_min,
        scale_max=scale_max,
        scale_labels=labels,
        dont_know_codes=dk_codes,
        dont_know_label=dk_label,
        criteria=pd.DataFrame(rows),
    )


def _read_yaml(file: Path) -> tuple[dict, str]:
    """The instrument as a mapping and the SHA-256 of its bytes (safe loader, size-bounded)."""
    source = str(file)
    if not file.is_file():
        raise _fail(source, "instrument file not found; check the path")
    raw, sha256 = read_yaml_file(file, what="DIOS instrument", error=DiosInstrumentError)
    if not isinstance(raw, dict):
        raise _fail(source, "the instrument must be a YAML mapping")
    return raw, sha256


def load_dios_instrument(path: str | Path | None = None) -> DiosInstrument:
    """Load and validate a DIOS system-inventory instrument.

    Parameters
    ----------
    path : str or Path, optional
        A YAML instrument. Default: the illustrative instrument shipped with the package.

    Returns
    -------
    DiosInstrument

    Raises
    ------
    DiosInstrumentError
        When the file is missing or unreadable; when an attribute of
        :data:`REQUIRED_ATTRIBUTES` is missing or an unknown one is declared; when an
        attribute or value lacks an id or a bilingual label, a value id is not snake_case or
        is duplicated; when ``lifecycle`` lacks the in-operation value ``active``; when the
        blocks are not exactly ``quality`` (prefix ``q_``) and ``importance`` (prefix
        ``i_``); when a rating id does not start with its block's prefix or is duplicated;
        when a criterion lacks a label or a question; when a scale is bad (the DiMiOS
        codebook's scale rules). The message names the file and the problem.

    Notes
    -----
    Schema: see the header of ``instrument/dios_illustrative.yaml`` and
    ``docs/methods.md`` (DIOS section).

    Examples
    --------
    >>> dios = load_dios_instrument()
    >>> dios.rating_ids[:2], dios.blocks["importance"].item_ids[0]
    (['q_maintainability', 'q_information_security'], 'i_process_criticality')
    """
    file = Path(path) if path is not None else DEFAULT_DIOS_INSTRUMENT
    try:
        return _load(file)
    except DiosInstrumentError:
        raise
    except CodebookError as exc:  # the shared helpers raise the codebook's error class
        raise DiosInstrumentError(str(exc)) from exc


def _load(file: Path) -> DiosInstrument:
    source = str(file)
    raw, sha256 = _read_yaml(file)
    attr_ids, required, value_rows, labels = [], [], [], []
    for attr in list_of(raw.get("attributes"), "attributes", "the instrument", source):
        attr_id, is_required, rows, label = _parse_attribute(attr, source)
        attr_ids.append(attr_id)
        required += [attr_id] if is_required else []
        value_rows += rows
        labels.append(label)
    _check_attributes(attr_ids, value_rows, source)
    blocks = [
        _parse_block(b, source)
        for b in list_of(raw.get("blocks"), "blocks", "the instrument", source)
    ]
    block_ids = [b.id for b in blocks]
    check_unique(block_ids, "block ids", source)
    if sorted(block_ids) != sorted(BLOCK_PREFIXES):
        raise _fail(
            source,
            f"blocks {block_ids} given; a DIOS instrument needs exactly {list(BLOCK_PREFIXES)}",
        )
    by_id = {b.id: b for b in blocks}
    ordered = {b: by_id[b] for b in BLOCK_PREFIXES}
    ratings = pd.concat([b.criteria for b in ordered.values()], ignore_index=True)
    check_unique(ratings["rating_id"].tolist(), "rating ids", source)
    attributes = pd.DataFrame(value_rows)
    labels += [
        {
            "kind": r["attribute"],
            "code": r["value"],
            "label_sv": r["label_sv"],
            "label_en": r["label_en"],
        }
        for r in value_rows
    ]
    for block_raw, block in zip(raw["blocks"], blocks):
        text = bilingual(
            require_key(block_raw, "label", f"block '{block.id}'", source),
            f"block '{block.id}' label",
            source,
        )
        labels.append({"kind": "block", "code": block.id, **_langs(text)})
    labels += [
        {"kind": "rating", "code": r, "label_sv": sv, "label_en": en}
        for r, sv, en in ratings[["rating_id", "label_sv", "label_en"]].to_numpy()
    ]
    return DiosInstrument(
        id=str(require_key(raw, "id", "the instrument", source)),
        version=str(require_key(raw, "version", "the instrument", source)),
        name=bilingual(raw.get("name", raw.get("id")), "name", source),
        notice=bilingual(raw["notice"], "notice", source) if raw.get("notice") else {},
        illustrative=bool(raw.get("illustrative", False)),
        attributes=attributes,
        required_attributes=tuple(required),
        blocks=ordered,
        labels=pd.DataFrame(labels),
        source=source,
        sha256=sha256,
    )
