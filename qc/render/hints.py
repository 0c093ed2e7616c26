"""Hints said once per report, not once per cell: a result message that ends with a hint's
cause is counted, and the terminal prints the count and the hint in its summary
("284 cells look like decimal commas: try --decimal ,") while each finding's detail keeps
only a short form. The report's own messages (JSON, CSV, ...) are unchanged."""

from __future__ import annotations

import msgspec
import numpy as np

from qc.model import DECIMAL_COMMA_NOT_READ, Reason, Report


class Hint(msgspec.Struct, frozen=True):
    """A message ending (`cause`), what a finding's detail says instead (`short`), and the
    summary line for `n` such cells (`line`, formatted with n and a noun)."""

    cause: str
    short: str
    line: str


HINTS = (
    Hint(cause=DECIMAL_COMMA_NOT_READ, short="a decimal comma (see the hint above)",
         line="{n} {cells} like decimal commas: try --decimal ,"),
)


class Counted(msgspec.Struct, frozen=True):
    """A hint and how many cells it applies to."""

    hint: Hint
    cells: int

    @property
    def line(self) -> str:
        noun = "cell looks" if self.cells == 1 else "cells look"
        return self.hint.line.format(n=self.cells, cells=noun)


def count(report: Report) -> tuple[Counted, ...]:
    """How many check results of every batch end with each hint's cause (only invalid
    results can: the others are not looked at). A column stored as distinct messages and
    codes (qc/engine/coded.py) is tested once per distinct message."""
    totals = dict.fromkeys(HINTS, 0)
    for result in report.results:
        invalid = np.flatnonzero(np.asarray(result.reason) == Reason.INVALID)
        if not len(invalid):
            continue
        codes = getattr(result.message, "codes", None)
        distinct = getattr(result.message, "distinct", None)
        for hint in HINTS:
            if codes is not None and distinct is not None:
                per = np.bincount(np.asarray(codes)[invalid], minlength=len(distinct))
                totals[hint] += sum(int(per[k]) for k, message in enumerate(distinct)
                                    if per[k] and message and message.endswith(hint.cause))
            else:
                totals[hint] += sum(1 for i in invalid.tolist()
                                    if (m := result.message[i]) and m.endswith(hint.cause))
    return tuple(Counted(h, n) for h, n in totals.items() if n)


def shorten(message: str, found: tuple[Counted, ...]) -> str:
    """A finding's detail without the hint that the summary says once."""
    for counted in found:
        if message.endswith(counted.hint.cause):
            return message[: len(message) - len(counted.hint.cause)] + counted.hint.short
    return message
