"""`exoqc nta` through the command line: table, CSV, JSON, errors.

The CSV, JSON and table outputs are compared with golden files in tests/nta/golden/ (the
`golden` fixture of tests/conftest.py). After a deliberate change to an output, regenerate
them with `pytest tests/nta --update-golden` and review the diff.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from qc.errors import InputError, InstrumentFileError
from tests.conftest import ROOT, run_cli

FIXTURES = Path("tests/nta/fixtures")
NTA32 = FIXTURES / "nanosight-nta32-beads.csv"
NTA34 = FIXTURES / "nanosight-nta34-beads2.csv"
EPOCH = {"SOURCE_DATE_EPOCH": "1767225600"}  # 2026-01-01T00:00:00Z
COLUMNS = [
    "batch_id", "file", "instrument", "software", "videos", "dilution_factor",
    "concentration_per_ml", "mean_nm", "mode_nm", "d10_nm", "d50_nm", "d90_nm",
    "pct_in_window", "window", "concentration_check",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # relative input paths, as a user types them, keep the outputs free of tmp paths
    monkeypatch.chdir(ROOT)


def _window_share(path: Path, lo: float, hi: float) -> float:
    """% of 'Concentration average' in bins centred in [lo, hi], with the csv module only."""
    with path.open(encoding="iso-8859-1", newline="") as fh:
        rows = list(csv.reader(fh))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Bin centre (nm)")
    col = [c.strip() for c in rows[start]].index("Concentration average")
    bins = []
    for row in rows[start + 1 :]:
        if not row or not row[0]:
            break
        bins.append((float(row[0]), float(row[col])))
    return sum(c for x, c in bins if lo <= x <= hi) / sum(c for _, c in bins) * 100


def test_table_on_the_terminal(golden: Callable[[str, str], None]) -> None:
    run = run_cli("nta", str(NTA32), str(NTA34), env=EPOCH)
    assert (run.code, run.err) == (0, ""), run
    golden("table.txt", run.out)
    assert "100.5" in run.out and "Not recorded" in run.out
    assert "note: reported by the instrument (the file's averages): concentration_per_ml, " \
           "mean_nm" in run.out


def test_csv_output(tmp_path: Path, golden: Callable[[str, str], None]) -> None:
    out = tmp_path / "sub" / "summary.csv"
    run = run_cli("nta", str(NTA32), str(NTA34), "-o", str(out), "-q")
    assert (run.code, run.out, run.err) == (0, "", ""), run
    text = out.read_text(encoding="utf-8")
    golden("summary.csv", text)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == COLUMNS
    assert [(r["batch_id"], r["mean_nm"], r["mode_nm"], r["d50_nm"]) for r in rows] == [
        ("nanosight-nta32-beads", "100.5", "95.3", "96.4"),
        ("nanosight-nta34-beads2", "101.5", "98.4", "99.8"),
    ]
    assert [(r["dilution_factor"], r["concentration_per_ml"]) for r in rows] == [
        ("Not recorded", "1.47E+09"), ("1.00e+04", "6.09E+12")]
    for row, path in zip(rows, (NTA32, NTA34), strict=True):
        assert float(row["pct_in_window"]) == pytest.approx(_window_share(path, 30, 150),
                                                            abs=0.005)
        assert (row["window"], row["concentration_check"]) == ("30-150", "ok")


def test_json_output_says_reported_or_computed(tmp_path: Path,
                                               golden: Callable[[str, str], None]) -> None:
    out = tmp_path / "summary.json"
    run = run_cli("nta", str(NTA32), str(NTA34), "-o", str(out), "--window", "90-110", "-q",
                  env=EPOCH)
    assert (run.code, run.out, run.err) == (0, "", ""), run
    text = out.read_text(encoding="utf-8")
    golden("summary.json", text)
    doc = json.loads(text)
    assert doc["window"] == "90-110"
    assert [i["path"] for i in doc["inputs"]] == [str(NTA32), str(NTA34)]
    first, second = doc["summaries"]
    assert first["sources"] == {
        "concentration_per_ml": "reported", "mean_nm": "reported", "mode_nm": "reported",
        "d10_nm": "reported", "d50_nm": "reported", "d90_nm": "reported",
        "pct_in_window": "computed"}
    assert (first["dilution_factor"], first["dilution_adjusted"]) == ("Not recorded", False)
    assert (second["dilution_factor"], second["dilution_adjusted"]) == ("1.00e+04", True)
    assert second["concentration_per_ml"] == 6.09e12
    assert first["pct_in_window"] == pytest.approx(_window_share(NTA32, 90, 110), rel=1e-12)


def test_id_pattern_and_en_dash_window(tmp_path: Path) -> None:
    named = tmp_path / "EXO-2026-007_ExperimentSummary.csv"
    named.write_bytes(NTA34.read_bytes())
    out = tmp_path / "s.csv"
    run = run_cli("nta", str(named), "--id-pattern", r"(EXO-\d{4}-\d{3})_", "--window",
                  "30\u2013150", "-o", str(out), "-q")
    assert run.code == 0, run
    row = next(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert (row["batch_id"], row["file"], row["window"]) == (
        "EXO-2026-007", named.name, "30-150")


def test_a_file_of_neither_kind_is_exit_2_naming_it(tmp_path: Path) -> None:
    out = tmp_path / "summary.csv"
    run = run_cli("nta", str(NTA32), "sample_data/batches.csv", "-o", str(out))
    assert (run.code, run.out, run.err) == (
        2, "", "exoqc: sample_data/batches.csv: not a NanoSight or ZetaView export\n")
    assert not out.exists()  # written whole or not at all
    assert list(tmp_path.iterdir()) == []


def test_a_missing_file_is_exit_2() -> None:
    run = run_cli("nta", "absent.csv")
    assert (run.code, run.out) == (2, "")
    assert run.err.startswith("exoqc: absent.csv: cannot read: ")


def test_instrument_errors_are_input_errors() -> None:
    assert issubclass(InstrumentFileError, InputError)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window", "150-30"],
         "Error: Invalid value for '--window': '150-30': the low end is above the high end"),
        (["--window", "30--150"],
         "Error: Invalid value for '--window': '30--150' is not a size range such as 30-150 (nm)"),
        (["--id-pattern", "(EXO"],
         "Error: Invalid value for '--id-pattern': '(EXO' is not a regular expression: "
         "missing ), unterminated subpattern at position 0"),
        (["-o", "summary.xlsx"],
         "exoqc: summary.xlsx: unknown report type '.xlsx'; use one of .csv, .json"),
    ],
)
def test_bad_options_are_exit_2(args: list[str], message: str) -> None:
    run = run_cli("nta", str(NTA32), *args)
    assert (run.code, run.out) == (2, "")
    assert run.err.strip().splitlines()[-1] == message


def test_an_id_pattern_that_misses_names_the_file() -> None:
    run = run_cli("nta", str(NTA32), "--id-pattern", r"(EXO-\d+)")
    assert (run.code, run.err) == (
        2, f"exoqc: {NTA32}: file name does not match the id pattern '(EXO-\\\\d+)'\n")


def test_zetaview_export_through_the_cli(write: Callable[[str, str | bytes], Path]) -> None:
    lines = [
        "Software: ZetaView 8.05.14 SP7", "Sample: EXO-2026-031", "Dilution:: 500",
        "Positions: 11", "", "Size / nm\tNumber\tConcentration / cm-3\tVolume / nm^3\tArea / nm^2",
        "2,500E+1\t1\t1,000E+6\t1\t1", "7,500E+1\t1\t4,000E+6\t1\t1",
        "1,250E+2\t1\t3,000E+6\t1\t1", "1,750E+2\t1\t2,000E+6\t1\t1",
        "-1,000E+0\t-1,000E+0\t-1,000E+0\t-1,000E+0\t-1,000E+0",
    ]
    path = write("zv.txt", "\r\n".join(lines).encode("iso-8859-1"))
    out = path.parent / "zv.json"
    run = run_cli("nta", str(path), "-o", str(out), "-q")
    assert run.code == 0, run
    row = json.loads(out.read_text(encoding="utf-8"))["summaries"][0]
    assert (row["batch_id"], row["instrument"], row["dilution_factor"]) == (
        "EXO-2026-031", "ZetaView", "500")
    assert row["dilution_adjusted"] is None
    assert row["pct_in_window"] == pytest.approx(70.0)  # (4 + 3) / 10
    assert row["sources"]["mean_nm"] == "computed"
    assert row["concentration_check"] == "n/a"  # no total in the header to compare with


def test_no_progress_bar_when_stderr_is_not_a_terminal() -> None:
    files = [str(NTA32)] * 12
    run = run_cli("nta", *files, "-q")
    assert (run.code, run.out, run.err) == (0, "", "")


def test_progress_bar_advances_once_per_file() -> None:
    from qc.nta.summarise import NtaOptions, progress_bar, run_nta

    calls: list[int] = []
    with progress_bar(2, enabled=False) as advance:
        assert advance is None
    run_nta(NtaOptions((str(NTA32), str(NTA34))), progress=lambda: calls.append(1))
    assert calls == [1, 1]
    with progress_bar(2, enabled=True) as advance:
        assert advance is not None
        advance()
        advance()


def test_help_lists_the_command() -> None:
    run = run_cli("--help")
    assert "nta" in run.out


def test_write_atomically_writes_nothing_when_a_source_fails(tmp_path: Path) -> None:
    from qc.output import write_atomically

    def broken() -> list[str]:
        raise RuntimeError("boom")

    good, bad = tmp_path / "a.csv", tmp_path / "b.json"
    with pytest.raises(RuntimeError, match="boom"):
        write_atomically([(good, lambda: ["x\n"]), (bad, broken)])
    assert list(tmp_path.iterdir()) == []
    write_atomically([(good, lambda: ["x", "\n"])])
    assert good.read_text(encoding="utf-8") == "x\n"
