"""`exoqc check`: judge batch files against a spec; the exit code is the verdict."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

import click

from qc.cli.guard import command_line, exit_with, guard, say
from qc.render import SUFFIXES


@click.command()
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
              help="The sheet to read in Excel inputs (.xlsx, .xlsm) [default: the one Excel "
                   "opens; hidden sheets only when named].")
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
@click.option("--audit-key", metavar="KEY",
              help="Sign the --audit-log entry with this Ed25519 private key [default: the "
                   "--sign-key]. A log has one key; its fingerprint is in every entry.")
@click.option("--as-of", "as_of", metavar="DATE",
              help="The date `today` means in date checks (ISO, e.g. 2026-03-07); default: "
                   "today. Recorded in the report.")
@click.option("--release", is_flag=True,
              help="Exit 2 instead of judging when the spec is a draft or not yet effective.")
@guard
def check(inputs: tuple[str, ...], spec: str, fmt: str | None, outputs: tuple[str, ...],
          fail_on: str, decimal: str, sheet: str | None, verbose: bool, quiet: bool,
          debug: bool, joins: tuple[str, ...], id_pattern: str | None, operator: str | None,
          sign_key: str | None, audit_log: str | None, as_of: str | None = None,
          release: bool = False, audit_key: str | None = None) -> None:
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
    protected = _protected(spec, joins, audit_log=audit_log, sign_key=sign_key,
                           audit_key=audit_key)
    planned = plan_outputs(outputs, inputs, protected=protected)
    if sign_key is not None:  # REPORT.json.sig is written too
        from qc.output import refuse_overwrite

        others = [(str(p.path), "also given as -o") for p in planned]
        for item in planned:
            if item.fmt == "json":
                refuse_overwrite(f"{item.path}.sig", [*others, *protected,
                                                      *((i, "one of the inputs") for i in inputs)])
    options = RunOptions(inputs=inputs, spec=spec, decimal_comma=decimal == ",",
                         sheet=sheet, joins=joins, id_pattern=id_pattern, fail_on=fail_on,
                         operator=operator, command=command_line(), as_of=as_of,
                         release=release)
    audit_signer = _audit_signer(audit_log, audit_key, sign_key)
    signer = plan_record(options, planned, sign_key=sign_key, audit_log=audit_log,
                         audit_signer=audit_signer)
    stdin = _read_stdin() if "-" in inputs else None
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
                       error=str(exc), key=audit_signer)
        raise
    if report.not_for_release and (quiet or _stdout_formats(fmt)[0] != "table"):
        say(f"exoqc: NOT FOR RELEASE: {report.not_for_release}", err=True)
    if not quiet:
        for name in _stdout_formats(fmt):
            _print(report, name, verbose)
    status = Status.WARN if fail_on == "warn" else Status.FAIL
    code = report.exit_code(fail_on=status)
    if audit_log:
        record_run(audit_log, options, report, exit_code=code, written=written,
                   key=audit_signer)
    exit_with(code)


def _protected(spec: str, joins: tuple[str, ...], *, audit_log: str | None,
               sign_key: str | None, audit_key: str | None) -> list[tuple[str, str]]:
    """The files besides the inputs that the run reads or writes, which -o must not replace:
    the joins, every spec file of the `extends` chain, the audit log and the keys."""
    out = [(join, "a --join file") for join in joins]
    out += [(path, what) for path, what in _spec_files(spec)]
    out += [(path, what) for path, what in ((audit_log, "the audit log"),
                                            (sign_key, "the signing key"),
                                            (audit_key, "the audit key")) if path]
    return out


def _spec_files(spec: str) -> list[tuple[str, str]]:
    """The spec and the files it extends (as far as they can be read: a spec that cannot
    is an error of the run itself, reported before any report is written)."""
    import stat

    from qc.errors import ExoqcError
    from qc.spec import resolve

    out = [(spec, "the spec")]
    try:
        if not stat.S_ISREG(os.stat(spec).st_mode):
            return out  # read once, by the run (a pipe would be consumed here)
        chain = resolve(spec).chain
    except (OSError, ExoqcError):
        return out
    out += [(s.shown, f"spec file extended by {spec!r}") for s in chain[1:] if not s.builtin]
    return out


def _audit_signer(audit_log: str | None, audit_key: str | None, sign_key: str | None
                  ) -> Any:
    """The key that signs the audit entry: --audit-key, else --sign-key (None: unsigned)."""
    if audit_log is None:
        if audit_key is not None:
            raise click.BadParameter("needs --audit-log", param_hint="'--audit-key'")
        return None
    key = audit_key or sign_key
    if key is None:
        return None
    from qc.gmp.signing import load_private_key

    return load_private_key(key)


def _print(report: Any, fmt: str, verbose: bool) -> None:
    from qc.render import RenderOptions, get_renderer
    from qc.render.text import workflow_safe

    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    width = shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 100
    options = RenderOptions(color=color, verbose=verbose, width=max(width, 60),
                            wrap=os.environ.get("GITHUB_ACTIONS") != "true")
    out = sys.stdout
    try:
        chunks = get_renderer(fmt)(report, options)
        if fmt == "json":  # `##[` in a string becomes `#\u0023[`: the same value
            chunks = workflow_safe(chunks, "\\u{:04x}")
        for chunk in chunks:
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


def _read_stdin() -> bytes:
    """Standard input, bounded by the batch file cap (qc.inputs.files)."""
    from qc.errors import InputError
    from qc.inputs.files import read_stdin

    return read_stdin(sys.stdin.buffer, "batch file", InputError)
