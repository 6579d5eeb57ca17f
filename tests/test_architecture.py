"""The layout shows the flow: imports point down the layers; the top-level API is light."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import dimios_research as dr

PACKAGE = Path(dr.__file__).resolve().parent
#: Layer of every subpackage and foundation module; a module may import only from its own
#: layer or lower ones (instrument and io share a layer: io reads what the codebook declares).
LAYERS = {
    "conventions": 0,
    "errors": 0,
    "safe_yaml": 0,
    "resources": 0,
    "instrument": 1,
    "io": 1,
    "simulation": 2,
    "scoring": 2,
    "stats": 3,
    "report": 4,
    "cli": 5,
    "__main__": 6,  # `python -m dimios_research`: runs the command line
}


def _layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def _imports(path: Path) -> list[str]:
    """Package modules imported by ``path``, as dotted names relative to the package."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(here[: len(here) - node.level])
            target = ".".join(base + ([node.module] if node.module else []))
            names = [] if node.module else [a.name for a in node.names]
            found += [f"{target}.{n}".strip(".") for n in names] if names else [target]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "dimios_research."
        ):
            found.append(node.module.removeprefix("dimios_research."))
    return [name for name in found if name and name.split(".")[0] in LAYERS]


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_flow(path):
    own = _layer(".".join(path.relative_to(PACKAGE).with_suffix("").parts))
    upward = [name for name in _imports(path) if _layer(name) > own]
    assert upward == [], f"{path.name} imports from a higher layer: {upward}"


def test_every_subpackage_has_a_layer():
    subpackages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert subpackages <= set(LAYERS)


def test_import_is_light():
    code = (
        "import sys, dimios_research as dr; "
        "heavy = [m for m in ('matplotlib', 'papermill', 'statsmodels', 'seaborn', 'scipy',"
        " 'pingouin', 'pandas') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_curated_api():
    required = [
        "load_codebook",
        "read_survey",
        "read_survey_dir",
        "score",
        "national_index",
        "group_index",
        "index_change",
        "target_gap",
        "rwg",
        "rwg_j",
        "icc1",
        "icc2",
        "cronbach_alpha",
        "item_analysis",
        "omega_total",
        "compare_groups",
        "growth_model",
        "programme_effect",
        "event_study",
        "simulate",
        "load_dataset",
        "list_datasets",
        "run_report",
    ]
    assert set(required) <= set(dr.__all__)
    for name in dr.__all__:
        assert getattr(dr, name) is not None
    assert callable(dr.score) and callable(dr.simulate)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        dr.nonexistent  # noqa: B018


#: Longest function body allowed, in code lines (docstrings, comments and blank lines not
#: counted): a longer function is cut into named steps.
MAX_FUNCTION_LINES = 80


def _code_lines(source: str, tree: ast.AST) -> set[int]:
    """Line numbers holding code: any token but comments and layout, outside docstrings."""
    import io
    import tokenize

    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    layout = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
    lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in layout:
            lines.update(range(token.start[0], token.end[0] + 1))
    return lines - docstrings


@pytest.mark.slow
def test_no_function_is_longer_than_80_code_lines():
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        code = _code_lines(source, tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = len(code & set(range(node.lineno, node.end_lineno + 1)))
                if n > MAX_FUNCTION_LINES:
                    too_long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({n})")
    assert too_long == [], "cut these into named steps: " + ", ".join(too_long)
