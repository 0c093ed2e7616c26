"""NanoSight NTA 3.x experiment-summary import, checked on two real exports."""

from __future__ import annotations

import csv
import io
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qc.errors import InstrumentFileError
from qc.nta.importer import NtaSummary, summarise
from qc.nta.model import Distribution

FIXTURES = Path(__file__).parent / "fixtures"
NTA32 = FIXTURES / "nanosight-nta32-beads.csv"
NTA34 = FIXTURES / "nanosight-nta34-beads2.csv"


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="iso-8859-1", newline="") as handle:
        return list(csv.reader(handle))


def _bins(path: Path) -> list[tuple[float, float]]:
    """(bin centre, 'Concentration average') pairs, read with nothing but the csv module."""
    rows = _csv_rows(path)
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Bin centre (nm)")
    column = [cell.strip() for cell in rows[start]].index("Concentration average")
    pairs = []
    for row in rows[start + 1 :]:
        if not row or not row[0]:
            break
        pairs.append((float(row[0]), float(row[column])))
    return pairs


def _results_average(path: Path, label: str) -> str:
    rows = _csv_rows(path)
    header = next(row for row in rows if row and row[0] == "[Results]")
    row = next(row for row in rows if row and row[0] == label)
    return row[header.index("Average")]


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_bytes("\r\n".join(lines).encode("iso-8859-1") + b"\r\n")
    return path


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode("iso-8859-1").splitlines()


@pytest.fixture(scope="module")
def nta32() -> NtaSummary:
    return summarise(NTA32)


@pytest.fixture(scope="module")
def nta34() -> NtaSummary:
    return summarise(NTA34)


def test_nta32_reads_the_averages(nta32: NtaSummary) -> None:
    assert nta32.instrument == "NanoSight"
    assert nta32.software == "NTA 3.2 Dev Build 3.2.16"
    assert (nta32.mean_nm, nta32.mode_nm, nta32.d50_nm) == (100.5, 95.3, 96.4)
    assert (nta32.d10_nm, nta32.d90_nm) == (84.7, 113.3)
    assert nta32.concentration_per_ml == 1.47e9
    assert all(
        nta32.sources[k] == "reported" for k in ("mean_nm", "d90_nm", "concentration_per_ml")
    )


def test_nta32_dilution_not_recorded_is_recorded_as_such(nta32: NtaSummary) -> None:
    # every video says "Not recorded" and the Average cell is empty
    label = "Dilution factor (concentrations adjusted for this factor)"
    assert _results_average(NTA32, label) == ""
    assert nta32.dilution_factor == "Not recorded"
    assert nta32.dilution_adjusted is False  # no factor went into the concentrations
    assert nta32.concentration_per_ml == 1.47e9  # as written: nothing applied
    assert nta32.sources["dilution"] == (
        "dilution factor 'Not recorded' in the export: concentrations are as measured; "
        "no factor applied by the instrument or by exoqc"
    )


def test_nta34_reads_the_averages(nta34: NtaSummary) -> None:
    assert nta34.software == "NTA 3.4 Build 3.4.003"
    assert (nta34.mean_nm, nta34.mode_nm, nta34.d50_nm) == (101.5, 98.4, 99.8)
    assert (nta34.d10_nm, nta34.d90_nm) == (88.7, 115.3)


def test_nta34_dilution_is_recorded_and_never_applied_again(nta34: NtaSummary) -> None:
    assert nta34.dilution_factor == "1.00e+04"
    assert nta34.dilution_adjusted is True
    written = _results_average(NTA34, "Concentration (Particles / ml)")
    assert written == "6.09e+12"
    assert nta34.concentration_per_ml == float(written)  # not * 1e4 again
    assert nta34.sources["dilution"] == (
        "concentrations already adjusted by the instrument for dilution factor 1.00e+04; "
        "recorded, never applied again"
    )


def test_an_export_without_a_dilution_row_does_not_say(tmp_path: Path) -> None:
    lines = [line for line in _lines(NTA34) if not line.startswith("Dilution factor")]
    summary = summarise(_write_lines(tmp_path / "no-dilution.csv", lines))
    assert (summary.dilution_factor, summary.dilution_adjusted) == ("", None)
    assert summary.sources["dilution"].startswith("the export does not say")


def test_video_counts(nta32: NtaSummary, nta34: NtaSummary) -> None:
    assert (nta32.videos, nta34.videos) == (12, 5)


def test_batch_id_falls_back_to_file_name(nta32: NtaSummary, nta34: NtaSummary) -> None:
    # 3.2 has an empty Sample Name row; 3.4 has none at all (only Sample Description).
    assert nta32.batch_id == "nanosight-nta32-beads"
    assert nta34.batch_id == "nanosight-nta34-beads2"
    assert nta32.sources["batch_id"] == "file name"


@pytest.mark.parametrize("path", [NTA32, NTA34], ids=["nta32", "nta34"])
@pytest.mark.parametrize(
    "window", [(Decimal(30), Decimal(150)), (Decimal(90), Decimal(110)), (Decimal(0), Decimal(50))]
)
def test_pct_in_window_matches_an_independent_sum(
    path: Path, window: tuple[Decimal, Decimal]
) -> None:
    lo, hi = (float(edge) for edge in window)
    bins = _bins(path)
    expected = sum(c for x, c in bins if lo <= x <= hi) / sum(c for _, c in bins) * 100
    assert summarise(path, window=window).pct_in_window == pytest.approx(expected, rel=1e-12)


def test_window_edges_are_inclusive_on_bin_centres(nta32: NtaSummary) -> None:
    on_centres = summarise(NTA32, window=(Decimal("30.5"), Decimal("149.5")))
    assert on_centres.pct_in_window == nta32.pct_in_window
    assert on_centres.window == "30.5-149.5"
    single = summarise(NTA32, window=(Decimal("95.5"), Decimal("95.5")))
    bins = _bins(NTA32)
    expected = dict(bins)[95.5] / sum(c for _, c in bins) * 100
    assert single.pct_in_window == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("path", [NTA32, NTA34], ids=["nta32", "nta34"])
def test_distribution_total_agrees_with_the_reported_concentration(path: Path) -> None:
    bins = _bins(path)
    assert {round(b[0] - a[0], 9) for a, b in itertools.pairwise(bins)} == {1.0}
    reported = float(_results_average(path, "Concentration (Particles / ml)"))
    total = sum(c for _, c in bins) * 1.0  # 1 nm bins: Σ (per-nm value * width)
    summary = summarise(path)
    assert summary.distribution_total_per_ml == pytest.approx(total, rel=1e-12)
    assert abs(total - reported) / reported < 0.005  # 3.2: -0.25 %, 3.4: +0.015 %
    assert summary.concentration_check == "ok"


def test_concentration_mismatch_is_flagged(tmp_path: Path) -> None:
    lines = _lines(NTA32)
    i = next(i for i, line in enumerate(lines) if line.startswith("Concentration (Particles"))
    lines[i] = lines[i].replace(",1470000000,", ",1600000000,")  # +9 % against the bins
    summary = summarise(_write_lines(tmp_path / "edited.csv", lines))
    assert summary.concentration_per_ml == 1.6e9
    assert summary.concentration_check == "mismatch"


def test_shifted_and_reordered_layout_still_parses(tmp_path: Path, nta34: NtaSummary) -> None:
    lines = _lines(NTA34)
    results = lines.index("[Results],,,,,,Average,Standard Error,")
    extra = ["", "[Operator Notes],,", "Checked by,someone,", "Free text,with,commas,,,", ""]
    lines[results:results] = extra
    # move [Information] (up to the blank line that ends it) in front of [Conditions]
    start = lines.index("[Information]")
    end = lines.index("", start)
    block = lines[start : end + 1]
    del lines[start : end + 1]
    conditions = lines.index("[Conditions],,,,,,")
    lines[conditions:conditions] = block
    moved = summarise(_write_lines(tmp_path / "shifted.csv", lines))
    unnamed = {"batch_id": "", "file": ""}
    assert moved.as_row() | unnamed == nta34.as_row() | unnamed
    assert moved.distribution_total_per_ml == nta34.distribution_total_per_ml


def test_without_an_average_column_the_per_video_mean_is_used(
    tmp_path: Path, nta32: NtaSummary
) -> None:
    rows = _csv_rows(NTA32)
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Bin centre (nm)")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for i, row in enumerate(rows):
        in_table = i == start or (i > start and row and row[0] and row[0][0].isdigit())
        writer.writerow(row[:-2] if in_table and i < start + 1001 else row)
    path = tmp_path / "autosampler.csv"
    path.write_bytes(out.getvalue().encode("iso-8859-1"))
    summary = summarise(path)
    assert "mean of 12 per-video" in summary.sources["distribution"]
    assert summary.pct_in_window == pytest.approx(nta32.pct_in_window, rel=1e-6)
    assert summary.concentration_check == "ok"


def test_missing_size_rows_are_computed_from_the_distribution(tmp_path: Path) -> None:
    lines = [line for line in _lines(NTA34) if not line.startswith(("Mean,", "D90,"))]
    summary = summarise(_write_lines(tmp_path / "no-mean.csv", lines))
    assert summary.sources["mean_nm"] == summary.sources["d90_nm"] == "computed"
    assert summary.sources["d50_nm"] == "reported"
    bins = _bins(NTA34)
    expected_mean = sum(x * c for x, c in bins) / sum(c for _, c in bins)
    assert summary.mean_nm == pytest.approx(expected_mean, rel=1e-12)
    assert summary.d90_nm is not None and 110 < summary.d90_nm < 120


def test_volume_weighted_export_is_refused(tmp_path: Path) -> None:
    lines = [line.replace("Weighting,Number", "Weighting,Volume") for line in _lines(NTA34)]
    with pytest.raises(InstrumentFileError, match="Volume-weighted"):
        summarise(_write_lines(tmp_path / "volume.csv", lines))


@pytest.mark.parametrize(
    "content",
    [
        b"batch_id,cd63_pct,concentration\nEXO-2024-001,85,1.2e11\n",
        bytes(range(256)) * 4,
        b"",
    ],
    ids=["batch-csv", "binary", "empty"],
)
def test_a_file_of_neither_kind_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "other.csv"
    path.write_bytes(content)
    with pytest.raises(InstrumentFileError) as caught:
        summarise(path)
    assert caught.value.path == path
    assert str(caught.value) == f"{path}: not a NanoSight or ZetaView export"


def test_a_missing_file_is_an_instrument_file_error(tmp_path: Path) -> None:
    with pytest.raises(InstrumentFileError, match="cannot read") as caught:
        summarise(tmp_path / "absent.csv")
    assert "\n" not in str(caught.value)


def test_a_truncated_export_is_refused(tmp_path: Path) -> None:
    lines = _lines(NTA32)
    cut = next(i for i, line in enumerate(lines) if line.startswith("Graph Data"))
    with pytest.raises(InstrumentFileError, match="Bin centre"):
        summarise(_write_lines(tmp_path / "cut.csv", lines[:cut]))


def test_id_pattern_takes_group_one_of_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "EXO-2024-017_NTA_run2.csv"
    path.write_bytes(NTA32.read_bytes())
    summary = summarise(path, id_pattern=r"(EXO-\d{4}-\d{3})")
    assert summary.batch_id == "EXO-2024-017"
    assert summary.sources["batch_id"] == "id pattern"
    assert summary.file == "EXO-2024-017_NTA_run2.csv"


def test_id_pattern_overrides_the_sample_name(tmp_path: Path) -> None:
    lines = [
        "Sample Name,LOT-A," if line.startswith("Sample Name") else line for line in _lines(NTA32)
    ]
    path = _write_lines(tmp_path / "EXO-2025-002.csv", lines)
    assert summarise(path).batch_id == "LOT-A"
    assert summarise(path, id_pattern=r"(EXO-\d{4}-\d{3})").batch_id == "EXO-2025-002"


def test_id_pattern_that_does_not_match_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "beads.csv"
    path.write_bytes(NTA32.read_bytes())
    with pytest.raises(InstrumentFileError, match="does not match") as caught:
        summarise(path, id_pattern=r"(EXO-\d{4}-\d{3})")
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: ")


def test_as_row_columns_and_formatting(nta32: NtaSummary) -> None:
    row = nta32.as_row()
    assert list(row) == [
        "batch_id", "file", "instrument", "software", "videos", "dilution_factor",
        "concentration_per_ml", "mean_nm", "mode_nm", "d10_nm", "d50_nm", "d90_nm",
        "pct_in_window", "window", "concentration_check",
    ]  # fmt: skip
    assert row["concentration_per_ml"] == "1.47E+09"
    assert (row["mean_nm"], row["d10_nm"], row["videos"]) == ("100.5", "84.7", "12")
    assert row["pct_in_window"] == f"{nta32.pct_in_window:.2f}"
    assert row["window"] == "30-150"


def test_summary_is_immutable(nta32: NtaSummary) -> None:
    with pytest.raises(AttributeError):
        nta32.mean_nm = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        nta32.sources["mean_nm"] = "computed"  # type: ignore[index]


def test_a_reversed_window_is_refused() -> None:
    with pytest.raises(ValueError, match="window"):
        summarise(NTA32, window=(Decimal(150), Decimal(30)))


@given(
    values=st.lists(st.floats(min_value=0, max_value=1e12), min_size=2, max_size=60),
    lo=st.integers(min_value=0, max_value=70),
    span=st.integers(min_value=0, max_value=70),
)
def test_window_share_is_a_plain_ratio_of_sums(values: list[float], lo: int, span: int) -> None:
    centres = tuple(Decimal(i) + Decimal("0.5") for i in range(len(values)))
    share = Distribution(centres, tuple(values)).pct_in((Decimal(lo), Decimal(lo + span)))
    total = sum(values)
    if total == 0:
        assert share is None
        return
    inside = sum(v for i, v in enumerate(values) if lo <= i + 0.5 <= lo + span)
    assert share == pytest.approx(inside / total * 100, rel=1e-9, abs=1e-9)
    assert share is not None and 0 <= share <= 100 + 1e-9


def test_an_export_resaved_as_utf8_with_bom_reads_the_same(tmp_path: Path) -> None:
    lines = ["Sample Name,EXO-µ-1," if line.startswith("Sample Name") else line
             for line in _lines(NTA32)]
    path = tmp_path / "resaved.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    summary = summarise(path)
    assert summary.batch_id == "EXO-µ-1"
    assert (summary.mean_nm, summary.mode_nm, summary.d50_nm) == (100.5, 95.3, 96.4)
