"""What the rest of the club reads about relations: complaints, contracts, contacts.

The portfolio and the health score call these with many companies at once, so each is
one query whatever the number of companies.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from club.members.models import Company, User
from club.relations.models import Complaint, ContactLog, Contract


def _ids(company_ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(company_ids))


def open_complaints(session: Session, company_ids: Iterable[int]) -> dict[int, int]:
    """How many complaints of each company are open; companies with none are absent."""
    ids = _ids(company_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Complaint.company_id, func.count())
        .where(Complaint.company_id.in_(ids), Complaint.closed_on.is_(None))
        .group_by(Complaint.company_id)
    )
    return {company_id: count for company_id, count in rows}


def recent_complaints(session: Session, company_ids: Iterable[int], since: date) -> dict[int, int]:
    """How many complaints each company opened on or after `since` (open or closed);
    companies with none are absent."""
    ids = _ids(company_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Complaint.company_id, func.count())
        .where(Complaint.company_id.in_(ids), Complaint.opened_on >= since)
        .group_by(Complaint.company_id)
    )
    return {company_id: count for company_id, count in rows}


def contract_ends(session: Session, company_ids: Iterable[int]) -> dict[int, date | None]:
    """When each company's contractual cover ends: the latest `ends_on` of its contracts,
    None when one of them is open-ended (no end date). A signed renewal therefore moves
    the date on. Companies without any contract are absent."""
    ids = _ids(company_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            Contract.company_id,
            func.max(Contract.ends_on),
            func.count() - func.count(Contract.ends_on),  # contracts without an end
        )
        .where(Contract.company_id.in_(ids))
        .group_by(Contract.company_id)
    )
    return {company_id: (None if open_ended else ends) for company_id, ends, open_ended in rows}


def overdue_next_steps(session: Session, account_manager: User, today: date) -> list[ContactLog]:
    """Next steps not done whose due date is before `today`, on the companies of the
    account manager's portfolio or logged by them; the oldest due first."""
    portfolio = select(Company.id).where(Company.account_manager_id == account_manager.id)
    return list(
        session.scalars(
            select(ContactLog)
            .options(joinedload(ContactLog.company), joinedload(ContactLog.author))
            .where(
                ContactLog.next_step_done_at.is_(None),
                ContactLog.next_step_due.is_not(None),
                ContactLog.next_step_due < today,
                or_(
                    ContactLog.author_id == account_manager.id,
                    ContactLog.company_id.in_(portfolio),
                ),
            )
            .order_by(ContactLog.next_step_due, ContactLog.id)
        )
    )


def contacts_of(session: Session, company_id: int) -> list[ContactLog]:
    """A company's contact log, the latest first."""
    return list(
        session.scalars(
            select(ContactLog)
            .options(joinedload(ContactLog.author))
            .where(ContactLog.company_id == company_id)
            .order_by(ContactLog.happened_on.desc(), ContactLog.id.desc())
        )
    )
