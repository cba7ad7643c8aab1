"""CSV downloads that open cleanly in Excel in the reader's language."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask import Response
from flask_babel import format_decimal, get_locale


def csv_response(header: list[str], rows, filename: str) -> Response:
    """Polish and Russian Excel expect semicolons and a decimal comma; the BOM makes
    Excel read UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="," if str(get_locale()) == "en" else ";")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            [
                format_decimal(cell, format="0.00") if isinstance(cell, Decimal) else cell
                for cell in row
            ]
        )
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
