"""Every reader goes through one policy (qc.inputs.files): regular files only, a size cap
per kind, stdin bounded, and errors that quote at most a short excerpt, never a key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.inputs import files
from tests.conftest import run_cli
from tests.integrity.conftest import Lab

REGULAR_ONLY = "(exoqc reads regular files only, or - for standard input)"


def _node(target: str) -> str:
    if target == "/dev/zero":
        return "/dev/zero", "a device"
    os.mkfifo(target)
    return target, "a named pipe (FIFO)"


@pytest.mark.parametrize("target", ["fifo", "/dev/zero"])
@pytest.mark.parametrize(("args", "kind"), [
    (("check", "batches.csv", "-s", "{}"), "spec file"),
    (("check", "{}", "-s", "approved.yaml"), "batch file"),
    (("check", "batches.csv", "-s", "approved.yaml", "--join", "{}"), "batch file"),
    (("check", "batches.csv", "-s", "approved.yaml", "-o", "r.json", "--sign-key", "{}"),
     "private key file"),
    (("verify", "{}"), "report"),
    (("spec", "validate", "{}"), "spec file"),
])
def test_a_fifo_or_a_device_is_one_line_and_exit_2(lab: Lab, target: str,
                                                   args: tuple[str, ...], kind: str) -> None:
    path, node = _node(target)
    run = run_cli(*(a.format(path) for a in args))
    err = run.out + run.err  # `spec check` reports on stdout
    assert run.code == 2, run
    article = "an" if kind[0] in "aeiou" else "a"
    assert err.strip().endswith(f"{path}: is {node}, not {article} {kind} {REGULAR_ONLY}")
    assert err.count("\n") == 1


@pytest.mark.parametrize("target", ["fifo", "/dev/zero"])
def test_a_fifo_as_an_extends_parent_or_a_public_key(lab: Lab, target: str) -> None:
    path, node = _node(target)
    Path("child.yaml").write_text(f"extends: {os.path.abspath(path)}\nname: c\nversion: '1'\n",
                                  "utf-8")
    run = run_cli("check", "batches.csv", "-s", "child.yaml")
    assert run.code == 2
    assert run.err.startswith("exoqc: child.yaml:1:")
    assert run.err.endswith(f"is {node}, not a spec file {REGULAR_ONLY}\n")
    lab.check("--sign-key", "qa")
    run = lab.verify("--public-key", path)
    assert (run.code, run.err) == (2, f"exoqc: {path}: is {node}, not a public key file "
                                      f"{REGULAR_ONLY}\n")


def test_a_fifo_as_the_signature_file(lab: Lab) -> None:
    lab.check()
    os.mkfifo("r.json.sig")
    run = lab.verify("--public-key", "qa.pub")
    assert (run.code, run.err) == (2, f"exoqc: r.json.sig: is a named pipe (FIFO), not a "
                                      f"signature file {REGULAR_ONLY}\n")


def test_stdin_is_bounded(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(files.LIMITS, "batch file", 40)
    small = b"batch_id,size_nm\nB-1,100\n"
    assert run_cli("check", "-", "-s", "approved.yaml", stdin=small).code == 0
    run = run_cli("check", "-", "-s", "approved.yaml", stdin=small + b"B-2,100\n" * 10)
    assert (run.code, run.err) == (2, "exoqc: <stdin>: batch file is larger than 40 bytes\n")


@pytest.mark.parametrize(("kind", "args"), [
    ("batch file", ("check", "batches.csv", "-s", "approved.yaml")),
    ("report", ("verify", "r.json")),
    ("public key file", ("verify", "r.json", "--public-key", "qa.pub")),
    ("signature file", ("verify", "r.json", "--public-key", "qa.pub")),
    ("private key file", ("check", "batches.csv", "-s", "approved.yaml", "-o", "s.json",
                          "--sign-key", "qa")),
])
def test_each_kind_has_its_cap(lab: Lab, monkeypatch: pytest.MonkeyPatch, kind: str,
                               args: tuple[str, ...]) -> None:
    assert lab.check("--sign-key", "qa").code == 1
    monkeypatch.setitem(files.LIMITS, kind, 20)
    run = run_cli(*args)
    assert run.code == 2, run
    assert run.err.endswith(f": {kind} is larger than 20 bytes\n")


def test_the_caps_are_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "validation.md").read_text("utf-8")
    for kind, cap in files.LIMITS.items():
        assert f"| {kind} | {files._size_text(cap)} |" in doc, kind


def test_a_batch_file_given_as_a_spec_is_quoted_short(lab: Lab) -> None:
    Path("wide.csv").write_text("batch_id," + ",".join(f"c{i}" for i in range(200)) + "\n",
                                "utf-8")
    run = run_cli("check", "batches.csv", "-s", "wide.csv")
    assert run.code == 2
    quoted = run.err.split("not ", 1)[1]
    assert len(quoted) <= 80 + 3  # the quotes and the newline
    assert "c150" not in run.err


@pytest.mark.parametrize("header", [
    b"-----BEGIN PRIVATE KEY-----", b"-----BEGIN OPENSSH PRIVATE KEY-----",
    b"-----BEGIN RSA PRIVATE KEY-----", b"-----BEGIN EC PRIVATE KEY-----",
    b"-----BEGIN ENCRYPTED PRIVATE KEY-----", b"-----BEGIN PGP PRIVATE KEY BLOCK-----"])
def test_any_private_key_given_as_a_spec_is_named_not_shown(lab: Lab, header: bytes) -> None:
    Path("k.yaml").write_bytes(b"name: x\n" + header + b"\nU0VDUkVUU0VDUkVU\n-----END-----\n")
    run = run_cli("check", "batches.csv", "-s", "k.yaml")
    assert (run.code, run.err) == (
        2, "exoqc: k.yaml: looks like a private key, not a spec (its content is not shown)\n")


@given(st.text())
def test_an_excerpt_is_short_one_line_and_inert(text: str) -> None:
    shown = files.excerpt(text)
    assert "\n" not in shown and "\r" not in shown
    assert all(c.isprintable() for c in shown)
    # at most 80 characters of the text (each unprintable one spelled \\uXXXX)
    source = shown.replace("…", "")
    import re

    assert len(re.sub(r"\\u[0-9a-f]{4}", "_", source)) <= files.EXCERPT


@given(st.binary(max_size=300), st.sampled_from(list(files.LIMITS)))
def test_read_bytes_reads_a_regular_file_whole(tmp_path_factory: pytest.TempPathFactory,
                                               data: bytes, kind: files.Kind) -> None:
    path = tmp_path_factory.mktemp("r") / "f"
    path.write_bytes(data)
    assert files.read_bytes(str(path), kind, ValueError) == data  # type: ignore[arg-type]
