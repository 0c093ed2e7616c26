"""What a rule returns: status, reason and message columns for one check."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qc.model import Codes, Reason, Status


@dataclass(frozen=True, eq=False)
class Outcome:
    status: Codes
    reason: Codes
    message: npt.NDArray[np.object_]  # str or None per row


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
