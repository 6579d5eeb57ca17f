"""Hostile organisation ids, leftovers and what lands under ``--out`` in real report runs.

One small simulated dataset whose register holds hostile ids (a path, a 300-character id,
a newline and a semicolon) for reportable organisations and one organisation that never
reaches the reporting threshold. ``report all`` runs once in a temporary tree: nothing may
be written outside ``--out``, every folder name is a safe slug, an interrupted run's
leftovers are cleaned up, and no file under ``--out`` (cache, executed notebooks, tables,
figures) names the hidden organisation.
"""

from __future__ import annotations

import dataclasses
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dimios_research.cli.main import cli
from dimios_research.simulation.survey import simulate, write_dataset

pytestmark = pytest.mark.slow

HIDDEN_ID, HIDDEN_NAME = "HIDDENORG77", "Hemliga kommunen Zeta"
HOSTILE = ["K 01/..", "L" * 300, "K\n02;x"]
#: Names of the hostile-id organisations: HTML, Markdown, a spreadsheet formula, matplotlib
#: mathtext and Typst markup. Each must come out as the literal text, never as markup.
HOSTILE_NAMES = [
    "<img src=x onerror=alert(2)> kommun",
    "[x](javascript:alert(3)) **fet** # rubrik",
    '=HYPERLINK("http://x.example") $a^b$ #set text(red) \\ @ref <b>',
]
UNKNOWN = ["../../x", "..", "Z 01/..", "Q" * 300, "x\ny", "a;b"]


@pytest.fixture(scope="module", autouse=True)
def pseudonym_key():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DIMIOS_PSEUDONYM_KEY", "test-hostile-key")
        yield


def invoke(*args):
    return CliRunner().invoke(cli, ["report", *map(str, args)])


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """root/data (hostile register), root/out (empty), root/sibling (must stay untouched)."""
    root = tmp_path_factory.mktemp("tree")
    sim = simulate(seed=5, participants={2021: 8, 2022: 10, 2023: 12})
    responses, orgs = sim.responses.copy(), sim.organisations.copy()
    counts = responses[responses["year"] == 2023].groupby("organisation_id").size()
    big = counts[counts >= 8].index.tolist()
    renames = dict(zip(big[:3], HOSTILE)) | {big[3]: HIDDEN_ID}
    responses["organisation_id"] = responses["organisation_id"].replace(renames)
    orgs["organisation_id"] = orgs["organisation_id"].replace(renames)
    orgs.loc[orgs["organisation_id"] == HIDDEN_ID, "name"] = HIDDEN_NAME
    for org, name in zip(HOSTILE, HOSTILE_NAMES, strict=True):
        orgs.loc[orgs["organisation_id"] == org, "name"] = name
    rank = responses.groupby(["organisation_id", "year"]).cumcount()
    responses = responses[(responses["organisation_id"] != HIDDEN_ID) | (rank < 2)]
    write_dataset(
        dataclasses.replace(sim, responses=responses.reset_index(drop=True), organisations=orgs),
        root / "data",
    )
    (root / "sibling").mkdir()
    (root / "sibling" / "keep.txt").write_text("untouched")
    return root


def _outside(root: Path) -> dict[str, float]:
    """Every file outside root/out with its modification time."""
    return {
        str(p): p.stat().st_mtime_ns
        for p in root.rglob("*")
        if p.is_file() and "out" not in p.relative_to(root).parts[:1]
    }


@pytest.fixture(scope="module")
def unknown_out(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("unknown") / "out"


@pytest.mark.parametrize("org", UNKNOWN, ids=["parent", "dotdot", "slash", "long", "nl", "semi"])
def test_unknown_hostile_ids_are_one_line(tree, unknown_out, org):
    before = _outside(tree)
    result = invoke(
        "organisation", "--org", org, "--data", tree / "data", "--out", unknown_out,
        "--no-progress",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unknown organisation '")
    assert "not in the organisation register" in lines[0] and len(lines[0]) < 200
    assert _outside(tree) == before
    written = [p for p in unknown_out.rglob("*") if p.is_file()]
    assert all(p.is_relative_to(unknown_out / "_cache") for p in written)  # scores, no report


@pytest.fixture(scope="module")
def built(tree):
    out = tree / "out"
    leftovers = [
        out / "2023" / "sv" / f".status_report.{2**22 + 7}-ab.tmp",  # above any Linux pid
        out / "2023" / "sv" / ".instrument_validation.k3j4h5g6.tmp",
    ]
    for path in leftovers:
        path.mkdir(parents=True, exist_ok=True)
        (path / "half.html").write_text("interrupted")
    before = _outside(tree)
    args = [f"--org={org}" for org in HOSTILE]
    result = invoke(
        "all", "--data", tree / "data", "--out", out, *args, "--lang", "sv",
        "-p", "n_boot", "200", "--jobs", "2", "--no-progress", "--figure-formats", "svg,png",
    )  # fmt: skip
    return result, out, before, [p.resolve() for p in leftovers]


def test_hostile_ids_get_safe_folders_inside_out(tree, built):
    result, out, before, _ = built
    assert result.exit_code == 0, result.output + result.stderr
    profiles = sorted((out / "2023" / "sv" / "organisations").iterdir())
    assert len(profiles) == 3
    for folder in profiles:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", folder.name), folder.name
        assert (folder / f"organisation_profile_{folder.name}.html").is_file()
    for path in out.rglob("*"):
        assert path.resolve().is_relative_to(out.resolve())
        assert re.fullmatch(r"[A-Za-z0-9_.-]{1,120}", path.name), path.name
    assert _outside(tree) == before  # nothing outside --out changed
    assert (tree / "sibling" / "keep.txt").read_text() == "untouched"
    assert not (tree / "x").exists() and not (tree.parent / "x").exists()


def test_leftovers_of_an_interrupted_run_are_removed(built):
    _, out, _, leftovers = built
    assert not any(p.exists() for p in leftovers)
    assert not list(out.rglob(".*.tmp")) and not list(out.rglob(".*.old"))


def _content(path: Path) -> str:
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
        cats = [
            "|".join(map(str, frame[c].cat.categories))
            for c in frame.columns
            if isinstance(frame[c].dtype, pd.CategoricalDtype)
        ]
        return frame.astype(str).to_csv() + "\n".join(cats)
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return "\n".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    return path.read_bytes().decode("utf-8", errors="replace")


def test_nothing_under_out_names_the_hidden_organisation(built):
    result, out, _, _ = built
    assert result.exit_code == 0, result.output + result.stderr
    pattern = re.compile(rf"{HIDDEN_ID}|{HIDDEN_NAME}")
    files = [p for p in out.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".parquet", ".json", ".ipynb", ".html", ".csv", ".xlsx", ".svg", ".png"} <= kinds
    assert any("_cache" in p.parts for p in files)
    for path in files:
        assert not pattern.search(_content(path)), path


def _start_tags(html: str) -> list[tuple[str, list]]:
    """Every start tag of a page with its attributes, as a browser's parser sees them."""
    from html.parser import HTMLParser

    tags = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, attrs))

    Collect().feed(html)
    return tags


def test_hostile_names_are_text_in_every_output(built):
    """Names with markup reach HTML, PDF, workbooks and figures as text, never as markup."""
    from openpyxl import load_workbook
    from pypdf import PdfReader

    result, out, _, _ = built
    assert result.exit_code == 0, result.output + result.stderr
    pages = list(out.rglob("organisation_profile_*.html"))
    assert len(pages) == 3
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<b>" not in html, page
        for tag, attrs in _start_tags(html):
            assert tag not in ("script", "iframe", "object", "embed"), (page, tag)
            assert not [name for name, _ in attrs if name.startswith("on")], (page, tag)
            values = dict(attrs)
            assert not (values.get("href") or "").lower().startswith("javascript:"), page
            if tag == "img":  # only the report's own figures, embedded
                assert values["src"].startswith("data:image/"), page
    shown = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "&lt;img src=x onerror=alert(2)&gt; kommun" in shown  # escaped, and still there
    assert "[x](javascript:alert(3)) **fet** # rubrik" in shown  # literal, not a link
    for pdf in out.rglob("organisation_profile_*.pdf"):
        text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
        assert any(name.split()[0] in text for name in HOSTILE_NAMES), pdf
    assert any(
        "#set text(red)" in " ".join(p.extract_text() for p in PdfReader(pdf).pages)
        for pdf in out.rglob("organisation_profile_*.pdf")
    )  # Typst markup printed as text
    for book in out.rglob("*.xlsx"):
        for sheet in load_workbook(book).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (book, sheet.title, cell.coordinate)
    for svg in out.rglob("*.svg"):
        assert not re.search(r"<(img|script|foreignObject)\b", svg.read_text("utf-8")), svg
