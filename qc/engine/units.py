"""The units exoqc knows, how lab data writes them, and exact conversion between them.

Each unit belongs to a dimension and has an exact decimal factor to that dimension's
base unit, so `0.15 µm` converts to exactly `150 nm`. Spellings are matched after
`normalise`: case folded, spaces removed, the micro sign and Greek mu unified, and
superscript exponents written out. A few hand-rolled entries beat a units library
here: the lab spellings (`/mL` = `cm-3`, `EU` = `IU`, `ºC`) are most of the work, and
importing pint would cost more than the whole check on a typical file.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Unit:
    symbol: str  # how exoqc writes it
    dimension: str
    factor: Decimal  # multiply a value in this unit by factor to get the base unit


def _units(dimension: str, *entries: tuple[str, str, tuple[str, ...]]) -> dict[str, Unit]:
    table: dict[str, Unit] = {}
    for symbol, factor, spellings in entries:
        unit = Unit(symbol, dimension, Decimal(factor))
        for spelling in (symbol, *spellings):
            table[normalise(spelling)] = unit
    return table


def normalise(text: str) -> str:
    """Fold a unit spelling to the key used for lookup."""
    folded = "".join(text.split()).replace("\u03bc", "\u00b5").replace("\u2212", "-")
    for sup, plain in (("\u207b", "-"), ("\u00b9", "1"), ("\u00b2", "2"), ("\u00b3", "3")):
        folded = folded.replace(sup, plain)
    return folded.replace("^", "").casefold()


UNITS: dict[str, Unit] = {
    **_units(
        "length",
        ("nm", "1", ("d.nm",)),
        ("µm", "1000", ("um", "μm", "micron")),
        ("Å", "0.1", ()),
    ),
    **_units("fraction", ("%", "1", ("percent", "pct"))),
    **_units(
        "particle concentration",
        (
            "particles/mL",
            "1",
            ("/mL", "p/mL", "part/mL", "particles/ml", "cm-3", "cm⁻³", "/cm3", "particles/cm3"),
        ),
    ),
    **_units(
        "particles per mass",
        ("particles/µg", "1", ("p/µg", "/µg", "particles/ug", "p/ug", "/ug")),
        ("particles/mg", "0.001", ("p/mg", "/mg")),
    ),
    **_units(
        "mass concentration",
        ("pg/mL", "0.001", ()),
        ("ng/mL", "1", ("ng/ml",)),
        ("µg/mL", "1000", ("ug/mL", "μg/mL", "mg/L")),
        ("mg/mL", "1000000", ("g/L",)),
    ),
    **_units("endotoxin", ("EU/mL", "1", ("IU/mL",))),
    **_units("temperature", ("°C", "1", ("ºC", "degC", "C", "deg C"))),
    **_units("osmolality", ("mOsm/kg", "1", ("mOsmol/kg", "mosm/kg H2O"))),
}


def find(text: str) -> Unit | None:
    """The unit a spelling names, or None when exoqc does not know it."""
    return UNITS.get(normalise(text))
