"""HTML rendering of a report document: one self-contained, lean, printable page.

The page has ``<html lang>`` and ``<title>`` from the document, inline CSS (no external
request of any kind), figures embedded as SVG images with their alt text, a table of
contents, and a print stylesheet for A4: tables fit the text width, no break inside a
figure or table, page numbers in the margin. Every text from the document is escaped here
(:func:`dimios_research.report.escape.html_text`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .escape import html_text as esc
from .locale import t

__all__ = ["CSS", "render_block", "render_document", "svg_data_uri", "write_html"]

CSS = """
:root{--ink:#1f1f1f;--muted:#5a5a5a;--rule:#d0d0d0;--accent:#0b5394;--box:#f3f6fa}
*{box-sizing:border-box}
body{margin:0;color:var(--ink);font:16px/1.5 "DejaVu Sans",Verdana,Arial,sans-serif;
 background:#fff}
main{max-width:50rem;margin:0 auto;padding:1.5rem 1.25rem 4rem}
header.title-block{border-bottom:3px solid var(--accent);margin-bottom:1.5rem;padding-bottom:1rem}
header.title-block h1{font-size:1.9rem;line-height:1.2;margin:.2rem 0 .4rem}
header.title-block .subtitle{font-size:1.15rem;color:var(--muted);margin:0 0 .6rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0;
 font-size:.85rem;color:var(--muted)}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
nav.toc{font-size:.9rem;margin:1rem 0 2rem}nav.toc h2{font-size:1rem;margin:0 0 .3rem}
nav.toc ol{margin:0;padding-left:1.4rem}
section.key-figures{background:var(--box);border-left:5px solid var(--accent);
 padding:.8rem 1.1rem;margin:1rem 0 2rem;break-inside:avoid}
section.key-figures h2{margin:.2rem 0 .6rem;font-size:1.2rem}
section.key-figures dl{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));
 gap:.7rem 1.4rem;margin:0}
section.key-figures dt{font-size:.85rem;color:var(--muted)}
section.key-figures dd{margin:0;font-size:1.35rem;font-weight:700;line-height:1.25}
section.key-figures dd span{display:block;font-size:.8rem;font-weight:400;color:var(--muted)}
section.key-figures dd.text{font-size:1.05rem}
h2{font-size:1.45rem;margin:2.2rem 0 .6rem;break-after:avoid}
h3{font-size:1.15rem;margin:1.6rem 0 .4rem;break-after:avoid}
p{margin:.5rem 0 .8rem}
figure{margin:1.4rem 0;break-inside:avoid}
figure img{display:block;max-width:100%;height:auto;margin:0 auto}
figcaption,.table-caption{font-size:.92rem;margin:.4rem 0}
.label{font-weight:700}
.source,.table-note{font-size:.8rem;color:var(--muted);margin:.2rem 0}
.table-block{margin:1.4rem 0;break-inside:avoid}
table{border-collapse:collapse;width:100%;font-size:.82rem;font-variant-numeric:tabular-nums}
th,td{padding:.25rem .45rem;border-bottom:1px solid var(--rule);vertical-align:top;
 overflow-wrap:break-word;hyphens:auto}
th{border-bottom:2px solid var(--ink);text-align:left;font-weight:600;vertical-align:bottom}
td:first-child{min-width:8em}
td.num,th.num{text-align:right}td.num{white-space:nowrap}
tr{break-inside:avoid}
aside.note{font-size:.85rem;color:var(--muted);border-left:3px solid var(--rule);
 padding-left:.7rem;margin:.8rem 0}
@media print{
 @page{size:A4;margin:18mm 16mm 20mm;
  @bottom-right{content:counter(page) " / " counter(pages);font-size:9pt;color:#5a5a5a}}
 body{font-size:10pt}main{max-width:none;padding:0}
 nav.toc a{color:inherit;text-decoration:none}
 a[href]{color:inherit}
 h2{break-before:auto}
 table{font-size:8.5pt}
 figure img{max-height:235mm}
}
"""


#: Characters percent-encoded in an SVG data URI: those that end an HTML attribute or start
#: a character reference, a URL fragment or an escape, and white space the URL parser drops.
_SVG_URI_ESCAPES = {c: f"%{ord(c):02X}" for c in '"&#%\n\r\t'}


def svg_data_uri(svg: bytes) -> str:
    """An SVG as a ``data:`` URI for an HTML attribute, percent-encoded sparingly.

    Base64 makes an image a third larger; SVG is text, so only the characters in
    :data:`_SVG_URI_ESCAPES` are encoded (the URI is about 5 % larger than the file). Markup
    characters (``<``, ``>``, ``'``) may stand in a double-quoted attribute and in a
    ``data:`` URL as they are.

    >>> svg_data_uri(b'<svg id="a">&#x27;</svg>')
    'data:image/svg+xml;charset=utf-8,<svg id=%22a%22>%26%23x27;</svg>'
    """
    text = svg.decode("utf-8").translate(str.maketrans(_SVG_URI_ESCAPES))
    return f"data:image/svg+xml;charset=utf-8,{text}"


def _figure_src(data: Mapping[str, Any], root: Path | None) -> str:
    """The figure as a data URI (SVG, else PNG) read from ``root``; a relative path without."""
    if "svg" in data and root is not None and (root / data["svg"]).is_file():
        return svg_data_uri((root / data["svg"]).read_bytes())
    if "png" in data and root is not None and (root / data["png"]).is_file():
        payload = base64.b64encode((root / data["png"]).read_bytes()).decode("ascii")
        return f"data:image/png;base64,{payload}"
    return esc(data.get("svg") or data.get("png", ""))


def _table(data: Mapping[str, Any], lang: str) -> str:
    align = data.get("align") or ["left"] * len(data["columns"])
    cls = ["" if a == "left" else ' class="num"' for a in align]
    head = "".join(f"<th{c}>{esc(h)}</th>" for c, h in zip(cls, data["columns"], strict=True))
    body = "".join(
        "<tr>" + "".join(f"<td{c}>{esc(v)}</td>" for c, v in zip(cls, row, strict=True)) + "</tr>"
        for row in data["rows"]
    )
    label = t("document.table", lang, number=data["number"])
    note = f'<p class="table-note">{esc(data["note"])}</p>' if data.get("note") else ""
    source = f'<p class="source">{esc(data["source"])}</p>' if data.get("source") else ""
    return (
        f'<div class="table-block"><p class="table-caption"><span class="label">{esc(label)}.'
        f"</span> {esc(data['caption'])}</p><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>{note}{source}</div>"
    )


def _figure(data: Mapping[str, Any], lang: str, root: Path | None) -> str:
    label = t("document.figure", lang, number=data["number"])
    source = f'<p class="source">{esc(data["source"])}</p>' if data.get("source") else ""
    return (
        f'<figure><img src="{_figure_src(data, root)}" alt="{esc(data["alt"])}">'
        f'<figcaption><span class="label">{esc(label)}.</span> {esc(data["caption"])}'
        f"</figcaption>{source}</figure>"
    )


def _key_figures(data: Mapping[str, Any]) -> str:
    items = "".join(
        f'<div><dt>{esc(i["label"])}</dt><dd class="{esc(i.get("kind", "number"))}">'
        f"{esc(i['value'])}"
        + (f"<span>{esc(i['detail'])}</span>" if i.get("detail") else "")
        + "</dd></div>"
        for i in data["items"]
    )
    return f'<section class="key-figures"><h2>{esc(data["title"])}</h2><dl>{items}</dl></section>'


_RENDERERS: dict[str, Callable[[Mapping[str, Any], str, Path | None], str]] = {
    "heading": lambda d, lang, root: (
        f'<h{d["level"]} id="{esc(d["anchor"])}">{esc(d["text"])}</h{d["level"]}>'
    ),
    "paragraph": lambda d, lang, root: f"<p>{esc(d['text'])}</p>",
    "bullets": lambda d, lang, root: (
        "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in d["items"]) + "</ul>"
    ),
    "note": lambda d, lang, root: f'<aside class="note">{esc(d["text"])}</aside>',
    "key_figures": lambda d, lang, root: _key_figures(d),
    "table": lambda d, lang, root: _table(d, lang),
    "figure": _figure,
}


def render_block(kind: str, data: Mapping[str, Any], root: Path | None, lang: str) -> str:
    """HTML of one block; figures are read from ``root`` (the report folder)."""
    return _RENDERERS[kind](data, lang, root)


def _title_block(doc: Mapping[str, Any]) -> str:
    facts = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in doc.get("facts", []))
    subtitle = f'<p class="subtitle">{esc(doc["subtitle"])}</p>' if doc.get("subtitle") else ""
    return (
        f'<header class="title-block"><h1>{esc(doc["title"])}</h1>{subtitle}'
        f'<dl class="facts">{facts}</dl></header>'
    )


def _toc(doc: Mapping[str, Any]) -> str:
    entries = [b for b in doc["blocks"] if b["kind"] == "heading" and b["level"] == 2]
    items = "".join(f'<li><a href="#{esc(b["anchor"])}">{esc(b["text"])}</a></li>' for b in entries)
    title = esc(t("html.contents", doc["lang"]))
    return f'<nav class="toc" aria-label="{title}"><h2>{title}</h2><ol>{items}</ol></nav>'


def render_document(doc: Mapping[str, Any], root: Path) -> str:
    """The whole page of a document (``document.json`` data); figures read from ``root``.

    Key figures come right after the title block, then the contents, then the sections.
    """
    lang = doc["lang"]
    blocks = doc["blocks"]
    first = [b for b in blocks if b["kind"] == "key_figures"]
    rest = [b for b in blocks if b["kind"] != "key_figures"]
    body = (
        "\n".join(render_block(b["kind"], b, root, lang) for b in [*first])
        + _toc(doc)
        + "\n".join(render_block(b["kind"], b, root, lang) for b in rest)
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(doc['title'])}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{_title_block(doc)}\n{body}\n</main>\n</body>\n</html>\n"
    )


def write_html(folder: str | Path, html_path: str | Path) -> Path:
    """Render ``folder/document.json`` to ``html_path`` (mode 0644)."""
    from .document import DOCUMENT_FILE
    from .files import write_bytes

    root = Path(folder)
    doc = json.loads((root / DOCUMENT_FILE).read_text(encoding="utf-8"))
    return write_bytes(html_path, render_document(doc, root).encode("utf-8"))
