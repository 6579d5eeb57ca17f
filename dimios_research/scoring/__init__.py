"""Scoring: reverse keys, the half rule, percent of maximum, organisation aggregation.

>>> from dimios_research.scoring import score, Scores
"""

from .scores import Scores, require_scores
from .survey import reverse_keyed, score, score_respondents, to_percent

__all__ = ["Scores", "require_scores", "reverse_keyed", "score", "score_respondents", "to_percent"]
