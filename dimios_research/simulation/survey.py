"""Synthetic DiMiOS survey data with known ground truth.

The generative model (all quantities on the percent-of-maximum scale, 0–100):

.. math::

    \\theta_{o,d,t} = \\beta_d + \\tau_{type(o)} + \\sigma_{size(o)} + \\gamma (t - t_0)
                     + \\delta\\,1[t \\ge s_o] + u_{o,d}

    \\theta_{o,c,t} = \\theta_{o,d(c),t} + \\kappa_c + v_{o,c}

    \\theta_{r,c,t} = \\theta_{o,c,t} + e_{r,d(c)} + w_{r,c}

    x^*_{r,i} = 3 + \\lambda_i (\\theta_{r,c(i),t} - 50) / 25 + \\eta_i + \\varepsilon_{r,i},
    \\qquad x_{r,i} = \\mathrm{clip}(\\mathrm{round}(x^*_{r,i}), 1, 5)

with dimension baselines :math:`\\beta_d`, organisation-type and size-class effects, a
yearly trend :math:`\\gamma`, a programme effect :math:`\\delta` from the organisation's
programme start year :math:`s_o`, an organisation random effect :math:`u_o` correlated
across the two dimensions, capability offsets :math:`\\kappa_c` and organisation-specific
capability deviations :math:`v_{o,c}`, respondent effects :math:`e, w`, item loadings
:math:`\\lambda_i`, item shifts :math:`\\eta_i` and answer noise :math:`\\varepsilon`.
Negatively worded items are stored reversed (``6 - x``); each item has a don't-know and a
nonresponse probability. With :math:`\\lambda = 1`, :math:`\\eta = 0` and no clipping the
expected percent-of-maximum score equals :math:`\\theta`.

The true organisation score of a dimension is the equal-weight mean of its categories'
means of the capability latents :math:`\\theta_{o,c,t}`, mirroring the scoring rule.
Self-selection: organisations with a higher random effect are more likely to join the
programme, which a level comparison would mistake for an effect and a
difference-in-differences design with organisation effects does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..instrument.codebook import Codebook, load_codebook

__all__ = [
    "SimulationTruth",
    "SimulatedSurvey",
    "simulate",
    "write_dataset",
    "write_truth",
    "COUNTIES",
    "DEFAULT_PARTICIPANTS",
    "PARTICIPATION_TYPE",
    "PARTICIPATION_SIZE",
]

#: Swedish counties (län) with their number of municipalities (sums to 290).
COUNTIES = {
    "Stockholms län": 26,
    "Uppsala län": 8,
    "Södermanlands län": 9,
    "Östergötlands län": 13,
    "Jönköpings län": 13,
    "Kronobergs län": 8,
    "Kalmar län": 12,
    "Gotlands län": 1,
    "Blekinge län": 5,
    "Skåne län": 33,
    "Hallands län": 6,
    "Västra Götalands län": 49,
    "Värmlands län": 16,
    "Örebro län": 12,
    "Västmanlands län": 10,
    "Dalarnas län": 15,
    "Gävleborgs län": 10,
    "Västernorrlands län": 7,
    "Jämtlands län": 8,
    "Västerbottens län": 15,
    "Norrbottens län": 14,
}
#: Organisations measured per round; echoes the published samples (35 organisations in
#: 2019, 29 in 2020, 126 in 2022, about 150 in 2023), smoothed to a growing panel.
DEFAULT_PARTICIPANTS = {2019: 35, 2020: 40, 2021: 90, 2022: 126, 2023: 150}
_TYPE_COUNTS = {"kommun": 290, "region": 21, "myndighet": 80, "annan": 9}
_TYPE_EFFECT = {"kommun": 0.0, "region": 3.0, "myndighet": 4.0, "annan": -2.0}
_SIZE_EFFECT = {"XS": -3.0, "S": -1.5, "M": 0.0, "L": 1.5, "XL": 3.0}
#: Size classes by employees (assumption of this package): XS < 500 <= S < 2,000 <= M
#: < 5,000 <= L < 10,000 <= XL.
SIZE_CUTS = (500, 2_000, 5_000, 10_000)
_MEDIAN_EMPLOYEES = {"kommun": 1_500, "region": 8_000, "myndighet": 800, "annan": 300}
_RESPONDENTS_BY_SIZE = {"XS": 8, "S": 20, "M": 32, "L": 45, "XL": 60}
#: Relative chance that an organisation of a type (size class) fills a free place in a round:
#: large municipalities and regions take part more often than small ones and than agencies,
#: so the participants' mean is a biased estimate of the register's (assumption).
PARTICIPATION_TYPE = {"kommun": 1.0, "region": 1.5, "myndighet": 0.5, "annan": 0.3}
PARTICIPATION_SIZE = {"XS": 0.3, "S": 0.6, "M": 1.0, "L": 1.8, "XL": 3.0}
_ROLES = ("chef", "strateg", "verksamhetsutvecklare", "IT-ledning")
_COMMENTS = (
    "Vi behöver mer tid för att följa upp nyttan med våra digitala satsningar.",
    "Svårt att svara på vissa frågor, vår IT-avdelning är gemensam med grannkommunen.",
    "Bra enkät men den tog lång tid att fylla i för mig som chef.",
)


@dataclass(frozen=True)
class SimulationTruth:
    """The values the data were generated from.

    Attributes
    ----------
    organisations : pandas.DataFrame
        ``year, organisation_id, capability, legacy, overall``: true organisation scores
        (percent of max) for every participating organisation-round.
    national : pandas.DataFrame
        ``year, capability, legacy, overall``: mean of the true scores over the
        participating organisations of each round.
    population : pandas.DataFrame
        ``year, capability, legacy, overall, n_organisations``: mean of the true scores over
        *every* organisation of the register in each round (participating or not), the
        quantity a weighted national index estimates.
    trend_per_year : float
        True yearly change of every organisation's latent maturity (points).
    programme_effect : float
        True change from the programme start year on (points).
    random_effect_sd, respondent_sd, answer_noise_sd : float
        Standard deviations of the organisation effect, the respondent effect (per
        dimension) and the item answer noise (1–5 scale).
    defects : pandas.DataFrame
        Injected defects: ``kind, count`` (empty when ``defects=False``).
    seed : int
    """

    organisations: pd.DataFrame
    national: pd.DataFrame
    population: pd.DataFrame
    trend_per_year: float
    programme_effect: float
    random_effect_sd: float
    respondent_sd: float
    answer_noise_sd: float
    defects: pd.DataFrame
    seed: int


@dataclass(frozen=True)
class SimulatedSurvey:
    """Simulated raw data in the canonical file shapes, plus the ground truth.

    Attributes
    ----------
    responses : pandas.DataFrame
        One row per respondent and round: ``respondent_id, organisation_id, year, role``,
        optional personal-data columns, then one column per item (codes 1–5, 0 = don't
        know, ``<NA>`` = no answer; reverse-keyed items as a respondent answers them).
    organisations : pandas.DataFrame
        The organisation register (all organisations, participating or not).
    truth : SimulationTruth
    codebook : Codebook
    """

    responses: pd.DataFrame
    organisations: pd.DataFrame
    truth: SimulationTruth
    codebook: Codebook = field(repr=False)


def _register(rng: np.random.Generator) -> pd.DataFrame:
    counties = list(COUNTIES)
    rows = []
    kommun_county = np.repeat(counties, list(COUNTIES.values()))
    for org_type, count in _TYPE_COUNTS.items():
        prefix = {"kommun": "K", "region": "R", "myndighet": "M", "annan": "A"}[org_type]
        width = 3 if count > 99 else 2
        ids = [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]
        if org_type == "kommun":
            county = kommun_county
        elif org_type == "region":
            county = np.array(counties)
        else:  # agencies sit mostly in the capital region
            p = np.full(len(counties), 0.5 / (len(counties) - 1))
            p[0] = 0.5
            county = rng.choice(counties, size=count, p=p)
        employees = np.round(
            rng.lognormal(np.log(_MEDIAN_EMPLOYEES[org_type]), 0.8, size=count)
        ).astype(int)
        name_sv = {"kommun": "kommun", "region": "region", "myndighet": "myndighet"}.get(
            org_type, "organisation"
        )
        rows.append(
            pd.DataFrame(
                {
                    "organisation_id": ids,
                    "name": [f"Syntetisk {name_sv} {i}" for i in range(1, count + 1)],
                    "type": org_type,
                    "county": county,
                    "employees": employees,
                }
            )
        )
    register = pd.concat(rows, ignore_index=True)
    register["size_class"] = pd.cut(
        register["employees"],
        bins=[-np.inf, *SIZE_CUTS, np.inf],
        labels=list(_SIZE_EFFECT),
        right=False,
    ).astype(str)
    # Municipalities and regions serve residents; roughly 12 residents per employee.
    serves = register["type"].isin(["kommun", "region"])
    register["population"] = np.where(serves, register["employees"] * 12, np.nan)
    return register


def _programme_starts(
    rng: np.random.Generator,
    register: pd.DataFrame,
    random_effect: np.ndarray,
    programme_years: tuple[int, ...],
    share: float,
) -> np.ndarray:
    eligible = register["type"].isin(["kommun", "region"]).to_numpy()
    # Self-selection: more mature organisations are more likely to join.
    propensity = 1 / (1 + np.exp(-(np.log(share / (1 - share)) + 0.08 * random_effect)))
    joins = eligible & (rng.random(len(register)) < propensity)
    start = np.full(len(register), np.nan)
    if programme_years:
        start[joins] = rng.choice(programme_years, size=int(joins.sum()), p=None)
    return start


def _participation(
    rng: np.random.Generator,
    n_orgs: int,
    participants: dict[int, int],
    programme_start: np.ndarray,
    keep_rate: float,
    propensity: np.ndarray | None = None,
) -> dict[int, np.ndarray]:
    """Organisations measured per round: panel with attrition plus new entrants.

    Free places are filled from the organisations not yet chosen, with probabilities
    proportional to ``propensity`` (equal chances when None).
    """
    chosen: dict[int, np.ndarray] = {}
    previous = np.array([], dtype=int)
    for year, target in sorted(participants.items()):
        target = min(target, n_orgs)
        stay = previous[rng.random(len(previous)) < keep_rate]
        if len(stay) > target:
            stay = rng.choice(stay, size=target, replace=False)
        # Programme members measure themselves from their start year on.
        members = np.flatnonzero(programme_start <= year)
        members = np.setdiff1d(members, stay)
        room = target - len(stay)
        if len(members) > room:
            members = rng.choice(members, size=room, replace=False)
        current = np.union1d(stay, members)
        room = target - len(current)
        if room > 0:
            pool = np.setdiff1d(np.arange(n_orgs), current)
            p = None if propensity is None else propensity[pool] / propensity[pool].sum()
            current = np.union1d(current, rng.choice(pool, size=room, replace=False, p=p))
        chosen[year] = np.sort(current)
        previous = chosen[year]
    return chosen


def simulate(
    seed: int = 2023,
    *,
    participants: dict[int, int] | None = None,
    codebook: Codebook | None = None,
    trend_per_year: float = 1.0,
    programme_effect: float = 3.0,
    programme_years: tuple[int, ...] = (2021, 2022),
    programme_share: float = 0.45,
    baseline: tuple[float, float] = (44.0, 49.0),
    random_effect_sd: float = 7.0,
    random_effect_corr: float = 0.5,
    capability_sd: float = 4.0,
    respondent_sd: float = 12.0,
    answer_noise_sd: float = 0.7,
    respondents_per_org: float = 1.0,
    keep_rate: float = 0.8,
    participation_bias: float = 1.0,
    dont_know_max: float = 0.08,
    nonresponse: float = 0.02,
    personal_data: bool = False,
    defects: bool = False,
) -> SimulatedSurvey:
    """Simulate survey rounds of DiMiOS self-assessments with known ground truth.

    Parameters
    ----------
    seed : int
        Seed of the random generator; the same seed gives the same data, byte for byte.
    participants : dict[int, int], optional
        Organisations measured per round (default :data:`DEFAULT_PARTICIPANTS`, rounds
        2019–2023).
    codebook : Codebook, optional
        Instrument whose items are simulated (default: the illustrative instrument).
    trend_per_year : float
        True yearly change of latent maturity, percentage points (default 1.0).
    programme_effect : float
        True effect of the support programme from the start year on (default 3.0 points).
    programme_years : tuple of int
        Possible start years of the programme (municipalities and regions only).
    programme_share : float
        Approximate share of municipalities and regions that join the programme.
    baseline : (float, float)
        Latent capability and legacy of a medium-sized municipality in the first round.
    random_effect_sd, random_effect_corr : float
        SD of the organisation effect per dimension and its correlation across dimensions.
    capability_sd : float
        SD of capability offsets and of organisation-specific capability deviations.
    respondent_sd : float
        SD of the respondent effect per dimension; with the defaults ICC(1) of respondent
        dimension scores is about 0.2.
    answer_noise_sd : float
        SD of the answer noise on the 1–5 scale.
    respondents_per_org : float
        Multiplier of the expected respondents per organisation (8 for XS up to 60 for XL;
        the published 2022 sample had about 48 respondents per organisation).
    keep_rate : float
        Probability that an organisation measured in a round is measured again next round.
    participation_bias : float
        Strength of the selective participation: a free place in a round goes to an
        organisation with probability proportional to
        ``(PARTICIPATION_TYPE[type] * PARTICIPATION_SIZE[size_class]) ** participation_bias``
        (default 1.0); 0 gives every organisation the same chance.
    dont_know_max, nonresponse : float
        Item don't-know probabilities are uniform on (0, dont_know_max); nonresponse is the
        probability of a blank answer.
    personal_data : bool
        Add columns with (fake) personal data, as platform exports have: e-mail address,
        respondent name and a free-text comment. Ingest must drop them.
    defects : bool
        Inject defects that validation must catch; their counts are in ``truth.defects``.

    Returns
    -------
    SimulatedSurvey

    Examples
    --------
    >>> sim = simulate(seed=1, participants={2022: 10, 2023: 12})
    >>> sorted(sim.responses["year"].unique().tolist())
    [2022, 2023]
    """
    rng = np.random.default_rng(seed)
    cb = codebook or load_codebook()
    if (cb.scale_min, cb.scale_max) != (1, 5) or 0 not in cb.dont_know_codes:
        raise ValueError(
            f"simulate() generates answers on a 1–5 scale with don't know = 0; codebook "
            f"{cb.id!r} has {cb.scale_min}–{cb.scale_max} and don't-know codes "
            f"{list(cb.dont_know_codes)}"
        )
    participants = dict(participants or DEFAULT_PARTICIPANTS)
    years = sorted(participants)
    register = _register(rng)
    cov = random_effect_sd**2 * np.array([[1.0, random_effect_corr], [random_effect_corr, 1.0]])
    org_effect = rng.multivariate_normal([0.0, 0.0], cov, size=len(register))  # (orgs, 2 dims)
    start = _programme_starts(
        rng, register, org_effect.mean(axis=1), programme_years, programme_share
    )
    register["programme_start"] = start
    chosen = _participation(
        rng, len(register), participants, start, keep_rate,
        _propensity(register, participation_bias),
    )  # fmt: skip
    model = _model(rng, cb, register, org_effect, capability_sd, dont_know_max)
    effects = {
        "baseline": np.array(baseline),
        "trend_per_year": trend_per_year,
        "programme_effect": programme_effect,
    }
    noise = {"respondent_sd": respondent_sd, "answer_noise_sd": answer_noise_sd}
    noise |= {"nonresponse": nonresponse, "respondents_per_org": respondents_per_org}
    rounds, frames = [], []
    for year in years:  # a few rounds; each round's draws in a fixed order (same seed, same data)
        rounds.append(
            _simulate_round(rng, model, chosen[year], year, year - years[0], effects, noise)
        )
        frames.append(_response_frame(rng, model, rounds[-1], personal_data))
    responses = pd.concat(frames, ignore_index=True)
    defect_counts = pd.DataFrame({"kind": pd.Series(dtype=str), "count": pd.Series(dtype=int)})
    if defects:
        responses, defect_counts = _inject_defects(rng, responses, cb.item_ids)
    truth_orgs = pd.concat([round_.truth for round_ in rounds], ignore_index=True)
    population = pd.DataFrame([round_.population for round_ in rounds])
    national = truth_orgs.groupby("year", as_index=False)[["capability", "legacy", "overall"]]
    truth = SimulationTruth(
        organisations=truth_orgs,
        national=national.mean(),
        population=population,
        trend_per_year=trend_per_year,
        programme_effect=programme_effect,
        random_effect_sd=random_effect_sd,
        respondent_sd=respondent_sd,
        answer_noise_sd=answer_noise_sd,
        defects=defect_counts,
        seed=seed,
    )
    return SimulatedSurvey(
        responses=responses, organisations=register[_REGISTER_COLUMNS], truth=truth, codebook=cb
    )


def _propensity(register: pd.DataFrame, bias: float) -> np.ndarray | None:
    """Relative chances of taking part (None: equal chances, when ``bias`` is 0)."""
    if bias == 0:
        return None
    odds = register["type"].map(PARTICIPATION_TYPE) * register["size_class"].map(PARTICIPATION_SIZE)
    return odds.to_numpy(float) ** bias


_REGISTER_COLUMNS = [
    "organisation_id", "name", "type", "county", "size_class", "employees", "population",
    "programme_start",
]  # fmt: skip


@dataclass(frozen=True)
class _Model:
    """Everything fixed across rounds: the register, effects and the item model."""

    codebook: Codebook
    register: pd.DataFrame
    org_effect: np.ndarray  # (organisations, 2 dimensions)
    start: np.ndarray  # programme start year per organisation (NaN: never)
    structural: np.ndarray  # type + size effect per organisation
    expected_n: np.ndarray  # expected respondents per organisation
    cap_dim: np.ndarray  # dimension of every capability
    item_cap: np.ndarray  # capability of every item
    cap_offset: np.ndarray
    org_cap_dev: np.ndarray  # (organisations, capabilities)
    loading: np.ndarray
    shift: np.ndarray
    dont_know_p: np.ndarray
    reverse: np.ndarray
    weights: np.ndarray  # (2 dimensions, capabilities): the scoring rule's equal weights


@dataclass(frozen=True)
class _Round:
    year: int
    truth: pd.DataFrame
    population: dict  # means of the true scores over the whole register
    codes: np.ndarray  # (respondents, items), NaN for blank
    org_ids: np.ndarray  # organisation of every respondent
    within: np.ndarray  # respondent number within its organisation


def _model(
    rng: np.random.Generator,
    cb: Codebook,
    register: pd.DataFrame,
    org_effect: np.ndarray,
    capability_sd: float,
    dont_know_max: float,
) -> _Model:
    """Draw the item model (in a fixed order, so a seed gives the same data)."""
    items, caps, dims = cb.items, cb.units_at("capability"), ["capability", "legacy"]
    units = cb.units.set_index("unit")
    cap_index = {c: i for i, c in enumerate(caps)}
    cap_category = units.loc[caps, "parent"].to_numpy()
    # Hierarchy weights so the truth mirrors the scoring rule (equal-weight means).
    weights = np.zeros((2, len(caps)))
    for d, dim in enumerate(dims):
        cats = units.index[(units["level"] == "category") & (units["dimension"] == dim)]
        for cat in cats:
            members = cap_category == cat
            weights[d, members] = 1.0 / members.sum() / len(cats)
    return _Model(
        codebook=cb,
        register=register,
        org_effect=org_effect,
        start=register["programme_start"].to_numpy(),
        structural=(
            register["type"].map(_TYPE_EFFECT).to_numpy()
            + register["size_class"].map(_SIZE_EFFECT).to_numpy()
        ),
        expected_n=register["size_class"].map(_RESPONDENTS_BY_SIZE).to_numpy(),
        cap_dim=np.array([dims.index(d) for d in units.loc[caps, "dimension"]]),
        item_cap=items["capability"].map(cap_index).to_numpy(),
        cap_offset=rng.normal(0, capability_sd, size=len(caps)),
        org_cap_dev=rng.normal(0, capability_sd, size=(len(register), len(caps))),
        loading=rng.uniform(0.8, 1.2, size=len(items)),
        shift=rng.normal(0, 0.15, size=len(items)),
        dont_know_p=rng.uniform(0, dont_know_max, size=len(items)),
        reverse=items["reverse"].to_numpy(),
        weights=weights,
    )


def _simulate_round(
    rng: np.random.Generator,
    m: _Model,
    orgs: np.ndarray,
    year: int,
    t: int,
    effects: dict,
    noise: dict,
) -> _Round:
    """True scores of the participating organisations and their respondents' answer codes."""
    # True scores of every organisation of the register (the population), then the
    # participants' rows.
    treated = ~np.isnan(m.start) & (m.start <= year)
    org_dim = (
        effects["baseline"][None, :]
        + m.structural[:, None]
        + effects["trend_per_year"] * t
        + effects["programme_effect"] * treated[:, None]
        + m.org_effect
    )  # (all organisations, 2)
    org_cap_all = org_dim[:, m.cap_dim] + m.cap_offset[None, :] + m.org_cap_dev
    true_all = org_cap_all @ m.weights.T
    population = {
        "year": year, "capability": true_all[:, 0].mean(), "legacy": true_all[:, 1].mean(),
        "overall": true_all.mean(axis=1).mean(), "n_organisations": len(true_all),
    }  # fmt: skip
    org_cap, true_dim = org_cap_all[orgs], true_all[orgs]
    org_ids = m.register["organisation_id"].to_numpy()[orgs]
    truth = pd.DataFrame(
        {
            "year": year,
            "organisation_id": org_ids,
            "capability": true_dim[:, 0],
            "legacy": true_dim[:, 1],
            "overall": true_dim.mean(axis=1),
        }
    )
    n_resp = np.maximum(1, rng.poisson(m.expected_n[orgs] * noise["respondents_per_org"]))
    resp_org = np.repeat(np.arange(len(orgs)), n_resp)
    n_total, n_caps = len(resp_org), len(m.cap_offset)
    resp_dim = rng.normal(0, noise["respondent_sd"], size=(n_total, 2))
    resp_cap = rng.normal(0, noise["respondent_sd"] / 3, size=(n_total, n_caps))
    theta = org_cap[resp_org] + resp_dim[:, m.cap_dim] + resp_cap  # (resp, caps)
    latent = 3 + m.loading * (theta[:, m.item_cap] - 50) / 25 + m.shift
    latent += rng.normal(0, noise["answer_noise_sd"], size=latent.shape)
    codes = np.clip(np.rint(latent), 1, 5)
    codes[:, m.reverse] = 6 - codes[:, m.reverse]
    codes[rng.random(codes.shape) < m.dont_know_p] = 0
    codes[rng.random(codes.shape) < noise["nonresponse"]] = np.nan
    within = np.arange(n_total) - np.repeat(np.cumsum(n_resp) - n_resp, n_resp) + 1
    return _Round(year, truth, population, codes, org_ids[resp_org], within)


def _response_frame(
    rng: np.random.Generator, m: _Model, round_: _Round, personal_data: bool
) -> pd.DataFrame:
    """The export rows of a round: ids, role, optional fake personal data, answer codes."""
    year, org_ids, within = round_.year, round_.org_ids, round_.within
    n_total = len(org_ids)
    frame = pd.DataFrame(
        {
            "respondent_id": [f"{o}-{year}-{k:03d}" for o, k in zip(org_ids, within)],
            "organisation_id": org_ids,
            "year": year,
            "role": rng.choice(_ROLES, size=n_total),
        }
    )
    if personal_data:
        frame["email"] = [f"person{k}.{o.lower()}@example.se" for o, k in zip(org_ids, within)]
        frame["respondent_name"] = rng.choice(
            ["Anna Andersson", "Erik Johansson", "Maria Karlsson", "Lars Nilsson"],
            size=n_total,
        )
        has_comment = rng.random(n_total) < 0.3
        frame["comment"] = np.where(has_comment, rng.choice(_COMMENTS, size=n_total), "")
    answers = pd.DataFrame(round_.codes, columns=m.codebook.item_ids).astype("Int64")
    return pd.concat([frame, answers], axis=1)


def _inject_defects(
    rng: np.random.Generator, responses: pd.DataFrame, item_ids: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add defects whose exact counts validation must report.

    Row defects are appended as extra rows (so every original row stays valid); cell
    defects overwrite answers of rows that keep at least one valid answer.
    """
    responses = responses.copy()
    pick = rng.choice(len(responses), size=5, replace=False)
    duplicates = responses.iloc[pick[:2]].copy()
    unknown = responses.iloc[pick[2:4]].copy()
    unknown["organisation_id"] = "X999"
    blank_org = responses.iloc[[pick[4]]].copy()
    blank_org["organisation_id"] = ""
    empty = responses.iloc[[pick[0]]].copy()
    empty["respondent_id"] = empty["respondent_id"] + "-empty"
    empty[item_ids] = pd.NA
    responses[item_ids] = responses[item_ids].astype(object)
    cells = rng.choice(len(responses), size=25, replace=False)
    cols = rng.choice(item_ids, size=25)
    for k, (row, col) in enumerate(zip(cells, cols)):  # 25 cells, not a respondent loop
        responses.iat[row, responses.columns.get_loc(col)] = 7 if k < 15 else "kanske"
    extra = pd.concat([duplicates, unknown, blank_org, empty], ignore_index=True)
    extra[item_ids] = extra[item_ids].astype(object)
    out = pd.concat([responses, extra], ignore_index=True)
    counts = pd.DataFrame(
        {
            "kind": [
                "duplicate_respondent_in_round",
                "unknown_organisation",
                "missing_organisation_id",
                "no_valid_answers",
                "out_of_range",
                "unparseable",
            ],
            "count": [2, 2, 1, 1, 15, 10],
        }
    )
    return out, counts


def write_dataset(
    sim: SimulatedSurvey, out_dir: str | Path, *, swedish_year: int | None = 2022
) -> list[Path]:
    """Write simulated data as raw files in the canonical format.

    One CSV per round (``responses_<year>.csv``, UTF-8, comma) and the register
    (``organisations.csv``). The round ``swedish_year`` is written as Swedish Excel does:
    ``;`` delimiter, cp1252 encoding, CRLF line endings, decimal comma in answers
    (``4,0``) and the don't-know answer as its label ("Vet ej").

    Returns the paths written, in order. Bytes depend only on the simulation.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    item_ids = sim.codebook.item_ids
    for year, frame in sim.responses.groupby("year", sort=True):
        path = out / f"responses_{year}.csv"
        if year == swedish_year:
            frame = frame.copy()
            frame[item_ids] = frame[item_ids].astype(object)
            text = frame[item_ids].astype(str)
            text = text.where(~text.isin(["<NA>", "nan", "None"]), "")
            is_code = text.isin([str(c) for c in range(1, 10)])
            text = text.where(~is_code, text + ",0")
            frame[item_ids] = text.where(text != "0", sim.codebook.dont_know_label["sv"])
            frame.to_csv(path, sep=";", index=False, encoding="cp1252", lineterminator="\r\n")
        else:
            frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        written.append(path)
    register = out / "organisations.csv"
    orgs = sim.organisations.copy()
    orgs["programme_start"] = orgs["programme_start"].astype("Int64")
    orgs["population"] = orgs["population"].astype("Int64")
    orgs.to_csv(register, index=False, encoding="utf-8", lineterminator="\n")
    written.append(register)
    return written


def write_truth(sim: SimulatedSurvey, out_dir: str | Path) -> Path:
    """Write the ground truth beside the data, under ``out_dir/truth``; return that folder.

    ``organisation_truth.csv`` (true scores of the participants), ``national_truth.csv``
    (their mean per round) and ``population_truth.csv`` (the register's mean per round, what
    a weighted index estimates); six decimals, ``\\n`` line ends.
    """
    folder = Path(out_dir) / "truth"
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "organisation_truth.csv": sim.truth.organisations,
        "national_truth.csv": sim.truth.national,
        "population_truth.csv": sim.truth.population,
    }
    for name, frame in tables.items():
        frame.to_csv(folder / name, index=False, float_format="%.6f", lineterminator="\n")
    return folder
