"""The instrument validation report: reliability, items, answer distributions, agreement.

The notebook ``notebooks/instrument_validation.ipynb`` holds the parameters and calls these
functions in order. The report interprets its numbers: which scales fall below the usual
0.70 and which items weaken them, quoting their wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..stats import reliability
from . import summaries
from .document import Document, KeyFigure
from .locale import t
from .numbers import format_number
from .results import Results
from .sections import add_provenance, new_document
from .status import unit_labels
from .tables import select

__all__ = ["ALPHA_THRESHOLD", "SECTIONS", "ValidationContext", "build_validation_report"]

#: The usual lower bound of acceptable internal consistency (Nunnally 1978).
ALPHA_THRESHOLD = 0.70


@dataclass
class ValidationContext:
    results: Results
    year: int | None
    lang: str
    labels: dict = field(init=False)

    def __post_init__(self) -> None:
        self.year = self.results.scores.check_year(self.year)
        codebook = self.results.codebook
        self.labels = unit_labels(codebook, self.lang) | {
            item: text for item, text in zip(codebook.items["item_id"],
                                              codebook.items[f"text_{self.lang}"], strict=True)
        }  # fmt: skip

    @cached_property
    def answers(self) -> pd.DataFrame:
        return summaries.year_answers(self.results, self.year)

    @cached_property
    def reliability(self) -> pd.DataFrame:
        return reliability.reliability_table(self.answers, self.results.codebook.items)

    @cached_property
    def items(self) -> pd.DataFrame:
        return summaries.item_analysis_table(self.answers, self.results.codebook, "capability")


def start(ctx: ValidationContext, output_dir: str | Path, *, show: bool = True) -> Document:
    codebook = ctx.results.codebook
    return new_document(
        ctx.results, output_dir, ctx.lang, name="instrument_validation",
        title=t("validation.title", ctx.lang, year=ctx.year),
        subtitle=t("validation.subtitle", ctx.lang, codebook=codebook.id,
                   version=str(codebook.version)),
        year=ctx.year, n_organisations=len(ctx.results.scores.reportable_ids(ctx.year)),
        show=show,
    )  # fmt: skip


def weak_scales(ctx: ValidationContext) -> pd.DataFrame:
    """Scales with alpha below :data:`ALPHA_THRESHOLD`, with the item that weakens each most."""
    rel = ctx.reliability.dropna(subset=["alpha"])
    weak = rel[rel["alpha"] < ALPHA_THRESHOLD]
    items = ctx.items.sort_values("r_drop", kind="stable")
    weakest = items.groupby("unit", observed=True, sort=False).head(1).set_index("unit")
    return weak.assign(
        weakest_item=weak["unit"].map(weakest["item_id"]),
        weakest_r_drop=weak["unit"].map(weakest["r_drop"]),
    )


def key_figures(ctx: ValidationContext) -> list[KeyFigure]:
    """Scales and items tested, weak scales, the weakest scale, the median ICC(1)."""
    lang = ctx.lang
    rel = ctx.reliability.dropna(subset=["alpha"])
    weakest = rel.loc[rel["alpha"].idxmin()]
    icc = summaries.icc_summary(ctx.results.scores, ctx.year)
    return [
        KeyFigure(t("validation.key.scales", lang), format_number(len(rel), lang, 0),
                  t("validation.key.items", lang, n=len(ctx.items))),
        KeyFigure(t("validation.key.weak", lang,
                    threshold=format_number(ALPHA_THRESHOLD, lang, 2)),
                  format_number(len(weak_scales(ctx)), lang, 0)),
        KeyFigure(t("validation.key.lowest", lang), ctx.labels.get(weakest["unit"], ""),
                  t("validation.key.alpha", lang, alpha=format_number(weakest["alpha"], lang, 2)),
                  "text"),
        KeyFigure(t("validation.key.icc", lang), format_number(icc["icc1"].median(), lang, 2),
                  t("validation.key.icc_detail", lang)),
    ]  # fmt: skip


def add_summary(doc: Document, ctx: ValidationContext) -> None:
    """What the numbers mean, in words: weak scales and the items that weaken them."""
    lang = ctx.lang
    rel = ctx.reliability.dropna(subset=["alpha"])
    weak = weak_scales(ctx)
    doc.key_figures(key_figures(ctx))
    doc.heading(t("status.summary", lang))
    doc.paragraph(t("validation.intro", lang, n_scales=len(rel), n_items=len(ctx.items),
                    year=ctx.year))  # fmt: skip
    doc.paragraph(t("validation.weak", lang, n_weak=len(weak), n_scales=len(rel),
                    threshold=format_number(ALPHA_THRESHOLD, lang, 2)))  # fmt: skip
    lines = []
    for row in weak.itertuples():
        item = ctx.labels.get(str(row.weakest_item), "")
        lines.append(
            t(
                "validation.weak_scale",
                lang,
                scale=ctx.labels.get(row.unit, row.unit),
                alpha=format_number(row.alpha, lang, 2),
                n_items=int(row.n_items),
                item=item,
                r_drop=format_number(row.weakest_r_drop, lang, 2),
            )
        )
    if lines:
        doc.bullets(lines)
    flagged = ctx.items[ctx.items["possible_reverse_key"].astype(bool)]
    doc.paragraph(t("validation.reverse", lang, n=len(flagged)))


def add_reliability(doc: Document, ctx: ValidationContext) -> None:
    """Alpha (Feldt interval) and omega per scale."""
    lang = ctx.lang
    doc.heading(t("validation.reliability", lang))
    doc.paragraph(t("validation.reliability.text", lang))
    for level in ("dimension", "category", "capability"):
        rel = ctx.reliability[ctx.reliability["level"] == level]
        doc.table(
            select(rel, ["unit", "n_items", "n_obs", "alpha", "ci_low", "ci_high", "omega_total",
                         "n_low_r_drop"]),
            f"reliability_{level}", caption=t(f"validation.reliability.{level}", lang,
                                              year=ctx.year),
            labels=ctx.labels, kinds={"ci_low": "decimal2", "ci_high": "decimal2"}, export=rel,
        )  # fmt: skip
    doc.note(t("validation.reliability.note", lang))


def add_items(doc: Document, ctx: ValidationContext) -> None:
    """Every item with its wording: mean, SD, corrected item-total r, alpha if deleted."""
    lang = ctx.lang
    doc.heading(t("validation.items", lang))
    doc.paragraph(t("validation.items.text", lang))
    items = ctx.items.assign(missing_share=100 * ctx.items["missing_share"])
    doc.table(
        select(items, ["unit", "item_id", "mean", "sd", "r_drop", "alpha_if_deleted",
                       "missing_share"]),
        "item_analysis", caption=t("validation.items.table", lang, year=ctx.year),
        labels=ctx.labels,
        kinds={"mean": "decimal2", "sd": "decimal2", "missing_share": "pct"}, export=ctx.items,
    )  # fmt: skip


def add_distribution(doc: Document, ctx: ValidationContext) -> None:
    """Answer shares per code, don't know and missing, per item."""
    lang = ctx.lang
    dist = ctx.results.item_distribution
    dist = dist[dist["year"] == ctx.year]
    shares = [c for c in dist.columns if c.startswith("share_")] + [
        "dont_know_share",
        "missing_share",
    ]
    shown = dist.assign(**{c: 100 * dist[c] for c in shares})
    doc.heading(t("validation.distribution", lang))
    doc.paragraph(t("validation.distribution.text", lang))
    doc.table(
        select(shown, ["item_id", *shares]), "item_distribution",
        caption=t("validation.distribution.table", lang, year=ctx.year), labels=ctx.labels,
        kinds={c: "pct" for c in shares}, export=dist,
    )  # fmt: skip


def add_correlations(doc: Document, ctx: ValidationContext) -> None:
    """One inter-item correlation heat map per category."""
    lang, codebook = ctx.lang, ctx.results.codebook
    doc.heading(t("validation.correlations", lang))
    doc.paragraph(t("validation.correlations.text", lang))
    for category in codebook.units_at("category"):
        corr = summaries.item_correlations(ctx.answers, codebook, category, level="category")
        label = codebook.label("category", category, lang)
        doc.plot(
            "correlation_heatmap", corr, lang, title="", name=f"item_correlations_{category}",
            caption=t("validation.correlations.figure", lang, category=label, year=ctx.year),
        )  # fmt: skip


def add_agreement(doc: Document, ctx: ValidationContext) -> None:
    """Agreement within organisations and the ICCs."""
    lang, scores = ctx.lang, ctx.results.scores
    doc.heading(t("validation.agreement", lang))
    doc.paragraph(t("validation.agreement.text", lang))
    agreement = summaries.agreement_summary(ctx.results.aggregation, scores, ctx.year)
    doc.table(
        select(agreement, ["unit", "n_organisations", "median_rwg_j", "share_low_agreement_pct",
                           "mean_ad_m", "rwg_threshold"]),
        "agreement", caption=t("appendix.agreement.table", lang, year=ctx.year),
        labels=ctx.labels, kinds={"rwg_threshold": "decimal2"}, export=agreement,
    )  # fmt: skip
    icc = summaries.icc_summary(scores, ctx.year)
    doc.table(
        select(icc.rename(columns={"n_groups": "n_organisations"}),
               ["unit", "n_respondents", "n_organisations", "group_size", "icc1", "icc2"]),
        "icc", caption=t("validation.icc.table", lang, year=ctx.year), labels=ctx.labels,
        export=icc,
    )  # fmt: skip


def add_appendix(doc: Document, ctx: ValidationContext) -> None:
    doc.heading(t("appendix.methods", ctx.lang))
    for key in ("methods.scores", "methods.reliability"):
        doc.paragraph(t(key, ctx.lang))
    add_provenance(doc, ctx.results, {"year": ctx.year, "lang": ctx.lang})


SECTIONS = (add_summary, add_reliability, add_items, add_distribution, add_correlations,
            add_agreement, add_appendix)  # fmt: skip


def build_validation_report(
    results: Results,
    output_dir: str | Path,
    *,
    year: int | None = None,
    lang: str = "sv",
    show: bool = True,
) -> Document:
    """The whole validation report."""
    ctx = ValidationContext(results, year, lang)
    doc = start(ctx, output_dir, show=show)
    for section in SECTIONS:
        section(doc, ctx)
    doc.save()
    return doc
