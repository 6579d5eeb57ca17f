"""Synthetic DIOS system inventories with known ground truth.

(Target location in the layered package: ``dimios_research/simulate/inventory.py``.)

The generative model, for organisation :math:`o`, system :math:`s`, rater :math:`r` and
criterion :math:`k` of block :math:`b` (quality :math:`q` or importance :math:`i`)::

    eta_q[s] = 0.3 + lambda * (L_o - 55) / 25 + u_o + v_s - alpha * (age_s - 8)
    eta_i[s] = 0.3 + w_s - 0.8 * [lifecycle_s = phase_out]
    T_b[s]   = 100 * expit(eta_b[s])                      (true scores, percent of max)
    x*[r,k]  = m + (M - m) * T_b[s] / 100 + d[r,b] + e[r,k]
    x[r,k]   = clip(round(x*[r,k]), m, M)

with the organisation's DiMiOS legacy score :math:`L_o` (percent; drawn as
:math:`55 + N(0, 8)` when unknown; 55 is about the mean legacy score of the demo's DiMiOS
rounds), :math:`\\lambda` = ``legacy_effect`` (2.0), :math:`\\alpha` = ``age_effect`` (0.05),
an organisation effect :math:`u_o \\sim N(0, 0.4)`, system effects
:math:`v_s \\sim N(0, 1.8)` and :math:`w_s \\sim N(0, 1.8)`, a rater bias
per block :math:`d \\sim N(0, \\texttt{rater\\_sd})` and answer noise
:math:`e \\sim N(0, \\texttt{answer\\_noise\\_sd})` on the 1–5 scale. Each rating is don't
know with probability 0.04 and blank with probability 0.02. The true TIME class is the class
of the true scores at the cut (50 by default).

Systems per organisation: Poisson with a mean by size class; lifecycle active 80 %,
phase-out 8 %, planned 5 %, retired 7 % (planned and retired systems are listed once,
unrated); systems in operation get 1–3 raters of distinct roles (1 + Binomial(2, 0.6)).
Business area and system type: each area has a typical type, drawn with probability 0.5,
otherwise a type uniformly, so several active systems of the same type in one area
(redundancy) occur as in real portfolios.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit

from ..instrument.dios import DiosInstrument, load_dios_instrument
from ..io.inventory import CANONICAL_COLUMNS
from ..io.organisations import read_organisations
from ..resources import bundled_dir
from ..scoring.inventory import classify_time

__all__ = [
    "InventoryTruth",
    "SimulatedInventory",
    "simulate_inventory",
    "demo_inventory",
    "write_inventory",
    "write_demo_inventory",
    "DEMO_INVENTORY_SEED",
    "DEMO_INVENTORY_YEAR",
]

DEMO_INVENTORY_SEED = 2023
DEMO_INVENTORY_YEAR = 2023
_SYSTEMS_BY_SIZE = {"XS": 10, "S": 16, "M": 24, "L": 34, "XL": 48}
_LIFECYCLE_P = {"planned": 0.05, "active": 0.80, "phase_out": 0.08, "retired": 0.07}
_TYPICAL_TYPE = {
    "management": "case_management",
    "finance": "finance_system",
    "human_resources": "hr_payroll",
    "education": "line_of_business",
    "social_services": "line_of_business",
    "health_care": "line_of_business",
    "urban_planning": "gis",
    "technical_services": "line_of_business",
    "culture_leisure": "e_services",
    "records_management": "records_archive",
    "citizen_services": "e_services",
    "it_infrastructure": "infrastructure",
}
_FIRST = ("Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Sara", "Per")
_LAST = ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson")
_VENDORS = tuple(f"Leverantör {c} AB" for c in "ABCDEFGHIJKLMNOP") + ("Egenutvecklat",)


@dataclass(frozen=True)
class InventoryTruth:
    """The values a simulated inventory was generated from.

    Attributes
    ----------
    systems : pandas.DataFrame
        ``organisation_id, year, system_id, lifecycle, true_quality_pct,
        true_importance_pct, true_class`` for every system (rated or not).
    organisations : pandas.DataFrame
        ``organisation_id, year, legacy_pct, legacy_known, org_effect``: the DiMiOS legacy
        score used (``legacy_known`` False when drawn) and the organisation effect (logit).
    rater_sd, answer_noise_sd, cut : float
    defects : pandas.DataFrame
        Injected defects: ``kind, count`` (empty without defects).
    seed : int
    """

    systems: pd.DataFrame
    organisations: pd.DataFrame
    rater_sd: float
    answer_noise_sd: float
    cut: float
    defects: pd.DataFrame
    seed: int


@dataclass(frozen=True)
class SimulatedInventory:
    """A simulated inventory file (canonical columns), the register and the truth."""

    inventory: pd.DataFrame
    organisations: pd.DataFrame
    truth: InventoryTruth
    instrument: DiosInstrument = field(repr=False)


def _systems(
    rng: np.random.Generator, orgs: pd.DataFrame, dios: DiosInstrument, year: int, n_small: int
) -> pd.DataFrame:
    """System attributes, one row per system (no ratings yet)."""
    means = orgs["size_class"].astype(str).map(_SYSTEMS_BY_SIZE).to_numpy(float)
    n = np.maximum(rng.poisson(means), 5)
    n[: min(n_small, len(n))] = 3  # below the reporting threshold of 5 rated systems
    org = np.repeat(np.arange(len(orgs)), n)
    total = len(org)
    areas = np.array(dios.values("business_area"))
    types = np.array(dios.values("system_type"))
    area = rng.choice(areas, size=total)
    typical = pd.Series(area).map(_TYPICAL_TYPE).where(lambda t: t.isin(types))
    use_typical = typical.notna().to_numpy() & (rng.random(total) < 0.5)
    system_type = np.where(use_typical, typical.to_numpy(object), rng.choice(types, size=total))
    life = np.array(list(_LIFECYCLE_P))
    lifecycle = rng.choice(life, size=total, p=list(_LIFECYCLE_P.values()))
    age = np.minimum(np.round(rng.gamma(2.0, 4.5, size=total)), 35)
    users = np.maximum(np.round(rng.lognormal(np.log(150), 1.2, size=total)), 1)
    log_cost = np.log(150_000) + 0.4 * np.log(users / 150) + rng.normal(0, 0.7, total)
    cost = np.round(np.exp(log_cost), -3)
    saas = rng.random(total) < np.where(age < 5, 0.45, 0.15)
    hosted = ~saas & (rng.random(total) < 0.3)
    deployment = np.where(saas, "saas", np.where(hosted, "hosted", "on_premises"))
    type_label = dios.labels[dios.labels["kind"] == "system_type"].set_index("code")["label_sv"]
    ids = np.concatenate([np.sort(rng.choice(np.arange(1, 5000), k, replace=False)) for k in n])
    return pd.DataFrame(
        {
            "org_index": org,
            "organisation_id": orgs["organisation_id"].to_numpy()[org],
            "year": year,
            "system_id": [f"{i:05d}" for i in ids],
            "system_name": [f"{type_label[t]} {i}" for t, i in zip(system_type, ids)],
            "business_area": area,
            "system_type": system_type,
            "deployment": deployment,
            "vendor": rng.choice(_VENDORS, size=total),
            "installed_year": np.where(lifecycle == "planned", np.nan, year - age),
            "users": users,
            "annual_cost_sek": cost,
            "lifecycle": lifecycle,
            "age": age,
            "system_index": np.arange(total),
        }
    )


def _raters(rng: np.random.Generator, systems: pd.DataFrame, dios: DiosInstrument) -> pd.DataFrame:
    """One row per system and rater; unrated systems (not in operation) get one blank row."""
    rated = systems["lifecycle"].isin(dios.in_operation).to_numpy()
    k = np.where(rated, 1 + rng.binomial(2, 0.6, size=len(systems)), 1)
    roles = np.array(dios.values("rater_role"))
    order = np.argsort(rng.random((len(systems), len(roles))), axis=1)  # distinct roles
    row = np.repeat(np.arange(len(systems)), k)
    position = np.arange(len(row)) - np.repeat(np.cumsum(k) - k, k)
    out = systems.iloc[row].reset_index(drop=True)
    out["rater_role"] = roles[order[row, position]]
    out["rated"] = rated[row]
    return out


def _ratings(
    rng: np.random.Generator,
    rows: pd.DataFrame,
    truth: dict[str, np.ndarray],
    dios: DiosInstrument,
    rater_sd: float,
    noise_sd: float,
) -> pd.DataFrame:
    """Integer ratings (0 = don't know, NA = blank) for every rater row, all blocks."""
    columns = {}
    for block in dios.blocks.values():
        lo, hi = block.scale_min, block.scale_max
        latent = lo + (hi - lo) * truth[block.id] / 100 + rng.normal(0, rater_sd, len(rows))
        k = len(block.item_ids)
        noisy = latent[:, None] + rng.normal(0, noise_sd, (len(rows), k))
        codes = np.clip(np.round(noisy), lo, hi)
        u = rng.random((len(rows), k))
        codes[u < 0.04] = block.dont_know_codes[0] if block.dont_know_codes else np.nan
        codes[(u >= 0.04) & (u < 0.06)] = np.nan
        codes[~rows["rated"].to_numpy()] = np.nan
        for j, rating in enumerate(block.item_ids):
            columns[rating] = pd.array(codes[:, j], dtype="Float64").astype("Int64")
    return pd.DataFrame(columns, index=rows.index)


def _personal(rng: np.random.Generator, n: int) -> pd.DataFrame:
    first = rng.choice(_FIRST, n)
    last = rng.choice(_LAST, n)
    ascii_last = pd.Series(last).str.lower().str.normalize("NFKD").str.encode("ascii", "ignore")
    email = pd.Series(first).str.lower() + "." + ascii_last.str.decode("ascii") + "@example.se"
    phone = [f"070-{a:03d} {b:02d} {c:02d}" for a, b, c in rng.integers(0, 100, (n, 3))]
    admin = rng.choice(_FIRST, n) + " " + rng.choice(_LAST, n)
    return pd.DataFrame(
        {
            "system_owner": pd.Series(first) + " " + pd.Series(last),
            "owner_email": email,
            "owner_phone": phone,
            "systemförvaltare": admin,
        }
    )


def _inject_defects(
    rng: np.random.Generator, inventory: pd.DataFrame, rating_ids: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Append bad rows and spoil a few cells; the counts are what validation must report."""
    inventory = inventory.astype({c: object for c in [*rating_ids, "annual_cost_sek"]})
    rated = np.flatnonzero(inventory[rating_ids].notna().any(axis=1).to_numpy())
    pick = rng.choice(rated, size=5, replace=False)
    extra = inventory.iloc[pick].copy()
    extra.iloc[1, extra.columns.get_loc("organisation_id")] = "X999"
    extra.iloc[2, extra.columns.get_loc("system_id")] = ""
    extra.iloc[3, extra.columns.get_loc("lifecycle")] = "okänd"
    extra.iloc[4, extra.columns.get_loc("deployment")] = "moln?"
    cells = rng.choice(np.setdiff1d(rated, pick), size=10, replace=False)
    cols = rng.choice(rating_ids, size=10)
    for n, (row, col) in enumerate(zip(cells, cols)):  # 10 cells, not a loop over rows
        inventory.iat[row, inventory.columns.get_loc(col)] = 9 if n < 6 else "bra"
    keys = ["organisation_id", "year", "system_id"]
    single = np.flatnonzero(~inventory.duplicated(keys, keep=False).to_numpy())
    costly = rng.choice(np.setdiff1d(single, np.concatenate([pick, cells])), 2, replace=False)
    inventory.iloc[costly, inventory.columns.get_loc("annual_cost_sek")] = "ca 200 tkr"
    counts = pd.DataFrame(
        {
            "kind": [
                "duplicate_system_rater",
                "unknown_organisation",
                "missing_system_id",
                "invalid_attribute_value",
                "out_of_range",
                "unparseable",
            ],
            "count": [1, 1, 1, 2, 6, 6],
        }
    )
    return pd.concat([inventory, extra], ignore_index=True), counts


def simulate_inventory(
    organisations: pd.DataFrame,
    organisation_ids: Sequence[str],
    *,
    year: int = DEMO_INVENTORY_YEAR,
    legacy: pd.Series | None = None,
    seed: int = DEMO_INVENTORY_SEED,
    rater_sd: float = 0.2,
    answer_noise_sd: float = 0.5,
    legacy_effect: float = 2.0,
    age_effect: float = 0.05,
    cut: float = 50.0,
    n_small: int = 0,
    personal_data: bool = False,
    defects: bool = False,
    instrument: DiosInstrument | None = None,
) -> SimulatedInventory:
    """Simulate one year's system inventory of the given organisations, with the truth.

    Parameters
    ----------
    organisations : pandas.DataFrame
        The register (``organisation_id, size_class`` at least).
    organisation_ids : sequence of str
        Organisations that inventory their systems.
    year : int
    legacy : pandas.Series, optional
        DiMiOS legacy score (percent) by organisation id; organisations without one get
        :math:`55 + N(0, 8)`. Drives true quality through ``legacy_effect``.
    seed : int
    rater_sd, answer_noise_sd : float
        Rater bias per block and answer noise, on the 1–5 scale (the default noise).
    legacy_effect, age_effect : float
        Logit-scale effects of (legacy − 55)/25 and of system age (per year) on quality.
    cut : float
        Cut of the true TIME classes.
    n_small : int
        The first ``n_small`` organisations get 3 systems (below the reporting threshold).
    personal_data, defects : bool
        Add fake owner names, e-mails and phones; inject defects (see ``truth.defects``).
    instrument : DiosInstrument, optional

    Returns
    -------
    SimulatedInventory
        ``inventory`` in the canonical column order, personal columns after ``rater_role``.

    Examples
    --------
    >>> register = pd.DataFrame({"organisation_id": ["K001", "K002"], "size_class": ["S", "M"]})
    >>> sim = simulate_inventory(register, ["K001", "K002"], seed=1)
    >>> sim.truth.systems["true_class"].isin(["invest", "tolerate", "migrate", "eliminate"]).all()
    np.True_
    """
    dios = instrument or load_dios_instrument()
    rng = np.random.default_rng(seed)
    ids = pd.Index([str(i) for i in organisation_ids])
    unknown = ids.difference(organisations["organisation_id"].astype(str))
    if len(unknown):
        raise ValueError(f"organisation_ids not in the register: {list(unknown)[:5]}")
    orgs = organisations.set_index(organisations["organisation_id"].astype(str)).loc[ids]
    orgs = orgs.reset_index(drop=True)
    known = legacy.reindex(ids).to_numpy(float) if legacy is not None else np.full(len(ids), np.nan)
    legacy_pct = np.where(np.isnan(known), 55 + rng.normal(0, 8, len(ids)), known)
    org_effect = rng.normal(0, 0.4, len(ids))
    systems = _systems(rng, orgs, dios, year, n_small)
    o = systems["org_index"].to_numpy()
    age = systems["age"].to_numpy()
    eta_q = 0.3 + legacy_effect * (legacy_pct[o] - 55) / 25 + org_effect[o]
    eta_q = eta_q + rng.normal(0, 1.8, len(systems)) - age_effect * (age - 8)
    phase_out = (systems["lifecycle"] == "phase_out").to_numpy()
    eta_i = 0.3 + rng.normal(0, 1.8, len(systems)) - 0.8 * phase_out
    true = {"quality": 100 * expit(eta_q), "importance": 100 * expit(eta_i)}
    rows = _raters(rng, systems, dios)
    row_truth = {b: v[rows["system_index"].to_numpy()] for b, v in true.items()}
    ratings = _ratings(rng, rows, row_truth, dios, rater_sd, answer_noise_sd)
    inventory = rows[list(CANONICAL_COLUMNS)].copy()
    whole = ["installed_year", "users", "annual_cost_sek"]
    inventory[whole] = inventory[whole].astype("Int64")
    if personal_data:
        inventory = pd.concat([inventory, _personal(rng, len(inventory))], axis=1)
    inventory = pd.concat([inventory, ratings], axis=1)
    defect_counts = pd.DataFrame({"kind": [], "count": []})
    if defects:
        inventory, defect_counts = _inject_defects(rng, inventory, dios.rating_ids)
    true_systems = systems[["organisation_id", "year", "system_id", "lifecycle"]].assign(
        true_quality_pct=true["quality"],
        true_importance_pct=true["importance"],
        true_class=classify_time(true["quality"], true["importance"], cut),
    )
    truth = InventoryTruth(
        systems=true_systems,
        organisations=pd.DataFrame(
            {
                "organisation_id": ids,
                "year": year,
                "legacy_pct": legacy_pct,
                "legacy_known": ~np.isnan(known),
                "org_effect": org_effect,
            }
        ),
        rater_sd=rater_sd,
        answer_noise_sd=answer_noise_sd,
        cut=cut,
        defects=defect_counts,
        seed=seed,
    )
    return SimulatedInventory(
        inventory=inventory, organisations=organisations, truth=truth, instrument=dios
    )


def demo_inventory(
    data_dir: str | Path | None = None,
    *,
    seed: int = DEMO_INVENTORY_SEED,
    year: int = DEMO_INVENTORY_YEAR,
    n_dimios: int = 32,
    n_other: int = 8,
) -> SimulatedInventory:
    """The bundled demo inventory: organisations of the demo register, with their legacy.

    ``n_dimios`` organisations are drawn from those measured by DiMiOS in ``year`` (their true
    legacy score, ``truth/organisation_truth.csv``, drives system quality) and ``n_other``
    from the rest of the register; the first two drawn have 3 systems only (below the
    reporting threshold). Personal-data columns and defects are included.
    """
    folder = Path(data_dir) if data_dir is not None else bundled_dir("data") / "demo"
    register = read_organisations(folder / "organisations.csv")
    truth = pd.read_csv(folder / "truth" / "organisation_truth.csv", dtype={"organisation_id": str})
    measured = truth.loc[truth["year"] == year].set_index("organisation_id")["legacy"]
    rng = np.random.default_rng([seed, 1])
    others = register.loc[~register["organisation_id"].isin(measured.index), "organisation_id"]
    chosen = np.concatenate(
        [
            rng.choice(measured.index.to_numpy(), n_dimios, replace=False),
            rng.choice(others.to_numpy(), n_other, replace=False),
        ]
    )
    return simulate_inventory(
        register,
        list(chosen),
        year=year,
        legacy=measured,
        seed=seed,
        n_small=2,
        personal_data=True,
        defects=True,
    )


def write_inventory(
    sim: SimulatedInventory, out_dir: str | Path, *, truth: bool = True, register: bool = False
) -> list[Path]:
    """Write ``inventory_<year>.csv`` (UTF-8, ``,``, LF) and the truth under ``truth/``.

    ``truth/inventory_truth_<year>.csv`` holds the systems' true scores and classes;
    ``register=True`` also writes ``organisations.csv``. Bytes depend only on the simulation.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for year, frame in sim.inventory.groupby("year", sort=True):
        path = out / f"inventory_{year}.csv"
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        written.append(path)
    if truth:
        (out / "truth").mkdir(exist_ok=True)
        for year, frame in sim.truth.systems.groupby("year", sort=True):
            path = out / "truth" / f"inventory_truth_{year}.csv"
            frame.to_csv(
                path, index=False, encoding="utf-8", lineterminator="\n", float_format="%.6f"
            )
            written.append(path)
    if register:
        path = out / "organisations.csv"
        orgs = sim.organisations.copy()
        for col in ("employees", "population", "programme_start"):
            if col in orgs.columns:
                orgs[col] = orgs[col].astype("Int64")
        orgs.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        written.append(path)
    return written


def write_demo_inventory(data_dir: str | Path | None = None) -> list[Path]:
    """Regenerate the bundled demo inventory (``data/demo/inventory_2023.csv`` and truth)."""
    folder = Path(data_dir) if data_dir is not None else bundled_dir("data") / "demo"
    return write_inventory(demo_inventory(folder), folder)
