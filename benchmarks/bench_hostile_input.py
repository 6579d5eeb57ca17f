"""Hostile input is refused or scanned in bounded time, with baselines measured in the same run.

Prints:

1. personal-data patterns: the time of :func:`dimios_research.io.privacy.find_personal` on
   100 KB and 10 MB cells of several hostile shapes, against a C-speed baseline over the
   same text (``str.count``), and the time of the old e-mail pattern on a 10 KB cell (it is
   quadratic: 100 KB took 56 s); target: 10 MB in well under a second;
2. an XLSX "zip bomb" of about 1.2 MB that expands to 355 MB: the time to refusal and the
   message, against the time to read a real workbook of the same compressed size;
3. YAML: the time to refuse an alias bomb in a mapping and a 50 MB mapping, and to parse a
   4 MB mapping (the size limit) with the libyaml path against the pure-Python loader.

Run: .venv/bin/python benchmarks/bench_hostile_input.py
"""

from __future__ import annotations

import re
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from dimios_research.errors import DataValidationError
from dimios_research.io.files import format_bytes, read_table
from dimios_research.io.mapping import load_mapping
from dimios_research.io.privacy import find_personal

OLD_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-zA-Z]{2,}")
CELLS = {
    "letters": lambda n: "a" * n,
    "at signs": lambda n: "a@" * (n // 2),
    "dotted local part": lambda n: ("a." * 30 + "@" + "b." * 30) * (n // 122),
    "digits": lambda n: "1" * n,
    "id-like numbers": lambda n: "121212-1213 " * (n // 12),
    "valid personnummer": lambda n: "x " * (n // 2 - 8) + "121212-1212",
}


def timed(func, *args, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        func(*args)
        best = min(best, time.perf_counter() - start)
    return best


def patterns() -> None:
    print("1. personal-data patterns (best of 3)")
    print(f"  {'cell':20s} {'100 KB':>9s} {'10 MB':>9s} {'baseline 10 MB':>15s} {'found':>14s}")
    for name, make in CELLS.items():
        small, large = make(100 * 1024), make(10 * 1024 * 1024)
        t_small, t_large = timed(find_personal, small), timed(find_personal, large)
        base = timed(lambda text: text.count("@") + text.count("-"), large)
        found = find_personal(large) or "-"
        print(f"  {name:20s} {t_small:8.3f}s {t_large:8.3f}s {base:14.4f}s {found:>14s}")
    old = [timed(OLD_EMAIL.search, "a" * k * 1024, repeats=1) for k in (5, 10, 20)]
    print(
        f"  old e-mail pattern on 5, 10, 20 KB of letters: {old[0]:.2f}, {old[1]:.2f}, "
        f"{old[2]:.2f} s (quadratic: 100 KB took 56 s)"
    )


def xlsx_bomb(folder: Path, expanded: int = 355 * 1024 * 1024) -> Path:
    """A workbook whose one sheet expands to ``expanded`` bytes of rows."""
    real = folder / "real.xlsx"
    pd.DataFrame({"respondent_id": ["r1"], "organisation_id": ["K001"]}).to_excel(real, index=False)
    bomb = folder / "bomb.xlsx"
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(real) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item, source.read(item))
        with out.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                b'2006/main"><sheetData>'
            )
            written = 0
            while written < expanded:
                digits = rng.integers(0, 10, 8).astype(str)
                row = "".join(f"<row><c><v>{d}</v></c></row>" for d in digits).encode()
                block = row * 400
                sheet.write(block)
                written += len(block)
            sheet.write(b"</sheetData></worksheet>")
    return bomb


def workbooks() -> None:
    print("2. XLSX bomb")
    with tempfile.TemporaryDirectory() as tmp:
        bomb = xlsx_bomb(Path(tmp))
        with zipfile.ZipFile(bomb) as archive:
            expanded = sum(i.file_size for i in archive.infolist())
        start = time.perf_counter()
        try:
            read_table(bomb)
            message = "NOT refused"
        except DataValidationError as exc:
            message = str(exc)
        refusal = time.perf_counter() - start
        real = Path(tmp) / "real_big.xlsx"
        frame = pd.read_csv(
            Path(__file__).resolve().parents[1] / "data/demo/responses_2023.csv",
            dtype=str,
            keep_default_na=False,
            encoding="utf-8",
        )
        frame.to_excel(real, index=False)
        baseline = timed(read_table, real, repeats=1)
        print(
            f"  {format_bytes(bomb.stat().st_size)} workbook expanding to "
            f"{format_bytes(expanded)}: refused in {refusal:.3f} s"
        )
        print(f"  message: {message}")
        print(
            f"  baseline: a real {format_bytes(real.stat().st_size)} workbook is read in "
            f"{baseline:.2f} s"
        )


def yaml_files() -> None:
    from dimios_research import safe_yaml

    print("3. YAML")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
    )
    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "alias bomb (9^9 = 387 million values)": "values:\n  " + bomb.replace("\n", "\n  "),
            "50 MB mapping": "columns:\n" + "  a_column_with_a_long_name: item\n" * 1_600_000,
        }
        for label, text in cases.items():
            path = Path(tmp) / "m.yaml"
            path.write_text(text)
            start = time.perf_counter()
            try:
                load_mapping(path)
                outcome = "NOT refused"
            except DataValidationError as exc:
                outcome = str(exc).split(": ", 1)[1]
            print(f"  {label}: refused in {time.perf_counter() - start:.3f} s ({outcome})")
    text = "columns:\n" + "".join(f"  col_{i}: item_{i}\n" for i in range(150_000))
    fast = timed(lambda t: safe_yaml.load_yaml_text(t, source="4 MB"), text, repeats=1)
    slow = timed(lambda t: safe_yaml.yaml.load(t, Loader=safe_yaml._NoAliasLoader), text, repeats=1)
    print(
        f"  {format_bytes(len(text))} mapping parsed in {fast:.2f} s "
        f"(pure-Python loader: {slow:.2f} s, {slow / fast:.1f}x)"
    )


def main() -> None:
    patterns()
    workbooks()
    yaml_files()


if __name__ == "__main__":
    main()
