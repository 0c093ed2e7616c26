"""Move data between Python, NumPy and Arrow without making pyarrow import pandas.

pyarrow imports pandas (more time than a whole `exoqc check` of a typical file) the first
time it converts a Python or NumPy object to Arrow (`pa.array`, `pa.scalar`, a Python
value given to a compute function) or an Arrow array to NumPy (`to_numpy`), only to
learn whether pandas objects are involved. exoqc's hot path therefore goes through the
buffers with these helpers. Arrays with nulls, which the hot path never produces, take
pyarrow's own conversion (and its pandas import). Using `pa.array(...)` or `to_numpy()`
elsewhere is correct, only slower to start: tests/cli/test_startup_imports.py guards the path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa


def texts(values: Sequence[str]) -> pa.Array:
    """A large_string array of Python strings, built from its buffers."""
    encoded = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return pa.Array.from_buffers(pa.large_string(), len(encoded),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))])


def text_scalar(value: str) -> pa.Scalar:
    return texts([value])[0]


def bools(mask: npt.NDArray[np.bool_]) -> pa.Array:
    """A boolean Arrow array (no nulls) from a NumPy mask."""
    packed = np.packbits(np.ascontiguousarray(mask, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, pa.py_buffer(packed)])


def indices(positions: npt.NDArray[Any]) -> pa.Array:
    """An int64 Arrow array from NumPy integers (for `take`)."""
    data = np.ascontiguousarray(positions, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


def string_bytes(array: pa.Array) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
    """A string array without nulls as (offsets from 0, the bytes they index): views of its
    buffers, no copy of the text."""
    assert not array.null_count, "string_bytes: an array with nulls"
    wide = pa.types.is_large_string(array.type) or pa.types.is_large_binary(array.type)
    raw = np.frombuffer(array.buffers()[1], dtype=np.int64 if wide else np.int32,
                        count=len(array) + 1, offset=array.offset * (8 if wide else 4))
    offsets = raw.astype(np.int64) - raw[0]
    data = np.frombuffer(array.buffers()[2] or b"", dtype=np.uint8)[raw[0]:raw[-1]]
    return offsets, data


def to_numpy(array: pa.Array | pa.ChunkedArray) -> npt.NDArray[Any]:
    """A boolean or fixed-width numeric Arrow array as a (writable) NumPy array."""
    if isinstance(array, pa.ChunkedArray):
        parts = [to_numpy(chunk) for chunk in array.chunks]
        if parts:
            return np.concatenate(parts)
        return array.to_numpy(zero_copy_only=False)  # type: ignore[no-any-return]
    kind = array.type
    if array.null_count or not (pa.types.is_boolean(kind) or pa.types.is_integer(kind)
                                or pa.types.is_floating(kind)):
        return array.to_numpy(zero_copy_only=False)  # type: ignore[no-any-return]
    n, offset = len(array), array.offset
    data = array.buffers()[1]
    if pa.types.is_boolean(kind):
        if data is None:
            return np.zeros(0, dtype=bool)
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8), count=offset + n,
                             bitorder="little")
        return bits[offset:].astype(bool)
    dtype = np.dtype(kind.to_pandas_dtype())
    if data is None:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=n, offset=offset * dtype.itemsize).copy()
