"""``dimios-research report``: build the report notebooks into HTML, notebooks, figures, tables.

Registered on the main command by :mod:`dimios_research.cli.main`. The work is done by
:mod:`dimios_research.report.runner` (see its docstring for the output layout and the atomic
replacement). Exit codes: 0 success, 2 invalid arguments or inputs (one line
``error: ...`` on stderr, nothing executed), 1 a notebook failed (one line per failed
report: notebook, cell, error type and message; earlier output untouched).

``make report`` runs::

    dimios-research report all --data data/demo --out reports
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from .errors import EXIT_INTERNAL_ERROR as EXIT_NOTEBOOK_FAILED
from .errors import say_error, user_errors
from .paths import check_output_folder, parse_max_bytes

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

DEFAULT_JOBS = 2


def _parse_value(name: str, text: str) -> Any:
    """A ``-p`` value as papermill reads it: YAML scalars and lists, ``None`` as None.

    Read with the package's safe YAML loader: an alias (``*a``), which could expand a short
    value into a huge one, is an error; text that is not YAML stays text.
    """
    from ..safe_yaml import load_yaml_text

    if text in ("None", "none"):
        return None
    try:
        return load_yaml_text(text, source=f"-p {name}")
    except ValueError as exc:
        if "aliases" in str(exc):
            raise
        return text


def _common(func: Callable) -> Callable:
    """Options every report command takes."""
    options = [
        click.option(
            "--data",
            "data_dir",
            required=True,
            type=click.Path(),
            help="Folder with response files and organisations.csv.",
        ),
        click.option(
            "--out",
            "out_dir",
            default="reports",
            show_default=True,
            type=click.Path(file_okay=False),
            help="Output root folder.",
        ),
        click.option(
            "-p",
            "--param",
            "params",
            multiple=True,
            type=(str, str),
            metavar="NAME VALUE",
            help="Further notebook parameter (as papermill -p), e.g. -p n_boot 2000.",
        ),
        click.option(
            "--notebooks",
            "notebook_dir",
            type=click.Path(file_okay=False),
            help="Folder with the report notebooks (default: the ones shipped with the package).",
        ),
        click.option(
            "--format",
            "formats",
            default="html,pdf",
            show_default=True,
            metavar="FORMATS",
            help="Rendered outputs, comma-separated: html, pdf.",
        ),
        click.option(
            "--figure-formats",
            "figures",
            metavar="FORMATS",
            help="Figure files, comma-separated: svg (always), png (for pasting) "
            "[default: $DIMIOS_FIGURE_FORMATS, else svg].",
        ),
        click.option(
            "--progress/--no-progress",
            default=True,
            show_default=True,
            help="Progress bar on stderr.",
        ),
        click.option(
            "--max-bytes",
            metavar="SIZE",
            help="Largest input read, e.g. 200MB (default 50MB; XLSX and Parquet: uncompressed).",
        ),
        click.option(
            "--sheet", metavar="NAME", help="Worksheet to read from XLSX files with several."
        ),
    ]
    return _apply(options)(func)


_lang_option = click.option(
    "--lang",
    "langs",
    multiple=True,
    type=click.Choice(["sv", "en"]),
    help="Language; repeat for several (default sv; for `all` sv and en).",
)
_year_option = click.option("--year", type=int, help="Round (default: the latest).")
_jobs_option = click.option(
    "--jobs",
    default=DEFAULT_JOBS,
    show_default=True,
    type=click.IntRange(min=1),
    help="Parallel worker processes.",
)
_org_options = [
    click.option(
        "--org",
        "orgs",
        multiple=True,
        metavar="ID",
        help="Organisation id; repeat or separate by commas.",
    ),
    click.option(
        "--all", "all_orgs", is_flag=True, help="Every reportable organisation of the round."
    ),
]
_follow_up_options = [
    click.option("--baseline", type=int, help="Baseline round (default: the first)."),
    click.option("--follow-up", "follow_up", type=int, help="Follow-up round (default: last)."),
]


def _apply(options: Sequence[Callable]) -> Callable:
    """Decorator applying several click options in order."""

    def decorate(func: Callable) -> Callable:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


@click.group("report")
def report() -> None:
    """Build reports: executed notebook, HTML without code, figures and tables.

    Output goes under OUT/<year>/<lang>/...; a run replaces a report only when it
    succeeded, a failed notebook is kept under OUT/_failed/.
    """


_SELECTOR_OPTIONS: dict[str, list[Callable]] = {
    "year": [_year_option],
    "baseline": [_follow_up_options[0]],
    "follow_up": [_follow_up_options[1]],
    "organisation_id": _org_options,
}


def _run(jobs, n_jobs: int, progress: bool, workers: ProcessPoolExecutor | None = None) -> None:
    """Run planned jobs, print what was written; exit 1 when a notebook failed."""
    from ..report.runner import NotebookFailedError, run_jobs

    outcomes = run_jobs(jobs, n_jobs=n_jobs, progress=progress, workers=workers)
    failed = [o for o in outcomes if isinstance(o, NotebookFailedError)]
    written = [o for o in outcomes if not isinstance(o, NotebookFailedError)]
    if written:
        click.echo(f"wrote {len(written)} report{'s' if len(written) != 1 else ''}:")
        for outcome in written:
            click.echo(f"  {outcome.summary()}")
    for error in failed:
        say_error(error.one_line())
    if failed:
        sys.exit(EXIT_NOTEBOOK_FAILED)


def _in_process(kind: str, options: dict[str, Any]) -> bool:
    """Whether the reports will run in this process (one report, or ``--jobs 1``)."""
    orgs = [o for value in options.get("orgs", ()) for o in value.split(",") if o.strip()]
    single = (
        kind != "all"
        and len(options["langs"]) <= 1
        and (kind != "organisation" or (len(orgs) == 1 and not options.get("all_orgs")))
    )
    return single or options["jobs"] == 1


def _report_command(kind: str, **options: Any) -> None:
    """Check the parameters, score once, plan every report of the request, run them.

    When the reports run in this process, their kernel is started first and imports the
    library while this process plans (:func:`~dimios_research.report.runner.start_kernel_early`);
    when they run in worker processes, the workers and their kernels are started first
    (:func:`~dimios_research.report.runner.start_workers`): scoring keeps one core busy for
    seconds, which the workers' start-up fills.
    """
    from ..report import runner
    from ..report.document import FIGURE_FORMATS_ENV, resolve_figure_formats
    from ..report.registry import KINDS

    runner.skip_slow_iri_checker()
    figures = ",".join(resolve_figure_formats(options.pop("figures")))
    previous = os.environ.get(FIGURE_FORMATS_ENV)
    os.environ[FIGURE_FORMATS_ENV] = figures  # inherited by the kernels and worker processes
    try:
        _plan_and_run(kind, list(KINDS) if kind == "all" else [kind], options)
    finally:
        if previous is None:
            os.environ.pop(FIGURE_FORMATS_ENV, None)
        else:
            os.environ[FIGURE_FORMATS_ENV] = previous


def _plan_and_run(kind: str, kinds: list[str], options: dict[str, Any]) -> None:
    from ..report import runner

    check_output_folder("--out", options["out_dir"], options["data_dir"])
    early = {"data_dir": options["data_dir"], "out_dir": options["out_dir"]}
    workers = None
    if _in_process(kind, options):
        runner.start_kernel_early(kinds, options["notebook_dir"], **early)
    else:
        workers = runner.start_workers(options["jobs"], kinds, options["notebook_dir"], **early)
    try:
        jobs = _plan(kind, kinds, options)
    except BaseException:
        runner.shutdown_warm_kernel()
        if workers is not None:
            workers.shutdown(cancel_futures=True)
        raise
    _run(jobs, options["jobs"], options["progress"], workers)


def _plan(kind: str, kinds: list[str], options: dict[str, Any]) -> list:
    """Every report of the request, checked (:func:`dimios_research.report.runner.plan_reports`)."""
    from ..report.runner import check_formats, plan_reports, score_once, split_parameters

    formats = check_formats(options.pop("formats"))
    extra = {name: _parse_value(name, value) for name, value in options.pop("params")}
    per_kind = split_parameters(extra, kinds, options["notebook_dir"])
    reading = {"max_bytes": parse_max_bytes(options["max_bytes"]), "sheet": options["sheet"]}
    results, results_dir = score_once(options["data_dir"], options["out_dir"], **reading)
    orgs, all_orgs = options.pop("orgs", ()), options.pop("all_orgs", False)
    if all_orgs and orgs:
        raise click.UsageError("give either --org or --all, not both")
    default_langs = ("sv", "en") if kind == "all" else ("sv",)
    return plan_reports(
        kind,
        results,
        data_dir=options["data_dir"],
        results_dir=results_dir,
        out_dir=options["out_dir"],
        langs=options["langs"] or default_langs,
        organisations="all" if all_orgs else orgs,
        parameters=per_kind,
        notebook_dir=options["notebook_dir"],
        formats=formats,
        **{k: options[k] for k in ("year", "baseline", "follow_up") if options.get(k)},
    )


def _add_report_command(kind: str, summary: str, selectors: Sequence[str]) -> None:
    """Register ``report <kind>`` with the options its selectors need."""
    extra: list[Callable] = []
    for selector in selectors:
        extra += [o for o in _SELECTOR_OPTIONS[selector] if o not in extra]

    def command(**options: Any) -> None:
        _report_command(kind, **options)

    command.__doc__ = summary
    decorated = user_errors(command)
    for option in reversed([*extra, _lang_option, _jobs_option]):
        decorated = option(decorated)
    report.command(kind)(_common(decorated))


def _register_commands() -> None:
    from ..report.registry import REPORT_KINDS

    for spec in REPORT_KINDS.values():
        _add_report_command(spec.name, spec.summary, spec.selectors)
    _add_report_command(
        "all",
        "Everything: status (every --lang, default sv and en), follow-up, validation, "
        "profiles.\n\nReports other than the status report are written in the first --lang. "
        "Profiles: --org IDs, --all reportable organisations, or by default the three "
        "largest reportable municipalities and regions of the round (by employees).",
        ("year", "baseline", "follow_up", "organisation_id"),
    )


_register_commands()
