"""Signed reports: --require-signature, every field of the .sig file, key permissions, and
the property that no single-byte or single-field edit of a signed report verifies."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.integrity.conftest import Lab
from tests.integrity.output import verdict


def _signed(lab: Lab) -> bytes:
    run = lab.check("--sign-key", "qa")
    assert run.code == 1, run
    return Path("r.json").read_bytes()


def test_require_signature(lab: Lab) -> None:
    lab.check()  # unsigned
    run = lab.verify("--require-signature")
    assert run.code == 1
    assert verdict(run.out).splitlines()[1] == (
        "  - signature: required, but r.json is not signed (no r.json.sig)")
    run = lab.verify("--require-signature", "--public-key", "qa.pub")
    assert run.code == 1 and "required, but r.json is not signed" in run.out
    assert lab.verify().code == 0  # not required: verified, with the note
    _signed(lab)
    assert lab.verify("--require-signature", "--public-key", "qa.pub").code == 0
    run = lab.verify("--require-signature")  # a signature there, but no key to check it
    assert (run.code, run.err) == (2, "exoqc: --require-signature needs --public-key KEY.pub: "
                                      "the key whose signature is required\n")
    assert run_cli("keygen", "other").code == 0
    run = lab.verify("--require-signature", "--public-key", "other.pub")  # wrongly signed
    assert run.code == 1 and "signature: no signature by key " in run.out and "(other.pub)" in run.out


def test_a_signature_not_checked_is_said(lab: Lab) -> None:
    _signed(lab)
    run = lab.verify()
    assert run.code == 0
    assert run.out.splitlines()[-1].startswith(
        "note: its signature was not checked (give --public-key)")


def _edit_sig(change: dict[str, Any], entry: bool) -> None:
    sig = json.loads(Path("r.json.sig").read_text("utf-8"))
    (sig["signatures"][0] if entry else sig).update(change)
    Path("r.json.sig").write_text(json.dumps(sig), "utf-8")


@pytest.mark.parametrize(("entry", "change", "problem"), [
    (False, {"file": "other.json"},
     "signature: r.json.sig: names the file \"other.json\", not 'r.json'"),
    (False, {"sha256": "0" * 64}, "signature: r.json.sig: its sha256 is not the report's"),
    (False, {"comment": "approved by QP"},
     "signature: r.json.sig: fields exoqc does not write: comment"),
    (True, {"algorithm": "rsa"}, "signature 1: algorithm is \"rsa\", not 'ed25519'"),
    (True, {"public_key_sha256": "0" * 64},
     "signature 1: its public_key_sha256 is not the sha256 of its public_key"),
    (True, {"comment": "approved by QP"},
     "signature 1: fields exoqc does not write: comment"),
    (True, {"signer": "Q. Person"}, "signature 1: does not match the report's bytes"),
    (True, {"meaning": "approved"}, "signature 1: does not match the report's bytes"),
    (True, {"meaning": "released"},
     "signature 1: meaning \"released\" is not one of performed, reviewed, approved"),
    (True, {"time": "yesterday"}, "signature 1: time \"yesterday\" is not a UTC time"),
    (True, {"reason": "line\nbreak"}, "signature 1: reason \"line\\nbreak\" is not one line"),
])
def test_every_field_of_the_sig_file_is_checked(lab: Lab, entry: bool, change: dict[str, Any],
                                                problem: str) -> None:
    _signed(lab)
    assert lab.verify("--public-key", "qa.pub").code == 0
    _edit_sig(change, entry)
    for keys in (("--public-key", "qa.pub"), ()):  # caught with the key and without it
        run = lab.verify(*keys)
        assert run.code == 1, run
        assert f"  - {problem}" in verdict(run.out), run


def test_a_sig_file_that_is_not_a_signature(lab: Lab) -> None:
    _signed(lab)
    for text in ("[]", '{"signature": 5}', '{"signature": "%%%"}'):
        Path("r.json.sig").write_text(text, "utf-8")
        run = lab.verify("--public-key", "qa.pub")
        assert run.code == 1
        assert "signature: r.json.sig is not an exoqc signature file" in run.out


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_private_key_readable_by_others_is_refused(lab: Lab, mode: int) -> None:
    os.chmod("qa", mode)
    run = lab.check("--sign-key", "qa")
    assert (run.code, run.out, run.err) == (2, "", (
        f"exoqc: qa: private key is readable or writable by group or others (mode "
        f"{mode:04o}); refusing it, as ssh does: chmod 600 qa\n"))
    assert not Path("r.json").exists()
    os.chmod("qa", 0o600)
    assert lab.check("--sign-key", "qa").code == 1


def test_attested_fields_are_protected_by_a_signature(lab: Lab) -> None:
    data = _signed(lab)
    forged = data.replace(b'"operator": "test-operator"', b'"operator": "qualified-pers"')
    assert forged != data
    Path("r.json").write_bytes(forged)
    # Nothing re-derives the operator; the signature's own key shows the change even
    # without --public-key (though only the key shows WHO signed, and a deleted .sig
    # leaves an unsigned report: --require-signature)
    run = lab.verify()
    assert run.code == 1 and "the report was changed after it was signed" in run.out
    run = lab.verify("--public-key", "qa.pub")
    assert run.code == 1 and "the report was changed after it was signed" in run.out
    Path("r.json.sig").unlink()
    assert lab.verify().code == 0
    assert lab.verify("--require-signature").code == 1


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))] or [path]
    return [path]


def _other(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    return None


@pytest.fixture(scope="module")
def signed_lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One signed report for the property tests (made once: hypothesis runs many edits)."""
    from tests.integrity.conftest import APPROVED, CSV

    root = tmp_path_factory.mktemp("signed")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        Path("approved.yaml").write_text(APPROVED, "utf-8")
        Path("batches.csv").write_text(CSV, "utf-8")
        assert run_cli("keygen", "qa").code == 0
        run = run_cli("check", "batches.csv", "-s", "approved.yaml", "-o", "r.json", "-q",
                      "--sign-key", "qa")
        assert run.code == 1, run
    finally:
        os.chdir(cwd)
    return root


def _verify_edited(root: Path, data: bytes, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.chdir(root)
    original = Path("r.json").read_bytes()
    try:
        Path("r.json").write_bytes(data)
        return run_cli("verify", "r.json", "--public-key", "qa.pub").code
    finally:
        Path("r.json").write_bytes(original)


PROPERTY = settings(max_examples=40,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


@PROPERTY
@given(data=st.data())
def test_no_single_byte_edit_of_a_signed_report_verifies(
        signed_lab: Path, monkeypatch: pytest.MonkeyPatch, data: st.DataObject) -> None:
    original = (signed_lab / "r.json").read_bytes()
    assert _verify_edited(signed_lab, original, monkeypatch) == 0
    at = data.draw(st.integers(0, len(original) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != original[at]))
    edited = original[:at] + bytes([byte]) + original[at + 1:]
    assert _verify_edited(signed_lab, edited, monkeypatch) in (1, 2)


@PROPERTY
@given(data=st.data())
def test_no_single_field_edit_of_a_signed_report_verifies(
        signed_lab: Path, monkeypatch: pytest.MonkeyPatch, data: st.DataObject) -> None:
    original = (signed_lab / "r.json").read_bytes()
    doc = json.loads(original)
    path = data.draw(st.sampled_from(_leaves(doc)))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = _other(target[path[-1]])
    # laid out as exoqc writes (header indented): only the edited value differs
    header = {k: v for k, v in doc.items() if k != "batches"}
    text = json.dumps(header, indent=2, ensure_ascii=False)[:-2] + ',\n  "batches": ['
    text += ",".join("\n    " + json.dumps(b, ensure_ascii=False) for b in doc["batches"])
    text += "\n  ]\n}\n"
    edited = text.encode("utf-8")
    assert edited != original
    assert _verify_edited(signed_lab, edited, monkeypatch) in (1, 2)


def test_the_layout_used_by_the_field_property_is_exoqcs(signed_lab: Path) -> None:
    """The property above re-lays the report out as exoqc does; unedited, that must be the
    exact bytes exoqc wrote, so that each example differs by one field only."""
    original = (signed_lab / "r.json").read_bytes()
    doc = json.loads(original)
    header = {k: v for k, v in doc.items() if k != "batches"}
    text = json.dumps(header, indent=2, ensure_ascii=False)[:-2] + ',\n  "batches": ['
    text += ",".join("\n    " + json.dumps(b, ensure_ascii=False) for b in doc["batches"])
    text += "\n  ]\n}\n"
    assert text.encode("utf-8") == original


def test_the_ci_recipe_writes_a_key_the_check_accepts(lab: Lab, tmp_path: Path) -> None:
    """docs/ci.md's recipe, run as a shell would: under umask 077 the key is 0600 and
    accepted; the same write without it (umask 022) gives 0644, which is refused."""
    import re
    import subprocess

    doc = (Path(__file__).parents[2] / "docs" / "ci.md").read_text("utf-8")
    line = next(x.strip() for x in doc.splitlines() if "umask 077" in x and "printf" in x)
    assert re.fullmatch(r"""\(umask 077 && printf '%s\\n' "\$EXOQC_SIGNING_KEY" > "\$key"\)""",
                        line)
    secret = Path("qa").read_text("ascii").strip()
    for umask, code in (("", 1), ("022", 2)):
        key = tmp_path / f"ci-{umask or 'doc'}.pem"
        script = line if not umask else line.replace("umask 077", f"umask {umask}")
        subprocess.run(["sh", "-c", f"umask 022; {script}"], check=True,
                       env={"EXOQC_SIGNING_KEY": secret, "key": str(key), "PATH": os.defpath})
        run = lab.check("--sign-key", str(key), out=f"{key.stem}.json")
        assert run.code == code, run
