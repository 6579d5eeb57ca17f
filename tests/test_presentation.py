"""The presentation layer: files for machines and people, escaping, tables, documents, HTML."""

from __future__ import annotations

import html as html_lib
import io
import json
import os
import re
import stat
import urllib.parse
import zipfile

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from dimios_research.errors import NotReportableError
from dimios_research.report import files
from dimios_research.report.document import Document, KeyFigure
from dimios_research.report.escape import (
    MAX_SLUG_LENGTH,
    file_slug,
    html_text,
    markdown_text,
    spreadsheet_frame,
    spreadsheet_text,
    typst_text,
)
from dimios_research.report.html import render_document
from dimios_research.report.locale import t
from dimios_research.report.narrative import programme_sentences
from dimios_research.report.tables import MAX_COLUMNS, people_table


@pytest.fixture
def hostile():
    return pd.DataFrame(
        {
            "label": ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "safe", "a=b"],
            "score_pct": [-1.5, 2.0, -3.25, 4.0, 5.0, 6.0, 7.0, 8.0],
            "n": [1, 2, 3, 4, 5, 6, 7, 8],
        }
    )


# -- spreadsheet formulas ----------------------------------------------------------------------
@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_prefix_is_neutralised(prefix):
    out = spreadsheet_frame(pd.DataFrame({"text": [prefix + "1+1"]}))
    assert out["text"].iloc[0] == "'" + prefix + "1+1"


def test_numbers_and_safe_text_untouched(hostile):
    out = spreadsheet_frame(hostile)
    assert out["score_pct"].tolist() == hostile["score_pct"].tolist()
    assert out["score_pct"].dtype == hostile["score_pct"].dtype
    assert out["label"].iloc[6] == "safe"
    assert out["label"].iloc[7] == "a=b"  # only a leading character triggers a formula
    assert hostile["label"].iloc[0] == "=1+1"  # the input is not modified
    assert list(spreadsheet_frame(pd.DataFrame({"=HYPERLINK()": [1]})).columns) == ["'=HYPERLINK()"]


# -- files ---------------------------------------------------------------------------------------
def test_csv_is_the_machine_format(tmp_path, hostile):
    path = files.write_csv(hostile, tmp_path / "t1.csv")
    text = path.read_bytes().decode("utf-8")
    assert "\r\n" not in text
    assert text.splitlines()[0] == '"label","score_pct","n"'
    assert text.splitlines()[1] == '"\'=1+1",-1.5,1'
    back = pd.read_csv(path)
    assert back["score_pct"].tolist() == hostile["score_pct"].tolist()


def test_workbook_for_people(tmp_path):
    frame = pd.DataFrame({"Område": ["=evil", "Teknik"], "Resultat (%)": [51.25, 60.0]})
    sheet = files.Sheet("Tabell 1", frame, ("text", "pct"), title="Tabell 1. Resultat")
    path = files.write_workbook([files.Sheet("Om data", pd.DataFrame({"a": [1]})), sheet],
                               tmp_path / "report.xlsx")  # fmt: skip
    book = load_workbook(path)
    assert book.sheetnames == ["Om data", "Tabell 1"]
    ws = book["Tabell 1"]
    assert ws["A1"].value == "Tabell 1. Resultat" and ws["A1"].font.bold
    assert ws["A3"].value == "Område" and ws["A3"].font.bold  # headers in the language given
    assert ws["A4"].value == "'=evil" and ws["A4"].data_type == "s"  # never a formula
    assert ws["B4"].value == 51.25 and ws["B4"].number_format == "0.0"
    assert ws.freeze_panes == "A4"  # the header row stays in view
    assert ws.column_dimensions["A"].width >= 8


@pytest.mark.slow  # over a second: left out of make test-fast
def test_files_are_byte_deterministic_and_readable(tmp_path, hostile):
    import time

    a = files.write_xlsx(hostile, tmp_path / "a.xlsx")
    time.sleep(1.1)  # the XLSX would differ through its save time if it were not fixed
    b = files.write_xlsx(hostile, tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(io.BytesIO(a.read_bytes())) as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert files.FIXED_TIMESTAMP in z.read("docProps/core.xml").decode()
    old = os.umask(0o077)  # a private umask must not make report files private
    try:
        path = files.write_csv(hostile, tmp_path / "c.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


# -- people tables -----------------------------------------------------------------------------
def test_people_table_labels_formats_and_notes():
    frame = pd.DataFrame(
        {
            "year": [2023, 2022],
            "type": ["kommun", "region"],
            "estimate": [54.5637, 53.86],
            "n_organisations": [1500, 126],
            "p": [0.0004, 0.2],
            "met": [True, False],
            "method": ["Welch ANOVA", "Welch ANOVA"],
            "seed": [0, 0],
        }
    )
    sv = people_table(frame, "sv")
    assert sv.columns == ("År", "Organisationstyp", "Resultat (%)", "Organisationer", "p",
                          "Uppnått")  # fmt: skip
    assert sv.rows[0] == ("2023", "Kommun", "54,6", "1\u202f500", "< 0,001", "ja")
    assert sv.note == "Metod: Welch-ANOVA; Slumpfrö: 0"
    en = people_table(frame, "en")
    assert en.rows[1] == ("2022", "Region", "53.9", "126", "0.200", "no")
    assert en.align == ("right", "left", "right", "right", "right", "left")


def test_people_table_refuses_code_names_and_wide_tables():
    with pytest.raises(KeyError, match="column.no_such_column"):
        people_table(pd.DataFrame({"no_such_column": [1]}), "sv")
    wide = pd.DataFrame({f"n_{i}": [1] for i in range(MAX_COLUMNS + 1)})
    with pytest.raises(ValueError, match="at most 8 columns"):
        people_table(wide, "sv")


def test_the_index_column_keeps_one_decimal():
    """The change table once showed the 2023 index 54.6 as a year ("55")."""
    change = pd.DataFrame({"year": [2023], "estimate_year": [54.5637], "estimate_previous": [53.9]})
    shown = people_table(change, "sv")
    assert shown.rows[0] == ("2023", "54,6", "53,9")
    unknown = people_table(pd.DataFrame({"n_organisations": [3], "mean": [1.25]}), "sv")
    assert unknown.rows[0] == ("3", "1,3")  # numbers are always formatted, never repr


# -- documents and HTML ------------------------------------------------------------------------
def test_document_numbers_blocks_and_escapes_everything(tmp_path):
    import matplotlib.pyplot as plt

    doc = Document(tmp_path, "en", name="demo", title="<b>T</b>", subtitle="s", show=False)
    doc.key_figures([KeyFigure("Index", "54.6%", "95% CI 53.5–55.6%")])
    doc.heading("Results <script>")
    doc.paragraph("<img src=x onerror=alert(2)> and [x](javascript:alert(3))")
    fig, ax = plt.subplots()
    ax.plot([1, 2])
    doc.figure(fig, "../../evil", caption="A caption", alt="A line rising from 1 to 2.")
    plt.close(fig)
    doc.table(pd.DataFrame({"year": [2023], "estimate": [54.56]}), "t", caption="Index")
    doc.table(pd.DataFrame({"year": [2022]}), "t2", caption="Second")
    path = doc.save()
    data = json.loads(path.read_text(encoding="utf-8"))
    kinds = [b["kind"] for b in data["blocks"]]
    assert kinds == ["key_figures", "heading", "paragraph", "figure", "table", "table"]
    assert [b["number"] for b in data["blocks"] if b["kind"] == "table"] == [1, 2]
    assert (tmp_path / "figures" / f"{file_slug('../../evil')}.svg").is_file()
    assert not (tmp_path.parent.parent / "evil.svg").exists()  # nothing outside the folder
    page = render_document(data, tmp_path)
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "<title>&lt;b&gt;T&lt;/b&gt;</title>" in page
    assert "<script>" not in page and "<img src=x" not in page
    assert 'alt="A line rising from 1 to 2."' in page
    assert "Figure 1." in page and "Table 2." in page
    # no external request: nothing is loaded from a URL (the SVG's namespace names are
    # identifiers, not requests), and the figure is the file itself, embedded
    assert not re.search(
        r"""(src|href)\s*=\s*["']?\s*(https?:|//)|url\(\s*["']?https?:|@import""", page
    )
    (src,) = re.findall(r'<img src="([^"]*)"', page)
    assert src.startswith("data:image/svg+xml;charset=utf-8,<svg")
    svg = (tmp_path / "figures" / f"{file_slug('../../evil')}.svg").read_bytes()
    assert urllib.parse.unquote(src.split(",", 1)[1]).encode("utf-8") == svg
    assert not (tmp_path / "figures" / f"{file_slug('../../evil')}.png").exists()  # SVG only
    assert "@page" in page and "break-inside:avoid" in page  # print layout
    book = load_workbook(tmp_path / "tables" / "demo.xlsx")
    assert book.sheetnames[0] == "About" and len(book.sheetnames) == 3
    assert [c.value for c in book.worksheets[1][3]] == ["Year", "Score (%)"]


def test_figure_needs_caption_and_alt_text(tmp_path):
    import matplotlib.pyplot as plt

    doc = Document(tmp_path, "sv", title="T", show=False)
    fig = plt.figure()
    with pytest.raises(ValueError, match="caption and alt text"):
        doc.figure(fig, "f", caption="Bildtext", alt=" ")
    plt.close(fig)


def test_html_text_escapes_markup():
    assert html_text('"<a>"') == "&quot;&lt;a&gt;&quot;"
    assert t("document.table", "sv", number=3) == "Tabell 3"


def test_programme_sentences_use_source_rounding():
    from dimios_research.io.programmes import load_programme
    from dimios_research.stats.goals import goal_attainment

    programme = load_programme("esf_digital_mognad_2021_2023")
    sv = " ".join(programme_sentences(programme, goal_attainment(programme), "sv"))
    assert "48\u00a0%" in sv and "46,80\u00a0%" in sv and "12,6" in sv and "45\u00a0%" in sv
    en = " ".join(programme_sentences(programme, goal_attainment(programme), "en"))
    assert "48%" in en and "46.80%" in en and "12.6" in en and "45%" in en


def test_not_reportable_error_is_value_error():
    assert issubclass(NotReportableError, ValueError)


# Names and labels from the data, with every markup metacharacter: each escape function
# returns text that the target format shows literally.
_HOSTILE_TEXT = st.text(
    alphabet=st.sampled_from(list("<>&\"'[]()*_#`$@=+-\\/:;!{}|~ \nabcKÅö0123")), max_size=60
)


@settings(max_examples=200, deadline=None)
@given(_HOSTILE_TEXT)
def test_escaped_text_is_literal_in_every_format(text):
    from html.parser import HTMLParser

    tags = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append(tag)

    escaped = html_text(text)
    Collect().feed(f'<p title="{escaped}">{escaped}</p>')
    assert tags == ["p"] and html_lib.unescape(escaped) == text
    for special in "<>[]()*_#`":
        assert re.search(rf"(?<!\\){re.escape(special)}", markdown_text(text)) is None
    typst = typst_text(text)
    assert re.search(r"(?<!\\)[#$*_`<>@\[\]=]", typst.replace("\\\\", "")) is None
    cell = spreadsheet_text(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or cell.startswith("'")
    slug = file_slug(text)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", slug) and len(slug) <= MAX_SLUG_LENGTH
    assert slug not in (".", "..") and file_slug(text) == slug


# -- issue 16: figure files, notebook display -------------------------------------------------
def test_figure_files_svg_by_default_png_on_request(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from dimios_research.report.document import FIGURE_FORMATS_ENV, resolve_figure_formats

    monkeypatch.delenv(FIGURE_FORMATS_ENV, raising=False)
    assert resolve_figure_formats() == ("svg",)
    assert resolve_figure_formats("png, SVG") == ("svg", "png")  # SVG always, first
    monkeypatch.setenv(FIGURE_FORMATS_ENV, "svg,png")
    assert resolve_figure_formats() == ("svg", "png")
    with pytest.raises(ValueError, match="figure formats must be among svg, png"):
        resolve_figure_formats("jpg")
    for formats, expected in ((None, {".svg", ".png"}), ("svg", {".svg"})):
        folder = tmp_path / str(formats)
        doc = Document(folder, "en", title="T", show=False, figure_formats=formats)
        fig, ax = plt.subplots()
        ax.plot([1, 2])
        doc.figure(fig, "f", caption="C", alt="A line rising from 1 to 2.")
        plt.close(fig)
        assert {p.suffix for p in (folder / "figures").iterdir()} == expected
        block = doc.to_dict()["blocks"][0]
        assert set(block) >= {k[1:] for k in expected}  # document.json names every file


def test_notebook_shows_figures_by_file_when_asked(tmp_path, monkeypatch):
    """Under the report runner the executed notebook links its figures, never embeds them."""
    import matplotlib.pyplot as plt
    from IPython import display as ipython_display

    from dimios_research.report.document import NOTEBOOK_FIGURES_ENV

    shown: list[str] = []
    monkeypatch.setattr(ipython_display, "display", lambda obj: shown.append(obj.data))
    for mode in ("embed", "link"):
        monkeypatch.setenv(NOTEBOOK_FIGURES_ENV, mode)
        doc = Document(tmp_path / mode, "en", title="T")
        fig, ax = plt.subplots()
        ax.plot([1, 2])
        doc.figure(fig, "f", caption="C", alt="A line rising from 1 to 2.")
        plt.close(fig)
    embedded, linked = shown
    assert "data:image/svg+xml" in embedded and 'src="figures/f.svg"' not in embedded
    assert 'src="figures/f.svg"' in linked and "data:" not in linked
