"""The follow-up report: change between two rounds, the trend, the programme and the target.

The notebook ``notebooks/follow_up_report.ipynb`` holds the parameters and calls these
functions in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..io.programmes import load_programme
from ..stats import indices
from ..stats.did import adoption_pattern, staggered_did
from ..stats.goals import goal_attainment
from ..stats.growth import growth_model
from ..stats.panel import attrition_table, paired_change
from ..stats.programme import programme_design_problem, programme_effect
from ..stats.targets import target_attainment
from ..stats.twfe_diagnostics import twfe_weights
from . import narrative, summaries
from .document import Document, KeyFigure
from .locale import t
from .numbers import format_ci, format_number, format_p, format_pct, format_pp, format_pp_short
from .results import Results
from .sections import add_provenance, new_document
from .status import unit_labels
from .tables import select

__all__ = ["FollowUpContext", "SECTIONS", "build_follow_up_report"]

#: Below this p the years before the start are reported as differing (parallel trends doubtful).
PRE_TREND_ALPHA = 0.05


@dataclass
class FollowUpContext:
    """What the sections of a follow-up report share (computed once, on first use)."""

    results: Results
    baseline: int | None
    follow_up: int | None
    lang: str
    cohort: str | None = None
    target: float = 55.0
    target_year: int = 2023
    programme: str = "esf_digital_mognad_2021_2023"
    seed: int = 0
    n_boot: int = 10000
    did_boot: int = 999
    labels: dict = field(init=False)

    def __post_init__(self) -> None:
        scores = self.results.scores
        self.baseline, self.follow_up = summaries.resolve_rounds(
            scores, self.baseline, self.follow_up
        )
        self.labels = unit_labels(self.results.codebook, self.lang)

    @property
    def scores(self):
        return self.results.scores

    @cached_property
    def panel(self) -> pd.DataFrame:
        return summaries.cohort_panel(self.scores, self.baseline, self.follow_up, self.cohort)

    @cached_property
    def change(self) -> pd.DataFrame:
        return paired_change(self.panel)

    @cached_property
    def all_rounds(self) -> pd.DataFrame:
        return summaries.cohort_scores(self.scores, None, self.cohort, levels=("overall",))

    @cached_property
    def growth(self):
        return growth_model(self.all_rounds)

    @cached_property
    def index_by_year(self) -> pd.DataFrame:
        return summaries.national_index_by_year(self.scores, n_boot=self.n_boot, seed=self.seed)

    @cached_property
    def attainment(self):
        return target_attainment(
            self.index_by_year, self.target, self.target_year, growth=self.growth
        )

    @property
    def cohort_name(self) -> str:
        return t(f"cohort.{self.cohort or 'all'}", self.lang)


def start(ctx: FollowUpContext, output_dir: str | Path, *, show: bool = True) -> Document:
    """The document with its title block."""
    n = int(ctx.scores.reportable_types(ctx.follow_up)["organisation_id"].nunique())
    return new_document(
        ctx.results, output_dir, ctx.lang, name=f"follow_up_{ctx.baseline}_{ctx.follow_up}",
        title=t("follow.title", ctx.lang, baseline=ctx.baseline, follow_up=ctx.follow_up),
        subtitle=t("follow.subtitle", ctx.lang, cohort=ctx.cohort_name),
        year=ctx.follow_up, n_organisations=n, show=show,
    )  # fmt: skip


def key_figures(ctx: FollowUpContext) -> list[KeyFigure]:
    """Mean change of the panel, the yearly trend, the target projection."""
    lang = ctx.lang
    overall = ctx.change[ctx.change["level"] == "overall"].iloc[0]
    slope = ctx.growth.to_frame().set_index("term").loc["year"]
    projection = ctx.attainment.projection.iloc[0]
    return [
        KeyFigure(
            t("follow.key.change", lang, baseline=ctx.baseline, follow_up=ctx.follow_up),
            format_pp_short(overall["mean_change"], lang),
            format_ci(overall["ci_low"], overall["ci_high"], lang, unit="pp"),
        ),
        KeyFigure(t("follow.key.panel", lang), str(int(overall["n"])),
                  t("follow.key.panel_detail", lang, share_pct=100 * overall["share_improved"])),
        KeyFigure(t("follow.key.trend", lang), format_pp_short(slope["estimate"], lang, 2),
                  format_ci(slope["ci_low"], slope["ci_high"], lang, 2, unit="pp")),
        KeyFigure(t("follow.key.target", lang, target=format_pct(ctx.target, lang, 0)),
                  t(f"follow.key.status.{projection['status']}", lang),
                  narrative.projection_year(projection, lang)),
    ]  # fmt: skip


def add_summary(doc: Document, ctx: FollowUpContext) -> None:
    """Key figures, then the introduction."""
    doc.key_figures(key_figures(ctx))
    doc.heading(t("status.summary", ctx.lang))
    doc.paragraph(t("follow.intro", ctx.lang, baseline=ctx.baseline, follow_up=ctx.follow_up,
                    cohort=ctx.cohort_name, target=format_pct(ctx.target, ctx.lang, 0),
                    target_year=ctx.target_year))  # fmt: skip
    doc.paragraph(narrative.projection_sentence(ctx.attainment, ctx.lang))


def add_panel(doc: Document, ctx: FollowUpContext) -> None:
    """Who was measured in both rounds, and whether those who left differed."""
    lang = ctx.lang
    rounds = summaries.cohort_scores(ctx.scores, [ctx.baseline, ctx.follow_up], ctx.cohort)
    attrition = attrition_table(rounds, ctx.baseline, ctx.follow_up)
    overall = ctx.change[ctx.change["level"] == "overall"].iloc[0]
    doc.heading(t("panel", lang))
    doc.paragraph(t("panel.text", lang, n_panel=int(overall["n"]), baseline=ctx.baseline,
                    follow_up=ctx.follow_up))  # fmt: skip
    doc.table(
        select(attrition, ["unit", "n_stayed", "mean_stayed", "n_left", "mean_left", "diff", "p"]),
        "attrition", caption=t("panel.table", lang, baseline=ctx.baseline), labels=ctx.labels,
        kinds={"mean_stayed": "pct", "mean_left": "pct"}, export=attrition,
    )  # fmt: skip


def add_change(doc: Document, ctx: FollowUpContext) -> None:
    """Mean change per dimension and category, and the slopegraph of organisations."""
    lang, change = ctx.lang, ctx.change
    doc.heading(t("change", lang))
    labelled = summaries.add_labels(change, ctx.results.codebook, lang)
    doc.bullets([narrative.change_sentence(row, lang) for _, row in labelled.iterrows()])
    shown = change.assign(share_improved=100 * change["share_improved"])
    doc.table(
        select(shown, ["unit", "n", "mean_change", "ci_low", "ci_high", "d_z", "p",
                       "share_improved"]),
        "paired_change", caption=t("change.table", lang, baseline=ctx.baseline,
                                   follow_up=ctx.follow_up),
        labels=ctx.labels, kinds={"ci_low": "pp", "ci_high": "pp", "share_improved": "pct"},
        export=change,
    )  # fmt: skip
    overall = ctx.panel[ctx.panel["level"] == "overall"]
    doc.plot(
        "slopegraph", overall, lang, baseline_year=ctx.baseline, follow_up_year=ctx.follow_up,
        title="", name="slopegraph",
        caption=t("change.figure", lang, baseline=ctx.baseline, follow_up=ctx.follow_up),
    )  # fmt: skip


def add_growth(doc: Document, ctx: FollowUpContext) -> None:
    """The trend over all rounds from the growth model, beside the national index."""
    lang = ctx.lang
    frame = ctx.growth.to_frame()
    slope = frame.set_index("term").loc["year"]
    doc.heading(t("growth", lang))
    doc.paragraph(
        t(
            "growth.text",
            lang,
            slope=format_pp(slope["estimate"], lang, 2),
            ci=format_ci(slope["ci_low"], slope["ci_high"], lang, 2, unit="pp"),
        )
    )
    trend = summaries.trend_frame(ctx.index_by_year, ctx.growth, lang)
    years = ctx.index_by_year["year"]
    doc.plot(
        "trend_lines", trend, lang, group_col="series", target=ctx.target, title="",
        name="trend", caption=t("growth.figure", lang, first_year=years.min(),
                                last_year=years.max()),
    )  # fmt: skip
    doc.table(
        select(frame[frame["term"] == "year"].rename(columns={"estimate": "slope"}),
               ["slope", "se", "ci_low", "ci_high", "p", "method"]),
        "growth_model", caption=t("growth.table", lang),
        kinds={"se": "decimal2", "ci_low": "pp", "ci_high": "pp"}, export=frame,
    )  # fmt: skip


def add_programme_effect(doc: Document, ctx: FollowUpContext) -> None:
    """The programme estimate: Callaway–Sant'Anna ATT, event-time curve, pre-trend test."""
    lang = ctx.lang
    panel_all = summaries.cohort_scores(ctx.scores, None, None, levels=("overall",))
    doc.heading(t("programme_effect", lang))
    problem = programme_design_problem(panel_all)
    if problem is not None:
        doc.paragraph(t(f"programme_effect.{problem}", lang))
        return
    result = staggered_did(panel_all, n_boot=ctx.did_boot, seed=ctx.seed)
    overall = result.overall.iloc[0]
    doc.paragraph(t("programme_effect.did", lang, att=format_pp(overall["att"], lang),
                    ci=format_ci(overall["ci_low"], overall["ci_high"], lang, unit="pp"),
                    n_treated=int(overall["n_treated_organisations"]),
                    n=int(overall["n_organisations"])))  # fmt: skip
    pre = result.pre_trend.iloc[0]
    key = "pre_trend" if not pre["p"] < PRE_TREND_ALPHA else "pre_trend_differs"
    doc.paragraph(t(f"programme_effect.{key}", lang, p=format_p(pre["p"], lang),
                    df=int(pre["df"])))  # fmt: skip
    doc.note(t("programme.caveat", lang))
    for code in result.notes:
        doc.note(t(f"programme_effect.note.{code}", lang))
    doc.plot(
        "event_time_effects", result.event_time, lang, title="", name="event_time",
        caption=t("programme_effect.event_figure", lang),
    )  # fmt: skip
    doc.table(
        select(result.event_time, ["event_time", "att", "ci_low", "ci_high", "band_low",
                                   "band_high", "n_groups"]),
        "event_time", caption=t("programme_effect.event_table", lang),
        kinds={"event_time": "count", "att": "pp", "ci_low": "pp", "ci_high": "pp",
               "band_low": "pp", "band_high": "pp"}, export=result.event_time,
    )  # fmt: skip
    _add_twfe_comparison(doc, ctx, panel_all)


def _add_twfe_comparison(doc: Document, ctx: FollowUpContext, panel_all: pd.DataFrame) -> None:
    """The two-way fixed-effects estimate, and its weights when adoption is staggered."""
    lang = ctx.lang
    twfe = programme_effect(panel_all).effect.iloc[0]
    if adoption_pattern(panel_all) != "staggered":
        doc.paragraph(t("programme_effect.twfe", lang, estimate=format_pp(twfe["estimate"], lang)))
        return
    weights = twfe_weights(panel_all)
    summary = weights.summary.iloc[0]
    doc.paragraph(t(
        "programme_effect.twfe_staggered", lang, estimate=format_pp(twfe["estimate"], lang),
        n_negative=int(summary["n_negative_cells"]), n_cells=int(summary["n_cells"]),
        negative=format_number(summary["negative_weight_sum"], lang, 3),
    ))  # fmt: skip
    doc.table(
        select(weights.cells, ["group", "year", "event_time", "n_obs", "weight", "negative"]),
        "twfe_weights", caption=t("programme_effect.weights_table", lang),
        kinds={"group": "year", "event_time": "count", "weight": "decimal3"},
        export=weights.cells,
    )  # fmt: skip


def add_target(doc: Document, ctx: FollowUpContext) -> None:
    """The target: met in the target year? the projection of the trend."""
    lang, attainment = ctx.lang, ctx.attainment
    doc.heading(t("target_attainment", lang))
    if ctx.target_year in ctx.scores.years:
        gap = indices.target_gap(ctx.scores, ctx.target_year, ctx.target, n_boot=ctx.n_boot,
                                 seed=ctx.seed)  # fmt: skip
        doc.paragraph(narrative.target_sentence(gap, lang))
    doc.paragraph(narrative.projection_sentence(attainment, lang))
    rounds = attainment.rounds
    doc.table(
        select(rounds, ["year", "estimate", "ci_low", "ci_high", "gap", "target_met"]),
        "target_attainment", caption=t("target_attainment.table", lang,
                                       target=format_pct(ctx.target, lang, 0)),
        export=rounds,
    )  # fmt: skip


def add_programme_indicators(doc: Document, ctx: FollowUpContext) -> None:
    """The programme's own indicators, recomputed from its raw counts."""
    lang = ctx.lang
    programme = load_programme(ctx.programme)
    goals = goal_attainment(programme)
    doc.heading(t("programme_indicators", lang))
    doc.bullets(narrative.programme_sentences(programme, goals, lang))
    labels = {f"{i}": t(f"indicator.{i}", lang) for i in goals["indicator"]}
    doc.table(
        select(goals, ["indicator", "value", "reference", "result", "result_unit", "goal_met"]),
        "programme_goal_attainment", caption=t("programme_indicators.table", lang),
        labels=labels, kinds={"value": "decimal1", "reference": "decimal1", "result": "decimal1"},
        export=goals,
    )  # fmt: skip


def add_appendix(doc: Document, ctx: FollowUpContext) -> None:
    """Method notes and provenance."""
    doc.heading(t("appendix.methods", ctx.lang))
    for key in ("methods.scores", "methods.index", "methods.change", "methods.growth",
                "methods.did"):  # fmt: skip
        doc.paragraph(t(key, ctx.lang, min_respondents=ctx.scores.min_respondents))
    parameters = {
        "baseline": ctx.baseline, "follow_up": ctx.follow_up, "cohort": ctx.cohort,
        "target": ctx.target, "target_year": ctx.target_year, "programme": ctx.programme,
        "lang": ctx.lang, "seed": ctx.seed,
    }  # fmt: skip
    add_provenance(doc, ctx.results, parameters)


#: The sections in report order (the notebook calls them one cell at a time).
SECTIONS = (add_summary, add_panel, add_change, add_growth, add_programme_effect, add_target,
            add_programme_indicators, add_appendix)  # fmt: skip


def build_follow_up_report(
    results: Results, output_dir: str | Path, *, show: bool = True, **parameters
) -> Document:
    """The whole follow-up report (parameters as :class:`FollowUpContext`)."""
    ctx = FollowUpContext(results, parameters.pop("baseline", None),
                          parameters.pop("follow_up", None), **parameters)  # fmt: skip
    doc = start(ctx, output_dir, show=show)
    for section in SECTIONS:
        section(doc, ctx)
    doc.save()
    return doc
