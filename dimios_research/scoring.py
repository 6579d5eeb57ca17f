"""Scoring: items → capability → category → dimension → overall maturity (% of max).

The package's documented scoring method (``docs/methods.md``):

1. Don't-know and missing answers are missing. Reverse-keyed items are recoded
   :math:`x' = \\min + \\max - x`.
2. A respondent's capability score is the mean of their answered items in that capability
   when at least half of the items are answered (``answered * 2 >= items``), else missing.
   The category score is the mean of the respondent's capability scores in the category,
   with the same half rule over capabilities; the dimension score is the mean of category
   scores, same rule; overall is the mean of the two dimension scores when both exist.
3. Every score is reported as percent of maximum, :math:`100 (s - \\min) / (\\max - \\min)`.
4. An organisation's score at every level is the mean over its respondents of their scores
   at that level (respondents missing there are left out), with n, SD, SE and a t interval.
5. Maturity type A–D from the organisation's capability and legacy percentages and a cut
   (default 50, ``>=`` is high).
6. Organisation-rounds with fewer respondents than the reporting threshold (default 5) are
   kept with ``reportable = False`` and are never shown individually downstream.

All steps are matrix operations (membership matrices), no loop over respondents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import sparse, stats

from .codebook import INSTRUMENT_DIR, Codebook
from .ingest import SurveyData

__all__ = [
    "Scores",
    "score",
    "score_respondents",
    "classify_types",
    "maturity_types",
    "to_percent",
    "reverse_keyed",
    "SCORE_LEVELS",
    "TYPE_LETTERS",
]

SCORE_LEVELS = ("capability", "category", "dimension", "overall")
TYPE_LETTERS = ("A", "B", "C", "D")
ID_COLUMNS = ["year", "organisation_id", "respondent_id"]


@dataclass(frozen=True)
class Scores:
    """Scores at every level, for respondents and organisations.

    Attributes
    ----------
    respondents : pandas.DataFrame
        Tidy: ``year, organisation_id, respondent_id, level, unit, score_pct`` (rows only
        where the score exists).
    organisations : pandas.DataFrame
        Tidy: ``year, organisation_id, level, unit, score_pct, n_respondents, sd, se,
        ci_low, ci_high, reportable``. ``n_respondents`` counts respondents with a score at
        that level and unit; ``sd`` is the respondent SD (ddof 1), ``se = sd / sqrt(n)``,
        the interval is the t interval at ``ci_level``; ``reportable`` is an
        organisation-round property (see Notes of :func:`score`).
    types : pandas.DataFrame
        One row per organisation-round: ``year, organisation_id, capability_pct,
        legacy_pct, overall_pct, type, n_respondents, reportable``.
    register : pandas.DataFrame
        The organisation register the data were validated against (attributes for
        grouping and weights).
    parameters : dict
        ``min_respondents, cut, ci_level, codebook_id, codebook_version`` and the scale.
    """

    respondents: pd.DataFrame
    organisations: pd.DataFrame
    types: pd.DataFrame
    register: pd.DataFrame
    parameters: dict = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        return sorted(self.types["year"].unique().tolist())

    def organisation_level(
        self, level: str = "overall", unit: str = "overall", *, reportable_only: bool = True
    ) -> pd.DataFrame:
        """Organisation scores at one level and unit joined with register attributes.

        Returns ``year, organisation_id, score_pct, n_respondents, sd, se, ci_low, ci_high,
        reportable`` plus ``type, size_class, county, employees, population,
        programme_start`` (``type`` is the organisation type, kommun, region, ...).
        """
        org = self.organisations
        sel = org[(org["level"] == level) & (org["unit"] == unit)]
        if sel.empty:
            raise ValueError(f"no organisation scores at level {level!r}, unit {unit!r}")
        if reportable_only:
            sel = sel[sel["reportable"]]
        attrs = self.register.drop(columns=["name"], errors="ignore")
        out = sel.drop(columns=["level", "unit"]).merge(attrs, on="organisation_id", how="left")
        return out.reset_index(drop=True)


def to_percent(raw: np.ndarray | pd.Series | float, scale_min: float, scale_max: float):
    """Percent of maximum: ``100 * (s - min) / (max - min)``.

    Examples
    --------
    >>> to_percent(3.0, 1, 5)
    50.0
    """
    return 100.0 * (raw - scale_min) / (scale_max - scale_min)


def _half_rule_mean(values: np.ndarray, membership: np.ndarray) -> np.ndarray:
    """Mean over members when at least half are present (answered * 2 >= members).

    ``values`` is (respondents × members), NaN for missing; ``membership`` is
    (members × units) of 0/1. Returns (respondents × units).
    """
    present = ~np.isnan(values)
    sums = np.where(present, values, 0.0) @ membership
    counts = present.astype(float) @ membership
    size = membership.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / counts
    return np.where(counts * 2 >= size, mean, np.nan)


def _membership(children: pd.Series, parents: list[str]) -> np.ndarray:
    """0/1 matrix (children × parents) from each child's parent id."""
    return (children.to_numpy()[:, None] == np.asarray(parents)[None, :]).astype(float)


def reverse_keyed(answers: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Answers with reverse-keyed items recoded, :math:`x' = \\min + \\max - x`.

    Parameters
    ----------
    answers : pandas.DataFrame
        Any frame holding the codebook's item columns (other columns are kept as they are).
    codebook : Codebook

    Returns
    -------
    pandas.DataFrame
        A copy with every item column as float and reverse items recoded (NaN stays NaN).

    Examples
    --------
    >>> from dimios_research.codebook import load_codebook
    >>> cb = load_codebook()
    >>> item = cb.items.loc[cb.items["reverse"], "item_id"].iloc[0]
    >>> reverse_keyed(pd.DataFrame({item: [1.0, 5.0, None]}), cb)[item].tolist()
    [5.0, 1.0, nan]
    """
    items = [i for i in codebook.item_ids if i in answers.columns]
    out = answers.copy()
    out[items] = _reverse_keyed_array(answers[items], codebook)
    return out


def _reverse_keyed_array(answers: pd.DataFrame, codebook: Codebook) -> np.ndarray:
    """Float matrix of the item columns with reverse items recoded (one numpy pass)."""
    values = answers.to_numpy(dtype=float, copy=True)
    reverse = codebook.items.set_index("item_id").loc[list(answers.columns), "reverse"]
    flip = reverse.to_numpy(dtype=bool)
    values[:, flip] = codebook.scale_min + codebook.scale_max - values[:, flip]
    return values


@dataclass(frozen=True)
class _LevelMatrix:
    """Scores of every respondent (rows) for every unit (columns) of one level, in percent."""

    level: str
    units: list[str]
    pct: np.ndarray


def _level_matrices(data: SurveyData) -> list[_LevelMatrix]:
    """Respondent scores at every level as wide matrices (the half rule at each level)."""
    cb = data.codebook
    answers = _reverse_keyed_array(data.respondents[cb.item_ids], cb)
    caps = cb.units_at("capability")
    cats = cb.units_at("category")
    dims = cb.units_at("dimension")
    units = cb.units.set_index("unit")
    cap_scores = _half_rule_mean(answers, _membership(cb.items["capability"], caps))
    cat_scores = _half_rule_mean(cap_scores, _membership(units.loc[caps, "parent"], cats))
    dim_scores = _half_rule_mean(cat_scores, _membership(units.loc[cats, "parent"], dims))
    pair = dim_scores[:, [dims.index("capability"), dims.index("legacy")]]
    overall = np.where(np.isnan(pair).any(axis=1), np.nan, pair.mean(axis=1))[:, None]
    return [
        _LevelMatrix(level, names, to_percent(matrix, cb.scale_min, cb.scale_max))
        for level, names, matrix in (
            ("capability", caps, cap_scores),
            ("category", cats, cat_scores),
            ("dimension", dims, dim_scores),
            ("overall", ["overall"], overall),
        )
    ]


def _tidy_respondents(ids: pd.DataFrame, levels: list[_LevelMatrix]) -> pd.DataFrame:
    """Long table built from integer codes (no melt, sort or per-row strings: hot path).

    ``organisation_id``, ``respondent_id`` and ``unit`` are categoricals, which keeps the
    table small (one row per respondent and unit) and fast to group.
    """
    org_codes, org_names = pd.factorize(ids["organisation_id"])
    resp_codes, resp_names = pd.factorize(ids["respondent_id"])
    years = ids["year"].to_numpy(dtype=int)
    all_units = [u for lm in levels for u in lm.units]
    rows, level_codes, unit_codes, values = [], [], [], []
    offset = 0
    for level_pos, lm in enumerate(levels):
        n_units = len(lm.units)
        flat = lm.pct.ravel()  # respondent-major: all units of respondent 1, then 2, ...
        keep = ~np.isnan(flat)
        rows.append(np.repeat(np.arange(len(ids)), n_units)[keep])
        level_codes.append(np.full(keep.sum(), level_pos, dtype=np.int8))
        unit_codes.append((np.tile(np.arange(n_units), len(ids)) + offset)[keep])
        values.append(flat[keep])
        offset += n_units
    row = np.concatenate(rows)
    return pd.DataFrame(
        {
            "year": years[row],
            "organisation_id": pd.Categorical.from_codes(org_codes[row], org_names),
            "respondent_id": pd.Categorical.from_codes(resp_codes[row], resp_names),
            "level": pd.Categorical.from_codes(np.concatenate(level_codes), list(SCORE_LEVELS)),
            "unit": pd.Categorical.from_codes(np.concatenate(unit_codes), all_units),
            "score_pct": np.concatenate(values),
        }
    )


def score_respondents(data: SurveyData) -> pd.DataFrame:
    """Respondent scores at every level (tidy), percent of maximum.

    Parameters
    ----------
    data : SurveyData
        Validated survey data (answers not yet reverse-keyed).

    Returns
    -------
    pandas.DataFrame
        ``year, organisation_id, respondent_id, level, unit, score_pct``; a row for every
        score that exists under the half rule. Rows come in level blocks (capability,
        category, dimension, overall); within a block respondents keep the data's order
        (year, organisation, respondent) and units the instrument's order.
    """
    levels = _level_matrices(data)
    return _tidy_respondents(data.respondents[ID_COLUMNS].reset_index(drop=True), levels)


def _aggregate(
    ids: pd.DataFrame,
    levels: list[_LevelMatrix],
    *,
    min_respondents: int,
    ci_level: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Organisation means, n, SD, SE and t intervals from the wide respondent matrices.

    Group sums are one sparse (organisation-rounds × respondents) matrix product per level;
    the SD is computed in two passes (deviations from the group mean) for accuracy.
    Returns the tidy organisation table and the respondents kept per organisation-round.
    """
    grouper = ids.groupby(["year", "organisation_id"], sort=True)
    codes = grouper.ngroup().to_numpy()
    group_frame = grouper.size().index.to_frame(index=False)
    n_groups = len(group_frame)
    indicator = sparse.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(n_groups, len(codes))
    )
    n_round = np.bincount(codes, minlength=n_groups)
    frames = []
    for lm in levels:
        present = ~np.isnan(lm.pct)
        filled = np.where(present, lm.pct, 0.0)
        counts = indicator @ present.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = (indicator @ filled) / counts
            deviations = np.where(present, lm.pct - means[codes], 0.0)
            var = (indicator @ deviations**2) / (counts - 1)
        var[counts < 2] = np.nan
        n_units = len(lm.units)
        frames.append(
            pd.DataFrame(
                {
                    "group": np.repeat(np.arange(n_groups), n_units),
                    "level": lm.level,
                    "unit": np.tile(np.asarray(lm.units, dtype=object), n_groups),
                    "score_pct": means.ravel(),
                    "n_respondents": counts.ravel().astype(int),
                    "sd": np.sqrt(var).ravel(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out = out[out["n_respondents"] > 0]
    out["se"] = out["sd"] / np.sqrt(out["n_respondents"])
    # t quantiles for the few distinct group sizes only, then looked up per row.
    sizes, inverse = np.unique(out["n_respondents"].to_numpy(), return_inverse=True)
    with np.errstate(invalid="ignore"):
        t_crit = stats.t.ppf(0.5 + ci_level / 2, sizes - 1)[inverse]
    out["ci_low"] = out["score_pct"] - t_crit * out["se"]
    out["ci_high"] = out["score_pct"] + t_crit * out["se"]
    out["reportable"] = n_round[out["group"].to_numpy()] >= min_respondents
    out.insert(0, "organisation_id", group_frame["organisation_id"].to_numpy()[out["group"]])
    out.insert(0, "year", group_frame["year"].to_numpy()[out["group"]].astype(int))
    out["level"] = pd.Categorical(out["level"], categories=list(SCORE_LEVELS))
    out = out.sort_values(["year", "organisation_id", "level"], kind="stable")
    counts_frame = group_frame.assign(n_round=n_round)
    return out.drop(columns="group").reset_index(drop=True), counts_frame


@lru_cache(maxsize=4)
def _types_file(path: str) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def maturity_types(lang: str = "sv", path: str | Path | None = None) -> pd.DataFrame:
    """Names, descriptions and general recommendations of the maturity types A–D.

    Parameters
    ----------
    lang : {"sv", "en"}
    path : str or Path, optional
        A types file of the same schema; default the shipped ``maturity_types.yaml``.

    Returns
    -------
    pandas.DataFrame
        Indexed by type letter: ``capability`` (low/high), ``legacy``
        (constraining/enabling), ``name``, ``description``, ``recommendations`` (list),
        ``follows_public_description`` (bool; True only for typ A).
    """
    if lang not in ("sv", "en"):
        raise ValueError(f"lang must be 'sv' or 'en', got {lang!r}")
    raw = _types_file(str(path or INSTRUMENT_DIR / "maturity_types.yaml"))
    rows = {
        letter: {
            "capability": spec["capability"],
            "legacy": spec["legacy"],
            "name": spec["name"][lang],
            "description": spec["description"][lang],
            "recommendations": list(spec["recommendations"][lang]),
            "follows_public_description": bool(spec.get("follows_public_description", False)),
        }
        for letter, spec in raw["types"].items()
    }
    return pd.DataFrame.from_dict(rows, orient="index").loc[list(TYPE_LETTERS)]


def classify_types(capability_pct, legacy_pct, cut: float = 50.0) -> np.ndarray:
    """Maturity type letters from the two dimension percentages.

    A: capability < cut and legacy < cut (low capability, constraining legacy);
    B: capability >= cut, legacy < cut; C: capability < cut, legacy >= cut;
    D: both >= cut. Missing in either dimension gives ``None``.

    Examples
    --------
    >>> classify_types([49.9, 50.0, 10.0, 50.0], [10.0, 10.0, 50.0, 50.0]).tolist()
    ['A', 'B', 'C', 'D']
    """
    cap = np.asarray(capability_pct, dtype=float)
    leg = np.asarray(legacy_pct, dtype=float)
    letters = np.select(
        [(cap < cut) & (leg < cut), (cap >= cut) & (leg < cut), (cap < cut) & (leg >= cut)],
        ["A", "B", "C"],
        default="D",
    ).astype(object)
    letters[np.isnan(cap) | np.isnan(leg)] = None
    return letters


def score(
    data: SurveyData,
    *,
    min_respondents: int = 5,
    cut: float = 50.0,
    ci_level: float = 0.95,
) -> Scores:
    """Score validated survey data at every level for respondents and organisations.

    Parameters
    ----------
    data : SurveyData
        From :func:`dimios_research.ingest.read_survey`.
    min_respondents : int, default 5
        Reporting threshold: organisation-rounds with fewer kept respondents get
        ``reportable = False``.
    cut : float, default 50.0
        Type boundary on both dimensions (percent; ``>=`` is high / enabling).
    ci_level : float, default 0.95
        Level of the organisation t intervals.

    Returns
    -------
    Scores

    Notes
    -----
    ``reportable`` is decided per organisation-round on the number of respondents kept by
    validation in that round (not per level), so an organisation is either shown with all
    its scores or not at all. See the module docstring for the scoring rules.

    An organisation's ``overall_pct`` is the mean of its respondents' overall scores; it
    equals the mean of its two dimension percentages exactly when every respondent has both
    dimension scores (respondents with one dimension only count in that dimension's mean
    but have no overall score).

    Examples
    --------
    >>> from dimios_research.datasets import load_dataset
    >>> scores = score(load_dataset("demo"))
    >>> sorted(scores.organisations["level"].unique())
    ['capability', 'category', 'dimension', 'overall']
    """
    if min_respondents < 1:
        raise ValueError(f"min_respondents must be at least 1, got {min_respondents}")
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must lie between 0 and 1, got {ci_level}")
    ids = data.respondents[ID_COLUMNS].reset_index(drop=True)
    levels = _level_matrices(data)
    respondent_scores = _tidy_respondents(ids, levels)
    organisations, counts = _aggregate(
        ids, levels, min_respondents=min_respondents, ci_level=ci_level
    )
    dims = organisations[organisations["level"].isin(["dimension", "overall"])]
    wide = dims.pivot_table(
        index=["year", "organisation_id"], columns="unit", values="score_pct", observed=True
    )
    wide = wide.reindex(columns=["capability", "legacy", "overall"])
    types = counts.rename(columns={"n_round": "n_respondents"}).merge(
        wide.reset_index(), on=["year", "organisation_id"], how="left"
    )
    types = types.rename(
        columns={"capability": "capability_pct", "legacy": "legacy_pct", "overall": "overall_pct"}
    )
    types["type"] = classify_types(types["capability_pct"], types["legacy_pct"], cut)
    types["reportable"] = types["n_respondents"] >= min_respondents
    columns = [
        "year",
        "organisation_id",
        "capability_pct",
        "legacy_pct",
        "overall_pct",
        "type",
        "n_respondents",
        "reportable",
    ]
    cb: Codebook = data.codebook
    return Scores(
        respondents=respondent_scores,
        organisations=organisations,
        types=types[columns],
        register=data.organisations,
        parameters={
            "min_respondents": min_respondents,
            "cut": cut,
            "ci_level": ci_level,
            "codebook_id": cb.id,
            "codebook_version": cb.version,
            "scale_min": cb.scale_min,
            "scale_max": cb.scale_max,
        },
    )
