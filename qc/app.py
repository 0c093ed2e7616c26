"""Run a check: load the spec and the batch files, evaluate, return the report. No printing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from dataclasses import dataclass, field

from qc import __version__
from qc.engine import Options, evaluate
from qc.errors import SpecError, UsageError
from qc.model import Report, Spec
from qc.records import load_table
from qc.spec import load_spec


@dataclass(frozen=True)
class RunOptions:
    """Everything `exoqc check` was asked to do, as plain data."""

    inputs: tuple[str, ...]
    spec: str
    decimal_comma: bool = False
    stdin: bytes | None = field(default=None, repr=False)
    joins: tuple[str, ...] = ()  # --join: summary CSVs or instrument exports
    id_pattern: str | None = None  # batch id of instrument exports given to --join
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


def run(options: RunOptions) -> Report:
    as_of = parse_as_of(options.as_of)
    spec = load_spec(options.spec)
    blocked = release_problem(spec, as_of)
    if blocked and options.release:
        raise SpecError(f"{spec.files[0].path}: NOT FOR RELEASE: {blocked}; --release refuses "
                        "to judge batches against it")
    table = load_table(options.inputs, stdin=options.stdin)
    join_notes: tuple[str, ...] = ()
    if options.joins:
        from qc.join import join_inputs, load_joins

        sources = load_joins(options.joins, spec.id_column, id_pattern=options.id_pattern)
        table, join_notes = join_inputs(table, sources, spec.id_column)
    report = evaluate(spec, table, options=Options(decimal_comma=options.decimal_comma,
                                                   as_of=as_of),
                      tool_version=__version__, generated_at=utc_now(), not_for_release=blocked)
    if not options.joins:
        return report
    return dataclasses.replace(report, joins=table.joined, notes=join_notes + report.notes)
