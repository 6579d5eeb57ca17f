"""Tests of the report runner (dimios_research.report.runner) and ``dimios-research report``.

The real notebooks (notebooks/*.ipynb) run once on a small simulated dataset through the
command line (status in sv and en, follow-up, validation and one profile, sharing one
results cache); the stand-in notebooks under tests/notebooks/ exercise the runner itself
(failure handling, atomic replacement, kernel) independently of the report content.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html as html_lib
import json
import os
import re
import stat
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dimios_research.cli.main import cli
from dimios_research.report import runner as reports
from dimios_research.simulation.survey import simulate, write_dataset

# Every test here builds reports by executing notebooks (see make test-fast).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
REAL_NOTEBOOKS = ROOT / "notebooks"
STANDIN = Path(__file__).resolve().parent / "notebooks" / "standin"
FAILING = Path(__file__).resolve().parent / "notebooks" / "failing"
REAL_PRESENT = all((REAL_NOTEBOOKS / name).is_file() for name in reports.NOTEBOOKS.values())
needs_real = pytest.mark.skipif(
    not REAL_PRESENT, reason="notebooks/*.ipynb not written yet (the runner tests use stand-ins)"
)


@pytest.fixture(scope="module", autouse=True)
def pseudonym_key():
    """A key of our own: the default key warns (in the CLI and in every notebook)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIMIOS_PSEUDONYM_KEY", "test-report-key")
        yield


def invoke(*args: object):
    return CliRunner().invoke(cli, ["report", *map(str, args)])


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Three rounds of simulated data with one organisation cut to two respondents a round.

    Returns the data folder, the hidden organisation's id and name, and one reportable
    municipality or region of 2023 for the profile.
    """
    sim = simulate(seed=5, participants={2021: 8, 2022: 10, 2023: 12})
    responses = sim.responses
    measured = responses.groupby("organisation_id")["year"].nunique()
    hidden = sorted(measured[measured == measured.max()].index)[0]
    is_hidden = responses["organisation_id"] == hidden
    keep = ~is_hidden | (responses.groupby(["organisation_id", "year"]).cumcount() < 2)
    sim = dataclasses.replace(sim, responses=responses[keep].reset_index(drop=True))
    folder = tmp_path_factory.mktemp("report_data")
    write_dataset(sim, folder)
    name = sim.organisations.set_index("organisation_id").loc[hidden, "name"]
    return folder, hidden, name


@pytest.fixture(scope="module")
def scored(small, tmp_path_factory):
    folder, _, _ = small
    out = tmp_path_factory.mktemp("scored")
    results, results_dir = reports.score_once(folder, out)
    return results, results_dir, out


# --------------------------------------------------------------------------------------------
# Parameters are checked before anything is executed
# --------------------------------------------------------------------------------------------


def _notebooks() -> Path:
    return REAL_NOTEBOOKS if REAL_PRESENT else STANDIN


def _report_folders(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.name not in ("_cache",)] if out.exists() else []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["status", "-p", "nonsense", "1"], "unknown parameter 'nonsense'"),
        (["status", "-p", "output_dir", "x"], "set by the runner"),
        (["status", "--year", "2019"], "year 2019 has no data"),
        (["organisation", "--org", "X999"], "unknown organisation 'X999'"),
        (["organisation"], "needs --org"),
        (["follow-up", "--baseline", "2023", "--follow-up", "2021"], "earlier round"),
        (["all", "-p", "nonsense", "1"], "no report notebook declares it"),
    ],
)
def test_invalid_parameters_fail_before_execution(small, tmp_path, args, message):
    folder, _, _ = small
    result = invoke(
        *args,
        "--data",
        folder,
        "--out",
        tmp_path / "out",
        "--notebooks",
        _notebooks(),
        "--no-progress",
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert message in lines[0]
    assert "Traceback" not in result.output
    assert _report_folders(tmp_path / "out") == []


def test_non_reportable_organisation_is_refused(small, tmp_path):
    folder, hidden, _ = small
    result = invoke(
        "organisation",
        "--org",
        hidden,
        "--data",
        folder,
        "--out",
        tmp_path,
        "--notebooks",
        _notebooks(),
        "--no-progress",
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: organisation {hidden} is not reportable in 2023 (no answers or fewer than 5 "
        "respondents); profiles are made only for reportable organisations"
    )
    assert _report_folders(tmp_path) == []


def test_plan_resolves_defaults_and_absolute_paths(scored, small):
    results, results_dir, out = scored
    folder, _, _ = small
    job = reports.plan_report(
        "follow-up",
        results,
        data_dir=folder,
        results_dir=results_dir,
        out_dir=out,
        lang="en",
        notebook_dir=STANDIN,
    )
    assert job.parameters["baseline"] == 2021 and job.parameters["follow_up"] == 2023
    assert Path(job.parameters["data_dir"]).is_absolute()
    assert job.target == out.resolve() / "2023" / "en" / "follow_up_2021_2023"
    assert job.html.name == "follow_up_2021_2023.html"
    with pytest.raises(reports.ReportParameterError, match="lang must be one of sv, en"):
        reports.plan_report(
            "status",
            results,
            data_dir=folder,
            results_dir=results_dir,
            out_dir=out,
            lang="de",
            notebook_dir=STANDIN,
        )
    with pytest.raises(reports.ReportParameterError, match="unknown report 'summary'"):
        reports.plan_report(
            "summary",
            results,
            data_dir=folder,
            results_dir=results_dir,
            out_dir=out,
            notebook_dir=STANDIN,
        )


def test_example_organisations_are_the_largest_reportable(scored):
    results, _, _ = scored
    chosen = reports.example_organisations(results, 2023, n=3)
    reportable = set(reports.reportable_organisations(results, 2023))
    register = results.scores.register.set_index("organisation_id")
    assert len(chosen) == 3 and set(chosen) <= reportable
    assert set(register.loc[chosen, "type"]) <= {"kommun", "region"}
    employees = register.loc[chosen, "employees"].tolist()
    assert employees == sorted(employees, reverse=True)
    others = register.loc[sorted(reportable - set(chosen))]
    others = others[others["type"].isin(["kommun", "region"])]
    assert (others["employees"] <= min(employees)).all()


# --------------------------------------------------------------------------------------------
# Runner mechanics with stand-in notebooks
# --------------------------------------------------------------------------------------------


def _status_job(scored, small, notebook_dir, lang="sv"):
    results, results_dir, out = scored
    folder, _, _ = small
    return reports.plan_report(
        "status",
        results,
        data_dir=folder,
        results_dir=results_dir,
        out_dir=out,
        lang=lang,
        notebook_dir=notebook_dir,
    )


def test_failed_notebook_leaves_earlier_output_and_lands_in_failed(scored, small):
    folder, _, _ = small
    _, _, out = scored
    good = reports.run_job(_status_job(scored, small, STANDIN))
    before = {p: p.read_bytes() for p in good.files}
    result = invoke(
        "status", "--data", folder, "--out", out, "--notebooks", FAILING, "--no-progress"
    )
    assert result.exit_code == 1
    stderr = result.stderr.strip().splitlines()
    assert len(stderr) == 1 and "Traceback" not in result.output
    # `1 / 0` is the fourth code cell executed (after parameters, injected parameters, body)
    assert stderr[0].startswith("error: status_report.ipynb: cell 4 failed: ZeroDivisionError:")
    assert "division by zero" in stderr[0]
    failed = out / "_failed" / "2023" / "sv" / "status_report.ipynb"
    assert failed.is_file() and str(failed) in stderr[0]
    assert "ZeroDivisionError" in failed.read_text(encoding="utf-8")
    assert {p: p.read_bytes() for p in good.job.target.rglob("*") if p.is_file()} == before
    leftovers = [p.name for p in good.job.target.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_runner_error_fields(scored, small):
    with pytest.raises(reports.NotebookFailedError) as info:
        reports.run_job(_status_job(scored, small, FAILING, lang="en"))
    error = info.value
    assert (error.exec_count, error.ename, error.evalue) == (
        4,
        "ZeroDivisionError",
        "division by zero",
    )
    assert error.failed_notebook.is_file()


def test_rerun_replaces_the_whole_folder(scored, small):
    job = _status_job(scored, small, STANDIN, lang="en")
    first = reports.run_job(job)
    # (the stand-in saves its figures and tables with plain matplotlib and pandas, so only
    # the runner's own files are compared; the real reports' files are checked elsewhere)
    report_bytes = {
        p.name: p.read_bytes() for p in first.files if p.suffix in (".html", ".ipynb", ".pdf")
    }
    stale = job.target / "figures" / "stale.png"
    stale.write_bytes(b"old")
    second = reports.run_job(job)
    assert not stale.exists()
    assert [p.relative_to(job.target) for p in first.files] == [
        p.relative_to(job.target) for p in second.files
    ]
    assert [p.name for p in job.target.parent.iterdir() if p.name.startswith(".")] == []
    # same inputs, same bytes: no clock times in the notebook, no random cell id in the HTML
    assert {
        p.name: p.read_bytes() for p in second.files if p.suffix in (".html", ".ipynb", ".pdf")
    } == report_bytes
    assert '"id": "injected-parameters"' in (job.target / "status_report.ipynb").read_text()
    # the executed notebook records the final folder, not the temporary one
    text = (job.target / "status_report.ipynb").read_text(encoding="utf-8")
    assert json.dumps(str(job.target))[1:-1] in text and ".tmp" not in text


def test_reused_kernel_starts_clean_and_numbers_cells_from_one(scored, small):
    results, results_dir, out = scored
    folder, _, _ = small
    jobs = [
        reports.plan_report(
            "organisation",
            results,
            data_dir=folder,
            results_dir=results_dir,
            out_dir=out / "warm",
            organisation_id=org,
            notebook_dir=STANDIN,
        )
        for org in reports.reportable_organisations(results, 2023)[:2]
    ]
    outcomes = reports.run_jobs(jobs, n_jobs=1, progress=False, reuse_kernel=True)
    for outcome in outcomes:
        executed = outcome.job.html.with_suffix(".ipynb")
        cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
        counts = [c["execution_count"] for c in cells if c["cell_type"] == "code"]
        assert counts == list(range(1, len(counts) + 1))
        # the second report runs in the first one's kernel, whose variables were cleared
        assert "fresh namespace: True" in executed.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
def test_reports_in_a_reused_kernel_leave_no_open_descriptors(scored, small):
    """Each report's kernel client is closed: nbclient leaves it open with a kernel it does
    not own, which cost about ten file descriptors per report (a long batch ran out)."""
    results, results_dir, out = scored
    folder, _, _ = small
    job = reports.plan_report(
        "organisation", results, data_dir=folder, results_dir=results_dir,
        out_dir=out / "descriptors", organisation_id=reports.reportable_organisations(
            results, 2023)[0], notebook_dir=STANDIN,
    )  # fmt: skip
    reports.run_job(job, reuse_kernel=True)  # the kernel and its first-use state
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(3):
        reports.run_job(job, reuse_kernel=True)
    assert len(os.listdir("/proc/self/fd")) <= before
    reports.shutdown_warm_kernel()


def test_swap_restores_old_folder_when_rename_fails(tmp_path, monkeypatch):
    target, new = tmp_path / "report", tmp_path / "new"
    target.mkdir()
    (target / "a.txt").write_text("old")
    new.mkdir()
    (new / "a.txt").write_text("new")
    real_replace = os.replace
    calls = []

    def flaky(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(reports.os, "replace", flaky)
    with pytest.raises(OSError, match="disk full"):
        reports._swap_into_place(new, target)
    assert (target / "a.txt").read_text() == "old"


def test_kernel_is_the_running_python(scored, small):
    outcome = reports.run_job(_status_job(scored, small, STANDIN))
    text = (outcome.job.target / "status_report.ipynb").read_text(encoding="utf-8")
    assert f"kernel python: {sys.executable}" in text


# --------------------------------------------------------------------------------------------
# The real notebooks, through the command line
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(small, scored):
    """``report all`` on the small data: status sv+en, follow-up, validation, one profile."""
    folder, _, _ = small
    results, _, out = scored
    org = reports.example_organisations(results, 2023, n=1)[0]
    result = invoke(
        "all",
        "--data",
        folder,
        "--out",
        out,
        "--org",
        org,
        "--lang",
        "sv",
        "--lang",
        "en",
        "-p",
        "n_boot",
        "200",
        "--jobs",
        "2",
        "--figure-formats",
        "svg,png",
        "--no-progress",
    )
    return result, out, org


def _text(path: Path) -> str:
    """Visible text of an HTML file, entities decoded, no-break spaces as spaces."""
    return html_lib.unescape(path.read_text(encoding="utf-8")).replace("\u00a0", " ")


#: Function words of one language that never occur in running text of the other. Words both
#: languages share ("per", "index", "region") or that occur in names ("de Chaisemartin",
#: "organisations.csv", organisation names such as "Syntetisk kommun 14") are left out.
FOREIGN_WORDS = {
    "sv": {"the", "and", "of", "with", "for", "is", "are", "which", "this", "that", "from",
           "than", "between", "each", "were", "was", "has", "have", "below", "above"},
    "en": {"och", "för", "med", "av", "är", "som", "till", "inte", "än", "mellan", "varje",
           "eller", "har", "över", "omgång", "poäng", "medelvärde"},
}  # fmt: skip


def _foreign_words(html_text: str, lang: str) -> list[str]:
    """Words of the other language in the visible text of a page (with a little context)."""
    visible = re.sub(r"<(style|svg|script)\b.*?</\1>", " ", html_text, flags=re.S)
    words = re.findall(r"[^\W\d_]+", re.sub(r"<[^>]+>", " ", visible))
    return [
        " ".join(words[max(0, i - 3) : i + 4])
        for i, word in enumerate(words)
        if word.lower() in FOREIGN_WORDS[lang]
    ]


def _html(out: Path, relative: str) -> Path:
    path = out / relative
    assert path.is_file(), f"{relative} missing"
    return path


@needs_real
def test_all_writes_every_report(built):
    result, out, org = built
    assert result.exit_code == 0, result.output + result.stderr
    expected = [
        "2023/sv/status_report/status_report.html",
        "2023/en/status_report/status_report.html",
        "2023/sv/follow_up_2021_2023/follow_up_2021_2023.html",
        "2023/sv/instrument_validation/instrument_validation.html",
        f"2023/sv/organisations/{org}/organisation_profile_{org}.html",
    ]
    for relative in expected:
        html = _html(out, relative)
        assert html.with_suffix(".ipynb").is_file()
        assert str(html) in result.stdout
    status = out / "2023" / "sv" / "status_report"
    assert list((status / "figures").glob("*.png")) and list((status / "figures").glob("*.svg"))
    assert list((status / "tables").glob("*.csv")) and list((status / "tables").glob("*.xlsx"))


REPORTS = {
    "sv-status": "2023/sv/status_report",
    "en-status": "2023/en/status_report",
    "sv-follow-up": "2023/sv/follow_up_2021_2023",
    "sv-validation": "2023/sv/instrument_validation",
}


def _document(out: Path, relative: str) -> dict:
    return json.loads((out / relative / "document.json").read_text(encoding="utf-8"))


@needs_real
@pytest.mark.parametrize("relative", list(REPORTS.values()), ids=list(REPORTS))
def test_html_is_a_lean_self_contained_page(built, small, relative):
    _, out, _ = built
    folder, _, _ = small
    doc = _document(out, relative)
    page = (out / relative / f"{Path(relative).name}.html").read_text(encoding="utf-8")
    assert page.startswith(f'<!DOCTYPE html>\n<html lang="{doc["lang"]}">')
    assert f"<title>{html_lib.escape(doc['title'])}</title>" in page
    assert "Notebook" not in page and "jp-" not in page and "import " not in page
    assert not re.search(r"(src|href)=\"https?://", page)  # no external request
    assert "@media print" in page and "@page" in page
    assert page.index('class="key-figures"') < page.index('<nav class="toc"')
    nav = page[page.index("<nav") : page.index("</nav>")]
    assert nav.count("<li") >= 3
    assert len(page) < 2_500_000
    # provenance: the (shortened) SHA-256 of an input file, but no local path
    digest = hashlib.sha256((folder / "responses_2023.csv").read_bytes()).hexdigest()
    assert digest[:16] in page and str(folder) not in page and str(out) not in page


@needs_real
@pytest.mark.parametrize("relative", list(REPORTS.values()), ids=list(REPORTS))
def test_every_figure_has_a_caption_and_real_alt_text(built, relative):
    _, out, _ = built
    figures = [b for b in _document(out, relative)["blocks"] if b["kind"] == "figure"]
    assert figures
    for number, block in enumerate(figures, start=1):
        assert block["number"] == number and block["caption"].strip()
        assert len(block["alt"]) > 30 and re.search(r"\d", block["alt"]), block["alt"]
        assert "No description" not in block["alt"]


@needs_real
@pytest.mark.parametrize("relative", list(REPORTS.values()), ids=list(REPORTS))
def test_displayed_tables_show_labels_not_code_names(built, relative):
    _, out, _ = built
    doc = _document(out, relative)
    codes = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")  # snake_case: a machine name
    tables = [b for b in doc["blocks"] if b["kind"] == "table"]
    assert tables
    for block in tables:
        assert len(block["columns"]) <= 8, block["caption"]
        assert block["caption"].strip() and block["number"] >= 1
        for cell in [*block["columns"], *(c for row in block["rows"] for c in row)]:
            assert not codes.match(cell), f"{cell!r} in table {block['number']}"
            assert cell not in ("games-howell", "holm", "type", "size_class", "q25"), cell


@needs_real
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_status_report_language_and_numbers(built, scored, lang):
    from dimios_research.report.locale import t
    from dimios_research.report.numbers import format_pct
    from dimios_research.stats.indices import national_index

    _, out, _ = built
    results, _, _ = scored
    relative = f"2023/{lang}/status_report"
    text = _text(_html(out, f"{relative}/status_report.html"))
    other = "en" if lang == "sv" else "sv"
    for key in ("national", "types", "compare", "status.summary", "methods.index"):
        assert t(key, lang) in text
        assert t(key, other) not in text
    estimate = national_index(results.scores, 2023, n_boot=200)["estimate"].iloc[0]
    assert format_pct(estimate, lang).replace("\u00a0", " ") in text
    # the change table shows the index with one decimal, never formatted like a year
    change = next(b for b in _document(out, relative)["blocks"]
                  if b["kind"] == "table" and "Index (%)" in b["columns"])  # fmt: skip
    index = change["rows"][0][change["columns"].index("Index (%)")]
    assert re.fullmatch(r"\d{2}[,.]\d", index), index


@needs_real
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_workbook_for_people_and_file_modes(built, lang):
    from openpyxl import load_workbook

    from dimios_research.report.locale import t

    _, out, _ = built
    folder = out / "2023" / lang / "status_report"
    book = load_workbook(folder / "tables" / "status_report.xlsx")
    assert book.sheetnames[0] == t("document.about", lang)
    sheet = book.worksheets[1]
    assert sheet["A1"].value.startswith(t("document.table", lang, number=1))
    assert [c.value for c in sheet[3]][0] == t("column.year", lang)
    assert sheet.freeze_panes == "A4"
    for path in folder.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    assert (folder / "tables" / "data_dictionary.csv").is_file()


@needs_real
def test_follow_up_programme_section_reproduces_the_source(built):
    _, out, _ = built
    text = _text(_html(out, "2023/sv/follow_up_2021_2023/follow_up_2021_2023.html"))
    # Slutrapport ESF-projekt Digital mognad: 150/311 = 48 %, women 46,80 %,
    # 12,6 FTE coordinators, 45 % of the target group not reached (see programmes tests)
    for pattern in (r"150 organisationer, 48 ?%", r"46,80 ?%", r"\b12,6 årsarbet", r"\(45 ?%\)"):
        assert re.search(pattern, text), pattern


@needs_real
def test_no_non_reportable_organisation_in_any_output(built, small):
    from openpyxl import load_workbook

    _, out, _ = built
    _, hidden, name = small
    pattern = re.compile(rf"\b{re.escape(hidden)}\b|{re.escape(name)}(?!\d)")
    checked = 0
    for path in out.rglob("*"):
        if not path.is_file() or path.suffix == ".png":
            continue
        if path.suffix == ".parquet":  # the results cache holds no hidden organisation either
            content = pd.read_parquet(path).astype(str).to_csv()
        elif path.suffix == ".xlsx":
            book = load_workbook(path, read_only=True)
            content = "\n".join(
                str(cell)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
                for cell in row
            )
        else:
            content = path.read_text(encoding="utf-8", errors="replace")
        assert not pattern.search(content), f"{hidden} ({name}) named in {path}"
        checked += 1
    assert checked >= 20


@needs_real
def test_tables_are_read_back(built):
    _, out, _ = built
    tables = sorted((out / "2023" / "en" / "status_report" / "tables").glob("*.csv"))
    assert tables
    for path in tables:
        assert not pd.read_csv(path).empty or path.stat().st_size > 0


@needs_real
@pytest.mark.parametrize(
    ("command", "relative", "keys"),
    [
        (
            "follow-up",
            "2023/en/follow_up_2021_2023/follow_up_2021_2023.html",
            ("panel", "change", "growth", "provenance"),
        ),
        (
            "validation",
            "2023/en/instrument_validation/instrument_validation.html",
            ("validation.reliability", "validation.items", "provenance"),
        ),
        (
            "organisation",
            "2023/en/organisations/{org}/organisation_profile_{org}.html",
            ("org.map", "org.strengths", "provenance"),
        ),
    ],
)
def test_other_reports_in_english(small, scored, built, command, relative, keys):
    """The reports ``all`` writes in Swedish also run in English, with English headings."""
    from dimios_research.report.locale import t

    folder, _, _ = small
    _, _, out = scored
    _, _, org = built
    extra = ["--org", org] if command == "organisation" else []
    result = invoke(
        command, "--data", folder, "--out", out, "--lang", "en", *extra, "--no-progress"
    )
    assert result.exit_code == 0, result.output + result.stderr
    text = _text(_html(out, relative.format(org=org)))
    for key in keys:
        assert t(key, "en") in text
        assert t(key, "sv") not in text
    assert _foreign_words(text, "en") == []


@needs_real
@pytest.mark.parametrize("relative", list(REPORTS.values()), ids=list(REPORTS))
def test_every_report_speaks_one_language(built, relative):
    """A Swedish report contains no English running text and an English one no Swedish."""
    _, out, _ = built
    lang = _document(out, relative)["lang"]
    text = _text(_html(out, f"{relative}/{Path(relative).name}.html"))
    assert _foreign_words(text, lang) == []


@needs_real
@pytest.mark.parametrize("relative", list(REPORTS.values()), ids=list(REPORTS))
def test_every_report_has_a_tagged_a4_pdf(built, relative):
    from pypdf import PdfReader

    _, out, _ = built
    doc = _document(out, relative)
    reader = PdfReader(out / relative / f"{Path(relative).name}.pdf")
    assert reader.metadata.title == doc["title"]
    assert reader.trailer["/Root"]["/Lang"] == doc["lang"]
    assert bool(reader.trailer["/Root"]["/MarkInfo"]["/Marked"])
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
        (595.276, 841.89)
    )
    text = re.sub(r"\s+", " ", page.extract_text())
    key = next(b for b in doc["blocks"] if b["kind"] == "key_figures")
    assert key["items"][0]["value"].replace("\u00a0", " ") in text.replace("\u00a0", " ")


# --------------------------------------------------------------------------------------------
# issue 16: kernels started early, prompt clients, the command's own imports
# --------------------------------------------------------------------------------------------
def test_a_kernel_started_early_writes_the_same_report(scored, small, tmp_path):
    """Imports and the results store read ahead of the report change no byte of it."""
    folder, _, _ = small
    _, _, out = scored
    job = _status_job(scored, small, STANDIN)
    fresh = reports.run_job(job)
    expected = {p.relative_to(job.target): p.read_bytes() for p in fresh.files}
    reports.start_kernel_early(["status"], STANDIN, data_dir=folder, out_dir=out)
    try:
        warm = reports.run_job(job, reuse_kernel=True)
    finally:
        reports.shutdown_warm_kernel()
    assert {p.relative_to(job.target): p.read_bytes() for p in warm.files} == expected
    executed = (job.target / "status_report.ipynb").read_text(encoding="utf-8")
    assert "fresh namespace: True" in executed  # the warm-up bound no name
    assert "data:image" not in executed and 'src=\\"figures/index.svg\\"' in executed


def test_workers_started_before_planning_stop_when_planning_fails(small, tmp_path):
    """Workers (and their kernels) start while the command scores; a bad request stops them."""
    import multiprocessing

    folder, _, _ = small
    result = invoke(
        "organisation", "--org", "X999,Y999", "--jobs", "2", "--data", folder,
        "--out", tmp_path / "out", "--notebooks", _notebooks(), "--no-progress",
    )  # fmt: skip
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == "error: unknown organisation 'X999': not in the organisation register"
    )
    assert multiprocessing.active_children() == []  # the workers were shut down and joined


def test_prompt_kernel_clients_are_ready_and_connected():
    from jupyter_core.utils import run_sync

    from dimios_research.report.kernels import PromptBlockingKernelClient, PromptKernelClient

    km = reports.QuietKernelManager(kernel_name=reports.KERNEL_NAME)
    run_sync(km.start_kernel)()
    try:
        assert isinstance(km.client(), PromptKernelClient)
        client = km.blocking_client()
        assert isinstance(client, PromptBlockingKernelClient)
        client.start_channels()
        client.wait_for_ready(timeout=60)
        seen: list[dict] = []
        reply = client.execute_interactive("print(6 * 7)", timeout=30, output_hook=seen.append)
        assert reply["content"]["status"] == "ok"
        assert any(m["content"].get("text") == "42\n" for m in seen)  # IOPub is connected
        client.wait_for_ready(timeout=30)  # again, on a connected client
        client.stop_channels()
    finally:
        run_sync(km.shutdown_kernel)(now=True)


def test_report_processes_skip_the_slow_iri_checker():
    """nbformat still validates notebooks; only rfc3987_syntax is not imported."""
    code = (
        "import sys\n"
        "from dimios_research.report.runner import skip_slow_iri_checker\n"
        "skip_slow_iri_checker()\n"
        "import nbformat, papermill\n"
        "nb = nbformat.v4.new_notebook()\n"
        "nbformat.validate(nb)\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'), 'jsonschema' in sys.modules)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = __import__("subprocess").run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.split() == ["None", "True"]


def test_figure_formats_option_is_checked(small, tmp_path):
    folder, _, _ = small
    result = invoke(
        "status", "--data", folder, "--out", tmp_path, "--figure-formats", "svg,gif",
        "--notebooks", STANDIN, "--no-progress",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "figure formats must be among svg, png" in result.stderr
    assert os.environ.get("DIMIOS_FIGURE_FORMATS") is None  # the command leaves no trace
