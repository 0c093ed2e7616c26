"""A glob that the shell left as it was because it matched nothing says so: "no file
matches 'lab2/*.xlsx'" (exit 2), for batch files and --join files (qc/inputs/files.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli

SPEC = "name: g\nversion: '1'\nid_column: batch_id\nchecks:\n  - {name: v, column: v, min: 1}\n"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.yaml").write_text(SPEC, "utf-8")
    (tmp_path / "lab1").mkdir()
    (tmp_path / "lab1" / "a.csv").write_text("batch_id,v\nB-1,2\n", "utf-8")
    return tmp_path


@pytest.mark.usefixtures("folder")
@pytest.mark.parametrize("pattern", ["lab2/*.xlsx", "lab1/*.xlsx", "lab1/?.txt", "lab1/[xy].csv",
                                     "**/*.xlsm"])
def test_an_input_glob_that_matches_nothing(pattern: str) -> None:
    r = run_cli("check", pattern, "-s", "spec.yaml")
    assert (r.code, r.out, r.err) == (2, "", f"exoqc: no file matches '{pattern}'\n"), r


@pytest.mark.usefixtures("folder")
def test_a_join_glob_that_matches_nothing() -> None:
    r = run_cli("check", "lab1/a.csv", "-s", "spec.yaml", "--join", "nta/*.csv")
    assert (r.code, r.err) == (2, "exoqc: no file matches 'nta/*.csv'\n"), r


@pytest.mark.usefixtures("folder")
def test_a_quoted_glob_that_does_match_is_not_read_as_a_pattern() -> None:
    """exoqc reads the files it is given: a pattern that the shell did not expand (quoted)
    is named as such, with how many files it would match."""
    r = run_cli("check", "lab1/*.csv", "-s", "spec.yaml")
    assert (r.code, r.err) == (2, "exoqc: lab1/*.csv: no file has this name; as a pattern it "
                                  "matches 1 file: give it unquoted, so that the shell "
                                  "expands it\n"), r


@pytest.mark.usefixtures("folder")
def test_a_plain_missing_file_keeps_its_message() -> None:
    r = run_cli("check", "lab2/results.xlsx", "-s", "spec.yaml")
    assert (r.code, r.err) == (2, "exoqc: lab2/results.xlsx: file not found\n"), r
