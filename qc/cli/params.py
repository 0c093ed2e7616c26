"""Click parameter types: every option value is checked as click parses it, before any work.

A bad value ends the command with exit 2 and one line naming the option, like every other
usage error (`Error: Invalid value for '--window': ...`), except `--as-of`, whose line has
always read `exoqc: --as-of: ...`.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

import click

from qc.cli.guard import Abort

_NUMBER = r"(\d+(?:\.\d*)?)"
_WINDOW = re.compile(rf"^\s*{_NUMBER}\s*(?:-|\u2013|\u2014|\.\.)\s*{_NUMBER}\s*(?:nm)?\s*$")


class IsoDate(click.ParamType[str, Any]):
    """--as-of DATE: an ISO date (2026-03-07); the value stays the text given."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        from qc.errors import UsageError
        from qc.run import parse_as_of

        try:
            parse_as_of(str(value))
        except UsageError as exc:
            raise Abort(str(exc)) from None
        return str(value)


class Regex(click.ParamType[str, Any]):
    """--id-pattern REGEX: a regular expression Python can compile; the value stays text."""

    name = "REGEX"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            self.fail(f"{value!r} is not a regular expression: {exc}", param, ctx)
        return str(value)


class TextEncoding(click.ParamType[str, Any]):
    """--encoding NAME: a text encoding Python knows (cp1252, gb18030, utf-16); codecs that
    are not text encodings (rot13, base64, zlib) are refused. The value stays as given."""

    name = "NAME"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        from qc.inputs.read import text_encoding

        problem = text_encoding(str(value))
        if problem:
            self.fail(problem, param, ctx)
        return str(value)


class SizeWindow(click.ParamType[tuple[Decimal, Decimal], Any]):
    """--window LOW-HIGH in nm: `30-150`, `30\u2013150` (en dash), `30 - 150 nm` -> (30, 150)."""

    name = "LOW-HIGH"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> tuple[Decimal, Decimal]:
        if isinstance(value, tuple):  # already converted (a default given as a range)
            return value
        found = _WINDOW.match(str(value))
        if found is None:
            self.fail(f"{value!r} is not a size range such as 30-150 (nm)", param, ctx)
        try:
            lo, hi = Decimal(found.group(1)), Decimal(found.group(2))
        except InvalidOperation:  # pragma: no cover - the pattern admits decimals only
            self.fail(f"{value!r} is not a size range such as 30-150 (nm)", param, ctx)
        if lo > hi:
            self.fail(f"{value!r}: the low end is above the high end", param, ctx)
        return lo, hi


class NonEmpty(click.ParamType[str, Any]):
    """Text that is not empty or only white space (e.g. --operator NAME)."""

    name = "TEXT"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str:
        if not str(value).strip():
            self.fail("must not be empty", param, ctx)
        return str(value)


DATE = IsoDate()
REGEX = Regex()
WINDOW = SizeWindow()
NON_EMPTY = NonEmpty()
