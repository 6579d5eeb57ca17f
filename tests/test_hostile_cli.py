"""Careless commands are refused with one line and exit code 2 (issue 12).

Every case here is a command a careless user could type: an output over an input, results
inside the data folder, an ambiguous workbook, a file in another encoding, a malformed
mapping or codebook, a parameter out of range. None may leave a traceback, more than one
line on stderr, or a file behind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dimios_research.cli.main import cli
from dimios_research.instrument.codebook import DEFAULT_CODEBOOK, load_codebook

ITEMS = load_codebook().item_ids


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch):
    monkeypatch.setenv("DIMIOS_PSEUDONYM_KEY", "test-cli-key")


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def refused(result, *fragments: str) -> str:
    """Assert one ``error:`` line on stderr, exit code 2, no traceback; return the line."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture()
def data(small_dir, tmp_path) -> Path:
    """A private copy of the small simulated data folder."""
    folder = tmp_path / "data"
    shutil.copytree(small_dir, folder)
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------- outputs


def test_quarantine_out_over_the_input_is_refused(data):
    export = data / "responses_2023.csv"
    before = export.read_bytes()
    result = run(
        "validate",
        export,
        "--organisations",
        data / "organisations.csv",
        "--quarantine-out",
        export,
    )
    refused(result, "--quarantine-out", "this is an input file", "choose another file")
    assert export.read_bytes() == before


@pytest.mark.parametrize("which", ["register", "inside_folder", "same_as_other"])
def test_other_outputs_that_would_destroy_or_pollute_inputs(data, tmp_path, which):
    register = data / "organisations.csv"
    args = ["validate", data, "--organisations", register]
    if which == "register":
        args += ["--cell-issues-out", register]
        fragments = ["--cell-issues-out", "input file"]
    elif which == "inside_folder":
        args += ["--quarantine-out", data / "quarantine.csv"]
        fragments = ["lies inside the data folder", "would read it as input"]
    else:
        args += ["--quarantine-out", tmp_path / "x.csv", "--cell-issues-out", tmp_path / "x.csv"]
        fragments = ["--cell-issues-out", "input file"]
    before = snapshot(data)
    refused(run(*args), *fragments)
    assert snapshot(data) == before
    assert not (tmp_path / "x.csv").exists()


def test_output_into_a_missing_folder_is_a_clear_error(data, tmp_path):
    target = tmp_path / "no" / "such" / "q.csv"
    result = run(
        "validate",
        data / "responses_2023.csv",
        "--organisations",
        data / "organisations.csv",
        "--quarantine-out",
        target,
    )
    refused(result, f"the folder {target.parent} does not exist; create it first")
    assert not target.parent.exists()


@pytest.mark.parametrize("sub", ["", "results", "results/deeper"])
def test_score_into_the_data_folder_is_refused(data, sub):
    before = snapshot(data)
    out = data / sub if sub else data
    refused(run("score", "--data", data, "--out", out), "--out", "lies inside the data folder")
    assert snapshot(data) == before


def test_score_through_a_symlink_into_the_data_folder_is_refused(data, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(data, target_is_directory=True)
    refused(run("score", "--data", data, "--out", link / "out"), "inside the data folder")


def test_report_into_the_data_folder_is_refused_before_scoring(data):
    before = snapshot(data)
    result = run("report", "status", "--data", data, "--out", data / "reports", "--no-progress")
    refused(result, "--out", "inside the data folder")
    assert snapshot(data) == before


@pytest.mark.slow  # over a second: left out of make test-fast
def test_all_rows_quarantined_exits_2(data, tmp_path):
    frame = pd.read_csv(data / "responses_2023.csv", dtype=str, keep_default_na=False)
    frame["organisation_id"] = "NOPE"
    frame.to_csv(tmp_path / "r.csv", index=False)
    result = run("validate", tmp_path / "r.csv", "--organisations", data / "organisations.csv")
    refused(result, f"all {len(frame)} rows were quarantined", "unknown_organisation")
    assert "rows read:" in result.stdout  # the summary is still printed
    folder = tmp_path / "nothing"
    folder.mkdir()
    frame.to_csv(folder / "responses.csv", index=False)
    shutil.copy(data / "organisations.csv", folder)
    for args in (["score"], ["report", "status", "--no-progress"]):
        result = run(*args, "--data", folder, "--out", tmp_path / "out")
        refused(result, "rows were quarantined (most often unknown_organisation")


# --------------------------------------------------------------------------- input shapes


def test_workbook_with_two_data_sheets(data, tmp_path):
    frame = pd.read_csv(data / "responses_2023.csv", dtype=str, keep_default_na=False)
    book = tmp_path / "export.xlsx"
    with pd.ExcelWriter(book) as writer:
        frame.head(20).to_excel(writer, sheet_name="Svar", index=False)
        frame.tail(5).to_excel(writer, sheet_name="Gamla svar", index=False)
    args = ["validate", book, "--organisations", data / "organisations.csv", "--json"]
    refused(run(*args), "2 sheets with data ('Svar', 'Gamla svar')", "--sheet NAME")
    result = run(*args, "--sheet", "Svar")
    assert result.exit_code == 0, result.output
    assert '"sheets": {"export.xlsx": "Svar"}' in result.stdout
    assert '"rows_read": 20' in result.stdout


def test_duplicate_header_names(data, tmp_path):
    text = (data / "responses_2023.csv").read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    names = header.split(",")
    names[-1] = names[-2]
    (tmp_path / "r.csv").write_text(",".join(names) + "\n" + rest, encoding="utf-8")
    result = run("validate", tmp_path / "r.csv", "--organisations", data / "organisations.csv")
    refused(result, f"'{names[-2]}' appear more than once in the header")


def test_utf16_file_is_named(data, tmp_path):
    text = (data / "responses_2023.csv").read_text(encoding="utf-8")
    (tmp_path / "r.csv").write_bytes(text.encode("utf-16"))
    result = run("validate", tmp_path / "r.csv", "--organisations", data / "organisations.csv")
    refused(result, "UTF-16 (little-endian) text", "save it as UTF-8", "--encoding utf-16")
    ok = run(
        "validate",
        tmp_path / "r.csv",
        "--organisations",
        data / "organisations.csv",
        "--encoding",
        "utf-16",
    )
    assert ok.exit_code == 0, ok.output


def test_max_bytes(data):
    responses = sorted(data.glob("responses_*.csv"))
    args = ["validate", *responses, "--organisations", data / "organisations.csv"]
    refused(run(*args, "--max-bytes", "10KB"), "larger than the 10 KB limit", "--max-bytes")
    refused(run(*args, "--max-bytes", "lots"), "max-bytes must be a size such as 200MB")
    assert run(*args, "--max-bytes", "20MB").exit_code == 0


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("5\n", "the file must be a mapping"),
        ("values: {role: [1, 2]}\n", "values.role must be a mapping"),
        ("a: &a [1]\nb: *a\n", "YAML aliases (*a) are not allowed"),
    ],
)
def test_malformed_mapping(data, tmp_path, text, fragment):
    (tmp_path / "m.yaml").write_text(text)
    result = run(
        "score", "--data", data, "--out", tmp_path / "out", "--mapping", tmp_path / "m.yaml"
    )
    refused(result, fragment)
    assert not (tmp_path / "out").exists()


def test_codebook_labels_as_a_list(data, tmp_path):
    text = DEFAULT_CODEBOOK.read_text(encoding="utf-8").replace(
        "  labels:\n", "  labels: [a, b, c, d, e]\n  unused:\n", 1
    )
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")
    result = run(
        "validate",
        data,
        "--organisations",
        data / "organisations.csv",
        "--codebook",
        tmp_path / "c.yaml",
    )
    refused(result, "scale labels must be a mapping from code to label")


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["-p", "n_boot", "-5"], "parameter n_boot must be an integer from 100 to 100000, got -5"),
        (["-p", "n_boot", "2e3"], "parameter n_boot must be an integer"),
        (["-p", "n_boot", "true"], "got True"),
        (["-p", "seed", "-1"], "parameter seed must be an integer of at least 0"),
        (["-p", "target", "150"], "parameter target must be a number from 0 to 100"),
        (["-p", "lang", "de"], "parameter lang must be one of sv, en"),
        (["-p", "year", "2023.5"], "parameter year must be a whole year"),
        (["-p", "org_types", "[kommun, stad]"], "parameter org_types must be None or a list"),
        (["-p", "n_boot", "&a [1, *a]"], "YAML aliases"),
        (["--year", "abc"], "Invalid value for '--year': 'abc' is not a valid integer"),
        (["-p", "n_boot"], "Option '-p' requires 2 arguments"),
    ],
)
@pytest.mark.slow
def test_report_parameters_out_of_range(data, tmp_path, args, fragment):
    out = tmp_path / "out"
    result = run("report", "status", "--data", data, "--out", out, "--no-progress", *args)
    refused(result, fragment)
    assert not out.exists()  # refused before scoring: not even the cache


def test_score_options_out_of_range(data, tmp_path):
    refused(
        run("score", "--data", data, "--out", tmp_path / "o", "--min-respondents", "0"),
        "Invalid value for '--min-respondents'",
    )
    refused(run("score", "--data", data, "--out", tmp_path / "o", "--cut", "120"), "--cut")


def test_personal_data_never_reaches_the_terminal(data, tmp_path):
    register = pd.read_csv(data / "organisations.csv", dtype=str, keep_default_na=False)
    register.loc[1, "organisation_id"] = register.loc[0, "organisation_id"] = "19121212-1212"
    register.to_csv(tmp_path / "organisations.csv", index=False)
    result = run(
        "validate", data / "responses_2023.csv", "--organisations", tmp_path / "organisations.csv"
    )
    line = refused(result, "duplicate organisation_id", "<redacted>")
    assert "1212" not in line
