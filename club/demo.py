"""A believable demo club for `flask --app wsgi club demo` (and the browser tests).

Besides companies and people (club/demo_members.py), the demo plays a year of purchases
through the real services, day by day in simulated time (club/demo_purchases.py): the ERP
sends each day's invoices, payments come in, months close on the 1st, the payment-window
and expiry jobs run every Monday. So the ledger shows every kind of purchase entry with
believable dates: pending earnings, confirmations, forfeits (late or never paid),
clawbacks (credit notes that came after their month was confirmed), one manual bonus and
one expiry. Then the catalogue, courses, meetings and awards. A fixed seed makes it the
same on every run for the same `now`; every date is derived from `now`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.awards.demo import play_awards
from club.consent import services as consent
from club.consent.models import DocumentKind
from club.core.clock import utcnow
from club.core.database import holds_write_lock, write_intent
from club.core.roles import PARTNER_ROLES, Role
from club.demo_catalog import load_catalogue, play_redemptions
from club.demo_events import play_meetings
from club.demo_insight import play_insight
from club.demo_members import COMPANIES, add_companies, add_supplier_staff, record_memberships
from club.demo_portfolio import play_portfolio
from club.demo_purchases import (
    DemoClock,
    play_a_year_of_purchases,
    play_an_import_with_mistakes,
    play_history_before_admission,
)
from club.demo_rules import play_rules
from club.learning.demo import play_courses
from club.members.models import User
from club.members.services import hash_password
from club.relations.demo import play_relations
from club.satisfaction.demo import play_satisfaction

DEMO_PASSWORD = "club-demo-2026"


class DemoAlreadyLoaded(Exception):
    pass


def load_demo(
    session: Session, *, password: str | None = None, now: datetime | None = None
) -> tuple[list[tuple[str, str, str]], str]:
    """Create the demo club; refuse when the database already has people in it.

    The ledger writes need, on SQLite, a transaction begun IMMEDIATE. `club demo` runs
    under write_intent() already; other callers (the browser tests) get it here, as long
    as the session has no transaction open yet. The caller commits.
    """
    with write_intent():
        return _load_demo(session, password=password, now=now)


def _load_demo(
    session: Session, *, password: str | None, now: datetime | None
) -> tuple[list[tuple[str, str, str]], str]:
    if session.scalar(select(func.count()).select_from(User)):
        raise DemoAlreadyLoaded("The database already has users; demo data was not loaded.")
    if not holds_write_lock(session):
        raise RuntimeError(
            "load_demo writes ledger entries: on SQLite start it in a fresh transaction "
            "inside club.core.database.write_intent()"
        )
    now = now or utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    clock = DemoClock(now)
    password = password or DEMO_PASSWORD
    password_hash = hash_password(password)  # one hash: argon2 is slow on purpose

    # When each company came into the club's database: when it joined, or (the applicant)
    # shortly before its first invoices; the supplier's staff a little before all of them.
    registered = {
        name: min(now, clock.at(joined, 9, 30) if joined else clock.at(clock.months[8], 9, 30))
        for name, *_rest, joined, _manager, _people in COMPANIES
    }
    staff_since = min(*registered.values(), clock.welcome_bonus_at()) - timedelta(days=14)
    staff, staff_logins = add_supplier_staff(
        session, password_hash=password_hash, since=staff_since
    )
    companies, partner_logins = add_companies(
        session, staff, password_hash=password_hash, registered=registered
    )

    _accept_club_documents(session, since=staff_since)

    manager = staff["manager@club.example"]
    play_a_year_of_purchases(session, clock, companies, manager)
    # The ERP history of the members admitted the year before: the dashboard's uplift.
    play_history_before_admission(session, clock, companies)
    # Suspended after its last month went unpaid (points frozen, forfeited six months on);
    # the German partner left long ago, past the freeze.
    record_memberships(
        session,
        companies,
        registered=registered,
        departures={
            "ИП Ёлкин А. В.": (clock.months[10] + timedelta(days=14), "Invoices long overdue"),
            "Technik Handel GmbH": (clock.months[2] + timedelta(days=9), "Contract ended"),
        },
        manager=manager,
    )
    privileges = load_catalogue(session, manager=manager, now=now)
    play_redemptions(session, privileges, manager=manager, now=now)
    play_courses(session, now=now)
    play_meetings(session, manager=manager, now=now)
    play_awards(session, now)
    play_rules(session, manager=manager, now=now)
    play_relations(session, manager=manager, now=now)
    play_satisfaction(session, manager=manager, now=now)
    play_an_import_with_mistakes(session, manager=manager, now=now)
    # Last: the health scores read everything above.
    play_portfolio(session, manager_email="am.nowak@club.example", now=now)
    play_insight(session, manager=manager, now=now)
    return staff_logins + partner_logins, password


def _accept_club_documents(session: Session, *, since: datetime) -> None:
    """Version 1 of the rules and the privacy notice (a database built without the
    migrations has none), accepted by the demo's partners as they joined: the demo shows
    a club already running, and its holders redeem."""
    consent.seed_first_versions(session, now=since)
    rules = consent.current(session, DocumentKind.RULES)
    privacy = consent.current(session, DocumentKind.PRIVACY)
    partners = session.scalars(
        select(User).where(User.role.in_(PARTNER_ROLES), User.password_hash.is_not(None))
    )
    for person in partners:
        when = max(person.created_at, since)
        documents = [privacy] + ([rules] if person.role == Role.ACCOUNT_HOLDER else [])
        for document in documents:
            consent.accept(session, person, document, ip_address=None, user_agent="demo", now=when)
