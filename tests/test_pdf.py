"""PDF reports: A4, metadata, embedded fonts, tagging, nothing past the margins, same bytes."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from pypdf import PdfReader

from dimios_research.report.document import Document, KeyFigure
from dimios_research.report.pdf import FONT_DIR, write_pdf

A4 = (595.276, 841.89)
MARGINS_PT = {"left": 20 / 25.4 * 72, "right": 20 / 25.4 * 72}


def _document(folder, lang="sv", rows=6):
    doc = Document(
        folder,
        lang,
        name="demo",
        title="Digital mognad 2023 <i>#set</i>",
        subtitle="Statusrapport för mätningen 2023",
        date="2023-12-31",
        show=False,
    )
    doc.key_figures(
        [KeyFigure("Nationellt index 2023", "54,6\u00a0%", "95\u00a0% KI 53,5–55,6\u00a0%")]
    )
    doc.heading("Sammanfattning")
    doc.paragraph(
        "Indexet är 54,6\u00a0% och förändringen \u22120,4 procentenheter; 12\u202f345 "
        "respondenter. *Inte fetstil* #let x = 1 $x$ [länk](https://example.org)"
    )
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([2019, 2023], [48.8, 54.6])
    doc.figure(fig, "trend", caption="Index per år.", alt="Linjediagram från 48,8 till 54,6 %.")
    plt.close(fig)
    table = pd.DataFrame({"year": range(2019, 2019 + rows), "estimate": [50.123] * rows,
                          "ci_low": 49.0, "ci_high": 51.0, "n_organisations": 1500,
                          "n_respondents": 12345, "type": "kommun"})  # fmt: skip
    doc.table(table, "index", caption="Index per år.")
    doc.save()
    return doc


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    _document(folder, rows=60)  # a long table: breaks across pages with its header
    return write_pdf(folder, folder / "demo.pdf")


def _clean(text: str) -> str:
    """Extracted text with hyphenation (soft hyphen + line break) and line breaks undone."""
    return re.sub(r"\s+", " ", text.replace("\u00ad\n", ""))


def _text(pdf) -> str:
    return _clean("\n".join(page.extract_text() for page in PdfReader(pdf).pages))


def test_page_size_and_metadata(pdf):
    reader = PdfReader(pdf)
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4)
    info = reader.metadata
    assert info.title == "Digital mognad 2023 <i>#set</i>"  # as text, never as markup
    assert info.author == "dimios-research"
    assert str(info.get("/CreationDate", "")).startswith("D:20231231")  # from the data
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "sv"
    assert bool(catalog["/MarkInfo"]["/Marked"])  # a tagged PDF
    assert "/StructTreeRoot" in catalog
    assert b"pdfuaid:part" in catalog["/Metadata"].get_object().get_data()  # PDF/UA-1


def test_fonts_are_embedded_and_only_the_shipped_ones(pdf):
    fonts = set()
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor  # embedded TrueType
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert fonts <= {"DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"}


@functools.cache
def _advances(font_file: str) -> tuple[dict[int, int], float]:
    """Advance width of every character of a shipped font, and its units per em."""
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_DIR / font_file)
    cmap, metrics = font.getBestCmap(), font["hmtx"].metrics
    return {code: metrics[name][0] for code, name in cmap.items()}, font["head"].unitsPerEm


def _words(pdf):
    """(page, x start, x end, text) of every shown text run, measured with the font's metrics."""
    out = []
    for number, page in enumerate(PdfReader(pdf).pages):

        def visit(text, cm, tm, font, size, number=number):
            if not text.strip():
                return
            bold = "Bold" in str((font or {}).get("/BaseFont", ""))
            advances, em = _advances("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
            scale = abs(tm[0] * cm[0]) or 1.0

            def width(part: str) -> float:
                return sum(advances.get(ord(c), em // 2) for c in part) * size * scale / em

            lead = text[: len(text) - len(text.lstrip())]  # spaces are not ink
            x = tm[4] * cm[0] + cm[4] + width(lead)
            out.append((number, x, x + width(text.strip()), text))

        page.extract_text(visitor_text=visit)
    return out


def test_no_text_past_the_margins_and_typography_kept(pdf):
    words = _words(pdf)
    assert words
    left, right = MARGINS_PT["left"] - 1, A4[0] - MARGINS_PT["right"] + 1
    assert min(word[1] for word in words) >= left
    assert max(word[2] for word in words) <= right + 2  # advances ignore kerning
    if shutil.which("pdftotext"):  # exact word boxes from poppler, where installed
        boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                               text=True, check=True).stdout  # fmt: skip
        x_max = [float(v) for v in re.findall(r'xMax="([\d.]+)"', boxes)]
        x_min = [float(v) for v in re.findall(r'xMin="([\d.]+)"', boxes)]
        assert x_max and max(x_max) <= right and min(x_min) >= left
    text = "\n".join(
        PdfReader(pdf).pages[i].extract_text() for i in range(len(PdfReader(pdf).pages))
    )
    assert "54,6" in text and "\u2212" in text  # decimal comma, true minus
    assert "12\u202f345" in text or "12 345" in text  # grouped thousands
    for markup in ("*Inte fetstil*", "#let x", "$x$", "[länk](https://example.org)"):
        assert markup in text  # markup characters printed, not run


def test_long_tables_repeat_their_header(pdf):
    pages = [_clean(p.extract_text()) for p in PdfReader(pdf).pages]
    with_header = [p for p in pages if "Respondenter" in p]
    assert len(with_header) >= 2


def test_same_inputs_same_bytes(tmp_path):
    first = write_pdf(_document(tmp_path / "a").output_dir, tmp_path / "a.pdf")
    second = write_pdf(_document(tmp_path / "b").output_dir, tmp_path / "b.pdf")
    assert first.read_bytes() == second.read_bytes()


def test_english_document_and_no_leftover_source(tmp_path):
    doc = _document(tmp_path, lang="en")
    pdf = write_pdf(doc.output_dir, tmp_path / "en.pdf")
    assert PdfReader(pdf).trailer["/Root"]["/Lang"] == "en"
    assert not list(tmp_path.glob("*.typ"))  # the generated Typst source is removed
    assert re.match(rb"%PDF-1\.[4-7]", pdf.read_bytes()[:8])
