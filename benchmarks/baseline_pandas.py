#!/usr/bin/env python3
"""The floor exoqc is measured against: pandas with hand-written, vectorised checks.

Usage: python benchmarks/baseline_pandas.py [--date-check] CSV SUMMARY_JSON

It runs the checks of benchmarks/spec10.yaml with exoqc's semantics on the quirks that
benchmarks/gen_data.py writes (no more: it is a script for this data, not a product):
numbers with units (`0.112 µm` is 112 nm), detection-limit qualifiers (`<0.05` passes a
maximum of 1.0, `<2.0` does not), missing cells (empty, `NA`, `N/A`) failing, words
compared ignoring case and runs of spaces, yes/no words, batch ids present and unique
ignoring case (every copy of a repeated id fails). `--date-check` adds the 10th check
(expiry strictly after manufacture); benchmarks/run.py passes it only when spec10.yaml
has that check, so both tools always judge the same checks.

It writes a per-batch summary (one JSON document):
  {"rows": N, "failed": K, "checks": [...],
   "batches": [{"row": 2, "batch_id": "...", "status": "pass"|"fail", "failed_checks": [...]}]}
where `row` is the spreadsheet row (header = 1), and prints `failed=K` on stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from json.encoder import encode_basestring_ascii as _quote

import numpy as np
import pandas as pd

MISSING = ["", "na", "n/a"]
_NUMBER = re.compile(r"(?P<q><=|>=|≤|≥|<|>)?\s*"
                     r"(?P<m>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(?P<u>.*)")
LENGTH_NM = {"": 1.0, "nm": 1.0, "µm": 1000.0, "μm": 1000.0, "um": 1000.0}
PERCENT = {"": 1.0, "%": 1.0}
EU_PER_ML = {"": 1.0, "eu/ml": 1.0, "iu/ml": 1.0}
YES = ["true", "yes", "y", "1"]
WORD_COLUMNS = ["batch_id", "sterility", "mycoplasma", "source", "gmp_certified"]


def distinct(column: pd.Series) -> tuple[np.ndarray, list[object]]:
    """(codes, uniques): each distinct cell is then read once, in Python, and the
    answers spread back to the rows with numpy (lab columns repeat their values)."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return codes, list(uniques)


def read_number(cell: object, factors: dict[str, float]) -> tuple[float, float]:
    """One cell -> (lo, hi) in the check's unit; (nan, nan) when missing or unreadable."""
    if isinstance(cell, float):
        return cell, cell
    text = str(cell).strip()
    found = _NUMBER.fullmatch(text)
    factor = factors.get(found["u"].replace(" ", "").lower()) if found else None
    if found is None or factor is None:
        return math.nan, math.nan
    # round away the float noise of the conversion (0.0300 µm * 1000 is 30.000000000000004)
    value = round(float(found["m"]) * factor, 9)
    q = found["q"] or ""
    return (-math.inf if q in ("<", "<=", "≤") else value,
            math.inf if q in (">", ">=", "≥") else value)


def within(column: pd.Series, factors: dict[str, float], lower: float | None,
           upper: float | None) -> np.ndarray:
    """True where the cell FAILS: every value it allows must lie in [lower, upper]."""
    if column.dtype.kind == "f":  # pandas inferred a clean numeric column
        lo = hi = column.to_numpy(dtype=np.float64)
    else:
        codes, uniques = distinct(column)
        bounds = np.array([read_number(u, factors) for u in uniques], dtype=np.float64)
        lo = bounds[codes, 0]
        hi = bounds[codes, 1]
    ok = ~np.isnan(lo) & ~np.isnan(hi)
    if lower is not None:
        ok &= lo >= lower
    if upper is not None:
        ok &= hi <= upper
    return ~ok


def fold(cell: object) -> str:
    return " ".join(str(cell).split()).lower()


def one_of(column: pd.Series, allowed: list[str]) -> np.ndarray:
    codes, uniques = distinct(column)
    wanted = {fold(a) for a in allowed}
    bad = np.array([fold(u) not in wanted for u in uniques], dtype=bool)
    return bad[codes]


def run_checks(df: pd.DataFrame, date_check: bool) -> dict[str, np.ndarray]:
    """Each check -> boolean array, True where the row FAILS (spec10.yaml order)."""
    ids = df["batch_id"].str.strip().str.lower()
    fails = {
        "batch_identity": (ids.isin(MISSING) | ids.duplicated(keep=False)).to_numpy(bool),
        "size_range": within(df["mean_particle_size_nm"], LENGTH_NM, 30.0, 150.0),
        "purity_min": within(df["purity_pct"], PERCENT, 90.0, None),
        "potency_range": within(df["potency_pct_of_reference"], PERCENT, 70.0, 130.0),
        "sterility": one_of(df["sterility"], ["no growth"]),
        "endotoxin_max": within(df["endotoxin_eu_per_ml"], EU_PER_ML, None, 1.0),
        "mycoplasma": one_of(df["mycoplasma"], ["negative"]),
        "source_allowed": one_of(df["source"], ["MSC-BM", "MSC-UC", "MSC-AD"]),
        "gmp_certified": one_of(df["gmp_certified"], YES),
    }
    if date_check:
        made = pd.to_datetime(df["manufacture_date"], format="%Y-%m-%d", errors="coerce")
        expires = pd.to_datetime(df["expiry_date"], format="%Y-%m-%d", errors="coerce")
        fails["expiry_after_manufacture"] = ~(expires > made).to_numpy(dtype=bool)
    return fails


def write_summary(path: str, batch_ids: list[str], fails: dict[str, np.ndarray]) -> int:
    """The per-batch summary, from string templates (never a million dicts); the fail count."""
    names = list(fails)
    failed_any = np.zeros(len(batch_ids), dtype=bool)
    for mask in fails.values():
        failed_any |= mask
    failing: dict[int, list[str]] = {}
    for name in names:
        for i in np.flatnonzero(fails[name]).tolist():
            failing.setdefault(i, []).append(f'"{name}"')
    lines = []
    append = lines.append
    for i, bid in enumerate(batch_ids):
        f = failing.get(i)
        if f:
            append(f'{{"row":{i + 2},"batch_id":{_quote(bid)},"status":"fail",'
                   f'"failed_checks":[{",".join(f)}]}}')
        else:
            append(f'{{"row":{i + 2},"batch_id":{_quote(bid)},"status":"pass","failed_checks":[]}}')
    n_failed = int(failed_any.sum())
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f'{{"rows":{len(batch_ids)},"failed":{n_failed},'
                 f'"checks":{json.dumps(names, separators=(",", ":"))},"batches":[')
        fh.write(",\n".join(lines))
        fh.write("]}\n")
    return n_failed


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--date-check", action="store_true", help="also check expiry > manufacture")
    ap.add_argument("csv")
    ap.add_argument("summary")
    a = ap.parse_args(argv)
    df = pd.read_csv(a.csv, dtype=dict.fromkeys(WORD_COLUMNS, "str"), keep_default_na=False)
    fails = run_checks(df, a.date_check)
    ids = df["batch_id"].str.strip().tolist()
    n_failed = write_summary(a.summary, ids, fails)
    print(f"rows={len(df)} failed={n_failed}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
