"""Signatures with meaning: `exoqc sign`, stacked and chained in REPORT.json.sig, checked
and shown by `exoqc verify`, read for a certificate by `read_signatures`."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.cli.gmp import MEANINGS as CLI_MEANINGS
from qc.errors import KeyFileError, UsageError
from qc.gmp.signing import (
    MEANINGS,
    Signature,
    fingerprint,
    load_private_key,
    load_public_key,
    read_signatures,
    sign_file,
    signer_problem,
)
from tests.conftest import run_cli
from tests.gmp.tiny import CSV, SPEC
from tests.integrity.output import verdict

# An approved spec and batches that conform: a report that can be approved (F9).
APPROVED_SPEC = SPEC.replace('version: "3"\n', 'version: "3"\nstatus: approved\n'
                                                 'approved_by: QA\n')
CONFORMING = "batch_id,size_nm\nB-1,100\nB-2,150\n"
# The bytes of a report that sign_file lets be approved: it states a conforming verdict and
# no NOT FOR RELEASE reason (sign_file reads only what the report records).
APPROVABLE = b'{"summary": {"verdict": "pass"}, "spec": {"not_for_release": null}}\n'


@pytest.fixture(autouse=True)
def _lab(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A report of conforming batches against an approved spec, signed at write time
    (check --sign-key qa), and two more people's keys; the tiny spec (status not stated)
    and its batches (B-2 does not conform) as tiny.yaml and failing.csv."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.delenv("EXOQC_KEY_PASSPHRASE", raising=False)
    monkeypatch.chdir(tmp_path)
    Path("spec.yaml").write_text(APPROVED_SPEC, "utf-8")
    Path("batches.csv").write_text(CONFORMING, "utf-8")
    Path("tiny.yaml").write_text(SPEC, "utf-8")
    Path("failing.csv").write_text(CSV, "utf-8")
    for name in ("qa", "rv", "qp"):
        assert run_cli("keygen", name).code == 0
    run = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.json", "-q",
                  "--sign-key", "qa")
    assert run.code == 0, run


def _sign(key: str, signer: str, meaning: str, *extra: str, report: str = "r.json"
          ) -> Any:
    return run_cli("sign", report, "--key", key, "--signer", signer, "--meaning", meaning,
                   *extra)


def _stack() -> None:
    """performed (check), reviewed, approved: three signatures."""
    assert _sign("rv", "R. Viewer", "reviewed").code == 0
    assert _sign("qp", "A. Prover", "approved", "--reason", "release per SOP-12").code == 0


def _verify(*keys: str, report: str = "r.json") -> Any:
    args = [a for k in keys for a in ("--public-key", f"{k}.pub")]
    return run_cli("verify", report, *args)


def _sig() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(Path("r.json.sig").read_text("utf-8"))
    return doc


def _write_sig(doc: dict[str, Any]) -> None:
    Path("r.json.sig").write_text(json.dumps(doc, indent=2), "utf-8")


def _fp(name: str) -> str:
    return fingerprint(load_public_key(f"{name}.pub"))


def test_sign_adds_a_signature_with_its_meaning() -> None:
    run = _sign("rv", "R. Viewer", "reviewed", "--reason", "data review, SOP-7")
    entry = _sig()["signatures"][1]
    assert (run.code, run.err) == (0, "")
    assert run.out == (f"signed: r.json: 2. reviewed by R. Viewer, {entry['time']}, key sha256 "
                       f"{_fp('rv')}, reason: data review, SOP-7\n"
                       "wrote r.json.sig (2 signatures)\n")
    assert (entry["signer"], entry["meaning"], entry["reason"], entry["public_key_sha256"]) == (
        "R. Viewer", "reviewed", "data review, SOP-7", _fp("rv"))


def test_signing_a_report_not_for_release_says_it_stays_so() -> None:
    Path("draft.yaml").write_text(APPROVED_SPEC.replace("status: approved", "status: draft"),
                                  "utf-8")
    run = run_cli("check", "batches.csv", "-s", "draft.yaml", "-o", "d.json", "-q")
    assert run.code == 0, run
    run = _sign("rv", "R. Viewer", "reviewed", report="d.json")
    assert run.code == 0, run
    assert run.err.startswith("exoqc: note: d.json is NOT FOR RELEASE (")
    assert run.err.endswith("); a signature records what you did, it does not change that\n")
    run = _sign("rv", "R. Viewer", "reviewed")
    assert (run.code, run.err) == (0, "")  # an approved spec: no note


@pytest.mark.parametrize(("spec", "batches", "why"), [
    ("tiny.yaml", "failing.csv", "it states that a batch does not conform"),
    ("tiny.yaml", "batches.csv", "it is NOT FOR RELEASE (spec tiny 3 states no status (only "
                                 "an approved spec is for release))"),
    ("spec.yaml", "failing.csv", "it states that a batch does not conform"),
])
def test_a_failing_or_not_for_release_report_cannot_be_approved(spec: str, batches: str,
                                                                 why: str) -> None:
    """F9: approving a report that says a batch does not conform, or NOT FOR RELEASE, is
    refused (exit 2, one line, nothing written); performed and reviewed are allowed."""
    run = run_cli("check", batches, "-s", spec, "-o", "x.json", "-q", "--sign-key", "qa")
    assert run.code in (0, 1), run
    before = Path("x.json.sig").read_bytes()
    run = _sign("qp", "A. Prover", "approved", report="x.json")
    assert (run.code, run.out) == (2, ""), run
    assert run.err == (f"exoqc: '--meaning approved': x.json cannot be approved: {why} "
                       "(sign it as performed or reviewed)\n")
    assert Path("x.json.sig").read_bytes() == before
    assert _sign("rv", "R. Viewer", "reviewed", report="x.json").code == 0
    assert [e["meaning"] for e in json.loads(Path("x.json.sig").read_text("utf-8"))[
        "signatures"]] == ["performed", "reviewed"]


@pytest.mark.parametrize(("spec", "batches", "why"), [
    ("tiny.yaml", "failing.csv", "it states that a batch does not conform"),
    ("tiny.yaml", "batches.csv", "it is NOT FOR RELEASE (spec tiny 3 states no status (only "
                                 "an approved spec is for release))"),
])
def test_the_library_refuses_an_approval_and_verify_fails_one_made_elsewhere(
        spec: str, batches: str, why: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """B6: `sign_file(meaning="approved")` refuses a failing or NOT FOR RELEASE report as
    `exoqc sign` does; an approval made anyway (another tool with the approver's key: here
    sign_file with its refusal taken out) verifies with its key, but verify re-derives the
    verdict and the spec's lifecycle and fails: such an approval is not valid."""
    import qc.gmp.signing as signing

    run = run_cli("check", batches, "-s", spec, "-o", "x.json", "-q", "--sign-key", "qa")
    assert run.code in (0, 1), run
    before = Path("x.json.sig").read_bytes()
    with pytest.raises(UsageError) as caught:
        sign_file(Path("x.json"), load_private_key("qp"), signer="A. Prover", meaning="approved")
    assert str(caught.value) == (f"x.json cannot be approved: {why} (sign it as performed or "
                                 "reviewed)")
    assert Path("x.json.sig").read_bytes() == before
    monkeypatch.setattr(signing, "recorded_approval_problem", lambda data, report: None)
    sign_file(Path("x.json"), load_private_key("qp"), signer="A. Prover", meaning="approved")
    run = run_cli("verify", "x.json", "--public-key", "qa.pub", "--public-key", "qp.pub",
                  "--require-signature", "--require-meaning", "approved")
    assert run.code == 1, run
    assert verdict(run.out).startswith(
        "NOT VERIFIED: x.json: 1 difference:\n  - signature 2: an approval of a report that "
        f"{why.removeprefix('it ')} is not valid\n"), run
    assert "  2. approved by A. Prover, " in run.out  # the signature itself is good
    assert run_cli("verify", "x.json").code == 1  # whoever made it: no key needed


def test_an_approval_of_a_conforming_released_report_verifies() -> None:
    """The B6 check is no false alarm: approving the approved spec's conforming report."""
    sign_file(Path("r.json"), load_private_key("qp"), signer="A. Prover", meaning="approved")
    run = run_cli("verify", "r.json", "--public-key", "qa.pub", "--public-key", "qp.pub",
                  "--require-signature", "--require-meaning", "approved")
    assert run.code == 0, run


def test_stacked_signatures_verify_and_show_in_order() -> None:
    _stack()
    run = _verify("qa", "rv", "qp")
    times = [e["time"] for e in _sig()["signatures"]]
    assert (run.code, verdict(run.out)) == (0, (
        "verified: r.json: 2 batches, inputs and spec unchanged, every result reproduced, "
        "3 of 3 signatures good\n"))
    assert run.out.split("signatures (3, in the order they were made):\n")[1].startswith(
        f"  1. performed by test-operator, {times[0]}, key sha256 {_fp('qa')}: good\n"
        f"  2. reviewed by R. Viewer, {times[1]}, key sha256 {_fp('rv')}: good\n"
        f"  3. approved by A. Prover, {times[2]}, key sha256 {_fp('qp')}, reason: release "
        "per SOP-12: good\n")
    assert read_signatures("r.json") == (
        Signature(1, "test-operator", "performed", times[0], _fp("qa"), None),
        Signature(2, "R. Viewer", "reviewed", times[1], _fp("rv"), None),
        Signature(3, "A. Prover", "approved", times[2], _fp("qp"), "release per SOP-12"))


def test_a_signature_whose_key_was_not_given_is_shown_unchecked() -> None:
    _stack()
    assert len(read_signatures("r.json", ["qa.pub", "rv.pub", "qp.pub"])) == 3
    with pytest.raises(KeyFileError, match="signature 2, 3 made with none of the keys given"):
        read_signatures("r.json", ["qa.pub"])
    run = _verify("qp")
    assert (run.code, verdict(run.out)) == (0, (
        "verified: r.json: 2 batches, inputs and spec unchanged, every result reproduced, "
        "1 of 3 signatures good\n"))
    assert f"key sha256 {_fp('rv')}: not checked: its key was not given\n" in run.out
    assert run_cli("verify", "r.json", "--require-signature", "--public-key", "qp.pub"
                   ).code == 0


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda s: s.pop(1), "signature 2: does not follow the signatures before it"),
    (lambda s: s.insert(1, s.pop(2)), "signature 2: does not follow the signatures before it"),
    (lambda s: s.pop(0), "signature 1: is not the first signature of this report: signatures "
                         "before it were removed, or it is another report's"),
    (lambda s: s.append(dict(s[1])), "signature 4: does not follow the signatures before it"),
])
def test_a_removed_reordered_or_copied_signature_fails(edit: Any, problem: str) -> None:
    _stack()
    doc = _sig()
    edit(doc["signatures"])
    _write_sig(doc)
    for keys in (("qa", "rv", "qp"), ()):  # each signature's own key shows it
        run = _verify(*keys)
        assert run.code == 1, run
        assert f"  - {problem}" in verdict(run.out), run
    with pytest.raises(KeyFileError, match="the signatures do not hold"):
        read_signatures("r.json")
    before = Path("r.json.sig").read_bytes()
    run = _sign("rv", "R. Viewer", "reviewed")  # never added to: it must hold first
    assert run.code == 1 and run.out.startswith("NOT SIGNED: r.json: it does not verify:\n")
    assert Path("r.json.sig").read_bytes() == before


def test_removing_the_last_signature_is_caught_by_the_key_that_made_it() -> None:
    _stack()
    doc = _sig()
    doc["signatures"].pop()
    _write_sig(doc)
    assert _verify("qa", "rv").code == 0  # a shorter stack is intact in itself
    run = _verify("qa", "rv", "qp")
    assert (run.code, verdict(run.out)) == (1, (
        "NOT VERIFIED: r.json: 1 difference:\n"
        f"  - signature: no signature by key {_fp('qp')} (qp.pub)\n"))


def test_a_changed_report_fails_every_signature() -> None:
    _stack()
    data = Path("r.json").read_bytes()
    Path("r.json").write_bytes(data.replace(b'"report_version": ', b'"report_version":  ', 1))
    for keys in (("qa", "rv", "qp"), ()):
        run = _verify(*keys)
        lines = verdict(run.out).splitlines()
        assert run.code == 1
        assert [line for line in lines if line.startswith("  - signature ")] == [
            f"  - signature {i}: does not match the report's bytes: the report was changed "
            "after it was signed, or the signature is another report's" for i in (1, 2, 3)]


def test_a_signature_cannot_be_moved_to_another_report() -> None:
    run = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r2.json", "-q")
    assert run.code == 0
    assert _sign("qp", "A. Prover", "approved").code == 0
    # the whole file, renamed and with the other report's name and sha256 written in
    doc = _sig()
    doc["file"] = "r2.json"
    import hashlib

    doc["sha256"] = hashlib.sha256(Path("r2.json").read_bytes()).hexdigest()
    Path("r2.json.sig").write_text(json.dumps(doc), "utf-8")
    run = _verify("qa", "qp", report="r2.json")
    assert run.code == 1
    assert "  - signature 1: is not the first signature of this report" in run.out
    assert "  - signature 2: does not match the report's bytes" in run.out
    # one signature taken from r.json's stack onto r2.json's own stack
    Path("r2.json.sig").unlink()
    assert _sign("qa", "test-operator", "performed", report="r2.json").code == 0
    other = json.loads(Path("r2.json.sig").read_text("utf-8"))
    other["signatures"].append(_sig()["signatures"][1])
    Path("r2.json.sig").write_text(json.dumps(other), "utf-8")
    run = _verify("qa", "qp", report="r2.json")
    assert run.code == 1 and "  - signature 2: does not follow the signatures before it" in (
        run.out)


def test_a_signature_claiming_another_key_is_bad() -> None:
    """An entry that names qp's key but was made with rv's (public_key and signature
    swapped in): bad with qp.pub, and bad without any key (its own key disagrees)."""
    assert _sign("rv", "A. Prover", "approved").code == 0
    doc = _sig()
    forged = doc["signatures"][1]
    forged["public_key_sha256"] = _fp("qp")
    _write_sig(doc)
    for keys in (("qa", "qp"), ()):
        run = _verify(*keys)
        assert run.code == 1, run
        assert "  - signature 2: its public_key_sha256 is not the sha256 of its public_key" in (
            run.out)
    raw = base64.b64encode(load_public_key("qp.pub").public_bytes_raw()).decode()
    forged["public_key"] = raw
    _write_sig(doc)
    run = _verify("qa", "qp")
    assert run.code == 1 and "  - signature 2: does not match the report's bytes" in run.out


def test_a_wrong_key_made_no_signature() -> None:
    assert _sign("rv", "R. Viewer", "reviewed").code == 0
    run = _verify("qp")
    assert (run.code, verdict(run.out)) == (1, (
        "NOT VERIFIED: r.json: 1 difference:\n"
        f"  - signature: no signature by key {_fp('qp')} (qp.pub)\n"))
    run = run_cli("verify", "r.json", "--public-key", "qp.pub", "--require-signature")
    assert run.code == 1


@pytest.mark.parametrize(("args", "message"), [
    (("--signer", "J. Doe"), "Missing option '--meaning'"),
    (("--signer", "J. Doe", "--meaning", "released"), "'released' is not one of 'performed', "
                                                       "'reviewed', 'approved'"),
    (("--signer", "J. Doe", "--meaning", ""), "'' is not one of"),
    (("--meaning", "approved"), "Missing option '--signer'"),
    (("--signer", "  ", "--meaning", "approved"), "--signer"),
    (("--signer", "J.\nDoe", "--meaning", "approved"), "control characters"),
    (("--signer", "J.\u202eeoD", "--meaning", "approved"), "invisible or control characters"),
    (("--signer", "J. D\u043ee", "--meaning", "approved"), "holds the Cyrillic letter"),
    (("--signer", "J. Doe", "--meaning", "approved", "--reason", "a\nb"), "not one line"),
])
def test_a_missing_or_unknown_meaning_or_name_is_a_usage_error(args: tuple[str, ...],
                                                               message: str) -> None:
    before = Path("r.json.sig").read_bytes()
    run = run_cli("sign", "r.json", "--key", "qp", *args)
    assert run.code == 2 and message in run.err, run
    assert Path("r.json.sig").read_bytes() == before


def test_the_command_line_offers_the_signing_meanings() -> None:
    assert CLI_MEANINGS == MEANINGS == ("performed", "reviewed", "approved")


def _legacy_sig() -> None:
    """REPORT.json.sig as exoqc 0.x wrote it: one signature of the report's bytes."""
    import hashlib

    data = Path("r.json").read_bytes()
    key = load_private_key("qa")
    Path("r.json.sig").write_text(json.dumps({
        "algorithm": "ed25519", "file": "r.json", "sha256": hashlib.sha256(data).hexdigest(),
        "public_key_sha256": _fp("qa"),
        "signature": base64.b64encode(key.sign(data)).decode()}, indent=2) + "\n", "utf-8")


def test_the_single_signature_file_still_verifies_and_can_be_signed_on() -> None:
    _legacy_sig()
    run = _verify("qa")
    assert (run.code, verdict(run.out)) == (0, (
        "verified: r.json: 2 batches, inputs and spec unchanged, every result reproduced, "
        "signature good\n"))
    assert ("  1. signed (no signer, time or meaning stated: a signature of exoqc's "
            f"single-signature file), key sha256 {_fp('qa')}: good\n") in run.out
    assert _verify().code == 0  # unchecked without the key
    assert _sign("qp", "A. Prover", "approved").code == 0
    doc = _sig()
    assert doc["format"] == "exoqc-signatures/2"
    assert sorted(doc["signatures"][0]) == ["algorithm", "public_key_sha256", "signature"]
    assert _verify("qa", "qp").code == 0
    assert [(s.signer, s.meaning) for s in read_signatures("r.json")] == [
        (None, None), ("A. Prover", "approved")]
    # the old signature is still checked, and still chained
    doc["signatures"][0]["signature"] = base64.b64encode(bytes(64)).decode()
    _write_sig(doc)
    run = _verify("qa", "qp")
    assert run.code == 1
    assert "  - signature 1: does not match the report's bytes" in run.out
    assert "  - signature 2: does not follow the signatures before it" in run.out


def test_an_old_signature_cannot_follow_a_new_one() -> None:
    _legacy_sig()
    assert _sign("qp", "A. Prover", "approved").code == 0
    doc = _sig()
    doc["signatures"].reverse()
    _write_sig(doc)
    run = _verify("qa", "qp")
    assert run.code == 1
    assert ("  - signature 2: a signature without signer, time and meaning can only be the "
            "first") in run.out


@pytest.mark.parametrize("sign", [(), ("--sign-key", "qa")])
def test_check_never_replaces_a_signed_report_or_its_signatures(sign: tuple[str, ...]) -> None:
    _stack()
    before = Path("r.json").read_bytes(), Path("r.json.sig").read_bytes()
    run = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "./r.json", "-q", *sign)
    assert (run.code, run.err) == (2, "exoqc: ./r.json: is a signed report (r.json.sig is "
                                      "beside it); refusing to overwrite it or its "
                                      "signatures: move both away first\n")
    assert (Path("r.json").read_bytes(), Path("r.json.sig").read_bytes()) == before


def test_check_sign_key_refuses_an_operator_name_it_cannot_sign_before_any_work() -> None:
    run = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "o.json", "-q",
                  "--sign-key", "qa", env={"EXOQC_OPERATOR": "a\tb"})
    assert (run.code, run.err) == (2, "exoqc: --sign-key: the signer's name \"a\\tb\" has "
                                      "spaces at its ends or invisible or control characters "
                                      "(the operator signs; give --operator NAME)\n"), run
    assert not Path("o.json").exists()


def test_check_sign_key_signs_as_performed_by_the_operator() -> None:
    run = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "o.json", "-q",
                  "--sign-key", "qa", "--operator", "O. Perator")
    assert run.code == 0, run
    assert [(s.signer, s.meaning, s.reason) for s in read_signatures("o.json")] == [
        ("O. Perator", "performed", None)]
    assert _verify("qa", report="o.json").code == 0


def test_a_passphrase_protected_key(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"QA_PASS": "correct horse battery staple"}
    run = run_cli("keygen", "enc", "--passphrase-env", "QA_PASS", env=env)
    assert run.code == 0 and "(encrypted private key, mode 0600)" in run.out
    assert Path("enc").read_text().startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    run = _sign("enc", "J. Doe", "approved", "--passphrase-env", "QA_PASS")
    assert run.code == 2 and "QA_PASS is not set" in run.err  # the env= above was one run's
    monkeypatch.setenv("QA_PASS", env["QA_PASS"])
    before = Path("r.json.sig").read_bytes()
    for extra, message in (((), "enc: the private key is encrypted: set EXOQC_KEY_PASSPHRASE "
                                "(or give --passphrase-env VAR), or run at a terminal to be "
                                "asked"),
                           (("--passphrase-env", "NOPE"), "'--passphrase-env': the "
                            "environment variable NOPE is not set or empty")):
        run = _sign("enc", "J. Doe", "approved", *extra)
        assert (run.code, run.err) == (2, f"exoqc: {message}\n"), run
    monkeypatch.setenv("WRONG", "tr0ub4dor")
    run = _sign("enc", "J. Doe", "approved", "--passphrase-env", "WRONG")
    assert (run.code, run.err) == (2, "exoqc: enc: wrong passphrase for the private key (or "
                                      "not a key exoqc can read)\n")
    assert Path("r.json.sig").read_bytes() == before
    assert _sign("enc", "J. Doe", "approved", "--passphrase-env", "QA_PASS").code == 0
    assert _verify("qa", "enc").code == 0
    # check --sign-key (and every other command) reads $EXOQC_KEY_PASSPHRASE
    monkeypatch.setenv("EXOQC_KEY_PASSPHRASE", env["QA_PASS"])
    run = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "e.json", "-q",
                  "--sign-key", "enc")
    assert run.code == 0, run
    assert _verify("enc", report="e.json").code == 0


def test_keygen_encrypt_needs_a_passphrase_source() -> None:
    run = run_cli("keygen", "k", "--encrypt")
    assert (run.code, run.err) == (2, "exoqc: '--encrypt': no terminal to ask for the "
                                      "passphrase: set EXOQC_KEY_PASSPHRASE or give "
                                      "--passphrase-env VAR\n")
    assert not Path("k").exists()
    run = run_cli("keygen", "k", "--encrypt", env={"EXOQC_KEY_PASSPHRASE": "s3cret phrase"})
    assert run.code == 0
    with pytest.raises(KeyFileError, match="encrypted"):
        load_private_key("k")
    assert load_private_key("k", lambda _: b"s3cret phrase").public_key()


def _entries(log: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in Path(log).read_text("utf-8").splitlines()]


def test_sign_and_verify_are_recorded_in_the_audit_log() -> None:
    assert _sign("rv", "R. Viewer", "reviewed", "--audit-log", "a.log").code == 0
    run = run_cli("verify", "r.json", "--public-key", "rv.pub", "--audit-log", "a.log",
                  "--audit-key", "rv")
    assert run.code == 0, run
    # now it will not verify
    Path("batches.csv").write_text(CONFORMING.replace("100", "101"), "utf-8")
    assert _sign("rv", "R. Viewer", "reviewed", "--audit-log", "a.log").code == 1
    assert _sign("nokey", "R. Viewer", "reviewed", "--audit-log", "a.log",
                 "--audit-key", "rv").code == 2
    first, second, third, fourth = _entries("a.log")
    report = Path("r.json")
    assert first["action"] == "sign" and first["exit_code"] == 0
    assert first["report"]["path"] == "r.json"
    made = first["signature_made"]
    assert (made["index"], made["signer"], made["meaning"], made["public_key_sha256"]) == (
        2, "R. Viewer", "reviewed", _fp("rv"))
    assert first["signature_file"]["path"] == "r.json.sig"
    assert first["key"] == _fp("rv")  # a keyed log: the signer's key by default
    assert (second["action"], second["verified"], second["exit_code"]) == ("verify", True, 0)
    assert second["public_keys"] == [_fp("rv")]
    assert [(s["index"], s["status"]) for s in second["signatures"]] == [
        (1, "unchecked"), (2, "good")]
    assert (third["action"], third["signed"], third["exit_code"]) == ("sign", False, 1)
    assert (fourth["exit_code"], fourth["outcome"]) == (2, "could not judge")
    assert fourth["error"] == "nokey: private key file not found"
    assert report.exists()
    run = run_cli("audit", "verify", "a.log", "--public-key", "rv.pub")
    assert run.code == 0 and run.out.startswith("intact: a.log: 4 entries, 4 signed")


def test_a_keyed_log_needs_its_key_for_verify_entries() -> None:
    assert _sign("rv", "R. Viewer", "reviewed", "--audit-log", "a.log").code == 0
    run = run_cli("verify", "r.json", "--audit-log", "a.log")
    assert run.code == 2 and "the audit log is signed with key sha256" in run.err
    assert len(_entries("a.log")) == 1


@pytest.mark.parametrize(("moved", "args", "what"), [
    ("qp", ("--key", "r.json.sig"), "the signing key"),
    (None, ("--key", "qp", "--audit-log", "r.json.sig"), "the audit log"),
    ("rv", ("--key", "qp", "--audit-log", "a.log", "--audit-key", "./r.json.sig"),
     "the audit key './r.json.sig'"),
])
def test_sign_never_writes_its_signature_over_a_key_or_log(moved: str | None,
                                                          args: tuple[str, ...],
                                                          what: str) -> None:
    if moved is not None:  # a key that happens to have the signature file's name
        os.replace(moved, "r.json.sig")
    before = Path("r.json.sig").read_bytes()
    run = run_cli("sign", "r.json", "--signer", "J. Doe", "--meaning", "approved", *args)
    assert (run.code, run.err) == (2, f"exoqc: r.json.sig: is {what}; refusing to overwrite "
                                      "it\n"), run
    assert Path("r.json.sig").read_bytes() == before
    assert not Path("a.log").exists()


@pytest.fixture(scope="module")
def signer_key(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate()


NAMES = st.text(st.characters(codec="utf-8"), min_size=1, max_size=60).filter(
    lambda n: signer_problem(n) is None)


@given(name=NAMES, reason=st.none() | NAMES, meaning=st.sampled_from(MEANINGS))
def test_any_printed_name_and_reason_round_trip(signer_key: Any, tmp_path_factory:
                                                pytest.TempPathFactory, name: str,
                                                reason: str | None, meaning: str) -> None:
    folder = tmp_path_factory.mktemp("rt")
    report = folder / "r.json"
    report.write_bytes(APPROVABLE)
    sign_file(report, signer_key, signer="First", meaning="performed")
    _, made = sign_file(report, signer_key, signer=name, meaning=meaning, reason=reason)
    assert read_signatures(report)[1] == made == Signature(
        2, name, meaning, made.time, fingerprint(signer_key.public_key()), reason)


@pytest.mark.parametrize("name", ["", " ", " J. Doe", "J. Doe\t", "J.\x00Doe", "x" * 201,
                                  "J.\u200bDoe", "J. Doe\x85", "J. D\u043ee"])
def test_sign_file_refuses_a_name_it_could_not_print(signer_key: Any, tmp_path: Path,
                                                     name: str) -> None:
    (tmp_path / "unit").mkdir()
    report = tmp_path / "unit" / "r.json"
    report.write_bytes(b"{}\n")
    with pytest.raises(UsageError):
        sign_file(report, signer_key, signer=name, meaning="approved")
    assert not (tmp_path / "unit" / "r.json.sig").exists()


@pytest.mark.parametrize(("data", "why"), [
    (b'{"any": "bytes"}\n', "its verdict cannot be read"),
    (b"not json\n", "it is not a JSON report whose verdict can be read"),
    (b'{"summary": {"verdict": "fail"}}\n', "it states that a batch does not conform"),
    (b'{"summary": {"verdict": "pass"}, "spec": {"not_for_release": "draft"}}\n',
     "it is NOT FOR RELEASE (draft)"),
    (b'{"summary": {"verdict": "pass"}}\n', "it is NOT FOR RELEASE (?)"),
])
def test_sign_file_approves_only_a_report_it_can_read_as_approvable(
        signer_key: Any, tmp_path: Path, data: bytes, why: str) -> None:
    """Fail safe: a verdict or lifecycle that cannot be read is no approvable report."""
    (tmp_path / "unit").mkdir()  # apart from the lab's own r.json
    report = tmp_path / "unit" / "r.json"
    report.write_bytes(data)
    with pytest.raises(UsageError) as caught:
        sign_file(report, signer_key, signer="J. Doe", meaning="approved")
    assert str(caught.value).endswith(f"cannot be approved: {why} (sign it as performed or "
                                      "reviewed)")
    assert not (tmp_path / "unit" / "r.json.sig").exists()
    sign_file(report, signer_key, signer="J. Doe", meaning="reviewed")  # allowed


def test_people_signing_at_once_lose_no_signature(signer_key: Any, tmp_path: Path) -> None:
    import threading

    (tmp_path / "unit").mkdir()
    report = tmp_path / "unit" / "r.json"
    report.write_bytes(b'{"any": "bytes"}\n')
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def sign_one(n: int) -> None:
        start.wait()
        try:
            sign_file(report, signer_key, signer=f"Signer {n}", meaning="reviewed")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sign_one, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    signed = read_signatures(report)
    assert [s.index for s in signed] == list(range(1, 9))
    assert sorted(s.signer or "" for s in signed) == [f"Signer {n}" for n in range(8)]


def test_an_encrypted_key_asks_at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import getpass
    import io

    assert run_cli("keygen", "enc", "--passphrase-env", "PW", env={"PW": "pass phrase"}
                   ).code == 0
    asked: list[str] = []

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def answer(prompt: str) -> str:
        asked.append(prompt)
        return "pass phrase"

    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr(getpass, "getpass", answer)
    assert load_private_key("enc").public_key()
    assert asked == ["Passphrase for enc: "]
    monkeypatch.setenv("EXOQC_KEY_PASSPHRASE", "pass phrase")  # the variable wins: no prompt
    assert load_private_key("enc").public_key()
    assert asked == ["Passphrase for enc: "]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A report with three signatures by three keys (made once for the property below)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    folder = tmp_path_factory.mktemp("stack")
    report = folder / "r.json"
    report.write_bytes(APPROVABLE)
    keys = []
    for n, meaning in enumerate(MEANINGS):
        key = Ed25519PrivateKey.generate()
        pub = folder / f"k{n}.pub"
        pub.write_bytes(key.public_key().public_bytes(Encoding.PEM,
                                                      PublicFormat.SubjectPublicKeyInfo))
        keys.append(str(pub))
        sign_file(report, key, signer=f"Person {n}", meaning=meaning, reason=f"why {n}")
    return report, keys


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))]
    return [path]


def _changed(value: Any) -> Any:
    if value is None:
        return "x"
    if isinstance(value, str):
        return value[:-1] + ("A" if value[-1:] != "A" else "B")
    return None


@given(data=st.data())
def test_no_edit_of_a_signature_file_verifies(stack: tuple[Path, list[str]],
                                              data: st.DataObject) -> None:
    """Change one value, drop one field, drop, duplicate or swap signatures: with every key
    given, the stack never holds (nor does it with no key, but for a dropped last one)."""
    from qc.gmp.signing import BAD, check_signatures

    report, keys = stack
    sig = report.with_name("r.json.sig")
    original = sig.read_bytes()
    doc = json.loads(original)
    entries = doc["signatures"]
    kind = data.draw(st.sampled_from(["value", "field", "drop", "copy", "swap"]))
    if kind == "value":
        path = data.draw(st.sampled_from(_leaves(doc)))
        target = doc
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = _changed(target[path[-1]])
    elif kind == "field":
        entry = data.draw(st.sampled_from(entries))
        entry.pop(data.draw(st.sampled_from(sorted(entry))))
    elif kind == "drop":
        entries.pop(data.draw(st.integers(0, 2)))
    elif kind == "copy":
        entries.insert(data.draw(st.integers(0, 3)), dict(entries[data.draw(st.integers(0, 2))]))
    else:
        i, j = data.draw(st.sampled_from([(0, 1), (0, 2), (1, 2)]))
        entries[i], entries[j] = entries[j], entries[i]
    try:
        sig.write_text(json.dumps(doc), "utf-8")
        data_bytes = report.read_bytes()
        assert check_signatures(report, data_bytes, keys).status == BAD
        dropped_last = kind == "drop" and len(entries) == 2 and entries[-1] == json.loads(
            original)["signatures"][1]
        if not dropped_last:
            assert check_signatures(report, data_bytes).status == BAD
    finally:
        sig.write_bytes(original)
    assert check_signatures(report, report.read_bytes(), keys).status == "good"


def test_require_meaning_needs_a_good_signature_of_that_meaning() -> None:
    assert _sign("rv", "R. Viewer", "reviewed").code == 0
    run = run_cli("verify", "r.json", "--public-key", "qa.pub", "--public-key", "rv.pub",
                  "--require-meaning", "reviewed", "--require-meaning", "performed")
    assert run.code == 0, run
    run = run_cli("verify", "r.json", "--public-key", "qa.pub", "--public-key", "rv.pub",
                  "--require-meaning", "approved", "--require-meaning", "reviewed")
    assert (run.code, verdict(run.out)) == (1, (
        "NOT VERIFIED: r.json: 1 difference:\n"
        "  - signature: required with meaning 'approved', but no good signature by a "
        "--public-key means 'approved'\n"))
    # a signature of that meaning whose key was not given does not count
    run = run_cli("verify", "r.json", "--public-key", "qa.pub", "--require-meaning", "reviewed")
    assert run.code == 1 and "required with meaning 'reviewed'" in run.out
    run = run_cli("verify", "r.json", "--require-meaning", "reviewed")
    assert (run.code, run.out) == (2, "")
    assert run.err == ("exoqc: --require-meaning needs --public-key KEY.pub: the keys whose "
                       "signatures count\n")
    run = run_cli("verify", "r.json", "--public-key", "qa.pub", "--require-meaning", "released")
    assert run.code == 2 and "'released' is not one of" in run.err
    assert _sign("qp", "A. Prover", "approved").code == 0
    run = run_cli("verify", "r.json", "--public-key", "qp.pub", "--require-meaning", "approved")
    assert run.code == 0, run


def test_removing_every_signature_is_caught_by_the_keys_expected() -> None:
    """F9: the whole signature file deleted (the last signature of a one-signature stack
    removed): a verifier naming the expected signer's key sees it."""
    Path("r.json.sig").unlink()
    assert _verify().code == 0  # nothing names a signer: an unsigned report verifies
    run = _verify("qa")
    assert (run.code, verdict(run.out)) == (1, (
        "NOT VERIFIED: r.json: 1 difference:\n"
        f"  - signature: no signature by key {_fp('qa')} (qa.pub): r.json has no signature "
        "file (r.json.sig)\n"))
