"""Reading DIOS inventories: quarantine, cell issues, personal data, ids, mapping, folders."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from dios_helpers import DIOS, IMPORTANCE, QUALITY, RATINGS, REGISTER, frame, row, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dimios_research.errors import DataValidationError
from dimios_research.io.inventory import (
    CELL_ISSUE_REASONS,
    QUARANTINE_REASONS,
    has_inventory,
    inventory_files,
    read_inventory,
    read_inventory_dir,
)
from dimios_research.io.survey import read_survey_dir


def read(path, **kwargs):
    return read_inventory(path, REGISTER, DIOS, **kwargs)


def test_clean_file(tmp_path):
    rows = [
        row("00017"),
        row("00017", rater_role="key_user", quality=4),
        row("0042", organisation_id="0180", lifecycle="phase_out", deployment=""),
        row("7", organisation_id="K001", lifecycle="retired", quality="", importance=""),
    ]
    data = read(write_csv(tmp_path, rows))
    assert data.report.rows_read == 4 and data.report.rows_quarantined == 0
    assert data.ratings.shape == (4, 6 + len(RATINGS))
    assert data.systems["system_id"].tolist() == ["00017", "0042", "7"]
    assert data.systems["organisation_id"].tolist() == ["0114", "0180", "K001"]
    assert data.systems["n_rating_rows"].tolist() == [2, 1, 1]
    assert data.systems["lifecycle"].tolist() == ["active", "phase_out", "retired"]
    assert pd.isna(data.systems.loc[1, "deployment"])  # optional attribute left blank
    assert list(data.systems["business_area"].cat.categories) == DIOS_AREAS
    assert data.ratings["year"].dtype.kind == "i"
    assert data.ratings.loc[data.ratings["system_id"] == "7", RATINGS].isna().all().all()
    assert data.years == [2023]
    assert data.cell_issues.empty and data.dropped_columns == {}


DIOS_AREAS = [
    "management",
    "finance",
    "human_resources",
    "education",
    "social_services",
    "health_care",
    "urban_planning",
    "technical_services",
    "culture_leisure",
    "records_management",
    "citizen_services",
    "it_infrastructure",
]


def test_quarantine_reasons_first_applies(tmp_path):
    rows = [
        row("00017"),  # kept
        row(""),  # missing_system_id
        row("2", organisation_id=""),  # missing_organisation_id
        row("3", year="20x3"),  # missing_or_invalid_year
        row("4", organisation_id="114"),  # unknown (the register has 0114)
        row("5", lifecycle="broken"),  # invalid_attribute_value
        row("6", business_area=""),  # required attribute blank
        row("7", deployment="moln", rater_role="chef"),  # two invalid attributes
        row("00017", rater_role="Systemägare"),  # duplicate of the first (label = same role)
        row("", organisation_id="9999"),  # two problems: the first reason wins
        row("8", system_type="Ekonomisystem", business_area="EKONOMI "),  # labels: kept
    ]
    data = read(write_csv(tmp_path, rows))
    q = data.quarantine
    assert q["source_row"].tolist() == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert q["reason"].tolist() == [
        "missing_system_id",
        "missing_organisation_id",
        "missing_or_invalid_year",
        "unknown_organisation",
        "invalid_attribute_value",
        "invalid_attribute_value",
        "invalid_attribute_value",
        "duplicate_system_rater",
        "missing_system_id",
    ]
    assert q["detail"].tolist()[4:8] == [
        "lifecycle",
        "business_area",
        "deployment,rater_role",
        "system_id,rater_role",
    ]
    assert set(q["reason"]) <= set(QUARANTINE_REASONS)
    assert data.systems["system_id"].tolist() == ["00017", "8"]
    assert data.systems.loc[1, "system_type"] == "finance_system"
    assert data.systems.loc[1, "business_area"] == "finance"
    report = data.report
    assert report.rows_read == 11 == report.rows_kept + report.rows_quarantined
    assert report.quarantine_reasons["invalid_attribute_value"] == 3


def test_cell_issues_set_missing(tmp_path):
    rows = [
        row("1", quality=[7, "bra", "3,0", "Hög", "Vet ej", 2], importance=[0, 5, "very large", 1]),
        row("2", installed_year=2030, users="12.5", annual_cost_sek="-5"),
        row("3", installed_year=1850, users="abc", annual_cost_sek="1 250 000"),
        row("4", installed_year="", users="", annual_cost_sek="12,5"),
        row("5", annual_cost_sek="ca 2 tkr"),
        row("5", rater_role="key_user", business_area="education", annual_cost_sek=7),
    ]
    data = read(write_csv(tmp_path, rows))
    issues = data.cell_issues
    got = set(zip(issues["system_id"], issues["column"], issues["reason"]))
    assert got == {
        ("1", "q_maintainability", "out_of_range"),
        ("1", "q_information_security", "unparseable"),
        ("2", "installed_year", "out_of_range"),
        ("2", "users", "out_of_range"),
        ("2", "annual_cost_sek", "out_of_range"),
        ("3", "installed_year", "out_of_range"),
        ("3", "users", "unparseable"),
        ("5", "annual_cost_sek", "unparseable"),
        ("5", "business_area", "inconsistent_attribute"),
        ("5", "annual_cost_sek", "inconsistent_attribute"),
    }
    assert set(issues["reason"]) <= set(CELL_ISSUE_REASONS)
    assert data.report.cell_issues == {
        "out_of_range": 5,
        "unparseable": 3,
        "inconsistent_attribute": 2,
    }
    first = data.ratings[data.ratings["system_id"] == "1"].iloc[0]
    assert first[QUALITY].tolist()[:4] == [pytest.approx(np.nan, nan_ok=True)] * 2 + [3.0, 4.0]
    assert np.isnan(first["q_data_quality"]) and first["q_user_satisfaction"] == 2
    assert np.isnan(first["i_process_criticality"]) and first[IMPORTANCE[1:]].tolist() == [5, 5, 1]
    assert data.report.dont_know == 2
    systems = data.systems.set_index("system_id")
    assert systems.loc["2", ["installed_year", "users", "annual_cost_sek"]].isna().all()
    assert systems.loc["3", "annual_cost_sek"] == 1_250_000
    assert systems.loc["4", "annual_cost_sek"] == 12.5
    # system 5: the first row's values win, later differing rows are issues
    assert systems.loc["5", "business_area"] == "finance"
    assert np.isnan(systems.loc["5", "annual_cost_sek"])
    values = issues.set_index(["system_id", "column", "reason"])["original_value"]
    assert values[("5", "annual_cost_sek", "inconsistent_attribute")] == "7"
    assert values[("1", "q_information_security", "unparseable")] == "bra"


def test_personal_data_dropped_and_listed(tmp_path):
    personal = {
        "system_owner": "Anna Svensson",
        "Systemägare namn": "Anna Svensson",
        "owner_email": "anna.svensson@example.se",
        "E-post": "bo@example.se",
        "Telefon": "070-123 45 67",
        "Systemförvaltare": "Bo Berg",
        "admin_name": "Bo Berg",
        "Kontaktperson": "Cia Ek",
        "Kommentar": "Systemet byts ut nästa år enligt plan",
        "notes": "fråga cia.ek@example.se",
        "cmdb_class": "app",
    }
    rows = [dict(row(str(i)), **personal) for i in range(3)]
    rows.append(dict(row("", **{}), **personal))  # quarantined row: its personal data too
    data = read(write_csv(tmp_path, rows))
    dropped = data.dropped_columns
    assert set(dropped) == set(personal) - {"cmdb_class"}
    assert "e-mail" in dropped["owner_email"] and "by content" in dropped["notes"]
    assert "free text" in dropped["Kommentar"]
    assert data.report.ignored_columns == ("cmdb_class",)
    outputs = [data.ratings, data.systems, data.quarantine, data.cell_issues]
    text = " ".join(f.astype(str).to_csv() for f in outputs)
    for secret in ("Svensson", "@example.se", "070-123", "Bo Berg", "Cia Ek", "byts ut"):
        assert secret not in text
    assert "Svensson" not in str(data.report.to_dict())


def test_system_name_with_email_is_dropped_by_content(tmp_path):
    rows = [row("1"), row("2", system_name="Fråga anna@example.se", vendor="Lev AB")]
    data = read(write_csv(tmp_path, rows))
    assert set(data.dropped_columns) == {"system_name"}
    assert (data.systems["system_name"] == "").all()
    assert data.systems["vendor"].tolist() == ["Leverantör A AB", "Lev AB"]


IDS = ["00017", "0042", "017", "A-0001"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_leading_zero_ids_survive(tmp_path, fmt):
    rows = [
        row(sid, organisation_id=org) for sid, org in zip(IDS, ["0114", "0180", "0114", "K001"])
    ]
    table = frame(rows)
    path = tmp_path / f"inventory_2023.{fmt}"
    if fmt == "csv":
        table.to_csv(path, index=False)
    elif fmt == "xlsx":
        table.to_excel(path, index=False)  # ids written as text cells
    else:
        table.astype(str).to_parquet(path)
    data = read(path)
    assert data.report.rows_quarantined == 0
    assert sorted(data.systems["system_id"]) == sorted(IDS)
    assert set(data.systems["organisation_id"]) == {"0114", "0180", "K001"}
    assert data.systems["annual_cost_sek"].eq(100_000).all()
    assert data.ratings[RATINGS].eq(3).all().all()


def test_numeric_cells_in_spreadsheets_have_no_trailing_zero(tmp_path):
    table = frame([row("1"), row("2")])
    table["system_id"] = [17, 18]  # typed as numbers in Excel
    table["installed_year"] = [2015.0, np.nan]
    path = tmp_path / "inventory_2023.xlsx"
    table.to_excel(path, index=False)
    data = read(path)
    assert data.systems["system_id"].tolist() == ["17", "18"]
    assert data.systems["installed_year"].tolist()[0] == 2015
    assert data.cell_issues.empty


def test_mapping_renames_columns_and_recodes_values(tmp_path):
    table = frame([row("00017", lifecycle="Drift", quality="Utmärkt")]).rename(
        columns={"system_id": "System-ID", "organisation_id": "Kommunkod", "year": "År"}
    )
    path = tmp_path / "export.csv"
    table.to_csv(path, index=False, sep=";")
    mapping = {
        "columns": {"system-id": "system_id", "Kommunkod": "organisation_id", "år": "year"},
        "values": {"lifecycle": {"Drift": "active"}},
        "answers": {"Utmärkt": 5},
    }
    data = read(path, mapping=mapping)
    assert data.report.rows_quarantined == 0
    assert data.systems.loc[0, "lifecycle"] == "active"
    assert data.ratings.loc[0, QUALITY].eq(5).all()


def test_file_level_errors(tmp_path):
    table = frame([row("1")])
    table.drop(columns=["lifecycle"]).to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(DataValidationError, match=r"a.csv: missing required column\(s\) lifecycle"):
        read(tmp_path / "a.csv")
    table.drop(columns=RATINGS).to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(DataValidationError, match="no column matches a rating id"):
        read(tmp_path / "b.csv")
    table.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(DataValidationError, match="appear twice"):
        read(tmp_path / "c.csv", mapping={"columns": {"vendor": "system_name"}})
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataValidationError, match="no inventory files"):
        read(empty)
    with pytest.raises(DataValidationError, match="organisation register"):
        read_inventory_dir(empty)


@pytest.mark.slow  # over a second: left out of make test-fast
def test_data_folder_holds_survey_and_inventory(small_dir, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(small_dir, folder)
    before = read_survey_dir(folder, pseudonym_key="k").report
    assert not has_inventory(folder)
    write_csv(folder, [row("00017", organisation_id="K001"), row("2", organisation_id="K002")])
    write_csv(folder, [row("00017", organisation_id="K001", year=2024)], "Inventory_2024.csv")
    after = read_survey_dir(folder, pseudonym_key="k").report
    assert after.files == before.files and after.rows_read == before.rows_read
    assert [p.name for p in inventory_files(folder)] == ["Inventory_2024.csv", "inventory_2023.csv"]
    data = read_inventory_dir(folder)
    assert data.years == [2023, 2024] and len(data.systems) == 3
    assert "organisations.csv" in data.report.file_sha256
    assert read_inventory(folder, folder / "organisations.csv").report.rows_read == 3


# --------------------------------------------------------------------------- nothing is lost

BASE = frame([row(f"{i:05d}", organisation_id=["0114", "0180", "K001"][i % 3]) for i in range(30)])
COLUMNS = ["system_id", "organisation_id", "year", "lifecycle", "rater_role", "deployment"]


@pytest.mark.slow  # over a second: left out of make test-fast
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    corruptions=st.lists(
        st.tuples(
            st.integers(0, 29),
            st.sampled_from([*COLUMNS, "rating", "cost", "duplicate"]),
            st.sampled_from(["", "x", "9", "-1", "3,5", "2023", "Vet ej", "0114", "active", "?"]),
        ),
        max_size=20,
    )
)
def test_property_no_row_is_lost(tmp_path_factory, corruptions):
    table = BASE.copy()
    extra = []
    rng = np.random.default_rng(len(corruptions))
    for index, column, value in corruptions:
        if column == "rating":
            table.loc[index, RATINGS[int(rng.integers(len(RATINGS)))]] = value
        elif column == "cost":
            table.loc[index, "annual_cost_sek"] = value
        elif column == "duplicate":
            extra.append(table.loc[[index]])
        else:
            table.loc[index, column] = value
    table = pd.concat([table, *extra], ignore_index=True)
    folder = tmp_path_factory.mktemp("dios_prop")
    table.to_csv(folder / "inventory_x.csv", index=False)
    data = read(folder / "inventory_x.csv")
    report = data.report
    assert report.rows_read == len(table) == report.rows_kept + report.rows_quarantined
    assert sum(report.quarantine_reasons.values()) == report.rows_quarantined
    rows = pd.concat([data.ratings["source_row"], data.quarantine["source_row"]])
    assert sorted(rows) == list(range(2, len(table) + 2))  # every row exactly once
    assert data.systems["n_rating_rows"].sum() == report.rows_kept
    assert not data.ratings.duplicated(["organisation_id", "year", "system_id", "rater_role"]).any()
