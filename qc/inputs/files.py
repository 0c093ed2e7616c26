"""The one policy for reading a file the user (or a report) names: regular files only,
a size cap per kind, and error messages that never echo more than a short excerpt.

Every reader goes through here: spec files and their `extends` parents, batch files,
join files, standard input, reports given to `verify`, signature files and keys. So a
crafted path (`/dev/zero`, a FIFO, a terminal) ends in one line and exit 2 instead of a
hang or a memory blow-up, and a private key named where a spec is expected is never
printed. The caps are documented in docs/validation.md ("Reading files").
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable
from typing import BinaryIO, Literal

from qc.errors import ExoqcError

Kind = Literal["spec file", "batch file", "instrument export", "report", "signature file",
               "private key file", "public key file", "audit log", "audit head file"]

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
LIMITS: dict[str, int] = {
    "spec file": 1 * MiB,
    "batch file": 2 * GiB,  # batch and join files, and standard input
    "instrument export": 256 * MiB,  # an NTA export given to --join
    "report": 8 * GiB,  # streamed by verify, never held whole but for the header
    "signature file": 64 * KiB,
    "private key file": 64 * KiB,
    "public key file": 64 * KiB,
    "audit log": 2 * GiB,
    "audit head file": 64 * KiB,  # `exoqc audit head` output kept elsewhere
}
EXCERPT = 80  # characters of an offending token an error message may quote
BLOCK = 1 << 20
STDIN = "-"
# PEM (PKCS#1, PKCS#8, SEC1, encrypted) and OpenSSH private keys all carry this marker.
_KEY_MARKERS = (b"PRIVATE KEY-----", b"PRIVATE KEY BLOCK-----")


def limit(kind: Kind) -> int:
    return LIMITS[kind]


def excerpt(text: str, width: int = EXCERPT) -> str:
    """At most `width` characters of `text` on one line, marked when cut, with control and
    format characters (terminal escapes, bidi overrides) shown as escapes, never as is."""
    flat = " ".join(text[:width * 4].split())
    cut = len(flat) > width or len(text) > width * 4
    flat = flat[:width - 1] if cut else flat
    shown = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in flat)
    return shown + "…" if cut else shown


def looks_like_key(raw: bytes) -> str | None:
    """What key material a file holds ("private key"; "PEM key or certificate" for any
    other PEM block), else None: such a file is never quoted in a message."""
    head = raw[:8 * KiB]
    if any(marker in head for marker in _KEY_MARKERS):
        return "private key"
    if b"-----BEGIN " in head:
        return "PEM key or certificate"
    return None


def _size_text(n: int) -> str:
    for unit, size, least in (("GiB", GiB, GiB), ("MiB", MiB, 64 * MiB), ("KiB", KiB, KiB)):
        if n >= least:
            return f"{n // size} {unit}"
    return f"{n} bytes"


# Batch files keep their short, long-standing messages ("file not found", "cannot read: ...").
_PLAIN = ("batch file", "instrument export")


def _article(what: str) -> str:
    return "an" if what[:1] in "aeiou" else "a"


def _cannot(kind: Kind) -> str:
    return "cannot read" if kind in _PLAIN else f"cannot read {kind}"


def _kind_of_node(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


_GLOB = re.compile(r"[*?[]")


def _not_found(path: str, kind: Kind, shown: str) -> str:
    """Why `path` could not be opened: a glob that the shell left as it was (it matched no
    file) says so; a glob that does match files was quoted and not expanded."""
    if not _GLOB.search(path):
        return f"{shown}: {'file' if kind in _PLAIN else kind} not found"
    import glob

    matches = len(glob.glob(path, recursive=True))
    if not matches:
        return f"no file matches {shown!r}"
    files = "file" if matches == 1 else "files"
    return (f"{shown}: no file has this name; as a pattern it matches {matches} {files}: "
            "give it unquoted, so that the shell expands it")


def _open(path: str, kind: Kind, error: type[ExoqcError], shown: str) -> tuple[int, int]:
    """An open descriptor on `path` and its size, or `error` (one line) when it is not a
    regular file within the cap. Opened non-blocking so that a FIFO never hangs."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error(_not_found(path, kind, shown)) from None
    except IsADirectoryError:
        raise error(f"{shown}: is a folder, not {_article(kind)} {kind}") from None
    except OSError as exc:
        raise error(f"{shown}: {_cannot(kind)}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{shown}: is a folder, not {_article(kind)} {kind}")
        if not stat.S_ISREG(info.st_mode):
            node = _kind_of_node(info.st_mode)
            raise error(f"{shown}: is {node}, not {_article(kind)} {kind} (exoqc reads "
                        "regular files only, or - for standard input)")
        if info.st_size > LIMITS[kind]:
            raise error(f"{shown}: {kind} is larger than {_size_text(LIMITS[kind])}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def read_bytes(path: str, kind: Kind, error: type[ExoqcError], *, shown: str | None = None
               ) -> bytes:
    """The bytes of the regular file `path`; `error` (one line naming the file, as `shown`
    or else its path, as a `kind`) when it is missing, not a regular file, unreadable or
    over the kind's cap."""
    shown = path if shown is None else shown
    fd, size = _open(path, kind, error, shown)
    cap = LIMITS[kind]
    try:
        with os.fdopen(fd, "rb") as fh:
            return _bounded(fh, size, cap, lambda: error(
                f"{shown}: {kind} is larger than {_size_text(cap)}"))
    except OSError as exc:
        raise error(f"{shown}: {_cannot(kind)}: {exc.strerror}") from None


def _bounded(fh: BinaryIO, size: int, cap: int, too_big: Callable[[], ExoqcError]) -> bytes:
    """All of `fh`, reading the announced size at once (no over-allocation) and the rest,
    if the file grew or its size is not announced (/proc), in blocks up to `cap`."""
    first = fh.read(size + 1)
    if len(first) <= size:
        return first
    parts, total = [first], len(first)
    while block := fh.read(BLOCK):
        total += len(block)
        if total > cap:
            raise too_big()
        parts.append(block)
    if total > cap:
        raise too_big()
    return b"".join(parts)


def sha256(path: str, kind: Kind, error: type[ExoqcError]) -> str:
    """The sha256 of the regular file `path`, streamed (same refusals as read_bytes)."""
    fd, _ = _open(path, kind, error, path)
    digest = hashlib.sha256()
    total = 0
    try:
        with os.fdopen(fd, "rb") as fh:
            for block in iter(lambda: fh.read(BLOCK), b""):
                total += len(block)
                if total > LIMITS[kind]:
                    raise error(f"{path}: {kind} is larger than {_size_text(LIMITS[kind])}")
                digest.update(block)
    except OSError as exc:
        raise error(f"{path}: {_cannot(kind)}: {exc.strerror}") from None
    return digest.hexdigest()


def open_regular(path: str, kind: Kind, error: type[ExoqcError]) -> BinaryIO:
    """A binary stream on the regular file `path` (same refusals as read_bytes); the caller
    reads it in blocks and closes it."""
    fd, _ = _open(path, kind, error, path)
    return os.fdopen(fd, "rb")


def read_stdin(stream: BinaryIO, kind: Kind, error: type[ExoqcError]) -> bytes:
    """Standard input, whole, up to the kind's cap (`error` past it)."""
    cap = LIMITS[kind]
    return _bounded(stream, 0, cap, lambda: error(
        f"<stdin>: {kind} is larger than {_size_text(cap)}"))
