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
    assert t("organisation_type.kommun", lang) in legend
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
    assert len(ax.lines) == 3  # two groups and the target
    target_text = f"{t('legend.target', lang)} 55{NBSP if lang == 'sv' else ''}%"
    assert target_text in all_texts(fig)
    assert ax.get_ylim()[1] > 55  # the target is inside the plot
    legend = [text.get_text() for text in fig.legends[0].get_texts()]
    assert legend == [t("organisation_type.kommun", lang), t("organisation_type.region", lang)]


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
        t(f"organisation_type.{c}", lang) for c in MATRIX.columns
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


def test_save_figure_closes_only_when_asked(tmp_path):
    fig = plt.figure(figsize=(1, 1))
    plots.save_figure(fig, tmp_path / "kept", formats=("png",), dpi=20)
    assert fig.number in plt.get_fignums()
    plots.save_figure(fig, tmp_path / "closed", formats=("png",), dpi=20, close=True)
    assert fig.number not in plt.get_fignums()
