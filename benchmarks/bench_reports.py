"""Report speed and size on the bundled demo data, as ratios to a floor measured in the same run.

The floor is a fresh Python process importing pandas, numpy, scipy.stats and
matplotlib.pyplot: no report can start faster. Printed (never asserted), with targets:

====================================================  =============================
warm status report (``report status``, cache warm)      ≤ 3× floor
20 organisation profiles, ``--jobs 2`` (cache warm)     ≤ 6× floor
all demo profiles (``--all``, ``--jobs 2``, warm)        ≤ 25× floor
``make report`` after installation (``report all``,     ≤ 10× floor
a fresh output folder: scoring included)
each profile's outputs (HTML, PDF, ipynb, figures,      ≤ 400 KB
tables, document.json)
====================================================  =============================

Every command runs the ``dimios-research`` command line in a new process
(``python -m dimios_research``), as a user does; the report notebooks run in their
own Jupyter kernel, which inherits ``PYTHONPATH``. ``--tree`` measures another source tree
of the package (e.g. an export of an earlier commit) with the same script, for a before and
after comparison on the same machine::

    .venv/bin/python benchmarks/bench_reports.py                    # this tree
    git archive main | tar -x -C /tmp/before
    .venv/bin/python benchmarks/bench_reports.py --tree /tmp/before   # the earlier code
    .venv/bin/python benchmarks/bench_reports.py --quick            # status and 20 only

Wall times on shared machines are noisy: the floor is the median of five runs, and the
warm status report the median of three.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR_CODE = "import pandas, numpy, scipy.stats, matplotlib.pyplot"
TARGETS = {"status": 3.0, "profiles20": 6.0, "profiles_all": 25.0, "all": 10.0}
SIZE_TARGET_KB = 400


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    """Run a command, fail loudly on error, return its wall time in seconds."""
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"command failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr[-3000:]}")
    return elapsed


def _folder_kb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1024


def _profile_sizes(out: Path) -> list[float]:
    """Size in KB of every organisation profile folder under ``out``."""
    return [_folder_kb(p) for p in sorted(out.glob("*/*/organisations/*")) if p.is_dir()]


def _organisations(tree: Path, env: dict[str, str], n: int) -> list[str]:
    """The ``n`` largest reportable municipalities and regions (the runner's own choice)."""
    code = (
        "from dimios_research.report.results import load_or_score\n"
        "from dimios_research.report.runner import example_organisations\n"
        f"print(','.join(example_organisations(load_or_score({str(tree / 'data' / 'demo')!r}),"
        f" None, n={n})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().split(",")


def _line(name: str, seconds: float, floor: float, target: float | None) -> None:
    ratio = seconds / floor
    verdict = "" if target is None else (" met" if ratio <= target else " NOT met")
    goal = "" if target is None else f" (target ≤ {target:g}×{verdict})"
    print(f"{name:<46} {seconds:7.1f} s  {ratio:5.1f}× floor{goal}", flush=True)


def _measure(args: argparse.Namespace, env: dict[str, str], tmp: Path, floor: float) -> None:
    tree, data = args.tree, args.tree / "data" / "demo"
    # earlier trees have no ``__main__`` module: their command is the CLI module itself
    package = "dimios_research" if (tree / "dimios_research" / "__main__.py").is_file() else (
        "dimios_research.cli.main"
    )  # fmt: skip
    cli = [sys.executable, "-m", package, "report"]
    common = ["--data", str(data), "--no-progress"]
    warm = tmp / "warm"
    _run([*cli, "status", *common, "--out", str(warm)], env, tmp)  # fills the cache
    status = [_run([*cli, "status", *common, "--out", str(warm)], env, tmp) for _ in range(3)]
    _line("warm status report", statistics.median(status), floor, TARGETS["status"])

    orgs = _organisations(tree, env, args.profiles)
    jobs = ["--jobs", str(args.jobs)]
    seconds = _run([*cli, "organisation", *common, "--out", str(warm), "--org", ",".join(orgs),
                    *jobs], env, tmp)  # fmt: skip
    _line(f"{len(orgs)} organisation profiles, --jobs {args.jobs}", seconds, floor,
          TARGETS["profiles20"] if len(orgs) == 20 else None)  # fmt: skip
    sizes = _profile_sizes(warm)
    if args.quick:
        return _sizes(sizes)
    every = tmp / "every"
    _run([*cli, "status", *common, "--out", str(every), "--format", "html"], env, tmp)  # cache
    seconds = _run([*cli, "organisation", *common, "--out", str(every), "--all", *jobs], env, tmp)
    count = len(_profile_sizes(every))
    _line(f"all {count} demo profiles, --jobs {args.jobs}", seconds, floor, TARGETS["profiles_all"])
    sizes = _profile_sizes(every)
    seconds = _run([*cli, "all", "--data", str(data), "--out", str(tmp / "make"),
                    "--no-progress"], env, tmp)  # fmt: skip
    _line("make report (report all, fresh output folder)", seconds, floor, TARGETS["all"])
    _sizes(sizes)


def _sizes(sizes: list[float]) -> None:
    largest = max(sizes)
    verdict = "met" if largest <= SIZE_TARGET_KB else "NOT met"
    print(
        f"{'profile outputs (KB): mean / largest':<46} {statistics.mean(sizes):7.0f}  "
        f"{largest:7.0f} KB over {len(sizes)} profiles (target ≤ {SIZE_TARGET_KB} KB, {verdict})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="Source tree to measure.")
    parser.add_argument("--profiles", type=int, default=20, help="Profiles in the batch.")
    parser.add_argument("--jobs", type=int, default=2, help="Worker processes.")
    parser.add_argument("--quick", action="store_true", help="Status and profiles only.")
    args = parser.parse_args()
    args.tree = args.tree.resolve()
    env = os.environ | {"PYTHONPATH": str(args.tree)}
    floor = statistics.median(_run([sys.executable, "-c", FLOOR_CODE], env, ROOT) for _ in range(5))
    print(f"python {sys.executable}; {os.cpu_count()} CPUs; tree {args.tree}")
    print(f"{'floor (' + FLOOR_CODE[7:] + ')':<46} {floor:7.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        _measure(args, env, Path(tmp), floor)


if __name__ == "__main__":
    main()
