"""Complaints and contracts from the supplier's systems (the API and the CSV import):
what a value must be, and the idempotent upsert by the supplier's complaint number or
contract reference within the company.

Sending the same complaint again updates it (it was closed, its subject was corrected);
sending exactly what is stored changes nothing. Two senders racing on a new number end
with one row: the loser of the insert updates the winner's row.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.periods import club_today
from club.members.models import Company
from club.relations.errors import InvalidRecord
from club.relations.models import Complaint, Contract

MAX_KEY_LENGTH = 64  # a complaint number, a contract reference
MAX_SUBJECT_LENGTH = 200
# Dates outside these years are typos (and not storable everywhere).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ComplaintData:
    external_id: str
    opened_on: date
    closed_on: date | None
    subject: str


@dataclass(frozen=True)
class ContractData:
    reference: str
    starts_on: date
    ends_on: date | None


def _has_control(text: str) -> bool:
    return any(ord(character) < 32 or ord(character) == 127 for character in text)


def check_key(text: str, field: str) -> str:
    """A complaint number or contract reference: 1 to 64 characters on one line."""
    value = (text or "").strip()
    if not value or len(value) > MAX_KEY_LENGTH or _has_control(value):
        raise InvalidRecord(
            _(
                "%(field)s must be 1 to %(count)d characters on one line.",
                field=field,
                count=MAX_KEY_LENGTH,
            ),
            field=field,
        )
    return value


def check_subject(text: str) -> str:
    value = (text or "").strip()
    if not value or len(value) > MAX_SUBJECT_LENGTH or _has_control(value):
        raise InvalidRecord(
            _(
                "subject must be 1 to %(count)d characters on one line.",
                count=MAX_SUBJECT_LENGTH,
            ),
            field="subject",
        )
    return value


def check_year(day: date | None, field: str) -> None:
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidRecord(
            _(
                "%(field)s must be a date between %(first)d and %(last)d.",
                field=field,
                first=FIRST_YEAR,
                last=LAST_YEAR,
            ),
            field=field,
        )


def check_complaint(data: ComplaintData, today: date | None = None) -> ComplaintData:
    """The complaint as it will be stored, or InvalidRecord naming the field."""
    today = today or club_today()
    external_id = check_key(data.external_id, "external_id")
    subject = check_subject(data.subject)
    check_year(data.opened_on, "opened_on")
    check_year(data.closed_on, "closed_on")
    if data.opened_on > today:
        raise InvalidRecord(_("opened_on may not be later than today."), field="opened_on")
    if data.closed_on is not None:
        if data.closed_on < data.opened_on:
            raise InvalidRecord(_("closed_on is before opened_on."), field="closed_on")
        if data.closed_on > today:
            raise InvalidRecord(_("closed_on may not be later than today."), field="closed_on")
    return ComplaintData(external_id, data.opened_on, data.closed_on, subject)


def check_contract(data: ContractData) -> ContractData:
    """The contract as it will be stored, or InvalidRecord naming the field."""
    reference = check_key(data.reference, "reference")
    check_year(data.starts_on, "starts_on")
    check_year(data.ends_on, "ends_on")
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise InvalidRecord(_("ends_on is before starts_on."), field="ends_on")
    return ContractData(reference, data.starts_on, data.ends_on)


def _upsert(session: Session, model, company: Company, key_name: str, values: dict, now):
    """The row of `model` with the company and key, created or brought up to `values`."""
    key = values[key_name]
    found = select(model).where(model.company_id == company.id, getattr(model, key_name) == key)
    row = session.scalar(found)
    if row is None:
        try:
            with session.begin_nested():
                row = model(company_id=company.id, created_at=now, updated_at=now, **values)
                session.add(row)
            return row, Outcome.CREATED
        except IntegrityError:  # sent at the same moment by someone else: theirs is here
            row = session.scalar(found.execution_options(populate_existing=True))
    if all(getattr(row, name) == value for name, value in values.items()):
        return row, Outcome.UNCHANGED
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    session.flush()
    return row, Outcome.UPDATED


def upsert_complaint(
    session: Session, company: Company, data: ComplaintData, *, now: datetime | None = None
) -> tuple[Complaint, Outcome]:
    now = now or utcnow()
    data = check_complaint(data, club_today(now))
    values = {
        "external_id": data.external_id,
        "opened_on": data.opened_on,
        "closed_on": data.closed_on,
        "subject": data.subject,
    }
    return _upsert(session, Complaint, company, "external_id", values, now)


def upsert_contract(
    session: Session, company: Company, data: ContractData, *, now: datetime | None = None
) -> tuple[Contract, Outcome]:
    now = now or utcnow()
    data = check_contract(data)
    values = {"reference": data.reference, "starts_on": data.starts_on, "ends_on": data.ends_on}
    return _upsert(session, Contract, company, "reference", values, now)


def complaints_of(session: Session, company_id: int, *, limit: int = 20) -> list[Complaint]:
    """A company's complaints, open ones first, then the latest."""
    return list(
        session.scalars(
            select(Complaint)
            .where(Complaint.company_id == company_id)
            .order_by(Complaint.closed_on.is_not(None), Complaint.opened_on.desc())
            .limit(limit)
        )
    )


def contracts_of(session: Session, company_id: int) -> list[Contract]:
    return list(
        session.scalars(
            select(Contract)
            .where(Contract.company_id == company_id)
            .order_by(Contract.starts_on.desc(), Contract.id.desc())
        )
    )
