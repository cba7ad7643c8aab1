"""The relationship log: contacts the supplier's staff had with a partner company, each
with an optional next step and its due date.

Who writes: the company's account manager, and the club manager (who sees every
company). Notes are the supplier's staff's only: no partner-facing page reads them.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from club.core.clock import utcnow
from club.core.periods import club_today
from club.core.roles import Role
from club.members.models import Company, User
from club.relations.errors import NotInPortfolio, RelationsError
from club.relations.models import ContactKind, ContactLog
from club.relations.records import FIRST_YEAR, LAST_YEAR

MAX_NOTE_LENGTH = 5000
MAX_NEXT_STEP_LENGTH = 300


def may_look_after(user: User, company: Company) -> bool:
    """Whether `user` works with the company: the club manager with all of them, an
    account manager with their portfolio; partners with none of this."""
    if user.role == Role.CLUB_MANAGER:
        return True
    return user.role == Role.ACCOUNT_MANAGER and company.account_manager_id == user.id


def check_looks_after(user: User, company: Company) -> None:
    if not may_look_after(user, company):
        raise NotInPortfolio(_("This company is not in your portfolio."))


def _in_years(day: date, field: str) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise RelationsError(
            _(
                "Choose a date between %(first)d and %(last)d.",
                first=FIRST_YEAR,
                last=LAST_YEAR,
            ),
            field=field,
        )


def log_contact(
    session: Session,
    company: Company,
    *,
    author: User,
    kind: ContactKind,
    happened_on: date,
    note: str,
    next_step: str | None = None,
    next_step_due: date | None = None,
    now: datetime | None = None,
) -> ContactLog:
    """Record a contact with the company; a due date needs a next step."""
    now = now or utcnow()
    check_looks_after(author, company)
    kind = ContactKind(kind)
    note = (note or "").strip()
    next_step = (next_step or "").strip() or None
    if not note:
        raise RelationsError(_("Write what was said or done."), field="note")
    if len(note) > MAX_NOTE_LENGTH:
        raise RelationsError(
            _("The note is longer than %(count)d characters.", count=MAX_NOTE_LENGTH),
            field="note",
        )
    if next_step is not None and len(next_step) > MAX_NEXT_STEP_LENGTH:
        raise RelationsError(
            _("The next step is longer than %(count)d characters.", count=MAX_NEXT_STEP_LENGTH),
            field="next_step",
        )
    _in_years(happened_on, "happened_on")
    if happened_on > club_today(now):
        raise RelationsError(_("A contact cannot happen later than today."), field="happened_on")
    if next_step_due is not None:
        if next_step is None:
            raise RelationsError(_("Say what the next step is."), field="next_step")
        _in_years(next_step_due, "next_step_due")
        if next_step_due < happened_on:
            raise RelationsError(
                _("The next step cannot be due before the contact."), field="next_step_due"
            )
    contact = ContactLog(
        company_id=company.id,
        author_id=author.id,
        kind=kind,
        happened_on=happened_on,
        note=note,
        next_step=next_step,
        next_step_due=next_step_due,
        created_at=now,
    )
    session.add(contact)
    session.flush()
    return contact


def mark_done(
    session: Session, contact: ContactLog, *, actor: User, now: datetime | None = None
) -> ContactLog:
    """The contact's next step is done; marking it again changes nothing."""
    check_looks_after(actor, contact.company)
    if contact.next_step is None:
        raise RelationsError(_("This contact has no next step."))
    if contact.next_step_done_at is None:
        contact.next_step_done_at = now or utcnow()
        session.flush()
    return contact


def contact_in_view(session: Session, viewer: User, contact_id: int) -> ContactLog | None:
    """The contact, if the viewer works with its company (else None: a 404)."""
    contact = session.get(ContactLog, contact_id)
    if contact is None or not may_look_after(viewer, contact.company):
        return None
    return contact


def open_next_steps(contacts: list[ContactLog]) -> list[ContactLog]:
    """Of a company's contacts, the next steps not yet done: the soonest due first,
    undated ones last."""
    return sorted(
        (contact for contact in contacts if contact.has_open_next_step),
        key=lambda c: (c.next_step_due is None, c.next_step_due or date.min, c.id),
    )
