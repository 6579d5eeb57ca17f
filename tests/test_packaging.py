"""Packaging: pyproject and environment.yml agree, CI runs the README's test command."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def names(requirements) -> set[str]:
    return {re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].strip().lower() for r in requirements}


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = names(project["dependencies"]) | names(project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    from_pip = names(d for d in pip if d != "-e .")
    assert (names(conda) - {"python", "pip"}) | from_pip == wanted
    assert "-e ." in pip  # the package itself is installed with pip
    assert "conda-forge" in env["channels"]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make report" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [
        line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))
    ]
    assert commands == ["make test"]


def test_console_script_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["dimios-research"] == "dimios_research.cli:main"


@pytest.mark.slow
def test_wheel_carries_notebooks_data_and_instruments(tmp_path):
    """A built wheel holds what a non-editable install needs, copied from the one source."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("dimios_research-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = "dimios_research/_bundled/"
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert f"{bundled}notebooks/{notebook.name}" in names
    for path in (ROOT / "data").rglob("*.csv"):
        assert f"{bundled}data/{path.relative_to(ROOT / 'data').as_posix()}" in names
    assert f"{bundled}data/programmes/esf_digital_mognad_2021_2023.yaml" in names
    assert "dimios_research/instrument/dimios_illustrative.yaml" in names
    assert "dimios_research/instrument/maturity_types.yaml" in names
    assert any(n.startswith("dimios_research/report/locale/") for n in names)
    assert not any("__pycache__" in n or n.startswith(("tests/", "notebooks/")) for n in names)
