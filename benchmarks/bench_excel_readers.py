"""Measure the two Excel readers exoqc could use: import time and the time to read a
10,000-row workbook. Not a test (pytest does not collect it); rerun with

    python benchmarks/bench_excel_readers.py [ROWS]

Each measurement runs in a fresh interpreter so that import caches do not help; the
figures are the best of three. docs/ci.md records the result and the choice.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

READERS = {
    "openpyxl (read_only, data_only)": (
        "import openpyxl",
        "wb = openpyxl.load_workbook(PATH, read_only=True, data_only=True)\n"
        "rows = list(wb.worksheets[0].iter_rows(values_only=True)); wb.close()",
    ),
    "openpyxl, two passes (formulas, then values)": (
        "import openpyxl",
        "for d in (False, True):\n"
        "    wb = openpyxl.load_workbook(PATH, read_only=True, data_only=d)\n"
        "    rows = list(wb.worksheets[0].iter_rows(values_only=True)); wb.close()",
    ),
    "python-calamine": (
        "import python_calamine",
        "rows = python_calamine.CalamineWorkbook.from_path(PATH).get_sheet_by_index(0)"
        ".to_python(skip_empty_area=False)",
    ),
    "exoqc (calamine + formula scan + text)": (
        "import qc.inputs.excel",
        "qc.inputs.excel.read_sheet(open(PATH, 'rb').read(), PATH, None)",
    ),
}

TIMER = """
import time
t0 = time.perf_counter()
{imp}
t1 = time.perf_counter()
PATH = {path!r}
{read}
t2 = time.perf_counter()
print(f"{{(t1 - t0) * 1000:.0f}} {{(t2 - t1) * 1000:.0f}}")
"""


def build(path: Path, rows: int, formulas: bool) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["batch_id", "date", "size", "conc", "sterility", "gmp", "ph", "twice",
               *(f"c{i}" for i in range(11))])
    for i in range(rows):
        twice = f"=C{i + 2}*2" if formulas else (118.4 + i % 7) * 2
        ws.append([f"EXO-2026-{i:05d}", dt.date(2026, 3, 7), 118.4 + i % 7, 3.4e11,
                   "No growth", True, 7.4, twice, *([i * 1.5] * 11)])
    wb.save(path)


def measure(code: str) -> tuple[int, int]:
    root = Path(__file__).resolve().parents[1]
    best = (10**9, 10**9)
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                             text=True, cwd=root).stdout.split()
        best = (min(best[0], int(out[0])), min(best[1], int(out[1])))
    return best


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        for formulas in (False, True):
            path = Path(tmp) / f"bench-{formulas}.xlsx"
            build(path, rows, formulas)
            kind = "with a formula column" if formulas else "values only"
            print(f"\n{rows} rows x 19 columns, {kind}, {path.stat().st_size // 1024} KiB")
            print(f"{'reader':48} {'import ms':>10} {'read ms':>9}")
            for name, (imp, read) in READERS.items():
                imp_ms, read_ms = measure(TIMER.format(imp=imp, read=read, path=str(path)))
                print(f"{name:48} {imp_ms:>10} {read_ms:>9}")


if __name__ == "__main__":
    main()
