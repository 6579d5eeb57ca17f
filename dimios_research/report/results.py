"""Persisted results: Parquet tables plus a manifest that lets a loader refuse stale results.

``write_results`` stores scores and diagnostics once, so notebooks load instead of
recomputing. The manifest records the SHA-256 of every input file, the codebook id, version
and hash, the package version and the parameters; it holds no timestamp, so the same inputs
give the same bytes.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..conventions import DEFAULT_MIN_RESPONDENTS, DEFAULT_TYPE_CUT
from ..errors import StaleResultsError
from ..instrument.codebook import DEFAULT_CODEBOOK, Codebook, load_codebook
from ..io.datasets import pseudonym_key_for
from ..io.store import MANIFEST, read_store, write_store
from ..io.survey import SurveyData, read_survey_dir
from ..scoring import Scores, score
from ..stats.agreement import aggregation_table, icc_table
from ..stats.cfa import measurement_invariance
from ..stats.indices import item_distribution

__all__ = [
    "StaleResultsError",
    "Results",
    "write_results",
    "load_results",
    "load_or_score",
    "results_from",
    "MANIFEST",
]

_TABLES = (
    "respondent_scores",
    "organisation_scores",
    "types",
    "register",
    "aggregation",
    "icc",
    "quarantine",
    "cell_issues",
    "answers",
    "item_distribution",
)


@dataclass(frozen=True)
class Results:
    """Loaded results: the scores, the diagnostics and the manifest.

    Attributes
    ----------
    scores : Scores
    aggregation : pandas.DataFrame
        rwg(j) and AD_M per organisation-round, dimension and category (see
        :func:`dimios_research.stats.agreement.aggregation_table`).
    icc : pandas.DataFrame
        ICC(1) and ICC(2) per round, level and unit.
    quarantine, cell_issues : pandas.DataFrame
        From validation (no personal data).
    answers : pandas.DataFrame
        Respondents wide (``year, organisation_id, respondent_id, role`` and raw item codes,
        not reverse-keyed; pseudonymised ids).
    item_distribution : pandas.DataFrame
        See :func:`dimios_research.stats.indices.item_distribution`.
    codebook : Codebook
    manifest : dict
    folder : Path or None
        The result store the results were read from or written to (None: in memory only);
        slower diagnostics computed on demand (:meth:`invariance`) are kept there.
    """

    scores: Scores
    aggregation: pd.DataFrame
    icc: pd.DataFrame
    quarantine: pd.DataFrame
    cell_issues: pd.DataFrame
    answers: pd.DataFrame
    item_distribution: pd.DataFrame
    codebook: Codebook
    manifest: dict
    folder: Path | None = None
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def invariance(self) -> pd.DataFrame:
        """Measurement invariance across all rounds at the category level, computed once.

        :func:`dimios_research.stats.cfa.measurement_invariance` on a seeded sample of at
        most :data:`INVARIANCE_SAMPLE` respondents per round (the fit takes seconds then,
        not minutes); kept in the result store, so every report of a run reuses it.
        """
        if "invariance" not in self._memo:
            self._memo["invariance"] = _stored_or_computed(
                self.folder, "invariance",
                lambda: measurement_invariance(self, max_per_round=INVARIANCE_SAMPLE, seed=0),
            )  # fmt: skip
        return self._memo["invariance"]

    def dios_portfolio(self, data_dir: str | Path):
        """The DIOS portfolio of the folder's inventories, computed once (None without any).

        Only reportable organisations' indicators and decommissioning lists are kept (the
        store under ``--out`` never holds an organisation below the threshold); systems
        and business areas are left out (reports do not show them one by one).
        """
        if "dios" not in self._memo:
            self._memo["dios"] = _dios_portfolio(self.folder, Path(data_dir))
        return self._memo["dios"]


#: Respondents per round sampled for the reports' invariance test (see :meth:`Results.invariance`).
INVARIANCE_SAMPLE = 300


def _dios_portfolio(folder: Path | None, data_dir: Path):
    from ..io.inventory import has_inventory, read_inventory_dir
    from ..scoring.inventory import score_inventory
    from ..stats.portfolio import Portfolio, portfolio

    if not has_inventory(data_dir):
        return None
    computed: dict = {}

    def tables() -> dict:
        if not computed:
            full = portfolio(score_inventory(read_inventory_dir(data_dir)))
            shown = full.indicators[full.indicators["reportable"].astype(bool)]
            keys = set(zip(shown["organisation_id"], shown["year"]))
            listed = full.decommission[[
                k in keys for k in zip(full.decommission["organisation_id"],
                                       full.decommission["year"])
            ]]  # fmt: skip
            computed.update(indicators=shown.reset_index(drop=True),
                            decommission=listed.reset_index(drop=True),
                            min_systems=full.min_systems)  # fmt: skip
        return computed

    indicators = _stored_or_computed(folder, "dios_indicators", lambda: tables()["indicators"])
    decommission = _stored_or_computed(
        folder, "dios_decommission", lambda: tables()["decommission"]
    )
    # Computed with the defaults of score_inventory and portfolio (cut 50, end of life 10).
    return Portfolio(
        indicators=indicators, systems=pd.DataFrame(), areas=pd.DataFrame(),
        decommission=decommission, min_systems=DEFAULT_MIN_RESPONDENTS, end_of_life_age=10.0,
        cut=50.0,
    )  # fmt: skip


def _stored_or_computed(folder: Path | None, name: str, compute) -> pd.DataFrame:
    """A derived table from the store when present, else computed and stored atomically.

    Reports running at the same time (a batch's worker processes) compute a table once: the
    first takes a lock on the store's ``.<name>.parquet.lock``, the others wait for it and
    read what it stored (where ``fcntl`` is missing, as on Windows, each computes its own).
    """
    path = None if folder is None else Path(folder) / f"{name}.parquet"
    if path is not None and path.is_file():
        return pd.read_parquet(path)
    with _exclusive(path):
        if path is not None and path.is_file():  # computed while this one waited
            return pd.read_parquet(path)
        table = compute()
        if path is not None:
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            table.to_parquet(temporary, index=False)
            os.replace(temporary, path)
    return table


@contextmanager
def _exclusive(path: Path | None) -> Iterator[None]:
    """Hold an exclusive lock on the lock file beside ``path`` (no lock without one)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, a concurrent report may compute it too
        fcntl = None
    if path is None or fcntl is None:
        yield
        return
    with open(path.with_name(f".{path.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _codebook_reference(codebook: Codebook) -> str:
    """The shipped codebook by name (machine-independent bytes), a user's by absolute path."""
    source = Path(codebook.source).resolve()
    if source == DEFAULT_CODEBOOK.resolve():
        return f"builtin:{source.name}"
    return str(source)


def _tables(data: SurveyData, scores: Scores) -> dict[str, pd.DataFrame]:
    """Every stored table with a fresh row index (dtypes kept: the store round-trips them)."""
    cb = data.codebook
    tables = {
        "respondent_scores": scores.respondents,
        "organisation_scores": scores.organisations,
        "types": scores.types,
        "register": scores.register,
        "aggregation": aggregation_table(
            data.respondents,
            cb.items,
            scale_points=cb.scale_points,
            min_respondents=scores.parameters["min_respondents"],
        ),
        "icc": icc_table(scores.respondents[scores.respondents["level"] != "overall"]),
        "quarantine": data.quarantine,
        "cell_issues": data.cell_issues,
        "answers": data.respondents.drop(columns=["source_file", "source_row"]),
        "item_distribution": item_distribution(data),
    }
    return {name: frame.reset_index(drop=True) for name, frame in tables.items()}


def _manifest(data: SurveyData, scores: Scores) -> dict:
    """Provenance of a scoring run (no timestamp: same inputs, same bytes)."""
    cb = data.codebook
    return {
        "package": "dimios-research",
        "codebook": {
            "id": cb.id,
            "version": cb.version,
            "sha256": cb.sha256,
            "path": _codebook_reference(cb),
        },
        "inputs": dict(sorted(data.report.file_sha256.items())),
        "parameters": scores.parameters,
        "validation": data.report.to_dict()
        | {"files": sorted(Path(f).name for f in data.report.files)},
    }


def _assemble(
    tables: dict[str, pd.DataFrame], manifest: dict, codebook: Codebook, folder: Path | None = None
) -> Results:
    scores = Scores(
        respondents=tables["respondent_scores"],
        organisations=tables["organisation_scores"],
        types=tables["types"],
        register=tables["register"],
        parameters=manifest["parameters"],
    )
    return Results(
        scores=scores,
        aggregation=tables["aggregation"],
        icc=tables["icc"],
        quarantine=tables["quarantine"],
        cell_issues=tables["cell_issues"],
        answers=tables["answers"],
        item_distribution=tables["item_distribution"],
        codebook=codebook,
        manifest=manifest,
        folder=None if folder is None else Path(folder),
    )


def results_from(data: SurveyData, scores: Scores) -> Results:
    """Results computed in memory from validated data and their scores (nothing written)."""
    return _assemble(_tables(data, scores), _manifest(data, scores), data.codebook)


def write_results(data: SurveyData, scores: Scores, out_dir: str | Path) -> Path:
    """Write scores and diagnostics as Parquet with ``manifest.json``; return the manifest path.

    Tables: respondent_scores, organisation_scores, types, register, aggregation (rwg(j),
    AD_M per organisation-round and unit), icc (ICC(1)/ICC(2) per round, level and unit),
    quarantine and cell_issues (no personal data: ingest removed it), answers (respondents
    wide, pseudonymised, raw codes) and item_distribution.
    """
    write_store(_tables(data, scores), _manifest(data, scores), out_dir)
    return Path(out_dir) / MANIFEST


def load_results(results_dir: str | Path, data_dir: str | Path | None = None) -> Results:
    """Load stored results; refuse them when they are stale.

    Parameters
    ----------
    results_dir : path
        Folder written by :func:`write_results` (``dimios-research score``).
    data_dir : path, optional
        When given, the SHA-256 of every input file recorded in the manifest must match the
        file of the same name in this folder.

    Raises
    ------
    StaleResultsError
        The manifest is missing, a table's hash differs, an input file changed or is gone,
        or the package version differs. The message says to run ``dimios-research score``.
    """
    folder = Path(results_dir)
    rerun = f"run `dimios-research score --data DATA --out {folder}` again"
    frames, manifest = _read_store_once(folder, data_dir, rerun)
    reference = manifest["codebook"]["path"]
    codebook = load_codebook(None if reference.startswith("builtin:") else reference)
    if codebook.sha256 != manifest["codebook"]["sha256"]:
        raise StaleResultsError(f"{codebook.source}: codebook changed since scoring; {rerun}")
    return _assemble(frames, manifest, codebook, folder)


#: Stores read in this process: (folder, data folder) -> (file signature, tables, manifest).
_READ: dict[tuple[str, str | None], tuple[tuple, dict[str, pd.DataFrame], dict]] = {}


def _signature(folder: Path, data_dir: str | Path | None) -> tuple:
    """Size, modification time and inode of every file of the store and of its inputs."""
    import json

    manifest = folder / MANIFEST
    if not manifest.is_file():
        return ()
    names = json.loads(manifest.read_text(encoding="utf-8")).get("inputs", {})
    paths = [manifest, *sorted(folder.glob("*.parquet"))]
    paths += [Path(data_dir) / name for name in sorted(names)] if data_dir is not None else []
    stats = [p.stat() if p.is_file() else None for p in paths]
    return tuple((str(p), s and (s.st_size, s.st_mtime_ns, s.st_ino)) for p, s in zip(paths, stats))


def _read_store_once(
    folder: Path, data_dir: str | Path | None, rerun: str
) -> tuple[dict[str, pd.DataFrame], dict]:
    """:func:`~dimios_research.io.store.read_store`, read once per process while unchanged.

    A kernel that builds report after report (the runner's warm kernels) reads and checks the
    store once; later reports get the tables from memory as long as no file of the store or
    of its inputs changed size, time or inode (anything rewritten is read and checked
    again). Each caller gets its own shallow copies: with pandas' copy-on-write a report
    that modifies a table changes its copy only.
    """
    key = (str(folder.resolve()), None if data_dir is None else str(Path(data_dir).resolve()))
    signature = _signature(folder, data_dir)
    cached = _READ.get(key)
    if cached is None or cached[0] != signature or not signature:
        frames, manifest = read_store(folder, _TABLES, data_dir=data_dir, rerun=rerun)
        cached = _READ[key] = (signature, frames, manifest)
    frames = {name: frame.copy(deep=False) for name, frame in cached[1].items()}
    return frames, copy.deepcopy(cached[2])


def load_or_score(
    data_dir: str | Path,
    results_dir: str | Path | None = None,
    *,
    codebook: str | Path | None = None,
    min_respondents: int = DEFAULT_MIN_RESPONDENTS,
    cut: float = DEFAULT_TYPE_CUT,
    pseudonym_key: str | None = None,
) -> Results:
    """Results for a data folder: load them when fresh, else validate, score and store.

    Parameters
    ----------
    data_dir : path
        Folder with response files and ``organisations.csv``.
    results_dir : path, optional
        Cache folder. Fresh results there are loaded; otherwise the data are scored and
        the results written there. Without it nothing is written: the results are returned
        from memory, in the same shape as loaded ones (categoricals as plain values).
    codebook, min_respondents, cut :
        Passed to ingest and :func:`dimios_research.scoring.score`. Stored results are
        reused only when their manifest records the same parameters.
    pseudonym_key : str, optional
        Key for respondent pseudonyms (default ``$DIMIOS_PSEUDONYM_KEY`` or the built-in
        key with a warning; the bundled demo uses its own fixed key).

    Returns
    -------
    Results
    """
    data_dir = Path(data_dir)
    if pseudonym_key is None:
        pseudonym_key = pseudonym_key_for(data_dir)
    if results_dir is not None:
        try:
            results = load_results(results_dir, data_dir)
            params = results.manifest["parameters"]
            same = (
                params["min_respondents"] == min_respondents
                and params["cut"] == cut
                and (
                    codebook is None
                    or Path(codebook).resolve() == Path(results.codebook.source).resolve()
                )
            )
            if same:
                return results
        except StaleResultsError:
            pass
    data = read_survey_dir(data_dir, codebook, pseudonym_key=pseudonym_key)
    scores = score(data, min_respondents=min_respondents, cut=cut)
    tables, manifest = _tables(data, scores), _manifest(data, scores)
    if results_dir is not None:
        manifest = write_store(tables, manifest, results_dir)
    return _assemble(tables, manifest, data.codebook, results_dir)
