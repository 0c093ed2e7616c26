"""The audit log: one JSON line per run, hash-chained, appended under an exclusive lock.

Each line is the canonical JSON (sorted keys, no spaces, UTF-8) of one entry, ending
in a newline. Besides what the run did, an entry carries

- `seq`: its 1-based line number,
- `prev`: the sha256 of the previous line's bytes without its newline (64 zeros for
  the first line), which chains each line to the one before,
- `sha256`: the sha256 of the canonical JSON of the entry without this field, so an
  edited line is named even when it is the last one.

Appending takes `fcntl.flock(LOCK_EX)` on the log opened with O_APPEND, reads the last
line under that same lock, writes the new line in one `write` and fsyncs before
unlocking: parallel CI jobs never interleave, fork the chain or lose a line.
What a chain cannot show on its own: removing whole lines from the end. `exoqc audit
verify` prints the number of lines and the head hash; keep those elsewhere (e.g. in
the CI job's log) to detect that.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qc.errors import AuditError, OutputError
from qc.inputs.files import read_bytes

GENESIS = "0" * 64
_TAIL = 64 * 1024


def canonical(entry: Mapping[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_writable(path: str) -> None:
    """Before any work: the log can be created or appended to."""
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


def append(path: str, entry: Mapping[str, Any]) -> str:
    """Append one entry under an exclusive lock; return the new line's sha256."""
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
        body = {**entry, "seq": seq, "prev": prev}
        body["sha256"] = _digest(canonical(body))
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


@dataclass(frozen=True)
class LogCheck:
    lines: int
    head: str  # sha256 of the last line
    problems: tuple[str, ...]


def verify(path: str) -> LogCheck:
    """Check every line's own hash, the chain and the numbering; name each broken line."""
    data = read_bytes(path, "audit log", AuditError)
    problems: list[str] = []
    lines = data.split(b"\n")
    complete = lines[:-1]  # split leaves "" after the final newline
    if lines[-1]:
        problems.append(f"line {len(lines)}: truncated (the log does not end with a "
                        "complete line)")
    prev = GENESIS
    for number, line in enumerate(complete, start=1):
        problems.extend(f"line {number}: {p}" for p in _check_line(line, number, prev))
        prev = _digest(line)
    head = prev
    return LogCheck(lines=len(complete), head=head, problems=tuple(problems))


def _check_line(line: bytes, number: int, prev: str) -> list[str]:
    try:
        entry = json.loads(line)
    except ValueError:
        return ["not valid JSON (edited or truncated)"]
    if not isinstance(entry, dict) or not {"seq", "prev", "sha256"} <= entry.keys():
        return ["not an exoqc audit entry (no seq/prev/sha256)"]
    out: list[str] = []
    own = entry.pop("sha256")
    if _digest(canonical(entry)) != own or canonical({**entry, "sha256": own}) != line:
        out.append("edited (its content no longer matches its own sha256)")
    if entry["prev"] != prev:
        where = "the start of the log" if number == 1 else f"line {number - 1}"
        out.append(f"does not follow {where} (prev differs: a line was removed, inserted "
                   f"or reordered here, or line {number - 1} was edited)"
                   if number > 1 else f"does not follow {where} (prev is not the genesis "
                   "hash: earlier lines were removed)")
    if entry["seq"] != number:
        out.append(f"is entry {entry['seq']!r} of its log, expected {number}")
    return out
