"""The command line's edge: exoqc's errors become one line on stderr and exit code 2."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class Abort(click.ClickException):
    """A one-line error on stderr and exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        say(f"exoqc: {self.message}", err=True)


def guard(func: F) -> F:
    """Map exoqc's errors to exit 2 with one line; anything unexpected too, unless --debug."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from qc.cli import terminal
        from qc.errors import ExoqcError

        debug = kwargs.get("debug", False)
        try:
            try:
                return func(*args, **kwargs)
            finally:
                terminal.finish()  # flushed here, where a reader that left ends it quietly
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except ExoqcError as exc:
            if debug:
                traceback.print_exc()
            raise Abort(str(exc)) from None
        except KeyboardInterrupt:
            raise Abort("interrupted") from None
        except Exception as exc:
            if debug:
                raise
            raise Abort(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for "
                        "the traceback, and please report it)") from None

    return wrapper  # type: ignore[return-value]




def command_line() -> tuple[str, ...]:
    """The arguments as given, kept by the root group for the report's attribution."""
    argv: tuple[str, ...] = click.get_current_context().meta.get("exoqc.argv", ())
    return argv


def say(text: str, *, err: bool = False) -> None:
    """Print one message line (or several) that may quote data: no line of it can be
    taken for a CI workflow command (qc/render/text.py `no_workflow_commands`)."""
    from qc.cli.terminal import echo

    echo(text, err=err)


def exit_with(code: int) -> NoReturn:
    raise click.exceptions.Exit(code)
