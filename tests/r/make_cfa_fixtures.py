"""Generate the deterministic fixture of the CFA and polychoric R references.

Run once from the repository root (``python tests/r/make_cfa_fixtures.py``); the CSV is
committed so that ``Rscript tests/r/cfa_reference.R``, ``Rscript
tests/r/polychoric_reference.R`` and the pytest modules read the same data.

``cfa_fixture.csv``: 3 rounds (2021: 300, 2022: 350, 2023: 400 respondents) answering 12
items on a 1-5 scale, 4 items on each of 3 correlated factors; the loadings of items 1-2 and
the intercept of item 5 shift in 2023 (so that invariance is tested on something). About 6 %
of the answers are missing (NaN).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20261123


def main() -> None:
    rng = np.random.default_rng(SEED)
    frames = []
    corr = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.4], [0.3, 0.4, 1.0]])
    loading = np.array([0.8, 0.7, 0.6, 0.75, 0.7, 0.65, 0.8, 0.6, 0.7, 0.75, 0.55, 0.8])
    for year, n in ((2021, 300), (2022, 350), (2023, 400)):
        lam = loading.copy()
        shift = np.zeros(12)
        if year == 2023:
            lam[:2] = [0.5, 0.45]
            shift[4] = 0.5
        factors = rng.multivariate_normal(np.zeros(3), corr, size=n)
        latent = np.repeat(factors, 4, axis=1) * lam + rng.normal(size=(n, 12)) * np.sqrt(
            1 - lam**2
        )
        codes = np.clip(np.rint(3 + 1.1 * latent + shift), 1, 5)
        codes[rng.random(codes.shape) < 0.06] = np.nan
        frame = pd.DataFrame(codes, columns=[f"i{k}" for k in range(1, 13)])
        frame.insert(0, "year", year)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out.to_csv(HERE / "cfa_fixture.csv", index=False, lineterminator="\n", na_rep="NA")


if __name__ == "__main__":
    main()
