"""Fuzz the spec loader (YAML 1.2 and JSON) with atheris (not run in CI).

    pip install atheris    # in the environment where exoqc is installed
    python fuzz/fuzz_spec.py -max_total_time=300 fuzz/corpus/spec

Every input must give a Spec or a `SpecError`; anything else is a crash (fuzz/harness.py).
The shipped specs (specs/*.yaml) make a good seed corpus. Turn each crash into a file under
tests/robustness/fuzz_regressions/spec/. See docs/testing.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Only qc is instrumented: atheris 2.3's bytecode rewriting of PyYAML's scanner on
# Python 3.11 raised a spurious AttributeError ('str' object has no attribute 'prefix')
# that the uninstrumented loader never raises (see docs/testing.md).
with atheris.instrument_imports(include=["qc"]):
    from harness import check_spec


def main() -> None:
    atheris.Setup(sys.argv, check_spec)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
