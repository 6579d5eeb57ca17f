"""``dimios-research report``: build the report notebooks into HTML, notebooks, figures, tables.

Registered on the main command by :mod:`dimios_research.cli`. The work is done by
:mod:`dimios_research.reports` (see its docstring for the output layout and the atomic
replacement). Exit codes: 0 success, 2 invalid arguments or inputs (one line
``error: ...`` on stderr, nothing executed), 1 a notebook failed (one line per failed
report: notebook, cell, error type and message; earlier output untouched).

``make report`` runs::

    dimios-research report all --data data/demo --out reports
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from ._cli_errors import EXIT_INTERNAL_ERROR as EXIT_NOTEBOOK_FAILED
from ._cli_errors import user_errors

DEFAULT_JOBS = 2


def _parse_value(text: str) -> Any:
    """A ``-p`` value as papermill reads it: YAML scalars and lists, ``None`` as None."""
    import yaml

    if text in ("None", "none"):
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
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
            help="Folder with the report notebooks (default: the repository's).",
        ),
        click.option(
            "--progress/--no-progress",
            default=True,
            show_default=True,
            help="Progress bar on stderr.",
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


def _extra_parameters(
    params: Sequence[tuple[str, str]], kinds: Sequence[str], notebook_dir: str | None
) -> dict[str, dict[str, Any]]:
    """Check ``-p`` names against each notebook before scoring; return them per kind.

    For one report every name must be a parameter of its notebook; for ``all`` a name is
    passed to the notebooks that declare it and must be declared by at least one.
    """
    from .reports import ReportParameterError, check_parameters, notebook_parameters, notebook_path

    extra = {name: _parse_value(value) for name, value in params}
    per_kind: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        path = notebook_path(kind, notebook_dir)
        if len(kinds) == 1:
            check_parameters(path, extra)
            per_kind[kind] = extra
        else:
            declared = notebook_parameters(path)
            per_kind[kind] = {k: v for k, v in extra.items() if k in declared}
    unused = sorted(set(extra) - {k for chosen in per_kind.values() for k in chosen})
    if unused:
        raise ReportParameterError(
            f"unknown parameter {', '.join(map(repr, unused))}: no report notebook declares it"
        )
    return per_kind


def _organisation_ids(
    results,
    orgs: Sequence[str],
    all_orgs: bool,
    year: int | None,
    default: Sequence[str] | None = None,
) -> list[str]:
    from .reports import ReportParameterError, reportable_organisations

    ids = [o.strip() for value in orgs for o in value.split(",") if o.strip()]
    if all_orgs and ids:
        raise ReportParameterError("give either --org or --all, not both")
    if all_orgs:
        round_year = year if year is not None else results.scores.years[-1]
        return reportable_organisations(results, round_year)
    if not ids:
        if default is None:
            raise ReportParameterError("an organisation profile needs --org ID or --all")
        return list(default)
    return list(dict.fromkeys(ids))


def _run(jobs, n_jobs: int, progress: bool) -> None:
    """Run planned jobs, print what was written; exit 1 when a notebook failed."""
    from .reports import NotebookFailedError, run_jobs

    outcomes = run_jobs(jobs, n_jobs=n_jobs, progress=progress)
    failed = [o for o in outcomes if isinstance(o, NotebookFailedError)]
    written = [o for o in outcomes if not isinstance(o, NotebookFailedError)]
    if written:
        click.echo(f"wrote {len(written)} report{'s' if len(written) != 1 else ''}:")
        for outcome in written:
            click.echo(f"  {outcome.summary()}")
    for error in failed:
        click.echo(f"error: {error.one_line()}", err=True)
    if failed:
        sys.exit(EXIT_NOTEBOOK_FAILED)


def _plan(kind: str, results, results_dir, data_dir, out_dir, notebook_dir, extra, **kwargs):
    from .reports import plan_report

    return plan_report(
        kind,
        results,
        data_dir=data_dir,
        results_dir=results_dir,
        out_dir=out_dir,
        notebook_dir=notebook_dir,
        parameters=extra,
        **kwargs,
    )


def _single_report(
    kind: str,
    data_dir,
    out_dir,
    params,
    notebook_dir,
    progress,
    langs,
    jobs,
    targets: Callable[[Any], list[dict[str, Any]]] | None = None,
    **fixed: Any,
) -> None:
    """Check the parameters, score once, plan one report per language (and target), run.

    ``targets`` maps the scored results to per-report arguments (e.g. one organisation id
    each); ``fixed`` arguments go to every report.
    """
    from .reports import score_once

    extra = _extra_parameters(params, [kind], notebook_dir)[kind]
    results, results_dir = score_once(data_dir, out_dir)
    variants = targets(results) if targets is not None else [{}]
    plan = [
        _plan(
            kind,
            results,
            results_dir,
            data_dir,
            out_dir,
            notebook_dir,
            extra,
            lang=lang,
            **fixed,
            **variant,
        )
        for lang in (langs or ("sv",))
        for variant in variants
    ]
    _run(plan, jobs, progress)


@report.command("status")
@_common
@_year_option
@_lang_option
@_jobs_option
@user_errors
def status(data_dir, out_dir, params, notebook_dir, progress, year, langs, jobs) -> None:
    """National status report of a round (index, types, groups, target)."""
    _single_report(
        "status", data_dir, out_dir, params, notebook_dir, progress, langs, jobs, year=year
    )


@report.command("follow-up")
@_common
@_apply(_follow_up_options)
@_lang_option
@_jobs_option
@user_errors
def follow_up_report(
    data_dir, out_dir, params, notebook_dir, progress, baseline, follow_up, langs, jobs
) -> None:
    """Follow-up report: change between two rounds and the programme's goals."""
    _single_report(
        "follow-up",
        data_dir,
        out_dir,
        params,
        notebook_dir,
        progress,
        langs,
        jobs,
        baseline=baseline,
        follow_up=follow_up,
    )


@report.command("organisation")
@_common
@_apply(_org_options)
@_year_option
@_lang_option
@_jobs_option
@user_errors
def organisation(
    data_dir, out_dir, params, notebook_dir, progress, orgs, all_orgs, year, langs, jobs
) -> None:
    """Profiles of reportable organisations (--org ID ... or --all), in parallel."""

    def targets(results) -> list[dict[str, Any]]:
        ids = _organisation_ids(results, orgs, all_orgs, year)
        return [{"organisation_id": org} for org in ids]

    _single_report(
        "organisation",
        data_dir,
        out_dir,
        params,
        notebook_dir,
        progress,
        langs,
        jobs,
        targets=targets,
        year=year,
    )


@report.command("validation")
@_common
@_year_option
@_lang_option
@_jobs_option
@user_errors
def validation(data_dir, out_dir, params, notebook_dir, progress, year, langs, jobs) -> None:
    """Instrument validation report of a round (reliability, agreement, ICC)."""
    _single_report(
        "validation", data_dir, out_dir, params, notebook_dir, progress, langs, jobs, year=year
    )


@report.command("all")
@_common
@_year_option
@_apply(_follow_up_options)
@_apply(_org_options)
@_lang_option
@_jobs_option
@user_errors
def all_reports(
    data_dir,
    out_dir,
    params,
    notebook_dir,
    progress,
    year,
    baseline,
    follow_up,
    orgs,
    all_orgs,
    langs,
    jobs,
) -> None:
    """Everything: status (every --lang, default sv and en), follow-up, validation, profiles.

    Reports other than the status report are written in the first --lang. Profiles:
    --org IDs, --all reportable organisations, or by default the three largest reportable
    municipalities and regions of the round (by employees).
    """
    from .reports import KINDS, example_organisations, score_once

    per_kind = _extra_parameters(params, list(KINDS), notebook_dir)
    results, results_dir = score_once(data_dir, out_dir)
    langs = langs or ("sv", "en")
    first = langs[0]
    ids = _organisation_ids(
        results, orgs, all_orgs, year, default=example_organisations(results, year, n=3)
    )

    def plan(kind: str, **kwargs):
        return _plan(
            kind, results, results_dir, data_dir, out_dir, notebook_dir, per_kind[kind], **kwargs
        )

    jobs_planned = [plan("status", year=year, lang=lang) for lang in langs]
    jobs_planned.append(plan("follow-up", baseline=baseline, follow_up=follow_up, lang=first))
    jobs_planned.append(plan("validation", year=year, lang=first))
    jobs_planned += [
        plan("organisation", organisation_id=org, year=year, lang=first) for org in ids
    ]
    _run(jobs_planned, jobs, progress)
