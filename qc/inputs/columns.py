"""The site column map (`exoqc check --columns map.yaml`): a flat YAML mapping from the
lab's header to the spec's column name (`"Batch No": batch_id`), so that a lab's LIMS
names are judged by a shipped spec without copying its checks. The file is hashed into
the report, protected from -o and re-read by `exoqc verify` like every input."""

from __future__ import annotations

import hashlib

from qc.errors import InputError, YamlError
from qc.model import InputFile, header_key

ROLE = "columns"  # the map file's role among the report's inputs


def read_column_map(path: str) -> tuple[dict[str, str], InputFile]:
    """The map and its file record; InputError (exit 2) naming the file, line or key."""
    from qc.inputs.files import read_bytes
    from qc.spec import yaml12

    raw = read_bytes(path, "spec file", InputError)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: column map: invalid UTF-8 at byte {exc.start}") from None
    try:
        data, _ = yaml12.load(text)
    except YamlError as exc:
        raise InputError(f"{path}:{exc.line}:{exc.column}: column map: {exc}") from None
    if not isinstance(data, dict) or not data:
        raise InputError(f"{path}: column map: not a mapping of lab header to spec column "
                         "(e.g. \"Batch No\": batch_id)")
    out: dict[str, str] = {}
    targets: dict[str, str] = {}
    for lab, column in data.items():
        if not isinstance(lab, str) or not isinstance(column, str) or not lab.strip() \
                or not column.strip():
            raise InputError(f"{path}: column map: {lab!r}: {column!r}: both must be "
                             "non-empty text (a lab header and a spec column)")
        key = header_key(lab)
        if key in {header_key(k) for k in out}:
            raise InputError(f"{path}: column map: {lab!r} is mapped twice")
        if header_key(column) in targets:
            raise InputError(f"{path}: column map: {targets[header_key(column)]!r} and "
                             f"{lab!r} both map to {column!r}")
        targets[header_key(column)] = lab
        out[lab] = column
    record = InputFile(path=path, sha256=hashlib.sha256(raw).hexdigest(), rows=len(out),
                       role=ROLE)
    return out, record


def load_column_map(path: str) -> dict[str, str]:
    return read_column_map(path)[0]
