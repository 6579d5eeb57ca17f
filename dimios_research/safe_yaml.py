"""YAML from files the user hands us, read safely: no aliases, bounded size, parsed once.

Codebooks, mappings, programme files and type texts are YAML. A hostile file can expand
exponentially through aliases (a "billion laughs" bomb) or simply be huge, so every YAML
file is read here: with PyYAML's safe loader (no Python objects), refusing any alias
(``*name``), under a size limit, and each file once.

>>> load_yaml_text("a: 1\\nb: [x, y]", source="inline")
{'a': 1, 'b': ['x', 'y']}
>>> load_yaml_text("a: &x [1]\\nb: *x", source="inline")
Traceback (most recent call last):
...
ValueError: inline: YAML aliases (*x) are not allowed; write the value out in full
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

__all__ = ["MAX_YAML_BYTES", "load_yaml_text", "load_yaml_file", "read_yaml_file"]

#: Largest YAML file read (bytes). A real codebook is about 60 KB, a mapping a few KB.
MAX_YAML_BYTES = 4 * 1024 * 1024


class _NoAliasLoader(yaml.SafeLoader):
    """Safe loader that refuses aliases, so a document cannot expand beyond its size."""

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML hook
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasFound(event.anchor)
        return super().compose_node(parent, index)


class _AliasFound(Exception):
    def __init__(self, anchor: str) -> None:
        super().__init__(anchor)
        self.anchor = anchor


_NOT_LOADED = object()


def _load_with_libyaml(text: str) -> Any:
    """The document parsed by libyaml's safe loader when it has no alias and no error.

    libyaml (PyYAML's C extension) parses a catalogue or codebook ten times faster than the
    pure-Python loader. Its composer cannot be hooked, so aliases are looked for in its event
    stream first; a document with an alias or an error (and a PyYAML without libyaml) is left
    to the pure-Python loader, which names the problem.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return _NOT_LOADED
    try:
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=loader)):
            return _NOT_LOADED
        return yaml.load(text, Loader=loader)  # noqa: S506 - libyaml's safe loader
    except yaml.YAMLError:
        return _NOT_LOADED


def load_yaml_text(text: str, *, source: str, error: type[Exception] = ValueError) -> Any:
    """Parse YAML text safely; problems raise ``error`` with a message naming ``source``."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise error(
            f"{source}: YAML larger than {MAX_YAML_BYTES // (1024 * 1024)} MB; "
            "a codebook or mapping is far smaller, check that this is the right file"
        )
    fast = _load_with_libyaml(text)
    if fast is not _NOT_LOADED:
        return fast
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - safe loader subclass
    except _AliasFound as exc:
        raise error(
            f"{source}: YAML aliases (*{exc.anchor}) are not allowed; write the value out in full"
        ) from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise error(f"{source}: not valid YAML{line} ({problem}); fix the file") from None


def load_yaml_file(
    path: str | Path, *, what: str = "YAML file", error: type[Exception] = ValueError
) -> Any:
    """Read and parse a YAML file once (size checked before reading), see the module doc."""
    return read_yaml_file(path, what=what, error=error)[0]


def read_yaml_file(
    path: str | Path, *, what: str = "YAML file", error: type[Exception] = ValueError
) -> tuple[Any, str]:
    """Like :func:`load_yaml_file`, also returning the SHA-256 of the file's bytes."""
    file = Path(path)
    if not file.is_file():
        raise error(f"{file}: {what} not found; check the path")
    size = file.stat().st_size
    if size > MAX_YAML_BYTES:
        raise error(
            f"{file}: {what} of {size / 1e6:.0f} MB is larger than the "
            f"{MAX_YAML_BYTES // (1024 * 1024)} MB limit; check that this is the right file"
        )
    data = file.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{file}: {what} is not UTF-8 (byte {exc.start}); save it as UTF-8") from None
    return load_yaml_text(text, source=str(file), error=error), hashlib.sha256(data).hexdigest()
