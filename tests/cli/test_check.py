"""`exoqc check` through the CLI: every rule, every input quirk, every exit-2 case of issue 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli

Write = Callable[[str, "str | bytes"], Path]

SPEC = """\
name: test-spec
version: "1.0"
id_column: batch_id
checks:
  - name: size
    column: size_nm
    unit: nm
    min: 30
    max: 150
    warn_min: 40
    warn_max: 140
  - name: endotoxin
    column: endotoxin
    unit: EU/mL
    max: 1.0
    warn_max: 0.5
  - name: purity
    column: purity
    unit: "%"
    min: 90
  - name: ph
    column: ph
    min: 6.8
    max: 7.6
    required: false
  - name: sterility
    column: sterility
    allowed: [no growth, negative]
  - name: source
    column: cell_source
    forbidden: [HeLa, HEK293]
  - name: gmp
    column: gmp
    equals: true
  - name: id_format
    column: batch_id
    pattern: "EXO-\\\\d{4}-\\\\d{3}"
"""
HEADER = "batch_id,size_nm,endotoxin,purity,ph,sterility,cell_source,gmp"
GOOD = "EXO-2026-001,100,0.2,95,7.4,no growth,MSC-BM,yes"


def check(write: Write, rows: list[str], *args: str, spec: str = SPEC,
          header: str = HEADER) -> tuple[int, dict[str, Any], str]:
    """Run check on a CSV of `rows`; return exit code, the JSON report and stderr."""
    csv = write("batches.csv", "\n".join([header, *rows]) + "\n")
    spec_path = write("spec.yaml", spec)
    r = run_cli("check", str(csv), "--spec", str(spec_path), "--format", "json", *args)
    assert r.code in (0, 1), r
    return r.code, json.loads(r.out), r.err


def outcome(report: dict[str, Any], batch: int, name: str) -> tuple[str, str | None, str | None]:
    found = [c for c in report["batches"][batch]["checks"] if c["name"] == name]
    assert len(found) == 1
    c = found[0]
    return c["status"], c["reason"], c["message"]


def with_cell(column: str, value: str) -> str:
    """GOOD with one cell replaced (values are written CSV-quoted)."""
    cells = dict(zip(HEADER.split(","), GOOD.split(","), strict=True))
    quoted = '"' + value.replace('"', '""') + '"'
    cells[column] = quoted
    return ",".join(cells.values())


def test_a_clean_batch_passes_every_check(write: Write) -> None:
    code, report, err = check(write, [GOOD])
    assert (code, err) == (0, "")
    batch = report["batches"][0]
    assert batch["verdict"] == "pass"
    assert [c["name"] for c in batch["checks"]] == [
        "batch_identity", "size", "endotoxin", "purity", "ph", "sterility", "source", "gmp",
        "id_format"]
    assert {c["status"] for c in batch["checks"]} == {"pass"}
    assert report["summary"] == {"batches": 1, "pass": 1, "warn": 0, "fail": 0, "verdict": "pass",
                                 "checks_judged": 9, "checks_not_tested": 0,
                                 "checks_reported": 0}


@pytest.mark.parametrize(
    ("column", "value", "check_name", "expected"),
    [
        # numbers, units and exactness
        ("size_nm", "150", "size", ("warn", None)),
        ("size_nm", "150.0000000000000001", "size", ("fail", "out_of_spec")),
        ("size_nm", "0.15 µm", "size", ("warn", None)),
        ("size_nm", "0.1500001 µm", "size", ("fail", "out_of_spec")),
        ("size_nm", "0.085 μm", "size", ("pass", None)),
        ("size_nm", "0.085 um", "size", ("pass", None)),
        ("size_nm", "85nm", "size", ("pass", None)),
        ("size_nm", " 85.0 ", "size", ("pass", None)),
        ("size_nm", "29.999", "size", ("fail", "out_of_spec")),
        ("size_nm", "30", "size", ("warn", None)),
        ("size_nm", "85 mL", "size", ("fail", "invalid")),
        ("size_nm", "85 %", "size", ("fail", "invalid")),
        ("size_nm", "nan", "size", ("fail", "invalid")),
        ("size_nm", "inf", "size", ("fail", "invalid")),
        ("size_nm", "1e309", "size", ("fail", "invalid")),
        ("size_nm", "lots", "size", ("fail", "invalid")),
        ("size_nm", "", "size", ("fail", "missing")),
        ("size_nm", "N/A", "size", ("fail", "missing")),
        ("size_nm", "na", "size", ("fail", "missing")),
        ("ph", "7.6", "ph", ("pass", None)),
        ("ph", "7.61", "ph", ("fail", "out_of_spec")),
        ("ph", "−7", "ph", ("fail", "out_of_spec")),
        ("ph", "", "ph", ("not_tested", None)),
        ("ph", "n/a", "ph", ("not_tested", None)),
        ("purity", "2.1E+1", "purity", ("fail", "out_of_spec")),
        # detection-limit qualifiers
        ("endotoxin", "<0.5", "endotoxin", ("pass", None)),
        ("endotoxin", "<0.8", "endotoxin", ("warn", None)),
        ("endotoxin", "<2", "endotoxin", ("fail", "indeterminate")),
        ("endotoxin", "≤1.0", "endotoxin", ("warn", None)),
        ("endotoxin", "<1.0", "endotoxin", ("warn", None)),
        ("endotoxin", ">2", "endotoxin", ("fail", "out_of_spec")),
        ("endotoxin", ">1.0", "endotoxin", ("fail", "out_of_spec")),
        ("endotoxin", "≥1.0", "endotoxin", ("fail", "indeterminate")),
        ("endotoxin", ">0.1", "endotoxin", ("fail", "indeterminate")),
        ("endotoxin", "0.4 IU/mL", "endotoxin", ("pass", None)),
        ("purity", ">95", "purity", ("pass", None)),
        ("purity", "≥90", "purity", ("pass", None)),
        ("purity", ">80", "purity", ("fail", "indeterminate")),
        ("purity", "<90", "purity", ("fail", "out_of_spec")),
        ("purity", "≤90", "purity", ("fail", "indeterminate")),
        # allowed
        ("sterility", "No Growth ", "sterility", ("pass", None)),
        ("sterility", "NO   growth", "sterility", ("pass", None)),
        ("sterility", "Negative", "sterility", ("pass", None)),
        ("sterility", "growth", "sterility", ("fail", "out_of_spec")),
        ("sterility", "no growth to date", "sterility", ("fail", "out_of_spec")),
        ("sterility", "Pending", "sterility", ("fail", "invalid")),
        ("sterility", "#N/A", "sterility", ("fail", "invalid")),
        ("sterility", "", "sterility", ("fail", "missing")),
        # forbidden
        ("cell_source", "HeLa", "source", ("fail", "out_of_spec")),
        ("cell_source", "hela s3", "source", ("fail", "out_of_spec")),
        ("cell_source", "HeLa-derived EVs", "source", ("fail", "out_of_spec")),
        ("cell_source", "donor MICHELA-07", "source", ("pass", None)),
        ("cell_source", "HEK293", "source", ("fail", "out_of_spec")),
        ("cell_source", "hek293 (transient)", "source", ("fail", "out_of_spec")),
        ("cell_source", "", "source", ("fail", "missing")),
        # equals
        ("gmp", "TRUE", "gmp", ("pass", None)),
        ("gmp", "Yes", "gmp", ("pass", None)),
        ("gmp", "y", "gmp", ("pass", None)),
        ("gmp", "1", "gmp", ("pass", None)),
        ("gmp", "no", "gmp", ("fail", "out_of_spec")),
        ("gmp", "N", "gmp", ("fail", "out_of_spec")),
        ("gmp", "0", "gmp", ("fail", "out_of_spec")),
        ("gmp", "GMP-like", "gmp", ("fail", "invalid")),
        ("gmp", "yes (pending QA)", "gmp", ("fail", "invalid")),
        # pattern: the whole value
        ("batch_id", "EXO-2026-0011", "id_format", ("fail", "invalid")),
        ("batch_id", "xEXO-2026-001", "id_format", ("fail", "invalid")),
    ],
)
def test_rule(write: Write, column: str, value: str, check_name: str,
              expected: tuple[str, str | None]) -> None:
    code, report, _ = check(write, [with_cell(column, value)])
    status, reason, message = outcome(report, 0, check_name)
    assert (status, reason) == expected, message
    judged = [c["status"] for c in report["batches"][0]["checks"]
              if c["status"] in ("pass", "warn", "fail")]  # not_tested/reported never decide
    assert report["batches"][0]["verdict"] == max(judged, key=["pass", "warn", "fail"].index)
    assert code == (1 if report["batches"][0]["verdict"] == "fail" else 0)
    value_seen = next(c for c in report["batches"][0]["checks"] if c["name"] == check_name)["value"]
    assert value_seen == value.strip()
    if status not in ("pass", "not_tested"):
        assert message


@pytest.mark.parametrize(
    ("column", "value", "check_name", "message"),
    [
        ("size_nm", "162 nm", "size", "162 nm is above the maximum 150 nm"),
        ("size_nm", "0.162 µm", "size", "0.162 µm (= 162 nm) is above the maximum 150 nm"),
        ("size_nm", "20", "size", "20 nm is below the minimum 30 nm"),
        ("size_nm", "145", "size", "145 nm is above the alert limit 140 nm"),
        ("size_nm", "85 mL", "size", "cannot read '85 mL': mL is not a unit of length (expected nm)"),
        ("size_nm", "85 %", "size", "cannot read '85 %': % is not a unit of length (expected nm)"),
        ("size_nm", "", "size", "no value"),
        ("endotoxin", "<2", "endotoxin",
         "<2 EU/mL may exceed the maximum 1.0 EU/mL (retest more sensitively)"),
        ("endotoxin", "<0.8", "endotoxin", "<0.8 EU/mL reaches above the alert limit 0.5 EU/mL"),
        ("purity", ">80", "purity", ">80 % may fall below the minimum 90 % (retest more sensitively)"),
        ("sterility", "growth", "sterility", "'growth' is not one of: no growth, negative"),
        ("sterility", "Pending", "sterility", "'Pending' is not a result"),
        ("cell_source", "HeLa-derived EVs", "source",
         "'HeLa-derived EVs' names a forbidden entry: HeLa"),
        ("gmp", "no", "gmp", "'no' is not the required yes"),
        ("gmp", "GMP-like", "gmp", "'GMP-like' is not a yes/no answer"),
        ("batch_id", "EXO-26-1", "id_format", r"'EXO-26-1' does not match the pattern EXO-\d{4}-\d{3}"),
    ],
)
def test_messages_name_value_and_limit(write: Write, column: str, value: str, check_name: str,
                                       message: str) -> None:
    _, report, _ = check(write, [with_cell(column, value)])
    assert outcome(report, 0, check_name)[2] == message


def test_batch_ids_must_be_present_and_unique(write: Write) -> None:
    rows = [GOOD, with_cell("batch_id", ""), GOOD.replace("EXO-2026-001", "exo-2026-001 "),
            GOOD.replace("001", "002")]
    code, report, _ = check(write, rows)
    assert code == 1
    got = [outcome(report, i, "batch_identity") for i in range(4)]
    assert got == [
        ("fail", "invalid", "batch id also on row 4"),
        ("fail", "missing", "no value"),
        ("fail", "invalid", "batch id also on row 2"),
        ("pass", None, None),
    ]
    assert [b["row"] for b in report["batches"]] == [2, 3, 4, 5]


def test_rows_are_spreadsheet_rows_and_empty_rows_are_ignored(write: Write) -> None:
    rows = [GOOD, "", ",,,,,,,", "  ,  ,,,,,,", GOOD.replace("001", "002")]
    code, report, _ = check(write, rows)
    assert code == 0
    assert [(b["batch_id"], b["row"]) for b in report["batches"]] == [
        ("EXO-2026-001", 2), ("EXO-2026-002", 6)]
    assert report["inputs"][0]["rows"] == 2


def test_optional_column_may_be_absent(write: Write) -> None:
    header = HEADER.replace(",ph", "")
    row = GOOD.replace(",7.4", "")
    csv = write("b.csv", f"{header}\n{row}\n")
    spec = write("s.yaml", SPEC)
    r = run_cli("check", str(csv), "--spec", str(spec))
    assert r.code == 0, r
    assert "note: column 'ph' is not in the file; optional check 'ph' is not tested" in r.out
    assert r.out.count("'ph' is not in the file") == 1
    report = json.loads(run_cli("check", str(csv), "--spec", str(spec), "-f", "json").out)
    assert outcome(report, 0, "ph") == ("not_tested", None,
                                        "column 'ph' is not in the file (optional)")
    assert [c["value"] for c in report["batches"][0]["checks"] if c["name"] == "ph"] == [None]


def test_headers_match_ignoring_case_and_spaces(write: Write) -> None:
    header = " Batch_ID ,SIZE_NM,Endotoxin , purity,pH,Sterility,Cell_Source,GMP"
    code, report, _ = check(write, [GOOD], header=header)
    assert (code, report["batches"][0]["verdict"]) == (0, "pass")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("semicolons", f"{HEADER.replace(',', ';')}\n{GOOD.replace(',', ';')}\n".encode()),
        ("tabs", f"{HEADER.replace(',', chr(9))}\n{GOOD.replace(',', chr(9))}\n".encode()),
        ("bom", b"\xef\xbb\xbf" + f"{HEADER}\n{GOOD}\n".encode()),
        ("crlf", f"{HEADER}\r\n{GOOD}\r\n".encode()),
        ("quoted", f'{HEADER}\n"EXO-2026-001","100","0.2","95","7.4","no growth",'
                   f'"MSC-BM, bone marrow","yes"\n'.encode()),
        ("cp1252 µ", f"{HEADER}\n{GOOD.replace(',100,', ',0.1 µm,')}\n".encode("cp1252")),
        ("utf-16", f"{HEADER}\n{GOOD.replace(',100,', ',0.1 µm,')}\n".encode("utf-16")),
    ],
)
def test_input_quirks(write: Write, name: str, content: bytes) -> None:
    csv = write("b.csv", content)
    r = run_cli("check", str(csv), "--spec", str(write("s.yaml", SPEC)), "-f", "json")
    assert r.code == 0, r
    report = json.loads(r.out)
    assert report["batches"][0]["verdict"] == "pass", name


def test_windows_1252_micro_sign_is_read_as_micro(write: Write) -> None:
    row = GOOD.replace(",100,", ",0.162 µm,")
    csv = write("b.csv", f"{HEADER}\n{row}\n".encode("cp1252"))
    r = run_cli("check", str(csv), "--spec", str(write("s.yaml", SPEC)), "-f", "json")
    assert r.code == 1, r
    assert outcome(json.loads(r.out), 0, "size")[2] == (
        "0.162 µm (= 162 nm) is above the maximum 150 nm")


def test_fail_on_warn(write: Write) -> None:
    rows = [with_cell("size_nm", "145")]
    assert check(write, rows)[0] == 0
    assert check(write, rows, "--fail-on", "warn")[0] == 1


def test_json_report_shape(write: Write) -> None:
    spec_path = write("spec.yaml", SPEC)
    second = with_cell("size_nm", "162 nm").replace("EXO-2026-001", "EXO-2026-002")
    csv = write("batches.csv", f"{HEADER}\n{GOOD}\n{second}\n")
    out = write("reports/sub/r.json", "")
    out.unlink()
    out.parent.rmdir()
    r = run_cli("check", str(csv), "--spec", str(spec_path), "-o", str(out), "--quiet",
                env={"SOURCE_DATE_EPOCH": "1764000000"})
    assert (r.code, r.out, r.err) == (1, "", "")
    report = json.loads(out.read_text("utf-8"))
    import hashlib

    assert report["report_version"] == 2
    assert report["tool"]["name"] == "exoqc"
    assert report["spec"]["name"] == "test-spec"
    assert report["spec"]["version"] == "1.0"
    assert report["spec"]["sha256"] == hashlib.sha256(spec_path.read_bytes()).hexdigest()
    assert report["inputs"] == [{"path": str(csv), "rows": 2, "role": "batches",
                                 "sha256": hashlib.sha256(csv.read_bytes()).hexdigest()}]
    assert report["generated_at"] == "2025-11-24T16:00:00Z"
    assert report["summary"] == {"batches": 2, "pass": 1, "warn": 0, "fail": 1, "verdict": "fail",
                                 "checks_judged": 18, "checks_not_tested": 0,
                                 "checks_reported": 0}
    failing = report["batches"][1]
    assert {k: failing[k] for k in ("batch_id", "row", "verdict", "input")} == {
        "batch_id": "EXO-2026-002", "row": 3, "verdict": "fail", "input": str(csv)}
    size = next(c for c in failing["checks"] if c["name"] == "size")
    assert size == {"name": "size", "column": "size_nm", "status": "fail",
                    "reason": "out_of_spec", "value": "162 nm",
                    "message": "162 nm is above the maximum 150 nm"}


def test_version_option() -> None:
    from qc import __version__

    r = run_cli("--version")
    assert (r.code, r.out) == (0, f"exoqc {__version__}\n")


# --- exit 2: the run could not judge ----------------------------------------------------------


def exit2(write: Write, *, spec: str = SPEC, csv: str | bytes | None = None,
          args: tuple[str, ...] = ()) -> str:
    csv_path = write("batches.csv", csv if csv is not None else f"{HEADER}\n{GOOD}\n")
    spec_path = write("spec.yaml", spec)
    r = run_cli("check", str(csv_path), "--spec", str(spec_path), *args)
    assert r.code == 2, r
    assert r.out == ""
    assert "Traceback" not in r.err
    assert r.err.count("\n") == 1, r.err
    return r.err.strip().replace(str(spec_path), "SPEC").replace(str(csv_path), "CSV")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("    min: 30\n", "    mn: 30\n"),
         "exoqc: SPEC:8:5: checks[0]: unknown key 'mn' (did you mean 'min'?)"),
        (("    max: 150\n", "    max: 10\n"), "exoqc: SPEC:8:10: checks[0].min: min 30 is greater "
                                               "than max 10"),
        (("    warn_max: 140\n", "    warn_max: 160\n"),
         "exoqc: SPEC:11:15: checks[0].warn_max: warn_max 160 lies outside the action limits 30..150"),
        (("    warn_min: 40\n", "    warn_min: 20\n"),
         "exoqc: SPEC:10:15: checks[0].warn_min: warn_min 20 lies outside the action limits 30..150"),
        (("  - name: endotoxin\n", "  - name: size\n"),
         "exoqc: SPEC:12:11: checks[1].name: duplicate check name 'size' (also checks[0])"),
        (("    unit: nm\n", "    unit: furlongs\n"),
         "exoqc: SPEC:7:11: checks[0].unit: unknown unit 'furlongs'"),
        (("    min: 30\n", "    min: '30'\n"),
         "exoqc: SPEC:8:10: checks[0].min: must be a number, not '30'"),
        (("    min: 30\n", "    min: .nan\n"),
         "exoqc: SPEC:8:10: checks[0].min: must be a finite number, not NaN"),
        (("id_column: batch_id\n", ""), "exoqc: SPEC:1:1: missing required key 'id_column'"),
        (("    min: 30\n", "    min: [30\n"),
         "exoqc: SPEC:8:10: invalid YAML: unclosed bracket: the '[' that starts here has no "
         "']' (or a ',' is missing between its items)"),
        (("    allowed: [no growth, negative]\n", "    allowed: [no growth]\n    max: 3\n"),
         "exoqc: SPEC:26:5: checks[4]: a check needs exactly one rule: min/max limits, allowed, "
         "forbidden, equals or pattern (found min/max and allowed)"),
        (("    pattern: ", "    pattern: \"(\"\n    x: "),
         "exoqc: SPEC:38:5: checks[7]: unknown key 'x'"),
        (('    pattern: "EXO-\\\\d{4}-\\\\d{3}"', '    pattern: "(?<=x)y"'),
         "exoqc: SPEC:37:14: checks[7].pattern: invalid pattern '(?<=x)y': invalid perl operator: "
         "(?<="),
        (("  - name: size\n", "  - name: batch_identity\n"),
         "exoqc: SPEC:5:11: checks[0].name: 'batch_identity' is reserved for exoqc's own batch id "
         "check"),
        (("    equals: true\n", "    equals: yes\n"),
         "exoqc: SPEC:34:13: checks[6].equals: must be a boolean, not 'yes'"),
    ],
)
def test_bad_spec(write: Write, change: tuple[str, str], message: str) -> None:
    assert change[0] in SPEC
    assert exit2(write, spec=SPEC.replace(*change)) == message


def test_yaml_1_2_reading(write: Write) -> None:
    spec = SPEC.replace('version: "1.0"', "version: 2026.10").replace(
        "[no growth, negative]", "[no, yes]").replace("    min: 90\n", "    min: 9e1\n")
    csv = write("b.csv", f"{HEADER}\n{GOOD.replace('no growth', 'No')}\n")
    r = run_cli("check", str(csv), "--spec", str(write("s.yaml", spec)), "-f", "json")
    assert r.code == 0, r
    report = json.loads(r.out)
    assert report["spec"]["version"] == "2026.10"
    assert outcome(report, 0, "sterility") == ("pass", None, None)
    assert outcome(report, 0, "purity") == ("pass", None, None)


def test_json_spec(write: Write) -> None:
    spec = json.dumps({"name": "j", "version": "1", "id_column": "batch_id",
                       "checks": [{"name": "ph", "column": "ph", "max": 7.6}]})
    csv = write("b.csv", f"{HEADER}\n{GOOD.replace('7.4', '7.6')}\n")
    r = run_cli("check", str(csv), "--spec", str(write("s.json", spec)))
    assert r.code == 0, r
    bad = write("bad.json", '{"name": "j",\n "version": }')
    r = run_cli("check", str(csv), "--spec", str(bad))
    assert (r.code, r.err) == (2, f"exoqc: {bad}:2:13: invalid JSON: Expecting value\n")


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        (f"{HEADER}\n", "exoqc: CSV: no batch rows below the header"),
        (f"{HEADER}\n,,,,,,,\n\n", "exoqc: CSV: no batch rows below the header"),
        ("", "exoqc: CSV: the file is empty"),
        (f"{HEADER}\n{GOOD}\n{GOOD},extra\n", "exoqc: CSV: line 3: 9 fields where the header has 8"),
        (f"{HEADER.replace('size_nm', 'size')}\n{GOOD}\n",
         "exoqc: CSV: no column 'size_nm' (needed by check 'size'; did you mean 'size'?)"),
        (f"{HEADER.replace('batch_id', 'id')}\n{GOOD}\n",
         "exoqc: CSV: no column 'batch_id' (needed by checks 'batch_identity', 'id_format')"),
        (f"{HEADER},Size_NM\n{GOOD},1\n",
         "exoqc: CSV: columns 2 and 9 are both named 'Size_NM'; check 'size' cannot tell which to "
         "use"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "exoqc: CSV: not a text file (it contains NUL bytes)"),
        (f"{HEADER}\n{GOOD.replace('100', '0.1 µm')}\n".encode()[:-3] + b"\xff\n",
         "exoqc: CSV: invalid UTF-8 at byte 113 in a file that is otherwise UTF-8"),
    ],
)
def test_bad_input(write: Write, csv: str | bytes, message: str) -> None:
    assert exit2(write, csv=csv) == message


def test_missing_files(write: Write, tmp_path: Path) -> None:
    spec = write("s.yaml", SPEC)
    r = run_cli("check", str(tmp_path / "nope.csv"), "--spec", str(spec))
    assert (r.code, r.out, r.err) == (2, "", f"exoqc: {tmp_path / 'nope.csv'}: file not found\n")
    csv = write("b.csv", f"{HEADER}\n{GOOD}\n")
    r = run_cli("check", str(csv), "--spec", "clinicall")
    assert (r.code, r.err) == (
        2, "exoqc: clinicall: spec file not found (built-in specs: clinical, research)\n")
    r = run_cli("check", str(csv), "--spec", str(tmp_path))
    assert (r.code, r.err) == (2, f"exoqc: {tmp_path}: is a folder, not a spec file\n")


def test_bad_output_paths_fail_before_any_work(write: Write, tmp_path: Path) -> None:
    csv = write("b.csv", f"{HEADER}\n{GOOD}\n")
    spec = write("s.yaml", SPEC)
    cases = [
        (tmp_path / "r.docx", "unknown report type '.docx'; use one of .csv, .html, .json, .md, .pdf, .txt, .xml"),
        (tmp_path, "is a folder; give a file name"),
        (tmp_path / "b.csv.json", None),
    ]
    for target, problem in cases:
        r = run_cli("check", str(csv), "--spec", str(spec), "-o", str(target))
        if problem is None:
            assert r.code == 0, r
            continue
        assert (r.code, r.out, r.err) == (2, "", f"exoqc: {target}: {problem}\n")
    r = run_cli("check", str(csv), "--spec", str(spec), "-o", str(csv.with_suffix(".json")),
                str(write("c.json", "{}")))
    assert r.code == 2  # c.json is taken as a second input, which is not a CSV
    same = write("in.json", f"{HEADER}\n{GOOD}\n")
    r = run_cli("check", str(same), "--spec", str(spec), "-o", str(same))
    assert (r.code, r.err) == (2, f"exoqc: {same}: is one of the inputs; refusing to overwrite it\n")
    assert same.read_text() == f"{HEADER}\n{GOOD}\n"


def test_a_failed_run_leaves_an_existing_report_untouched(write: Write, tmp_path: Path) -> None:
    report = write("r.json", "old report\n")
    csv = write("b.csv", f"{HEADER}\n{GOOD}\n")
    r = run_cli("check", str(csv), "--spec", str(write("s.yaml", "name: x\n")), "-o", str(report))
    assert r.code == 2
    assert report.read_text() == "old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.csv", "r.json", "s.yaml"]
