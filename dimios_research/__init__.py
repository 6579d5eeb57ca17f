"""dimios-research: analysis of DiMiOS digital-maturity self-assessments.

The package turns raw survey exports into validated data (:mod:`dimios_research.ingest`),
scores (:mod:`dimios_research.scoring`), statistics (:mod:`dimios_research.agreement`,
:mod:`dimios_research.indices`, :mod:`dimios_research.reliability`,
:mod:`dimios_research.compare`, :mod:`dimios_research.longitudinal`) and reports
(:mod:`dimios_research.reports`).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dimios-research")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
