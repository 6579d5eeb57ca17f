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
from ..stats.cfa import cfa, highest_invariance
from . import summaries
from .document import Document, KeyFigure
from .locale import t
from .numbers import format_number
from .results import INVARIANCE_SAMPLE, Results
from .sections import add_provenance, new_document
from .status import unit_labels
from .tables import select

__all__ = ["ALPHA_THRESHOLD", "SECTIONS", "ValidationContext", "build_validation_report"]

#: The usual lower bound of acceptable internal consistency (Nunnally 1978).
ALPHA_THRESHOLD = 0.70
#: Weak scales named in the summary (all are in the reliability tables).
WEAKEST_SHOWN = 5


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

    @cached_property
    def cfa(self):
        """The category-level factor model of the round (FIML)."""
        return cfa(self.results, self.year, level="category")

    @cached_property
    def invariance(self) -> pd.DataFrame:
        return self.results.invariance()


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
        KeyFigure(t("validation.key.cfa", lang), format_number(ctx.cfa.fit["cfi"].iloc[0], lang, 3),
                  t("validation.key.cfa_detail", lang,
                    rmsea=format_number(ctx.cfa.fit["rmsea"].iloc[0], lang, 3))),
        KeyFigure(t("validation.key.invariance", lang),
                  t(f"value.invariance.{highest_invariance(ctx.invariance)}", lang), "", "text"),
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
    for row in weak.nsmallest(WEAKEST_SHOWN, "alpha").itertuples():
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
        doc.paragraph(t("validation.weakest", lang, n=len(lines)))
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
    add_ordinal(doc, ctx)


def add_ordinal(doc: Document, ctx: ValidationContext) -> None:
    """Raw and ordinal alpha and omega side by side, and what the difference means."""
    lang = ctx.lang
    table = summaries.ordinal_reliability_table(ctx.answers, ctx.results.codebook)
    gain = (table["alpha_ordinal"] - table["alpha"]).median()
    doc.heading(t("validation.ordinal", lang), level=3)
    doc.paragraph(t("validation.ordinal.text", lang, gain=format_number(gain, lang, 2)))
    doc.table(
        select(table, ["unit", "n_items", "alpha", "alpha_ordinal", "omega_total",
                       "omega_ordinal"]),
        "reliability_ordinal", caption=t("validation.ordinal.table", lang, year=ctx.year),
        labels=ctx.labels, export=table,
    )  # fmt: skip


def add_structure(doc: Document, ctx: ValidationContext) -> None:
    """Confirmatory factor analysis of the category structure, and invariance over rounds."""
    lang, fit = ctx.lang, ctx.cfa.fit.iloc[0]
    doc.heading(t("validation.cfa", lang))
    good = fit["cfi"] >= 0.95 and fit["rmsea"] <= 0.06 and fit["srmr"] <= 0.08
    doc.paragraph(t("validation.cfa.good" if good else "validation.cfa.poor", lang,
                    cfi=format_number(fit["cfi"], lang, 3),
                    rmsea=format_number(fit["rmsea"], lang, 3),
                    srmr=format_number(fit["srmr"], lang, 3), n=int(fit["n"])))  # fmt: skip
    doc.table(
        select(ctx.cfa.fit, ["n", "chisq", "df", "cfi", "tli", "rmsea", "rmsea_ci_low",
                             "rmsea_ci_high"]),
        "cfa_fit", caption=t("validation.cfa.fit_table", lang, year=ctx.year),
        kinds={"chisq": "decimal1", "df": "count", "cfi": "decimal3", "tli": "decimal3",
               "rmsea": "decimal3", "rmsea_ci_low": "decimal3", "rmsea_ci_high": "decimal3"},
        export=ctx.cfa.fit,
    )  # fmt: skip
    loadings = ctx.cfa.loadings
    doc.paragraph(t("validation.cfa.loadings", lang,
                    low=format_number(loadings["std_loading"].min(), lang, 2),
                    high=format_number(loadings["std_loading"].max(), lang, 2)))  # fmt: skip
    doc.table(
        select(loadings, ["factor", "item_id", "std_loading", "se"]), "cfa_loadings",
        caption=t("validation.cfa.loadings_table", lang, year=ctx.year), labels=ctx.labels,
        kinds={"std_loading": "decimal2", "se": "decimal3"}, export=loadings,
    )  # fmt: skip
    add_invariance(doc, ctx)


def add_invariance(doc: Document, ctx: ValidationContext) -> None:
    """Configural, metric and scalar invariance across the rounds (Chen 2007)."""
    lang, table = ctx.lang, ctx.invariance
    verdict = highest_invariance(table)
    doc.heading(t("validation.invariance", lang), level=3)
    doc.paragraph(t(f"validation.invariance.{verdict}", lang,
                    n_rounds=int(table["n_groups"].iloc[0]),
                    n_per_round=INVARIANCE_SAMPLE))  # fmt: skip
    doc.table(
        select(table, ["model", "df", "cfi", "rmsea", "srmr", "delta_cfi", "delta_rmsea",
                       "decision"]),
        "measurement_invariance", caption=t("validation.invariance.table", lang),
        kinds={"df": "count", "cfi": "decimal3", "rmsea": "decimal3", "srmr": "decimal3",
               "delta_cfi": "decimal3", "delta_rmsea": "decimal3"}, export=table,
    )  # fmt: skip


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
        names = {item: codebook.item_short_label(item, lang) for item in corr.index}
        corr = corr.rename(index=names, columns=names).rename_axis(index=None, columns=None)
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


SECTIONS = (add_summary, add_reliability, add_structure, add_items, add_distribution,
            add_correlations, add_agreement, add_appendix)  # fmt: skip


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
