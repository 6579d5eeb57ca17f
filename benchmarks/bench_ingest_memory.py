"""Peak memory of ingest: a 200 MB CSV is refused with a clear message, not read into 23 GB.

Prints, each measured in a fresh process (peak resident set size, ``ru_maxrss``):

1. baseline: the interpreter with the package imported and the demo data read;
2. ``read_survey`` of a 200 MB CSV with the default limit: refused, with the message, the
   time to refusal and the peak memory (target: refused in well under a second);
3. ``read_survey`` of a CSV just under the default limit (50 MB): the peak memory of the
   whole ingest, read, validated and turned into tables (target < 2 GB);
4. ``read_table`` of the 200 MB CSV with the limit raised: the cost of reading alone
   (streamed: the file is decoded while it is parsed, never held as one text).

The CSVs are made from ``data/demo/responses_2023.csv`` by repeating its rows with new
respondent ids, in a temporary folder that is removed afterwards.

Run: .venv/bin/python benchmarks/bench_ingest_memory.py
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"

CHILD = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
from pathlib import Path
mode, folder, limit = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
from dimios_research.io.files import DEFAULT_MAX_BYTES, read_table
from dimios_research.io.survey import read_survey_dir
from dimios_research.errors import DataValidationError
limit = DEFAULT_MAX_BYTES if limit == "default" else int(limit)
start = time.perf_counter()
outcome = ""
try:
    if mode == "survey":
        data = read_survey_dir(folder, pseudonym_key="bench", max_bytes=limit)
        outcome = f"read {data.report.rows_read} rows, kept {data.report.rows_kept}"
    elif mode == "table":
        frame = read_table(folder / "responses.csv", max_bytes=limit)
        outcome = f"read {len(frame)} rows x {frame.shape[1]} columns as text"
    else:
        data = read_survey_dir(folder, pseudonym_key="bench")
        outcome = f"demo: {data.report.rows_read} rows"
except DataValidationError as exc:
    outcome = f"refused: {exc}"
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak_mb": peak}))
"""


def make_csv(folder: Path, megabytes: float) -> Path:
    """Repeat the demo's 2023 rows with fresh respondent ids until the file has the size."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEMO / "organisations.csv", folder / "organisations.csv")
    lines = (DEMO / "responses_2023.csv").read_bytes().splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    target = int(megabytes * 1024 * 1024)
    path = folder / "responses.csv"
    with path.open("wb") as out:
        out.write(header)
        size, copy = len(header), 0
        while size < target:
            for line in body:
                first, rest = line.split(b",", 1)
                row = first + b"x" + str(copy).encode() + b"," + rest
                if size + len(row) > target:
                    return path
                out.write(row)
                size += len(row)
            copy += 1
    return path


def measure(mode: str, folder: Path, limit: str = "default") -> dict:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(folder), limit],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def show(label: str, figures: dict) -> None:
    print(f"{label}\n  {figures['outcome']}")
    print(f"  time {figures['seconds']:.2f} s, peak memory {figures['peak_mb']:.0f} MB")


def main() -> None:
    from dimios_research.io.files import DEFAULT_MAX_BYTES, format_bytes

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big"
        at_limit = Path(tmp) / "at_limit"
        size = (make_csv(big, 200).stat().st_size, make_csv(at_limit, 49.5).stat().st_size)
        print(f"default limit: {format_bytes(DEFAULT_MAX_BYTES)}")
        show("1. baseline: import and read the demo data", measure("demo", DEMO))
        show(f"2. read_survey, {format_bytes(size[0])} CSV, default limit", measure("survey", big))
        near = measure("survey", at_limit)
        show(f"3. read_survey, {format_bytes(size[1])} CSV (just under the limit)", near)
        print(f"  target < 2048 MB: {'met' if near['peak_mb'] < 2048 else 'NOT met'}")
        raised = str(10 * 1024**3)
        show(
            f"4. read_table only, {format_bytes(size[0])} CSV, limit raised",
            measure("table", big, raised),
        )


if __name__ == "__main__":
    main()
