"""``dimios-research dios``: validate and score DIOS system inventories."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .errors import user_errors


@click.group("dios")
def dios() -> None:
    """DIOS system inventories: validate and score (reports: `report dios`)."""


@dios.command("validate")
@click.argument("inventory", nargs=-1, required=True, type=click.Path())
@click.option("--organisations", required=True, type=click.Path(), help="Register file.")
@click.option(
    "--instrument", type=click.Path(), help="DIOS instrument YAML (default illustrative)."
)
@click.option("--mapping", type=click.Path(), help="Column/label mapping YAML.")
@click.option("--encoding", help="Force the CSV encoding (default: detect UTF-8 / cp1252).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@user_errors
def dios_validate(inventory, organisations, instrument, mapping, encoding, as_json) -> None:
    """Read and validate INVENTORY files (or folders) against the organisation register.

    Prints what happened to every row; personal-data columns (system owners' names,
    e-mail addresses, phone numbers) are dropped and listed by column name only.
    """
    from ..io.inventory import read_inventory

    data = read_inventory(list(inventory), organisations, instrument, mapping, encoding=encoding)
    if as_json:
        click.echo(json.dumps(data.report.to_dict(), ensure_ascii=False, default=str))
    else:
        click.echo(data.report.summary())


@dios.command("score")
@click.option("--data", "data_dir", required=True, type=click.Path(file_okay=False),
              help="Folder with inventory_*.csv files and organisations.csv.")  # fmt: skip
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for the scored tables (CSV).")  # fmt: skip
@click.option("--cut", default=50.0, show_default=True, help="TIME cut (percent).")
@user_errors
def dios_score(data_dir, out_dir, cut) -> None:
    """Score the inventories of a folder: systems with TIME class, organisation portfolios."""
    from ..io.inventory import read_inventory_dir
    from ..report.files import write_csv
    from ..scoring.inventory import score_inventory
    from ..stats.portfolio import portfolio

    scores = score_inventory(read_inventory_dir(data_dir), cut=cut)
    result = portfolio(scores)
    shown = result.indicators[result.indicators["reportable"].astype(bool)]
    keys = shown.set_index(["organisation_id", "year"]).index

    def reportable(frame):  # organisations below the threshold are never written
        return frame[frame.set_index(["organisation_id", "year"]).index.isin(keys)]

    out = Path(out_dir)
    paths = [
        write_csv(reportable(scores.systems), out / "systems.csv"),
        write_csv(shown, out / "portfolio.csv"),
        write_csv(reportable(result.decommission), out / "decommission.csv"),
    ]
    n_hidden = int((~result.indicators["reportable"].astype(bool)).sum())
    click.echo(f"scored {len(scores.systems)} systems of {len(shown)} reportable organisations "
               f"({n_hidden} below the reporting threshold, not written)")  # fmt: skip
    for path in paths:
        click.echo(f"wrote {path}")
