"""One error policy for every command: one line on stderr, never a traceback.

Every line passes through :func:`dimios_research.io.privacy.redact_text`, so a value from
the data that looks personal (an e-mail address, a personnummer typed into an id column)
is never echoed to the terminal or a log.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from typing import Any

import click

from ..errors import CodebookError, DataValidationError, StaleResultsError

EXIT_INPUT_ERROR = 2
EXIT_INTERNAL_ERROR = 1


class CommandLineError(ValueError):
    """A careless or impossible command (an output that would overwrite an input, ...)."""


def say_error(message: Any) -> None:
    """``error: <message>`` on stderr: the first line only, personal data redacted."""
    from ..io.privacy import redact_text

    lines = str(message).strip().splitlines() or [""]
    click.echo(f"error: {redact_text(lines[0])}", err=True)


def _say_warning(message: Any) -> None:
    from ..io.privacy import redact_text

    text = " ".join(str(message).split())
    click.echo(f"warning: {redact_text(text)}", err=True)


class OneLineErrorGroup(click.Group):
    """A command group whose usage errors (bad option value, missing argument) are one line.

    Click prints a usage block for these; here they become ``error: ...`` and exit code 2,
    like every other input problem.
    """

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            hint = f" (see {exc.ctx.command_path} --help)" if exc.ctx is not None else ""
            say_error(exc.format_message() + hint)
            sys.exit(EXIT_INPUT_ERROR)
        except click.ClickException as exc:
            say_error(exc.format_message())
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(EXIT_INTERNAL_ERROR)
        sys.exit(result if isinstance(result, int) else 0)


def user_errors(func: Callable) -> Callable:
    """Turn library errors into one line on stderr and exit code 2; warnings into one line."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = func(*args, **kwargs)
            except (DataValidationError, CodebookError, StaleResultsError) as exc:
                say_error(exc)
                sys.exit(EXIT_INPUT_ERROR)
            except (ValueError, KeyError, FileNotFoundError) as exc:
                say_error(exc.args[0] if exc.args else str(exc))
                sys.exit(EXIT_INPUT_ERROR)
            except (KeyboardInterrupt, SystemExit, click.exceptions.Exit, click.ClickException):
                raise
            except Exception as exc:  # a bug, not the user's input: still one line, no wall
                say_error(
                    f"internal error ({type(exc).__name__}: {exc}); please report it "
                    f"with the command you ran"
                )
                sys.exit(EXIT_INTERNAL_ERROR)
            finally:
                seen = set()
                for warning in caught:
                    text = str(warning.message)
                    if text not in seen and issubclass(warning.category, UserWarning):
                        seen.add(text)
                        _say_warning(text)
        return result

    return wrapper
