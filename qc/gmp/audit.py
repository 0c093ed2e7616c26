"""The audit log: one JSON line per run, hash-chained, signed when a key is given,
appended under an exclusive lock.

Each line is the canonical JSON (sorted keys, no spaces, UTF-8) of one entry, ending
in a newline. Besides what the run did, an entry carries

- `seq`: its 1-based line number,
- `prev`: the sha256 of the previous line's bytes without its newline (64 zeros for
  the first line), which chains each line to the one before,
- `sha256`: the sha256 of the canonical JSON of the entry without this field and
  without `signature`, so an edited line is named even when it is the last one,
- with a key (`check --audit-key`, else `--sign-key`): `key`, the sha256 fingerprint of
  the Ed25519 public key, and `signature`, the base64 signature of the canonical JSON of
  the entry without `signature` (so of `seq`, `prev` and `sha256` too).

A log has one key: the first keyed entry sets it; after it an unsigned entry, or one
with another key, is tampering (appending refuses to write one; verify names it). A
log may start unkeyed: the first keyed entry's signed `prev` vouches for the lines
before it through the chain.

Appending takes `fcntl.flock(LOCK_EX)` on the log opened with O_APPEND, reads the last
line under that same lock, writes the new line in one `write` and fsyncs before
unlocking: parallel CI jobs never interleave, fork the chain or lose a line.

What a log cannot show on its own: removing whole lines from the end (and, without a
key, rewriting it whole). `exoqc audit head` prints the entry count and the head hash
(signed with a key) to keep in a second place; `exoqc audit verify --head FILE` checks
that entry N still has that hash. docs/validation.md states the trust model.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from qc.errors import AuditError, OutputError
from qc.inputs.files import read_bytes

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

GENESIS = "0" * 64
HEAD_FORMAT = "exoqc-audit-head/1"
_TAIL = 64 * 1024


def canonical(entry: Mapping[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_writable(path: str, key: Ed25519PrivateKey | None = None) -> None:
    """Before any work: the log can be created or appended to, with this key (or none)."""
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"{path}: is a folder; give the audit log's file name")
    parent = p.parent
    if not parent.is_dir():
        raise OutputError(f"{path}: folder {str(parent)!r} does not exist")
    if p.exists() and not os.access(p, os.W_OK):
        raise OutputError(f"{path}: audit log is not writable")
    if not p.exists() and not os.access(parent, os.W_OK):
        raise OutputError(f"{path}: folder {str(parent)!r} is not writable")
    if p.exists():
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            raise OutputError(f"{path}: cannot open audit log: {exc.strerror}") from None
        try:
            last = _last_line(fd, path)
        finally:
            os.close(fd)
        _check_key(path, _log_key(path, last), key)


def key_fingerprint(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """sha256 of the raw public key (of a private key's public half)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from qc.gmp.signing import fingerprint

    return fingerprint(key.public_key() if isinstance(key, Ed25519PrivateKey) else key)


def _log_key(path: str, last: bytes | None) -> str | None:
    """The log's key fingerprint as its last line records it (None: unkeyed so far)."""
    if last is None:
        return None
    try:
        found = json.loads(last).get("key")
    except (ValueError, AttributeError):
        raise AuditError(f"{path}: the last line is not an exoqc audit entry; "
                         "run `exoqc audit verify`") from None
    return found if isinstance(found, str) else None


def _check_key(path: str, log_key: str | None, key: Ed25519PrivateKey | None) -> None:
    if log_key is None:
        return
    if key is None:
        raise AuditError(f"{path}: the audit log is signed with key sha256 {log_key}; give "
                         "that key with --audit-key (or --sign-key): an unsigned entry would "
                         "read as tampering")
    mine = key_fingerprint(key)
    if mine != log_key:
        raise AuditError(f"{path}: the audit log is signed with key sha256 {log_key}, not "
                         f"with this key (sha256 {mine}); a log has one key")


def _sign(key: Ed25519PrivateKey, data: bytes) -> str:
    return base64.b64encode(key.sign(data)).decode("ascii")


def append(path: str, entry: Mapping[str, Any], key: Ed25519PrivateKey | None = None) -> str:
    """Append one entry (signed with `key`) under an exclusive lock; return the new line's
    sha256."""
    try:
        import fcntl
    except ImportError:
        raise OutputError(f"{path}: the audit log needs POSIX file locking (Linux, macOS)"
                          ) from None

    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(f"{path}: cannot open audit log: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        last = _last_line(fd, path)
        if last is None:
            seq, prev = 1, GENESIS
        else:
            try:
                seq = int(json.loads(last)["seq"]) + 1
            except (ValueError, KeyError, TypeError):
                raise AuditError(f"{path}: the last line is not an exoqc audit entry; "
                                 "run `exoqc audit verify`") from None
            prev = _digest(last)
        _check_key(path, _log_key(path, last), key)
        body = {k: v for k, v in entry.items() if k not in _OWN}
        body.update(seq=seq, prev=prev)
        if key is not None:
            body["key"] = key_fingerprint(key)
        body["sha256"] = _digest(canonical(body))
        if key is not None:
            body["signature"] = _sign(key, canonical(body))
        line = canonical(body)
        data = line + b"\n"
        written = os.write(fd, data)
        if written != len(data):
            raise OutputError(f"{path}: short write to the audit log")
        os.fsync(fd)
        return _digest(line)
    except OSError as exc:
        raise OutputError(f"{path}: cannot append to audit log: {exc.strerror}") from None
    finally:
        os.close(fd)  # closing releases the lock


_OWN = ("seq", "prev", "sha256", "key", "signature")


def _last_line(fd: int, path: str) -> bytes | None:
    """The log's last line without its newline; None for an empty log."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    end = os.pread(fd, 1, size - 1)
    if end != b"\n":
        raise AuditError(f"{path}: the last line is incomplete (truncated?); "
                         "run `exoqc audit verify`")
    chunk = b""
    pos = size - 1
    while pos > 0:
        start = max(0, pos - _TAIL)
        chunk = os.pread(fd, pos - start, start) + chunk
        pos = start
        cut = chunk.rfind(b"\n")
        if cut >= 0:
            return chunk[cut + 1:]
    return chunk


# --- the head kept elsewhere -------------------------------------------------------------


class Head(msgspec.Struct, frozen=True):
    """What `exoqc audit head` prints: entry `entries` of the log has sha256 `head`."""

    entries: int
    head: str
    log: str = ""
    key: str | None = None
    signature: str | None = None

    def signed_part(self) -> bytes:
        return canonical({"format": HEAD_FORMAT, "log": self.log, "entries": self.entries,
                          "head": self.head, "key": self.key})

    def document(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": HEAD_FORMAT, "log": self.log,
                               "entries": self.entries, "head": self.head}
        if self.key is not None:
            out.update(key=self.key, signature=self.signature)
        return out


def make_head(path: str, check: LogCheck, key: Ed25519PrivateKey | None = None) -> Head:
    head = Head(entries=check.lines, head=check.head, log=path,
                key=None if key is None else key_fingerprint(key))
    if key is None:
        return head
    return Head(head.entries, head.head, head.log, head.key, _sign(key, head.signed_part()))


def read_head(path: str) -> Head:
    """A head file written from `exoqc audit head`; AuditError (exit 2) when it is not one."""
    data = read_bytes(path, "audit head file", AuditError)
    try:
        doc = json.loads(data)
        if not isinstance(doc, dict) or doc.get("format") != HEAD_FORMAT:
            raise ValueError
        entries, head = doc["entries"], doc["head"]
        key, signature = doc.get("key"), doc.get("signature")
        if (isinstance(entries, bool) or not isinstance(entries, int) or entries < 0
                or not isinstance(head, str) or len(head) != 64
                or not isinstance(doc.get("log", ""), str)
                or not isinstance(key, str | None) or not isinstance(signature, str | None)
                or (key is None) != (signature is None)):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise AuditError(f"{path}: not an exoqc audit head (write one with `exoqc audit "
                         "head LOG > FILE`)") from None
    return Head(entries, head, doc.get("log", ""), key, signature)


# --- verifying ---------------------------------------------------------------------------


class LogCheck(msgspec.Struct, frozen=True):
    lines: int
    head: str  # sha256 of the last line
    problems: tuple[str, ...]
    key: str | None = None  # the log's key fingerprint (set by its first keyed entry)
    signed: int = 0  # entries that carry a signature
    notes: tuple[str, ...] = ()


def verify(path: str, public_key: Ed25519PublicKey | None = None,
           head: Head | None = None) -> LogCheck:
    """Check every line's own hash, the chain, the numbering and the one-key rule; with
    `public_key` every signature (and that the log is signed at all); with `head`, that
    the entry it names still has its hash. Name each broken line."""
    data = read_bytes(path, "audit log", AuditError)
    problems: list[str] = []
    notes: list[str] = []
    lines = data.split(b"\n")
    complete = lines[:-1]  # split leaves "" after the final newline
    if lines[-1]:
        problems.append(f"line {len(lines)}: truncated (the log does not end with a "
                        "complete line)")
    trusted = None if public_key is None else key_fingerprint(public_key)
    prev = GENESIS
    digests: list[str] = []
    log_key: str | None = None
    signed = 0
    for number, line in enumerate(complete, start=1):
        entry, found = _check_line(line, number, prev)
        found.extend(_check_signature(entry, line, log_key, public_key, trusted))
        if entry is not None and isinstance(entry.get("key"), str):
            signed += 1
            log_key = log_key or entry["key"]
        problems.extend(f"line {number}: {p}" for p in found)
        prev = _digest(line)
        digests.append(prev)
    if public_key is not None and complete and signed == 0:
        problems.append(f"no entry is signed: the log cannot be vouched for by key sha256 "
                        f"{trusted}")
    elif public_key is None and log_key is not None:
        notes.append(f"{signed} entries are signed with key sha256 {log_key}; their "
                     "signatures were not checked (give --public-key)")
    if head is not None:
        problems.extend(_check_head(head, digests, public_key, trusted, notes))
    return LogCheck(lines=len(complete), head=prev, problems=tuple(problems), key=log_key,
                    signed=signed, notes=tuple(notes))


def _check_line(line: bytes, number: int, prev: str) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        entry = json.loads(line)
    except ValueError:
        return None, ["not valid JSON (edited or truncated)"]
    if not isinstance(entry, dict) or not {"seq", "prev", "sha256"} <= entry.keys():
        return None, ["not an exoqc audit entry (no seq/prev/sha256)"]
    out: list[str] = []
    body = {k: v for k, v in entry.items() if k not in ("sha256", "signature")}
    if _digest(canonical(body)) != entry["sha256"] or canonical(entry) != line:
        out.append("edited (its content no longer matches its own sha256)")
    if entry["prev"] != prev:
        where = "the start of the log" if number == 1 else f"line {number - 1}"
        out.append(f"does not follow {where} (prev differs: a line was removed, inserted "
                   f"or reordered here, or line {number - 1} was edited)"
                   if number > 1 else f"does not follow {where} (prev is not the genesis "
                   "hash: earlier lines were removed)")
    if entry["seq"] != number:
        out.append(f"is entry {entry['seq']!r} of its log, expected {number}")
    return entry, out


def _check_signature(entry: dict[str, Any] | None, line: bytes, log_key: str | None,
                     public_key: Ed25519PublicKey | None, trusted: str | None) -> list[str]:
    if entry is None:
        return []
    key, signature = entry.get("key"), entry.get("signature")
    if key is None and signature is None:
        if log_key is not None:
            return [f"is not signed, but the log is signed with key sha256 {log_key} from "
                    "an earlier entry on (a forged or replaced entry)"]
        return []
    if not isinstance(key, str) or not isinstance(signature, str):
        return ["has a malformed signature (key and signature go together)"]
    if log_key is not None and key != log_key:
        return [f"is signed with another key (sha256 {key}) than the log's (sha256 "
                f"{log_key}): a forged entry"]
    if public_key is None:
        return []
    if key != trusted:
        return [f"is signed with key sha256 {key}, not with the public key given "
                f"(sha256 {trusted})"]
    body = {k: v for k, v in entry.items() if k != "signature"}
    if not _good_signature(public_key, signature, canonical(body)):
        return ["bad signature (edited, or re-hashed after an edit)"]
    return []


def _good_signature(public_key: Ed25519PublicKey, signature: str, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        public_key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def _check_head(head: Head, digests: list[str], public_key: Ed25519PublicKey | None,
                trusted: str | None, notes: list[str]) -> list[str]:
    out: list[str] = []
    if head.key is not None and head.signature is not None:
        if public_key is None:
            notes.append(f"the head is signed with key sha256 {head.key}; its signature was "
                         "not checked (give --public-key)")
        elif head.key != trusted:
            out.append(f"head: signed with key sha256 {head.key}, not with the public key "
                       f"given (sha256 {trusted})")
        elif not _good_signature(public_key, head.signature, head.signed_part()):
            out.append("head: bad signature (the head file was edited)")
    elif public_key is not None:
        notes.append("the head is not signed: it is worth what the place it was kept is "
                     "worth")
    if head.entries > len(digests):
        out.append(f"head: the log has {len(digests)} entries, the head kept elsewhere "
                   f"records {head.entries}: entries were removed from the end (or the log "
                   "was replaced)")
    elif head.entries == 0:
        if head.head != GENESIS:
            out.append("head: records 0 entries with a hash that is not the genesis hash")
    elif digests[head.entries - 1] != head.head:
        out.append(f"head: entry {head.entries} no longer has the hash the head records "
                   f"({head.head[:12]}…): the log was rewritten up to there")
    return out
