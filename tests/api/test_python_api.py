"""The public Python API: `qc.check`, `qc.load_spec`, `qc.Report` (docs/api.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import qc
from qc.gmp import audit
from tests.conftest import ROOT, run_cli

SAMPLE = str(ROOT / "sample_data" / "batches.csv")
SPEC = """name: api-test
version: "1"
id_column: batch_id
checks:
  - name: size
    column: size_nm
    unit: nm
    min: 50
    max: 200
  - name: endotoxin
    column: endotoxin
    max: 1
"""


@pytest.fixture
def spec(tmp_path: Path) -> str:
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return str(path)


def test_every_public_name_resolves_and_is_listed() -> None:
    for name in qc.__all__:
        assert getattr(qc, name) is not None
    assert {"check", "load_spec", "Report", "SpecError", "InputError"} <= set(qc.__all__)
    assert set(qc.__all__) == {"__version__", *qc._PUBLIC}
    assert set(qc.__all__) <= set(dir(qc))
    with pytest.raises(AttributeError):
        qc.no_such_name  # noqa: B018


def test_check_gives_the_cli_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"SOURCE_DATE_EPOCH": "1767225600", "EXOQC_OPERATOR": "op", "EXOQC_HOST": "h"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "r.json"
    cli = run_cli("check", SAMPLE, "--spec", "clinical", "--as-of", "2026-03-01", "-q",
                  "-o", str(out), env=env)
    report = qc.check(SAMPLE, "clinical", as_of="2026-03-01")
    assert report.exit_code == cli.code == 1
    command = re.compile(rb'"command": \[[^\]]*\]')  # the only difference: who asked
    assert (command.sub(b"COMMAND", report.to_json().encode("utf-8"))
            == command.sub(b"COMMAND", out.read_bytes()))
    mine, theirs = json.loads(report.to_json()), json.loads(out.read_text(encoding="utf-8"))
    assert mine["provenance"].pop("command") == ["qc.check"]
    theirs["provenance"].pop("command")
    assert mine == theirs
    assert [v.label for v in report.verdicts] == [b["verdict"] for b in theirs["batches"]]
    assert [b.batch_id for b in report.batches] == [b["batch_id"] for b in theirs["batches"]]
    assert [c.name for c in report.checks] == [c["name"] for c in theirs["batches"][0]["checks"]]
    assert report.summary.failed == theirs["summary"]["fail"]
    warn = qc.check(SAMPLE, "clinical", as_of="2026-03-01", fail_on="warn")
    assert warn.exit_code == 1 and report.summary.warned > 0


def test_to_json_is_the_json_renderer_text(spec: str) -> None:
    from qc.render import RenderOptions
    from qc.render.json_report import render

    report = qc.check({"batch_id": ["B1"], "size_nm": ["100"], "endotoxin": ["0.1"]}, spec)
    text = "".join(render(report.result, RenderOptions(color=False, verbose=True, width=120)))
    assert report.to_json() == text
    assert report.exit_code == 0 and report.verdicts == (qc.Status.PASS,)


def test_html_view_escapes_and_names_problems(spec: str) -> None:
    report = qc.check({"batch_id": ["<b>B1</b>"], "size_nm": ["300"], "endotoxin": ["0.1"]},
                      spec)
    shown = report._repr_html_()
    assert "&lt;b&gt;B1&lt;/b&gt;" in shown and "<b>B1</b>" not in shown
    assert "size: fail" in shown and "exit code 1" in shown


CELLS = ["0,3", "<0.5", "<0,5", "1.2 EU/mL", "", "N/A", "0.3", "≤1", "1,5E-1", "\u200b0.2",
         "pending", "2"]


@pytest.mark.parametrize("shape", ["columns", "rows"])
@pytest.mark.parametrize("decimal", [".", ","])
def test_cells_given_in_memory_are_read_by_the_engine_as_from_a_file(
        tmp_path: Path, spec: str, shape: str, decimal: str) -> None:
    ids = [f"B{i}" if c else "" for i, c in enumerate(CELLS)]  # a blank row: left out
    sizes = ["100" if c else " " for c in CELLS]
    csv = tmp_path / "b.csv"
    lines = ["batch_id;size_nm;endotoxin"] + [f"{i};{s};{c}" for i, s, c in
                                              zip(ids, sizes, CELLS, strict=True)]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table: object = {"batch_id": ids, "size_nm": sizes, "endotoxin": CELLS}
    if shape == "rows":
        table = [{"batch_id": i, "size_nm": s, "endotoxin": c}
                 for i, s, c in zip(ids, sizes, CELLS, strict=True)]
    given = qc.check(table, spec, decimal=decimal)  # type: ignore[arg-type]
    from_file = qc.check(str(csv), spec, decimal=decimal)

    def seen(report: qc.Report) -> list[object]:
        return [(b.batch_id, b.row, b.verdict, [(c.status, c.reason, c.value, c.message)
                                                 for c in b.checks]) for b in report.batches]

    assert seen(given) == seen(from_file)
    endotoxin = {b.batch_id: b.checks[-1] for b in given.batches}
    assert endotoxin["B0"].status == (qc.Status.PASS if decimal == "," else qc.Status.FAIL)
    assert endotoxin["B1"].status == qc.Status.PASS  # <0.5 is below the limit of 1
    assert given.result.inputs[0].path == "<table>"
    assert len(given.batches) == len(CELLS) - 1 and given.batches[4].row == 7


def test_cells_that_are_not_text_are_refused(spec: str) -> None:
    with pytest.raises(qc.InputError, match=r"row 3, column 'endotoxin': 0\.3 is a float"):
        qc.check({"batch_id": ["B1", "B2"], "size_nm": ["1", "2"], "endotoxin": ["1", 0.3]},
                 spec)  # type: ignore[dict-item]
    with pytest.raises(qc.InputError, match="different lengths"):
        qc.check({"batch_id": ["B1", "B2"], "size_nm": ["1"]}, spec)


def test_errors_raise_never_exit(tmp_path: Path, spec: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nversion: 1\nchecks: 3\n", encoding="utf-8")
    with pytest.raises(qc.SpecError, match=r"bad\.yaml"):
        qc.check(SAMPLE, str(bad))
    with pytest.raises(qc.SpecError):
        qc.load_spec(str(bad))
    with pytest.raises(qc.InputError, match="endotoxin"):
        qc.check({"batch_id": ["B1"], "size_nm": ["100"]}, spec)
    with pytest.raises(qc.InputError, match="file not found"):
        qc.check(str(tmp_path / "none.csv"), spec)
    for options in ({"decimal": ";"}, {"fail_on": "pass"}, {"as_of": "03/07/2026"},
                    {"operator": " "}, {"id_pattern": "("}):
        with pytest.raises(qc.UsageError):
            qc.check(SAMPLE, spec, **options)  # type: ignore[arg-type]
    assert issubclass(qc.UsageError, qc.ExoqcError)


def test_a_loaded_spec_is_used_by_its_file(tmp_path: Path, spec: str) -> None:
    loaded = qc.load_spec(spec)
    assert isinstance(loaded, qc.Spec) and loaded.name == "api-test"
    report = qc.check({"batch_id": ["B1"], "size_nm": ["100"], "endotoxin": ["2"]}, loaded)
    assert report.exit_code == 1
    Path(spec).write_text(SPEC.replace("max: 1", "max: 3"), encoding="utf-8")
    with pytest.raises(qc.SpecError, match="changed since it was loaded"):
        qc.check({"batch_id": ["B1"], "size_nm": ["100"], "endotoxin": ["2"]}, loaded)


@pytest.mark.parametrize("name", ["clinical", "research"])
def test_a_loaded_built_in_spec_is_used_by_its_name(name: str) -> None:
    """A built-in spec's file is recorded as `builtin:NAME`, which no path names: it was
    passed on as a path and the check raised "spec file not found"."""
    loaded = qc.load_spec(name)
    report = qc.check(SAMPLE, loaded)
    by_name = qc.check(SAMPLE, name)
    assert report.spec.files == loaded.files == by_name.spec.files
    assert report.verdicts == by_name.verdicts and report.summary == by_name.summary


def test_audit_entry_only_when_asked(tmp_path: Path, spec: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    qc.check({"batch_id": ["B1"], "size_nm": ["100"], "endotoxin": ["0.1"]}, spec)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    log = tmp_path / "audit.jsonl"
    qc.check({"batch_id": ["B1"], "size_nm": ["100"], "endotoxin": ["2"]}, spec,
             audit_log=log, operator="ana")
    with pytest.raises(qc.InputError):
        qc.check({"batch_id": ["B1"], "size_nm": ["100"]}, spec, audit_log=str(log))
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [e["exit_code"] for e in entries] == [1, 2]
    assert entries[0]["operator"] == "ana" and entries[0]["command"] == ["qc.check"]
    assert entries[0]["summary"]["fail"] == 1
    assert "endotoxin" in entries[1]["error"]
    assert audit.verify(str(log)).problems == ()


def test_an_internal_error_reaches_the_audit_log(tmp_path: Path, spec: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import qc.run

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(qc.run, "evaluate", broken)
    log = tmp_path / "audit.jsonl"
    with pytest.raises(RuntimeError):
        qc.check({"batch_id": ["B1"], "size_nm": ["1"], "endotoxin": ["1"]}, spec,
                 audit_log=log)
    entry = json.loads(log.read_text(encoding="utf-8"))
    assert entry["exit_code"] == 2 and entry["error"] == "internal error: RuntimeError: boom"


def test_an_unwritable_audit_log_stops_before_any_work(tmp_path: Path, spec: str) -> None:
    with pytest.raises(qc.OutputError, match=r"a\.log: folder .* does not exist"):
        qc.check(str(tmp_path / "none.csv"), spec, audit_log=tmp_path / "no" / "dir" / "a.log")
