"""Which encoding an ERP export is in, among those the club's partners write: UTF-8, and
the Polish and Russian single-byte encodings of Windows and of older systems.

UTF-8 is recognised for certain (text in a single-byte encoding with letters beyond
ASCII is practically never valid UTF-8). Between the single-byte encodings every byte
decodes in almost all of them, so the text itself decides: each reading of the bytes
beyond ASCII is scored as Polish or Russian, as the encoding's script says (how often
the letter is used in the language; garbled words score low: Latin words with no ASCII
letter, words mixing Latin and Cyrillic, "пНЛЮЬЙЮ" with its first letter lower and the
rest upper, box-drawing and control characters). The best reading is taken when it
beats every other that gives a different text by a wide margin (MARGIN); otherwise the
file is refused naming the readings, and the manager chooses the encoding. Short files
with few letters beyond ASCII, all capitals, are the ones refused: "ООО" reads as well
in Windows-1251 as "ннн" in KOI8-R. charset-normalizer was tried and not kept: on
one-line files it took Windows-1251 Russian for Windows-1250 and ISO-8859-2 Polish for
Windows-1250, without a doubt expressed.
"""

from __future__ import annotations

import codecs
import math
import re
from collections import Counter
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class EncodingProblem(Exception):
    """The file is not clean text in the chosen encoding, or its encoding is unclear."""

    def __init__(self, message: LazyString) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Encoding:
    name: str  # as people and the preview call it, and as --encoding takes it
    codec: str  # Python's codec
    language: str  # "pl", "ru", or "" for UTF-8
    # How much likelier a file is in it before it is read: Excel on Windows writes the
    # Windows encodings, ISO-8859-2 and KOI8-R come from older systems (a quarter as often).
    prior: float = 0.0


UTF8 = Encoding("utf-8", "utf-8", "")
_OLDER = math.log(1 / 4)
# In order of preference when two give the same text.
SINGLE_BYTE = (
    Encoding("windows-1250", "cp1250", "pl"),
    Encoding("iso-8859-2", "iso8859_2", "pl", _OLDER),
    Encoding("windows-1251", "cp1251", "ru"),
    Encoding("koi8-r", "koi8_r", "ru", _OLDER),
)
ENCODINGS = {encoding.name: encoding for encoding in (UTF8, *SINGLE_BYTE)}
NAMES = ", ".join(name.upper().replace("WINDOWS", "Windows") for name in ENCODINGS)

# A reading must be this much more likely than any other (e^5, about 150 times).
MARGIN = 5.0
# Words with letters beyond ASCII looked at: a sample enough for any month's export.
MAX_WORDS = 100_000

# How often each letter is used: among the letters of Russian text, and among the
# letters beyond ASCII of Polish text (ASCII letters read the same in every encoding).
_RUSSIAN_COUNTS = (1097, 845, 801, 735, 670, 626, 547, 473, 454, 440, 349, 321, 298, 281)
_RUSSIAN_COUNTS += (262, 201, 190, 165, 174, 159, 170, 144, 121, 97, 94, 73, 64, 48, 36)
_RUSSIAN_COUNTS += (32, 26, 4, 4)
_RUSSIAN = dict(zip("оеаинтсрвлкмдпуяызьбгчйхжшюцщэфъё", _RUSSIAN_COUNTS, strict=True))
_POLISH = dict(zip("łęąóżśćńź", (182, 111, 99, 85, 83, 66, 40, 20, 6), strict=True))
_FREQUENCIES = {
    "ru": {letter: math.log(count / 10_000) for letter, count in _RUSSIAN.items()},
    "pl": {letter: math.log(count / 692) for letter, count in _POLISH.items()},
}
_FOREIGN_LETTER = math.log(1e-3)  # Müller in a Polish file, Ђ in a Russian one
_PUNCTUATION = math.log(1e-2)
_ODD_SYMBOL = math.log(1e-4)
_GARBLED = math.log(1e-6)
# Punctuation that exports do contain: quotes, dashes, no-break space, №, §, ©.
_USUAL = frozenset("\u00a0\u00ad„”“‘’‚«»‹›–—…•·§©®°№™€‰")
# Symbols a file may hold, rarely: 10×20, ±5, ½.
_ODD = frozenset("±×÷µ¶¦¬¤´¨¸ˇ˘˙˝˛¹²³¼½¾†‡")

# Bytes beyond ASCII, where encodings differ, and the letters around them.
_HIGH_BYTES = re.compile(rb"[\x80-\xff]+")
_WORD_TAIL = re.compile(rb"[A-Za-z\x80-\xff]*")
_ASCII_LETTERS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_DECODE_BLOCK = 1 << 20


def _script(letter: str) -> str:
    if letter.isascii() or "\u00c0" <= letter <= "\u024f":
        return "latin"
    if "\u0400" <= letter <= "\u04ff":
        return "cyrillic"
    return "other"


def _never_text(character: str) -> bool:
    """Beyond ASCII, what no export holds: control and box-drawing characters, letters of
    no script the club reads. Seen only when the bytes are read in the wrong encoding."""
    if character.isalpha():
        return _script(character) == "other"
    return character not in _USUAL and character not in _ODD


def _never_text_bytes(codec: str) -> re.Pattern[bytes]:
    """The bytes that are no character in a single-byte `codec`, or one never in text."""
    bad = []
    for byte in range(0x80, 0x100):
        try:
            character = bytes([byte]).decode(codec)
        except UnicodeDecodeError:
            bad.append(byte)
            continue
        if _never_text(character):
            bad.append(byte)
    return re.compile(b"[" + b"".join(re.escape(bytes([byte])) for byte in bad) + b"]")


_NEVER_TEXT = {encoding.codec: _never_text_bytes(encoding.codec) for encoding in SINGLE_BYTE}


def _score_word(word: str, language: str) -> tuple[float, bool]:
    """The log-likelihood of a run of letters, and whether it is garbled."""
    scripts = {_script(letter) for letter in word}
    garbled = (
        len(scripts) > 1
        or (len(word) > 1 and word[0].islower() and any(c.isupper() for c in word[1:]))
        or (len(word) > 1 and "latin" in scripts and not any(c.isascii() for c in word))
    )
    frequencies = _FREQUENCIES[language]
    score = sum(
        frequencies.get(letter.lower(), _FOREIGN_LETTER) for letter in word if not letter.isascii()
    )
    return (score + _GARBLED, True) if garbled else (score, False)


def _score_text(text: str, language: str) -> tuple[float, int]:
    """A piece of decoded text: its log-likelihood and its number of garbled words."""
    score, garbled = 0.0, 0
    word_start = None
    for position, character in enumerate(text + " "):
        if character.isalpha():
            if word_start is None:
                word_start = position
            continue
        if word_start is not None:
            word_score, word_garbled = _score_word(text[word_start:position], language)
            score, garbled = score + word_score, garbled + word_garbled
            word_start = None
        if character.isascii():
            continue
        if character in _USUAL:
            score += _PUNCTUATION
        elif character in _ODD:
            score += _ODD_SYMBOL
        else:
            score += _GARBLED
    return score, garbled


def _words(data: bytes, start: int) -> Counter[bytes]:
    """The runs of letters with bytes beyond ASCII in them, how often each occurs; the
    first MAX_WORDS occurrences are a sample large enough."""
    words: Counter[bytes] = Counter()
    end = start
    for match in _HIGH_BYTES.finditer(data, start):
        if match.start() < end:
            continue  # inside the word just taken
        word_start = match.start()
        while word_start > start and data[word_start - 1] in _ASCII_LETTERS:
            word_start -= 1
        end = _WORD_TAIL.match(data, match.end()).end()
        words[data[word_start:end]] += 1
        if words.total() >= MAX_WORDS:
            break
    return words


@dataclass
class _Reading:
    encoding: Encoding
    score: float
    garbled: int  # words
    text: tuple[str, ...]


def _reading(encoding: Encoding, words: Counter[bytes]) -> _Reading:
    score, garbled, text = encoding.prior, 0, []
    for word, count in words.items():
        decoded = word.decode(encoding.codec, errors="replace")
        word_score, word_garbled = _score_text(decoded, encoding.language)
        score += word_score * count
        garbled += word_garbled * count
        text.append(decoded)
    return _Reading(encoding, score, garbled, tuple(text))


def detect(data: bytes, start: int) -> Encoding:
    """The encoding of data[start:] (no BOM), or EncodingProblem naming the candidates."""
    if decodes(data, start, UTF8.codec):
        return UTF8
    words = _words(data, start)
    # A garbled word or two may be a name as written; more mean the wrong encoding.
    tolerated = 1 + words.total() // 50
    readings = sorted(
        (
            reading
            for encoding in SINGLE_BYTE
            if not _NEVER_TEXT[encoding.codec].search(data, start)
            and (reading := _reading(encoding, words)).garbled <= tolerated
        ),
        key=lambda reading: -reading.score,
    )
    if not readings:
        raise EncodingProblem(
            _l(
                "The file is not text in any encoding the club reads (%(encodings)s); "
                "it is not a CSV export.",
                encodings=NAMES,
            )
        )
    best = readings[0]
    rivals = [reading for reading in readings[1:] if reading.text != best.text]
    if rivals and best.score - rivals[0].score < MARGIN:
        raise EncodingProblem(
            _l(
                "The file's encoding cannot be told for certain: it could be %(encodings)s. "
                "Choose the encoding and read the file again.",
                encodings=", ".join(reading.encoding.name for reading in (best, rivals[0])),
            )
        )
    return best.encoding


def check_chosen(data: bytes, start: int, encoding: Encoding) -> None:
    """Refuses text that does not decode cleanly in the chosen encoding: bytes that are
    no character in it, or control and box-drawing characters (the mark of a wrong
    choice), naming the first line where it happens."""
    if encoding is UTF8:
        error_at = first_error(data, start, UTF8.codec)
    else:
        bad = _NEVER_TEXT[encoding.codec].search(data, start)
        error_at = bad.start() if bad else None
    if error_at is not None:
        raise _not_text(encoding, line_at(data, start, error_at))


def _not_text(encoding: Encoding, line: int) -> EncodingProblem:
    return EncodingProblem(
        _l(
            "Line %(line)d of the file is not %(encoding)s text. Choose another encoding, "
            "or let the club find it out.",
            line=line,
            encoding=encoding.name,
        )
    )


def decodes(data: bytes, start: int, codec: str) -> bool:
    """Whether data[start:] is valid text in `codec`, without holding all of it as text."""
    return first_error(data, start, codec) is None


def first_error(data: bytes, start: int, codec: str) -> int | None:
    """Where data[start:] stops being valid text in `codec` (about: within a block), or
    None; decoded a block at a time."""
    decoder = codecs.getincrementaldecoder(codec)()
    view = memoryview(data)
    try:
        for offset in range(start, len(data), _DECODE_BLOCK):
            try:
                decoder.decode(view[offset : offset + _DECODE_BLOCK])
            except UnicodeDecodeError as error:
                return offset + error.start
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return len(data) - 1
    finally:
        view.release()
    return None


def line_at(data: bytes, start: int, position: int) -> int:
    """The physical line (from 1) of data[position], lines ending in \\n, \\r\\n or \\r."""
    return sum(1 for _ in _LINE_BREAK.finditer(data, start, position)) + 1
