"""DIOS system scores: quality and importance per rater and system, and TIME classes.

(Target location in the layered package: ``dimios_research/scoring/inventory.py``.)

1. **Per system and rater.** The quality score is the mean of the rater's answered ratings of
   the ``quality`` block, as percent of maximum of the block's scale; the importance score
   likewise for the ``importance`` block. Don't know and missing are not answered. The half
   rule of the survey scoring applies per block: the score exists when at least half of the
   block's criteria are answered (``answered * 2 >= criteria``).
2. **Per system.** The mean over the system's raters of their block scores (raters without a
   score in a block are left out of that block's mean), with the number of raters.
3. **TIME class** from the two system scores and a cut :math:`c` (default 50; an assumption
   of this package, the DIOS classification rule is not public):

   ========  ==========  =========
   quality   importance  class
   ========  ==========  =========
   >= c      >= c        invest
   >= c      < c         tolerate
   < c       >= c        migrate
   < c       < c         eliminate
   ========  ==========  =========

   A system without one of the two scores has no class.

All steps are matrix operations or grouped means; nothing loops over systems or raters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..instrument.dios import DiosInstrument
from ..io.inventory import KEY_COLUMNS, InventoryData
from .survey import _half_rule_mean, _membership, to_percent

__all__ = [
    "InventoryScores",
    "score_inventory",
    "score_raters",
    "classify_time",
    "TIME_CLASSES",
    "CUT_TOLERANCE",
]

#: TIME class codes (labels live in the locale catalogue): Invest, Tolerate, Migrate, Eliminate.
TIME_CLASSES = ("invest", "tolerate", "migrate", "eliminate")
#: A score within this many points below the cut counts as at the cut (floating-point
#: rounding of means that are exactly the cut on paper, e.g. (41.67 + 58.33) / 2).
CUT_TOLERANCE = 1e-9
SYSTEM_SCORE_COLUMNS = [
    "system_id",
    "organisation_id",
    "year",
    "quality_pct",
    "importance_pct",
    "n_raters",
    "time_class",
    "n_quality_raters",
    "n_importance_raters",
]


@dataclass(frozen=True)
class InventoryScores:
    """Scores of a system inventory.

    Attributes
    ----------
    systems : pandas.DataFrame
        One row per system: ``system_id, organisation_id, year, quality_pct,
        importance_pct, n_raters, time_class, n_quality_raters, n_importance_raters``
        (``time_class`` categorical with the codes of :data:`TIME_CLASSES`; ``n_raters``
        counts raters with at least one block score), sorted by organisation, year and
        system.
    raters : pandas.DataFrame
        One row per system and rater: ``organisation_id, year, system_id, rater_role,
        quality_pct, importance_pct, n_quality_answered, n_importance_answered``.
    attributes : pandas.DataFrame
        The system attributes (``InventoryData.systems``).
    organisations : pandas.DataFrame
        The organisation register.
    instrument : DiosInstrument
    cut : float
        The TIME cut used.
    """

    systems: pd.DataFrame
    raters: pd.DataFrame
    attributes: pd.DataFrame = field(repr=False)
    organisations: pd.DataFrame = field(repr=False)
    instrument: DiosInstrument = field(repr=False)
    cut: float = 50.0

    @property
    def years(self) -> list[int]:
        """Inventory years, ascending."""
        return sorted(self.systems["year"].unique().tolist())

    def table(self) -> pd.DataFrame:
        """The system scores joined with the system attributes (one row per system)."""
        attrs = self.attributes.drop(columns=["n_rating_rows"], errors="ignore")
        return self.systems.merge(attrs, on=["organisation_id", "year", "system_id"], how="left")


def classify_time(
    quality_pct: np.ndarray | pd.Series | float,
    importance_pct: np.ndarray | pd.Series | float,
    cut: float = 50.0,
) -> pd.Categorical:
    """TIME class of each system from its quality and importance percentages.

    Parameters
    ----------
    quality_pct, importance_pct : array-like of float
        Percent-of-maximum scores (NaN = missing).
    cut : float, default 50
        A score >= ``cut`` (within :data:`CUT_TOLERANCE`) is high. Assumption of the package.

    Returns
    -------
    pandas.Categorical
        Codes of :data:`TIME_CLASSES`; missing where either score is missing.

    Examples
    --------
    >>> classify_time([50.0, 50.0, 49.9, 10.0, np.nan], [50.0, 49.9, 80.0, 0.0, 60.0]).tolist()
    ['invest', 'tolerate', 'migrate', 'eliminate', nan]
    """
    q = np.atleast_1d(np.asarray(quality_pct, dtype=float))
    i = np.atleast_1d(np.asarray(importance_pct, dtype=float))
    if q.shape != i.shape:
        raise ValueError("quality_pct and importance_pct must have the same length")
    if not 0 <= cut <= 100:
        raise ValueError(f"cut must lie between 0 and 100 (percent), got {cut}")
    q_high = q >= cut - CUT_TOLERANCE
    i_high = i >= cut - CUT_TOLERANCE
    # Code position in TIME_CLASSES: invest 0, tolerate 1, migrate 2, eliminate 3.
    codes = np.where(q_high, np.where(i_high, 0, 1), np.where(i_high, 2, 3))
    codes[np.isnan(q) | np.isnan(i)] = -1
    return pd.Categorical.from_codes(codes, categories=list(TIME_CLASSES))


def score_raters(data: InventoryData) -> pd.DataFrame:
    """Quality and importance percent per system and rater (the half rule per block).

    Returns
    -------
    pandas.DataFrame
        ``organisation_id, year, system_id, rater_role, quality_pct, importance_pct,
        n_quality_answered, n_importance_answered`` in the order of ``data.ratings``.

    Notes
    -----
    For block :math:`b` with :math:`K_b` criteria on the scale :math:`m_b..M_b` and a rater's
    answered ratings :math:`x_k`, :math:`k \\in A` (:math:`|A|` answered):

    .. math::

        s_b = 100\\,\\frac{\\bar x_A - m_b}{M_b - m_b}\\quad\\text{if } 2|A| \\ge K_b,
        \\text{ else missing.}

    Examples
    --------
    >>> score_raters(dr.load_dataset("demo", kind="inventory")).columns.tolist()[4:6]
    ['quality_pct', 'importance_pct']
    """
    dios = data.instrument
    blocks = list(dios.blocks.values())
    block_of = [b.id for b in blocks for _ in b.item_ids]
    membership = _membership(block_of, [b.id for b in blocks])
    values = data.ratings[dios.rating_ids].to_numpy(dtype=float)
    means = np.empty((len(values), len(blocks)))
    if len(values):
        _half_rule_mean(values, membership, means)
    answered = (~np.isnan(values)).astype(float) @ membership
    out = data.ratings[["organisation_id", "year", "system_id", "rater_role"]].copy()
    for j, block in enumerate(blocks):
        out[f"{block.id}_pct"] = to_percent(means[:, j], block.scale_min, block.scale_max)
    for j, block in enumerate(blocks):
        out[f"n_{block.id}_answered"] = answered[:, j].astype(int)
    return out.reset_index(drop=True)


def score_inventory(data: InventoryData, cut: float = 50.0) -> InventoryScores:
    """Score a system inventory: per rater, per system, and the TIME class of each system.

    Parameters
    ----------
    data : InventoryData
        From :func:`dimios_research.io.inventory.read_inventory`.
    cut : float, default 50
        TIME cut in percent (assumption; see the module docstring and ``docs/methods.md``).

    Returns
    -------
    InventoryScores

    Notes
    -----
    System score of block :math:`b`: :math:`\\bar s_b = \\frac{1}{R_b}\\sum_r s_{r,b}` over
    the :math:`R_b` raters with a score in the block (``n_quality_raters``,
    ``n_importance_raters``). Every rater weighs the same, whatever the role.

    Examples
    --------
    >>> scores = score_inventory(dr.load_dataset("demo", kind="inventory"))
    >>> scores.systems.columns.tolist()[3:7]
    ['quality_pct', 'importance_pct', 'n_raters', 'time_class']
    """
    if not isinstance(data, InventoryData):
        raise ValueError("data must be an InventoryData from read_inventory")
    raters = score_raters(data)
    if not 0 <= cut <= 100:
        raise ValueError(f"cut must lie between 0 and 100 (percent), got {cut}")
    scored = raters.assign(
        any_score=raters["quality_pct"].notna() | raters["importance_pct"].notna()
    )
    grouped = scored.groupby(KEY_COLUMNS, sort=False).agg(
        quality_pct=("quality_pct", "mean"),
        importance_pct=("importance_pct", "mean"),
        n_raters=("any_score", "sum"),
        n_quality_raters=("quality_pct", "count"),
        n_importance_raters=("importance_pct", "count"),
    )
    systems = data.systems[KEY_COLUMNS].merge(grouped.reset_index(), on=KEY_COLUMNS, how="left")
    for col in ("n_raters", "n_quality_raters", "n_importance_raters"):
        systems[col] = systems[col].fillna(0).astype(int)
    systems["time_class"] = classify_time(systems["quality_pct"], systems["importance_pct"], cut)
    return InventoryScores(
        systems=systems[SYSTEM_SCORE_COLUMNS],
        raters=raters,
        attributes=data.systems,
        organisations=data.organisations,
        instrument=data.instrument,
        cut=float(cut),
    )
