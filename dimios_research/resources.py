"""Where the bundled notebooks and data live, installed or in a source tree.

The repository's ``notebooks/`` and ``data/`` folders are the single source. A wheel carries
copies of them inside the package, under ``dimios_research/_bundled/`` (added at build time
by ``setup.py``; nothing is committed twice). An editable install or a source checkout reads
them from the repository root instead. :func:`bundled_dir` hides the difference.

>>> bundled_dir("notebooks").joinpath("status_report.ipynb").is_file()
True
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["BUNDLED_KINDS", "bundled_dir", "package_dir"]

#: Folders shipped with the package: the report notebooks and the demo/programme data.
BUNDLED_KINDS = ("notebooks", "data")


def package_dir() -> Path:
    """Folder of the installed ``dimios_research`` package."""
    return Path(__file__).resolve().parent


def bundled_dir(kind: str) -> Path:
    """Folder of a bundled kind (``"notebooks"`` or ``"data"``), installed copy first."""
    if kind not in BUNDLED_KINDS:
        raise ValueError(f"kind must be one of {', '.join(BUNDLED_KINDS)}, got {kind!r}")
    installed = package_dir() / "_bundled" / kind
    if installed.is_dir():
        return installed
    source = package_dir().parent / kind  # a source checkout or an editable install
    if source.is_dir():
        return source
    raise FileNotFoundError(
        f"the bundled {kind} folder is missing (looked in {installed} and {source}); "
        "reinstall dimios-research"
    )
