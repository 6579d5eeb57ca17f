"""The results cache holds nothing of an organisation below the reporting threshold (issue 12).

``Results`` (in memory and on disk) keep reportable organisation-rounds only, plus the
counts reports need (coverage); every table a report computes from them is unchanged.
"""

from __future__ import annotations

import dataclasses
import os
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest

from dimios_research.io.survey import read_survey_dir
from dimios_research.report import summaries
from dimios_research.report.results import (
    HIDDEN_ORGANISATION,
    load_results,
    results_from,
    write_results,
)
from dimios_research.report.runner import clean_leftovers, score_once
from dimios_research.scoring import score
from dimios_research.simulation.survey import simulate, write_dataset
from dimios_research.stats.indices import national_index

KEY = "test-results-key"


@pytest.fixture(scope="module")
def hidden_data(tmp_path_factory):
    """Three rounds; one organisation always below the threshold (2 respondents), one below
    it in 2022 only, and for the always-hidden one a duplicate and an invalid answer."""
    sim = simulate(seed=5, participants={2021: 8, 2022: 10, 2023: 12})
    responses = sim.responses
    rounds = responses.groupby("organisation_id")["year"].nunique()
    both = sorted(rounds[rounds == rounds.max()].index)
    always, sometimes = both[0], both[1]
    rank = responses.groupby(["organisation_id", "year"]).cumcount()
    cut = (responses["organisation_id"] == always) | (
        (responses["organisation_id"] == sometimes) & (responses["year"] == 2022)
    )
    responses = responses[~cut | (rank < 2)].reset_index(drop=True)
    first = responses.index[(responses["organisation_id"] == always)][0]
    extra = responses.loc[[first]].copy()  # the same respondent again: quarantined
    responses = pd.concat([responses, extra], ignore_index=True)
    item = [c for c in responses.columns if c.endswith("_1")][0]
    responses[item] = responses[item].astype(object)
    responses.loc[first, item] = "sju"  # a cell issue of the hidden organisation
    sim = dataclasses.replace(sim, responses=responses)
    folder = tmp_path_factory.mktemp("hidden")
    write_dataset(sim, folder)
    names = sim.organisations.set_index("organisation_id")["name"]
    data = read_survey_dir(folder, pseudonym_key=KEY)
    scores = score(data)
    return folder, data, scores, always, sometimes, names


def _everything(frame: pd.DataFrame) -> str:
    text = frame.astype(str).to_csv()
    cats = [
        "|".join(map(str, frame[c].cat.categories))
        for c in frame.columns
        if isinstance(frame[c].dtype, pd.CategoricalDtype)
    ]
    return text + "\n".join(cats)


def _tables(results) -> dict[str, pd.DataFrame]:
    scores = results.scores
    return {
        "respondents": scores.respondents,
        "organisations": scores.organisations,
        "types": scores.types,
        "register": scores.register,
        "aggregation": results.aggregation,
        "icc": results.icc,
        "quarantine": results.quarantine,
        "cell_issues": results.cell_issues,
        "answers": results.answers,
        "item_distribution": results.item_distribution,
    }


def test_results_name_no_organisation_below_the_threshold(hidden_data):
    _, data, scores, always, sometimes, names = hidden_data
    assert not scores.types[scores.types["organisation_id"] == always]["reportable"].any()
    results = results_from(data, scores)
    pattern = re.compile(rf"\b{re.escape(always)}\b|{re.escape(names[always])}(?!\d)")
    for name, frame in _tables(results).items():
        assert not pattern.search(_everything(frame)), name
    # the organisation hidden in 2022 only is named, but has no 2022 scores
    org = results.scores.organisations
    assert sometimes in set(org["organisation_id"])
    assert not ((org["organisation_id"] == sometimes) & (org["year"] == 2022)).any()
    answers = results.answers
    assert not ((answers["organisation_id"] == sometimes) & (answers["year"] == 2022)).any()


def test_results_without_hidden_rounds(small_data):
    scores = score(small_data)
    assert scores.types["reportable"].all()
    results = results_from(small_data, scores)
    register = results.scores.register
    named = register[~register["organisation_id"].str.startswith("hidden-frame-")]
    assert set(named["organisation_id"]) == set(scores.types["organisation_id"])
    assert len(register) == len(scores.register)  # the others stay, anonymous
    pd.testing.assert_frame_equal(results.scores.types, scores.types)


def test_hidden_rounds_are_counted_under_tokens(hidden_data):
    _, data, scores, always, _, _ = hidden_data
    results = results_from(data, scores)
    types = results.scores.types
    hidden = types[~types["reportable"]]
    assert len(hidden) == int((~scores.types["reportable"]).sum())
    assert hidden["organisation_id"].str.fullmatch(r"hidden-\d{4}-\d{3}").all()
    assert hidden[["capability_pct", "legacy_pct", "overall_pct"]].isna().all().all()
    assert hidden["maturity_type"].isna().all()
    raw = scores.types[~scores.types["reportable"]]
    assert sorted(hidden["n_respondents"]) == sorted(raw["n_respondents"])
    register = results.scores.register.set_index("organisation_id")
    tokens = register.loc[hidden["organisation_id"]]
    assert (tokens["name"] == "").all() and tokens["employees"].isna().all()
    assert tokens["type"].notna().all() and tokens["county"].notna().all()
    reportable = set(types.loc[types["reportable"], "organisation_id"])
    frame_tokens = {i for i in register.index if i.startswith("hidden-frame-")}
    assert set(register.index) == reportable | set(hidden["organisation_id"]) | frame_tokens


@pytest.mark.slow
def test_reports_see_the_same_tables(hidden_data):
    """What a report computes from the results does not change by withholding."""
    _, data, scores, _, _, _ = hidden_data
    stripped = results_from(data, scores).scores
    for year in scores.years:
        pd.testing.assert_frame_equal(
            summaries.coverage_table(scores, year, by=("type", "size_class", "county")),
            summaries.coverage_table(stripped, year, by=("type", "size_class", "county")),
        )
        pd.testing.assert_frame_equal(
            national_index(scores, year, n_boot=200), national_index(stripped, year, n_boot=200)
        )
        # weighting targets the whole register: the frame keeps every organisation
        for weighting in ("poststratified", "raked"):
            pd.testing.assert_frame_equal(
                national_index(scores, year, weighting=weighting),
                national_index(stripped, year, weighting=weighting),
            )
        pd.testing.assert_frame_equal(
            summaries.icc_summary(scores, year), summaries.icc_summary(stripped, year)
        )
        pd.testing.assert_frame_equal(
            summaries.spread_table(scores, year), summaries.spread_table(stripped, year)
        )
        pd.testing.assert_frame_equal(
            summaries.round_types(scores, year), summaries.round_types(stripped, year)
        )


def test_population_frame_keeps_every_organisation_anonymously(hidden_data):
    _, data, scores, _, _, names = hidden_data
    frame = results_from(data, scores).scores.population_frame()
    assert len(frame) == len(scores.register)
    for column in ("type", "size_class", "county"):
        assert (
            frame[column]
            .astype(str)
            .value_counts()
            .sort_index()
            .equals(scores.register[column].astype(str).value_counts().sort_index())
        )
    shown = set(scores.types.loc[scores.types["reportable"], "organisation_id"].astype(str))
    anonymous = frame[~frame["organisation_id"].astype(str).isin(shown)]
    assert (anonymous["name"] == "").all()
    assert anonymous["employees"].isna().all()


def test_quarantine_and_cell_issues_of_hidden_rounds_are_anonymous(hidden_data):
    _, data, scores, always, _, _ = hidden_data
    assert (data.quarantine["organisation_id"] == always).any()
    results = results_from(data, scores)
    quarantine = results.quarantine
    hidden = quarantine[quarantine["organisation_id"] == HIDDEN_ORGANISATION]
    assert len(hidden) == int((data.quarantine["organisation_id"] == always).sum())
    assert (hidden["respondent_id"] == "").all() and (hidden["role"] == "").all()
    items = [c for c in hidden.columns if c.endswith(("_1", "_2", "_3"))]
    assert (hidden[items] == "").all().all()
    assert (hidden["reason"] == "duplicate_respondent_in_round").all()
    issues = results.cell_issues
    assert len(issues) == len(data.cell_issues)
    assert (issues["respondent_id"] == "").sum() >= 1


@pytest.mark.slow  # over a second: left out of make test-fast
def test_store_and_cache_hold_no_hidden_organisation(hidden_data, tmp_path, monkeypatch):
    folder, data, scores, always, _, names = hidden_data
    monkeypatch.setenv("DIMIOS_PSEUDONYM_KEY", KEY)
    write_results(data, scores, tmp_path / "score")
    results, cache = score_once(folder, tmp_path / "reports")
    assert always in set(results.scores.register["organisation_id"])  # planning: full register
    assert not results.scores.is_reportable(always, 2023)
    pattern = re.compile(rf"\b{re.escape(always)}\b|{re.escape(names[always])}(?!\d)")
    for store in (tmp_path / "score", cache):
        files = sorted(p for p in store.rglob("*") if p.is_file())
        assert {p.suffix for p in files} == {".parquet", ".json"}
        for path in files:
            if path.suffix == ".parquet":
                text = _everything(pd.read_parquet(path))
                text += str(pq.read_metadata(path).metadata)  # pandas schema metadata
            else:
                text = path.read_text(encoding="utf-8")
            assert not pattern.search(text), path
    loaded = load_results(cache, folder)
    assert always not in set(loaded.scores.register["organisation_id"])


def test_clean_leftovers(tmp_path):
    target = tmp_path / "2023" / "sv" / "status_report"
    target.parent.mkdir(parents=True)
    target.mkdir()
    dead = tmp_path / "2023" / "sv" / f".status_report.{2**22 + 12345}-abcd_123.tmp"
    old_style = tmp_path / "2023" / "sv" / ".status_report.k3j4h5g6.tmp"
    alive = tmp_path / "2023" / "sv" / f".status_report.{os.getppid()}-zz.tmp"
    stale_old = tmp_path / "2023" / "sv" / ".status_report.999999-x.old"
    other = tmp_path / "2023" / "sv" / ".organisations.1-x.tmp"  # another target: kept
    for path in (dead, old_style, alive, stale_old, other):
        path.mkdir()
        (path / "f.html").write_text("x")
    removed = clean_leftovers([target])
    assert sorted(removed) == sorted([dead, old_style, stale_old])
    assert alive.exists() and other.exists() and target.exists()
    # the run died between the two renames: the previous output comes back
    (target / "status_report.html").write_text("old report")
    aside = tmp_path / "2023" / "sv" / ".status_report.999999-y.old"
    target.rename(aside)
    clean_leftovers([target])
    assert (target / "status_report.html").read_text() == "old report"
    assert not aside.exists()
