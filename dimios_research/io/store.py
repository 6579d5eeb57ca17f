"""The result store: tables as Parquet plus a manifest that lets a loader refuse stale results.

The manifest records the SHA-256 of every input file and of every stored table, the package
version and whatever provenance the caller adds (codebook, parameters); it holds no
timestamp, so the same inputs give the same bytes. Tables keep their dtypes (categoricals
with their category order included): Parquet stores them, so a loaded table is the same as
the one written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from .. import __version__
from ..errors import StaleResultsError
from .files import file_sha256

__all__ = ["MANIFEST", "write_store", "read_store"]

MANIFEST = "manifest.json"


def write_store(tables: Mapping[str, pd.DataFrame], manifest: dict, out_dir: str | Path) -> dict:
    """Write the tables as Parquet and the manifest (with table hashes); return the manifest."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.parquet"):  # tables derived from an earlier store go with it
        if stale.stem not in tables:
            stale.unlink()
    entries = {}
    for name, frame in tables.items():
        path = out / f"{name}.parquet"
        frame.reset_index(drop=True).to_parquet(path, index=False)
        entries[name] = {"file": path.name, "rows": len(frame), "sha256": file_sha256(path)}
    manifest = manifest | {"package_version": __version__, "tables": entries}
    (out / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


def read_store(
    folder: str | Path,
    names: Iterable[str],
    *,
    data_dir: str | Path | None = None,
    rerun: str = "score the data again",
) -> tuple[dict[str, pd.DataFrame], dict]:
    """Read stored tables and the manifest; refuse them when they are stale.

    Stale means: no manifest, another package version, a table missing or modified, or
    (with ``data_dir``) an input file changed or gone since the store was written.

    Raises
    ------
    StaleResultsError
        Naming the file and ending with ``rerun`` (what to do).
    """
    folder = Path(folder)
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise StaleResultsError(f"{folder}: no {MANIFEST}; {rerun}")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("package_version") != __version__:
        raise StaleResultsError(
            f"{folder}: results were written by dimios-research "
            f"{manifest.get('package_version')}, this is {__version__}; {rerun}"
        )
    if data_dir is not None:
        for name, digest in manifest.get("inputs", {}).items():
            path = Path(data_dir) / name
            if not path.is_file() or file_sha256(path) != digest:
                raise StaleResultsError(f"{path}: input changed or missing since scoring; {rerun}")
    frames = {}
    for name in names:
        entry = manifest.get("tables", {}).get(name)
        path = folder / (entry["file"] if entry else f"{name}.parquet")
        if entry is None or not path.is_file() or file_sha256(path) != entry["sha256"]:
            raise StaleResultsError(f"{path}: table missing or modified; {rerun}")
        frames[name] = pd.read_parquet(path)
    return frames, manifest
