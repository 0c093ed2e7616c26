"""One check of a spec as the spec builder hands it to a rule module's `build`, and the
words every rule module uses to name a spec value in an error.

Light on purpose (no numpy, no pyarrow): the spec's schema messages use `shown` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol

import msgspec

from qc.errors import SpecError

SpecPath = tuple[str | int, ...]


class Where(Protocol):
    """Turns a path inside the spec into a located SpecError (qc.spec.location.Locator)."""

    def error(self, path: SpecPath, message: str) -> SpecError: ...


class Entry(msgspec.Struct, frozen=True):
    """A check's mapping as written, where it sits, and the spec-wide defaults it inherits."""

    item: Mapping[str, Any]
    at: SpecPath  # ("checks", i)
    where: Where
    rounding: str | None = None  # the spec's `rounding`
    date_formats: tuple[str, ...] = ()  # the spec's `date_format`

    def error(self, path: SpecPath, message: str) -> SpecError:
        """A SpecError located at a key (or deeper) of this check."""
        return self.where.error((*self.at, *path), message)

    def refuse(self, key: str, message: str) -> None:
        """SpecError when the check sets `key`, which this rule kind does not take."""
        if key in self.item:
            raise self.error((key,), message)

    def plain(self) -> None:
        """A rule kind without limits: refuse what only limits or dates take."""
        if self.item.get("type") == "date":
            raise self.error(("type",), "type: date needs min, max, warn_min or warn_max")
        self.refuse("date_format", "date_format applies only to type: date checks")
        self.refuse("unit", "unit applies only to min/max limits")
        self.refuse("rounding", "rounding applies only to min/max limits")


def shown(value: Any) -> str:
    """A spec value as an error message names it: `the number 5`, `'abc'`, `a list`."""
    if isinstance(value, Decimal):
        return f"the number {value}"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if value is None:
        return "empty"
    if isinstance(value, str):
        from qc.inputs.files import excerpt  # quote at most 80 characters of a token

        return repr(excerpt(value))
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
