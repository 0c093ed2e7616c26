"""`exoqc verify`, `keygen`, `audit verify`, `selftest`: the traceability commands."""

from __future__ import annotations

import click

from qc.cli.guard import command_line, exit_with, guard
from qc.cli.terminal import echo


@click.command()
@click.argument("report", metavar="REPORT.json")
@click.option("--inputs", "inputs_dir", metavar="DIR",
              help="Look for the input and spec files by name in DIR (else at their recorded "
                   "paths).")
@click.option("--public-key", metavar="KEY.pub",
              help="Also check REPORT.json.sig, the signature made with --sign-key.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@guard
def verify(report: str, inputs_dir: str | None, public_key: str | None, debug: bool) -> None:
    """Re-hash the files a JSON report names, re-run it, and compare every result.

    \b
    Exit codes:
      0  verified: same files, same verdicts (and a good signature, with --public-key)
      1  something differs; each difference is listed
      2  the report, a file it names, or the key cannot be found or read
    """
    from qc.gmp.verify import verify_report

    result = verify_report(report, inputs_dir=inputs_dir, public_key=public_key)
    for note in result.notes:
        echo(f"exoqc: note: {note}", err=True)
    if result.ok:
        signed = ", signature good" if result.signature else ""
        echo(f"verified: {report}: {result.batches} batches, inputs and spec unchanged, "
                   f"every result reproduced{signed}")
        exit_with(0)
    noun = "difference" if len(result.differences) == 1 else "differences"
    echo(f"NOT VERIFIED: {report}: {len(result.differences)} {noun}:")
    for difference in result.differences:
        echo(f"  - {difference}")
    exit_with(1)


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
        echo(f"intact: {path}: {result.lines} entries, head sha256 {result.head}")
        exit_with(0)
    noun = "problem" if len(result.problems) == 1 else "problems"
    echo(f"BROKEN: {path}: {len(result.problems)} {noun} in {result.lines} "
               f"line{'' if result.lines == 1 else 's'}:")
    for problem in result.problems:
        echo(f"  - {problem}")
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
            echo(line)
    exit_with(0 if evidence["result"] == "pass" else 1)
