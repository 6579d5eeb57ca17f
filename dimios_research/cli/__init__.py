"""The ``dimios-research`` command line: a thin face of the library (see :mod:`.main`)."""

from .main import cli, main

__all__ = ["cli", "main"]
