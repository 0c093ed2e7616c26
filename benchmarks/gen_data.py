#!/usr/bin/env python3
"""Seeded generator of quirky batch-record CSVs for the exoqc benchmarks.

Usage:
    python benchmarks/gen_data.py [--out-dir DIR] [--seed SEED] ROWS [ROWS ...]

Writes DIR/batches_<ROWS>.csv (default DIR: bench-data) and, beside it,
DIR/batches_<ROWS>.oracle.json: how many rows fail each of the 10 checks of
benchmarks/spec10.yaml and how many batches fail overall (with and without the
date check), computed from the generated numbers themselves, never by re-reading
the text. The same seed, row count and NumPy version give byte-identical files.

The cells are written the way lab exports write them, so that a checker has to do
real work:

* size: mostly `112.3`, some `112.3 nm`, `0.1123 µm`, `0.1123 um`;
* purity: `96.52`, `96.52 %`, `96.52%`;
* endotoxin: `0.123`, detection-limit qualifiers `<0.050` (and `<2.0`, which
  straddles the 1.0 limit: indeterminate, so it fails), a few `0.12 EU/mL`;
* words in mixed case and spacing: `No growth`, `NO GROWTH`, `No  growth`,
  `NEGATIVE`, `msc-bm`;
* yes/no as `Yes`, `Y`, `TRUE`, `true`, `1`; failures as `No`, `N`, `false`,
  `GMP-like`;
* batch ids repeated (some in another case: ids compare ignoring case) and empty;
* a few missing numeric cells (empty, `N/A`);
* exact boundary values that must pass: 30.0 and 150.0 nm (also as
  `0.0300 µm`), purity 90.00, potency 70.0 and 130.0, endotoxin 1.000.

About 4-5 % of the batches fail at least one check.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys

import numpy as np

COLUMNS = [
    "batch_id",
    "manufacture_date",
    "expiry_date",
    "mean_particle_size_nm",
    "particle_concentration_per_ml",
    "protein_ug_per_ml",
    "purity_pct",
    "potency_pct_of_reference",
    "sterility",
    "endotoxin_eu_per_ml",
    "mycoplasma",
    "source",
    "gmp_certified",
]

# Check names, in spec10.yaml order; the date check is the 10th.
CHECKS = [
    "batch_identity",
    "size_range",
    "purity_min",
    "potency_range",
    "sterility",
    "endotoxin_max",
    "mycoplasma",
    "source_allowed",
    "gmp_certified",
    "expiry_after_manufacture",
]
DATE_CHECK = "expiry_after_manufacture"

P_FAIL = {
    "size_range": 0.005,
    "size_missing": 0.0005,
    "purity_min": 0.005,
    "potency_range": 0.005,
    "sterility": 0.003,
    "endotoxin_max": 0.004,
    "endotoxin_straddle": 0.001,
    "mycoplasma": 0.002,
    "source_allowed": 0.004,
    "gmp_certified": 0.004,
    "id_duplicate": 0.0015,
    "id_empty": 0.0007,
    "expiry_after_manufacture": 0.003,
}
P_BOUNDARY = 0.001
EPOCH = dt.date(2021, 1, 1)
SPAN_DAYS = (dt.date(2026, 6, 30) - EPOCH).days

STERILE = np.array(["No growth", "No Growth", "no growth", "NO GROWTH", "No  growth"])
NOT_STERILE = np.array(["Growth", "Turbid", "Pending"])
NEGATIVE = np.array(["Negative", "negative", "NEGATIVE"])
NOT_NEGATIVE = np.array(["Positive", "POSITIVE", "Not tested"])
SOURCES = np.array(["MSC-BM", "MSC-UC", "MSC-AD", "msc-bm"])
BAD_SOURCES = np.array(["HEK293", "HeLa"])
YES = np.array(["Yes", "Y", "TRUE", "true", "yes", "1"])
NO = np.array(["No", "N", "false", "GMP-like"])


def pick(rng: np.random.Generator, n: int, p: float, minimum: int = 2) -> np.ndarray:
    """Boolean mask with P(True) = p, holding at least `minimum` Trues."""
    mask = rng.random(n) < p
    short = minimum - int(mask.sum())
    if short > 0:
        free = np.flatnonzero(~mask)
        mask[rng.choice(free, size=min(short, free.size), replace=False)] = True
    return mask


def fixed(units: np.ndarray, decimals: int) -> list[str]:
    """Integers counting 10**-decimals, written exactly with that many decimals."""
    scale = 10**decimals
    return [f"{u // scale}.{u % scale:0{decimals}d}" for u in units.tolist()]


def generate(n: int, seed: int) -> tuple[dict[str, list[str]], dict[str, object]]:
    rng = np.random.default_rng([seed, n])
    fails: dict[str, np.ndarray] = {}

    # dates: manufacture in non-decreasing order, as a batch log would be
    mday = np.sort(rng.integers(0, SPAN_DAYS, n))
    eday = mday + rng.choice([365, 540, 730], size=n, p=[0.3, 0.3, 0.4])
    bad = pick(rng, n, P_FAIL["expiry_after_manufacture"])
    same_day = rng.random(n) < 1 / 3
    eday = np.where(bad, np.where(same_day, mday, mday - rng.integers(1, 60, n)), eday)
    fails[DATE_CHECK] = ~(eday > mday)

    # batch ids: EXO-<year>-<sequence in that year>; copies (some lower case) and blanks
    day0 = np.datetime64(EPOCH.isoformat(), "D")
    mdates = (day0 + mday).astype(str)
    edates = (day0 + eday).astype(str)
    years = mdates.astype("U4").astype(np.int64)
    seq = np.arange(n) - np.searchsorted(years, years, side="left") + 1
    ids = [f"EXO-{y}-{s:06d}" for y, s in zip(years.tolist(), seq.tolist(), strict=True)]
    source_of = rng.integers(0, n, n)
    lower = rng.random(n) < 0.2
    original = list(ids)
    for i in np.flatnonzero(pick(rng, n, P_FAIL["id_duplicate"])).tolist():
        j = int(source_of[i]) if int(source_of[i]) != i else (i + 1) % n
        ids[i] = original[j].lower() if lower[i] else original[j]
    for i in np.flatnonzero(pick(rng, n, P_FAIL["id_empty"])).tolist():
        ids[i] = ""
    keys = np.array([x.lower() for x in ids], dtype=object)
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    fails["batch_identity"] = (counts[inverse] > 1) | (keys == "")

    # mean particle size, in tenths of a nm
    size = np.clip(rng.normal(1000, 150, n), 600, 1400).astype(np.int64)
    bad = pick(rng, n, P_FAIL["size_range"])
    low = rng.random(n) < 0.5
    size = np.where(bad, np.where(low, rng.integers(100, 300, n), rng.integers(1501, 2400, n)),
                    size)
    edge = (rng.random(n) < P_BOUNDARY) & ~bad
    size = np.where(edge, np.where(low, 300, 1500), size)
    size_text = np.array(fixed(size, 1), dtype=object)
    style = rng.random(n)
    micro = fixed(size, 4)  # tenths of a nm = ten-thousandths of a µm
    nm = style < 0.03
    um = (style >= 0.03) & (style < 0.045)
    um_ascii = (style >= 0.045) & (style < 0.05)
    size_text[nm] = [f"{t} nm" for t in size_text[nm]]
    size_text[um] = [f"{micro[i]} µm" for i in np.flatnonzero(um)]
    size_text[um_ascii] = [f"{micro[i]} um" for i in np.flatnonzero(um_ascii)]
    missing = pick(rng, n, P_FAIL["size_missing"])
    size_text[missing] = np.where(rng.random(int(missing.sum())) < 0.5, "", "N/A")
    fails["size_range"] = ((size < 300) | (size > 1500)) | missing

    conc = np.round(np.exp(rng.normal(np.log(2.3e11), 0.4, n)), -9)
    protein = np.round(rng.uniform(50, 500, n), 1)

    # purity, in hundredths of a %
    purity = np.clip(rng.normal(9600, 200, n), 9050, 9990).astype(np.int64)
    bad = pick(rng, n, P_FAIL["purity_min"])
    purity = np.where(bad, rng.integers(7000, 9000, n), purity)
    edge = (rng.random(n) < P_BOUNDARY) & ~bad
    purity = np.where(edge, 9000, purity)
    purity_text = np.array(fixed(purity, 2), dtype=object)
    style = rng.random(n)
    spaced = style < 0.05
    tight = (style >= 0.05) & (style < 0.08)
    purity_text[spaced] = [f"{t} %" for t in purity_text[spaced]]
    purity_text[tight] = [f"{t}%" for t in purity_text[tight]]
    fails["purity_min"] = purity < 9000

    # potency, in tenths of a % of the reference
    potency = np.clip(rng.normal(1000, 80, n), 750, 1250).astype(np.int64)
    bad = pick(rng, n, P_FAIL["potency_range"])
    low = rng.random(n) < 0.5
    potency = np.where(bad, np.where(low, rng.integers(300, 700, n),
                                     rng.integers(1301, 1700, n)), potency)
    edge = (rng.random(n) < P_BOUNDARY) & ~bad
    potency = np.where(edge, np.where(low, 700, 1300), potency)
    fails["potency_range"] = (potency < 700) | (potency > 1300)

    # endotoxin, in thousandths of an EU/mL; censored results carry their detection limit
    endo = np.clip(np.exp(rng.normal(np.log(100), 0.7, n)), 5, 950).astype(np.int64)
    bad = pick(rng, n, P_FAIL["endotoxin_max"])
    endo = np.where(bad, rng.integers(1001, 5000, n), endo)
    edge = (rng.random(n) < P_BOUNDARY) & ~bad
    endo = np.where(edge, 1000, endo)
    endo_text = np.array(fixed(endo, 3), dtype=object)
    style = rng.random(n)
    censored = (style < 0.12) & ~bad & ~edge
    limit = rng.choice(np.array([50, 100, 250]), size=n)
    endo_text[censored] = [f"<{t}" for t in fixed(limit[censored], 3)]
    with_unit = (style >= 0.12) & (style < 0.14)
    endo_text[with_unit] = [f"{t} EU/mL" for t in endo_text[with_unit]]
    straddle = pick(rng, n, P_FAIL["endotoxin_straddle"]) & ~bad
    endo_text[straddle] = "<2.0"
    fails["endotoxin_max"] = (endo > 1000) | straddle

    def words(key: str, good: np.ndarray, bad_words: np.ndarray) -> np.ndarray:
        bad = pick(rng, n, P_FAIL[key])
        fails[key] = bad
        return np.where(bad, rng.choice(bad_words, size=n), rng.choice(good, size=n))

    sterility = words("sterility", STERILE, NOT_STERILE)
    mycoplasma = words("mycoplasma", NEGATIVE, NOT_NEGATIVE)
    source = words("source_allowed", SOURCES, BAD_SOURCES)
    gmp = words("gmp_certified", YES, NO)

    cols = {
        "batch_id": ids,
        "manufacture_date": mdates.tolist(),
        "expiry_date": edates.tolist(),
        "mean_particle_size_nm": size_text.tolist(),
        "particle_concentration_per_ml": [f"{v:.3g}" for v in conc.tolist()],
        "protein_ug_per_ml": [f"{v:.1f}" for v in protein.tolist()],
        "purity_pct": purity_text.tolist(),
        "potency_pct_of_reference": fixed(potency, 1),
        "sterility": sterility.tolist(),
        "endotoxin_eu_per_ml": endo_text.tolist(),
        "mycoplasma": mycoplasma.tolist(),
        "source": source.tolist(),
        "gmp_certified": gmp.tolist(),
    }
    any9 = np.zeros(n, dtype=bool)
    for name in CHECKS:
        if name != DATE_CHECK:
            any9 |= fails[name]
    oracle = {
        "rows": n,
        "failed_without_date_check": int(any9.sum()),
        "failed_with_date_check": int((any9 | fails[DATE_CHECK]).sum()),
        "failed_by_check": {name: int(fails[name].sum()) for name in CHECKS},
        "seed": seed,
        "numpy": np.__version__,
    }
    return cols, oracle


def write_csv(path: str, cols: dict[str, list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(COLUMNS)
        out.writerows(zip(*(cols[c] for c in COLUMNS), strict=True))


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rows", nargs="+", type=int, help="row counts, e.g. 1000 100000 1000000")
    ap.add_argument("--out-dir", default="bench-data")
    ap.add_argument("--seed", type=int, default=20261125)
    a = ap.parse_args(argv)
    os.makedirs(a.out_dir, exist_ok=True)
    for n in a.rows:
        cols, oracle = generate(n, a.seed)
        path = os.path.join(a.out_dir, f"batches_{n}.csv")
        write_csv(path, cols)
        with open(os.path.join(a.out_dir, f"batches_{n}.oracle.json"), "w") as fh:
            json.dump(oracle, fh, indent=1)
            fh.write("\n")
        print(f"{path}: rows={n} failing batches={oracle['failed_without_date_check']} "
              f"(with the date check: {oracle['failed_with_date_check']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
