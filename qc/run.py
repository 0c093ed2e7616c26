"""Run a check: load the spec and the batch files, evaluate, return the report.

No printing, no click, no files written: `qc.gmp.session` does that around `run`."""

from __future__ import annotations

import datetime as dt

import msgspec
from msgspec.structs import replace

from qc import __version__
from qc.engine.evaluate import Options, evaluate
from qc.errors import InputError, SpecError, UsageError
from qc.gmp.provenance import provenance, today, utc_now
from qc.inputs.columns import read_column_map
from qc.inputs.layout import Layout
from qc.inputs.read import load_table
from qc.inputs.table import Table
from qc.model import InputFile, Report, Spec
from qc.spec import load_spec
from qc.spec.column_map import read_columns, taken_away


class RunOptions(msgspec.Struct, frozen=True):
    """Everything `exoqc check` was asked to do, as plain data."""

    inputs: tuple[str, ...]
    spec: str
    decimal_comma: bool = False
    stdin: bytes | None = None
    sheet: str | None = None  # the sheet of Excel inputs; None: the first
    joins: tuple[str, ...] = ()  # --join: summary CSVs or instrument exports
    id_pattern: str | None = None  # batch id of instrument exports given to --join
    fail_on: str = "fail"
    operator: str | None = None  # None: $EXOQC_OPERATOR, else the OS user
    command: tuple[str, ...] = ()  # the command line as given, for the record
    as_of: str | None = None  # ISO date that `today` means (default: the local date)
    release: bool = False  # refuse (exit 2) a spec that is not for release
    header_row: int | None = None  # --header-row: the header's spreadsheet row; None: found
    columns: str | None = None  # --columns: a YAML map of lab header -> spec column
    encoding: str | None = None  # --encoding of CSV batch files; None: detected


def parse_as_of(text: str) -> dt.date:
    """What an --as-of value means: an ISO date (YYYY-MM-DD), else UsageError.

    The one definition: the command line's DATE parameter type calls it before any work,
    and `run` for callers that build RunOptions themselves (verify, selftest, the API)."""
    try:
        if len(text) != 10:
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--as-of: {text!r} is not an ISO date such as 2026-03-07") from None


def release_problem(spec: Spec, as_of: dt.date) -> str:
    """Why batches judged against this spec may not be released ("" when they may): only an
    `approved` spec may, from its effective date on (an approved spec without an
    effective date is effective). A draft, or a spec that states no status, may not."""
    name = f"spec {spec.name} {spec.version}"
    if spec.status == "draft":
        return f"{name} is a draft"
    if spec.status != "approved":
        return f"{name} states no status (only an approved spec is for release)"
    if spec.effective_date and dt.date.fromisoformat(spec.effective_date) > as_of:
        return f"{name} is effective from {spec.effective_date} (as of {as_of.isoformat()})"
    return ""


def depends_on_date(spec: Spec) -> bool:
    """Whether the run's date can change a verdict: a `today` limit or an effective date."""
    from qc.model import DateLimits

    for check in spec.checks:
        rule = check.rule
        if isinstance(rule, DateLimits) and any(
                b.kind == "today" for b in rule.bounds().values()):
            return True
    return spec.effective_date is not None


def run(options: RunOptions, *, table: Table | None = None) -> Report:
    """Judge `options.inputs`, or `table` when given (batches given in memory, qc.check),
    against `options.spec`; the report carries its provenance (`qc.gmp.provenance`).
    ExoqcError when it cannot judge."""
    as_of = today() if options.as_of is None else parse_as_of(options.as_of)
    spec = load_spec(options.spec)
    blocked = release_problem(spec, as_of)
    if blocked and options.release:
        raise SpecError(f"{spec.files[0].path}: NOT FOR RELEASE: {blocked}; --release refuses "
                        "to judge batches against it")
    column_map, map_file = (read_column_map(options.columns) if options.columns
                            else (dict(spec.columns), None))
    if options.columns:
        problems = taken_away(column_map.items(), read_columns(spec))
        if problems:
            raise InputError(f"{options.columns}: column map: {problems[0]}")
    if table is None:
        table = load_table(options.inputs, stdin=options.stdin, sheet=options.sheet,
                           layout=layout(spec, options, column_map))
    join_notes: tuple[str, ...] = ()
    if options.joins:
        from qc.inputs.join import join_inputs, load_joins

        sources = load_joins(options.joins, spec.id_column, id_pattern=options.id_pattern)
        table, join_notes = join_inputs(table, sources, spec.id_column)
    report = evaluate(spec, table, options=Options(decimal_comma=options.decimal_comma,
                                                   as_of=as_of),
                      tool_version=__version__, generated_at=utc_now(), not_for_release=blocked)
    # When the verdict depends on the date, the record holds the date `today` meant, given
    # or not, so that `exoqc verify` re-runs the date checks as of the same day.
    recorded = replace(options, as_of=as_of.isoformat()) if depends_on_date(spec) else options
    from qc.inputs.layout import not_batch_notes

    aside = not_batch_notes(table.not_batches, len(table.inputs) > 1)
    return replace(report, provenance=provenance(recorded),
                   joins=table.joined + ((map_file,) if map_file else ()),
                   not_batches=table.not_batches,
                   notes=(_name_clash(spec) + _hidden_sheets(table.inputs)
                          + table.sheet_notes
                          + _map_note(spec, options)
                          + table.header_notes + aside + join_notes + report.notes))


def _name_clash(spec: Spec) -> tuple[str, ...]:
    """Said when a spec file that is not a built-in states a built-in spec's name: every
    report shows the name, and a reviewer reads it as the shipped spec."""
    first = spec.files[0].path
    if first.startswith("builtin:"):
        return ()
    from qc.model import header_key
    from qc.spec.shipped import builtin_names
    from qc.text import skeleton

    def same(name: str) -> str:  # case, spaces, dashes and look-alike letters ignored
        return header_key(skeleton(name))

    wanted = same(spec.name)
    shipped = next((file for name, file in builtin_names().items() if same(name) == wanted),
                   None)
    if shipped is None:
        return ()
    return (f"spec {first} states the name {spec.name!r} of the built-in spec "
            f"{shipped.removesuffix('.yaml')!r}, but it is another file: judged as written "
            "in it, not as the built-in",)


def _map_note(spec: Spec, options: RunOptions) -> tuple[str, ...]:
    """Said when --columns replaces the spec's own `columns:` map."""
    if options.columns and spec.columns:
        return (f"--columns {options.columns} replaces the spec's columns: mapping",)
    return ()


def layout(spec: Spec, options: RunOptions, columns: dict[str, str]) -> Layout:
    """How to find the table in the batch files: the spec's id column and the columns its
    required checks read, its id pattern, --header-row, --encoding and the column map."""
    from qc.model import Pattern, header_key

    wanted = tuple(dict.fromkeys(
        header_key(c.column) for c in spec.checks
        if c.required and not c.report_only and spec.derived_named(c.column) is None))
    pattern = next((c.rule.regex for c in spec.checks
                    if isinstance(c.rule, Pattern)
                    and header_key(c.column) == header_key(spec.id_column)), None)
    return Layout(id_column=spec.id_column, wanted=wanted, id_pattern=pattern,
                  header_row=options.header_row, columns=columns, encoding=options.encoding)


def _hidden_sheets(files: tuple[InputFile, ...]) -> tuple[str, ...]:
    """A note for each workbook whose judged sheet is hidden (read only when named)."""
    return tuple(f"{f.path}: sheet {f.sheet!r} is {f.hidden} in the workbook (Excel does "
                 "not show it); judged because --sheet named it"
                 for f in files if f.hidden is not None)

