"""Run a check: load the spec and the batch files, evaluate, return the report. No printing."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import platform
import socket
import time
from dataclasses import dataclass, field, replace

from qc import __version__
from qc.engine.evaluate import Options, evaluate
from qc.errors import SpecError, UsageError
from qc.inputs.read import load_table
from qc.inputs.table import Table
from qc.model import InputFile, Provenance, Report, Spec
from qc.spec import load_spec

# The components whose versions a report records, after exoqc and Python itself.
COMPONENTS = ("numpy", "pandas", "pyarrow", "jsonschema", "click", "rich")
# Environment overrides, e.g. for byte-identical reports across CI runners.
OPERATOR_ENV = "EXOQC_OPERATOR"
HOST_ENV = "EXOQC_HOST"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class RunOptions:
    """Everything `exoqc check` was asked to do, as plain data."""

    inputs: tuple[str, ...]
    spec: str
    decimal_comma: bool = False
    stdin: bytes | None = field(default=None, repr=False)
    sheet: str | None = None  # the sheet of Excel inputs; None: the first
    joins: tuple[str, ...] = ()  # --join: summary CSVs or instrument exports
    id_pattern: str | None = None  # batch id of instrument exports given to --join
    fail_on: str = "fail"
    operator: str | None = None  # None: $EXOQC_OPERATOR, else the OS user
    command: tuple[str, ...] = ()  # the command line as given, for the record
    as_of: str | None = None  # ISO date that `today` means (default: the local date)
    release: bool = False  # refuse (exit 2) a spec that is not for release


def utc_now() -> str:
    """The report's timestamp: now, or SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch and epoch.isdigit() else time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def parse_as_of(text: str | None) -> dt.date:
    """The date `today` means: --as-of DATE (ISO), or the local date."""
    if text is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch and epoch.isdigit():  # reproducible runs: the same date as generated_at
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        return dt.date.today()
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of: {text!r} is not an ISO date such as 2026-03-07") from None


def release_problem(spec: Spec, as_of: dt.date) -> str:
    """Why batches judged against this spec may not be released ("" when they may)."""
    name = f"spec {spec.name} {spec.version}"
    if spec.status == "draft":
        return f"{name} is a draft"
    if spec.effective_date and dt.date.fromisoformat(spec.effective_date) > as_of:
        return f"{name} is effective from {spec.effective_date} (as of {as_of.isoformat()})"
    return ""


def depends_on_date(spec: Spec) -> bool:
    """Whether the run's date can change a verdict: a `today` limit or an effective date."""
    from qc.model import DateLimits

    for check in spec.checks:
        rule = check.rule
        if isinstance(rule, DateLimits) and any(
                b.kind == "today" for b in rule.bounds().values()):
            return True
    return spec.effective_date is not None


def run(options: RunOptions, *, table: Table | None = None) -> Report:
    """Judge `options.inputs`, or `table` when given (batches given in memory, qc.check)."""
    as_of = parse_as_of(options.as_of)
    spec = load_spec(options.spec)
    blocked = release_problem(spec, as_of)
    if blocked and options.release:
        raise SpecError(f"{spec.files[0].path}: NOT FOR RELEASE: {blocked}; --release refuses "
                        "to judge batches against it")
    if table is None:
        table = load_table(options.inputs, stdin=options.stdin, sheet=options.sheet)
    join_notes: tuple[str, ...] = ()
    if options.joins:
        from qc.inputs.join import join_inputs, load_joins

        sources = load_joins(options.joins, spec.id_column, id_pattern=options.id_pattern)
        table, join_notes = join_inputs(table, sources, spec.id_column)
    report = evaluate(spec, table, options=Options(decimal_comma=options.decimal_comma,
                                                   as_of=as_of),
                      tool_version=__version__, generated_at=utc_now(), not_for_release=blocked)
    # When the verdict depends on the date, the record holds the date `today` meant, given
    # or not, so that `exoqc verify` re-runs the date checks as of the same day.
    recorded = replace(options, as_of=as_of.isoformat()) if depends_on_date(spec) else options
    return replace(report, provenance=provenance(recorded), joins=table.joined,
                   notes=_hidden_sheets(table.inputs) + join_notes + report.notes)


def _hidden_sheets(files: tuple[InputFile, ...]) -> tuple[str, ...]:
    """A note for each workbook whose judged sheet is hidden (read only when named)."""
    return tuple(f"{f.path}: sheet {f.sheet!r} is {f.hidden} in the workbook (Excel does "
                 "not show it); judged because --sheet named it"
                 for f in files if f.hidden is not None)



def provenance(options: RunOptions) -> Provenance:
    """The attribution of a run: operator, host, software versions, command and options."""
    # --as-of arrives with the spec-lifecycle work; record it whenever RunOptions has it.
    as_of = getattr(options, "as_of", None)
    return Provenance(
        operator=operator(options.operator),
        host=host(),
        command=options.command,
        versions=versions(),
        spec=options.spec,
        inputs=options.inputs,
        decimal="," if options.decimal_comma else ".",
        fail_on=options.fail_on,
        as_of=None if as_of is None else str(as_of),
        sheet=options.sheet,
        joins=options.joins,
        id_pattern=options.id_pattern,
    )


def operator(given: str | None = None) -> str:
    """Who ran exoqc: --operator, else $EXOQC_OPERATOR, else the OS login name."""
    for candidate in (given, os.environ.get(OPERATOR_ENV)):
        if candidate and candidate.strip():
            return candidate.strip()
    try:
        return getpass.getuser() or UNKNOWN
    except (OSError, KeyError, ImportError):  # no login name (e.g. a container's bare uid)
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else UNKNOWN


def host() -> str:
    """The machine's name, or $EXOQC_HOST when set."""
    given = os.environ.get(HOST_ENV, "").strip()
    if given:
        return given
    try:
        return socket.gethostname() or platform.node() or UNKNOWN
    except OSError:
        return platform.node() or UNKNOWN


def versions() -> tuple[tuple[str, str], ...]:
    from qc.versions import installed_version

    return (("exoqc", __version__), ("python", platform.python_version()),
            *((name, installed_version(name) or "not installed") for name in COMPONENTS))
