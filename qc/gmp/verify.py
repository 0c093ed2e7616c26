"""`exoqc verify`: prove what a JSON report's files prove, and say what only a signature can.

Before re-running anything, verify hashes every spec file of the recorded `extends` chain
and every input and join file, and compares each with the report; it then re-runs exactly
those files (found at their recorded paths, by name under `--inputs DIR`, or the spec given
with `--spec FILE`), never a path the report's options name that its hashes do not cover.
Every field that the hashed files re-derive (the spec's name, version, title and lifecycle
fields, `not_for_release`, the inputs' rows, the summary, the notes, every result) is
compared with the record. What a re-run cannot re-derive (operator, host, time, versions,
command) and the options that feed it (as_of, decimal, sheet, fail_on, joins, id pattern)
are returned as attested: only a signature protects them.

A PDF report (`-o report.pdf`) carries its JSON report as an embedded file: verify
extracts it (qc/render/pdf.py) and verifies it as above; then it compares the text of each
certificate page with the re-derived report and the signature block with REPORT.pdf.sig
(qc/gmp/pdf_pages.py): a page of another run, or a signature shown that the file does not
hold, is a difference. The signatures of a PDF sign its embedded JSON report, and the last
one the PDF's bytes too (qc/gmp/signing.py), so its visible pages; without a good one,
`Verification.pdf` tells the caller to say that the pages are not protected. With a
--public-key or --require-signature, a last signature not checked with a key given is a
difference: anyone may lay the pages out again, alter them and sign them last.

An `approved` signature on a report whose re-derived verdict is FAIL, or that is NOT FOR
RELEASE, is a difference too, whoever made it (`exoqc sign` and `sign_file` refuse to).

Differences are results (exit 1); a file that cannot be found or read means the report
cannot be verified at all (VerifyError, exit 2).
"""

from __future__ import annotations

import datetime
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from qc import __version__
from qc.errors import ExoqcError, VerifyError
from qc.gmp.signing import UNCHECKED, Checked
from qc.inputs.files import EXCERPT, Kind, excerpt, read_bytes, sha256
from qc.model import Report
from qc.render import json_report as layout

BUILTIN_PREFIX = "builtin:"
CHECK_FIELDS = ("name", "column", "status", "reason", "value", "message")
SPEC_FIELDS = ("name", "version", "title", "status", "effective_date", "approved_by",
               "not_for_release", "locked", "lineage", "laboratory", "product",
               "manufacture_column", "expiry_column", "methods")
INPUT_FIELDS = ("rows", "role", "sheet", "header_row")
MAX_PATH = 4096  # characters of a recorded path (PATH_MAX on Linux)
ATTESTED_WIDTH = 400  # characters of an attested value printed
MAX_LISTED = 200  # differences listed before "and N more"
# The JSON renderer's layout, which the fast path relies on (documented there).
MARKER = layout.BATCHES_START.encode()  # where the header ends and the batch lines begin
_FIRST = ((layout.BATCH_LINE + '{"').encode(), layout.EMPTY_END.encode())
_RECORD = (layout.BATCH_LINE.lstrip("\n") + "{").encode()  # a batch record's line starts so
_SHA = re.compile(r"[0-9a-f]{64}")
# The options of `check` that feed a re-run, as the report's provenance names them.
RERUN_OPTIONS = ("spec", "inputs", "as_of", "decimal", "sheet", "fail_on", "joins",
                 "id_pattern", "header_row", "columns", "encoding")
# Parses a recorded command line into {option: value} in the provenance's terms; the CLI
# gives `exoqc check`'s own parser (the library never imports the command line).
CommandParser = Callable[[Sequence[str]], Mapping[str, Any]]


class Verification(msgspec.Struct, frozen=True):
    """What verify proved. `differences`: the record disagrees with the hashed files or
    with itself; `rederived`: results that a different exoqc version re-derives
    differently (kept apart: they may be the versions, not an edit); `attested`: what
    only a signature protects, as (field, value) pairs; `signature`: "good", "bad",
    "none" (not signed) or "unchecked" (a signature file beside it, no key given)."""

    report: str
    batches: int
    differences: tuple[str, ...]
    notes: tuple[str, ...]
    signature: str = "none"
    rederived: tuple[str, ...] = ()
    attested: tuple[tuple[str, str], ...] = ()
    same_version: bool = True
    # a PDF report: what was verified is the JSON report embedded in it; its visible pages
    # are covered only by a good signature (of the PDF's bytes)
    pdf: bool = False
    # Each signature of REPORT.sig in stack order, with what checking it found.
    signatures: tuple[Checked, ...] = ()
    # The report re-derived from the hashed files, as recorded (None when not re-run): what
    # `exoqc sign` lays out again to sign a PDF report.
    evaluated: Report | None = None

    @property
    def ok(self) -> bool:
        return not self.differences and not self.rederived


class _Recorded(msgspec.Struct, frozen=True):
    """The files a report names, each with its recorded sha256."""

    spec: tuple[tuple[str, str], ...]  # the extends chain, the file asked for first
    batches: tuple[tuple[str, str], ...]
    joins: tuple[tuple[str, str], ...]
    columns: tuple[tuple[str, str], ...] = ()  # the --columns map file (role "columns")


def verify_report(path: str, *, inputs_dir: str | None = None,
                  public_key: str | Sequence[str] | None = None, spec_file: str | None = None,
                  require_signature: bool = False,
                  parse_command: CommandParser | None = None,
                  signatures: bool = True,
                  require_meanings: Sequence[str] = ()) -> Verification:
    keys = (public_key,) if isinstance(public_key, str) else tuple(public_key or ())
    if require_meanings and not keys:
        raise VerifyError("--require-meaning needs --public-key KEY.pub: the keys whose "
                          "signatures count")
    raw = _read_report(path)
    pdf = _is_pdf(raw)
    data = raw
    if pdf:  # the JSON report it carries
        try:
            data = _embedded(raw, path)
        except VerifyError as exc:
            from qc.gmp.signing import sig_path

            sig = sig_path(path)
            if signatures and (sig.exists() or sig.is_symlink()):
                # signing wrote a PDF whose embedded report it read back: this is not it
                return Verification(path, 0, (
                    f"signature: {sig} holds signatures of a PDF whose embedded report "
                    "could be read; this one's cannot: it was changed after it was signed",
                    str(exc)), (), "bad", pdf=True)
            raise
    head, body = _parse(data, path)
    prov = head.get("provenance")
    if not isinstance(prov, dict) or not isinstance(prov.get("options"), dict):
        raise VerifyError(f"{path}: not an exoqc JSON report with provenance (written by "
                          "exoqc check -o REPORT.json, version 0.1 or later with attribution)")
    differences: list[str] = []
    notes: list[str] = []
    # A PDF's signatures sign its embedded report; the last one its bytes too.
    signature, checked = (_signature(path, data, keys, require_signature, differences,
                                     raw if pdf else None)
                          if signatures else ("none", ()))
    differences.extend(_meanings(require_meanings, checked))
    if pdf and signatures and (keys or require_signature):
        differences.extend(_last_unchecked(checked))
    tool = head.get("tool")
    recorded_version = tool.get("version") if isinstance(tool, dict) else None
    same_version = recorded_version == __version__
    if not same_version:
        notes.append(f"the report was written by exoqc {_show(recorded_version)}, this is "
                     f"exoqc {__version__}: differences of re-derived results are listed "
                     "apart, as they may come from the versions")
    options: Mapping[str, Any] = prov["options"]
    recorded = _recorded(head, path)
    differences.extend(_options_cover(options, recorded))
    attested = _attested(head, prov, options)
    differences.extend(_consistent(head, prov, options, parse_command))
    located = _locate_all(recorded, inputs_dir, spec_file, path)
    changed = [f"{excerpt(shown)}: sha256 changed (report {want[:16]}…, file "
               f"{excerpt(str(found))} now {got[:16]}…)"
               for shown, found, want, kind in located
               if (got := sha256(str(found), kind, VerifyError)) != want]
    result = _result_maker(path, differences, notes, signature, attested, same_version,
                           checked, pdf)
    if changed:
        # Only the files the report was made from are re-run: another file's content
        # (whatever a forged record points at) is never evaluated nor quoted.
        differences.extend(changed)
        notes.append("not re-run: a file is not the one the report was made from, and verify "
                     "re-runs only files with the recorded sha256 (run exoqc check on the "
                     "changed files to see their verdicts)")
        return result(0, ())
    try:
        report = _rerun(options, recorded, located)
    except ExoqcError as exc:
        if differences:
            differences.append(f"re-evaluation failed: {exc}")
            return result(0, ())
        raise VerifyError(f"{path}: cannot re-run the evaluation: {exc}") from None
    differences.extend(_chain_matches(report, recorded))
    differences.extend(_approvals(report, checked))
    fresh = _as_recorded(report, head) or report
    batches = len(report.verdicts)
    if pdf:  # the visible certificates, against the re-derived report and the signatures
        differences.extend(_pdf_pages(raw, path, fresh, checked))
    made = result

    def with_report(n: int, rederived: tuple[str, ...]) -> Verification:
        return msgspec.structs.replace(made(n, rederived), evaluated=fresh)

    if _same_bytes(fresh, data):  # the fast, common case: exactly what exoqc would write
        return with_report(batches, ())
    # With the same files, any difference is an edit of the report (or another exoqc).
    word = "differs" if differences else "edited"
    fields, results = _compare(head, body, data, fresh, word)
    if not fields and not results:
        notes.append("the report's bytes are not exactly as exoqc writes them (reformatted?), "
                     "but every value matches")
    differences.extend(fields)
    if same_version:
        differences.extend(results)
        return with_report(batches, ())
    return with_report(batches, tuple(results))


def _result_maker(path: str, differences: list[str], notes: list[str],
                                   signature: str, attested: tuple[tuple[str, str], ...],
                                   same_version: bool, signatures: tuple[Checked, ...] = (),
                                   pdf: bool = False
                                   ) -> Callable[[int, tuple[str, ...]], Verification]:
    def make(batches: int, rederived: tuple[str, ...]) -> Verification:
        return Verification(path, batches, tuple(differences), tuple(notes), signature,
                            rederived, attested, same_version, pdf, signatures)
    return make


def _is_pdf(data: bytes) -> bool:
    from qc.render.pdf import is_pdf

    return is_pdf(data)


def _embedded(data: bytes, path: str) -> bytes:
    """The JSON report a PDF report carries (qc/render/pdf.py), under the JSON report cap."""
    from qc.inputs.files import LIMITS
    from qc.render.pdf import embedded_report

    return embedded_report(data, path, VerifyError, LIMITS["report"])


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def _show(value: Any, width: int = EXCERPT) -> str:
    """A value taken from the report, quoted short (the report may be hostile)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return excerpt(text, width)


def _signature(path: str, data: bytes, public_keys: Sequence[str], required: bool,
               differences: list[str], pdf: bytes | None = None
               ) -> tuple[str, tuple[Checked, ...]]:
    """Check REPORT.sig: every signature in order, each with the given key of its
    fingerprint (a signature whose key was not given is UNCHECKED, but must still hold
    with its own key), and each given key must have made one (no signature file: each key
    given made none). The status: "none" (no signature file), "bad", "good" (at least one
    checked with a given key) or "unchecked". --require-signature needs "good": a key
    given and nothing bad. `data`: what the signatures sign (a PDF's embedded report);
    `pdf`: a PDF report's bytes."""
    from qc.gmp.signing import check_signatures, fingerprint, load_public_key, missing_key, sig_path

    sig = sig_path(path)
    present = sig.exists() or sig.is_symlink()
    if not present:
        if required:
            differences.append(f"signature: required, but {path} is not signed (no {sig})")
        seen: set[str] = set()
        for shown in public_keys:  # each key given must have signed: none did
            fp = fingerprint(load_public_key(shown))
            if fp not in seen:
                seen.add(fp)
                differences.append(f"signature: {missing_key(fp, shown)}: {path} has no "
                                   f"signature file ({sig})")
        return "none", ()
    if required and not public_keys:
        raise VerifyError("--require-signature needs --public-key KEY.pub: the key whose "
                          "signature is required")
    result = check_signatures(Path(path), data, public_keys, pdf)
    differences.extend(result.differences())
    return result.status, result.signatures


def _last_unchecked(checked: Sequence[Checked]) -> Iterator[str]:
    """A PDF's visible pages are protected only by its LAST signature (it states the PDF's
    sha256): with --public-key or --require-signature, that signature must be good with a
    key given. A signature whose key was not given may be anyone's (the pages laid out
    again, edited, and signed with another key), so the pages it covers count for nothing."""
    if checked and checked[-1].status == UNCHECKED:
        yield (f"signature: the last signature (key {checked[-1].signature.fingerprint}) was "
               "not checked with a given key: the pages it covers are not protected")


def _approvals(report: Report, checked: Sequence[Checked]) -> Iterator[str]:
    """An `approved` signature on a report that states a batch does not conform, or that
    is NOT FOR RELEASE (re-derived from the hashed files), is not a valid approval,
    whoever made it and however (`exoqc sign` refuses to make one; `sign_file` too)."""
    from qc.gmp.signing import approval_problem

    why = approval_problem(report)
    if why is None:
        return
    for c in checked:
        if c.signature.meaning == "approved":
            yield (f"signature {c.signature.index}: an approval of a report that "
                   f"{why.removeprefix('it ')} is not valid")


def _meanings(required: Sequence[str], checked: Sequence[Checked]) -> Iterator[str]:
    """--require-meaning: a good signature (checked with a key given) of each meaning."""
    for meaning in dict.fromkeys(required):
        if not any(c.status == "good" and c.signature.meaning == meaning for c in checked):
            yield (f"signature: required with meaning {meaning!r}, but no good signature "
                   f"by a --public-key means {meaning!r}")


def _pdf_pages(raw: bytes, path: str, report: Report, checked: Sequence[Checked]
               ) -> list[str]:
    """The PDF's certificate pages against the re-derived report and its signatures."""
    from qc.gmp.pdf_pages import page_problems, page_texts

    try:
        pages = page_texts(raw)
    # pypdf reads a hostile file: whatever it raises means "pages not readable"
    except Exception as exc:
        return [f"pages: their text cannot be read: {excerpt(' '.join(str(exc).split()))}"]
    return [f"pages: {p}" for p in
            page_problems(pages, report, [c.signature for c in checked])]


def _recorded(head: Mapping[str, Any], path: str) -> _Recorded:
    """The recorded files, checked for shape: a path (text) and a sha256 (64 hex) each."""
    spec = head.get("spec")
    if not isinstance(spec, dict):
        raise VerifyError(f"{path}: not an exoqc JSON report: no spec record")
    files = spec.get("files") or [{"path": spec.get("path"), "sha256": spec.get("sha256")}]
    inputs = head.get("inputs")
    if not isinstance(files, list) or not files or not isinstance(inputs, list):
        raise VerifyError(f"{path}: not an exoqc JSON report: no spec files or inputs listed")

    def pair(entry: Any, where: str) -> tuple[str, str]:
        p = entry.get("path") if isinstance(entry, dict) else None
        h = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(p, str) or not p or not isinstance(h, str) or not _SHA.fullmatch(h):
            raise VerifyError(f"{path}: {where}: not a file record (a path and a sha256): "
                              f"{_show(entry)}")
        if not p.isprintable() or len(p) > MAX_PATH:
            raise VerifyError(f"{path}: {where}: not a file path: {_show(p)}")
        if p == "<stdin>":
            raise VerifyError(f"{path}: cannot verify: an input was read from stdin and "
                              "cannot be read again")
        return p, h

    chain = tuple(pair(f, f"spec.files[{i}]") for i, f in enumerate(files))
    batches: list[tuple[str, str]] = []
    joins: list[tuple[str, str]] = []
    columns: list[tuple[str, str]] = []
    for i, f in enumerate(inputs):
        entry = pair(f, f"inputs[{i}]")
        role = f.get("role")
        (joins if role == "join" else columns if role == "columns" else batches).append(entry)
    return _Recorded(chain, tuple(batches), tuple(joins), tuple(columns))


def _options_cover(options: Mapping[str, Any], recorded: _Recorded) -> Iterator[str]:
    """The report's options may name only files its hashes cover: the spec asked for is
    the first hashed spec file, the inputs and joins are the hashed ones, in order."""
    spec = options.get("spec")
    first = recorded.spec[0][0]
    if not (spec == first or (isinstance(spec, str) and f"{BUILTIN_PREFIX}{spec}" == first)):
        yield (f"options spec: {_show(spec)} is not the hashed spec file {_show(first)}; "
               "the re-run reads the hashed file only")
    for key, files in (("inputs", recorded.batches), ("joins", recorded.joins)):
        named = options.get(key) or []
        if named != [p for p, _ in files]:
            yield (f"options {key}: {_show(named)} are not the hashed {key} "
                   f"{_show([p for p, _ in files])}; the re-run reads the hashed files only")
    mapped = options.get("columns")
    if ([mapped] if mapped is not None else []) != [p for p, _ in recorded.columns]:
        yield (f"options columns: {_show(mapped)} is not the hashed column map "
               f"{_show([p for p, _ in recorded.columns])}; the re-run reads the hashed "
               "files only")


def _attested(head: Mapping[str, Any], prov: Mapping[str, Any],
              options: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    tool = _dict(head.get("tool"))
    out = [("operator", prov.get("operator")), ("host", prov.get("host")),
           ("time", prov.get("time")), ("exoqc version", tool.get("version")),
           ("versions", prov.get("versions")), ("command", prov.get("command"))]
    out += [(f"option {key}", options.get(key)) for key in RERUN_OPTIONS]
    return tuple((k, _show(v, ATTESTED_WIDTH)) for k, v in out)


def _consistent(head: Mapping[str, Any], prov: Mapping[str, Any], options: Mapping[str, Any],
                parse_command: CommandParser | None) -> Iterator[str]:
    """The attested fields checked against each other and the recorded command line."""
    if prov.get("time") != head.get("generated_at"):
        yield (f"provenance time: {_show(prov.get('time'))} is not the report's generated_at "
               f"{_show(head.get('generated_at'))}")
    tool = _dict(head.get("tool"))
    versions = prov.get("versions")
    if isinstance(versions, dict) and versions.get("exoqc") != tool.get("version"):
        yield (f"provenance versions: exoqc {_show(versions.get('exoqc'))} is not the tool "
               f"version {_show(tool.get('version'))}")
    command = prov.get("command")
    if parse_command is None:
        return
    if not isinstance(command, list) or not all(isinstance(a, str) for a in command):
        yield f"provenance command: not a command line: {_show(command)}"
        return
    try:
        given = parse_command(command)
    except ExoqcError as exc:
        yield f"provenance command: {exc}"
        return
    for key in RERUN_OPTIONS:
        if key not in given:
            continue
        want, got = given[key], options.get(key)
        if key == "as_of" and want is None:
            continue  # not given: the record holds the date `today` meant, checked below
        if got != want:
            yield (f"option {key}: the report says {_show(got)}, its recorded command line "
                   f"gives {_show(want)}")
    if given.get("as_of") is None and options.get("as_of") is not None:
        day = str(head.get("generated_at"))[:10]
        if options.get("as_of") != day:
            yield (f"option as_of: {_show(options.get('as_of'))} was not given on the command "
                   f"line, so it must be the day of the run, {_show(day)}")


def _chain_matches(report: Report, recorded: _Recorded) -> Iterator[str]:
    """The spec files the re-run read are the recorded ones (by hash, in order)."""
    read = [f.sha256 for f in report.spec.files]
    want = [h for _, h in recorded.spec]
    if read != want:
        yield (f"spec files: the re-run read {len(read)} spec file(s) "
               f"({', '.join(h[:16] + '…' for h in read)}), the report records "
               f"{len(want)} ({', '.join(h[:16] + '…' for h in want)})")
    for key, fresh, files in (("inputs", report.inputs, recorded.batches),
                              ("joins", report.joins, recorded.joins + recorded.columns)):
        if [f.sha256 for f in fresh] != [h for _, h in files]:
            yield f"{key}: the re-run read files whose sha256 is not the recorded one"


def report_header(data: bytes, path: str) -> Mapping[str, Any]:
    """A JSON report's header (everything but its batches), read as verify reads it;
    VerifyError when it is not a JSON report."""
    return _parse(data, path)[0]


def _parse(data: bytes, path: str) -> tuple[dict[str, Any], int | None]:
    """The report's header and the offset of its batch lines when it is laid out as exoqc
    writes it (one batch per line, after the header); else the whole document and None."""
    at = data.find(MARKER)
    rest = data[at + len(MARKER):at + len(MARKER) + max(map(len, _FIRST))] if at >= 0 else b""
    if rest.startswith(_FIRST):
        try:
            head = json.loads(data[:at] + layout.HEADER_CLOSE.encode())
        except (ValueError, RecursionError):
            head = None
        if isinstance(head, dict):
            return head, at + len(MARKER)
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise VerifyError(f"{path}: not a JSON report: {excerpt(str(exc))}") from None
    except RecursionError:
        raise VerifyError(f"{path}: not an exoqc JSON report: nested too deeply") from None
    if not isinstance(doc, dict):
        raise VerifyError(f"{path}: not an exoqc JSON report with provenance (written by "
                          "exoqc check -o REPORT.json, version 0.1 or later with attribution)")
    return doc, None


def _read_report(path: str) -> bytes:
    return read_bytes(path, "report", VerifyError)


def _locate(recorded: str, inputs_dir: str | None) -> Path | None:
    """A recorded file: under --inputs by its name first, else at its recorded path."""
    if recorded.startswith(BUILTIN_PREFIX):
        from qc.spec import specs_dir

        name = recorded.removeprefix(BUILTIN_PREFIX)
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            return None
        builtin = specs_dir() / f"{name}.yaml"
        return Path(str(builtin)) if builtin.is_file() else None
    if inputs_dir is not None:
        # under DIR by the recorded relative path first (keeps same-named files apart)
        under = [Path(inputs_dir) / Path(recorded).name]
        if not Path(recorded).is_absolute():
            under.insert(0, Path(inputs_dir) / recorded)
        found = next((c for c in under if c.is_file()), None)
        if found is not None:
            return found
    path = Path(recorded)
    # not only regular files: a FIFO or a device is refused by name when hashed
    return path if path.exists() or path.is_symlink() else None


def _locate_all(recorded: _Recorded, inputs_dir: str | None, spec_file: str | None,
                report: str) -> list[tuple[str, Path, str, Kind]]:
    """(shown name, file found, recorded sha256, kind) for each spec file then each input
    and join; VerifyError naming every one that is missing."""
    located: list[tuple[str, Path, str, Kind]] = []
    missing: list[str] = []
    wanted: list[tuple[str, str, str, Kind]] = [
        ("spec", p, h, "spec file") for p, h in recorded.spec]
    wanted += [("input", p, h, "batch file") for p, h in (*recorded.batches, *recorded.joins)]
    wanted += [("column map", p, h, "spec file") for p, h in recorded.columns]
    for i, (word, path, sha, kind) in enumerate(wanted):
        found = Path(spec_file) if i == 0 and spec_file is not None \
            else _locate(path, inputs_dir)
        if found is None:
            where = f" (nor {Path(path).name} under {inputs_dir})" if inputs_dir else ""
            missing.append(f"{word} file {excerpt(path)} not found{where}")
        else:
            located.append((f"{word} {path}", found, sha, kind))
    if missing:
        raise VerifyError(f"{report}: cannot verify: " + "; ".join(missing))
    return located


def _rerun(options: Mapping[str, Any], recorded: _Recorded,
           located: Sequence[tuple[str, Path, str, Kind]]) -> Report:
    """The evaluation again, of the hashed files only, with the recorded options."""
    from qc.run import RunOptions, run

    found = [str(f) for _, f, _, _ in located]
    n_spec, n_batches = len(recorded.spec), len(recorded.batches)
    spec = found[0]
    first = recorded.spec[0][0]
    if first.startswith(BUILTIN_PREFIX) and spec == str(_locate(first, None)):
        spec = first.removeprefix(BUILTIN_PREFIX)  # a built-in spec by name, as recorded
    inputs = tuple(found[n_spec:n_spec + n_batches])
    n_joins = len(recorded.joins)
    joins = tuple(found[n_spec + n_batches:n_spec + n_batches + n_joins])
    mapped = found[n_spec + n_batches + n_joins:]
    sheet, id_pattern = options.get("sheet"), options.get("id_pattern")
    kwargs: dict[str, Any] = {"inputs": inputs, "spec": spec,
                              "decimal_comma": options.get("decimal") == ",",
                              "sheet": sheet if isinstance(sheet, str) else None,
                              "joins": joins,
                              "id_pattern": id_pattern if isinstance(id_pattern, str) else None}
    header_row, encoding = options.get("header_row"), options.get("encoding")
    if header_row is not None:
        if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
            raise VerifyError(f"the recorded --header-row {_show(header_row)} is not a row")
        kwargs["header_row"] = header_row
    if isinstance(encoding, str):
        kwargs["encoding"] = encoding
    if mapped:
        kwargs["columns"] = mapped[0]
    as_of = options.get("as_of")
    if as_of is not None:
        try:
            datetime.date.fromisoformat(str(as_of))
        except ValueError:
            raise VerifyError(f"the recorded --as-of {_show(as_of)} is not a date") from None
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
            as_of=None if opts.get("as_of") is None else str(opts["as_of"]),
            sheet=None if opts.get("sheet") is None else str(opts["sheet"]),
            joins=tuple(str(j) for j in opts.get("joins") or ()),
            id_pattern=None if opts.get("id_pattern") is None else str(opts["id_pattern"]),
            header_row=None if opts.get("header_row") is None else int(opts["header_row"]),
            columns=None if opts.get("columns") is None else str(opts["columns"]),
            encoding=None if opts.get("encoding") is None else str(opts["encoding"]))
        inputs = [str(f["path"]) for f in head["inputs"]]
        files = [str(f["path"]) for f in head["spec"]["files"]]
        stamp, version = str(head["generated_at"]), str(head["tool"]["version"])
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
    joined = inputs[len(report.inputs):]
    inputs = inputs[:len(report.inputs)]
    if len(joined) != len(report.joins) or len(files) != len(report.spec.files):
        return None
    spec = msgspec.structs.replace(report.spec, files=tuple(
        msgspec.structs.replace(f, path=p) for f, p in zip(report.spec.files, files, strict=True)))
    return msgspec.structs.replace(
        report, spec=spec, generated_at=stamp, tool_version=version, provenance=provenance,
        inputs=tuple(msgspec.structs.replace(f, path=p)
                     for f, p in zip(report.inputs, inputs, strict=True)),
        joins=tuple(msgspec.structs.replace(f, path=p)
                    for f, p in zip(report.joins, joined, strict=True)))


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
             word: str) -> tuple[list[str], list[str]]:
    """(fields re-derived from the spec and input files that differ, results that differ:
    the summary, the notes and every batch)."""
    from qc.render.json_report import header

    fresh_head = json.loads(json.dumps(header(fresh)))
    out = list(_compare_fields(head, fresh_head))
    summary = list(_compare_results(head, fresh_head))
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
    return out, summary + batches


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
    except (ValueError, RecursionError):
        return None


def _was(a: Any, b: Any) -> str:
    return f"report says {_show_json(a)}, re-evaluation gives {_show_json(b)}"


def _show_json(value: Any) -> str:
    return excerpt(json.dumps(value, ensure_ascii=False))


def _compare_fields(doc: Mapping[str, Any], fresh: Mapping[str, Any]) -> Iterator[str]:
    """The header fields the hashed spec and input files re-derive."""
    if doc.get("report_version") != fresh["report_version"]:
        yield f"report_version: {_was(doc.get('report_version'), fresh['report_version'])}"
    spec = _dict(doc.get("spec"))
    for key in SPEC_FIELDS:
        # a report from before the certificate keys has none of them: absent reads as unset
        a, b = spec.get(key, {} if key == "methods" else None), fresh["spec"][key]
        if a != b:
            yield f"spec {key}: {_was(a, b)}"
    # the spec shown on top must be the first hashed file (whose hash is compared apart)
    first = _dict(_list(spec.get("files"))[0]) if _list(spec.get("files")) else {}
    if first and spec.get("path") != first.get("path"):
        yield (f"spec path: the report shows {_show(spec.get('path'))}, but its hashed spec "
               f"file is {_show(first.get('path'))}")
    if first and spec.get("sha256") != first.get("sha256"):
        yield (f"spec sha256: the report shows {_show(spec.get('sha256'), 17)}, but its hashed "
               f"spec file has {_show(first.get('sha256'), 17)}")
    if doc.get("as_of") != fresh["as_of"]:
        yield f"as_of: {_was(doc.get('as_of'), fresh['as_of'])}"
    inputs = _list(doc.get("inputs"))
    if len(inputs) != len(fresh["inputs"]):
        yield f"inputs: the report lists {len(inputs)}, re-evaluation reads {len(fresh['inputs'])}"
    for a, b in zip(inputs, fresh["inputs"], strict=False):
        for key in INPUT_FIELDS:  # paths and hashes are compared before the re-run
            got = a.get(key) if isinstance(a, dict) else None
            if got != b.get(key):
                yield f"input {b['path']}: {key}: {_was(got, b.get(key))}"
    known = set(fresh) | {"batches"}
    extra = sorted(str(k) for k in doc if k not in known)
    if extra:
        yield f"fields exoqc does not write: {_show(extra)}"
    for key in sorted(set(fresh) & set(doc)):
        yield from _extra_fields(doc[key], fresh[key], key)


def _extra_fields(recorded: Any, fresh: Any, where: str) -> Iterator[str]:
    """Fields inside the header that exoqc does not write (`"released": true` in an input):
    every object must have no key the re-run's object lacks. `provenance.versions` is the
    recorded mapping itself (attested), so it is not a reference."""
    if where == "provenance.versions":
        return
    if isinstance(recorded, dict) and isinstance(fresh, dict):
        extra = sorted(str(k) for k in recorded if k not in fresh)
        if extra:
            yield f"fields exoqc does not write in {where}: {_show(extra)}"
        for key in sorted(set(fresh) & set(recorded)):
            yield from _extra_fields(recorded[key], fresh[key], f"{where}.{key}")
    elif isinstance(recorded, list) and isinstance(fresh, list):
        for i, (a, b) in enumerate(zip(recorded, fresh, strict=False)):
            yield from _extra_fields(a, b, f"{where}[{i}]")


def _compare_results(doc: Mapping[str, Any], fresh: Mapping[str, Any]) -> Iterator[str]:
    summary = _dict(doc.get("summary"))
    # Every summary field exoqc writes (the counts of checks not tested and reported too):
    # a field left out here could be edited freely in an unsigned report. (Fields exoqc
    # does not write are named by _extra_fields.)
    for key in fresh["summary"]:
        if summary.get(key) != fresh["summary"][key]:
            yield f"summary {key}: {_was(summary.get(key), fresh['summary'][key])}"
    tool = _dict(doc.get("tool"))
    for key in fresh["tool"]:
        if key != "version" and tool.get(key) != fresh["tool"].get(key):
            yield f"tool {key}: {_was(tool.get(key), fresh['tool'].get(key))}"
    if doc.get("notes") != fresh["notes"]:
        yield f"notes: {_was(doc.get('notes'), fresh['notes'])}"


def _compare_batches(pairs: Iterable[tuple[Any, Any]], names: Sequence[Any],
                     fresh_names: Sequence[str], word: str) -> Iterator[str]:
    for a, b in pairs:
        if not isinstance(a, dict):
            yield (f"batch {b['batch_id']!r} ({b['input']} row {b['row']}): the report's "
                   "record is not valid JSON")
            continue
        label = (f"batch {excerpt(repr(a.get('batch_id')))} ({_show(a.get('input'))} row "
                 f"{_show(a.get('row'))})")
        for key in ("batch_id", "row", "verdict", "rows"):  # rows: replicate/retest batches
            if a.get(key) != b.get(key):
                yield f"{label}: {key} {word}: {_was(a.get(key), b.get(key))}"
        where = names.index(a.get("input")) if a.get("input") in names else -1
        if where != fresh_names.index(b["input"]):  # files may be found under other paths
            yield f"{label}: input {word}: the batch comes from {b['input']}"
        extra = sorted(str(k) for k in a if k not in b)
        if extra:
            yield f"{label}: fields exoqc does not write: {_show(extra)}"
        checks: Sequence[Any] = a.get("checks") or []
        if len(checks) != len(b["checks"]):
            yield (f"{label}: lists {len(checks)} checks, re-evaluation gives "
                   f"{len(b['checks'])}")
        for c, d in zip(checks, b["checks"], strict=False):
            if isinstance(c, dict) and any(k not in d for k in c):
                yield (f"{label}: check {d['name']!r}: fields exoqc does not write: "
                       f"{_show(sorted(str(k) for k in c if k not in d))}")
            for key in (*CHECK_FIELDS, "replicates"):  # replicates: individual results
                got = c.get(key) if isinstance(c, dict) else None
                if got != d.get(key):
                    yield (f"{label}: check {d['name']!r}: {key} {word}: "
                           f"{_was(got, d.get(key))}")
