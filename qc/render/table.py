"""The terminal table: a summary line, then the batches that failed or warned and why.

Two layouts of the same findings: at 100 columns or more a table (batch, row, verdict,
check, result, detail); below 100 a stacked layout, one block per finding (batch, row,
check and result on one line, then the detail wrapped at full width under it). Lines
break only between words: a batch id, a check name, a result or a word of a value is
never split (a quoted value such as `'85 mL'` stays whole where it fits; a word longer
than the line overflows it rather than being cut). With `wrap=False` (under GitHub
Actions) nothing wraps: a finding is one line however long, so that no value starts a
line of its own.

Every value from the data goes in as plain text (never markup) after `visible()`, so
`[bold red]PASS[/]` or an escape sequence in a cell is shown, not obeyed. Verdicts are
words as well as colours. `--verbose` lists every check of every batch. Hints (a decimal
comma without --decimal ,) are counted and said once, under the summary
(qc/render/hints.py). No line can be taken for a CI workflow command
(`no_workflow_commands`).

Without colour (a pipe, a file, NO_COLOR) the lines are built as `_Plain` lines and
joined: the same characters rich would print, without importing rich's console and text
(about a tenth of a Quick-start run). Colour, and the rare line holding a tab (which
rich expands), go through rich; tests/render/test_table_layout.py checks both agree.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from qc.model import BatchView, CheckView, Report, Status
from qc.render import RenderOptions
from qc.render import hints as hint_counts
from qc.render.attribution import attribution_line
from qc.render.text import no_workflow_commands, visible

if TYPE_CHECKING:
    from rich.text import Text

STYLES = {Status.PASS: "green", Status.WARN: "yellow", Status.FAIL: "bold red",
          Status.NOT_TESTED: "dim", Status.REPORTED: "cyan"}
MAX_ROWS = 200  # problem rows shown before the table points at the full reports
UNWRAPPED = 1_000_000  # the line width when rows must not wrap
TABLE_FROM = 100  # columns: from this width on, a table; below it, the stacked layout
MIN_DETAIL = 30  # a table whose detail column would be narrower is stacked instead
GAP = "  "  # between the table's columns
INDENT = 2  # the stacked layout's detail, and the continuation of its first line
HANG = 4  # the continuation of a title, summary or note line

# Text that is one terminal cell per character (a subset of rich's own single-cell ranges:
# printable ASCII, Latin-1 and Latin Extended without the soft hyphen, box drawing):
# measured without importing rich's Unicode width tables, which only other text needs.
_ONE_CELL_EACH = re.compile("[\x20-\x7e\xa0-\xac\xae-\u02ff\u2500-\u25fc]*")


def cell_len(text: str) -> int:
    """How many terminal cells `text` takes, as rich measures it."""
    if _ONE_CELL_EACH.fullmatch(text):
        return len(text)
    from rich.cells import cell_len as rich_cell_len

    return rich_cell_len(text)


# A word, with a quoted value glued to what touches it (`'85 mL'`, `read '7,4':`).
_WORD = re.compile(r"""(?:'[^'\n]*'|"[^"\n]*"|\S)+""")


class Line(Protocol):
    """What a line of the output is built with: rich's Text (colour) or `_Plain`."""

    @property
    def plain(self) -> str: ...

    def append(self, text: str, style: str = ...) -> Any: ...

    def append_text(self, text: Any) -> Any: ...

    def stylize(self, style: str) -> None: ...

    def rstrip(self) -> None: ...

    def __getitem__(self, cut: slice, /) -> Any: ...


NewLine = Callable[[str], Line]

# The characters rich's Text drops from any text it is given (bell, backspace, vertical
# tab, form feed, carriage return: rich.control.STRIP_CONTROL_CODES).
_DROPPED = dict.fromkeys((7, 8, 11, 12, 13))


class _Plain:
    """A line as rich's Text holds it, without its styles: `plain` is exactly the text
    rich's Text would hold after the same calls (the calls this module makes)."""

    __slots__ = ("plain",)

    def __init__(self, text: str = "") -> None:
        self.plain = text.translate(_DROPPED)

    def append(self, text: str, style: str = "") -> _Plain:
        self.plain += text.translate(_DROPPED)
        return self

    def append_text(self, text: _Plain) -> _Plain:
        self.plain += text.plain
        return self

    def stylize(self, style: str) -> None:
        pass

    def rstrip(self) -> None:
        self.plain = self.plain.rstrip()

    def __getitem__(self, cut: slice, /) -> _Plain:
        return _Plain(self.plain[cut])


def _rich_text(text: str = "") -> Text:
    from rich.text import Text

    return Text(text)


class Word(msgspec.Struct, frozen=True):
    """What a line may not break inside: a word, a name, a quoted value."""

    text: str
    style: str = ""


class Finding(msgspec.Struct, frozen=True):
    """One row of the table, one block of the stacked layout."""

    batch: str
    row: str
    verdict: Status
    first: bool  # the batch's first finding (the table names the batch once)
    check: str
    status: Status
    result: str
    detail: str


def render(report: Report, options: RenderOptions) -> Iterator[str]:
    if not options.color:
        plain = _lines(report, options, _Plain)
        # rich expands a tab to the next multiple of 8 cells; no value holds one (visible)
        if not any("\t" in line.plain for line in plain):
            yield no_workflow_commands("".join(f"{line.plain}\n" for line in plain))
            return
    yield no_workflow_commands(through_rich(report, options))


def through_rich(report: Report, options: RenderOptions) -> str:
    """The output as rich's console prints the lines (colour or not)."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=UNWRAPPED,
        force_terminal=options.color,
        no_color=not options.color,
        color_system="standard" if options.color else None,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    for line in _lines(report, options, _rich_text):
        console.print(line, soft_wrap=True)
    return buffer.getvalue()


def _lines(report: Report, options: RenderOptions, new: NewLine) -> list[Line]:
    """The lines of the output, each made with `new` (then styled and filled)."""
    out: list[Line] = []
    width = options.width if options.wrap else UNWRAPPED

    def say(text: str, style: str = "") -> None:
        out.extend(flow(words(text, style), width, hang=HANG, new=new))

    spec = report.spec
    files = ", ".join(visible(f.path) for f in report.inputs)
    joined = [f for f in report.joins if f.role == "join"]
    if joined:
        files += " · joined: " + ", ".join(visible(f.path) for f in joined)
    maps = [f for f in report.joins if f.role == "columns"]
    if maps:
        files += " · columns: " + ", ".join(visible(f.path) for f in maps)
    say(f"exoqc {report.tool_version} · spec {visible(spec.name)} {visible(spec.version)}"
        f" · {files}", "dim")
    if report.not_for_release:
        say(f"*** NOT FOR RELEASE: {visible(report.not_for_release)} ***", "bold reverse red")
    attribution = attribution_line(report)
    if attribution:
        say(visible(attribution), "dim")
    out.extend(flow(_summary(report), width, hang=HANG, new=new))
    found = hint_counts.count(report)
    for counted in found:
        say(f"hint: {counted.line}", "yellow")
    shown = Status.PASS if options.verbose else Status.WARN
    batches = list(_take(report.iter_batches(at_least=shown), MAX_ROWS + 1))
    findings = _findings(batches[:MAX_ROWS], verbose=options.verbose, found=found)
    if findings:
        out.extend(layout(findings, options.width, wrap=options.wrap, new=new))
    if len(batches) > MAX_ROWS:
        say(f"… only the first {MAX_ROWS} batches are listed here; write a report with "
            "-o report.json for all of them.", "dim")
    for note in report.notes:
        if report.not_for_release and note.startswith("NOT FOR RELEASE: "):
            continue  # already the banner at the top
        say(f"note: {visible(note)}", "dim")
    return out


def _take(items: Iterator[BatchView], limit: int) -> Iterator[BatchView]:
    for i, item in enumerate(items):
        if i >= limit:
            return
        yield item


def _summary(report: Report) -> list[Word]:
    s = report.summary
    noun = "batch" if s.batches == 1 else "batches"
    out = [Word(s.verdict.label.upper() + ":", STYLES[s.verdict])]
    out += words(f"{s.batches} {noun} checked: {s.passed} pass, {s.warned} warn, "
                 f"{s.failed} fail")
    unjudged = [f"{s.not_tested} not tested"] if s.not_tested else []
    unjudged += [f"{s.reported} reported only"] if s.reported else []
    if unjudged:
        out += words(f"({s.judged} check results judged, {', '.join(unjudged)})", "dim")
    nothing = int(report.unjudged().sum())
    if nothing:  # PASS there says only that nothing failed (docs/html-report.md)
        out += words(f"; {nothing} {'batch' if nothing == 1 else 'batches'} with no check "
                     "judged: not shown as conforming")
    return out


def _findings(batches: Sequence[BatchView], *, verbose: bool,
              found: tuple[hint_counts.Counted, ...]) -> list[Finding]:
    several = len({b.input for b in batches}) > 1
    out: list[Finding] = []
    for batch in batches:
        checks: Sequence[CheckView] = batch.checks if verbose else batch.problems()
        row = f"{visible(batch.input)}:{batch.row}" if several else str(batch.row)
        ident = visible(batch.batch_id) or "(no id)"
        if not checks:
            out.append(Finding(ident, row, batch.verdict, True, "", batch.verdict, "", ""))
        for k, check in enumerate(checks):
            label = (check.reason.label or check.status.label).replace("_", " ")
            detail = hint_counts.shorten(check.message or check.value or "", found)
            out.append(Finding(ident, row, batch.verdict, k == 0, visible(check.name),
                               check.status, label, visible(detail)))
    return out


def layout(findings: Sequence[Finding], width: int, *, wrap: bool = True,
           new: NewLine = _Plain) -> list[Line]:
    """The findings as lines: a table from TABLE_FROM columns on (or when nothing wraps),
    else stacked; a table whose detail column would be narrower than MIN_DETAIL (very
    long batch ids or check names) is stacked too."""
    if not wrap:
        return _table(findings, UNWRAPPED, new)
    if width >= TABLE_FROM:
        table = _table(findings, width, new)
        if table:
            return table
    return _stacked(findings, width, new)


HEADINGS = ("batch", "row", "verdict", "check", "result", "detail")


def _table(findings: Sequence[Finding], width: int, new: NewLine) -> list[Line]:
    cells = [(f.batch if f.first else "", f.row if f.first else "",
              f.verdict.label.upper() if f.first else "", f.check, f.result) for f in findings]
    widths = [max(cell_len(h), *(cell_len(c[i]) for c in cells))
              for i, h in enumerate(HEADINGS[:5])]
    start = sum(widths) + len(GAP) * len(widths)
    longest = max(cell_len(h) for h in ("detail", *(f.detail for f in findings)))
    room = min(width - start, longest)
    if room < min(MIN_DETAIL, longest):
        return []
    lines = [_cells(list(HEADINGS[:5]), widths, [""] * 5, new("detail"), new, "bold")]
    lines.append(new("─" * (start + room)))
    for finding, row in zip(findings, cells, strict=True):
        styles = ["", "", STYLES[finding.verdict], "", STYLES[finding.status]]
        detail = flow(words(finding.detail), start + room, indent=start, hang=start, new=new)
        first = detail[0] if detail else new("")
        first = first[start:] if first.plain.startswith(" " * start) else first
        lines.append(_cells(list(row), widths, styles, first, new))
        lines.extend(detail[1:])
    return [_rstrip(line) for line in lines]


def _cells(values: list[str], widths: list[int], styles: list[str], detail: Line,
           new: NewLine, style: str = "") -> Line:
    line = new("")
    for i, (value, w, cell_style) in enumerate(zip(values, widths, styles, strict=True)):
        pad = " " * (w - cell_len(value))
        text = pad + value if i == 1 else value + pad  # the row number is right-aligned
        line.append(text, cell_style or style)
        line.append(GAP)
    line.append_text(detail)
    if style:
        line.stylize(style)
    return line


def _stacked(findings: Sequence[Finding], width: int, new: NewLine) -> list[Line]:
    lines: list[Line] = []
    for i, finding in enumerate(findings):
        if finding.first and i:
            lines.append(new(""))  # a blank line between batches
        head = [Word(finding.batch, "bold"), Word("·"), Word(f"row {finding.row}")]
        if finding.check:
            head += [Word("·"), Word(finding.check), Word("·"),
                     Word(finding.result, STYLES[finding.status])]
        else:
            head += [Word("·"), Word(finding.verdict.label.upper(), STYLES[finding.verdict])]
        lines.extend(flow(head, width, new=new))
        if finding.detail:
            lines.extend(flow(words(finding.detail), width, indent=INDENT, hang=INDENT,
                              new=new))
    return [_rstrip(line) for line in lines]


def _rstrip(line: Line) -> Line:
    line.rstrip()
    return line


def words(text: str, style: str = "") -> list[Word]:
    """`text` as the pieces a line may break between: words, with a quoted value kept
    with what it touches."""
    return [Word(w, style) for w in _WORD.findall(text)]


def flow(pieces: Sequence[Word], width: int, *, indent: int = 0,
         hang: int | None = None, new: NewLine = _Plain) -> list[Line]:
    """Lines of at most `width` cells made of whole pieces, separated by one space: the
    first line indented by `indent`, the next by `hang` (default: INDENT more than
    `indent`). A piece wider than a line is broken at its spaces (never inside a word);
    a single word wider than a line overflows it."""
    hang = indent + INDENT if hang is None else hang
    room = max(width - hang, 1)
    units: list[Word] = []
    for piece in pieces:
        if cell_len(piece.text) > room and " " in piece.text:
            units.extend(Word(w, piece.style) for w in piece.text.split(" ") if w)
        else:
            units.append(piece)
    lines: list[Line] = []
    line = new(" " * indent)
    used, empty = indent, True
    for unit in units:
        size = cell_len(unit.text)
        if not empty and used + 1 + size > width:
            lines.append(line)
            line, used, empty = new(" " * hang), hang, True
        if not empty:
            line.append(" ")
            used += 1
        line.append(unit.text, unit.style)
        used += size
        empty = False
    lines.append(line)
    return lines
