"""Tests for dimios_research.report.figures: locale labels, privacy, deterministic files."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.text import Text

from dimios_research.conventions import LANGUAGES
from dimios_research.report import figures as plots
from dimios_research.report import numbers as numbers_module
from dimios_research.report.locale import t

ROOT = Path(__file__).resolve().parents[1]
NBSP = "\u00a0"
SMALL = (5.0, 4.0)


@pytest.fixture
def close_after():
    """Collect figures and close them after the test (harmless for non-pyplot figures)."""
    figures: list[Figure] = []
    yield figures.append
    for fig in figures:
        plt.close(fig)


def all_texts(fig: Figure) -> list[str]:
    return [artist.get_text() for artist in fig.findobj(Text)]


@pytest.fixture
def types_df() -> pd.DataFrame:
    """Six reportable organisations (one without coordinates) and three hidden ones."""
    return pd.DataFrame(
        {
            "organisation_id": ["o1", "o2", "o3", "o4", "o5", "o6"]
            + ["HIDDEN-1", "HIDDEN-2", "HIDDEN-3"],
            "name": ["Alfa", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"]
            + ["Secretby", "Tystby", "Dolda"],
            "capability_pct": [30.0, 70.0, 35.0, 80.0, 55.0, np.nan, 20.0, 90.0, 45.0],
            "legacy_pct": [25.0, 40.0, 65.0, 75.0, 60.0, 50.0, 10.0, 90.0, 55.0],
            "maturity_type": ["A", "B", "C", "D", "D", None, "A", "D", "C"],
            "n_respondents": [12, 40, 7, 150, 25, 3, 2, 4, 1],
            "reportable": [True, True, True, True, True, True, False, False, None],
        }
    )  # fmt: skip


def test_theme_uses_bundled_font_and_okabe_ito():
    rc = plots.theme_rc()
    assert rc["font.sans-serif"] == ["DejaVu Sans"]
    assert rc["svg.hashsalt"] == plots.SVG_HASHSALT
    assert set(plots.TYPE_COLOURS.values()) <= set(plots.OKABE_ITO.values())
    before = plt.rcParams["font.sans-serif"]
    with plots.theme():
        assert plt.rcParams["font.sans-serif"] == ["DejaVu Sans"]
    assert plt.rcParams["font.sans-serif"] == before  # the context manager restores


def test_group_colours():
    assert plots.group_colours(["B", "A"], "maturity_type") == {
        "B": plots.TYPE_COLOURS["B"],
        "A": plots.TYPE_COLOURS["A"],
    }
    colours = plots.group_colours(["kommun", "region", "kommun"], "organisation_type")
    assert list(colours) == ["kommun", "region"]
    assert colours["kommun"] != colours["region"]


# ----------------------------------------------------------------------------------------------
# quadrant map
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_quadrant_map_labels_and_points(types_df, lang, close_after):
    fig = plots.quadrant_map(types_df, lang, figsize=SMALL)
    close_after(fig)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == t("axis.capability", lang)
    assert ax.get_ylabel() == t("axis.legacy", lang)
    assert ax.get_title() == t("title.quadrant_map", lang)
    offsets = np.vstack([c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)])
    # o1–o5: reportable with coordinates; o6 has no capability score and cannot be placed.
    assert offsets.shape == (5, 2)
    assert sorted(map(tuple, offsets)) == [(30, 25), (35, 65), (55, 60), (70, 40), (80, 75)]
    legend_texts = [text.get_text() for text in fig.legends[0].get_texts()]
    assert [t(f"maturity_type.{x}", lang) for x in "ABCD"] == legend_texts[:4]
    assert t("legend.respondents", lang) in legend_texts
    for letter in "ABCD":  # every quadrant is labelled with its short type name
        assert any(text.startswith(t(f"maturity_type.{letter}", lang)) for text in all_texts(fig))


def test_quadrant_map_never_draws_or_names_non_reportable(types_df, close_after):
    fig = plots.quadrant_map(types_df, "sv", label_col="name", highlight="HIDDEN-1", figsize=SMALL)
    close_after(fig)
    ax = fig.axes[0]
    n_points = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
    assert n_points == 5
    texts = " ".join(all_texts(fig))
    for hidden in ("HIDDEN", "Secretby", "Tystby", "Dolda"):
        assert hidden not in texts
    for shown in ("Alfa", "Beta", "Gamma", "Delta", "Epsilon"):
        assert shown in texts
    # The non-reportable highlight is silently not drawn: no "selected organisation" entry.
    assert t("legend.highlight", "sv") not in texts


def test_quadrant_map_labels_only_with_label_col(types_df, close_after):
    fig = plots.quadrant_map(types_df, "en", figsize=SMALL)
    close_after(fig)
    texts = " ".join(all_texts(fig))
    assert "Alfa" not in texts and "o1" not in texts


def test_quadrant_map_highlight(types_df, close_after):
    fig = plots.quadrant_map(types_df, "en", highlight="o4", figsize=SMALL)
    close_after(fig)
    ax = fig.axes[0]
    collections = [c for c in ax.collections if isinstance(c, PathCollection)]
    highlighted = [c for c in collections if c.get_label() == t("legend.highlight", "en")]
    assert len(highlighted) == 1
    np.testing.assert_array_equal(highlighted[0].get_offsets(), [[80.0, 75.0]])
    assert sum(len(c.get_offsets()) for c in collections) == 5  # drawn once, not twice


def test_quadrant_map_input_errors(types_df):
    with pytest.raises(ValueError, match="reportable"):
        plots.quadrant_map(types_df.drop(columns="reportable"))
    with pytest.raises(ValueError, match="A–D"):
        plots.quadrant_map(types_df.assign(maturity_type="E"))
    with pytest.raises(ValueError, match="cut"):
        plots.quadrant_map(types_df, cut=100)
    with pytest.raises(ValueError, match="label_col|lacks column"):
        plots.quadrant_map(types_df, label_col="nonexistent")
    with pytest.raises(TypeError, match="DataFrame"):
        plots.quadrant_map(types_df.to_dict())


# ----------------------------------------------------------------------------------------------
# bars, distributions, time, heatmaps
# ----------------------------------------------------------------------------------------------
PROFILE = pd.DataFrame(
    {
        "label": ["Effektivitet", "Innovation", "Balansering"] * 2,
        "organisation_type": ["kommun"] * 3 + ["region"] * 3,
        "estimate": [55.0, 42.0, 48.0, 50.0, 45.0, 47.0],
        "ci_low": [50.0, 38.0, 44.0, 49.0, 44.0, 46.0],
        "ci_high": [60.0, 47.0, 52.0, 51.0, 46.0, 48.0],
        "peer_mean": [51.0, 44.0, 47.0] * 2,
    }
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_profile_bars(lang, close_after):
    single = PROFILE[PROFILE["organisation_type"] == "kommun"]
    fig = plots.profile_bars(single, lang, figsize=SMALL)
    close_after(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == t("axis.score_pct", lang)
    assert [label.get_text() for label in ax.get_yticklabels()] == [
        "Effektivitet",
        "Innovation",
        "Balansering",
    ]
    assert len(ax.patches) == 3

    fig = plots.profile_bars(
        PROFILE, lang, group_col="organisation_type", reference_col="peer_mean", figsize=SMALL
    )
    close_after(fig)
    ax = fig.axes[0]
    assert len(ax.patches) == 6
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert t("figure.group.organisation_type.kommun", lang) in legend  # "Kommuner"
    assert t("legend.peer_mean", lang) in legend
    markers = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(markers) == 1 and len(markers[0].get_offsets()) == 3


def test_profile_bars_rejects_duplicate_labels(close_after):
    with pytest.raises(ValueError, match="more than one row"):
        plots.profile_bars(PROFILE)  # two rows per label but no group column given


@pytest.mark.parametrize("lang", LANGUAGES)
def test_distribution_by_group(types_df, lang, close_after):
    df = types_df.assign(score_pct=types_df["capability_pct"])
    fig = plots.distribution_by_group(df, lang=lang, figsize=SMALL)
    close_after(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == t("axis.maturity_type", lang)
    assert ax.get_ylabel() == t("axis.score_pct", lang)
    ticks = [label.get_text() for label in ax.get_xticklabels()]
    assert ticks[0] == f"{t('maturity_type.A', lang)}\n(n = 1)"  # the hidden A is not counted
    assert ticks[3] == f"{t('maturity_type.D', lang)}\n(n = 2)"
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in points) == 5


def test_distribution_jitter_is_seeded(types_df, close_after):
    df = types_df.assign(score_pct=types_df["legacy_pct"])
    offsets = []
    for seed in (1, 1, 2):
        fig = plots.distribution_by_group(df, seed=seed, figsize=SMALL)
        close_after(fig)
        offsets.append(fig.axes[0].collections[-1].get_offsets().copy())
    np.testing.assert_array_equal(offsets[0], offsets[1])
    assert not np.array_equal(offsets[0], offsets[2])


TREND = pd.DataFrame(
    {
        "year": [2019, 2020, 2021, 2022, 2023] * 2,
        "estimate": [41.0, 47.0, 53.0, 51.0, 47.0, 40.0, 45.0, 50.0, 52.0, 53.0],
        "organisation_type": ["kommun"] * 5 + ["region"] * 5,
    }
).assign(ci_low=lambda d: d["estimate"] - 2.5, ci_high=lambda d: d["estimate"] + 2.5)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_trend_lines(lang, close_after):
    fig = plots.trend_lines(TREND, lang, group_col="organisation_type", target=55, figsize=SMALL)
    close_after(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == t("axis.year", lang)
    assert ax.get_ylabel() == t("axis.index_pct", lang)
    assert len(ax.containers) == 2  # two groups, each drawn as points with error bars
    target_text = f"{t('legend.target', lang)} 55{NBSP if lang == 'sv' else ''}%"
    assert ax.get_ylim()[1] > 55  # the target is inside the plot
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert legend == [
        t("figure.group.organisation_type.kommun", lang),
        t("figure.group.organisation_type.region", lang),
        target_text,  # the target is named in the legend, outside the data area
    ]


def test_trend_lines_tick_labels_use_decimal_comma_in_swedish(close_after):
    fig = plots.trend_lines(TREND[TREND["organisation_type"] == "kommun"], "sv", figsize=SMALL)
    close_after(fig)
    fig.canvas.draw()
    labels = [label.get_text() for label in fig.axes[0].get_yticklabels()]
    assert any("," in label for label in labels) and not any("." in label for label in labels)


PANEL = pd.DataFrame(
    {
        "organisation_id": ["o1", "o2", "o3", "o4", "HIDDEN-1"],
        "baseline": [40.0, 50.0, 60.0, 55.0, 10.0],
        "follow_up": [45.0, 48.0, 60.02, np.nan, 90.0],
        "reportable": [True, True, True, True, False],
    }
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_slopegraph(lang, close_after):
    fig = plots.slopegraph(PANEL, lang, figsize=SMALL)
    close_after(fig)
    ax = fig.axes[0]
    assert ax.get_ylabel() == t("axis.score_pct", lang)
    assert [x.get_text() for x in ax.get_xticklabels()] == [
        t("axis.baseline", lang),
        t("axis.follow_up", lang),
    ]
    (lines,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(lines.get_segments()) == 3  # o4 has no follow-up, HIDDEN-1 is not reportable
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert legend == [
        f"{t('legend.improved', lang)} (n = 1)",
        f"{t('legend.declined', lang)} (n = 1)",
        f"{t('legend.unchanged', lang)} (n = 1)",  # +0.02 rounds to 0.0
    ]
    fig = plots.slopegraph(PANEL, lang, baseline_year=2021, follow_up_year=2023, figsize=SMALL)
    close_after(fig)
    assert [x.get_text() for x in fig.axes[0].get_xticklabels()] == ["2021", "2023"]


MATRIX = pd.DataFrame(
    [[38.44, 66.2, np.nan], [70.0, 40.55, 64.0]],
    index=pd.Index(["strategic_alignment", "cloud"], name="capability_id"),
    columns=pd.Index(["kommun", "region", "myndighet"], name="organisation_type"),
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_heatmap(lang, close_after):
    fig = plots.heatmap(MATRIX, lang, figsize=SMALL)
    close_after(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == t("axis.organisation_type", lang)
    assert ax.get_ylabel() == t("axis.capability_id", lang)
    assert [x.get_text() for x in ax.get_xticklabels()] == [
        t(f"figure.group.organisation_type.{c}", lang) for c in MATRIX.columns
    ]
    annotations = sorted(text.get_text() for text in ax.texts)
    expected = ["38,4", "40,6", "64,0", "66,2", "70,0"] if lang == "sv" else [
        "38.4", "40.6", "64.0", "66.2", "70.0"
    ]  # fmt: skip
    assert annotations == expected  # the empty cell is not annotated
    assert fig.axes[1].get_ylabel() == t("axis.mean_score", lang)  # colour bar


@pytest.mark.parametrize("lang", LANGUAGES)
def test_correlation_heatmap(lang, close_after):
    rng = np.random.default_rng(3)
    data = pd.DataFrame(rng.normal(size=(50, 4)), columns=["i1", "i2", "i3", "i4"])
    fig = plots.correlation_heatmap(data.corr(), lang, figsize=SMALL)
    close_after(fig)
    ax = fig.axes[0]
    assert ax.get_title() == t("title.correlation", lang)
    assert fig.axes[1].get_ylabel() == t("axis.correlation", lang)
    annotations = [text.get_text() for text in ax.texts]
    assert len(annotations) == 10  # lower triangle with diagonal of a 4 x 4 matrix
    assert annotations.count("1,00" if lang == "sv" else "1.00") == 4


def test_correlation_heatmap_errors():
    with pytest.raises(ValueError, match="square"):
        plots.correlation_heatmap(pd.DataFrame([[1.0, 0.2]], columns=["a", "b"]))
    bad = pd.DataFrame([[1.0, 2.0], [2.0, 1.0]], index=["a", "b"], columns=["a", "b"])
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        plots.correlation_heatmap(bad)


def test_functions_never_show_and_are_not_registered_with_pyplot(types_df, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("plt.show was called")

    monkeypatch.setattr(plt, "show", forbidden)
    before = plt.get_fignums()
    figures = [
        plots.quadrant_map(types_df, figsize=SMALL),
        plots.profile_bars(PROFILE, group_col="organisation_type", figsize=SMALL),
        plots.distribution_by_group(types_df.assign(score_pct=1.0), figsize=SMALL),
        plots.trend_lines(TREND, figsize=SMALL),
        plots.slopegraph(PANEL, figsize=SMALL),
        plots.heatmap(MATRIX, figsize=SMALL),
        plots.correlation_heatmap(pd.DataFrame(np.eye(2), list("ab"), list("ab")), figsize=SMALL),
    ]
    assert all(isinstance(fig, Figure) for fig in figures)
    assert plt.get_fignums() == before


def test_draw_into_existing_axes(types_df, close_after):
    fig = Figure(figsize=(8, 4))
    close_after(fig)
    left, right = fig.subplots(1, 2)
    assert plots.quadrant_map(types_df, "en", ax=left) is fig
    assert plots.trend_lines(TREND, "en", group_col="organisation_type", ax=right) is fig
    assert left.get_legend() is not None  # legend attached to the caller's Axes


# ----------------------------------------------------------------------------------------------
# saving
# ----------------------------------------------------------------------------------------------
def _figure_for_saving(types_df):
    return plots.quadrant_map(types_df, "sv", label_col="name", highlight="o2", figsize=SMALL)


@pytest.mark.slow  # over a second: left out of make test-fast
def test_save_figure_is_byte_identical(types_df, tmp_path, close_after):
    fig = _figure_for_saving(types_df)
    close_after(fig)
    first = plots.save_figure(fig, tmp_path / "a" / "quadrant", dpi=40)
    second = plots.save_figure(fig, tmp_path / "b" / "quadrant", dpi=40)
    assert [p.name for p in first] == ["quadrant.png", "quadrant.svg"]
    again = _figure_for_saving(types_df)  # a fresh figure gives the same bytes too, even
    close_after(again)  # after a preview at another resolution has moved its layout
    again.savefig(io.BytesIO(), format="png", dpi=33)
    third = plots.save_figure(again, tmp_path / "c" / "quadrant", dpi=40)
    for a, b, c in zip(first, second, third, strict=True):
        assert a.read_bytes() == b.read_bytes() == c.read_bytes()
    png, svg = (p.read_bytes() for p in first)
    assert png.startswith(b"\x89PNG")
    assert b"<svg" in svg
    for payload in (png, svg):
        assert b"Matplotlib v" not in payload
        assert b"Software" not in payload
        assert b"dc:date" not in payload and b"Date" not in payload


@pytest.mark.slow  # spawns a second Python process
def test_save_figure_bytes_do_not_depend_on_the_process(types_df, tmp_path, close_after):
    """A second interpreter (other hash seed) writes the same SVG and PNG."""
    fig = _figure_for_saving(types_df)
    close_after(fig)
    here = plots.save_figure(fig, tmp_path / "here", dpi=40)
    types_df.to_pickle(tmp_path / "types.pkl")
    script = textwrap.dedent(
        f"""
        import sys
        import matplotlib
        matplotlib.use("Agg")
        import pandas as pd
        from dimios_research.report import figures as plots
        types_df = pd.read_pickle(sys.argv[2])
        fig = plots.quadrant_map(types_df, "sv", label_col="name", highlight="o2",
                                 figsize={SMALL!r})
        plots.save_figure(fig, sys.argv[1], dpi=40)
        """
    )
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(ROOT))
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "there"), str(tmp_path / "types.pkl")],
        check=True,
        env=env,
        cwd=ROOT,
    )
    for path in here:
        other = tmp_path / f"there{path.suffix}"
        assert (
            hashlib.sha256(path.read_bytes()).digest()
            == hashlib.sha256(other.read_bytes()).digest()
        ), path.suffix


def test_save_figure_paths_and_errors(tmp_path, close_after):
    fig = Figure(figsize=(1, 1))
    close_after(fig)
    (pdf,) = plots.save_figure(fig, tmp_path / "profile_2023.v1", formats=("pdf",), dpi=20)
    assert pdf.name == "profile_2023.v1.pdf"  # dots in the name are kept
    assert b"CreationDate" not in pdf.read_bytes()
    assert plots.save_figure(fig, tmp_path / "single", formats="png", dpi=20)[0].suffix == ".png"
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary files left behind
    with pytest.raises(ValueError, match="formats"):
        plots.save_figure(fig, tmp_path / "x", formats=("jpg",))
    with pytest.raises(ValueError, match="dpi"):
        plots.save_figure(fig, tmp_path / "x", dpi=0)
    with pytest.raises(TypeError, match="Figure"):
        plots.save_figure("not a figure", tmp_path / "x")


def test_save_figure_draws_each_format_once(types_df, tmp_path, close_after, monkeypatch):
    """No unseen draw before the one written (matplotlib adds one while any engine is set)."""
    fig = _figure_for_saving(types_df)
    close_after(fig)
    engine = fig.get_layout_engine()
    draws = []
    real_draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, r: (draws.append(1), real_draw(self, r)))
    plots.save_figure(fig, tmp_path / "once", formats=("svg", "png"), dpi=20)
    assert len(draws) == 2  # one per format
    assert fig.get_layout_engine() is engine  # the engine is back for the next save


def test_save_figure_closes_only_when_asked(tmp_path):
    fig = plt.figure(figsize=(1, 1))
    plots.save_figure(fig, tmp_path / "kept", formats=("png",), dpi=20)
    assert fig.number in plt.get_fignums()
    plots.save_figure(fig, tmp_path / "closed", formats=("png",), dpi=20, close=True)
    assert fig.number not in plt.get_fignums()


# ----------------------------------------------------------------------------------------------
# issue 10: figure defects
# ----------------------------------------------------------------------------------------------
def _literal(text: Text) -> str:
    """What matplotlib draws for a Text: the string after mathtext preprocessing."""
    drawn, is_math = text._preprocess_math(text.get_text())
    assert is_math is False, f"{text.get_text()!r} would be parsed as mathtext"
    return drawn


ORG_SCORES = pd.DataFrame(
    {
        "organisation_id": [f"o{i}" for i in range(9)] + ["HIDDEN-1"],
        "type": ["region", "kommun", "myndighet", "kommun", "region", "kommun", "kommun",
                 "region", "kommun", "annan"],
        "score_pct": [50.0, 40.0, 70.0, 44.0, 56.0, 48.0, 52.0, 53.0, np.nan, 99.0],
        "reportable": [True] * 9 + [False],
    }
)  # fmt: skip


@pytest.mark.parametrize("lang", LANGUAGES)
def test_distribution_axis_names_the_grouping_column(lang, close_after):
    """Organisation types: axis "Organisationstyp", plural groups in the fixed order."""
    fig = plots.distribution_by_group(ORG_SCORES, "score_pct", "type", lang, figsize=SMALL)
    close_after(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == t("axis.organisation_type", lang) != t("axis.maturity_type", lang)
    ticks = [label.get_text() for label in ax.get_xticklabels()]
    # kommun, region, myndighet (fixed order, not alphabetical); "annan" has only a hidden row.
    assert ticks == [
        f"{t('figure.group.organisation_type.kommun', lang)}\n(n = 4)",  # o8 has no score
        f"{t('figure.group.organisation_type.region', lang)}\n(n = 3)",
        f"{t('figure.group.organisation_type.myndighet', lang)}\n(n = 1)",
    ]
    assert ticks[0].startswith("Kommuner" if lang == "sv" else "Municipalities")


def test_distribution_refuses_a_column_that_holds_the_other_grouping():
    with pytest.raises(ValueError, match="group_col='type'"):
        plots.distribution_by_group(ORG_SCORES.rename(columns={"type": "maturity_type"}))
    mislabelled = ORG_SCORES.assign(type=list("ABCDABCDAB"))
    with pytest.raises(ValueError, match="group_col='maturity_type'"):
        plots.distribution_by_group(mislabelled, "score_pct", "type")


CAPABILITIES = pd.DataFrame(
    {
        "level": "capability",
        "label": ["Moln", "Öppna data", "Standarder", "Skugg-IT", "Infrastruktur"],
        "parent_label": ["Innovation", "Innovation", "Effektivitet", "Användare", "Användare"],
        "estimate": [52.0, 61.5, 47.25, 44.0, 58.0],
        "ci_low": [50.0, 59.0, 45.0, 42.0, 56.0],
        "ci_high": [54.0, 64.0, 49.5, 46.0, 60.0],
    }
)


def _tick_positions(ax) -> dict[str, float]:
    return {label.get_text(): y for label, y in zip(ax.get_yticklabels(), ax.get_yticks())}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_profile_bars_grouped_by_category(lang, close_after):
    fig = plots.profile_bars(CAPABILITIES, lang, figsize=SMALL)
    close_after(fig)
    ax = fig.axes[0]
    headings = {text.get_text(): text.get_position()[1] for text in ax.texts}
    assert list(headings) == ["Innovation", "Effektivitet", "Användare"]  # order of appearance
    ticks = _tick_positions(ax)
    assert list(ticks) == list(CAPABILITIES["label"])  # instrument order within categories
    # Each heading sits on its own row directly above its first bar; categories do not mix.
    assert ticks["Moln"] == headings["Innovation"] + 1
    assert ticks["Standarder"] == headings["Effektivitet"] + 1
    assert ticks["Skugg-IT"] == headings["Användare"] + 1
    assert headings["Innovation"] < ticks["Öppna data"] < headings["Effektivitet"]
    # A separating line between categories (not above the first).
    separators = sorted(
        line.get_ydata()[0] for line in ax.lines if line.get_marker() in ("None", None, "")
    )
    assert separators == [headings["Effektivitet"] - 0.5, headings["Användare"] - 0.5]
    bars = sorted((p.get_y() + p.get_height() / 2, p.get_width()) for p in ax.patches)
    assert [width for _, width in bars] == list(CAPABILITIES["estimate"])


def test_profile_bars_sorted_within_category(close_after):
    fig = plots.profile_bars(CAPABILITIES, "sv", sort="descending", figsize=SMALL)
    close_after(fig)
    assert list(_tick_positions(fig.axes[0])) == [
        "Öppna data", "Moln", "Standarder", "Infrastruktur", "Skugg-IT"
    ]  # fmt: skip
    fig = plots.profile_bars(CAPABILITIES, "sv", category_col=None, sort="ascending")
    close_after(fig)
    assert not fig.axes[0].texts  # no headings without grouping
    assert list(_tick_positions(fig.axes[0]))[0] == "Skugg-IT"
    with pytest.raises(ValueError, match="sort"):
        plots.profile_bars(CAPABILITIES, sort="alphabetical")


def test_profile_bars_legend_names_the_organisation_as_plain_text(close_after):
    df = CAPABILITIES.assign(label=["Moln $x$", *CAPABILITIES["label"][1:]], mean_peers=50.0)
    fig = plots.profile_bars(
        df, "sv", estimate_label="A$b$ kommun", reference_col="mean_peers", figsize=SMALL
    )
    close_after(fig)
    legend = fig.legends[0].get_texts()
    assert [_literal(text) for text in legend] == [
        "A$b$ kommun",
        t("legend.peer_mean", "sv"),
    ]
    assert t("legend.estimate", "sv") not in all_texts(fig)  # no "Skattning"
    assert _literal(fig.axes[0].get_yticklabels()[0]) == "Moln $x$"
    fig.canvas.draw()  # renders without a mathtext error
    # Without a reference the legend is still shown when a name is given.
    fig = plots.profile_bars(CAPABILITIES, "en", estimate_label="Alfa", figsize=SMALL)
    close_after(fig)
    assert [x.get_text() for x in fig.legends[0].get_texts()] == ["Alfa"]


def test_other_data_text_is_drawn_literally(types_df, close_after):
    named = types_df.assign(name=types_df["name"].where(types_df.index != 0, "Dollar$a$"))
    fig = plots.quadrant_map(named, "sv", label_col="name", figsize=SMALL)
    close_after(fig)
    assert "Dollar$a$" in [_literal(text) for text in fig.axes[0].texts]
    panel = PANEL.assign(name=["$x$", "b", "c", "d", "e"])
    fig = plots.slopegraph(panel, "sv", label_col="name", figsize=SMALL)
    close_after(fig)
    assert "$x$" in [_literal(text) for text in fig.axes[0].texts]


def _legend_texts(fig: Figure) -> list[str]:
    return [text.get_text() for text in fig.legends[0].get_texts()]


def test_legends_list_only_groups_with_data(close_after):
    trend = pd.concat(
        [TREND, TREND.iloc[:2].assign(organisation_type="myndighet", estimate=np.nan)]
    )
    trend["organisation_type"] = pd.Categorical(
        trend["organisation_type"], categories=["kommun", "region", "myndighet", "annan"]
    )
    fig = plots.trend_lines(trend, "sv", group_col="organisation_type", figsize=SMALL)
    close_after(fig)
    assert _legend_texts(fig) == ["Kommuner", "Regioner"]
    profile = pd.concat(
        [PROFILE, PROFILE.iloc[:3].assign(organisation_type="myndighet", estimate=np.nan)]
    )
    fig = plots.profile_bars(profile, "sv", group_col="organisation_type", figsize=SMALL)
    close_after(fig)
    assert _legend_texts(fig) == ["Kommuner", "Regioner"]


def _point_boxes(ax) -> list:
    """Display-space boxes (± marker radius) of every drawn data point of the Axes."""
    from matplotlib.transforms import Bbox

    boxes = []
    for line in ax.lines:
        if line.get_marker() in (None, "None", "", " "):
            continue
        radius = line.get_markersize() / 72 * ax.figure.dpi / 2
        for x, y in ax.transData.transform(line.get_xydata()):
            boxes.append(Bbox.from_extents(x - radius, y - radius, x + radius, y + radius))
    return boxes


@pytest.mark.parametrize("lang", LANGUAGES)
def test_trend_target_label_cannot_collide_with_a_point(lang, close_after):
    df = pd.DataFrame({"year": [2019, 2021, 2023], "estimate": [49.0, 52.0, 55.4]}).assign(
        ci_low=lambda d: d["estimate"] - 1, ci_high=lambda d: d["estimate"] + 1
    )
    fig = plots.trend_lines(df, lang, target=55, figsize=SMALL)
    close_after(fig)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    points = _point_boxes(ax)
    assert len(points) == 3
    for text in ax.texts:  # nothing written inside the data area may cover a point
        extent = text.get_window_extent(renderer)
        assert not any(extent.overlaps(point) for point in points), text.get_text()
    target_text = f"{t('legend.target', lang)} 55{NBSP if lang == 'sv' else ''}%"
    assert _legend_texts(fig) == [target_text]
    (target_line,) = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert target_line.get_ydata()[0] == 55


def test_trend_lines_several_series_get_dodged_error_bars(close_after):
    three = pd.concat(
        [TREND, TREND[TREND["organisation_type"] == "kommun"].assign(organisation_type="annan")]
    )
    fig = plots.trend_lines(three, "sv", group_col="organisation_type", figsize=SMALL)
    close_after(fig)
    ax = fig.axes[0]
    # No translucent bands that would blend: intervals are error bars, one set per series.
    assert not [c for c in ax.collections if type(c).__name__.endswith("PolyCollection")]
    assert len(ax.containers) == 3
    xs = [container.lines[0].get_xdata() for container in ax.containers]
    for year_index in range(5):  # the three points of a year are side by side, not on top
        positions = sorted(x[year_index] for x in xs)
        assert np.all(np.diff(positions) >= 0.09)
        assert max(abs(p - (2019 + year_index)) for p in positions) <= 0.15
    kommun = ax.containers[0]  # the error bar of each point spans exactly ci_low..ci_high
    (bars,) = kommun.lines[2]
    spans = np.array([segment[:, 1] for segment in bars.get_segments()])
    rows = TREND[TREND["organisation_type"] == "kommun"]
    np.testing.assert_allclose(spans, rows[["ci_low", "ci_high"]].to_numpy())
    # One series keeps its band; interval="band" forces bands; bad values are refused.
    single = plots.trend_lines(TREND[TREND["organisation_type"] == "kommun"], figsize=SMALL)
    forced = plots.trend_lines(TREND, group_col="organisation_type", interval="band")
    for fig in (single, forced):
        close_after(fig)
        assert not fig.axes[0].containers and fig.axes[0].collections
    with pytest.raises(ValueError, match="interval"):
        plots.trend_lines(TREND, interval="shade")


def _wcag_contrast(rgb_a, rgb_b) -> float:
    def luminance(rgb):
        c = np.asarray(rgb, dtype=float)[:3]
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    high, low = sorted([luminance(rgb_a), luminance(rgb_b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def _cell_colours_and_text_colours(ax):
    from matplotlib.colors import to_rgb

    mesh = ax.collections[0]
    values = mesh.get_array()
    pairs = []
    for text in ax.texts:
        x, y = text.get_position()
        rows, columns = np.array(mesh.get_coordinates().shape[:2]) - 1
        value = np.ma.asarray(values).reshape(rows, columns)[int(y), int(x)]
        pairs.append((mesh.cmap(mesh.norm(value)), to_rgb(text.get_color())))
    return pairs


def test_heatmap_colour_scale_spans_the_data(close_after):
    fig = plots.heatmap(MATRIX, "sv", figsize=SMALL)
    close_after(fig)
    norm = fig.axes[0].collections[0].norm
    low, high = np.nanmin(MATRIX.to_numpy()), np.nanmax(MATRIX.to_numpy())
    assert norm.vmin <= low and norm.vmax >= high
    # The observed values use most of the colour map (not a third of a 0–100 scale).
    assert (high - low) / (norm.vmax - norm.vmin) >= 0.75
    assert (norm.vmin, norm.vmax) == (35.0, 70.0)  # rounded outward to ticks of 5
    fig = plots.heatmap(MATRIX, "sv", center=55.0, figsize=SMALL)
    close_after(fig)
    mesh = fig.axes[0].collections[0]
    assert (mesh.norm.vmin + mesh.norm.vmax) / 2 == 55.0  # diverging, centred
    assert mesh.norm.vmax >= 70.0 and mesh.norm.vmin <= 38.44
    assert mesh.cmap.name == "PuOr"
    fig = plots.heatmap(MATRIX, "sv", vmin=0, vmax=100, figsize=SMALL)  # fixed limits kept
    close_after(fig)
    assert (fig.axes[0].collections[0].norm.vmin, fig.axes[0].collections[0].norm.vmax) == (0, 100)


def test_heatmap_annotations_contrast_with_their_cell(close_after):
    rng = np.random.default_rng(5)
    wide = pd.DataFrame(rng.uniform(0, 100, size=(12, 6)))
    data = pd.DataFrame(rng.normal(size=(60, 6))).corr()
    figures = [
        plots.heatmap(MATRIX, "sv", figsize=SMALL),
        plots.heatmap(wide, "sv", figsize=SMALL),
        plots.heatmap(wide, "sv", center=50, figsize=SMALL),
        plots.correlation_heatmap(data, "sv", figsize=SMALL),
    ]
    for fig in figures:
        close_after(fig)
        pairs = _cell_colours_and_text_colours(fig.axes[0])
        assert pairs
        worst = min(_wcag_contrast(cell, text) for cell, text in pairs)
        assert worst >= 4.5  # WCAG AA for normal text


@pytest.mark.slow  # over a second: left out of make test-fast
def test_changed_figures_are_byte_identical(tmp_path, close_after):
    def draw():
        return [
            plots.profile_bars(CAPABILITIES, "sv", estimate_label="A$b$", figsize=SMALL),
            plots.trend_lines(TREND, "sv", group_col="organisation_type", target=55,
                              figsize=SMALL),
            plots.heatmap(MATRIX, "sv", center=50, figsize=SMALL),
        ]  # fmt: skip

    for i, (first, second) in enumerate(zip(draw(), draw(), strict=True)):
        close_after(first)
        close_after(second)
        a = plots.save_figure(first, tmp_path / f"a{i}", dpi=40)
        b = plots.save_figure(second, tmp_path / f"b{i}", dpi=40)
        for x, y in zip(a, b, strict=True):
            assert x.read_bytes() == y.read_bytes()


# ----------------------------------------------------------------------------------------------
# issue 10: alt text
# ----------------------------------------------------------------------------------------------
def pct(x, lang, decimals=1):
    return numbers_module.format_pct(x, lang, decimals)


def num(x, lang, decimals=1):
    return numbers_module.format_number(x, lang, decimals)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_alt_text_quadrant_map_counts_and_privacy(types_df, lang):
    alt = plots.alt_text_quadrant_map(types_df, lang, label_col="name", highlight="o4")
    # Drawn: o1 A, o2 B, o3 C, o4 D, o5 D (o6 unplaceable; HIDDEN-* not reportable).
    for letter, count in {"A": 1, "B": 1, "C": 1, "D": 2}.items():
        label = t(f"maturity_type.{letter}", lang)
        assert f"{label} {count} ({pct(100 * count / 5, lang)})" in alt
    assert f" 5 {t('unit.organisation_plural', lang)} " in alt
    assert "Delta" in alt and pct(80.0, lang) in alt and pct(75.0, lang) in alt
    hidden = plots.alt_text_quadrant_map(types_df, lang, label_col="name", highlight="HIDDEN-2")
    for secret in ("HIDDEN", "Secretby", "Tystby", "Dolda"):
        assert secret not in alt and secret not in hidden
    assert hidden == plots.alt_text_quadrant_map(types_df, lang)  # hidden highlight: ignored
    assert "Delta" not in plots.alt_text_quadrant_map(types_df, lang, highlight="o4")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_alt_text_profile_bars_numbers_equal_the_data(lang):
    df = CAPABILITIES.assign(mean_peers=[51.0, 60.0, 48.0, 45.0, 57.0])
    alt = plots.alt_text_profile_bars(
        df, lang, estimate_label="A$b$ kommun", reference_col="mean_peers"
    )
    high = CAPABILITIES.loc[CAPABILITIES["estimate"].idxmax()]
    low = CAPABILITIES.loc[CAPABILITIES["estimate"].idxmin()]
    assert f"{high['label']} {pct(high['estimate'], lang)}" in alt  # Öppna data 61,5 %
    assert f"{low['label']} {pct(low['estimate'], lang)}" in alt  # Skugg-IT 44,0 %
    assert alt.count("A$b$ kommun") == 1  # the name as plain text, no escaping
    assert f"5 {t('figure.alt.units.capability', lang)}" in alt
    assert "Innovation" in alt and "Effektivitet" in alt and "Användare" in alt
    above = int((df["estimate"] > df["mean_peers"]).sum())
    assert above == 3 and f" {above} " in alt.split(":")[-1]
    grouped = plots.alt_text_profile_bars(PROFILE, lang, group_col="organisation_type")
    for group, rows in PROFILE.groupby("organisation_type"):
        name = t(f"figure.group.organisation_type.{group}", lang)
        top = rows.loc[rows["estimate"].idxmax()]
        assert f"{name}: " in grouped and pct(top["estimate"], lang) in grouped


@pytest.mark.parametrize("lang", LANGUAGES)
def test_alt_text_distribution_medians(lang):
    alt = plots.alt_text_distribution_by_group(ORG_SCORES, "score_pct", "type", lang)
    shown = ORG_SCORES[ORG_SCORES["reportable"]].dropna(subset=["score_pct"])
    for group, rows in shown.groupby("type"):
        name = t(f"figure.group.organisation_type.{group}", lang)
        median = pct(rows["score_pct"].median(), lang)
        assert f"{name} {median} (n = {len(rows)})" in alt
    assert pct(99.0, lang) not in alt  # the hidden organisation is not counted
    assert t("axis.organisation_type", lang) in alt


@pytest.mark.parametrize("lang", LANGUAGES)
def test_alt_text_trend_lines(lang):
    alt = plots.alt_text_trend_lines(TREND, lang, group_col="organisation_type", target=55)
    assert "2019–2023" in alt
    for group, rows in TREND.groupby("organisation_type"):
        name = t(f"figure.group.organisation_type.{group}", lang)
        start, end = rows["estimate"].iloc[0], rows["estimate"].iloc[-1]
        assert f"{name}: " in alt
        assert pct(start, lang) in alt and pct(end, lang) in alt
    assert t("figure.target", lang, target=pct(55, lang, 0)) in alt
    single = plots.alt_text_trend_lines(
        TREND[TREND["organisation_type"] == "kommun"], lang, subject="Nationellt index"
    )
    assert single.split(". ")[1].startswith("Nationellt index: ")
    one_round = pd.concat([TREND, TREND.iloc[:1].assign(organisation_type="y", estimate=47.0)])
    alt = plots.alt_text_trend_lines(one_round, lang, group_col="organisation_type")
    assert f"y: {pct(47.0, lang)} (2019)" in alt
    empty_group = pd.concat([TREND, TREND.iloc[:1].assign(organisation_type="x", estimate=np.nan)])
    assert "x:" not in plots.alt_text_trend_lines(empty_group, lang, group_col="organisation_type")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_alt_text_slopegraph(lang):
    alt = plots.alt_text_slopegraph(PANEL, lang, baseline_year=2021, follow_up_year=2023)
    drawn = PANEL.iloc[:3]  # reportable with both scores
    change = (drawn["follow_up"] - drawn["baseline"]).mean()
    assert numbers_module.format_pp(change, lang) in alt
    assert "2021" in alt and "2023" in alt and " 3 " in alt
    assert "o1" not in alt and "HIDDEN" not in alt


@pytest.mark.parametrize("lang", LANGUAGES)
def test_alt_text_heatmaps(lang):
    alt = plots.alt_text_heatmap(MATRIX, lang, center=55.0)
    high = t("figure.group.organisation_type.kommun", lang)
    assert f"{pct(70.0, lang)} (cloud, {high})" in alt
    assert f"{pct(38.44, lang)} (strategic_alignment, {high})" in alt
    above = int((MATRIX.to_numpy() > 55).sum())  # NaN compares False
    assert above == 3 and f"; {above} " in alt
    assert t("figure.alt.heatmap.empty", lang, empty="1") in alt
    c = pd.DataFrame(
        [[1.0, 0.3, -0.6], [0.3, 1.0, 0.2], [-0.6, 0.2, 1.0]],
        index=["i1", "i2", "i3"], columns=["i1", "i2", "i3"],
    )  # fmt: skip
    alt = plots.alt_text_correlation_heatmap(c, lang)
    assert num(-0.6, lang, 2) in alt and num(0.3, lang, 2) in alt and num(0.2, lang, 2) in alt
    assert "i1" in alt and "i3" in alt  # the strongest pair, by absolute value


def test_alt_text_dispatcher_takes_the_figure_arguments(types_df, close_after):
    kwargs = {"group_col": "organisation_type", "target": 55, "title": "", "figsize": SMALL}
    close_after(plots.trend_lines(TREND, "sv", **kwargs))
    assert plots.alt_text("trend_lines", TREND, "sv", **kwargs) == plots.alt_text_trend_lines(
        TREND, "sv", group_col="organisation_type", target=55
    )
    assert set(plots.ALT_TEXT_BUILDERS) == {
        name for name in plots.__all__ if f"alt_text_{name}" in plots.__all__
    }
    with pytest.raises(ValueError, match="figure must be one of"):
        plots.alt_text("pie_chart", TREND)
    with pytest.raises(TypeError):
        plots.alt_text("trend_lines", TREND, "sv", taget=55)  # a typo is not silently dropped


@pytest.mark.parametrize("lang", LANGUAGES)
def test_alt_text_on_demo_data(demo_data, demo_scores, lang):
    """Every number in the alt text of the report figures comes from the data shown."""
    from dimios_research.report import summaries

    profile = summaries.profile_table(
        demo_scores, 2023, demo_data.codebook, "capability", lang, n_boot=20, seed=1
    )
    alt = plots.alt_text_profile_bars(profile, lang)
    high, low = profile.loc[profile["estimate"].idxmax()], profile.loc[profile["estimate"].idxmin()]
    assert alt.startswith(t("figure.alt.profile_bars.lead", lang, n="32",
                            units=t("figure.alt.units.capability", lang)))  # fmt: skip
    assert f"{high['label']} {pct(high['estimate'], lang)}" in alt
    assert f"{low['label']} {pct(low['estimate'], lang)}" in alt
    assert " 6 " in alt  # six category headings
    matrix = summaries.capability_by_type(demo_scores, 2023, demo_data.codebook, lang)
    alt = plots.alt_text_heatmap(matrix, lang)
    assert pct(np.nanmax(matrix.to_numpy()), lang) in alt
    assert pct(np.nanmin(matrix.to_numpy()), lang) in alt
    overall = summaries.organisation_scores(demo_scores, 2023)
    alt = plots.alt_text_distribution_by_group(overall, "score_pct", "type", lang)
    assert f"(n = {int(overall['type'].eq('kommun').sum())})" in alt
    types = summaries.round_types(demo_scores, 2023)
    alt = plots.alt_text_quadrant_map(types, lang, cut=demo_scores.parameters["cut"])
    assert f" {len(types)} " in alt


# ----------------------------------------------------------------------------------------------
# issue 16: one layout pass, compact SVG
# ----------------------------------------------------------------------------------------------
def test_compact_svg_draws_the_same(types_df, close_after):
    """Same elements, attributes and texts; coordinates within half a hundredth of a point."""
    import matplotlib as mpl

    fig = _figure_for_saving(types_df)
    close_after(fig)
    buffer = io.BytesIO()
    for fonttype in ("path", "none"):  # glyph outlines, and text as text (the package's)
        with mpl.rc_context({"svg.hashsalt": plots.SVG_HASHSALT, "svg.fonttype": fonttype}):
            fig.savefig(buffer, format="svg")
        small = _check_compact_svg(buffer.getvalue())
        buffer = io.BytesIO()
        if fonttype == "path":
            assert b"scale(0.0" in small  # font sizes are not rounded
        else:
            assert b"<text" in small and b"font-size: 9.35px" in small


def _check_compact_svg(raw: bytes) -> bytes:
    import re
    import xml.etree.ElementTree as ET

    small = plots.compact_svg(raw)
    assert len(small) < 0.9 * len(raw)
    assert small.startswith(b"<svg") and b"<!--" not in small and b"\n" not in small
    before, after = ET.fromstring(raw), ET.fromstring(small)
    for metadata in before.findall("{http://www.w3.org/2000/svg}metadata"):
        before.remove(metadata)  # the RDF block draws nothing; compact_svg drops it
    drawn = list(before.iter())
    assert [e.tag for e in drawn] == [e.tag for e in after.iter()]
    # a repeated style became a class: put each rule back where the style was
    sheet = "".join(e.text or "" for e in after.iter("{http://www.w3.org/2000/svg}style"))
    rules = dict(re.findall(r"\.(s\d+)\{([^}]*)\}", sheet))
    for element in after.iter():
        if element.get("class") is not None:
            element.set("style", rules[element.attrib.pop("class")])
    for old_sheet, new_sheet in zip(
        before.iter("{http://www.w3.org/2000/svg}style"),
        after.iter("{http://www.w3.org/2000/svg}style"),
    ):
        new_sheet.text = re.sub(r"\.s\d+\{[^}]*\}", "", new_sheet.text or "")
        assert old_sheet.text.strip() == new_sheet.text.strip()
    number = re.compile(r"-?\d+(?:\.\d+)?")
    for old, new in zip(drawn, after.iter(), strict=True):
        assert sorted(old.keys()) == sorted(new.keys())
        for key, value in old.items():  # (an Element iterates its children, not its keys)
            a, b = " ".join(value.split()), " ".join(new.get(key).split())
            assert number.sub("#", a) == number.sub("#", b), key  # only numbers change
            pairs = zip(number.findall(a), number.findall(b), strict=True)
            assert all(abs(float(x) - float(y)) <= 0.005 + 1e-9 for x, y in pairs), key
        assert (old.text or "").strip() == (new.text or "").strip()
    return small


def test_one_layout_pass_gives_the_settled_layout(close_after):
    """A second constrained-layout pass moves no Axes by more than a tenth of a point."""
    fig = plots.heatmap(MATRIX, "sv", center=50, figsize=SMALL)
    close_after(fig)
    plots._settle_layout(fig)
    once = np.array([ax.get_position().bounds for ax in fig.axes])
    for _ in range(3):
        fig.get_layout_engine().execute(fig)
    settled = np.array([ax.get_position().bounds for ax in fig.axes])
    assert np.abs(once - settled).max() * 72 * max(SMALL) < 0.1
