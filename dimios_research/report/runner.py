"""Run the report notebooks: validate parameters, execute, render, move into place atomically.

The pipeline, in named steps (as papermill's own): **plan** (:func:`plan_report`: the
request checked against the registry, the notebook's ``parameters`` cell and the data,
before anything runs) → **execute** (papermill; the notebook builds its
:class:`~dimios_research.report.document.Document` and saves ``document.json``, figures and
tables) → **render** (:func:`dimios_research.report.html.write_html` from ``document.json``)
→ **move into place** (atomic) or **raise** (:class:`NotebookFailedError`, failed notebook
kept).

Output layout (``out`` is ``--out``, default ``reports``)::

    out/
      _cache/results/                     scores, computed once per run (manifest.json, Parquet)
      <year>/<lang>/status_report/
          status_report.html              self-contained, lean, printable (report/html.py)
          status_report.ipynb             the executed notebook
          document.json                   the report's blocks as data (report/document.py)
          figures/*.svg                   numbered figures (and *.png with --figure-formats)
          tables/*.csv                    one machine-readable CSV per table
          tables/status_report.xlsx       one workbook for people, data_dictionary.csv
      <follow_up>/<lang>/follow_up_<baseline>_<follow_up>/follow_up_<baseline>_<follow_up>.html …
      <year>/<lang>/organisations/<slug>/organisation_profile_<slug>.html …
      <year>/<lang>/instrument_validation/instrument_validation.html …
      _failed/<same relative path>.ipynb  the executed notebook of a failed run, with its error

Every report has a folder of its own, so one report can be replaced without touching
another.

Atomic replacement: a run executes into a fresh hidden folder next to its target
(``.<name>.<pid>-<random>.tmp``) and the notebook writes its figures and tables there. Only when
execution and export succeeded is the folder swapped in: the old folder is renamed aside
(``os.replace``), the new one renamed to the target (``os.replace``), then the old one is
deleted; if the second rename fails the old folder is renamed back. A failed run therefore
never changes earlier output: its temporary folder is deleted and the executed notebook,
which shows the failing cell and its error, is kept under ``out/_failed/``. The temporary
path is replaced by the final one in the ``.ipynb`` and ``.html``, so the recorded
``output_dir`` parameter (shown in the provenance section) is where the files end up.
Before a report runs, what an interrupted run left beside its target is cleaned up
(:func:`clean_leftovers`): ``.tmp`` folders of processes no longer running are deleted,
and an ``.old`` folder whose target is missing is renamed back.

Scoring happens once: :func:`score_once` fills ``out/_cache/results`` through
:func:`dimios_research.report.results.load_or_score`, and every notebook receives that folder as
``results_dir``, so twenty organisation profiles load the scores instead of re-scoring.
All paths handed to notebooks are absolute and the kernel runs with ``cwd`` set to the
notebook's folder, so relative defaults in a notebook resolve as they do in Jupyter.

Kernel: the notebooks are executed with the kernel named ``python3``. The kernelspec
installed by ipykernel into the virtual environment starts ``python``, which
jupyter_client replaces by ``sys.executable``: run from ``.venv/bin/dimios-research`` (or
``.venv/bin/papermill``) the kernel is the virtual environment's Python. In a batch
(:func:`run_jobs`) each worker process keeps one kernel and runs its reports there one
after the other: before every report the namespace is cleared (``%reset -f``), figures
are closed and the working folder restored, and the executed notebook's cells are
renumbered from 1, so a report is the same as from a fresh kernel while the kernel start
and the notebook's imports are paid once per worker. A kernel that died is replaced.

Where the time goes (issue 16): a report command that runs its reports in its own process
starts the kernel first (:func:`start_kernel_early`), which imports the library and reads
the stored results while the command checks the request and loads the scores; one that
runs them in worker processes starts the workers first (:func:`start_workers`), each
warming its kernel the same way while the command scores and plans; kernel
clients are ready without the idle waits of ``jupyter_client``
(:mod:`~dimios_research.report.kernels`); a kernel reads the results store once and keeps it
while its files are unchanged (:func:`~dimios_research.report.results.load_results`);
papermill writes the executed notebook once, not after every cell; the kernel runs with one
linear-algebra thread and shows the figures of the executed notebook by their files
(:data:`KERNEL_ENV`), so the notebook does not hold every figure a second time; and the
report command and its workers do not import ``rfc3987_syntax`` (:func:`skip_slow_iri_checker`).

The same notebooks run without this module, with the plain papermill command line. From
the repository root (papermill starts the kernel in the current folder, so ``data/demo``
resolves; figures and tables go to ``output_dir``)::

    papermill notebooks/status_report.ipynb out.ipynb -p data_dir data/demo -p lang en \\
        -p output_dir out
    jupyter nbconvert --to html --no-input out.ipynb

A plain run scores the data itself (``results_dir`` None); pass ``-p results_dir
reports/_cache/results`` to reuse the runner's cache.

Examples
--------
The command line (``dimios-research report --help``)::

    dimios-research report all --data data/demo --out reports
    dimios-research report status --data data/demo --year 2023 --lang en
    dimios-research report follow-up --data data/demo --baseline 2020 --follow-up 2023
    dimios-research report organisation --data data/demo --org K001 --org R01
    dimios-research report organisation --data data/demo --all --jobs 4
    dimios-research report validation --data data/demo -p year 2022
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_client import AsyncKernelManager
from traitlets import DottedObjectName, Type

from ..conventions import DEFAULT_MAX_BYTES, LANGUAGES, check_lang
from ..errors import NotebookFailedError, ReportParameterError
from ..resources import bundled_dir
from .kernels import PromptBlockingKernelClient, PromptKernelClient
from .parameters import check_report_parameters
from .registry import KINDS, REPORT_KINDS, report_kind

if TYPE_CHECKING:  # imported where used: a report command starts its kernel before them
    from .results import Results

__all__ = [
    "KINDS",
    "NOTEBOOKS",
    "LANGS",
    "MANAGED_PARAMETERS",
    "ReportParameterError",
    "NotebookFailedError",
    "ReportJob",
    "ReportOutcome",
    "default_notebook_dir",
    "notebook_path",
    "QuietKernelManager",
    "notebook_parameters",
    "check_parameters",
    "score_once",
    "reportable_organisations",
    "example_organisations",
    "plan_report",
    "run_job",
    "run_jobs",
    "shutdown_warm_kernel",
    "clean_leftovers",
    "skip_slow_iri_checker",
    "start_kernel_early",
    "start_workers",
]

#: Report kinds and their notebooks (derived from the registry).
NOTEBOOKS = {name: kind.notebook for name, kind in REPORT_KINDS.items()}
LANGS = LANGUAGES
#: Output formats a report is rendered to (the executed notebook is always kept).
FORMATS = ("html", "pdf")
DEFAULT_FORMATS = FORMATS
#: Parameters set by the runner itself; ``--param`` may not override them.
MANAGED_PARAMETERS = ("data_dir", "results_dir", "output_dir")
KERNEL_NAME = "python3"
CACHE_DIR = Path("_cache") / "results"
FAILED_DIR = "_failed"


@dataclass(frozen=True)
class ReportJob:
    """One notebook run, fully resolved and validated.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    notebook : Path
        Absolute path of the source notebook.
    parameters : dict
        Parameters injected into the notebook (absolute paths) except ``output_dir``, which
        the runner sets to the temporary folder.
    target : Path
        Final folder of the report.
    stem : str
        File name without suffix of the ``.html`` and ``.ipynb``.
    lang : str
        Language of the report.
    failed_dir : Path
        Folder for executed notebooks of failed runs (``<out>/_failed``).
    label : str
        Target relative to ``out`` (for messages and the ``_failed`` path).
    formats : tuple of str
        Rendered outputs: ``"html"`` and/or ``"pdf"`` (default both).
    """

    kind: str
    notebook: Path
    parameters: dict
    target: Path
    stem: str
    lang: str
    failed_dir: Path
    label: str
    formats: tuple[str, ...] = DEFAULT_FORMATS

    @property
    def html(self) -> Path:
        return self.target / f"{self.stem}.html"

    @property
    def main_file(self) -> Path:
        """The HTML, or the PDF when only a PDF is made."""
        return self.html if "html" in self.formats else self.target / f"{self.stem}.pdf"


@dataclass(frozen=True)
class ReportOutcome:
    """What a successful run wrote.

    Attributes
    ----------
    job : ReportJob
    files : tuple of Path
        Every file in the report folder, sorted.
    seconds : float
        Wall time of execution and export.
    """

    job: ReportJob
    files: tuple[Path, ...] = field(default_factory=tuple)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line: the main file, the other formats and counts of figures and tables."""
        figures = sum(1 for f in self.files if f.parent.name == "figures")
        tables = sum(1 for f in self.files if f.parent.name == "tables")
        others = [f".{f}" for f in self.job.formats if f != self.job.main_file.suffix[1:]]
        return (
            f"{self.job.main_file} (+ {', '.join([*others, '.ipynb'])}, {figures} figure "
            f"files, {tables} table files, {self.seconds:.1f} s)"
        )


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


def default_notebook_dir() -> Path:
    """The report notebooks shipped with the package (``notebooks/`` of a source tree)."""
    return bundled_dir("notebooks")


def notebook_path(kind: str, notebook_dir: str | Path | None = None) -> Path:
    """Absolute path of the notebook of report ``kind``; an error when it does not exist."""
    notebook = report_kind(kind).notebook
    folder = Path(notebook_dir) if notebook_dir is not None else default_notebook_dir()
    path = (folder / notebook).resolve()
    if not path.is_file():
        raise ReportParameterError(
            f"notebook {path} not found; pass the notebooks folder with --notebooks"
        )
    return path


def notebook_parameters(notebook: str | Path) -> dict[str, Any]:
    """Parameters declared in a notebook's ``parameters`` cell, name to default (as source).

    Uses :func:`papermill.inspect_notebook`; a notebook without a cell tagged
    ``parameters`` is an error, because papermill would then inject silently.
    """
    import papermill

    declared = papermill.inspect_notebook(str(notebook))
    if not declared:
        raise ReportParameterError(f"{notebook}: no cell tagged 'parameters'")
    return {name: info["default"] for name, info in declared.items()}


def check_parameters(notebook: str | Path, parameters: Mapping[str, Any]) -> None:
    """Refuse parameters the notebook does not declare (papermill would only warn)."""
    declared = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise ReportParameterError(
            f"unknown parameter {', '.join(map(repr, unknown))} for {Path(notebook).name}; "
            f"it accepts: {', '.join(sorted(declared))}"
        )


def score_once(
    data_dir: str | Path,
    out_dir: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    sheet: str | None = None,
) -> tuple[Results, Path]:
    """Score ``data_dir`` once into ``<out_dir>/_cache/results``; return results and folder.

    Stored results are reused when their manifest matches the input files and package
    version (see :func:`dimios_research.report.results.load_or_score`). The cache, like everything
    under ``out_dir``, holds nothing of an organisation below the reporting threshold
    (:func:`dimios_research.report.results.withhold_below_threshold`). For planning only,
    the returned results carry the full organisation register of ``data_dir``, so that an
    id that is registered but not reportable is told apart from an unknown one.
    """
    import dataclasses

    from ..io.organisations import read_organisations
    from ..io.survey import find_register
    from .results import load_or_score

    data = Path(data_dir)
    if not data.is_dir():
        raise ReportParameterError(f"--data {data}: no such folder")
    results_dir = (Path(out_dir) / CACHE_DIR).resolve()
    results = load_or_score(data.resolve(), results_dir, max_bytes=max_bytes, sheet=sheet)
    register = read_organisations(find_register(data), max_bytes=max_bytes)
    scores = dataclasses.replace(results.scores, register=register)
    return dataclasses.replace(results, scores=scores), results_dir


def _check_year(results: Results, year: Any, name: str) -> int:
    try:
        return results.scores.check_year(year, name)
    except ValueError as exc:
        raise ReportParameterError(str(exc)) from None


def _check_lang(lang: Any) -> str:
    try:
        return check_lang(lang)
    except ValueError as exc:
        raise ReportParameterError(str(exc)) from None


def reportable_organisations(results: Results, year: int) -> list[str]:
    """Ids of the organisations reportable in ``year`` (at least ``min_respondents``), sorted."""
    return results.scores.reportable_ids(year)


def example_organisations(results: Results, year: int | None = None, n: int = 3) -> list[str]:
    """The ``n`` largest reportable municipalities and regions of a round (by employees).

    Deterministic: ties are broken by the number of respondents and then by id. The
    default round is the latest.
    """
    scores = results.scores
    sel = scores.with_register(
        scores.reportable_types(_check_year(results, year, "year")), ("type", "employees")
    )
    sel = sel[sel["type"].isin(["kommun", "region"])]
    sel = sel.sort_values(
        ["employees", "n_respondents", "organisation_id"], ascending=[False, False, True]
    )
    return sel["organisation_id"].astype(str).head(n).tolist()


def plan_report(
    kind: str,
    results: Results,
    *,
    data_dir: str | Path,
    results_dir: str | Path,
    out_dir: str | Path,
    lang: str = "sv",
    year: int | None = None,
    baseline: int | None = None,
    follow_up: int | None = None,
    organisation_id: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    notebook_dir: str | Path | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
) -> ReportJob:
    """Resolve and validate one report request; nothing is executed.

    Parameters
    ----------
    kind : {"status", "follow-up", "organisation", "validation"}
    results : Results
        Scored data (from :func:`score_once`), used to check years and organisations.
    data_dir, results_dir, out_dir : path
        Raw data folder, results cache and output root; made absolute.
    lang : {"sv", "en"}
    year : int, optional
        Round of the status, organisation and validation reports (default: latest).
    baseline, follow_up : int, optional
        Rounds compared by the follow-up report (default: first and last).
    organisation_id : str, optional
        Organisation of a profile (required for ``kind="organisation"``).
    parameters : mapping, optional
        Further notebook parameters (``-p NAME VALUE``), e.g. ``{"n_boot": 2000}``; they
        must be declared in the notebook and may not be one of :data:`MANAGED_PARAMETERS`.
    notebook_dir : path, optional
        Folder with the notebooks (default :func:`default_notebook_dir`).

    Returns
    -------
    ReportJob

    Raises
    ------
    ReportParameterError
        Unknown report or parameter, a year without data, baseline not before follow-up,
        an unknown organisation or one that is not reportable in the round, a language
        other than sv/en. Raised before any execution.
    """
    spec = report_kind(kind)
    notebook = notebook_path(kind, notebook_dir)
    extra = dict(parameters or {})
    managed = sorted(set(extra) & set(MANAGED_PARAMETERS))
    if managed:
        raise ReportParameterError(
            f"parameter {', '.join(map(repr, managed))} is set by the runner; "
            "use --data/--out instead"
        )
    lang = _check_lang(extra.pop("lang", lang))
    given = {"year": year, "baseline": baseline, "follow_up": follow_up}
    given["organisation_id"] = organisation_id
    request = {name: extra.pop(name, given[name]) for name in given}
    stray = [name for name, value in request.items() if value is not None]
    stray = [name for name in stray if name not in spec.selectors]
    if stray:
        raise ReportParameterError(
            f"{', '.join('--' + name.replace('_', '-') for name in stray)} does not apply to "
            f"the {kind} report; it takes {', '.join(spec.selectors)}"
        )
    extra = check_report_parameters(extra)
    request.update(check_report_parameters({k: v for k, v in request.items() if v is not None}))
    params = spec.resolve(results.scores, request)
    params.update(
        data_dir=str(Path(data_dir).resolve()),
        results_dir=str(Path(results_dir).resolve()),
        lang=lang,
        **extra,
    )
    check_parameters(notebook, params | {"output_dir": ""})
    relative, stem = spec.layout(params, lang)
    out = Path(out_dir).resolve()
    return ReportJob(
        kind=kind,
        notebook=notebook,
        parameters=params,
        target=out / relative,
        stem=stem,
        lang=lang,
        failed_dir=out / FAILED_DIR,
        label=relative.as_posix(),
        formats=check_formats(formats),
    )


# --------------------------------------------------------------------------------------------
# Execution and export
# --------------------------------------------------------------------------------------------


def check_formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    """Output formats from ``"html,pdf"`` or a sequence; unknown ones are an error."""
    chosen = formats.split(",") if isinstance(formats, str) else list(formats)
    chosen = [f.strip().lower() for f in chosen if f.strip()]
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown or not chosen:
        raise ReportParameterError(
            f"--format must list {' and/or '.join(FORMATS)} (e.g. html,pdf), got "
            f"{','.join(chosen) or 'nothing'}"
        )
    return tuple(f for f in FORMATS if f in chosen)


def _render(job: ReportJob, folder: Path) -> list[Path]:
    """Render the saved document to every requested format; the text files to rewrite."""
    from .html import write_html

    written = []
    if "html" in job.formats:
        written.append(write_html(folder, folder / f"{job.stem}.html"))
    if "pdf" in job.formats:
        from .pdf import write_pdf

        write_pdf(folder, folder / f"{job.stem}.pdf")  # binary: holds no folder path
    return written


def _replace_text(paths: Iterable[Path], old: str, new: str) -> None:
    """Replace the temporary folder path by the final one in text outputs."""
    for path in paths:
        text = path.read_text(encoding="utf-8")
        if old in text:
            path.write_text(text.replace(old, new), encoding="utf-8")


def _swap_into_place(new: Path, target: Path) -> None:
    """Replace folder ``target`` by ``new`` with two renames (see the module docstring)."""
    old = None
    if target.exists():
        old = Path(
            tempfile.mkdtemp(
                prefix=f".{target.name}.{os.getpid()}-", suffix=".old", dir=target.parent
            )
        )
        old.rmdir()  # os.replace needs a free name; mkdtemp only reserved a unique one
        os.replace(target, old)
    try:
        os.replace(new, target)
    except OSError:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


#: Environment of report kernels, unless the environment sets these variables: one thread
#: for the linear-algebra libraries (a report multiplies small matrices, where threads only
#: add overhead, and a batch runs one kernel per core), and figures shown in the executed
#: notebook by their file (``figures/<name>.svg`` beside the notebook in the report folder)
#: rather than embedded a second time (see :class:`~dimios_research.report.document.Document`).
KERNEL_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "DIMIOS_NOTEBOOK_FIGURES": "link",
}


class QuietKernelManager(AsyncKernelManager):
    """Kernel manager whose kernel process does not write its own log lines to our stderr.

    Cell output (including warnings and errors) still reaches the notebook; only the kernel
    application's start-up chatter ("Kernel is running over TCP without encryption") is
    silenced, so the command line prints one line per problem. The kernel runs with
    :data:`KERNEL_ENV` unless the environment sets those variables, and its clients are
    :class:`~dimios_research.report.kernels.PromptKernelClient` (ready without idle waits).
    """

    client_class = DottedObjectName("dimios_research.report.kernels.PromptKernelClient")
    client_factory = Type(klass=PromptKernelClient)
    blocking_class = Type(klass=object, default_value=PromptBlockingKernelClient)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._open_clients: list[Any] = []  # see stop_clients

    async def start_kernel(self, **kw: Any) -> None:
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        kw.setdefault("env", KERNEL_ENV | dict(os.environ))
        await super().start_kernel(**kw)

    def client(self, **kwargs: Any) -> Any:
        """A client of the kernel, remembered so that :meth:`stop_clients` can close it."""
        client = super().client(**kwargs)
        self._open_clients.append(client)
        return client

    def stop_clients(self) -> None:
        """Stop the channels of every client made so far (each holds a ZeroMQ context).

        nbclient stops its client only when it owns the kernel manager; with a kernel kept
        across reports it does not, and every report would leave a context with its
        threads and file descriptors behind (about ten per report, until the process ran
        out of them).
        """
        clients, self._open_clients = self._open_clients, []
        for client in clients:
            client.stop_channels()


#: One kernel per process, reused across reports when ``reuse_kernel`` is set.
_WARM: dict[str, QuietKernelManager] = {}
#: Run before each report in a reused kernel. ``%reset -f`` ends with a full garbage
#: collection; freezing what survives it (modules, caches: ``gc.freeze``) keeps the next
#: reset's collection to the objects of one report instead of the whole library.
_RESET_CODE = """\
get_ipython().run_line_magic("reset", "-f")
import gc as _gc, os as _os, sys as _sys
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
_os.chdir({cwd!r})
_gc.freeze()
del _gc, _os, _sys
"""


def shutdown_warm_kernel() -> None:
    """Shut down this process's reusable kernel, if one is running."""
    from jupyter_core.utils import run_sync

    _stop_warm_up()
    km = _WARM.pop("km", None)
    if km is not None:
        km.stop_clients()
    if km is not None and km.has_kernel:
        run_sync(km.shutdown_kernel)(now=True)


def _reset(km: QuietKernelManager, cwd: Path) -> bool:
    """Clear the user namespace, close figures, restore the folder; False on failure."""
    client = km.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(
            _RESET_CODE.format(cwd=str(cwd)), timeout=60, output_hook=lambda msg: None
        )
        return reply["content"]["status"] == "ok"
    except (RuntimeError, TimeoutError):
        return False
    finally:
        client.stop_channels()


def _warm_kernel(cwd: Path) -> QuietKernelManager:
    """This process's kernel, reset for the next report (started on first use)."""
    from jupyter_core.utils import run_sync

    km = _WARM.get("km")
    alive = km is not None and run_sync(km.is_alive)()
    if alive and _reset(km, cwd):
        _stop_warm_up()
        return km
    shutdown_warm_kernel()
    return _start_kernel(cwd)


def _start_kernel(cwd: Path) -> QuietKernelManager:
    """Start this process's reusable kernel in ``cwd``."""
    from multiprocessing.util import Finalize

    from jupyter_core.utils import run_sync

    km = QuietKernelManager(kernel_name=KERNEL_NAME)
    run_sync(km.start_kernel)(cwd=str(cwd))
    if not _WARM.get("finalizer"):
        # worker processes leave through os._exit, which skips atexit but runs these
        Finalize(None, shutdown_warm_kernel, exitpriority=10)
        _WARM["finalizer"] = True  # type: ignore[assignment]
    _WARM["km"] = km
    return km


#: Modules every report kernel imports ahead of its report (besides the report's own).
WARM_UP_MODULES = (
    "dimios_research.report.figures",
    "dimios_research.report.html",
    "dimios_research.report.results",
    "dimios_research.stats.compare",
    "openpyxl",
    "pyarrow.parquet",
)


def start_kernel_early(
    kinds: Iterable[str],
    notebook_dir: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
) -> None:
    """Start this process's report kernel now and have it import the reports' modules.

    For a command that runs its reports in this process: the kernel starts and imports the
    library (:attr:`ReportKind.module <dimios_research.report.registry.ReportKind>`, the
    figures and the results store) while the command checks the request and loads the
    scores, on another core; the first report then finds its kernel ready
    (:func:`run_job` with ``reuse_kernel``). With ``data_dir`` and ``out_dir`` the kernel
    also reads the stored results under ``out_dir`` if they are fresh (never scoring). The
    request is sent without waiting for it (see :mod:`dimios_research.report.kernels`);
    names it binds are cleared before the report like every reused kernel's. Does nothing
    when the kernel is running.
    """
    from .kernels import warm_up_code

    if _WARM.get("km") is not None:
        return
    folder = Path(notebook_dir) if notebook_dir is not None else default_notebook_dir()
    km = _start_kernel(folder.resolve())
    modules = (*dict.fromkeys(report_kind(kind).module for kind in kinds), *WARM_UP_MODULES)
    store = None
    if data_dir is not None and out_dir is not None:
        store = (str((Path(out_dir) / CACHE_DIR).resolve()), str(Path(data_dir).resolve()))
    client = km.blocking_client()
    # the shell channel only: nothing waits for the reply, and the heartbeat's thread, if
    # the command fails and stops this client at once, would print a traceback as it dies
    client.start_channels(iopub=False, stdin=False, hb=False, control=False)
    client.execute(warm_up_code(modules, store), silent=True, store_history=False)
    _WARM["warm_up"] = client  # type: ignore[assignment]  # its sockets must stay open


def start_workers(
    n_jobs: int,
    kinds: Iterable[str],
    notebook_dir: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
) -> ProcessPoolExecutor:
    """Worker processes for a batch of reports, started now, each with its kernel warming up.

    For a command that runs its reports in worker processes (:func:`run_jobs` with
    ``workers``): each worker starts its kernel and has it import the reports' modules
    (:func:`start_kernel_early`, with the same ``data_dir`` and ``out_dir``) while this
    process scores the data and plans the reports, which keep one core busy for seconds
    (scoring the demo from its files: 2.6 s) while the other would wait. Shut the workers
    down (``shutdown``, or a ``with`` block) if no report is run after all.
    """
    if n_jobs < 1:
        raise ReportParameterError(f"jobs must be at least 1, got {n_jobs}")
    pool = ProcessPoolExecutor(
        n_jobs, mp_context=get_context("spawn"), initializer=_start_worker,
        initargs=(tuple(kinds), notebook_dir, data_dir, out_dir),
    )  # fmt: skip
    for _ in range(n_jobs):  # the pool starts a worker per task waiting, not before
        pool.submit(int)
    return pool


def _start_worker(
    kinds: tuple[str, ...],
    notebook_dir: str | Path | None,
    data_dir: str | Path | None,
    out_dir: str | Path | None,
) -> None:
    skip_slow_iri_checker()
    start_kernel_early(kinds, notebook_dir, data_dir=data_dir, out_dir=out_dir)


def _stop_warm_up() -> None:
    client = _WARM.pop("warm_up", None)
    if client is not None:
        client.stop_channels()


def skip_slow_iri_checker() -> None:
    """Keep ``jsonschema`` from importing ``rfc3987_syntax`` in this process.

    ``nbformat`` (hence papermill) imports ``jsonschema``, whose format checkers import
    ``rfc3987_syntax`` when it is installed (``jsonschema[format-nongpl]``, which Jupyter
    pulls in); that module compiles some 35 Earley grammars at import, 1-2 s per process
    (python-jsonschema/jsonschema#1428). Notebook validation checks no ``iri`` format, so the
    report command and its worker processes, which import papermill, mark the module as
    absent before ``jsonschema`` is first imported: only the ``iri`` and ``iri-reference``
    format checks, which nothing here uses, are then unavailable in these processes.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


_VOLATILE_PAPERMILL_KEYS = ("start_time", "end_time", "duration")


def _normalise_executed(path: Path, nb: Any = None) -> int | None:
    """Make an executed notebook the same bytes on every run of the same inputs.

    Code cells are numbered 1, 2, … as in a fresh kernel; the clock times and durations
    that papermill and the kernel record per cell and per notebook are dropped (the CLI
    reports the run time); papermill's injected parameters cell, which gets a random id,
    gets the fixed id ``injected-parameters``. Returns the new number of the cell with an
    error output, if any (papermill inserts a banner cell on failure, so the error's
    ``cell_index`` does not point into the file). ``nb``, the executed notebook as papermill
    returned it, saves reading the file again.
    """
    import nbformat

    if nb is None:
        nb = nbformat.read(str(path), as_version=4)
    for key in _VOLATILE_PAPERMILL_KEYS:
        nb.metadata.get("papermill", {}).pop(key, None)
    count, failed = 0, None
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for key in _VOLATILE_PAPERMILL_KEYS:
            cell.metadata.get("papermill", {}).pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"
        if cell.cell_type == "code" and cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
            for output in cell.outputs:
                if "execution_count" in output:
                    output["execution_count"] = count
                if output.get("output_type") == "error" and failed is None:
                    failed = count
    nbformat.write(nb, str(path))
    return failed


_LEFTOVER = re.compile(r"(?:(?P<pid>\d+)-)?[A-Za-z0-9_]+\.(?P<kind>tmp|old)")


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(targets: Iterable[Path]) -> list[Path]:
    """Remove what an interrupted run left next to report folders; return what was removed.

    A run works in ``.<name>.<pid>-<random>.tmp`` next to its target ``<name>`` and, while
    swapping, renames the previous output to ``.<name>.<pid>-<random>.old`` (see the module
    docstring). A run killed half-way leaves these behind. For each target:

    * a ``.tmp`` folder is deleted, unless the process that made it is still running (a
      concurrent run);
    * an ``.old`` folder is the previous output: when the target is missing (the run died
      between the two renames) it is renamed back to the target, else deleted.

    Folders of the old naming scheme (no process id) count as left over.
    """
    removed = []
    for target in targets:
        parent = Path(target).parent
        if not parent.is_dir():
            continue
        prefix = f".{Path(target).name}."
        for path in sorted(parent.iterdir()):
            match = path.name.startswith(prefix) and _LEFTOVER.fullmatch(path.name[len(prefix) :])
            if not match or not path.is_dir():
                continue
            if match["pid"] and _process_alive(int(match["pid"])):
                continue
            if match["kind"] == "old" and not Path(target).exists():
                os.replace(path, target)
                continue
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def run_job(job: ReportJob, *, reuse_kernel: bool = False) -> ReportOutcome:
    """Execute one report, export it and move it into place; see the module docstring.

    Parameters
    ----------
    job : ReportJob
    reuse_kernel : bool, default False
        Run in this process's kernel, kept between reports (its namespace reset with
        ``%reset -f``, figures closed, working folder restored), instead of a fresh kernel.
        Saves the kernel start and the notebook's imports on every report after the first;
        execution counts are renumbered so the executed notebook is the same as from a
        fresh kernel.

    Raises
    ------
    NotebookFailedError
        The notebook raised; the executed notebook is kept under ``job.failed_dir`` and
        the earlier report (if any) is unchanged.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from .document import DOCUMENT_FILE

    started = time.perf_counter()
    job.target.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers([job.target])
    tmp = Path(
        tempfile.mkdtemp(
            prefix=f".{job.target.name}.{os.getpid()}-", suffix=".tmp", dir=job.target.parent
        )
    )
    tmp.chmod(0o755)  # mkdtemp makes it private; the report folder is an ordinary folder
    executed = tmp / f"{job.stem}.ipynb"
    kernel = {"km": _warm_kernel(job.notebook.parent)} if reuse_kernel else {}
    try:
        try:
            nb = papermill.execute_notebook(
                str(job.notebook),
                str(executed),
                parameters=job.parameters | {"output_dir": str(tmp)},
                kernel_name=KERNEL_NAME,
                cwd=str(job.notebook.parent),
                progress_bar=False,
                log_output=False,
                kernel_manager_class=QuietKernelManager,
                request_save_on_cell_execute=False,  # written once, at the end (or on error)
                **kernel,
            )
        except PapermillExecutionError as exc:
            failed = job.failed_dir / f"{job.label}.ipynb"
            failed.parent.mkdir(parents=True, exist_ok=True)
            cell = exc.exec_count
            if executed.is_file():
                cell = _normalise_executed(executed) or cell
                _replace_text([executed], str(tmp), str(job.target))
                os.replace(executed, failed)
            raise NotebookFailedError(
                job.notebook.name, exc.cell_index, cell, exc.ename, exc.evalue, failed
            ) from None
        except Exception as exc:  # kernel died, timed out, notebook unreadable, ...
            if reuse_kernel:  # a dead or hung kernel is not reused
                shutdown_warm_kernel()
            failed = job.failed_dir / f"{job.label}.ipynb"
            if executed.is_file():
                failed.parent.mkdir(parents=True, exist_ok=True)
                os.replace(executed, failed)
            raise NotebookFailedError(
                job.notebook.name, None, None, type(exc).__name__, str(exc), failed
            ) from exc
        _normalise_executed(executed, nb)
        if not (tmp / DOCUMENT_FILE).is_file():
            raise NotebookFailedError(
                job.notebook.name, None, None, "MissingDocument",
                f"the notebook did not save its document ({DOCUMENT_FILE}); end it with "
                "doc.save()", job.failed_dir / f"{job.label}.ipynb",
            )  # fmt: skip
        rendered = _render(job, tmp)
        _replace_text([executed, *rendered], str(tmp), str(job.target))
        _swap_into_place(tmp, job.target)
    finally:
        if reuse_kernel:
            kernel["km"].stop_clients()
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    files = tuple(sorted(p for p in job.target.rglob("*") if p.is_file()))
    return ReportOutcome(job=job, files=files, seconds=time.perf_counter() - started)


def run_jobs(
    jobs: Sequence[ReportJob],
    *,
    n_jobs: int = 1,
    progress: bool = True,
    on_done: Callable[[ReportOutcome | NotebookFailedError], None] | None = None,
    reuse_kernel: bool = True,
    workers: ProcessPoolExecutor | None = None,
) -> list[ReportOutcome | NotebookFailedError]:
    """Run several reports, in parallel worker processes when ``n_jobs > 1``.

    A failing report does not stop the others. Returns, in the order of ``jobs``, a
    :class:`ReportOutcome` or the :class:`NotebookFailedError` of each (worker processes get
    the first report of each kind first, see :func:`_submission_order`). A progress bar
    (tqdm) is written to stderr when ``progress`` is true. Workers are started with
    ``spawn``, so the parent's ZeroMQ state is never inherited through ``fork``. With
    ``reuse_kernel`` (default) each worker keeps one kernel for its reports (see
    :func:`run_job`); the kernels are shut down when the workers exit. ``workers``, from
    :func:`start_workers`, runs the reports in those processes (whatever ``n_jobs``) and
    shuts them down at the end.
    """
    from tqdm import tqdm

    if n_jobs < 1:
        raise ReportParameterError(f"jobs must be at least 1, got {n_jobs}")
    outcomes: list[ReportOutcome | NotebookFailedError | None] = [None] * len(jobs)
    bar = tqdm(total=len(jobs), desc="reports", unit="report", disable=not progress, leave=False)

    def record(i: int, outcome: ReportOutcome | NotebookFailedError) -> None:
        outcomes[i] = outcome
        bar.update(1)
        if on_done is not None:
            on_done(outcome)

    try:
        if workers is None and (n_jobs == 1 or len(jobs) == 1):
            try:
                for i, job in enumerate(jobs):
                    try:
                        record(i, run_job(job, reuse_kernel=reuse_kernel))
                    except NotebookFailedError as exc:
                        record(i, exc)
            finally:
                if reuse_kernel:
                    shutdown_warm_kernel()
        else:
            pool = workers if workers is not None else ProcessPoolExecutor(
                min(n_jobs, len(jobs)), mp_context=get_context("spawn"),
                initializer=skip_slow_iri_checker,
            )  # fmt: skip
            with pool:
                futures = {
                    pool.submit(run_job, jobs[i], reuse_kernel=reuse_kernel): i
                    for i in _submission_order(jobs)
                }
                for future in as_completed(futures):
                    try:
                        record(futures[future], future.result())
                    except NotebookFailedError as exc:
                        record(futures[future], exc)
    finally:
        bar.close()
    return outcomes  # type: ignore[return-value]


def _submission_order(jobs: Sequence[ReportJob]) -> list[int]:
    """The first report of each kind first, then the others, each group in planning order.

    Reports of one kind share work through the results store (the status and validation
    reports' invariance test is computed once, under a lock): started side by side, the
    second would wait for the first; started after reports of other kinds, it finds the
    work done.
    """
    first: dict[str, int] = {}
    for i, job in enumerate(jobs):
        first.setdefault(job.kind, i)
    leading = sorted(first.values())
    return leading + [i for i in range(len(jobs)) if i not in first.values()]


# --------------------------------------------------------------------------------------------
# Planning several reports, and the Python face of `dimios-research report`
# --------------------------------------------------------------------------------------------
def organisation_targets(
    results: Results,
    organisations: Sequence[str] | str | None,
    year: int | None = None,
    *,
    default: Sequence[str] | None = None,
) -> list[str]:
    """Organisation ids a profile run covers: given ids, ``"all"`` reportable ones, a default.

    Ids may be given as one comma-separated string or a list of them.
    """
    if organisations == "all":
        return reportable_organisations(results, _check_year(results, year, "year"))
    values = [organisations] if isinstance(organisations, str) else list(organisations or ())
    ids = [o.strip() for value in values for o in str(value).split(",") if o.strip()]
    if ids:
        return list(dict.fromkeys(ids))
    if default is None:
        raise ReportParameterError("an organisation profile needs --org ID or --all")
    return list(default)


def plan_reports(
    kind: str,
    results: Results,
    *,
    data_dir: str | Path,
    results_dir: str | Path,
    out_dir: str | Path,
    langs: Sequence[str] = ("sv",),
    organisations: Sequence[str] | str | None = None,
    parameters: Mapping[str, Mapping[str, Any]] | None = None,
    notebook_dir: str | Path | None = None,
    formats: Sequence[str] = DEFAULT_FORMATS,
    **selectors: Any,
) -> list[ReportJob]:
    """Plan every report of a request: one per language (and organisation for profiles).

    ``kind="all"`` plans the status report in every language and, in the first language,
    the follow-up report, the validation report, the DIOS report (when the data folder holds
    inventories) and profiles of ``organisations`` (default the three largest reportable
    municipalities and regions). ``parameters`` maps a kind to
    its extra notebook parameters. ``selectors`` are ``year``, ``baseline``, ``follow_up``.
    """
    langs = tuple(langs) or ("sv",)
    extra = parameters or {}

    def plan(name: str, lang: str, **chosen: Any) -> ReportJob:
        spec = report_kind(name)
        picked = {k: v for k, v in (selectors | chosen).items() if k in spec.selectors}
        return plan_report(
            name, results, data_dir=data_dir, results_dir=results_dir, out_dir=out_dir,
            lang=lang, parameters=dict(extra.get(name, {})), notebook_dir=notebook_dir,
            formats=formats, **picked,
        )  # fmt: skip

    year = selectors.get("year")
    if kind == "organisation":
        ids = organisation_targets(results, organisations, year)
        return [plan(kind, lang, organisation_id=org) for lang in langs for org in ids]
    if kind != "all":
        return [plan(kind, lang) for lang in langs]
    examples = example_organisations(results, year, n=3)
    ids = organisation_targets(results, organisations, year, default=examples)
    jobs = [plan("status", lang) for lang in langs]
    others = [n for n in KINDS if n not in ("status", "organisation")]
    jobs += [plan(name, langs[0]) for name in others if report_kind(name).available(Path(data_dir))]
    return jobs + [plan("organisation", langs[0], organisation_id=org) for org in ids]


def run_report(
    kind: str = "status",
    *,
    data_dir: str | Path | None = None,
    out_dir: str | Path = "reports",
    lang: str | Sequence[str] = "sv",
    year: int | None = None,
    baseline: int | None = None,
    follow_up: int | None = None,
    organisations: Sequence[str] | str | None = None,
    parameters: Mapping[str, Any] | None = None,
    jobs: int = 1,
    notebook_dir: str | Path | None = None,
    progress: bool = False,
    formats: str | Sequence[str] = DEFAULT_FORMATS,
) -> list[ReportOutcome]:
    """Build reports from Python, as ``dimios-research report <kind>`` does.

    Parameters
    ----------
    kind : {"status", "follow-up", "organisation", "validation", "all"}
    data_dir : path, optional
        Folder with response files and the register; default the bundled demo data.
    out_dir : path, default "reports"
        Output root; nothing is written outside it.
    lang : str or sequence of str, default "sv"
        Language(s): ``"sv"``, ``"en"`` or both.
    year, baseline, follow_up : int, optional
        Rounds (default the latest; the follow-up report compares first and last).
    organisations : str or sequence of str, optional
        Organisation ids for profiles, or ``"all"`` reportable organisations of the round.
    parameters : mapping, optional
        Further notebook parameters, e.g. ``{"n_boot": 2000}`` (for ``kind="all"``, given to
        every notebook that declares them).
    jobs : int, default 1
        Parallel worker processes.
    formats : str or sequence of str, default ("html", "pdf")
        Rendered outputs, e.g. ``"html,pdf"`` or ``["pdf"]``.

    Returns
    -------
    list of ReportOutcome
        What each report wrote, in planning order.

    Raises
    ------
    ReportParameterError
        Invalid request, before anything runs.
    NotebookFailedError
        The first report that failed, after the others ran; earlier output is untouched.
    """
    from ..io.datasets import dataset_path

    langs = (lang,) if isinstance(lang, str) else tuple(lang)
    for value in langs:
        _check_lang(value)
    data = Path(data_dir) if data_dir is not None else dataset_path("demo")
    kinds = list(KINDS) if kind == "all" else [report_kind(kind).name]
    per_kind = split_parameters(parameters or {}, kinds, notebook_dir)
    results, results_dir = score_once(data, out_dir)
    planned = plan_reports(
        kind, results, data_dir=data, results_dir=results_dir, out_dir=out_dir, langs=langs,
        organisations=organisations, parameters=per_kind, notebook_dir=notebook_dir,
        formats=check_formats(formats), year=year, baseline=baseline, follow_up=follow_up,
    )  # fmt: skip
    outcomes = run_jobs(planned, n_jobs=jobs, progress=progress)
    failed = [o for o in outcomes if isinstance(o, NotebookFailedError)]
    if failed:
        raise failed[0]
    return outcomes  # type: ignore[return-value]


def split_parameters(
    parameters: Mapping[str, Any], kinds: Sequence[str], notebook_dir: str | Path | None
) -> dict[str, dict[str, Any]]:
    """Check extra notebook parameters before scoring; return them per report kind.

    For one report every name must be a parameter of its notebook; for several a name goes
    to the notebooks that declare it and must be declared by at least one.
    """
    parameters = check_report_parameters(parameters)  # ranges, before anything is scored
    per_kind: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        path = notebook_path(kind, notebook_dir)
        if len(kinds) == 1:
            check_parameters(path, parameters)
            per_kind[kind] = dict(parameters)
        else:
            declared = notebook_parameters(path)
            per_kind[kind] = {k: v for k, v in parameters.items() if k in declared}
    unused = sorted(set(parameters) - {k for chosen in per_kind.values() for k in chosen})
    if unused:
        raise ReportParameterError(
            f"unknown parameter {', '.join(map(repr, unused))}: no report notebook declares it"
        )
    return per_kind


def copy_notebooks(target: str | Path, *, overwrite: bool = False) -> list[Path]:
    """Copy the shipped notebooks into ``target`` for editing (e.g. in JupyterLab).

    The copies point at the bundled demo data through their ``data_dir`` parameter, so
    they run as they are. An existing notebook in ``target`` is kept unless ``overwrite``.

    Returns
    -------
    list of Path
        The notebooks written, sorted.
    """
    from ..io.datasets import dataset_path

    folder = Path(target)
    sources = sorted(default_notebook_dir().glob("*.ipynb"))
    existing = [folder / s.name for s in sources if (folder / s.name).exists()]
    if existing and not overwrite:
        raise ReportParameterError(
            f"{existing[0]} exists; choose another folder or pass --force to overwrite"
        )
    folder.mkdir(parents=True, exist_ok=True)
    import nbformat

    demo = str(dataset_path("demo"))
    written = []
    for source in sources:
        nb = nbformat.read(str(source), as_version=4)
        for cell in nb.cells:
            if "parameters" in cell.metadata.get("tags", []):
                # The shipped default is relative to the repository's notebooks/ folder.
                cell.source = cell.source.replace('"../data/demo"', repr(demo))
        path = folder / source.name
        nbformat.write(nb, str(path))
        written.append(path)
    return written
