"""Generate the deterministic fixtures of the weighting R reference.

Run once from the repository root (``python tests/r/make_weighting_fixtures.py``); the CSV
files are committed so that ``Rscript tests/r/weighting_reference.R`` and
``tests/test_weighting.py`` read the same data.

- ``weighting_frame.csv``: a register of 300 organisations (3 types, 5 ordered size classes,
  6 counties).
- ``weighting_sample.csv``: 110 responding organisations drawn with probabilities rising with
  size, their score, and ``stratum``: the type/size_class post-stratum after merging cells
  with fewer than 3 respondents by the rule of
  :func:`dimios_research.stats.weighting.collapse_cells` (the test checks that the function
  still gives these labels).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from dimios_research.stats.weighting import collapse_cells  # noqa: E402

SEED = 20261122
SIZES = ["XS", "S", "M", "L", "XL"]


def make_frame(rng: np.random.Generator) -> pd.DataFrame:
    types = np.repeat(["kommun", "myndighet", "region"], [200, 70, 30])
    size_p = {
        "kommun": [0.10, 0.40, 0.30, 0.15, 0.05],
        "myndighet": [0.35, 0.40, 0.20, 0.05, 0.0],
        "region": [0.0, 0.10, 0.30, 0.30, 0.30],
    }
    size = np.array([rng.choice(SIZES, p=size_p[t]) for t in types])
    county = rng.choice([f"C{k}" for k in range(1, 7)], size=len(types))
    return pd.DataFrame(
        {
            "organisation_id": [f"O{k:03d}" for k in range(1, len(types) + 1)],
            "type": types,
            "size_class": size,
            "county": county,
        }
    )


def make_sample(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    size_rank = frame["size_class"].map({s: k for k, s in enumerate(SIZES)}).to_numpy()
    propensity = np.exp(0.5 * size_rank) * np.where(frame["type"] == "myndighet", 0.6, 1.0)
    chosen = np.sort(
        rng.choice(len(frame), size=110, replace=False, p=propensity / propensity.sum())
    )
    sample = frame.iloc[chosen].copy()
    type_effect = sample["type"].map({"kommun": 0.0, "myndighet": 4.0, "region": 3.0})
    score = 45 + 2.0 * size_rank[chosen] + type_effect + rng.normal(0, 8, len(chosen))
    sample["score"] = np.round(score, 4)
    frame_cat = frame.assign(size_class=pd.Categorical(frame["size_class"], SIZES, ordered=True))
    sampled = np.zeros(len(frame), bool)
    sampled[chosen] = True
    cells = collapse_cells(frame_cat, sampled, ["type", "size_class"], min_cell=3)
    label = frame["type"] + "/" + frame["size_class"]
    stratum = pd.Series(cells["stratum"].to_numpy(), index=cells["cell"])
    frame["stratum"] = stratum.loc[label].to_numpy()
    sample["stratum"] = frame["stratum"].iloc[chosen].to_numpy()
    return sample


def main() -> None:
    rng = np.random.default_rng(SEED)
    frame = make_frame(rng)
    sample = make_sample(rng, frame)
    frame.to_csv(HERE / "weighting_frame.csv", index=False, lineterminator="\n")
    sample.to_csv(HERE / "weighting_sample.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
