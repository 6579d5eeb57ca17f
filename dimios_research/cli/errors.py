"""One error policy for every command: one line on stderr, never a traceback."""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable

import click

from ..errors import CodebookError, DataValidationError, StaleResultsError

EXIT_INPUT_ERROR = 2
EXIT_INTERNAL_ERROR = 1


def user_errors(func: Callable) -> Callable:
    """Turn library errors into one line on stderr and exit code 2; warnings into one line."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = func(*args, **kwargs)
            except (DataValidationError, CodebookError, StaleResultsError) as exc:
                click.echo(f"error: {exc}", err=True)
                sys.exit(EXIT_INPUT_ERROR)
            except (ValueError, KeyError, FileNotFoundError) as exc:
                message = exc.args[0] if exc.args else str(exc)
                click.echo(f"error: {message}", err=True)
                sys.exit(EXIT_INPUT_ERROR)
            except (KeyboardInterrupt, SystemExit, click.exceptions.Exit, click.ClickException):
                raise
            except Exception as exc:  # a bug, not the user's input: still one line, no wall
                click.echo(
                    f"error: internal error ({type(exc).__name__}: {exc}); please report it "
                    f"with the command you ran",
                    err=True,
                )
                sys.exit(EXIT_INTERNAL_ERROR)
            finally:
                seen = set()
                for warning in caught:
                    text = str(warning.message)
                    if text not in seen and issubclass(warning.category, UserWarning):
                        seen.add(text)
                        click.echo(f"warning: {text}", err=True)
        return result

    return wrapper
