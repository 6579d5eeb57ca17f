"""Every exception and warning class of the package, in one place.

Each stage raises its own class, so a caller (the command line, a notebook) can tell a
problem with the input from a bug. All input errors derive from :class:`ValueError`, and
their message names the file, column, row or argument and the fix.

>>> from dimios_research.errors import DataValidationError
>>> issubclass(DataValidationError, ValueError)
True
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "CodebookError",
    "DataValidationError",
    "PseudonymisationWarning",
    "StaleResultsError",
    "NotReportableError",
    "ReportParameterError",
    "NotebookFailedError",
    "DiosInstrumentError",
    "WeightingError",
]


class CodebookError(ValueError):
    """A codebook (instrument YAML) is invalid; the message names the file and the problem."""


class DiosInstrumentError(CodebookError):
    """A DIOS instrument is invalid; the message names the file and the problem."""


class WeightingError(ValueError):
    """The sample cannot be weighted to the frame (too sparse, or raking did not converge)."""


class DataValidationError(ValueError):
    """A file-level problem: the message names the file, the column or row, and the fix."""


class PseudonymisationWarning(UserWarning):
    """The built-in default pseudonymisation key is in use."""


class StaleResultsError(RuntimeError):
    """Stored results do not match the current inputs, codebook or package version."""


class NotReportableError(ValueError):
    """A request would show an organisation below the reporting threshold."""


class ReportParameterError(ValueError):
    """A report request is invalid (unknown parameter, year, organisation, language)."""


class NotebookFailedError(RuntimeError):
    """A notebook raised during execution; earlier output was left untouched.

    Attributes
    ----------
    notebook : str
        File name of the notebook.
    cell_index : int or None
        0-based position of the failing cell in the executed notebook (which has one more
        cell than the source: papermill's injected parameters cell).
    exec_count : int or None
        Execution count of the failing cell (the ``In [n]`` number).
    ename, evalue : str
        Error type and message raised in the notebook.
    failed_notebook : Path
        The executed notebook, kept under ``<out>/_failed/``.
    """

    def __init__(
        self,
        notebook: str,
        cell_index: int | None,
        exec_count: int | None,
        ename: str,
        evalue: str,
        failed_notebook: Path,
    ) -> None:
        self.notebook = notebook
        self.cell_index = cell_index
        self.exec_count = exec_count
        self.ename = ename
        self.evalue = evalue
        self.failed_notebook = failed_notebook
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """``<notebook>: cell <n> failed: <ename>: <evalue> (executed notebook kept at …)``."""
        where = f"cell {self.exec_count} failed" if self.exec_count is not None else "failed"
        first = self.evalue.strip().splitlines()[0] if self.evalue.strip() else ""
        kept = (
            f" (executed notebook kept at {self.failed_notebook})"
            if Path(self.failed_notebook).is_file()
            else ""
        )
        return f"{self.notebook}: {where}: {self.ename}: {first}{kept}"

    def __reduce__(self):  # picklable across worker processes
        args = (self.notebook, self.cell_index, self.exec_count, self.ename, self.evalue)
        return (type(self), (*args, self.failed_notebook))
