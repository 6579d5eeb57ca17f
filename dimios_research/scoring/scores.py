"""The :class:`Scores` contract: what scoring produces and every later stage reads.

One shape, in memory and after a round trip through the result store: the same columns,
dtypes and category orders (``size_class`` XS < … < XL, organisation types in their fixed
order, levels and units in instrument order). The recurring questions of the later stages
(which rounds exist, which organisation-rounds may be shown, the scores of one level and
unit in one round) are methods here, so no stage filters the tables by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..conventions import TYPE_LETTERS, check_year

__all__ = ["Scores", "require_scores"]


@dataclass(frozen=True)
class Scores:
    """Scores at every level, for respondents and organisations.

    Attributes
    ----------
    respondents : pandas.DataFrame
        Tidy: ``year, organisation_id, respondent_id, level, unit, score_pct`` (rows only
        where the score exists), respondent by respondent in the data's order, each
        respondent's units level by level in instrument order. ``organisation_id``,
        ``respondent_id``, ``level`` and ``unit`` are categoricals.
    organisations : pandas.DataFrame
        Tidy: ``year, organisation_id, level, unit, score_pct, n_respondents, sd, se,
        ci_low, ci_high, reportable, imprecise``. ``n_respondents`` counts respondents with
        a score at that level and unit; ``sd`` is the respondent SD (ddof 1),
        ``se = sd / sqrt(n)``, the interval is the logit-scale t interval at ``ci_level``
        (:func:`dimios_research.scoring.survey.bounded_interval`, always within [0, 100]);
        ``reportable`` is an organisation-round property (see Notes of
        :func:`dimios_research.scoring.score`); ``imprecise`` is
        ``n_respondents < imprecise_below``. ``level`` is categorical.
    types : pandas.DataFrame
        One row per organisation-round: ``year, organisation_id, capability_pct,
        legacy_pct, overall_pct, maturity_type, n_respondents, reportable``;
        ``maturity_type`` is a categorical A–D (never confused with the organisation
        type of the register, column ``type``).
    register : pandas.DataFrame
        The organisation register the data were validated against (attributes for
        grouping and weights); ``type`` and ``size_class`` are categoricals in their fixed
        orders (:data:`dimios_research.conventions.ORGANISATION_TYPES`,
        :data:`~dimios_research.conventions.SIZE_CLASSES`).
    parameters : dict
        ``min_respondents, cut, ci_level, codebook_id, codebook_version`` and the scale.
    """

    respondents: pd.DataFrame
    organisations: pd.DataFrame
    types: pd.DataFrame
    register: pd.DataFrame
    parameters: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ rounds
    @property
    def years(self) -> list[int]:
        """Rounds in the data, ascending."""
        return sorted(int(y) for y in self.types["year"].unique())

    def has_round(self, year: Any) -> bool:
        """True when ``year`` is a round with data."""
        try:
            return int(year) in self.years
        except (TypeError, ValueError):
            return False

    def check_year(self, year: Any = None, name: str = "year") -> int:
        """``year`` as an int when it has data; ``None`` gives the latest round.

        Raises ValueError naming ``name`` and listing the rounds that have data.
        """
        return check_year(year, self.years, name)

    def previous_round(self, year: int) -> int | None:
        """The round before ``year`` in the data (not necessarily ``year - 1``), or None."""
        earlier = [y for y in self.years if y < int(year)]
        return earlier[-1] if earlier else None

    # ------------------------------------------------------------------ reportable rows
    @property
    def min_respondents(self) -> int:
        """The reporting threshold the scores were computed with."""
        return int(self.parameters.get("min_respondents", 5))

    def reportable_types(self, year: int | None = None) -> pd.DataFrame:
        """Organisation-rounds that may be shown (``types`` rows), optionally of one round."""
        types = self.types
        keep = types["reportable"].astype(bool)
        if year is not None:
            keep &= types["year"] == int(year)
        return types[keep].reset_index(drop=True)

    def reportable_ids(self, year: int) -> list[str]:
        """Ids of the organisations reportable in ``year``, sorted."""
        return sorted(self.reportable_types(year)["organisation_id"].astype(str).unique())

    def is_reportable(self, organisation_id: str, year: int) -> bool:
        """True when the organisation has answers in ``year`` and reaches the threshold."""
        types = self.types
        row = types[(types["year"] == int(year)) & (types["organisation_id"] == organisation_id)]
        return bool(len(row)) and bool(row["reportable"].iloc[0])

    def reportable_scores(
        self,
        year: int | None = None,
        level: str | None = None,
        unit: str | None = None,
    ) -> pd.DataFrame:
        """Organisation scores that may be shown, filtered by round, level and unit."""
        org = self.organisations
        keep = org["reportable"].astype(bool)
        if year is not None:
            keep &= org["year"] == int(year)
        if level is not None:
            keep &= org["level"] == level
        if unit is not None:
            keep &= org["unit"] == unit
        return org[keep].reset_index(drop=True)

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
            sel = sel[sel["reportable"].astype(bool)]
        attrs = self.register.drop(columns=["name"], errors="ignore")
        out = sel.drop(columns=["level", "unit"]).merge(attrs, on="organisation_id", how="left")
        return out.reset_index(drop=True)

    def population_frame(self) -> pd.DataFrame:
        """The organisations of the register, each once: the population that weighting targets.

        Results read back from a store (:mod:`dimios_research.report.results`) hold, besides
        the organisations, per-round tokens of organisation-rounds below the reporting
        threshold (for coverage counts); those rows have ``in_frame = False`` and are left
        out here. Organisations never reportable appear under anonymous ids with their
        type, size class and county only, so the frame keeps its full size.
        """
        if "in_frame" not in self.register.columns:
            return self.register
        in_frame = self.register["in_frame"].astype(bool)
        return self.register[in_frame].reset_index(drop=True)

    def with_register(self, frame: pd.DataFrame, columns: tuple[str, ...] = ()) -> pd.DataFrame:
        """``frame`` joined on ``organisation_id`` with register attributes (never the name)."""
        wanted = [c for c in columns or self.register.columns if c != "name"]
        attrs = self.register[["organisation_id", *[c for c in wanted if c != "organisation_id"]]]
        return frame.merge(attrs, on="organisation_id", how="left")


#: dtype of the maturity-type column (A–D, in letter order).
MATURITY_TYPE_DTYPE = pd.CategoricalDtype(list(TYPE_LETTERS))


def require_scores(scores: object, name: str = "scores") -> Scores:
    """``scores`` when it is a :class:`Scores`, else a TypeError that says how to get one.

    Statistics take scores, not raw survey data: a :class:`~dimios_research.io.survey.SurveyData`
    (from ``read_survey`` or ``load_dataset``) must be scored first.
    """
    if isinstance(scores, Scores):
        return scores
    hint = "; score the data first: scores = dr.score(data)" if hasattr(scores, "long") else ""
    raise TypeError(f"{name} must be Scores (from dr.score), got {type(scores).__name__}{hint}")
