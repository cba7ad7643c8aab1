"""A company's timeline for the supplier's staff: invoices and payments, points earned and
spent, redemptions, quiz passes, meeting attendance, complaints and contacts logged,
newest first, a page at a time.

Each source is asked for its newest `page × size + 1` items (one query each), and the
merged list is cut to the page: the cost grows with the page number, not with the
company's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.catalog.models import Privilege, Redemption
from club.core import formatting
from club.core.periods import local_midnight
from club.events.models import Attendance, Meeting, Registration
from club.learning.models import Course, CoursePass
from club.ledger.explain import explain, kind_label
from club.ledger.models import Entry, EntryKind, Wallet
from club.members.models import Company, User
from club.purchases.models import Invoice, InvoiceKind
from club.relations.models import Complaint, ContactKind, ContactLog

PAGE_SIZE = 30

KINDS = {
    "invoice": _l("Invoice"),
    "payment": _l("Payment"),
    "points": _l("Points"),
    "redemption": _l("Redemption"),
    "quiz": _l("Quiz passed"),
    "meeting": _l("Meeting attended"),
    "complaint": _l("Complaint"),
    "contact": _l("Contact"),
}

CONTACT_KINDS = {
    ContactKind.CALL: _l("Call"),
    ContactKind.VISIT: _l("Visit"),
    ContactKind.MAIL: _l("Mail"),
    ContactKind.NOTE: _l("Note"),
}

# Entries that show points earned or spent; holds, releases and confirmations are steps
# of those and would only repeat them.
SHOWN_ENTRIES = (
    EntryKind.EARN,
    EntryKind.CAPTURE,
    EntryKind.EXPIRE,
    EntryKind.FORFEIT,
    EntryKind.CLAWBACK,
    EntryKind.ADJUST,
)


@dataclass(frozen=True)
class Item:
    at: datetime  # when, for the order (a day's items: the day's local midnight)
    kind: str
    title: str
    detail: str = ""
    day: date | None = field(default=None, kw_only=True)  # items known by their day only
    points: int | None = field(default=None, kw_only=True)

    @property
    def kind_label(self) -> str:
        return str(KINDS[self.kind])


@dataclass(frozen=True)
class TimelinePage:
    items: list[Item]
    page: int
    has_next: bool


def _day_item(day: date, kind: str, title: str, detail: str = "", points=None) -> Item:
    return Item(local_midnight(day), kind, title, detail, day=day, points=points)


def _invoices(session: Session, company: Company, limit: int) -> list[Item]:
    found = []
    rows = session.scalars(
        select(Invoice)
        .where(Invoice.company_id == company.id)
        .order_by(Invoice.issue_date.desc(), Invoice.id.desc())
        .limit(limit)
    )
    for invoice in rows:
        money = formatting.money(invoice.net_amount, invoice.currency)
        if invoice.kind == InvoiceKind.CREDIT_NOTE:
            title = _("Credit note %(number)s: %(amount)s", number=invoice.number, amount=money)
        else:
            title = _("Invoice %(number)s: %(amount)s", number=invoice.number, amount=money)
        detail = _("due %(date)s", date=formatting.date_(invoice.due_date))
        found.append(_day_item(invoice.issue_date, "invoice", title, detail))
    paid = session.scalars(
        select(Invoice)
        .where(Invoice.company_id == company.id, Invoice.paid_date.is_not(None))
        .order_by(Invoice.paid_date.desc(), Invoice.id.desc())
        .limit(limit)
    )
    for invoice in paid:
        late = (invoice.paid_date - invoice.due_date).days
        detail = _("%(days)d days late", days=late) if late > 0 else _("on time")
        title = _("Invoice %(number)s paid", number=invoice.number)
        found.append(_day_item(invoice.paid_date, "payment", title, detail))
    return found


def _entries(session: Session, company: Company, limit: int) -> list[Item]:
    rows = session.scalars(
        select(Entry)
        .join(Wallet, Wallet.id == Entry.wallet_id)
        .where(Wallet.company_id == company.id, Entry.kind.in_(SHOWN_ENTRIES))
        .order_by(Entry.created_at.desc(), Entry.id.desc())
        .limit(limit)
    )
    return [
        Item(
            entry.created_at, "points", kind_label(entry.kind), explain(entry), points=entry.amount
        )
        for entry in rows
    ]


def _redemptions(session: Session, company: Company, limit: int) -> list[Item]:
    rows = session.execute(
        select(Redemption, Privilege.title)
        .join(Privilege, Privilege.id == Redemption.privilege_id)
        .where(Redemption.company_id == company.id)
        .order_by(Redemption.created_at.desc(), Redemption.id.desc())
        .limit(limit)
    )
    return [
        Item(
            redemption.created_at,
            "redemption",
            title,
            redemption.status.label,
            points=-redemption.points,
        )
        for redemption, title in rows
    ]


def _quiz_passes(session: Session, company: Company, limit: int) -> list[Item]:
    rows = session.execute(
        select(CoursePass.passed_at, User.name, Course.title, CoursePass.percent)
        .join(User, User.id == CoursePass.user_id)
        .join(Course, Course.id == CoursePass.course_id)
        .where(User.company_id == company.id)
        .order_by(CoursePass.passed_at.desc(), CoursePass.id.desc())
        .limit(limit)
    )
    return [
        Item(at, "quiz", title, _("%(name)s, %(percent)d%%", name=name, percent=percent))
        for at, name, title, percent in rows
    ]


def _meetings(session: Session, company: Company, limit: int) -> list[Item]:
    rows = session.execute(
        select(Meeting.starts_at, Meeting.title, User.name)
        .join(Registration, Registration.meeting_id == Meeting.id)
        .join(User, User.id == Registration.user_id)
        .where(
            Registration.company_id == company.id,
            Registration.attendance == Attendance.ATTENDED,
        )
        .order_by(Meeting.starts_at.desc(), Registration.id.desc())
        .limit(limit)
    )
    return [Item(at, "meeting", title, name) for at, title, name in rows]


def _complaints(session: Session, company: Company, limit: int) -> list[Item]:
    found = []
    opened = session.scalars(
        select(Complaint)
        .where(Complaint.company_id == company.id)
        .order_by(Complaint.opened_on.desc(), Complaint.id.desc())
        .limit(limit)
    )
    for complaint in opened:
        found.append(
            _day_item(
                complaint.opened_on,
                "complaint",
                _("Complaint opened: %(subject)s", subject=complaint.subject),
                complaint.external_id,
            )
        )
    closed = session.scalars(
        select(Complaint)
        .where(Complaint.company_id == company.id, Complaint.closed_on.is_not(None))
        .order_by(Complaint.closed_on.desc(), Complaint.id.desc())
        .limit(limit)
    )
    for complaint in closed:
        found.append(
            _day_item(
                complaint.closed_on,
                "complaint",
                _("Complaint closed: %(subject)s", subject=complaint.subject),
                complaint.external_id,
            )
        )
    return found


def _contacts(session: Session, company: Company, limit: int) -> list[Item]:
    rows = session.execute(
        select(ContactLog, User.name)
        .join(User, User.id == ContactLog.author_id)
        .where(ContactLog.company_id == company.id)
        .order_by(ContactLog.happened_on.desc(), ContactLog.id.desc())
        .limit(limit)
    )
    found = []
    for contact, author in rows:
        detail = contact.note
        if contact.next_step:
            detail += " · " + _("Next step: %(step)s", step=contact.next_step)
        title = _("%(kind)s by %(author)s", kind=CONTACT_KINDS[contact.kind], author=author)
        found.append(_day_item(contact.happened_on, "contact", title, detail))
    return found


SOURCES = (_invoices, _entries, _redemptions, _quiz_passes, _meetings, _complaints, _contacts)


def timeline(
    session: Session, company: Company, *, page: int = 1, size: int = PAGE_SIZE
) -> TimelinePage:
    """Page `page` (from 1) of the company's timeline, newest first."""
    page = max(page, 1)
    wanted = page * size + 1
    items = [item for source in SOURCES for item in source(session, company, wanted)]
    items.sort(key=lambda item: (item.at, item.kind), reverse=True)
    return TimelinePage(
        items=items[(page - 1) * size : page * size], page=page, has_next=len(items) > page * size
    )
