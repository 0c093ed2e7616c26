"""Regenerate sample_data/history.csv: 60 invented batches over two years with a drift.

Mean particle size creeps up from about 112 nm to about 160 nm, well inside the
clinical spec (50-200 nm, alert 60-180 nm): every batch conforms, but `exoqc trend`
flags the drift. The other attributes vary at random around stable means. Run from
the repository root: `python sample_data/make_history.py`.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys

SEED = 17
HEADER = [
    "batch_id", "manufacture_date", "expiry_date", "cell_source", "gmp_certified",
    "mean_particle_size_nm", "particle_concentration_per_ml", "protein_ug_per_ml",
    "particles_per_ug_protein", "potency_pct_of_reference", "sterility",
    "endotoxin_eu_per_ml", "mycoplasma", "cd63", "tsg101", "calnexin", "storage_temp_c", "ph",
    "osmolality_mosm_per_kg",
]
SOURCES = ["UC-MSC (Wharton's jelly), P4, donor 011", "BM-MSC, P3, donor 014",
           "UC-MSC (Wharton's jelly), P4, donor 019", "AT-MSC, P4, donor 007"]


def main(seed: int = SEED) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    start = dt.date(2024, 1, 8)
    serial: dict[int, int] = {}
    for i in range(60):
        made = start + dt.timedelta(days=round(i * 730 / 60) + rng.randint(0, 4))
        serial[made.year] = serial.get(made.year, 0) + 1
        drift = 0.0 if i < 24 else (i - 24) * 0.6  # flat for a year, then creeping up
        size = rng.gauss(112 + drift, 4.0)
        conc = rng.gauss(3.2e11, 0.45e11)
        protein = rng.gauss(18.0, 2.0)
        endotoxin = rng.gauss(0.09, 0.025)
        rows.append([
            f"EXO-{made.year}-{serial[made.year]:03d}",
            made.isoformat(),
            (made + dt.timedelta(days=365)).isoformat(),
            SOURCES[i % len(SOURCES)],
            "Yes",
            f"{size:.1f}",
            f"{conc / 1e11:.2f}E+11",
            f"{protein:.1f}",
            f"{conc / protein / 1e10:.2f}E+10",
            f"{rng.gauss(100, 8):.0f}",
            "No growth",
            "<0.05" if i in (9, 41) else f"{max(endotoxin, 0.05):.2f}",
            "Not detected",
            "Positive",
            "Positive",
            "Negative",
            "-80",  # the freezer set point, as most records write it
            f"{rng.gauss(7.40, 0.06):.2f}",
            f"{rng.gauss(298, 5):.0f}",
        ])
    return rows


if __name__ == "__main__":
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else SEED
    out = sys.argv[2] if len(sys.argv) > 2 else "sample_data/history.csv"
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(main(seed))
