"""What checking a spec against its JSON Schema costs a whole `exoqc` process.

Usage (from the repository root):
    python benchmarks/spec_validation.py [--runs 21] [--spec clinical]

Paired whole-process runs, interleaved, of the Quick-start baseline
(`python -c "import pyarrow.compute, numpy"`) and of `exoqc check sample_data/batches.csv
--spec clinical --quiet` and a process that only loads the spec, each with

- `jsonschema_rs`: as shipped, jsonschema-rs says whether the spec is valid (jsonschema
  only words the problems of an invalid one);
- `jsonschema`: jsonschema validates every file and the merged spec (the quick check off).

Prints each median, wall time and CPU time (user + system of the child, steadier on a
loaded machine), and its ratio to the baseline (the Quick-start target is <= 1.5x in wall
time). Wall time on a shared machine moves between runs: compare within one run. Never run
in CI.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import sys
variant, command = sys.argv[1], sys.argv[2:]
if variant == "jsonschema":
    import qc.spec.schema as schema
    schema.valid = lambda document, kind: False
if command[0] == "load":
    from qc.spec import load_spec
    load_spec(command[1])
else:
    from qc.cli import main
    main(command, prog_name="exoqc")
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--spec", default="clinical")
    a = ap.parse_args()
    variants = ["jsonschema_rs", "jsonschema"]
    commands: dict[str, list[str]] = {
        "baseline": [sys.executable, "-c", "import pyarrow.compute, numpy"]}
    for variant in variants:
        commands[f"load spec, {variant}"] = [sys.executable, "-c", CHILD, variant, "load",
                                             a.spec]
    for variant in variants:
        commands[f"check, {variant}"] = [sys.executable, "-c", CHILD, variant, "check",
                                         "sample_data/batches.csv", "--spec", a.spec, "--quiet"]
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(a.runs):
        for name, command in commands.items():
            start = time.perf_counter()
            child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            _, _, usage = os.wait4(child.pid, 0)
            child.returncode = 0  # reaped above
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(usage.ru_utime + usage.ru_stime)
    base_wall = statistics.median(wall["baseline"])
    base_cpu = statistics.median(cpu["baseline"])
    print(f"{'':28s} {'wall':>8s}  {'ratio':>5s}   {'cpu':>8s}  {'ratio':>5s}")
    for name in commands:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:28s} {w * 1000:6.0f} ms  {w / base_wall:4.2f}x   {c * 1000:6.0f} ms  "
              f"{c / base_cpu:4.2f}x")


if __name__ == "__main__":
    main()
