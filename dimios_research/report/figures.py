"""Figures for DiMiOS reports: one theme, bilingual labels, deterministic files.

Every plot function takes tidy results from the statistics modules, draws one
:class:`matplotlib.figure.Figure` and returns it. The functions

- take ``lang`` (``"sv"`` or ``"en"``): axis labels, titles, legend names and type names come
  from ``instruments/locale.yaml`` through :func:`dimios_research.text.t`, and tick labels use
  the language's decimal mark (decimal comma in Swedish);
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
diamond. Other groups (organisation types, size classes) take the palette in sorted order.
Continuous heatmaps use ``cividis`` (designed for colour-vision deficiency); correlations use
the diverging ``RdBu_r`` on [-1, 1].

Privacy
-------
Functions whose rows are organisations (:func:`quadrant_map`, :func:`distribution_by_group`,
:func:`slopegraph`) draw only rows whose ``reportable`` column is True (required for the
quadrant map, honoured when present elsewhere): an organisation below the reporting threshold
is neither drawn nor labelled. Missing values of ``reportable`` count as not reportable.

Deterministic files
-------------------
:func:`save_figure` writes PNG and SVG whose bytes depend only on the figure: no software
version, no date, fixed SVG ids (``svg.hashsalt``), glyphs embedded as paths from the DejaVu
Sans font bundled with matplotlib (so the result does not depend on the fonts installed).

References
----------
Okabe, M. & Ito, K. (2008). *Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people*. https://jfly.uni-koeln.de/color/
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from ..conventions import TYPE_LETTERS, check_lang, require_columns
from ..instrument.maturity_types import QUADRANTS
from .locale import t
from .numbers import format_number, format_pct

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
    "save_figure",
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
def theme_rc() -> dict[str, Any]:
    """The matplotlib rcParams of the package theme.

    Returns
    -------
    dict
        seaborn's ``whitegrid`` style and ``notebook`` context, the DejaVu Sans font, the
        Okabe–Ito colour cycle, the ``cividis`` colour map and the settings that make saved
        files deterministic (``svg.hashsalt``, ``svg.fonttype="path"``).
    """
    rc: dict[str, Any] = {}
    rc.update(sns.axes_style("whitegrid"))
    rc.update(sns.plotting_context("notebook", font_scale=0.85))
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
            "svg.fonttype": "path",
            "svg.hashsalt": SVG_HASHSALT,
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


def _axis_label(name: Any, lang: str) -> str:
    """Locale label ``axis.<name>`` when defined, else the name itself ('' for None)."""
    if name is None:
        return ""
    return t(f"axis.{name}", lang, default=str(name))


#: Register columns whose values are labelled under another locale group.
_VALUE_LABEL_GROUP = {"type": "organisation_type"}


def _value_label(group_col: Any, value: Any, lang: str) -> str:
    """Locale label ``<group>.<value>`` (maturity_type.A → "Typ A") when defined, else value."""
    group = _VALUE_LABEL_GROUP.get(group_col, group_col)
    return t(f"{group}.{value}", lang, default=str(value))


def _title(ax: Axes, title: str | None, default_key: str, lang: str) -> None:
    """None → the locale default title; "" → no title."""
    text = t(default_key, lang) if title is None else title
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
                    text, (xi, yi), xytext=(4, 4), textcoords="offset points",
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
        labels.append(format_number(n, lang, 0))


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
        e.g. this organisation vs. all) and a reference column.
    lang : {"sv", "en"}
        Language of labels.
    label_col : str, default "label"
        Column with the bar labels, drawn top to bottom in order of first appearance.
    group_col : str, default "group"
        Column defining grouped bars; ignored when absent. Group values are shown through the
        locale (``<group_col>.<value>``) when a string is defined, else as they are.
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
        Default: 6.4 inches wide, 0.35 inch per bar row plus margins.
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
    estimate; missing bounds draw no error bar.
    """
    lang = check_lang(lang)
    extra = [reference_col] if reference_col else []
    require_columns(df, [label_col, "estimate", "ci_low", "ci_high"] + extra, "df")
    values = _numeric(df, ["estimate", "ci_low", "ci_high"] + extra, "df")
    labels = list(dict.fromkeys(df[label_col]))
    grouped = group_col in df.columns
    groups = list(dict.fromkeys(df[group_col])) if grouped else [None]
    keys = [label_col, group_col] if grouped else [label_col]
    if df.duplicated(keys).any():
        raise ValueError(
            f"df has more than one row per {keys}; aggregate first or add '{group_col}'"
        )
    row = pd.Categorical(df[label_col], categories=labels).codes.astype(float)
    slot = pd.Categorical(df[group_col], categories=groups).codes if grouped else np.zeros(len(df))
    height = 0.8 / len(groups)
    # Bars of one label are stacked from the top of the row's band downwards.
    y = row - 0.4 + height * (slot + 0.5)
    estimate = values["estimate"].to_numpy()
    xerr = np.clip(np.vstack([estimate - values["ci_low"], values["ci_high"] - estimate]), 0, None)

    with theme():
        size = figsize or (6.4, 0.35 * len(labels) * max(1, len(groups) / 2) + 1.4)
        fig, ax, owned = _new_axes(ax, size)
        colours = group_colours(groups, group_col) if grouped else {None: _SINGLE_COLOUR}
        for position, group in enumerate(groups):  # a handful of groups
            rows = slot == position
            name = _value_label(group_col, group, lang) if grouped else t("legend.estimate", lang)
            ax.barh(y[rows], estimate[rows], height=height * 0.92, color=colours[group], label=name)
        ax.errorbar(
            estimate, y, xerr=xerr, fmt="none", ecolor="black", elinewidth=1, capsize=2.5, zorder=3
        )
        if reference_col:
            reference = values[reference_col].groupby(row).first()
            ax.scatter(
                reference.to_numpy(),
                reference.index.to_numpy(),
                marker="D",
                s=28,
                c="black",
                edgecolors="white",
                linewidths=0.6,
                zorder=4,
                label=reference_label or t("legend.peer_mean", lang),
            )
        ax.set_yticks(range(len(labels)), [str(label) for label in labels])
        ax.set_ylim(len(labels) - 0.5, -0.5)  # first label on top
        ax.grid(axis="y", visible=False)
        if xlim is not None:
            ax.set_xlim(*xlim)
        ax.set_xlabel(t("axis.score_pct", lang) if xlabel is None else xlabel)
        if grouped or reference_col:
            _legend_outside(ax, owned)
        _title(ax, title, "title.profile", lang)
        _localise_ticks(ax, lang, "x")
    return fig


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
        Grouping column on the x axis; the maturity types get their fixed colours, an
        organisation's register ``type`` is labelled as an organisation type.
    lang : {"sv", "en"}
        Language of labels.
    order : sequence, optional
        Group order; default sorted group values. Groups not listed are not drawn.
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
    require_columns(df, [value_col, group_col], "df")
    data = _reportable_rows(df, required=False, name="df")
    values = _numeric(data, [value_col], "df")[value_col]
    keep = values.notna() & data[group_col].notna()
    values, group = values[keep].to_numpy(), data.loc[keep, group_col]
    groups = list(order) if order is not None else sorted(group.unique(), key=str)
    codes = pd.Categorical(group, categories=groups).codes
    values, codes = values[codes >= 0], codes[codes >= 0]
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
            f"{_value_label(group_col, g, lang)}\n(n = {format_number(len(v), lang, 0)})"
            for g, v in zip(groups, per_group, strict=True)
        ]
        ax.set_xticks(range(len(groups)), tick_labels)
        ax.set_xlim(-0.6, len(groups) - 0.4)
        ax.set_xlabel(_axis_label(group_col, lang) if xlabel is None else xlabel)
        ax.set_ylabel(_axis_label(value_col, lang) if ylabel is None else ylabel)
        _title(ax, title, "title.distribution", lang)
        _localise_ticks(ax, lang, "y")
    return fig


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
    ylabel: str | None = None,
    title: str | None = None,
    ylim: tuple[float, float] | None = None,
    figsize: tuple[float, float] = (6.4, 4.0),
    ax: Axes | None = None,
) -> Figure:
    """Index over time: a line per group with a shaded confidence band, optional target.

    Parameters
    ----------
    df : DataFrame
        Columns ``year, estimate, ci_low, ci_high`` (percent) and, with ``group_col``, the
        group; e.g. the national index table by year.
    lang : {"sv", "en"}
        Language of labels.
    group_col : str, optional
        One line per value of this column (legend names through the locale
        ``<group_col>.<value>`` when defined).
    target : float, optional
        Draws a dashed horizontal line at this value, labelled "Mål 55 %" / "Target 55%".
    target_label : str, optional
        Replaces the target label.
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
    require_columns(
        df, ["year", "estimate", "ci_low", "ci_high"] + ([group_col] if group_col else []), "df"
    )
    values = _numeric(df, ["year", "estimate", "ci_low", "ci_high"], "df")
    groups = sorted(df[group_col].dropna().unique(), key=str) if group_col else [None]
    colours = group_colours(groups, group_col) if group_col else {None: _SINGLE_COLOUR}

    with theme():
        fig, ax, owned = _new_axes(ax, figsize)
        for group in groups:  # a handful of groups
            rows = values[df[group_col].eq(group)] if group_col else values
            rows = rows.sort_values("year")
            name = _value_label(group_col, group, lang) if group_col else None
            ax.fill_between(
                rows["year"],
                rows["ci_low"],
                rows["ci_high"],
                color=colours[group],
                alpha=0.18,
                linewidth=0,
            )
            ax.plot(rows["year"], rows["estimate"], marker="o", color=colours[group], label=name)
        if target is not None:
            text = target_label or (
                f"{t('legend.target', lang)} "
                f"{format_pct(target, lang, 0 if float(target).is_integer() else 1)}"
            )
            ax.axhline(target, color="black", linestyle="--", linewidth=1)
            # Keep the target (and its label above the line) inside the autoscaled limits.
            ax.update_datalim([(values["year"].min(), target)], updatex=False)
            ax.margins(y=0.1)
            ax.text(
                0.99,
                target,
                text,
                transform=ax.get_yaxis_transform(),
                ha="right",
                va="bottom",
                fontsize="small",
            )
        if group_col:
            _legend_outside(ax, owned)
        if ylim is not None:
            ax.set_ylim(*ylim)
        _whole_years(ax)
        ax.set_xlabel(t("axis.year", lang))
        ax.set_ylabel(t("axis.index_pct", lang) if ylabel is None else ylabel)
        _title(ax, title, "title.trend", lang)
        _localise_ticks(ax, lang, "y")
    return fig


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
    direction = np.sign(np.round(after - before, decimals))
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
                    text,
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
                f"(n = {format_number(int((direction == sign).sum()), lang, 0)})",
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
        ax.set_ylabel(t("axis.score_pct", lang) if ylabel is None else ylabel)
        _title(ax, title, "title.slopegraph", lang)
        _localise_ticks(ax, lang, "y")
    return fig


# ----------------------------------------------------------------------------------------------
# Heatmaps
# ----------------------------------------------------------------------------------------------
def heatmap(
    matrix_df: pd.DataFrame,
    lang: str = "sv",
    *,
    decimals: int = 1,
    vmin: float = 0.0,
    vmax: float = 100.0,
    cmap: str = "cividis",
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
        through the locale (``<index name>.<value>``, e.g. organisation_type.kommun → "Kommun")
        when defined, else as they are.
    lang : {"sv", "en"}
        Language of labels and of the cell numbers.
    decimals : int, default 1
        Decimals of the cell annotations (formatted by
        :func:`dimios_research.text.format_number`; empty cells stay blank).
    vmin, vmax : float, default 0 and 100
        Colour scale limits (percent of maximum).
    cmap : str, default "cividis"
        Colour map.
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
    """
    lang = check_lang(lang)
    require_columns(matrix_df, [], "matrix_df")
    data = _numeric(matrix_df, list(matrix_df.columns), "matrix_df")
    return _annotated_heatmap(
        data,
        lang,
        decimals=decimals,
        mask=None,
        vmin=vmin,
        vmax=vmax,
        cmap=cmap,
        xlabel=_axis_label(matrix_df.columns.name, lang) if xlabel is None else xlabel,
        ylabel=_axis_label(matrix_df.index.name, lang) if ylabel is None else ylabel,
        colorbar_label=t("axis.mean_score", lang) if colorbar_label is None else colorbar_label,
        title=t("title.heatmap", lang) if title is None else title,
        figsize=figsize,
        ax=ax,
    )


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
    require_columns(corr_df, [], "corr_df")
    if list(corr_df.index) != list(corr_df.columns):
        raise ValueError(
            "corr_df must be square with the same labels, in the same order, on "
            "rows and columns (e.g. the output of DataFrame.corr())"
        )
    data = _numeric(corr_df, list(corr_df.columns), "corr_df")
    if (data.abs() > 1 + 1e-9).any().any():
        raise ValueError("corr_df holds values outside [-1, 1]; pass correlations")
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
        title=t("title.correlation", lang) if title is None else title,
        figsize=figsize,
        ax=ax,
    )


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
    annotations = np.vectorize(lambda v: format_number(v, lang, decimals), otypes=[object])(
        data.to_numpy()
    )
    annotations[np.isnan(data.to_numpy())] = ""
    rows, columns = data.shape
    with theme():
        size = figsize or (1.6 + 0.75 * columns + 1.2, 1.2 + 0.4 * rows)
        fig, ax, owned = _new_axes(ax, size)
        sns.heatmap(
            data,
            ax=ax,
            mask=mask,
            vmin=vmin,
            vmax=vmax,
            cmap=cmap,
            annot=annotations,
            fmt="",
            annot_kws={"fontsize": "x-small"},
            linewidths=0.5,
            linecolor="white",
            cbar_kws={"label": colorbar_label},
            xticklabels=[_value_label(data.columns.name, c, lang) for c in data.columns],
            yticklabels=[_value_label(data.index.name, i, lang) for i in data.index],
        )
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
    ``dc:date`` and the creator tag (which carries the matplotlib version), with glyphs as
    paths and ids derived from the fixed salt :data:`SVG_HASHSALT`; PDF without creator,
    producer and creation date. Before writing, the layout (constrained layout) is settled
    at the figure's own dpi and the Axes positions are rounded to 1e-9 of the figure, then
    frozen while the formats are written (the layout engine is restored afterwards): every
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
    rc = {key: theme_rc()[key] for key in ("svg.hashsalt", "svg.fonttype")}
    engine = fig.get_layout_engine()
    with mpl.rc_context(rc):
        _settle_layout(fig)
        # The layout is frozen while writing, so that every format gets the same geometry and
        # saving does not move anything that the next save would see.
        fig.set_layout_engine("none")
        try:
            for fmt in formats:
                buffer = io.BytesIO()
                fig.savefig(buffer, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
                target = base.with_name(f"{base.name}.{fmt}")
                _write_atomically(target, buffer.getvalue())
                written.append(target)
        finally:
            fig.set_layout_engine(engine)
    if close:
        import matplotlib.pyplot as plt  # only here: the module itself never needs pyplot

        plt.close(fig)
    return written


def _settle_layout(fig: Figure, passes: int = 3, decimals: int = 9) -> None:
    """Run the figure's layout engine at the figure's own dpi, then snap the Axes positions.

    Constrained layout measures text from the current positions, so its result depends
    slightly on what was drawn before (a save at another dpi, a notebook preview), and
    repeated passes can alternate in the last bits of a float. Those bits matter: SVG clip
    ids are hashes of the clip rectangle. A few passes followed by rounding every Axes
    position to ``decimals`` (figure fraction; 1e-9 is far below a pixel) give the same
    geometry, hence the same bytes, whatever the figure's history.
    """
    if fig.get_layout_engine() is None:
        return
    for _ in range(passes):
        fig.draw_without_rendering()
    for ax in fig.axes:
        in_layout = ax.get_in_layout()
        ax.set_position(np.round(ax.get_position(original=True).bounds, decimals))
        ax.set_in_layout(in_layout)  # set_position takes the Axes out of the layout


def _write_atomically(target: Path, payload: bytes) -> None:
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
