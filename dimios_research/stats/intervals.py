"""Interval helpers shared by the statistics modules."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["t_interval"]


def t_interval(
    estimate: np.ndarray | float, se: np.ndarray | float, df: np.ndarray | float, ci: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-sided t interval and p-value for estimate/se with df degrees of freedom."""
    estimate, se = np.asarray(estimate, dtype=float), np.asarray(se, dtype=float)
    crit = stats.t.ppf(0.5 + ci / 2, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.t.sf(np.abs(estimate / se), df)
    return estimate - crit * se, estimate + crit * se, p
