"""`exoqc check`: judge batch files against a spec; the exit code is the verdict."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from qc.cli.guard import command_line, exit_with, guard, say
from qc.cli.params import DATE, NON_EMPTY, REGEX, TextEncoding
from qc.cli.terminal import color_option, terminal, write
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
@click.option("--id-pattern", type=REGEX, metavar="REGEX",
              help="Batch id of exports given to --join: group 1 of REGEX in the file name.")
@click.option("--operator", type=NON_EMPTY, metavar="NAME",
              help="Who runs the check, for the record [default: $EXOQC_OPERATOR, else the "
                   "OS user].")
@click.option("--sign-key", metavar="KEY",
              help="Sign each JSON or PDF report with this Ed25519 private key (see exoqc "
                   "keygen): writes REPORT.sig, after verifying the report; the signature "
                   "means `performed`, by the operator (exoqc sign adds reviewed, approved).")
@click.option("--audit-log", metavar="PATH",
              help="Append a hash-chained record of this run to PATH (see exoqc audit verify).")
@click.option("--audit-key", metavar="KEY",
              help="Sign the --audit-log entry with this Ed25519 private key [default: the "
                   "--sign-key]. A log has one key; its fingerprint is in every entry.")
@click.option("--as-of", "as_of", type=DATE, metavar="DATE",
              help="The date `today` means in date checks (ISO, e.g. 2026-03-07); default: "
                   "today. Recorded in the report.")
@click.option("--header-row", "header_row", type=click.IntRange(min=1), metavar="N",
              default=None, help="The spreadsheet row (from 1) holding the header of the "
                                 "batch files [default: row 1, else found among the first "
                                 "20 rows]. Recorded in the report.")
@click.option("--columns", "columns", metavar="MAP",
              help="A YAML file mapping the lab's headers to the spec's columns "
                   "(\"Batch No\": batch_id). Hashed into the report.")
@click.option("--encoding", metavar="NAME", default=None, type=TextEncoding(),
              help="The text encoding of CSV batch files (e.g. cp1252, gb18030) [default: "
                   "detected]. Recorded in the report.")
@click.option("--release", is_flag=True,
              help="Exit 2 instead of judging when the spec is a draft or not yet effective.")
@color_option
@guard
def check(inputs: tuple[str, ...], spec: str, fmt: str | None, outputs: tuple[str, ...],
          fail_on: str, decimal: str, sheet: str | None, verbose: bool, quiet: bool,
          debug: bool, joins: tuple[str, ...], id_pattern: str | None, operator: str | None,
          sign_key: str | None, audit_log: str | None, as_of: str | None = None,
          release: bool = False, audit_key: str | None = None,
          header_row: int | None = None, columns: str | None = None,
          encoding: str | None = None) -> None:
    """Check the batches in INPUT (CSV or Excel files, or - for CSV on stdin) against SPEC.

    \b
    Exit codes:
      0  no batch failed (warnings allowed)
      1  at least one batch failed (or warned, with --fail-on warn)
      2  the run could not judge: unreadable input or spec, a missing column, ...
    """
    from qc.gmp.session import SessionOptions, check_session
    from qc.run import RunOptions

    options = RunOptions(inputs=inputs, spec=spec, decimal_comma=decimal == ",",
                         sheet=sheet, joins=joins, id_pattern=id_pattern, fail_on=fail_on,
                         operator=operator, command=command_line(), as_of=as_of,
                         release=release, header_row=header_row, columns=columns,
                         encoding=encoding)
    session = SessionOptions(outputs=outputs, sign_key=sign_key, audit_log=audit_log,
                             audit_key=audit_key,
                             protected=tuple(_protected(spec, joins, columns,
                                                        audit_log=audit_log,
                                                        sign_key=sign_key,
                                                        audit_key=audit_key)))
    outcome = check_session(options, session, read_stdin=_read_stdin,
                            show=lambda report: _show(report, fmt, quiet, verbose))
    if release and (unjudged := outcome.report.unjudged()).any():
        ids = [outcome.report.batch_ids[i] for i in unjudged.nonzero()[0][:3].tolist()]
        more = f" and {int(unjudged.sum()) - 3} more" if unjudged.sum() > 3 else ""
        say(f"exoqc: --release: no check of the spec was judged for {', '.join(ids)}{more} "
            "(every check not tested or report-only): nothing shows it conforms", err=True)
    exit_with(outcome.exit_code)


def _show(report: Any, fmt: str | None, quiet: bool, verbose: bool) -> None:
    """Print the report in the stdout formats; a draft or not-yet-effective spec is said on
    stderr when the table, which says it, is not printed (a spec that states no status is
    said in the table, the human reports and the JSON's spec.not_for_release only)."""
    if (report.not_for_release and report.spec.status is not None
            and (quiet or _stdout_formats(fmt)[0] != "table")):
        say(f"exoqc: NOT FOR RELEASE: {report.not_for_release}", err=True)
    if not quiet:
        for name in _stdout_formats(fmt):
            _print(report, name, verbose)


def _protected(spec: str, joins: tuple[str, ...], columns: str | None, *,
               audit_log: str | None,
               sign_key: str | None, audit_key: str | None) -> list[tuple[str, str]]:
    """The files besides the inputs that the run reads or writes, which -o must not replace:
    the joins, every spec file of the `extends` chain, the audit log and the keys."""
    out = [(join, "a --join file") for join in joins]
    out += [(columns, "the --columns map")] if columns else []
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


def _print(report: Any, fmt: str, verbose: bool) -> None:
    from qc.render import RenderOptions, get_renderer

    shown = terminal()
    options = RenderOptions(color=shown.color, verbose=verbose, width=shown.width,
                            wrap=os.environ.get("GITHUB_ACTIONS") != "true")
    # Under GitHub Actions nothing printed can start a workflow command (terminal.write);
    # in JSON `##[` becomes `#\u0023[`, the same value. `exoqc check ... | head`: when the
    # reader leaves, the exit code still tells the verdict.
    write(get_renderer(fmt)(report, options), json=fmt == "json", commands=fmt == "github")


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
