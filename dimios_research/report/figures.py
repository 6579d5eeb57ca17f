"""Figures for DiMiOS reports: one theme, bilingual labels, deterministic files.

Every plot function takes tidy results from the statistics modules, draws one
:class:`matplotlib.figure.Figure` and returns it. The functions

- take ``lang`` (``"sv"`` or ``"en"``): axis labels, titles, legend names and group names come
  from the locale catalogue (``report/locale/``) through
  :func:`dimios_research.report.locale.t`, and tick labels use the language's decimal mark
  (decimal comma in Swedish);
- label an axis after the column that groups it (``type`` → "Organisationstyp",
  ``maturity_type`` → "Mognadstyp") and refuse a column holding the other grouping's values;
  name groups of organisations in the plural ("Kommuner" / "Municipalities") and show known
  groups in their fixed order (A–D; kommun, region, myndighet, annan; XS…XL);
- list in a legend only groups that have data;
- draw every text that comes from the data or the caller (organisation names, labels,
  titles) literally: ``$`` is escaped, so matplotlib never reads it as mathtext;
- draw inside :func:`theme`, so a figure looks the same whether or not the caller has changed
  matplotlib's global settings;
- build the figure with :class:`matplotlib.figure.Figure` rather than ``pyplot``: the figure is
  not registered with pyplot, is never shown by the library (``plt.show`` is never called), is
  shown exactly once when it is the value of a notebook cell, and is garbage-collected when no
  longer referenced (no ``plt.close`` needed, although it is harmless);
- accept ``ax=`` to draw into an existing Axes (the Axes' figure is then returned).

Colours
-------
The Okabe–Ito palette (Okabe & Ito 2008), distinguishable with the common forms of colour
blindness, is used throughout. The maturity types have fixed colours and marker shapes (shape
as a second cue): A vermillion circle, B orange square, C sky-blue triangle, D bluish-green
diamond. Other groups (organisation types, size classes) take the palette in display order.
Heatmaps of scores use ``cividis`` (designed for colour-vision deficiency) over the observed
range rounded outward, or, centred on a reference such as the national index, the diverging
``PuOr``; correlations use the diverging ``RdBu_r`` on [-1, 1]. Cell numbers are black or
white by the WCAG contrast ratio (at least 4.5 against their cell).

Alt text
--------
Each figure function has an ``alt_text_<figure>`` builder taking the same data and options
(and :func:`alt_text` dispatches by name, dropping drawing-only options): one to three
sentences, built from the data the figure draws, saying what kind of chart it is and its
key numbers (formatted by :func:`~dimios_research.report.numbers.format_pct` and friends, words
from the locale ``figure.alt.*``). They apply the same privacy filter as the figure.

Privacy
-------
Functions whose rows are organisations (:func:`quadrant_map`, :func:`distribution_by_group`,
:func:`slopegraph`) draw only rows whose ``reportable`` column is True (required for the
quadrant map, honoured when present elsewhere): an organisation below the reporting threshold
is neither drawn nor labelled, nor counted or named in the alt text. Missing values of
``reportable`` count as not reportable.

Deterministic files
-------------------
:func:`save_figure` writes PNG and SVG whose bytes depend only on the figure: no software
version, no date, fixed SVG ids (``svg.hashsalt``). Text in SVG stays text
(``svg.fonttype="none"``, laid out with the shipped DejaVu Sans metrics and drawn in DejaVu
Sans): a third of the size of glyphs as paths, selectable and searchable in the HTML and the
PDF (Typst draws it with the shipped fonts, so the PDF does not depend on the machine).

References
----------
Okabe, M. & Ito, K. (2008). *Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people*. https://jfly.uni-koeln.de/color/
"""

from __future__ import annotations

import inspect
import io
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from ..conventions import (
    ORGANISATION_TYPES,
    SIZE_CLASSES,
    TYPE_LETTERS,
    check_lang,
    require_columns,
)
from ..instrument.maturity_types import QUADRANTS
from .locale import t
from .numbers import format_number, format_pct, format_pp, format_set_pct

__all__ = [
    "OKABE_ITO",
    "TYPE_COLOURS",
    "TYPE_MARKERS",
    "FONT_FAMILY",
    "SVG_HASHSALT",
    "theme_rc",
    "theme",
    "set_theme",
    "group_colours",
    "quadrant_map",
    "profile_bars",
    "distribution_by_group",
    "trend_lines",
    "slopegraph",
    "heatmap",
    "correlation_heatmap",
    "event_time_effects",
    "scatter_relation",
    "alt_text",
    "alt_text_quadrant_map",
    "alt_text_profile_bars",
    "alt_text_distribution_by_group",
    "alt_text_trend_lines",
    "alt_text_slopegraph",
    "alt_text_heatmap",
    "alt_text_correlation_heatmap",
    "alt_text_event_time_effects",
    "alt_text_scatter_relation",
    "ALT_TEXT_BUILDERS",
    "save_figure",
    "compact_svg",
]

#: Okabe–Ito colour-blind-safe palette, by name.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: Fixed colour per maturity type (A least mature, D most mature).
TYPE_COLOURS = {
    "A": OKABE_ITO["vermillion"],
    "B": OKABE_ITO["orange"],
    "C": OKABE_ITO["sky_blue"],
    "D": OKABE_ITO["bluish_green"],
}
#: Marker per maturity type, so that types differ by shape as well as by colour.
TYPE_MARKERS = {"A": "o", "B": "s", "C": "^", "D": "D"}
#: Palette order for other groups: blue first, black last (black is kept for annotations).
_GROUP_PALETTE = [
    OKABE_ITO[name]
    for name in (
        "blue",
        "orange",
        "bluish_green",
        "reddish_purple",
        "sky_blue",
        "vermillion",
        "yellow",
        "black",
    )
]
_SINGLE_COLOUR = OKABE_ITO["blue"]
_UP, _DOWN, _FLAT = OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"], "#8C8C8C"
#: Bundled with matplotlib, hence present on every machine.
FONT_FAMILY = "DejaVu Sans"
#: Fixed salt for the ids matplotlib writes into SVG files (clip paths, glyphs).
SVG_HASHSALT = "dimios-research"

# Marker area (points²) per respondent in the quadrant map, with bounds: area ∝ n.
_AREA_PER_RESPONDENT = 2.5
_AREA_RANGE = (12.0, 450.0)


# ----------------------------------------------------------------------------------------------
# Theme
# ----------------------------------------------------------------------------------------------
#: seaborn 0.13's ``axes_style("whitegrid")`` and ``plotting_context("notebook",
#: font_scale=0.85)``, written out: the theme needs no seaborn import (a quarter of a second
#: and pyplot in every report kernel) and does not change when seaborn's defaults do.
_SEABORN_WHITEGRID_NOTEBOOK: dict[str, Any] = {
    "figure.facecolor": "white", "axes.labelcolor": ".15", "xtick.direction": "out",
    "ytick.direction": "out", "xtick.color": ".15", "ytick.color": ".15",
    "axes.axisbelow": True, "grid.linestyle": "-", "text.color": ".15",
    "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
    "xtick.top": False, "ytick.right": False, "axes.grid": True, "axes.facecolor": "white",
    "axes.edgecolor": ".8", "grid.color": ".8", "axes.spines.left": True,
    "axes.spines.bottom": True, "axes.spines.right": True, "axes.spines.top": True,
    "xtick.bottom": False, "ytick.left": False, "axes.linewidth": 1.25, "grid.linewidth": 1,
    "lines.linewidth": 1.5, "lines.markersize": 6, "patch.linewidth": 1,
    "xtick.major.width": 1.25, "ytick.major.width": 1.25, "xtick.minor.width": 1,
    "ytick.minor.width": 1, "xtick.major.size": 6, "ytick.major.size": 6,
    "xtick.minor.size": 4, "ytick.minor.size": 4, "font.size": 10.2, "axes.labelsize": 10.2,
    "axes.titlesize": 10.2, "xtick.labelsize": 9.35, "ytick.labelsize": 9.35,
    "legend.fontsize": 9.35, "legend.title_fontsize": 10.2,
}  # fmt: skip


def theme_rc() -> dict[str, Any]:
    """The matplotlib rcParams of the package theme.

    Returns
    -------
    dict
        seaborn's ``whitegrid`` style and ``notebook`` context (as seaborn 0.13 defines
        them, :data:`_SEABORN_WHITEGRID_NOTEBOOK`), the DejaVu Sans font, the
        Okabe–Ito colour cycle, the ``cividis`` colour map and the settings that make saved
        files deterministic (``svg.hashsalt``), and text kept as text in SVG
        (``svg.fonttype="none"``).
    """
    rc: dict[str, Any] = dict(_SEABORN_WHITEGRID_NOTEBOOK)
    rc.update(
        {
            "font.family": ["sans-serif"],
            # Only the bundled font: seaborn's list starts with Arial, which would make the
            # output depend on the fonts installed on the machine.
            "font.sans-serif": [FONT_FAMILY],
            "axes.prop_cycle": cycler(color=_GROUP_PALETTE),
            "axes.unicode_minus": True,
            "axes.titleweight": "bold",
            "image.cmap": "cividis",
            "legend.frameon": False,
            # Text as <text>: glyph outlines would triple every SVG (issue 16); the PDF
            # draws it with the shipped fonts, a browser with DejaVu Sans or its sans-serif.
            "svg.fonttype": "none",
            "svg.hashsalt": SVG_HASHSALT,
            # Text is text: never TeX (a $ in a name is escaped against mathtext).
            "text.usetex": False,
        }
    )
    return rc


@contextmanager
def theme() -> Iterator[None]:
    """Context manager applying the package theme temporarily.

    Examples
    --------
    >>> with theme():
    ...     fig = Figure()
    """
    with mpl.rc_context(theme_rc()):
        yield


def set_theme() -> None:
    """Apply the package theme to matplotlib's global rcParams.

    Notes
    -----
    The plot functions do not need this (each draws inside :func:`theme`); it is for figures
    that a notebook draws itself and should look like the package's. It changes global
    state; prefer ``with theme():`` in library code.
    """
    mpl.rcParams.update(theme_rc())


def group_colours(values: Sequence[Any], group_col: str | None = None) -> dict[Any, str]:
    """Colour per group value: fixed colours for maturity types, else the palette in order.

    Parameters
    ----------
    values : sequence
        The group values, in display order (duplicates ignored).
    group_col : str, optional
        Name of the grouping column; ``"maturity_type"`` uses :data:`TYPE_COLOURS`.

    Returns
    -------
    dict
        value → hex colour. Beyond eight groups the palette repeats.
    """
    unique = list(dict.fromkeys(values))
    if group_col == "maturity_type" and set(unique) <= set(TYPE_LETTERS):
        return {value: TYPE_COLOURS[value] for value in unique}
    return {value: _GROUP_PALETTE[i % len(_GROUP_PALETTE)] for i, value in enumerate(unique)}


# ----------------------------------------------------------------------------------------------
# Shared helpers
# ----------------------------------------------------------------------------------------------
def _reportable_rows(df: pd.DataFrame, required: bool, name: str) -> pd.DataFrame:
    """Keep rows whose ``reportable`` is True; missing or other values count as False."""
    if "reportable" not in df.columns:
        if required:
            raise ValueError(f"{name} needs a boolean 'reportable' column (reporting threshold)")
        return df
    return df[df["reportable"].eq(True).fillna(False).astype(bool)]


def _plain(text: Any) -> str:
    """Text from the data or the caller, drawn literally: ``$`` escaped against mathtext.

    matplotlib parses a string with an even number of unescaped ``$`` as mathtext (so an
    organisation called "A$b$" would be drawn as "A" and an italic *b*); ``\\$`` is drawn as a
    literal dollar sign and nothing else in a string is interpreted.
    """
    return str(text).replace("$", r"\$")


#: Register columns whose values (and axis label) are those of another locale group.
_VALUE_LABEL_GROUP = {"type": "organisation_type"}
#: Natural display order of the values of known grouping columns.
_GROUP_ORDER = {
    "maturity_type": TYPE_LETTERS,
    "organisation_type": ORGANISATION_TYPES,
    "size_class": SIZE_CLASSES,
}


def _axis_label(name: Any, lang: str) -> str:
    """Locale label ``axis.<name>`` when defined, else the name itself ('' for None).

    ``type`` (the register's organisation type) is labelled as ``organisation_type``.
    """
    if name is None:
        return ""
    return t(f"axis.{_VALUE_LABEL_GROUP.get(name, name)}", lang, default=str(name))


def _axis_text(name: Any, given: Any, lang: str) -> str:
    """An axis name as given, else the locale label of the column (raw text)."""
    return _axis_label(name, lang) if given is None else str(given)


def _count_text(n: Any, lang: str) -> str:
    """A count as text, grouped by the language's rules ("1 234")."""
    return format_number(int(n), lang, 0)


def _value_label(group_col: Any, value: Any, lang: str) -> str:
    """Display name of one value of a grouping column.

    The group name ``figure.group.<group>.<value>`` (organisation_type.kommun → "Kommuner")
    when defined, else the value label ``<group>.<value>`` (maturity_type.A → "Typ A"), else
    the value itself. Raw text: wrap in :func:`_plain` before drawing it.
    """
    group = _VALUE_LABEL_GROUP.get(group_col, group_col)
    for key in (f"figure.group.{group}.{value}", f"{group}.{value}"):
        text = t(key, lang, default=None)
        if text is not None:
            return text
    return str(value)


def _natural_order(values: Any, group_col: Any, *, sort: bool = True) -> list[Any]:
    """Distinct non-missing values in display order.

    Known columns (maturity types, organisation types, size classes) in their fixed order,
    unknown values after them; other columns sorted as text (``sort``) or in order of first
    appearance.
    """
    unique = list(dict.fromkeys(pd.Series(values, dtype=object).dropna()))
    fixed = _GROUP_ORDER.get(_VALUE_LABEL_GROUP.get(group_col, group_col), ())
    known = [value for value in fixed if value in unique]
    rest = [value for value in unique if value not in fixed]
    return known + (sorted(rest, key=str) if sort else rest)


def _check_group_values(values: Any, group_col: Any, name: str) -> None:
    """Refuse a grouping column whose values belong to another column (a mislabelled axis)."""
    present = {str(v) for v in pd.Series(values, dtype=object).dropna()}
    group = _VALUE_LABEL_GROUP.get(group_col, group_col)
    if group == "maturity_type" and not present <= set(TYPE_LETTERS):
        raise ValueError(
            f"{name}: column {group_col!r} must hold the maturity types A–D, found "
            f"{sorted(present - set(TYPE_LETTERS))}; for organisation types use group_col='type'"
        )
    if group == "organisation_type" and present and present <= set(TYPE_LETTERS):
        raise ValueError(
            f"{name}: column {group_col!r} holds maturity types {sorted(present)}, not "
            "organisation types; use group_col='maturity_type'"
        )


def _title(ax: Axes, title: str | None, default_key: str, lang: str) -> None:
    """None → the locale default title; "" → no title; a given title is drawn as plain text."""
    text = t(default_key, lang) if title is None else _plain(title)
    if text:
        ax.set_title(text)


def _legend_outside(
    ax: Axes, owned: bool, handles: list[Any] | None = None, labels: list[str] | None = None
) -> None:
    """Legend to the right of the plot, outside the data area.

    On a figure this module created (one Axes) the legend is a figure legend placed with
    constrained layout's ``"outside right upper"``, which reserves its space exactly, also for
    an Axes with a fixed aspect ratio. In an Axes supplied by the caller it is an Axes legend
    anchored just right of the Axes.
    """
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    if owned:
        ax.get_figure().legend(handles, labels, loc="outside right upper", fontsize="small")
    else:
        ax.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
            fontsize="small",
            borderaxespad=0,
        )


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes, bool]:
    """A new one-Axes figure (constrained layout), or the caller's Axes; third item: new?"""
    if ax is not None:
        if not isinstance(ax, Axes):
            raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
        return ax.get_figure(), ax, False
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot(), True


class _LocalisedFormatter(ScalarFormatter):
    """matplotlib's default tick formatter with the decimal mark of the report language."""

    def __init__(self, lang: str) -> None:
        super().__init__(useOffset=False)
        self._decimal_mark = "," if lang == "sv" else "."

    def __call__(self, x: float, pos: int | None = None) -> str:
        return super().__call__(x, pos).replace(".", self._decimal_mark)


def _localise_ticks(ax: Axes, lang: str, axes: str = "xy") -> None:
    for name in axes:
        axis = ax.xaxis if name == "x" else ax.yaxis
        if isinstance(axis.get_major_formatter(), ScalarFormatter):
            axis.set_major_formatter(_LocalisedFormatter(lang))


def _error_extent(estimate: np.ndarray, low: Any, high: Any) -> np.ndarray:
    """Error-bar lengths below and above each estimate (2 × n), for ``errorbar``.

    A bound on the wrong side of its estimate (a percentile bootstrap interval of a skewed
    statistic) gives length 0, so the bar stops at the estimate; a missing bound gives NaN,
    which draws no bar.
    """
    return np.clip(np.vstack([estimate - low, high - estimate]), 0, None)


def _whole_years(ax: Axes) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _numeric(df: pd.DataFrame, columns: Sequence[str], name: str) -> pd.DataFrame:
    try:
        return df[list(columns)].astype(float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name}: columns {list(columns)} must be numeric ({err})") from None


# ----------------------------------------------------------------------------------------------
# Quadrant map (maturity types)
# ----------------------------------------------------------------------------------------------
def quadrant_map(
    types_df: pd.DataFrame,
    lang: str = "sv",
    cut: float = 50.0,
    label_col: str | None = None,
    *,
    highlight: Any = None,
    title: str | None = None,
    figsize: tuple[float, float] = (7.2, 5.6),
    ax: Axes | None = None,
) -> Figure:
    """Organisations placed by digital capability (x) and digital legacy (y), coloured by type.

    Parameters
    ----------
    types_df : DataFrame
        One row per organisation with columns ``organisation_id, capability_pct, legacy_pct,
        type`` (A–D), ``n_respondents`` and ``reportable`` (bool), e.g. the maturity-type table
        of the scoring module.
    lang : {"sv", "en"}
        Language of labels.
    cut : float, default 50.0
        Where the dimensions are split into low/high (percent); drawn as the two lines that
        bound the quadrants. It must be the cut that produced ``type``.
    label_col : str, optional
        Column with a display label per organisation (e.g. its name). Without it no point is
        labelled; with it every drawn (reportable) point is.
    highlight : optional
        An ``organisation_id`` to draw distinctly (black edge, larger, others faded), for an
        organisation profile. Silently not drawn when that organisation is not reportable.
    title : str, optional
        Title; ``None`` uses the locale title, ``""`` none.
    figsize : (float, float), default (7.2, 5.6)
        Figure size in inches when a new figure is created; the default leaves a nearly
        square data area beside the legend, so both 0–100 scales look alike.
    ax : Axes, optional
        Draw into this Axes instead of a new figure.

    Returns
    -------
    Figure
        The figure. Points: one scatter collection per type present (plus one for the
        highlighted organisation), so the offsets of all collections are exactly the drawn
        organisations.

    Notes
    -----
    Quadrants (package assumption, see ``maturity_types.yaml``): A bottom left (low
    capability, constraining legacy), B bottom right (high capability, constraining legacy),
    C top left (low capability, enabling legacy), D top right (high capability, enabling
    legacy). Each is shaded in its type colour and labelled in its outer corner. Marker area
    is proportional to the number of respondents (2.5 pt² each, clipped to 12–450 pt²), so a
    small sample looks small. Rows without reportable=True are dropped before anything is
    drawn; reportable rows with a missing score cannot be placed and are dropped too.

    Examples
    --------
    >>> df = pd.DataFrame({"organisation_id": ["o1", "o2"], "capability_pct": [40.0, 62.0],
    ...                    "legacy_pct": [35.0, 70.0], "maturity_type": ["A", "D"],
    ...                    "n_respondents": [12, 30], "reportable": [True, True]})
    >>> fig = quadrant_map(df, lang="en")
    >>> fig.axes[0].get_xlabel()
    'Digital capability (%)'
    """
    lang = check_lang(lang)
    drawn, coordinates = _quadrant_rows(types_df, cut, label_col)
    is_highlight = (
        drawn["organisation_id"].eq(highlight).to_numpy()
        if highlight is not None
        else np.zeros(len(drawn), dtype=bool)
    )
    area = np.clip(
        coordinates["n_respondents"].fillna(0).to_numpy() * _AREA_PER_RESPONDENT, *_AREA_RANGE
    )
    with theme():
        fig, ax, owned = _new_axes(ax, figsize)
        _draw_quadrants(ax, cut, lang)
        x = coordinates["capability_pct"].to_numpy()
        y = coordinates["legacy_pct"].to_numpy()
        types = drawn["maturity_type"].astype(str).to_numpy()
        _draw_type_points(ax, x, y, types, area, is_highlight, lang)
        if label_col is not None:
            for xi, yi, text in zip(x, y, drawn[label_col].astype(str), strict=True):
                ax.annotate(
                    _plain(text), (xi, yi), xytext=(4, 4), textcoords="offset points",
                    fontsize="x-small", zorder=6,
                )  # fmt: skip
        handles, labels = ax.get_legend_handles_labels()
        _add_size_key(handles, labels, coordinates["n_respondents"], lang)
        _legend_outside(ax, owned, handles, labels)
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 100)
        ax.set_xlabel(t("axis.capability", lang))
        ax.set_ylabel(t("axis.legacy", lang))
        _title(ax, title, "title.quadrant_map", lang)
        _localise_ticks(ax, lang)
    return fig


def _quadrant_rows(
    types_df: pd.DataFrame, cut: float, label_col: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows a quadrant map draws (reportable, placeable) and their numeric coordinates."""
    columns = ["organisation_id", "capability_pct", "legacy_pct", "maturity_type", "n_respondents"]
    require_columns(
        types_df, columns + ["reportable"] + ([label_col] if label_col else []), "types_df"
    )
    if not np.isfinite(cut) or not 0 < cut < 100:
        raise ValueError(f"cut must be a percentage strictly between 0 and 100, got {cut!r}")
    drawn = _reportable_rows(types_df, required=True, name="types_df")
    coordinates = _numeric(drawn, ["capability_pct", "legacy_pct", "n_respondents"], "types_df")
    placeable = coordinates[["capability_pct", "legacy_pct"]].notna().all(axis=1)
    drawn, coordinates = drawn[placeable], coordinates[placeable]
    bad_types = sorted(set(drawn["maturity_type"].astype(str)) - set(TYPE_LETTERS))
    if bad_types:
        raise ValueError(f"types_df: column 'maturity_type' must hold A–D, found {bad_types}")
    return drawn, coordinates


def _draw_quadrants(ax: Axes, cut: float, lang: str) -> None:
    """Shade each type's quadrant in its colour, label its outer corner, draw the cut lines."""
    for letter, (cap_high, leg_high) in QUADRANTS.items():  # high = right / top
        x0, y0 = (cut if cap_high else 0.0), (cut if leg_high else 0.0)
        width, height = (100 - cut if cap_high else cut), (100 - cut if leg_high else cut)
        ax.add_patch(
            Rectangle(
                (x0, y0), width, height, color=TYPE_COLOURS[letter], alpha=0.08, linewidth=0,
                zorder=0,
            )
        )  # fmt: skip
        ha, va = ("right" if cap_high else "left"), ("top" if leg_high else "bottom")
        ax.text(
            98.5 if cap_high else 1.5,
            98.5 if leg_high else 1.5,
            f"{t(f'maturity_type.{letter}', lang)}\n{t(f'type_summary.{letter}', lang)}",
            ha=ha, va=va, fontsize="x-small", color="#404040", zorder=1, multialignment=ha,
        )  # fmt: skip
    ax.axvline(cut, color="#606060", linewidth=1, zorder=1)
    ax.axhline(cut, color="#606060", linewidth=1, zorder=1)


def _draw_type_points(
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    types: np.ndarray,
    area: np.ndarray,
    is_highlight: np.ndarray,
    lang: str,
) -> None:
    """One scatter collection per type present (for the legend), the highlight on top."""
    for letter in TYPE_LETTERS:
        rows = (types == letter) & ~is_highlight
        if rows.any():
            ax.scatter(
                x[rows], y[rows], s=area[rows], c=TYPE_COLOURS[letter],
                marker=TYPE_MARKERS[letter], alpha=0.35 if is_highlight.any() else 0.85,
                edgecolors="white", linewidths=0.6, zorder=3,
                label=t(f"maturity_type.{letter}", lang),
            )  # fmt: skip
    if is_highlight.any():
        letter = types[is_highlight][0]
        ax.scatter(
            x[is_highlight], y[is_highlight], s=np.maximum(area[is_highlight], 120),
            c=TYPE_COLOURS[letter], marker=TYPE_MARKERS[letter], edgecolors="black",
            linewidths=2.0, zorder=5, label=t("legend.highlight", lang),
        )  # fmt: skip


def _add_size_key(handles: list, labels: list, n_respondents: pd.Series, lang: str) -> None:
    """Append the marker-size key (respondents) to legend handles and labels."""
    sizes = _reference_sizes(n_respondents)
    if sizes:  # an invisible handle turns the label into a sub-heading of the size key
        handles.append(Line2D([], [], linestyle="none"))
        labels.append(t("legend.respondents", lang))
    for n in sizes:
        size = np.sqrt(np.clip(n * _AREA_PER_RESPONDENT, *_AREA_RANGE))
        handles.append(
            Line2D([], [], linestyle="none", marker="o", color="#8C8C8C", markersize=size)
        )
        labels.append(_count_text(n, lang))


def _reference_sizes(n_respondents: pd.Series) -> list[int]:
    """Up to three round respondent counts spanning the data, for the size legend."""
    values = n_respondents.dropna()
    if values.empty:
        return []
    quantiles = np.quantile(values, [0.0, 0.5, 1.0])
    rounded = [int(max(1, round(q, -1) if q >= 20 else round(q))) for q in quantiles]
    return sorted(set(rounded))


# ----------------------------------------------------------------------------------------------
# Bars with confidence intervals
# ----------------------------------------------------------------------------------------------
def profile_bars(
    df: pd.DataFrame,
    lang: str = "sv",
    label_col: str = "label",
    *,
    group_col: str = "group",
    category_col: str | None = "parent_label",
    sort: str = "instrument",
    estimate_label: str | None = None,
    reference_col: str | None = None,
    reference_label: str | None = None,
    xlabel: str | None = None,
    title: str | None = None,
    xlim: tuple[float, float] | None = (0.0, 100.0),
    figsize: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Horizontal bars with confidence-interval error bars (an organisation or group profile).

    Parameters
    ----------
    df : DataFrame
        One row per bar: ``label`` (in ``label_col``), ``estimate, ci_low, ci_high`` (percent),
        optionally ``group`` (in ``group_col``: bars of several groups side by side per label,
        e.g. this organisation vs. all), a category (in ``category_col``) and a reference
        column. :func:`dimios_research.report.summaries.profile_table` fits as it is.
    lang : {"sv", "en"}
        Language of labels.
    label_col : str, default "label"
        Column with the bar labels, drawn top to bottom in order of first appearance (the
        codebook order for ``profile_table``) unless ``sort`` says otherwise.
    group_col : str, default "group"
        Column defining grouped bars; ignored when absent. Group values are shown through the
        locale (``figure.group.<group_col>.<value>``, else ``<group_col>.<value>``) when
        defined, else as they are; organisation types in their fixed order, other groups in
        order of first appearance. A group without any estimate is neither drawn nor listed
        in the legend.
    category_col : str or None, default "parent_label"
        Column naming each label's category (``profile_table``: the category of a
        capability, the dimension of a category). When present and not empty the bars are
        grouped by category, categories in order of first appearance, each under a bold
        heading row and separated by a thin line. ``None``, an absent column or an empty
        one: no grouping.
    sort : {"instrument", "descending", "ascending"}, default "instrument"
        Order of the bars within a category: ``"instrument"`` keeps the input order (the
        questionnaire's order, the same every year, as in the tables); the others sort by
        the estimate (the mean over groups when bars are grouped).
    estimate_label : str, optional
        Legend name of ungrouped bars, e.g. the organisation's name in its profile; drawn as
        plain text (a ``$`` is never read as mathtext). Without it the legend (shown only
        with a reference) says "Skattning" / "Estimate".
    reference_col : str, optional
        Column with a comparison value per label (e.g. the peer mean), drawn as a black
        diamond marker.
    reference_label : str, optional
        Legend name of the marker; default "Jämförelsegruppens medelvärde" / "Peer group mean".
    xlabel : str, optional
        Axis label; default the locale "Resultat (%)" / "Score (%)".
    title : str, optional
        Title; ``None`` uses the locale title, ``""`` none.
    xlim : (float, float) or None, default (0, 100)
        Value axis limits; ``None`` lets matplotlib choose.
    figsize : (float, float), optional
        Default: 6.4 inches wide, 0.35 inch per row (bars and headings) plus margins.
    ax : Axes, optional
        Draw into this Axes.

    Returns
    -------
    Figure
        The figure.

    Notes
    -----
    Error bars run from ``ci_low`` to ``ci_high``. A bound on the wrong side of the estimate
    (possible with percentile bootstrap intervals of skewed statistics) is drawn at the
    estimate; missing bounds draw no error bar. Instrument order is the default because a
    reader of yearly reports finds each capability in the same place every year; the
    strongest and weakest are named by :func:`alt_text_profile_bars` and the key figures.
    """
    lang = check_lang(lang)
    layout = _profile_layout(df, label_col, group_col, category_col, reference_col, sort)
    groups, slot = layout.groups, layout.slot
    height = 0.8 / len(groups)
    # Bars of one label are stacked from the top of the row's band downwards.
    y = layout.position - 0.4 + height * (slot + 0.5)
    estimate = layout.values["estimate"].to_numpy()
    xerr = _error_extent(estimate, layout.values["ci_low"], layout.values["ci_high"])
    drawn = slot >= 0
    with theme():
        size = figsize or (6.4, 0.35 * layout.n_rows * max(1, len(groups) / 2) + 1.4)
        fig, ax, owned = _new_axes(ax, size)
        colours = group_colours(groups, group_col) if layout.grouped else {None: _SINGLE_COLOUR}
        handles = []  # bars first (the organisation before its reference), then the marker
        for position, group in enumerate(groups):  # a handful of groups
            if layout.grouped:
                name = _value_label(group_col, group, lang)
            else:
                name = t("legend.estimate", lang) if estimate_label is None else estimate_label
            rows = slot == position
            handles.append(ax.barh(
                y[rows], estimate[rows], height=height * 0.92, color=colours[group],
                label=_plain(name),
            ))  # fmt: skip
        ax.errorbar(
            estimate[drawn], y[drawn], xerr=xerr[:, drawn], fmt="none",
            ecolor="black", elinewidth=1, capsize=2.5, zorder=3,
        )  # fmt: skip
        if reference_col:
            reference = layout.values[reference_col].groupby(layout.position).first()
            handles.append(ax.scatter(
                reference.to_numpy(), reference.index.to_numpy(), marker="D", s=28, c="black",
                edgecolors="white", linewidths=0.6, zorder=4,
                label=_plain(reference_label or t("legend.peer_mean", lang)),
            ))  # fmt: skip
        ax.set_yticks(layout.label_positions, [_plain(label) for label in layout.labels])
        ax.set_ylim(layout.n_rows - 0.5, -0.5)  # first row on top
        ax.grid(axis="y", visible=False)
        _draw_headings(ax, layout.headings)
        if xlim is not None:
            ax.set_xlim(*xlim)
        ax.set_xlabel(t("axis.score_pct", lang) if xlabel is None else _plain(xlabel))
        if layout.grouped or reference_col or estimate_label is not None:
            _legend_outside(ax, owned, handles, [h.get_label() for h in handles])
        _title(ax, title, "title.profile", lang)
        _localise_ticks(ax, lang, "x")
    return fig


@dataclass(frozen=True)
class _ProfileLayout:
    """Where :func:`profile_bars` draws each row of ``df`` (row order of ``df`` kept)."""

    values: pd.DataFrame  # numeric estimate, ci_low, ci_high (and the reference column)
    labels: list[Any]  # bar labels, top to bottom
    label_positions: list[float]  # y of each label
    categories: list[Any]  # category of each label (None without grouping)
    headings: list[tuple[float, str]]  # (y, category name as in the data) of each heading
    groups: list[Any]  # groups with data, in display order ([None] when ungrouped)
    grouped: bool
    slot: np.ndarray  # per row: index into groups, -1 for a group without data
    position: np.ndarray  # per row: y of its label
    n_rows: int  # rows of the chart: labels and headings


_PROFILE_SORTS = ("instrument", "descending", "ascending")


def _profile_layout(
    df: pd.DataFrame,
    label_col: str,
    group_col: str,
    category_col: str | None,
    reference_col: str | None,
    sort: str,
) -> _ProfileLayout:
    """Check the input of :func:`profile_bars` and place labels, headings and groups."""
    extra = [reference_col] if reference_col else []
    require_columns(df, [label_col, "estimate", "ci_low", "ci_high"] + extra, "df")
    if sort not in _PROFILE_SORTS:
        raise ValueError(f"sort must be one of {list(_PROFILE_SORTS)}, got {sort!r}")
    values = _numeric(df, ["estimate", "ci_low", "ci_high"] + extra, "df")
    grouped = group_col in df.columns
    keys = [label_col, group_col] if grouped else [label_col]
    if df[label_col].isna().any():
        raise ValueError(f"df: column {label_col!r} has missing labels")
    if df.duplicated(keys).any():
        raise ValueError(
            f"df has more than one row per {keys}; aggregate first or add '{group_col}'"
        )
    if grouped:
        _check_group_values(df[group_col], group_col, "df")
        with_data = df.loc[values["estimate"].notna().to_numpy(), group_col]
        groups = _natural_order(with_data, group_col, sort=False)
        slot = pd.Index(groups, dtype=object).get_indexer(df[group_col].astype(object))
    else:
        groups, slot = [None], np.zeros(len(df), dtype=int)
    per_label = _label_order(df, values, label_col, category_col, sort)
    is_heading = per_label["category"].notna() & per_label["category"].ne(
        per_label["category"].shift()
    )
    label_y = np.arange(len(per_label)) + is_heading.cumsum().to_numpy()
    headings = [
        (float(y - 1), str(name))
        for y, name in zip(label_y[is_heading.to_numpy()], per_label["category"][is_heading])
    ]
    where = dict(zip(per_label["label"], label_y.astype(float)))
    return _ProfileLayout(
        values=values,
        labels=list(per_label["label"]),
        label_positions=list(label_y.astype(float)),
        categories=[None if pd.isna(c) else c for c in per_label["category"]],
        headings=headings,
        groups=groups,
        grouped=grouped,
        slot=slot,
        position=df[label_col].map(where).to_numpy(float),
        n_rows=int(len(per_label) + is_heading.sum()),
    )


def _label_order(
    df: pd.DataFrame, values: pd.DataFrame, label_col: str, category_col: str | None, sort: str
) -> pd.DataFrame:
    """One row per label, top to bottom: ``label, category`` (missing without grouping).

    Categories keep their order of first appearance; labels keep theirs within a category
    (``sort="instrument"``) or are sorted by their mean estimate (missing last).
    """
    frame = pd.DataFrame(
        {"label": df[label_col].to_numpy(), "estimate": values["estimate"].to_numpy()}
    )
    if category_col is not None and category_col in df.columns:
        category = df[category_col].astype(object).where(df[category_col].notna(), None)
        frame["category"] = category.replace("", None).to_numpy()
    else:
        frame["category"] = None
    per_label = frame.groupby("label", sort=False, dropna=False).agg(
        category=("category", "first"), estimate=("estimate", "mean")
    )
    per_label = per_label.reset_index()
    block = pd.factorize(per_label["category"], use_na_sentinel=False)[0]
    given = np.arange(len(per_label))  # ties keep the input order
    if sort != "instrument":
        key = per_label["estimate"].to_numpy(float)
        key = np.where(np.isnan(key), np.inf, -key if sort == "descending" else key)
        order = np.lexsort((given, key, block))
    else:
        order = np.lexsort((given, block))
    return per_label.iloc[order].reset_index(drop=True)[["label", "category"]]


def _draw_headings(ax: Axes, headings: list[tuple[float, str]]) -> None:
    """Category headings: bold text at the left of their own row, a thin line above."""
    for y, name in headings:
        ax.text(
            0.005, y, _plain(name), transform=ax.get_yaxis_transform(), ha="left", va="center",
            fontsize="small", fontweight="bold", color="#202020",
        )  # fmt: skip
        if y > 0:
            ax.axhline(y - 0.5, color="#9E9E9E", linewidth=0.8)


# ----------------------------------------------------------------------------------------------
# Distributions
# ----------------------------------------------------------------------------------------------
def distribution_by_group(
    df: pd.DataFrame,
    value_col: str = "score_pct",
    group_col: str = "maturity_type",
    lang: str = "sv",
    *,
    order: Sequence[Any] | None = None,
    seed: int = 0,
    jitter: float = 0.15,
    ylabel: str | None = None,
    xlabel: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = (6.4, 4.2),
    ax: Axes | None = None,
) -> Figure:
    """Box plot per group with every observation as a jittered point on top.

    Parameters
    ----------
    df : DataFrame
        One row per observation (e.g. organisation) with ``value_col`` and ``group_col``. When a
        ``reportable`` column is present only reportable rows are drawn.
    value_col : str, default "score_pct"
        Numeric column on the y axis; missing values are dropped.
    group_col : str, default "maturity_type"
        Grouping column on the x axis, which is labelled after it: ``"maturity_type"``
        (A–D, fixed colours) "Mognadstyp" / "Maturity type"; ``"type"`` (the register's
        organisation type) or ``"organisation_type"`` "Organisationstyp" / "Organisation
        type", its groups named "Kommuner" / "Municipalities" and so on. A column whose
        values belong to the other one (organisation types under ``"maturity_type"``, A–D
        under ``"type"``) is refused, so the axis can never name the wrong grouping.
    lang : {"sv", "en"}
        Language of labels.
    order : sequence, optional
        Group order; default the natural order (A–D; kommun, region, myndighet, annan;
        XS…XL), other values sorted. Groups not listed are not drawn, nor are groups
        without data.
    seed : int, default 0
        Seed of the horizontal jitter (numpy Generator), so the figure is reproducible.
    jitter : float, default 0.15
        Half-width of the uniform jitter, in box widths.
    ylabel, xlabel : str, optional
        Axis labels; default the locale label ``axis.<column>`` or the column name.
    title : str, optional
        Title; ``None`` uses the locale title, ``""`` none.
    figsize : (float, float), default (6.4, 4.2)
        Figure size when a new figure is created.
    ax : Axes, optional
        Draw into this Axes.

    Returns
    -------
    Figure
        The figure; tick labels give the group name and its n.

    Notes
    -----
    Boxes show the median and quartiles; whiskers reach the most extreme value within 1.5
    IQR of the box (Tukey). Outliers are not drawn twice: every value is a point already.
    """
    lang = check_lang(lang)
    groups, codes, values = _distribution_groups(df, value_col, group_col, order)
    per_group = [values[codes == i] for i in range(len(groups))]
    rng = np.random.default_rng(seed)

    with theme():
        fig, ax, owned = _new_axes(ax, figsize)
        colours = group_colours(groups, group_col)
        boxes = ax.boxplot(
            per_group,
            positions=range(len(groups)),
            widths=0.6,
            showfliers=False,
            patch_artist=True,
            medianprops={"color": "black"},
        )
        for patch, group_value in zip(boxes["boxes"], groups, strict=True):
            patch.set(facecolor=colours[group_value], alpha=0.35, edgecolor="#404040")
        point_colours = np.array([colours[g] for g in groups], dtype=object)[codes]
        ax.scatter(
            codes + rng.uniform(-jitter, jitter, len(codes)),
            values,
            s=14,
            c=list(point_colours),
            alpha=0.8,
            edgecolors="none",
            zorder=3,
        )
        tick_labels = [
            f"{_plain(_value_label(group_col, g, lang))}\n(n = {_count_text(len(v), lang)})"
            for g, v in zip(groups, per_group, strict=True)
        ]
        ax.set_xticks(range(len(groups)), tick_labels)
        ax.set_xlim(-0.6, len(groups) - 0.4)
        ax.set_xlabel(_plain(_axis_text(group_col, xlabel, lang)))
        ax.set_ylabel(_plain(_axis_text(value_col, ylabel, lang)))
        _title(ax, title, "title.distribution", lang)
        _localise_ticks(ax, lang, "y")
    return fig


def _distribution_groups(
    df: pd.DataFrame, value_col: str, group_col: str, order: Sequence[Any] | None
) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """Groups with data (display order), and per kept row its group code and value.

    Rows kept: reportable (when the column is present), with a value and a group, in a
    listed group when ``order`` is given.
    """
    require_columns(df, [value_col, group_col], "df")
    data = _reportable_rows(df, required=False, name="df")
    values = _numeric(data, [value_col], "df")[value_col]
    keep = values.notna() & data[group_col].notna()
    values, group = values[keep].to_numpy(), data.loc[keep, group_col].astype(object)
    _check_group_values(group, group_col, "df")
    present = set(group)
    if order is not None:
        groups = [g for g in dict.fromkeys(order) if g in present]
    else:
        groups = _natural_order(group, group_col)
    codes = pd.Index(groups, dtype=object).get_indexer(group)
    return groups, codes[codes >= 0], values[codes >= 0]


# ----------------------------------------------------------------------------------------------
# Time
# ----------------------------------------------------------------------------------------------
def trend_lines(
    df: pd.DataFrame,
    lang: str = "sv",
    group_col: str | None = None,
    *,
    target: float | None = None,
    target_label: str | None = None,
    interval: str = "auto",
    ylabel: str | None = None,
    title: str | None = None,
    ylim: tuple[float, float] | None = None,
    figsize: tuple[float, float] = (6.4, 4.0),
    ax: Axes | None = None,
) -> Figure:
    """Index over time: a line per group with its confidence intervals, optional target.

    Parameters
    ----------
    df : DataFrame
        Columns ``year, estimate, ci_low, ci_high`` (percent) and, with ``group_col``, the
        group; e.g. the national index table by year.
    lang : {"sv", "en"}
        Language of labels.
    group_col : str, optional
        One line per value of this column (legend names through the locale, see
        :func:`profile_bars`; known groups in their fixed order, others sorted). A group
        without any estimate is neither drawn nor listed in the legend.
    target : float, optional
        Draws a dashed horizontal line at this value, named in the legend "Mål 55 %" /
        "Target 55%". The legend sits outside the data area, so the name can never hide a
        point or an interval.
    target_label : str, optional
        Replaces the legend name of the target (drawn as plain text).
    interval : {"auto", "band", "errorbar"}, default "auto"
        How the intervals are drawn: a shaded band, or error bars at each point with the
        series dodged sideways (by up to ±0.15 year) so that no two intervals overlap
        exactly. ``"auto"``: a band for one series, error bars for several (overlapping
        translucent bands blend into colours that belong to no series).
    ylabel : str, optional
        Default the locale "Index för digital mognad (%)".
    title : str, optional
        Title; ``None`` uses the locale title, ``""`` none.
    ylim : (float, float), optional
        y limits; default matplotlib's (including the target).
    figsize : (float, float), default (6.4, 4.0)
        Figure size when a new figure is created.
    ax : Axes, optional
        Draw into this Axes.

    Returns
    -------
    Figure
        The figure; years are whole-number ticks.
    """
    lang = check_lang(lang)
    values, groups = _trend_groups(df, group_col)
    if interval not in ("auto", "band", "errorbar"):
        raise ValueError(f"interval must be 'auto', 'band' or 'errorbar', got {interval!r}")
    bars = interval == "errorbar" or (interval == "auto" and len(groups) > 1)
    colours = group_colours(groups, group_col) if group_col else {None: _SINGLE_COLOUR}
    step = min(0.15, 0.3 / len(groups)) if bars else 0.0
    with theme():
        fig, ax, owned = _new_axes(ax, figsize)
        for i, group in enumerate(groups):  # a handful of groups
            rows = values[df[group_col].eq(group).to_numpy()] if group_col else values
            rows = rows.sort_values("year")
            name = _plain(_value_label(group_col, group, lang)) if group_col else None
            _draw_series(ax, rows, colours[group], name, (i - (len(groups) - 1) / 2) * step, bars)
        target_line = None
        if target is not None:
            target_line = ax.axhline(
                target, color="black", linestyle="--", linewidth=1,
                label=_plain(_target_text(target, target_label, lang)), zorder=1,
            )  # fmt: skip
            # Keep the target inside the autoscaled limits.
            ax.update_datalim([(values["year"].min(), target)], updatex=False)
            ax.margins(y=0.1)
        if group_col or target is not None:
            handles, labels = ax.get_legend_handles_labels()
            # the target after the series (a stable sort keeps their order)
            order = sorted(range(len(handles)), key=lambda i: handles[i] is target_line)
            _legend_outside(ax, owned, [handles[i] for i in order], [labels[i] for i in order])
        if ylim is not None:
            ax.set_ylim(*ylim)
        _whole_years(ax)
        ax.set_xlabel(t("axis.year", lang))
        ax.set_ylabel(t("axis.index_pct", lang) if ylabel is None else _plain(ylabel))
        _title(ax, title, "title.trend", lang)
        _localise_ticks(ax, lang, "y")
    return fig


def _trend_groups(df: pd.DataFrame, group_col: str | None) -> tuple[pd.DataFrame, list[Any]]:
    """Numeric ``year, estimate, ci_low, ci_high`` (rows of ``df``) and the groups with data."""
    require_columns(
        df, ["year", "estimate", "ci_low", "ci_high"] + ([group_col] if group_col else []), "df"
    )
    values = _numeric(df, ["year", "estimate", "ci_low", "ci_high"], "df")
    if not group_col:
        return values, [None]
    _check_group_values(df[group_col], group_col, "df")
    with_data = df.loc[values["estimate"].notna().to_numpy(), group_col]
    return values, _natural_order(with_data, group_col)


def _draw_series(
    ax: Axes, rows: pd.DataFrame, colour: str, name: str | None, dodge: float, bars: bool
) -> None:
    """One series: its line and points, and its intervals as error bars or as a band."""
    x = rows["year"] + dodge
    if bars:
        estimate = rows["estimate"].to_numpy()
        yerr = _error_extent(estimate, rows["ci_low"], rows["ci_high"])
        ax.errorbar(
            x, estimate, yerr=yerr, marker="o", markersize=5, color=colour,
            ecolor=colour, elinewidth=1.4, capsize=3.5, capthick=1.4, label=name, zorder=3,
        )  # fmt: skip
        return
    ax.fill_between(x, rows["ci_low"], rows["ci_high"], color=colour, alpha=0.18, linewidth=0)
    ax.plot(x, rows["estimate"], marker="o", color=colour, label=name)


def slopegraph(
    panel_df: pd.DataFrame,
    lang: str = "sv",
    *,
    baseline_year: int | None = None,
    follow_up_year: int | None = None,
    label_col: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    decimals: int = 1,
    figsize: tuple[float, float] = (4.8, 5.0),
    ax: Axes | None = None,
) -> Figure:
    """One line per organisation from its baseline to its follow-up score.

    Parameters
    ----------
    panel_df : DataFrame
        One row per organisation: ``organisation_id, baseline, follow_up`` (percent). When a
        ``reportable`` column is present only reportable rows are drawn.
    lang : {"sv", "en"}
        Language of labels.
    baseline_year, follow_up_year : int, optional
        Shown as the two x tick labels; default "Utgångsläge" / "Uppföljning".
    label_col : str, optional
        Column labelling each line at its follow-up end; no labels without it.
    ylabel : str, optional
        Default the locale "Resultat (%)".
    title : str, optional
        Title; ``None`` uses the locale title, ``""`` none.
    decimals : int, default 1
        A change that rounds to zero at this precision counts as unchanged (grey), as in the
        narrative sentences of :mod:`dimios_research.report.narrative`.
    figsize : (float, float), default (4.8, 5.0)
        Figure size when a new figure is created.
    ax : Axes, optional
        Draw into this Axes.

    Returns
    -------
    Figure
        The figure; the lines form one LineCollection, coloured bluish green (improved),
        vermillion (declined) or grey (unchanged), with the counts in the legend.
    """
    lang = check_lang(lang)
    data, before, after, direction = _slope_rows(panel_df, label_col, decimals)
    colour = np.select([direction > 0, direction < 0], [_UP, _DOWN], _FLAT)

    with theme():
        fig, ax, owned = _new_axes(ax, figsize)
        segments = np.stack(
            [
                np.column_stack([np.zeros_like(before), before]),
                np.column_stack([np.ones_like(after), after]),
            ],
            axis=1,
        )
        ax.add_collection(LineCollection(segments, colors=list(colour), linewidths=1.2, alpha=0.8))
        ax.scatter(np.zeros_like(before), before, s=12, c=list(colour), zorder=3)
        ax.scatter(np.ones_like(after), after, s=12, c=list(colour), zorder=3)
        if label_col is not None:
            for yi, text in zip(after, data[label_col].astype(str), strict=True):
                ax.annotate(
                    _plain(text),
                    (1, yi),
                    xytext=(5, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize="x-small",
                )
        handles = [
            Line2D(
                [],
                [],
                color=c,
                label=f"{t(f'legend.{key}', lang)} "
                f"(n = {_count_text((direction == sign).sum(), lang)})",
            )
            for key, c, sign in (
                ("improved", _UP, 1),
                ("declined", _DOWN, -1),
                ("unchanged", _FLAT, 0),
            )
        ]
        _legend_outside(ax, owned, handles, [h.get_label() for h in handles])
        tick_labels = [
            str(baseline_year) if baseline_year is not None else t("axis.baseline", lang),
            str(follow_up_year) if follow_up_year is not None else t("axis.follow_up", lang),
        ]
        ax.set_xticks([0, 1], tick_labels)
        ax.set_xlim(-0.2, 1.2)
        ax.grid(axis="x", visible=False)
        if len(before):
            ax.autoscale_view(scalex=False)
        ax.set_ylabel(t("axis.score_pct", lang) if ylabel is None else _plain(ylabel))
        _title(ax, title, "title.slopegraph", lang)
        _localise_ticks(ax, lang, "y")
    return fig


def _slope_rows(
    panel_df: pd.DataFrame, label_col: str | None, decimals: int
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Rows a slopegraph draws (reportable, both scores), the scores and the direction.

    Direction: the sign of the change rounded to ``decimals`` (+1, −1, 0).
    """
    require_columns(
        panel_df,
        ["organisation_id", "baseline", "follow_up"] + ([label_col] if label_col else []),
        "panel_df",
    )
    data = _reportable_rows(panel_df, required=False, name="panel_df")
    values = _numeric(data, ["baseline", "follow_up"], "panel_df")
    complete = values.notna().all(axis=1)
    data, values = data[complete], values[complete]
    before, after = values["baseline"].to_numpy(), values["follow_up"].to_numpy()
    return data, before, after, np.sign(np.round(after - before, decimals))


# ----------------------------------------------------------------------------------------------
# Heatmaps
# ----------------------------------------------------------------------------------------------
def heatmap(
    matrix_df: pd.DataFrame,
    lang: str = "sv",
    *,
    decimals: int = 1,
    vmin: float | None = None,
    vmax: float | None = None,
    center: float | None = None,
    cmap: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    colorbar_label: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Annotated heatmap of a wide table, e.g. mean score per capability × organisation type.

    Parameters
    ----------
    matrix_df : DataFrame
        Numeric, rows × columns (e.g. ``scores.pivot_table(index="capability_id",
        columns="organisation_type", values="score_pct")``). Row and column labels are shown
        through the locale (see :func:`profile_bars`; organisation_type.kommun → "Kommuner")
        when defined, else as they are.
    lang : {"sv", "en"}
        Language of labels and of the cell numbers.
    decimals : int, default 1
        Decimals of the cell annotations (formatted by
        :func:`dimios_research.report.numbers.format_number`; empty cells stay blank).
    vmin, vmax : float, optional
        Colour scale limits. Default: the observed range of the data, widened to round tick
        values (e.g. 43.5–74.9 → 40–75), so that the colours spread over the values shown
        rather than over the whole 0–100 scale, where most scores share one hue.
    center : float, optional
        Centre of a diverging scale, e.g. the national index: cells above it take one hue,
        cells below the other, and the limits are symmetric around it (wide enough for the
        data, rounded). Default none: a sequential scale.
    cmap : str, optional
        Colour map. Default ``"cividis"`` (sequential) or ``"PuOr"`` (diverging, orange
        below and purple above the centre); both stay distinguishable with the common forms
        of colour-vision deficiency.
    xlabel, ylabel : str, optional
        Default the locale label of the column/index name (``axis.<name>``).
    colorbar_label : str, optional
        Default "Medelvärde (%)" / "Mean score (%)".
    title : str, optional
        Title; ``None`` uses the locale title, ``""`` none.
    figsize : (float, float), optional
        Default grows with the table.
    ax : Axes, optional
        Draw into this Axes.

    Returns
    -------
    Figure
        The figure (heatmap and colour bar).

    Notes
    -----
    Each cell number is black or white, whichever contrasts more with the cell's colour by
    the WCAG 2 contrast ratio ``(L1 + 0.05) / (L2 + 0.05)`` of relative luminances L (white
    below L = 0.179, where the two ratios are equal); the ratio is then at least 4.58, above
    the 4.5 WCAG asks of normal text. (seaborn's own rule switches at L = 0.408, which leaves
    white text on mid-grey cells at a ratio near 2.3.)
    """
    lang = check_lang(lang)
    data = _heatmap_data(matrix_df)
    low, high = _colour_limits(data.to_numpy(), vmin, vmax, center)
    return _annotated_heatmap(
        data,
        lang,
        decimals=decimals,
        mask=None,
        vmin=low,
        vmax=high,
        cmap=cmap or ("cividis" if center is None else "PuOr"),
        xlabel=_plain(_axis_text(matrix_df.columns.name, xlabel, lang)),
        ylabel=_plain(_axis_text(matrix_df.index.name, ylabel, lang)),
        colorbar_label=(
            t("axis.mean_score", lang) if colorbar_label is None else _plain(colorbar_label)
        ),
        title=t("title.heatmap", lang) if title is None else _plain(title),
        figsize=figsize,
        ax=ax,
    )


def _heatmap_data(matrix_df: pd.DataFrame) -> pd.DataFrame:
    """The numeric table of :func:`heatmap` (a DataFrame, every column numeric)."""
    require_columns(matrix_df, [], "matrix_df")
    return _numeric(matrix_df, list(matrix_df.columns), "matrix_df")


def _colour_limits(
    values: np.ndarray, vmin: float | None, vmax: float | None, center: float | None
) -> tuple[float, float]:
    """Colour scale limits: given ones, else the data range rounded outward to nice ticks.

    With ``center`` the limits are ``center ± h``, ``h`` the largest distance of a limit
    (given or observed) from the centre, rounded up to a nice tick.
    """
    finite = values[np.isfinite(values)]
    low = float(finite.min()) if vmin is None and finite.size else vmin
    high = float(finite.max()) if vmax is None and finite.size else vmax
    low, high = (0.0 if low is None else low), (100.0 if high is None else high)
    if center is not None:
        half = max(abs(high - center), abs(low - center)) or 1.0
        ticks = MaxNLocator(nbins=4, steps=[1, 2, 5, 10]).tick_values(0.0, half)
        half = float(ticks[ticks >= half - 1e-12].min())
        return center - half, center + half
    if low >= high:
        low, high = low - 1.0, high + 1.0
    ticks = MaxNLocator(nbins=7, steps=[1, 2, 5, 10]).tick_values(low, high)
    nice_low = float(ticks[ticks <= low + 1e-12].max()) if vmin is None else low
    nice_high = float(ticks[ticks >= high - 1e-12].min()) if vmax is None else high
    return nice_low, nice_high


def correlation_heatmap(
    corr_df: pd.DataFrame,
    lang: str = "sv",
    *,
    decimals: int = 2,
    mask_upper: bool = True,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Heatmap of a correlation matrix (e.g. inter-item correlations).

    Parameters
    ----------
    corr_df : DataFrame
        Square correlation matrix with the same labels on rows and columns, values in [-1, 1].
    lang : {"sv", "en"}
        Language of labels and of the cell numbers.
    decimals : int, default 2
        Decimals of the annotations.
    mask_upper : bool, default True
        Hide the redundant upper triangle (the diagonal stays).
    title : str, optional
        Title; ``None`` uses the locale title, ``""`` none.
    figsize : (float, float), optional
        Default grows with the matrix.
    ax : Axes, optional
        Draw into this Axes.

    Returns
    -------
    Figure
        The figure, with the diverging ``RdBu_r`` map fixed to [-1, 1] so that zero is white.

    Raises
    ------
    ValueError
        If the matrix is not square with matching labels or has values outside [-1, 1].
    """
    lang = check_lang(lang)
    data = _correlation_data(corr_df)
    mask = np.triu(np.ones(data.shape, dtype=bool), k=1) if mask_upper else None
    return _annotated_heatmap(
        data,
        lang,
        decimals=decimals,
        mask=mask,
        vmin=-1.0,
        vmax=1.0,
        cmap="RdBu_r",
        xlabel="",
        ylabel="",
        colorbar_label=t("axis.correlation", lang),
        title=t("title.correlation", lang) if title is None else _plain(title),
        figsize=figsize,
        ax=ax,
    )


def _correlation_data(corr_df: pd.DataFrame) -> pd.DataFrame:
    """The numeric correlation matrix, checked: square, same labels, values in [-1, 1]."""
    require_columns(corr_df, [], "corr_df")
    if list(corr_df.index) != list(corr_df.columns):
        raise ValueError(
            "corr_df must be square with the same labels, in the same order, on "
            "rows and columns (e.g. the output of DataFrame.corr())"
        )
    data = _numeric(corr_df, list(corr_df.columns), "corr_df")
    if (data.abs() > 1 + 1e-9).any().any():
        raise ValueError("corr_df holds values outside [-1, 1]; pass correlations")
    return data


def _annotated_heatmap(
    data: pd.DataFrame,
    lang: str,
    *,
    decimals: int,
    mask: np.ndarray | None,
    vmin: float,
    vmax: float,
    cmap: str,
    xlabel: str,
    ylabel: str,
    colorbar_label: str,
    title: str,
    figsize: tuple[float, float] | None,
    ax: Axes | None,
) -> Figure:
    """The drawing shared by :func:`heatmap` and :func:`correlation_heatmap`."""
    rows, columns = data.shape
    with theme():
        # narrower cells when there are many columns (a correlation map of 13 items), so
        # that the figure is not shrunk to unreadable text on the page
        cell_width = 0.75 if columns <= _WIDE_HEATMAP_COLUMNS else 0.5
        size = figsize or (2.8 + cell_width * columns, 1.2 + 0.4 * rows)
        fig, ax, owned = _new_axes(ax, size)
        _heatmap_mesh(
            ax, data.to_numpy(float), mask, vmin=vmin, vmax=vmax, cmap=cmap,
            colorbar_label=colorbar_label,
            xticklabels=[_plain(_value_label(data.columns.name, c, lang)) for c in data.columns],
            yticklabels=[_plain(_value_label(data.index.name, i, lang)) for i in data.index],
        )  # fmt: skip
        _annotate_cells(ax, data.to_numpy(), mask, lang, decimals)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set(horizontalalignment="right", rotation_mode="anchor")
        ax.tick_params(axis="y", labelrotation=0)
        ax.grid(False)
        if title:
            ax.set_title(title)
        colorbar = ax.collections[0].colorbar
        if colorbar is not None:
            _localise_ticks(colorbar.ax, lang, "y")
    return fig


#: Above this many columns a heat map gets narrower cells (see :func:`_annotated_heatmap`).
_WIDE_HEATMAP_COLUMNS = 8


def _heatmap_mesh(
    ax: Axes,
    values: np.ndarray,
    mask: np.ndarray | None,
    *,
    vmin: float,
    vmax: float,
    cmap: str,
    colorbar_label: str,
    xticklabels: list[str],
    yticklabels: list[str],
) -> None:
    """Cells as a colour mesh with white gaps, a colour bar and labels at the cell centres.

    The drawing of ``seaborn.heatmap`` (without its annotations, which
    :func:`_annotate_cells` writes, and without the trial draw it makes to see whether tick
    labels overlap: the labels are rotated here anyway): masked and missing cells are left
    empty, rows run downwards, no spines, a colour bar without outline.
    """
    hidden = np.isnan(values) if mask is None else (np.asarray(mask, dtype=bool) | np.isnan(values))
    mesh = ax.pcolormesh(
        np.ma.masked_where(hidden, values), cmap=cmap, vmin=vmin, vmax=vmax,
        linewidths=0.5, edgecolor="white",
    )  # fmt: skip
    rows, columns = values.shape
    ax.set(xlim=(0, columns), ylim=(0, rows))
    ax.invert_yaxis()
    for spine in ax.spines.values():
        spine.set_visible(False)
    colorbar = ax.get_figure().colorbar(mesh, ax=ax, label=colorbar_label)
    colorbar.outline.set_linewidth(0)
    ax.set_xticks(np.arange(columns) + 0.5, labels=xticklabels)
    ax.set_yticks(np.arange(rows) + 0.5, labels=yticklabels)
    for label in ax.get_yticklabels():
        label.set_verticalalignment("center")


#: WCAG 2 relative luminance below which white text contrasts more than black.
_WHITE_TEXT_BELOW = float(np.sqrt(1.05 * 0.05) - 0.05)


def _relative_luminance(rgb: np.ndarray) -> np.ndarray:
    """WCAG 2 relative luminance of sRGB colours (last axis R, G, B in [0, 1])."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def _annotate_cells(
    ax: Axes, values: np.ndarray, mask: np.ndarray | None, lang: str, decimals: int
) -> None:
    """Write each shown cell's number in black or white, whichever contrasts more."""
    mesh = ax.collections[0]
    luminance = _relative_luminance(mesh.cmap(mesh.norm(values))[..., :3])
    shown = np.isfinite(values) & (True if mask is None else ~mask)
    for r, c in zip(*np.nonzero(shown), strict=True):  # cells of one table
        text = ax.text(
            c + 0.5, r + 0.5, format_number(values[r, c], lang, decimals), ha="center",
            va="center", fontsize="x-small",
            color="white" if luminance[r, c] < _WHITE_TEXT_BELOW else "black",
        )  # fmt: skip
        # inside its cell, so it never widens the Axes' margins: the layout need not measure
        # it (a 12-item map has 144 of them, most of the layout's time)
        text.set_in_layout(False)


# ----------------------------------------------------------------------------------------------
# Alt text
# ----------------------------------------------------------------------------------------------
def _join(parts: Sequence[str], lang: str) -> str:
    """ "a, b och c" / "a, b and c"."""
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {t('word.and', lang)} {parts[-1]}"


def _value_text(x: float, lang: str, percent: bool, decimals: int) -> str:
    return format_pct(x, lang, decimals) if percent else format_number(x, lang, decimals)


def _organisations(n: int, lang: str) -> str:
    return t("unit.organisation_singular" if n == 1 else "unit.organisation_plural", lang)


def _target_text(target: float, target_label: str | None, lang: str) -> str:
    """The target's name in the legend and the alt text: "Mål 55 %" unless given."""
    if target_label:
        return str(target_label)
    return t("figure.target", lang, target=format_set_pct(target, lang))


def alt_text_quadrant_map(
    types_df: pd.DataFrame,
    lang: str = "sv",
    cut: float = 50.0,
    label_col: str | None = None,
    *,
    highlight: Any = None,
) -> str:
    """Alt text of :func:`quadrant_map`: the organisations drawn, per type, and the highlight.

    Parameters are those of :func:`quadrant_map` (same rows: reportable and placeable). The
    highlighted organisation is described only when it is drawn (reportable), and named only
    with ``label_col``.

    Returns
    -------
    str
        E.g. "Punktdiagram över 149 organisationer … delade vid 50 % i fyra mognadstyper:
        Typ A 30 (20,1 %), … och Typ D 52 (34,9 %)." Shares are of the organisations drawn.

    Examples
    --------
    >>> df = pd.DataFrame({"organisation_id": ["o1", "o2"], "capability_pct": [40.0, 62.0],
    ...                    "legacy_pct": [35.0, 70.0], "maturity_type": ["A", "D"],
    ...                    "n_respondents": [12, 30], "reportable": [True, True]})
    >>> alt_text_quadrant_map(df, "en").split(": ", 1)[1]
    'Type A 1 (50.0%) and Type D 1 (50.0%).'
    """
    lang = check_lang(lang)
    drawn, coordinates = _quadrant_rows(types_df, cut, label_col)
    n = len(drawn)
    if n == 0:
        return t("figure.alt.empty", lang)
    types = drawn["maturity_type"].astype(str).to_numpy()
    parts = [
        t(
            "figure.alt.count_share",
            lang,
            label=t(f"maturity_type.{letter}", lang),
            count=_count_text((types == letter).sum(), lang),
            share=format_pct(100 * (types == letter).sum() / n, lang, 1),
        )
        for letter in TYPE_LETTERS
        if (types == letter).any()
    ]
    text = t(
        "figure.alt.quadrant_map.lead",
        lang,
        n=_count_text(n, lang),
        organisations=_organisations(n, lang),
        cut=format_set_pct(cut, lang),
        parts=_join(parts, lang),
    )
    chosen = np.flatnonzero(drawn["organisation_id"].eq(highlight).to_numpy())
    if highlight is None or not len(chosen):
        return text
    i = chosen[0]
    fields = {
        "capability": format_pct(coordinates["capability_pct"].iloc[i], lang, 1),
        "legacy": format_pct(coordinates["legacy_pct"].iloc[i], lang, 1),
        "type": t(f"maturity_type.{types[i]}", lang),
    }
    if label_col is None:
        return f"{text} {t('figure.alt.quadrant_map.highlight', lang, **fields)}"
    name = str(drawn[label_col].iloc[i])
    return f"{text} {t('figure.alt.quadrant_map.highlight_named', lang, name=name, **fields)}"


def alt_text_profile_bars(
    df: pd.DataFrame,
    lang: str = "sv",
    label_col: str = "label",
    *,
    group_col: str = "group",
    category_col: str | None = "parent_label",
    estimate_label: str | None = None,
    reference_col: str | None = None,
    reference_label: str | None = None,
    percent: bool = True,
    decimals: int = 1,
) -> str:
    """Alt text of :func:`profile_bars`: how many bars, the headings, highest and lowest.

    Parameters are those of :func:`profile_bars`, plus ``percent`` (format values as
    percentages, default True) and ``decimals``. The unit word comes from a ``level``
    column when it holds one of dimension/category/capability ("6 kategorier"), else
    "resultat" / "scores". Per group (or for ``estimate_label``) the highest and the lowest
    bar are named (the first in display order on a tie); with a reference, the number of
    bars above it.

    Examples
    --------
    >>> df = pd.DataFrame({"label": ["Effektivitet", "Teknik"], "level": "category",
    ...                    "estimate": [61.23, 44.0], "ci_low": [59.0, 42.0],
    ...                    "ci_high": [63.0, 46.0]})
    >>> alt_text_profile_bars(df, "sv")  # doctest: +NORMALIZE_WHITESPACE
    'Liggande stapeldiagram över 2 kategorier med konfidensintervall. Högst Effektivitet
    61,2\xa0%, lägst Teknik 44,0\xa0%.'
    """
    lang = check_lang(lang)
    layout = _profile_layout(df, label_col, group_col, category_col, reference_col, "instrument")
    levels = set(df["level"].astype(str)) if "level" in df.columns else set()
    unit = levels.pop() if len(levels) == 1 else "bar"
    unit = unit if unit in ("dimension", "category", "capability") else "bar"
    n = len(layout.labels)
    sentences = [
        t(
            "figure.alt.profile_bars.lead",
            lang,
            n=_count_text(n, lang),
            units=t(f"figure.alt.units.{unit}", lang),
        )
    ]
    if layout.headings:
        names = [name for _, name in layout.headings]
        sentences.append(
            t(
                "figure.alt.profile_bars.headings",
                lang,
                k=_count_text(len(names), lang),
                names=_join(names, lang),
            )
        )
    sentences += _profile_extremes(df[label_col], layout, group_col, estimate_label, lang,
                                   percent, decimals)  # fmt: skip
    if reference_col:
        estimate = layout.values["estimate"].to_numpy()
        reference = layout.values[reference_col].to_numpy()
        valid = np.isfinite(estimate) & np.isfinite(reference) & (layout.slot >= 0)
        sentences.append(
            t(
                "figure.alt.profile_bars.reference",
                lang,
                reference=reference_label or t("legend.peer_mean", lang),
                above=_count_text((estimate[valid] > reference[valid]).sum(), lang),
                n=_count_text(valid.sum(), lang),
            )
        )
    return " ".join(sentences)


def _profile_extremes(
    labels: pd.Series,
    layout: _ProfileLayout,
    group_col: str,
    estimate_label: str | None,
    lang: str,
    percent: bool,
    decimals: int,
) -> list[str]:
    """One sentence per group with data: its highest and lowest bar."""
    estimate = layout.values["estimate"].to_numpy()
    labels = labels.astype(str).to_numpy()
    sentences = []
    for i, group in enumerate(layout.groups):  # a handful of groups
        rows = np.flatnonzero((layout.slot == i) & np.isfinite(estimate))
        if not len(rows):
            continue
        rows = rows[np.argsort(layout.position[rows], kind="stable")]  # display order
        high, low = rows[np.argmax(estimate[rows])], rows[np.argmin(estimate[rows])]
        fields = {
            "high_label": labels[high],
            "high": _value_text(estimate[high], lang, percent, decimals),
            "low_label": labels[low],
            "low": _value_text(estimate[low], lang, percent, decimals),
        }
        name = _value_label(group_col, group, lang) if layout.grouped else estimate_label
        if name is None:
            sentences.append(t("figure.alt.profile_bars.extremes", lang, **fields))
        else:
            sentences.append(
                t("figure.alt.profile_bars.extremes_named", lang, name=str(name), **fields)
            )
    return sentences


def alt_text_distribution_by_group(
    df: pd.DataFrame,
    value_col: str = "score_pct",
    group_col: str = "maturity_type",
    lang: str = "sv",
    *,
    order: Sequence[Any] | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    percent: bool = True,
    decimals: int = 1,
) -> str:
    """Alt text of :func:`distribution_by_group`: the axes, and each group's median and n.

    Parameters are those of :func:`distribution_by_group` (same rows: reportable, with a
    value and a group), plus ``percent`` and ``decimals`` of the medians.

    Examples
    --------
    >>> df = pd.DataFrame({"type": ["kommun", "kommun", "region"],
    ...                    "score_pct": [50.0, 60.0, 55.0]})
    >>> alt_text_distribution_by_group(df, group_col="type", lang="en").split(". ")[1]
    'Medians: Municipalities 55.0% (n = 2) and Regions 55.0% (n = 1).'
    """
    lang = check_lang(lang)
    groups, codes, values = _distribution_groups(df, value_col, group_col, order)
    if not groups:
        return t("figure.alt.empty", lang)
    parts = [
        t(
            "figure.alt.distribution_by_group.part",
            lang,
            group=_value_label(group_col, group, lang),
            median=_value_text(float(np.median(values[codes == i])), lang, percent, decimals),
            n=_count_text((codes == i).sum(), lang),
        )
        for i, group in enumerate(groups)
    ]
    lead = t(
        "figure.alt.distribution_by_group.lead",
        lang,
        group_axis=_axis_text(group_col, xlabel, lang),
        value_axis=_axis_text(value_col, ylabel, lang),
    )
    return f"{lead} {t('figure.alt.distribution_by_group.medians', lang, parts=_join(parts, lang))}"


def alt_text_trend_lines(
    df: pd.DataFrame,
    lang: str = "sv",
    group_col: str | None = None,
    *,
    target: float | None = None,
    target_label: str | None = None,
    subject: str | None = None,
    percent: bool = True,
    decimals: int = 1,
) -> str:
    """Alt text of :func:`trend_lines`: the years, each series' first and last value, target.

    Parameters are those of :func:`trend_lines`, plus ``subject`` (the name of a single,
    ungrouped series; default "Indexet" / "The index"), ``percent`` and ``decimals``.

    Examples
    --------
    >>> df = pd.DataFrame({"year": [2019, 2023], "estimate": [48.76, 54.55],
    ...                    "ci_low": [47.0, 53.0], "ci_high": [50.0, 56.0]})
    >>> alt_text_trend_lines(df, "en", target=55, subject="The national index")
    'Line chart of the years 2019–2023 with confidence intervals. The national index: from 48.8% (2019) to 54.6% (2023). Dashed line: Target 55%.'
    """  # noqa: E501
    lang = check_lang(lang)
    values, groups = _trend_groups(df, group_col)
    valid = values["estimate"].notna().to_numpy()
    if not valid.any():
        return t("figure.alt.empty", lang)
    years = values.loc[valid, "year"]
    sentences = [
        t(
            "figure.alt.trend_lines.lead",
            lang,
            first=str(int(years.min())),
            last=str(int(years.max())),
        )
    ]
    series = []
    for group in groups:  # a handful of groups
        in_group = df[group_col].eq(group).to_numpy() if group_col else True
        rows = values[valid & in_group].sort_values("year")
        name = (
            _value_label(group_col, group, lang)
            if group_col
            else (subject or t("figure.alt.trend_lines.index", lang))
        )
        start, end = rows.iloc[0], rows.iloc[-1]
        if len(rows) == 1:  # one round: a single value, not a "from … to …"
            value = _value_text(start["estimate"], lang, percent, decimals)
            series.append(
                t("figure.alt.trend_lines.single_year", lang, series=name, value=value,
                  year=str(int(start["year"])))
            )  # fmt: skip
            continue
        series.append(
            t(
                "figure.alt.trend_lines.series",
                lang,
                series=name,
                start=_value_text(start["estimate"], lang, percent, decimals),
                first=str(int(start["year"])),
                end=_value_text(end["estimate"], lang, percent, decimals),
                last=str(int(end["year"])),
            )
        )
    sentences.append("; ".join(series) + ".")
    if target is not None:
        target_text = _target_text(target, target_label, lang)
        sentences.append(t("figure.alt.trend_lines.target", lang, target=target_text))
    return " ".join(sentences)


def alt_text_slopegraph(
    panel_df: pd.DataFrame,
    lang: str = "sv",
    *,
    baseline_year: int | None = None,
    follow_up_year: int | None = None,
    decimals: int = 1,
) -> str:
    """Alt text of :func:`slopegraph`: how many improved, declined, stayed; the mean change.

    Same rows as :func:`slopegraph` (reportable, both scores); no organisation is named.
    The mean change is ``mean(follow_up − baseline)`` in percentage points; a change that
    rounds to zero at ``decimals`` counts as unchanged, as in the figure.

    Examples
    --------
    >>> df = pd.DataFrame({"organisation_id": ["a", "b"], "baseline": [40.0, 50.0],
    ...                    "follow_up": [45.0, 49.0]})
    >>> alt_text_slopegraph(df, "en", baseline_year=2021, follow_up_year=2023)
    ... # doctest: +NORMALIZE_WHITESPACE
    'Slope chart with one line per organisation for 2 organisations, from 2021 to 2023: 1
    improved, 1 declined and 0 were unchanged; mean change +2.0 percentage points.'
    """
    lang = check_lang(lang)
    _, before, after, direction = _slope_rows(panel_df, None, decimals)
    if not len(before):
        return t("figure.alt.empty", lang)
    return t(
        "figure.alt.slopegraph.lead",
        lang,
        n=_count_text(len(before), lang),
        organisations=_organisations(len(before), lang),
        baseline=t("figure.alt.slopegraph.baseline", lang)
        if baseline_year is None
        else str(int(baseline_year)),
        follow_up=t("figure.alt.slopegraph.follow_up", lang)
        if follow_up_year is None
        else str(int(follow_up_year)),
        improved=_count_text((direction > 0).sum(), lang),
        declined=_count_text((direction < 0).sum(), lang),
        unchanged=_count_text((direction == 0).sum(), lang),
        change=format_pp(float(np.mean(after - before)), lang, decimals),
    )


def alt_text_heatmap(
    matrix_df: pd.DataFrame,
    lang: str = "sv",
    *,
    decimals: int = 1,
    center: float | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    percent: bool = True,
) -> str:
    """Alt text of :func:`heatmap`: its size, the highest and lowest cell, the centre.

    Parameters are those of :func:`heatmap`, plus ``percent``. With ``center`` it says how
    many cells lie above the centre; empty cells are counted.

    Examples
    --------
    >>> m = pd.DataFrame([[40.0, 60.0]], index=pd.Index(["Moln"], name="capability_id"),
    ...                  columns=pd.Index(["kommun", "region"], name="organisation_type"))
    >>> alt_text_heatmap(m, "sv").split(". ")[1]  # doctest: +NORMALIZE_WHITESPACE
    'Högst 60,0\xa0% (Moln, Regioner), lägst 40,0\xa0% (Moln, Kommuner).'
    """
    lang = check_lang(lang)
    values = _heatmap_data(matrix_df).to_numpy()
    finite = np.isfinite(values)
    if not finite.any():
        return t("figure.alt.empty", lang)
    filled = np.where(finite, values, np.nan)
    high = np.unravel_index(np.nanargmax(filled), values.shape)
    low = np.unravel_index(np.nanargmin(filled), values.shape)
    row_names = [_value_label(matrix_df.index.name, i, lang) for i in matrix_df.index]
    column_names = [_value_label(matrix_df.columns.name, c, lang) for c in matrix_df.columns]
    sentences = [
        t(
            "figure.alt.heatmap.lead",
            lang,
            rows=_count_text(values.shape[0], lang),
            row_axis=_axis_label(matrix_df.index.name, lang) if ylabel is None else ylabel,
            columns=_count_text(values.shape[1], lang),
            column_axis=_axis_label(matrix_df.columns.name, lang) if xlabel is None else xlabel,
            high=_value_text(values[high], lang, percent, decimals),
            high_row=row_names[high[0]],
            high_column=column_names[high[1]],
            low=_value_text(values[low], lang, percent, decimals),
            low_row=row_names[low[0]],
            low_column=column_names[low[1]],
        )
    ]
    if center is not None:
        sentences.append(
            t(
                "figure.alt.heatmap.center",
                lang,
                center=_value_text(center, lang, percent, decimals),
                above=_count_text((values[finite] > center).sum(), lang),
                cells=_count_text(finite.sum(), lang),
            )
        )
    if not finite.all():
        empty = _count_text((~finite).sum(), lang)
        sentences.append(t("figure.alt.heatmap.empty", lang, empty=empty))
    return " ".join(sentences)


def alt_text_correlation_heatmap(
    corr_df: pd.DataFrame, lang: str = "sv", *, decimals: int = 2
) -> str:
    """Alt text of :func:`correlation_heatmap`: range and median of the pairs, the strongest.

    Over the distinct pairs (below the diagonal) with a value; the strongest pair is the one
    with the largest absolute correlation (the first in row order on a tie).

    Examples
    --------
    >>> c = pd.DataFrame([[1.0, 0.3, 0.5], [0.3, 1.0, -0.2], [0.5, -0.2, 1.0]],
    ...                  index=list("abc"), columns=list("abc"))
    >>> alt_text_correlation_heatmap(c, "en")  # doctest: +NORMALIZE_WHITESPACE
    'Correlation matrix of 3 items (3 pairs): the correlations range from -0.20 to 0.50,
    median 0.30. Strongest association: a and c (0.50).'
    """
    lang = check_lang(lang)
    data = _correlation_data(corr_df)
    rows, columns = np.tril_indices(len(data), k=-1)
    pairs = data.to_numpy()[rows, columns]
    valid = np.isfinite(pairs)
    if not valid.any():
        return t("figure.alt.empty", lang)
    rows, columns, pairs = rows[valid], columns[valid], pairs[valid]
    strongest = int(np.argmax(np.abs(pairs)))
    labels = [_value_label(data.index.name, label, lang) for label in data.index]
    return t(
        "figure.alt.correlation_heatmap.lead",
        lang,
        k=_count_text(len(data), lang),
        pairs=_count_text(len(pairs), lang),
        low=format_number(pairs.min(), lang, decimals),
        high=format_number(pairs.max(), lang, decimals),
        median=format_number(float(np.median(pairs)), lang, decimals),
        first=labels[columns[strongest]],
        second=labels[rows[strongest]],
        strongest=format_number(pairs[strongest], lang, decimals),
    )


def event_time_effects(
    df: pd.DataFrame,
    lang: str = "sv",
    *,
    band: bool = True,
    title: str | None = None,
    figsize: tuple[float, float] = (6.0, 4.0),
    ax: Axes | None = None,
) -> Figure:
    """Effect by years since programme start with pointwise intervals and a uniform band.

    ``df`` has ``event_time, att, ci_low, ci_high`` and, for the band, ``band_low,
    band_high`` (:attr:`dimios_research.stats.did.StaggeredDidResult.event_time`). Years
    before the start (negative event time) test for earlier differences; zero is marked.

    Examples
    --------
    >>> df = pd.DataFrame({"event_time": [-1, 0, 1], "att": [0.1, 2.0, 2.5],
    ...                    "ci_low": [-1.0, 1.0, 1.2], "ci_high": [1.2, 3.0, 3.8]})
    >>> fig = event_time_effects(df, "en", band=False, title="")
    >>> fig.axes[0].get_xlabel()
    'Years since programme start'
    """
    lang = check_lang(lang)
    require_columns(df, ["event_time", "att", "ci_low", "ci_high"], "df")
    data = _numeric(df, ["event_time", "att", "ci_low", "ci_high"], "df").dropna(
        subset=["event_time", "att"]
    )
    with theme():
        fig, ax, owned = _new_axes(ax, figsize)
        x = data["event_time"].to_numpy()
        if band and {"band_low", "band_high"} <= set(df.columns):
            ax.fill_between(x, df.loc[data.index, "band_low"], df.loc[data.index, "band_high"],
                            color=_SINGLE_COLOUR, alpha=0.15, linewidth=0,
                            label=t("legend.uniform_band", lang))  # fmt: skip
        ax.errorbar(
            x,
            data["att"],
            yerr=[data["att"] - data["ci_low"], data["ci_high"] - data["att"]],
            fmt="o",
            color=_SINGLE_COLOUR,
            capsize=3,
            label=t("legend.effect", lang),
        )
        ax.axhline(0, color="#606060", linewidth=1)
        ax.axvline(-0.5, color="#909090", linewidth=1, linestyle=":")
        _whole_years(ax)
        ax.set_xlabel(t("axis.event_time", lang))
        ax.set_ylabel(t("axis.effect_pp", lang))
        _legend_outside(ax, owned)
        _title(ax, title, "title.event_time_effects", lang)
        _localise_ticks(ax, lang)
    return fig


def alt_text_event_time_effects(df: pd.DataFrame, lang: str = "sv", *, band: bool = True) -> str:
    """Alt text of :func:`event_time_effects`: effects before and after the start."""
    lang = check_lang(lang)
    data = _numeric(df, ["event_time", "att"], "df").dropna()
    if data.empty:
        return t("figure.alt.empty", lang)
    before, after = data[data["event_time"] < 0], data[data["event_time"] >= 0]

    def span(part):  # noqa: E306 - a one-line helper for the two ranges
        return (format_number(part["att"].min(), lang, 1, signed=True),
                format_number(part["att"].max(), lang, 1, signed=True))  # fmt: skip

    low_b, high_b = span(before) if len(before) else ("–", "–")
    low_a, high_a = span(after) if len(after) else ("–", "–")
    return t(
        "figure.alt.event_time_effects.lead", lang, n=len(data),
        first=int(data["event_time"].min()), last=int(data["event_time"].max()),
        low_before=low_b, high_before=high_b, low_after=low_a, high_after=high_a,
    )  # fmt: skip


def scatter_relation(
    df: pd.DataFrame,
    x: str,
    y: str,
    lang: str = "sv",
    *,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = (5.6, 4.6),
    ax: Axes | None = None,
) -> Figure:
    """Scatter plot of two scores of the same organisations with a least-squares line.

    Rows without ``reportable=True`` (when the column exists) and rows missing either value
    are left out; points carry no labels, so no organisation is named.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [40.0, 50.0, 60.0], "b": [35.0, 55.0, 58.0]})
    >>> fig = scatter_relation(df, "a", "b", "en", xlabel="A", ylabel="B", title="")
    >>> fig.axes[0].get_xlabel()
    'A'
    """
    lang = check_lang(lang)
    require_columns(df, [x, y], "df")
    data = _scatter_rows(df, x, y)
    with theme():
        fig, ax, _ = _new_axes(ax, figsize)
        ax.scatter(data[x], data[y], s=28, color=_SINGLE_COLOUR, alpha=0.8,
                   edgecolors="white", linewidths=0.5, zorder=3)  # fmt: skip
        if len(data) >= 2 and data[x].nunique() > 1:
            slope, intercept = np.polyfit(data[x], data[y], 1)
            xs = np.array([data[x].min(), data[x].max()])
            ax.plot(xs, intercept + slope * xs, color="#404040", linewidth=1.2, zorder=2)
        ax.set_xlabel(_plain(xlabel) if xlabel is not None else _axis_label(x, lang))
        ax.set_ylabel(_plain(ylabel) if ylabel is not None else _axis_label(y, lang))
        _title(ax, title, "title.scatter_relation", lang)
        _localise_ticks(ax, lang)
    return fig


def _scatter_rows(df: pd.DataFrame, x: str, y: str) -> pd.DataFrame:
    """The points of a scatter plot: reportable rows (when marked) with both values."""
    return _numeric(_reportable_rows(df, required=False, name="df"), [x, y], "df").dropna()


def alt_text_scatter_relation(
    df: pd.DataFrame,
    x: str,
    y: str,
    lang: str = "sv",
    *,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> str:
    """Alt text of :func:`scatter_relation`: the number of points and their correlation."""
    lang = check_lang(lang)
    data = _scatter_rows(df, x, y)
    if len(data) < 2:
        return t("figure.alt.empty", lang)
    r = float(np.corrcoef(data[x], data[y])[0, 1])
    return t(
        "figure.alt.scatter_relation.lead", lang, n=_count_text(len(data), lang),
        x=xlabel if xlabel is not None else _axis_label(x, lang),
        y=ylabel if ylabel is not None else _axis_label(y, lang),
        r=format_number(r, lang, 2),
    )  # fmt: skip


#: The alt-text builder of each public figure function, by the function's name.
ALT_TEXT_BUILDERS = {
    "scatter_relation": alt_text_scatter_relation,
    "event_time_effects": alt_text_event_time_effects,
    "quadrant_map": alt_text_quadrant_map,
    "profile_bars": alt_text_profile_bars,
    "distribution_by_group": alt_text_distribution_by_group,
    "trend_lines": alt_text_trend_lines,
    "slopegraph": alt_text_slopegraph,
    "heatmap": alt_text_heatmap,
    "correlation_heatmap": alt_text_correlation_heatmap,
}
#: Figure arguments that change only the drawing; :func:`alt_text` drops them when the
#: builder does not take them, so a caller can pass one set of arguments to both.
_DRAWING_ONLY = frozenset(
    {"ax", "figsize", "title", "xlim", "ylim", "seed", "jitter", "cmap", "vmin", "vmax",
     "colorbar_label", "mask_upper", "sort", "interval", "label_col", "xlabel", "ylabel",
     "reference_label"}
)  # fmt: skip


def alt_text(figure: str, *args: Any, **kwargs: Any) -> str:
    """Alt text of a figure: dispatch to ``alt_text_<figure>`` with the figure's arguments.

    Parameters
    ----------
    figure : str
        Name of the figure function, a key of :data:`ALT_TEXT_BUILDERS`.
    *args, **kwargs
        The arguments given to the figure function (data, language, options). Drawing-only
        options the builder does not take (``title``, ``figsize``, ``ax``, ``cmap`` …) are
        dropped; any other unknown argument raises ``TypeError``.

    Returns
    -------
    str
        A description of what the figure shows, built from its data, in the figure's
        language.

    Examples
    --------
    >>> df = pd.DataFrame({"year": [2022, 2023], "estimate": [50.0, 52.0],
    ...                    "ci_low": [49.0, 51.0], "ci_high": [51.0, 53.0]})
    >>> kwargs = {"target": 55, "title": ""}
    >>> fig = trend_lines(df, "sv", **kwargs)
    >>> alt_text("trend_lines", df, "sv", **kwargs).endswith("Streckad linje: Mål 55\xa0%.")
    True
    """
    if figure not in ALT_TEXT_BUILDERS:
        raise ValueError(f"figure must be one of {sorted(ALT_TEXT_BUILDERS)}, got {figure!r}")
    builder = ALT_TEXT_BUILDERS[figure]
    accepted = inspect.signature(builder).parameters
    kwargs = {k: v for k, v in kwargs.items() if k in accepted or k not in _DRAWING_ONLY}
    return builder(*args, **kwargs)


# ----------------------------------------------------------------------------------------------
# Saving
# ----------------------------------------------------------------------------------------------
#: savefig metadata that removes the software version and the date from each format.
_METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
}


def save_figure(
    fig: Figure,
    path_without_suffix: str | os.PathLike[str],
    formats: Sequence[str] = ("png", "svg"),
    dpi: int = 150,
    *,
    close: bool = False,
) -> list[Path]:
    """Write a figure to one file per format, byte-for-byte reproducibly.

    Parameters
    ----------
    fig : Figure
        The figure to save.
    path_without_suffix : str or path
        Target path without extension; ``.png``, ``.svg`` … are appended (so a name with dots,
        like ``profile_2023.v1``, is kept whole). Parent directories are created.
    formats : sequence of {"png", "svg", "pdf"}, default ("png", "svg")
        File formats, written in this order.
    dpi : int, default 150
        Resolution of raster formats.
    close : bool, default False
        Close the figure afterwards (``pyplot.close``, needed only for figures created with
        pyplot). Nothing is closed unless asked.

    Returns
    -------
    list of Path
        The written files, in the order of ``formats``.

    Notes
    -----
    Reproducibility: PNG is written without the ``Software`` text chunk; SVG without
    ``dc:date`` and the creator tag (which carries the matplotlib version), with text as text
    and ids derived from the fixed salt :data:`SVG_HASHSALT`; PDF without creator,
    producer and creation date. Before writing, the layout (constrained layout) is computed
    once from a canonical start at the figure's own dpi (see :func:`_settle_layout`) and the
    Axes positions are rounded to 1e-6 of the figure, then frozen while the formats are
    written (the figure has no layout engine meanwhile, so each format is drawn once; the
    engine is restored afterwards): every
    format gets the same geometry and the bytes do not depend on earlier draws, such as a
    notebook preview or a previous save at another dpi. Each file is first rendered in memory
    and then moved into place atomically, so a reader never sees a half-written figure.

    Examples
    --------
    >>> import tempfile
    >>> fig = Figure(figsize=(2, 2))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = save_figure(fig, Path(folder) / "empty")
    >>> [p.suffix for p in paths]
    ['.png', '.svg']
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if isinstance(formats, str):
        formats = (formats,)
    unknown = [f for f in formats if f not in _METADATA]
    if unknown or not formats:
        raise ValueError(
            f"formats must be a non-empty subset of {list(_METADATA)}, got {formats!r}"
        )
    if isinstance(dpi, bool) or not isinstance(dpi, (int, np.integer)) or dpi <= 0:
        raise ValueError(f"dpi must be a positive integer, got {dpi!r}")
    base = Path(path_without_suffix)
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    svg_rc = theme_rc()
    rc = {key: svg_rc[key] for key in ("svg.hashsalt", "svg.fonttype")}
    engine = fig.get_layout_engine()
    # The layout is frozen while writing, so that every format gets the same geometry and
    # saving does not move anything that the next save would see. No engine at all (rather
    # than matplotlib's "none" placeholder), because with any engine savefig draws the whole
    # figure once more, unseen, before the draw it writes: half of the saving time.
    rc.update({"figure.autolayout": False, "figure.constrained_layout.use": False})
    with mpl.rc_context(rc):
        _settle_layout(fig)
        fig.set_layout_engine(None)
        try:
            for fmt in formats:
                buffer = io.BytesIO()
                fig.savefig(buffer, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
                payload = buffer.getvalue()
                target = base.with_name(f"{base.name}.{fmt}")
                _write_atomically(target, compact_svg(payload) if fmt == "svg" else payload)
                written.append(target)
        finally:
            fig.set_layout_engine(engine)
    if close:
        import matplotlib.pyplot as plt  # only here: the module itself never needs pyplot

        plt.close(fig)
    return written


#: Coordinates rewritten by :func:`compact_svg`: path data, positions, sizes, translations.
_SVG_COORDINATES = re.compile(
    rb'( (?:d|x|y|width|height|x1|x2|y1|y2)=")([^"]*)(")|((?:translate|rotate)\()([^)]*)(\))'
)
_SVG_LONG_DECIMAL = re.compile(rb"-?\d+\.\d{3,}")


def _two_decimals(match: re.Match) -> bytes:
    text = f"{float(match.group(0)):.2f}".rstrip("0").rstrip(".")
    return b"0" if text in ("-0", "") else text.encode()


def _round_coordinates(match: re.Match) -> bytes:
    head, body, tail = (match.group(1), match.group(2), match.group(3)) if match.group(1) else (
        match.group(4), match.group(5), match.group(6)
    )  # fmt: skip
    return head + _SVG_LONG_DECIMAL.sub(_two_decimals, body) + tail


#: Parts of matplotlib's SVG that draw nothing: the XML declaration (UTF-8 is the default),
#: the document type, the RDF metadata block and the comments repeating each drawn text.
_SVG_NOT_DRAWN = re.compile(
    rb"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<metadata>.*?</metadata>|<!--.*?-->", re.S
)


def compact_svg(svg: bytes) -> bytes:
    """matplotlib's SVG without what draws nothing and with coordinates to 1/100 point.

    matplotlib writes every coordinate with six decimals, indents each element on its own
    line, and adds a declaration, a document type, metadata and a comment with every text.
    Coordinates (path data, positions, sizes, translations and rotation centres, in points;
    the angles too, which matplotlib writes as whole degrees or close) are rounded to two
    decimals, a hundredth of a point, far below what a screen or a printer resolves; scale
    factors (font sizes) and colours are left alone. Line breaks and indentation become
    single spaces, which SVG treats alike, and :data:`_SVG_NOT_DRAWN` goes; a style used more
    than once becomes one class rule (:func:`_styles_to_classes`). A figure's SVG shrinks to
    about half (the three figures of an organisation profile: 0.50–0.57 of matplotlib's
    bytes) and is embedded in the HTML and the PDF as it is written.

    Examples
    --------
    >>> compact_svg(b'<!-- a -->\\n<svg>\\n  <path d="M 10.123456 3.5 \\nL 2 0.004999"/>\\n</svg>')
    b'<svg><path d="M 10.12 3.5 L 2 0"/></svg>'
    """
    text = _SVG_NOT_DRAWN.sub(b"", svg)
    text = re.sub(rb"\s*\n\s*", b" ", text).replace(b"> <", b"><").strip()
    return _styles_to_classes(_SVG_COORDINATES.sub(_round_coordinates, text))


_SVG_STYLE = re.compile(rb' style="([^"]*)"')


def _styles_to_classes(svg: bytes) -> bytes:
    """Write each style used more than once as one class rule in the SVG's style sheet.

    matplotlib repeats the whole style on every element (the font stack on every text, the
    colours on every marker); a class rule says the same once. The classes are numbered in
    order of first use, so the bytes depend only on the figure. A class rule outranks the
    universal rule matplotlib writes and presentation attributes, as the style attribute
    did, and nothing else sets these properties: the figure draws the same.

    Examples
    --------
    >>> _styles_to_classes(b'<svg><style>*{a: b}</style><g style="c: d"/><g style="c: d"/></svg>')
    b'<svg><style>*{a: b}.s0{c: d}</style><g class="s0"/><g class="s0"/></svg>'
    """
    counts: dict[bytes, int] = {}
    for style in _SVG_STYLE.findall(svg):
        counts[style] = counts.get(style, 0) + 1
    names = {style: b"s%d" % i for i, style in enumerate(s for s, n in counts.items() if n > 1)}
    if not names:
        return svg
    rules = b"".join(b".%s{%s}" % (name, style) for style, name in names.items())
    text = _SVG_STYLE.sub(
        lambda m: b' class="%s"' % names[m.group(1)] if m.group(1) in names else m.group(0), svg
    )
    end = text.find(b"</style>")
    if end < 0:  # no style sheet yet: add one at the top
        end = text.index(b">") + 1
        rules = b'<defs><style type="text/css">' + rules + b"</style></defs>"
    return text[:end] + rules + text[end:]


def _settle_layout(fig: Figure, decimals: int = 6) -> None:
    """Run the figure's layout engine once from a canonical start, then snap the Axes.

    Constrained layout measures text from the current positions, so its result depends on
    what was drawn before (a save at another dpi, a notebook preview). Every Axes placed by
    a grid (a subplot) is therefore put back where its grid puts it before any layout, which
    is where a fresh figure has it, and the engine runs once at the figure's own dpi (a
    second time when the figure has Axes outside a grid, such as colour bars, so that they
    settle too). Rounding every Axes position to ``decimals`` (figure fraction; 1e-6 is far
    below a pixel) then removes the last bits of float noise, which matter because SVG clip
    ids are hashes of the clip rectangle: same figure, same geometry, same bytes, whatever
    its history. One pass moves nothing by more than a fraction of a point compared with
    iterating to convergence.
    """
    engine = fig.get_layout_engine()
    if engine is None:
        return
    outside_grid = False
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        if spec is None:
            outside_grid = True
            continue
        in_layout = ax.get_in_layout()
        ax.set_position(spec.get_position(fig))
        ax.set_in_layout(in_layout)  # set_position takes the Axes out of the layout
    for _ in range(2 if outside_grid else 1):
        engine.execute(fig)
    for ax in fig.axes:
        in_layout = ax.get_in_layout()
        ax.set_position(np.round(ax.get_position(original=True).bounds, decimals))
        ax.set_in_layout(in_layout)


def _write_atomically(target: Path, payload: bytes) -> None:
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        # mkstemp makes the file private; a figure is published like the HTML beside it
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
