"""Checks of the paths a command writes to, before anything is read or written.

A command never writes over one of its inputs, nor into the data folder it reads (where the
output would be read as input by the next run), nor into a folder that does not exist. Each
refusal is one line naming the option, the path and the fix (exit code 2).

>>> inside(Path("/data/d/sub"), Path("/data/d")), inside(Path("/data/dx"), Path("/data/d"))
(True, False)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from .errors import CommandLineError

__all__ = ["inside", "check_output_file", "check_output_folder", "parse_max_bytes"]


def _real(path: str | Path) -> Path:
    """Absolute path with symbolic links and ``..`` resolved (the path need not exist)."""
    return Path(os.path.realpath(Path(path).expanduser()))


def inside(path: str | Path, folder: str | Path) -> bool:
    """True when ``path`` is ``folder`` or lies under it (after resolving links)."""
    path, folder = _real(path), _real(folder)
    return path == folder or folder in path.parents


def _same_file(a: Path, b: Path) -> bool:
    if _real(a) == _real(b):
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)  # hard links
    except OSError:
        return False


def check_output_file(
    option: str,
    output: str | Path,
    inputs: Iterable[str | Path] = (),
    folders: Iterable[str | Path] = (),
) -> Path:
    """Refuse an output file that is an input, lies in an input folder or has no folder.

    Parameters
    ----------
    option : str
        The option as the user typed it (``--quarantine-out``), for the message.
    output : path
    inputs : paths
        Files the command reads.
    folders : paths
        Folders the command reads every file of.
    """
    out = Path(output)
    for source in inputs:
        if _same_file(out, Path(source)):
            raise CommandLineError(
                f"{option} {out}: this is an input file ({source}); writing there would "
                f"destroy it, so choose another file"
            )
    for folder in folders:
        if inside(out, folder):
            raise CommandLineError(
                f"{option} {out}: lies inside the data folder {folder}, where the next run "
                f"would read it as input; write it outside the data folder"
            )
    if out.is_dir():
        raise CommandLineError(f"{option} {out}: is a folder; give a file name, e.g. {out}/x.csv")
    if not out.parent.is_dir():
        raise CommandLineError(
            f"{option} {out}: the folder {out.parent} does not exist; create it first "
            f"(mkdir -p {out.parent}) or choose another path"
        )
    return out


def check_output_folder(option: str, output: str | Path, data: str | Path) -> Path:
    """Refuse an output folder that is the data folder or lies inside it."""
    out = Path(output)
    if inside(out, data):
        raise CommandLineError(
            f"{option} {out}: lies inside the data folder {data} (--data); results written "
            f"there would be read as input by the next run, so choose a folder outside it"
        )
    if out.exists() and not out.is_dir():
        raise CommandLineError(f"{option} {out}: is a file; give a folder")
    return out


def parse_max_bytes(text: str | None) -> int:
    """``--max-bytes`` as bytes (default :data:`~dimios_research.io.files.DEFAULT_MAX_BYTES`)."""
    from ..io.files import DEFAULT_MAX_BYTES, parse_byte_size

    if text is None:
        return DEFAULT_MAX_BYTES
    try:
        return parse_byte_size(text)
    except ValueError as exc:
        raise CommandLineError(f"--{exc}") from None
