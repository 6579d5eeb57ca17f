"""Development programmes as data: load and validate a programme file.

A *programme* is a funded effort to raise digital maturity across many organisations, for
example the ESF project "Digital mognad" 2021–2023 run by SKR and Adda. Its facts (goals,
outcomes, funding, fees, evaluation) are kept as data in YAML files under
``data/programmes/`` in the repository (shipped in the wheel); this module loads such a file
into a frozen :class:`Programme`. The indicators computed from it live in
:mod:`dimios_research.stats.goals`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..resources import bundled_dir
from ..safe_yaml import load_yaml_file

__all__ = [
    "REQUIRED_KEYS",
    "Programme",
    "available_programmes",
    "load_programme",
    "programmes_dir",
]


def programmes_dir() -> Path:
    """Folder of the bundled programme files (``data/programmes``, shipped in the wheel)."""
    return bundled_dir("data") / "programmes"


#: Keys (dotted paths) every programme file must contain; :func:`goal_attainment` needs them.
REQUIRED_KEYS: tuple[str, ...] = (
    "id",
    "name.sv",
    "name.en",
    "period.start",
    "period.end",
    "source.title",
    "source.title_en",
    "population.municipalities",
    "population.regions",
    "goals.organisations.count",
    "goals.organisations.share_of_population_pct",
    "goals.training_participants.count",
    "goals.training_participants.share_of_target_group_pct",
    "outcomes.organisations_reached.count",
    "outcomes.training.participants",
    "outcomes.coordinators.hours_reported",
    "outcomes.coordinators.hours_per_fte",
    "funding.decided.esf",
    "funding.decided.cofinancing",
    "funding.used_at_close.esf",
    "funding.used_at_close.cofinancing",
    "evaluation.invited",
    "evaluation.respondents",
)

# Keys that must hold a number; those in _POSITIVE_KEYS are used as denominators.
_NUMERIC_KEYS: tuple[str, ...] = tuple(
    key
    for key in REQUIRED_KEYS
    if key.split(".")[0] in {"population", "goals", "outcomes", "funding", "evaluation"}
)
_POSITIVE_KEYS: frozenset[str] = frozenset(
    {
        "goals.organisations.count",
        "goals.organisations.share_of_population_pct",
        "goals.training_participants.count",
        "goals.training_participants.share_of_target_group_pct",
        "outcomes.coordinators.hours_per_fte",
        "evaluation.invited",
    }
)
# (total, parts) pairs whose parts must add up to the total when the parts are given.
_BREAKDOWNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("outcomes.training.participants", ("outcomes.training.women", "outcomes.training.men")),
    ("outcomes.coordinators.count", ("outcomes.coordinators.women", "outcomes.coordinators.men")),
)

_MISSING = object()


@dataclass(frozen=True)
class Programme:
    """A development programme loaded from a YAML file (read-only).

    Attributes
    ----------
    programme_id : str
        Identifier from the file's ``id`` key, e.g. ``"esf_digital_mognad_2021_2023"``.
    name : Mapping[str, str]
        Programme name by language code (``"sv"``, ``"en"``).
    period_start, period_end : datetime.date
        First and last day of the programme.
    source : Mapping[str, Any]
        Provenance of the figures (document title, author, seed file, notes).
    document : Mapping[str, Any]
        The whole parsed file, frozen: mappings are read-only and lists are tuples.
    path : pathlib.Path
        The file the programme was read from.

    Notes
    -----
    Use :meth:`get` with a dotted key (``"funding.decided.esf"``) to read any figure; it raises
    a :class:`KeyError` naming the missing key.
    """

    programme_id: str
    name: Mapping[str, str]
    period_start: date
    period_end: date
    source: Mapping[str, Any]
    document: Mapping[str, Any]
    path: Path

    def get(self, key: str, default: Any = _MISSING) -> Any:
        """Return the value at a dotted key such as ``"outcomes.training.participants"``.

        Parameters
        ----------
        key : str
            Dot-separated path into the programme file.
        default : Any, optional
            Returned when the key is absent. Without it a missing key raises ``KeyError``.

        Returns
        -------
        Any
            The stored value (read-only mapping, tuple or scalar).
        """
        value = _lookup(self.document, key)
        if value is _MISSING:
            if default is _MISSING:
                raise KeyError(f"programme {self.programme_id!r} has no key {key!r}")
            return default
        return value


def available_programmes(directory: str | Path | None = None) -> list[str]:
    """List the names of the programme files in a directory.

    Parameters
    ----------
    directory : str or pathlib.Path, optional
        Where to look. Default: :func:`programmes_dir` (``<repo>/data/programmes``).

    Returns
    -------
    list of str
        File stems of the ``*.yaml``/``*.yml`` files, sorted; these are the names accepted by
        :func:`load_programme`.

    Examples
    --------
    >>> "esf_digital_mognad_2021_2023" in available_programmes()
    True
    """
    folder = programmes_dir() if directory is None else Path(directory)
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.iterdir() if p.suffix in {".yaml", ".yml"})


def load_programme(path_or_name: str | Path, *, directory: str | Path | None = None) -> Programme:
    """Load and validate a programme file.

    Parameters
    ----------
    path_or_name : str or pathlib.Path
        Either the name of a bundled programme (file stem, e.g.
        ``"esf_digital_mognad_2021_2023"``) or a path to a YAML file. A :class:`~pathlib.Path`,
        or a string that ends in ``.yaml``/``.yml`` or contains a directory separator, is
        treated as a path; anything else as a name.
    directory : str or pathlib.Path, optional
        Where names are looked up. Default: :func:`programmes_dir`.

    Returns
    -------
    Programme
        The frozen programme.

    Raises
    ------
    FileNotFoundError
        If an explicit path does not exist.
    ValueError
        If a name is unknown (the message lists the available names), the file is not a
        YAML mapping, a key of :data:`REQUIRED_KEYS` is missing (the message names it), a
        figure is not a number or is negative (or zero where it is a denominator), or a
        breakdown (women + men) does not add up to its total.

    Notes
    -----
    Figures are validated here once, so that :func:`goal_attainment` can divide without
    further checks. Keys beginning with ``stated_`` are documentation of what the source
    prints and are never used in computations.

    Examples
    --------
    >>> programme = load_programme("esf_digital_mognad_2021_2023")
    >>> programme.get("outcomes.organisations_reached.count")
    150
    """
    path = _resolve_programme_path(path_or_name, directory)
    raw = load_yaml_file(path, what="programme file")
    if not isinstance(raw, dict):
        raise ValueError(f"programme file {path}: expected a YAML mapping at the top level")
    _validate_document(raw, path)
    return Programme(
        programme_id=str(raw["id"]),
        name=_freeze(raw["name"]),
        period_start=_as_date(raw["period"]["start"], "period.start", path),
        period_end=_as_date(raw["period"]["end"], "period.end", path),
        source=_freeze(raw["source"]),
        document=_freeze(raw),
        path=path,
    )


# --------------------------------------------------------------------------------------------
# helpers


def _resolve_programme_path(path_or_name: str | Path, directory: str | Path | None) -> Path:
    """Turn a bundled name or an explicit path into an existing file path."""
    if not isinstance(path_or_name, (str, Path)):
        raise TypeError(
            "path_or_name must be a programme name (str) or a path, "
            f"got {type(path_or_name).__name__}"
        )
    candidate = Path(path_or_name)
    looks_like_path = (
        isinstance(path_or_name, Path)
        or candidate.suffix in {".yaml", ".yml"}
        or len(candidate.parts) > 1
    )
    if looks_like_path:
        if not candidate.is_file():
            raise FileNotFoundError(f"programme file {candidate} does not exist")
        return candidate
    folder = programmes_dir() if directory is None else Path(directory)
    for suffix in (".yaml", ".yml"):
        bundled = folder / f"{path_or_name}{suffix}"
        if bundled.is_file():
            return bundled
    names = available_programmes(folder)
    listing = ", ".join(repr(n) for n in names) if names else "none"
    raise ValueError(
        f"unknown programme name {str(path_or_name)!r} in {folder}; available: {listing}. "
        "Pass one of these names or a path to a YAML file."
    )


def _validate_document(raw: Mapping[str, Any], path: Path) -> None:
    """Raise ValueError naming the first missing key or invalid figure of a programme file."""
    for key in REQUIRED_KEYS:
        if _lookup(raw, key) is _MISSING:
            raise ValueError(f"programme file {path}: missing required key {key!r}")
    for key in _NUMERIC_KEYS:
        value = _lookup(raw, key)
        # bool is an int subclass; a YAML 'yes' must not pass as a count
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise ValueError(f"programme file {path}: {key!r} must be a number, got {value!r}")
        if value < 0 or (key in _POSITIVE_KEYS and value == 0):
            kind = "positive" if key in _POSITIVE_KEYS else "non-negative"
            raise ValueError(f"programme file {path}: {key!r} must be {kind}, got {value!r}")
    for block in ("funding.decided", "funding.used_at_close"):
        # the shares divide by the block's total
        if _lookup(raw, f"{block}.esf") + _lookup(raw, f"{block}.cofinancing") <= 0:
            raise ValueError(f"programme file {path}: {block!r} must have a positive total")
    maturity = _lookup(raw, "goals.maturity")
    if maturity is not _MISSING:
        for key in ("goals.maturity.baseline_pct", "goals.maturity.target_pct"):
            value = _lookup(raw, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"programme file {path}: {key!r} must be a number, got {value!r}")
        if maturity["target_pct"] == maturity["baseline_pct"]:
            raise ValueError(
                f"programme file {path}: 'goals.maturity.target_pct' must differ from "
                "'baseline_pct' (the targeted increase is a denominator)"
            )
    if _lookup(raw, "evaluation.respondents") > _lookup(raw, "evaluation.invited"):
        raise ValueError(
            f"programme file {path}: 'evaluation.respondents' exceeds 'evaluation.invited'"
        )
    for total_key, part_keys in _BREAKDOWNS:
        parts = [_lookup(raw, key) for key in part_keys]
        total = _lookup(raw, total_key)
        if total is _MISSING or any(part is _MISSING for part in parts):
            continue
        if sum(parts) != total:
            raise ValueError(
                f"programme file {path}: {' + '.join(part_keys)} = {sum(parts)} "
                f"does not equal {total_key!r} = {total}"
            )


def _lookup(document: Mapping[str, Any], key: str) -> Any:
    """Follow a dotted key through nested mappings; return _MISSING if any step is absent."""
    node: Any = document
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _freeze(value: Any) -> Any:
    """Return a read-only deep copy: mappings become MappingProxyType, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _as_date(value: Any, key: str, path: Path) -> date:
    """Accept a YAML date or an ISO string for a period bound."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(
            f"programme file {path}: {key!r} must be a date (YYYY-MM-DD), got {value!r}"
        ) from None
