"""Generative models with known truth: surveys (and panels, inventories) to test methods on.

>>> from dimios_research.simulation import simulate
"""

from .survey import SimulatedSurvey, SimulationTruth, simulate, write_dataset, write_truth

__all__ = ["SimulatedSurvey", "SimulationTruth", "simulate", "write_dataset", "write_truth"]
