"""An ERP export's bytes as CSV records: its encoding (found out, or chosen and checked:
club.purchases.csv_encoding), its separator, its header line, and what makes a file no
CSV export at all (a workbook, UTF-16, binary data, too many rows). Memory stays small
whatever the size: the bytes are checked and decoded a block at a time, never held as
one text.

A quote left open swallows the lines after it into one value, up to the next quote
(which then opens a value where a value should close, and so on to the end). Records
notices such a record, reports it as one record that cannot be read, at its first line,
and reads again from the line after it: the rows after a bad one are read as the rows
they are.
"""

from __future__ import annotations

import csv
import io
import re

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from club.purchases.csv_encoding import (
    ENCODINGS,
    UTF8,
    EncodingProblem,
    check_chosen,
    decodes,
    detect,
)


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
_TEXT_CHUNK = 1 << 16
# Lines end as io.TextIOWrapper(newline="") and so csv.reader see them.
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_LINE_ENDS = ("\r", "\n")


def encoding_of(data: bytes, chosen: str | None = None) -> tuple[int, str, str]:
    """Where the text starts, the codec to read it with, and the encoding's name.

    `chosen` (a name of csv_encoding.ENCODINGS) is taken when the text decodes cleanly
    in it; None finds the encoding out. A UTF-8 byte order mark says UTF-8 whatever is
    chosen."""
    if data.startswith(_WORKBOOK_SIGNATURES):
        raise FileProblem(
            _l("This is an Excel workbook, not a CSV file. Save it from Excel as CSV.")
        )
    if data.startswith(_UTF16_BOMS):
        raise FileProblem(
            _l("The file is in UTF-16. Save it from Excel as “CSV UTF-8” or plain “CSV”.")
        )
    if data.startswith(_UTF8_BOM):
        if not decodes(data, len(_UTF8_BOM), UTF8.codec):
            raise FileProblem(_l("The file says it is UTF-8 but it is not."))
        return len(_UTF8_BOM), UTF8.codec, "utf-8-sig"
    try:
        if chosen:
            encoding = ENCODINGS[chosen]
            check_chosen(data, 0, encoding)
        else:
            encoding = detect(data, 0)
    except EncodingProblem as problem:
        raise FileProblem(problem.message) from None
    return 0, encoding.codec, encoding.name


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


class Records:
    """A csv.reader over the text that reads again after a record a quote left open.

    Iterated like csv.reader, with its `line_num` (the physical line where the last
    record ended). A record is taken for a quote left open when the end of the file came
    inside a quoted value, or when it runs over several lines and one of the `columns`
    that hold no line breaks has one, or it has fewer values than the header or more
    that are not empty, or a line inside one of its values holds a whole row's
    separators. Such a record raises csv.Error with `line_num` at its first
    line, as an unreadable record does; the next record starts on the line after it. A
    record csv.Error refuses (a value beyond the csv module's limit) is treated the same.
    A quoted value over several lines in another column (a note) is a value like any.
    """

    def __init__(self, source: bytes, start: int, codec: str, delimiter: str) -> None:
        self._source, self._codec, self._delimiter = source, codec, delimiter
        self.width = 0  # the header's number of values; 0 until it is known
        self.columns: frozenset[int] = frozenset()  # positions of values with no line break
        self.line_num = 0
        self._restart(start, 0)

    def expect(self, width: int, columns) -> None:
        """The header's width and the positions of the columns read, once known."""
        self.width, self.columns = width, frozenset(columns)

    def __iter__(self):
        return self

    def __next__(self) -> list[str]:
        first = self.line_num + 1
        reader = self._reader
        try:
            record = next(reader)
        except csv.Error:
            self._read_again_after(first)
            raise
        self.line_num = line_num = self._skipped + reader.line_num
        if (line_num != first or (record and record[-1].endswith(_LINE_ENDS))) and (
            self._left_open(record, line_num != first)
        ):
            self._read_again_after(first)
            raise csv.Error(f"line {first}: a quote is not closed")
        return record

    def _left_open(self, record: list[str], several_lines: bool) -> bool:
        if not several_lines:
            return True  # the file ended inside a quoted value
        width = self.width
        if not width:
            return False  # the header: what it lacks is said by the columns' check
        if len(record) < width or any(value.strip() for value in record[width:]):
            return True
        for position, value in enumerate(record):
            if "\n" not in value and "\r" not in value:
                continue
            if position in self.columns:
                return True
            # A line inside the value with a whole row's separators is a row swallowed.
            if any(line.count(self._delimiter) >= width - 1 for line in value.splitlines()[1:]):
                return True
        return False

    def _restart(self, offset: int, skipped: int) -> None:
        """A csv.reader from byte `offset`, which starts physical line `skipped` + 1."""
        buffer = io.BytesIO(self._source)  # shares the bytes, no copy
        buffer.seek(offset)
        text = io.TextIOWrapper(buffer, encoding=self._codec, newline="")
        text._CHUNK_SIZE = _TEXT_CHUNK  # fewer, larger reads
        self._reader = csv.reader(text, delimiter=self._delimiter, skipinitialspace=True)
        self._offset, self._skipped = offset, skipped

    def _read_again_after(self, first: int) -> None:
        """Go on from the line after `first` when the record took more lines than it."""
        ended = self._skipped + self._reader.line_num
        self.line_num = first
        if ended <= first:
            return  # csv.reader goes on from the next line by itself
        offset = self._offset
        for _ in range(first - self._skipped):
            offset = _LINE_BREAK.search(self._source, offset).end()
        self._restart(offset, first)


def records(source: bytes, start: int, codec: str, delimiter: str):
    """The records (a Records) past the header line, and the header's values."""
    reader = Records(source, start, codec, delimiter)
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
