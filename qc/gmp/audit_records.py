"""Audit-log entries of `exoqc sign` and `exoqc verify` (the entries of `exoqc check` are
the session's): who did it, where, with what command, on which report bytes, and what came
of it; appended to the same hash-chained log (qc/gmp/audit.py), signed when it is keyed.

An entry carries `action` ("sign" or "verify"), the wall-clock `time`, `operator`, `host`,
`command`, `versions`, the `report` (path and sha256 of its bytes, when readable), the
`exit_code` and `outcome` (JUDGED, or COULD_NOT_JUDGE with the one-line `error`), and:
for sign, `signed` (true or false), the `signature_made` (index, signer, meaning, time,
reason, public_key_sha256; not `signature`, which is the entry's own) and the
`signature_file` written (path and sha256); for verify, `verified` (true or false),
the number of `differences`, the `public_keys` given (fingerprints) and each signature's
index, signer, meaning, key fingerprint and status.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from qc.gmp.provenance import host, operator, versions

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from qc.gmp.signing import Checked, Signature

SIGN, VERIFY = "sign", "verify"


def file_record(path: str) -> dict[str, Any]:
    """{"path", "sha256"}; sha256 null when the file cannot be read (the error says why)."""
    try:
        with open(path, "rb") as fh:
            digest: str | None = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        digest = None
    return {"path": path, "sha256": digest}


def signature_record(signature: Signature) -> dict[str, Any]:
    return {"index": signature.index, "signer": signature.signer,
            "meaning": signature.meaning, "time": signature.time,
            "reason": signature.reason, "public_key_sha256": signature.fingerprint}


def checked_record(checked: Checked) -> dict[str, Any]:
    s = checked.signature
    return {"index": s.index, "signer": s.signer, "meaning": s.meaning,
            "public_key_sha256": s.fingerprint, "status": checked.status}


def record(log: str, action: str, command: Sequence[str], report: str, *, exit_code: int,
           outcome: str, key: Ed25519PrivateKey | None, details: Mapping[str, Any] | None = None,
           error: str | None = None) -> str:
    """Append one entry for a sign or verify run; return the new line's sha256."""
    from qc.gmp.audit import append

    entry: dict[str, Any] = {
        "action": action,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "operator": operator(),
        "host": host(),
        "command": list(command),
        "versions": dict(versions()),
        "report": file_record(report),
        **(details or {}),
        "exit_code": exit_code,
        "outcome": outcome,
    }
    if error is not None:
        entry["error"] = error
    return append(log, entry, key)
