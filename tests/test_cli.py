"""The command line: exit codes, one-line errors, JSON output."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from dimios_research.cli.main import cli


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def test_validate_json(small_dir, tmp_path):
    out = tmp_path / "q.csv"
    result = run(
        "validate",
        *sorted(small_dir.glob("responses_*.csv")),
        "--organisations",
        small_dir / "organisations.csv",
        "--json",
        "--quarantine-out",
        out,
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) >= {
        "rows_read",
        "rows_kept",
        "rows_quarantined",
        "quarantine_reasons",
        "cell_issues",
        "dropped_columns",
    }
    assert report["rows_read"] == report["rows_kept"] + report["rows_quarantined"]
    assert report["dropped_columns"] == ["comment", "email", "respondent_name"]
    assert "warning: respondent ids are pseudonymised" in result.stderr
    assert pd.read_csv(out).shape[0] == report["rows_quarantined"]


def test_validate_file_problem_exits_2_without_traceback(small_dir, tmp_path):
    result = run(
        "validate", tmp_path / "missing.csv", "--organisations", small_dir / "organisations.csv"
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "missing.csv: file not found" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.slow  # over a second: left out of make test-fast
def test_console_script_no_traceback(tmp_path):
    bad = tmp_path / "organisations.csv"
    bad.write_text("organisation_id,name\nK1,x\n", encoding="utf-8")
    (tmp_path / "r.csv").write_text("respondent_id,organisation_id,year\n", encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "dimios_research",
            "validate",
            str(tmp_path / "r.csv"),
            "--organisations",
            str(bad),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr
    assert "missing required column(s) type, county, size_class" in proc.stderr


@pytest.mark.slow
def test_simulate_and_datasets(tmp_path):
    result = run("simulate", "--seed", 3, "--out", tmp_path / "sim")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sim" / "responses_2023.csv").is_file()
    assert (tmp_path / "sim" / "truth" / "organisation_truth.csv").is_file()
    listed = run("datasets", "list")
    assert listed.exit_code == 0 and listed.stdout.startswith("demo: ")


def test_unexpected_error_is_one_line(monkeypatch, small_dir):
    import dimios_research.io.survey as ingest

    def broken(*args, **kwargs):
        raise TypeError("boom")

    monkeypatch.setattr(ingest, "read_survey", broken)
    result = run(
        "validate",
        small_dir / "responses_2023.csv",
        "--organisations",
        small_dir / "organisations.csv",
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: internal error (TypeError: boom); please report it with the command you ran"
    )


def test_encoding_option(tmp_path, small_dir):
    text = (small_dir / "responses_2023.csv").read_text(encoding="utf-8")
    (tmp_path / "latin.csv").write_bytes(text.replace("strateg", "stratég").encode("latin-1"))
    result = run(
        "validate",
        tmp_path / "latin.csv",
        "--organisations",
        small_dir / "organisations.csv",
        "--encoding",
        "latin-1",
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows_kept"] > 0
