"""Generate the deterministic fixture of the DIOS R reference (``dios_reference.R``).

Run once from the repository root (``python tests/r/make_dios_fixture.py``); the CSV is
committed so that ``Rscript tests/r/dios_reference.R`` and ``tests/test_dios_portfolio.py``
read the same data: 27 organisations with a DiMiOS legacy score and a portfolio-health
value (two health values missing, one tie in each column), and a ``peer`` flag.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20251115


def main() -> None:
    rng = np.random.default_rng(SEED)
    n = 27
    legacy = np.round(55 + rng.normal(0, 8, n), 3)
    health = np.round(50 + 0.6 * (legacy - 55) + rng.normal(0, 8, n), 3)
    health[[4, 17]] = np.nan
    legacy[9] = legacy[3]  # ties
    health[12] = health[20]
    frame = pd.DataFrame(
        {
            "organisation_id": [f"K{i:03d}" for i in range(1, n + 1)],
            "legacy_pct": legacy,
            "health_pct": health,
        }
    )
    frame.to_csv(HERE / "dios_link_fixture.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
