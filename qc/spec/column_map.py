"""What a site column map (`columns:` in a spec, or `check --columns FILE`) may not do:
take a column the spec reads away from the checks that read it.

A map renames the lab's headers to the spec's column names. Renaming a header that is
itself a column the spec reads (a check's column, a derived attribute's input, the id,
date or grouping columns) to something else would let another column of the same file
stand in for it: `endo_screen: endotoxin_eu_per_ml` together with
`endotoxin_eu_per_ml: old` judges the screening value and hides the real result. Such a
map is refused, whichever file it comes from."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from qc.model import Spec, header_key


def read_columns(spec: Spec) -> dict[str, str]:
    """Header key -> what reads it (for the message), for every column the spec reads."""
    read: dict[str, str] = {}
    for check in spec.checks:
        if spec.derived_named(check.column) is None:
            for column in check.alternatives:
                read.setdefault(header_key(column), f"check {check.name!r}")
    for derived in spec.derived:
        for column in derived.inputs:
            read.setdefault(header_key(column), f"derived attribute {derived.name!r}")
    roles: tuple[tuple[str, str | None], ...] = (
        ("the id column", spec.id_column),
        ("manufacture_column", spec.manufacture_column),
        ("expiry_column", spec.expiry_column),
        ("replicate_column", spec.replicate_column),
        ("result_status_column", spec.result_status_column),
        ("invalidation_column", spec.invalidation_column))
    for role, wanted in roles:
        if wanted:
            read.setdefault(header_key(wanted), role)
    return read


def taken_away(mapping: Iterable[tuple[str, str]], read: Mapping[str, str]) -> list[str]:
    """One problem per entry that renames a column the spec reads to another name."""
    problems = []
    for lab, column in mapping:
        key = header_key(lab)
        if key in read and header_key(column) != key:
            problems.append(f"{lab!r}: {column!r} renames a column {read[key]} reads; a map "
                            "may only name headers the spec does not read")
    return problems
