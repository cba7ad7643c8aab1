"""An ERP export's bytes as CSV records: its encoding, its separator, its header line,
and what makes a file no CSV export at all (a workbook, UTF-16, binary data, too many
rows). Memory stays small whatever the size: the bytes are checked and decoded a block
at a time, never held as one text.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


class FileProblem(Exception):
    """Why the file as a whole cannot be read; `message` is lazy."""

    def __init__(self, message: LazyString) -> None:
        super().__init__(message)
        self.message = message


_UTF8_BOM = b"\xef\xbb\xbf"
_WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx (a zip), .xls
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CTRL_Z = 0x1A
# Tab, line feed and carriage return are text; any other control character means binary.
# The same bytes in UTF-8 and Windows-1250, so the bytes are searched, not the text.
_CONTROL_BYTE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DECODE_BLOCK = 1 << 20
_TEXT_CHUNK = 1 << 16


def encoding_of(data: bytes) -> tuple[int, str, str]:
    """Where the text starts, the codec to read it with, and the encoding's name."""
    if data.startswith(_WORKBOOK_SIGNATURES):
        raise FileProblem(
            _l("This is an Excel workbook, not a CSV file. Save it from Excel as CSV.")
        )
    if data.startswith(_UTF16_BOMS):
        raise FileProblem(
            _l("The file is in UTF-16. Save it from Excel as “CSV UTF-8” or plain “CSV”.")
        )
    if data.startswith(_UTF8_BOM):
        if not _decodes(data, len(_UTF8_BOM), "utf-8"):
            raise FileProblem(_l("The file says it is UTF-8 but it is not."))
        return len(_UTF8_BOM), "utf-8", "utf-8-sig"
    # Windows-1250 with Polish letters is practically never valid UTF-8: try UTF-8 first.
    if _decodes(data, 0, "utf-8"):
        return 0, "utf-8", "utf-8"
    if _decodes(data, 0, "cp1250"):
        return 0, "cp1250", "windows-1250"
    raise FileProblem(
        _l("The file is neither UTF-8 nor Windows-1250 text; it is not a CSV export.")
    )


def _decodes(data: bytes, start: int, codec: str) -> bool:
    """Whether data[start:] is valid text in `codec`, without holding all of it as text."""
    decoder = codecs.getincrementaldecoder(codec)()
    view = memoryview(data)
    try:
        for offset in range(start, len(data), _DECODE_BLOCK):
            decoder.decode(view[offset : offset + _DECODE_BLOCK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        view.release()
    return True


def text_of(data: bytes, start: int, codec: str) -> tuple[bytes, str]:
    """The bytes of the text (without the Ctrl-Z old DOS-era exports end with) and its
    first line; refuses an empty file and binary data."""
    end = len(data)
    while end > start and data[end - 1] == _CTRL_Z:
        end -= 1
    header_line = _first_line_with_text(data, start, end, codec)
    if header_line is None:
        raise FileProblem(_l("The file is empty."))
    if control := _CONTROL_BYTE.search(data, start, end):
        raise FileProblem(
            _l(
                "The file contains binary data (line %(line)d); it is not a CSV export.",
                line=data.count(b"\n", start, control.start()) + 1,
            )
        )
    return (data if end == len(data) else data[:end]), header_line


def _first_line_with_text(data: bytes, start: int, end: int, codec: str) -> str | None:
    """The first line (up to a line feed) that is not all white space, decoded."""
    position = start
    while position < end:
        stop = data.find(b"\n", position, end)
        stop = end if stop < 0 else stop + 1
        line = data[position:stop].decode(codec)
        if not line.isspace():
            return line
        position = stop
    return None


def delimiter_of(header_line: str) -> str:
    # From the header, not csv.Sniffer: data rows are full of decimal commas.
    return max((";", ",", "\t"), key=header_line.count)


def records(source: bytes, start: int, codec: str, delimiter: str):
    """A csv reader past the header line, and the header's values."""
    buffer = io.BytesIO(source)  # shares the bytes, no copy
    buffer.seek(start)
    text = io.TextIOWrapper(buffer, encoding=codec, newline="")
    text._CHUNK_SIZE = _TEXT_CHUNK  # fewer, larger reads
    reader = csv.reader(text, delimiter=delimiter, skipinitialspace=True)
    try:
        header = next((record for record in reader if "".join(record).strip()), None)
    except csv.Error:
        header = None  # a header thousands of characters long: not an export
    if header is None:
        raise FileProblem(_l("The file has no header line with column names."))
    return reader, header


def check_size(source: bytes, start: int, codec: str, delimiter: str, max_rows: int) -> None:
    """Refuses a file of more than `max_rows` rows. Every physical line but the header's
    could be a row: the rows are counted only when there are enough lines for too many."""
    breaks = source.count(b"\n", start) + source.count(b"\r", start) - source.count(b"\r\n", start)
    lines = breaks + (0 if source.endswith((b"\n", b"\r")) else 1)
    if lines - 1 > max_rows:
        counter, _header = records(source, start, codec, delimiter)
        if _count_rows(counter) > max_rows:
            raise FileProblem(
                _l(
                    "The file has more than %(limit)d rows; split it into smaller files.",
                    limit=max_rows,
                )
            )


def _count_rows(reader) -> int:
    """How many rows the reader has (unreadable and blank records are not rows)."""
    count = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return count
        except csv.Error:
            continue
        if any(record) and "".join(record).strip():
            count += 1
