"""The one text normaliser that text rules and batch ids share.

Lab text is written many ways for one meaning: `HEK-293`, `HEK 293`, `hek293` and `HEK`
+ thin space + `293` name one cell line. `tokens` turns a cell into the sequence of
tokens those spellings share: Unicode NFKC (full-width and compatibility forms become
plain ones), case folded, every dash, hyphen and space variant a separator, invisible
characters dropped, letters split from digits. A `+`, `-` or `−` that ends a word is a
polarity token and is kept (`CD63−` is neither `CD63+` nor `CD63`).

`lookalike` finds what folding must never hide: a word that reads as Latin but holds
Cyrillic or Greek look-alike letters (`\u041d\u0435La`, Unicode's confusables, UTS #39), digits of
another script (`A\u066549`: an Arabic-Indic five), or a combining mark that makes no letter of a
language (`HeL\u0335a`: a stroke overlay). Greek used as Greek in lab names (`TGF-β1`, `NF-κB`,
`IFN-\u03b3`) and unit symbols (`µ`, `°`, `Ω`) are not look-alikes.

`skeleton` reads a cell as a person reads it, for the rules that must not be dodged
(`forbidden`): look-alike letters of other scripts and of the Latin extensions (`\u0251` for a,
`\ua781` for l, `\u0131` for i) as the Latin letters they look like, accents and overlays dropped,
digits of every script as ASCII digits.

`id_keys` is the vectorised form for batch ids: the same folding, with every separator
removed and digits of every script as ASCII digits, so that `EXO-001`, `exo 001`,
`EXO-001` + a zero-width space and `EXO-\u0660\u0660\u0661` are one id.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

# Letters of other scripts that look like Latin letters (from UTS #39 confusables): a word
# mixing them with Latin letters, or made only of them in Latin text, is not what it reads.
_CYRILLIC_LOOKALIKES = set(
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0405"
    "\u0406\u0408\u051a\u051c\u04ae\u0430\u0435\u043e\u0440\u0441\u0443\u0445"
    "\u0455\u0456\u0458\u0501\u051b\u051d\u04af\u04bb"
)  # Cyrillic capitals and small letters shaped like A B E K M H O P C T X ...
_GREEK_LOOKALIKES = set(
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4"
    "\u03a5\u03a7\u03dc\u03bf\u03f2"
)  # Greek capitals shaped like A B E Z H I K M N O P T Y X, and small o, c
_LOOKALIKES = _CYRILLIC_LOOKALIKES | _GREEK_LOOKALIKES
# A token: a run of letters, a run of digits, or one other visible character (`'`, `(`,
# `+`, `%`, `.`); spaces, every dash and the underscore only separate tokens, except that a
# `-` or `−` ending a word is a polarity token (`CD63−`).
_WORD = re.compile(r"[^\W\d_]+|\d+|[^\w\s]", re.UNICODE)
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)

# Characters that show nothing but are not format characters (Cf): the combining grapheme
# joiner, Hangul fillers, Khmer inherent vowels, Mongolian and other variation selectors
# (Unicode's Default_Ignorable_Code_Point outside Cf), and the blank braille pattern.
_BLANK_RANGES = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
                 (0x2800, 0x2800), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0),
                 (0xE0100, 0xE01EF))
# The same as an RE2 character-class body, for Arrow kernels.
BLANK_LETTERS = "".join(f"\\x{{{a:04X}}}" + (f"-\\x{{{b:04X}}}" if b != a else "")
                        for a, b in _BLANK_RANGES)
BLANK = re.compile("[" + "".join(chr(a) + ("-" + chr(b) if b != a else "")
                                  for a, b in _BLANK_RANGES) + "]")
# Marks that read as a dash but are not dash punctuation (Pd): hyphen bullet, modifier
# letter minus sign, heavy minus sign.
DASH_LIKE = r"\x{2043}\x{02D7}\x{2796}"


def visible(text: str) -> str:
    """The text without the characters that show nothing (format, control, blank)."""
    if text.isascii() and text.isprintable():
        return text  # printable ASCII holds none of them
    text = BLANK.sub("", text)
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc")
                   or ch in "\t\n\r")


# A decimal digit of a script other than ASCII (Arabic-Indic, Devanagari, NKo ...): NFKC
# keeps them, so they are folded here, by their digit value.
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")


def ascii_digits(text: str) -> str:
    """The text with every decimal digit (Unicode category Nd) written as its ASCII digit:
    `\u0665\u0664\u0669` is `549`."""
    return _OTHER_DIGIT.sub(lambda m: str(unicodedata.digit(m.group())), text)


@functools.lru_cache(maxsize=1 << 14)
def tokens(text: str) -> tuple[str, ...]:
    """The token sequence of a cell: NFKC, case folded, separators folded, letters split
    from digits, end-of-word polarity kept. `HEK-293` -> ("hek", "293")."""
    folded = ascii_digits(unicodedata.normalize("NFKC", visible(text)).casefold())
    out: list[str] = []
    for found in _WORD.finditer(folded):
        token = found.group()
        if unicodedata.category(token[0]) == "Pd" or token == "\u2212":
            start = found.start()
            at_end = found.end() == len(folded) or not folded[found.end()].isalnum()
            if start == 0 or not folded[start - 1].isalnum() or not at_end:
                continue  # a dash between words or before a number: a separator
            out.append("-")  # a polarity: `CD63-`, `CD63−`
        else:
            out.append(token)
    return tuple(out)


# Letters of other scripts (and Latin small capitals) read as the Latin letter they look
# like, for `skeleton` (after UTS #39's confusables).
_SKELETON = str.maketrans(
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7"
    "\u03b1\u03b3\u03b9\u03ba\u03bd\u03bf\u03c1\u03c4\u03c5\u03c7\u03c9\u03f2"
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0405\u0406\u0408"
    "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0455\u0456\u0458\u04bb\u0501"
    "\u13aa\u13f4\u13df\u13ac\u13c0\u13bb\u13ab\u13e6\u13de\u13b7\u13e2\u13da\u13a2"
    "\u13d9\u13b3\u13c3"
    "\u029c\u1d07\u1d0b\u029f\u1d00\u0262\u026a\u1d0d\u0274\u1d0f\u1d18\u0280\u1d1b"
    "\u1d1c\u1d20\u1d21\u1d22\u1d04\u1d05\ua730\u1d0a\ua731"
    "\u050c\u051b\u051d\u04c0",
    "ABEZHIKMNOPTYX"
    "ayikvoptuxwc"
    "ABEKMHOPCTXSIJ"
    "aeopcyxsijhd"
    "ABCEGHJKLMPST"
    "VWZ"
    "hekla" "gimnoprtuvwzcdfjs"
    "GqwI",
)


# Latin letters outside ASCII that no compatibility decomposition takes to an ASCII letter
# are read by their Unicode name: the letter it is a form of (`LATIN SMALL LETTER TURNED L`,
# `... DOTLESS I`, `... L WITH STROKE`, `LATIN LETTER SMALL CAPITAL H`), or the Latin letter
# a Latin form of a Greek letter looks like (`LATIN SMALL LETTER ALPHA`). Over-reading is
# safe where this is used (a deny-list).
_LATIN_BLOCKS = ((0x00C0, 0x024F), (0x0250, 0x02AF), (0x1D00, 0x1DBF), (0x1E00, 0x1EFF),
                 (0x2C60, 0x2C7F), (0xA720, 0xA7FF), (0xAB30, 0xAB6F), (0x10780, 0x107BF),
                 (0x1DF00, 0x1DFFF))
_LATIN_NAME = re.compile(r"LATIN (?:SMALL |CAPITAL )?LETTER (?:[A-Z-]+ )*?"
                         r"(?P<letter>[A-Z]|AE|OE|OI|OU|ALPHA|IOTA|UPSILON|GAMMA|OMEGA|"
                         r"ESH|EZH|SCHWA|ETH|ENG|KRA)(?: BAR| WITH .*)?")
_GREEK_NAMED = {"alpha": "a", "iota": "i", "upsilon": "u", "gamma": "y", "omega": "w",
                "esh": "f", "ezh": "3", "schwa": "e", "eth": "d", "eng": "n", "kra": "k"}


@functools.cache
def _latin_lookalikes() -> dict[int, str]:
    """Code point -> the ASCII letters a Latin-script letter reads as (built once, from the
    Unicode names of the Latin blocks)."""
    table: dict[int, str] = {}
    for first, last in _LATIN_BLOCKS:
        for point in range(first, last + 1):
            ch = chr(point)
            if not ch.isalpha():
                continue
            base = "".join(c for c in unicodedata.normalize("NFKD", ch)
                           if not unicodedata.combining(c))
            if base.isascii() and base:
                continue  # an accented letter: its marks are dropped by `skeleton`
            found = _LATIN_NAME.fullmatch(unicodedata.name(ch, ""))
            if found is None:
                continue
            letter = found.group("letter").lower()
            table[point] = _GREEK_NAMED.get(letter, letter)
    return table


def skeleton(text: str) -> str:
    """The text as a reader reads it, for rules that must not be dodged by look-alikes
    (`forbidden`): letters of other scripts and Latin letters outside ASCII read as the
    Latin letters they look like (`He\u029f\u03b1`, `HeL\u0251`, `He\ua781a` are `HeLa`), every
    combining mark dropped (accents, `HeL\u0335a`), digits of every script as ASCII digits."""
    latin = _latin_lookalikes()
    # Read look-alikes before and after normalising: NFKC takes `Ŀ` to `L·` (two tokens),
    # and a Greek capital with tonos only decomposes to one that reads as Latin.
    text = unicodedata.normalize("NFKC", visible(text).translate(latin))
    text = text.translate(_SKELETON).translate(latin)
    spread = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in spread if not unicodedata.category(ch).startswith("M"))
    read = bare.translate(_SKELETON).translate(latin)
    return ascii_digits(unicodedata.normalize("NFKC", read))


def lookalike(text: str) -> str | None:
    """Why a cell's text is not what it reads as (a look-alike letter of another script in
    a Latin word, a digit of another script in Latin text, a combining mark that joins no
    letter), or None."""
    text = unicodedata.normalize("NFKC", visible(text))
    marked = _stray_mark(text)
    if marked is not None:
        return marked
    words = _WORDS.findall(text)
    latin_text = any(_is_latin(ch) for word in words for ch in word)
    for word in words:
        letters = [ch for ch in word if ch.isalpha()]
        digits = _digit_script(word, letters)
        if digits is not None:
            return digits
        if any(_is_latin(ch) for ch in letters):
            # A letter of a script other than Latin and Greek inside a Latin word (Cherokee
            # `\u13bb` for H, Armenian `\u0585` for o, ...): no lab word mixes them.
            stranger = next((ch for ch in letters if not _is_latin(ch)
                             and ch not in _LOOKALIKES and _script(ch) not in ("GREEK", "")),
                            None)
            if stranger is not None:
                return (f"{word!r} holds the {_script(stranger).title()} letter {stranger!r} "
                        f"(U+{ord(stranger):04X}) in a Latin word; retype the value")
        alike = [ch for ch in letters if ch in _LOOKALIKES]
        if not alike:
            continue
        mixed = any(_is_latin(ch) for ch in letters)
        all_alike = len(alike) == len(letters)
        if mixed or (all_alike and (latin_text or not _genuine(text, alike[0]))):
            ch = alike[0]
            script = "Cyrillic" if ch in _CYRILLIC_LOOKALIKES else "Greek"
            return (f"{word!r} holds the {script} letter {ch!r} (U+{ord(ch):04X}), which looks "
                    "like a Latin letter; retype the value")
    # Latin text with a number in another script's digits (`EXO-2026-\u0660\u0660\u0661`), or
    # numbers in two scripts' digits: no lab writes them so.
    return _digit_script(text, [ch for ch in text if _is_latin(ch)], whole=True)


def _digit_scripts(text: str) -> set[str]:
    """The scripts of a text's decimal digits, by the first words of their Unicode names
    (`DIGIT` for ASCII, `ARABIC-INDIC DIGIT`, `DEVANAGARI DIGIT` ...)."""
    return {unicodedata.name(ch, "").rsplit(" DIGIT ", 1)[0] for ch in text if ch.isdecimal()}


def _digit_script(word: str, letters: list[str], *, whole: bool = False) -> str | None:
    """Why a word's (or with `whole`, a cell's) digits are not what they read as: a digit of
    another script in a Latin word (`A\u066549`) or Latin text, or digits of two scripts in
    one word (`2\u06693`) or cell; None if neither."""
    other = next((ch for ch in word if ch.isdecimal() and not ch.isascii()), None)
    if other is None:
        return None
    latin = any(_is_latin(ch) for ch in letters)
    if not latin and len(_digit_scripts(word)) == 1:
        return None  # a number written wholly in one script's digits
    name = unicodedata.name(other, "").rsplit(" DIGIT ", 1)[0].title()
    if latin:
        where = "in Latin text" if whole else "in a Latin word"
    else:
        where = "among digits of another script"
    return (f"{word!r} holds the {name} digit {other!r} (U+{ord(other):04X}) {where}; "
            "retype the value")


def _stray_mark(text: str) -> str | None:
    """Why a combining mark that composes no letter (a stroke or slash overlay, `HeL\u0335a`,
    or an accent NFKC cannot join to its letter) is not what the text reads as; None when
    there is none. Marks on letters of scripts that write with them (Devanagari vowel signs)
    are left alone."""
    base = ""
    for ch in text:
        if not unicodedata.category(ch).startswith("M"):
            base = ch
            continue
        if base.isalpha() and not _is_latin(base) and _script(base) not in ("GREEK", ""):
            continue
        name = unicodedata.name(ch, "combining mark")
        on = f" on {base!r}" if base and not base.isspace() else ""
        return (f"{text!r} holds the combining mark U+{ord(ch):04X} ({name}){on}, which "
                "changes how the text reads; retype the value")
    return None


def _genuine(text: str, sample: str) -> bool:
    """Whether the text holds a letter of the sample's script that looks like no Latin
    letter: real Cyrillic or Greek words, not a disguise."""
    script = unicodedata.name(sample, "").split(" ", 1)[0]
    return any(ch.isalpha() and ch not in _LOOKALIKES
               and unicodedata.name(ch, "").startswith(script) for ch in text)


def _script(ch: str) -> str:
    """The first word of a letter's Unicode name, which names its script for the letters
    that matter here (`CHEROKEE LETTER HO`); "" for a letter with no name."""
    return unicodedata.name(ch, "").split(" ", 1)[0]


def _is_latin(ch: str) -> bool:
    return (ch.isascii() and ch.isalpha()) or "LATIN" in unicodedata.name(ch, "")


# Characters removed from batch ids before they are compared: format and control
# characters (invisible), blank letters, every space and dash variant, the underscore and
# minus sign.
_ID_SEPARATORS = rf"[\p{{Cf}}\p{{Cc}}\p{{Z}}\p{{Pd}}_\x{{2212}}{DASH_LIKE}{BLANK_LETTERS}\s]+"


def id_keys(column: pa.Array) -> pa.Array:
    """Batch ids as the keys duplicates are found on: NFKC, lower case, no invisible
    characters, no spaces, dashes or underscores."""
    import pyarrow.compute as pc

    if not column.null_count and pc.all(pc.string_is_ascii(column)).as_py() is not False:
        return _ascii_id_keys(column)  # the common case: no Unicode pattern
    return _unicode_id_keys(column)


def _unicode_id_keys(column: pa.Array) -> pa.Array:
    import pyarrow.compute as pc

    normal = pc.utf8_normalize(column, form="NFKC")
    keys = pc.replace_substring_regex(pc.utf8_lower(normal), _ID_SEPARATORS, "")
    # Digits of other scripts (`EXO-\u0660\u0660\u0661`) as ASCII digits: Arrow has no kernel
    # for it, so the few ids that hold one are folded in Python.
    if pc.all(pc.string_is_ascii(keys)).as_py() is not False:
        return keys  # the common case, checked in one pass
    other = pc.fill_null(pc.match_substring_regex(keys, r"[^0-9\P{Nd}]"), False)
    if not pc.any(other).as_py():
        return keys
    folded = [ascii_digits(text) for text in pc.filter(keys, other).to_pylist()]
    return pc.replace_with_mask(keys, other, pa_array(folded, keys.type))


def _ascii_id_keys(column: pa.Array) -> pa.Array:
    """id_keys of ASCII text: NFKC leaves ASCII as it is, and the separators of ASCII are
    the controls, the space, `-` and `_`. Without a control character, three literal
    replacements are several times faster than the pattern (tests/test_text_normaliser.py
    compares this with the general path)."""
    import pyarrow.compute as pc

    keys = pc.utf8_lower(column)
    if not pc.all(pc.ascii_is_printable(column)).as_py():
        return pc.replace_substring_regex(keys, r"[\x00-\x20\-_\x7f]+", "")
    for separator in (" ", "-", "_"):
        keys = pc.replace_substring(keys, separator, "")
    return keys


def pa_array(values: list[str], kind: pa.DataType) -> pa.Array:
    """A pyarrow array of strings of the given string type."""
    import pyarrow

    return pyarrow.array(values, type=kind)


# Words a lab writes in the id column of a row that is not a batch: a summary under the
# data (`Mean`, `Total`) or a sign-off (`Approved by`). Compared case-folded, with or
# without a trailing colon and anything written after the colon (`Notes: see deviation`).
SUMMARY_WORDS = ("mean", "average", "total", "sd", "%cv", "n", "notes", "note", "comment",
                 "comments", "approved by", "reviewed by", "signature")
_SUMMARY = re.compile(r"\s*(" + "|".join(re.escape(w) for w in SUMMARY_WORDS)
                      + r")\s*(?::.*)?", re.IGNORECASE | re.DOTALL)


def summary_word(text: str) -> str | None:
    """The summary or signature word a cell starts a non-batch row with, or None: `Mean`,
    `total:`, `Approved by: J. Smith` yes; `Mean size`, `N1`, `EXO-001` no."""
    found = _SUMMARY.fullmatch(" ".join(unicodedata.normalize("NFKC", visible(text)).split()))
    return found.group(1) if found else None


def prose(text: str) -> bool:
    """Whether a lone first cell reads as a sentence, not an id: text with a space or a
    colon (`QC results, lot series 2026`, `Notes: filtered twice`)."""
    cleaned = " ".join(unicodedata.normalize("NFKC", visible(text)).split())
    return " " in cleaned or ":" in cleaned
