"""What a rule returns: status, reason and message columns for one check."""

from __future__ import annotations

import msgspec
import numpy as np
import numpy.typing as npt

from qc.model import Codes, Reading, Readings, Reason, Status


class Outcome(msgspec.Struct, frozen=True, eq=False):
    """`readings`: what the rule read from each cell it was given (the engine adds the
    missing, absent, broken and invisible cells); None for a rule that reads text only."""

    status: Codes
    reason: Codes
    message: npt.NDArray[np.object_]  # str or None per row
    readings: Readings | None = None


def blank(n: int) -> Outcome:
    """Every row passing, with nothing to say."""
    return Outcome(
        np.full(n, Status.PASS, dtype=np.int8),
        np.full(n, Reason.NONE, dtype=np.int8),
        np.full(n, None, dtype=object),
    )


def mark(out: Outcome, rows: npt.NDArray[np.bool_] | npt.NDArray[np.intp], status: Status,
         reason: Reason) -> None:
    out.status[rows] = status
    out.reason[rows] = reason


def states(n: int, invalid: npt.NDArray[np.bool_] | None = None,
           not_a_result: npt.NDArray[np.bool_] | None = None) -> Codes:
    """A `Reading` per cell: VALUE, except the cells a rule could not read."""
    state = np.full(n, Reading.VALUE, dtype=np.int8)
    if invalid is not None:
        state[invalid] = Reading.INVALID
    if not_a_result is not None:
        state[not_a_result] = Reading.NOT_A_RESULT
    return state
