"""Ed25519 key pairs and the signatures of a report: a stack of signatures with meaning,
each bound to the report's bytes and to every signature before it (imports `cryptography`
only here).

What is signed. exoqc writes its JSON deterministically, so the report's exact bytes are
its canonical form; their sha256 stands for the report. The signatures go beside it in
`REPORT.json.sig`, a JSON document (format `exoqc-signatures/2`):

    {"format": "exoqc-signatures/2", "file": "r.json", "sha256": "<report sha256>",
     "signatures": [ENTRY, ENTRY, ...]}

Each ENTRY is one signature manifestation (21 CFR 11.50): `signer` (the printed name),
`time` (UTC, when it was made), `meaning` (performed, reviewed or approved), `reason`
(free text or null), `public_key` (the raw Ed25519 public key, base64) and
`public_key_sha256` (its fingerprint), `previous` (the sha256 of the canonical JSON of
the entry before it, complete with its signature; for the first entry, the report's
sha256) and `signature`: the Ed25519 signature of the canonical JSON (sorted keys, no
spaces, UTF-8) of the entry without `signature`, together with the document's `format`,
`file` and `sha256` and the entry's 1-based `index`. So each signature signs the report
hash and, through `previous`, every signature before it: one changed, removed (but the
last ones), reordered or moved signature, or a changed report, fails.

Today's single-signature file of exoqc 0.x (`algorithm`, `file`, `sha256`,
`public_key_sha256`, `signature` over the report's bytes) is still read: as a stack of
one signature that states no signer, time or meaning. Signing such a report again keeps
that signature first in the new stack.

A PDF report (`-o report.pdf`) is signed through the JSON report embedded in it: the
document's `sha256` is the embedded report's (so a signature means the same for the PDF as
for the JSON report of the run), and each ENTRY carries one more field, `pdf_sha256`: the
sha256 of the PDF that signing wrote, with the certificates' signature block showing every
signature up to and including this one (`sign_file(render_pdf=...)` lays it out again from
the same report before the signature is made). The last signature therefore covers the
PDF's bytes as they are: any change of them fails it, and each earlier signature's PDF is
the one its signer saw (kept in the chain, superseded by the next one's).

Removing the last signatures of a stack leaves a shorter stack that is still intact, as
deleting the whole file leaves an unsigned report: `exoqc verify --public-key KEY` fails
with "no signature by key <fingerprint>" for every key given that made none, so a verifier
who names the expected signers sees the removal; the audit log of `exoqc sign` records
each signature made.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from qc.errors import ExoqcError, KeyFileError, OutputError, UsageError
from qc.inputs.files import Kind, excerpt, read_bytes

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    from qc.model import Report

SIG_SUFFIX = ".sig"
ALGORITHM = "ed25519"
FORMAT = "exoqc-signatures/2"
# What a signature means (21 CFR 11.50(a)(3)), in the order a record is usually signed.
MEANINGS = ("performed", "reviewed", "approved")
# The meaning of the signature `exoqc check --sign-key` makes: the operator performed the
# evaluation. Review and approval are a person's acts, signed with `exoqc sign`.
CHECK_MEANING = "performed"
# Where every command that loads an encrypted private key finds its passphrase (else it
# asks at a terminal); `--passphrase-env VAR` names another variable.
PASSPHRASE_ENV = "EXOQC_KEY_PASSPHRASE"
MAX_NAME = 200  # characters of a signer's printed name
MAX_REASON = 1000  # characters of a reason
ENTRY_FIELDS = ("algorithm", "signer", "time", "meaning", "reason", "public_key",
                "public_key_sha256", "previous", "signature")
PDF_FIELD = "pdf_sha256"  # in each signature of a PDF report (see the module docstring)
LEGACY_FIELDS = ("algorithm", "public_key_sha256", "signature")  # a signature without meaning
DOC_FIELDS = ("format", "file", "sha256", "signatures")
SIG_FIELDS = ("algorithm", "file", "sha256", "public_key_sha256", "signature")  # 0.x file
GOOD, BAD, UNCHECKED = "good", "bad", "unchecked"
CHANGED = ("does not match the report's bytes: the report was changed after it was signed, "
           "or the signature is another report's")

_SHA_HEX = re.compile(r"[0-9a-f]{64}")
# Given a private key's path, its passphrase (asked for only when the key is encrypted).
Passphrase = Callable[[str], bytes]
# Given every signature of a PDF report (the one being made last), the PDF laid out again
# from the same report with its signature block showing them.
PdfRenderer = Callable[[Sequence["Signature"]], bytes]


def sig_path(report: str | Path) -> Path:
    return Path(f"{report}{SIG_SUFFIX}")


def _read(path: str, what: Kind) -> bytes:
    return read_bytes(path, what, KeyFileError)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


# --- keys ---------------------------------------------------------------------------------


def env_passphrase(variable: str) -> Passphrase:
    """The passphrase in the environment variable `variable` (--passphrase-env VAR)."""
    def read(path: str) -> bytes:
        value = os.environ.get(variable)
        if not value:
            raise UsageError(f"'--passphrase-env': the environment variable {variable} is "
                             "not set or empty")
        return value.encode("utf-8")
    return read


def default_passphrase(path: str) -> bytes:
    """$EXOQC_KEY_PASSPHRASE, else asked at the terminal (never echoed), else an error."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value.encode("utf-8")
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        try:
            value = getpass.getpass(f"Passphrase for {path}: ")
        except EOFError:
            value = ""
        if value:
            return value.encode("utf-8")
    raise KeyFileError(f"{path}: the private key is encrypted: set {PASSPHRASE_ENV} (or "
                       "give --passphrase-env VAR), or run at a terminal to be asked")


def load_private_key(path: str, passphrase: Passphrase | None = None) -> Ed25519PrivateKey:
    """The Ed25519 private key in a PEM file (PKCS#8, as `exoqc keygen` writes), decrypted
    with `passphrase` (default: `default_passphrase`) when it is encrypted."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    data = _read(path, "private key file")
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:  # encrypted: refuse a key others can read before asking for it
        _refuse_loose_permissions(path)
        secret = (passphrase or default_passphrase)(path)
        try:
            key = load_pem_private_key(data, password=secret)
        except (ValueError, TypeError):
            raise KeyFileError(f"{path}: wrong passphrase for the private key (or not a key "
                               "exoqc can read)") from None
    except ValueError:
        raise KeyFileError(f"{path}: not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: not an Ed25519 key (exoqc signs with Ed25519 only)")
    _refuse_loose_permissions(path)
    return key


def _refuse_loose_permissions(path: str) -> None:
    """A private key that group or others may read is refused, as ssh refuses one: whoever
    could read it could sign reports in your name."""
    if os.name != "posix":
        return
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # the reader says what is wrong with the path
    if stat.S_ISREG(mode) and mode & 0o077:
        raise KeyFileError(f"{path}: private key is readable or writable by group or others "
                           f"(mode {stat.S_IMODE(mode):04o}); refusing it, as ssh does: "
                           f"chmod 600 {path}")


def load_public_key(path: str) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    data = _read(path, "public key file")
    try:
        key = load_pem_public_key(data)
    except ValueError:
        raise KeyFileError(f"{path}: not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path}: not an Ed25519 public key")
    return key


def _raw(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """sha256 of the raw 32-byte public key: names the key in signatures and messages."""
    return _sha(_raw(key))


# --- what a signature states ---------------------------------------------------------------


class Signature(msgspec.Struct, frozen=True):
    """One signature manifestation as the signature file states it, in stack order
    (`index` from 1). `signer`, `meaning` and `time` are None for a signature of exoqc's
    single-signature file, which stated none of them."""

    index: int
    signer: str | None
    meaning: str | None
    time: str | None
    fingerprint: str
    reason: str | None = None

    def row(self) -> dict[str, str]:
        """The signature as a certificate's signature block shows it (RenderOptions)."""
        return {"signer": self.signer or "", "meaning": self.meaning or "",
                "time": self.time or "", "fingerprint": self.fingerprint,
                "reason": self.reason or ""}

    def describe(self) -> str:
        """One line: `2. approved by J. Doe, 2026-03-07T10:00:00Z, key sha256 …, reason: …`."""
        if self.meaning is None:
            head = f"{self.index}. signed (no signer, time or meaning stated: a signature " \
                   "of exoqc's single-signature file)"
        else:
            head = (f"{self.index}. {self.meaning} by {excerpt(self.signer or '')}, "
                    f"{self.time}")
        reason = f", reason: {excerpt(self.reason)}" if self.reason else ""
        return f"{head}, key sha256 {self.fingerprint}{reason}"


class Checked(msgspec.Struct, frozen=True):
    """A signature and what checking it found: GOOD (checked with a key given), UNCHECKED
    (intact as far as its own key shows, but that key was not given) or BAD (`problem`)."""

    signature: Signature
    status: str
    problem: str | None = None


class StackCheck(msgspec.Struct, frozen=True):
    """Every signature of a signature file, checked in order, and the problems of the file
    itself (its fields, and each key given that made no signature)."""

    signatures: tuple[Checked, ...]
    problems: tuple[str, ...]

    @property
    def status(self) -> str:
        """BAD when anything is wrong, else GOOD when a signature was checked with a given
        key, else UNCHECKED."""
        if self.problems or any(c.status == BAD for c in self.signatures):
            return BAD
        return GOOD if any(c.status == GOOD for c in self.signatures) else UNCHECKED

    def differences(self) -> list[str]:
        out = [f"signature: {p}" for p in self.problems]
        out += [f"signature {c.signature.index}: {c.problem}" for c in self.signatures
                if c.status == BAD]
        return out


class _Document(msgspec.Struct, frozen=True):
    """A signature file read for its shape: the report name and sha256 it states, its
    entries (a 0.x file as one entry without meaning) and the problems of its own fields."""

    file: Any
    sha256: Any
    entries: tuple[dict[str, Any], ...]
    problems: tuple[str, ...]


def _document(raw: bytes, sig_file: Path) -> _Document | str:
    """The signature file read for its shape, or why it is not one (one line)."""
    not_ours = f"{sig_file} is not an exoqc signature file"
    try:
        doc: Any = json.loads(raw)
    except ValueError:
        return not_ours
    if not isinstance(doc, dict):
        return not_ours
    if "format" not in doc and "signature" in doc:  # exoqc 0.x: one signature
        try:
            base64.b64decode(doc["signature"], validate=True)
        except (ValueError, TypeError):
            return not_ours
        extra = sorted(str(k) for k in doc if k not in SIG_FIELDS)
        problems = [f"fields exoqc does not write: {excerpt(', '.join(extra))}"] if extra else []
        entry = {k: doc.get(k) for k in LEGACY_FIELDS}
        return _Document(doc.get("file"), doc.get("sha256"), (entry,), tuple(problems))
    if doc.get("format") != FORMAT:
        return (f"{not_ours} (format {excerpt(json.dumps(doc.get('format')))}, "
                f"this exoqc reads {FORMAT!r})")
    entries = doc.get("signatures")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return f"{not_ours} (its signatures are not a list of signatures)"
    extra = sorted(str(k) for k in doc if k not in DOC_FIELDS)
    problems = [f"fields exoqc does not write: {excerpt(', '.join(extra))}"] if extra else []
    if not entries:
        problems.append("the signature file holds no signature")
    return _Document(doc.get("file"), doc.get("sha256"), tuple(entries), tuple(problems))


def _statement(entry: Mapping[str, Any], file: Any, report_sha: str, index: int) -> bytes:
    """The bytes a signature of the stack signs (see the module docstring)."""
    body = {k: v for k, v in entry.items() if k != "signature"}
    body.update(format=FORMAT, file=file, sha256=report_sha, index=index)
    return _canonical(body)


def _stated(entry: Mapping[str, Any], index: int) -> Signature:
    def text(name: str) -> str | None:
        value = entry.get(name)
        return value if isinstance(value, str) else None

    return Signature(index, text("signer"), text("meaning"), text("time"),
                     text("public_key_sha256") or "?", text("reason"))


def check_signatures(report: Path, data: bytes, public_keys: Sequence[str] = (),
                     pdf: bytes | None = None) -> StackCheck:
    """Check REPORT.sig against the report's bytes `data`, each signature with the given
    public key of its fingerprint (else with the key it names: UNCHECKED when intact), the
    chain from the report through every signature, and every field. A key given that made
    no signature is a problem: the signature it stands for is missing. For a PDF report,
    `data` is the JSON report embedded in it and `pdf` the PDF's bytes: every signature
    must state the PDF it was made on, and the last one the PDF as it is.

    KeyFileError (exit 2) when a key or the signature file is missing or unreadable.
    """
    keys: dict[str, tuple[str, Ed25519PublicKey]] = {}
    for shown in public_keys:
        key = load_public_key(shown)
        keys.setdefault(fingerprint(key), (shown, key))
    sig_file = sig_path(report)
    raw = _read(str(sig_file), "signature file")
    doc = _document(raw, sig_file)
    if isinstance(doc, str):
        return StackCheck((), (doc,))
    problems = [f"{sig_file}: {p}" for p in doc.problems]
    report_sha = _sha(data)
    if doc.file != report.name:
        problems.append(f"{sig_file}: names the file {excerpt(json.dumps(doc.file))}, not "
                        f"{report.name!r}")
    if doc.sha256 != report_sha:
        problems.append(f"{sig_file}: its sha256 is not the report's (the report was "
                        "changed after it was signed, or the file is another report's)")
    checked: list[Checked] = []
    previous = report_sha
    for index, entry in enumerate(doc.entries, start=1):
        checked.append(_check_entry(entry, index, previous, doc.file, data, keys, doc.sha256,
                                    pdf is not None))
        previous = _sha(_canonical(entry))
    if pdf is not None and doc.entries and not any(c.status == BAD for c in checked):
        last = doc.entries[-1]
        if PDF_FIELD in last and last.get(PDF_FIELD) != _sha(pdf):
            problems.append(f"{report}: the PDF is not the one its last signature was made "
                            "on: its bytes were changed after it was signed")
    used = {c.signature.fingerprint for c in checked}
    problems += [missing_key(fp, shown) for fp, (shown, _) in keys.items() if fp not in used]
    return StackCheck(tuple(checked), tuple(problems))


def missing_key(fp: str, shown: str) -> str:
    """The problem of a --public-key that made no signature (one was removed, or never
    made)."""
    return f"no signature by key {fp} ({shown})"


def _check_entry(entry: dict[str, Any], index: int, previous: str, file: Any, data: bytes,
                 keys: Mapping[str, tuple[str, Ed25519PublicKey]], stated_sha: Any,
                 pdf: bool = False) -> Checked:
    stated = _stated(entry, index)
    legacy = set(entry) == set(LEGACY_FIELDS)
    problems = (_legacy_problems(entry, index) if legacy else
                _entry_problems(entry, index, previous, stated_sha, pdf))
    if legacy and pdf:
        problems.append("a signature without meaning cannot sign a PDF report")
    given = keys.get(stated.fingerprint)
    key = given[1] if given is not None else None if legacy else _embedded(entry)
    if key is not None and not problems:
        message = data if legacy else _statement(entry, file, _sha(data), index)
        if not _good(key, entry.get("signature"), message):
            problems.append(CHANGED)
    if problems:
        return Checked(stated, BAD, "; ".join(problems))
    return Checked(stated, GOOD if given is not None else UNCHECKED)


def _legacy_problems(entry: Mapping[str, Any], index: int) -> list[str]:
    problems: list[str] = []
    if index != 1:
        problems.append("a signature without signer, time and meaning can only be the first")
    if entry.get("algorithm") != ALGORITHM:
        problems.append(f"algorithm is {excerpt(json.dumps(entry.get('algorithm')))}, "
                        f"not {ALGORITHM!r}")
    return problems


def _entry_problems(entry: Mapping[str, Any], index: int, previous: str,
                    stated_sha: Any, pdf: bool = False) -> list[str]:
    """Every field of a signature with meaning (`pdf_sha256` too for a PDF report), and
    its place in the chain."""
    problems: list[str] = []
    fields = (*ENTRY_FIELDS, PDF_FIELD) if pdf else ENTRY_FIELDS
    missing = [k for k in fields if k not in entry]
    extra = sorted(str(k) for k in entry if k not in fields)
    if missing:
        problems.append(f"fields missing: {', '.join(missing)}")
    if extra:
        problems.append(f"fields exoqc does not write: {excerpt(', '.join(extra))}")
    if entry.get("algorithm") != ALGORITHM:
        problems.append(f"algorithm is {excerpt(json.dumps(entry.get('algorithm')))}, "
                        f"not {ALGORITHM!r}")
    if pdf and PDF_FIELD in entry and not (isinstance(entry[PDF_FIELD], str)
                                           and _SHA_HEX.fullmatch(entry[PDF_FIELD])):
        problems.append(f"its {PDF_FIELD} is not a sha256")
    problems.extend(p for p in (signer_problem(entry.get("signer")),
                                meaning_problem(entry.get("meaning")),
                                reason_problem(entry.get("reason")),
                                _time_problem(entry.get("time"))) if p)
    key = _embedded(entry)
    if key is None:
        problems.append("its public_key is not an Ed25519 public key")
    elif fingerprint(key) != entry.get("public_key_sha256"):
        problems.append("its public_key_sha256 is not the sha256 of its public_key")
    if entry.get("previous") != previous:
        problems.append("does not follow the signatures before it (a signature was "
                        "removed, inserted or reordered, or it is another report's)"
                        if index > 1 else CHANGED if stated_sha != previous else
                        "is not the first signature of this report: signatures before it "
                        "were removed, or it is another report's")
    return problems


def _embedded(entry: Mapping[str, Any]) -> Ed25519PublicKey | None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        raw = base64.b64decode(entry.get("public_key"), validate=True)  # type: ignore[arg-type]
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError):
        return None


def _good(key: Ed25519PublicKey, signature: Any, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _time_problem(value: Any) -> str | None:
    if isinstance(value, str) and len(value) == 20 and value.endswith("Z"):
        try:
            datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
            return None
        except ValueError:
            pass
    return f"time {excerpt(json.dumps(value))} is not a UTC time (YYYY-MM-DDTHH:MM:SSZ)"


def signer_problem(value: Any) -> str | None:
    """None for a printed name exoqc records: text, not blank, one line, <= MAX_NAME, and
    shown as it is: no invisible or control character (a right-to-left override would
    print another name), no look-alike letter of another script in a Latin word
    (qc/text.py: `J. D\u043ee` with a Cyrillic o is not `J. Doe`)."""
    from qc.text import lookalike, visible

    if not isinstance(value, str) or not value.strip():
        return "the signer's printed name is missing"
    if value != value.strip() or visible(value) != value or any(
            ord(c) < 32 or 127 <= ord(c) < 160 for c in value):
        return (f"the signer's name {excerpt(json.dumps(value))} has spaces at its ends "
                "or invisible or control characters")
    if len(value) > MAX_NAME:
        return f"the signer's name is longer than {MAX_NAME} characters"
    disguised = lookalike(value)
    if disguised:
        return f"the signer's name: {disguised}"
    return None


def meaning_problem(value: Any) -> str | None:
    if value not in MEANINGS:
        return (f"meaning {excerpt(json.dumps(value))} is not one of "
                f"{', '.join(MEANINGS)}")
    return None


def reason_problem(value: Any) -> str | None:
    if value is None:
        return None
    from qc.text import visible

    if not isinstance(value, str) or not value.strip() or value != value.strip() or any(
            ord(c) < 32 or 127 <= ord(c) < 160 for c in value) or visible(value) != value:
        return (f"reason {excerpt(json.dumps(value))} is not one line of visible text")
    if len(value) > MAX_REASON:
        return f"the reason is longer than {MAX_REASON} characters"
    return None


def read_signatures(report_path: str | Path, public_keys: Sequence[str] = ()
                    ) -> tuple[Signature, ...]:
    """The signatures of a report in stack order, for a certificate's signature block:
    () when it has no signature file. Each one's own key shows it intact and bound to the
    report's bytes and to the signatures before it; WHOSE key it is, only a trusted public
    key proves: with `public_keys`, every signature must be good with one of them (as
    `exoqc verify --public-key` checks); without, a certificate shows the fingerprints.

    KeyFileError when the report, a key or the signature file cannot be read, or a
    signature does not hold (a certificate never shows a signature that does not hold).
    """
    report = Path(report_path)
    sig_file = sig_path(report)
    if not (sig_file.exists() or sig_file.is_symlink()):
        return ()
    data, pdf = report_data(_read(str(report), "report"), report, KeyFileError)
    result = check_signatures(report, data, public_keys, pdf)
    if result.status == BAD:
        raise KeyFileError(f"{sig_file}: the signatures do not hold: "
                           + "; ".join(result.differences()))
    if public_keys and (untrusted := [c.signature.index for c in result.signatures
                                      if c.status != GOOD]):
        raise KeyFileError(f"{sig_file}: signature {', '.join(map(str, untrusted))} made "
                           "with none of the keys given")
    return tuple(c.signature for c in result.signatures)


# --- signing --------------------------------------------------------------------------------


def sign_file(report: Path, key: Ed25519PrivateKey, *, signer: str,
              meaning: str = CHECK_MEANING, reason: str | None = None,
              fresh: bool = False, render_pdf: PdfRenderer | None = None
              ) -> tuple[Path, Signature]:
    """Add a signature to REPORT.sig (atomically): the report's exact bytes, every signature
    already there, and this signature's signer, meaning, time and reason. `fresh` starts a
    new stack (a report exoqc has just written: a signature file beside it is an old
    report's). An existing stack that does not hold is never added to.

    A PDF report is signed through its embedded JSON report, and is replaced by the PDF
    `render_pdf` lays out again with every signature in its signature block (required for
    a PDF): it must carry the very same JSON report; its sha256 is signed too (module
    docstring). The signature file is written first, then the PDF replaces the old one
    (each atomically): if the second step fails, the stack names a PDF that is not there
    and verify fails, never the other way round.

    UsageError for a bad signer, meaning or reason, and for `approved` on a report that
    states that a batch does not conform or that is NOT FOR RELEASE (as it records itself:
    `recorded_approval_problem`; verify re-derives both); OutputError when a file cannot be
    written, the signatures do not hold, or the PDF laid out again differs.
    """
    for problem in (signer_problem(signer), meaning_problem(meaning), reason_problem(reason)):
        if problem:
            raise UsageError(problem)
    target = sig_path(report)
    with _locked(report) as raw:
        data, pdf = report_data(raw, report, OutputError)
        if meaning == "approved" and (why := recorded_approval_problem(data, report)):
            raise UsageError(f"{report} cannot be approved: {why} (sign it as performed or "
                             "reviewed)")
        if pdf is not None and render_pdf is None:
            raise OutputError(f"{report}: a PDF report is signed by laying it out again with "
                              "its signature block; this caller cannot")
        entries: list[dict[str, Any]] = []
        if not fresh and (target.exists() or target.is_symlink()):
            existing = check_signatures(report, data, pdf=pdf)
            if existing.status == BAD:
                raise OutputError(f"{report}: not signed: its signatures do not hold: "
                                  + "; ".join(existing.differences()))
            doc = _document(_read(str(target), "signature file"), target)
            assert not isinstance(doc, str)  # it holds (checked just above)
            entries = list(doc.entries)
        public = key.public_key()
        entry: dict[str, Any] = {
            "algorithm": ALGORITHM,
            "signer": signer,
            "time": datetime.datetime.now(datetime.UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"),
            "meaning": meaning,
            "reason": reason,
            "public_key": base64.b64encode(_raw(public)).decode("ascii"),
            "public_key_sha256": fingerprint(public),
            "previous": _sha(_canonical(entries[-1])) if entries else _sha(data),
        }
        index = len(entries) + 1
        new_pdf: bytes | None = None
        if pdf is not None:
            assert render_pdf is not None  # refused above
            shown = [_stated(e, i) for i, e in enumerate([*entries, entry], start=1)]
            new_pdf = render_pdf(shown)
            again, _ = report_data(new_pdf, report, OutputError)
            if again != data:
                raise OutputError(f"{report}: not signed: the PDF laid out again would not "
                                  "carry the same JSON report (another exoqc version?)")
            entry[PDF_FIELD] = _sha(new_pdf)
        entry["signature"] = base64.b64encode(
            key.sign(_statement(entry, report.name, _sha(data), index))).decode("ascii")
        document = {"format": FORMAT, "file": report.name, "sha256": _sha(data),
                    "signatures": [*entries, entry]}
        text = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
        if new_pdf is None:
            _write_atomic(target, text, 0o644)
        else:
            mode = stat.S_IMODE(os.stat(report).st_mode)
            staged = _stage(report, new_pdf, mode)
            try:
                _write_atomic(target, text, 0o644)
                os.replace(staged, report)
            except OSError as exc:
                raise OutputError(f"{report}: cannot write: {exc.strerror}") from None
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(staged)
    return target, _stated(entry, index)


def pdf_renderer(report: Report) -> PdfRenderer:
    """`sign_file(render_pdf=...)` for a PDF report of `report` (the report re-derived by
    verify, as recorded): the same pages, with the signatures in the signature block."""
    def render(signatures: Sequence[Signature]) -> bytes:
        from qc.render import RenderOptions
        from qc.render.pdf import render as render_pdf

        options = RenderOptions(signatures=tuple(s.row() for s in signatures))
        return b"".join(render_pdf(report, options))
    return render


def approval_problem(report: Report) -> str | None:
    """Why a report cannot be signed as `approved` (None: it can): approving a report
    that states a batch does not conform, or that is NOT FOR RELEASE, is a real-life
    error; performed and reviewed record what was done and stay allowed (docs/signing.md)."""
    from qc.model import Status

    if report.summary.verdict is Status.FAIL:
        return "it states that a batch does not conform"
    if report.not_for_release:
        return f"it is NOT FOR RELEASE ({excerpt(report.not_for_release)})"
    return None


def recorded_approval_problem(data: bytes, report: Path) -> str | None:
    """`approval_problem` of a JSON report's bytes as it records itself (its summary
    verdict and its spec's NOT FOR RELEASE reason): what `sign_file` refuses to approve.
    A report whose verdict cannot be read is not approved either (fail safe). `exoqc sign`
    also re-derives both from the hashed files first, and verify does on every check."""
    from qc.errors import VerifyError
    from qc.gmp.verify import report_header
    from qc.model import Status

    try:
        head = report_header(data, str(report))
    except VerifyError:
        return "it is not a JSON report whose verdict can be read"
    summary, spec = head.get("summary"), head.get("spec")
    verdict = summary.get("verdict") if isinstance(summary, dict) else None
    if verdict == Status.FAIL.label:
        return "it states that a batch does not conform"
    if verdict not in {s.label for s in Status}:
        return "its verdict cannot be read"
    reason = spec.get("not_for_release") if isinstance(spec, dict) else "?"
    if reason is not None:
        shown = reason if isinstance(reason, str) else json.dumps(reason)
        return f"it is NOT FOR RELEASE ({excerpt(shown)})"
    return None


def report_data(raw: bytes, report: Path, error: type[ExoqcError]) -> tuple[bytes, bytes | None]:
    """(what a signature signs, the PDF's bytes or None): a JSON report's own bytes; for
    a PDF report, the JSON report embedded in it."""
    from qc.render.pdf import embedded_report, is_pdf

    if not is_pdf(raw):
        return raw, None
    from qc.inputs.files import LIMITS

    return embedded_report(raw, str(report), error, LIMITS["report"]), raw


def _stage(target: Path, data: bytes, mode: int) -> str:
    """`data` in a new file beside `target` (synced), to be renamed over it."""
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                    dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write beside it: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, mode)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise OutputError(f"{target}: cannot write: {exc.strerror}") from None
    return temp


@contextlib.contextmanager
def _locked(report: Path) -> Any:
    """The report's bytes, read under an exclusive lock on the report itself, held while
    its signature file is rewritten: two people signing at once never lose a signature.
    Signing a PDF replaces it: whoever waited for the old file's lock locks the new one."""
    for _ in range(100):
        try:
            fd = os.open(report, os.O_RDONLY)
        except OSError as exc:
            raise KeyFileError(f"{report}: cannot open the report: {exc.strerror}") from None
        try:
            try:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX)
            except ImportError:  # not POSIX: no lock (the docs say so)
                pass
            except OSError as exc:
                raise OutputError(f"{report}: cannot lock the report to sign it: "
                                  f"{exc.strerror}") from None
            if not _same_file(fd, report):
                continue  # replaced while we waited (a PDF signed meanwhile): lock the new one
            with os.fdopen(os.dup(fd), "rb") as fh:
                data = fh.read()
            yield data
            return
        finally:
            os.close(fd)
    raise OutputError(f"{report}: cannot lock the report to sign it: it keeps being replaced")


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.stat(path)
    except OSError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino)


def keygen(path: str, passphrase: bytes | None = None) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair: PATH (private, mode 0600, encrypted with `passphrase`
    when given) and PATH.pub; never overwrite."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        Encoding,
        KeySerializationEncryption,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    private, public = Path(path), Path(f"{path}.pub")
    for target in (private, public):
        if target.exists() or target.is_symlink():
            raise OutputError(f"{target}: already exists; refusing to overwrite a key")
    key = Ed25519PrivateKey.generate()
    encryption: KeySerializationEncryption = (
        NoEncryption() if passphrase is None else BestAvailableEncryption(passphrase))
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption)
    pub = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    _create(private, pem, 0o600)
    try:
        _create(public, pub, 0o644)
    except BaseException:
        private.unlink()
        raise
    return private, public


def _create(path: Path, data: bytes, mode: int) -> None:
    """Create a new file with `mode` from the start (O_EXCL: no race, no overwrite)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise OutputError(f"{path}: already exists; refusing to overwrite a key") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot create: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as fh:
        os.fchmod(fh.fileno(), mode)  # the umask may have removed bits we asked for
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _write_atomic(target: Path, data: bytes, mode: int) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise OutputError(f"{target}: cannot write: {exc.strerror}") from None
