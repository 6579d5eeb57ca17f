"""Tests of dimios_research.report.summaries: hand-computed cases, library agreement, privacy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dimios_research.errors import NotReportableError
from dimios_research.report import summaries
from dimios_research.stats.agreement import icc1
from dimios_research.stats.indices import national_index
from dimios_research.stats.panel import paired_change


@pytest.fixture(scope="module")
def scores(demo_results):
    return demo_results.scores


@pytest.fixture(scope="module")
def hidden(scores):
    """Organisation-rounds below the reporting threshold, (year, id)."""
    t = scores.types[~scores.types["reportable"]]
    assert not t.empty, "the demo data should contain a non-reportable organisation-round"
    return list(zip(t["year"], t["organisation_id"]))


# -- percentile rank ---------------------------------------------------------------------------
def test_percentile_rank_hand_computed():
    ref = [10.0, 20.0, 30.0, 40.0, 50.0]
    # lowest of five: (0 + 1/2) / 5 = 10; highest: (4 + 1/2) / 5 = 90
    assert summaries.percentile_rank([10.0, 50.0], ref).tolist() == [10.0, 90.0]
    # ties: 20 appears twice in [10, 20, 20, 40] -> (1 + 2/2) / 4 = 50
    assert summaries.percentile_rank([20.0], [10.0, 20.0, 20.0, 40.0]).tolist() == [50.0]
    # a value outside the set
    assert summaries.percentile_rank([35.0], ref).tolist() == [60.0]


def test_percentile_rank_matches_scipy_mean_kind():
    rng = np.random.default_rng(3)
    ref = rng.integers(0, 20, 50).astype(float)
    values = ref[:10]
    expected = [stats.percentileofscore(ref, v, kind="mean") for v in values]
    np.testing.assert_allclose(summaries.percentile_rank(values, ref), expected)


def test_percentile_rank_ignores_nan_and_empty():
    assert summaries.percentile_rank([1.0], [np.nan, 1.0]).tolist() == [50.0]
    assert np.isnan(summaries.percentile_rank([1.0], [])).all()


# -- coverage ----------------------------------------------------------------------------------
def test_coverage_table_totals(scores):
    table = summaries.coverage_table(scores, 2023, by=("type", "county"))
    types = scores.types[scores.types["year"] == 2023]
    total = table[table["group_by"] == "total"].iloc[0]
    assert total["n_organisations"] == len(types)
    assert total["n_reportable"] == types["reportable"].sum()
    assert total["n_respondents"] == types["n_respondents"].sum()
    assert (
        total["n_respondents_reportable"] == types.loc[types["reportable"], "n_respondents"].sum()
    )
    by_type = table[table["group_by"] == "type"]
    assert by_type["n_organisations"].sum() == len(types)
    assert by_type["n_respondents"].sum() == types["n_respondents"].sum()


def test_coverage_table_rejects_unknown_column(scores):
    with pytest.raises(ValueError, match="register column"):
        summaries.coverage_table(scores, 2023, by=("colour",))


# -- spread ------------------------------------------------------------------------------------
def test_spread_table_matches_organisation_scores_and_icc1(scores):
    table = summaries.spread_table(scores, 2023, "dimension").set_index("unit")
    org = scores.organisation_level("dimension", "capability")
    org = org[org["year"] == 2023]
    row = table.loc["capability"]
    assert row["n_organisations"] == len(org)
    assert row["mean"] == pytest.approx(org["score_pct"].mean())
    assert row["sd_between"] == pytest.approx(org["score_pct"].std(ddof=1))
    assert row["mean_sd_within"] == pytest.approx(org["sd"].mean())
    assert row["iqr"] == pytest.approx(
        org["score_pct"].quantile(0.75) - org["score_pct"].quantile(0.25)
    )
    resp = scores.respondents
    resp = resp[
        (resp["year"] == 2023)
        & (resp["unit"] == "capability")
        & (resp["level"].astype(str) == "dimension")
        & resp["organisation_id"].isin(org["organisation_id"])
    ]
    assert row["icc1"] == pytest.approx(icc1(resp["score_pct"], resp["organisation_id"]))


# -- profile -----------------------------------------------------------------------------------
def test_profile_table_equals_national_index(demo_results):
    scores, cb = demo_results.scores, demo_results.codebook
    table = summaries.profile_table(scores, 2022, cb, "category", "en", n_boot=200, seed=4)
    assert table["unit"].tolist() == cb.units_at("category")
    row = table.set_index("unit").loc["innovation"]
    expected = national_index(scores, 2022, "category", "innovation", n_boot=200, seed=4).iloc[0]
    assert row["estimate"] == pytest.approx(expected["estimate"])
    assert row["ci_low"] == pytest.approx(expected["ci_low"])
    assert row["label"] == cb.label("category", "innovation", "en")
    assert row["parent"] == "capability"


# -- types -------------------------------------------------------------------------------------
def test_type_distribution_counts_reportable_only(scores, hidden):
    year = hidden[-1][0]
    table = summaries.type_distribution(scores, year, "sv")
    assert table["maturity_type"].tolist() == ["A", "B", "C", "D"]
    rep = scores.types[(scores.types["year"] == year) & scores.types["reportable"]]
    assert table["n"].sum() == rep["maturity_type"].notna().sum()
    assert table["share_pct"].sum() == pytest.approx(100.0)
    assert table.set_index("maturity_type").loc["A", "name"] == "Fastlåst"


def test_capability_by_type_means(demo_results):
    scores, cb = demo_results.scores, demo_results.codebook
    matrix = summaries.capability_by_type(scores, 2023, cb, "en")
    assert matrix.index.name == "capability_id"
    assert matrix.columns.name == "organisation_type"
    assert len(matrix) == len(cb.units_at("capability"))
    org = scores.organisation_level("capability", "cloud")
    org = org[(org["year"] == 2023) & (org["type"] == "kommun")]
    assert matrix.loc[cb.label("capability", "cloud", "en"), "kommun"] == pytest.approx(
        org["score_pct"].mean()
    )


# -- agreement ---------------------------------------------------------------------------------
def test_agreement_summary_hand_computed(scores):
    agg = pd.DataFrame(
        {
            "year": 2023,
            "organisation_id": ["a", "b", "c", "d"],
            "level": "dimension",
            "unit": "capability",
            "rwg_j": [0.5, 0.8, 0.9, 0.6],
            "ad_m": [1.0, 0.5, 0.4, 0.9],
        }
    )
    types = pd.DataFrame(
        {
            "year": 2023,
            "organisation_id": ["a", "b", "c", "d"],
            "reportable": [True, True, True, False],
        }
    )
    fake = type(scores)(
        respondents=scores.respondents,
        organisations=scores.organisations,
        types=types,
        register=scores.register,
    )
    row = summaries.agreement_summary(agg, fake, 2023).iloc[0]
    assert row["n_organisations"] == 3  # d is not reportable
    assert row["share_low_agreement_pct"] == pytest.approx(100 / 3)
    assert row["median_rwg_j"] == pytest.approx(0.8)
    assert row["mean_ad_m"] == pytest.approx(0.6333333333)


# -- organisation profile ----------------------------------------------------------------------
def test_organisation_profile_ranks(demo_results):
    scores, cb = demo_results.scores, demo_results.codebook
    profile = summaries.organisation_profile(
        scores, "K001", 2023, cb, "sv", aggregation=demo_results.aggregation
    )
    overall = profile.ranks.set_index("unit").loc["overall"]
    org = scores.organisation_level()
    org = org[org["year"] == 2023]
    own = org.loc[org["organisation_id"] == "K001", "score_pct"].iloc[0]
    assert overall["percentile_all"] == pytest.approx(
        stats.percentileofscore(org["score_pct"], own, kind="mean")
    )
    assert overall["n_all"] == len(org)
    peers = org[(org["type"] == "kommun") & (org["size_class"] == profile.attributes["size_class"])]
    assert profile.peer_group == "type_and_size"
    assert overall["n_peers"] == len(peers)
    others = peers[peers["organisation_id"] != "K001"]
    assert overall["mean_peers"] == pytest.approx(others["score_pct"].mean())
    assert profile.ranks["level"].iloc[0] == "overall"
    # strengths are the largest differences, weaknesses the smallest, 3 each
    assert len(profile.strengths) == 3 and len(profile.weaknesses) == 3
    assert profile.strengths["difference"].is_monotonic_decreasing
    assert profile.weaknesses["difference"].is_monotonic_increasing
    assert profile.strengths["difference"].min() >= profile.weaknesses["difference"].max()
    # agreement rows belong to the organisation-round
    assert not profile.agreement.empty
    assert set(profile.trend["level"]) == {"overall", "dimension"}


def test_organisation_profile_not_reportable(demo_results, hidden):
    year, org_id = hidden[-1]
    with pytest.raises(NotReportableError, match="reporting threshold"):
        summaries.organisation_profile(demo_results.scores, org_id, year, demo_results.codebook)
    assert issubclass(NotReportableError, ValueError)


def test_organisation_profile_unknown_lists_nothing(demo_results):
    with pytest.raises(ValueError) as info:
        summaries.organisation_profile(demo_results.scores, "NOPE", 2023, demo_results.codebook)
    assert str(info.value) == "unknown organisation"


# -- privacy -----------------------------------------------------------------------------------
def test_non_reportable_absent_from_organisation_listings(demo_results, hidden):
    scores, cb = demo_results.scores, demo_results.codebook
    for year, org_id in hidden:
        listings = [
            summaries.round_types(scores, year),
            summaries.organisation_scores(scores, year),
            summaries.cohort_scores(scores, [year]),
        ]
        for frame in listings:
            assert org_id not in set(frame["organisation_id"]), (year, org_id)
    # a profile of another organisation in the same round ranks only reportable ones
    year, org_id = hidden[-1]
    other = summaries.round_types(scores, year)["organisation_id"].iloc[0]
    profile = summaries.organisation_profile(scores, other, year, cb)
    n_reportable = int(scores.types.query("year == @year")["reportable"].sum())
    assert profile.ranks.set_index("unit").loc["overall", "n_all"] == n_reportable
    # the non-reportable round of an organisation is not in its own trend
    trend_years = set()
    for oid in {o for _, o in hidden}:
        rounds = scores.types[(scores.types["organisation_id"] == oid) & scores.types["reportable"]]
        if not rounds.empty:
            p = summaries.organisation_profile(scores, oid, int(rounds["year"].max()), cb)
            trend_years = set(p.trend["year"])
            hidden_years = {y for y, o in hidden if o == oid}
            assert not trend_years & hidden_years


@pytest.mark.slow  # over a second: left out of make test-fast
def test_group_comparisons_without_enough_groups(demo_results):
    kommun_only = summaries.filter_results(demo_results, ["kommun"]).scores
    omnibus, posthoc = summaries.group_comparisons(kommun_only, 2023, by=("type", "size_class"))
    assert omnibus["group_by"].tolist() == ["type", "size_class"]
    assert omnibus.set_index("group_by").loc["type", "note"] == "too_few_groups"
    assert set(posthoc["group_by"]) == {"size_class"}


# -- filter and follow-up ----------------------------------------------------------------------
def test_filter_results_keeps_only_types(demo_results):
    filtered = summaries.filter_results(demo_results, ["region"])
    ids = set(filtered.scores.register["organisation_id"])
    assert set(filtered.scores.register["type"]) == {"region"}
    assert set(filtered.scores.types["organisation_id"]) <= ids
    assert set(filtered.answers["organisation_id"]) <= ids
    index = national_index(filtered.scores, 2021, n_boot=100)
    expected = national_index(demo_results.scores, 2021, n_boot=100, org_types=["region"])
    assert index["estimate"].iloc[0] == pytest.approx(expected["estimate"].iloc[0])
    assert summaries.filter_results(demo_results, None) is demo_results
    with pytest.raises(ValueError, match="unknown type"):
        summaries.filter_results(demo_results, ["county_council"])


def test_cohort_panel_and_paired_change(scores):
    panel = summaries.cohort_panel(scores, 2021, 2023, "programme")
    overall = panel[panel["level"] == "overall"]
    reg = scores.register.set_index("organisation_id")
    assert reg.loc[overall["organisation_id"], "programme_start"].notna().all()
    both = scores.types[scores.types["reportable"] & scores.types["year"].isin([2021, 2023])]
    both = both.groupby("organisation_id")["year"].nunique()
    members = set(reg.index[reg["programme_start"].notna()])
    assert set(overall["organisation_id"]) == set(both.index[both == 2]) & members
    change = paired_change(panel).set_index(["level", "unit"]).loc[("overall", "overall")]
    assert change["n"] == len(overall)
    non = summaries.cohort_panel(scores, 2021, 2023, "non_programme")
    assert not set(non["organisation_id"]) & members
    with pytest.raises(ValueError, match="cohort"):
        summaries.cohort_scores(scores, cohort="members")


def test_national_index_by_year_and_rounds(scores):
    table = summaries.national_index_by_year(scores, [2019, 2023], n_boot=100)
    assert table["year"].tolist() == [2019, 2023]
    assert summaries.resolve_rounds(scores) == (scores.years[0], scores.years[-1])
