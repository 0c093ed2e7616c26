"""Forged reports, every way the audit found, and what `exoqc verify` says of each.

Each forgery is what someone with a text editor can do to an unsigned report; a signed one
is covered in test_signature_tamper.py.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from tests.integrity.conftest import Lab
from tests.integrity.output import attested, verdict


def _sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _show_approved(doc: dict[str, Any]) -> None:
    """Make the spec record show the approved spec, its path and its real sha256."""
    sha = _sha("approved.yaml")
    doc["spec"].update(path="approved.yaml", sha256=sha, status="approved",
                       title="Approved release spec",
                       files=[{"path": "approved.yaml", "sha256": sha}])


def test_an_untouched_report_verifies_and_lists_what_is_attested(lab: Lab) -> None:
    assert lab.check().code == 1
    run = lab.verify()
    assert run.code == 0, run
    assert verdict(run.out) == ("verified: r.json: 3 batches, inputs and spec unchanged, every "
                                "result reproduced\n")
    fields = attested(run.out)
    assert list(fields) == ["operator", "host", "time", "exoqc version", "versions", "command",
                            "option spec", "option inputs", "option as_of", "option decimal",
                            "option sheet", "option fail_on", "option joins",
                            "option id_pattern", "option header_row", "option columns",
                            "option encoding"]
    assert fields["operator"] == "test-operator"
    assert fields["option spec"] == "approved.yaml"
    # unsigned: verified, and told what nothing protects
    assert run.out.splitlines()[-1].startswith(
        "note: the report is not signed: nothing protects the attested fields above")


def test_spec_swap_with_the_approved_specs_hash_shown_is_caught(lab: Lab) -> None:
    """The audit's first attack: verdicts from a looser spec, the approved spec and its
    sha256 shown, the options still naming the looser spec (which old verify re-ran)."""
    assert lab.check(spec="loose.yaml").code == 0
    lab.edit(_show_approved)
    run = lab.verify()
    assert run.code == 1, run
    lines = verdict(run.out).splitlines()
    assert ("  - options spec: loose.yaml is not the hashed spec file approved.yaml; the "
            "re-run reads the hashed file only") in lines
    # re-run against the hashed (approved) spec: B-2 fails, the summary was forged
    assert '  - summary verdict: report says "pass", re-evaluation gives "fail"' in lines


def test_spec_swap_with_the_options_edited_too_is_caught(lab: Lab) -> None:
    assert lab.check(spec="loose.yaml").code == 0

    def forge(doc: dict[str, Any]) -> None:
        _show_approved(doc)
        doc["provenance"]["options"]["spec"] = "approved.yaml"
        doc["provenance"]["command"] = [
            a.replace("loose.yaml", "approved.yaml") for a in doc["provenance"]["command"]]

    lab.edit(forge)
    run = lab.verify()
    assert run.code == 1, run
    lines = verdict(run.out).splitlines()
    assert '  - summary verdict: report says "pass", re-evaluation gives "fail"' in lines
    assert any("batch 'B-2'" in line and "verdict edited" in line for line in lines)


def test_spec_shown_on_top_must_be_the_hashed_one(lab: Lab) -> None:
    """spec.path/sha256 (what people read) edited to the approved spec, files[] left."""
    assert lab.check(spec="loose.yaml").code == 0

    def forge(doc: dict[str, Any]) -> None:
        doc["spec"].update(path="approved.yaml", sha256=_sha("approved.yaml"))

    lab.edit(forge)
    run = lab.verify()
    assert run.code == 1
    lines = verdict(run.out).splitlines()
    assert ("  - spec path: the report shows approved.yaml, but its hashed spec file is "
            "loose.yaml") in lines
    assert any(line.startswith("  - spec sha256: the report shows") for line in lines)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "clinical-msc-ev", 'spec name: report says "clinical-msc-ev", re-evaluation '
                                'gives "tiny"'),
    ("version", "2026.5", 'spec version: report says "2026.5", re-evaluation gives "3"'),
    ("title", "Clinical release", 'spec title: report says "Clinical release", '
                                  're-evaluation gives "Approved release spec"'),
])
def test_header_edits_are_caught(lab: Lab, field: str, value: str, message: str) -> None:
    lab.check()
    lab.edit(lambda doc: doc["spec"].__setitem__(field, value))
    run = lab.verify()
    assert (run.code, verdict(run.out)) == (
        1, f"NOT VERIFIED: r.json: 1 difference:\n  - {message}\n"), run


@pytest.mark.parametrize(("field", "value"), [
    ("status", "approved"),
    ("approved_by", "QA lead"),
    ("effective_date", "2023-01-01"),
    ("not_for_release", None),
])
def test_lifecycle_edits_are_caught(lab: Lab, field: str, value: Any) -> None:
    """A draft spec's report made to look approved and releasable."""
    Path("draft.yaml").write_text(Path("approved.yaml").read_text("utf-8")
                                  .replace("status: approved", "status: draft")
                                  .replace("approved_by: QA lead\n", "")
                                  .replace('effective_date: "2023-01-01"\n', ""), "utf-8")
    lab.check(spec="draft.yaml")
    assert lab.doc()["spec"]["not_for_release"]  # a draft is not for release
    lab.edit(lambda doc: doc["spec"].__setitem__(field, value))
    run = lab.verify()
    assert run.code == 1, run
    assert f"  - spec {field}: report says " in verdict(run.out)


@pytest.mark.parametrize(("field", "value"), [
    ("laboratory", "Accredited Lab GmbH"),
    ("product", "EV-001"),
    ("manufacture_column", "made"),
    ("expiry_column", "expires"),
    ("methods", {"ph": "USP <791>"}),
])
def test_certificate_fields_are_compared(lab: Lab, field: str, value: Any) -> None:
    """What the certificate of analysis shows comes from the hashed spec: an edit is caught."""
    lab.check()
    lab.edit(lambda doc: doc["spec"].__setitem__(field, value))
    run = lab.verify()
    assert run.code == 1, run
    assert f"  - spec {field}: report says " in verdict(run.out)


@pytest.mark.parametrize(("where", "value", "message"), [
    (("inputs", 0, "rows"), 2, "input batches.csv: rows: report says 2, re-evaluation gives 3"),
    (("as_of",), "2020-01-01", 'as_of: report says "2020-01-01", re-evaluation gives "2023-11-14"'),
    (("summary", "fail"), 0, "summary fail: report says 0, re-evaluation gives 1"),
    (("notes",), ["all good"], 'notes: report says ["all good"], re-evaluation gives []'),
    (("report_version",), 1, "report_version: report says 1, re-evaluation gives 2"),
])
def test_re_derivable_fields_are_compared(lab: Lab, where: tuple[Any, ...], value: Any,
                                          message: str) -> None:
    lab.check()

    def forge(doc: dict[str, Any]) -> None:
        target = doc
        for key in where[:-1]:
            target = target[key]
        target[where[-1]] = value

    lab.edit(forge)
    run = lab.verify()
    assert run.code == 1, run
    assert f"  - {message}" in verdict(run.out).splitlines()


def test_an_added_field_is_caught(lab: Lab) -> None:
    lab.check()
    lab.edit(lambda doc: doc.__setitem__("released", True))
    run = lab.verify()
    assert run.code == 1
    assert '  - fields exoqc does not write: ["released"]' in verdict(run.out).splitlines()


def test_time_must_agree_with_generated_at(lab: Lab) -> None:
    lab.check()
    lab.edit(lambda doc: doc.__setitem__("generated_at", "2020-01-01T00:00:00Z"))
    run = lab.verify()
    assert run.code == 1
    assert ("  - provenance time: 2023-11-14T22:13:20Z is not the report's generated_at "
            "2020-01-01T00:00:00Z") in verdict(run.out).splitlines()


@pytest.mark.parametrize(("option", "value", "shown"), [
    ("fail_on", "warn", "warn"),
    ("decimal", ",", ","),
    ("sheet", "Sheet1", "Sheet1"),
    ("id_pattern", "B-\\d", "B-\\d"),
])
def test_options_are_checked_against_the_recorded_command_line(
        lab: Lab, option: str, value: str, shown: str) -> None:
    lab.check()
    lab.edit(lambda doc: doc["provenance"]["options"].__setitem__(option, value))
    run = lab.verify()
    assert run.code == 1, run
    default = {"fail_on": "fail", "decimal": "."}.get(option, "null")
    assert (f"  - option {option}: the report says {shown}, its recorded command line gives "
            f"{default}") in verdict(run.out).splitlines()


def test_an_as_of_not_given_must_be_the_day_of_the_run(lab: Lab) -> None:
    Path("dated.yaml").write_text(Path("approved.yaml").read_text("utf-8").replace(
        "checks:\n", "checks:\n  - name: expiry\n    column: expiry\n    type: date\n"
                     "    min: today\n"), "utf-8")
    Path("batches.csv").write_text("batch_id,size_nm,expiry\nB-1,100,2024-01-01\n", "utf-8")
    assert lab.check(spec="dated.yaml").code == 0
    assert lab.doc()["provenance"]["options"]["as_of"] == "2023-11-14"
    assert lab.verify().code == 0
    lab.edit(lambda doc: doc["provenance"]["options"].__setitem__("as_of", "2025-01-01"))
    run = lab.verify()
    assert run.code == 1
    assert ("  - option as_of: 2025-01-01 was not given on the command line, so it must be "
            "the day of the run, 2023-11-14") in verdict(run.out).splitlines()


def test_attested_edits_made_consistently_verify_but_are_shown_and_unprotected(lab: Lab) -> None:
    """Operator, host and versions cannot be re-derived: an unsigned report verifies, says
    so, and prints them for a reader to judge (test_signature_tamper: a signature does)."""
    lab.check()

    def forge(doc: dict[str, Any]) -> None:
        doc["provenance"].update(operator="qualified-person", host="gmp-ws-7")

    lab.edit(forge)
    run = lab.verify()
    assert run.code == 0, run
    assert (attested(run.out)["operator"], attested(run.out)["host"]) == (
        "qualified-person", "gmp-ws-7")
    assert "note: the report is not signed" in run.out
    assert lab.verify("--require-signature").code == 1


@pytest.mark.parametrize("key", ["inputs", "joins"])
def test_options_naming_files_the_hashes_do_not_cover_are_never_read(lab: Lab, key: str) -> None:
    """The options point at a FIFO: were it opened for reading, verify would hang or say
    'named pipe'; it names the option and re-runs the hashed files only."""
    lab.check()
    os.mkfifo("elsewhere.csv")
    lab.edit(lambda doc: doc["provenance"]["options"].__setitem__(key, ["elsewhere.csv"]))
    run = lab.verify()
    assert run.code == 1, run
    assert "named pipe" not in run.out + run.err
    assert any(line.startswith(f"  - options {key}: [\"elsewhere.csv\"] are not the hashed")
               for line in verdict(run.out).splitlines())


def test_options_spec_naming_another_file_is_never_read(lab: Lab) -> None:
    lab.check()
    os.mkfifo("trap.yaml")
    lab.edit(lambda doc: doc["provenance"]["options"].__setitem__("spec", "trap.yaml"))
    run = lab.verify()
    assert run.code == 1
    assert verdict(run.out).splitlines()[1] == (
        "  - options spec: trap.yaml is not the hashed spec file approved.yaml; the re-run "
        "reads the hashed file only")


@pytest.mark.parametrize("target", ["fifo", "/dev/zero"])
@pytest.mark.parametrize("record", ["spec", "input"])
def test_a_recorded_path_to_a_fifo_or_device_exits_2_at_once(lab: Lab, target: str,
                                                             record: str) -> None:
    lab.check()
    if target == "fifo":
        os.mkfifo("fifo")
    node = "a named pipe (FIFO)" if target == "fifo" else "a device"

    def forge(doc: dict[str, Any]) -> None:
        if record == "spec":
            doc["spec"]["files"][0]["path"] = doc["spec"]["path"] = target
            doc["provenance"]["options"]["spec"] = target
        else:
            doc["inputs"][0]["path"] = target
            doc["provenance"]["options"]["inputs"] = [target]

    lab.edit(forge)
    run = lab.verify()
    kind = "spec file" if record == "spec" else "batch file"
    assert (run.code, run.out, run.err) == (2, "", (
        f"exoqc: {target}: is {node}, not a {kind} (exoqc reads regular files only, or - "
        "for standard input)\n"))


@pytest.mark.parametrize("target", ["fifo", "/dev/zero"])
def test_the_report_itself_as_a_fifo_or_device_exits_2(lab: Lab, target: str) -> None:
    if target == "fifo":
        os.mkfifo("fifo")
    run = lab.verify(report=target)
    assert run.code == 2 and run.out == ""
    assert run.err.startswith(f"exoqc: {target}: is a ") and run.err.count("\n") == 1


def _key_text() -> str:
    return Path("qa").read_text("ascii")


def test_a_private_key_recorded_as_the_spec_is_never_printed(lab: Lab) -> None:
    lab.check()

    def forge(doc: dict[str, Any]) -> None:
        doc["spec"]["files"][0]["path"] = doc["spec"]["path"] = "qa"
        doc["provenance"]["options"]["spec"] = "qa"

    lab.edit(forge)
    run = lab.verify()
    assert run.code == 1, run
    assert verdict(run.out).splitlines()[2].startswith("  - spec qa: sha256 changed")
    assert "not re-run" in run.err  # a file that is not the recorded one is never parsed
    body = _key_text().splitlines()[1]
    assert body[:20] not in run.out + run.err
    assert "PRIVATE KEY-----" not in run.out + run.err


@pytest.mark.parametrize("how", [("verify", "--spec", "qa"), ("check", "-s", "qa"),
                                 ("check", "-s", "qa.pub")])
def test_a_key_given_as_the_spec_is_never_printed(lab: Lab, how: tuple[str, ...]) -> None:
    from tests.conftest import run_cli

    lab.check()
    command, flag, key = how
    args = ["r.json", flag, key] if command == "verify" else ["batches.csv", flag, key]
    run = run_cli(command, *args)
    assert run.code in (1, 2), run
    text = run.out + run.err
    for line in Path(key).read_text("ascii").splitlines()[1:-1]:
        assert line[:16] not in text
    if command == "check" and key == "qa":
        assert "qa: looks like a private key, not a spec" in text
    if command == "verify":
        assert "spec approved.yaml: sha256 changed" in text


def test_verify_spec_must_have_the_recorded_hash(lab: Lab) -> None:
    assert lab.check().code == 1
    assert lab.verify("--spec", "approved.yaml").code == 0
    run = lab.verify("--spec", "loose.yaml")
    assert run.code == 1
    assert verdict(run.out).splitlines()[1].startswith(
        "  - spec approved.yaml: sha256 changed (report ")


def test_an_extends_parent_is_hashed_and_a_dropped_parent_is_caught(lab: Lab) -> None:
    Path("child.yaml").write_text("extends: approved.yaml\nname: child\nversion: '1'\n",
                                  "utf-8")
    assert lab.check(spec="child.yaml").code == 1
    assert [f["path"] for f in lab.doc()["spec"]["files"]] == ["child.yaml", "approved.yaml"]
    assert lab.verify().code == 0
    # the parent is loosened after the run: caught by its hash, before any re-run
    approved = Path("approved.yaml").read_text("utf-8")
    Path("approved.yaml").write_text(approved.replace("max: 200", "max: 900"), "utf-8")
    run = lab.verify()
    assert run.code == 1
    assert verdict(run.out).splitlines()[1].startswith("  - spec approved.yaml: sha256 changed")
    # the parent dropped from the record: the re-run reads two files, the record lists one
    Path("approved.yaml").write_text(approved, "utf-8")
    lab.edit(lambda doc: doc["spec"].__setitem__("files", doc["spec"]["files"][:1]))
    run = lab.verify()
    assert run.code == 1
    assert any(line.startswith("  - spec files: the re-run read 2 spec file(s)")
               for line in verdict(run.out).splitlines())


def test_another_exoqc_version_keeps_re_derivation_apart(lab: Lab) -> None:
    lab.check()

    def forge(doc: dict[str, Any]) -> None:
        doc["tool"]["version"] = doc["provenance"]["versions"]["exoqc"] = "0.0.1"
        doc["summary"]["fail"] = 0

    lab.edit(forge)
    run = lab.verify()
    assert run.code == 1
    assert "report was written by exoqc 0.0.1, this is exoqc" in run.err
    head = verdict(run.out)
    before, _, after = head.partition("re-derived differently by this exoqc version")
    assert "summary fail" not in before and "summary fail" in after


def test_values_from_a_hostile_report_are_quoted_short_and_inert(lab: Lab) -> None:
    lab.check()
    lab.edit(lambda doc: doc["provenance"].__setitem__("operator", "\x1b]0;x\x07" + "A" * 5000))
    run = lab.verify()
    assert run.code == 0
    assert "\x1b" not in run.out and "\x07" not in run.out
    assert max(len(line) for line in run.out.splitlines()) < 450
    lab.edit(lambda doc: doc["spec"].__setitem__("title", "T" * 5000))
    run = lab.verify()
    assert run.code == 1
    assert max(len(line) for line in verdict(run.out).splitlines()) < 250


def test_a_deeply_nested_report_is_one_line(lab: Lab) -> None:
    Path("deep.json").write_text("[" * 200_000 + "]" * 200_000, "utf-8")
    run = lab.verify(report="deep.json")
    assert (run.code, run.err) == (2, "exoqc: deep.json: not an exoqc JSON report: nested "
                                      "too deeply\n")
    lab.check()
    data = Path("r.json").read_bytes()
    line = next(x for x in data.split(b"\n") if b'"batch_id": "B-2"' in x)
    deep = b'    {"batch_id": ' + b"[" * 100_000 + b"]" * 100_000 + b"},"
    Path("r.json").write_bytes(data.replace(line, deep))
    run = lab.verify()
    assert run.code == 1 and "the report's record is not valid JSON" in run.out


@pytest.mark.parametrize("bad", ["spec\x1b[2Jx.yaml", "a" * 5000])
def test_a_recorded_path_with_control_characters_or_too_long_is_refused(lab: Lab,
                                                                        bad: str) -> None:
    lab.check()
    lab.edit(lambda doc: doc["inputs"][0].__setitem__("path", bad))
    run = lab.verify()
    assert run.code == 2
    assert run.err.startswith("exoqc: r.json: inputs[0]: not a file path: ")
    assert "\x1b" not in run.err and len(run.err) < 200


@pytest.mark.parametrize(("where", "value"), [
    (("summary", "checks_judged"), 999),
    (("summary", "checks_not_tested"), 999),
    (("summary", "checks_reported"), 999),
    (("summary", "checks_passed"), 9),  # a field exoqc does not write in the summary
    (("tool", "name"), "exoqc-validated"),
])
def test_every_summary_and_tool_field_is_compared(lab: Lab, where: tuple[str, str],
                                                  value: Any) -> None:
    """verify compared five summary fields: an unsigned report edited to say every check was
    judged (`checks_not_tested: 0`, `checks_judged` raised) still verified."""
    lab.check()
    lab.edit(lambda doc: doc[where[0]].__setitem__(where[1], value))
    run = lab.verify()
    assert run.code == 1, run
    assert where[1] in verdict(run.out)


@pytest.mark.parametrize("where", [("spec",), ("spec", "files", 0), ("inputs", 0),
                                   ("provenance",), ("provenance", "options"),
                                   ("batches", 0), ("batches", 0, "checks", 1)])
def test_a_field_exoqc_does_not_write_is_caught_at_any_depth(lab: Lab,
                                                             where: tuple[Any, ...]) -> None:
    """Only the top level was checked for fields exoqc does not write: an unsigned report
    given `"released": true` in a batch, a check or an input still verified, 'every result
    reproduced'."""
    lab.check()

    def forge(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in where:
            target = target[key]
        target["released"] = True

    lab.edit(forge)
    run = lab.verify()
    assert run.code == 1, run
    assert "fields exoqc does not write" in verdict(run.out)
    assert "released" in verdict(run.out)
