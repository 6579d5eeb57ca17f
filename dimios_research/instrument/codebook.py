"""Instrument codebooks as data: load, validate and query a DiMiOS instrument.

An instrument is a YAML file with two dimensions (``capability`` and ``legacy``), each with
categories, each with named capabilities, each with items. The package ships an
*illustrative* instrument (:data:`DEFAULT_CODEBOOK`); a licensed user passes the path of the
real codebook, written in the same schema, to :func:`load_codebook` and every downstream
function works unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ..conventions import LANGUAGES, LEVELS, check_lang
from ..errors import CodebookError
from ..safe_yaml import read_yaml_file

__all__ = [
    "CodebookError",
    "Codebook",
    "load_codebook",
    "DEFAULT_CODEBOOK",
    "REQUIRED_DIMENSIONS",
    "LEVELS",
    "LANGUAGES",
]

#: Folder of the shipped instrument files (YAML), inside the installed package.
INSTRUMENT_DIR = Path(__file__).resolve().parent
DEFAULT_CODEBOOK = INSTRUMENT_DIR / "dimios_illustrative.yaml"
#: The two dimensions of the DiMiOS model; every instrument must define both.
REQUIRED_DIMENSIONS = ("capability", "legacy")


@dataclass(frozen=True)
class Codebook:
    """A validated instrument.

    Attributes
    ----------
    id, version : str
        Identifier and version of the instrument (written into every results manifest).
    name, notice : dict
        Name and notice (e.g. "illustrative wording") by language (``sv``, ``en``).
    illustrative : bool
        True when the item wording is not the official instrument.
    scale_min, scale_max : int
        Range of valid answer codes (1 and 5 for the shipped instrument).
    scale_labels : dict[int, dict[str, str]]
        Label of every code by language.
    dont_know_codes : tuple[int, ...]
        Codes meaning "don't know" (blank answers are missing, not don't know).
    dont_know_label : dict[str, str]
        Label of the don't-know answer by language.
    items : pandas.DataFrame
        One row per item: ``item_id, capability, category, dimension, reverse, text_sv,
        text_en``, in instrument order.
    units : pandas.DataFrame
        One row per capability, category and dimension: ``level, unit, parent, dimension,
        label_sv, label_en``.
    source : str
        Path of the YAML file the codebook was read from.
    sha256 : str
        SHA-256 of the file's bytes (provenance).
    """

    id: str
    version: str
    name: dict[str, str]
    notice: dict[str, str]
    illustrative: bool
    scale_min: int
    scale_max: int
    scale_labels: dict[int, dict[str, str]]
    dont_know_codes: tuple[int, ...]
    dont_know_label: dict[str, str]
    items: pd.DataFrame = field(repr=False)
    units: pd.DataFrame = field(repr=False)
    source: str = ""
    sha256: str = ""
    overall: dict[str, str] = field(default_factory=dict)

    @property
    def item_ids(self) -> list[str]:
        """Item ids in instrument order."""
        return self.items["item_id"].tolist()

    @property
    def scale_points(self) -> int:
        """Number of answer options on the scale (5 for a 1–5 scale)."""
        return self.scale_max - self.scale_min + 1

    def units_at(self, level: str) -> list[str]:
        """Ids of the capabilities, categories or dimensions, in instrument order."""
        if level not in ("capability", "category", "dimension"):
            raise ValueError(
                f"level must be 'capability', 'category' or 'dimension', got {level!r}"
            )
        return list(self._units_by_level.get(level, []))

    @cached_property
    def _units_by_level(self) -> dict[str, list[str]]:
        # Grouped once per codebook: units_at is called on every scoring run.
        return {
            level: units["unit"].tolist()
            for level, units in self.units.groupby("level", sort=False)
        }

    def label(self, level: str, unit: str, lang: str = "sv") -> str:
        """Human-readable label of a unit (``overall`` and items included) in a language.

        Examples
        --------
        >>> cb = load_codebook()
        >>> cb.label("dimension", "capability", "sv")
        'Digital förmåga'
        """
        check_lang(lang)
        if level == "overall":
            if not self.overall:
                raise KeyError(
                    f"codebook {self.id!r} has no label for the overall score; add "
                    "overall: {sv: ..., en: ...} to the codebook file"
                )
            return self.overall[lang]
        found = self._labels.get((level, unit))
        if found is None:
            what = "item" if level == "item" else level
            raise KeyError(f"unknown {what} {unit!r} in codebook {self.id!r}")
        return found[lang]

    def item_short_label(self, item_id: str, lang: str = "sv") -> str:
        """An item named by its capability and its number there, for axes and legends.

        The wording (:meth:`label` with ``level="item"``) is a sentence; where items stand
        side by side, as the rows and columns of a correlation map, they are named
        "<capability label> <k>", k counting the capability's items in codebook order.

        Examples
        --------
        >>> load_codebook().item_short_label("it_management_2", "en")
        'IT management organisation 2'
        """
        check_lang(lang)
        items = self.items
        row = items.loc[items["item_id"] == item_id]
        if row.empty:
            raise KeyError(f"unknown item {item_id!r} in codebook {self.id!r}")
        capability = str(row["capability"].iloc[0])
        siblings = items.loc[items["capability"] == capability, "item_id"].tolist()
        return f"{self.label('capability', capability, lang)} {siblings.index(item_id) + 1}"

    @cached_property
    def _labels(self) -> dict[tuple[str, str], dict[str, str]]:
        # Built once per codebook: reports ask for hundreds of labels.
        labels: dict[tuple[str, str], dict[str, str]] = {}
        for row in self.units.itertuples(index=False):
            key = (str(row.level), str(row.unit))
            labels.setdefault(key, {lang: str(getattr(row, f"label_{lang}")) for lang in LANGUAGES})
        for row in self.items.itertuples(index=False):
            key = ("item", str(row.item_id))
            labels.setdefault(key, {lang: str(getattr(row, f"text_{lang}")) for lang in LANGUAGES})
        return labels

    def answer_labels(self) -> dict[str, int]:
        """Map of every answer label (both languages, lower case, trimmed) to its code.

        Don't-know labels map to the first don't-know code.
        """
        labels: dict[str, int] = {}
        for code, by_lang in self.scale_labels.items():
            for text in by_lang.values():
                labels[normalise_label(text)] = code
        dont_know = self.dont_know_codes[0] if self.dont_know_codes else None
        if dont_know is not None:
            for text in self.dont_know_label.values():
                labels[normalise_label(text)] = dont_know
        return labels


def normalise_label(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def bilingual(value: Any, where: str, source: str) -> dict[str, str]:
    if isinstance(value, str):  # a single string serves both languages
        return {"sv": value, "en": value}
    if not isinstance(value, dict) or not all(value.get(lang) for lang in LANGUAGES):
        raise CodebookError(
            f"{source}: {where} needs a text in both languages, e.g. {{sv: '...', en: '...'}}"
        )
    return {lang: str(value[lang]) for lang in LANGUAGES}


def require_key(mapping: Any, key: str, where: str, source: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping or mapping[key] in (None, ""):
        raise CodebookError(f"{source}: {where} has no '{key}'")
    return mapping[key]


def list_of(value: Any, what: str, where: str, source: str) -> list:
    if not isinstance(value, list) or not value:
        raise CodebookError(f"{source}: {where} needs a non-empty list of {what}")
    return value


def parse_scale(raw: dict, source: str) -> tuple[int, int, dict, tuple[int, ...], dict]:
    scale = require_key(raw, "scale", "the codebook", source)
    try:
        scale_min = int(require_key(scale, "min", "scale", source))
        scale_max = int(require_key(scale, "max", "scale", source))
    except (TypeError, ValueError) as exc:
        raise CodebookError(f"{source}: scale min and max must be integers") from exc
    if scale_max - scale_min < 1:
        raise CodebookError(
            f"{source}: bad scale: max ({scale_max}) must be greater than min ({scale_min})"
        )
    raw_labels = require_key(scale, "labels", "scale", source)
    if not isinstance(raw_labels, dict):
        raise CodebookError(
            f"{source}: scale labels must be a mapping from code to label, e.g. "
            f"{{1: {{sv: '...', en: '...'}}, 2: ...}}, got a {type(raw_labels).__name__}"
        )
    labels = {}
    for code, text in raw_labels.items():
        if isinstance(code, bool) or not isinstance(code, int):
            raise CodebookError(f"{source}: scale label code {code!r} must be an integer")
        labels[int(code)] = bilingual(text, f"scale label {code}", source)
    expected = set(range(scale_min, scale_max + 1))
    if set(labels) != expected:
        raise CodebookError(
            f"{source}: bad scale: labels are given for codes {sorted(labels)} but the scale "
            f"{scale_min}–{scale_max} needs exactly {sorted(expected)}"
        )
    dont_know = scale.get("dont_know") or {}
    codes = dont_know.get("codes", []) if isinstance(dont_know, dict) else None
    if not isinstance(codes, list) or not all(
        isinstance(c, int) and not isinstance(c, bool) for c in codes
    ):
        raise CodebookError(
            f"{source}: scale dont_know must be a mapping with a list of integer codes, "
            f"e.g. {{codes: [99], label: {{sv: 'Vet ej', en: \"Don't know\"}}}}"
        )
    dk_codes = tuple(int(c) for c in codes)
    clash = set(dk_codes) & expected
    if clash:
        raise CodebookError(
            f"{source}: bad scale: don't-know code(s) {sorted(clash)} lie inside the answer "
            f"range {scale_min}–{scale_max}"
        )
    # The label is the instrument's own wording (no default words in code).
    dk_label = bilingual(
        require_key(dont_know, "label", "scale dont_know", source), "dont_know label", source
    )
    return scale_min, scale_max, labels, dk_codes, dk_label


def _walk_hierarchy(raw: dict, source: str) -> tuple[list[dict], list[dict]]:
    """Flatten dimensions → categories → capabilities → items into two row lists."""
    items: list[dict] = []
    units: list[dict] = []
    dimensions = list_of(raw.get("dimensions"), "dimensions", "the codebook", source)
    for dim in dimensions:
        dim_id = require_key(dim, "id", "a dimension", source)
        units.append(_unit_row("dimension", dim_id, None, dim_id, dim, source))
        where = f"dimension '{dim_id}'"
        for cat in list_of(dim.get("categories"), "categories", where, source):
            cat_id = require_key(cat, "id", f"a category of {where}", source)
            units.append(_unit_row("category", cat_id, dim_id, dim_id, cat, source))
            cat_where = f"category '{cat_id}'"
            for cap in list_of(cat.get("capabilities"), "capabilities", cat_where, source):
                cap_id = require_key(cap, "id", f"a capability of {cat_where}", source)
                units.append(_unit_row("capability", cap_id, cat_id, dim_id, cap, source))
                cap_where = f"capability '{cap_id}'"
                for item in list_of(cap.get("items"), "items", cap_where, source):
                    items.append(_item_row(item, cap_id, cat_id, dim_id, source))
    return items, units


def _unit_row(level: str, unit: str, parent: str | None, dim: str, raw: dict, source: str):
    label = bilingual(require_key(raw, "label", f"{level} '{unit}'", source), unit, source)
    return {
        "level": level,
        "unit": str(unit),
        "parent": parent,
        "dimension": dim,
        "label_sv": label["sv"],
        "label_en": label["en"],
    }


def _item_row(item: dict, cap: str, cat: str, dim: str, source: str) -> dict:
    item_id = str(require_key(item, "id", f"an item of capability '{cap}'", source))
    reverse = item.get("reverse", False)
    if not isinstance(reverse, bool):
        raise CodebookError(f"{source}: item '{item_id}': reverse must be true or false")
    return {
        "item_id": item_id,
        "capability": cap,
        "category": cat,
        "dimension": dim,
        "reverse": reverse,
        "text_sv": str(require_key(item, "text_sv", f"item '{item_id}'", source)),
        "text_en": str(require_key(item, "text_en", f"item '{item_id}'", source)),
    }


def check_unique(values: list[str], what: str, source: str) -> None:
    seen: set[str] = set()
    dupes = sorted({v for v in values if v in seen or seen.add(v)})
    if dupes:
        raise CodebookError(f"{source}: duplicate {what}: {', '.join(dupes)}")


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Load and validate an instrument codebook.

    Parameters
    ----------
    path : str or Path, optional
        A YAML codebook. Default: the illustrative instrument shipped with the package.

    Returns
    -------
    Codebook
        The validated instrument.

    Raises
    ------
    CodebookError
        When the file is missing or unreadable, when an item, capability, category or
        dimension id is duplicated, when an item lacks a text or capability, when one of the
        dimensions ``capability`` and ``legacy`` is missing, or when the scale is bad. The
        message names the file and the problem.

    Notes
    -----
    Schema (see the shipped ``instrument/dimios_illustrative.yaml`` for a complete example)::

        id, version, name {sv, en}, illustrative, notice {sv, en}
        scale: min, max, labels {code: {sv, en}}, dont_know {codes: [...], label {sv, en}}
        dimensions: - id, label, categories:
                        - id, label, capabilities:
                              - id, label, items: - id, reverse, text_sv, text_en

    Examples
    --------
    >>> cb = load_codebook()
    >>> cb.items.columns.tolist()
    ['item_id', 'capability', 'category', 'dimension', 'reverse', 'text_sv', 'text_en']
    """
    file = Path(path) if path is not None else DEFAULT_CODEBOOK
    source = str(file)
    raw, sha256 = read_yaml_file(file, what="codebook file", error=CodebookError)
    if not isinstance(raw, dict):
        raise CodebookError(f"{source}: the codebook must be a YAML mapping")
    scale_min, scale_max, labels, dk_codes, dk_label = parse_scale(raw, source)
    item_rows, unit_rows = _walk_hierarchy(raw, source)
    units = pd.DataFrame(unit_rows)
    dims = units.loc[units["level"] == "dimension", "unit"].tolist()
    missing = [d for d in REQUIRED_DIMENSIONS if d not in dims]
    if missing:
        raise CodebookError(
            f"{source}: dimension(s) missing: {', '.join(missing)}; a DiMiOS instrument needs "
            f"both {REQUIRED_DIMENSIONS}"
        )
    check_unique(units["unit"].tolist(), "capability/category/dimension ids", source)
    items = pd.DataFrame(item_rows)
    check_unique(items["item_id"].tolist(), "item ids", source)
    clash = sorted(set(items["item_id"]) & set(units["unit"]))
    if clash:
        raise CodebookError(f"{source}: ids used for both an item and a unit: {clash}")
    return Codebook(
        id=str(require_key(raw, "id", "the codebook", source)),
        version=str(require_key(raw, "version", "the codebook", source)),
        name=bilingual(raw.get("name", raw.get("id")), "name", source),
        notice=bilingual(raw.get("notice", ""), "notice", source) if raw.get("notice") else {},
        illustrative=bool(raw.get("illustrative", False)),
        scale_min=scale_min,
        scale_max=scale_max,
        scale_labels=labels,
        dont_know_codes=dk_codes,
        dont_know_label=dk_label,
        items=items,
        units=units,
        source=source,
        sha256=sha256,
        overall=bilingual(raw["overall"], "overall", source) if raw.get("overall") else {},
    )
