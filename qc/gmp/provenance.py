"""The attribution of a run: who (operator), where (host), with what (versions), when (UTC)
and how (the command line and the options that decide the verdict)."""

from __future__ import annotations

import datetime as dt
import getpass
import os
import platform
import socket
import time
from typing import Protocol

from qc import __version__
from qc.model import Provenance

# The components whose versions a report records, after exoqc and Python itself.
COMPONENTS = ("numpy", "pandas", "pyarrow", "jsonschema", "click", "rich", "msgspec")
# Environment overrides, e.g. for byte-identical reports across CI runners.
OPERATOR_ENV = "EXOQC_OPERATOR"
HOST_ENV = "EXOQC_HOST"
UNKNOWN = "unknown"


class Attributable(Protocol):
    """What a run was asked to do, as far as the record needs it (`qc.run.RunOptions`)."""

    @property
    def inputs(self) -> tuple[str, ...]: ...
    @property
    def spec(self) -> str: ...
    @property
    def decimal_comma(self) -> bool: ...
    @property
    def sheet(self) -> str | None: ...
    @property
    def joins(self) -> tuple[str, ...]: ...
    @property
    def id_pattern(self) -> str | None: ...
    @property
    def fail_on(self) -> str: ...
    @property
    def operator(self) -> str | None: ...
    @property
    def command(self) -> tuple[str, ...]: ...
    @property
    def as_of(self) -> str | None: ...
    @property
    def header_row(self) -> int | None: ...
    @property
    def columns(self) -> str | None: ...
    @property
    def encoding(self) -> str | None: ...


def utc_now() -> str:
    """The report's timestamp: now, or SOURCE_DATE_EPOCH when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch and epoch.isdigit() else time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def today() -> dt.date:
    """The date `today` means when no --as-of is given: the local date, or the date of
    SOURCE_DATE_EPOCH when set (reproducible runs: the same date as generated_at)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def provenance(options: Attributable) -> Provenance:
    """The attribution of a run: operator, host, software versions, command and options."""
    return Provenance(
        operator=operator(options.operator),
        host=host(),
        command=options.command,
        versions=versions(),
        spec=options.spec,
        inputs=options.inputs,
        decimal="," if options.decimal_comma else ".",
        fail_on=options.fail_on,
        as_of=options.as_of,
        sheet=options.sheet,
        joins=options.joins,
        id_pattern=options.id_pattern,
        header_row=options.header_row,
        columns=options.columns,
        encoding=options.encoding,
    )


def operator(given: str | None = None) -> str:
    """Who ran exoqc: --operator, else $EXOQC_OPERATOR, else the OS login name."""
    for candidate in (given, os.environ.get(OPERATOR_ENV)):
        if candidate and candidate.strip():
            return candidate.strip()
    try:
        return getpass.getuser() or UNKNOWN
    except (OSError, KeyError, ImportError):  # no login name (e.g. a container's bare uid)
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else UNKNOWN


def host() -> str:
    """The machine's name, or $EXOQC_HOST when set."""
    given = os.environ.get(HOST_ENV, "").strip()
    if given:
        return given
    try:
        return socket.gethostname() or platform.node() or UNKNOWN
    except OSError:
        return platform.node() or UNKNOWN


def versions() -> tuple[tuple[str, str], ...]:
    """exoqc's, Python's and each component's version ("not installed" when absent), read
    from the installed METADATA without importing importlib.metadata (qc/versions.py)."""
    from qc.versions import installed_version

    return (("exoqc", __version__), ("python", platform.python_version()),
            *((name, installed_version(name) or "not installed") for name in COMPONENTS))
