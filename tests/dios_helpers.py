"""Hand-built DIOS inventories for the tests (one row per system and rater)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dimios_research.instrument.dios import load_dios_instrument
from dimios_research.io.inventory import CANONICAL_COLUMNS

DIOS = load_dios_instrument()
QUALITY = DIOS.blocks["quality"].item_ids  # 6 criteria
IMPORTANCE = DIOS.blocks["importance"].item_ids  # 4 criteria
RATINGS = DIOS.rating_ids

REGISTER = pd.DataFrame(
    {
        "organisation_id": ["0114", "0180", "K001", "R01", "M001"],
        "name": ["Upplands Väsby", "Stockholm", "Syntetisk 1", "Region 1", "Myndighet 1"],
        "type": ["kommun", "kommun", "kommun", "region", "myndighet"],
        "county": ["Stockholms län"] * 5,
        "size_class": ["M", "XL", "S", "L", "S"],
    }
)


def row(
    system_id: str = "00017",
    organisation_id: str = "0114",
    *,
    quality: list | int | str = 3,
    importance: list | int | str = 3,
    **attributes,
) -> dict:
    """One canonical inventory row; ``quality``/``importance`` fill their block's ratings."""
    out = {
        "system_id": system_id,
        "organisation_id": organisation_id,
        "year": 2023,
        "system_name": f"System {system_id}",
        "business_area": "finance",
        "system_type": "finance_system",
        "deployment": "saas",
        "vendor": "Leverantör A AB",
        "installed_year": 2015,
        "users": 100,
        "annual_cost_sek": 100000,
        "lifecycle": "active",
        "rater_role": "system_owner",
    }
    out.update(attributes)
    for ids, given in ((QUALITY, quality), (IMPORTANCE, importance)):
        values = given if isinstance(given, list) else [given] * len(ids)
        assert len(values) == len(ids)
        out.update(dict(zip(ids, values)))
    return out


def frame(rows: list[dict]) -> pd.DataFrame:
    data = pd.DataFrame(rows)
    first = [c for c in CANONICAL_COLUMNS if c in data.columns]
    return data[first + [c for c in data.columns if c not in first]].astype(object)


def write_csv(folder: Path, rows: list[dict], name: str = "inventory_2023.csv") -> Path:
    path = Path(folder) / name
    frame(rows).to_csv(path, index=False, lineterminator="\n")
    return path


def write_register(folder: Path) -> Path:
    path = Path(folder) / "organisations.csv"
    REGISTER.to_csv(path, index=False, lineterminator="\n")
    return path
