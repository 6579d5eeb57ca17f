"""Shared constants and argument checks: the one home of every convention used twice.

Every layer imports from here (it imports nothing from the package), so a convention such
as the order of size classes or the languages a report can be written in is defined once.

>>> SIZE_CLASSES
('XS', 'S', 'M', 'L', 'XL')
>>> check_lang("en")
'en'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "LANGUAGES",
    "ORGANISATION_TYPES",
    "SIZE_CLASSES",
    "GROUPING_COLUMNS",
    "TYPE_LETTERS",
    "LEVELS",
    "SCORE_LEVELS",
    "DEFAULT_MIN_RESPONDENTS",
    "DEFAULT_TYPE_CUT",
    "DEFAULT_MAX_BYTES",
    "check_lang",
    "check_ci",
    "require_columns",
    "check_year",
]

#: Languages of reports, labels and codebook texts.
LANGUAGES: tuple[str, ...] = ("sv", "en")
#: Organisation types of the register, in their fixed display order.
ORGANISATION_TYPES: tuple[str, ...] = ("kommun", "region", "myndighet", "annan")
#: Size classes by employees, smallest first (an ordered categorical everywhere).
SIZE_CLASSES: tuple[str, ...] = ("XS", "S", "M", "L", "XL")
#: Register attributes that group organisations in indices and comparisons.
GROUPING_COLUMNS: tuple[str, ...] = ("type", "size_class", "county")
#: Maturity types A–D (see :mod:`dimios_research.instrument.maturity_types`).
TYPE_LETTERS: tuple[str, ...] = ("A", "B", "C", "D")
#: Levels of the instrument hierarchy, finest first.
LEVELS: tuple[str, ...] = ("item", "capability", "category", "dimension", "overall")
#: Levels at which scores exist.
SCORE_LEVELS: tuple[str, ...] = ("capability", "category", "dimension", "overall")
#: Reporting threshold: an organisation-round with fewer respondents is never shown alone.
DEFAULT_MIN_RESPONDENTS = 5
#: Cut (percent) between low and high on each dimension for the maturity types.
DEFAULT_TYPE_CUT = 50.0
#: Largest input read by default (bytes; for XLSX and Parquet the uncompressed content).
#: A DiMiOS round is about 1 MB of CSV; the limit leaves room for many rounds in one file
#: while keeping the memory of ingest under about 2 GB (``benchmarks/bench_ingest_memory.py``).
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def check_lang(lang: Any) -> str:
    """Return ``lang`` if it is a supported language (``"sv"`` or ``"en"``), else raise.

    >>> check_lang("sv")
    'sv'
    """
    if not isinstance(lang, str) or lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return lang


def check_ci(ci: Any, name: str = "ci") -> float:
    """Return a confidence level strictly between 0 and 1, else raise ValueError."""
    try:
        value = float(ci)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a number between 0 and 1 (e.g. 0.95), got {ci!r}"
        ) from None
    if not 0 < value < 1:
        raise ValueError(f"{name} must be between 0 and 1 (e.g. 0.95), got {ci!r}")
    return value


def require_columns(df: Any, columns: Iterable[str], name: str = "df") -> None:
    """Raise unless ``df`` is a DataFrame holding every column in ``columns``.

    The message names the argument, the missing columns and the columns it has.
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(df).__name__}")
    columns = list(columns)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{name} lacks column(s) {missing}; it has {list(df.columns)} and needs {columns} "
            "(pass the column names as keyword arguments if they differ)"
        )


def check_year(year: Any, years: Sequence[int], name: str = "year") -> int:
    """``year`` as an int when it is one of ``years``; ``None`` means the latest.

    Raises ValueError naming the argument and listing the rounds that have data.

    >>> check_year(None, [2022, 2023])
    2023
    >>> check_year("2022", [2022, 2023])
    2022
    """
    if not years:
        raise ValueError("the data hold no rounds")
    if year is None:
        return int(years[-1])
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a year, got {year!r}") from None
    if isinstance(year, float) and year != value:
        raise ValueError(f"{name} must be a whole year, got {year!r}")
    if value not in set(int(y) for y in years):
        rounds = ", ".join(str(int(y)) for y in years)
        raise ValueError(f"{name} {value} has no data; rounds in the data: {rounds}")
    return value
