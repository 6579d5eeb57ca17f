"""Build hook: ship the repository's notebooks and data inside the wheel.

``notebooks/`` and ``data/`` at the repository root are the single source. When a wheel is
built, they are copied into ``dimios_research/_bundled/`` of the build tree, so an installed
package finds its report notebooks, demo data and programme files
(:func:`dimios_research.resources.bundled_dir`). Nothing is committed twice. Everything
else is configured in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# Folders copied into the package, and the files of each that are shipped.
BUNDLED = {"notebooks": ("*.ipynb",), "data": ("*.csv", "*.yaml", "*.md")}


class BuildPyWithBundled(build_py):
    """build_py that also copies the bundled folders into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads them from the source tree
            return
        target_root = Path(self.build_lib) / "dimios_research" / "_bundled"
        for folder, patterns in BUNDLED.items():
            source = ROOT / folder
            for pattern in patterns:
                for path in sorted(source.rglob(pattern)):
                    if any(part.startswith(".") for part in path.relative_to(source).parts):
                        continue
                    target = target_root / folder / path.relative_to(source)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, target)


setup(cmdclass={"build_py": BuildPyWithBundled})
