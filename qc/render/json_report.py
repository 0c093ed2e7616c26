"""The JSON report: every check of every batch, one batch per line, schema in docs/report-format.md.

Built from string templates with the standard library's C string encoder rather than
from a million dicts: at a million batches that is the difference between seconds and
minutes, and it streams in blocks so memory stays flat.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import chain, repeat
from json.encoder import encode_basestring as _enc
from typing import Any

import numpy as np
import numpy.typing as npt

from qc.columns import CodedText
from qc.model import CheckResult, Reason, Report, Status
from qc.render import RenderOptions

REPORT_VERSION = 1
BLOCK = 20_000


def header(report: Report) -> dict[str, Any]:
    """Everything in the report but the batches."""
    s = report.summary
    spec = report.spec
    return {
        "report_version": REPORT_VERSION,
        "tool": {"name": "exoqc", "version": report.tool_version},
        "spec": {
            "name": spec.name,
            "version": spec.version,
            "title": spec.title,
            "path": spec.files[0].path,
            "sha256": spec.files[0].sha256,
        },
        "inputs": [{"path": f.path, "sha256": f.sha256, "rows": f.rows} for f in report.inputs],
        "generated_at": report.generated_at,
        "summary": {
            "batches": s.batches,
            "pass": s.passed,
            "warn": s.warned,
            "fail": s.failed,
            "verdict": s.verdict.label,
        },
        "notes": list(report.notes),
    }


def _text(value: str | None) -> str:
    return "null" if value is None else _enc(value)


def render(report: Report, options: RenderOptions) -> Iterator[str]:
    head = json.dumps(header(report), indent=2, ensure_ascii=False)
    yield head[:-2] + ',\n  "batches": ['
    n = len(report.verdicts)
    statuses = [f'"{s.label}"' for s in Status]
    reasons = [_text(r.label) for r in Reason]
    # Every check but the first is written with its ", " separator in front, so that a
    # batch is a plain concatenation: head, check 1, ", " check 2, ..., "]}".
    prefixes = [
        [
            [f'{", " if j else ""}{{"name": {_enc(r.check.name)}, '
             f'"column": {_enc(r.check.column)}, '
             f'"status": {statuses[s]}, "reason": {reasons[q]}, "value": ' for q in Reason]
            for s in Status
        ]
        for j, r in enumerate(report.results)
    ]
    coded = [_coded_fragments(r, pre) for r, pre in zip(report.results, prefixes, strict=True)]
    inputs = [_enc(f.path) for f in report.inputs]
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        ids = [_enc(i) for i in report.batch_ids[start:stop]]
        checks = [
            fragments[codes[start:stop]].tolist() if fragments is not None
            else _row_fragments(r, pre, start, stop,
                                ids if r.value is report.batch_ids else None)
            for r, pre, (fragments, codes) in zip(report.results, prefixes, coded, strict=True)
        ]
        rows = report.rows[start:stop].tolist()
        where = report.input_index[start:stop].tolist()
        verdicts = report.verdicts[start:stop].tolist()
        heads = [
            f'{"," if start or k else ""}\n    {{"batch_id": {ids[k]}, '
            f'"input": {inputs[where[k]]}, "row": {rows[k]}, '
            f'"verdict": {statuses[verdicts[k]]}, "checks": ['
            for k in range(stop - start)
        ]
        tails = repeat("]}", stop - start)
        yield "".join(chain.from_iterable(zip(heads, *checks, tails, strict=True)))
    yield "\n  ]\n}\n" if n else "]\n}\n"


def _row_fragments(result: CheckResult, pre: list[list[str]], start: int, stop: int,
                   encoded: list[str] | None) -> list[str]:
    """One check's JSON for each batch of a block, row by row."""
    values = encoded or [_text(v) for v in result.value[start:stop]]
    return [
        f"{pre[s][q]}{v}, \"message\": {_text(m)}}}"
        for s, q, v, m in zip(result.status[start:stop].tolist(),
                              result.reason[start:stop].tolist(), values,
                              result.message[start:stop], strict=True)
    ]


def _coded_fragments(result: CheckResult, pre: list[list[str]]
                     ) -> tuple[npt.NDArray[np.object_] | None, npt.NDArray[np.intp]]:
    """For a check judged per distinct text (value and message coded alike, so status and
    reason follow the code too), its JSON once per distinct text, and the rows' codes."""
    value, message = result.value, result.message
    if not (isinstance(value, CodedText) and isinstance(message, CodedText)
            and value.codes is message.codes):
        return None, np.empty(0, dtype=np.intp)
    codes = value.codes
    first = np.full(len(value.distinct), -1, dtype=np.intp)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1, dtype=np.intp)
    used = first >= 0
    status = np.zeros(len(first), dtype=np.int8)
    reason = np.zeros(len(first), dtype=np.int8)
    status[used] = result.status[first[used]]
    reason[used] = result.reason[first[used]]
    fragments = np.empty(len(first), dtype=object)
    fragments[:] = [
        f"{pre[s][q]}{_text(v)}, \"message\": {_text(m)}}}"
        for s, q, v, m in zip(status.tolist(), reason.tolist(), value.distinct,
                              message.distinct, strict=True)
    ]
    return fragments, codes
