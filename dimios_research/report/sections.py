"""Building blocks shared by every report: the document's title block, source lines,
method notes and the provenance appendix.

Report-specific sections live in :mod:`~dimios_research.report.status`,
:mod:`~dimios_research.report.follow_up`, :mod:`~dimios_research.report.profile` and
:mod:`~dimios_research.report.validation`; they add blocks to a
:class:`~dimios_research.report.document.Document` through these helpers.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from .document import Document
from .locale import t
from .numbers import format_number, format_set_pct
from .results import Results

__all__ = [
    "add_provenance",
    "new_document",
    "parameter_rows",
    "source_line",
]


def source_line(lang: str, year: int, n_organisations: int) -> str:
    """ "Källa: DiMiOS 2023, n = 149 organisationer" / "Source: DiMiOS 2023, n = 149 …"."""
    return t("document.source", lang, year=year, n=int(n_organisations))


def new_document(
    results: Results,
    output_dir: str | Path,
    lang: str,
    *,
    name: str,
    title: str,
    subtitle: str,
    year: int,
    n_organisations: int,
    basis: str | None = None,
    source: str | None = None,
    show: bool = True,
) -> Document:
    """A document with the title block every report has.

    Facts: the round, the organisations and respondents behind it (or ``basis``), the
    instrument and the package version; ``source`` overrides the default source line. The
    document date is the round (no clock time: same inputs, same bytes).
    """
    scores = results.scores
    n_respondents = int(scores.reportable_types(year)["n_respondents"].sum())
    codebook = results.manifest.get("codebook", {})
    if basis is None:
        basis = t("document.fact.basis_value", lang, n_organisations=int(n_organisations),
                  n_respondents=n_respondents)  # fmt: skip
    facts = [
        (t("document.fact.round", lang), str(year)),
        (t("document.fact.basis", lang), basis),
        (t("document.fact.instrument", lang), f"{codebook.get('id')} {codebook.get('version')}"),
        (t("document.fact.package", lang), f"dimios-research {__version__}"),
    ]  # fmt: skip
    return Document(
        output_dir, lang, name=name, title=title, subtitle=subtitle, facts=facts,
        source=source or source_line(lang, year, n_organisations), date=f"{year}-12-31",
        show=show,
    )  # fmt: skip


def _parameter_value(name: str, value: Any, lang: str) -> str:
    if value is None:
        return t(f"parameter.{name}.none", lang, default=t("parameter.none", lang))
    if name == "lang":
        return t(f"language.{value}", lang)
    if name == "weighting":
        return t(f"value.weighting.{value}", lang)
    if name == "programme":  # the programme's name, not its file id
        from ..io.programmes import load_programme

        return str(load_programme(value).name[lang])
    if name == "target":
        return format_set_pct(value, lang)
    if name in ("org_types",) and not isinstance(value, str):
        return ", ".join(t(f"organisation_type.{v}", lang) for v in value)
    if isinstance(value, bool):
        return t("value.yes" if value else "value.no", lang)
    if isinstance(value, (int, np.integer)) and name not in ("seed",) and not name.endswith("year"):
        return format_number(value, lang, 0) if name != "year" else str(value)
    return str(value)


def parameter_rows(parameters: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    """Report parameters as (label, value) rows in the report language.

    Paths and the output folder are left out (they are local details, not provenance).
    """
    skip = {"data_dir", "results_dir", "output_dir"}
    return [
        (t(f"parameter.{name}", lang), _parameter_value(name, value, lang))
        for name, value in parameters.items()
        if name not in skip
    ]


def add_provenance(doc: Document, results: Results, parameters: Mapping[str, Any]) -> None:
    """The provenance appendix: inputs (name and SHA-256), instrument, versions, parameters."""
    lang = doc.lang
    manifest = results.manifest
    rows = [
        (t("provenance.input", lang, file=name), digest[:16])
        for name, digest in sorted(manifest.get("inputs", {}).items())
    ]
    codebook = manifest.get("codebook", {})
    rows += [
        (t("provenance.instrument", lang), f"{codebook.get('id')} {codebook.get('version')}"),
        (t("provenance.instrument_sha", lang), str(codebook.get("sha256", ""))[:16]),
        (t("provenance.package", lang), f"dimios-research {__version__}"),
        *parameter_rows(parameters, lang),
        (t("provenance.software", lang), f"Python {platform.python_version()}, pandas "
         f"{pd.__version__}, NumPy {np.__version__}"),
    ]  # fmt: skip
    doc.heading(t("provenance", lang))
    doc.paragraph(t("provenance.text", lang))
    frame = pd.DataFrame(rows, columns=["field", "value"])
    doc.table(frame, "provenance", caption=t("provenance.caption", lang), source="")
