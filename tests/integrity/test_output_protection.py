"""`-o` never replaces a file the run reads or writes otherwise, however it is spelled:
inputs, joins, every spec file of the `extends` chain, the audit log, the keys, the
signature beside a signed report, and another -o. Exit 2 before any work, one line naming
both files."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.gmp.tiny import CSV, SPEC


@pytest.fixture(autouse=True)
def _here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    Path("spec.yaml").write_text(SPEC, "utf-8")
    Path("b.csv").write_text(CSV, "utf-8")
    Path("sub").mkdir()


def _listing() -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(Path(".").rglob("*")) if p.is_file()}


def refused(*args: str) -> str:
    """Run check; assert exit 2 with one line and nothing written or changed but, in an
    audit log that can take it, one appended entry recording the refusal (every run is
    recorded, whatever its outcome); the line."""
    before = _listing()
    run = run_cli("check", *args)
    assert (run.code, run.out) == (2, ""), run
    assert run.err.count("\n") == 1 and run.err.startswith("exoqc: "), run
    error = run.err.removeprefix("exoqc: ").rstrip("\n")
    after = _listing()
    log = args[args.index("--audit-log") + 1] if "--audit-log" in args else None
    if log is not None and after.get(log) != before.get(log):
        old, new = before.get(log, b""), after.pop(log)
        assert new.startswith(old), "the audit log was rewritten, not appended to"
        entry = json.loads(new[len(old):])
        assert (entry["outcome"], entry["error"], entry["exit_code"]) == (
            "could not judge", error, 2)
        before.pop(log, None)
    assert after == before  # no report, no other change, no temporary file
    return error


SPELLINGS: dict[str, Callable[[str], str]] = {
    "as given": lambda p: p,
    "dot slash": lambda p: f"./{p}",
    "through a folder and back": lambda p: f"sub/../{p}",
    "through a missing folder and back": lambda p: f"nowhere/../{p}",
    "absolute": lambda p: str(Path(p).resolve()),
    "symlink": lambda p: _link(p, os.symlink, "sym"),
    "hard link": lambda p: _link(p, os.link, "hard"),
}


def _link(path: str, make: Callable[[str, str], None], kind: str) -> str:
    target = f"sub/{kind}-{Path(path).name}"
    make(os.path.abspath(path), target)
    return target


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_audit_log_is_never_an_output(spelling: str) -> None:
    Path("audit.json").write_text("the whole audit trail\n", "utf-8")
    target = SPELLINGS[spelling]("audit.json")
    line = refused("b.csv", "-s", "spec.yaml", "--audit-log", "audit.json", "-o", target)
    also = "" if target == "audit.json" else " 'audit.json'"
    assert line == f"{target}: is the audit log{also}; refusing to overwrite it"


def test_an_audit_log_not_yet_created_is_never_an_output() -> None:
    line = refused("b.csv", "-s", "spec.yaml", "--audit-log", "new.json", "-o", "./new.json")
    assert line == "./new.json: is the audit log 'new.json'; refusing to overwrite it"


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_each_spec_file_of_the_extends_chain_is_never_an_output(spelling: str) -> None:
    Path("base.json").write_text('{"name": "base", "version": "1"}', "utf-8")
    Path("sub/middle.yaml").write_text("name: m\nversion: '1'\nextends: ../base.json\n",
                                       "utf-8")
    Path("child.yaml").write_text(SPEC + "extends: sub/middle.yaml\n", "utf-8")
    target = SPELLINGS[spelling]("base.json")
    line = refused("b.csv", "-s", "child.yaml", "-o", target)
    shown = "sub/../base.json"  # as the chain names it: relative to the file extending it
    also = "" if target == shown else f" {shown!r}"
    assert line == (f"{target}: is spec file extended by 'child.yaml'{also}; refusing to "
                    "overwrite it")


def test_the_spec_itself_is_never_an_output() -> None:
    Path("s.json").write_text('{"name": "t"}', "utf-8")
    assert refused("b.csv", "-s", "s.json", "-o", "./s.json") == (
        "./s.json: is the spec 's.json'; refusing to overwrite it")


@pytest.mark.parametrize("option", ["--sign-key", "--audit-key"])
def test_the_keys_are_never_outputs(option: str) -> None:
    assert run_cli("keygen", "key.txt").code == 0
    what = "the signing key" if option == "--sign-key" else "the audit key"
    extra = ("--audit-log", "a.log") if option == "--audit-key" else ("-o", "r.json")
    line = refused("b.csv", "-s", "spec.yaml", option, "key.txt", *extra, "-o", "sub/../key.txt")
    assert line == f"sub/../key.txt: is {what} 'key.txt'; refusing to overwrite it"
    line = refused("b.csv", "-s", "spec.yaml", option, "key.txt", *extra, "-o", "key.txt.pub")
    assert line.startswith("key.txt.pub: unknown report type")  # .pub is not a report


def test_a_join_file_is_never_an_output() -> None:
    Path("nta.csv").write_text("batch_id,x\nB-1,1\n", "utf-8")
    line = refused("b.csv", "-s", "spec.yaml", "--join", "nta.csv", "-o", "./nta.csv")
    assert line == "./nta.csv: is a --join file 'nta.csv'; refusing to overwrite it"


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_an_input_is_never_an_output(spelling: str) -> None:
    target = SPELLINGS[spelling]("b.csv")
    line = refused("b.csv", "-s", "spec.yaml", "-o", target)
    also = "" if target == "b.csv" else " 'b.csv'"
    assert line == f"{target}: is one of the inputs{also}; refusing to overwrite it"


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_same_output_twice_however_spelled(spelling: str) -> None:
    Path("r.json").write_text("old\n", "utf-8")
    target = SPELLINGS[spelling]("r.json")
    line = refused("b.csv", "-s", "spec.yaml", "-o", "r.json", "-o", target)
    assert line == ("r.json: given twice" if target == "r.json" else
                    f"{target}: the same file as -o 'r.json': given twice")


def test_a_report_not_yet_written_given_twice() -> None:
    line = refused("b.csv", "-s", "spec.yaml", "-o", "r.json", "-o", "./sub/../r.json")
    assert line == "./sub/../r.json: the same file as -o 'r.json': given twice"
    assert not Path("r.json").exists()


def test_the_signature_of_a_report_never_replaces_a_protected_file() -> None:
    assert run_cli("keygen", "k").code == 0
    Path("r.json.sig").write_text("the audit trail\n", "utf-8")
    line = refused("b.csv", "-s", "spec.yaml", "--sign-key", "k", "-o", "r.json",
                   "--audit-log", "r.json.sig")
    assert line == "r.json.sig: is the audit log; refusing to overwrite it"


def test_distinct_outputs_are_still_written() -> None:
    run = run_cli("check", "b.csv", "-s", "spec.yaml", "-o", "r.json", "-o", "sub/r.json",
                  "-o", "r.csv", "--audit-log", "a.log", "-q")
    assert run.code == 1, run
    assert all(Path(p).stat().st_size > 0 for p in ("r.json", "sub/r.json", "r.csv", "a.log"))
