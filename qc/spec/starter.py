"""`exoqc init`: a commented starter spec and a sample CSV that pass together."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from qc.errors import OutputError

SPEC_NAME = "spec.yaml"
CSV_NAME = "batches.csv"

STARTER_SPEC = """\
# A starter release specification for exoqc. Edit the limits to your product's own
# specification; every number here is an example, not a standard.
# The whole language is described in docs/spec-format.md; check your edits with
#   exoqc spec validate spec.yaml
# and see the spec in lab notation with
#   exoqc spec show spec.yaml

name: my-ev-product               # recorded in every report
version: "0.1"                    # quote versions so that 0.10 stays 0.10
title: Starter release specification
status: draft                     # draft prints NOT FOR RELEASE; set approved when it is
# effective_date: 2026-01-01      # not for release before this date
# approved_by: QA, J. Doe
# extends: clinical               # inherit a built-in spec or another file, then override
id_column: batch_id               # the column that names each batch

# Attributes computed from columns: + - * / and parentheses. Write a column name
# that is not an identifier in backticks, e.g. `Mean size (nm)`.
derived:
  particles_per_ug_protein: particle_concentration_per_ml / protein_ug_per_ml

checks:
  # Numeric limits: min/max fail outside, warn_min/warn_max warn outside.
  # `column` may list alternatives: each row uses the first one with a value.
  - name: particle_size
    column: [mean_particle_size_nm, "Mean size (nm)"]
    unit: nm
    min: 30
    max: 150
    warn_min: 40
    warn_max: 140

  # A derived attribute is checked like a column.
  - name: purity
    column: particles_per_ug_protein
    unit: particles/µg
    min: 2.0e+9

  # Strict limits as release tables write them: "< 0.5 EU/mL".
  - name: endotoxin
    column: endotoxin_eu_per_ml
    unit: EU/mL
    max_exclusive: 0.5

  # The whole value must be one of these words (case, dashes and spacing ignored).
  - name: sterility
    column: sterility
    allowed: [no growth, negative]

  # Dates: ISO 2026-03-07 or the formats in date_format; limits may be dates,
  # today, today+30d, or another column (min_exclusive: strictly after it).
  - name: shelf_life
    column: expiry_date
    type: date
    min_exclusive: {column: manufacture_date}

  # Recorded and shown, never judged.
  - name: protein
    column: protein_ug_per_ml
    report_only: true
"""

STARTER_CSV = """\
batch_id,manufacture_date,expiry_date,mean_particle_size_nm,particle_concentration_per_ml,\
protein_ug_per_ml,endotoxin_eu_per_ml,sterility
EV-001,2026-01-10,2027-01-10,112,3.1E+11,18.2,0.08,No growth
EV-002,2026-02-02,2027-02-02,0.118 µm,2.6E+11,15.0,<0.05,Negative
EV-003,2026-03-05,2027-03-05,125,2.9E+11,<2,0.12,No growth
"""


def write_starter(folder: str) -> Iterator[str]:
    """Write the starter files into `folder`; OutputError if either exists already."""
    target = Path(folder)
    spec_path = target / SPEC_NAME
    csv_path = target / CSV_NAME
    for path in (spec_path, csv_path):
        if path.exists() or path.is_symlink():
            raise OutputError(f"{path}: already exists; refusing to overwrite it")
    try:
        target.mkdir(parents=True, exist_ok=True)
        for path, text in ((spec_path, STARTER_SPEC), (csv_path, STARTER_CSV)):
            # O_EXCL: never replace a file that appeared since the check above
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
    except FileExistsError as exc:
        raise OutputError(f"{exc.filename}: already exists; refusing to overwrite it") from None
    except OSError as exc:
        raise OutputError(f"{exc.filename or target}: cannot write: {exc.strerror}") from None
    yield f"wrote {spec_path}"
    yield f"wrote {csv_path}"
    yield f"next: exoqc check {csv_path} --spec {spec_path}"
