"""Key pairs, signed reports, and `verify --public-key`."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from qc.gmp import verify as verify_module
from qc.gmp.signing import fingerprint, load_public_key
from tests.conftest import run_cli
from tests.gmp.tiny import CSV, SPEC
from tests.integrity.output import verdict


@pytest.fixture(autouse=True)
def _fixed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv("EXOQC_HOST", "lab-1")
    monkeypatch.chdir(tmp_path)
    Path("spec.yaml").write_text(SPEC, "utf-8")
    Path("batches.csv").write_text(CSV, "utf-8")


def _keys(name: str = "qa") -> None:
    result = run_cli("keygen", name)
    assert result.code == 0, result


def _signed_check(*extra: str) -> None:
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.json", "-o", "r.txt",
                     "--sign-key", "qa", "-q", *extra)
    assert (result.code, result.out, result.err) == (1, "", "")


def test_keygen_writes_a_private_key_only_its_owner_can_read() -> None:
    Path("keys").mkdir()
    result = run_cli("keygen", "keys/qa")
    fp = fingerprint(load_public_key("keys/qa.pub"))
    assert (result.code, result.out, result.err) == (0, (
        "wrote keys/qa (private key, mode 0600) and keys/qa.pub (public key)\n"
        f"public key sha256: {fp}\n"), "")
    assert stat.S_IMODE(Path("keys/qa").stat().st_mode) == 0o600
    assert stat.S_IMODE(Path("keys/qa.pub").stat().st_mode) == 0o644
    assert Path("keys/qa").read_text().startswith("-----BEGIN PRIVATE KEY-----\n")
    assert Path("keys/qa.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----\n")


def test_keygen_never_overwrites() -> None:
    _keys()
    before = Path("qa").read_bytes()
    result = run_cli("keygen", "qa")
    assert (result.code, result.err) == (2, "exoqc: qa: already exists; refusing to overwrite a "
                                            "key\n")
    Path("qa").unlink()
    result = run_cli("keygen", "qa")  # the .pub is still there
    assert (result.code, result.err) == (2, "exoqc: qa.pub: already exists; refusing to "
                                            "overwrite a key\n")
    assert not Path("qa").exists()
    assert before


def test_a_signed_report_verifies_with_the_public_key() -> None:
    _keys()
    _signed_check()
    assert not Path("r.txt.sig").exists()  # only JSON reports are signed
    sig = json.loads(Path("r.json.sig").read_text("utf-8"))
    assert sorted(sig) == ["file", "format", "sha256", "signatures"]
    assert (sig["format"], sig["file"]) == ("exoqc-signatures/2", "r.json")
    (entry,) = sig["signatures"]
    # check --sign-key: the operator performed the evaluation
    assert (entry["algorithm"], entry["signer"], entry["meaning"], entry["reason"]) == (
        "ed25519", "test-operator", "performed", None)
    assert entry["public_key_sha256"] == fingerprint(load_public_key("qa.pub"))
    result = run_cli("verify", "r.json", "--public-key", "qa.pub")
    assert (result.code, verdict(result.out), result.err) == (0, (
        "verified: r.json: 2 batches, inputs and spec unchanged, every result reproduced, "
        "signature good\n"), "")
    assert (f"  1. performed by test-operator, {entry['time']}, key sha256 "
            f"{entry['public_key_sha256']}: good\n") in result.out


def test_an_edited_byte_in_a_signed_report_is_caught() -> None:
    _keys()
    _signed_check()
    data = Path("r.json").read_bytes()
    # A change that leaves every value the same: only the signature can see it.
    Path("r.json").write_bytes(data.replace(b'"report_version": ', b'"report_version":  ', 1))
    result = run_cli("verify", "r.json", "--public-key", "qa.pub")
    assert (result.code, verdict(result.out)) == (1, (
        "NOT VERIFIED: r.json: 2 differences:\n"
        "  - signature: r.json.sig: its sha256 is not the report's (the report was changed "
        "after it was signed, or the file is another report's)\n"
        "  - signature 1: does not match the report's bytes: the report was changed after "
        "it was signed, or the signature is another report's\n"))


def test_a_signature_by_another_key_is_named() -> None:
    _keys()
    _keys("other")
    _signed_check()
    result = run_cli("verify", "r.json", "--public-key", "other.pub")
    other = fingerprint(load_public_key("other.pub"))
    assert (result.code, verdict(result.out)) == (1, (
        "NOT VERIFIED: r.json: 1 difference:\n"
        f"  - signature: no signature by key {other} (other.pub)\n"))
    assert ": not checked: its key was not given\n" in result.out


def test_a_missing_signature_file_fails_and_a_missing_key_exits_2() -> None:
    """A --public-key names a signer whose signature must be there: with the whole
    signature file removed, none is (F9: removal detection needs the expected signers)."""
    _keys()
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.json", "-q")
    assert result.code == 1
    run = run_cli("verify", "r.json", "--public-key", "qa.pub")
    assert (run.code, verdict(run.out)) == (1, (
        "NOT VERIFIED: r.json: 1 difference:\n"
        f"  - signature: no signature by key {fingerprint(load_public_key('qa.pub'))} "
        "(qa.pub): r.json has no signature file (r.json.sig)\n"))
    assert run_cli("verify", "r.json", "--public-key", "nope.pub").err == (
        "exoqc: nope.pub: public key file not found\n")


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (("-o", "r.txt"), None, "qa: --sign-key signs JSON and PDF reports; add -o REPORT.json or -o REPORT.pdf"),
    (("-o", "r.json"), b"batch_id,size_nm\nB-1,100\n",
     "<stdin>: a report of stdin input cannot be verified later, so exoqc does not sign it; "
     "save the input to a file"),
])
def test_sign_key_refusals_exit_2_before_any_work(args: tuple[str, ...], stdin: bytes | None,
                                                  message: str) -> None:
    _keys()
    inputs = "-" if stdin else "batches.csv"
    result = run_cli("check", inputs, "-s", "spec.yaml", "--sign-key", "qa", *args,
                     stdin=stdin)
    assert (result.code, result.out, result.err) == (2, "", f"exoqc: {message}\n")
    assert not Path("r.json").exists()
    assert not Path("r.txt").exists()


@pytest.mark.parametrize(("content", "message"), [
    (None, "nokey: private key file not found"),
    (b"hello", "nokey: not a PEM private key"),
])
def test_a_bad_private_key_exits_2(content: bytes | None, message: str) -> None:
    if content is not None:
        Path("nokey").write_bytes(content)
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.json",
                     "--sign-key", "nokey")
    assert (result.code, result.err) == (2, f"exoqc: {message}\n")
    assert not Path("r.json").exists()


def test_a_public_key_is_not_a_signing_key() -> None:
    _keys()
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.json",
                     "--sign-key", "qa.pub")
    assert (result.code, result.err) == (2, "exoqc: qa.pub: not a PEM private key\n")


def test_a_report_that_would_not_verify_is_never_signed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _keys()

    def failing(path: str, **_: object) -> verify_module.Verification:
        return verify_module.Verification(path, 2, ("summary fail: simulated",), (), False)

    monkeypatch.setattr(verify_module, "verify_report", failing)
    result = run_cli("check", "batches.csv", "-s", "spec.yaml", "-o", "r.json",
                     "--sign-key", "qa", "-q")
    assert (result.code, result.err) == (2, (
        "exoqc: r.json: not signed: the report does not verify: summary fail: simulated\n"))
    assert not Path("r.json.sig").exists()
