"""The annual status report, section by section.

The notebook ``notebooks/status_report.ipynb`` holds the parameters and calls these
functions in order; every number comes from :mod:`dimios_research.stats` through
:mod:`~dimios_research.report.summaries`, every word from the locale catalogue.

>>> ctx = StatusContext(demo_results, 2023, "en", n_boot=200)
>>> bool(ctx.index["estimate"] > 0)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ..stats import indices, reliability
from ..stats.cfa import highest_invariance
from . import narrative, summaries
from .document import Document, KeyFigure
from .locale import t
from .numbers import format_ci, format_pct, format_pp, format_pp_short
from .results import Results
from .sections import add_provenance, new_document
from .tables import select

__all__ = ["SECTIONS", "StatusContext", "build_status_report", "unit_labels"]

#: Size (inches) of the figures with a row per capability: fits an A4 page with its caption.
TALL_FIGURE = (7.0, 8.6)
#: Post hoc pairs are shown when their adjusted p is below this (all pairs go to the workbook).
POSTHOC_ALPHA = 0.05


@dataclass
class StatusContext:
    """What every section of a status report shares (computed once, on first use).

    Parameters
    ----------
    results : Results
    year : int or None
        The round (default the latest).
    lang : {"sv", "en"}
    org_types : sequence of str, optional
        Restrict every section to these organisation types.
    target : float, default 55.0
        The national target (percent).
    n_boot, seed : int
        Bootstrap resamples and seed of every interval.
    weighting : {"poststratified", "raked", "none"}, default "poststratified"
        How the national index generalises from the participants to the organisation
        register (:func:`dimios_research.national_index`); the participants' unweighted
        mean is always shown beside it.
    """

    results: Results
    year: int | None
    lang: str
    org_types: list[str] | None = None
    target: float = 55.0
    n_boot: int = 10000
    seed: int = 0
    weighting: str = "poststratified"
    boot: dict = field(init=False)

    def __post_init__(self) -> None:
        self.results = summaries.filter_results(self.results, self.org_types)
        self.year = self.scores.check_year(self.year)
        self.boot = {"n_boot": int(self.n_boot), "seed": int(self.seed)}

    @property
    def scores(self):
        return self.results.scores

    @property
    def codebook(self):
        return self.results.codebook

    @cached_property
    def previous(self) -> int | None:
        return self.scores.previous_round(self.year)

    @cached_property
    def index(self) -> pd.Series:
        """The national index: the population estimate (``weighting``)."""
        return indices.national_index(
            self.scores, self.year, **self.boot, weighting=self.weighting
        ).iloc[0]

    @cached_property
    def participants(self) -> pd.Series:
        """The participants' unweighted mean, shown beside the weighted index."""
        if self.weighting == "none":
            return self.index
        return indices.national_index(self.scores, self.year, **self.boot).iloc[0]

    @cached_property
    def change(self) -> pd.Series | None:
        if self.previous is None:
            return None
        return indices.index_change(self.scores, self.year, self.previous, **self.boot).iloc[0]

    @cached_property
    def gap(self) -> pd.Series:
        return indices.target_gap(
            self.scores, self.year, self.target, **self.boot, weighting=self.weighting
        ).iloc[0]

    @cached_property
    def index_by_year(self) -> pd.DataFrame:
        return summaries.national_index_by_year(self.scores, **self.boot, weighting=self.weighting)

    @cached_property
    def types(self) -> pd.DataFrame:
        return summaries.type_distribution(self.scores, self.year, self.lang)

    def profile(self, level: str) -> pd.DataFrame:
        return self._profiles.setdefault(
            level,
            summaries.profile_table(
                self.scores, self.year, self.codebook, level, self.lang, **self.boot
            ),
        )

    @cached_property
    def _profiles(self) -> dict:
        return {}

    @property
    def n_organisations(self) -> int:
        return int(self.index["n_organisations"])


def _scope(ctx: StatusContext) -> str:
    if not ctx.org_types:
        return t("status.scope_all", ctx.lang)
    names = [t(f"organisation_type.{o}", ctx.lang) for o in ctx.org_types]
    return t("status.scope_some", ctx.lang, types=", ".join(names))


def start(ctx: StatusContext, output_dir: str | Path, *, show: bool = True) -> Document:
    """The document with its title block."""
    return new_document(
        ctx.results, output_dir, ctx.lang, name="status_report",
        title=t("status.title", ctx.lang, year=ctx.year),
        subtitle=t("status.subtitle", ctx.lang, year=ctx.year, scope=_scope(ctx)),
        year=ctx.year, n_organisations=ctx.n_organisations, show=show,
    )  # fmt: skip


def key_figures(ctx: StatusContext) -> list[KeyFigure]:
    """Index with CI, change with CI, gap to target, share of type D, strongest and weakest."""
    lang, index = ctx.lang, ctx.index
    items = [
        KeyFigure(
            t("key.index", lang, year=ctx.year), format_pct(index["estimate"], lang),
            format_ci(index["ci_low"], index["ci_high"], lang),
        )
    ]  # fmt: skip
    if ctx.change is not None:
        items.append(KeyFigure(
            t("key.change", lang, previous_year=ctx.previous),
            format_pp_short(ctx.change["estimate"], lang),
            format_ci(ctx.change["ci_low"], ctx.change["ci_high"], lang, unit="pp"),
        ))  # fmt: skip
    gap = ctx.gap
    items.append(KeyFigure(
        t("key.gap", lang, target=format_pct(ctx.target, lang, 0)),
        format_pp_short(gap["gap"], lang),
        t("key.gap_met" if bool(gap["met"]) else "key.gap_not_met", lang),
    ))  # fmt: skip
    d = ctx.types.set_index("maturity_type").loc["D"]
    items.append(KeyFigure(
        t("key.type_d", lang), format_pct(d["share_pct"], lang),
        t("key.type_d_detail", lang, n=int(d["n"]), name=d["name"]),
    ))  # fmt: skip
    caps = ctx.profile("capability").sort_values("estimate", kind="stable")
    for key, row in (("key.strongest", caps.iloc[-1]), ("key.weakest", caps.iloc[0])):
        items.append(
            KeyFigure(t(key, lang), str(row["label"]), format_pct(row["estimate"], lang), "text")
        )
    return items


def add_summary(doc: Document, ctx: StatusContext) -> None:
    """Key figures first, then the summary in three sentences."""
    lang = ctx.lang
    doc.key_figures(key_figures(ctx))
    doc.heading(t("status.summary", lang))
    previous = change = None
    if ctx.previous is not None:  # the key figure's change: the participants', panel-aware
        previous = {"year": ctx.previous, "estimate": ctx.change["estimate_previous"]}
        change = float(ctx.change["estimate"])
    doc.paragraph(
        narrative.national_index_sentence(ctx.index, lang, previous=previous, change=change)
    )
    doc.paragraph(narrative.target_sentence(ctx.gap, lang))
    counts = ctx.types.set_index("maturity_type")["n"]
    doc.paragraph(narrative.type_distribution_sentence(counts, lang))
    doc.paragraph(
        t("status.intro", lang, year=ctx.year, min_respondents=ctx.scores.min_respondents)
    )


def add_national(doc: Document, ctx: StatusContext) -> None:
    """The national index over the rounds: figure, table, change against the last round."""
    lang, by_year = ctx.lang, ctx.index_by_year
    doc.heading(t("national", lang))
    doc.paragraph(t("national.text", lang))
    add_weighting(doc, ctx)
    if len(ctx.scores.years) > 1:  # whether rounds may be compared (measurement invariance)
        verdict = highest_invariance(ctx.results.invariance())
        doc.paragraph(t(f"national.invariance.{verdict}", lang))
    first, last = by_year.iloc[0], by_year.iloc[-1]
    doc.plot(
        "trend_lines", by_year, lang, target=ctx.target, title="", name="national_trend",
        caption=t("national.figure", lang, first_year=first["year"], last_year=last["year"]),
    )  # fmt: skip
    columns = ["year", "estimate", "ci_low", "ci_high", "n_organisations", "n_respondents"]
    doc.table(
        select(by_year, columns), "national_index_by_year",
        caption=t("national.table", lang), export=by_year,
    )  # fmt: skip
    if ctx.change is not None:
        change = pd.DataFrame([ctx.change])
        shown = change.rename(columns={"estimate": "change", "estimate_year": "index",
                                       "estimate_previous": "index_previous"})  # fmt: skip
        doc.table(
            select(shown, ["year", "previous", "index", "index_previous", "change",
                           "ci_low", "ci_high", "method"]),
            "index_change", caption=t("national.change_table", lang, previous_year=ctx.previous),
            kinds={"previous": "year", "index": "pct", "index_previous": "pct"}, export=change,
        )  # fmt: skip
    else:
        doc.paragraph(t("national.first_round", lang))


def add_weighting(doc: Document, ctx: StatusContext) -> None:
    """The population estimate beside the participants' mean, and what the difference means."""
    lang = ctx.lang
    if ctx.weighting == "none":
        return
    weighted, plain = ctx.index, ctx.participants
    doc.paragraph(t(
        "national.weighting", lang, weighted_pct=weighted["estimate"],
        participants_pct=plain["estimate"], difference=format_pp(
            weighted["estimate"] - plain["estimate"], lang, signed=True),
        n=int(weighted["n_organisations"]), population=int(weighted["N"]),
        method=t(f"value.weighting.{ctx.weighting}", lang),
    ))  # fmt: skip
    both = pd.DataFrame([weighted, plain]).assign(
        estimate_kind=[ctx.weighting, "none"],
        N=[weighted["N"], pd.NA],
    )
    doc.table(
        select(both, ["estimate_kind", "estimate", "ci_low", "ci_high", "n_organisations", "N"]),
        "national_index_weighting", caption=t("national.weighting_table", lang, year=ctx.year),
        kinds={"N": "count"}, export=both,
    )  # fmt: skip


def add_target(doc: Document, ctx: StatusContext) -> None:
    """The gap to the national target."""
    lang = ctx.lang
    doc.heading(t("target", lang))
    doc.paragraph(narrative.target_sentence(ctx.gap, lang))
    gap = pd.DataFrame([ctx.gap])
    doc.table(
        select(gap, ["year", "estimate", "target", "gap", "gap_ci_low", "gap_ci_high", "met"]),
        "target_gap", caption=t("target.table", lang, target_pct=ctx.target), export=gap,
        kinds={"gap_ci_low": "pp", "gap_ci_high": "pp"},
    )  # fmt: skip


def unit_labels(codebook: Any, lang: str) -> dict[str, str]:
    """Every unit of the instrument (and ``overall``) to its label in ``lang``."""
    units = codebook.units
    labels = {
        str(u): codebook.label(str(lv), str(u), lang)
        for lv, u in zip(units["level"], units["unit"], strict=True)
    }
    return labels | {"overall": t("level.overall", lang)}


def add_profile(doc: Document, ctx: StatusContext) -> None:
    """National means by dimension, category and capability (capabilities by category)."""
    lang = ctx.lang
    doc.heading(t("profile", lang))
    doc.paragraph(t("profile.text", lang))
    for level in ("dimension", "category", "capability"):
        profile = ctx.profile(level)
        size = {"figsize": TALL_FIGURE} if level == "capability" else {}
        doc.plot(
            "profile_bars", profile, lang, title="", name=f"profile_{level}",
            caption=t(f"profile.figure.{level}", lang, year=ctx.year), **size,
        )  # fmt: skip
        columns = ["label", "parent_label", "estimate", "ci_low", "ci_high", "n_organisations"]
        if level == "dimension":
            columns.remove("parent_label")
        doc.table(
            select(profile, columns), f"profile_{level}",
            caption=t(f"profile.table.{level}", lang, year=ctx.year), export=profile,
        )  # fmt: skip


def add_spread(doc: Document, ctx: StatusContext) -> None:
    """How different organisations are (between) and how much their respondents differ."""
    lang = ctx.lang
    doc.heading(t("spread", lang))
    doc.paragraph(t("spread.text", lang))
    tables = [
        summaries.spread_table(ctx.scores, ctx.year, lv)
        for lv in ("overall", "dimension", "category")
    ]
    spread = pd.concat(tables, ignore_index=True)
    columns = ["unit", "mean", "sd_between", "mean_sd_within", "median", "iqr", "icc1"]
    doc.table(
        select(spread, columns), "spread", caption=t("spread.table", lang, year=ctx.year),
        labels=unit_labels(ctx.codebook, lang), export=spread,
    )  # fmt: skip
    overall = summaries.organisation_scores(ctx.scores, ctx.year)
    doc.plot(
        "distribution_by_group", overall, "score_pct", "type", lang, seed=ctx.seed, title="",
        name="overall_by_organisation_type", caption=t("spread.figure", lang, year=ctx.year),
    )  # fmt: skip


def add_types(doc: Document, ctx: StatusContext) -> None:
    """Maturity types A–D: the map, the distribution, the descriptions, the heat map."""
    lang, types = ctx.lang, ctx.types
    doc.heading(t("types", lang))
    doc.paragraph(t("types.text", lang, cut_pct=ctx.scores.parameters.get("cut", 50.0)))
    doc.paragraph(narrative.type_distribution_sentence(types.set_index("maturity_type")["n"], lang))
    rounds = summaries.round_types(ctx.scores, ctx.year)
    doc.plot(
        "quadrant_map", rounds, lang, cut=ctx.scores.parameters.get("cut", 50.0), title="",
        name="quadrant_map", caption=t("types.figure", lang, year=ctx.year),
    )  # fmt: skip
    doc.table(
        select(types, ["maturity_type", "name", "n", "share_pct"]), "maturity_types",
        caption=t("types.table", lang, year=ctx.year), export=types,
    )  # fmt: skip
    doc.bullets([
        f"{t(f'maturity_type.{row.maturity_type}', lang)} – {row.name}: {row.description}"
        for row in types.itertuples()
    ])  # fmt: skip
    matrix = summaries.capability_by_type(ctx.scores, ctx.year, ctx.codebook, lang)
    doc.plot(
        "heatmap", matrix, lang, center=float(ctx.index["estimate"]), title="",
        figsize=TALL_FIGURE,
        name="capability_by_type", caption=t("types.heatmap", lang, year=ctx.year),
    )  # fmt: skip


def _labelled_pairs(posthoc: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Post hoc pairs with each group shown by the label of its grouping."""
    from .tables import label_value

    out = posthoc.copy()
    for side in ("group_a", "group_b"):
        out[side] = [
            label_value(str(by), value, lang) for by, value in zip(out["group_by"], out[side])
        ]
    return out


def add_comparisons(doc: Document, ctx: StatusContext) -> None:
    """Omnibus tests by organisation type, size class and county; the significant pairs."""
    lang = ctx.lang
    doc.heading(t("compare", lang))
    doc.paragraph(t("compare.text", lang))
    methods = {"type": "welch", "size_class": "welch", "county": "kruskal"}
    omnibus, posthoc = summaries.group_comparisons(
        ctx.scores, ctx.year, by=tuple(methods), method=methods, p_adjust="holm"
    )
    omnibus = omnibus.assign(effect_size=omnibus.get("omega_squared").fillna(
        omnibus.get("epsilon_squared", pd.Series(dtype=float))))  # fmt: skip
    doc.table(
        select(omnibus, ["group_by", "method", "statistic", "p", "n", "n_groups", "effect_size"]),
        "comparison_omnibus", caption=t("compare.omnibus", lang, year=ctx.year),
        kinds={"effect_size": "decimal3"}, export=omnibus,
    )  # fmt: skip
    if posthoc.empty:
        return
    significant = posthoc[posthoc["p_adj"] < POSTHOC_ALPHA]
    if significant.empty:
        doc.paragraph(t("compare.no_pairs", lang, n=len(posthoc)))
        return
    columns = ["group_by", "group_a", "group_b", "diff", "ci_low", "ci_high", "p_adj", "hedges_g"]
    doc.table(
        select(_labelled_pairs(significant, lang), columns), "comparison_pairs",
        caption=t("compare.pairs", lang, n=len(significant), n_all=len(posthoc)),
        export=posthoc,
    )  # fmt: skip


def add_participation(doc: Document, ctx: StatusContext) -> None:
    """Who took part, by organisation type, size class and county."""
    lang = ctx.lang
    coverage = summaries.coverage_table(ctx.scores, ctx.year, by=("type", "size_class", "county"))
    total = coverage[coverage["group_by"] == "total"].iloc[0]
    doc.heading(t("coverage", lang))
    doc.paragraph(t("coverage.text", lang, year=ctx.year,
                    n_organisations=int(total["n_organisations"]),
                    n_respondents=int(total["n_respondents"]),
                    n_reportable=int(total["n_reportable"])))  # fmt: skip
    for by in ("type", "size_class", "county"):
        part = coverage[coverage["group_by"] == by].rename(columns={"group": by})
        doc.table(
            select(part, [by, "n_organisations", "n_reportable", "n_respondents"]),
            f"coverage_{by}", caption=t(f"coverage.table.{by}", lang, year=ctx.year),
            export=coverage if by == "type" else part,
        )  # fmt: skip


def add_appendix(doc: Document, ctx: StatusContext, parameters: dict) -> None:
    """Reliability and agreement in brief, method notes, provenance."""
    lang = ctx.lang
    doc.heading(t("appendix.reliability", lang))
    doc.paragraph(t("appendix.reliability.text", lang, year=ctx.year, threshold=0.7))
    answers = summaries.year_answers(ctx.results, ctx.year)
    levels = ("category", "dimension")  # the units the table shows
    rel = reliability.reliability_table(answers, ctx.codebook.items, levels=levels)
    labels = unit_labels(ctx.codebook, lang)
    doc.table(
        select(rel, ["unit", "n_items", "n_obs", "alpha", "ci_low", "ci_high", "omega_total"]),
        "reliability", caption=t("appendix.reliability.table", lang, year=ctx.year),
        labels=labels, kinds={"ci_low": "decimal2", "ci_high": "decimal2"}, export=rel,
    )  # fmt: skip
    agreement = summaries.agreement_summary(ctx.results.aggregation, ctx.scores, ctx.year)
    doc.table(
        select(agreement, ["unit", "n_organisations", "median_rwg_j",
                           "share_low_agreement_pct", "mean_ad_m", "rwg_threshold"]),
        "agreement", caption=t("appendix.agreement.table", lang, year=ctx.year),
        labels=labels, kinds={"rwg_threshold": "decimal2"}, export=agreement,
    )  # fmt: skip
    doc.heading(t("appendix.methods", lang))
    for key in ("methods.scores", "methods.index", "methods.weighting", "methods.types",
                "methods.threshold"):  # fmt: skip
        doc.paragraph(t(key, lang, min_respondents=ctx.scores.min_respondents))
    add_provenance(doc, ctx.results, parameters)


#: The sections before the appendix, in report order (the notebook calls them one by one).
SECTIONS = (add_summary, add_national, add_target, add_profile, add_types, add_spread,
            add_comparisons, add_participation)  # fmt: skip


def build_status_report(
    results: Results,
    output_dir: str | Path,
    *,
    year: int | None = None,
    lang: str = "sv",
    org_types: list[str] | None = None,
    target: float = 55.0,
    n_boot: int = 10000,
    seed: int = 0,
    weighting: str = "poststratified",
    show: bool = True,
) -> Document:
    """The whole status report (the notebook calls the sections one cell at a time)."""
    ctx = StatusContext(results, year, lang, org_types, target, n_boot, seed, weighting)
    doc = start(ctx, output_dir, show=show)
    for section in SECTIONS:
        section(doc, ctx)
    parameters = {"year": ctx.year, "lang": lang, "org_types": org_types, "target": target,
                  "n_boot": n_boot, "seed": seed, "weighting": weighting}  # fmt: skip
    add_appendix(doc, ctx, parameters)
    doc.save()
    return doc
