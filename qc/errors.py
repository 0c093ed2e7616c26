"""Every exception class exoqc raises, in one place. Imports nothing but the standard library.

`ExoqcError` and its subclasses stop a run from reaching a verdict (exit 2): the command line's
edge (`qc.cli.guard`) prints their message as one line. The three `ValueError` subclasses are
raised by low-level parsers (YAML, derived expressions, instrument exports); the module that
calls each parser turns them into a located `SpecError` or `InputError`.
"""

from __future__ import annotations

from pathlib import Path


class ExoqcError(Exception):
    """A run could not judge: bad input, bad spec, or an unwritable report.

    The message is one plain line that names the file and the problem.
    """


class SpecError(ExoqcError):
    """The spec file is missing, unreadable, malformed or contradicts itself."""


class InputError(ExoqcError):
    """A batch file is missing, unreadable, malformed, or lacks a column the spec needs."""


class OutputError(ExoqcError):
    """A report file cannot be written."""


class UsageError(ExoqcError):
    """An option value the command cannot use (e.g. a malformed --as-of date)."""


class InstrumentFileError(InputError):
    """An instrument export cannot be read or is not one this package knows (exit 2).

    `str()` is one plain line: "<path>: <problem>".
    """

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(path, message)
        self.path = Path(path)
        self.message = " ".join(message.split())

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class VerifyError(ExoqcError):
    """A report cannot be verified: it, or a file it names, is missing or unreadable."""


class KeyFileError(ExoqcError):
    """A key file is missing, unreadable, or not an Ed25519 key."""


class AuditError(ExoqcError):
    """The audit log cannot be read or appended to."""


# Parser-level errors: a ValueError with what the caller needs to locate it.

class YamlError(ValueError):
    """Malformed YAML; `line` and `column` are 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class ExpressionError(ValueError):
    """An expression a spec may not use; the message says why."""


class ExportFormatError(ValueError):
    """A parser found the export malformed; `summarise()` adds the file's path."""


class LinkError(ExpressionError):
    """A derived attribute that cannot be linked (a cycle, too deep, too large); `name` is
    the attribute to blame."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
