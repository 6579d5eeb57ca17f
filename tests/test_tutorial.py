"""The students' tutorial runs from top to bottom on the bundled demo data."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import papermill
import pytest

import dimios_research
from dimios_research.io.datasets import dataset_path
from dimios_research.report import narrative, summaries
from dimios_research.report.results import load_or_score
from dimios_research.stats import indices

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "tutorial.ipynb"


@pytest.mark.slow
def test_tutorial_executes_and_its_checks_print(tmp_path):
    executed = tmp_path / "tutorial.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK),
        str(executed),
        parameters={
            "data_dir": str(dataset_path("demo")),
            "results_dir": str(tmp_path / "results"),
            "output_dir": str(tmp_path / "out"),
        },
        kernel_name="python3",
        cwd=str(NOTEBOOK.parent),
        progress_bar=False,
    )
    nb = nbformat.read(executed, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code)  # every cell ran
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    printed = "\n".join(str(o.get("text", "")) for c in code for o in c.get("outputs", []))
    # The sentence the tutorial prints carries the library's 2023 index.
    results = load_or_score(dataset_path("demo"), tmp_path / "results")
    index_2023 = indices.national_index(results.scores, 2023, n_boot=2000)
    assert narrative.national_index_sentence(index_2023, "en") in printed


@pytest.mark.slow  # over a second: left out of make test-fast
def test_tutorial_exercise_checks_run():
    """Every `*Check:*` call of the exercises runs and returns a non-empty answer."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    checks = re.findall(r"\*Check:\*\s*`([^`]+)`", markdown)
    assert len(checks) >= 3
    results = load_or_score(dataset_path("demo"))
    namespace = {
        "indices": indices,
        "dr": dimios_research,
        "summaries": summaries,
        "results": results,
        "scores": results.scores,
    }
    for check in checks:
        answer = eval(check, namespace)  # the exercise's own check call, from the notebook
        assert len(answer) > 0, check
