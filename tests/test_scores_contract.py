"""One Scores contract: the same dtypes and orders in memory and from the result store."""

from __future__ import annotations

import pytest

import dimios_research as dr
from dimios_research.conventions import ORGANISATION_TYPES, SIZE_CLASSES, TYPE_LETTERS
from dimios_research.report.results import load_results, write_results


@pytest.fixture(scope="module")
def stored(demo_data, demo_scores, tmp_path_factory):
    folder = tmp_path_factory.mktemp("store")
    write_results(demo_data, demo_scores, folder)
    return load_results(folder).scores


@pytest.mark.parametrize("table", ["respondents", "organisations", "types", "register"])
def test_dtypes_survive_the_store(demo_results, stored, table):
    # Results in memory and from the store are the same (both without organisation-rounds
    # below the reporting threshold, see report.results.withhold_below_threshold).
    in_memory, loaded = getattr(demo_results.scores, table), getattr(stored, table)
    assert list(loaded.columns) == list(in_memory.columns)
    assert loaded.dtypes.to_dict() == in_memory.dtypes.to_dict()
    # DataFrame.equals: same values, dtypes and category orders (assert_frame_equal takes
    # half a minute on the 457,000-row respondent table).
    assert loaded.equals(in_memory.reset_index(drop=True))


def test_category_orders(demo_scores):
    register = demo_scores.register
    assert list(register["size_class"].cat.categories) == list(SIZE_CLASSES)
    assert register["size_class"].cat.ordered
    assert list(register["type"].cat.categories) == list(ORGANISATION_TYPES)
    assert list(demo_scores.types["maturity_type"].cat.categories) == list(TYPE_LETTERS)
    assert "type" not in demo_scores.types.columns  # the organisation type lives in register


def test_group_index_orders_size_classes_the_same_after_loading(demo_scores, stored):
    in_memory = dr.group_index(demo_scores, 2023, by="size_class", n_boot=200)
    loaded = dr.group_index(stored, 2023, by="size_class", n_boot=200)
    present = [c for c in SIZE_CLASSES if c in set(in_memory["group"].astype(str))]
    assert in_memory["group"].astype(str).tolist() == present
    assert loaded["group"].astype(str).tolist() == present


def test_rounds(demo_scores):
    assert demo_scores.check_year() == demo_scores.years[-1]
    assert demo_scores.check_year("2021") == 2021
    assert demo_scores.previous_round(demo_scores.years[0]) is None
    assert demo_scores.previous_round(2023) == 2022
    assert demo_scores.has_round(2019) and not demo_scores.has_round(1999)
    with pytest.raises(ValueError, match="year 1999 has no data; rounds in the data: 2019"):
        demo_scores.check_year(1999)


def test_reportable_helpers_match_the_raw_tables(demo_scores):
    types = demo_scores.types
    raw = types[(types["year"] == 2023) & types["reportable"]]
    assert demo_scores.reportable_ids(2023) == sorted(raw["organisation_id"].astype(str))
    hidden = types[(types["year"] == 2023) & ~types["reportable"]]["organisation_id"]
    assert len(hidden) > 0  # the demo has a non-reportable organisation-round
    assert not any(demo_scores.is_reportable(o, 2023) for o in hidden)
    rows = demo_scores.reportable_scores(2023, "dimension", "legacy")
    assert set(rows["organisation_id"]) == set(raw["organisation_id"])
    assert (rows["level"] == "dimension").all() and (rows["unit"] == "legacy").all()


@pytest.mark.slow
def test_a_store_is_read_once_and_each_caller_gets_its_own_tables(demo_data, demo_scores, tmp_path):
    """A kernel building report after report reads the store once (issue 16), safely."""
    from dimios_research.errors import StaleResultsError
    from dimios_research.report import results as results_module

    write_results(demo_data, demo_scores, tmp_path)
    first = load_results(tmp_path)
    key = (str(tmp_path.resolve()), None)
    assert key in results_module._READ
    cached = results_module._READ[key][1]["organisation_scores"]
    first.scores.organisations["score_pct"] = -1.0  # a report modifying its copy
    first.scores.organisations.loc[0, "unit"] = "changed"
    second = load_results(tmp_path)
    assert second.scores.organisations is not first.scores.organisations
    assert second.scores.organisations.equals(cached)
    assert (second.scores.organisations["score_pct"] >= 0).all()
    assert second.scores.organisations["unit"].iloc[0] != "changed"
    table = tmp_path / "types.parquet"
    table.write_bytes(table.read_bytes() + b"\0")  # rewritten: read and checked again
    with pytest.raises(StaleResultsError, match="modified"):
        load_results(tmp_path)
