"""Shared pytest configuration."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

# Figures are rendered off-screen and deterministically in tests.
matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # allow running the tests from a source tree
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

from dimios_research.simulate import simulate, write_dataset  # noqa: E402

TEST_KEY = "test-pseudonym-key"


@pytest.fixture(scope="session")
def small_sim():
    """A small simulated survey: 2 rounds, ~20 organisations, with personal data."""
    return simulate(seed=7, participants={2022: 12, 2023: 16}, personal_data=True)


@pytest.fixture(scope="session")
def small_dir(small_sim, tmp_path_factory):
    """The small simulation written as raw files (2022 as Swedish `;` cp1252 CSV)."""
    folder = tmp_path_factory.mktemp("small")
    write_dataset(small_sim, folder)
    return folder


@pytest.fixture(scope="session")
def small_data(small_dir):
    from dimios_research.ingest import read_survey_dir

    return read_survey_dir(small_dir, pseudonym_key=TEST_KEY)


@pytest.fixture(scope="session")
def demo_data():
    from dimios_research.datasets import load_dataset

    return load_dataset("demo")


@pytest.fixture(scope="session")
def demo_scores(demo_data):
    from dimios_research.scoring import score

    return score(demo_data)


def pytest_configure(config):
    # Heavier simulation runs (coverage studies); deselect with `-m "not slow"`.
    config.addinivalue_line("markers", "slow: a test that runs for more than about 5 s")
