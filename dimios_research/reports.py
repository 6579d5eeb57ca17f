"""Run the report notebooks: validate parameters, execute, export, move into place atomically.

The report notebooks in ``notebooks/`` are parameterised (papermill). This module turns a
request such as "status report for 2023 in English" into a :class:`ReportJob`, checks the
parameters against the notebook's ``parameters`` cell and the data *before* anything is
executed, runs the notebook, exports it and moves the result into place only on success.

Output layout (``out`` is ``--out``, default ``reports``)::

    out/
      _cache/results/                     scores, computed once per run (manifest.json, Parquet)
      <year>/<lang>/status_report/
          status_report.html              self-contained: no code, embedded images, contents
          status_report.ipynb             the executed notebook
          figures/*.png, *.svg            written by the notebook (dimios_research.exports)
          tables/*.csv, *.xlsx
      <follow_up>/<lang>/follow_up_<baseline>_<follow_up>/follow_up_<baseline>_<follow_up>.html …
      <year>/<lang>/organisations/<organisation_id>/organisation_profile_<organisation_id>.html …
      <year>/<lang>/instrument_validation/instrument_validation.html …
      _failed/<same relative path>.ipynb  the executed notebook of a failed run, with its error

Every report has a folder of its own, so one report can be replaced without touching
another.

Atomic replacement: a run executes into a fresh hidden folder next to its target
(``.<name>.<random>.tmp``) and the notebook writes its figures and tables there. Only when
execution and export succeeded is the folder swapped in: the old folder is renamed aside
(``os.replace``), the new one renamed to the target (``os.replace``), then the old one is
deleted; if the second rename fails the old folder is renamed back. A failed run therefore
never changes earlier output: its temporary folder is deleted and the executed notebook,
which shows the failing cell and its error, is kept under ``out/_failed/``. The temporary
path is replaced by the final one in the ``.ipynb`` and ``.html``, so the recorded
``output_dir`` parameter (shown in the provenance section) is where the files end up.

Scoring happens once: :func:`score_once` fills ``out/_cache/results`` through
:func:`dimios_research.results.load_or_score`, and every notebook receives that folder as
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

import html as html_lib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager

from .results import Results, load_or_score

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
    "export_html",
    "add_table_of_contents",
]

#: Report kinds and their notebooks.
NOTEBOOKS = {
    "status": "status_report.ipynb",
    "follow-up": "follow_up_report.ipynb",
    "organisation": "organisation_profile.ipynb",
    "validation": "instrument_validation.ipynb",
}
KINDS = tuple(NOTEBOOKS)
LANGS = ("sv", "en")
#: Parameters set by the runner itself; ``--param`` may not override them.
MANAGED_PARAMETERS = ("data_dir", "results_dir", "output_dir")
KERNEL_NAME = "python3"
CACHE_DIR = Path("_cache") / "results"
FAILED_DIR = "_failed"
_TOC_LABEL = {"sv": "Innehåll", "en": "Contents"}


class ReportParameterError(ValueError):
    """A report request is invalid (unknown parameter, year, organisation, language)."""


class NotebookFailedError(RuntimeError):
    """A notebook raised during execution; earlier output was left untouched.

    Attributes
    ----------
    notebook : str
        File name of the notebook.
    cell_index : int or None
        0-based position of the failing cell in the executed notebook (which has one more
        cell than the source: papermill's injected parameters cell).
    exec_count : int or None
        Execution count of the failing cell (the ``In [n]`` number).
    ename, evalue : str
        Error type and message raised in the notebook.
    failed_notebook : Path
        The executed notebook, kept under ``<out>/_failed/``.
    """

    def __init__(
        self,
        notebook: str,
        cell_index: int | None,
        exec_count: int | None,
        ename: str,
        evalue: str,
        failed_notebook: Path,
    ) -> None:
        self.notebook = notebook
        self.cell_index = cell_index
        self.exec_count = exec_count
        self.ename = ename
        self.evalue = evalue
        self.failed_notebook = failed_notebook
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """``<notebook>: cell <n> failed: <ename>: <evalue> (executed notebook kept at …)``."""
        where = f"cell {self.exec_count} failed" if self.exec_count is not None else "failed"
        first = self.evalue.strip().splitlines()[0] if self.evalue.strip() else ""
        kept = (
            f" (executed notebook kept at {self.failed_notebook})"
            if Path(self.failed_notebook).is_file()
            else ""
        )
        return f"{self.notebook}: {where}: {self.ename}: {first}{kept}"

    def __reduce__(self):  # picklable across worker processes
        return (
            type(self),
            (
                self.notebook,
                self.cell_index,
                self.exec_count,
                self.ename,
                self.evalue,
                self.failed_notebook,
            ),
        )


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
    """

    kind: str
    notebook: Path
    parameters: dict
    target: Path
    stem: str
    lang: str
    failed_dir: Path
    label: str

    @property
    def html(self) -> Path:
        return self.target / f"{self.stem}.html"


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
        """One line: the HTML path and counts of figures and tables."""
        figures = sum(1 for f in self.files if f.parent.name == "figures")
        tables = sum(1 for f in self.files if f.parent.name == "tables")
        return (
            f"{self.job.html} (+ .ipynb, {figures} figure files, {tables} table files, "
            f"{self.seconds:.1f} s)"
        )


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


def default_notebook_dir() -> Path:
    """``notebooks/`` of the source tree (the package is installed editable, ``pip -e .``)."""
    return Path(__file__).resolve().parents[1] / "notebooks"


def notebook_path(kind: str, notebook_dir: str | Path | None = None) -> Path:
    """Absolute path of the notebook of report ``kind``; an error when it does not exist."""
    if kind not in NOTEBOOKS:
        raise ReportParameterError(f"unknown report {kind!r}; choose one of {', '.join(KINDS)}")
    folder = Path(notebook_dir) if notebook_dir is not None else default_notebook_dir()
    path = (folder / NOTEBOOKS[kind]).resolve()
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


def score_once(data_dir: str | Path, out_dir: str | Path) -> tuple[Results, Path]:
    """Score ``data_dir`` once into ``<out_dir>/_cache/results``; return results and folder.

    Stored results are reused when their manifest matches the input files and package
    version (see :func:`dimios_research.results.load_or_score`).
    """
    data = Path(data_dir)
    if not data.is_dir():
        raise ReportParameterError(f"--data {data}: no such folder")
    results_dir = (Path(out_dir) / CACHE_DIR).resolve()
    return load_or_score(data.resolve(), results_dir), results_dir


def _check_year(results: Results, year: Any, name: str) -> int:
    years = results.scores.years
    if year is None:
        return int(years[-1])
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise ReportParameterError(f"{name} must be a year, got {year!r}") from None
    if value not in years:
        raise ReportParameterError(
            f"{name} {value} has no data; rounds in the data: {', '.join(map(str, years))}"
        )
    return value


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ReportParameterError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def reportable_organisations(results: Results, year: int) -> list[str]:
    """Ids of the organisations reportable in ``year`` (at least ``min_respondents``), sorted."""
    types = results.scores.types
    sel = types[(types["year"] == year) & types["reportable"].astype(bool)]
    return sorted(sel["organisation_id"].astype(str).unique().tolist())


def example_organisations(results: Results, year: int | None = None, n: int = 3) -> list[str]:
    """The ``n`` largest reportable municipalities and regions of a round (by employees).

    Deterministic: ties are broken by the number of respondents and then by id. The
    default round is the latest.
    """
    year = _check_year(results, year, "year")
    types = results.scores.types
    sel = types[(types["year"] == year) & types["reportable"].astype(bool)]
    register = results.scores.register[["organisation_id", "type", "employees"]]
    sel = sel.drop(columns=["type"], errors="ignore").merge(register, on="organisation_id")
    sel = sel[sel["type"].isin(["kommun", "region"])]
    sel = sel.sort_values(
        ["employees", "n_respondents", "organisation_id"], ascending=[False, False, True]
    )
    return sel["organisation_id"].astype(str).head(n).tolist()


def _check_organisation(results: Results, organisation_id: str, year: int) -> str:
    register = results.scores.register
    if organisation_id not in set(register["organisation_id"].astype(str)):
        raise ReportParameterError(
            f"unknown organisation {organisation_id!r}: not in the organisation register"
        )
    types = results.scores.types
    row = types[(types["year"] == year) & (types["organisation_id"] == organisation_id)]
    if row.empty:
        raise ReportParameterError(
            f"organisation {organisation_id} has no answers in {year}; choose another --year"
        )
    if not bool(row["reportable"].iloc[0]):
        threshold = results.scores.parameters.get("min_respondents", 5)
        raise ReportParameterError(
            f"organisation {organisation_id} is not reportable in {year} (fewer than "
            f"{threshold} respondents); profiles are made only for reportable organisations"
        )
    return organisation_id


def _layout(kind: str, params: Mapping[str, Any], lang: str) -> tuple[Path, str]:
    """Target folder relative to ``out`` and file stem (see the module docstring)."""
    if kind == "status":
        return Path(str(params["year"])) / lang / "status_report", "status_report"
    if kind == "follow-up":
        stem = f"follow_up_{params['baseline']}_{params['follow_up']}"
        return Path(str(params["follow_up"])) / lang / stem, stem
    if kind == "organisation":
        org = params["organisation_id"]
        return (
            Path(str(params["year"])) / lang / "organisations" / org,
            f"organisation_profile_{org}",
        )
    return Path(str(params["year"])) / lang / "instrument_validation", "instrument_validation"


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
    notebook = notebook_path(kind, notebook_dir)
    extra = dict(parameters or {})
    managed = sorted(set(extra) & set(MANAGED_PARAMETERS))
    if managed:
        raise ReportParameterError(
            f"parameter {', '.join(map(repr, managed))} is set by the runner; "
            "use --data/--out instead"
        )
    lang = _check_lang(extra.pop("lang", lang))
    params: dict[str, Any] = {}
    if kind == "follow-up":
        years = results.scores.years
        first = _check_year(results, extra.pop("baseline", baseline) or years[0], "baseline")
        last = _check_year(results, extra.pop("follow_up", follow_up) or years[-1], "follow_up")
        if first >= last:
            raise ReportParameterError(
                f"baseline ({first}) must be an earlier round than follow_up ({last})"
            )
        params.update(baseline=first, follow_up=last)
    else:
        if baseline is not None or follow_up is not None:
            raise ReportParameterError("--baseline/--follow-up belong to the follow-up report")
        params["year"] = _check_year(results, extra.pop("year", year), "year")
    if kind == "organisation":
        org = extra.pop("organisation_id", organisation_id)
        if org is None:
            raise ReportParameterError("an organisation profile needs --org ID (or --all)")
        params["organisation_id"] = _check_organisation(results, str(org), params["year"])
    elif organisation_id is not None:
        raise ReportParameterError("--org belongs to the organisation report")
    params.update(
        data_dir=str(Path(data_dir).resolve()),
        results_dir=str(Path(results_dir).resolve()),
        lang=lang,
        **extra,
    )
    check_parameters(notebook, params | {"output_dir": ""})
    relative, stem = _layout(kind, params, lang)
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
    )


# --------------------------------------------------------------------------------------------
# Execution and export
# --------------------------------------------------------------------------------------------

_HEADING = re.compile(r"<h([12])((?:\s[^>]*)?)>(.*?)</h\1>", re.DOTALL | re.IGNORECASE)
_ID = re.compile(r"""\sid\s*=\s*(["'])(.*?)\1""", re.IGNORECASE)
_REMOTE_SCRIPT = re.compile(
    r"""<script[^>]*\ssrc\s*=\s*["']https?://[^"']*["'][^>]*>\s*</script>\s*""", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]+>")
#: The lab template wraps rendered markdown cells in an input area; a report has no input
#: areas at all, so markdown cells are rendered like outputs.
_REPORT_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{% block markdowncell scoped %}
<div {{ cell_id_anchor(cell) }} class="jp-Cell jp-MarkdownCell jp-Notebook-cell">
<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput {{ celltags(cell) }}"
 data-mime-type="text/markdown">
{{ cell.source | markdown2html | strip_files_prefix }}
</div>
</div>
{%- endblock markdowncell %}
"""


def _slug(text: str) -> str:
    slug = re.sub(r"[^\w-]+", "-", text.strip().lower(), flags=re.UNICODE).strip("-")
    return slug or "section"


def add_table_of_contents(html: str, lang: str = "sv") -> str:
    """Insert a ``<nav>`` listing the h1/h2 headings with links right after ``<body>``.

    Headings without an ``id`` get one (a slug of their text, made unique). The anchor
    links nbconvert appends (``¶``) are left out of the entries.
    """
    used: set[str] = set(m.group(2) for m in _ID.finditer(html))
    entries: list[tuple[str, str, str]] = []

    def visit(match: re.Match) -> str:
        level, attrs, inner = match.group(1), match.group(2) or "", match.group(3)
        text = html_lib.unescape(_TAG.sub("", inner)).replace("¶", "").strip()
        found = _ID.search(attrs)
        if found:
            anchor = found.group(2)
        else:
            base = anchor = _slug(text)
            suffix = 1
            while anchor in used:
                suffix += 1
                anchor = f"{base}-{suffix}"
            used.add(anchor)
            attrs = f'{attrs} id="{html_lib.escape(anchor)}"'
        if text:
            entries.append((level, anchor, text))
        return f"<h{level}{attrs}>{inner}</h{level}>"

    body_start = re.search(r"<body[^>]*>", html, re.IGNORECASE)
    if body_start is None:
        raise ValueError("html: no <body> element")
    head, body = html[: body_start.end()], html[body_start.end() :]
    body = _HEADING.sub(visit, body)
    items = "\n".join(
        f'<li class="toc-h{level}"><a href="#{html_lib.escape(anchor)}">'
        f"{html_lib.escape(text)}</a></li>"
        for level, anchor, text in entries
    )
    nav = (
        f'\n<nav class="report-toc" aria-label="{_TOC_LABEL[lang]}">'
        f'<h2 class="toc-title">{_TOC_LABEL[lang]}</h2>\n<ul>\n{items}\n</ul></nav>\n'
        "<style>.report-toc{max-width:60em;margin:1em auto;padding:0 1em}"
        ".report-toc ul{list-style:none;padding-left:0}.report-toc .toc-h2{padding-left:1.5em}"
        "</style>\n"
    )
    return head + nav + body


def export_html(notebook_path: str | Path, html_path: str | Path, lang: str = "sv") -> Path:
    """Export an executed notebook as self-contained HTML without code.

    No input cells or prompts (``exclude_input``), images embedded as base64, no remote
    scripts (require.js and MathJax from a CDN are removed), a table of contents after
    ``<body>`` (:func:`add_table_of_contents`). Cells tagged ``remove-cell`` are dropped
    and outputs of cells tagged ``remove-output`` are hidden. Output written to stderr
    (warnings) is left out; it remains in the executed notebook.
    """
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = nbformat.read(str(notebook_path), as_version=4)
    # Warnings written to stderr are for the analyst, not the reader: they stay in the
    # executed notebook and are left out of the HTML.
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    exporter = HTMLExporter(
        extra_loaders=[DictLoader({"dimios_report.html.j2": _REPORT_TEMPLATE})],
        template_name="lab",
        template_file="dimios_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    remove = TagRemovePreprocessor(
        remove_cell_tags={"remove-cell"}, remove_all_outputs_tags={"remove-output"}
    )
    exporter.register_preprocessor(remove, enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    body = _REMOTE_SCRIPT.sub("", body)
    body = add_table_of_contents(body, lang)
    path = Path(html_path)
    path.write_text(body, encoding="utf-8")
    return path


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
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
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


class QuietKernelManager(AsyncKernelManager):
    """Kernel manager whose kernel process does not write its own log lines to our stderr.

    Cell output (including warnings and errors) still reaches the notebook; only the kernel
    application's start-up chatter ("Kernel is running over TCP without encryption") is
    silenced, so the command line prints one line per problem.
    """

    async def start_kernel(self, **kw: Any) -> None:
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        await super().start_kernel(**kw)


#: One kernel per process, reused across reports when ``reuse_kernel`` is set.
_WARM: dict[str, QuietKernelManager] = {}
_RESET_CODE = """\
get_ipython().run_line_magic("reset", "-f")
import os as _os, sys as _sys
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
_os.chdir({cwd!r})
del _os, _sys
"""


def shutdown_warm_kernel() -> None:
    """Shut down this process's reusable kernel, if one is running."""
    from jupyter_core.utils import run_sync

    km = _WARM.pop("km", None)
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
    from multiprocessing.util import Finalize

    from jupyter_core.utils import run_sync

    km = _WARM.get("km")
    if km is not None and run_sync(km.is_alive)() and _reset(km, cwd):
        return km
    shutdown_warm_kernel()
    km = QuietKernelManager(kernel_name=KERNEL_NAME)
    run_sync(km.start_kernel)(cwd=str(cwd))
    if not _WARM.get("finalizer"):
        # worker processes leave through os._exit, which skips atexit but runs these
        Finalize(None, shutdown_warm_kernel, exitpriority=10)
        _WARM["finalizer"] = True  # type: ignore[assignment]
    _WARM["km"] = km
    return km


_VOLATILE_PAPERMILL_KEYS = ("start_time", "end_time", "duration")


def _normalise_executed(path: Path) -> int | None:
    """Make an executed notebook the same bytes on every run of the same inputs.

    Code cells are numbered 1, 2, … as in a fresh kernel; the clock times and durations
    that papermill and the kernel record per cell and per notebook are dropped (the CLI
    reports the run time); papermill's injected parameters cell, which gets a random id,
    gets the fixed id ``injected-parameters``. Returns the new number of the cell with an
    error output, if any (papermill inserts a banner cell on failure, so the error's
    ``cell_index`` does not point into the file).
    """
    import nbformat

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

    started = time.perf_counter()
    job.target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(
        tempfile.mkdtemp(prefix=f".{job.target.name}.", suffix=".tmp", dir=job.target.parent)
    )
    tmp.chmod(0o755)  # mkdtemp makes it private; the report folder is an ordinary folder
    executed = tmp / f"{job.stem}.ipynb"
    kernel = {"km": _warm_kernel(job.notebook.parent)} if reuse_kernel else {}
    try:
        try:
            papermill.execute_notebook(
                str(job.notebook),
                str(executed),
                parameters=job.parameters | {"output_dir": str(tmp)},
                kernel_name=KERNEL_NAME,
                cwd=str(job.notebook.parent),
                progress_bar=False,
                log_output=False,
                kernel_manager_class=QuietKernelManager,
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
        _normalise_executed(executed)
        html = export_html(executed, tmp / f"{job.stem}.html", job.lang)
        _replace_text([executed, html], str(tmp), str(job.target))
        _swap_into_place(tmp, job.target)
    finally:
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
) -> list[ReportOutcome | NotebookFailedError]:
    """Run several reports, in parallel worker processes when ``n_jobs > 1``.

    A failing report does not stop the others. Returns, in the order of ``jobs``, a
    :class:`ReportOutcome` or the :class:`NotebookFailedError` of each. A progress bar
    (tqdm) is written to stderr when ``progress`` is true. Workers are started with
    ``spawn``, so the parent's ZeroMQ state is never inherited through ``fork``. With
    ``reuse_kernel`` (default) each worker keeps one kernel for its reports (see
    :func:`run_job`); the kernels are shut down when the workers exit.
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
        if n_jobs == 1 or len(jobs) == 1:
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
            workers = min(n_jobs, len(jobs))
            with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
                futures = {
                    pool.submit(run_job, job, reuse_kernel=reuse_kernel): i
                    for i, job in enumerate(jobs)
                }
                for future in as_completed(futures):
                    try:
                        record(futures[future], future.result())
                    except NotebookFailedError as exc:
                        record(futures[future], exc)
    finally:
        bar.close()
    return outcomes  # type: ignore[return-value]
