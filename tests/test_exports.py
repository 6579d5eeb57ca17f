"""Tests of dimios_research.report.output: formula injection, files, determinism, provenance."""

from __future__ import annotations

import io
import zipfile
from types import SimpleNamespace

import pandas as pd
import pytest

from dimios_research.report import output as exports
from dimios_research.report.output import ReportOutput, neutralise_formulas, say


@pytest.fixture
def hostile():
    return pd.DataFrame(
        {
            "label": ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "safe", "a=b"],
            "score_pct": [-1.5, 2.0, -3.25, 4.0, 5.0, 6.0, 7.0, 8.0],
            "n": [1, 2, 3, 4, 5, 6, 7, 8],
        }
    )


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_prefix_is_neutralised(prefix):
    out = neutralise_formulas(pd.DataFrame({"text": [prefix + "1+1"]}))
    assert out["text"].iloc[0] == "'" + prefix + "1+1"


def test_numbers_and_safe_text_untouched(hostile):
    out = neutralise_formulas(hostile)
    assert out["score_pct"].tolist() == hostile["score_pct"].tolist()
    assert out["score_pct"].dtype == hostile["score_pct"].dtype
    assert out["n"].tolist() == hostile["n"].tolist()
    assert out["label"].iloc[6] == "safe"
    assert out["label"].iloc[7] == "a=b"  # only a leading character triggers a formula
    assert hostile["label"].iloc[0] == "=1+1"  # the input is not modified


def test_column_names_neutralised():
    out = neutralise_formulas(pd.DataFrame({"=HYPERLINK()": [1]}))
    assert list(out.columns) == ["'=HYPERLINK()"]


def test_table_writes_csv_and_xlsx(tmp_path, hostile):
    out = ReportOutput(tmp_path, "sv", show=False)
    out.table(hostile, "t1")
    csv = (tmp_path / "tables" / "t1.csv").read_bytes()
    assert b"\r\n" not in csv
    text = csv.decode("utf-8")
    assert text.splitlines()[0] == '"label","score_pct","n"'
    assert text.splitlines()[1] == '"\'=1+1",-1.5,1'
    assert '"\'@cmd",4.0,4' in text
    back = pd.read_csv(tmp_path / "tables" / "t1.csv")
    assert back["score_pct"].tolist() == hostile["score_pct"].tolist()
    assert back["label"].tolist() == ["'" + v for v in hostile["label"][:6]] + ["safe", "a=b"]

    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "tables" / "t1.xlsx").active
    rows = list(sheet.values)
    assert rows[0] == ("label", "score_pct", "n")
    assert rows[1] == ("'=1+1", -1.5, 1)
    assert rows[4] == ("'@cmd", 4.0, 4)
    assert sheet.cell(row=2, column=1).data_type == "s"  # a string, never a formula


def test_files_are_byte_deterministic(tmp_path, hostile):
    first = ReportOutput(tmp_path / "a", "en", show=False)
    second = ReportOutput(tmp_path / "b", "en", show=False)
    first.table(hostile, "t")
    import time

    time.sleep(1.1)  # the XLSX would differ through its save time if it were not fixed
    second.table(hostile, "t")
    for suffix in ("csv", "xlsx"):
        a = (tmp_path / "a" / "tables" / f"t.{suffix}").read_bytes()
        b = (tmp_path / "b" / "tables" / f"t.{suffix}").read_bytes()
        assert a == b, suffix
    with zipfile.ZipFile(io.BytesIO((tmp_path / "a" / "tables" / "t.xlsx").read_bytes())) as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert exports.FIXED_TIMESTAMP in core


def test_missing_values_and_booleans(tmp_path):
    frame = pd.DataFrame({"x": [1.0, None], "flag": [True, False], "s": ["a", None]})
    out = ReportOutput(tmp_path, "sv", show=False)
    out.table(frame, "m")
    from openpyxl import load_workbook

    rows = list(load_workbook(tmp_path / "tables" / "m.xlsx").active.values)
    assert rows[2] == (None, False, None)


def test_format_table_swedish_numbers():
    frame = pd.DataFrame(
        {
            "year": [2023],
            "estimate": [51.234],
            "n_organisations": [1500],
            "p": [0.0004],
            "label": ["x"],
        }
    )
    shown = exports.format_table(frame, "sv")
    assert shown.iloc[0, 0] == "2023"  # years are never grouped
    assert "0,001" in shown.iloc[0, 3]
    assert shown.iloc[0, 1] == "51,2"
    assert shown.iloc[0, 2] == "1\u00a0500"
    assert list(shown.columns)[:2] == ["År", "Skattning"]
    assert exports.format_table(frame, "en").iloc[0, 1] == "51.2"


def test_say_formats_fields():
    sv = say(
        "coverage.text", "sv", year=2023, n_organisations=1500, n_respondents=3799, n_reportable=149
    )
    assert "2023" in sv and "1\u00a0500" in sv and "3\u00a0799" in sv
    assert say("types.text", "sv", cut_pct=50.0).count("50,0\u00a0%") == 1
    with pytest.raises(KeyError, match="no report text"):
        say("no.such.key", "sv")
    # every text exists in both languages with the same placeholders
    import string

    for key, texts in exports.TEXTS.items():
        assert set(texts) == {"sv", "en"}, key
        fields = [
            {f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f}
            for lang in ("sv", "en")
        ]
        assert fields[0] == fields[1], key


def test_provenance_fields(tmp_path):
    results = SimpleNamespace(
        manifest={
            "inputs": {"responses_2023.csv": "ab" * 32, "organisations.csv": "cd" * 32},
            "codebook": {"id": "dimios_illustrative", "version": "1.0", "sha256": "ef" * 32},
        }
    )
    out = ReportOutput(tmp_path, "sv", show=False)
    table = out.provenance(results, parameters={"year": 2023, "lang": "sv"}, seed=7)
    fields = dict(zip(table["field"], table["value"]))
    assert fields["input: responses_2023.csv"] == "ab" * 32
    assert fields["input: organisations.csv"] == "cd" * 32
    assert fields["codebook"] == "dimios_illustrative 1.0"
    assert fields["codebook_sha256"] == "ef" * 32
    assert fields["package_version"].startswith("dimios-research ")
    assert fields["parameter: year"] == "2023"
    assert fields["seed"] == "7"
    assert not any("time" in field for field in fields)  # same inputs, same report bytes
    assert {"python", "pandas", "numpy"} <= set(fields)


def test_programme_sentences_use_source_rounding():
    from dimios_research.io.programmes import load_programme
    from dimios_research.stats.goals import goal_attainment

    programme = load_programme("esf_digital_mognad_2021_2023")
    sv = " ".join(exports.programme_sentences(programme, goal_attainment(programme), "sv"))
    assert "48\u00a0%" in sv and "46,80\u00a0%" in sv and "12,6" in sv and "45\u00a0%" in sv
    en = " ".join(exports.programme_sentences(programme, goal_attainment(programme), "en"))
    assert "48%" in en and "46.80%" in en and "12.6" in en and "45%" in en


def test_not_reportable_error_is_value_error():
    assert issubclass(exports.NotReportableError, ValueError)


def test_display_moves_constant_technical_columns_to_a_note():
    from dimios_research.report.output import format_table, split_technical

    frame = pd.DataFrame(
        {
            "estimate": [50.0, 52.0],
            "method": ["bootstrap", "bootstrap"],
            "seed": [0, 0],
            "p_adjust": ["holm", "bonferroni"],
            "met": [True, False],
        }
    )
    table, note = split_technical(frame, "sv")
    assert table.columns.tolist() == ["estimate", "p_adjust", "met"]  # varying column stays
    assert note == "Metod: bootstrap; seed: 0"
    shown = format_table(table, "sv")
    assert shown["Uppnått"].tolist() == ["ja", "nej"]
    assert format_table(table, "en")["Met"].tolist() == ["yes", "no"]
