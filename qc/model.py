"""The vocabulary shared by every part of exoqc: specs, checks, verdicts and the report.

exoqc's types are frozen `msgspec.Struct` classes: immutable, compared by value (or by
identity where `eq=False`), changed with `msgspec.structs.replace`, as frozen dataclasses
would be. msgspec makes a class in C when its module loads, where a dataclass compiles the
source of its methods: with about 60 types on the way, that was 25 ms of every start-up.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt

Codes = npt.NDArray[np.int8]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Days = npt.NDArray[np.datetime64]
Ints = npt.NDArray[np.intp]

# The largest magnitude exoqc compares: cells and limits are compared as doubles too.
DOUBLE_MAX = Decimal("1.7976931348623157e308")


def header_key(name: str) -> str:
    """How a column, header or derived name is matched: NFKC (full-width `ph` is `ph`),
    invisible characters dropped (`ph` + U+200B is `ph`), case folded, and spaces,
    underscores, hyphens and dots ignored (`Batch ID`, `batch-id`, `Batch_ID` are
    `batch_id`). A trailing unit in brackets is not part of the name (`Potency (%)` is
    `potency`): see `header_unit`. Headers a reader cannot tell apart are one name, so a
    file holding both is ambiguous, never judged on whichever exoqc happened to pick."""
    return _SEPARATORS.sub("", split_unit(name)[0])


def header_unit(name: str) -> str | None:
    """The unit written in brackets at the end of a header (`Mean size (µm)`: `µm`), or
    None. The engine reads the column's unit-less numbers in it (qc/engine/evaluate.py)."""
    return split_unit(name)[1]


def split_unit(name: str) -> tuple[str, str | None]:
    """(the name, NFKC-folded, visible, case folded; the bracketed unit as written)."""
    from qc.text import visible

    text = " ".join(unicodedata.normalize("NFKC", visible(name)).split())
    found = _UNIT.search(text)
    if found is None or not found.start():
        return text.casefold(), None
    return text[:found.start()].casefold(), found.group(1).strip()


_SEPARATORS = re.compile(r"[\s_.\-\u2010-\u2015\u2212]+")
# `(nm)`, `[µm]`, `(10^9 particles/mL)` at the end: no bracket inside, not empty.
_UNIT = re.compile(r"\s*[(\[]([^()\[\]]*[^()\[\]\s][^()\[\]]*)[)\]]$")


class Status(enum.IntEnum):
    """A check's, a batch's or a run's verdict. PASS, WARN and FAIL are judgements, a larger
    value worse; a check may also be NOT_TESTED (optional, and no value: the column is
    absent or the cell empty) or REPORTED (report-only: recorded, never judged). Those two
    never make a batch's verdict and are never shown as conforming: a batch's verdict is
    the worst judgement of its checks (`severity`)."""

    PASS = 0
    WARN = 1
    FAIL = 2
    NOT_TESTED = 3
    REPORTED = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def judged(self) -> bool:
        return self <= Status.FAIL


# What each status weighs in a batch's verdict: the unjudged ones weigh as nothing (PASS).
_SEVERITY = np.array([0, 1, 2, 0, 0], dtype=np.int8)


# The end of a cell's message when it holds a decimal comma and --decimal , was not given
# (qc/engine/cells.py); the terminal counts these and says the hint once (qc/render/hints.py).
DECIMAL_COMMA_NOT_READ = "a decimal comma is not read unless --decimal , is given"


def severity(status: npt.NDArray[np.int8]) -> npt.NDArray[np.int8]:
    """Statuses as verdict weights: PASS, WARN, FAIL as themselves; NOT_TESTED and
    REPORTED as PASS (they are not judgements)."""
    return _SEVERITY[status]


class Reason(enum.IntEnum):
    """Why a check failed: each asks for a different action in the lab."""

    NONE = 0
    OUT_OF_SPEC = 1  # a real result outside the limits or not an accepted word: investigate
    MISSING = 2  # no result where one is required
    INVALID = 3  # unparseable, wrong unit, not a number, not a result (`pending`), bad format
    INDETERMINATE = 4  # a censored result (<2) that straddles a limit: retest

    @property
    def label(self) -> str | None:
        return None if self is Reason.NONE else self.name.lower()


# --- spec ------------------------------------------------------------------------------


class Limits(msgspec.Struct, frozen=True):
    """Numeric action limits (fail outside) and alert limits (warn outside), inclusive.

    Values are exact decimals as written in the spec, in the check's unit.
    """

    unit: str | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    warn_min: Decimal | None = None
    warn_max: Decimal | None = None
    min_exclusive: Decimal | None = None  # strict: the value must be above it
    max_exclusive: Decimal | None = None  # strict: the value must be below it
    rounding: str | None = None  # "usp": round to the limit's decimal places first

    @property
    def lower(self) -> Decimal | None:
        return self.min if self.min is not None else self.min_exclusive

    @property
    def upper(self) -> Decimal | None:
        return self.max if self.max is not None else self.max_exclusive


class Allowed(msgspec.Struct, frozen=True):
    """The value is one entry (its tokens equal one entry's), or with `match: words` for an
    identification, begins with one entry's whole tokens (`UC-MSC (Wharton's jelly), P4`).

    `warn_values` are accepted with a warning and `indeterminate_values` fail as
    indeterminate, matched the same way; a `forbidden` entry of the same check that the
    cell names fails it even when an accepted entry matches too."""

    values: tuple[str, ...]
    match: str = "whole"  # "whole" | "words"
    warn_values: tuple[str, ...] = ()
    indeterminate_values: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()


class Forbidden(msgspec.Struct, frozen=True):
    """The value fails when an entry occurs in it as whole words."""

    values: tuple[str, ...]


class Equals(msgspec.Struct, frozen=True):
    """A yes/no result that must equal the given truth value."""

    value: bool


class Pattern(msgspec.Struct, frozen=True):
    """The whole value must match a regular expression."""

    regex: str


class Identity(msgspec.Struct, frozen=True):
    """Built in: the batch id is present and unique across every input."""


DATE_KEYS = ("min", "max", "warn_min", "warn_max", "min_exclusive", "max_exclusive")


class DateBound(msgspec.Struct, frozen=True):
    """A date limit: a fixed ISO date, `today` plus `days`, or another column of the row
    moved by an optional offset (`{column: manufacture_date, offset: 24 months}`)."""

    kind: str  # "date" | "today" | "column"
    date: str = ""  # ISO date, for kind "date"
    days: int = 0  # offset from today, for kind "today"
    column: str = ""  # for kind "column"
    offset: int = 0  # for kind "column": how many `offset_unit`s after (or before) the column
    offset_unit: str = "day"  # "day" | "month" | "year"

    def __str__(self) -> str:
        if self.kind == "date":
            return self.date
        if self.kind == "today":
            return "today" if not self.days else f"today{self.days:+d}d"
        if not self.offset:
            return self.column
        plural = "" if abs(self.offset) == 1 else "s"
        sign = "+" if self.offset > 0 else "−"
        return f"{self.column} {sign} {abs(self.offset)} {self.offset_unit}{plural}"


class DateLimits(msgspec.Struct, frozen=True):
    """`type: date`: date limits (inclusive, or strict `min_exclusive`/`max_exclusive`);
    cells in ISO or a declared strftime format."""

    min: DateBound | None = None
    max: DateBound | None = None
    warn_min: DateBound | None = None
    warn_max: DateBound | None = None
    min_exclusive: DateBound | None = None  # strict: the date must be after it
    max_exclusive: DateBound | None = None  # strict: the date must be before it
    formats: tuple[str, ...] = ()
    partial: str | None = None  # "start" | "end": a partial date (`12/2026`) stands for that day

    @property
    def lower(self) -> DateBound | None:
        return self.min if self.min is not None else self.min_exclusive

    @property
    def upper(self) -> DateBound | None:
        return self.max if self.max is not None else self.max_exclusive

    def bounds(self) -> dict[str, DateBound]:
        """The limits the spec sets, by key (`min`, `max_exclusive`, `warn_min`, ...)."""
        return {key: bound for key in DATE_KEYS if (bound := getattr(self, key)) is not None}


class ReportOnly(msgspec.Struct, frozen=True):
    """Recorded and shown, never judged."""


class Replicates(msgspec.Struct, frozen=True):
    """A check's replicate rule (`replicates:`): how many results make one reportable
    result, how they are combined (`each` judged alone, or their `mean` / `median`),
    the method's variability criteria and the limits each replicate must meet."""

    min_count: int = 1
    max_count: int | None = None  # None: no upper bound
    reportable: str = "each"  # "each" | "mean" | "median"
    max_cv_pct: Decimal | None = None  # %RSD with the sample SD (n-1)
    max_range: Decimal | None = None  # max - min, in the check's unit
    individual_min: Decimal | None = None
    individual_max: Decimal | None = None


Rule = Limits | Allowed | Forbidden | Equals | Pattern | Identity | DateLimits | ReportOnly

IDENTITY_CHECK = "batch_identity"


class Check(msgspec.Struct, frozen=True):
    """One criterion of a spec: which column, which rule, whether a value is required."""

    name: str
    column: str
    rule: Rule
    required: bool = True
    description: str = ""
    columns: tuple[str, ...] = ()  # alternatives in order (first present wins); () = (column,)
    report_only: bool = False
    method: str = ""  # the test method / procedure reference (`USP <85>`), for the CoA
    replicates: Replicates | None = None  # how the check's results are replicated

    @property
    def alternatives(self) -> tuple[str, ...]:
        return self.columns or (self.column,)


class SpecFile(msgspec.Struct, frozen=True):
    """A spec file as read: where it came from and the sha256 of its bytes."""

    path: str
    sha256: str


class Lineage(msgspec.Struct, frozen=True):
    """Where a check of an extending spec comes from: `inherited` as `file` defines it,
    `overridden` by `file` (over `parent`'s definition), or `removed` by `file`."""

    check: str
    how: str  # "inherited" | "overridden" | "removed"
    file: str
    parent: str = ""  # for "overridden" and "removed": the file whose definition it replaces

    def text(self) -> str:
        if self.how == "inherited":
            return f"{self.check} (from {self.file})"
        return f"{self.check} (by {self.file}, over {self.parent})"


def lineage_notes(lineage: tuple[Lineage, ...]) -> tuple[str, ...]:
    """One line each for the checks an extending spec overrides, removes and inherits, as
    every report and `spec show` write them (none for a spec without `extends`)."""
    notes: list[str] = []
    for how, verb in (("overridden", "overrides"), ("removed", "removes")):
        found = [x.text() for x in lineage if x.how == how]
        if found:
            notes.append(f"spec {verb}: " + "; ".join(found))
    files = dict.fromkeys(x.file for x in lineage if x.how == "inherited")
    for file in files:
        names = [x.check for x in lineage if x.how == "inherited" and x.file == file]
        notes.append(f"spec inherits from {file}: " + ", ".join(names))
    return tuple(notes)


class Spec(msgspec.Struct, frozen=True):
    """A release specification after validation."""

    name: str
    version: str
    id_column: str
    checks: tuple[Check, ...]
    files: tuple[SpecFile, ...]
    title: str = ""
    derived: tuple[Derived, ...] = ()
    status: str | None = None  # "draft" | "approved" | None (not stated)
    effective_date: str | None = None  # ISO date
    approved_by: str | None = None
    lineage: tuple[Lineage, ...] = ()  # checks inherited, overridden, removed (extends)
    locked: tuple[str, ...] = ()  # names of the locked checks
    laboratory: str = ""  # the testing laboratory, for the certificate of analysis
    product: str = ""  # the product the certificate names ("" = the title)
    manufacture_column: str | None = None  # batch dates shown on the certificate,
    expiry_column: str | None = None  # read by the engine (Report.batch_dates)
    replicate_column: str | None = None  # rows of one batch id are its replicates
    result_status_column: str | None = None  # original / retest / invalidated
    invalidation_column: str | None = None  # the reference that invalidates an original
    columns: tuple[tuple[str, str], ...] = ()  # site column map: lab header -> spec column

    @property
    def grouped(self) -> bool:
        """Whether several rows may make one batch (replicate or retest rows)."""
        return self.replicate_column is not None or self.result_status_column is not None

    @property
    def replicated(self) -> bool:
        """Whether the engine judges replicates or retests for this spec at all."""
        return self.grouped or any(c.replicates is not None for c in self.checks)

    def derived_named(self, name: str) -> Derived | None:
        key = header_key(name)
        return next((d for d in self.derived if d.key == key), None)


class Derived(msgspec.Struct, frozen=True):
    """A named attribute computed from columns: `expression` as written, `tree` parsed
    (see qc/engine/derived/expr.py), `inputs` the columns it reads."""

    name: str
    expression: str
    tree: object
    inputs: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return header_key(self.name)


# --- results ---------------------------------------------------------------------------


class InputFile(msgspec.Struct, frozen=True):
    """A batch file (role "batches") or a file joined onto the batches (role "join"), as read."""

    path: str
    sha256: str
    rows: int
    role: str = "batches"
    sheet: str | None = None  # the sheet read, for an Excel workbook
    hidden: str | None = None  # "hidden" / "very hidden": a sheet Excel does not show
    header_row: int = 1  # the spreadsheet row of the header (found, or --header-row)


class Reading(enum.IntEnum):
    """What the engine made of one batch's cell for one check (`Readings.state`)."""

    VALUE = 0  # read: a number or interval, a date, or a text the rule could judge
    MISSING = 1  # an empty cell or a missing token (`NA`, `n/a`)
    ABSENT = 2  # the column is not in this batch's input
    INVALID = 3  # unreadable: not a number, a wrong unit, not a date, an ambiguous date,
    #              an invisible character, a spreadsheet cell with no value, a value that
    #              cannot be computed (derived), not a yes/no answer
    NOT_A_RESULT = 4  # a word a lab writes where a result should be (`pending`, `#N/A`)

    @property
    def label(self) -> str:
        return self.name.lower()


class Readings:
    """What the engine read for one check, one entry per batch (aligned with the report).

    The one value path: renderers, certificates and trend use these and never read cell
    text again. Columns (NumPy arrays, one entry per batch):

    - `state`: int8, a `Reading` per batch.
    - numeric checks (`Limits`, derived attributes): `lo`, `hi` (float64, in the check's
      unit; equal for an exact value, -inf / inf on the open side of a censored `<0.5` /
      `>95`, NaN where `state` is not VALUE) and `lo_open`, `hi_open` (bool: the bound is
      excluded, `<0.5` is open above). None for other kinds.
    - date checks: `date` (datetime64[D], NaT where `state` is not VALUE) and `date_end`:
      the last day of the period a partial date names (`2026-12`: 2026-12-01 to 2026-12-31;
      equal to `date` for a full date). None otherwise.

    A cell-wise check is read once per distinct cell text: then the arrays given are one
    entry per distinct text and `codes` maps each batch to its entry; the per-batch columns
    are spread on first use (so `--quiet`, which never asks, pays nothing).
    """

    __slots__ = ("_codes", "_rows", "_stored")

    def __init__(self, state: Codes, *, lo: Floats | None = None, hi: Floats | None = None,
                 lo_open: Bools | None = None, hi_open: Bools | None = None,
                 date: Days | None = None, date_end: Days | None = None,
                 codes: Ints | None = None) -> None:
        self._stored: dict[str, npt.NDArray[np.generic] | None] = {
            "state": state, "lo": lo, "hi": hi, "lo_open": lo_open, "hi_open": hi_open,
            "date": date, "date_end": date_end}
        for array in (*self._stored.values(), codes):
            if array is not None:
                array.flags.writeable = False  # a record: what was read stays as read
        self._codes = codes
        self._rows: dict[str, npt.NDArray[np.generic] | None] = {}

    def _column(self, name: str) -> Any:
        if self._codes is None:
            return self._stored[name]
        if name not in self._rows:
            stored = self._stored[name]
            spread = None if stored is None else stored[self._codes]
            if spread is not None:
                spread.flags.writeable = False
            self._rows[name] = spread
        return self._rows[name]

    def __len__(self) -> int:
        codes = self._codes
        return len(codes) if codes is not None else len(self._stored["state"])  # type: ignore[arg-type]

    @property
    def kind(self) -> str:
        """"number", "date" or "text" (a rule that reads words, or a report-only check)."""
        if self._stored["lo"] is not None:
            return "number"
        return "date" if self._stored["date"] is not None else "text"

    @property
    def state(self) -> Codes:
        return self._column("state")  # type: ignore[no-any-return]

    @property
    def lo(self) -> Floats | None:
        return self._column("lo")  # type: ignore[no-any-return]

    @property
    def hi(self) -> Floats | None:
        return self._column("hi")  # type: ignore[no-any-return]

    @property
    def lo_open(self) -> Bools | None:
        return self._column("lo_open")  # type: ignore[no-any-return]

    @property
    def hi_open(self) -> Bools | None:
        return self._column("hi_open")  # type: ignore[no-any-return]

    @property
    def date(self) -> Days | None:
        return self._column("date")  # type: ignore[no-any-return]

    @property
    def date_end(self) -> Days | None:
        return self._column("date_end")  # type: ignore[no-any-return]

    def count(self, reading: Reading) -> int:
        """How many batches were read as `reading` (without spreading the columns)."""
        stored: Codes = self._stored["state"]  # type: ignore[assignment]
        if self._codes is None:
            return int(np.count_nonzero(stored == reading))
        per = np.bincount(self._codes, minlength=len(stored))
        return int(per[stored == reading].sum())

    def __repr__(self) -> str:
        return f"Readings(kind={self.kind!r}, n={len(self)})"


class CheckResult(msgspec.Struct, frozen=True, eq=False):
    """One check over every batch, as columns aligned with the report's batches.

    `value` is the trimmed cell text (None where the column is absent), `message`
    says what a person needs to know (None where there is nothing to say), `readings`
    is what the engine read from each cell (see Readings), and `note` is said once for
    the whole check (e.g. an optional column that is absent).
    """

    check: Check
    status: Codes
    reason: Codes
    value: Sequence[str | None]
    message: Sequence[str | None]
    readings: Readings
    note: str = ""
    # Per batch, every individual result behind the reportable one (None: a batch read
    # from one cell with one value); None for the whole check when nothing is replicated.
    replicates: Sequence[tuple[Replicate, ...] | None] | None = None


class Replicate(msgspec.Struct, frozen=True):
    """One individual result of a batch's check: the file `row` it came from, the
    `value` as written, its own `status`/`reason`/`message` (against the check's own
    limits, whatever the reportable result is), and its
    lineage: `original`, `retest`, `invalidated` (shown, never counted) or
    `not a replicate` (a summary row such as Mean or %CV: shown, never judged).
    `counted` says whether it made the reportable result."""

    row: int
    value: str
    status: Status
    reason: Reason
    message: str | None
    lineage: str
    replicate: str  # the replicate's label: its replicate cell, or its place in the cell
    counted: bool


class BatchDate(msgspec.Struct, frozen=True, eq=False):
    """A batch date the certificate shows (`manufacture` or `expiry`, from the spec's
    `manufacture_column` / `expiry_column`), as the engine read it: `value` the trimmed
    cell text (None where the column is absent), `message` why a cell could not be read
    as a date (None where it could, or holds nothing), `readings` kind "date". Shown,
    never judged: a date check judges a date."""

    role: str
    column: str
    value: Sequence[str | None]
    message: Sequence[str | None]
    readings: Readings


class CheckView(msgspec.Struct, frozen=True):
    """One check's result for one batch."""

    name: str
    column: str
    status: Status
    reason: Reason
    value: str | None
    message: str | None


class BatchView(msgspec.Struct, frozen=True):
    """One batch with every check's result, built on demand from the columns."""

    index: int
    batch_id: str
    input: str
    row: int
    verdict: Status
    checks: tuple[CheckView, ...]

    def problems(self) -> tuple[CheckView, ...]:
        """The checks that warned or failed, in spec order."""
        return tuple(c for c in self.checks if c.status in (Status.WARN, Status.FAIL))


class Summary(msgspec.Struct, frozen=True):
    """How many batches passed, warned and failed, and how many checks were judged."""

    batches: int
    passed: int
    warned: int
    failed: int
    verdict: Status
    judged: int = 0  # check results judged (pass, warn or fail), over every batch
    not_tested: int = 0  # check results not tested (optional, no value)
    reported: int = 0  # check results of report-only checks


class Provenance(msgspec.Struct, frozen=True):
    """Who ran which command, where, with which software: a report's attribution (ALCOA+).

    `versions` pairs a component with its version, exoqc first. The options are those
    that decide the verdict, as given on the command line (`as_of` only when used).
    """

    operator: str
    host: str
    command: tuple[str, ...]
    versions: tuple[tuple[str, str], ...]
    spec: str
    inputs: tuple[str, ...]
    decimal: str = "."
    fail_on: str = "fail"
    as_of: str | None = None
    sheet: str | None = None
    joins: tuple[str, ...] = ()
    id_pattern: str | None = None
    header_row: int | None = None  # --header-row
    columns: str | None = None  # --columns map file
    encoding: str | None = None  # --encoding


class Report(msgspec.Struct, frozen=True, eq=False):
    """Everything a run decided; renderers read it and never recompute a verdict."""

    spec: Spec
    inputs: tuple[InputFile, ...]
    batch_ids: Sequence[str]
    rows: npt.NDArray[np.int64]
    input_index: npt.NDArray[np.int64]
    results: tuple[CheckResult, ...]
    verdicts: Codes
    tool_version: str
    generated_at: str
    notes: tuple[str, ...] = ()
    joins: tuple[InputFile, ...] = ()  # files joined onto the batches (--join)
    provenance: Provenance | None = None
    as_of: str = ""  # the date `today` meant in this run (ISO)
    not_for_release: str = ""  # why the spec may not release batches ("" = it may)
    batch_dates: tuple[BatchDate, ...] = ()  # the spec's manufacture / expiry columns
    # Per batch, the file rows it was read from when a spec groups replicate or retest
    # rows (`rows` gives the first); None when every batch is one row.
    groups: Sequence[tuple[int, ...]] | None = None
    # rows under the data that are not batches (qc/inputs/layout.py NotBatch: input, row,
    # text); never judged, listed in the report and its notes
    not_batches: tuple[Any, ...] = ()

    @property
    def summary(self) -> Summary:
        counts = np.bincount(self.verdicts, minlength=3)
        worst = Status(int(self.verdicts.max())) if len(self.verdicts) else Status.PASS
        checks = np.zeros(len(Status), dtype=np.int64)
        for result in self.results:
            checks += np.bincount(result.status, minlength=len(Status))
        return Summary(
            batches=len(self.verdicts),
            passed=int(counts[Status.PASS]),
            warned=int(counts[Status.WARN]),
            failed=int(counts[Status.FAIL]),
            verdict=worst,
            judged=int(checks[: Status.FAIL + 1].sum()),
            not_tested=int(checks[Status.NOT_TESTED]),
            reported=int(checks[Status.REPORTED]),
        )

    def exit_code(self, *, fail_on: Status = Status.FAIL) -> int:
        """0 when no batch reached `fail_on`, else 1 (exit 2 is for runs that could not judge)."""
        return 1 if len(self.verdicts) and int(self.verdicts.max()) >= fail_on else 0

    def batch(self, i: int) -> BatchView:
        checks = tuple(
            CheckView(
                name=r.check.name,
                column=r.check.column,
                status=Status(int(r.status[i])),
                reason=Reason(int(r.reason[i])),
                value=r.value[i],
                message=r.message[i],
            )
            for r in self.results
        )
        return BatchView(
            index=i,
            batch_id=self.batch_ids[i],
            input=self.inputs[int(self.input_index[i])].path,
            row=int(self.rows[i]),
            verdict=Status(int(self.verdicts[i])),
            checks=checks,
        )

    def unjudged(self) -> Bools:
        """Per batch: its verdict is PASS but no check of the spec was judged (each is not
        tested or report-only; the built-in batch id check and every check of the id
        column, such as an id format, do not count: they judge the label, not the batch).
        PASS then says only that nothing failed: human reports show "No check judged",
        never "Conforms". A batch whose id check failed stays FAIL, and is not counted here."""
        judged = np.zeros(len(self.verdicts), dtype=bool)
        ident = header_key(self.spec.id_column)
        for result in self.results:
            check = result.check
            if check.name != IDENTITY_CHECK and header_key(check.column) != ident:
                judged |= result.status <= Status.FAIL
        passed: Bools = self.verdicts == Status.PASS
        return ~judged & passed

    def iter_batches(self, *, at_least: Status = Status.PASS) -> Iterator[BatchView]:
        """Batches in input order whose verdict is `at_least` or worse."""
        for i in np.flatnonzero(self.verdicts >= at_least).tolist():
            yield self.batch(i)
