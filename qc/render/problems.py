"""What the CI formats say about one batch: its failed checks and its warnings, as lines.

The check messages already carry the value and the limit (see rules/limits.py), so a
line is `check: message`, or `check: reason` where a check has nothing more to say.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from qc.model import BatchView, CheckView, Report, Status


def describe(check: CheckView) -> str:
    """One line for a failed or warning check, with value and limit:
    `endotoxin: 0.8 EU/mL is above the maximum 0.5 EU/mL`."""
    label = (check.reason.label or check.status.label).replace("_", " ")
    return f"{check.name}: {check.message or label}"


def failed(batch: BatchView) -> list[CheckView]:
    return [c for c in batch.checks if c.status is Status.FAIL]


def warned(batch: BatchView) -> list[CheckView]:
    return [c for c in batch.checks if c.status is Status.WARN]


def per_input(report: Report) -> Iterator[tuple[int, int, int, int]]:
    """(input index, batches, warning batches, failing batches) for every input file."""
    n = len(report.inputs)
    index = report.input_index
    batches = np.bincount(index, minlength=n)
    warns = np.bincount(index[report.verdicts == Status.WARN], minlength=n)
    fails = np.bincount(index[report.verdicts == Status.FAIL], minlength=n)
    for i in range(n):
        yield i, int(batches[i]), int(warns[i]), int(fails[i])
