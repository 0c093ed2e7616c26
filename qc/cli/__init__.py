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


class _Main(click.Group):
    """The root group; keeps the arguments as given, for the report's attribution."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["exoqc.argv"] = ("exoqc", *args)
        return super().parse_args(ctx, args)


def _command_line() -> tuple[str, ...]:
    argv: tuple[str, ...] = click.get_current_context().meta.get("exoqc.argv", ())
    return argv


@click.group(cls=_Main,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
@click.option("--operator", metavar="NAME",
              help="Who runs the check, for the record [default: $EXOQC_OPERATOR, else the "
                   "OS user].")
@click.option("--sign-key", metavar="KEY",
              help="Sign each JSON report with this Ed25519 private key (see exoqc keygen): "
                   "writes REPORT.json.sig, after verifying the report.")
@click.option("--audit-log", metavar="PATH",
              help="Append a hash-chained record of this run to PATH (see exoqc audit verify).")
@click.option("--as-of", "as_of", metavar="DATE",
              help="The date `today` means in date checks (ISO, e.g. 2026-03-07); default: "
                   "today. Recorded in the report.")
@click.option("--release", is_flag=True,
              help="Exit 2 instead of judging when the spec is a draft or not yet effective.")
@_guard
def check(inputs: tuple[str, ...], spec: str, fmt: str | None, outputs: tuple[str, ...],
          fail_on: str, decimal: str, sheet: str | None, verbose: bool, quiet: bool,
          debug: bool, joins: tuple[str, ...], id_pattern: str | None, operator: str | None,
          sign_key: str | None, audit_log: str | None, as_of: str | None = None,
          release: bool = False) -> None:
    """Check the batches in INPUT (CSV or Excel files, or - for CSV on stdin) against SPEC.

    \b
    Exit codes:
      0  no batch failed (warnings allowed)
      1  at least one batch failed (or warned, with --fail-on warn)
      2  the run could not judge: unreadable input or spec, a missing column, ...
    """
    from dataclasses import replace

    from qc.errors import ExoqcError
    from qc.gmp.session import plan_record, record_run, sign_reports
    from qc.model import Status
    from qc.output import plan_outputs, write_outputs
    from qc.run import RunOptions, run

    if id_pattern is not None:
        from qc.nta.summarise import check_id_pattern

        try:
            check_id_pattern(id_pattern)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--id-pattern'") from None
    if operator is not None and not operator.strip():
        raise click.BadParameter("must not be empty", param_hint="'--operator'")
    planned = plan_outputs(outputs, (*inputs, *joins, spec))  # never overwrite an input or the spec
    options = RunOptions(inputs=inputs, spec=spec, decimal_comma=decimal == ",",
                         sheet=sheet, joins=joins, id_pattern=id_pattern, fail_on=fail_on,
                         operator=operator, command=_command_line(), as_of=as_of,
                         release=release)
    signer = plan_record(options, planned, sign_key=sign_key, audit_log=audit_log)
    stdin = sys.stdin.buffer.read() if "-" in inputs else None
    report = None
    written: list[Any] = []
    try:
        report = run(replace(options, stdin=stdin))
        write_outputs(report, planned)
        written = [p.path for p in planned]
        if signer is not None:
            written += sign_reports(signer, planned)
    except ExoqcError as exc:
        if audit_log:  # a run that reached no verdict is part of the record too
            record_run(audit_log, options, report, exit_code=2, written=written,
                       error=str(exc))
        raise
    if report.not_for_release and (quiet or _stdout_formats(fmt)[0] != "table"):
        click.echo(f"exoqc: NOT FOR RELEASE: {report.not_for_release}", err=True)
    if not quiet:
        for name in _stdout_formats(fmt):
            _print(report, name, verbose)
    status = Status.WARN if fail_on == "warn" else Status.FAIL
    code = report.exit_code(fail_on=status)
    if audit_log:
        record_run(audit_log, options, report, exit_code=code, written=written)
    _exit(code)


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


@main.group()
def spec() -> None:
    """Write, check and inspect release specs."""


@spec.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@_guard
def spec_validate(files: tuple[str, ...]) -> None:
    """Check spec FILEs: schema, limits, units, extends cycles, derived expressions, and
    checks that can never fail. Prints every problem as file:line:col: message.

    \b
    Exit codes:
      0  every file is a valid spec with no problems
      2  at least one problem
    """
    from qc.spec.tools import validate

    problems = 0
    for path in files:
        found = validate(path)
        for problem in found:
            click.echo(problem)
        if not found:
            click.echo(f"{path}: ok")
        problems += len(found)
    _exit(2 if problems else 0)


@spec.command("show")
@click.argument("spec_ref", metavar="FILE_OR_BUILTIN")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table: lab notation; json: the resolved spec.")
@_guard
def spec_show(spec_ref: str, fmt: str) -> None:
    """Show a spec after `extends` is resolved, in lab notation (or as JSON)."""
    from qc.spec.tools import show_json, show_table

    width = shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 100
    text = show_json(spec_ref) if fmt == "json" else show_table(spec_ref, max(width, 60))
    click.echo(text, nl=False)


@spec.command("list")
@_guard
def spec_list() -> None:
    """List the built-in specs: name, version, title, status."""
    from qc.spec.tools import list_builtin

    click.echo(list_builtin(), nl=False)


@spec.command("schema")
@_guard
def spec_schema() -> None:
    """Print the JSON Schema of spec files (for editors that validate as you type)."""
    from qc.spec import specs_dir

    click.echo((specs_dir() / "spec.schema.json").read_text("utf-8"), nl=False)


@main.command()
@click.argument("folder", metavar="[DIR]", default=".")
@_guard
def init(folder: str) -> None:
    """Write a commented starter spec and a sample CSV into DIR (default: here) that pass
    together. Never overwrites a file."""
    from qc.spec.starter import write_starter

    for line in write_starter(folder):
        click.echo(line)


@main.command()
@click.argument("report", metavar="REPORT.json")
@click.option("--inputs", "inputs_dir", metavar="DIR",
              help="Look for the input and spec files by name in DIR (else at their recorded "
                   "paths).")
@click.option("--public-key", metavar="KEY.pub",
              help="Also check REPORT.json.sig, the signature made with --sign-key.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@_guard
def verify(report: str, inputs_dir: str | None, public_key: str | None, debug: bool) -> None:
    """Re-hash the files a JSON report names, re-run it, and compare every result.

    \b
    Exit codes:
      0  verified: same files, same verdicts (and a good signature, with --public-key)
      1  something differs; each difference is listed
      2  the report, a file it names, or the key cannot be found or read
    """
    from qc.gmp.verify import verify_report

    result = verify_report(report, inputs_dir=inputs_dir, public_key=public_key)
    for note in result.notes:
        click.echo(f"exoqc: note: {note}", err=True)
    if result.ok:
        signed = ", signature good" if result.signature else ""
        click.echo(f"verified: {report}: {result.batches} batches, inputs and spec unchanged, "
                   f"every result reproduced{signed}")
        _exit(0)
    noun = "difference" if len(result.differences) == 1 else "differences"
    click.echo(f"NOT VERIFIED: {report}: {len(result.differences)} {noun}:")
    for difference in result.differences:
        click.echo(f"  - {difference}")
    _exit(1)


@main.command()
@click.argument("path", metavar="PATH")
@_guard
def keygen(path: str) -> None:
    """Write a new Ed25519 key pair for --sign-key: PATH (private, mode 0600) and PATH.pub.

    Refuses to overwrite an existing file. Keep PATH secret; give PATH.pub to whoever
    verifies reports (exoqc verify --public-key PATH.pub).
    """
    from qc.gmp.signing import fingerprint, load_public_key
    from qc.gmp.signing import keygen as make_keys

    private, public = make_keys(path)
    click.echo(f"wrote {private} (private key, mode 0600) and {public} (public key)")
    click.echo(f"public key sha256: {fingerprint(load_public_key(str(public)))}")


@main.group()
def audit() -> None:
    """Work with the audit log written by exoqc check --audit-log."""


@audit.command("verify")
@click.argument("path", metavar="PATH")
@_guard
def audit_verify(path: str) -> None:
    """Check the hash chain of an audit log; name every edited, removed, reordered or
    truncated line.

    \b
    Exit codes: 0 intact; 1 broken (each broken line is named); 2 unreadable.
    Removing whole lines from the end cannot be seen from the log alone: compare the
    printed line count and head hash with a copy kept elsewhere.
    """
    from qc.gmp.audit import verify as verify_log

    result = verify_log(path)
    if not result.problems:
        click.echo(f"intact: {path}: {result.lines} entries, head sha256 {result.head}")
        _exit(0)
    noun = "problem" if len(result.problems) == 1 else "problems"
    click.echo(f"BROKEN: {path}: {len(result.problems)} {noun} in {result.lines} "
               f"line{'' if result.lines == 1 else 's'}:")
    for problem in result.problems:
        click.echo(f"  - {problem}")
    _exit(1)


@main.command()
@click.option("-o", "--output", metavar="PATH",
              help="Write the evidence report to PATH (.json or .html).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; exit code and -o file only.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@_guard
def selftest(output: str | None, quiet: bool, debug: bool) -> None:
    """Run the bundled reference cases through this installation (IQ/OQ evidence).

    \b
    Exit codes: 0 every case gave its expected result and the installed files match;
    1 something did not; 2 the evidence report cannot be written.
    """
    from qc.gmp.selftest.runner import (
        check_output_path,
        run_selftest,
        summary_lines,
        write_evidence,
    )

    if output is not None:
        check_output_path(output)
    evidence = run_selftest(command=_command_line())
    if output is not None:
        write_evidence(evidence, output)
    if not quiet:
        for line in summary_lines(evidence):
            click.echo(line)
    _exit(0 if evidence["result"] == "pass" else 1)


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
    from qc.nta.report import FORMATS, render_table
    from qc.nta.summarise import (
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


@main.command()
@click.argument("inputs", nargs=-1, required=True, metavar="HISTORY...")
@click.option("-s", "--spec", required=True, metavar="SPEC",
              help="A built-in spec (clinical, research) or a spec file (YAML or JSON).")
@click.option("--by", metavar="COLUMN",
              help="Order batches by this ISO date column (default: file order).")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="What to print on stdout.")
@click.option("-o", "--output", "outputs", multiple=True, metavar="PATH",
              help="Also write a trend report (.html with control charts, or .json). "
                   "Repeatable.")
@click.option("--fail-on-signal", is_flag=True,
              help="Exit 1 when any attribute shows a trend signal (for CI).")
@click.option("--decimal", type=click.Choice([".", ","]), default=".", show_default=True,
              help="The decimal separator of the batch files (',' reads 0,3 as 0.3).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; exit code and -o files only.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@_guard
def trend(inputs: tuple[str, ...], spec: str, by: str | None, fmt: str,
          outputs: tuple[str, ...], fail_on_signal: bool, decimal: str, quiet: bool,
          debug: bool) -> None:
    """Chart every numeric check of SPEC over the batches in HISTORY (CSV files, or -).

    For each attribute: an individuals/moving-range chart (centre, sigma = MR-bar/1.128,
    control limits ±3 sigma), Cpk and Ppk against the spec limits, and the Nelson rules
    1-8 as out-of-trend signals, listed apart from out-of-spec results. Censored results
    (<0.25) are excluded from the statistics and listed; fewer than 8 usable results
    give "not enough data".

    \b
    Exit codes:
      0  the trend was computed (signals or not, unless --fail-on-signal)
      1  --fail-on-signal was given and some attribute shows a signal
      2  bad input: unreadable file or spec, a missing column, an unparseable date, ...
    """
    from qc.trend import output as trend_output
    from qc.trend.analyse import TrendOptions, run_trend
    from qc.trend.report import render_json, render_table

    planned = trend_output.plan(outputs, inputs)
    stdin = sys.stdin.buffer.read() if "-" in inputs else None
    result = run_trend(TrendOptions(inputs=inputs, spec=spec, by=by,
                                    decimal_comma=decimal == ",", stdin=stdin))
    trend_output.write(result, planned)
    if not quiet:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        width = shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 100
        chunks = (render_json(result) if fmt == "json"
                  else render_table(result, color=color, width=max(width, 60)))
        try:
            for chunk in chunks:
                sys.stdout.write(chunk)
            sys.stdout.flush()
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
    _exit(1 if fail_on_signal and result.signal_count else 0)
