"""Run a check: load the spec and the batch files, evaluate, return the report. No printing."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from qc import __version__
from qc.engine import Options, evaluate
from qc.model import Report
from qc.records import load_table
from qc.spec import load_spec


@dataclass(frozen=True)
class RunOptions:
    """Everything `exoqc check` was asked to do, as plain data."""

    inputs: tuple[str, ...]
    spec: str
    decimal_comma: bool = False
    stdin: bytes | None = field(default=None, repr=False)


def utc_now() -> str:
    """The report's timestamp: now, or SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch and epoch.isdigit() else time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def run(options: RunOptions) -> Report:
    spec = load_spec(options.spec)
    table = load_table(options.inputs, stdin=options.stdin)
    return evaluate(spec, table, options=Options(decimal_comma=options.decimal_comma),
                    tool_version=__version__, generated_at=utc_now())
