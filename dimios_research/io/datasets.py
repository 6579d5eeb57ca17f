"""Bundled datasets, available offline, with their provenance (statsmodels style).

>>> from dimios_research.io.datasets import list_datasets, load_dataset
>>> list_datasets()["name"].tolist()
['demo']
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..resources import bundled_dir
from .survey import SurveyData, read_survey_dir

__all__ = [
    "Dataset",
    "list_datasets",
    "load_dataset",
    "dataset_path",
    "pseudonym_key_for",
    "DATA_DIR_ENV",
]

DATA_DIR_ENV = "DIMIOS_DATA_DIR"
#: The demo data are synthetic: a fixed public key keeps their pseudonyms stable and
#: silences the default-key warning. Never use it for real data.
DEMO_PSEUDONYM_KEY = "dimios-research-demo"


@dataclass(frozen=True)
class Dataset:
    """Provenance of a bundled dataset."""

    name: str
    folder: str
    title: str
    description: str
    source: str
    years: tuple[int, ...]
    regenerate: str


_DATASETS = {
    "demo": Dataset(
        name="demo",
        folder="demo",
        title="Synthetic DiMiOS self-assessments 2019–2023",
        description=(
            "Simulated answers of respondents in Swedish municipalities, regions and state "
            "agencies to the illustrative instrument, five rounds with panel attrition and a "
            "support programme from 2021. Contains fake personal-data columns and a few "
            "injected defects so that validation has something to show; a DIOS system "
            "inventory of 2023 (inventory_2023.csv) for 40 of the organisations. See "
            "data/README.md."
        ),
        source="dimios_research.simulation.simulate(seed=2023, personal_data=True, defects=True)",
        years=(2019, 2020, 2021, 2022, 2023),
        regenerate="dimios-research simulate --out data/demo",
    ),
}


def _data_root() -> Path:
    """``$DIMIOS_DATA_DIR`` when set, else the data shipped with the package."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    return bundled_dir("data")


def dataset_path(name: str = "demo") -> Path:
    """Folder of a bundled dataset (``$DIMIOS_DATA_DIR`` overrides the data root)."""
    if name not in _DATASETS:
        raise KeyError(f"unknown dataset {name!r}; available: {', '.join(_DATASETS)}")
    path = _data_root() / _DATASETS[name].folder
    if not path.is_dir():
        raise FileNotFoundError(
            f"{path}: dataset {name!r} not found; reinstall dimios-research, or set "
            f"{DATA_DIR_ENV} to a folder holding {_DATASETS[name].folder}/"
        )
    return path


def pseudonym_key_for(data_dir: str | Path) -> str | None:
    """The fixed demo key when ``data_dir`` is a bundled dataset's folder, else None.

    None lets ingest take ``$DIMIOS_PSEUDONYM_KEY`` or warn about its built-in key.
    """
    target = Path(data_dir).resolve()
    for dataset in _DATASETS.values():
        if target == (_data_root() / dataset.folder).resolve():
            return DEMO_PSEUDONYM_KEY
    return None


def list_datasets() -> pd.DataFrame:
    """Bundled datasets with provenance: ``name, title, description, source, years, path``."""
    rows = [
        {
            "name": d.name,
            "title": d.title,
            "description": d.description,
            "source": d.source,
            "years": list(d.years),
            "inventory": sorted(p.name for p in (_data_root() / d.folder).glob("inventory_*")),
            "path": str(_data_root() / d.folder),
        }
        for d in _DATASETS.values()
    ]
    return pd.DataFrame(rows)


def load_dataset(name: str = "demo", kind: str = "survey") -> SurveyData:
    """Read a bundled dataset through the normal validation pipeline.

    ``kind="inventory"`` reads its DIOS system inventory instead
    (:func:`dimios_research.io.inventory.read_inventory_dir`).

    Examples
    --------
    >>> data = load_dataset("demo")
    >>> data.years
    [2019, 2020, 2021, 2022, 2023]
    """
    if kind == "inventory":
        from .inventory import read_inventory_dir

        return read_inventory_dir(dataset_path(name))
    if kind != "survey":
        raise ValueError(f"kind must be 'survey' or 'inventory', got {kind!r}")
    return read_survey_dir(dataset_path(name), pseudonym_key=DEMO_PSEUDONYM_KEY)
