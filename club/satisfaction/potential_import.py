"""Potentials in bulk: the club manager's CSV in (all rows or none) and the CSV out that
serves as its template.

The file: UTF-8 (a BOM is fine), `,` or `;` between values (whichever the header uses),
a header naming at least company_id, year, currency and amount in any order; other
columns (the company's name in the export) are ignored. A row with neither currency nor
amount is skipped (a company left blank in the template). Amounts take a decimal comma
and spaces between thousands ("1 200 000,50"). Any bad row stops the import: each is
reported with its line and the reason, and nothing is written.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from club.members.models import Company, User
from club.purchases.csv_text import delimiter_of
from club.satisfaction import services
from club.satisfaction.errors import InvalidPotential
from club.satisfaction.models import CompanyPotential

COLUMNS = ("company_id", "year", "currency", "amount")
MAX_BYTES = 2_000_000
MAX_ROWS = 20_000
MAX_ID = 2**63 - 1


@dataclass
class ImportResult:
    saved: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def _decimal(text: str) -> Decimal | None:
    cleaned = "".join(text.split()).replace("\u202f", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _read(data: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int, str]]]:
    if len(data) > MAX_BYTES:
        return [], [(0, str(_l("The file is larger than 2 MB.")))]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(0, str(_l("Save the file as UTF-8 CSV and try again.")))]
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return [], [(1, str(_l("The file is empty: the first line names the columns.")))]
    reader = csv.reader(io.StringIO(text), delimiter=delimiter_of(lines[0]))
    header = [name.strip().lower() for name in next(reader)]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        return [], [
            (1, str(_l("Columns missing: %(names)s.", names=", ".join(missing)))),
        ]
    rows = []
    for record in reader:
        if len(rows) >= MAX_ROWS:
            return [], [(reader.line_num, str(_l("More than 20,000 rows.")))]
        if not any(cell.strip() for cell in record):
            continue
        padded = record + [""] * (len(header) - len(record))
        rows.append((reader.line_num, dict(zip(header, (c.strip() for c in padded), strict=False))))
    return rows, []


def import_potentials(session: Session, data: bytes, *, actor: User) -> ImportResult:
    """Check every row, then write them all, or nothing when one is bad (the caller
    rolls back then, and commits otherwise)."""
    rows, problems = _read(data)
    result = ImportResult(problems=problems)
    if problems:
        return result
    checked = []
    seen: dict[tuple[int, int, str], int] = {}
    for line, row in rows:
        if not row["currency"] and not row["amount"]:
            continue
        try:
            company_id = int(row["company_id"])
            if not 0 < company_id <= MAX_ID:
                raise ValueError
        except ValueError:
            result.problems.append(
                (line, str(_l("The company id must be a whole number above zero.")))
            )
            continue
        try:
            year = int(row["year"])
        except ValueError:
            year = None
        amount = _decimal(row["amount"])
        try:
            year, currency, amount = services.check_potential(year, row["currency"], amount)
        except InvalidPotential as error:
            result.problems.append((line, error.message))
            continue
        key = (company_id, year, currency)
        if key in seen:
            result.problems.append(
                (
                    line,
                    str(
                        _l("The same company, year and currency as line %(line)s.", line=seen[key])
                    ),
                )
            )
            continue
        seen[key] = line
        checked.append((line, company_id, year, currency, amount))
    known = {
        company.id: company
        for company in session.scalars(
            select(Company).where(Company.id.in_({row[1] for row in checked}))
        )
    }
    for line, company_id, *_rest in checked:
        if company_id not in known:
            result.problems.append((line, str(_l("No company has the id %(id)s.", id=company_id))))
    if result.problems:
        result.problems.sort()
        return result
    for _line, company_id, year, currency, amount in checked:
        services.set_potential(
            session, known[company_id], year=year, currency=currency, amount=amount, actor=actor
        )
        result.saved += 1
    return result


def export_rows(session: Session, year: int):
    """Every company with its estimates for `year`, or one blank row when it has none:
    (company id, name, currency or None, amount or None), by name."""
    return session.execute(
        select(Company.id, Company.name, CompanyPotential.currency, CompanyPotential.amount)
        .outerjoin(
            CompanyPotential,
            and_(CompanyPotential.company_id == Company.id, CompanyPotential.year == year),
        )
        .order_by(Company.name, Company.id, CompanyPotential.currency)
    ).all()
