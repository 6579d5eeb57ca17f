"""The DIOS report: the national system-inventory picture and its link to DiMiOS.

The notebook ``notebooks/dios_report.ipynb`` holds the parameters and calls these functions
in order. An organisation with fewer rated systems than the reporting threshold is never
shown on its own (:mod:`dimios_research.stats.portfolio`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..conventions import DEFAULT_MIN_RESPONDENTS
from ..io.inventory import InventoryData, read_inventory_dir
from ..scoring.inventory import TIME_CLASSES, score_inventory
from ..stats import portfolio as pf
from .document import Document, KeyFigure
from .locale import t
from .numbers import format_ci, format_number, format_pct
from .results import Results
from .sections import add_provenance, new_document
from .tables import select

__all__ = ["DiosContext", "SECTIONS", "build_dios_report"]

#: Indicators of the comparison table by organisation type and size class.
COMPARED = ("n_systems", "health_pct", "technical_debt_pct", "share_eliminate_pct",
            "past_end_of_life_pct", "decommission_cost_pct")  # fmt: skip


@dataclass
class DiosContext:
    """What the sections of a DIOS report share (computed once, on first use)."""

    results: Results  # the DiMiOS results of the same folder (for the link)
    inventory: InventoryData
    year: int | None
    lang: str
    n_boot: int = 2000
    seed: int = 0

    def __post_init__(self) -> None:
        years = sorted(int(y) for y in self.inventory.systems["year"].unique())
        if self.year is None:
            self.year = years[-1]
        elif int(self.year) not in years:
            raise ValueError(f"year {self.year} has no inventory; rounds: {years}")
        self.year = int(self.year)

    @cached_property
    def portfolio(self) -> pf.Portfolio:
        return pf.portfolio(score_inventory(self.inventory))

    @cached_property
    def national(self) -> pd.DataFrame:
        return pf.national_comparison(
            self.portfolio, year=self.year, by=("type", "size_class"), n_boot=self.n_boot,
            seed=self.seed,
        )  # fmt: skip

    def indicator(self, name: str, group_by: str = "national") -> pd.DataFrame:
        rows = self.national
        return rows[(rows["indicator"] == name) & (rows["group_by"] == group_by)]

    @property
    def n_organisations(self) -> int:
        return int(self.indicator("n_systems")["n_organisations"].iloc[0])


def context(results: Results, data_dir: str | Path, year: int | None, lang: str, **kw):
    """A DIOS context from the inventory files of a data folder."""
    return DiosContext(results, read_inventory_dir(data_dir), year, lang, **kw)


def start(ctx: DiosContext, output_dir: str | Path, *, show: bool = True) -> Document:
    lang, n = ctx.lang, ctx.n_organisations
    systems = ctx.portfolio.indicators
    shown = systems[systems["reportable"].astype(bool) & (systems["year"] == ctx.year)]
    return new_document(
        ctx.results, output_dir, lang, name="dios_report",
        title=t("dios.title", lang, year=ctx.year), subtitle=t("dios.subtitle", lang),
        year=ctx.year, n_organisations=n, show=show,
        basis=t("dios.basis", lang, n_organisations=n, n_systems=int(shown["n_systems"].sum())),
        source=t("dios.source", lang, year=ctx.year, n=n),
    )  # fmt: skip


def key_figures(ctx: DiosContext) -> list[KeyFigure]:
    """The national TIME shares, the importance-weighted technical debt, the savings."""
    lang = ctx.lang
    items = []
    for time_class in TIME_CLASSES:
        row = ctx.indicator(f"share_{time_class}_pct").iloc[0]
        items.append(KeyFigure(t(f"value.time_class.{time_class}", lang),
                               format_pct(row["estimate"], lang),
                               format_ci(row["ci_low"], row["ci_high"], lang)))  # fmt: skip
    for name in ("technical_debt_pct", "decommission_cost_pct"):
        row = ctx.indicator(name).iloc[0]
        items.append(KeyFigure(t(f"column.{name}", lang), format_pct(row["estimate"], lang),
                               format_ci(row["ci_low"], row["ci_high"], lang)))  # fmt: skip
    return items


def add_summary(doc: Document, ctx: DiosContext) -> None:
    lang = ctx.lang
    doc.key_figures(key_figures(ctx))
    doc.heading(t("status.summary", lang))
    health = ctx.indicator("health_pct").iloc[0]
    doc.paragraph(t("dios.intro", lang, year=ctx.year, n=ctx.n_organisations,
                    n_systems=int(ctx.portfolio.systems["year"].eq(ctx.year).sum()),
                    health_pct=health["estimate"]))  # fmt: skip
    doc.paragraph(t("dios.time.text", lang))


def add_portfolio(doc: Document, ctx: DiosContext) -> None:
    """The TIME classes nationally: shares of systems and of cost, with intervals."""
    lang = ctx.lang
    rows = []
    for time_class in TIME_CLASSES:
        share = ctx.indicator(f"share_{time_class}_pct").iloc[0]
        cost = ctx.indicator(f"cost_share_{time_class}_pct").iloc[0]
        rows.append({"time_class": time_class, "share_pct": share["estimate"],
                     "ci_low": share["ci_low"], "ci_high": share["ci_high"],
                     "cost_share_pct": cost["estimate"]})  # fmt: skip
    shares = pd.DataFrame(rows)
    labelled = shares.assign(
        label=[t(f"value.time_class.{c}", lang) for c in TIME_CLASSES],
        estimate=shares["share_pct"],
    )
    doc.heading(t("dios.portfolio", lang))
    doc.plot(
        "profile_bars", labelled, lang, title="", xlabel=t("dios.axis.share", lang),
        name="time_shares", caption=t("dios.portfolio.figure", lang, year=ctx.year),
    )  # fmt: skip
    doc.table(
        shares,
        "time_shares",
        caption=t("dios.portfolio.table", lang, year=ctx.year),
        kinds={"ci_low": "pct", "ci_high": "pct"},
    )


def add_comparison(doc: Document, ctx: DiosContext) -> None:
    """Portfolio indicators by organisation type and by size class."""
    lang = ctx.lang
    doc.heading(t("dios.comparison", lang))
    doc.paragraph(t("dios.comparison.text", lang, threshold=DEFAULT_MIN_RESPONDENTS))
    for by in ("type", "size_class"):
        rows = ctx.national[ctx.national["group_by"] == by]
        wide = rows.pivot_table(index="group", columns="indicator", values="estimate",
                                observed=True, sort=False)  # fmt: skip
        counts = rows[rows["indicator"] == "n_systems"].set_index("group")["n_organisations"]
        wide = wide.reindex(columns=list(COMPARED)).assign(n_organisations=counts)
        wide = wide.rename_axis(by).reset_index()
        doc.table(
            select(wide, [by, "n_organisations", *COMPARED]), f"comparison_{by}",
            caption=t(f"dios.comparison.{by}", lang, year=ctx.year),
            kinds={"n_systems": "decimal1"}, export=rows,
        )  # fmt: skip


def add_link(doc: Document, ctx: DiosContext) -> None:
    """Portfolio health against the DiMiOS legacy dimension, for organisations in both."""
    lang, scores = ctx.lang, ctx.results.scores
    doc.heading(t("dios.link", lang))
    data = pf.dimios_link_data(ctx.portfolio, scores, year=ctx.year)
    if len(data) < 3:
        doc.paragraph(t("dios.link.too_few", lang, n=len(data)))
        return
    link = pf.dimios_link(ctx.portfolio, scores, year=ctx.year).iloc[0]
    doc.paragraph(
        t(
            "dios.link.text",
            lang,
            n=int(link["n"]),
            r=format_number(link["estimate"], lang, 2),
            ci=format_ci(link["ci_low"], link["ci_high"], lang, 2, unit=None),
        )
    )
    doc.plot(
        "scatter_relation", data, "dimios_pct", "health_pct", lang, title="",
        xlabel=t("dios.axis.legacy", lang), ylabel=t("dios.axis.health", lang),
        name="dimios_link", caption=t("dios.link.figure", lang, year=ctx.year),
    )  # fmt: skip


def add_appendix(doc: Document, ctx: DiosContext) -> None:
    doc.heading(t("appendix.methods", ctx.lang))
    for key in ("dios.methods.instrument", "dios.methods.time", "dios.methods.threshold"):
        doc.paragraph(t(key, ctx.lang, threshold=DEFAULT_MIN_RESPONDENTS))
    add_provenance(doc, ctx.results, {"year": ctx.year, "lang": ctx.lang})


SECTIONS = (add_summary, add_portfolio, add_comparison, add_link, add_appendix)


def build_dios_report(
    results: Results,
    data_dir: str | Path,
    output_dir: str | Path,
    *,
    year: int | None = None,
    lang: str = "sv",
    show: bool = True,
) -> Document:
    """The whole DIOS report."""
    ctx = context(results, data_dir, year, lang)
    doc = start(ctx, output_dir, show=show)
    for section in SECTIONS:
        section(doc, ctx)
    doc.save()
    return doc
