"""Benchmark of the report runner on the bundled demo data.

Measured in one run and printed (never asserted):

1. The status report end to end: ``dimios-research report status`` from a cold cache
   (validation, scoring, notebook execution, HTML export). Target: under 60 s on a 2-core
   machine.
2. Twenty organisation profiles: ``dimios-research report organisation --org ... --jobs 2``
   (scores once, passes the cache to every notebook, two worker processes) against twenty
   sequential runs of the plain ``papermill`` command line followed by
   ``jupyter nbconvert --to html --no-input`` on the same notebook (each run scores the data
   itself, as a plain papermill run does). Target: the runner at least 3x faster.

Run from the repository root::

    .venv/bin/python benchmarks/bench_reports.py            # 20 profiles, --jobs 2
    .venv/bin/python benchmarks/bench_reports.py --profiles 4 --jobs 2   # quick look
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DATA = ROOT / "data" / "demo"
NOTEBOOK = ROOT / "notebooks" / "organisation_profile.ipynb"


def _run(cmd: list[str], cwd: Path = ROOT) -> float:
    """Run a command, fail loudly on error, return its wall time in seconds."""
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(
            f"benchmark command failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-2000:]}"
        )
    return elapsed


def _profiles(n: int) -> list[str]:
    """The ``n`` largest reportable municipalities and regions of the latest round."""
    sys.path.insert(0, str(ROOT))
    from dimios_research.report.results import load_or_score
    from dimios_research.report.runner import example_organisations

    return example_organisations(load_or_score(DATA), None, n=n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=20, help="Number of profiles.")
    parser.add_argument("--jobs", type=int, default=2, help="Worker processes of the runner.")
    args = parser.parse_args()
    cli = str(BIN / "dimios-research")
    print(f"python {sys.executable}; {os.cpu_count()} CPUs; data {DATA}")

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "status"
        seconds = _run(
            [cli, "report", "status", "--data", str(DATA), "--out", str(out), "--no-progress"]
        )
        print(f"status report end to end (cold cache, sv): {seconds:.1f} s (target < 60 s)")

    orgs = _profiles(args.profiles)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "runner"
        runner = _run(
            [
                cli,
                "report",
                "organisation",
                "--data",
                str(DATA),
                "--out",
                str(out),
                "--org",
                ",".join(orgs),
                "--jobs",
                str(args.jobs),
                "--no-progress",
            ]
        )
        print(
            f"{len(orgs)} profiles, dimios-research report --jobs {args.jobs} "
            f"(scoring included): {runner:.1f} s ({runner / len(orgs):.2f} s per profile)"
        )

        plain_dir = Path(tmp) / "plain"
        plain_dir.mkdir()
        plain = 0.0
        for org in orgs:
            executed = plain_dir / f"profile_{org}.ipynb"
            plain += _run(
                [
                    str(BIN / "papermill"),
                    str(NOTEBOOK),
                    str(executed),
                    "-p",
                    "data_dir",
                    str(DATA),
                    "-p",
                    "organisation_id",
                    org,
                    "-p",
                    "output_dir",
                    str(plain_dir / org),
                    "--cwd",
                    str(NOTEBOOK.parent),
                    "--no-progress-bar",
                ]
            )
            plain += _run(
                [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)]
            )
        print(
            f"{len(orgs)} profiles, sequential papermill + jupyter nbconvert: {plain:.1f} s "
            f"({plain / len(orgs):.2f} s per profile)"
        )
    print(f"speed-up of the runner: {plain / runner:.1f}x (target >= 3x)")


if __name__ == "__main__":
    main()
