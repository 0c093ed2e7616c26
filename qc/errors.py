"""The exception hierarchy: everything that stops a run from reaching a verdict (exit 2)."""

from __future__ import annotations


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
