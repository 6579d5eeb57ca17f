"""Shared pytest set-up for the test suite and the docstring examples (doctests).

The demo data are read, scored and summarised once per session; tests and doctests reuse
these fixtures. Doctests find ``dr`` (the package), ``demo_data`` and ``demo_scores`` in their
namespace, and ``demo_results`` (scores with diagnostics, as reports see them).
"""

from __future__ import annotations

import matplotlib
import pytest

# Figures are rendered off-screen and deterministically in tests.
matplotlib.use("Agg")

TEST_KEY = "test-pseudonym-key"


@pytest.fixture(scope="session")
def small_sim():
    """A small simulated survey: 2 rounds, ~20 organisations, with personal data."""
    from dimios_research.simulation import simulate

    return simulate(seed=7, participants={2022: 12, 2023: 16}, personal_data=True)


@pytest.fixture(scope="session")
def small_dir(small_sim, tmp_path_factory):
    """The small simulation written as raw files (2022 as Swedish `;` cp1252 CSV)."""
    from dimios_research.simulation import write_dataset

    folder = tmp_path_factory.mktemp("small")
    write_dataset(small_sim, folder)
    return folder


@pytest.fixture(scope="session")
def small_data(small_dir):
    from dimios_research.io.survey import read_survey_dir

    return read_survey_dir(small_dir, pseudonym_key=TEST_KEY)


@pytest.fixture(scope="session")
def demo_data():
    """The bundled demo data, read and validated once."""
    from dimios_research.io.datasets import load_dataset

    return load_dataset("demo")


@pytest.fixture(scope="session")
def demo_scores(demo_data):
    """The demo data scored once."""
    from dimios_research.scoring import score

    return score(demo_data)


@pytest.fixture(scope="session")
def demo_results(demo_data, demo_scores):
    """Scores and diagnostics of the demo data, as the reports see them (nothing written)."""
    from dimios_research.report.results import results_from

    return results_from(demo_data, demo_scores)


@pytest.fixture(autouse=True)
def _doctest_namespace(request, doctest_namespace):
    """Docstring examples get the package and the scored demo data (computed once)."""
    from _pytest.doctest import DoctestItem

    if isinstance(request.node, DoctestItem):
        import dimios_research as dr

        doctest_namespace["dr"] = dr
        doctest_namespace["demo_data"] = request.getfixturevalue("demo_data")
        doctest_namespace["demo_scores"] = request.getfixturevalue("demo_scores")
        doctest_namespace["demo_results"] = request.getfixturevalue("demo_results")
