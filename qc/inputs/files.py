"""Reading a file the user named, with errors that say which file and what went wrong."""

from __future__ import annotations

from pathlib import Path

from qc.errors import ExoqcError


def read_bytes(path: str, what: str, error: type[ExoqcError]) -> bytes:
    """The bytes of `path`; `error` naming the file as a `what` (a report, a private key)."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except IsADirectoryError:
        article = "an" if what[:1] in "aeiou" else "a"
        raise error(f"{path}: is a folder, not {article} {what}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read {what}: {exc.strerror}") from None
