"""Report output: figures, tables, narrative and provenance written from a notebook.

A report notebook creates one :class:`ReportOutput` and hands it every figure and table:

- :meth:`ReportOutput.figure` saves PNG and SVG (byte-reproducible, via
  :func:`dimios_research.plots.save_figure`) under ``output_dir/figures`` and displays it;
- :meth:`ReportOutput.table` writes ``output_dir/tables/<name>.csv`` and ``.xlsx`` and
  displays a formatted HTML table (numbers formatted by :mod:`dimios_research.report.text`);
- :meth:`ReportOutput.heading` and :meth:`ReportOutput.text` display the bilingual section
  headings and narrative of :data:`TEXTS` in the report language;
- :meth:`ReportOutput.provenance` shows input hashes, codebook, package version, parameters,
  seed and library versions.

Formula injection
-----------------
A spreadsheet program treats a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some programs, tab or carriage return) as a formula. Every *text* cell and column name of
a written table that starts with one of these characters is prefixed with a single quote
``'`` (OWASP, "CSV Injection"); numbers are written unchanged.

Deterministic files
-------------------
CSV: UTF-8, ``,`` separator, ``\\n`` line ends, text quoted, pandas' shortest round-trip
float format.
XLSX: written with openpyxl, then re-packed with fixed ZIP timestamps (1980-01-01) and fixed
workbook creation/modification dates (:data:`FIXED_TIMESTAMP`), so the same table gives the
same bytes on every run.

References
----------
OWASP Foundation. CSV Injection. https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
import html
import io
import platform
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from ..conventions import check_lang
from ..errors import NotReportableError
from .text import format_number, format_p, format_pct, format_pp

__all__ = [
    "NotReportableError",
    "ReportOutput",
    "TEXTS",
    "COLUMN_LABELS",
    "TECHNICAL_COLUMNS",
    "split_technical",
    "FIXED_TIMESTAMP",
    "FORMULA_PREFIXES",
    "neutralise_formulas",
    "write_csv",
    "write_xlsx",
    "say",
    "format_table",
    "projection_sentence",
    "programme_sentences",
]

#: Leading characters that make a spreadsheet evaluate a cell (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Creation/modification date written into every XLSX (and its ZIP entries).
FIXED_TIMESTAMP = "2000-01-01T00:00:00Z"
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# ----------------------------------------------------------------------------------------------
# Formula injection and file writers
# ----------------------------------------------------------------------------------------------
def _neutralise_value(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells (and column names) that a spreadsheet would run as a formula.

    Parameters
    ----------
    df : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
        A copy in which every string starting with ``= + - @``, tab or carriage return
        starts with ``'`` instead; numeric columns and non-string cells are untouched.

    Examples
    --------
    >>> out = neutralise_formulas(pd.DataFrame({"a": ["=1+1", "ok"], "b": [-1.5, 2.0]}))
    >>> out["a"].tolist(), out["b"].tolist()
    (["'=1+1", 'ok'], [-1.5, 2.0])
    """
    out = df.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        out[column] = series.astype(object).map(_neutralise_value)
    out.columns = [_neutralise_value(str(c)) for c in out.columns]
    return out


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a neutralised table as UTF-8 CSV with ``,`` and ``\\n`` (no index).

    Text fields are always quoted (``csv.QUOTE_NONNUMERIC``) so that a carriage return or
    line feed inside a text cell cannot break a row; numbers are written unquoted.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = neutralise_formulas(df).to_csv(
        index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC
    )
    path.write_bytes(text.encode("utf-8"))
    return path


def _cell(value: Any) -> Any:
    """A value openpyxl can store: numpy scalars as Python, missing as empty."""
    if value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)
    ):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple, dict, set)):
        return str(value)
    return value


def write_xlsx(df: pd.DataFrame, path: str | Path, sheet_name: str = "table") -> Path:
    """Write a neutralised table as XLSX with fixed dates, byte-for-byte reproducibly.

    Notes
    -----
    openpyxl stamps the save time into ``docProps/core.xml`` and every ZIP entry; both are
    replaced by :data:`FIXED_TIMESTAMP` / 1980-01-01 when the archive is re-packed (entries
    keep their order and are deflated again).
    """
    from openpyxl import Workbook

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe = neutralise_formulas(df)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name[:31]
    sheet.append([str(c) for c in safe.columns])
    for row in safe.itertuples(index=False, name=None):
        sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    stamp = FIXED_TIMESTAMP.encode()
    repacked = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(repacked, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(<)",
                    rb"\g<1>" + stamp + rb"\g<3>",
                    payload,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, payload)
    path.write_bytes(repacked.getvalue())
    return path


# ----------------------------------------------------------------------------------------------
# Bilingual headings and narrative
# ----------------------------------------------------------------------------------------------
#: Section headings and narrative templates of the report notebooks, by key and language.
#: Placeholders are filled by :func:`say`, which formats numbers by the language's rules.
TEXTS: dict[str, dict[str, str]] = {
    # -- status report
    "status.title": {
        "sv": "Digital mognad i offentlig sektor: statusrapport {year}",
        "en": "Digital maturity in the public sector: status report {year}",
    },
    "status.intro": {
        "sv": "Rapporten sammanfattar självskattningarna av digital mognad (DiMiOS) {year}. "
        "Resultaten anges i procent av optimala förhållanden (0–100). Digital mognad är "
        "medelvärdet av de två dimensionerna digital förmåga och digitalt arv. "
        "Organisationer med färre än {min_respondents} respondenter redovisas aldrig "
        "enskilt. {selection}",
        "en": "This report summarises the digital maturity self-assessments (DiMiOS) of "
        "{year}. Scores are percentages of optimal conditions (0–100). Digital maturity "
        "is the mean of the two dimensions digital capability and digital legacy. "
        "Organisations with fewer than {min_respondents} respondents are never shown "
        "individually. {selection}",
    },
    "status.selection_all": {
        "sv": "Alla organisationstyper ingår.",
        "en": "All organisation types are included.",
    },
    "status.selection_some": {
        "sv": "Urval: endast organisationstyperna {types}; alla avsnitt avser detta urval.",
        "en": "Selection: organisation types {types} only; every section refers to this selection.",
    },
    "coverage": {"sv": "Deltagande", "en": "Participation"},
    "coverage.text": {
        "sv": "I mätningen {year} deltog {n_organisations} organisationer med "
        "{n_respondents} respondenter; {n_reportable} organisationer nådde gränsen för "
        "redovisning och ingår i indexen.",
        "en": "In {year}, {n_organisations} organisations took part with {n_respondents} "
        "respondents; {n_reportable} organisations reached the reporting threshold and "
        "enter the indices.",
    },
    "national": {"sv": "Nationell digital mognad", "en": "National digital maturity"},
    "national.text": {
        "sv": "Indexet är medelvärdet av de redovisningsbara organisationernas resultat "
        "(varje organisation väger lika) med ett bootstrapintervall över organisationer. "
        "Förändringen jämfört med föregående mätning behandlar mätningarna som "
        "oberoende urval, eftersom deltagarna skiftar.",
        "en": "The index is the mean of the reportable organisations' scores (each "
        "organisation weighs the same) with a bootstrap interval over organisations. "
        "The change from the previous round treats the rounds as independent samples, "
        "because the participants differ.",
    },
    "national.first_round": {
        "sv": "Det finns ingen tidigare mätning att jämföra med.",
        "en": "There is no earlier round to compare with.",
    },
    "target": {"sv": "Jämförelse med målet", "en": "Comparison with the target"},
    "profile": {"sv": "Resultatprofil", "en": "Score profile"},
    "profile.text": {
        "sv": "Nationellt medelvärde per dimension, kategori och förmåga med 95 % "
        "bootstrapintervall.",
        "en": "National mean per dimension, category and capability with 95% bootstrap intervals.",
    },
    "spread": {
        "sv": "Spridning mellan och inom organisationer",
        "en": "Spread between and within organisations",
    },
    "spread.text": {
        "sv": "Standardavvikelsen mellan organisationer beskriver hur olika organisationerna "
        "är; den genomsnittliga standardavvikelsen inom organisationer hur olika "
        "respondenterna i samma organisation svarar. ICC(1) är andelen av "
        "respondentvariansen som ligger mellan organisationer.",
        "en": "The SD between organisations describes how different the organisations are; "
        "the mean SD within organisations how differently respondents of the same "
        "organisation answer. ICC(1) is the share of the respondent variance that lies "
        "between organisations.",
    },
    "types": {"sv": "Mognadstyper A–D", "en": "Maturity types A–D"},
    "types.text": {
        "sv": "Typen bestäms av de två dimensionerna med gränsen {cut_pct} på båda (paketets "
        "antagande; endast typ A:s beskrivning är offentlig). Kartan visar de "
        "redovisningsbara organisationerna utan namn.",
        "en": "The type follows from the two dimensions cut at {cut_pct} on both (a package "
        "assumption; only the description of type A is public). The map shows the "
        "reportable organisations without names.",
    },
    "compare": {"sv": "Jämförelser mellan grupper", "en": "Comparisons between groups"},
    "compare.text": {
        "sv": "Organisationstyp och storleksklass: Welch-ANOVA med Games–Howell-jämförelser "
        "(familjevis justerade p-värden). Län: Kruskal–Wallis med Dunn-jämförelser "
        "(p-värden justerade enligt {p_adjust}), eftersom länsgrupperna är små. Grupper "
        "med färre än två organisationer utesluts och redovisas.",
        "en": "Organisation type and size class: Welch ANOVA with Games–Howell comparisons "
        "(family-wise adjusted p values). County: Kruskal–Wallis with Dunn comparisons "
        "(p values adjusted by {p_adjust}), because the county groups are small. Groups "
        "with fewer than two organisations are left out and listed.",
    },
    "compare.by": {"sv": "Efter {group}", "en": "By {group}"},
    "appendix.reliability": {
        "sv": "Bilaga: reliabilitet och aggregering",
        "en": "Appendix: reliability and aggregation",
    },
    "appendix.reliability.text": {
        "sv": "Cronbachs alfa (Feldt-intervall) och omega per skala, på omkodade svar från "
        "{year}. Samstämmighet: rwg(j) per organisation (andel under {threshold}) och "
        "ICC(1)/ICC(2).",
        "en": "Cronbach's alpha (Feldt interval) and omega per scale, on reverse-keyed "
        "answers of {year}. Agreement: rwg(j) per organisation (share below "
        "{threshold}) and ICC(1)/ICC(2).",
    },
    "appendix.methods": {
        "sv": "Bilaga: metod och proveniens",
        "en": "Appendix: methods and provenance",
    },
    "appendix.methods.text": {
        "sv": "Svar 'vet ej' räknas som saknade; negativt formulerade påståenden vänds. En "
        "respondents förmågepoäng är medelvärdet av besvarade påståenden när minst "
        "hälften är besvarade, och samma regel gäller uppåt i hierarkin. En "
        "organisations resultat är medelvärdet av dess respondenter. Alla resultat "
        "räknas i procent av maximum. Se docs/methods.md.",
        "en": "'Don't know' answers are missing; negatively worded items are reversed. A "
        "respondent's capability score is the mean of the answered items when at least "
        "half are answered, and the same rule applies up the hierarchy. An "
        "organisation's score is the mean of its respondents. All scores are percent "
        "of maximum. See docs/methods.md.",
    },
    # -- follow-up
    "follow.title": {
        "sv": "Uppföljning av digital mognad {baseline}–{follow_up}",
        "en": "Follow-up of digital maturity {baseline}–{follow_up}",
    },
    "follow.intro": {
        "sv": "Rapporten följer samma organisationer mellan {baseline} och {follow_up} "
        "(urval: {cohort}), skattar utvecklingen över alla mätningar och jämför med "
        "målet {target} för {target_year}.",
        "en": "This report follows the same organisations from {baseline} to {follow_up} "
        "(cohort: {cohort}), estimates the trend over all rounds and compares it with "
        "the target of {target} for {target_year}.",
    },
    "cohort.all": {"sv": "alla organisationer", "en": "all organisations"},
    "cohort.programme": {"sv": "programdeltagare", "en": "programme members"},
    "cohort.non_programme": {
        "sv": "organisationer utanför programmet",
        "en": "organisations outside the programme",
    },
    "panel": {"sv": "Panel och bortfall", "en": "Panel and attrition"},
    "panel.text": {
        "sv": "{n_panel} organisationer redovisas både {baseline} och {follow_up}. "
        "Bortfallstabellen jämför utgångsvärdet för de som stannade med de som föll bort.",
        "en": "{n_panel} organisations are reportable in both {baseline} and {follow_up}. "
        "The attrition table compares the baseline scores of those who stayed with "
        "those who left.",
    },
    "change": {
        "sv": "Förändring per dimension och kategori",
        "en": "Change by dimension and category",
    },
    "growth": {"sv": "Tillväxtmodell över alla mätningar", "en": "Growth model over all rounds"},
    "growth.text": {
        "sv": "Linjär blandad modell (REML) med slumpmässigt intercept per organisation: "
        "den genomsnittliga årliga förändringen är {slope} ({ci}).",
        "en": "Linear mixed model (REML) with a random intercept per organisation: the mean "
        "yearly change is {slope} ({ci}).",
    },
    "programme_effect": {"sv": "Programeffekt", "en": "Programme effect"},
    "programme_effect.text": {
        "sv": "Skillnad-i-skillnader med fixa effekter för organisation och år: {estimate} "
        "({ci}, {n_treated} deltagande organisationer).",
        "en": "Difference-in-differences with organisation and year fixed effects: "
        "{estimate} ({ci}, {n_treated} participating organisations).",
    },
    "programme_effect.event_study": {
        "sv": "Händelsestudie (år i förhållande till programstart; år −1 är referens). "
        "Test av skillnader före start: {p}.",
        "en": "Event study (years relative to programme start; year −1 is the reference). "
        "Test of pre-start differences: {p}.",
    },
    "programme_effect.all_treated": {
        "sv": "Programeffekten kan inte skattas: alla organisationer som mätts var redan med i "
        "programmet, så det finns ingen jämförelsegrupp.",
        "en": "The programme effect cannot be estimated: every organisation measured was "
        "already in the programme, so there is no comparison group.",
    },
    "programme_effect.none_treated": {
        "sv": "Programeffekten kan inte skattas: ingen mätning gjordes efter programstart.",
        "en": "The programme effect cannot be estimated: no measurement took place after a "
        "programme start.",
    },
    "programme_effect.too_few_rounds": {
        "sv": "Händelsestudien kräver minst tre mätningar.",
        "en": "The event study needs at least three rounds.",
    },
    "target_attainment": {"sv": "Måluppfyllelse", "en": "Target attainment"},
    "projection.projected": {
        "sv": "Med {slope} per år når trenden målet {target} omkring {projected_year} "
        "(intervall {low_year}–{high_year}).",
        "en": "At {slope} a year the trend reaches the target of {target} around "
        "{projected_year} (interval {low_year}–{high_year}).",
    },
    "projection.reached": {
        "sv": "Trendlinjen ligger på eller över målet {target}.",
        "en": "The trend line is at or above the target of {target}.",
    },
    "projection.not_reached": {
        "sv": "Trenden når inte målet {target}: den årliga förändringen är {slope}.",
        "en": "The trend does not reach the target of {target}: the yearly change is {slope}.",
    },
    "projection.beyond_horizon": {
        "sv": "Med {slope} per år skulle trenden nå målet {target} först efter {projected_year}.",
        "en": "At {slope} a year the trend would reach the target of {target} only after "
        "{projected_year}.",
    },
    "programme_indicators": {"sv": "Programmets indikatorer", "en": "Programme indicators"},
    "programme.reached": {
        "sv": "{name} nådde {count} organisationer, {share} av Sveriges kommuner och regioner "
        "(målet var {goal_count} organisationer, {goal_share}).",
        "en": "{name} reached {count} organisations, {share} of Sweden's municipalities and "
        "regions (the goal was {goal_count} organisations, {goal_share}).",
    },
    "programme.funding": {
        "sv": "Vid projektavslut var ESF-stödets andel av den använda finansieringen {share}.",
        "en": "At project close the ESF support made up {share} of the funding used.",
    },
    "programme.fte": {
        "sv": "Koordinatorerna rapporterade {hours} timmar, vilket motsvarar {fte} "
        "årsarbetskrafter ({hours_per_fte} timmar per årsarbetskraft).",
        "en": "The coordinators reported {hours} hours, equivalent to {fte} full-time "
        "equivalents ({hours_per_fte} hours per FTE).",
    },
    "programme.evaluation": {
        "sv": "{respondents} av {invited} koordinatorer besvarade projektutvärderingen ({share}).",
        "en": "{respondents} of {invited} coordinators answered the project evaluation ({share}).",
    },
    "programme.source": {"sv": "Källa: {source}.", "en": "Source: {source}."},
    # -- organisation profile
    "org.title": {"sv": "Organisationsprofil {year}", "en": "Organisation profile {year}"},
    "org.intro": {
        "sv": "Profilen jämför organisationen med alla redovisningsbara organisationer {year} "
        "och med jämförelsegruppen ({peer_group}). Percentilrang = andelen "
        "organisationer med lägre resultat plus halva andelen med samma resultat, ×100.",
        "en": "The profile compares the organisation with all reportable organisations in "
        "{year} and with its peer group ({peer_group}). Percentile rank = share of "
        "organisations with a lower score plus half the share with the same score, ×100.",
    },
    "org.peer.type_and_size": {
        "sv": "samma organisationstyp och storleksklass",
        "en": "same organisation type and size class",
    },
    "org.peer.type": {
        "sv": "samma organisationstyp, alla storleksklasser",
        "en": "same organisation type, all size classes",
    },
    "org.summary": {
        "sv": "Digital mognad {overall}, digital förmåga {capability}, digitalt arv {legacy} "
        "({n_respondents} respondenter): typ {maturity_type}. Percentilrang bland alla: "
        "{percentile_all}; bland jämförelsegruppen: {percentile_peers}.",
        "en": "Digital maturity {overall}, digital capability {capability}, digital legacy "
        "{legacy} ({n_respondents} respondents): type {maturity_type}. Percentile rank "
        "among all: {percentile_all}; among peers: {percentile_peers}.",
    },
    "org.ranks": {
        "sv": "Jämförelse med alla och med jämförelsegruppen",
        "en": "Against all and against peers",
    },
    "org.map": {"sv": "Placering bland mognadstyperna", "en": "Position among the maturity types"},
    "org.strengths": {"sv": "Styrkor och svagheter", "en": "Strengths and weaknesses"},
    "org.strengths.text": {
        "sv": "De {n} förmågor som ligger mest över respektive under jämförelsegruppens "
        "medelvärde (de andra organisationerna i gruppen).",
        "en": "The {n} capabilities furthest above and below the peer mean (the other "
        "organisations of the group).",
    },
    "org.trend": {"sv": "Utveckling över mätningarna", "en": "Trend across rounds"},
    "org.agreement": {
        "sv": "Samstämmighet bland respondenterna",
        "en": "Agreement among respondents",
    },
    "org.agreement.text": {
        "sv": "rwg(j) ≥ 0,7 brukar tolkas som tillräcklig samstämmighet för att läsa "
        "medelvärdet som organisationens resultat.",
        "en": "rwg(j) ≥ 0.7 is usually read as enough agreement to treat the mean as the "
        "organisation's score.",
    },
    # -- instrument validation
    "validation.title": {"sv": "Instrumentvalidering {year}", "en": "Instrument validation {year}"},
    "validation.intro": {
        "sv": "Reliabilitet, påståendeanalys, svarsfördelningar och samstämmighet för "
        "instrumentet {codebook} (version {version}).",
        "en": "Reliability, item analysis, answer distributions and agreement for the "
        "instrument {codebook} (version {version}).",
    },
    "validation.reliability": {"sv": "Reliabilitet per skala", "en": "Reliability per scale"},
    "validation.items": {"sv": "Påståendeanalys", "en": "Item analysis"},
    "validation.distribution": {"sv": "Svarsfördelningar", "en": "Answer distributions"},
    "validation.distribution.text": {
        "sv": "Andel av giltiga svar per svarsalternativ, samt andel 'vet ej' och saknade "
        "svar av alla respondenter (svar före omkodning).",
        "en": "Share of valid answers per answer code, plus the share of 'don't know' and "
        "missing answers of all respondents (answers before reverse keying).",
    },
    "validation.correlations": {
        "sv": "Korrelationer mellan påståenden",
        "en": "Inter-item correlations",
    },
    "validation.correlations.text": {
        "sv": "Pearsonkorrelationer (parvis fullständiga, omkodade svar) mellan påståendena i "
        "varje kategori, kategori för kategori inom de två dimensionerna.",
        "en": "Pearson correlations (pairwise complete, reverse-keyed answers) between the "
        "items of each category, category by category within the two dimensions.",
    },
    "validation.agreement": {"sv": "Samstämmighet och ICC", "en": "Agreement and ICC"},
    # -- tutorial
    "provenance": {"sv": "Proveniens", "en": "Provenance"},
}


def _format_field(name: str, value: Any, lang: str) -> str:
    """Format one template field by its name: years plain, *_pct as percent, *_pp as pp."""
    if isinstance(value, str):
        return value
    if name == "year" or name.endswith("_year") or name in ("baseline", "follow_up"):
        return "–" if pd.isna(value) else str(int(round(float(value))))
    if name.endswith("_pct"):
        return format_pct(value, lang)
    if name.endswith("_pp"):
        return format_pp(value, lang)
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return format_number(value, lang, 0)
    return format_number(value, lang, 1)


def say(key: str, lang: str = "sv", **fields: Any) -> str:
    """The text of :data:`TEXTS` ``key`` in ``lang`` with its fields formatted.

    Numbers are formatted by :mod:`dimios_research.report.text`: fields named ``year`` or ending in
    ``_year`` as plain years, names ending in ``_pct`` as percentages ("51,2 %"), ``_pp`` as
    percentage points, other integers without and floats with one decimal. Strings are
    inserted as they are.

    Examples
    --------
    >>> say("coverage.text", "sv", year=2023, n_organisations=150, n_respondents=3800,
    ...     n_reportable=149)[:40]
    'I mätningen 2023 deltog 150 organisation'
    """
    lang = check_lang(lang)
    try:
        template = TEXTS[key][lang]
    except KeyError:
        raise KeyError(f"no report text {key!r}; add it to exports.TEXTS") from None
    return template.format(**{k: _format_field(k, v, lang) for k, v in fields.items()})


#: Display names of common table columns (CSV/XLSX keep the machine names).
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "year": {"sv": "År", "en": "Year"},
    "level": {"sv": "Nivå", "en": "Level"},
    "unit": {"sv": "Enhet", "en": "Unit"},
    "label": {"sv": "Namn", "en": "Name"},
    "group_by": {"sv": "Indelning", "en": "Grouping"},
    "group": {"sv": "Grupp", "en": "Group"},
    "estimate": {"sv": "Skattning", "en": "Estimate"},
    "ci_low": {"sv": "KI nedre", "en": "CI low"},
    "ci_high": {"sv": "KI övre", "en": "CI high"},
    "n_organisations": {"sv": "Organisationer", "en": "Organisations"},
    "n_reportable": {"sv": "Redovisningsbara", "en": "Reportable"},
    "n_respondents": {"sv": "Respondenter", "en": "Respondents"},
    "n": {"sv": "n", "en": "n"},
    "p": {"sv": "p", "en": "p"},
    "p_adj": {"sv": "p (justerat)", "en": "p (adjusted)"},
    "mean_change": {"sv": "Medelförändring", "en": "Mean change"},
    "share_improved": {"sv": "Andel förbättrade", "en": "Share improved"},
    "score_pct": {"sv": "Resultat (%)", "en": "Score (%)"},
    "share_pct": {"sv": "Andel (%)", "en": "Share (%)"},
    "name": {"sv": "Namn", "en": "Name"},
    "type": {"sv": "Typ", "en": "Type"},
    "description": {"sv": "Beskrivning", "en": "Description"},
    "method": {"sv": "Metod", "en": "Method"},
    "field": {"sv": "Uppgift", "en": "Field"},
    "mean": {"sv": "Medelvärde", "en": "Mean"},
    "median": {"sv": "Median", "en": "Median"},
    "sd_between": {"sv": "SD mellan", "en": "SD between"},
    "mean_sd_within": {"sv": "SD inom (medel)", "en": "SD within (mean)"},
    "target": {"sv": "Mål", "en": "Target"},
    "gap": {"sv": "Skillnad mot mål", "en": "Gap to target"},
    "n_items": {"sv": "Påståenden", "en": "Items"},
    "alpha": {"sv": "Alfa", "en": "Alpha"},
    "difference": {"sv": "Skillnad", "en": "Difference"},
    "mean_peers": {"sv": "Jämförelsegruppen", "en": "Peer mean"},
    "mean_all": {"sv": "Alla", "en": "All"},
    "percentile_all": {"sv": "Percentilrang (alla)", "en": "Percentile rank (all)"},
    "percentile_peers": {"sv": "Percentilrang (jämförelsegrupp)", "en": "Percentile rank (peers)"},
    "unit_label": {"sv": "Namn", "en": "Name"},
    "note": {"sv": "Anmärkning", "en": "Note"},
    "value": {"sv": "Värde", "en": "Value"},
    "previous": {"sv": "Jämfört med", "en": "Compared with"},
    "estimate_year": {"sv": "Index", "en": "Index"},
    "estimate_previous": {"sv": "Index föregående", "en": "Index previous"},
    "n_organisations_previous": {"sv": "Organisationer föregående", "en": "Organisations previous"},
    "n_excluded": {"sv": "Utan vikt", "en": "Without weight"},
    "n_respondents_reportable": {
        "sv": "Respondenter (redovisningsbara)",
        "en": "Respondents (reportable)",
    },
    "gap_ci_low": {"sv": "KI nedre (skillnad)", "en": "CI low (gap)"},
    "gap_ci_high": {"sv": "KI övre (skillnad)", "en": "CI high (gap)"},
    "shortfall": {"sv": "Kvar till mål", "en": "Shortfall"},
    "met": {"sv": "Uppnått", "en": "Met"},
    "met_with_confidence": {"sv": "Uppnått (hela KI)", "en": "Met (whole CI)"},
    "parent_label": {"sv": "Överordnad", "en": "Parent"},
    "sd": {"sv": "SD", "en": "SD"},
    "se": {"sv": "SE", "en": "SE"},
    "statistic": {"sv": "Teststorhet", "en": "Statistic"},
    "change": {"sv": "Förändring", "en": "Change"},
    "baseline": {"sv": "Utgångsläge", "en": "Baseline"},
    "follow_up": {"sv": "Uppföljning", "en": "Follow-up"},
    "n_all": {"sv": "Antal (alla)", "en": "Number (all)"},
    "n_peers": {"sv": "Antal (jämförelsegrupp)", "en": "Number (peers)"},
    "sd_change": {"sv": "SD förändring", "en": "SD of change"},
    "d_z": {"sv": "Effektstorlek d_z", "en": "Effect size d_z"},
    "share_reliably_improved": {"sv": "Andel säkert förbättrade", "en": "Share reliably improved"},
    "share_reliably_declined": {"sv": "Andel säkert försämrade", "en": "Share reliably declined"},
    "n_stayed": {"sv": "Kvar (n)", "en": "Stayed (n)"},
    "mean_stayed": {"sv": "Kvar (medel)", "en": "Stayed (mean)"},
    "sd_stayed": {"sv": "Kvar (SD)", "en": "Stayed (SD)"},
    "n_left": {"sv": "Bortfall (n)", "en": "Left (n)"},
    "mean_left": {"sv": "Bortfall (medel)", "en": "Left (mean)"},
    "sd_left": {"sv": "Bortfall (SD)", "en": "Left (SD)"},
    "diff": {"sv": "Skillnad", "en": "Difference"},
    "n_treated": {"sv": "Deltagare", "en": "Participants"},
    "n_clusters": {"sv": "Kluster", "en": "Clusters"},
    "n_obs": {"sv": "Observationer", "en": "Observations"},
    "term": {"sv": "Term", "en": "Term"},
    "event_time": {"sv": "År från start", "en": "Years from start"},
    "is_reference": {"sv": "Referens", "en": "Reference"},
}

#: Columns that describe how a table was computed. When constant over the rows they are
#: shown once, as a note under the displayed table, instead of in every row.
TECHNICAL_COLUMNS = (
    "method",
    "weights",
    "n_boot",
    "seed",
    "p_adjust",
    "group_by",
    "ci_level",
    "group_size_convention",
)
_BOOLEAN_TEXT = {"sv": ("ja", "nej"), "en": ("yes", "no")}

_P_COLUMNS = ("p", "p_adj", "p_unc", "pval")
_YEAR_COLUMNS = ("year", "previous", "baseline_year", "event_time")


def split_technical(df: pd.DataFrame, lang: str = "sv") -> tuple[pd.DataFrame, str]:
    """Move constant :data:`TECHNICAL_COLUMNS` out of a table into one note line.

    Returns the table without those columns and the note ("Metod: ...; Seed: 0"), empty
    when there is nothing to move. Columns that vary between rows stay in the table.

    Examples
    --------
    >>> table, note = split_technical(pd.DataFrame({"x": [1, 2], "seed": [0, 0]}), "en")
    >>> table.columns.tolist(), note
    (['x'], 'seed: 0')
    """
    constant = [
        c
        for c in TECHNICAL_COLUMNS
        if c in df.columns and len(df) > 0 and df[c].astype(str).nunique() == 1
    ]
    note = "; ".join(f"{COLUMN_LABELS.get(c, {}).get(lang, c)}: {df[c].iloc[0]}" for c in constant)
    return df.drop(columns=constant), note


def format_table(
    df: pd.DataFrame, lang: str = "sv", decimals: int | Mapping[str, int] = 1
) -> pd.DataFrame:
    """A display copy of ``df`` with every number as text in the language's format.

    Integers (and columns named ``n``/``n_*``) get no decimals, p-value columns
    (``p``, ``p_adj``...) use :func:`dimios_research.text.format_p`, other numbers
    :func:`dimios_research.text.format_number` with ``decimals`` (an int or a mapping column →
    decimals); missing values show as "–". Column names are translated by
    :data:`COLUMN_LABELS` when known.
    """
    lang = check_lang(lang)
    out = pd.DataFrame(index=df.index)
    for column in df.columns:
        series = df[column]
        name = str(column)
        if pd.api.types.is_bool_dtype(series):
            yes, no = _BOOLEAN_TEXT[lang]
            out[name] = series.map(lambda v, y=yes, n=no: "–" if pd.isna(v) else (y if v else n))
            continue
        if not pd.api.types.is_numeric_dtype(series):
            out[name] = series.map(
                lambda v: "–" if v is None or (pd.api.types.is_scalar(v) and pd.isna(v)) else str(v)
            )
            continue
        if name in _YEAR_COLUMNS or name.endswith("_year"):
            out[name] = series.map(lambda v: "–" if pd.isna(v) else str(int(round(float(v)))))
            continue
        if name in _P_COLUMNS:
            out[name] = series.map(
                lambda v: format_p(v, lang).removeprefix("p = ").removeprefix("p ")
            )
            continue
        places = decimals.get(name, 1) if isinstance(decimals, Mapping) else decimals
        if pd.api.types.is_integer_dtype(series) or name == "n" or name.startswith("n_"):
            places = 0
        out[name] = series.map(lambda v, d=places: format_number(v, lang, d))
    out.columns = [COLUMN_LABELS.get(str(c), {}).get(lang, str(c)) for c in out.columns]
    return out


# ----------------------------------------------------------------------------------------------
# ReportOutput
# ----------------------------------------------------------------------------------------------
def _display(obj: Any) -> None:
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with the notebook stack
        return
    display(obj)


class ReportOutput:
    """Where a report notebook sends its figures, tables, text and provenance.

    Parameters
    ----------
    output_dir : str or Path
        Folder of the report's files; ``figures/`` and ``tables/`` are created inside.
    lang : {"sv", "en"}
        Language of headings, narrative and number formatting.
    show : bool, default True
        Display in the notebook (False writes files only, e.g. in tests).

    Examples
    --------
    >>> import tempfile
    >>> out = ReportOutput(tempfile.mkdtemp(), "sv", show=False)
    >>> out.table(pd.DataFrame({"a": [1.5]}), "demo")
    >>> sorted(p.name for p in out.tables_dir.iterdir())
    ['demo.csv', 'demo.xlsx']
    """

    def __init__(self, output_dir: str | Path, lang: str = "sv", *, show: bool = True) -> None:
        self.output_dir = Path(output_dir)
        self.lang = check_lang(lang)
        self.show = show
        self.figures_dir = self.output_dir / "figures"
        self.tables_dir = self.output_dir / "tables"

    # -- text ----------------------------------------------------------------------------------
    def say(self, key: str, **fields: Any) -> str:
        """:func:`say` in the report language."""
        return say(key, self.lang, **fields)

    def markdown(self, text: str) -> None:
        """Display ``text`` as Markdown (returns None, so a notebook cell echoes nothing)."""
        if self.show:
            from IPython.display import Markdown

            _display(Markdown(text))

    def heading(self, key: str, level: int = 2, **fields: Any) -> None:
        """Display the heading ``key`` of :data:`TEXTS` as a Markdown ``#``-heading."""
        self.markdown(f"{'#' * level} {self.say(key, **fields)}")

    def text(self, key: str, **fields: Any) -> None:
        """Display the paragraph ``key`` of :data:`TEXTS`."""
        self.markdown(self.say(key, **fields))

    # -- figures and tables --------------------------------------------------------------------
    def figure(self, fig: Any, name: str, caption: str | None = None) -> None:
        """Save ``fig`` as ``figures/<name>.png`` and ``.svg`` and display the PNG.

        The displayed image is the written PNG file, so the notebook shows exactly the
        figure file (and needs no matplotlib display backend).
        """
        from .figures import save_figure

        paths = save_figure(fig, self.figures_dir / name)
        if self.show:
            from IPython.display import Image

            png = next(p for p in paths if p.suffix == ".png")
            _display(Image(data=png.read_bytes(), format="png"))
            if caption:
                self.markdown(f"*{caption}*")

    def table(
        self,
        df: pd.DataFrame,
        name: str,
        caption: str | None = None,
        index: bool = False,
        decimals: int | Mapping[str, int] = 1,
    ) -> None:
        """Write ``tables/<name>.csv`` and ``.xlsx`` (formula-neutralised) and display.

        Parameters
        ----------
        df : pandas.DataFrame
        name : str
            File stem.
        caption : str, optional
            Shown above the displayed table.
        index : bool, default False
            Keep the index as leading column(s).
        decimals : int or mapping, default 1
            Decimals of the displayed numbers (files keep full precision).

        Files: ``tables/<name>.csv`` and ``tables/<name>.xlsx`` (see :func:`write_csv`,
        :func:`write_xlsx`).
        """
        frame = df.reset_index() if index else df.reset_index(drop=True)
        write_csv(frame, self.tables_dir / f"{name}.csv")
        write_xlsx(frame, self.tables_dir / f"{name}.xlsx", sheet_name=name)
        if self.show:
            from IPython.display import HTML

            compact, note = split_technical(frame, self.lang)
            shown = format_table(compact, self.lang, decimals)
            head = f"<p><strong>{html.escape(caption)}</strong></p>" if caption else ""
            foot = f"<p><small>{html.escape(note)}</small></p>" if note else ""
            table_html = shown.to_html(index=False, escape=True, border=0, classes="dimios-table")
            _display(HTML(head + table_html + foot))

    # -- provenance ----------------------------------------------------------------------------
    def provenance(
        self, results: Any, parameters: Mapping[str, Any] | None = None, seed: int | None = None
    ) -> pd.DataFrame:
        """Inputs, codebook, versions, parameters, seed and run time of the report.

        Parameters
        ----------
        results : Results
            Its ``manifest`` gives the input files with SHA-256 and the codebook.
        parameters : mapping, optional
            The notebook parameters.
        seed : int, optional

        Returns
        -------
        pandas.DataFrame
            ``field, value`` rows: ``input: <file>`` (SHA-256), ``codebook`` (id, version),
            ``codebook_sha256``, ``package_version``, ``parameter: <name>``, ``seed``,
            ``python``, ``pandas`` and ``numpy`` versions. Displayed, not written to a
            file. No clock time or run time: the same inputs give the same report bytes
            (the command line prints each report's run time).
        """
        manifest = results.manifest
        rows = [
            (f"input: {name}", digest)
            for name, digest in sorted(manifest.get("inputs", {}).items())
        ]
        codebook = manifest.get("codebook", {})
        rows += [
            ("codebook", f"{codebook.get('id')} {codebook.get('version')}"),
            ("codebook_sha256", str(codebook.get("sha256"))),
            ("package_version", f"dimios-research {__version__}"),
        ]
        rows += [(f"parameter: {k}", repr(v)) for k, v in (parameters or {}).items()]
        rows += [
            ("seed", "" if seed is None else str(seed)),
            ("python", platform.python_version()),
            ("pandas", pd.__version__),
            ("numpy", np.__version__),
        ]
        table = pd.DataFrame(rows, columns=["field", "value"])
        if self.show:
            from IPython.display import HTML

            shown = format_table(table, self.lang)
            _display(
                HTML(shown.to_html(index=False, escape=True, border=0, classes="dimios-table"))
            )
        return table


# ----------------------------------------------------------------------------------------------
# Sentences from longitudinal and programme results
# ----------------------------------------------------------------------------------------------
def projection_sentence(result: Any, lang: str = "sv") -> str:
    """One sentence on the projected year a trend reaches its target, in ``lang``.

    Parameters
    ----------
    result : TargetAttainmentResult
        From :func:`dimios_research.longitudinal.target_attainment` (whose own
        ``statement`` is English only).
    lang : {"sv", "en"}
    """
    lang = check_lang(lang)
    row = result.projection.iloc[0]
    target = format_pct(row["target"], lang, 0 if float(row["target"]).is_integer() else 1)
    slope = format_pp(row["slope"], lang, 2, signed=True)

    def year(value: Any) -> str:
        # a fractional year: one decimal, never grouped in thousands ("2023,5" / "2023.5")
        if not np.isfinite(value):
            return "–"
        text = f"{float(value):.1f}"
        return text.replace(".", ",") if lang == "sv" else text

    return say(
        f"projection.{result.status}",
        lang,
        target=target,
        slope=slope,
        projected_year=year(row["projected_year"]),
        low_year=year(row["projected_year_low"]),
        high_year=year(row["projected_year_high"]),
    )


#: Decimals with which the source report states each programme indicator (48 %, 46,80 %,
#: 12,6 FTE, 45 %); results are shown rounded the same way.
STATED_DECIMALS = {
    "organisations_reached_share_of_population": 0,
    "organisations_goal_share_of_population": 0,
    "esf_share_at_close": 2,
    "coordinator_fte": 1,
    "evaluation_response_rate": 0,
}


def programme_sentences(programme: Any, goals: pd.DataFrame, lang: str = "sv") -> list[str]:
    """Goal-attainment sentences of a programme with the source's rounding.

    Parameters
    ----------
    programme : Programme
        From :func:`dimios_research.programmes.load_programme`.
    goals : pandas.DataFrame
        :func:`dimios_research.programmes.goal_attainment` of it.
    lang : {"sv", "en"}

    Returns
    -------
    list of str
        Organisations reached (share of municipalities and regions, against the goal), ESF
        share of the funding used at close, coordinator FTE and the evaluation response rate,
        each recomputed from the raw counts and rounded as the source states it (e.g. "48 %",
        "46,80 %", "12,6", "45 %" in Swedish), then the source.
    """
    lang = check_lang(lang)
    result = goals.set_index("indicator")

    def pct(indicator: str) -> str:
        return format_pct(result.loc[indicator, "result"], lang, STATED_DECIMALS[indicator])

    def count(value: Any) -> str:
        return format_number(value, lang, 0)

    get = programme.get
    return [
        say(
            "programme.reached",
            lang,
            name=get(f"name.{lang}"),
            count=count(result.loc["organisations_reached_share_of_population", "value"]),
            share=pct("organisations_reached_share_of_population"),
            goal_count=count(get("goals.organisations.count")),
            goal_share=pct("organisations_goal_share_of_population"),
        ),
        say("programme.funding", lang, share=pct("esf_share_at_close")),
        say(
            "programme.fte",
            lang,
            hours=count(get("outcomes.coordinators.hours_reported")),
            fte=format_number(
                result.loc["coordinator_fte", "result"], lang, STATED_DECIMALS["coordinator_fte"]
            ),
            hours_per_fte=count(get("outcomes.coordinators.hours_per_fte")),
        ),
        say(
            "programme.evaluation",
            lang,
            respondents=count(get("evaluation.respondents")),
            invited=count(get("evaluation.invited")),
            share=pct("evaluation_response_rate"),
        ),
        say("programme.source", lang, source=str(get("source.title"))),
    ]
