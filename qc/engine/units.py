"""The units exoqc knows, how lab data writes them, and exact conversion between them.

Each unit belongs to a dimension and has an exact decimal factor to that dimension's
base unit, so `0.15 µm` converts to exactly `150 nm`. A spelling is looked up after
`normalise`, which removes spaces, unifies the micro sign with Greek mu and writes
superscript exponents out, but never folds case: `nM` (nanomolar), `Nm` (newton metre)
and `NM` are not nanometres, and `ML` is not a millilitre. Each unit lists the case
variants labs really write (`mL` and `ml`); anything else is an unknown unit.

Counts of different things are different dimensions: particles, colony-forming units,
gene copies and endotoxin units never convert into each other, so `5 CFU/mL` is never a
particle concentration. A unit says whether its quantity can be negative; only
temperatures and logarithms can (`signed`).

A few hand-rolled entries beat a units library here: the lab spellings (`/mL` = `cm-3`,
`EU` = `IU`, `ºC`) are most of the work, and importing pint would cost more than the
whole check on a typical file. docs/spec-format.md lists every spelling (a test keeps it
true).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec


class Unit(msgspec.Struct, frozen=True):
    """A unit exoqc converts: its symbol, what it measures and its factor to the base unit."""

    symbol: str  # how exoqc writes it
    dimension: str
    factor: Decimal  # multiply a value in this unit by factor to get the base unit
    signed: bool = False  # True when a value may be negative (temperatures, logarithms)
    spellings: tuple[str, ...] = ()  # every accepted spelling, the symbol first


def normalise(text: str) -> str:
    """Fold a unit spelling to the key used for lookup: no spaces, one micro sign,
    superscripts written out, `^` dropped. Case is kept: it carries meaning in units."""
    folded = "".join(text.split()).replace("\u03bc", "\u00b5").replace("\u2212", "-")
    for sup, plain in (("\u207b", "-"), ("\u00b9", "1"), ("\u00b2", "2"), ("\u00b3", "3")):
        folded = folded.replace(sup, plain)
    return folded.replace("^", "")


def _ml(spellings: tuple[str, ...]) -> tuple[str, ...]:
    """Each spelling with its millilitre also written `ml`, as labs do."""
    out: list[str] = []
    for spelling in spellings:
        out.append(spelling)
        if "mL" in spelling:
            out.append(spelling.replace("mL", "ml"))
    return tuple(dict.fromkeys(out))


def _dimension(dimension: str, *entries: tuple[str, str, tuple[str, ...]],
               signed: bool = False) -> list[Unit]:
    return [Unit(symbol, dimension, Decimal(factor), signed, _ml((symbol, *spellings)))
            for symbol, factor, spellings in entries]


ALL: tuple[Unit, ...] = (
    *_dimension(
        "length",
        ("nm", "1", ("d.nm",)),
        ("µm", "1000", ("um", "micron")),
        ("Å", "0.1", ()),
    ),
    *_dimension("percentage", ("%", "1", ("percent", "pct"))),
    *_dimension(
        "particle concentration",
        ("particles/mL", "1",
         ("Particles/mL", "/mL", "p/mL", "part/mL", "cm-3", "/cm3", "particles/cm3")),
    ),
    *_dimension(
        "particles per mass",
        ("particles/µg", "1", ("Particles/µg", "p/µg", "/µg", "particles/ug", "p/ug", "/ug")),
        ("particles/mg", "0.001", ("Particles/mg", "p/mg", "/mg")),
    ),
    *_dimension(
        "mass concentration",
        ("pg/mL", "0.001", ()),
        ("ng/mL", "1", ("µg/L",)),
        ("µg/mL", "1000", ("ug/mL", "mg/L")),
        ("mg/mL", "1000000", ("g/L",)),
    ),
    *_dimension("mass per dose",
                ("ng/dose", "1", ()), ("µg/dose", "1000", ("ug/dose",))),
    *_dimension("mass fraction",
                ("ng/mg", "1", ("ppm", "µg/g", "ug/g")), ("pg/mg", "0.001", ("ppb",))),
    *_dimension("endotoxin", ("EU/mL", "1", ("IU/mL",))),
    *_dimension("endotoxin per dose", ("EU/dose", "1", ("IU/dose",))),
    *_dimension("colony count",
                ("CFU/mL", "1", ("cfu/mL",)),
                ("CFU/10 mL", "0.1", ("cfu/10 mL",)),
                ("CFU/100 mL", "0.01", ("cfu/100 mL",))),
    *_dimension("copy number", ("copies/mL", "1", ("cp/mL",)),
                ("copies/µL", "1000", ("cp/µL", "copies/uL"))),
    *_dimension("volume", ("mL", "1", ()), ("µL", "0.001", ("uL",)), ("L", "1000", ())),
    *_dimension("temperature", ("°C", "1", ("ºC", "degC", "C")), signed=True),
    *_dimension("osmolality", ("mOsm/kg", "1", ("mOsmol/kg", "mOsm/kg H2O"))),
    *_dimension("logarithm", ("log10", "1", ("log",)), signed=True),
)

UNITS: dict[str, Unit] = {}
for _unit in ALL:
    for _spelling in _unit.spellings:
        _key = normalise(_spelling)
        assert _key not in UNITS, f"unit spelling {_spelling!r} listed twice"
        UNITS[_key] = _unit


def find(text: str) -> Unit | None:
    """The unit a spelling names, or None when exoqc does not know it."""
    return UNITS.get(normalise(text))


def near_miss(text: str) -> Unit | None:
    """A known unit that the spelling matches only when case is ignored (`nM`, `NM`), for
    a message that says why it is not accepted."""
    folded = normalise(text).casefold()
    for key, unit in UNITS.items():
        if key.casefold() == folded:
            return unit
    return None
