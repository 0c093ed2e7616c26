"""Ed25519 key pairs and detached report signatures (imports `cryptography` only here).

What is signed: the exact bytes of the report file as exoqc wrote it. exoqc writes its
JSON deterministically, so those bytes are the canonical form; any change to them,
even re-indenting, breaks the signature. The signature goes beside the report as
`REPORT.json.sig`, a small JSON document holding the base64 signature, the sha256 of
the signed bytes and the sha256 of the raw public key (which key signed it).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qc.errors import KeyFileError, OutputError
from qc.inputs.files import Kind, excerpt, read_bytes

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

SIG_SUFFIX = ".sig"
ALGORITHM = "ed25519"


def sig_path(report: str | Path) -> Path:
    return Path(f"{report}{SIG_SUFFIX}")


def _read(path: str, what: Kind) -> bytes:
    return read_bytes(path, what, KeyFileError)


def load_private_key(path: str) -> Ed25519PrivateKey:
    """The Ed25519 private key in a PEM file (unencrypted PKCS#8, as `exoqc keygen` writes)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    data = _read(path, "private key file")
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:
        raise KeyFileError(f"{path}: the private key is encrypted; exoqc needs an unencrypted "
                        "key protected by file permissions") from None
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


def fingerprint(key: Ed25519PublicKey) -> str:
    """sha256 of the raw 32-byte public key: names the key in signatures and messages."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return hashlib.sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()


def sign_file(report: Path, key: Ed25519PrivateKey) -> Path:
    """Write REPORT.sig over the report's exact bytes (atomically); return its path."""
    data = report.read_bytes()
    document = {
        "algorithm": ALGORITHM,
        "file": report.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "public_key_sha256": fingerprint(key.public_key()),
        "signature": base64.b64encode(key.sign(data)).decode("ascii"),
    }
    target = sig_path(report)
    _write_atomic(target, (json.dumps(document, indent=2) + "\n").encode("utf-8"), 0o644)
    return target


SIG_FIELDS = ("algorithm", "file", "sha256", "public_key_sha256", "signature")


def check_signature(report: Path, data: bytes, public_key: str) -> str | None:
    """None when REPORT.sig is a good signature of `data` by the key and every one of its
    fields agrees with the report and the key; else what is wrong (one line).

    KeyFileError (exit 2) when the key or the signature file is missing or unreadable.
    """
    from cryptography.exceptions import InvalidSignature

    key = load_public_key(public_key)
    sig_file = sig_path(report)
    raw = _read(str(sig_file), "signature file")
    try:
        document: Any = json.loads(raw)
        if not isinstance(document, dict):
            raise TypeError
        signature = base64.b64decode(document["signature"], validate=True)
    except (ValueError, KeyError, TypeError):
        return f"signature: {sig_file} is not an exoqc signature file"
    problems = _field_problems(document, report, data, key, public_key)
    try:
        key.verify(signature, data)
    except InvalidSignature:
        if document.get("public_key_sha256") not in (None, fingerprint(key)):
            return (f"signature: made with another key (sha256 "
                    f"{excerpt(str(document['public_key_sha256']))}), not {public_key}")
        return ("signature: does not match the report's bytes: the report was changed "
                "after it was signed")
    if problems:
        return f"signature: {sig_file}: " + "; ".join(problems)
    return None


def _field_problems(document: dict[str, Any], report: Path, data: bytes,
                    key: Ed25519PublicKey, public_key: str) -> list[str]:
    """Every field of the signature file checked against the report and the key."""
    problems: list[str] = []
    extra = sorted(str(k) for k in document if k not in SIG_FIELDS)
    if extra:
        problems.append(f"fields exoqc does not write: {excerpt(', '.join(extra))}")
    if document.get("algorithm") != ALGORITHM:
        problems.append(f"algorithm is {excerpt(json.dumps(document.get('algorithm')))}, "
                        f"not {ALGORITHM!r}")
    if document.get("file") != report.name:
        problems.append(f"names the file {excerpt(json.dumps(document.get('file')))}, "
                        f"not {report.name!r}")
    if document.get("sha256") != hashlib.sha256(data).hexdigest():
        problems.append("its sha256 is not the report's")
    if document.get("public_key_sha256") != fingerprint(key):
        problems.append(f"its public_key_sha256 is not that of {public_key}")
    return problems


def keygen(path: str) -> tuple[Path, Path]:
    """Write a new Ed25519 key pair: PATH (private, mode 0600) and PATH.pub; never overwrite."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    private, public = Path(path), Path(f"{path}.pub")
    for target in (private, public):
        if target.exists() or target.is_symlink():
            raise OutputError(f"{target}: already exists; refusing to overwrite a key")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
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
