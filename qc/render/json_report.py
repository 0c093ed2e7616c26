"""The JSON report: every check of every batch, one batch per line, schema in docs/report-format.md.

Built from string templates with the standard library's C string encoder rather than
from a million dicts: at a million batches that is the difference between seconds and
minutes, and it streams in blocks so memory stays flat.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import chain, repeat
from json.encoder import encode_basestring as _enc
from typing import Any

import numpy as np
import numpy.typing as npt

from qc.engine.coded import CodedText
from qc.model import CheckResult, InputFile, Reason, Report, Status
from qc.render import RenderOptions

REPORT_VERSION = 2  # 2: check statuses not_tested and reported (docs/report-format.md)
BLOCK = 2_000

# The layout, which `exoqc verify` relies on to compare a report line by line without
# parsing it whole (qc/gmp/verify.py imports these; tests/reports/test_json_layout.py ties
# the two). JSON readers need none of it; changing any of it is a change of that contract:
#   HEADER + BATCHES_START, then per batch BATCH_LINE + record, each record but the last
#   followed by BATCH_SEPARATOR, then BATCHES_END (EMPTY_END straight after BATCHES_START
#   when there is no batch). The first chunk `render` yields is HEADER + BATCHES_START.
#   HEADER is the header object without its closing brace: HEADER + HEADER_CLOSE parses.
#   A record is one line of JSON: no newline inside (strings are escaped).
BATCHES_START = ',\n  "batches": ['
BATCH_LINE = "\n    "  # a record starts a line, after this indent
BATCH_SEPARATOR = ","  # ends every record's line but the last
BATCHES_END = "\n  ]\n}\n"
EMPTY_END = "]\n}\n"
HEADER_CLOSE = "\n}"
# Valid in JSON but not inert on a terminal (`cat report.json`): DEL, C1 controls (U+009B
# is CSI), line separators and bidi overrides. JSON's own encoder escapes only C0.
# Outside strings JSON is ASCII, so escaping them in the finished text is always valid.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _inert(text: str) -> str:
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _inert_all(parts: list[str]) -> list[str]:
    """_inert of each part. The unsafe characters are single non-ASCII characters or DEL,
    so escaping the parts is escaping their concatenation; a block with none (checked by
    the fast str.isascii) is returned as is."""
    joined = "".join(parts)
    if joined.isascii() and "\x7f" not in joined:
        return parts
    return [_inert(p) for p in parts]


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
            # the spec file and every file it builds on, in load order
            "files": [{"path": f.path, "sha256": f.sha256} for f in spec.files],
            "status": spec.status,
            "effective_date": spec.effective_date,
            "approved_by": spec.approved_by,
            # checks a spec that extends others cannot loosen, and where each check came from
            "locked": list(spec.locked),
            "lineage": [{"check": x.check, "how": x.how, "file": x.file,
                         "parent": x.parent or None} for x in spec.lineage],
            "not_for_release": report.not_for_release or None,
            # what the certificate of analysis shows (docs/report-format.md)
            "laboratory": spec.laboratory or None,
            "product": spec.product or None,
            "manufacture_column": spec.manufacture_column,
            "expiry_column": spec.expiry_column,
            "methods": {c.name: c.method for c in spec.checks if c.method},
        },
        "as_of": report.as_of or None,
        "inputs": [_input(f) for f in (*report.inputs, *report.joins)],
        "generated_at": report.generated_at,
        "summary": {
            "batches": s.batches,
            "pass": s.passed,
            "warn": s.warned,
            "fail": s.failed,
            "verdict": s.verdict.label,
            "checks_judged": s.judged,
            "checks_not_tested": s.not_tested,
            "checks_reported": s.reported,
        },
        "notes": list(report.notes),
        **({"not_batches": [{"input": nb.input, "row": nb.row, "text": nb.text}
                            for nb in report.not_batches]} if report.not_batches else {}),
        "provenance": provenance(report),
    }


def _input(f: InputFile) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": f.path, "sha256": f.sha256, "rows": f.rows, "role": f.role}
    if f.sheet is not None:  # an Excel workbook: the sheet actually read
        entry["sheet"] = f.sheet
    if f.header_row != 1:  # the header found below a title, or given by --header-row
        entry["header_row"] = f.header_row
    return entry


def provenance(report: Report) -> dict[str, Any] | None:
    """Who ran which command, where, with which software and options (None if unknown)."""
    p = report.provenance
    if p is None:
        return None
    return {
        "operator": p.operator,
        "host": p.host,
        "time": report.generated_at,
        "command": list(p.command),
        "versions": dict(p.versions),
        "options": {
            "spec": p.spec,
            "inputs": list(p.inputs),
            "decimal": p.decimal,
            "fail_on": p.fail_on,
            "as_of": p.as_of,
            "sheet": p.sheet,
            "joins": list(p.joins),
            "id_pattern": p.id_pattern,
            "header_row": p.header_row,
            "columns": p.columns,
            "encoding": p.encoding,
        },
    }


def _text(value: str | None) -> str:
    return "null" if value is None else _enc(value)


def render(report: Report, options: RenderOptions) -> Iterator[str]:
    head = json.dumps(header(report), indent=2, ensure_ascii=False)
    yield _inert(head[:-len(HEADER_CLOSE)]) + BATCHES_START
    n = len(report.verdicts)
    statuses = [f'"{s.label}"' for s in Status]
    reasons = [_text(r.label) for r in Reason]
    prefixes = [
        [
            [f'{{"name": {_enc(r.check.name)}, "column": {_enc(r.check.column)}, '
             f'"status": {statuses[s]}, "reason": {reasons[q]}, "value": ' for q in Reason]
            for s in Status
        ]
        for r in report.results
    ]
    inputs = [_inert(_enc(f.path)) for f in report.inputs]
    coded = [_coded_fragments(r, pre) for r, pre in zip(report.results, prefixes, strict=True)]
    seen: list[_Repeats] = [_Repeats() for _ in report.results]
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        # Every fragment is made inert itself (coded ones once per distinct text): the
        # rest of a line is ASCII without DEL, so the block needs no pass of its own.
        checks = [
            fragments[codes[start:stop]].tolist() if fragments is not None
            else again.fragments(pre, r, start, stop)
            if r.replicates is None else _inert_all([
                f"{pre[s][q]}{_text(v)}, \"message\": {_text(m)}{x}}}"
                for s, q, v, m, x in zip(
                    r.status[start:stop].tolist(), r.reason[start:stop].tolist(),
                    r.value[start:stop], r.message[start:stop],
                    _replicates(r, start, stop), strict=True)
            ])
            for r, pre, (fragments, codes), again in zip(report.results, prefixes, coded, seen,
                                                         strict=True)
        ]
        ids = _inert_all([_enc(i) for i in report.batch_ids[start:stop]])
        rows = report.rows[start:stop].tolist()
        where = report.input_index[start:stop].tolist()
        verdicts = report.verdicts[start:stop].tolist()
        m = stop - start
        heads = [
            f'{BATCH_SEPARATOR if start or k else ""}{BATCH_LINE}{{"batch_id": {i}, '
            f'"input": {inputs[w]}, '
            f'"row": {row}, "verdict": {statuses[v]}, "checks": ['
            for k, (i, w, row, v) in enumerate(zip(ids, where, rows, verdicts, strict=True))
        ] if report.groups is None else [
            f'{BATCH_SEPARATOR if start or k else ""}{BATCH_LINE}{{"batch_id": {i}, '
            f'"input": {inputs[w]}, '
            f'"row": {row}, {_rows(g)}"verdict": {statuses[v]}, "checks": ['
            for k, (i, w, row, v, g) in enumerate(zip(
                ids, where, rows, verdicts, report.groups[start:stop], strict=True))
        ]
        columns: list[Iterable[str]] = [heads]
        for c, fragments in enumerate(checks):
            if c:
                columns.append(repeat(", ", m))
            columns.append(fragments)
        columns.append(repeat("]}", m))
        yield "".join(chain.from_iterable(zip(*columns, strict=True)))
    yield BATCHES_END if n else EMPTY_END


class _Repeats:
    """The fragments of a check judged row by row (dates, batch ids, derived values), each
    distinct (status, reason, value, message) rendered once: a date column holds a few
    thousand distinct dates over a million rows. A check whose first block repeats little
    (batch ids, all distinct) is rendered row by row without the lookup."""

    SIZE = 100_000  # distinct fragments kept at most

    def __init__(self) -> None:
        self.known: dict[tuple[int, int, str | None, str | None], str] | None = {}

    def fragments(self, pre: list[list[str]], r: CheckResult, start: int, stop: int
                  ) -> list[str]:
        rows = zip(r.status[start:stop].tolist(), r.reason[start:stop].tolist(),
                   r.value[start:stop], r.message[start:stop], strict=True)
        known = self.known
        if known is None:
            return _inert_all([f"{pre[s][q]}{_text(v)}, \"message\": {_text(m)}}}"
                               for s, q, v, m in rows])
        out = []
        for row in rows:
            fragment = known.get(row)
            if fragment is None:
                s, q, v, m = row
                fragment = _inert(f"{pre[s][q]}{_text(v)}, \"message\": {_text(m)}}}")
                if len(known) < self.SIZE:
                    known[row] = fragment
            out.append(fragment)
        if start == 0 and len(known) > (stop - start) // 2:
            self.known = None  # mostly distinct: not worth a lookup per row
        return out


def _rows(group: tuple[int, ...]) -> str:
    """`"rows": [...], ` for a batch read from several rows (report_version 2 adds it)."""
    return f'"rows": {json.dumps(list(group))}, ' if len(group) > 1 else ""


def _replicates(result: CheckResult, start: int, stop: int) -> list[str]:
    """`, "replicates": [...]` per batch whose check has individual results, else ""."""
    assert result.replicates is not None
    return [
        "" if entries is None else ', "replicates": ' + json.dumps([
            {"row": e.row, "replicate": e.replicate, "value": e.value,
             "status": e.status.label, "reason": e.reason.label, "message": e.message,
             "lineage": e.lineage, "counted": e.counted} for e in entries],
            ensure_ascii=False)
        for entries in result.replicates[start:stop]
    ]


def _coded_fragments(result: CheckResult, pre: list[list[str]]
                     ) -> tuple[npt.NDArray[np.object_] | None, npt.NDArray[np.intp]]:
    """For a check judged per distinct text (value and message coded alike, so status and
    reason follow the code too), its JSON once per distinct text, and the rows' codes;
    (None, empty) for any other check, which is rendered row by row."""
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
        _inert(f"{pre[s][q]}{_text(v)}, \"message\": {_text(m)}}}")
        for s, q, v, m in zip(status.tolist(), reason.tolist(), value.distinct,
                              message.distinct, strict=True)
    ]
    return fragments, codes
