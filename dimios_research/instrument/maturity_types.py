"""Maturity types A–D: the quadrant rule and the type texts (``maturity_types.yaml``).

The rule is a package assumption (``docs/methods.md`` §1.2): the two dimension percentages
are split at a cut (default 50, ``>=`` is high) and the quadrants are lettered

====  ===========  ===========
type  capability   legacy
====  ===========  ===========
A     low          constraining (low)
B     high         constraining (low)
C     low          enabling (high)
D     high         enabling (high)
====  ===========  ===========

:data:`QUADRANTS` holds that table; :func:`classify_types` and the quadrant figure both read
it, so the rule is written once.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..conventions import DEFAULT_TYPE_CUT, TYPE_LETTERS, check_lang
from ..safe_yaml import load_yaml_file

__all__ = ["QUADRANTS", "TYPES_FILE", "classify_types", "maturity_types"]

TYPES_FILE = Path(__file__).resolve().parent / "maturity_types.yaml"
#: Type letter -> (capability high, legacy high): the quadrant rule.
QUADRANTS: dict[str, tuple[bool, bool]] = {
    "A": (False, False),
    "B": (True, False),
    "C": (False, True),
    "D": (True, True),
}


def classify_types(capability_pct, legacy_pct, cut: float = DEFAULT_TYPE_CUT) -> np.ndarray:
    """Maturity type letters from the two dimension percentages (see :data:`QUADRANTS`).

    A value equal to the cut counts as high. Missing in either dimension gives ``None``.

    Examples
    --------
    >>> classify_types([49.9, 50.0, 10.0, 50.0], [10.0, 10.0, 50.0, 50.0]).tolist()
    ['A', 'B', 'C', 'D']
    """
    cap = np.asarray(capability_pct, dtype=float)
    leg = np.asarray(legacy_pct, dtype=float)
    letters = np.empty(cap.shape, dtype=object)
    for letter, (cap_high, leg_high) in QUADRANTS.items():
        letters[((cap >= cut) == cap_high) & ((leg >= cut) == leg_high)] = letter
    letters[np.isnan(cap) | np.isnan(leg)] = None
    return letters


@lru_cache(maxsize=4)
def _types_file(path: str) -> dict:
    return load_yaml_file(Path(path), what="maturity types file")


def maturity_types(lang: str = "sv", path: str | Path | None = None) -> pd.DataFrame:
    """Names, descriptions and general recommendations of the maturity types A–D.

    Parameters
    ----------
    lang : {"sv", "en"}
    path : str or Path, optional
        A types file of the same schema; default the shipped ``maturity_types.yaml``.

    Returns
    -------
    pandas.DataFrame
        Indexed by type letter: ``capability`` (low/high), ``legacy``
        (constraining/enabling), ``name``, ``description``, ``recommendations`` (list),
        ``follows_public_description`` (bool; True only for typ A).

    Examples
    --------
    >>> maturity_types("en").loc["A", "legacy"]
    'constraining'
    """
    check_lang(lang)
    raw = _types_file(str(path or TYPES_FILE))
    rows = {
        letter: {
            "capability": spec["capability"],
            "legacy": spec["legacy"],
            "name": spec["name"][lang],
            "description": spec["description"][lang],
            "recommendations": list(spec["recommendations"][lang]),
            "follows_public_description": bool(spec.get("follows_public_description", False)),
        }
        for letter, spec in raw["types"].items()
    }
    return pd.DataFrame.from_dict(rows, orient="index").loc[list(TYPE_LETTERS)]
