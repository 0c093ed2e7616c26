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
from functools import partial, wraps
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
                      message="exoqc %(version)s")
def main() -> None:
    """Check exosome (EV) product batches against a release specification."""


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-s", "--spec", required=True, metavar="SPEC",
              help="A built-in spec (clinical, research) or a spec file (YAML or JSON).")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "github"]),
              default=None, help="What to print on stdout [default: table; under GitHub Actions "
                                 "(GITHUB_ACTIONS=true) the table and the github annotations].")
@click.option("-o", "--output", "outputs", multiple=True, metavar="PATH",
              help="Also write a report file; its format follows the suffix "
                   f"({', '.join(sorted(SUFFIXES))}). Repeatable.")
@click.option("--fail-on", type=click.Choice(["fail", "warn"]), default="fail",
              show_default=True, help="The verdict that makes the exit code 1.")
@click.option("--decimal", type=click.Choice([".", ","]), default=".", show_default=True,
              help="The decimal separator of the batch files (',' reads 0,3 as 0.3).")
@click.option("--sheet", metavar="NAME", default=None,
              help="The sheet to read in Excel inputs (.xlsx, .xlsm) [default: the first].")
@click.option("-v", "--verbose", is_flag=True, help="List every check of every batch.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; exit code and -o files only.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@click.option("-j", "--join", "joins", multiple=True, metavar="FILE",
              help="Add the columns of FILE to the batches with the same batch id: a CSV with "
                   "the spec's id column (e.g. from `exoqc nta -o`) or a NanoSight/ZetaView "
                   "export. Repeatable.")
@click.option("--id-pattern", metavar="REGEX",
              help="Batch id of exports given to --join: group 1 of REGEX in the file name.")
@_guard
def check(inputs: tuple[str, ...], spec: str, fmt: str | None, outputs: tuple[str, ...],
          fail_on: str, decimal: str, sheet: str | None, verbose: bool, quiet: bool,
          debug: bool, joins: tuple[str, ...] = (), id_pattern: str | None = None) -> None:
    """Check the batches in INPUT (CSV or Excel files, or - for CSV on stdin) against SPEC.

    \b
    Exit codes:
      0  no batch failed (warnings allowed)
      1  at least one batch failed (or warned, with --fail-on warn)
      2  the run could not judge: unreadable input or spec, a missing column, ...
    """
    from qc.app import RunOptions, run
    from qc.model import Status
    from qc.output import plan_outputs, write_outputs

    if id_pattern is not None:
        from qc.nta_app import check_id_pattern

        try:
            check_id_pattern(id_pattern)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--id-pattern'") from None
    planned = plan_outputs(outputs, (*inputs, *joins))
    stdin = sys.stdin.buffer.read() if "-" in inputs else None
    report = run(RunOptions(inputs=inputs, spec=spec, decimal_comma=decimal == ",",
                            stdin=stdin, sheet=sheet, joins=joins, id_pattern=id_pattern))
    write_outputs(report, planned)
    if not quiet:
        for name in _stdout_formats(fmt):
            _print(report, name, verbose)
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


def _stdout_formats(fmt: str | None) -> tuple[str, ...]:
    """The formats printed on stdout: the one asked for; by default the table, and under
    GitHub Actions the workflow-command annotations after it."""
    if fmt is not None:
        return (fmt,)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return ("table", "github")
    return ("table",)


def _exit(code: int) -> NoReturn:
    raise click.exceptions.Exit(code)


assert set(SUFFIXES.values()) <= set(RENDERERS)


@main.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option("-o", "--output", "outputs", multiple=True, metavar="PATH",
              help="Also write the summary: .csv (one row per file) or .json (with which "
                   "statistics were reported and which computed). Repeatable.")
@click.option("--window", default="30-150", show_default=True, metavar="LOW-HIGH",
              help="Size window in nm for pct_in_window (bin centres, edges inclusive).")
@click.option("--id-pattern", metavar="REGEX",
              help="Take the batch id from the file name: group 1 of REGEX (or the whole "
                   "match). Default: the export's Sample Name, else the file name stem.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; exit code and -o files only.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@_guard
def nta(files: tuple[str, ...], outputs: tuple[str, ...], window: str, id_pattern: str | None,
        quiet: bool, debug: bool) -> None:
    """Summarise NanoSight (NTA 3.x CSV) and ZetaView (.txt) particle-size exports.

    One row per FILE: batch id, instrument, dilution, concentration, mean, mode, D10/D50/D90
    (the file's own averages) and the share of particles in the size window (computed from
    the distribution). Exit 2 when a file is not such an export.
    """
    from qc.instruments.report import FORMATS, render_table
    from qc.nta_app import (
        NTA_SUFFIXES,
        NtaOptions,
        check_id_pattern,
        parse_window,
        progress_bar,
        run_nta,
    )
    from qc.output import plan_outputs, write_atomically

    try:
        limits = parse_window(window)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--window'") from None
    if id_pattern is not None:
        try:
            check_id_pattern(id_pattern)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--id-pattern'") from None
    planned = plan_outputs(outputs, files, NTA_SUFFIXES)
    show = sys.stderr.isatty() and len(files) >= NTA_PROGRESS_FROM
    with progress_bar(len(files), enabled=show) as advance:
        result = run_nta(NtaOptions(files, limits, id_pattern), progress=advance)
    write_atomically([(p.path, partial(FORMATS[p.fmt], result)) for p in planned])
    if not quiet:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        width = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else 120
        for chunk in render_table(result, color=color, width=max(width, 60)):
            sys.stdout.write(chunk)
        sys.stdout.flush()


NTA_PROGRESS_FROM = 10  # files: fewer are read before a progress bar would show
