"""The committed report notebooks: valid, output-free, one parameters cell, contract parameters."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

COMMON = {"data_dir": "../data/demo", "results_dir": None, "output_dir": "output"}
#: Parameters and defaults of the report contract (shared with the runner, reports.py).
CONTRACT = {
    "status_report": {
        **COMMON,
        "year": None,
        "lang": "sv",
        "org_types": None,
        "target": 55.0,
        "n_boot": 10000,
        "seed": 0,
        "weighting": "poststratified",
    },
    "follow_up_report": {
        **COMMON,
        "baseline": None,
        "follow_up": None,
        "cohort": None,
        "target": 55.0,
        "target_year": 2023,
        "programme": "esf_digital_mognad_2021_2023",
        "lang": "sv",
        "seed": 0,
    },
    "organisation_profile": {
        **COMMON,
        "organisation_id": "K001",
        "year": None,
        "lang": "sv",
        "seed": 0,
    },
    "instrument_validation": {**COMMON, "year": None, "lang": "sv"},
    "dios_report": {**COMMON, "year": None, "lang": "sv", "seed": 0},
    "tutorial": {**COMMON, "lang": "en"},
}


def _read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def _parameter_cells(nb) -> list:
    return [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]


def test_every_notebook_is_covered():
    assert {p.stem for p in NOTEBOOKS.glob("*.ipynb")} == set(CONTRACT)


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_valid_and_without_outputs(name):
    nb = _read(name)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}: a code cell has outputs"
            assert cell.execution_count is None, f"{name}: a code cell has an execution count"


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_one_parameters_cell_with_contract_defaults(name):
    nb = _read(name)
    cells = _parameter_cells(nb)
    assert len(cells) == 1, f"{name}: {len(cells)} cells tagged parameters"
    assigned = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            assigned[node.targets[0].id] = ast.literal_eval(node.value)
    for parameter, default in CONTRACT[name].items():
        assert parameter in assigned, f"{name}: parameter {parameter!r} missing"
        assert assigned[parameter] == default, f"{name}: {parameter}={assigned[parameter]!r}"
        assert type(assigned[parameter]) is type(default), f"{name}: type of {parameter}"


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_papermill_sees_the_parameters(name):
    papermill = pytest.importorskip("papermill")
    inferred = papermill.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb"))
    assert set(CONTRACT[name]) <= set(inferred)


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_cells_are_thin(name):
    """No statistics in notebook cells: no groupby/mean/agg; data loaded through load_or_score."""
    nb = _read(name)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for forbidden in (".groupby(", ".mean(", ".agg(", ".std(", "pivot_table("):
        assert forbidden not in code, f"{name}: {forbidden} in a notebook cell"
    assert "load_or_score(data_dir, results_dir)" in code
    if name != "tutorial":
        # every report ends with its appendix (method notes and provenance) and saves its
        # document, from which the runner renders the HTML
        assert "add_appendix(" in code and code.rstrip().endswith("doc.save();")
        lines = [line for line in code.splitlines() if line and not line.startswith("#")]
        assert all(len(line) <= 100 for line in lines)


#: Report notebooks and the report module whose ``SECTIONS`` they call, one cell each.
SECTION_MODULES = {
    "status_report": "status",
    "follow_up_report": "follow_up",
    "organisation_profile": "profile",
    "instrument_validation": "validation",
    "dios_report": "dios",
}


@pytest.mark.parametrize("name", sorted(SECTION_MODULES))
def test_notebook_calls_every_section_in_order(name):
    """A section added to a report module must also be a cell of its notebook (and vice versa)."""
    import importlib

    module_name = SECTION_MODULES[name]
    module = importlib.import_module(f"dimios_research.report.{module_name}")
    expected = [section.__name__ for section in module.SECTIONS]
    trees = [ast.parse(c.source) for c in _read(name).cells if c.cell_type == "code"]
    aliases = {
        alias.asname or alias.name
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "dimios_research.report"
        for alias in node.names
        if alias.name == module_name
    }
    assert aliases, f"{name}: does not import dimios_research.report.{module_name}"
    called = []
    for tree in trees:
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in aliases
                and node.func.attr.startswith("add_")
            ):
                called.append(node.func.attr)
    in_sections = [c for c in called if c in expected]
    assert in_sections == expected, f"{name}: notebook calls {called}, SECTIONS is {expected}"
