"""The public Python API (`import qc`; docs/api.md): `check`, `load_spec` and `Report`.

`check` is `exoqc check` without the terminal: the same options, the same engine, the
same report; errors raise the classes of qc/errors.py (never exit), and an audit entry is
written only when `audit_log=` is given (`_audit`, the one place that writes it).
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import msgspec

from qc.errors import ExoqcError, SpecError, UsageError
from qc.model import BatchView, Check, Spec, Status, Summary
from qc.model import Report as Result

if TYPE_CHECKING:
    import pandas as pd

    from qc.run import RunOptions

Path = str | os.PathLike[str]
Cells = Mapping[str, Sequence[str | None]] | Sequence[Mapping[str, Any]]
COMMAND = ("qc.check",)  # what a report made from Python records as its command


def load_spec(spec: Path) -> Spec:
    """A built-in spec by name (`"clinical"`, `"research"`) or a spec file, `extends`
    followed and validated; SpecError names the file, line and key of a problem."""
    from qc.spec import load_spec as load

    return load(os.fspath(spec))


class Report(msgspec.Struct, frozen=True, eq=False, dict=True):
    """What a check decided: `batches`, `checks`, `verdicts`, `exit_code`, and the same
    report in JSON (`to_json`), as a pandas DataFrame (`to_dataframe`) or as HTML in
    Jupyter. `result` is the engine's report, which every renderer of exoqc reads."""

    result: Result
    fail_on: Status = Status.FAIL

    @property
    def spec(self) -> Spec:
        return self.result.spec

    @cached_property
    def batches(self) -> tuple[BatchView, ...]:
        """Every batch in input order, with each check's status, reason, value, message."""
        return tuple(self.result.batch(i) for i in range(len(self.result.verdicts)))

    @property
    def checks(self) -> tuple[Check, ...]:
        """The checks run, in report order (exoqc's batch id check first)."""
        return tuple(r.check for r in self.result.results)

    @property
    def verdicts(self) -> tuple[Status, ...]:
        """Each batch's verdict, aligned with `batches`."""
        return tuple(Status(v) for v in self.result.verdicts.tolist())

    @property
    def summary(self) -> Summary:
        return self.result.summary

    @property
    def exit_code(self) -> int:
        """What `exoqc check` would exit with: 1 when a batch reached `fail_on`, else 0."""
        return self.result.exit_code(fail_on=self.fail_on)

    def to_json(self) -> str:
        """The JSON report: the text `exoqc check -o report.json` writes for this result."""
        from qc.render import RenderOptions, get_renderer

        options = RenderOptions(color=False, verbose=True, width=120)  # as qc/output.py
        return "".join(get_renderer("json")(self.result, options))

    def to_dataframe(self) -> pd.DataFrame:
        """One row per batch and check: batch_id, input, row, verdict, check, column,
        status, reason, value, message (imports pandas, only here)."""
        import pandas as pd

        records = [
            {"batch_id": b.batch_id, "input": b.input, "row": b.row, "verdict": b.verdict.label,
             "check": c.name, "column": c.column, "status": c.status.label,
             "reason": c.reason.label, "value": c.value, "message": c.message}
            for b in self.batches for c in b.checks
        ]
        columns = ["batch_id", "input", "row", "verdict", "check", "column", "status",
                   "reason", "value", "message"]
        return pd.DataFrame.from_records(records, columns=columns)

    def _repr_html_(self) -> str:
        """Jupyter's view: the summary, then each batch's verdict and its problems."""
        s = self.summary
        e = html.escape
        head = (f"<p><b>{e(self.spec.name)} {e(self.spec.version)}</b>: {s.batches} batches, "
                f"{s.passed} pass, {s.warned} warn, {s.failed} fail; verdict "
                f"<b>{s.verdict.label}</b>, exit code {self.exit_code}</p>")
        if self.result.not_for_release:
            head += f"<p><b>NOT FOR RELEASE</b>: {e(self.result.not_for_release)}</p>"
        rows = "".join(
            f"<tr><td>{e(b.batch_id)}</td><td>{e(b.input)}</td><td>{b.row}</td>"
            f"<td>{b.verdict.label}</td><td>"
            + "<br>".join(f"{e(c.name)}: {c.status.label}"
                          + (f" ({e(c.message)})" if c.message else "") for c in b.problems())
            + "</td></tr>"
            for b in self.batches)
        return (head + "<table><thead><tr><th>batch</th><th>input</th><th>row</th>"
                "<th>verdict</th><th>problems</th></tr></thead><tbody>" + rows
                + "</tbody></table>")

    def __repr__(self) -> str:
        s = self.summary
        return (f"<qc.Report {self.spec.name} {self.spec.version}: {s.batches} batches, "
                f"{s.passed} pass, {s.warned} warn, {s.failed} fail; exit code {self.exit_code}>")


def check(inputs: Path | Sequence[Path] | Cells, spec: Path | Spec, *, decimal: str = ".",
          sheet: str | None = None, joins: Sequence[Path] = (), as_of: str | None = None,
          fail_on: str = "fail", operator: str | None = None, release: bool = False,
          id_pattern: str | None = None, audit_log: Path | None = None) -> Report:
    """Judge batches against a spec, as `exoqc check` does, and return the Report.

    `inputs` is a batch file (CSV or Excel), a list of them, or a table of text cells: a
    mapping column -> list of cell texts, or a list of row mappings column -> cell text.
    `spec` is a built-in spec name or a spec file (a `Spec` from `load_spec` is taken by
    its `files`, so that the report records the files and their sha256). The keyword
    options are those of `exoqc check`. Raises SpecError, InputError, OutputError or
    UsageError (all ExoqcError) where the command exits 2.
    """
    from qc.inputs.in_memory import is_table, table_of_cells
    from qc.run import RunOptions, run

    table = table_of_cells(inputs) if is_table(inputs) else None  # type: ignore[arg-type]
    paths = () if table is not None else _paths(inputs)  # type: ignore[arg-type]
    options = RunOptions(
        inputs=tuple(f.path for f in table.inputs) if table is not None else paths,
        spec=_spec_path(spec), decimal_comma=_decimal(decimal), sheet=sheet,
        joins=tuple(os.fspath(j) for j in joins), id_pattern=_id_pattern(id_pattern),
        fail_on=_fail_on(fail_on), operator=_operator(operator), command=COMMAND,
        as_of=as_of, release=release)
    def judge() -> Result:
        result = run(options, table=table)
        if isinstance(spec, Spec) and result.spec.files != spec.files:
            raise SpecError(f"{options.spec}: changed since it was loaded (sha256 differs); "
                            "load it again")
        return result

    if audit_log is None:
        return Report(judge(), _status(options.fail_on))
    return _audit(os.fspath(audit_log), options, judge)


def _audit(log: str, options: RunOptions, judge: Callable[[], Result]) -> Report:
    """Run `judge` and append the outcome to the audit log, whatever it is: a verdict
    (exit code 0 or 1), an ExoqcError (2, with its message), an internal error or an
    interruption (2, named). The log is checked writable before any work."""
    from qc.gmp.audit import check_writable
    from qc.gmp.session import record_run

    check_writable(log)
    try:
        result = judge()
    except ExoqcError as exc:
        record_run(log, options, None, exit_code=2, written=[], error=str(exc))
        raise
    except KeyboardInterrupt:
        record_run(log, options, None, exit_code=2, written=[], error="interrupted")
        raise
    except Exception as exc:
        record_run(log, options, None, exit_code=2, written=[],
                   error=f"internal error: {type(exc).__name__}: {exc}")
        raise
    report = Report(result, _status(options.fail_on))
    record_run(log, options, result, exit_code=report.exit_code, written=[])
    return report


def _paths(inputs: Path | Sequence[Path]) -> tuple[str, ...]:
    if isinstance(inputs, str | os.PathLike):
        return (os.fspath(inputs),)
    if not isinstance(inputs, Sequence) or not inputs:
        raise UsageError(f"inputs: {inputs!r} is neither a batch file, a list of them, nor a "
                         "table of cells")
    paths = []
    for item in inputs:
        if not isinstance(item, str | os.PathLike):
            raise UsageError(f"inputs: {item!r} is not a path")
        paths.append(os.fspath(item))
    return tuple(paths)


def _spec_path(spec: Path | Spec) -> str:
    if isinstance(spec, Spec):
        if not spec.files:
            raise UsageError("spec: a Spec read from bytes has no file to record; give its path")
        path = spec.files[0].path
        from qc.spec.source import BUILTIN

        name = path.removeprefix("builtin:")
        # a built-in spec is recorded as `builtin:NAME` and found by NAME; `judge` compares
        # the files read again with the Spec's, sha256 included
        return name if path.startswith("builtin:") and name in BUILTIN else path
    return os.fspath(spec)


def _decimal(decimal: str) -> bool:
    if decimal not in (".", ","):
        raise UsageError(f"decimal: {decimal!r} is not '.' or ','")
    return decimal == ","


def _fail_on(fail_on: str) -> str:
    if fail_on not in ("fail", "warn"):
        raise UsageError(f"fail_on: {fail_on!r} is not 'fail' or 'warn'")
    return fail_on


def _status(fail_on: str) -> Status:
    return Status.WARN if fail_on == "warn" else Status.FAIL


def _operator(operator: str | None) -> str | None:
    if operator is not None and not operator.strip():
        raise UsageError("operator: must not be empty")
    return operator


def _id_pattern(pattern: str | None) -> str | None:
    if pattern is not None:
        import re

        try:
            re.compile(pattern)
        except re.error as exc:
            raise UsageError(f"id_pattern: {pattern!r} is not a regular expression: {exc}"
                             ) from None
    return pattern


__all__ = ["Report", "check", "load_spec"]
