"""A Markdown summary for `$GITHUB_STEP_SUMMARY` or a merge-request comment.

A NOT FOR RELEASE line first when the spec is not for release, a verdict line, the
counts (batches, and how many check results were judged), the spec with its status, the
inputs, the operator and evaluation date, then one table row per failing or warning batch
with its failed checks. Every value from the data is escaped so that a
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
    if report.not_for_release:
        # The first line, whatever follows: a summary pasted anywhere keeps it on top.
        yield f"**NOT FOR RELEASE: {cell(report.not_for_release)}**\n\n"
    unjudged = int(report.unjudged().sum())
    icon = ICONS[s.verdict]
    if s.verdict is Status.PASS and (report.not_for_release or unjudged):
        icon = "⚪"  # no green tick for what may not be released or was not judged
    head = s.verdict.label.upper()
    if s.batches and unjudged == s.batches:
        head = "NO CHECK JUDGED"
    yield (f"## {icon} exoqc: {head}\n\n"
           f"**{s.batches} {noun} checked: {s.passed} pass, {s.warned} warn, "
           f"{s.failed} fail**\n\n"
           f"{s.judged} check results judged, {s.not_tested} not tested, "
           f"{s.reported} reported only (never judged)"
           + (f"; {unjudged} {'batch' if unjudged == 1 else 'batches'} with no check judged "
              "(none of them can be said to conform)" if unjudged else "") + "\n\n")
    title = f" ({cell(spec.title)})" if spec.title else ""
    status = spec.status or "not stated"
    yield f"- Spec: {cell(spec.name)} {cell(spec.version)}{title}, status {cell(status)}\n"
    for f in report.inputs:
        yield f"- Input: {cell(f.path)} ({f.rows} rows, sha256 `{f.sha256}`)\n"
    for f in report.joins:
        if f.role == "columns":
            yield f"- Column map: {cell(f.path)} (sha256 `{f.sha256}`)\n"
        else:
            yield f"- Joined: {cell(f.path)} ({f.rows} rows, sha256 `{f.sha256}`)\n"
    yield f"- exoqc {cell(report.tool_version)}, {cell(report.generated_at)}\n"
    if report.provenance is not None:
        yield f"- Operator: {cell(report.provenance.operator)}\n"
    as_of = judged_as_of(report)
    if as_of:
        yield f"- Evaluation date: {cell(as_of)} (not the day the report was generated)\n"
    elif report.as_of:
        yield f"- Evaluation date: {cell(report.as_of)}\n"
    for note in report.notes:
        if report.not_for_release and note.startswith("NOT FOR RELEASE: "):
            continue  # the first line already
        yield f"- Note: {cell(note)}\n"
    if not s.warned and not s.failed:
        yield ("\nNo batch failed or warned.\n" if unjudged or report.not_for_release
               else "\nEvery batch passed.\n")
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
