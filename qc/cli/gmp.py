"""`exoqc verify`, `keygen`, `audit verify`, `selftest`: the traceability commands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from qc.cli.guard import command_line, exit_with, guard
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
        click.echo(f"exoqc: note: {note}", err=True)
    if result.ok:
        signed = ", signature good" if result.signature == "good" else ""
        click.echo(f"verified: {report}: {result.batches} batches, inputs and spec unchanged, "
                   f"every result reproduced{signed}")
    else:
        count = len(result.differences) + len(result.rederived)
        noun = "difference" if count == 1 else "differences"
        click.echo(f"NOT VERIFIED: {report}: {count} {noun}:")
        for difference in result.differences:
            click.echo(f"  - {difference}")
        if result.rederived:
            click.echo("re-derived differently by this exoqc version (the report was written "
                       "by another; these may come from the versions, not an edit):")
            for difference in result.rederived:
                click.echo(f"  - {difference}")
    click.echo("attested, not re-derivable (only a signature protects these):")
    for field, value in result.attested:
        click.echo(f"  {field}: {value}")
    if result.signature != "good":
        why = {"none": "the report is not signed",
               "unchecked": "its signature was not checked (give --public-key)",
               "bad": "its signature is not good"}[result.signature]
        click.echo(f"note: {why}: nothing protects the attested fields above, nor the report "
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
            "joins": list(p.get("joins") or ()), "id_pattern": p.get("id_pattern")}


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
    click.echo(f"wrote {private} (private key, mode 0600) and {public} (public key)")
    click.echo(f"public key sha256: {fingerprint(load_public_key(str(public)))}")


@click.group()
def audit() -> None:
    """Work with the audit log written by exoqc check --audit-log."""


@audit.command("verify")
@click.argument("path", metavar="PATH")
@guard
def audit_verify(path: str) -> None:
    """Check the hash chain of an audit log; name every edited, removed, reordered or
    truncated line.

    \b
    Exit codes: 0 intact; 1 broken (each broken line is named); 2 unreadable.
    Removing whole lines from the end cannot be seen from the log alone: compare the
    printed line count and head hash with a copy kept elsewhere.
    """
    from qc.gmp.audit import verify as verify_log

    result = verify_log(path)
    if not result.problems:
        click.echo(f"intact: {path}: {result.lines} entries, head sha256 {result.head}")
        exit_with(0)
    noun = "problem" if len(result.problems) == 1 else "problems"
    click.echo(f"BROKEN: {path}: {len(result.problems)} {noun} in {result.lines} "
               f"line{'' if result.lines == 1 else 's'}:")
    for problem in result.problems:
        click.echo(f"  - {problem}")
    exit_with(1)


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
            click.echo(line)
    exit_with(0 if evidence["result"] == "pass" else 1)
