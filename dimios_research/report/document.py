"""A report as a document of blocks: built by a notebook, shown in it, rendered to HTML and PDF.

A report notebook creates one :class:`Document` and adds blocks through library calls:

========================  ======================================================
block                     method
========================  ======================================================
title block               the constructor (title, round, scope, data date, version)
key-figures box           :meth:`Document.key_figures`
heading                   :meth:`Document.heading`
paragraph, bullet list    :meth:`Document.paragraph`, :meth:`Document.bullets`
figure                    :meth:`Document.figure` (numbered caption, alt text, source)
table                     :meth:`Document.table` (numbered caption, source, note)
note                      :meth:`Document.note`
========================  ======================================================

Each block is displayed in the notebook as it is added (HTML rendered by
:mod:`dimios_research.report.html`). :meth:`Document.save` writes ``document.json`` (every
block as data), the workbook for people and the data dictionary; the runner renders the
report's HTML (and PDF) from ``document.json``, so every output shows the same blocks.

Text in blocks is plain text: it is escaped by the renderer for its format (one place,
:mod:`dimios_research.report.escape`), never interpreted as markup.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..conventions import check_lang
from .escape import file_slug
from .files import Sheet, write_bytes, write_csv, write_workbook
from .locale import t
from .tables import PeopleTable, column_kind, people_table

__all__ = [
    "DOCUMENT_FILE",
    "FIGURE_FORMATS",
    "FIGURE_FORMATS_ENV",
    "NOTEBOOK_FIGURES_ENV",
    "Block",
    "Document",
    "KeyFigure",
    "resolve_figure_formats",
]

#: The document's blocks as data, written into the report folder.
DOCUMENT_FILE = "document.json"
#: Figure files a report may write: SVG always (the HTML, the PDF and the notebook show it),
#: PNG on request (for pasting into programs without SVG support).
FIGURE_FORMATS = ("svg", "png")
#: Environment variable choosing how a notebook shows its figures while it builds the report:
#: ``embed`` (default: the SVG as a data URI, so the notebook shows it wherever it is saved)
#: or ``link`` (``figures/<name>.svg``, relative to the report folder: for an executed
#: notebook saved in that folder, which then does not hold every figure a second time; the
#: report runner sets it).
NOTEBOOK_FIGURES_ENV = "DIMIOS_NOTEBOOK_FIGURES"
#: Environment variable choosing the figure files of reports, e.g. ``svg,png``; a report
#: notebook's kernel inherits it from the command that runs it (``dimios-research report
#: --figure-formats`` sets it, and so can a shell before plain ``papermill``).
FIGURE_FORMATS_ENV = "DIMIOS_FIGURE_FORMATS"


def resolve_figure_formats(formats: str | Sequence[str] | None = None) -> tuple[str, ...]:
    """The figure files to write: ``formats``, else ``$DIMIOS_FIGURE_FORMATS``, else SVG only.

    ``formats`` is a comma-separated string or a sequence of ``"svg"`` and ``"png"``; SVG is
    always written (every rendered output embeds it) and comes first.

    >>> resolve_figure_formats("png")
    ('svg', 'png')
    >>> resolve_figure_formats([])
    ('svg',)
    """
    if formats is None:
        formats = os.environ.get(FIGURE_FORMATS_ENV, "svg")
    chosen = formats.split(",") if isinstance(formats, str) else list(formats)
    chosen = [str(f).strip().lower() for f in chosen if str(f).strip()]
    unknown = sorted(set(chosen) - set(FIGURE_FORMATS))
    if unknown:
        raise ValueError(
            f"figure formats must be among {', '.join(FIGURE_FORMATS)} (e.g. svg,png), got "
            f"{', '.join(unknown)} (from the argument or ${FIGURE_FORMATS_ENV})"
        )
    return tuple(f for f in FIGURE_FORMATS if f == "svg" or f in chosen)


@dataclass(frozen=True)
class KeyFigure:
    """One entry of the key-figures box: a label, the figure, and a detail line.

    ``kind`` is ``"number"`` (shown large) or ``"text"`` (a name, shown smaller).
    """

    label: str
    value: str
    detail: str = ""
    kind: str = "number"


@dataclass(frozen=True)
class Block:
    """One block of a document; ``kind`` says which, ``data`` holds its content.

    Kinds and their data: ``heading`` (text, level, anchor), ``paragraph`` (text),
    ``bullets`` (items), ``key_figures`` (title, items), ``figure`` (number, caption, alt,
    source, svg, png), ``table`` (number, caption, source, note, columns, rows, align),
    ``note`` (text).
    """

    kind: str
    data: dict = field(default_factory=dict)


class Document:
    """A report under construction (see the module docstring).

    Parameters
    ----------
    output_dir : path
        The report's folder: ``figures/`` and ``tables/`` are written inside.
    lang : {"sv", "en"}
    name : str
        File stem of the report's workbook (``tables/<name>.xlsx``).
    title : str
        The report title (also the HTML ``<title>`` and the PDF metadata).
    subtitle : str
        Round and scope, e.g. "Mätningen 2023 · alla organisationstyper".
    facts : sequence of (label, value)
        Shown in the title block (data date, package version, ...).
    source : str
        Default source line under figures and tables ("Källa: DiMiOS 2023, n = 149 …").
    date : str
        ISO date of the data (the document date; never the clock).
    show : bool, default True
        Display each block in the notebook as it is added.
    figure_formats : str or sequence of str, optional
        Figure files written besides the SVG: ``"png"`` adds a PNG of each figure (see
        :func:`resolve_figure_formats`; default ``$DIMIOS_FIGURE_FORMATS``, else SVG only).
    """

    def __init__(
        self,
        output_dir: str | Path,
        lang: str,
        *,
        name: str = "report",
        title: str,
        subtitle: str = "",
        facts: Sequence[tuple[str, str]] = (),
        source: str = "",
        date: str = "",
        show: bool = True,
        figure_formats: str | Sequence[str] | None = None,
    ) -> None:
        self.output_dir = Path(output_dir)
        self.figure_formats = resolve_figure_formats(figure_formats)
        self.lang = check_lang(lang)
        self.name = file_slug(name)
        self.title, self.subtitle, self.source, self.date = title, subtitle, source, date
        self.facts = [(str(k), str(v)) for k, v in facts]
        self.show = show
        self.blocks: list[Block] = []
        self.sheets: list[Sheet] = []
        self.dictionary: list[dict[str, str]] = []
        self._anchors: set[str] = set()
        self._numbers = {"figure": 0, "table": 0}

    # ------------------------------------------------------------------ text blocks
    def _add(self, kind: str, **data: Any) -> Block:
        block = Block(kind, data)
        self.blocks.append(block)
        if self.show:
            from IPython.display import HTML, display

            from .html import render_block

            linked = kind == "figure" and os.environ.get(NOTEBOOK_FIGURES_ENV) == "link"
            root = None if linked else self.output_dir  # no root: figures by relative path
            display(HTML(render_block(block.kind, block.data, root, self.lang)))
        return block

    def heading(self, text: str, level: int = 2) -> None:
        """A section heading (level 2) or sub-heading (level 3)."""
        base = anchor = file_slug(text).lower()
        suffix = 1
        while anchor in self._anchors:
            suffix += 1
            anchor = f"{base}-{suffix}"
        self._anchors.add(anchor)
        self._add("heading", text=str(text), level=int(level), anchor=anchor)

    def paragraph(self, text: str) -> None:
        """A paragraph of plain text."""
        self._add("paragraph", text=str(text))

    def bullets(self, items: Sequence[str]) -> None:
        """A bullet list of plain-text items."""
        self._add("bullets", items=[str(i) for i in items])

    def note(self, text: str) -> None:
        """A note in small print (method remarks, caveats)."""
        self._add("note", text=str(text))

    def key_figures(self, items: Sequence[KeyFigure], title: str | None = None) -> None:
        """The key-figures box (first in a report)."""
        heading = title if title is not None else t("document.key_figures", self.lang)
        self._add("key_figures", title=heading, items=[asdict(i) for i in items])

    # ------------------------------------------------------------------ figures and tables
    def figure(
        self, fig: Any, name: str, *, caption: str, alt: str, source: str | None = None
    ) -> None:
        """Save ``fig`` as ``figures/<name>.svg`` (and ``.png`` when asked) and add it, numbered.

        ``alt`` says what the figure shows (built from the data by the caller); a figure
        without alt text or caption is an error.
        """
        from .figures import save_figure

        if not caption.strip() or not alt.strip():
            raise ValueError(f"figure {name!r} needs a caption and alt text")
        paths = save_figure(
            fig, self.output_dir / "figures" / file_slug(name), formats=self.figure_formats
        )
        self._numbers["figure"] += 1
        files = {p.suffix[1:]: p.relative_to(self.output_dir).as_posix() for p in paths}
        self._add(
            "figure", number=self._numbers["figure"], caption=caption, alt=alt,
            source=self.source if source is None else source, **files,
        )  # fmt: skip

    def plot(
        self,
        kind: str,
        *args: Any,
        name: str,
        caption: str,
        source: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Draw figure ``kind`` of :mod:`~dimios_research.report.figures` and add it.

        The figure and its alt text are built from the same arguments
        (:func:`~dimios_research.report.figures.alt_text`), so the description always
        matches what is drawn.
        """
        from . import figures

        fig = getattr(figures, kind)(*args, **kwargs)
        alt = figures.alt_text(kind, *args, **kwargs)
        self.figure(fig, name, caption=caption, alt=alt, source=source)

    def table(
        self,
        df: pd.DataFrame,
        name: str,
        *,
        caption: str,
        source: str | None = None,
        note: str = "",
        labels: Mapping[str, str] | None = None,
        kinds: Mapping[str, str] | None = None,
        export: pd.DataFrame | None = None,
    ) -> PeopleTable:
        """Add a numbered table for people; write its machine CSV and its workbook sheet.

        ``df`` is shown through :func:`~dimios_research.report.tables.people_table` (at most
        eight columns, labelled, formatted). ``export`` (default ``df``) is the complete
        table written to ``tables/<name>.csv`` (code names, full precision) and, labelled,
        to the report's workbook.
        """
        shown = people_table(df, self.lang, labels=labels, kinds=kinds)
        full = df if export is None else export
        slug = file_slug(name)
        write_csv(full, self.output_dir / "tables" / f"{slug}.csv")
        self._numbers["table"] += 1
        number = self._numbers["table"]
        sheet_frame = shown.values if export is None else _labelled(full, self.lang, labels)
        kinds_out = shown.kinds if export is None else [column_kind(str(c)) for c in full.columns]
        title = f"{t('document.table', self.lang, number=number)}. {caption}"
        self.sheets.append(Sheet(f"{number} {caption}", sheet_frame, kinds_out, title))
        self._describe(slug, full)
        joined = "; ".join(x for x in (shown.note, note) if x)
        self._add(
            "table", number=number, caption=caption, note=joined,
            source=self.source if source is None else source, columns=list(shown.columns),
            rows=[list(r) for r in shown.rows], align=list(shown.align),
        )  # fmt: skip
        return shown

    def _describe(self, table: str, df: pd.DataFrame) -> None:
        for column in df.columns:
            label = t(f"column.{column}", self.lang, default=str(column))
            kind = column_kind(str(column))
            self.dictionary.append(
                {"table": f"{table}.csv", "column": str(column), "label": label, "kind": kind}
            )

    # ------------------------------------------------------------------ output
    def to_dict(self) -> dict:
        """The document as data (what ``document.json`` holds)."""
        return {
            "lang": self.lang,
            "title": self.title,
            "subtitle": self.subtitle,
            "facts": self.facts,
            "date": self.date,
            "blocks": [{"kind": b.kind, **b.data} for b in self.blocks],
        }

    def save(self, about: Sequence[tuple[str, str]] = ()) -> Path:
        """Write ``document.json``, the workbook ``tables/<name>.xlsx`` and the dictionary.

        ``about`` rows (label, value) fill the workbook's first sheet ("Om data"/"About")
        after the title and the facts.
        """
        tables = self.output_dir / "tables"
        rows = [(self.title, self.subtitle), *self.facts, *about]
        about_sheet = Sheet(
            t("document.about", self.lang),
            pd.DataFrame(
                rows, columns=[t("column.field", self.lang), t("column.value", self.lang)]
            ),
        )
        if self.sheets:
            write_workbook([about_sheet, *self.sheets], tables / f"{self.name}.xlsx")
            write_csv(pd.DataFrame(self.dictionary), tables / "data_dictionary.csv")
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1, sort_keys=True)
        return write_bytes(self.output_dir / DOCUMENT_FILE, (text + "\n").encode("utf-8"))


def _labelled(df: pd.DataFrame, lang: str, labels: Mapping[str, str] | None) -> pd.DataFrame:
    """``df`` with headers and code cells labelled, numbers kept (for the workbook)."""
    from .tables import label_value

    out = pd.DataFrame(index=df.index)
    for column in df.columns:
        series = df[column]
        if column_kind(str(column)) == "text":
            out[column] = [label_value(str(column), v, lang, labels) for v in series]
        else:
            out[column] = series
    out.columns = [t(f"column.{c}", lang, default=str(c)) for c in df.columns]
    return out.reset_index(drop=True)
