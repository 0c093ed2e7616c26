"""ZetaView `.txt` import, on exports written here in the instrument's layout."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from qc.errors import InstrumentFileError
from qc.nta.importer import summarise

HEADER = [
    "Original File: EXO-2024-031_20240312_0001_rawdata.txt",
    "Section: Analyze",
    "Operator: lab",
    "Experiment: EV release",
    "ZetaView S/N: 252",
    "Cell S/N: ZNTA-X",
    "Software: ZetaView 8.05.14 SP7",
    "SOP: EV_488",
    "Sample: EXO-2024-031",
    "Electrolyte: PBS",
    "Temperature: 24,5 °C",
    "Date: 12.03.2024",
    "Time: 10:41:07",
    "Particle Drift Check Result: Very Good",
    "Number of Traces: 1834",
    "Average Number of Particles: 143,7",
    "Dilution:: 500",
    "Concentration Correction Factor: 1,000E+0",
    "Laser Wavelength nm: 488",
    "Positions: 11",
]
TABLE_HEADER = "Size / nm\tNumber\tConcentration / cm-3\tVolume / nm^3\tArea / nm^2"
# Linear bins 50 nm wide; concentrations 1, 4, 3, 1.5, 0.5 (x 1E+6): total 1E+7.
LINEAR = [
    "2,500E+1\t1,830E+2\t1,000E+6\t8,181E+3\t1,963E+3",
    "7,500E+1\t7,320E+2\t4,000E+6\t2,209E+5\t1,767E+4",
    "1,250E+2\t5,490E+2\t3,000E+6\t1,023E+6\t4,909E+4",
    "1,750E+2\t2,745E+2\t1,500E+6\t2,806E+6\t9,621E+4",
    "2,250E+2\t9,150E+1\t5,000E+5\t5,964E+6\t1,590E+5",
]
SEPARATOR = "-1,000E+0\t-1,000E+0\t-1,000E+0\t-1,000E+0\t-1,000E+0"
# Log bins must be ignored: they would pull the window share to ~100 %.
LOG = [
    "3,000E+1\t9,000E+4\t9,000E+9\t1,414E+4\t2,827E+3",
    "6,000E+1\t9,000E+4\t9,000E+9\t1,131E+5\t1,131E+4",
    "1,200E+2\t9,000E+4\t9,000E+9\t9,048E+5\t4,524E+4",
]


def _export(tmp_path: Path, *, extra_header: tuple[str, ...] = (), name: str = "zv.txt") -> Path:
    lines = [*HEADER, *extra_header, "", TABLE_HEADER, *LINEAR, SEPARATOR, *LOG, ""]
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode("iso-8859-1"))
    return path


def test_zetaview_metadata(tmp_path: Path) -> None:
    summary = summarise(_export(tmp_path))
    assert summary.instrument == "ZetaView"
    assert summary.software == "ZetaView 8.05.14 SP7"
    assert summary.batch_id == "EXO-2024-031"
    assert summary.sources["batch_id"] == "sample name"
    assert summary.videos == 11


def test_dilution_is_recorded_never_applied(tmp_path: Path) -> None:
    summary = summarise(_export(tmp_path))
    assert summary.dilution_factor == "500"
    assert summary.dilution_adjusted is None  # the export does not say
    assert summary.distribution_total_per_ml == pytest.approx(1e7)
    assert "not applied" in summary.sources["dilution"]


def test_only_the_linear_section_counts(tmp_path: Path) -> None:
    summary = summarise(_export(tmp_path))
    # centres 75 and 125 lie in 30-150: (4 + 3) / 10
    assert summary.pct_in_window == pytest.approx(70.0)
    assert summary.as_row()["pct_in_window"] == "70.00"


def test_statistics_are_computed_from_the_distribution(tmp_path: Path) -> None:
    summary = summarise(_export(tmp_path))
    # mean = Σ (size * c) / Σ c = (25·1 + 75·4 + 125·3 + 175·1.5 + 225·0.5) / 10
    assert summary.mean_nm == pytest.approx(107.5)
    assert summary.mode_nm == 75.0
    # bins span 0-50, 50-100, …; cumulative 0.1, 0.5, 0.8, 0.95, 1.0
    assert summary.d10_nm == pytest.approx(50.0)
    assert summary.d50_nm == pytest.approx(100.0)
    assert summary.d90_nm == pytest.approx(150 + 50 * 0.1 / 0.15)
    assert {summary.sources[k] for k in ("mean_nm", "mode_nm", "d10_nm", "d50_nm", "d90_nm")} == {
        "computed"
    }


def test_without_a_header_concentration_the_check_is_na(tmp_path: Path) -> None:
    summary = summarise(_export(tmp_path))
    assert summary.concentration_per_ml is None
    assert summary.concentration_check == "n/a"
    assert summary.sources["concentration_per_ml"] == "missing"
    assert summary.as_row()["concentration_per_ml"] == ""


def test_header_concentration_that_matches_the_table(tmp_path: Path) -> None:
    path = _export(tmp_path, extra_header=("Concentration: 1,02E+7 Particles / mL",))
    summary = summarise(path)
    assert summary.concentration_per_ml == pytest.approx(1.02e7)
    assert summary.concentration_check == "ok"
    assert summary.as_row()["concentration_per_ml"] == "1.02E+07"


def test_header_concentration_of_the_undiluted_sample_is_a_mismatch(tmp_path: Path) -> None:
    path = _export(tmp_path, extra_header=("Original Concentration: 5,0E+9 Particles / mL",))
    summary = summarise(path)
    assert summary.concentration_per_ml == pytest.approx(5e9)  # as written, not * 500
    assert summary.concentration_check == "mismatch"
    assert "table looks uncorrected" in summary.sources["dilution"]


def test_header_statistics_are_reported(tmp_path: Path) -> None:
    summary = summarise(_export(tmp_path, extra_header=("Median / nm: 9,80E+1",)))
    assert summary.d50_nm == pytest.approx(98.0)
    assert summary.sources["d50_nm"] == "reported"
    assert summary.sources["mean_nm"] == "computed"


def test_custom_window(tmp_path: Path) -> None:
    summary = summarise(_export(tmp_path), window=(Decimal(0), Decimal(75)))
    assert summary.pct_in_window == pytest.approx(50.0)
    assert summary.window == "0-75"


def test_id_pattern_overrides_the_sample(tmp_path: Path) -> None:
    path = _export(tmp_path, name="EXO-2024-099_20240312_0001_rawdata.txt")
    assert summarise(path, id_pattern=r"(EXO-\d{4}-\d{3})").batch_id == "EXO-2024-099"
    with pytest.raises(InstrumentFileError, match="does not match"):
        summarise(path, id_pattern=r"(LOT\d+)")


def test_header_without_a_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "header-only.txt"
    path.write_text("\n".join(HEADER), encoding="iso-8859-1")
    with pytest.raises(InstrumentFileError, match="Size / nm") as caught:
        summarise(path)
    assert caught.value.path == path


def test_a_row_without_concentration_is_refused(tmp_path: Path) -> None:
    lines = [*HEADER, TABLE_HEADER, *LINEAR[:2], "1,250E+2\t5,490E+2", *LINEAR[3:]]
    path = tmp_path / "broken.txt"
    path.write_text("\n".join(lines), encoding="iso-8859-1")
    with pytest.raises(InstrumentFileError, match="lacks a concentration"):
        summarise(path)
