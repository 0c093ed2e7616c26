"""The check session: plan -> run -> write -> sign -> show -> audit, for every outcome.

`check_session` is all of `exoqc check` but its options and its printing: it plans the report
files and the record before any work, runs the check, writes and signs the reports, lets the
caller show the result, and appends one audit-log entry (with --audit-log) whatever happened:
a verdict (pass, warn, fail), a run that could not judge (ExoqcError), an internal error (any
other exception) or an interrupt (Ctrl-C). The exception is then raised again for the command
line's edge to map to its exit code; the entry records that exit code and the outcome.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from msgspec.structs import replace

from qc import run as runner  # looked up at each call: tests replace runner.run
from qc.errors import AuditError, ExoqcError, OutputError
from qc.gmp.provenance import operator, provenance, utc_now
from qc.model import Report, Status
from qc.output import Planned, plan_outputs, write_outputs
from qc.run import RunOptions

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# The report formats --sign-key signs (REPORT.sig beside each): the bytes of each file.
SIGNED = ("json", "pdf")
# The exit code of a run that reached no verdict, whatever stopped it.
NOT_JUDGED = 2
# The `outcome` an audit entry records, besides its exit code.
JUDGED = "judged"  # a verdict: the summary says which, the exit code what it means
COULD_NOT_JUDGE = "could not judge"  # ExoqcError: bad input, spec, option or report file
INTERNAL_ERROR = "internal error"  # any other exception: a bug in exoqc
INTERRUPTED = "interrupted"  # Ctrl-C (KeyboardInterrupt)


class SessionOptions(msgspec.Struct, frozen=True):
    """Everything `exoqc check` does besides judging: report files, signing, the record."""

    outputs: tuple[str, ...] = ()  # -o paths; the format follows the suffix
    sign_key: str | None = None  # Ed25519 private key signing each JSON report
    audit_log: str | None = None  # append one entry per run, whatever its outcome
    audit_key: str | None = None  # Ed25519 private key signing the audit entry (else sign_key)
    # Files besides the inputs that the run reads or writes, which no -o may replace: the
    # joins, every spec file of the extends chain, the audit log and the keys (path, what).
    protected: tuple[tuple[str, str], ...] = ()


class Outcome(msgspec.Struct, frozen=True):
    """What a session that reached a verdict leaves: the report, its exit code, the files
    written (reports and signatures) and the audit log's new head (None without a log)."""

    report: Report
    exit_code: int
    written: tuple[Path, ...]
    audit_head: str | None = None


def check_session(options: RunOptions, session: SessionOptions, *,
                  read_stdin: Callable[[], bytes] | None = None,
                  show: Callable[[Report], None] | None = None) -> Outcome:
    """Plan, run, write, sign, show, and record the run in the audit log whatever happens.

    `read_stdin` gives the bytes of `-` among the inputs; `show` prints the report (it runs
    before the audit entry, so that an interrupt while printing is recorded too). Every
    exception is raised again after the audit entry is written: ExoqcError for a run that
    could not judge, anything else for an internal error or an interrupt.
    """
    audit_signer = _audit_signer(session)
    # Never overwrite a file the run reads or writes (the audit log and the keys among
    # them); every -o writable. Refused before anything else, like a bad option value.
    try:
        planned = plan_outputs(session.outputs, options.inputs,
                               protected=_protected(session, options))
        _refuse_signature_targets(planned, session, options)
    except ExoqcError as exc:  # recorded when the log can take it; the refusal is the error
        _record_refusal(session, audit_signer, options, str(exc))
        raise
    if session.audit_log is not None:  # a log that cannot be written cannot record a refusal
        from qc.gmp.audit import check_writable

        check_writable(session.audit_log, audit_signer)
    report: Report | None = None
    written: list[Path] = []
    try:
        signer = plan_record(options, planned, sign_key=session.sign_key,
                             audit_log=session.audit_log, audit_signer=audit_signer)
        stdin = read_stdin() if read_stdin is not None and "-" in options.inputs else None
        report = runner.run(replace(options, stdin=stdin))
        write_outputs(report, planned)
        written = [p.path for p in planned]
        if signer is not None:  # one by one: a signature made before a refusal is recorded
            by = report.provenance.operator if report.provenance else operator(options.operator)
            for item in planned:
                written += sign_reports(signer, [item], signer=by)
        if show is not None:
            show(report)
        code = report.exit_code(fail_on=Status.WARN if options.fail_on == "warn" else Status.FAIL)
        if options.release and report.unjudged().any():
            code = 1  # --release: a batch no check judged is not shown to conform
    except ExoqcError as exc:
        _record_failure(session, audit_signer, options, report, written, COULD_NOT_JUDGE,
                        str(exc), exc)
        raise
    except KeyboardInterrupt as exc:
        _record_failure(session, audit_signer, options, report, written, INTERRUPTED,
                        INTERRUPTED, exc)
        raise
    except Exception as exc:
        _record_failure(session, audit_signer, options, report, written, INTERNAL_ERROR,
                        f"{INTERNAL_ERROR}: {type(exc).__name__}: {exc}", exc)
        raise
    head = None
    if session.audit_log is not None:
        head = record_run(session.audit_log, options, report, exit_code=code, written=written,
                          outcome=JUDGED, key=audit_signer)
    return Outcome(report, code, tuple(written), head)


def _audit_signer(session: SessionOptions) -> Ed25519PrivateKey | None:
    """The key that signs the audit entry: --audit-key, else --sign-key (None: unsigned).
    Loaded before anything else: an entry of a keyed log cannot be written without it."""
    if session.audit_log is None:
        if session.audit_key is not None:
            from qc.errors import UsageError

            raise UsageError("'--audit-key': needs --audit-log")
        return None
    key = session.audit_key or session.sign_key
    if key is None:
        return None
    from qc.gmp.signing import load_private_key

    return load_private_key(key)


def _record_refusal(session: SessionOptions, signer: Ed25519PrivateKey | None,
                    options: RunOptions, error: str) -> None:
    """The audit entry of a run refused before any work (an -o that would replace a file
    the run uses). A log that cannot take it is left as it is: the refusal is the error."""
    if session.audit_log is None:
        return
    from qc.gmp.audit import check_writable

    try:
        check_writable(session.audit_log, signer)
        record_run(session.audit_log, options, None, exit_code=NOT_JUDGED, written=(),
                   error=error, outcome=COULD_NOT_JUDGE, key=signer)
    except (ExoqcError, OSError):
        pass


def _refuse_signature_targets(planned: Sequence[Planned], session: SessionOptions,
                              options: RunOptions) -> None:
    """REPORT.json.sig (and REPORT.pdf.sig) is written too: it must not replace a
    protected file either."""
    if session.sign_key is None:
        return
    from qc.output import refuse_overwrite

    others = [(str(p.path), "also given as -o") for p in planned]
    for item in planned:
        if item.fmt in SIGNED:
            refuse_overwrite(f"{item.path}.sig", [
                *others, *_protected(session, options),
                *((i, "one of the inputs") for i in options.inputs)])


def _protected(session: SessionOptions, options: RunOptions) -> tuple[tuple[str, str], ...]:
    """The protected files, the spec always among them."""
    out = session.protected
    if options.columns and not any(p == options.columns for p, _ in out):
        out = (*out, (options.columns, "the --columns map"))
    if any(what == "the spec" for _, what in out):
        return out
    return (*out, (options.spec, "the spec"))


def _record_failure(session: SessionOptions, signer: Ed25519PrivateKey | None,
                    options: RunOptions, report: Report | None,
                    written: Sequence[Path], outcome: str, error: str,
                    cause: BaseException) -> None:
    """The audit entry of a run that reached no verdict. When the entry itself cannot be
    written, that is the error raised (naming what stopped the run): a run must never look
    recorded when it is not."""
    if session.audit_log is None:
        return
    try:
        record_run(session.audit_log, options, report, exit_code=NOT_JUDGED, written=written,
                   error=error, outcome=outcome, key=signer)
    except (ExoqcError, OSError) as exc:
        raise AuditError(f"this run ({error}) is not recorded in the audit log: {exc}"
                         ) from cause


def plan_record(options: RunOptions, planned: Sequence[Planned], *, sign_key: str | None,
                audit_log: str | None, audit_signer: Ed25519PrivateKey | None = None
                ) -> Ed25519PrivateKey | None:
    """Before any work: the key loads, there is a JSON report to sign, the log is writable
    and kept with `audit_signer` (or unkeyed, without one)."""
    if audit_log is not None:
        from qc.gmp.audit import check_writable

        check_writable(audit_log, audit_signer)
    if sign_key is None:
        return None
    if not any(p.fmt in SIGNED for p in planned):
        raise OutputError(f"{sign_key}: --sign-key signs JSON and PDF reports; add -o "
                          "REPORT.json or -o REPORT.pdf")
    if "-" in options.inputs:
        raise OutputError("<stdin>: a report of stdin input cannot be verified later, so "
                          "exoqc does not sign it; save the input to a file")
    from qc.gmp.signing import load_private_key, signer_problem

    # the operator signs (meaning "performed"): a name that cannot be signed is refused
    # before any report is written
    problem = signer_problem(operator(options.operator))
    if problem:
        from qc.errors import UsageError

        raise UsageError(f"--sign-key: {problem} (the operator signs; give --operator NAME)")
    return load_private_key(sign_key)


def sign_reports(key: Ed25519PrivateKey, planned: Sequence[Planned], *,
                 signer: str) -> list[Path]:
    """Verify each JSON or PDF report just written, then sign it as `performed` by `signer`
    (the operator), in a new signature file: never sign what would not verify. A PDF is
    written again with the signature in its certificates' signature block."""
    from qc.gmp.signing import pdf_renderer, sign_file
    from qc.gmp.verify import verify_report

    signed: list[Path] = []
    for item in planned:
        if item.fmt not in SIGNED:
            continue
        try:
            # a signature file beside it is an old report's: the new stack replaces it
            result = verify_report(str(item.path), signatures=False)
        except ExoqcError as exc:
            raise OutputError(f"{item.path}: not signed: the report does not verify: {exc}"
                              ) from None
        if not result.ok:
            raise OutputError(f"{item.path}: not signed: the report does not verify: "
                              + "; ".join(result.differences))
        renderer = (pdf_renderer(result.evaluated)
                    if result.pdf and result.evaluated is not None else None)
        signed.append(sign_file(item.path, key, signer=signer, fresh=True,
                                render_pdf=renderer)[0])
    return signed


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise OutputError(f"{path}: cannot read back for the audit log: {exc.strerror}"
                          ) from None


def record_run(audit_log: str, options: RunOptions, report: Report | None, *, exit_code: int,
               written: Sequence[Path], error: str | None = None,
               outcome: str | None = None, key: Ed25519PrivateKey | None = None) -> str:
    """Append this run to the audit log, signed with `key` when given; return the new
    line's sha256.

    `outcome` says how the run ended (JUDGED, COULD_NOT_JUDGE, INTERNAL_ERROR, INTERRUPTED);
    `error` is the one-line message of a run that reached no verdict."""
    from qc.gmp.audit import append

    p = report.provenance if report is not None and report.provenance else provenance(options)
    entry: dict[str, Any] = {
        # An audit trail is contemporaneous: the wall clock, even when SOURCE_DATE_EPOCH
        # pins the report's own stamp (kept as generated_at) for reproducibility.
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "generated_at": report.generated_at if report is not None else utc_now(),
        "operator": p.operator,
        "host": p.host,
        "command": list(p.command),
        "versions": dict(p.versions),
        "options": {"spec": p.spec, "inputs": list(p.inputs), "decimal": p.decimal,
                    "fail_on": p.fail_on, "as_of": p.as_of},
        "exit_code": exit_code,
    }
    if outcome is not None:
        entry["outcome"] = outcome
    if report is not None:
        s = report.summary
        entry["spec"] = {"name": report.spec.name, "version": report.spec.version,
                         "files": [{"path": f.path, "sha256": f.sha256}
                                   for f in report.spec.files]}
        entry["inputs"] = [{"path": f.path, "sha256": f.sha256} for f in report.inputs]
        entry["summary"] = {"batches": s.batches, "pass": s.passed, "warn": s.warned,
                            "fail": s.failed, "verdict": s.verdict.label}
    entry["reports"] = [{"path": str(path), "sha256": _sha256(path)} for path in written]
    if error is not None:
        entry["error"] = error
    return append(audit_log, entry, key)
