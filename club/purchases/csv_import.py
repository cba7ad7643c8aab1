"""The ERP's invoice export in: CSV bytes to checked rows and per-line errors, a preview
of what importing them would do, and the import itself.

What real exports look like, and what is accepted:

- encoding: UTF-8 with or without BOM, else Windows-1250 or ISO-8859-2 (Polish),
  Windows-1251 or KOI8-R (Russian), found out from the text or chosen
  (club.purchases.csv_encoding); a file whose encoding cannot be told is refused, naming
  the candidates;
- separator: `;`, `,` or tab, whichever the header line uses most;
- values and headers as club.purchases.csv_rows describes them.

Line numbers are physical lines of the file (the header is line 1, blank lines count), so
the club manager can find a row in Excel. A row with a quote left open is one bad row at
its line; the rows after it are read as they are (club.purchases.csv_text.Records).
Messages are lazy strings (flask_babel.lazy_gettext), so they are translated into the
reader's language only when shown. Reading needs no database; `preview_import` and
`import_file` look up companies and earlier sendings through club.purchases.invoices.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.audit.models import AuditEntry
from club.core.clock import utcnow
from club.purchases.csv_rows import RowError, RowReader, read_rows
from club.purchases.csv_text import (
    FileProblem,
    check_size,
    delimiter_of,
    encoding_of,
    records,
    text_of,
)
from club.purchases.import_preview import PreviewLine, PreviewSummary, describe
from club.purchases.invoices import ImportReport, InvoiceRow, check_invoices, record_invoices

__all__ = [
    "DEFAULT_MAX_ROWS",
    "ImportPreview",
    "InvoiceRow",
    "InvoiceStream",
    "ParseResult",
    "RowError",
    "import_file",
    "imports_with_rejections",
    "parse_invoices",
    "preview_import",
    "read_invoices",
]

DEFAULT_MAX_ROWS = 1_000_000


@dataclass
class ParseResult:
    rows: list[InvoiceRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # How the file was read ("utf-8", "utf-8-sig", "windows-1250", "koi8-r", ...; ";",
    # ",", "\t"), for the preview: mojibake in a name tells the manager the guess was
    # wrong.
    encoding: str | None = None
    delimiter: str | None = None


def parse_invoices(
    data: bytes, *, max_rows: int = DEFAULT_MAX_ROWS, encoding: str | None = None
) -> ParseResult:
    """Read an invoice export. Good rows come through even when others are rejected.

    A problem with the whole file (not text, or not clean text in the `encoding` chosen
    (a name of csv_encoding.ENCODINGS; None finds it out), no header, missing columns,
    more than `max_rows` rows) gives one error with line None and no rows.
    """
    stream = read_invoices(data, max_rows=max_rows, encoding=encoding)
    rows = list(stream)
    return ParseResult(
        rows=rows, errors=stream.errors, encoding=stream.encoding, delimiter=stream.delimiter
    )


def read_invoices(
    data: bytes, *, max_rows: int = DEFAULT_MAX_ROWS, encoding: str | None = None
) -> InvoiceStream:
    """parse_invoices for files too big to hold as rows: the rows come one at a time.

    The same checks, rows and errors as parse_invoices, in the same order; problems with
    the whole file, too many rows included, are found before the first row is given.
    """
    return InvoiceStream(data, max_rows, encoding)


class InvoiceStream:
    """An export read as it is iterated: the good rows in file order, once.

    `errors` fills up as the rows are read and is complete when the iteration ends. A
    problem with the whole file leaves one error (line None) there and no rows. Memory
    stays small whatever the size: the text is decoded a block at a time and rows are
    not kept; only every number seen (to report duplicates) is.
    """

    def __init__(self, data: bytes, max_rows: int, encoding: str | None = None) -> None:
        self.errors: list[RowError] = []
        self.encoding: str | None = None
        self.delimiter: str | None = None
        self._reader = None
        self._rows: RowReader | None = None
        try:
            self._open(data, max_rows, encoding)
        except FileProblem as problem:
            self.errors = [RowError(None, None, problem.message)]
            self._reader = self._rows = None

    def __iter__(self) -> Iterator[InvoiceRow]:
        reader, rows = self._reader, self._rows
        if reader is None or rows is None:
            return
        self._reader = self._rows = None  # rows are read once
        yield from read_rows(reader, rows, self.errors)

    def _open(self, data: bytes, max_rows: int, encoding: str | None) -> None:
        # Each finding is kept as soon as it is made: the preview shows how far it got.
        start, codec, self.encoding = encoding_of(data, encoding)
        source, header_line = text_of(data, start, codec)
        self.delimiter = delimiter_of(header_line)
        reader, header = records(source, start, codec, self.delimiter)
        rows = RowReader(header)
        reader.expect(len(rows.header), rows.position.values())
        check_size(source, start, codec, self.delimiter, max_rows)
        self._reader, self._rows = reader, rows


# --- the import -------------------------------------------------------------------------


@dataclass
class ImportPreview:
    """What importing a file would do; nothing is saved."""

    parsed: ParseResult
    file_errors: list[RowError]  # the file cannot be read at all
    problems: list[tuple[int, str | None, str]]  # (line, column, message), by line
    valid: list[InvoiceRow]  # the rows that would be saved
    lines: list[PreviewLine]  # what each of them would do, with its points
    summary: PreviewSummary

    @property
    def rejected_rows(self) -> int:
        """Rows left out; a row with two problems is one row."""
        return len({line for line, _column, _message in self.problems})


def preview_import(session: Session, data: bytes, *, encoding: str | None = None) -> ImportPreview:
    """Each line's problems, those of its values, then those of its company and of an
    earlier sending of the invoice, and the rows that would be saved."""
    parsed = parse_invoices(data, encoding=encoding)
    file_errors = [error for error in parsed.errors if error.line is None]
    problems = [
        (error.line, error.column, str(error.message))
        for error in parsed.errors
        if error.line is not None
    ]
    accepted: dict[int, tuple] = {}
    problems += [
        (line, None, message)
        for line, message in check_invoices(session, parsed.rows, accepted=accepted)
    ]
    problems.sort(key=lambda item: item[0])
    rejected_lines = {line for line, _column, _message in problems}
    valid = [row for row in parsed.rows if row.line not in rejected_lines]
    lines, summary = describe(session, valid, accepted)
    return ImportPreview(parsed, file_errors, problems, valid, lines, summary)


def import_file(
    session: Session,
    data: bytes,
    *,
    actor=None,
    filename: str = "",
    encoding: str | None = None,
    now: datetime | None = None,
) -> tuple[ParseResult, ImportReport]:
    """Parse an ERP export and save its good rows; the import is audited.

    The rows are saved as they are read, a chunk at a time, so a file of a million rows
    is never held as rows: the ParseResult returned has the errors, encoding and
    delimiter, and no rows.
    """
    now = now or utcnow()
    stream = read_invoices(data, encoding=encoding)
    report = record_invoices(session, stream, now=now)
    parsed = ParseResult(
        rows=[], errors=stream.errors, encoding=stream.encoding, delimiter=stream.delimiter
    )
    report.rejected = sorted(
        [(error.line, str(error.message)) for error in parsed.errors] + report.rejected,
        key=lambda item: item[0] or 0,
    )
    audit.record(
        session,
        "invoices.imported",
        None,
        actor=actor,
        object_type="file",
        object_id=filename[:64] or "-",
        after={
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": report.rejected_rows,
        },
        now=now,
    )
    return parsed, report


def imports_with_rejections(session: Session, *, since: datetime, limit: int = 50) -> list:
    """The imports since `since` that left rows out, the latest first (the club
    manager's to-do list): audit entries, whose `after` counts what each did."""
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "invoices.imported", AuditEntry.created_at >= since)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ).all()
    return [entry for entry in entries if (entry.after or {}).get("rejected")]
