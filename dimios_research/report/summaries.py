"""Report summaries: the small tidy tables the report notebooks show.

Every number a report notebook prints comes from a function here or from the statistics
modules (:mod:`~dimios_research.stats.indices`, :mod:`~dimios_research.stats.agreement`,
:mod:`~dimios_research.stats.compare`, :mod:`~dimios_research.stats.panel`, ...).
The functions
select and arrange results; they add no new estimators: national means come from
:func:`dimios_research.stats.indices.national_index`, ICC(1) from
:func:`dimios_research.stats.agreement.icc1`, and so on.

Privacy
-------
Only reportable organisation-rounds (``reportable == True``, see
:func:`dimios_research.scoring.score`) enter a summary that lists or ranks organisations or
that describes the spread of organisation scores. Counts of all organisations (reportable or
not) appear only as totals per group in :func:`coverage_table`, never with an identifier.

Conventions
-----------
``year=None`` means the latest round (:meth:`Scores.check_year`). ``org_types`` filters by the
organisation type of the register (kommun, region, myndighet, annan), whereas the ``type``
column of :attr:`Scores.types` holds the maturity type A–D; :func:`filter_results` applies an
organisation-type filter once, so that every later summary of a report describes the same
organisations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..conventions import ORGANISATION_TYPES, TYPE_LETTERS, check_lang
from ..errors import NotReportableError
from ..instrument.codebook import Codebook
from ..instrument.maturity_types import maturity_types
from ..scoring import Scores, reverse_keyed
from ..stats.agreement import icc_table
from ..stats.indices import level_indices, national_index
from ..stats.panel import panel
from .locale import t
from .results import Results

__all__ = [
    "ORGANISATION_TYPES",
    "COHORTS",
    "OrganisationProfile",
    "NotReportableError",
    "filter_results",
    "coverage_table",
    "spread_table",
    "profile_table",
    "type_distribution",
    "capability_by_type",
    "agreement_summary",
    "icc_summary",
    "year_answers",
    "ordinal_reliability_table",
    "item_analysis_table",
    "item_correlations",
    "percentile_rank",
    "organisation_profile",
    "cohort_scores",
    "cohort_panel",
    "national_index_by_year",
    "organisation_scores",
    "round_types",
    "group_comparisons",
    "add_labels",
    "resolve_rounds",
    "trend_frame",
]

#: Organisation types of the register (the values ``org_types`` may contain).
#: Cohorts of a follow-up report: all organisations, programme members, non-members.
COHORTS = (None, "all", "programme", "non_programme")


# ----------------------------------------------------------------------------------------------
# Rounds and selections
# ----------------------------------------------------------------------------------------------
def filter_results(results: Results, org_types: Sequence[str] | None = None) -> Results:
    """Results restricted to organisations of the given organisation types.

    Parameters
    ----------
    results : Results
        From :func:`dimios_research.report.results.load_or_score`.
    org_types : sequence of {"kommun", "region", "myndighet", "annan"}, optional
        Organisation types to keep; ``None`` keeps everything (``results`` is returned as is).

    Returns
    -------
    Results
        A copy whose scores (respondents, organisations, types, register), aggregation
        diagnostics and answers hold only organisations of those types, and whose ICC table
        is recomputed with :func:`dimios_research.stats.agreement.icc_table` on the kept
        respondents. ``item_distribution`` is an aggregate over all respondents and is kept
        unchanged.

    Raises
    ------
    ValueError
        For an unknown organisation type or an empty selection.
    """
    if org_types is None:
        return results
    if isinstance(org_types, str):
        org_types = [org_types]
    unknown = sorted(set(org_types) - set(ORGANISATION_TYPES))
    if unknown:
        raise ValueError(f"org_types: unknown type(s) {unknown}; use {list(ORGANISATION_TYPES)}")
    scores = results.scores
    register = scores.register[scores.register["type"].astype(str).isin(list(org_types))]
    keep = set(register["organisation_id"])
    if not scores.types["organisation_id"].isin(keep).any():
        raise ValueError(f"org_types={list(org_types)} selects no organisation with scores")

    def only(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["organisation_id"].isin(keep)].reset_index(drop=True)

    respondents = only(scores.respondents)
    filtered = dataclasses.replace(
        scores,
        respondents=respondents,
        organisations=only(scores.organisations),
        types=only(scores.types),
        register=register.reset_index(drop=True),
    )
    return dataclasses.replace(
        results,
        scores=filtered,
        aggregation=only(results.aggregation),
        answers=only(results.answers),
        icc=icc_table(respondents[respondents["level"].astype(str) != "overall"]),
        folder=None,  # derived tables of the store describe all organisations, not these
        _memo={},
    )


def _reportable_types(scores: Scores, year: int) -> pd.DataFrame:
    """Reportable organisation-rounds of ``year`` with the register attributes (no names)."""
    return scores.with_register(scores.reportable_types(year)).reset_index(drop=True)


# ----------------------------------------------------------------------------------------------
# Status report tables
# ----------------------------------------------------------------------------------------------
def coverage_table(
    scores: Scores, year: int, by: Sequence[str] = ("type", "county")
) -> pd.DataFrame:
    """Participating organisations and respondents of a round, per group and in total.

    Parameters
    ----------
    scores : Scores
    year : int
        Round.
    by : sequence of str, default ("type", "county")
        Register columns to group by (organisation type, size class, county).

    Returns
    -------
    pandas.DataFrame
        One row per grouping column and group, then a total row: ``group_by`` (the column, or
        ``"total"``), ``group`` (``"all"`` for the total), ``n_organisations`` (organisations
        with respondents in the round), ``n_reportable`` (of which at or above the reporting
        threshold), ``n_respondents`` (respondents kept by validation, all organisations) and
        ``n_respondents_reportable`` (respondents of reportable organisations).

    Notes
    -----
    Counts only: no organisation is named, so non-reportable organisations may be counted
    here. Groups are sorted by their value.
    """
    year = scores.check_year(year)
    types = scores.types[scores.types["year"] == year]
    frame = types.merge(
        scores.register.drop(columns=["name"], errors="ignore"),
        on="organisation_id",
        how="left",
        suffixes=("_maturity", ""),
    )
    frame = frame.assign(
        _rep_resp=frame["n_respondents"].where(frame["reportable"], 0),
    )
    aggregations = {
        "n_organisations": ("organisation_id", "nunique"),
        "n_reportable": ("reportable", "sum"),
        "n_respondents": ("n_respondents", "sum"),
        "n_respondents_reportable": ("_rep_resp", "sum"),
    }
    blocks = []
    for column in by:
        if column not in frame.columns:
            raise ValueError(
                f"by: {column!r} is not a register column; use type, size_class or county"
            )
        block = frame.groupby(column, observed=True, sort=True).agg(**aggregations)
        block = block.rename_axis("group").reset_index()
        block.insert(0, "group_by", column)
        blocks.append(block)
    total = frame.assign(_all="all").groupby("_all").agg(**aggregations)
    total = total.rename_axis("group").reset_index()
    total.insert(0, "group_by", "total")
    out = pd.concat([*blocks, total], ignore_index=True)
    out["group"] = out["group"].astype(str)
    count_columns = list(aggregations)
    out[count_columns] = out[count_columns].astype(int)
    return out


def spread_table(scores: Scores, year: int, level: str = "dimension") -> pd.DataFrame:
    """Spread of scores between and within organisations for every unit of a level.

    Parameters
    ----------
    scores : Scores
    year : int
        Round.
    level : {"overall", "dimension", "category", "capability"}, default "dimension"

    Returns
    -------
    pandas.DataFrame
        One row per unit (codebook order as in the scores): ``level, unit,
        n_organisations`` (reportable), ``mean`` (of organisation scores), ``sd_between``
        (SD of organisation scores, ddof 1), ``mean_sd_within`` (mean over organisations of
        the respondent SD inside the organisation), ``min, q25, median, q75, max, iqr``
        (of organisation scores) and ``icc1`` (:func:`dimios_research.stats.agreement.icc1` of the
        respondent scores of those organisations, group-size convention ``"mean"``).

    Notes
    -----
    ``sd_between`` contains the sampling error of each organisation mean as well as true
    differences; ``icc1`` says which share of the respondent-level variance lies between
    organisations. Quantiles use pandas' linear interpolation (type 7).
    """
    year = scores.check_year(year)
    org = scores.reportable_scores(year, level)
    if org.empty:
        raise ValueError(f"no reportable organisation scores at level {level!r} in {year}")
    grouped = org.groupby("unit", observed=True, sort=False)
    out = grouped["score_pct"].agg(
        n_organisations="count",
        mean="mean",
        sd_between="std",
        min="min",
        q25=lambda s: s.quantile(0.25),
        median="median",
        q75=lambda s: s.quantile(0.75),
        max="max",
    )
    out["mean_sd_within"] = grouped["sd"].mean()
    out["iqr"] = out["q75"] - out["q25"]
    resp = scores.respondents
    resp = resp[(resp["year"] == year) & (resp["level"] == level)]
    reportable_ids = set(org["organisation_id"])
    resp = resp[resp["organisation_id"].isin(reportable_ids)]
    icc = icc_table(resp, by=("unit",))  # every unit in one grouped pass
    out["icc1"] = (
        pd.Series(icc["icc1"].to_numpy(float), index=icc["unit"].astype(str))
        .reindex(out.index.astype(str))
        .to_numpy()
    )
    out = out.rename_axis("unit").reset_index()
    out.insert(0, "level", level)
    columns = [
        "level",
        "unit",
        "n_organisations",
        "mean",
        "sd_between",
        "mean_sd_within",
        "min",
        "q25",
        "median",
        "q75",
        "max",
        "iqr",
        "icc1",
    ]
    return out[columns]


def profile_table(
    scores: Scores,
    year: int,
    codebook: Codebook,
    level: str = "category",
    lang: str = "sv",
    *,
    n_boot: int = 10_000,
    seed: int = 0,
) -> pd.DataFrame:
    """National index with bootstrap interval for every unit of a level, with labels.

    Parameters
    ----------
    scores : Scores
    year : int
        Round.
    codebook : Codebook
        For the units (codebook order) and their labels.
    level : {"dimension", "category", "capability"}, default "category"
    lang : {"sv", "en"}
        Language of ``label`` and ``parent_label``.
    n_boot, seed :
        Passed to :func:`dimios_research.stats.indices.level_indices` (the national index
        of every unit, one resampling of the organisations for all units).

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``level, unit, label, parent, parent_label`` (the category of a
        capability, the dimension of a category, empty for a dimension), ``estimate, ci_low,
        ci_high, n_organisations, n_respondents`` and ``method``; ready for
        :func:`dimios_research.report.figures.profile_bars` (``label_col="label"``).
    """
    check_lang(lang)
    year = scores.check_year(year)
    units = codebook.units.set_index("unit")
    out = level_indices(scores, year, level, codebook.units_at(level), n_boot=n_boot, seed=seed)
    parents = [units.loc[unit, "parent"] for unit in out["unit"]]
    parent_level = {"capability": "category", "category": "dimension"}.get(level)
    out["label"] = [codebook.label(level, unit, lang) for unit in out["unit"]]
    out["parent"] = ["" if pd.isna(p) else str(p) for p in parents]
    out["parent_label"] = [
        codebook.label(parent_level, p, lang) if parent_level and not pd.isna(p) else ""
        for p in parents
    ]
    columns = [
        "level",
        "unit",
        "label",
        "parent",
        "parent_label",
        "estimate",
        "ci_low",
        "ci_high",
        "n_organisations",
        "n_respondents",
        "method",
    ]
    return out[columns]


def type_distribution(scores: Scores, year: int, lang: str = "sv") -> pd.DataFrame:
    """Counts and shares of the maturity types A–D among reportable organisations.

    Returns
    -------
    pandas.DataFrame
        One row per type A–D (types without organisations included with 0):
        ``maturity_type``,
        ``name`` and ``description`` (from :func:`dimios_research.scoring.maturity_types`),
        ``capability`` (low/high), ``legacy`` (constraining/enabling), ``n`` and
        ``share_pct`` (percent of reportable organisations with a type).
    """
    check_lang(lang)
    year = scores.check_year(year)
    types = _reportable_types(scores, year)["maturity_type"].dropna()
    counts = types.value_counts().reindex(list(TYPE_LETTERS), fill_value=0)
    names = maturity_types(lang)
    out = pd.DataFrame(
        {
            "maturity_type": list(TYPE_LETTERS),
            "name": names["name"].to_numpy(),
            "capability": names["capability"].to_numpy(),
            "legacy": names["legacy"].to_numpy(),
            "n": counts.to_numpy().astype(int),
        }
    )
    total = out["n"].sum()
    out["share_pct"] = 100.0 * out["n"] / total if total else np.nan
    out["description"] = names["description"].to_numpy()
    return out


def capability_by_type(
    scores: Scores, year: int, codebook: Codebook, lang: str = "sv"
) -> pd.DataFrame:
    """Mean capability score per organisation type: capabilities × organisation types.

    Returns
    -------
    pandas.DataFrame
        Wide matrix for :func:`dimios_research.report.figures.heatmap`: index ``capability_id``
        (capability labels in ``lang``, codebook order, capabilities of both dimensions),
        columns ``organisation_type`` (kommun, region, ...; only types with reportable
        organisations), values the unweighted mean of the reportable organisations' scores.
    """
    check_lang(lang)
    year = scores.check_year(year)
    org = scores.with_register(scores.reportable_scores(year, "capability"), ("type",))
    matrix = org.pivot_table(
        index="unit", columns="type", values="score_pct", aggfunc="mean", observed=True
    )
    capabilities = [c for c in codebook.units_at("capability") if c in matrix.index]
    columns = [t for t in ORGANISATION_TYPES if t in matrix.columns]
    matrix = matrix.loc[capabilities, columns]
    matrix.index = pd.Index(
        [codebook.label("capability", c, lang) for c in capabilities], name="capability_id"
    )
    matrix.columns = pd.Index([str(c) for c in columns], name="organisation_type")
    return matrix


def organisation_scores(
    scores: Scores, year: int, level: str = "overall", unit: str = "overall"
) -> pd.DataFrame:
    """Reportable organisation scores of one round, level and unit with register attributes.

    :meth:`Scores.organisation_level` restricted to ``year`` (``type`` is the organisation
    type); the input of :func:`dimios_research.stats.compare.compare_groups` and
    :func:`dimios_research.report.figures.distribution_by_group`.
    """
    year = scores.check_year(year)
    frame = scores.organisation_level(level, unit, reportable_only=True)
    return frame[frame["year"] == year].reset_index(drop=True)


def round_types(scores: Scores, year: int) -> pd.DataFrame:
    """Reportable organisation-rounds of ``year`` from :attr:`Scores.types` (maturity ``type``).

    The input of :func:`dimios_research.report.figures.quadrant_map`; non-reportable
    organisations are left out, so they can be neither drawn nor labelled.
    """
    return scores.reportable_types(scores.check_year(year))


def group_comparisons(
    scores: Scores,
    year: int,
    by: Sequence[str] = ("type", "size_class", "county"),
    *,
    level: str = "overall",
    unit: str = "overall",
    method: str | Mapping[str, str] = "welch",
    p_adjust: str = "holm",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`dimios_research.stats.compare.compare_groups` for several groupings of one round.

    Parameters
    ----------
    scores : Scores
    year : int
    by : sequence of str
        Register columns to compare by.
    level, unit : str
        The score compared (default overall maturity).
    method : {"welch", "kruskal"} or mapping grouping -> method, default "welch"
        A mapping chooses per grouping (missing groupings use "welch"), e.g. Kruskal–Wallis
        with Dunn tests for the 21 counties, whose groups are tiny (and Games–Howell over
        190 pairs is slow).
    p_adjust : str, default "holm"
        Adjustment of the Dunn p-values (Games–Howell p-values are family-wise already).

    Returns
    -------
    (omnibus, posthoc) : tuple of pandas.DataFrame
        The omnibus and post hoc tables of every grouping stacked, with ``group_by`` first.
        A grouping with fewer than two groups of at least two organisations gets an omnibus
        row with only ``group_by`` and ``note`` = ``"too_few_groups"`` (no test is
        possible), never an error.
    """
    from ..stats.compare import compare_groups

    frame = organisation_scores(scores, year, level, unit)
    omnibus, posthoc = [], []
    for column in by:
        try:
            chosen = method.get(column, "welch") if isinstance(method, Mapping) else method
            result = compare_groups(frame, "score_pct", column, method=chosen, p_adjust=p_adjust)
        except ValueError:  # fewer than two groups of two: a code, the report has the words
            omnibus.append(pd.DataFrame({"group_by": [column], "note": ["too_few_groups"]}))
            continue
        omnibus.append(result.omnibus.assign(note="").pipe(_first, "group_by", column))
        posthoc.append(result.posthoc.pipe(_first, "group_by", column))
    posthoc_table = pd.concat(posthoc, ignore_index=True) if posthoc else pd.DataFrame()
    return pd.concat(omnibus, ignore_index=True), posthoc_table


def _first(frame: pd.DataFrame, name: str, value: object) -> pd.DataFrame:
    out = frame.copy()
    out.insert(0, name, value)
    return out


def add_labels(frame: pd.DataFrame, codebook: Codebook, lang: str = "sv") -> pd.DataFrame:
    """Copy of a table with ``level`` and ``unit`` columns plus ``unit_label`` in ``lang``."""
    check_lang(lang)
    labels = [
        _unit_label(codebook, str(lv), str(u), lang) for lv, u in zip(frame["level"], frame["unit"])
    ]
    return frame.assign(unit_label=labels)


# ----------------------------------------------------------------------------------------------
# Agreement and instrument
# ----------------------------------------------------------------------------------------------
def agreement_summary(
    aggregation: pd.DataFrame, scores: Scores, year: int, *, rwg_threshold: float = 0.7
) -> pd.DataFrame:
    """Within-organisation agreement of a round, summarised per dimension and category.

    Parameters
    ----------
    aggregation : pandas.DataFrame
        :attr:`Results.aggregation` (from
        :func:`dimios_research.stats.agreement.aggregation_table`).
    scores : Scores
        Decides which organisation-rounds are reportable (only those are summarised).
    year : int
    rwg_threshold : float, default 0.7
        Conventional cut for adequate agreement (LeBreton & Senter 2008).

    Returns
    -------
    pandas.DataFrame
        One row per ``level, unit``: ``n_organisations`` (with an rwg(j)),
        ``median_rwg_j``, ``share_low_agreement_pct`` (percent with rwg(j) below the
        threshold), ``mean_ad_m`` and ``rwg_threshold``.
    """
    year = scores.check_year(year)
    agg = aggregation[
        (aggregation["year"] == year)
        & aggregation["organisation_id"].isin(scores.reportable_ids(year))
    ]
    agg = agg.dropna(subset=["rwg_j"]).assign(_low=lambda d: d["rwg_j"] < rwg_threshold)
    out = agg.groupby(["level", "unit"], sort=False, observed=True).agg(
        n_organisations=("organisation_id", "nunique"),
        median_rwg_j=("rwg_j", "median"),
        share_low_agreement_pct=("_low", "mean"),
        mean_ad_m=("ad_m", "mean"),
    )
    out["share_low_agreement_pct"] *= 100.0
    out["rwg_threshold"] = rwg_threshold
    return out.reset_index()


def icc_summary(
    scores: Scores, year: int, levels: Sequence[str] = ("dimension", "category")
) -> pd.DataFrame:
    """ICC(1) and ICC(2) of respondent scores of reportable organisations in a round.

    Returns
    -------
    pandas.DataFrame
        :func:`dimios_research.stats.agreement.icc_table` rows (``year, level, unit,
        n_respondents, n_groups, group_size, icc1, icc2, group_size_convention``) for the
        given levels.
    """
    year = scores.check_year(year)
    resp = scores.respondents
    resp = resp[
        (resp["year"] == year)
        & resp["level"].isin(list(levels))
        & resp["organisation_id"].isin(scores.reportable_ids(year))
    ]
    resp = resp.assign(level=resp["level"].astype(str))
    table = icc_table(resp)
    order = {level: i for i, level in enumerate(levels)}
    return table.sort_values("level", key=lambda s: s.map(order), kind="stable").reset_index(
        drop=True
    )


def year_answers(results: Results, year: int) -> pd.DataFrame:
    """Answers of one round with reverse-keyed items recoded (for reliability analyses)."""
    year = results.scores.check_year(year)
    answers = results.answers[results.answers["year"] == year]
    return reverse_keyed(answers, results.codebook).reset_index(drop=True)


def ordinal_reliability_table(
    answers: pd.DataFrame, codebook: Codebook, levels: Sequence[str] = ("dimension", "category")
) -> pd.DataFrame:
    """Raw and ordinal (polychoric) alpha and omega per unit, side by side.

    Returns ``level, unit, n_items, alpha, alpha_ordinal, omega_total, omega_ordinal``:
    :func:`dimios_research.stats.reliability.cronbach_alpha` and
    :func:`~dimios_research.stats.reliability.omega_total` with ``method="pearson"`` and
    ``"polychoric"`` (Zumbo, Gadermann & Zeisser 2007). ``answers`` are reverse-keyed
    (:func:`year_answers`).
    """
    from ..stats.reliability import cronbach_alpha, omega_total

    items = codebook.items
    rows = []
    for level in levels:  # a loop over the handful of scales, each vectorised
        for unit in codebook.units_at(level):
            cols = items.loc[items[level] == unit, "item_id"].tolist()
            frame = answers[cols]
            rows.append({
                "level": level, "unit": unit, "n_items": len(cols),
                "alpha": cronbach_alpha(frame).alpha,
                "alpha_ordinal": cronbach_alpha(frame, method="polychoric").alpha,
                "omega_total": omega_total(frame) if len(cols) >= 3 else np.nan,
                "omega_ordinal": (
                    omega_total(frame, method="polychoric") if len(cols) >= 3 else np.nan
                ),
            })  # fmt: skip
    return pd.DataFrame(rows)


def item_analysis_table(
    answers: pd.DataFrame, codebook: Codebook, level: str = "capability"
) -> pd.DataFrame:
    """:func:`dimios_research.stats.reliability.item_analysis` for every unit of a level.

    Parameters
    ----------
    answers : pandas.DataFrame
        Reverse-keyed answers (e.g. :func:`year_answers`).
    codebook : Codebook
    level : {"capability", "category", "dimension"}, default "capability"

    Returns
    -------
    pandas.DataFrame
        The item-analysis columns with ``level, unit, item_id`` first; units with fewer
        than two items are left out (no item-rest correlation exists).
    """
    from ..stats.reliability import item_analysis

    items = codebook.items
    blocks = []
    for unit, unit_items in items.groupby(level, sort=False)["item_id"]:
        if len(unit_items) < 2:
            continue
        table = item_analysis(answers[list(unit_items)]).rename_axis("item_id").reset_index()
        table.insert(0, "unit", unit)
        table.insert(0, "level", level)
        blocks.append(table)
    return pd.concat(blocks, ignore_index=True)


def item_correlations(
    answers: pd.DataFrame,
    codebook: Codebook,
    unit: str,
    level: str = "dimension",
    method: str = "pearson",
) -> pd.DataFrame:
    """Pairwise-complete inter-item correlations of the items of one unit.

    Parameters
    ----------
    answers : pandas.DataFrame
        Reverse-keyed answers (so that all correlations should be positive).
    codebook : Codebook
    unit : str
        A dimension, category or capability id.
    level : {"dimension", "category", "capability"}, default "dimension"
    method : {"pearson", "spearman"}, default "pearson"

    Returns
    -------
    pandas.DataFrame
        Square matrix indexed by item id (codebook order).
    """
    if level not in ("dimension", "category", "capability"):
        raise ValueError(f"level must be dimension, category or capability, got {level!r}")
    items = codebook.items.loc[codebook.items[level] == unit, "item_id"].tolist()
    if not items:
        raise ValueError(f"{level} {unit!r} has no items in codebook {codebook.id!r}")
    return answers[items].astype(float).corr(method=method)


# ----------------------------------------------------------------------------------------------
# Organisation profile
# ----------------------------------------------------------------------------------------------
def percentile_rank(
    values: np.ndarray | pd.Series, reference: np.ndarray | pd.Series
) -> np.ndarray:
    """Percentile rank of each value within a reference set (mid-rank convention).

    Parameters
    ----------
    values : array of float
        Values to rank.
    reference : array of float
        The reference scores (NaN ignored); a ranked organisation is normally part of it.

    Returns
    -------
    numpy.ndarray
        :math:`100 (n_{<} + n_{=}/2) / n` per value, where :math:`n_{<}` counts reference
        scores below the value, :math:`n_{=}` those equal to it (the organisation itself
        included) and :math:`n` the reference size. Equals
        ``scipy.stats.percentileofscore(reference, value, kind="mean")``.

    Examples
    --------
    >>> percentile_rank([30.0], [10.0, 20.0, 30.0, 40.0]).tolist()
    [62.5]
    """
    ref = np.sort(np.asarray(reference, dtype=float))
    ref = ref[~np.isnan(ref)]
    x = np.asarray(values, dtype=float)
    if ref.size == 0:
        return np.full(x.shape, np.nan)
    below = np.searchsorted(ref, x, side="left")
    at_or_below = np.searchsorted(ref, x, side="right")
    return 100.0 * (below + (at_or_below - below) / 2.0) / ref.size


@dataclass(frozen=True)
class OrganisationProfile:
    """One organisation-round against all organisations and against its peers.

    Attributes
    ----------
    organisation_id : str
    year : int
    attributes : dict
        ``name, organisation_type, size_class, county, maturity_type, capability_pct,
        legacy_pct, overall_pct, n_respondents``.
    peer_group : str
        ``"type_and_size"`` (same organisation type and size class) or ``"type"`` (same
        organisation type; used when fewer than ``min_peers`` other organisations share the
        size class).
    ranks : pandas.DataFrame
        Per level/unit (overall, dimensions, categories): ``level, unit, label,
        score_pct, ci_low, ci_high`` (own t interval), ``mean_all, percentile_all, n_all,
        mean_peers, percentile_peers, n_peers``.
    strengths, weaknesses : pandas.DataFrame
        The capabilities furthest above / below the peer mean: ``unit, label, score_pct,
        mean_peers, difference`` (score − peer mean, percentage points).
    trend : pandas.DataFrame
        The organisation's reportable rounds: ``year, level, unit, label, score_pct,
        ci_low, ci_high, n_respondents`` for overall and the two dimensions.
    agreement : pandas.DataFrame
        Rows of :attr:`Results.aggregation` for this organisation-round (``level, unit,
        n_respondents, n_items, rwg_j, ad_m, low_agreement``).
    """

    organisation_id: str
    year: int
    attributes: dict
    peer_group: str
    ranks: pd.DataFrame
    strengths: pd.DataFrame
    weaknesses: pd.DataFrame
    trend: pd.DataFrame
    agreement: pd.DataFrame


def _organisation_round(scores: Scores, organisation_id: str, year: int | None) -> int:
    """Check the organisation is known and reportable in the round; return the round."""
    known = scores.register["organisation_id"].astype(str).eq(str(organisation_id)).any()
    rounds = scores.types[scores.types["organisation_id"] == organisation_id]
    if not known and rounds.empty:
        raise ValueError("unknown organisation")
    if year is None:
        if rounds.empty:
            raise ValueError(f"organisation {organisation_id!r} has no measurement")
        year = int(rounds["year"].max())
    row = rounds[rounds["year"] == year]
    if row.empty:
        raise ValueError(
            f"organisation {organisation_id!r} has no measurement in {year}; its rounds: "
            f"{sorted(rounds['year'].astype(int).tolist())}"
        )
    if not bool(row["reportable"].iloc[0]):
        raise NotReportableError(
            f"organisation {organisation_id!r} has fewer respondents in {year} than the "
            f"reporting threshold ({scores.parameters.get('min_respondents', 5)}); its results "
            "are not reported individually"
        )
    return int(year)


def organisation_profile(
    scores: Scores,
    organisation_id: str,
    year: int | None,
    codebook: Codebook,
    lang: str = "sv",
    *,
    aggregation: pd.DataFrame | None = None,
    n_strengths: int = 3,
    min_peers: int = 3,
) -> OrganisationProfile:
    """Profile of one organisation-round: percentile ranks, strengths, trend, agreement.

    Parameters
    ----------
    scores : Scores
    organisation_id : str
    year : int or None
        Round; ``None`` = the organisation's latest round.
    codebook : Codebook
        For unit labels.
    lang : {"sv", "en"}
    aggregation : pandas.DataFrame, optional
        :attr:`Results.aggregation`; without it ``agreement`` is empty.
    n_strengths : int, default 3
        Number of strengths and of weaknesses.
    min_peers : int, default 3
        Minimum number of *other* organisations of the same type and size class; below it
        the peer group is the same organisation type regardless of size.

    Returns
    -------
    OrganisationProfile

    Raises
    ------
    NotReportableError
        When the organisation-round is below the reporting threshold.
    ValueError
        ``"unknown organisation"`` when the id is neither in the register nor in the scores
        (no other ids are listed), or when it has no measurement in ``year``.

    Notes
    -----
    Reference sets hold the reportable organisations of the round only, the organisation
    itself included. Percentile rank (:func:`percentile_rank`): the share of organisations
    in the reference set with a lower score plus half the share with an equal score
    (itself included), ×100; the lowest of five distinct scores has rank 10, the highest 90.
    The peer mean (for strengths and weaknesses and ``mean_peers``) is the mean of the
    *other* peer organisations, so that the difference compares the organisation with the
    others.
    """
    check_lang(lang)
    year = _organisation_round(scores, organisation_id, year)
    org, peer_group = _peer_frame(scores, organisation_id, year, min_peers)
    order = {
        unit: i
        for i, unit in enumerate(
            ["overall", *codebook.units_at("dimension"), *codebook.units_at("category")]
        )
    }
    ranks = _ranks(org, ("overall", "dimension", "category"), codebook, lang)
    ranks = ranks.sort_values("unit", key=lambda u: u.map(order), kind="stable")
    caps = _ranks(org, ("capability",), codebook, lang)
    caps = caps.assign(difference=caps["score_pct"] - caps["mean_peers"])
    cap_columns = ["unit", "label", "score_pct", "mean_peers", "difference"]
    ordered = caps.dropna(subset=["difference"]).sort_values(
        ["difference", "unit"], ascending=[False, True], kind="stable"
    )[cap_columns]
    return OrganisationProfile(
        organisation_id=str(organisation_id),
        year=year,
        attributes=_profile_attributes(scores, organisation_id, year),
        peer_group=peer_group,
        ranks=ranks.reset_index(drop=True),
        strengths=ordered.head(n_strengths).reset_index(drop=True),
        weaknesses=ordered.iloc[::-1].head(n_strengths).reset_index(drop=True),
        trend=_own_trend(scores, organisation_id, codebook, lang),
        agreement=_own_agreement(aggregation, organisation_id, year, codebook, lang),
    )


def _peer_frame(
    scores: Scores, organisation_id: str, year: int, min_peers: int
) -> tuple[pd.DataFrame, str]:
    """Reportable scores of the round, flagged ``_peer`` and ``_self``; the peer group code.

    Peers share the organisation type and size class when at least ``min_peers`` other
    organisations do, else only the organisation type.
    """
    register = scores.register.set_index("organisation_id")
    org_type = register.loc[organisation_id, "type"]
    size_class = register.loc[organisation_id, "size_class"]
    org = scores.with_register(scores.reportable_scores(year), ("type", "size_class"))
    same_type = org["type"] == org_type
    same_size = same_type & (org["size_class"] == size_class)
    overall = same_size & (org["level"] == "overall")
    n_other = org.loc[overall, "organisation_id"].ne(organisation_id).sum()
    peer_group, is_peer = (
        ("type_and_size", same_size) if n_other >= min_peers else ("type", same_type)
    )
    flags = {"_peer": is_peer.to_numpy(), "_self": (org["organisation_id"] == organisation_id)}
    return org.assign(**flags), peer_group


def _ranks(org: pd.DataFrame, levels: Sequence[str], codebook: Codebook, lang: str) -> pd.DataFrame:
    """The organisation's score, means and percentile ranks per unit of ``levels``.

    Vectorised over units: every sum is a ``bincount`` over the unit codes of the rows (in
    the order the units first appear); the percentile ranks count, per unit, the valid
    reference scores below and equal to the organisation's own (as :func:`percentile_rank`).
    """
    part = org[org["level"].isin(list(levels))]
    keys = pd.MultiIndex.from_arrays([part["level"].astype(str), part["unit"].astype(str)])
    codes, units = keys.factorize()
    k = len(units)
    score = part["score_pct"].to_numpy(float)
    own = part["_self"].to_numpy(bool)
    peer = part["_peer"].to_numpy(bool)
    first_own = pd.Series(np.flatnonzero(own)).groupby(codes[own]).first()
    value = np.full(k, np.nan)
    value[first_own.index] = score[first_own.to_numpy()]
    valid = ~np.isnan(score)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=mask.astype(float), minlength=k)

    def mean(mask: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.bincount(codes, np.where(mask & valid, score, 0), k) / count(mask & valid)

    def percentile(mask: np.ndarray) -> np.ndarray:
        below, equal = score < value[codes], score == value[codes]
        with np.errstate(invalid="ignore", divide="ignore"):
            return (
                100
                * (count(mask & valid & below) + count(mask & valid & equal) / 2)
                / count(mask & valid)
            )

    everyone = np.ones(len(part), dtype=bool)
    ci = part[own].groupby(codes[own]).first()
    out = pd.DataFrame(
        {
            "level": units.get_level_values(0), "unit": units.get_level_values(1),
            "label": [_unit_label(codebook, lv, u, lang) for lv, u in units],
            "score_pct": value,
            "ci_low": ci["ci_low"].reindex(range(k)).to_numpy(float),
            "ci_high": ci["ci_high"].reindex(range(k)).to_numpy(float),
            "mean_all": mean(everyone), "percentile_all": percentile(everyone),
            "n_all": count(everyone).astype(int), "mean_peers": mean(peer & ~own),
            "percentile_peers": percentile(peer), "n_peers": count(peer).astype(int),
        }
    )  # fmt: skip
    return out[np.isin(np.arange(k), first_own.index)].reset_index(drop=True)


def _own_trend(scores: Scores, organisation_id: str, codebook: Codebook, lang: str) -> pd.DataFrame:
    """Overall and dimension scores of the organisation in every round it is reportable."""
    own_rounds = [y for y in scores.years if scores.is_reportable(organisation_id, y)]
    org = scores.organisations
    trend = org[
        (org["organisation_id"] == organisation_id)
        & org["year"].isin(own_rounds)
        & org["level"].isin(["overall", "dimension"])
    ]
    trend = trend.assign(
        level=trend["level"].astype(str),
        label=[
            _unit_label(codebook, str(lv), str(u), lang)
            for lv, u in zip(trend["level"], trend["unit"])
        ],
    )[["year", "level", "unit", "label", "score_pct", "ci_low", "ci_high", "n_respondents"]]
    return trend.sort_values(["year", "level", "unit"], kind="stable").reset_index(drop=True)


def _own_agreement(
    aggregation: pd.DataFrame | None,
    organisation_id: str,
    year: int,
    codebook: Codebook,
    lang: str,
) -> pd.DataFrame:
    """rwg(j) and AD_M of the organisation's respondents in the round, with unit labels."""
    columns = ["level", "unit", "n_respondents", "n_items", "rwg_j", "ad_m", "low_agreement"]
    if aggregation is None:
        return pd.DataFrame(columns=columns[:2] + ["label"] + columns[2:])
    rows = aggregation[
        (aggregation["organisation_id"] == organisation_id) & (aggregation["year"] == year)
    ]
    agreement = rows[columns].reset_index(drop=True)
    labels = [
        _unit_label(codebook, lv, u, lang) for lv, u in zip(agreement["level"], agreement["unit"])
    ]
    agreement.insert(2, "label", labels)
    return agreement


def _profile_attributes(scores: Scores, organisation_id: str, year: int) -> dict:
    """Register attributes and the round's dimension scores and type of the organisation."""
    register = scores.register.set_index("organisation_id").loc[organisation_id]
    types = scores.types
    row = types[(types["organisation_id"] == organisation_id) & (types["year"] == year)].iloc[0]
    return {
        "name": str(register.get("name", organisation_id)),
        "organisation_type": str(register["type"]),
        "size_class": str(register["size_class"]),
        "county": str(register["county"]),
        "maturity_type": row["maturity_type"],
        "capability_pct": float(row["capability_pct"]),
        "legacy_pct": float(row["legacy_pct"]),
        "overall_pct": float(row["overall_pct"]),
        "n_respondents": int(row["n_respondents"]),
    }


# ----------------------------------------------------------------------------------------------
# Follow-up
# ----------------------------------------------------------------------------------------------
def resolve_rounds(
    scores: Scores, baseline: int | None = None, follow_up: int | None = None
) -> tuple[int, int]:
    """Baseline and follow-up rounds: the first and last round when ``None``."""
    baseline = int(scores.years[0]) if baseline is None else scores.check_year(baseline, "baseline")
    follow_up = (
        int(scores.years[-1]) if follow_up is None else scores.check_year(follow_up, "follow_up")
    )
    if baseline >= follow_up:
        raise ValueError(
            f"baseline ({baseline}) must be an earlier round than follow_up ({follow_up})"
        )
    return baseline, follow_up


def cohort_scores(
    scores: Scores,
    years: Sequence[int] | None = None,
    cohort: str | None = None,
    levels: Sequence[str] = ("overall", "dimension", "category"),
) -> pd.DataFrame:
    """Reportable organisation scores of a cohort, long form, for the longitudinal functions.

    Parameters
    ----------
    scores : Scores
    years : sequence of int, optional
        Rounds to keep; default all.
    cohort : {None, "all", "programme", "non_programme"}
        ``None``/``"all"``: every organisation; ``"programme"``: organisations with a
        programme start year in the register; ``"non_programme"``: organisations without.
    levels : sequence of str
        Score levels to keep.

    Returns
    -------
    pandas.DataFrame
        ``year, organisation_id, level, unit, score_pct, se, n_respondents`` plus the
        register attributes (``type, size_class, county, programme_start``...); only
        reportable organisation-rounds. ``level`` is a plain string column.
    """
    if cohort not in COHORTS:
        raise ValueError(f"cohort must be one of {list(COHORTS)}, got {cohort!r}")
    org = scores.organisations
    org = org[org["reportable"] & org["level"].isin(list(levels))]
    if years is not None:
        org = org[org["year"].isin(list(years))]
    attrs = scores.register.drop(columns=["name"], errors="ignore")
    org = org.merge(attrs, on="organisation_id", how="left")
    if cohort == "programme":
        org = org[org["programme_start"].notna()]
    elif cohort == "non_programme":
        org = org[org["programme_start"].isna()]
    org = org.assign(level=org["level"].astype(str)).drop(
        columns=["ci_low", "ci_high", "sd", "reportable"]
    )
    return org.sort_values(["level", "unit", "organisation_id", "year"], kind="stable").reset_index(
        drop=True
    )


def cohort_panel(
    scores: Scores,
    baseline: int,
    follow_up: int,
    cohort: str | None = None,
    levels: Sequence[str] = ("overall", "dimension", "category"),
) -> pd.DataFrame:
    """The cohort's organisations reportable in both rounds, wide, at every level and unit.

    Returns
    -------
    pandas.DataFrame
        :func:`dimios_research.stats.panel.panel` of :func:`cohort_scores`: ``level, unit,
        organisation_id, baseline, follow_up, change, se_baseline, se_follow_up``; feed it to
        :func:`~dimios_research.stats.panel.paired_change`.
    """
    frame = cohort_scores(scores, [baseline, follow_up], cohort, levels)
    return panel(
        frame[["year", "organisation_id", "level", "unit", "score_pct", "se"]], baseline, follow_up
    )


def trend_frame(
    index_by_year: pd.DataFrame, growth: object | None = None, lang: str = "sv"
) -> pd.DataFrame:
    """The national index per round and, optionally, a growth model's mean trajectory.

    Parameters
    ----------
    index_by_year : pandas.DataFrame
        :func:`national_index_by_year`.
    growth : GrowthModelResult, optional
        Its :meth:`~dimios_research.stats.panel.GrowthModelResult.predict` at the same years.
    lang : {"sv", "en"}

    Returns
    -------
    pandas.DataFrame
        ``series, year, estimate, ci_low, ci_high`` for
        :func:`dimios_research.report.figures.trend_lines` with ``group_col="series"``.
    """
    check_lang(lang)
    names = (t("series.national_index", lang), t("series.growth_model", lang))
    frames = [index_by_year[["year", "estimate", "ci_low", "ci_high"]].assign(series=names[0])]
    if growth is not None:
        predicted = growth.predict(index_by_year["year"].to_numpy(float))
        frames.append(
            predicted.rename(columns={growth.time: "year"})[
                ["year", "estimate", "ci_low", "ci_high"]
            ].assign(series=names[1])
        )
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype(int)
    return out[["series", "year", "estimate", "ci_low", "ci_high"]]


def national_index_by_year(
    scores: Scores,
    years: Sequence[int] | None = None,
    level: str = "overall",
    unit: str = "overall",
    *,
    n_boot: int = 10_000,
    seed: int = 0,
    org_types: Sequence[str] | None = None,
    weighting: str = "none",
) -> pd.DataFrame:
    """:func:`dimios_research.stats.indices.national_index` for several rounds, one row per round.

    Feeds :func:`dimios_research.stats.panel.target_attainment` and
    :func:`dimios_research.report.figures.trend_lines`.
    """
    years = scores.years if years is None else [scores.check_year(y) for y in years]
    frames = [
        national_index(
            scores,
            y,
            level,
            unit,
            n_boot=n_boot,
            seed=seed,
            org_types=org_types,
            weighting=weighting,
        )
        for y in years
    ]
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------
def _unit_label(codebook: Codebook, level: str, unit: str, lang: str) -> str:
    if level == "overall":
        return t("level.overall", lang)
    return codebook.label(level, unit, lang)
