"""`exoqc verify`: prove a JSON report still matches its inputs, its spec and exoqc's verdicts.

Re-hashes every input and spec file the report names, re-runs the evaluation with the
options the report records, and compares the summary and every check of every batch.
Differences are results (exit 1); a file that cannot be found or read means the report
cannot be verified at all (VerifyError, exit 2).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qc import __version__
from qc.errors import ExoqcError, VerifyError
from qc.inputs.files import read_bytes
from qc.model import Report
from qc.render import json_report as layout

BUILTIN_PREFIX = "builtin:"
CHECK_FIELDS = ("name", "column", "status", "reason", "value", "message")
SUMMARY_FIELDS = ("batches", "pass", "warn", "fail", "verdict")
MAX_LISTED = 200  # differences listed before "and N more"
# The JSON renderer's layout, which the fast path relies on (documented there).
MARKER = layout.BATCHES_START.encode()  # where the header ends and the batch lines begin
_FIRST = ((layout.BATCH_LINE + '{"').encode(), layout.EMPTY_END.encode())
_RECORD = (layout.BATCH_LINE.lstrip("\n") + "{").encode()  # a batch record's line starts so


@dataclass(frozen=True)
class Verification:
    report: str
    batches: int
    differences: tuple[str, ...]
    notes: tuple[str, ...]
    signature: bool  # a signature was checked (and is good unless listed in differences)

    @property
    def ok(self) -> bool:
        return not self.differences


def verify_report(path: str, *, inputs_dir: str | None = None,
                  public_key: str | None = None) -> Verification:
    data = _read_report(path)
    head, body = _parse(data, path)
    prov = head.get("provenance")
    if not isinstance(prov, dict) or not isinstance(prov.get("options"), dict):
        raise VerifyError(f"{path}: not an exoqc JSON report with provenance (written by "
                          "exoqc check -o REPORT.json, version 0.1 or later with attribution)")
    differences: list[str] = []
    notes: list[str] = []
    signed = public_key is not None
    if public_key is not None:
        from qc.gmp.signing import check_signature

        bad = check_signature(Path(path), data, public_key)
        if bad:
            differences.append(bad)
    recorded_version = (head.get("tool") or {}).get("version")
    if recorded_version != __version__:
        notes.append(f"the report was written by exoqc {recorded_version}, this is "
                     f"exoqc {__version__}; verdicts may differ between versions")
    options: Mapping[str, Any] = prov["options"]
    located, missing = _locate_all(head, options, inputs_dir)
    if missing:
        raise VerifyError(f"{path}: cannot verify: " + "; ".join(missing))
    for shown, (found, want) in located.items():
        got = _sha256(found)
        if got != want:
            differences.append(f"{shown}: sha256 changed (report {want[:16]}…, file "
                               f"{found} now {got[:16]}…)")
    try:
        report = _rerun(options, located)
    except ExoqcError as exc:
        if differences:
            differences.append(f"re-evaluation failed: {exc}")
            return Verification(path, 0, tuple(differences), tuple(notes), signed)
        raise VerifyError(f"{path}: cannot re-run the evaluation: {exc}") from None
    fresh = _as_recorded(report, head) or report
    batches = len(report.verdicts)
    if _same_bytes(fresh, data):  # the fast, common case: exactly what exoqc would write
        return Verification(path, batches, tuple(differences), tuple(notes), signed)
    # With the same files, any difference is an edit of the report (or another exoqc).
    word = "differs" if differences else "edited"
    changes = _compare(head, body, data, fresh, word)
    if not changes:
        notes.append("the report's bytes are not exactly as exoqc writes them (reformatted?), "
                     "but every value matches")
    differences.extend(changes)
    return Verification(path, batches, tuple(differences), tuple(notes), signed)


def _parse(data: bytes, path: str) -> tuple[dict[str, Any], int | None]:
    """The report's header and the offset of its batch lines when it is laid out as exoqc
    writes it (one batch per line, after the header); else the whole document and None."""
    at = data.find(MARKER)
    rest = data[at + len(MARKER):at + len(MARKER) + max(map(len, _FIRST))] if at >= 0 else b""
    if rest.startswith(_FIRST):
        try:
            head = json.loads(data[:at] + layout.HEADER_CLOSE.encode())
        except ValueError:
            head = None
        if isinstance(head, dict):
            return head, at + len(MARKER)
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise VerifyError(f"{path}: not a JSON report: {exc}") from None
    if not isinstance(doc, dict):
        raise VerifyError(f"{path}: not an exoqc JSON report with provenance (written by "
                          "exoqc check -o REPORT.json, version 0.1 or later with attribution)")
    return doc, None


def _read_report(path: str) -> bytes:
    return read_bytes(path, "report", VerifyError)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise VerifyError(f"{path}: cannot read: {exc.strerror}") from None
    return digest.hexdigest()


def _locate(recorded: str, inputs_dir: str | None) -> Path | None:
    """A recorded file: under --inputs by its name first, else at its recorded path."""
    if recorded.startswith(BUILTIN_PREFIX):
        from qc.spec import specs_dir

        builtin = specs_dir() / f"{recorded.removeprefix(BUILTIN_PREFIX)}.yaml"
        return Path(str(builtin)) if builtin.is_file() else None
    candidates = [Path(recorded)]
    if inputs_dir is not None:
        # under DIR by the recorded relative path first (keeps same-named files apart)
        under = [Path(inputs_dir) / Path(recorded).name]
        if not Path(recorded).is_absolute():
            under.insert(0, Path(inputs_dir) / recorded)
        candidates = [*under, *candidates]
    return next((c for c in candidates if c.is_file()), None)


def _locate_all(doc: Mapping[str, Any], options: Mapping[str, Any], inputs_dir: str | None
                ) -> tuple[dict[str, tuple[Path, str]], list[str]]:
    """{shown name: (file found, recorded sha256)} for spec files then inputs; what is missing."""
    spec = doc.get("spec") or {}
    spec_files = spec.get("files") or [{"path": spec.get("path"), "sha256": spec.get("sha256")}]
    wanted: list[tuple[str, str, str]] = [
        ("spec", str(f.get("path")), str(f.get("sha256"))) for f in spec_files]
    wanted += [("input", str(f.get("path")), str(f.get("sha256")))
               for f in doc.get("inputs") or []]
    located: dict[str, tuple[Path, str]] = {}
    missing: list[str] = []
    for kind, recorded, sha in wanted:
        if recorded == "<stdin>":
            missing.append("an input was read from stdin and cannot be read again")
            continue
        found = _locate(recorded, inputs_dir)
        if found is None:
            where = f" (nor {Path(recorded).name} under {inputs_dir})" if inputs_dir else ""
            missing.append(f"{kind} file {recorded} not found{where}")
        else:
            located[f"{kind} {recorded}"] = (found, sha)
    return located, missing


def _rerun(options: Mapping[str, Any], located: Mapping[str, tuple[Path, str]]) -> Report:
    from qc.run import RunOptions, run

    spec = str(options.get("spec"))
    if f"spec {spec}" in located:  # a spec file, found by path or under --inputs
        spec = str(located[f"spec {spec}"][0])
    # else a built-in name (recorded as builtin:NAME, whose hash was compared above)
    inputs = tuple(str(located[f"input {p}"][0]) for p in options.get("inputs") or [])
    joins = tuple(str(located[f"input {p}"][0]) for p in options.get("joins") or [])
    kwargs: dict[str, Any] = {"inputs": inputs, "spec": spec,
                              "decimal_comma": options.get("decimal") == ",",
                              "sheet": options.get("sheet"), "joins": joins,
                              "id_pattern": options.get("id_pattern")}
    as_of = options.get("as_of")
    if as_of is not None:
        try:
            datetime.date.fromisoformat(str(as_of))
        except ValueError:
            raise VerifyError(f"the recorded --as-of {as_of!r} is not a date") from None
        kwargs["as_of"] = str(as_of)
    return run(RunOptions(**kwargs))


def _as_recorded(report: Report, head: Mapping[str, Any]) -> Report | None:
    """The fresh report with what a re-run cannot reproduce taken from the record: the
    attribution, the time stamp, the tool version and the file names as recorded (files
    may have been found elsewhere). None when the record's shape does not allow it."""
    from qc.model import Provenance

    try:
        prov = head["provenance"]
        opts = prov["options"]
        provenance = Provenance(
            operator=str(prov["operator"]), host=str(prov["host"]),
            command=tuple(str(a) for a in prov["command"]),
            versions=tuple((str(k), str(v)) for k, v in prov["versions"].items()),
            spec=str(opts["spec"]), inputs=tuple(str(i) for i in opts["inputs"]),
            decimal=str(opts["decimal"]), fail_on=str(opts["fail_on"]),
            as_of=None if opts.get("as_of") is None else str(opts["as_of"]))
        inputs = [str(f["path"]) for f in head["inputs"]]
        files = [str(f["path"]) for f in head["spec"]["files"]]
        stamp, version = str(head["generated_at"]), str(head["tool"]["version"])
    except (KeyError, TypeError, AttributeError):
        return None
    if len(inputs) != len(report.inputs) or len(files) != len(report.spec.files):
        return None
    spec = dataclasses.replace(report.spec, files=tuple(
        dataclasses.replace(f, path=p) for f, p in zip(report.spec.files, files, strict=True)))
    return dataclasses.replace(
        report, spec=spec, generated_at=stamp, tool_version=version, provenance=provenance,
        inputs=tuple(dataclasses.replace(f, path=p)
                     for f, p in zip(report.inputs, inputs, strict=True)))


def _chunks(report: Report) -> Iterator[bytes]:
    from qc.render import RenderOptions
    from qc.render.json_report import render

    for chunk in render(report, RenderOptions()):
        yield chunk.encode("utf-8")


def _same_bytes(report: Report, data: bytes) -> bool:
    pos = 0
    for chunk in _chunks(report):
        if data[pos:pos + len(chunk)] != chunk:
            return False
        pos += len(chunk)
    return pos == len(data)


def _lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    rest = b""
    for chunk in chunks:
        rest += chunk
        *done, rest = rest.split(b"\n")
        yield from done
    yield rest


def _batch_lines(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The batch records of an exoqc-laid-out report body: one per line."""
    for line in _lines(chunks):
        if line.startswith(_RECORD):
            yield line.strip().removesuffix(layout.BATCH_SEPARATOR.encode())


def _compare(head: Mapping[str, Any], body: int | None, data: bytes, fresh: Report,
             word: str) -> list[str]:
    from qc.render.json_report import header

    fresh_head = json.loads(json.dumps(header(fresh)))
    out = list(_compare_head(head, fresh_head))
    names = [f.get("path") for f in head.get("inputs") or []]
    fresh_names = [f.path for f in fresh.inputs]
    counts = [0, 0]
    pairs: Iterable[tuple[Any, Any]]
    if body is None:  # not laid out as exoqc writes it: compare the parsed documents
        mine = head.get("batches") or []
        theirs = json.loads(b"".join(_chunks(fresh)))["batches"]
        pairs = zip(mine, theirs, strict=False)
        counts = [len(mine), len(theirs)]
    else:  # one batch per line: stream both, parse only the lines whose bytes differ
        step = 1 << 23
        recorded = _batch_lines(data[i:i + step] for i in range(body, len(data), step))
        rendered = _batch_lines(itertools.islice(_chunks(fresh), 1, None))  # skip the header
        pairs = _pairs(recorded, rendered, counts)
    batches = list(_compare_batches(pairs, names, fresh_names, word))
    if counts[0] != counts[1]:
        batches.insert(0, f"batches: the report lists {counts[0]}, re-evaluation gives "
                          f"{counts[1]}")
    if len(batches) > MAX_LISTED:
        batches = [*batches[:MAX_LISTED], f"… and {len(batches) - MAX_LISTED} more differences"]
    return out + batches


def _pairs(recorded: Iterator[bytes], rendered: Iterator[bytes], counts: list[int]
           ) -> Iterator[tuple[Any, Any]]:
    """(recorded, fresh) batch records whose bytes differ, parsed; counts every line."""
    for a, b in itertools.zip_longest(recorded, rendered):
        counts[0] += a is not None
        counts[1] += b is not None
        if a is not None and b is not None and a != b:
            yield _load(a), json.loads(b)


def _load(line: bytes) -> Any:
    try:
        return json.loads(line)
    except ValueError:
        return None


def _was(a: Any, b: Any) -> str:
    return f"report says {json.dumps(a, ensure_ascii=False)}, re-evaluation gives " \
           f"{json.dumps(b, ensure_ascii=False)}"


def _compare_head(doc: Mapping[str, Any], fresh: Mapping[str, Any]) -> Iterator[str]:
    for key in ("name", "version"):
        a, b = (doc.get("spec") or {}).get(key), fresh["spec"][key]
        if a != b:
            yield f"spec {key}: {_was(a, b)}"
    summary = doc.get("summary") or {}
    for key in SUMMARY_FIELDS:
        if summary.get(key) != fresh["summary"][key]:
            yield f"summary {key}: {_was(summary.get(key), fresh['summary'][key])}"
    if doc.get("notes") != fresh["notes"]:
        yield f"notes: {_was(doc.get('notes'), fresh['notes'])}"


def _compare_batches(pairs: Iterable[tuple[Any, Any]], names: Sequence[Any],
                     fresh_names: Sequence[str], word: str) -> Iterator[str]:
    for a, b in pairs:
        if not isinstance(a, dict):
            yield (f"batch {b['batch_id']!r} ({b['input']} row {b['row']}): the report's "
                   "record is not valid JSON")
            continue
        label = f"batch {a.get('batch_id')!r} ({a.get('input')} row {a.get('row')})"
        for key in ("batch_id", "row", "verdict"):
            if a.get(key) != b[key]:
                yield f"{label}: {key} {word}: {_was(a.get(key), b[key])}"
        where = names.index(a.get("input")) if a.get("input") in names else -1
        if where != fresh_names.index(b["input"]):  # files may be found under other paths
            yield f"{label}: input {word}: the batch comes from {b['input']}"
        checks: Sequence[Any] = a.get("checks") or []
        if len(checks) != len(b["checks"]):
            yield (f"{label}: lists {len(checks)} checks, re-evaluation gives "
                   f"{len(b['checks'])}")
        for c, d in zip(checks, b["checks"], strict=False):
            for key in CHECK_FIELDS:
                got = c.get(key) if isinstance(c, dict) else None
                if got != d[key]:
                    yield f"{label}: check {d['name']!r}: {key} {word}: {_was(got, d[key])}"
