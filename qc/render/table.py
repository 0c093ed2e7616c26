"""The terminal table: a summary line, then the batches that failed or warned and why.

Every value from the data goes in as plain `Text` (never markup) after `visible()`, so
`[bold red]PASS[/]` or an escape sequence in a cell is shown, not obeyed. Verdicts are
words as well as colours. `--verbose` lists every check of every batch.

No line of the table can be taken for a CI workflow command (`no_workflow_commands`); with
`wrap=False` (under GitHub Actions) a row is one line however long, so that no value
starts a line of its own.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from qc.model import BatchView, Report, Status
from qc.render import RenderOptions
from qc.render.attribution import attribution_line
from qc.render.text import no_workflow_commands, visible

STYLES = {Status.PASS: "green", Status.WARN: "yellow", Status.FAIL: "bold red",
          Status.NOT_TESTED: "dim", Status.REPORTED: "cyan"}
MAX_ROWS = 200  # problem rows shown before the table points at the full reports
UNWRAPPED = 1_000_000  # the console width when rows must not wrap


def render(report: Report, options: RenderOptions) -> Iterator[str]:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=options.width if options.wrap else UNWRAPPED,
        force_terminal=options.color,
        no_color=not options.color,
        color_system="standard" if options.color else None,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    console.print(_title(report))
    if report.not_for_release:
        console.print(Text(f"*** NOT FOR RELEASE: {visible(report.not_for_release)} ***",
                           style="bold reverse red"))
    attribution = attribution_line(report)
    if attribution:
        console.print(Text(visible(attribution), style="dim"))
    console.print(_summary(report))
    shown = Status.PASS if options.verbose else Status.WARN
    batches = list(_take(report.iter_batches(at_least=shown), MAX_ROWS + 1))
    if batches:
        console.print(_table(batches[:MAX_ROWS], verbose=options.verbose, wrap=options.wrap))
    if len(batches) > MAX_ROWS:
        console.print(Text(f"… only the first {MAX_ROWS} batches are listed here; write a report "
                           "with -o report.json for all of them.", style="dim"))
    for note in report.notes:
        if report.not_for_release and note.startswith("NOT FOR RELEASE: "):
            continue  # already the banner at the top
        console.print(Text(f"note: {visible(note)}", style="dim"))
    yield no_workflow_commands(buffer.getvalue())


def _take(items: Iterator[BatchView], limit: int) -> Iterator[BatchView]:
    for i, item in enumerate(items):
        if i >= limit:
            return
        yield item


def _title(report: Report) -> Text:
    spec = report.spec
    files = ", ".join(visible(f.path) for f in report.inputs)
    if report.joins:
        files += " · joined: " + ", ".join(visible(f.path) for f in report.joins)
    return Text(f"exoqc {report.tool_version} · spec {visible(spec.name)} {visible(spec.version)}"
                f" · {files}", style="dim")


def _summary(report: Report) -> Text:
    s = report.summary
    line = Text()
    line.append(s.verdict.label.upper(), style=STYLES[s.verdict])
    noun = "batch" if s.batches == 1 else "batches"
    line.append(f": {s.batches} {noun} checked: {s.passed} pass, {s.warned} warn, "
                f"{s.failed} fail")
    unjudged = [f"{s.not_tested} not tested"] if s.not_tested else []
    unjudged += [f"{s.reported} reported only"] if s.reported else []
    if unjudged:
        line.append(f" ({s.judged} check results judged, {', '.join(unjudged)})", style="dim")
    nothing = int(report.unjudged().sum())
    if nothing:  # PASS there says only that nothing failed (docs/html-report.md)
        line.append(f"; {nothing} {'batch' if nothing == 1 else 'batches'} with no check "
                    "judged: not shown as conforming")
    return line


def _table(batches: list[BatchView], *, verbose: bool, wrap: bool = True) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
    if wrap:
        table.add_column("batch", overflow="fold", no_wrap=False, max_width=24)
    else:
        table.add_column("batch", no_wrap=True)
    table.add_column("row", justify="right")
    table.add_column("verdict")
    table.add_column("check", overflow="fold", no_wrap=not wrap)
    table.add_column("result", overflow="fold", no_wrap=not wrap)
    table.add_column("detail", overflow="fold", ratio=1, no_wrap=not wrap)
    several = len({b.input for b in batches}) > 1
    for batch in batches:
        checks = batch.checks if verbose else batch.problems()
        for k, check in enumerate(checks):
            first = k == 0
            label = (check.reason.label or check.status.label).replace("_", " ")
            row = f"{batch.input}:{batch.row}" if several else str(batch.row)
            table.add_row(
                Text(visible(batch.batch_id) or "(no id)") if first else Text(""),
                Text(row) if first else Text(""),
                Text(batch.verdict.label.upper(), style=STYLES[batch.verdict]) if first
                else Text(""),
                Text(visible(check.name)),
                Text(label, style=STYLES[check.status]),
                Text(visible(check.message or check.value or "")),
            )
        if not checks:
            table.add_row(Text(visible(batch.batch_id)), Text(str(batch.row)),
                          Text(batch.verdict.label.upper(), style=STYLES[batch.verdict]),
                          Text(""), Text(""), Text(""))
    return table
