"""Fuzz the spec loader (YAML 1.2 and JSON) with atheris (not run in CI).

    /work/venv/bin/pip install atheris
    python fuzz/fuzz_spec.py -max_total_time=300 fuzz/corpus/spec

Every input must give a Spec or a `SpecError`; anything else is a crash. The first byte
picks YAML or JSON. The shipped specs make a good seed corpus (see docs/testing.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Only qc is instrumented: atheris 2.3's bytecode rewriting of PyYAML's scanner on
# Python 3.11 raised a spurious AttributeError ('str' object has no attribute 'prefix')
# that the uninstrumented loader never does (see docs/testing.md).
with atheris.instrument_imports(include=["qc"]):
    from qc.errors import SpecError
    from qc.spec import parse_spec


def test_one(data: bytes) -> None:
    name = "fuzz.json" if data[:1] == b"{" else "fuzz.yaml"
    try:
        parse_spec(data, name)
    except SpecError:
        pass


def main() -> None:
    atheris.Setup(sys.argv, test_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
