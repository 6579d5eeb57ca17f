"""Persisted results: Parquet tables plus a manifest that lets a loader refuse stale results.

``write_results`` stores scores and diagnostics once, so notebooks load instead of
recomputing. The manifest records the SHA-256 of every input file, the codebook id, version
and hash, the package version and the parameters; it holds no timestamp, so the same inputs
give the same bytes.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..conventions import DEFAULT_MAX_BYTES, DEFAULT_MIN_RESPONDENTS, DEFAULT_TYPE_CUT
from ..errors import StaleResultsError
from ..instrument.codebook import DEFAULT_CODEBOOK, Codebook, load_codebook
from ..io.datasets import pseudonym_key_for
from ..io.store import MANIFEST, read_store, write_store
from ..io.survey import SurveyData, read_survey_dir, require_kept_rows
from ..scoring import Scores, score
from ..stats.agreement import aggregation_table, icc_table
from ..stats.cfa import measurement_invariance
from ..stats.indices import item_distribution

__all__ = [
    "HIDDEN_ORGANISATION",
    "withhold_below_threshold",
    "StaleResultsError",
    "Results",
    "write_results",
    "load_results",
    "load_or_score",
    "results_from",
    "MANIFEST",
]

#: What a quarantined row of an organisation below the threshold shows as its organisation.
HIDDEN_ORGANISATION = "(below reporting threshold)"
#: Quarantine columns kept for such a row (the others are blanked).
QUARANTINE_KEPT_COLUMNS = ("source_file", "source_row", "reason", "reason_text", "year")

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

    Results are what reports see, in memory (:func:`results_from`) as on disk
    (:func:`write_results`): organisation-rounds below the reporting threshold appear only
    as counts (see :func:`withhold_below_threshold`).

    Attributes
    ----------
    scores : Scores
    aggregation : pandas.DataFrame
        rwg(j) and AD_M per organisation-round, dimension and category (see
        :func:`dimios_research.stats.agreement.aggregation_table`).
    icc : pandas.DataFrame
        ICC(1) and ICC(2) per round, level and unit.
    quarantine, cell_issues : pandas.DataFrame
        From validation (no personal data; rows of organisations below the threshold
        anonymised, see :func:`withhold_below_threshold`).
    answers : pandas.DataFrame
        Respondents wide (``year, organisation_id, respondent_id, role`` and raw item codes,
        not reverse-keyed; pseudonymised ids) of reportable organisation-rounds.
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
    """Every stored table with a fresh row index (dtypes kept: the store round-trips them).

    Only reportable organisation-rounds are kept, see :func:`withhold_below_threshold`.
    """
    cb = data.codebook
    visible = _reportable_keys(scores)
    respondents = _prune_categories(scores.respondents[_among(scores.respondents, visible)])
    answers = data.respondents[_among(data.respondents, visible)]
    long = data.long[_among(data.long, visible)]
    types, register = _types_and_register(scores)
    tables = {
        "respondent_scores": respondents,
        "organisation_scores": scores.organisations[scores.organisations["reportable"]],
        "types": types,
        "register": register,
        "aggregation": aggregation_table(
            answers,
            cb.items,
            scale_points=cb.scale_points,
            min_respondents=scores.parameters["min_respondents"],
        ),
        "icc": icc_table(respondents[respondents["level"] != "overall"]),
        "quarantine": _hidden_quarantine(data.quarantine, scores, visible),
        "cell_issues": _hidden_cell_issues(data, visible),
        "answers": answers.drop(columns=["source_file", "source_row"]),
        "item_distribution": item_distribution(dataclasses.replace(data, long=long)),
    }
    return {name: frame.reset_index(drop=True) for name, frame in tables.items()}


def withhold_below_threshold(data: SurveyData, scores: Scores) -> dict[str, pd.DataFrame]:
    """The tables of :class:`Results`, with nothing of an organisation below the threshold.

    What reports show never depends on an organisation-round below the reporting threshold
    except through counts, so results keep only what those counts need. For every
    organisation-round that is not reportable:

    * its organisation scores, respondent scores, answers and agreement rows are left out,
      and so it does not enter the ICC table or the item distributions (national indices,
      ICCs and reliability use reportable organisations only);
    * its ``types`` row keeps ``n_respondents`` and ``reportable = False`` (for coverage
      counts) under a token ``hidden-<year>-<k>`` instead of the id, with no scores and no
      maturity type; the register holds the token with the organisation's type, size
      class and county only (no name, employees, population or programme start); tokens
      are numbered within a round in the order of those attributes, so they cannot be
      traced to an id;
    * quarantined rows of it show :data:`HIDDEN_ORGANISATION` as the organisation, and no
      respondent id, role or answers; its cell issues show no respondent id.

    The register keeps organisations reportable in at least one round (with their names);
    every other organisation of the register (never at the threshold, or never answered)
    stays in it under an anonymous id ``hidden-frame-<k>`` with its type, size class and
    county only, so the population frame that weighting targets keeps its full size
    (column ``in_frame``; the per-round tokens above have ``in_frame = False``, see
    :meth:`~dimios_research.scoring.Scores.population_frame`). Nothing tells a participant
    below the threshold from an organisation that never answered. Unknown organisation ids in the
    quarantine (not in the register) are kept: they name no registered organisation.

    Returns
    -------
    dict of str to DataFrame
        The tables written by :func:`write_results` (the same as :attr:`Results` holds).
    """
    return _tables(data, scores)


def _reportable_keys(scores: Scores) -> pd.MultiIndex:
    types = scores.types[scores.types["reportable"].astype(bool)]
    return pd.MultiIndex.from_arrays(
        [types["year"].astype(int), types["organisation_id"].astype(str)]
    )


def _among(frame: pd.DataFrame, keys: pd.MultiIndex) -> np.ndarray:
    """Rows of ``frame`` whose (year, organisation_id) is among ``keys``."""
    rows = pd.MultiIndex.from_arrays(
        [frame["year"].astype(int), frame["organisation_id"].astype(str)]
    )
    return rows.isin(keys)


def _prune_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop unused categories of the id columns, so a dropped id is not kept as a category."""
    frame = frame.copy()
    for column in ("organisation_id", "respondent_id"):
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].cat.remove_unused_categories()
    return frame


def _types_and_register(scores: Scores) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``types`` with tokens for hidden organisation-rounds; the register to match."""
    types = scores.types.copy()
    hidden = ~types["reportable"].astype(bool)
    attributes = ["type", "size_class", "county"]
    register = scores.register.set_index("organisation_id", drop=False)
    rows = types[hidden].join(register[attributes], on="organisation_id")
    rows = rows.sort_values(["year", *attributes, "n_respondents"], kind="mergesort")
    number = rows.groupby("year").cumcount() + 1
    prefix = _token_prefix(set(register["organisation_id"].astype(str)))
    tokens = pd.Series(
        [f"{prefix}{year}-{k:03d}" for year, k in zip(rows["year"], number)],
        index=rows.index,
        dtype=str,
    )
    types.loc[rows.index, "organisation_id"] = tokens
    score_columns = [c for c in types.columns if c.endswith("_pct")]
    types.loc[hidden, score_columns] = np.nan
    types.loc[hidden, "maturity_type"] = np.nan
    shown = set(types.loc[~hidden, "organisation_id"].astype(str))
    kept = scores.register[scores.register["organisation_id"].astype(str).isin(shown)]
    token_rows = _anonymous(register.loc[rows["organisation_id"]], tokens.to_numpy())
    unseen = register[~register["organisation_id"].astype(str).isin(shown)]
    unseen = unseen.sort_values(attributes, kind="mergesort")
    frame_ids = [f"{prefix}frame-{k:03d}" for k in range(1, len(unseen) + 1)]
    parts = [
        kept.assign(in_frame=True),
        _anonymous(unseen, frame_ids).assign(in_frame=True),
        token_rows.assign(in_frame=False),
    ]
    columns = [*kept.columns, "in_frame"]
    return types, pd.concat([part[columns] for part in parts], ignore_index=True)


def _anonymous(rows: pd.DataFrame, ids: Any) -> pd.DataFrame:
    """Register rows under new ids, with type, size class and county only (no name)."""
    rows = rows.reset_index(drop=True)
    rows["organisation_id"] = ids
    rows["name"] = ""
    for column in ("employees", "population", "programme_start"):
        rows[column] = np.nan
    return rows


def _token_prefix(ids: set[str]) -> str:
    """``hidden-``, lengthened until no register id starts with it (a token never collides)."""
    prefix = "hidden-"
    while any(i.startswith(prefix) for i in ids):
        prefix = "_" + prefix
    return prefix


def _hidden_quarantine(
    quarantine: pd.DataFrame, scores: Scores, visible: pd.MultiIndex
) -> pd.DataFrame:
    """Quarantined rows, those of registered organisations not reportable in the round hidden."""
    quarantine = quarantine.copy()
    year = pd.to_numeric(quarantine["year"], errors="coerce").fillna(-1).astype(int)
    org = quarantine["organisation_id"].astype(str)
    shown = pd.MultiIndex.from_arrays([year, org]).isin(visible)
    registered = org.isin(set(scores.register["organisation_id"].astype(str)))
    hide = registered.to_numpy() & ~shown
    for column in quarantine.columns:
        if column not in QUARANTINE_KEPT_COLUMNS:
            quarantine[column] = quarantine[column].where(~hide, "")
    quarantine["organisation_id"] = quarantine["organisation_id"].where(~hide, HIDDEN_ORGANISATION)
    return quarantine


def _hidden_cell_issues(data: SurveyData, visible: pd.MultiIndex) -> pd.DataFrame:
    """Cell issues, with no respondent id for those of hidden organisation-rounds."""
    issues = data.cell_issues.copy()
    owner = data.respondents.set_index(["year", "respondent_id"])["organisation_id"]
    keys = pd.MultiIndex.from_arrays([issues["year"].astype(int), issues["respondent_id"]])
    org = owner.reindex(keys).astype(str).to_numpy()
    shown = pd.MultiIndex.from_arrays([issues["year"].astype(int), org]).isin(visible)
    issues["respondent_id"] = issues["respondent_id"].where(shown, "")
    return issues


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
    wide, pseudonymised, raw codes) and item_distribution. Nothing of an organisation-round
    below the reporting threshold is written (see :func:`withhold_below_threshold`), so the
    folder may be published with the reports.
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
    max_bytes: int = DEFAULT_MAX_BYTES,
    sheet: str | None = None,
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
    max_bytes, sheet :
        Passed to :func:`dimios_research.io.survey.read_survey` (largest input, worksheet);
        stored results are reused only when they were read from the same ``sheet``.

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
                and results.manifest.get("sheet") == sheet
            )
            if same:
                return results
        except StaleResultsError:
            pass
    data = read_survey_dir(
        data_dir, codebook, pseudonym_key=pseudonym_key, max_bytes=max_bytes, sheet=sheet
    )
    scores = score(require_kept_rows(data), min_respondents=min_respondents, cut=cut)
    tables, manifest = _tables(data, scores), _manifest(data, scores) | {"sheet": sheet}
    if results_dir is not None:
        manifest = write_store(tables, manifest, results_dir)
    return _assemble(tables, manifest, data.codebook, results_dir)
