"""The audit-log attack table: edit, re-hash, forge, reorder, delete and truncate, against
an unkeyed and a keyed log, verified with and without the public key and a head kept
elsewhere. Each row states what exoqc must say; the rows where an attack goes unseen pin
the trust model of docs/validation.md (what an unsigned log, or a log without a head,
cannot prove)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from qc.gmp.audit import GENESIS, canonical
from qc.gmp.signing import load_private_key
from tests.conftest import Run, run_cli
from tests.gmp.tiny import CSV, SPEC

RUNS = 4
Entries = list[dict[str, Any]]


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with spec, batches, key pair `k`, and two logs of RUNS real check runs:
    plain.log (unkeyed) and keyed.log (--audit-key k), and a signed head of keyed.log."""
    folder = tmp_path_factory.mktemp("logs")
    (folder / "spec.yaml").write_text(SPEC, "utf-8")
    (folder / "b.csv").write_text(CSV, "utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        assert run_cli("keygen", "k").code == 0
        for i in range(RUNS):
            for log, extra in (("plain.log", ()), ("keyed.log", ("--audit-key", "k"))):
                run = run_cli("check", "b.csv", "-s", "spec.yaml", "-q", "--operator", f"op{i}",
                              "--audit-log", log, *extra)
                assert run.code == 1, run
        for log, extra in (("plain.log", ()), ("keyed.log", ("--audit-key", "k"))):
            run = run_cli("audit", "head", log, *extra)
            assert run.code == 0, run
            (folder / f"{log}.head").write_text(run.out, "utf-8")
    return folder


def entries(path: Path) -> Entries:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def write(path: Path, items: Entries) -> None:
    path.write_bytes(b"".join(canonical(e) + b"\n" for e in items))


def rehash(items: Entries, key: Ed25519PrivateKey | None = None, *, renumber: bool = True,
           keep_signatures: bool = False) -> Entries:
    """What an attacker with write access does after changing entries: renumber, recompute
    every own hash and chain link (and sign with `key`, the attacker's or a stolen one)."""
    out: Entries = []
    prev = GENESIS
    for n, item in enumerate(items, start=1):
        body = {k: v for k, v in item.items() if k not in ("sha256", "signature", "key")}
        if renumber:
            body["seq"] = n
        body["prev"] = prev
        if key is not None:
            from qc.gmp.audit import key_fingerprint

            body["key"] = key_fingerprint(key)
        elif keep_signatures and "key" in item:
            body["key"] = item["key"]
        body["sha256"] = hashlib.sha256(canonical(body)).hexdigest()
        if key is not None:
            body["signature"] = base64.b64encode(key.sign(canonical(body))).decode("ascii")
        elif keep_signatures and "signature" in item:
            body["signature"] = item["signature"]
        out.append(body)
        prev = hashlib.sha256(canonical(body)).hexdigest()
    return out


def _edit(items: Entries) -> Entries:
    items[1]["exit_code"] = 0
    return items


def _swap(items: Entries) -> Entries:
    items[1], items[2] = items[2], items[1]
    return items


def _forge(items: Entries) -> Entries:
    forged = {**{k: v for k, v in items[-1].items() if k not in ("signature", "key")},
              "operator": "mallory", "exit_code": 0}
    return [*items, forged]


def _forge_signed(items: Entries, key: Ed25519PrivateKey) -> Entries:
    """Append a forged entry that chains onto the real last line, signed with `key`."""
    from qc.gmp.audit import key_fingerprint

    body = {k: v for k, v in _forge(items)[-1].items() if k not in ("sha256", "signature")}
    body.update(seq=len(items) + 1, prev=hashlib.sha256(canonical(items[-1])).hexdigest(),
                key=key_fingerprint(key))
    body["sha256"] = hashlib.sha256(canonical(body)).hexdigest()
    body["signature"] = base64.b64encode(key.sign(canonical(body))).decode("ascii")
    return [*items, body]


ATTACKER = Ed25519PrivateKey.generate()

# Each attack turns the log's entries into the tampered ones.
ATTACKS: dict[str, Callable[[Entries], Entries]] = {
    "edit": _edit,
    "edit, re-hash": lambda e: rehash(_edit(e), keep_signatures=True),
    "edit, re-hash, strip signatures": lambda e: rehash(_edit(e)),
    "edit, re-sign with another key": lambda e: rehash(_edit(e), ATTACKER),
    "forge": lambda e: rehash(_forge(e), keep_signatures=True),
    "forge, signed with another key": lambda e: _forge_signed(e, ATTACKER),
    "reorder": _swap,
    "reorder, re-hash": lambda e: rehash(_swap(e), keep_signatures=True),
    "delete": lambda e: [e[0], *e[2:]],
    "delete, re-hash": lambda e: rehash([e[0], *e[2:]], keep_signatures=True),
    "delete the first, re-hash": lambda e: rehash(e[1:], keep_signatures=True),
    "truncate (last entry)": lambda e: e[:-1],
}


@dataclass(frozen=True)
class Case:
    attack: str
    log: str  # plain.log or keyed.log
    public_key: bool
    head: bool
    caught: str | None  # a problem line verify must print; None: the attack is unseen


def cases() -> list[Case]:
    out: list[Case] = []
    for log in ("plain.log", "keyed.log"):
        for public_key in ((False,) if log == "plain.log" else (False, True)):
            for head in (False, True):
                def add(attack: str, caught: str | None, *, log: str = log,
                        public_key: bool = public_key, head: bool = head) -> None:
                    out.append(Case(attack, log, public_key, head, caught))

                keyed = log == "keyed.log"
                add("edit", "line 2: edited (its content no longer matches its own sha256)")
                # Re-hashing restores the chain: only a signature (or a head) tells.
                unseen_rehash = None if not head else "head: entry 4 no longer has the hash"
                add("edit, re-hash", "line 2: bad signature" if public_key else unseen_rehash)
                add("edit, re-hash, strip signatures",
                    "no entry is signed" if public_key else unseen_rehash)
                add("edit, re-sign with another key",
                    "line 1: is signed with key sha256 " if public_key else unseen_rehash)
                add("forge", "line 5: is not signed, but the log is signed with key" if keyed
                    else None)
                add("forge, signed with another key",
                    "line 5: is signed with another key" if keyed else None)
                add("reorder", "line 2: does not follow line 1")
                add("reorder, re-hash", "line 2: bad signature" if public_key
                    else unseen_rehash)
                add("delete", "line 2: does not follow line 1")
                add("delete, re-hash", "line 2: bad signature" if public_key else
                    (None if not head else "head: the log has 3 entries, the head kept "
                     "elsewhere records 4"))
                add("delete the first, re-hash", "line 1: bad signature" if public_key else
                    (None if not head else "head: the log has 3 entries, the head kept "
                     "elsewhere records 4"))
                add("truncate (last entry)",
                    None if not head else "head: the log has 3 entries, the head kept "
                    "elsewhere records 4: entries were removed from the end")
    return out


def _id(case: Case) -> str:
    return (f"{case.attack}-{case.log.removesuffix('.log')}"
            f"{'-pubkey' if case.public_key else ''}{'-head' if case.head else ''}")


def _verify(folder: Path, log: str, *, public_key: bool, head: bool) -> Run:
    args = ["audit", "verify", str(folder / log)]
    if public_key:
        args += ["--public-key", str(folder / "k.pub")]
    if head:
        args += ["--head", str(folder / f"{log}.head")]
    return run_cli(*args)


@pytest.mark.parametrize("case", cases(), ids=_id)
def test_audit_attack_table(logs: Path, tmp_path: Path, case: Case) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(logs, folder)
    log = folder / case.log
    original = _verify(folder, case.log, public_key=case.public_key, head=case.head)
    assert original.code == 0, original  # the untouched log verifies in this setup
    write(log, ATTACKS[case.attack](entries(log)))
    run = _verify(folder, case.log, public_key=case.public_key, head=case.head)
    if case.caught is None:
        # The documented limit: this setup cannot see this attack (docs/validation.md).
        assert run.code == 0, run
        assert run.out.startswith("intact: ")
        return
    assert run.code == 1, run
    assert run.out.startswith(f"BROKEN: {log}: ")
    problems = [line for line in run.out.splitlines() if line.startswith("  - ")]
    assert any(p[4:].startswith(case.caught) for p in problems), (case.caught, run.out)


def test_a_partial_last_line_is_caught_without_key_or_head(logs: Path, tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    data = (logs / "plain.log").read_bytes()
    log.write_bytes(data[:-10])
    run = run_cli("audit", "verify", str(log))
    assert run.code == 1
    assert "  - line 4: truncated (the log does not end with a complete line)" in run.out


def test_every_single_entry_removed_from_a_keyed_log_is_caught_with_the_head(
        logs: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(logs, folder)
    original = entries(folder / "keyed.log")
    for drop in range(RUNS):
        kept = [e for i, e in enumerate(original) if i != drop]
        for tampered in (kept, rehash(kept, keep_signatures=True)):
            write(folder / "keyed.log", tampered)
            run = _verify(folder, "keyed.log", public_key=True, head=True)
            assert run.code == 1, (drop, run)


def test_a_log_replaced_whole_by_one_signed_with_another_key_needs_the_public_key(
        logs: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(logs, folder)
    write(folder / "keyed.log", rehash(_edit(entries(folder / "keyed.log")), ATTACKER))
    unchecked = _verify(folder, "keyed.log", public_key=False, head=False)
    assert unchecked.code == 0  # self-consistent: only the trusted key tells
    assert "signatures were not checked (give --public-key)" in unchecked.err
    checked = _verify(folder, "keyed.log", public_key=True, head=False)
    assert checked.code == 1
    assert "is signed with key sha256 " in checked.out


def test_an_edited_or_forged_head_is_caught(logs: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(logs, folder)
    head_file = folder / "keyed.log.head"
    head = json.loads(head_file.read_text("utf-8"))
    # Truncate the log and lower the head's count to match: the head's signature breaks.
    write(folder / "keyed.log", entries(folder / "keyed.log")[:-1])
    lowered = {**head, "entries": 3}
    head_file.write_text(json.dumps(lowered), "utf-8")
    run = _verify(folder, "keyed.log", public_key=True, head=True)
    assert run.code == 1
    assert "  - head: bad signature (the head file was edited)" in run.out
    # Without the public key the signature is not checked, and verify says so.
    run = _verify(folder, "keyed.log", public_key=False, head=True)
    assert "the head is signed with key sha256" in run.err
    head_file.write_text("{}", "utf-8")
    run = _verify(folder, "keyed.log", public_key=True, head=True)
    assert (run.code, run.err) == (2, f"exoqc: {head_file}: not an exoqc audit head (write one "
                                      "with `exoqc audit head LOG > FILE`)\n")


def test_the_head_matches_a_log_that_has_grown_since(logs: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(logs, folder)
    monkeypatch.chdir(folder)
    run = run_cli("check", "b.csv", "-s", "spec.yaml", "-q", "--audit-log", "keyed.log",
                  "--audit-key", "k")
    assert run.code == 1
    run = _verify(folder, "keyed.log", public_key=True, head=True)
    assert run.code == 0, run
    assert run.out.startswith(f"intact: {folder / 'keyed.log'}: 5 entries, 5 signed with the "
                              "given key, entry 4 matches the head, head sha256 ")


def test_audit_head_prints_count_and_hash_and_signs_it(logs: Path) -> None:
    head = json.loads((logs / "keyed.log.head").read_text("utf-8"))
    lines = (logs / "keyed.log").read_bytes().splitlines()
    assert head["entries"] == RUNS
    assert head["head"] == hashlib.sha256(lines[-1]).hexdigest()
    key = load_private_key(str(logs / "k"))
    from qc.gmp.audit import key_fingerprint

    assert head["key"] == key_fingerprint(key)
    plain = json.loads((logs / "plain.log.head").read_text("utf-8"))
    assert "signature" not in plain and plain["entries"] == RUNS


def test_audit_head_refuses_a_broken_log(logs: Path, tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    write(log, _swap(entries(logs / "plain.log")))
    run = run_cli("audit", "head", str(log))
    assert (run.code, run.out) == (1, "")
    assert run.err.startswith(f"exoqc: {log}: no head for a broken log: line 2: does not "
                              "follow line 1")


def test_each_keyed_entry_records_the_fingerprint_never_the_key(logs: Path) -> None:
    from qc.gmp.audit import key_fingerprint

    key = load_private_key(str(logs / "k"))
    pem = (logs / "k").read_text("ascii")
    body = pem.splitlines()[1]
    text = (logs / "keyed.log").read_text("utf-8")
    assert body not in text
    assert {e["key"] for e in entries(logs / "keyed.log")} == {key_fingerprint(key)}
    assert all("key" not in e and "signature" not in e for e in entries(logs / "plain.log"))


def test_a_keyed_log_refuses_an_unsigned_or_foreign_entry_before_any_work(
        logs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(logs, folder)
    monkeypatch.chdir(folder)
    before = Path("keyed.log").read_bytes()
    fp = entries(Path("keyed.log"))[0]["key"]
    run = run_cli("check", "b.csv", "-s", "spec.yaml", "-o", "r.json", "--audit-log",
                  "keyed.log")
    assert (run.code, run.out) == (2, "")
    assert run.err == (f"exoqc: keyed.log: the audit log is signed with key sha256 {fp}; give "
                       "that key with --audit-key (or --sign-key): an unsigned entry would "
                       "read as tampering\n")
    assert run_cli("keygen", "other").code == 0
    run = run_cli("check", "b.csv", "-s", "spec.yaml", "-o", "r.json", "--audit-log",
                  "keyed.log", "--sign-key", "other")
    assert run.code == 2
    assert run.err.startswith(f"exoqc: keyed.log: the audit log is signed with key sha256 {fp}"
                              ", not with this key")
    assert Path("keyed.log").read_bytes() == before
    assert not Path("r.json").exists()  # refused before any work
    # --sign-key signs the audit entry when no --audit-key is given.
    run = run_cli("check", "b.csv", "-s", "spec.yaml", "-o", "r.json", "--audit-log",
                  "keyed.log", "--sign-key", "k", "-q")
    assert run.code == 1, run
    assert entries(Path("keyed.log"))[-1]["key"] == fp
    # An unkeyed log becomes keyed with its first keyed entry.
    run = run_cli("check", "b.csv", "-s", "spec.yaml", "-q", "--audit-log", "plain.log",
                  "--audit-key", "other")
    assert run.code == 1, run
    assert _verify(folder, "plain.log", public_key=False, head=True).code == 0
    run = run_cli("audit", "verify", "plain.log", "--public-key", "other.pub")
    assert run.code == 0, run
    assert "1 signed with the given key" in run.out


def test_audit_key_needs_an_audit_log(logs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(logs)
    run = run_cli("check", "b.csv", "-s", "spec.yaml", "--audit-key", "k")
    assert run.code == 2
    assert "'--audit-key': needs --audit-log" in run.err
