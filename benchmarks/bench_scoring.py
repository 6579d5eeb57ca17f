"""Scoring and bootstrap performance, with a baseline measured in the same run.

Prints:
1. the time to score about 1,000,000 answers (400 organisations × 36 respondents × 70 items)
   at every level for respondents and organisations, the time of a bare pandas group mean
   over the same answer matrix, and their ratio (target: scoring < 1 s, ratio < 5);
2. the time of the national index with 10,000 bootstrap resamples over 400 organisations
   (target < 0.5 s).

Run: .venv/bin/python benchmarks/bench_scoring.py
Wall times on shared machines are noisy: each figure is the best of several repeats, and the
scoring and its baseline run alternately so that both see the same conditions.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from dimios_research.instrument.codebook import load_codebook
from dimios_research.io.survey import SurveyData, ValidationReport
from dimios_research.scoring.survey import score
from dimios_research.stats.indices import national_index

N_ORGS, N_RESP, REPEATS = 400, 36, 5


def best_of(func, repeats: int = REPEATS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def interleaved(baseline, candidate, repeats: int = 9) -> tuple[float, float, object]:
    """Best times of two functions run alternately, so both see the same machine noise."""
    baseline_times, candidate_times, result = [], [], None
    for _ in range(repeats):
        baseline_times.append(best_of(baseline, 1)[0])
        elapsed, result = best_of(candidate, 1)
        candidate_times.append(elapsed)
    return min(baseline_times), min(candidate_times), result


def make_data() -> SurveyData:
    cb = load_codebook()
    rng = np.random.default_rng(0)
    n = N_ORGS * N_RESP
    answers = rng.integers(1, 6, size=(n, len(cb.item_ids))).astype(float)
    answers[rng.random(answers.shape) < 0.05] = np.nan
    frame = pd.DataFrame(answers, columns=cb.item_ids)
    frame.insert(0, "respondent_id", [f"r{k}" for k in range(n)])
    frame.insert(0, "organisation_id", np.repeat([f"O{k:03d}" for k in range(N_ORGS)], N_RESP))
    frame.insert(0, "year", 2023)
    orgs = pd.DataFrame(
        {
            "organisation_id": [f"O{k:03d}" for k in range(N_ORGS)],
            "name": "x",
            "type": "kommun",
            "county": "X",
            "size_class": "M",
            "employees": 1000.0,
            "population": np.nan,
            "programme_start": np.nan,
        }
    )
    report = ValidationReport((), {}, n, n, 0, {}, {}, 0, {}, (), False)
    return SurveyData(frame, pd.DataFrame(), orgs, report, pd.DataFrame(), pd.DataFrame(), cb)


def main() -> None:
    data = make_data()
    items = data.codebook.item_ids
    n_answers = len(data.respondents) * len(items)
    bare, scoring, scores = interleaved(
        lambda: data.respondents.groupby("organisation_id")[items].mean(), lambda: score(data)
    )
    print(f"answers scored:                      {n_answers:,}")
    print(f"score() all levels, resp. + orgs:    {scoring:.3f} s   (target < 1 s)")
    rows = len(scores.respondents) + len(scores.organisations)
    print(f"  (includes the tidy output: {rows:,} rows of respondent and organisation scores)")
    print(f"bare pandas group mean, same matrix: {bare:.3f} s")
    print(f"ratio score / bare group mean:       {scoring / bare:.1f}x (target < 5x)")
    boot, row = best_of(lambda: national_index(scores, 2023, n_boot=10_000, seed=0))
    one_resample_loop, _ = best_of(
        lambda: [np.random.default_rng(k).choice(400, 400).mean() for k in range(100)], 3
    )
    print(
        f"national index, 10,000 resamples × {int(row['n_organisations'].iloc[0])} orgs: "
        f"{boot:.3f} s   (target < 0.5 s)"
    )
    print(
        f"  for scale: a Python loop of 10,000 resamples would take about "
        f"{one_resample_loop * 100:.2f} s (ratio {one_resample_loop * 100 / boot:.1f}x)"
    )


if __name__ == "__main__":
    main()
