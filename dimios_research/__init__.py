"""dimios-research: analysis of DiMiOS digital-maturity self-assessments.

The curated API, in the style of pingouin and ``statsmodels.api``::

    import dimios_research as dr

    data = dr.load_dataset("demo")                  # or dr.read_survey_dir("my/folder")
    scores = dr.score(data)
    dr.national_index(scores, 2023)
    dr.group_index(scores, 2023, by="size_class")
    dr.run_report("status", data_dir=dr.dataset_path("demo"), out_dir="reports")

Layers (imports point down this list only): :mod:`~dimios_research.instrument` and
:mod:`~dimios_research.io` → :mod:`~dimios_research.scoring` →
:mod:`~dimios_research.stats` → :mod:`~dimios_research.report` →
:mod:`~dimios_research.cli`; :mod:`~dimios_research.simulation` generates data with known
truth. Shared constants and checks live in :mod:`~dimios_research.conventions`, every
exception in :mod:`~dimios_research.errors`.

Importing the package is cheap: each name below is imported from its module on first use,
so ``import dimios_research`` loads neither matplotlib, papermill nor statsmodels.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import Any

try:
    __version__ = version("dimios-research")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

#: Public name -> module (relative to the package) that defines it.
_API: dict[str, str] = {
    # instrument and input
    "load_codebook": ".instrument.codebook",
    "maturity_types": ".instrument.maturity_types",
    "classify_types": ".instrument.maturity_types",
    "read_survey": ".io.survey",
    "read_survey_dir": ".io.survey",
    "read_organisations": ".io.organisations",
    "load_mapping": ".io.mapping",
    "pseudonymise": ".io.privacy",
    "load_dataset": ".io.datasets",
    "list_datasets": ".io.datasets",
    "dataset_path": ".io.datasets",
    "load_programme": ".io.programmes",
    "read_inventory": ".io.inventory",
    "read_inventory_dir": ".io.inventory",
    # scoring
    "score": ".scoring.survey",
    "Scores": ".scoring.scores",
    "score_inventory": ".scoring.inventory",
    # statistics
    "national_index": ".stats.indices",
    "group_index": ".stats.indices",
    "index_change": ".stats.indices",
    "target_gap": ".stats.indices",
    "rwg": ".stats.agreement",
    "rwg_j": ".stats.agreement",
    "ad_m": ".stats.agreement",
    "icc1": ".stats.agreement",
    "icc2": ".stats.agreement",
    "cronbach_alpha": ".stats.reliability",
    "item_analysis": ".stats.reliability",
    "omega_total": ".stats.reliability",
    "compare_groups": ".stats.compare",
    "welch_anova": ".stats.compare",
    "games_howell": ".stats.compare",
    "panel": ".stats.panel",
    "paired_change": ".stats.panel",
    "attrition_table": ".stats.panel",
    "growth_model": ".stats.growth",
    "programme_effect": ".stats.programme",
    "event_study": ".stats.programme",
    "programme_design_problem": ".stats.programme",
    "target_attainment": ".stats.targets",
    "goal_attainment": ".stats.goals",
    "staggered_did": ".stats.did",
    "weighted_estimate": ".stats.weighting",
    "cfa": ".stats.cfa",
    "measurement_invariance": ".stats.cfa",
    "polychoric": ".stats.polychoric",
    "portfolio": ".stats.portfolio",
    # data with known truth
    "simulate": ".simulation.survey",
    # reports
    "load_or_score": ".report.results",
    "run_report": ".report.runner",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'dimios_research' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # later look-ups are plain attribute access
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
