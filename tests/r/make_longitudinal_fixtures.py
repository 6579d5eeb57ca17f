"""Write the small, deterministic fixtures used by the compare/longitudinal R reference scripts.

Run from the repository root::

    .venv/bin/python tests/r/make_longitudinal_fixtures.py

It writes

* ``tests/r/compare_groups.csv``: one score per organisation (``organisation_id, type,
  score_pct``) in four types with unequal sizes and variances, rounded to whole points so that
  the rank tests see ties;
* ``tests/r/longitudinal_panel.csv``: an unbalanced panel (40 organisations, 2-5 rounds in
  2019-2023) with ``year, organisation_id, score_pct, se, n_respondents, type,
  programme_start`` (staggered programme starts 2020-2022, about half never join).

The values are rounded to 2 decimals so that the CSV round-trip is exact in R and Python.
The generator is seeded; re-running it gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20240611


def make_compare_fixture(rng: np.random.Generator) -> pd.DataFrame:
    """Organisation scores in four types with unequal sizes and spreads."""
    spec = {"kommun": (14, 52.0, 9.0), "region": (6, 58.0, 4.0), "myndighet": (9, 47.0, 12.0)}
    spec["annan"] = (5, 50.0, 6.0)
    frames = []
    for org_type, (n, mean, sd) in spec.items():
        frames.append(
            pd.DataFrame({"type": org_type, "score_pct": np.round(rng.normal(mean, sd, n), 0)})
        )
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "organisation_id", [f"org{i:03d}" for i in range(1, len(out) + 1)])
    return out


def make_panel_fixture(rng: np.random.Generator, n_org: int = 40) -> pd.DataFrame:
    """Unbalanced panel with a yearly trend, a programme effect and organisation slopes."""
    years = np.arange(2019, 2024)
    org_ids = np.array([f"org{i:03d}" for i in range(1, n_org + 1)])
    org_type = rng.choice(["kommun", "region", "myndighet"], size=n_org, p=[0.6, 0.15, 0.25])
    intercept = rng.normal(0.0, 6.0, n_org)
    slope = rng.normal(0.0, 0.8, n_org)
    joins = rng.random(n_org) < 0.5
    start = np.where(joins, rng.choice([2020, 2021, 2022], size=n_org), np.nan)
    # Each organisation takes part in 2-5 consecutive-or-not rounds.
    present = rng.random((n_org, years.size)) < 0.7
    n_present = present.sum(axis=1)
    for i in np.flatnonzero(n_present < 2):  # guarantee at least two rounds per organisation
        present[i, rng.choice(years.size, size=2, replace=False)] = True
    org_idx, year_idx = np.nonzero(present)
    year = years[year_idx]
    treated_now = ~np.isnan(start[org_idx]) & (year >= np.nan_to_num(start[org_idx], nan=9999))
    n_resp = rng.integers(3, 15, size=org_idx.size)
    se = np.round(12.0 / np.sqrt(n_resp), 2)
    score = (
        48.0
        + 1.5 * (year - 2021)
        + intercept[org_idx]
        + slope[org_idx] * (year - 2021)
        + 4.0 * treated_now
        + rng.normal(0.0, se)
    )
    return pd.DataFrame(
        {
            "year": year,
            "organisation_id": org_ids[org_idx],
            "score_pct": np.round(np.clip(score, 0, 100), 2),
            "se": se,
            "n_respondents": n_resp,
            "type": org_type[org_idx],
            "programme_start": start[org_idx],
        }
    )


def main() -> None:
    rng = np.random.default_rng(SEED)
    make_compare_fixture(rng).to_csv(HERE / "compare_groups.csv", index=False)
    make_panel_fixture(rng).to_csv(HERE / "longitudinal_panel.csv", index=False)


if __name__ == "__main__":
    main()
