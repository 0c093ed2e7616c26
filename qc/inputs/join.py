"""Joined inputs: add the columns of other files to the batch rows with the same batch id.

A join file is a CSV with the spec's id column (such as the summary `exoqc nta -o`
writes) or a particle-size export, summarised on the fly; every export given to
`--join` goes into one summary, as `exoqc nta` would write it. Ids match ignoring case
and surrounding spaces. The work is column-wise (Arrow `index_in` and `take`), never a
Python loop over rows.

- a batch with no row in a join file gets that file's columns missing;
- a join row whose id is not a batch of the main input is ignored, with a note;
- a column already present is ambiguous (exit 2) unless both sides hold the same text
  for every batch that has a value on both sides;
- a join file that repeats an id is ambiguous (exit 2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qc.errors import InputError
from qc.inputs.read import load_table
from qc.inputs.table import Table
from qc.model import InputFile, header_key
from qc.text import id_keys

MAX_LISTED = 10  # unmatched ids named in a note before "and N more"


class JoinSource(msgspec.Struct, frozen=True, eq=False):
    """One join input as text columns keyed like the batch table's."""

    name: str  # how messages name it: the file, or the exports
    files: tuple[InputFile, ...]
    columns: dict[str, pa.ChunkedArray]
    duplicated: dict[str, str]
    locate: Callable[[int], str]  # join row index -> "row 7" or the export's file name
    headers: dict[str, str] = msgspec.field(default_factory=dict)  # key -> the header as written


def load_joins(paths: Sequence[str], id_column: str, *, id_pattern: str | None = None
               ) -> list[JoinSource]:
    """Read each join CSV, and summarise every instrument export into one source."""
    from qc.nta.importer import is_export

    exports = [p for p in paths if is_export(Path(p))]
    sources = [_csv_source(p) for p in paths if p not in exports]
    if exports:
        sources.append(_export_source(exports, id_column, id_pattern))
    return sources


def _csv_source(path: str) -> JoinSource:
    table = load_table([path])
    file = msgspec.structs.replace(table.inputs[0], role="join")
    rows = table.rows
    return JoinSource(path, (file,), dict(table.columns), dict(table.duplicated),
                      lambda i: f"row {int(rows[i])}", dict(table.headers))


def _export_source(paths: Sequence[str], id_column: str, id_pattern: str | None
                   ) -> JoinSource:
    from qc.nta.summarise import NtaOptions, run_nta, summary_columns

    run = run_nta(NtaOptions(tuple(paths), id_pattern=id_pattern))
    text = summary_columns(run.summaries)
    id_key = header_key(id_column)
    columns = {id_key if k == "batch_id" else header_key(k): pa.chunked_array(
        [pa.array(v, pa.large_string())]) for k, v in text.items()}
    files = tuple(msgspec.structs.replace(f, role="join") for f in run.inputs)
    name = paths[0] if len(paths) == 1 else f"{paths[0]} (and {len(paths) - 1} more exports)"
    return JoinSource(name, files, columns, {}, lambda i: str(paths[i]))


def join_inputs(table: Table, sources: Sequence[JoinSource], id_column: str
                ) -> tuple[Table, tuple[str, ...]]:
    """The table with every source's columns added, and the notes (warnings) to report."""
    id_key = header_key(id_column)
    if id_key not in table.columns:
        raise InputError(f"{table.inputs[0].path}: no column {id_column!r} to join "
                         f"{sources[0].name} on")
    main_ids = _normalise(table.columns[id_key])
    columns = dict(table.columns)
    present = dict(table.present)
    duplicated = dict(table.duplicated)
    origin = {key: _holder(table, key) for key in columns}
    everywhere = frozenset(range(len(table.inputs)))
    notes: list[str] = []
    for source in sources:
        if id_key not in source.columns:
            raise InputError(f"{source.name}: no column {id_column!r} (the spec's id column) "
                             "to join on")
        raw_ids = source.columns[id_key].combine_chunks()
        ids = _normalise(raw_ids)
        _refuse_bad_ids(source, raw_ids, ids)
        index = pc.index_in(main_ids, value_set=ids)
        unmatched = pc.invert(pc.is_in(ids, value_set=main_ids))
        if pc.any(unmatched).as_py():
            notes.append(_unmatched_note(source, raw_ids.filter(unmatched)))
        for key, column in source.columns.items():
            if key == id_key:
                continue
            taken = column.take(index).cast(pa.large_string())
            if key in columns:
                _refuse_conflict(source, source.headers.get(key, key), origin[key],
                                 columns[key], taken,
                                 table.columns[id_key])
                columns[key] = pc.coalesce(columns[key], taken)
            else:
                columns[key] = taken
                origin[key] = source.name
                if key in source.duplicated:
                    duplicated.setdefault(key, source.duplicated[key])
            present[key] = everywhere
    joined = tuple(f for s in sources for f in s.files)
    out = msgspec.structs.replace(table, columns=columns, present=present, duplicated=duplicated,
                              joined=table.joined + joined)
    return out, tuple(notes)


def _normalise(ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Ids as batch_identity compares them (qc/text.py id_keys): two join rows that are one
    batch are ambiguous, never one joined and the other ignored."""
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    return id_keys(pc.utf8_trim_whitespace(ids))


def _holder(table: Table, key: str) -> str:
    first = min(table.present.get(key, frozenset({0})))
    return table.inputs[first].path


def _refuse_bad_ids(source: JoinSource, raw: pa.Array, ids: pa.Array) -> None:
    empty = pc.fill_null(pc.equal(ids, ""), True)
    if pc.any(empty).as_py():
        first = int(pc.index(empty, True).as_py())
        raise InputError(f"{source.name}: {source.locate(first)} has no batch id; cannot join it")
    counts = pc.value_counts(ids)
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    if len(repeated):
        where = np.flatnonzero(pc.equal(ids, repeated[0]).to_numpy(zero_copy_only=False))
        places = " and ".join(source.locate(int(i)) for i in where[:2])
        more = f" (and {len(where) - 2} more)" if len(where) > 2 else ""
        shown = raw[int(where[0])].as_py().strip()
        raise InputError(f"{source.name}: batch id {shown!r} is on {places}{more}; "
                         "ambiguous: cannot tell which to join")


def _refuse_conflict(source: JoinSource, name: str, holder: str, current: pa.ChunkedArray,
                     taken: pa.ChunkedArray, ids: pa.ChunkedArray) -> None:
    now = pc.utf8_trim_whitespace(current)
    new = pc.utf8_trim_whitespace(taken)
    differ = pc.fill_null(pc.not_equal(now, new), False)
    if not pc.any(differ).as_py():
        return
    i = int(pc.index(differ, True).as_py())
    batch = ids[i].as_py()
    raise InputError(f"{source.name}: column {name!r} is also in {holder} with a different "
                     f"value for batch {batch!r} ({now[i].as_py()!r} there, {new[i].as_py()!r} "
                     "here); ambiguous")


def _unmatched_note(source: JoinSource, ids: pa.Array) -> str:
    shown = [str(v).strip() for v in ids.to_pylist()[:MAX_LISTED]]
    more = f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else ""
    noun = "batch id" if len(ids) == 1 else "batch ids"
    return (f"{source.name}: {len(ids)} joined {noun} not in the batch file, ignored: "
            f"{', '.join(shown)}{more}")
