"""Attribution in every report, and byte-identical reports for identical runs."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from qc import __version__
from qc.gmp.provenance import operator
from qc.render.attribution import attribution_fields, attribution_line
from qc.run import RunOptions, run
from tests.conftest import run_cli
from tests.gmp.tiny import CSV, SPEC

EPOCH = "1700000000"  # 2023-11-14T22:13:20Z


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("EXOQC_HOST", "lab-1")
    monkeypatch.delenv("EXOQC_OPERATOR", raising=False)


def _files(write: Callable[[str, str | bytes], Path]) -> tuple[Path, Path]:
    return write("spec.yaml", SPEC), write("batches.csv", CSV)


def test_json_report_records_who_what_where(write: Callable[[str, str | bytes], Path],
                                            tmp_path: Path) -> None:
    spec, csv = _files(write)
    out = tmp_path / "r.json"
    args = ("check", str(csv), "-s", str(spec), "-o", str(out), "--operator", "alice",
            "--fail-on", "warn", "-q")
    result = run_cli(*args)
    assert (result.code, result.out, result.err) == (1, "", "")
    doc = json.loads(out.read_text("utf-8"))
    spec_sha = doc["spec"]["sha256"]
    assert doc["spec"]["files"] == [{"path": str(spec), "sha256": spec_sha}]
    assert list(doc) == ["report_version", "tool", "spec", "as_of", "inputs", "generated_at",
                         "summary", "notes", "provenance", "batches"]
    prov = doc["provenance"]
    assert {k: v for k, v in prov.items() if k != "versions"} == {
        "operator": "alice",
        "host": "lab-1",
        "time": "2023-11-14T22:13:20Z",
        "command": ["exoqc", *args],
        "options": {"spec": str(spec), "inputs": [str(csv)], "decimal": ".",
                    "fail_on": "warn", "as_of": None,
                    "sheet": None, "joins": [], "id_pattern": None, "header_row": None,
                    "columns": None, "encoding": None},
    }
    assert list(prov["versions"]) == ["exoqc", "python", "numpy", "pandas", "pyarrow",
                                      "jsonschema", "click", "rich", "msgspec"]
    assert prov["versions"]["exoqc"] == __version__


def test_operator_defaults_to_env_then_os_user(monkeypatch: pytest.MonkeyPatch) -> None:
    assert operator() == getpass.getuser()
    monkeypatch.setenv("EXOQC_OPERATOR", "ci-bot")
    assert operator() == "ci-bot"
    assert operator(" bob ") == "bob"


def test_operator_falls_back_when_the_os_has_no_login_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise OSError("no login name")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert operator() == f"uid:{os.getuid()}"


def test_empty_operator_is_a_usage_error(write: Callable[[str, str | bytes], Path]) -> None:
    spec, csv = _files(write)
    result = run_cli("check", str(csv), "-s", str(spec), "--operator", " ")
    assert result.code == 2
    assert result.err.splitlines()[-1] == "Error: Invalid value for '--operator': must not be empty"


def test_table_shows_one_attribution_line(write: Callable[[str, str | bytes], Path]) -> None:
    spec, csv = _files(write)
    result = run_cli("check", str(csv), "-s", str(spec), "--operator", "alice")
    report = run(RunOptions(inputs=(str(csv),), spec=str(spec)))
    line = (f"by alice on lab-1 at 2023-11-14T22:13:20Z · spec sha256 "
            f"{report.spec.files[0].sha256[:12]} · inputs sha256 {report.inputs[0].sha256[:12]}")
    assert result.code == 1
    assert [x for x in result.out.splitlines() if x.startswith("by ")] == [line]


def test_attribution_fields_for_other_formats(write: Callable[[str, str | bytes], Path]) -> None:
    spec, csv = _files(write)
    report = run(RunOptions(inputs=(str(csv),), spec=str(spec), operator="alice",
                            command=("exoqc", "check", "a b.csv")))
    fields = dict(attribution_fields(report))
    assert fields["operator"] == "alice"
    assert fields["host"] == "lab-1"
    assert fields["time (UTC)"] == "2023-11-14T22:13:20Z"
    assert fields["command"] == "exoqc check 'a b.csv'"
    assert fields["spec file"] == f"{spec} sha256 {report.spec.files[0].sha256}"
    assert fields["input"] == f"{csv} sha256 {report.inputs[0].sha256}"
    assert fields["software"].startswith(f"exoqc {__version__}, python ")
    assert attribution_line(report).startswith("by alice on lab-1 at ")


def test_same_run_gives_a_byte_identical_json_report(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    reports = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "spec.yaml").write_text(SPEC, "utf-8")
        (folder / "batches.csv").write_text(CSV, "utf-8")
        monkeypatch.chdir(folder)
        result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "out/r.json",
                         "--operator", "qa-7", "-q")
        assert (result.code, result.err) == (1, "")
        reports.append((folder / "out" / "r.json").read_bytes())
    assert reports[0] == reports[1]
    # ...and the attribution is part of those bytes: another operator, another report.
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "out/r.json",
                     "--operator", "qa-8", "-q")
    assert result.code == 1
    assert (tmp_path / "second" / "out" / "r.json").read_bytes() != reports[0]
