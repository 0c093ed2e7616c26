"""A CSV report for Excel and LIMS import: one row per batch and check.

Columns: `batch_id,row,check,column,status,reason,value,message`. A cell that a
spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a
carriage return) gets a leading `'`, unless it is a plain number such as `-80`
(OWASP "CSV injection"). Written in blocks of batches, so memory stays flat.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from qc.model import Reason, Report, Status
from qc.render import RenderOptions
from qc.render.text import no_controls

HEADER = ("batch_id", "row", "check", "column", "status", "reason", "value", "message")
BLOCK = 5_000
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def neutral(text: str) -> str:
    """The cell as a spreadsheet should show it: never run as a formula, and no escape
    sequence that would act on a terminal showing the file."""
    text = no_controls(text)
    if text.startswith(_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def render(report: Report, options: RenderOptions) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    statuses = [s.label for s in Status]
    reasons = [r.label or "" for r in Reason]
    names = [(neutral(r.check.name), neutral(r.check.column)) for r in report.results]
    n = len(report.verdicts)
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        ids = [neutral(b) for b in report.batch_ids[start:stop]]
        rows = report.rows[start:stop].tolist()
        columns = [
            (name, column, r.status[start:stop].tolist(), r.reason[start:stop].tolist(),
             r.value[start:stop], r.message[start:stop])
            for (name, column), r in zip(names, report.results, strict=True)
        ]
        writer.writerows(
            (ids[k], rows[k], name, column, statuses[status[k]], reasons[reason[k]],
             neutral(value[k] or ""), neutral(message[k] or ""))
            for k in range(stop - start)
            for name, column, status, reason, value, message in columns
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if not n:
        yield buffer.getvalue()
