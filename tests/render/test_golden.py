"""Report formats against golden files (rewrite them with `pytest --update-golden`, then review
the diff). Inputs sit in tests/render/golden/ and are named by relative path, so the output
holds no absolute path; SOURCE_DATE_EPOCH fixes the timestamp."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import mask_versions, run_cli

EPOCH = {"SOURCE_DATE_EPOCH": "1764000000"}


@pytest.fixture
def in_golden_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).parent / "golden")


@pytest.mark.usefixtures("in_golden_dir")
@pytest.mark.parametrize(("fmt", "args", "name"), [
    ("table", (), "report.txt"),
    ("table", ("--verbose",), "report-verbose.txt"),
    ("json", (), "report.json"),
])
def test_stdout_formats(fmt: str, args: tuple[str, ...], name: str,
                        golden: Callable[[str, str], None]) -> None:
    r = run_cli("check", "batches.csv", "--spec", "spec.yaml", "-f", fmt, *args, env=EPOCH)
    assert (r.code, r.err) == (1, ""), r
    golden(name, mask_versions(r.out))


@pytest.mark.usefixtures("in_golden_dir")
def test_report_files_match_stdout(tmp_path: object) -> None:
    out = f"{tmp_path}/r.json"
    r = run_cli("check", "batches.csv", "--spec", "spec.yaml", "-o", out, "--quiet", env=EPOCH)
    assert (r.code, r.out) == (1, "")
    printed = json.loads(
        run_cli("check", "batches.csv", "--spec", "spec.yaml", "-f", "json", env=EPOCH).out)
    with open(out, encoding="utf-8") as fh:
        written = json.load(fh)
    # The two runs differ only in their command line, which the report records.
    assert written["provenance"].pop("command")[-2:] == [out, "--quiet"]
    assert printed["provenance"].pop("command")[-2:] == ["-f", "json"]
    assert written == printed
