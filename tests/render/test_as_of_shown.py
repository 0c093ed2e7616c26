"""A report judged as of another day says so wherever a person reads it."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli

SPEC = """\
name: t
version: "1"
id_column: batch_id
checks:
  - name: expiry
    column: expiry
    type: date
    min: today
"""


def _reports(tmp_path: Path, *extra: str) -> tuple[str, str]:
    (tmp_path / "b.csv").write_text("batch_id,expiry\nB1,2021-01-01\n", encoding="utf-8")
    (tmp_path / "s.yaml").write_text(SPEC, encoding="utf-8")
    run = run_cli("check", str(tmp_path / "b.csv"), "-s", str(tmp_path / "s.yaml"), *extra,
                  "-o", str(tmp_path / "r.html"), "-o", str(tmp_path / "r.md"), "-q",
                  env={"SOURCE_DATE_EPOCH": "1764633600"})  # 2025-12-02
    assert run.code in (0, 1), run
    return ((tmp_path / "r.html").read_text("utf-8"), (tmp_path / "r.md").read_text("utf-8"))


def test_a_backdated_as_of_is_on_the_certificate_and_the_summary(tmp_path: Path) -> None:
    """`--as-of 2020-06-01` made a batch that expired in 2021 conform, and the certificate
    of analysis said only 'Evaluated 2025-12-02 ... Conforms': nothing said that the expiry
    was judged as of 2020."""
    html, md = _reports(tmp_path, "--as-of", "2020-06-01")
    assert "Conforms" in html
    backdated = "Evaluation date</dt><dd>2020-06-01 (not the day the report was generated)"
    assert html.count(backdated) == 2  # the summary and the certificate
    assert "Evaluation date: 2020-06-01 (not the day the report was generated)" in md


def test_the_day_of_the_run_adds_nothing(tmp_path: Path) -> None:
    html, md = _reports(tmp_path)
    assert "not the day the report was generated" not in html
    assert "not the day the report was generated" not in md
    assert "Evaluation date</dt><dd>2025-12-02" in html  # stated all the same
