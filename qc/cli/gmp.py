"""`exoqc verify`, `keygen`, `audit verify`, `selftest`: the traceability commands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from qc.cli.guard import command_line, exit_with, guard, say
from qc.cli.terminal import echo
from qc.inputs.files import excerpt


@click.command()
@click.argument("report", metavar="REPORT.json")
@click.option("--inputs", "inputs_dir", metavar="DIR",
              help="Look for the input and spec files by name in DIR (else at their recorded "
                   "paths).")
@click.option("--spec", "spec_file", metavar="FILE",
              help="The spec file to re-run (else the recorded one); it must have the "
                   "recorded sha256.")
@click.option("--public-key", metavar="KEY.pub",
              help="Also check REPORT.json.sig, the signature made with --sign-key.")
@click.option("--require-signature", is_flag=True,
              help="Exit 1 unless REPORT.json.sig is a good signature by --public-key.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@guard
def verify(report: str, inputs_dir: str | None, spec_file: str | None, public_key: str | None,
           require_signature: bool, debug: bool) -> None:
    """Re-hash the files a JSON report names, re-run exactly those, and compare every
    re-derivable field and result; list what only a signature protects.

    \b
    Exit codes:
      0  verified: same files, same fields, same verdicts (and a good signature, with
         --public-key)
      1  something differs, or --require-signature and no good signature; each difference
         is listed
      2  the report, a file it names, or the key cannot be found or read
    """
    from qc.gmp.verify import verify_report

    result = verify_report(report, inputs_dir=inputs_dir, public_key=public_key,
                           spec_file=spec_file, require_signature=require_signature,
                           parse_command=_parse_check_command)
    for note in result.notes:
        say(f"exoqc: note: {note}", err=True)
    if result.ok:
        signed = ", signature good" if result.signature == "good" else ""
        say(f"verified: {report}: {result.batches} batches, inputs and spec unchanged, "
                   f"every result reproduced{signed}")
    else:
        count = len(result.differences) + len(result.rederived)
        noun = "difference" if count == 1 else "differences"
        say(f"NOT VERIFIED: {report}: {count} {noun}:")
        for difference in result.differences:
            say(f"  - {difference}")
        if result.rederived:
            say("re-derived differently by this exoqc version (the report was written "
                       "by another; these may come from the versions, not an edit):")
            for difference in result.rederived:
                say(f"  - {difference}")
    say("attested, not re-derivable (only a signature protects these):")
    for field, value in result.attested:
        say(f"  {field}: {value}")
    if result.signature != "good":
        why = {"none": "the report is not signed",
               "unchecked": "its signature was not checked (give --public-key)",
               "bad": "its signature is not good"}[result.signature]
        say(f"note: {why}: nothing protects the attested fields above, nor the report "
                   "as a whole against being rewritten with other files; sign with check "
                   "--sign-key, verify with --public-key --require-signature")
    exit_with(0 if result.ok else 1)


def _parse_check_command(command: Sequence[str]) -> Mapping[str, Any]:
    """A recorded `exoqc check ...` command line, parsed by check's own options, in the
    terms of the report's provenance options."""
    from qc.cli.check import check
    from qc.errors import UsageError

    args = list(command)
    if len(args) < 2 or args[1] != "check":
        raise UsageError(f"not an exoqc check command line: {excerpt(' '.join(args))}")
    try:
        ctx = check.make_context("check", args[2:], resilient_parsing=True)
    except click.ClickException as exc:
        raise UsageError(f"cannot be parsed as exoqc check: {excerpt(exc.format_message())}"
                         ) from None
    p = ctx.params
    return {"spec": p.get("spec"), "inputs": list(p.get("inputs") or ()),
            "decimal": p.get("decimal"), "fail_on": p.get("fail_on"),
            "as_of": p.get("as_of"), "sheet": p.get("sheet"),
            "joins": list(p.get("joins") or ()), "id_pattern": p.get("id_pattern"),
            "header_row": p.get("header_row"), "columns": p.get("columns"),
            "encoding": p.get("encoding")}


@click.command()
@click.argument("path", metavar="PATH")
@guard
def keygen(path: str) -> None:
    """Write a new Ed25519 key pair for --sign-key: PATH (private, mode 0600) and PATH.pub.

    Refuses to overwrite an existing file. Keep PATH secret; give PATH.pub to whoever
    verifies reports (exoqc verify --public-key PATH.pub).
    """
    from qc.gmp.signing import fingerprint, load_public_key
    from qc.gmp.signing import keygen as make_keys

    private, public = make_keys(path)
    echo(f"wrote {private} (private key, mode 0600) and {public} (public key)")
    echo(f"public key sha256: {fingerprint(load_public_key(str(public)))}")


@click.group()
def audit() -> None:
    """Work with the audit log written by exoqc check --audit-log."""


@audit.command("verify")
@click.argument("path", metavar="LOG")
@click.option("--public-key", metavar="KEY.pub",
              help="Check every entry's signature with this public key (see check "
                   "--audit-key); a log with no signed entry then fails.")
@click.option("--head", "head_file", metavar="FILE",
              help="A head kept elsewhere (exoqc audit head): check that its entry still has "
                   "its hash, so that removed last entries are caught.")
@guard
def audit_verify(path: str, public_key: str | None, head_file: str | None) -> None:
    """Check an audit log: every line's own hash, the chain, the one-key rule, and with
    --public-key every signature; name every edited, forged, removed, reordered or
    truncated line.

    \b
    Exit codes: 0 intact; 1 broken (each problem is named); 2 unreadable.
    Without --head, removing whole lines from the end cannot be seen; without
    --public-key, a log rewritten whole (re-hashed) cannot be seen. See
    docs/validation.md.
    """
    from qc.gmp.audit import read_head
    from qc.gmp.audit import verify as verify_log

    key = None
    if public_key is not None:
        from qc.gmp.signing import load_public_key

        key = load_public_key(public_key)
    head = read_head(head_file) if head_file is not None else None
    result = verify_log(path, key, head)
    for note in result.notes:
        say(f"exoqc: note: {note}", err=True)
    if not result.problems:
        what = []
        if key is not None:
            what.append(f"{result.signed} signed with the given key")
        if head is not None:
            what.append(f"entry {head.entries} matches the head")
        extra = "".join(f", {w}" for w in what)
        noun = "entry" if result.lines == 1 else "entries"
        say(f"intact: {path}: {result.lines} {noun}{extra}, head sha256 {result.head}")
        exit_with(0)
    noun = "problem" if len(result.problems) == 1 else "problems"
    say(f"BROKEN: {path}: {len(result.problems)} {noun} in {result.lines} "
               f"line{'' if result.lines == 1 else 's'}:")
    for problem in result.problems:
        say(f"  - {problem}")
    exit_with(1)


@audit.command("head")
@click.argument("path", metavar="LOG")
@click.option("--audit-key", metavar="KEY",
              help="Sign the head with the log's private key.")
@guard
def audit_head(path: str, audit_key: str | None) -> None:
    """Print the entry count and head hash of an intact LOG as JSON, to keep in a second
    place (CI artefact, LIMS, e-mail); `exoqc audit verify LOG --head FILE` checks it later.

    \b
    Exit codes: 0 printed; 1 the log is broken (nothing printed); 2 unreadable.
    """
    import json

    from qc.gmp.audit import key_fingerprint, make_head
    from qc.gmp.audit import verify as verify_log

    key = None
    if audit_key is not None:
        from qc.gmp.signing import load_private_key

        key = load_private_key(audit_key)
    result = verify_log(path, None if key is None else key.public_key())
    problems = list(result.problems)
    if key is not None and result.key is not None and result.key != key_fingerprint(key):
        problems.append(f"the log is signed with key sha256 {result.key}, not with "
                        f"{audit_key}")
    if problems:
        say(f"exoqc: {path}: no head for a broken log: {problems[0]} (run exoqc audit "
                   "verify)", err=True)
        exit_with(1)
    say(json.dumps(make_head(path, result, key).document(), indent=2))


@click.command()
@click.option("-o", "--output", metavar="PATH",
              help="Write the evidence report to PATH (.json or .html).")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; exit code and -o file only.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@guard
def selftest(output: str | None, quiet: bool, debug: bool) -> None:
    """Run the bundled reference cases through this installation (IQ/OQ evidence).

    \b
    Exit codes: 0 every case gave its expected result and the installed files match;
    1 something did not; 2 the evidence report cannot be written.
    """
    from qc.gmp.selftest.runner import (
        check_output_path,
        run_selftest,
        summary_lines,
        write_evidence,
    )

    if output is not None:
        check_output_path(output)
    evidence = run_selftest(command=command_line())
    if output is not None:
        write_evidence(evidence, output)
    if not quiet:
        for line in summary_lines(evidence):
            echo(line)
    exit_with(0 if evidence["result"] == "pass" else 1)
