"""Run the bundled reference cases through the real code path and collect IQ/OQ evidence.

Each case folder under `cases/` holds `case.json` (what to run and what to expect), a
spec (or the name of a built-in one) and its batch files. Every case goes through
`qc.run.run`, exactly as `exoqc check` does. The evidence also records the environment
(IQ): Python, the platform, package versions and the sha256 of every installed exoqc
file, compared with the wheel's RECORD when exoqc is installed from one.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import platform
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from qc import __version__
from qc.errors import ExoqcError, OutputError

CASES = Path(__file__).resolve().parent / "cases"
EVIDENCE_VERSION = 1
PACKAGES = ("numpy", "pandas", "pyarrow", "jsonschema", "click", "rich", "PyYAML",
            "cryptography", "msgspec")
# What the bundled cases must cover between them (a test keeps this complete).
OUTCOMES = ("pass", "warn", "out_of_spec", "missing", "invalid", "indeterminate", "not_tested",
            "reported")


def iter_cases() -> Iterator[tuple[Path, dict[str, Any]]]:
    for folder in sorted(p for p in CASES.iterdir() if (p / "case.json").is_file()):
        yield folder, json.loads((folder / "case.json").read_text("utf-8"))


def outcome(status: str, reason: str | None) -> str:
    """One word per check result: the reason when it has one, else its status."""
    return reason or status


def run_case(folder: Path, case: Mapping[str, Any]) -> dict[str, Any]:
    """What the case actually gives, in the shape of its `expected`."""
    from qc.model import Reason, Status
    from qc.run import RunOptions, run

    spec = str(case["spec"])
    spec = spec.removeprefix("builtin:") if spec.startswith("builtin:") else str(folder / spec)
    inputs = tuple(str(folder / name) for name in case["inputs"])
    try:
        report = run(RunOptions(inputs=inputs, spec=spec,
                                decimal_comma=case.get("decimal", ".") == ",",
                                as_of=case.get("as_of")))
    except ExoqcError as exc:
        return {"exit_code": 2, "error": str(exc).replace(f"{folder}{os.sep}", "")}
    s = report.summary
    batches = []
    for batch in report.iter_batches():
        problems = {c.name: outcome(c.status.label, c.reason.label) for c in batch.checks
                    if c.status is not Status.PASS or c.reason is not Reason.NONE}
        batches.append({"batch_id": batch.batch_id, "row": batch.row,
                        "verdict": batch.verdict.label, "problems": problems})
    return {
        "exit_code": report.exit_code(),
        "summary": {"batches": s.batches, "pass": s.passed, "warn": s.warned,
                    "fail": s.failed, "verdict": s.verdict.label},
        "batches": batches,
        "notes": list(report.notes),
    }


def covered(case: Mapping[str, Any], folder: Path) -> tuple[set[str], set[str]]:
    """The rule kinds and the outcomes a case exercises."""
    from qc.rules import RULES
    from qc.spec import load_spec

    outcomes: set[str] = set()
    expected = case["expected"]
    for batch in expected.get("batches", []):
        outcomes.add(batch["verdict"])
        outcomes.update(batch["problems"].values())
    kinds: set[str] = set()
    if "batches" in expected:
        spec = str(case["spec"])
        spec = spec.removeprefix("builtin:") if spec.startswith("builtin:") else str(
            folder / spec)
        kinds = {type(c.rule).__name__ for c in load_spec(spec).checks} | {"Identity"}
        kinds &= {k.__name__ for k in RULES}
    return kinds, outcomes


def run_selftest(*, command: Sequence[str] = ()) -> dict[str, Any]:
    """Every case plus the environment; `result` is "pass" only if all of it checks out."""
    from qc.gmp.provenance import utc_now
    from qc.rules import RULES

    cases: list[dict[str, Any]] = []
    kinds: set[str] = set()
    outcomes: set[str] = set()
    for folder, case in iter_cases():
        actual = run_case(folder, case)
        k, o = covered(case, folder)
        kinds |= k
        outcomes |= o
        cases.append({
            "id": case["id"],
            "title": case["title"],
            "spec": case["spec"],
            "inputs": list(case["inputs"]),
            "decimal": case.get("decimal", "."),
            "expected": case["expected"],
            "actual": actual,
            "result": "pass" if actual == case["expected"] else "fail",
        })
    installation = installed_files()
    missing = sorted({k.__name__ for k in RULES} - kinds) + sorted(set(OUTCOMES) - outcomes)
    ok = (bool(cases) and all(c["result"] == "pass" for c in cases)
          and not installation["mismatches"] and not missing)
    return {
        "evidence_version": EVIDENCE_VERSION,
        "tool": {"name": "exoqc", "version": __version__},
        "generated_at": utc_now(),
        "command": list(command),
        "result": "pass" if ok else "fail",
        "environment": environment(),
        "installation": installation,
        "coverage": {"rule_kinds": sorted(kinds), "outcomes": sorted(outcomes),
                     "missing": missing},
        "cases": cases,
    }


def environment() -> dict[str, Any]:
    from qc.gmp.provenance import host, operator

    packages: dict[str, Any] = {}
    for name in PACKAGES:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            packages[name] = {"version": None, "record_sha256": None}
            continue
        record = dist.read_text("RECORD")
        packages[name] = {
            "version": dist.version,
            # the RECORD lists the hash of every installed file of the package
            "record_sha256": hashlib.sha256(record.encode("utf-8")).hexdigest()
            if record is not None else None,
        }
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "host": host(),
        "operator": operator(),
        "packages": packages,
    }


def _file_sha256(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def installed_files() -> dict[str, Any]:
    """The sha256 of every exoqc file, checked against the wheel's RECORD when installed."""
    import qc

    package = Path(qc.__file__).resolve().parent
    dist = _distribution(package)
    files: list[dict[str, str]] = []
    mismatches: list[str] = []
    if dist is not None and dist.files is not None:
        source = "RECORD"
        for entry in dist.files:
            if entry.hash is None or entry.hash.mode != "sha256":
                continue  # RECORD itself and compiled caches carry no hash
            path = Path(str(dist.locate_file(entry)))
            try:
                digest = _file_sha256(path)
            except OSError:
                mismatches.append(f"{entry}: missing")
                continue
            encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
            if encoded != entry.hash.value:
                mismatches.append(f"{entry}: differs from RECORD")
            files.append({"path": str(entry), "sha256": digest.hex()})
    else:
        source = "files (a source checkout: no RECORD to compare with)"
        from qc.spec import specs_dir

        roots = [(package, "qc"), (Path(str(specs_dir())), "specs")]
        seen: set[Path] = set()
        for root, label in roots:
            for path in sorted(root.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts and path not in seen:
                    seen.add(path)
                    rel = f"{label}/{path.relative_to(root).as_posix()}"
                    files.append({"path": rel, "sha256": _file_sha256(path).hex()})
    listing = "".join(f"{f['sha256']}  {f['path']}\n" for f in sorted(
        files, key=lambda f: f["path"]))
    return {
        "source": source,
        "location": str(package),
        "files_sha256": hashlib.sha256(listing.encode("utf-8")).hexdigest(),
        "files": files,
        "mismatches": mismatches,
    }


def _distribution(package: Path) -> metadata.Distribution | None:
    """exoqc's installed distribution, if it is the one this code was imported from."""
    try:
        dist = metadata.distribution("exoqc")
    except metadata.PackageNotFoundError:
        return None
    located = Path(str(dist.locate_file("qc/__init__.py"))).resolve()
    return dist if located.parent == package else None


def summary_lines(evidence: Mapping[str, Any]) -> list[str]:
    cases = evidence["cases"]
    good = sum(c["result"] == "pass" for c in cases)
    inst = evidence["installation"]
    lines = [f"exoqc {evidence['tool']['version']} selftest: {evidence['result'].upper()}: "
             f"{good}/{len(cases)} reference cases as expected"]
    lines += [f"  {'ok  ' if c['result'] == 'pass' else 'FAIL'} {c['id']}  {c['title']}"
              for c in cases]
    lines.append(f"  installed files: {len(inst['files'])} hashed ({inst['source']}), "
                 f"sha256 of the listing {inst['files_sha256'][:16]}…")
    lines += [f"  FAIL installed file {m}" for m in inst["mismatches"]]
    lines += [f"  FAIL not covered by any case: {m}" for m in evidence["coverage"]["missing"]]
    return lines


def check_output_path(path: str) -> None:
    suffix = Path(path).suffix.lower()
    if suffix not in (".json", ".html"):
        raise OutputError(f"{path}: unknown evidence type {suffix or '(no suffix)'!r}; "
                          "use .json or .html")
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{path}: is a folder; give a file name")
    if not target.parent.is_dir() or not os.access(target.parent, os.W_OK):
        raise OutputError(f"{path}: folder {str(target.parent)!r} is missing or not writable")


def write_evidence(evidence: Mapping[str, Any], path: str) -> None:
    """Write the evidence as JSON or HTML (by suffix), atomically."""
    if path.lower().endswith(".html"):
        from qc.gmp.selftest.evidence_html import render_html

        text = render_html(evidence)
    else:
        text = json.dumps(evidence, indent=2, ensure_ascii=False) + "\n"
    target = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise OutputError(f"{path}: cannot write evidence: {exc.strerror}") from None
