"""PDF rendering of a report document with Typst: A4, tagged, archivable, offline.

The same ``document.json`` blocks as the HTML (:mod:`dimios_research.report.html`) become
Typst markup, compiled by the ``typst`` Python package (self-contained wheels: no LaTeX, no
browser, no system library) with the fonts shipped in ``report/fonts`` only (system fonts
are ignored), so a PDF is the same on every machine:

- A4 with margins, a running header with the report title and round, page numbers, a table
  of contents; the title block and the key-figures box on page 1.
- Numbered figure and table captions; figures as vector graphics (SVG) with their alt text;
  tables at the text width, with the header repeated and no break inside a short one.
- Title, language, author and date in the metadata; a tagged PDF conforming to PDF/UA-1
  (Typst checks the rules it can: alt text, title, language, tagging).
- Deterministic: the document date comes from the data (the round), not the clock, so the
  same inputs give the same bytes.

Every text from the document is escaped here (:func:`dimios_research.report.escape.typst_text`),
so a name from the data cannot run Typst code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .escape import typst_text as esc
from .locale import t

__all__ = ["FONT_DIR", "PDF_STANDARDS", "LONG_TABLE_ROWS", "render_typst", "write_pdf"]

#: The fonts the PDF may use (and nothing else).
FONT_DIR = Path(__file__).resolve().parent / "fonts"
#: Conformance claimed and checked by Typst.
PDF_STANDARDS = ("ua-1",)
#: Tables with more rows may break across pages (their header repeats); shorter ones never do.
LONG_TABLE_ROWS = 30
#: Organisation that the PDF metadata names as author.
AUTHOR = "dimios-research"

#: The page layout and styles (Typst), filled from ``sys.inputs`` (never from data text).
TEMPLATE = Path(__file__).resolve().parent / "typst" / "report.typ"


def _date(doc: Mapping[str, Any]) -> tuple[int, int, int]:
    text = str(doc.get("date") or "2000-01-01")
    year, month, day = (int(p) for p in text.split("-"))
    return year, month, day


def _cell(text: str, align: str) -> str:
    return f"[{esc(text)}]" if align == "left" else f"table.cell(align: right)[{esc(text)}]"


#: Table text size and horizontal cell inset in points (``report.typ``), and generous widths
#: of one character of DejaVu Sans in em: table content (digits are 0.64 em) and bold headers.
_TABLE_POINTS, _TABLE_INSET = 8.0, 3.5
_CONTENT_EM, _HEADER_EM = 0.7, 0.75


def _widths(data: Mapping[str, Any], align: list[str]) -> list[str]:
    """Column widths: numbers as wide as they need, text shares the rest by length.

    A number column is as wide as its longest value or the longest word of its header,
    whichever is wider: headers wrap between words ("Percentil (alla)" on two lines), so that
    the text columns are not squeezed to a word per line by long headers over short numbers.
    """
    widths = []
    for j, a in enumerate(align):
        if a != "left":
            value = max([len(str(row[j])) for row in data["rows"]] or [1]) * _CONTENT_EM
            word = max(len(w) for w in str(data["columns"][j]).split() or [""]) * _HEADER_EM
            widths.append(f"{max(value, word) * _TABLE_POINTS + 2 * _TABLE_INSET:.1f}pt")
            continue
        longest = max([len(str(row[j])) for row in data["rows"]] or [1])
        least = 2.0 if j == 0 else 1.0  # the row labels get room first
        widths.append(f"{min(6.0, max(least, longest / 12)):.1f}fr")
    return widths


def _table(data: Mapping[str, Any], lang: str) -> str:
    align = data.get("align") or ["left"] * len(data["columns"])
    widths = ", ".join(_widths(data, align))
    header = ", ".join(
        f"table.cell(align: {'left' if a == 'left' else 'right'})[*{esc(c)}*]"
        for c, a in zip(data["columns"], align, strict=True)
    )
    rows = ",\n".join(
        ", ".join(_cell(v, a) for v, a in zip(row, align, strict=True)) for row in data["rows"]
    )
    long = len(data["rows"]) > LONG_TABLE_ROWS
    label = t("document.table", lang, number=data["number"])
    notes = [x for x in (data.get("note"), data.get("source")) if x]
    below = "".join(f'\n#text(size: 7.5pt, fill: rgb("#5a5a5a"))[{esc(x)}]\n' for x in notes)
    body = (
        f"table(columns: ({widths},), table.header(repeat: true, {header}),\n{rows})"
        f"{'' if not rows else ''}"
    )
    breakable = "#show figure: set block(breakable: true)\n" if long else ""
    return (
        f"#[{breakable}#figure(kind: table, caption: [*{esc(label)}.* {esc(data['caption'])}],\n"
        f"  {body})\n]{below}"
    )


#: Largest figure on the page (text width, and height so caption and source still fit).
MAX_FIGURE_MM = (170.0, 185.0)


def _figure_width(root: Path | None, path: str) -> str:
    """A width that keeps the figure within :data:`MAX_FIGURE_MM` (from the SVG's size)."""
    width_mm, height_mm = MAX_FIGURE_MM
    size = _svg_size(root / path) if root is not None and path.endswith(".svg") else None
    if size is None:
        return "86%"
    w, h = size
    scale = min(width_mm * 0.86 / w, height_mm / h)
    return f"{w * scale:.1f}mm"


def _svg_size(path: Path) -> tuple[float, float] | None:
    """Width and height (any unit, same for both) from an SVG's ``viewBox``."""
    import re

    head = path.read_text(encoding="utf-8", errors="replace")[:2000]
    found = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', head)
    return (float(found.group(1)), float(found.group(2))) if found else None


def _figure(data: Mapping[str, Any], lang: str, root: Path | None = None) -> str:
    label = t("document.figure", lang, number=data["number"])
    path = data.get("svg") or data.get("png")
    source = (
        f"\n#muted[{esc(data['source'])}]\n"
        if data.get("source") else ""
    )  # fmt: skip
    return (
        f'#figure(kind: image, image("{path}", width: {_figure_width(root, path)}, '
        f'alt: "{_quoted(data["alt"])}"),\n'
        f"  caption: [*{esc(label)}.* {esc(data['caption'])}])\n{source}"
    )


def _quoted(text: str) -> str:
    """Text inside a Typst string literal: backslashes and quotes escaped."""
    return " ".join(str(text).split()).replace("\\", "\\\\").replace('"', '\\"')


def _key_figures(data: Mapping[str, Any]) -> str:
    cells = []
    for item in data["items"]:
        size = "15pt" if item.get("kind", "number") == "number" else "11pt"
        detail = f'\\ #text(size: 7.5pt, fill: rgb("#5a5a5a"))[{esc(item["detail"])}]'
        cells.append(
            f'[#text(size: 8pt, fill: rgb("#5a5a5a"))[{esc(item["label"])}]\\ '
            f'#text(size: {size}, weight: "bold")[{esc(item["value"])}]'
            f"{detail if item.get('detail') else ''}]"
        )
    grid = f"grid(columns: (1fr, 1fr, 1fr), gutter: 10pt, {', '.join(cells)})"
    return (
        f'#block(fill: rgb("#f3f6fa"), stroke: (left: 3pt + rgb("#0b5394")), inset: 10pt, '
        f'width: 100%, breakable: false)[#text(size: 12pt, weight: "bold")[{esc(data["title"])}]'
        f"\n#v(4pt)\n#{grid}]\n"
    )


_BLOCKS = {
    "heading": lambda d, lang: f"{'=' * int(d['level'])} {esc(d['text'])}\n",
    "paragraph": lambda d, lang: f"{esc(d['text'])}\n",
    "bullets": lambda d, lang: "".join(f"- {esc(i)}\n" for i in d["items"]),
    "note": lambda d, lang: f'#text(size: 8.5pt, fill: rgb("#5a5a5a"))[{esc(d["text"])}]\n',
    "key_figures": lambda d, lang: _key_figures(d),
    "table": _table,
    "figure": _figure,
}


def render_typst(doc: Mapping[str, Any], root: Path | None = None) -> str:
    """The Typst source of a document (``document.json`` data); figures by relative path.

    ``root`` (the report folder) lets figures be sized from their SVG files.
    """
    lang = doc["lang"]
    preamble = TEMPLATE.read_text(encoding="utf-8")
    facts = "".join(f"[*{esc(k)}*], [{esc(v)}],\n" for k, v in doc.get("facts", []))
    title = (
        f'#text(size: 20pt, weight: "bold")[{esc(doc["title"])}]\n\n'
        f'#text(size: 12pt, fill: rgb("#5a5a5a"))[{esc(doc.get("subtitle", ""))}]\n\n'
        "#text(size: 8.5pt)[#grid(columns: (auto, 1fr), column-gutter: 10pt, row-gutter: 3pt,\n"
        f"{facts})]\n"
        '#line(length: 100%, stroke: 1.5pt + rgb("#0b5394"))\n'
    )
    key = [b for b in doc["blocks"] if b["kind"] == "key_figures"]
    rest = [b for b in doc["blocks"] if b["kind"] != "key_figures"]
    outline = f"#outline(title: [{esc(t('html.contents', lang))}], depth: 2)\n#pagebreak()\n"
    body = "\n".join(
        _figure(b, lang, root) if b["kind"] == "figure" else _BLOCKS[b["kind"]](b, lang)
        for b in rest
    )
    keys = "\n".join(_BLOCKS["key_figures"](b, lang) for b in key)
    return f"{preamble}\n{title}\n{keys}\n{outline}\n{body}"


def write_pdf(folder: str | Path, pdf_path: str | Path) -> Path:
    """Compile ``folder/document.json`` to a PDF at ``pdf_path`` (mode 0644)."""
    import typst

    from .document import DOCUMENT_FILE
    from .files import write_bytes

    root = Path(folder).resolve()
    doc = json.loads((root / DOCUMENT_FILE).read_text(encoding="utf-8"))
    source = root / ".report.typ"
    source.write_text(render_typst(doc, root), encoding="utf-8")
    try:
        year, month, day = _date(doc)
        stamp = datetime(year, month, day, tzinfo=UTC).timestamp()
        inputs = {
            "title": doc["title"], "round": doc.get("subtitle", ""), "author": AUTHOR,
            "lang": doc["lang"], "year": str(year), "month": str(month), "day": str(day),
        }  # fmt: skip
        pdf = typst.compile(
            str(source), root=str(root), font_paths=[str(FONT_DIR)], ignore_system_fonts=True,
            pdf_standards=list(PDF_STANDARDS), timestamp=int(stamp), pdf_tags=True,
            sys_inputs=inputs,
        )  # fmt: skip
    finally:
        source.unlink(missing_ok=True)
    return write_bytes(pdf_path, pdf)
