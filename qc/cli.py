"""The `exoqc` command line: options in, exit code out. Imports only click at start-up.

Exit codes: 0 no batch failed; 1 a batch failed (or warned, with --fail-on warn);
2 the run could not judge (bad input, bad spec, unwritable report, internal error).
"""

from __future__ import annotations

import os
import shutil
import sys
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

import click

from qc import __version__
from qc.render import RENDERERS, SUFFIXES

F = TypeVar("F", bound=Callable[..., Any])


class Abort(click.ClickException):
    """A one-line error on stderr and exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"exoqc: {self.message}", err=True)


def _guard(func: F) -> F:
    """Map exoqc's errors to exit 2 with one line; anything unexpected too, unless --debug."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from qc.errors import ExoqcError

        debug = kwargs.get("debug", False)
        try:
            return func(*args, **kwargs)
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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", package_name="exoqc",
                      message="%(prog)s %(version)s")
def main() -> None:
    """Check exosome (EV) product batches against a release specification."""


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-s", "--spec", required=True, metavar="SPEC",
              help="A built-in spec (clinical, research) or a spec file (YAML or JSON).")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="What to print on stdout.")
@click.option("-o", "--output", "outputs", multiple=True, metavar="PATH",
              help="Also write a report file; its format follows the suffix "
                   f"({', '.join(sorted(SUFFIXES))}). Repeatable.")
@click.option("--fail-on", type=click.Choice(["fail", "warn"]), default="fail",
              show_default=True, help="The verdict that makes the exit code 1.")
@click.option("--decimal", type=click.Choice([".", ","]), default=".", show_default=True,
              help="The decimal separator of the batch files (',' reads 0,3 as 0.3).")
@click.option("-v", "--verbose", is_flag=True, help="List every check of every batch.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; exit code and -o files only.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@_guard
def check(inputs: tuple[str, ...], spec: str, fmt: str, outputs: tuple[str, ...], fail_on: str,
          decimal: str, verbose: bool, quiet: bool, debug: bool) -> None:
    """Check the batches in INPUT (CSV files, or - for stdin) against SPEC.

    \b
    Exit codes:
      0  no batch failed (warnings allowed)
      1  at least one batch failed (or warned, with --fail-on warn)
      2  the run could not judge: unreadable input or spec, a missing column, ...
    """
    from qc.app import RunOptions, run
    from qc.model import Status
    from qc.output import plan_outputs, write_outputs

    planned = plan_outputs(outputs, (*inputs, spec))  # never overwrite an input or the spec
    stdin = sys.stdin.buffer.read() if "-" in inputs else None
    report = run(RunOptions(inputs=inputs, spec=spec, decimal_comma=decimal == ",",
                            stdin=stdin))
    write_outputs(report, planned)
    if not quiet:
        _print(report, fmt, verbose)
    status = Status.WARN if fail_on == "warn" else Status.FAIL
    _exit(report.exit_code(fail_on=status))


def _print(report: Any, fmt: str, verbose: bool) -> None:
    from qc.render import RenderOptions, get_renderer

    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    width = shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 100
    options = RenderOptions(color=color, verbose=verbose, width=max(width, 60))
    out = sys.stdout
    try:
        for chunk in get_renderer(fmt)(report, options):
            out.write(chunk)
        out.flush()
    except BrokenPipeError:
        # `exoqc check ... | head`: the reader left; the exit code still tells the verdict.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _exit(code: int) -> NoReturn:
    raise click.exceptions.Exit(code)


assert set(SUFFIXES.values()) <= set(RENDERERS)
