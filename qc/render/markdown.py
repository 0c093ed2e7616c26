"""A Markdown summary for `$GITHUB_STEP_SUMMARY` or a merge-request comment.

A verdict line, the counts, the spec, the inputs, then one table row per failing or
warning batch with its failed checks. Every value from the data is escaped so that a
`|`, a newline, a backtick or something that looks like HTML cannot break the table or
inject markup; control characters are shown as escapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from qc.model import BatchView, Report, Status
from qc.render import RenderOptions
from qc.render.attribution import judged_as_of
from qc.render.problems import describe, failed, warned
from qc.render.text import visible

MAX_ROWS = 500  # GitHub caps a step summary at 1 MiB; the JUnit and CSV reports list all
ICONS = {Status.PASS: "✅", Status.WARN: "⚠️", Status.FAIL: "❌"}
_NEWLINES = re.compile(r"\r\n|\r|\n")
_PUNCT = re.compile(r"([\\`*_\[\]|~])")


def cell(text: str) -> str:
    """Text safe inside one cell of a GitHub-flavoured Markdown table."""
    lines = [visible(part) for part in _NEWLINES.split(text)]
    escaped = [
        _PUNCT.sub(r"\\\1", line)
        .replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for line in lines
    ]
    return "<br>".join(escaped)


def render(report: Report, options: RenderOptions) -> Iterator[str]:
    s = report.summary
    spec = report.spec
    noun = "batch" if s.batches == 1 else "batches"
    yield (f"## {ICONS[s.verdict]} exoqc: {s.verdict.label.upper()}\n\n"
           f"**{s.batches} {noun} checked: {s.passed} pass, {s.warned} warn, "
           f"{s.failed} fail**\n\n")
    title = f" ({cell(spec.title)})" if spec.title else ""
    yield f"- Spec: {cell(spec.name)} {cell(spec.version)}{title}\n"
    for f in report.inputs:
        yield f"- Input: {cell(f.path)} ({f.rows} rows, sha256 `{f.sha256[:12]}`)\n"
    for f in report.joins:
        yield f"- Joined: {cell(f.path)} ({f.rows} rows, sha256 `{f.sha256[:12]}`)\n"
    yield f"- exoqc {cell(report.tool_version)}, {cell(report.generated_at)}\n"
    as_of = judged_as_of(report)
    if as_of:
        yield f"- Dates judged as of {cell(as_of)} (not the day the report was generated)\n"
    for note in report.notes:
        yield f"- Note: {cell(note)}\n"
    if not s.warned and not s.failed:
        yield "\nEvery batch passed.\n"
        return
    yield ("\n| Batch | Input | Row | Verdict | Failed checks | Warnings |\n"
           "|---|---|--:|---|---|---|\n")
    for shown, batch in enumerate(report.iter_batches(at_least=Status.WARN)):
        if shown == MAX_ROWS:
            rest = s.warned + s.failed - MAX_ROWS
            yield (f"\n… and {rest} more failing or warning batches: see the JUnit or CSV "
                   "report for every one.\n")
            return
        yield _row(batch)


def _row(batch: BatchView) -> str:
    fails = "<br>".join(cell(describe(c)) for c in failed(batch))
    warns = "<br>".join(cell(describe(c)) for c in warned(batch))
    batch_id = cell(batch.batch_id) if batch.batch_id else "*(no id)*"
    return (f"| {batch_id} | {cell(batch.input)} | {batch.row} | "
            f"{ICONS[batch.verdict]} {batch.verdict.label.upper()} | {fails} | {warns} |\n")
