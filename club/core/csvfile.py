"""CSV downloads that open cleanly in Excel in the reader's language, and safely.

Every CSV the club sends out goes through `csv_response`: it is the one place that
(1) neutralises cells a spreadsheet would run as a formula and (2) picks the dialect the
reader's Excel expects.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask import Response
from flask_babel import get_locale

from club.core.formatting import plain_amount

# A text cell starting with one of these runs as a formula in Excel or LibreOffice
# (OWASP "CSV injection"); tab and carriage return start one after a cell is trimmed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(cell):
    """A cell as written: text that could start a formula gets a leading single quote,
    which spreadsheets show as text; numbers and dates are left as they are."""
    if isinstance(cell, Decimal):
        return plain_amount(cell)
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_text(header: list[str], rows, *, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


def csv_response(header: list[str], rows, filename: str) -> Response:
    """Polish and Russian Excel expect semicolons and a decimal comma; the BOM makes
    Excel read UTF-8."""
    delimiter = "," if str(get_locale()) == "en" else ";"
    return Response(
        "\ufeff" + csv_text(header, rows, delimiter=delimiter),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
