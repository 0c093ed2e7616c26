"""Release specs: find one, read it with its guards, follow `extends`, check it against the
schema, build a Spec. This module is the façade callers import from; the work is done in

- source.py   finding a spec (built-in name or path) and reading one file with its guards
- yaml12.py   the YAML 1.2 loader that keeps each value's line and column
- extends.py  reading the `extends` chain and merging it into the spec it means
- schema.py   JSON-Schema validation and its messages
- location.py `file:line:col` of a value of the (merged) spec
- build.py    the merged mapping -> Spec, each rule by its rule kind's module (qc.rules)
- lint.py, show.py, starter.py: `spec validate`, `spec show` / `spec list`, `exoqc init`

`qc.spec.schema` is the module (the schema itself is `qc.spec.schema.schema()`).
Importing this module stays light: the rule modules (numpy, pyarrow) load with the first
spec built.
"""

from __future__ import annotations

from qc.model import Spec, SpecFile
from qc.spec.extends import Resolved, merge, merge_all, resolve
from qc.spec.schema import (
    SCHEMA_FULL,
    SCHEMA_PART,
    check_file,
    schema_for,
    schema_problems,
    validate,
)
from qc.spec.source import BUILTIN, MAX_SPEC_BYTES, Source, read_source, specs_dir

__all__ = [
    "BUILTIN", "MAX_SPEC_BYTES", "SCHEMA_FULL", "SCHEMA_PART", "Resolved", "Source",
    "build_spec", "load_spec", "merge", "merge_all", "parse_spec", "resolve", "schema_for",
    "schema_problems", "specs_dir",
]


def load_spec(name_or_path: str) -> Spec:
    """Load a built-in spec by name (`clinical`, `research`) or any spec file by path,
    following its `extends` chain."""
    return build_spec(resolve(name_or_path))


def parse_spec(raw: bytes, shown: str) -> Spec:
    """Build a Spec from one file's bytes (no `extends`); `shown` names it in errors."""
    source = read_source(raw, shown, None)
    check_file(source.data, source.where)
    if "extends" in source.data:
        raise source.where.error(("extends",), "extends needs a spec file on disk")
    return build_spec(Resolved((source,)))


def build_spec(resolved: Resolved) -> Spec:
    """The Spec a resolved chain means: merged, checked against the full schema, built."""
    from qc.spec.build import build  # deferred: loads every rule kind (numpy, pyarrow)

    data, where, lineage = merge_all(resolved)
    if not all(source.checked for source in resolved.chain):  # else known valid: shipped.py
        validate(data, where, SCHEMA_FULL)
    files = tuple(SpecFile(s.shown, s.sha256) for s in resolved.chain)
    return build(data, where, files, lineage=lineage)
