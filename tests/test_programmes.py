"""Tests for dimios_research.stats.programmes (programme facts and goal attainment).

The expected figures are those printed in the ESF final report (seed 002,
shared/seeds/002_18cb66225132aa3a.txt): they are hard-coded here, and the module must
reproduce them from the raw counts in the bundled YAML file.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from dimios_research.io.programmes import (
    REQUIRED_KEYS,
    Programme,
    available_programmes,
    load_programme,
    programmes_dir,
)
from dimios_research.stats.goals import evaluation_scores, fee_table, goal_attainment

ESF = "esf_digital_mognad_2021_2023"


@pytest.fixture(scope="module")
def esf() -> Programme:
    return load_programme(ESF)


@pytest.fixture(scope="module")
def esf_results(esf: Programme) -> pd.Series:
    return goal_attainment(esf).set_index("indicator")["result"]


def _raw_document() -> dict:
    with (programmes_dir() / f"{ESF}.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _write(tmp_path: Path, document: dict, name: str = "edited.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def _delete(document: dict, dotted_key: str) -> None:
    *parents, last = dotted_key.split(".")
    node = document
    for part in parents:
        node = node[part]
    del node[last]


# --- loading ----------------------------------------------------------------------------------


def test_bundled_programme_loads_with_its_source(esf: Programme) -> None:
    assert ESF in available_programmes()
    assert esf.programme_id == ESF
    assert esf.name["sv"] == "ESF-projekt Digital mognad"
    assert esf.period_start == date(2021, 3, 1)
    assert esf.period_end == date(2023, 2, 28)
    assert esf.source["title"] == "Slutrapport för ett ESF-finansierat projekt 2021-2022"
    assert "002_18cb66225132aa3a" in esf.source["seed"]
    assert esf.path == programmes_dir() / f"{ESF}.yaml"


def test_raw_counts_match_the_final_report(esf: Programme) -> None:
    # Figures as printed in seed 002 (see the stated_in notes in the YAML file).
    expected = {
        "goals.organisations.count": 218,
        "goals.training_participants.count": 16241,
        "outcomes.organisations_reached.count": 150,
        "outcomes.training.participants": 4595,
        "outcomes.training.women": 2578,
        "outcomes.training.men": 2017,
        "outcomes.training.hours": 6999,
        "outcomes.coordinators.count": 150,
        "outcomes.coordinators.women": 73,
        "outcomes.coordinators.men": 77,
        "outcomes.coordinators.hours_reported": 21426,
        "funding.decided.esf": 17_971_200,
        "funding.decided.cofinancing": 20_403_238,
        "funding.used_at_close.esf": 9_391_080,
        "funding.used_at_close.cofinancing": 10_674_693,
        "evaluation.respondents": 68,
        "goals.maturity.baseline_pct": 47,
        "goals.maturity.target_pct": 55,
    }
    for key, value in expected.items():
        assert esf.get(key) == value, key
    # The report's total decided funding is the sum of its two parts.
    assert esf.get("funding.decided.esf") + esf.get("funding.decided.cofinancing") == 38_374_438
    assert esf.get("funding.decided.stated_total") == 38_374_438


def test_explicit_path_is_accepted_as_str_and_path(esf: Programme) -> None:
    path = programmes_dir() / f"{ESF}.yaml"
    assert load_programme(path).document == esf.document
    assert load_programme(str(path)).programme_id == ESF


def test_programme_is_read_only(esf: Programme) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        esf.programme_id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        esf.document["funding"]["decided"]["esf"] = 0  # type: ignore[index]


def test_get_names_a_missing_key(esf: Programme) -> None:
    with pytest.raises(KeyError, match="outcomes.nothing"):
        esf.get("outcomes.nothing")
    assert esf.get("outcomes.nothing", None) is None


# --- goal attainment: the source's percentages, recomputed ------------------------------------


def test_organisations_reached_is_48_percent_of_all_municipalities_and_regions(
    esf_results: pd.Series,
) -> None:
    # "har nått 150 kommuner och regioner vilket innebär att vi har nått 48%"; 150 / 311
    assert round(esf_results["organisations_reached_share_of_population"]) == 48
    assert esf_results["organisations_reached_share_of_population"] == pytest.approx(
        100 * 150 / 311
    )
    # the goal "70 % ... (218 organisationer)" is consistent with 311 organisations
    assert round(esf_results["organisations_goal_share_of_population"]) == 70


def test_funding_shares_match_the_report(esf_results: pd.Series) -> None:
    # decided: "46,83% utgör ESF-stöd och 53,17% utgör medfinansiering"
    assert round(esf_results["esf_share_decided"], 2) == 46.83
    assert round(esf_results["cofinancing_share_decided"], 2) == 53.17
    # at close: "46,80% ESF-stöd och 53,20% medfinansiering"
    assert round(esf_results["esf_share_at_close"], 2) == 46.80
    assert round(esf_results["cofinancing_share_at_close"], 2) == 53.20
    assert esf_results["esf_share_at_close"] + esf_results["cofinancing_share_at_close"] == (
        pytest.approx(100.0)
    )


def test_coordinator_time_is_12_6_fte(esf_results: pd.Series) -> None:
    # "21 426 timmar vilket motsvarar 12,6 årsarbetskrafter" with 1 700 h per FTE
    assert round(esf_results["coordinator_fte"], 1) == 12.6
    assert esf_results["coordinator_fte"] == pytest.approx(21426 / 1700)


def test_evaluation_response_rate_is_45_percent(esf_results: pd.Series) -> None:
    # "besvarats av 68 koordinatorer vilket ger en svarsfrekvens om 45%"
    assert round(esf_results["evaluation_response_rate"]) == 45


def test_training_and_organisation_goals_were_not_met(esf: Programme) -> None:
    table = goal_attainment(esf).set_index("indicator")
    assert round(table.loc["organisations_reached_vs_goal", "result"], 1) == 68.8  # 150 / 218
    assert round(table.loc["training_participants_vs_goal", "result"], 1) == 28.3  # 4595 / 16241
    # implied target group 16 241 / 0.15 = 108 273.3 people
    assert table.loc["training_participants_share_of_target_group", "reference"] == (
        pytest.approx(16241 / 0.15)
    )
    assert round(table.loc["training_participants_share_of_target_group", "result"], 2) == 4.24
    assert not table.loc["organisations_reached_vs_goal", "goal_met"]
    assert not table.loc["training_participants_vs_goal", "goal_met"]
    assert pd.isna(table.loc["esf_share_decided", "goal_met"])


def test_recomputed_results_agree_with_every_stated_figure(esf: Programme) -> None:
    # number of decimals each figure is printed with in the report
    printed_decimals = {
        "organisations_reached_share_of_population": 0,
        "organisations_goal_share_of_population": 0,
        "coordinator_fte": 1,
        "esf_share_decided": 2,
        "cofinancing_share_decided": 2,
        "esf_share_at_close": 2,
        "cofinancing_share_at_close": 2,
        "evaluation_response_rate": 0,
    }
    stated = goal_attainment(esf).dropna(subset=["stated"]).set_index("indicator")
    assert set(stated.index) == set(printed_decimals)
    for indicator, decimals in printed_decimals.items():
        recomputed = round(stated.loc[indicator, "result"], decimals)
        assert recomputed == pytest.approx(stated.loc[indicator, "stated"]), indicator


def test_results_are_computed_from_the_counts_not_copied(tmp_path: Path) -> None:
    document = _raw_document()
    document["outcomes"]["organisations_reached"]["count"] = 200
    document["funding"]["used_at_close"]["esf"] = 10_674_693  # equal to co-financing
    document["outcomes"]["coordinators"]["hours_per_fte"] = 1720
    results = goal_attainment(load_programme(_write(tmp_path, document)))
    results = results.set_index("indicator")["result"]
    assert results["organisations_reached_share_of_population"] == pytest.approx(100 * 200 / 311)
    assert results["esf_share_at_close"] == pytest.approx(50.0)
    assert round(results["coordinator_fte"], 1) == 12.5  # the EU 1 720 h convention


def test_goal_attainment_columns_and_types(esf: Programme) -> None:
    table = goal_attainment(esf)
    assert list(table.columns) == [
        "indicator",
        "value",
        "value_unit",
        "reference",
        "reference_kind",
        "result",
        "result_unit",
        "stated",
        "goal_met",
    ]
    assert table["indicator"].is_unique
    assert str(table["goal_met"].dtype) == "boolean"
    assert set(table["result_unit"]) == {"%", "FTE"}
    # codes only; every indicator has a label in both report catalogues
    from dimios_research.report.locale import t
    from dimios_research.stats.goals import INDICATORS

    assert set(table["indicator"]) <= set(INDICATORS)
    for indicator in INDICATORS:
        assert t(f"indicator.{indicator}", "sv") != t(f"indicator.{indicator}", "en")


def test_maturity_progress_uses_the_observed_value(esf: Programme) -> None:
    unknown = goal_attainment(esf).set_index("indicator").loc["maturity_progress"]
    assert math.isnan(unknown["result"]) and pd.isna(unknown["goal_met"])
    # 47 % -> 55 % targeted; observing 51 % is half of the targeted increase
    observed = goal_attainment(esf, observed_maturity_pct=51.0).set_index("indicator")
    assert observed.loc["maturity_progress", "result"] == pytest.approx(50.0)
    assert not observed.loc["maturity_progress", "goal_met"]
    reached = goal_attainment(esf, observed_maturity_pct=55.0).set_index("indicator")
    assert reached.loc["maturity_progress", "goal_met"]


def test_goal_attainment_rejects_a_non_programme() -> None:
    with pytest.raises(TypeError, match="programme"):
        goal_attainment({"id": ESF})  # type: ignore[arg-type]


# --- fees and evaluation -------------------------------------------------------------------


def test_fee_table_halves_the_fee(esf: Programme) -> None:
    fees = fee_table(esf)
    assert fees["size_class"].tolist() == ["XS", "S", "M", "L", "XL"]
    assert fees["fee_sek"].tolist() == [10000, 15000, 20000, 25000, 30000]
    pd.testing.assert_series_equal(
        fees["programme_pays_sek"], fees["stated_programme_pays_sek"], check_names=False
    )


def test_evaluation_scores_match_the_report(esf: Programme) -> None:
    scores = evaluation_scores(esf).set_index("item")
    assert scores["mean"].to_dict() == {
        "recommend": 8.41,
        "overall_impression": 7.88,
        "knowledge_raised": 7.79,
        "organisation_helpful": 8.85,
        "expectations_met": 7.79,
    }
    assert (scores["n_respondents"] == 68).all()
    assert scores.loc["recommend", "mean_share_of_top_pct"] == pytest.approx(84.1)


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "population.regions",
        "funding.used_at_close.esf",
        "outcomes.coordinators.hours_per_fte",
        "id",
    ],
)
def test_missing_required_key_is_named(tmp_path: Path, key: str) -> None:
    assert key in REQUIRED_KEYS
    document = _raw_document()
    _delete(document, key)
    with pytest.raises(ValueError, match=rf"missing required key '{key}'"):
        load_programme(_write(tmp_path, document))


def test_unknown_name_lists_available_names() -> None:
    with pytest.raises(ValueError, match=rf"unknown programme name 'no_such_programme'.*{ESF}"):
        load_programme("no_such_programme")


def test_missing_path_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="absent.yaml"):
        load_programme(tmp_path / "absent.yaml")


def test_name_lookup_in_another_directory(tmp_path: Path) -> None:
    _write(tmp_path, _raw_document(), name="copy_of_esf.yaml")
    assert available_programmes(tmp_path) == ["copy_of_esf"]
    assert load_programme("copy_of_esf", directory=tmp_path).programme_id == ESF
    with pytest.raises(ValueError, match="available: 'copy_of_esf'"):
        load_programme(ESF, directory=tmp_path)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("outcomes.training.participants", "many", "must be a number"),
        ("evaluation.invited", 0, "must be positive"),
        ("funding.decided.esf", -1, "must be non-negative"),
        ("outcomes.training.women", 2000, "does not equal 'outcomes.training.participants'"),
        ("evaluation.respondents", 151, "exceeds 'evaluation.invited'"),
    ],
)
def test_invalid_figures_are_rejected(
    tmp_path: Path, key: str, value: object, message: str
) -> None:
    document = _raw_document()
    *parents, last = key.split(".")
    node = document
    for part in parents:
        node = node[part]
    node[last] = value
    with pytest.raises(ValueError, match=message):
        load_programme(_write(tmp_path, document))


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ValueError, match="YAML mapping"):
        load_programme(path)
