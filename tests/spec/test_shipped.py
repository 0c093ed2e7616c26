"""The shipped specs and sample data: every batch gets the verdict sample_data/README.md promises."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qc.spec import BUILTIN, load_spec
from tests.conftest import ROOT, run_cli


@pytest.mark.parametrize("name", BUILTIN)
def test_sample_data_verdicts(name: str) -> None:
    expected = json.loads((ROOT / "sample_data" / f"expected_{name}.json").read_text("utf-8"))
    r = run_cli("check", str(ROOT / "sample_data" / "batches.csv"), "--spec", name, "-f", "json",
                "--as-of", expected["as_of"])  # the clinical spec checks expiry against today
    assert r.code == expected["exit_code"], r
    report = json.loads(r.out)
    seen = set()
    for batch in report["batches"]:
        want = expected["batches"][batch["batch_id"]]
        failed = {c["name"]: c["reason"] for c in batch["checks"] if c["status"] == "fail"}
        warned = sorted(c["name"] for c in batch["checks"] if c["status"] == "warn")
        assert (batch["verdict"], failed, warned) == (
            want["verdict"], want["failed"], sorted(want["warned"])), batch["batch_id"]
        seen.add(batch["batch_id"])
    assert seen == set(expected["batches"])


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_specs_load_and_say_what_they_are(name: str) -> None:
    spec = load_spec(name)
    assert spec.files[0].path == f"builtin:{name}"
    assert spec.name.startswith(name)
    assert spec.title
    assert all(check.description for check in spec.checks), "every shipped check explains itself"


def test_builtin_specs_work_from_any_directory(tmp_path: object, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    monkeypatch.chdir(str(tmp_path))
    r = run_cli("check", str(ROOT / "sample_data" / "batches.csv"), "--spec", "clinical",
                "--quiet", "--as-of", "2026-04-01")
    assert (r.code, r.out, r.err) == (1, "", "")


def test_a_spec_file_stating_a_builtin_name_is_said_in_every_report(tmp_path: Path) -> None:
    """Attack round 3 (B7): a copy of clinical.yaml that keeps the name 'clinical-msc-ev'
    but loosens a check reads, in every report, as the shipped spec."""
    for name in ("clinical.yaml", "base.yaml"):
        shutil.copy(ROOT / "specs" / name, tmp_path / name)
    copy = tmp_path / "clinical.yaml"
    copy.write_text(copy.read_text("utf-8").replace("max_exclusive: 0.5", "max_exclusive: 5"),
                    encoding="utf-8")
    run = run_cli("check", ROOT / "sample_data" / "batches.csv", "-s", copy, "-f", "json")
    assert run.code in (0, 1), run
    said = (f"spec {copy} states the name 'clinical-msc-ev' of the built-in spec 'clinical', "
            "but it is another file: judged as written in it, not as the built-in")
    assert said in run.json()["notes"]
    # attack round 4: a name that only looks the same (case, a trailing space, a Cyrillic
    # letter, another hyphen) is said too
    for name in ("Clinical-MSC-EV", "clinical-msc-ev ", "\u0441linical-msc-ev",
                 "clinical\u2010msc\u2010ev"):
        text = copy.read_text("utf-8").replace("name: clinical-msc-ev", f"name: {name!r}", 1)
        copy.write_text(text, encoding="utf-8")
        run = run_cli("check", ROOT / "sample_data" / "batches.csv", "-s", copy, "-f", "json")
        assert any("of the built-in spec 'clinical'" in n for n in run.json()["notes"]), name
        copy.write_text(text.replace(f"name: {name!r}", "name: clinical-msc-ev", 1),
                        encoding="utf-8")
    builtin = run_cli("check", ROOT / "sample_data" / "batches.csv", "-s", "clinical", "-f",
                      "json")
    assert not any("states the name" in n for n in builtin.json()["notes"])
