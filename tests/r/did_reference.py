"""Reference values for tests/test_did.py from the Python port of R's did (csdid 0.4.3).

R's did is not installable here (no CRAN access), so the reference is ``csdid``, a
line-by-line port of did 2.5 (``att_gt`` + ``aggte``), installed for this script only::

    .venv/bin/pip install csdid==0.4.3
    .venv/bin/python tests/r/did_reference.py          # prints the values
    .venv/bin/python tests/r/did_reference.py --write  # (re)writes tests/r/did_panel.csv

The fixture ``did_panel.csv`` is a balanced panel (60 organisations, 2019-2023, cohorts
2021, 2022, 2023 and never treated, outcome rounded to 2 decimals so the CSV round trip is
exact), drawn with ``simulate_staggered_panel`` (seed 11). ``g`` is the start year with 0 for
never treated, as did expects; ``id`` is a whole-number organisation id.

The calls (analytic influence-function SEs, ``bstrap=False``, so the values are exact):

    ATTgt(yname="score_pct", tname="year", idname="id", gname="g", data=panel,
          control_group=CONTROL).fit(est_method="dr", base_period="varying", bstrap=False)
    .aggte(typec="simple", bstrap=False); .aggte(typec="dynamic", bstrap=False)

with CONTROL in ("nevertreated", "notyettreated").
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "did_panel.csv"


def write_fixture() -> None:
    sys.path.insert(0, str(HERE.parents[1]))
    from dimios_research.simulation.panel import simulate_staggered_panel

    sim = simulate_staggered_panel(
        60,
        cohorts={2021: 0.25, 2022: 0.2, 2023: 0.2},
        start_effect={2021: 1.0, 2022: 2.0, 2023: 3.0},
        effect_slope=1.5,
        seed=11,
    )
    data = sim.data.assign(score_pct=sim.data["score_pct"].round(2))
    data["g"] = data["programme_start"].fillna(0).astype(int)
    data["id"] = data["organisation_id"].str[1:].astype(int)
    data.to_csv(FIXTURE, index=False, lineterminator="\n", float_format="%.2f")


def main() -> None:
    from csdid.att_gt import ATTgt

    warnings.filterwarnings("ignore")
    np.set_printoptions(precision=12, floatmode="fixed", linewidth=120)
    panel = pd.read_csv(FIXTURE)
    for control in ("nevertreated", "notyettreated"):
        fit = ATTgt(
            yname="score_pct", tname="year", idname="id", gname="g", data=panel,
            control_group=control,
        ).fit(est_method="dr", base_period="varying", bstrap=False)  # fmt: skip
        print(f"== control_group={control!r}")
        print("group", np.asarray(fit.results["group"]).astype(int).tolist())
        print("year ", np.asarray(fit.results["year"]).astype(int).tolist())
        print("att  ", repr(np.asarray(fit.results["att"], dtype=float)))
        print("se   ", repr(np.asarray(fit.results["se"], dtype=float)))
        print("W, p ", repr(fit.MP["W"]), repr(fit.MP["Wpval"]))
        for typec in ("simple", "dynamic"):
            with open("/dev/null", "w") as sink:
                stdout, sys.stdout = sys.stdout, sink
                try:
                    fit.aggte(typec=typec, bstrap=False)
                finally:
                    sys.stdout = stdout
            agg = fit.atte
            print(typec, "overall att, se", repr(agg["overall_att"]), repr(agg["overall_se"]))
            if typec == "dynamic":
                print("  e  ", np.asarray(agg["egt"]).astype(int).tolist())
                print("  att", repr(np.asarray(agg["att_egt"], dtype=float)))
                print("  se ", repr(np.asarray(agg["se_egt"], dtype=float)))


if __name__ == "__main__":
    if "--write" in sys.argv:
        write_fixture()
    main()
