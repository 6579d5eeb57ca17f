"""The organisation profile: one reportable organisation against all and against its peers.

The notebook ``notebooks/organisation_profile.ipynb`` holds the parameters and calls these
functions in order. The organisation's name comes from the register, so it is treated as
untrusted text: it is escaped by the renderers and passed to figures as plain text.
"""

from __future__ import annotations

from pathlib import Path

from . import summaries
from .document import Document, KeyFigure
from .locale import t
from .numbers import format_number, format_pct
from .results import Results
from .sections import add_provenance, new_document
from .tables import select

__all__ = ["SECTIONS", "build_organisation_profile", "profile_for"]


def profile_for(results: Results, organisation_id: str, year: int | None, lang: str):
    """The organisation's profile (raises NotReportableError below the threshold)."""
    return summaries.organisation_profile(
        results.scores, organisation_id, year, results.codebook, lang,
        aggregation=results.aggregation,
    )  # fmt: skip


def start(results: Results, profile, output_dir: str | Path, lang: str, *, show: bool = True):
    """The document with its title block (the organisation's name in the title)."""
    attrs = profile.attributes
    n = len(results.scores.reportable_ids(profile.year))
    doc = new_document(
        results, output_dir, lang, name=f"organisation_profile_{profile.organisation_id}",
        title=t("org.title", lang, name=attrs["name"], year=profile.year),
        subtitle=t("org.subtitle", lang, organisation_type=t(
            f"organisation_type.{attrs['organisation_type']}", lang),
            size_class=attrs["size_class"], county=attrs["county"]),
        year=profile.year, n_organisations=n, show=show,
    )  # fmt: skip
    return doc


def key_figures(profile, lang: str) -> list[KeyFigure]:
    """Overall maturity, the two dimensions, the type and the percentile rank."""
    attrs = profile.attributes
    overall = profile.ranks.set_index("unit").loc["overall"]
    return [
        KeyFigure(t("org.key.overall", lang), format_pct(attrs["overall_pct"], lang),
                  t("org.key.national", lang, mean_pct=overall["mean_all"])),
        KeyFigure(t("dimension.capability", lang), format_pct(attrs["capability_pct"], lang)),
        KeyFigure(t("dimension.legacy", lang), format_pct(attrs["legacy_pct"], lang)),
        KeyFigure(t("column.maturity_type", lang),
                  t(f"maturity_type.{attrs['maturity_type']}", lang),
                  t(f"type_summary.{attrs['maturity_type']}", lang)),
        KeyFigure(t("org.key.percentile", lang), format_number(overall["percentile_all"], lang, 0),
                  t("org.key.percentile_peers", lang,
                    rank=format_number(overall["percentile_peers"], lang, 0))),
        KeyFigure(t("column.n_respondents", lang), format_number(attrs["n_respondents"], lang, 0)),
    ]  # fmt: skip


def add_summary(doc: Document, results: Results, profile) -> None:
    lang = doc.lang
    doc.key_figures(key_figures(profile, lang))
    doc.heading(t("status.summary", lang))
    doc.paragraph(t("org.intro", lang, year=profile.year,
                    peer_group=t(f"org.peer.{profile.peer_group}", lang)))  # fmt: skip


def add_ranks(doc: Document, results: Results, profile) -> None:
    """The organisation against all and against its peers, by dimension and category."""
    lang, name = doc.lang, profile.attributes["name"]
    ranks = profile.ranks
    doc.heading(t("org.ranks", lang))
    doc.plot(
        "profile_bars", ranks.rename(columns={"score_pct": "estimate"}), lang,
        reference_col="mean_peers", estimate_label=name, title="", name="profile_ranks",
        caption=t("org.ranks.figure", lang, name=name, year=profile.year),
    )  # fmt: skip
    doc.table(
        select(ranks, ["label", "score_pct", "ci_low", "ci_high", "mean_all", "percentile_all",
                       "mean_peers", "percentile_peers"]),
        "ranks", caption=t("org.ranks.table", lang, name=name, year=profile.year), export=ranks,
    )  # fmt: skip


def add_map(doc: Document, results: Results, profile) -> None:
    """Where the organisation sits among the maturity types."""
    lang, scores = doc.lang, results.scores
    doc.heading(t("org.map", lang))
    rounds = summaries.round_types(scores, profile.year)
    doc.plot(
        "quadrant_map", rounds, lang, cut=scores.parameters["cut"],
        highlight=profile.organisation_id, title="", name="quadrant_map",
        caption=t("org.map.figure", lang, name=profile.attributes["name"], year=profile.year),
    )  # fmt: skip


def add_strengths(doc: Document, results: Results, profile) -> None:
    """The capabilities furthest above (strengths) and below (weaknesses) the peers."""
    lang = doc.lang
    doc.heading(t("org.strengths", lang))
    doc.paragraph(t("org.strengths.text", lang, n=len(profile.strengths)))
    columns = ["label", "score_pct", "mean_peers", "difference"]
    for key, frame in (("strengths", profile.strengths), ("weaknesses", profile.weaknesses)):
        doc.table(
            select(frame, columns), key,
            caption=t(f"org.{key}.table", lang, n=len(frame), name=profile.attributes["name"]),
            export=frame,
        )  # fmt: skip


def add_trend(doc: Document, results: Results, profile) -> None:
    """Overall and dimension scores in every round the organisation is reportable."""
    lang, trend = doc.lang, profile.trend
    doc.heading(t("org.trend", lang))
    years = sorted(trend["year"].unique())
    if len(years) > 1:
        doc.plot(
            "trend_lines", trend.rename(columns={"score_pct": "estimate"}), lang,
            group_col="label", ylabel=t("axis.score_pct", lang), title="", name="trend",
            caption=t("org.trend.figure", lang, name=profile.attributes["name"]),
        )  # fmt: skip
    else:
        doc.paragraph(t("org.trend.single", lang, year=years[0]))
    doc.table(
        select(trend, ["year", "label", "score_pct", "ci_low", "ci_high", "n_respondents"]),
        "trend", caption=t("org.trend.table", lang, name=profile.attributes["name"]),
        export=trend,
    )  # fmt: skip


def add_agreement(doc: Document, results: Results, profile) -> None:
    """How much the organisation's respondents agree, per dimension and category."""
    lang = doc.lang
    doc.heading(t("org.agreement", lang))
    doc.paragraph(t("org.agreement.text", lang))
    agreement = profile.agreement
    doc.table(
        select(agreement, ["label", "n_respondents", "n_items", "rwg_j", "ad_m",
                           "low_agreement"]),
        "agreement", caption=t("org.agreement.table", lang, name=profile.attributes["name"]),
        export=agreement,
    )  # fmt: skip


#: Portfolio indicators a profile compares with the organisation's peers.
DIOS_INDICATORS = (
    "n_systems",
    "health_pct",
    "technical_debt_pct",
    "share_invest_pct",
    "share_eliminate_pct",
    "past_end_of_life_pct",
    "decommission_cost_pct",
)
#: Decommissioning candidates listed in a profile (the whole list is in the workbook).
DECOMMISSION_SHOWN = 10


def add_dios(doc: Document, results: Results, profile, data_dir: str | Path) -> None:
    """The organisation's system portfolio (DIOS), when the data folder has inventories."""
    from ..stats.portfolio import peer_percentiles

    portfolio = results.dios_portfolio(data_dir)
    if portfolio is None:
        return
    lang, name = doc.lang, profile.attributes["name"]
    doc.heading(t("org.dios", lang))
    try:
        peers = peer_percentiles(portfolio, profile.organisation_id, year=profile.year,
                                 indicators=DIOS_INDICATORS)  # fmt: skip
    except ValueError:  # no reportable inventory of this organisation in the round
        doc.paragraph(t("org.dios.none", lang, year=profile.year))
        return
    doc.paragraph(t("org.dios.text", lang, year=profile.year))
    labels = {i: t(f"indicator.{i}", lang) for i in DIOS_INDICATORS}
    doc.table(
        select(peers, ["indicator", "value", "peer_median", "percentile", "n_peers"]),
        "dios_indicators", caption=t("org.dios.table", lang, name=name, year=profile.year),
        labels=labels, kinds={"value": "decimal1", "peer_median": "decimal1",
                              "percentile": "decimal0"}, export=peers,
    )  # fmt: skip
    listed = portfolio.decommissioning_list(profile.organisation_id, profile.year)
    if listed.empty:
        return
    shown = listed.head(DECOMMISSION_SHOWN).assign(
        reason=lambda d: d["eliminate"].map({True: "eliminate", False: "redundant"})
    )
    doc.table(
        select(shown, ["rank", "system_name", "business_area", "time_class", "quality_pct",
                       "importance_pct", "annual_cost_sek", "reason"]),
        "dios_decommission", caption=t("org.dios.decommission", lang, name=name),
        kinds={"rank": "count", "annual_cost_sek": "count"}, export=listed,
    )  # fmt: skip


def add_appendix(doc: Document, results: Results, profile) -> None:
    doc.heading(t("appendix.methods", doc.lang))
    for key in ("methods.scores", "methods.profile", "methods.threshold"):
        doc.paragraph(t(key, doc.lang, min_respondents=results.scores.min_respondents))
    parameters = {"organisation_id": profile.organisation_id, "year": profile.year,
                  "lang": doc.lang}  # fmt: skip
    add_provenance(doc, results, parameters)


SECTIONS = (add_summary, add_ranks, add_map, add_strengths, add_trend, add_agreement,
            add_appendix)  # fmt: skip


def build_organisation_profile(
    results: Results,
    output_dir: str | Path,
    organisation_id: str,
    *,
    year: int | None = None,
    lang: str = "sv",
    show: bool = True,
) -> Document:
    """The whole profile of one organisation."""
    profile = profile_for(results, organisation_id, year, lang)
    doc = start(results, profile, output_dir, lang, show=show)
    for section in SECTIONS:
        section(doc, results, profile)
    doc.save()
    return doc
