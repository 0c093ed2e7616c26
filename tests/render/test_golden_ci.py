"""Every report format through the CLI, against golden files in tests/render/golden/ci/.

One command reads two inputs (tests/render/golden/ci/inputs/lab1.csv, lab2.csv) and writes four
reports with repeated -o while printing the GitHub annotations on stdout; each output is
compared whole with its golden file. The run is made deterministic by
SOURCE_DATE_EPOCH, by relative paths from a temporary working folder, and by writing the
tool version as `<version>`.

To regenerate the golden files after an intended change, run

    pytest tests/render/test_golden_ci.py --update-golden

and review the diff of tests/render/golden/ci/ before committing it. The comparison (the
`golden` fixture of tests/conftest.py) is byte for byte, the CSV report's CRLF line ends
included.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import STABLE_ENV, mask_versions, run_cli

GOLDEN = Path(__file__).parent / "golden" / "ci"
INPUTS = GOLDEN / "inputs"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
OUTPUTS = {
    "report.xml": "junit.xml",
    "summary.md": "summary.md",
    "report.csv": "report.csv",
    "report.json": "report.json",
}


def normalise(text: str) -> str:
    return mask_versions(text)


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    work = tmp_path_factory.mktemp("golden")
    for name in ("lab1.csv", "lab2.csv", "spec.yaml"):
        shutil.copyfile(INPUTS / name, work / name)
    before = Path.cwd()
    os.chdir(work)
    try:
        args = ["check", "lab1.csv", "lab2.csv", "--spec", "spec.yaml", "--format", "github"]
        for name in OUTPUTS:
            args += ["-o", f"out/{name}"]
        run = run_cli(*args, env={"SOURCE_DATE_EPOCH": EPOCH, "GITHUB_ACTIONS": None, **STABLE_ENV})
    finally:
        os.chdir(before)
    assert (run.code, run.err) == (1, ""), run
    files = {golden: (work / "out" / name).read_bytes().decode("utf-8")
             for name, golden in OUTPUTS.items()}
    files["annotations.txt"] = run.out
    return {name: normalise(text) for name, text in files.items()}


@pytest.mark.parametrize("name", [*OUTPUTS.values(), "annotations.txt"])
def test_matches_golden(produced: dict[str, str], name: str,
                        golden: Callable[[str, str], None]) -> None:
    golden(f"ci/{name}", produced[name])


def test_several_inputs_and_outputs_in_one_command(produced: dict[str, str]) -> None:
    import json

    report = json.loads(produced["report.json"])
    assert [(i["path"], i["rows"]) for i in report["inputs"]] == [
        ("lab1.csv", 5), ("lab2.csv", 5)]
    assert [(b["batch_id"], b["input"], b["row"]) for b in report["batches"]] == [
        ("EXO-001", "lab1.csv", 2), ("EXO-002", "lab1.csv", 3), ("EXO-003", "lab1.csv", 4),
        ("EXO-004", "lab1.csv", 5), ("EXO-005", "lab1.csv", 6), ("EXO-006", "lab2.csv", 2),
        ("EXO-001", "lab2.csv", 3), ("@SUM(A1)", "lab2.csv", 4), ("EXO-008", "lab2.csv", 6),
        ("EXO:9,b%", "lab2.csv", 7)]
    # The id in both files fails in both, naming the other place.
    identity = {(b["input"], b["row"]): b["checks"][0] for b in report["batches"]
                if b["batch_id"] == "EXO-001"}
    assert identity[("lab1.csv", 2)]["message"] == "batch id also on lab2.csv row 3"
    assert identity[("lab2.csv", 3)]["message"] == "batch id also on lab1.csv row 2"
