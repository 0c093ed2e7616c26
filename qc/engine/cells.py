"""Read cell text as a lab writes it: missing tokens, numbers with units, censored values.

A numeric cell becomes an interval in the check's unit: `85` is [85, 85], `<0.5` is
(-inf, 0.5), `≥95` is [95, inf). `parse_one` is the reference reading of one cell;
`parse_numbers` reads a whole column the same way with Arrow kernels: plain numbers on
a fast path, only the leftovers through the full grammar. Intervals are floats for
speed; `exact_interval` re-reads a cell with exact decimals where a float could tie a
limit (see rules/limits.py).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

import msgspec
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from qc.engine import units
from qc.engine.arrowbuf import bools, indices, text_scalar, texts, to_numpy
from qc.engine.units import Unit
from qc.model import DECIMAL_COMMA_NOT_READ, DOUBLE_MAX
from qc.text import BLANK, BLANK_LETTERS

MISSING_TOKENS = ("", "na", "n/a")
_LONGEST_MISSING = max(len(t) for t in MISSING_TOKENS)

# One grammar for both engines (RE2 in Arrow, Python's re in parse_one): a qualifier,
# a decimal number, an optional `x 10^n` scale, and an optional unit.
GRAMMAR = (
    r"^(?P<q><=|>=|≤|≥|<|>)?[ \t]*"
    r"(?P<m>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
    r"(?:[ \t]*[x×][ \t]*10\^(?P<p>[-+]?[0-9]{1,3}))?"
    r"[ \t]*(?P<u>.*?)$"
)
PLAIN = r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"
# no-break, narrow no-break, figure and thin spaces that Excel, Word and LIMS leave behind
_SPACES = ("\u00a0", "\u202f", "\u2007", "\u2009")
# `0,3`, `2,1E+11`, `<0,5 EU/mL`: a decimal comma (read only with --decimal ,)
_DECIMAL_COMMA = r"(?:<=|>=|[<>≤≥])?\s*[-+\u2212]?\d+,\d+(?:[eE][-+]?\d+)?(?!\d)"
QUALIFIERS = {"": 0, "<": 1, "<=": 2, "≤": 2, ">": 3, ">=": 4, "≥": 4}

# Shapes of a cell that hold a number but are not one result. Each gets a message that
# sends the lab to the right fix, instead of "unknown unit" (see `shape_problem`). These
# Python patterns are kept as text: `re` compiles (and caches) one the first time a cell
# needs it, so a run whose cells all read pays nothing for them.
_NUM = r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?"
_Q = r"(?:<=|>=|[<>≤≥])?\s*"
_UNIT_TAIL = r"(?:\s*[^\d\s.,;|+-].*)?"
_SEVERAL = rf"(?s){_Q}{_NUM}(?:\s*[;|]\s*{_Q}{_NUM})+{_UNIT_TAIL}"
_COMMA_LIST = (rf"(?s){_Q}{_NUM}(?:\s*,\s+{_Q}{_NUM})+{_UNIT_TAIL}"
               rf"|{_Q}\d+(?:,\d+){{2,}}{_UNIT_TAIL}")
_RANGE = rf"(?s){_Q}{_NUM}\s*(?:-|–|—|to)\s*{_NUM}{_UNIT_TAIL}"
_PLUS_MINUS = rf"(?s){_Q}{_NUM}\s*(?:±|\+/-|\+-|\+/−)\s*{_NUM}.*"
# A grouping separator: `1,200`, `1 200`, `1'200` (and `1.200` under --decimal ,): a
# separator followed by exactly three digits, then no further digit.
_GROUP_ANY = (rf"(?s){_Q}[-+]?\d{{1,3}}(?:(?P<s>[ '\u2019])\d{{3}})+(?![\d])(?:[.,]\d+)?"
              rf"{_UNIT_TAIL}")
_GROUP_COMMA = rf"(?s){_Q}[-+]?\d{{1,3}}(?:,\d{{3}})+(?![\d])(?:\.\d+)?{_UNIT_TAIL}"
_GROUP_DOT = (rf"(?s){_Q}[-+]?\d+(?:\.\d{{3}})+(?![\d])(?:,\d+)?(?:[eE][-+]?\d+)?"
              rf"{_UNIT_TAIL}")
# The same `.`-grouping test in RE2 for the vectorised reader (--decimal , only).
GROUP_DOT = (r"^(?:<=|>=|[<>≤≥])?[\s\x{00a0}\x{202f}\x{2007}\x{2009}]*[-+\x{2212}]?"
             r"[0-9]+(?:\.[0-9]{3})+(?:[^0-9]|$)")


def shape_problem(text: str, decimal_comma: bool) -> str | None:
    """Why a cell that holds numbers is not one result, in words that name the fix; None
    when it has none of these shapes (several values, a range, a ± uncertainty, a
    thousands grouping)."""
    for space in _SPACES:
        text = text.replace(space, " ")
    text = text.replace("\u2212", "-").strip()
    comma_grouped = not decimal_comma and re.fullmatch(_GROUP_COMMA, text)
    several = re.fullmatch(_SEVERAL, text)
    if several or (not decimal_comma and not comma_grouped and re.fullmatch(_COMMA_LIST, text)):
        count = len(re.split(r"\s*[;|]\s*" if several else r"\s*,\s*", text))
        return f"{count} values in one cell: replicates need a replicate rule in the spec"
    if re.fullmatch(_PLUS_MINUS, text):
        return "a result with its uncertainty: give the result alone"
    grouped = re.fullmatch(_GROUP_ANY, text)
    if grouped:
        sep = "a space" if grouped["s"] == " " else f"{grouped['s']!r}"
        return f"{sep} groups the digits: write the number without a grouping separator"
    if comma_grouped:
        return ("',' groups thousands or is a decimal comma: write the number without a "
                "grouping separator (or give --decimal , for a decimal comma)")
    if decimal_comma and re.fullmatch(_GROUP_DOT, text):
        return ("'.' groups thousands under --decimal ,: write the number without a grouping "
                "separator")
    if re.fullmatch(_RANGE, text):
        return "a range, not a result: give the result"
    return None

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


class Cells(msgspec.Struct, frozen=True, eq=False):
    """One column's cells: trimmed text (never null) and which ones are missing."""

    text: pa.Array
    missing: Bools

    def __len__(self) -> int:
        return len(self.text)

    def as_list(self) -> list[str]:
        return self.text.to_pylist()  # type: ignore[no-any-return]


def read_cells(column: pa.Array) -> Cells:
    """Trim every cell and mark `""`, `NA`, `N/A` (any case) as missing."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if column.null_count:
        column = pc.fill_null(column, text_scalar("").cast(column.type))
    text = pc.utf8_trim_whitespace(column)
    # Lower case maps each code point to one code point, so only a cell as short as the
    # longest token can be one: a million ids or dates are not lower-cased to learn it.
    short = np.flatnonzero(to_numpy(pc.utf8_length(text)) <= _LONGEST_MISSING)
    missing = np.zeros(len(text), dtype=bool)
    if short.size:
        cells = text if short.size == len(text) else pc.take(text, indices(short))
        missing[short] = to_numpy(pc.is_in(pc.utf8_lower(cells),
                                           value_set=texts(MISSING_TOKENS)))
    return Cells(text, missing)


# Characters a spreadsheet does not show: format characters (zero-width spaces and joiners,
# bidi controls, soft hyphen, a stray BOM) and C0/C1 controls other than tab and line
# breaks. A cell holding one is not what the person who checks it sees: `He\u200bLa` would
# slip past `forbidden: [HeLa]`, `B1\u200b` past the duplicate-id check. Blank letters
# (Hangul fillers, variation selectors, ...: qc/text.py BLANK_LETTERS) are invisible too.
INVISIBLE = (r"[\p{Cf}\x{01}-\x{08}\x{0B}\x{0C}\x{0E}-\x{1F}\x{7F}-\x{9F}"
             rf"{BLANK_LETTERS}]")
_INVISIBLE = (r"[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
              r"\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
              r"\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
              r"\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
              r"\U000e0020-\U000e007f\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def invisible(cells: Cells) -> Bools:
    """Which cells hold a character that a spreadsheet does not show (see INVISIBLE).
    ASCII text holds none unless it holds a control character: most columns are answered
    by two quick passes instead of the pattern."""
    if not cells.text.null_count and pc.all(pc.ascii_is_printable(cells.text)).as_py() \
            and pc.all(pc.string_is_ascii(cells.text)).as_py():
        return np.zeros(len(cells), dtype=bool)
    return to_numpy(pc.match_substring_regex(cells.text, INVISIBLE))


def first_invisible(text: str) -> str:
    """The first invisible character of a cell as `U+200B`, for the message."""
    found = re.search(_INVISIBLE, text) or BLANK.search(text)
    return f"U+{ord(found.group()):04X}" if found else "an invisible character"


class Interval(msgspec.Struct, frozen=True):
    """A value in the check's unit: an exact number or a censored bound."""

    lo: Decimal
    hi: Decimal
    lo_open: bool
    hi_open: bool
    unit: Unit | None  # the unit written in the cell, when there was one


def _prepare(text: str, decimal_comma: bool) -> str:
    for space in _SPACES:
        text = text.replace(space, " ")
    text = text.replace("\u2212", "-")
    return text.replace(",", ".") if decimal_comma else text


def parse_one(text: str, target: Unit | None, *, decimal_comma: bool = False) -> Interval | str:
    """Read one cell; return its interval in the target unit, or why it cannot be read."""
    shape = shape_problem(text, decimal_comma)
    if shape is not None:
        return shape
    if not decimal_comma and re.match(_DECIMAL_COMMA, text.strip()):
        return DECIMAL_COMMA_NOT_READ
    found = re.match(GRAMMAR, _prepare(text, decimal_comma), re.S)
    if found is None:
        return "not a number"
    try:
        value = Decimal(found["m"])
    except InvalidOperation:
        return "not a number"
    power = int(found["p"] or 0)
    # Decided on the exponent before any arithmetic: `1e999999999` or a 50 MB run of
    # digits would otherwise overflow the decimal context instead of being refused.
    if value and value.adjusted() + power > DOUBLE_MAX.adjusted():
        return "number too large"
    if power:
        value = value.scaleb(power)
    if abs(value) > DOUBLE_MAX:
        return "number too large"
    written: Unit | None = None
    if found["u"]:
        written = units.find(found["u"])
        if written is None:
            near = units.near_miss(found["u"])
            case = f" (units are case-sensitive: this is not {near.symbol})" if near else ""
            return f"unknown unit {found['u'].strip()!r}{case}"
        if target is None:
            return f"has a unit ({written.symbol}) but the spec gives none"
        if written.dimension != target.dimension:
            return (f"{written.symbol} is not a unit of {target.dimension} "
                    f"(expected {target.symbol})")
        value = value * written.factor / target.factor
        if abs(value) > DOUBLE_MAX:
            return "number too large"
    # The sign as the fast path computes it (mantissa, then scale, in doubles): a value
    # that underflows to zero there (`-1E-400`, `-1E-330 x 10^10`) is zero here too.
    if (value < 0 and float(Decimal(found["m"])) * 10.0 ** power < 0 and target is not None
            and not target.signed):
        return f"negative, but {target.dimension} cannot be negative"
    q = QUALIFIERS[found["q"] or ""]
    if q == 1 and value <= 0 and target is not None and not target.signed:
        return f"below zero, but {target.dimension} cannot be negative"  # `<0 EU/mL`
    inf = Decimal("Infinity")
    if q in (1, 2):
        return Interval(-inf, value, True, q == 1, written)
    if q in (3, 4):
        return Interval(value, inf, q == 3, True, written)
    return Interval(value, value, False, False, written)


class Numbers(msgspec.Struct, frozen=True, eq=False):
    """A column read as intervals (floats, in the check's unit).

    `valid` is False for missing and unreadable cells; their bounds are NaN.
    `inexact` marks rows whose float bounds came through a unit or scale conversion.
    """

    lo: Floats
    hi: Floats
    lo_open: Bools
    hi_open: Bools
    valid: Bools
    inexact: Bools


def parse_numbers(cells: Cells, target: Unit | None, *, decimal_comma: bool = False) -> Numbers:
    """Read a column of cells the way `parse_one` reads each, vectorised."""
    n = len(cells)
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    lo_open = np.zeros(n, dtype=bool)
    hi_open = np.zeros(n, dtype=bool)
    inexact = np.zeros(n, dtype=bool)
    plain = to_numpy(pc.match_substring_regex(cells.text, PLAIN))
    if plain.any():
        lo[plain] = to_numpy(pc.cast(pc.filter(cells.text, bools(plain)), pa.float64()))
    rest = np.flatnonzero(~plain & ~cells.missing)
    if rest.size:
        _parse_rest(cells, rest, target, decimal_comma, lo, hi, lo_open, hi_open, inexact)
    if plain.any():
        lo[plain & np.isinf(lo)] = np.nan  # 1e309: beyond the double range, overflow
        hi[plain] = lo[plain]
    if decimal_comma:  # `1.200` under --decimal ,: a thousands grouping, never 1.2
        grouped = to_numpy(pc.match_substring_regex(cells.text, GROUP_DOT)) & ~cells.missing
        lo[grouped] = np.nan
    if target is not None and not target.signed:  # `-0.1`, `<0` EU/mL: not a possible result
        with np.errstate(invalid="ignore"):
            negative = (lo < 0) & ~np.isneginf(lo) | (hi < 0) | ((hi == 0) & hi_open)
        lo[negative] = np.nan
    valid = ~np.isnan(lo) & ~np.isnan(hi)
    return Numbers(lo, hi, lo_open, hi_open, valid, inexact)


def _parse_rest(
    cells: Cells,
    rest: npt.NDArray[np.intp],
    target: Unit | None,
    decimal_comma: bool,
    lo: Floats,
    hi: Floats,
    lo_open: Bools,
    hi_open: Bools,
    inexact: Bools,
) -> None:
    text = pc.take(cells.text, indices(rest))
    for space in _SPACES:
        text = pc.replace_substring(text, space, " ")
    text = pc.replace_substring(text, "\u2212", "-")
    if decimal_comma:
        text = pc.replace_substring(text, ",", ".")
    parts = pc.extract_regex(text, GRAMMAR)
    matched = to_numpy(parts.is_valid())
    parts = parts.filter(bools(matched))
    rows = rest[matched]
    if not rows.size:
        return
    mantissa = to_numpy(pc.cast(parts.field("m"), pa.float64()))
    power, powers = _coded(parts.field("p"))
    scaled = np.array([p != "" for p in powers], dtype=bool)[power]
    if scaled.any():
        exponent = np.array([float(p or 0) for p in powers])[power]
        with np.errstate(over="ignore"):
            mantissa[scaled] = mantissa[scaled] * 10.0 ** exponent[scaled]
    codes, spellings = _coded(parts.field("u"))
    factor = np.array([_factor(s, target) for s in spellings] or [math.nan])[codes]
    with np.errstate(over="ignore", invalid="ignore"):
        value = mantissa * factor
    value[np.isinf(value)] = np.nan  # beyond the double range: overflow, not a bound
    qualifier, written = _coded(parts.field("q"))
    q = np.array([QUALIFIERS[s] for s in written], dtype=np.int8)[qualifier]
    lo[rows] = np.where((q == 0) | (q >= 3), value, -np.inf)  # `<`, `≤`: open below
    hi[rows] = np.where(q <= 2, value, np.inf)  # `>`, `≥`: open above
    lo_open[rows] = (q != 0) & (q != 4)  # only `≥` includes its lower bound
    hi_open[rows] = (q != 0) & (q != 2)  # only `≤` includes its upper bound
    bad = np.isnan(value)
    lo[rows[bad]] = np.nan
    hi[rows[bad]] = np.nan
    inexact[rows] = scaled | (factor != 1.0)


def _coded(column: pa.Array) -> tuple[npt.NDArray[np.intp], list[str]]:
    """A text column as one code per row into its distinct texts (no per-row Python)."""
    encoded = pc.dictionary_encode(column)
    codes = to_numpy(encoded.indices).astype(np.intp, copy=False)
    return codes, encoded.dictionary.to_pylist()


def _factor(spelling: str, target: Unit | None) -> float:
    """The float factor to the target unit for a written unit, NaN when it cannot convert."""
    if not spelling:
        return 1.0
    written = units.find(spelling)
    if written is None or target is None or written.dimension != target.dimension:
        return math.nan
    return float(written.factor / target.factor)
