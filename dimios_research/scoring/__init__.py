"""Scoring: reverse keys, the half rule, percent of maximum, organisation aggregation.

>>> from dimios_research.scoring import score, Scores
"""

from .scores import Scores
from .survey import reverse_keyed, score, score_respondents, to_percent

__all__ = ["Scores", "reverse_keyed", "score", "score_respondents", "to_percent"]
