"""What an organisation profile's figures cost, against matplotlib's own floor, in one run.

Issue 16 asks for all ~150 demo profiles in 25× the time of a bare Python start. On two cores
that leaves each profile about 0.5 s of CPU in all: its statistics, tables, workbook, figures,
PDF and the Jupyter protocol. This script prints, in process and with a warm results store:

- the floor of one matplotlib figure as the reports save it: one Axes, one line, two axis
  labels, constrained layout once and SVG, written by
  :func:`~dimios_research.report.figures.save_figure`;
- each of the profile's three figures, split into building, layout and writing the SVG, and
  its ratio to that floor;
- a whole profile (:func:`~dimios_research.report.profile.build_organisation_profile`:
  sections, figures and document saved; no PDF, no DIOS section), and the figures' share.

Nothing is asserted. Run from the repository root::

    .venv/bin/python benchmarks/bench_figures.py [--profiles 10]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from matplotlib.figure import Figure

import dimios_research as dr
from dimios_research.report import figures, runner, summaries
from dimios_research.report import profile as organisation_profile

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("build", "layout", "svg")


def _timed_save(make_figure, folder: Path) -> dict[str, float]:
    """Seconds to build a figure, lay it out and write it as the reports do (SVG only).

    :func:`~dimios_research.report.figures.save_figure` itself writes the file; its layout
    step is timed by wrapping :func:`~dimios_research.report.figures._settle_layout`.
    """
    settle, spent = figures._settle_layout, {}

    def timed_settle(fig: Figure, *args, **kwargs) -> None:
        started = time.perf_counter()
        settle(fig, *args, **kwargs)
        spent["layout"] = time.perf_counter() - started

    started = time.perf_counter()
    with figures.theme():
        fig = make_figure()
    built = time.perf_counter()
    figures._settle_layout = timed_settle
    try:
        figures.save_figure(fig, folder / "figure", formats=("svg",))
    finally:
        figures._settle_layout = settle
    saved = time.perf_counter()
    layout = spent["layout"]
    return {"build": built - started, "layout": layout, "svg": saved - built - layout}


def _floor_figure() -> Figure:
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([2021, 2022, 2023], [50, 55, 53])
    ax.set_xlabel("year")
    ax.set_ylabel("score")
    return fig


def _profile_figures(results, organisation_id: str) -> dict:
    profile = organisation_profile.profile_for(results, organisation_id, None, "sv")
    name, scores = profile.attributes["name"], results.scores
    ranks = profile.ranks.rename(columns={"score_pct": "estimate"})
    trend = profile.trend.rename(columns={"score_pct": "estimate"})
    return {
        "profile_bars": lambda: figures.profile_bars(
            ranks, "sv", reference_col="mean_peers", estimate_label=name, title=""
        ),
        "quadrant_map": lambda: figures.quadrant_map(
            summaries.round_types(scores, profile.year),
            "sv",
            cut=scores.parameters["cut"],
            highlight=organisation_id,
            title="",
        ),
        "trend_lines": lambda: figures.trend_lines(
            trend, "sv", group_col="label", ylabel="score", title=""
        ),
    }


def _whole_profile(results, organisation_id: str, folder: Path) -> float:
    started = time.perf_counter()
    organisation_profile.build_organisation_profile(
        results, folder / organisation_id, organisation_id, show=False
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10, help="Profiles to time.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results = dr.load_or_score(ROOT / "data" / "demo", folder / "results")
        ids = runner.reportable_organisations(results, results.scores.years[-1])
        ids = ids[: args.profiles]
        _whole_profile(results, ids[0], folder)  # warm: imports, caches, fonts
        floors = [sum(_timed_save(_floor_figure, folder).values()) for _ in range(20)]
        floor = statistics.median(floors)
        phases: dict[str, dict[str, list[float]]] = {}
        for organisation_id in ids:
            for kind, make in _profile_figures(results, organisation_id).items():
                for phase, seconds in _timed_save(make, folder).items():
                    phases.setdefault(kind, {}).setdefault(phase, []).append(seconds)
        whole = statistics.median(_whole_profile(results, i, folder) for i in ids)
    print(f"floor: one Axes, one line, layout and SVG      {floor * 1000:6.0f} ms")
    total = 0.0
    for kind, by_phase in phases.items():
        means = {p: statistics.mean(by_phase[p]) for p in PHASES}
        total += sum(means.values())
        split = "  ".join(f"{p} {means[p] * 1000:4.0f}" for p in PHASES)
        print(f"{kind:<14} {split} ms = {sum(means.values()) / floor:4.1f}× floor")
    print(f"three figures, mean of {len(ids)} profiles            {total * 1000:6.0f} ms")
    print(
        f"whole profile in process (no PDF), median       {whole * 1000:6.0f} ms "
        f"(figures {total / whole:.0%})"
    )


if __name__ == "__main__":
    main()
