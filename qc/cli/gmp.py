"""`exoqc verify`, `sign`, `keygen`, `audit verify`, `selftest`: the traceability commands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import click

from qc.cli.guard import command_line, exit_with, guard, say
from qc.cli.params import NON_EMPTY
from qc.cli.terminal import echo
from qc.inputs.files import excerpt

# What a signature means (qc/gmp/signing.py MEANINGS; a test holds them equal: the command
# line does not import the signing module at start-up).
MEANINGS = ("performed", "reviewed", "approved")


@click.command()
@click.argument("report", metavar="REPORT")
@click.option("--inputs", "inputs_dir", metavar="DIR",
              help="Look for the input and spec files by name in DIR (else at their recorded "
                   "paths).")
@click.option("--spec", "spec_file", metavar="FILE",
              help="The spec file to re-run (else the recorded one); it must have the "
                   "recorded sha256.")
@click.option("--public-key", "public_keys", metavar="KEY.pub", multiple=True,
              help="Check the signatures of REPORT.json.sig made with this key; each key given "
                   "must have signed. Repeatable.")
@click.option("--require-signature", is_flag=True,
              help="Exit 1 unless REPORT.json.sig holds a good signature by a --public-key "
                   "and no bad one.")
@click.option("--require-meaning", "require_meanings", type=click.Choice(MEANINGS),
              multiple=True, metavar="MEANING",
              help="Exit 1 unless a good signature by a --public-key has this meaning "
                   "(performed, reviewed or approved). Repeatable.")
@click.option("--audit-log", metavar="PATH",
              help="Append a record of this verification to PATH (see exoqc audit verify).")
@click.option("--audit-key", metavar="KEY",
              help="Sign the --audit-log entry with this Ed25519 private key (a keyed log "
                   "needs its key).")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@guard
def verify(report: str, inputs_dir: str | None, spec_file: str | None,
           public_keys: tuple[str, ...], require_signature: bool,
           require_meanings: tuple[str, ...], audit_log: str | None,
           audit_key: str | None, debug: bool) -> None:
    """Re-hash the files a JSON report names, re-run exactly those, and compare every
    re-derivable field and result; check and show its signatures; list what only a
    signature protects. REPORT is a JSON report or a PDF report (its embedded JSON report is
    verified).

    \b
    Exit codes:
      0  verified: same files, same fields, same verdicts, and no signature that does
         not hold (each signature by a --public-key good)
      1  something differs, a signature does not hold, a --public-key made no signature
         ("no signature by key ..."), --require-signature and no good signature, or
         --require-meaning M and no good signature means M; a PDF's certificate pages
         disagree with its embedded report or its signatures; with --public-key or
         --require-signature, a PDF whose last signature (the one that covers its pages)
         was not made with a key given; an approved signature on a report that states a
         batch does not conform or is NOT FOR RELEASE; each difference is listed
      2  the report, a file it names, or a key cannot be found or read
    """
    from qc.gmp.verify import verify_report

    key = _audit_signer(audit_log, audit_key, None)
    try:
        result = verify_report(report, inputs_dir=inputs_dir, public_key=public_keys,
                               spec_file=spec_file, require_signature=require_signature,
                               parse_command=_parse_check_command,
                               require_meanings=require_meanings)
    except BaseException as exc:
        if audit_log is not None:
            _record_error(audit_log, "verify", report, key, exc)
        raise
    _show_verification(report, result)
    code = 0 if result.ok else 1
    if audit_log is not None:
        from qc.gmp.audit_records import VERIFY, checked_record, record
        from qc.gmp.session import JUDGED
        from qc.gmp.signing import fingerprint as fp
        from qc.gmp.signing import load_public_key

        record(audit_log, VERIFY, command_line(), report, exit_code=code, outcome=JUDGED,
               key=key, details={
                   "verified": result.ok,
                   "differences": len(result.differences) + len(result.rederived),
                   "public_keys": [fp(load_public_key(k)) for k in public_keys],
                   "require_meanings": list(require_meanings),
                   "signatures": [checked_record(c) for c in result.signatures]})
    exit_with(code)


def _show_verification(report: str, result: Any) -> None:
    for note in result.notes:
        say(f"exoqc: note: {note}", err=True)
    if result.ok:
        good = sum(c.status == "good" for c in result.signatures)
        signed = (", signature good" if good == 1 == len(result.signatures) else
                  f", {good} of {len(result.signatures)} signatures good" if good else "")
        if result.pdf:
            signed += (" (the last one signs the PDF's bytes: its pages and its embedded "
                       "report)" if _pages_signed(result) else
                       " (the JSON report embedded in the PDF; the text found on its "
                       "certificate pages matches it, but without a good last signature "
                       "content covered or added on the pages is not detected)")
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
    if result.signatures:
        say(f"signatures ({len(result.signatures)}, in the order they were made):")
        for checked in result.signatures:
            status = {"good": "good", "bad": "NOT GOOD",
                      "unchecked": "not checked: its key was not given"}[checked.status]
            say(f"  {checked.signature.describe()}: {status}")
    if result.signature != "good":
        why = {"none": "the report is not signed",
               "unchecked": "its signature was not checked (give --public-key)",
               "bad": "a signature is not good"}[result.signature]
        say(f"note: {why}: nothing protects the attested fields above, nor the report "
                   "as a whole against being rewritten with other files; sign with check "
                   "--sign-key or exoqc sign, verify with --public-key --require-signature")
    if result.pdf and not _pages_signed(result):
        say("note: the PDF's visible pages are not protected: verify compared the text of "
            "its certificates with the JSON report embedded in it, but nothing binds the "
            "pages' bytes; a good last signature (check --sign-key or exoqc sign, verify "
            "--public-key with the last signer's key) covers them")


def _pages_signed(result: Any) -> bool:
    """Whether a PDF's bytes are covered: its last signature (which states the PDF's
    sha256) is good, checked with a key given."""
    return bool(result.signatures) and result.signatures[-1].status == "good" and \
        result.signature == "good"


def _parse_check_command(command: Sequence[str]) -> Mapping[str, Any]:
    """A recorded `exoqc check ...` command line, parsed by check's own options, in the
    terms of the report's provenance options."""
    from qc.cli.check import check
    from qc.errors import UsageError

    args = list(command)
    while len(args) > 2 and args[1].startswith("--color"):  # the root group's display option
        del args[1:2 if "=" in args[1] else 3]
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
@click.argument("report", metavar="REPORT")
@click.option("--key", required=True, metavar="KEY",
              help="Your Ed25519 private key (exoqc keygen); asks for its passphrase at a "
                   "terminal when it is encrypted.")
@click.option("--signer", required=True, type=NON_EMPTY, metavar="NAME",
              help="Your printed name, as it is to appear on the certificate.")
@click.option("--meaning", required=True, type=click.Choice(MEANINGS), metavar="MEANING",
              help="What your signature means: performed, reviewed or approved.")
@click.option("--reason", metavar="TEXT", help="Why you sign, or what you sign for (one line).")
@click.option("--passphrase-env", metavar="VAR",
              help="Read the key's passphrase from the environment variable VAR [default: "
                   "$EXOQC_KEY_PASSPHRASE, else asked at a terminal].")
@click.option("--inputs", "inputs_dir", metavar="DIR",
              help="Look for the report's input and spec files by name in DIR when verifying "
                   "it before signing.")
@click.option("--audit-log", metavar="PATH",
              help="Append a record of this signature to PATH (see exoqc audit verify).")
@click.option("--audit-key", metavar="KEY",
              help="Sign the --audit-log entry with this Ed25519 private key [default: --key].")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@guard
def sign(report: str, key: str, signer: str, meaning: str, reason: str | None,
         passphrase_env: str | None, inputs_dir: str | None, audit_log: str | None,
         audit_key: str | None, debug: bool) -> None:
    """Add your signature with its meaning to REPORT.sig: your printed name, the UTC
    time, the meaning and reason, and your key's fingerprint, bound to the report's bytes
    and to every signature before yours.

    The report is verified first (its files re-hashed and re-run, as exoqc verify does)
    and the signatures already there must hold: exoqc never signs what would not verify.
    A report stating that a batch does not conform, or NOT FOR RELEASE, cannot be signed
    as approved. A PDF report (REPORT.pdf) is signed through the JSON report embedded in
    it, and written again with your signature in its certificates' signature block.

    \b
    Exit codes:
      0  signed
      1  not signed: the report does not verify, or a signature already there does not hold
      2  a missing or unknown --meaning, --meaning approved on a report that states a
         batch does not conform or is NOT FOR RELEASE, a file or key that cannot be
         read, a wrong passphrase, or the signature file cannot be written
    """
    from qc.gmp.signing import (
        approval_problem,
        env_passphrase,
        load_private_key,
        pdf_renderer,
        reason_problem,
        sig_path,
        sign_file,
        signer_problem,
    )

    passphrase = env_passphrase(passphrase_env) if passphrase_env is not None else None
    for problem in (signer_problem(signer), reason_problem(reason)):
        if problem:  # before any work
            from qc.errors import UsageError

            raise UsageError(problem)
    _refuse_signature_target(report, key, audit_log, audit_key)
    # The log's key first (--audit-key): then a signing key that cannot be loaded is
    # recorded too. Without --audit-key the signing key keeps the log.
    log_key = (_audit_signer(audit_log, audit_key, None, passphrase)
               if audit_key is not None or audit_log is None else None)
    try:
        private = load_private_key(key, passphrase)
        if audit_log is not None and audit_key is None:
            log_key = _audit_signer(audit_log, None, private)
        from pathlib import Path

        from qc.gmp.verify import verify_report

        result = verify_report(report, inputs_dir=inputs_dir,
                               parse_command=_parse_check_command)
        if not result.ok:
            say(f"NOT SIGNED: {report}: it does not verify:")
            for difference in (*result.differences, *result.rederived):
                say(f"  - {difference}")
            if audit_log is not None:
                from qc.gmp.audit_records import SIGN, record
                from qc.gmp.session import JUDGED

                record(audit_log, SIGN, command_line(), report, exit_code=1,
                       outcome=JUDGED, key=log_key, details={"signed": False})
            exit_with(1)
        evaluated = result.evaluated
        if meaning == "approved":
            why = approval_problem(evaluated) if evaluated is not None else \
                "it could not be re-evaluated"
            if why:
                from qc.errors import UsageError

                raise UsageError(f"'--meaning approved': {report} cannot be approved: {why} "
                                 "(sign it as performed or reviewed)")
        renderer = pdf_renderer(evaluated) if result.pdf and evaluated is not None else None
        target, made = sign_file(Path(report), private, signer=signer, meaning=meaning,
                                 reason=reason, render_pdf=renderer)
    except BaseException as exc:
        if audit_log is not None and not isinstance(exc, click.exceptions.Exit):
            _record_error(audit_log, "sign", report, log_key, exc)
        raise
    say(f"signed: {report}: {made.describe()}")
    say(f"wrote {target} ({made.index} signature{'' if made.index == 1 else 's'})")
    if result.pdf:
        say(f"wrote {report} again: its certificates' signature block shows "
            f"{'the signature' if made.index == 1 else f'the {made.index} signatures'}")
    not_for_release = _not_for_release(report)
    if not_for_release:
        say(f"exoqc: note: {report} is NOT FOR RELEASE ({excerpt(not_for_release)}); a "
            "signature records what you did, it does not change that", err=True)
    if audit_log is not None:
        from qc.gmp.audit_records import SIGN, file_record, record, signature_record
        from qc.gmp.session import JUDGED

        record(audit_log, SIGN, command_line(), report, exit_code=0, outcome=JUDGED,
               key=log_key, details={
                   "signed": True, "signature_made": signature_record(made),
                   "signature_file": file_record(str(sig_path(report)))})
    exit_with(0)


def _not_for_release(report: str) -> str | None:
    """The report's own NOT FOR RELEASE reason (its spec's lifecycle), if any."""
    import json

    try:
        with open(report, "rb") as fh:
            reason = json.load(fh).get("spec", {}).get("not_for_release")
    except (OSError, ValueError, AttributeError):
        return None  # it was verified a moment ago; nothing to add
    return reason if isinstance(reason, str) and reason else None


def _refuse_signature_target(report: str, *others: str | None) -> None:
    """REPORT.sig is the one file sign writes: it must not be the key, the audit log or the
    audit key, nor the report itself."""
    from qc.gmp.signing import sig_path
    from qc.output import refuse_overwrite

    names = ("the signing key", "the audit log", "the audit key")
    refuse_overwrite(str(sig_path(report)), [
        (report, "the report"), *((p, what) for p, what in zip(others, names, strict=True) if p)])


def _audit_signer(audit_log: str | None, audit_key: str | None, default: Any,
                  passphrase: Any = None) -> Any:
    """The key of the audit entry (--audit-key, else `default`), after checking that the
    log can take an entry with it; None without a log or a key."""
    if audit_log is None:
        if audit_key is not None:
            from qc.errors import UsageError

            raise UsageError("'--audit-key': needs --audit-log")
        return None
    from qc.gmp.audit import check_writable

    key = default
    if audit_key is not None:
        from qc.gmp.signing import load_private_key

        key = load_private_key(audit_key, passphrase)
    check_writable(audit_log, key)
    return key


def _record_error(audit_log: str, action: str, report: str, key: Any,
                  exc: BaseException) -> None:
    """The entry of a sign or verify run that stopped on an error (exit 2); the error is
    raised again by the caller. A log that cannot take it is said, not hidden."""
    from qc.errors import AuditError, ExoqcError
    from qc.gmp.audit_records import record
    from qc.gmp.session import COULD_NOT_JUDGE, INTERNAL_ERROR, INTERRUPTED

    if isinstance(exc, ExoqcError):
        outcome, error = COULD_NOT_JUDGE, str(exc)
    elif isinstance(exc, KeyboardInterrupt):
        outcome, error = INTERRUPTED, INTERRUPTED
    else:
        outcome, error = INTERNAL_ERROR, f"{INTERNAL_ERROR}: {type(exc).__name__}: {exc}"
    try:
        record(audit_log, action, command_line(), report, exit_code=2, outcome=outcome,
               key=key, error=error)
    except (ExoqcError, OSError) as failure:
        raise AuditError(f"this run ({error}) is not recorded in the audit log: {failure}"
                         ) from exc


@click.command()
@click.argument("path", metavar="PATH")
@click.option("--encrypt", is_flag=True,
              help="Encrypt the private key with a passphrase: asked twice at a terminal, "
                   "else read from $EXOQC_KEY_PASSPHRASE.")
@click.option("--passphrase-env", metavar="VAR",
              help="Encrypt the private key with the passphrase in the environment variable "
                   "VAR (for CI).")
@guard
def keygen(path: str, encrypt: bool, passphrase_env: str | None) -> None:
    """Write a new Ed25519 key pair for --sign-key and exoqc sign: PATH (private, mode
    0600) and PATH.pub.

    Refuses to overwrite an existing file. Keep PATH secret; give PATH.pub to whoever
    verifies reports (exoqc verify --public-key PATH.pub). With --encrypt or
    --passphrase-env the private key is encrypted (PKCS#8: PBKDF2-SHA256, AES-256);
    every command then needs the passphrase: $EXOQC_KEY_PASSPHRASE, --passphrase-env VAR,
    or asked at a terminal.
    """
    from qc.gmp.signing import fingerprint, load_public_key
    from qc.gmp.signing import keygen as make_keys

    secret = _new_passphrase(path, encrypt, passphrase_env)
    private, public = make_keys(path, secret)
    what = "encrypted private key" if secret is not None else "private key"
    echo(f"wrote {private} ({what}, mode 0600) and {public} (public key)")
    echo(f"public key sha256: {fingerprint(load_public_key(str(public)))}")


def _new_passphrase(path: str, encrypt: bool, passphrase_env: str | None) -> bytes | None:
    import os
    import sys

    from qc.errors import UsageError
    from qc.gmp.signing import PASSPHRASE_ENV, env_passphrase

    if passphrase_env is not None:
        return env_passphrase(passphrase_env)(path)
    if not encrypt:
        return None
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV].encode("utf-8")
    if not sys.stdin.isatty():
        raise UsageError(f"'--encrypt': no terminal to ask for the passphrase: set "
                         f"{PASSPHRASE_ENV} or give --passphrase-env VAR")
    value = click.prompt(f"Passphrase for {path}", hide_input=True,
                         confirmation_prompt=True, err=True)
    if not value:
        raise UsageError("'--encrypt': the passphrase is empty")
    return str(value).encode("utf-8")


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
