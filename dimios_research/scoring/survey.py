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
   at that level (respondents missing there are left out), with n, SD, SE and a t interval
   computed on the logit scale of ``score_pct / 100`` (so it stays within [0, 100]);
   organisation scores from fewer than ``imprecise_below`` respondents are flagged
   ``imprecise``.
5. Maturity type A–D from the organisation's capability and legacy percentages and a cut
   (default 50, ``>=`` is high).
6. Organisation-rounds with fewer respondents than the reporting threshold (default 5) are
   kept with ``reportable = False`` and are never shown individually downstream.

All steps are matrix operations (membership matrices), with no loop over individual
respondents, organisations or items. The answers are scored in blocks of 2,048 respondents,
each block fully vectorised: the temporaries then stay in cache and reuse memory, which
halved the time of that step in ``benchmarks/bench_scoring.py``. Group statistics are
sparse matrix products.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse, special, stats

from ..conventions import DEFAULT_MIN_RESPONDENTS, DEFAULT_TYPE_CUT, SCORE_LEVELS, check_ci
from ..instrument.codebook import Codebook
from ..instrument.maturity_types import classify_types
from ..io.survey import SurveyData
from .scores import MATURITY_TYPE_DTYPE, Scores

__all__ = [
    "score",
    "score_respondents",
    "to_percent",
    "reverse_keyed",
    "IMPRECISE_BELOW",
    "bounded_interval",
]

ID_COLUMNS = ["year", "organisation_id", "respondent_id"]
#: Organisation scores from fewer respondents than this are flagged ``imprecise``: below 10
#: the SD behind the interval is itself uncertain by more than a quarter (relative SE of a
#: sample SD, about 1 / sqrt(2 (n - 1))) and the t quantile exceeds 2.26.
IMPRECISE_BELOW = 10
# Respondents per block when scoring the answers (about 1 MB of answers per block).
_BLOCK_ROWS = 2048


def to_percent(
    raw: np.ndarray | pd.Series | float,
    scale_min: float,
    scale_max: float,
    *,
    out: np.ndarray | None = None,
):
    """Percent of maximum: ``100 * (s - min) / (max - min)``.

    With ``out`` (an array, may be ``raw`` itself) the result is written there without
    temporaries; the operations and so the values are the same.

    Examples
    --------
    >>> to_percent(3.0, 1, 5)
    50.0
    """
    if out is None:
        return 100.0 * (raw - scale_min) / (scale_max - scale_min)
    np.subtract(raw, scale_min, out=out)
    np.multiply(100.0, out, out=out)
    return np.divide(out, scale_max - scale_min, out=out)


def _half_rule_mean(
    values: np.ndarray, membership: np.ndarray, out: np.ndarray, *, overwrite: bool = False
) -> None:
    """Mean over members when at least half are present (answered * 2 >= members).

    ``values`` is (respondents × members), NaN for missing; ``membership`` is
    (members × units) of 0/1; the (respondents × units) means are written to ``out``.
    With ``overwrite`` the missing cells of ``values`` are set to 0 in place, which saves a
    copy of the largest matrix (the answers).
    """
    missing = np.isnan(values)
    filled = values if overwrite else values.copy()
    filled[missing] = 0.0
    size = membership.sum(axis=0)
    # Counted in float32 (exact for whole numbers below 2**24): half the memory traffic.
    answered = size - missing.astype(np.float32) @ membership.astype(np.float32)
    answered[answered * 2 < size] = np.nan  # the half rule: dividing by NaN gives NaN
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(filled @ membership, answered, out=out)


def _membership(children: pd.Series | list[str], parents: list[str]) -> np.ndarray:
    """0/1 matrix (children × parents) from each child's parent id."""
    child_parent = np.asarray(children, dtype=object)
    return (child_parent[:, None] == np.asarray(parents, dtype=object)[None, :]).astype(float)


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
    >>> from dimios_research.instrument.codebook import load_codebook
    >>> cb = load_codebook()
    >>> item = cb.items.loc[cb.items["reverse"], "item_id"].iloc[0]
    >>> reverse_keyed(pd.DataFrame({item: [1.0, 5.0, None]}), cb)[item].tolist()
    [5.0, 1.0, nan]
    """
    items = [i for i in codebook.item_ids if i in answers.columns]
    values = answers[items].to_numpy(dtype=float, copy=True)
    _recode_reverse(values, _reverse_flags(items, codebook), codebook)
    out = answers.copy()
    out[items] = values
    return out


def _reverse_flags(item_ids: list[str], codebook: Codebook) -> np.ndarray:
    """True for every reverse-keyed item among ``item_ids``."""
    position = pd.Index(codebook.items["item_id"]).get_indexer(item_ids)
    return codebook.items["reverse"].to_numpy(dtype=bool)[position]


def _recode_reverse(values: np.ndarray, flip: np.ndarray, codebook: Codebook) -> None:
    """Recode the flagged columns of a float matrix in place, x' = min + max - x."""
    values[:, flip] = codebook.scale_min + codebook.scale_max - values[:, flip]


@dataclass(frozen=True)
class _ScoreMatrix:
    """Every respondent's score (rows) for every unit of every level (columns), in percent.

    Columns run capabilities, categories, dimensions, then ``overall``, each in instrument
    order, so a row-major walk over the matrix is already the tidy output's order.
    """

    pct: np.ndarray
    units: list[str]
    level_codes: np.ndarray  # position of each column's level in SCORE_LEVELS (int8)

    @cached_property
    def present(self) -> np.ndarray:
        return ~np.isnan(self.pct)


def _score_matrix(data: SurveyData) -> _ScoreMatrix:
    """Respondent scores at every level in one matrix (the half rule at each level)."""
    cb = data.codebook
    # A view when the item columns are one float block (no copy of the largest matrix).
    answers = data.respondents[cb.item_ids].to_numpy(dtype=float)
    parent = dict(zip(cb.units["unit"], cb.units["parent"], strict=True))
    caps, cats, dims = (cb.units_at(level) for level in SCORE_LEVELS[:3])
    units = [*caps, *cats, *dims, "overall"]
    level_codes = np.repeat(
        np.arange(len(SCORE_LEVELS), dtype=np.int8), [len(caps), len(cats), len(dims), 1]
    )
    cap_cols = slice(0, len(caps))
    cat_cols = slice(len(caps), len(caps) + len(cats))
    dim_cols = slice(len(caps) + len(cats), len(units) - 1)
    dim_pair = [dim_cols.start + dims.index("capability"), dim_cols.start + dims.index("legacy")]
    flip = cb.items["reverse"].to_numpy(dtype=bool)  # the answers' columns are cb.item_ids
    item_membership = _membership(cb.items["capability"], caps)
    cap_membership = _membership([parent[c] for c in caps], cats)
    cat_membership = _membership([parent[c] for c in cats], dims)
    pct = np.empty((len(answers), len(units)))
    # Scored in blocks of respondents: each block is vectorised, and its temporaries stay
    # in cache and reuse memory instead of faulting in fresh pages (twice as fast).
    for start in range(0, len(answers), _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        # order="K" keeps the frame's memory layout (column-major): a plain copy, no transpose.
        block, out = answers[rows].copy(order="K"), pct[rows]
        _recode_reverse(block, flip, cb)
        _half_rule_mean(block, item_membership, out[:, cap_cols], overwrite=True)
        _half_rule_mean(out[:, cap_cols], cap_membership, out[:, cat_cols])
        _half_rule_mean(out[:, cat_cols], cat_membership, out[:, dim_cols])
        # Overall needs both dimensions: the mean of the pair is NaN when either is missing.
        out[:, -1] = out[:, dim_pair].mean(axis=1)
        to_percent(out, cb.scale_min, cb.scale_max, out=out)
    return _ScoreMatrix(pct, units, level_codes)


@dataclass(frozen=True)
class _Groups:
    """Organisation-rounds sorted by year and organisation, and each respondent's round."""

    of_respondent: np.ndarray  # group position of every respondent
    year: np.ndarray  # year of every group
    organisation_id: pd.Index  # organisation of every group
    size: np.ndarray  # respondents kept in every group
    organisation_codes: np.ndarray  # organisation of every respondent, code into ...
    organisation_names: pd.Index  # ... the sorted organisation ids


def _codes(values: pd.Series, *, sort: bool) -> tuple[np.ndarray, pd.Index]:
    """Integer codes in the smallest dtype pandas would pick for a categorical of them."""
    codes, names = pd.factorize(values, sort=sort)
    dtype = np.int8 if len(names) < 128 else np.int16 if len(names) < 32768 else np.int32
    return codes.astype(dtype), pd.Index(names)


def _groups(ids: pd.DataFrame) -> _Groups:
    org_codes, org_names = _codes(ids["organisation_id"], sort=True)
    year_codes, years = pd.factorize(ids["year"], sort=True)
    key = year_codes.astype(np.int64) * len(org_names) + org_codes
    group_keys, of_respondent = np.unique(key, return_inverse=True)
    return _Groups(
        of_respondent=of_respondent,
        year=np.asarray(years, dtype=int)[group_keys // len(org_names)],
        organisation_id=org_names[group_keys % len(org_names)],
        size=np.bincount(of_respondent, minlength=len(group_keys)),
        organisation_codes=org_codes,
        organisation_names=org_names,
    )


def _tidy_respondents(ids: pd.DataFrame, matrix: _ScoreMatrix, groups: _Groups) -> pd.DataFrame:
    """Long table built from integer codes (no melt, sort or per-row strings: hot path).

    ``organisation_id``, ``respondent_id``, ``level`` and ``unit`` are categoricals, which
    keeps the table small (one row per respondent and unit) and fast to group.
    """
    present = matrix.present
    # Row-major walk: respondent by respondent, each respondent's present scores in turn.
    scores_per_respondent = np.count_nonzero(present, axis=1)
    n_units, present_cells = len(matrix.units), present.ravel()
    # Per-cell codes by tiling the per-column codes (gathers with small-int indices would
    # first widen the indices to 64 bits).
    unit_codes = np.tile(np.arange(n_units, dtype=np.int8 if n_units < 128 else np.int16), len(ids))
    level_codes = np.tile(matrix.level_codes, len(ids))[present_cells]
    unit_codes = unit_codes[present_cells]
    resp_codes, resp_names = _codes(ids["respondent_id"], sort=False)
    return pd.DataFrame(
        {
            "year": np.repeat(ids["year"].to_numpy(dtype=int), scores_per_respondent),
            "organisation_id": _categorical(
                np.repeat(groups.organisation_codes, scores_per_respondent),
                groups.organisation_names,
            ),
            "respondent_id": _categorical(np.repeat(resp_codes, scores_per_respondent), resp_names),
            "level": _categorical(level_codes, pd.Index(SCORE_LEVELS)),
            "unit": _categorical(unit_codes, pd.Index(matrix.units)),
            "score_pct": matrix.pct[present],
        },
        copy=False,
    )


def _categorical(codes: np.ndarray, categories: pd.Index) -> pd.Categorical:
    # The codes are built above from the categories themselves, so skip re-validation.
    return pd.Categorical.from_codes(codes, categories, validate=False)


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
        score that exists under the half rule. Rows come respondent by respondent in the
        data's order; within a respondent, units come level by level (capability,
        category, dimension, overall) in the instrument's order.
    """
    return _tidy_respondents(data.respondents, _score_matrix(data), _groups(data.respondents))


def bounded_interval(
    mean_pct: np.ndarray, se_pct: np.ndarray, crit: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Interval for a percent-of-maximum mean that stays within [0, 100].

    Parameters
    ----------
    mean_pct, se_pct : array of float
        Means (0-100) and their standard errors.
    crit : float or array
        Critical value, e.g. the t quantile with n - 1 df.

    Returns
    -------
    (low, high) : arrays of float

    Notes
    -----
    With :math:`p = \\bar y / 100` the interval is computed for
    :math:`\\eta = \\operatorname{logit} p` with the delta-method SE
    :math:`se_\\eta = se / (100\\,p(1-p))` and transformed back:
    :math:`100\\,\\operatorname{expit}(\\eta \\pm c\\,se_\\eta)`. It lies strictly inside
    (0, 100), contains the mean and is asymmetric near the bounds. A mean of exactly 0 or
    100 means every respondent scored at that bound (SD 0); the interval is then the point
    itself, as the t interval would be. A NaN SE (one respondent) gives a NaN interval.

    Examples
    --------
    >>> low, high = bounded_interval(np.array([37.5]), np.array([37.5]), 12.7062)
    >>> bool(0 < low[0] < 37.5 < high[0] < 100)
    True
    """
    mean_pct, se_pct = np.asarray(mean_pct, dtype=float), np.asarray(se_pct, dtype=float)
    p = mean_pct / 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = special.logit(p)
        half = crit * se_pct / (100.0 * p * (1.0 - p))
        low, high = 100.0 * special.expit(eta - half), 100.0 * special.expit(eta + half)
    at_bound = ((p <= 0) | (p >= 1)) & ~np.isnan(se_pct)
    # minimum/maximum absorb the rounding of expit(logit(p)) and keep NaN bounds NaN
    low = np.where(at_bound, mean_pct, np.minimum(low, mean_pct))
    high = np.where(at_bound, mean_pct, np.maximum(high, mean_pct))
    return low, high


def _aggregate(
    groups: _Groups,
    matrix: _ScoreMatrix,
    *,
    min_respondents: int,
    ci_level: float,
    imprecise_below: int = IMPRECISE_BELOW,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Organisation means, n, SD, SE and bounded t intervals from the respondent score matrix.

    Group sums are sparse (organisation-rounds × respondents) matrix products over all
    levels at once; the SD is computed in two passes (deviations from the group mean) for
    accuracy. Rows come group by group (year, organisation), then in the matrix's column
    order, so the table needs no sort. Also returns the (groups × units) matrix of means.
    """
    codes, n_groups = groups.of_respondent, len(groups.size)
    indicator = sparse.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(n_groups, len(codes))
    )
    present = matrix.present
    # One scratch matrix serves the counts, the sums and the squared deviations.
    scratch = present.astype(float)
    counts = indicator @ scratch
    np.copyto(scratch, matrix.pct, where=present)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (indicator @ scratch) / counts
        np.take(means, codes, axis=0, out=scratch)
        np.subtract(matrix.pct, scratch, out=scratch)
        np.square(scratch, out=scratch)
        np.copyto(scratch, 0.0, where=~present)
        var = (indicator @ scratch) / (counts - 1)
    var[counts < 2] = np.nan
    group, column = np.nonzero(counts > 0)
    n = counts[group, column].astype(int)
    mean, sd = means[group, column], np.sqrt(var[group, column])
    se = sd / np.sqrt(n)
    # t quantiles for the few distinct group sizes only, then looked up per row.
    sizes, inverse = np.unique(n, return_inverse=True)
    with np.errstate(invalid="ignore"):
        t_crit = stats.t.ppf(0.5 + ci_level / 2, sizes - 1)[inverse]
    ci_low, ci_high = bounded_interval(mean, se, t_crit)
    table = pd.DataFrame(
        {
            "year": groups.year[group],
            "organisation_id": groups.organisation_id.take(group),
            "level": _categorical(matrix.level_codes[column], pd.Index(SCORE_LEVELS)),
            "unit": pd.Index(matrix.units).take(column),
            "score_pct": mean,
            "n_respondents": n,
            "sd": sd,
            "se": se,
            "ci_low": ci_low,
            "ci_high": ci_high,
            "reportable": groups.size[group] >= min_respondents,
            "imprecise": n < imprecise_below,
        }
    )
    return table, means


def score(
    data: SurveyData,
    *,
    min_respondents: int = DEFAULT_MIN_RESPONDENTS,
    cut: float = DEFAULT_TYPE_CUT,
    ci_level: float = 0.95,
    imprecise_below: int = IMPRECISE_BELOW,
) -> Scores:
    """Score validated survey data at every level for respondents and organisations.

    Parameters
    ----------
    data : SurveyData
        From :func:`dimios_research.io.survey.read_survey`.
    min_respondents : int, default 5
        Reporting threshold: organisation-rounds with fewer kept respondents get
        ``reportable = False``.
    cut : float, default 50.0
        Type boundary on both dimensions (percent; ``>=`` is high / enabling).
    ci_level : float, default 0.95
        Level of the organisation t intervals (computed on the logit scale, see
        :func:`bounded_interval`).
    imprecise_below : int, default :data:`IMPRECISE_BELOW` (10)
        Organisation scores from fewer respondents (at that level and unit) get
        ``imprecise = True``.

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
    >>> scores = dr.score(demo_data)  # demo_data = dr.load_dataset("demo")
    >>> sorted(scores.organisations["level"].unique())
    ['capability', 'category', 'dimension', 'overall']
    """
    if min_respondents < 1:
        raise ValueError(f"min_respondents must be at least 1, got {min_respondents}")
    check_ci(ci_level, "ci_level")
    ids = data.respondents  # only its id columns are read
    matrix = _score_matrix(data)
    groups = _groups(ids)
    if imprecise_below < 1:
        raise ValueError(f"imprecise_below must be at least 1, got {imprecise_below}")
    organisations, means = _aggregate(
        groups,
        matrix,
        min_respondents=min_respondents,
        ci_level=ci_level,
        imprecise_below=imprecise_below,
    )
    respondent_scores = _tidy_respondents(ids, matrix, groups)
    column = {unit: position for position, unit in enumerate(matrix.units)}
    capability, legacy, overall = (
        means[:, column[unit]] for unit in ("capability", "legacy", "overall")
    )
    types = pd.DataFrame(
        {
            "year": groups.year,
            "organisation_id": groups.organisation_id,
            "capability_pct": capability,
            "legacy_pct": legacy,
            "overall_pct": overall,
            "maturity_type": pd.Categorical(
                classify_types(capability, legacy, cut), dtype=MATURITY_TYPE_DTYPE
            ),
            "n_respondents": groups.size,
            "reportable": groups.size >= min_respondents,
        }
    )
    cb: Codebook = data.codebook
    return Scores(
        respondents=respondent_scores,
        organisations=organisations,
        types=types,
        register=data.organisations,
        parameters={
            "min_respondents": min_respondents,
            "imprecise_below": imprecise_below,
            "cut": cut,
            "ci_level": ci_level,
            "codebook_id": cb.id,
            "codebook_version": cb.version,
            "scale_min": cb.scale_min,
            "scale_max": cb.scale_max,
        },
    )
