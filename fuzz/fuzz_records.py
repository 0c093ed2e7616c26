"""Fuzz the batch-file reader and the cell rules with atheris (not run in CI).

    pip install atheris    # in the environment where exoqc is installed
    python fuzz/fuzz_records.py -max_total_time=300 -timeout=30 fuzz/corpus/records

Every input must end in a Report or an `ExoqcError`; any other exception is a crash, which
atheris reports with the input that caused it (fuzz/harness.py says what runs). Turn each
crash into a file under tests/robustness/fuzz_regressions/records/. See docs/testing.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["qc"]):
    from harness import check_records


def main() -> None:
    atheris.Setup(sys.argv, check_records)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
