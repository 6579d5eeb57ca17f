"""The ``dimios-research`` command: a thin face of the library.

Every command prints one clear message and exits non-zero on a problem (2 for a problem
with the input files or arguments), never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from .. import __version__
from .errors import OneLineErrorGroup, user_errors
from .paths import check_output_file, check_output_folder, parse_max_bytes

_max_bytes_option = click.option(
    "--max-bytes",
    metavar="SIZE",
    help="Largest input read, e.g. 200MB or 1GB (default 50MB; XLSX and Parquet: uncompressed).",
)
_sheet_option = click.option(
    "--sheet", metavar="NAME", help="Worksheet to read from XLSX files with several data sheets."
)


def _refuse_nothing_kept(data) -> None:
    """Exit 2 when no row passed validation: nothing could be scored or reported."""
    from ..io.survey import require_kept_rows

    if data.report.rows_read:
        require_kept_rows(data)


@click.group(cls=OneLineErrorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dimios-research")
def cli() -> None:
    """Analyse DiMiOS digital-maturity self-assessments: validate, score, report."""


@cli.command()
@click.option("--seed", default=2023, show_default=True, help="Random seed.")
@click.option(
    "--out",
    "out_dir",
    default="data/demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the raw files.",
)
@click.option(
    "--personal-data/--no-personal-data",
    default=True,
    show_default=True,
    help="Add fake personal-data columns that ingest must drop.",
)
@click.option(
    "--defects/--no-defects",
    default=True,
    show_default=True,
    help="Inject a few defects that validation must catch.",
)
@user_errors
def simulate(seed: int, out_dir: str, personal_data: bool, defects: bool) -> None:
    """Simulate survey rounds with known truth and write them as raw files."""
    from ..simulation.survey import simulate as run_simulation
    from ..simulation.survey import write_dataset, write_truth

    sim = run_simulation(seed=seed, personal_data=personal_data, defects=defects)
    paths = write_dataset(sim, out_dir)
    truth = write_truth(sim, out_dir)
    for path in paths:
        click.echo(f"wrote {path}")
    click.echo(f"wrote {truth}/ (ground truth)")


@cli.command()
@click.argument("responses", nargs=-1, required=True, type=click.Path())
@click.option("--organisations", required=True, type=click.Path(), help="Register file.")
@click.option("--codebook", type=click.Path(), help="Instrument YAML (default illustrative).")
@click.option("--mapping", type=click.Path(), help="Column/label mapping YAML.")
@click.option("--encoding", help="Force the CSV encoding (default: detect UTF-8 / cp1252).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option(
    "--quarantine-out", type=click.Path(dir_okay=False), help="Write quarantined rows to this CSV."
)
@click.option(
    "--cell-issues-out", type=click.Path(dir_okay=False), help="Write cell issues to this CSV."
)
@_max_bytes_option
@_sheet_option
@user_errors
def validate(responses, organisations, codebook, mapping, encoding, as_json, **options) -> None:
    """Read and validate RESPONSES (files or folders) against the organisation register.

    Exits 0 when the files could be read and at least one row passed, and 2 on a
    file-level problem, when every row was quarantined, or when an output would overwrite
    an input or land in a data folder (its folder must exist).
    """
    from ..io.survey import read_survey

    outputs = _validate_outputs(responses, organisations, codebook, mapping, options)
    data = read_survey(
        list(responses),
        organisations,
        codebook,
        mapping,
        encoding=encoding,
        max_bytes=parse_max_bytes(options["max_bytes"]),
        sheet=options["sheet"],
    )
    for name, path in outputs.items():
        getattr(data, name).to_csv(path, index=False, lineterminator="\n")
    if as_json:
        report = data.report.to_dict()
        keys = [
            "rows_read",
            "rows_kept",
            "rows_quarantined",
            "quarantine_reasons",
            "cell_issues",
            "dropped_columns",
            "dont_know",
            "files",
            "default_key_used",
            "organisation_ids_padded",
            "sheets",
        ]
        click.echo(json.dumps({k: report[k] for k in keys}, ensure_ascii=False))
    else:
        click.echo(data.report.summary())
    _refuse_nothing_kept(data)


def _validate_outputs(responses, organisations, codebook, mapping, options) -> dict[str, Path]:
    """The CSV exports of ``validate``, checked against every input before anything runs."""
    folders = [Path(r) for r in responses if Path(r).is_dir()]
    files = [Path(r) for r in responses if not Path(r).is_dir()]
    files += [Path(p) for p in (organisations, codebook, mapping) if p]
    outputs = {}
    for option, name in (("--quarantine-out", "quarantine"), ("--cell-issues-out", "cell_issues")):
        target = options.get(name + "_out")
        if target:
            outputs[name] = check_output_file(option, target, files, folders)
    if len(outputs) == 2:
        check_output_file("--cell-issues-out", outputs["cell_issues"], [outputs["quarantine"]])
    return outputs


@cli.group()
def datasets() -> None:
    """Bundled datasets."""


@datasets.command("list")
@user_errors
def datasets_list() -> None:
    """List bundled datasets with their provenance."""
    from ..io.datasets import list_datasets

    for row in list_datasets().itertuples():
        click.echo(f"{row.name}: {row.title}")
        click.echo(f"  years: {', '.join(map(str, row.years))}")
        click.echo(f"  source: {row.source}")
        click.echo(f"  path: {row.path}")


@cli.group()
def notebooks() -> None:
    """The report and tutorial notebooks shipped with the package."""


@notebooks.command("copy")
@click.argument("target", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite notebooks already in TARGET.")
@user_errors
def notebooks_copy(target: str, force: bool) -> None:
    """Copy editable notebooks into TARGET (created if missing), e.g. for JupyterLab."""
    from ..report.runner import copy_notebooks

    written = copy_notebooks(target, overwrite=force)
    click.echo(f"copied {len(written)} notebooks to {Path(target).resolve()}:")
    for path in written:
        click.echo(f"  {path.name}")


@cli.command()
@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(),
    help="Folder with response files and organisations.csv.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for Parquet results and manifest.json.",
)
@click.option("--codebook", type=click.Path(), help="Instrument YAML (default illustrative).")
@click.option("--mapping", type=click.Path(), help="Column/label mapping YAML.")
@click.option(
    "--min-respondents",
    default=5,
    show_default=True,
    type=click.IntRange(min=1),
    help="Reporting threshold per organisation-round.",
)
@click.option(
    "--cut",
    default=50.0,
    show_default=True,
    type=click.FloatRange(0, 100),
    help="Maturity type cut (percent).",
)
@_max_bytes_option
@_sheet_option
@user_errors
def score(data_dir, out_dir, codebook, mapping, min_respondents, cut, max_bytes, sheet) -> None:
    """Validate and score a data folder; write results with a manifest.

    The results hold no organisation below the reporting threshold (see
    :func:`dimios_research.report.results.write_results`). ``--out`` may not be the data
    folder or lie inside it.
    """
    from ..io.datasets import pseudonym_key_for
    from ..io.survey import read_survey_dir
    from ..report.results import write_results
    from ..scoring.survey import score as run_scoring

    check_output_folder("--out", out_dir, data_dir)
    data = read_survey_dir(
        data_dir,
        codebook,
        mapping,
        pseudonym_key=pseudonym_key_for(data_dir),
        max_bytes=parse_max_bytes(max_bytes),
        sheet=sheet,
    )
    _refuse_nothing_kept(data)
    scores = run_scoring(data, min_respondents=min_respondents, cut=cut)
    manifest = write_results(data, scores, out_dir)
    click.echo(data.report.summary())
    click.echo(_score_summary(scores))
    click.echo(f"wrote {manifest.parent}/ ({manifest.name} and Parquet tables)")


def _score_summary(scores) -> str:
    from ..stats.indices import national_index

    lines = []
    for year in scores.years:
        row = national_index(scores, year, n_boot=2_000).iloc[0]
        lines.append(
            f"{year}: national index {row['estimate']:.1f} % "
            f"(95 % CI {row['ci_low']:.1f}–{row['ci_high']:.1f}), "
            f"{int(row['n_organisations'])} reportable organisations"
        )
    return "\n".join(lines)


from .dios import dios  # noqa: E402
from .report import report  # noqa: E402

cli.add_command(report)
cli.add_command(dios)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="dimios-research")


if __name__ == "__main__":
    main()
