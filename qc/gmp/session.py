"""What `exoqc check` keeps for the record besides its reports: signatures and the audit log."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qc.errors import ExoqcError, OutputError
from qc.gmp.provenance import provenance, utc_now
from qc.model import Report
from qc.output import Planned
from qc.run import RunOptions

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def plan_record(options: RunOptions, planned: Sequence[Planned], *, sign_key: str | None,
                audit_log: str | None) -> Ed25519PrivateKey | None:
    """Before any work: the key loads, there is a JSON report to sign, the log is writable."""
    if audit_log is not None:
        from qc.gmp.audit import check_writable

        check_writable(audit_log)
    if sign_key is None:
        return None
    if not any(p.fmt == "json" for p in planned):
        raise OutputError(f"{sign_key}: --sign-key signs JSON reports; add -o REPORT.json")
    if "-" in options.inputs:
        raise OutputError("<stdin>: a report of stdin input cannot be verified later, so "
                          "exoqc does not sign it; save the input to a file")
    from qc.gmp.signing import load_private_key

    return load_private_key(sign_key)


def sign_reports(key: Ed25519PrivateKey, planned: Sequence[Planned]) -> list[Path]:
    """Verify each JSON report just written, then sign it: never sign what would not verify."""
    from qc.gmp.signing import sign_file
    from qc.gmp.verify import verify_report

    signed: list[Path] = []
    for item in planned:
        if item.fmt != "json":
            continue
        try:
            result = verify_report(str(item.path))
        except ExoqcError as exc:
            raise OutputError(f"{item.path}: not signed: the report does not verify: {exc}"
                              ) from None
        if not result.ok:
            raise OutputError(f"{item.path}: not signed: the report does not verify: "
                              + "; ".join(result.differences))
        signed.append(sign_file(item.path, key))
    return signed


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise OutputError(f"{path}: cannot read back for the audit log: {exc.strerror}"
                          ) from None


def record_run(audit_log: str, options: RunOptions, report: Report | None, *, exit_code: int,
               written: Sequence[Path], error: str | None = None) -> str:
    """Append this run to the audit log; return the new line's sha256."""
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
    return append(audit_log, entry)
