"""Generate the small, deterministic fixtures for the agreement and reliability R references.

Run once from the repository root (``python tests/r/make_fixtures.py``); the CSV files are
committed so that the R scripts (``Rscript tests/r/agreement_reference.R``,
``Rscript tests/r/reliability_reference.R``) and the pytest modules read the same data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20240521


def make_agreement_fixture(rng: np.random.Generator) -> pd.DataFrame:
    """Complete data: 7 organisations of unequal size, one of size 1, one above the null."""
    # Group "F" gets polarised answers so that its within-group variance exceeds the
    # uniform null (2.0) and rwg / rwg(j) are capped at 0; group "D" has one respondent.
    sizes = {"A": 5, "B": 8, "C": 3, "D": 1, "E": 6, "F": 4, "G": 7}
    centres = {"A": 4.0, "B": 3.0, "C": 2.0, "D": 3.0, "E": 3.5, "F": 3.0, "G": 4.5}
    rows = []
    for group, size in sizes.items():
        for respondent in range(size):
            if group == "F":
                # alternate the two scale ends on every item
                answers = np.full(5, 1.0 if respondent % 2 == 0 else 5.0)
            else:
                answers = np.clip(np.rint(centres[group] + rng.normal(0.0, 0.8, 5)), 1, 5)
            score = 50.0 + 12.0 * (centres[group] - 3.25) + rng.normal(0.0, 10.0)
            rows.append(
                {
                    "organisation_id": group,
                    "respondent_id": f"{group}{respondent + 1}",
                    "x": answers[0],
                    "item_1": answers[1],
                    "item_2": answers[2],
                    "item_3": answers[3],
                    "item_4": answers[4],
                    "score_pct": round(score, 3),
                }
            )
    return pd.DataFrame(rows)


def make_reliability_fixtures(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One-factor ordinal items (1-5); the second frame has about 8 % answers missing."""
    n_obs, loadings = 80, np.array([0.8, 0.7, 0.6, 0.75, 0.5, 0.4])
    factor = rng.normal(size=(n_obs, 1))
    latent = factor * loadings + rng.normal(size=(n_obs, loadings.size)) * np.sqrt(1 - loadings**2)
    answers = np.clip(np.rint(3.0 + 1.1 * latent), 1, 5)
    complete = pd.DataFrame(answers, columns=[f"i{j + 1}" for j in range(loadings.size)])
    mask = rng.random(answers.shape) < 0.08
    with_missing = complete.mask(mask)
    return complete, with_missing


def main() -> None:
    rng = np.random.default_rng(SEED)
    agreement = make_agreement_fixture(rng)
    complete, with_missing = make_reliability_fixtures(rng)
    agreement.to_csv(HERE / "agreement_fixture.csv", index=False)
    complete.to_csv(HERE / "reliability_fixture.csv", index=False)
    with_missing.to_csv(HERE / "reliability_fixture_missing.csv", index=False, na_rep="NA")


if __name__ == "__main__":
    main()
