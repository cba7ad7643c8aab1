"""A prepared history for the KPI dashboard, small enough to compute by hand.

Four member companies: A (PLN, admitted 2025-06-15, account manager "Account Manager"),
B (RUB, the other account manager), C (PLN, admitted 2025-03-01, bought in September 2026
only: churned in October) and D (PLN, new in October, pilot group). The period under test
is October 2026; the summaries are refreshed on 10 November 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from club.catalog.models import Redemption, RedemptionStatus
from club.events.models import (
    Attendance,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from club.insight.models import SignInDay
from club.insight.refresh import refresh
from club.learning import services as learning
from club.ledger import services as ledger
from club.purchases.models import Invoice, InvoiceKind
from club.rules.models import Rule, RuleKind
from club.satisfaction import services as satisfaction
from club.satisfaction.models import Occasion, SurveyAnswer
from tests.learning.conftest import courses_root, key_of, make_course  # noqa: F401

REFRESHED = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
OCTOBER = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)


def _invoice(session, company, number, issued, due, amount, currency="PLN", paid=None):
    session.add(
        Invoice(
            number=number,
            company_id=company.id,
            kind=InvoiceKind.INVOICE if amount >= 0 else InvoiceKind.CREDIT_NOTE,
            issue_date=issued,
            period=issued.replace(day=1),
            due_date=due,
            net_amount=Decimal(amount),
            currency=currency,
            paid_date=paid,
        )
    )


@pytest.fixture
def history(app, db_session, club, make_company, make_privilege, make_course, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "INSIGHT_POINT_VALUE", Decimal("0.50"))
    monkeypatch.setitem(app.config, "INSIGHT_MARGIN_PERCENT", Decimal("20"))
    monkeypatch.setitem(app.config, "CLUB_CURRENCY", "PLN")
    s = db_session
    a, b = club.company, club.other_company
    a.joined_on = date(2025, 6, 15)
    c = make_company("Churned Co", joined_on=date(2025, 3, 1), commit=False)
    d = make_company("Newcomer", is_pilot=True, commit=False)
    s.flush()

    # Invoices (hand computed in the tests).
    _invoice(s, a, "A0", date(2025, 1, 10), date(2025, 1, 24), 1000, paid=date(2025, 1, 20))
    _invoice(s, a, "A00", date(2025, 9, 10), date(2025, 9, 24), 1300, paid=date(2025, 9, 20))
    _invoice(s, a, "A1", date(2026, 9, 5), date(2026, 9, 19), 1000, paid=date(2026, 9, 15))
    _invoice(s, a, "A2", date(2026, 9, 20), date(2026, 10, 4), 500, paid=date(2026, 10, 1))
    _invoice(s, a, "A3", date(2026, 10, 10), date(2026, 10, 31), 3000, paid=date(2026, 11, 5))
    _invoice(s, a, "A-CN", date(2026, 10, 20), date(2026, 10, 20), -600)
    _invoice(s, b, "B1", date(2026, 9, 10), date(2026, 9, 30), 20000, "RUB", date(2026, 9, 25))
    _invoice(s, b, "B2", date(2026, 10, 3), date(2026, 10, 17), 10000, "RUB", date(2026, 10, 10))
    _invoice(s, b, "B3", date(2026, 10, 15), date(2026, 10, 29), 30000, "RUB", date(2026, 10, 29))
    _invoice(s, c, "C0", date(2025, 8, 10), date(2025, 8, 24), 500, paid=date(2025, 8, 20))
    _invoice(s, c, "C1", date(2026, 9, 12), date(2026, 9, 26), 800, paid=date(2026, 9, 26))
    _invoice(s, d, "D1", date(2026, 10, 25), date(2026, 11, 15), 1200)

    # Potentials for 2026: A and B; C and D have none (missing, not zero).
    for company, currency, amount in ((a, "PLN", "36000"), (b, "RUB", "600000")):
        satisfaction.set_potential(
            s,
            company,
            year=2026,
            currency=currency,
            amount=Decimal(amount),
            actor=club.account_manager,
            now=OCTOBER,
        )

    # Points of A: September an old lot (expires in October), then October's movements.
    wallet = ledger.wallet_for(s, a.id)
    ledger.earn(
        s,
        wallet,
        50,
        source=ledger.Source("test", "old"),
        earned_at=datetime(2024, 9, 10, tzinfo=UTC),
        now=datetime(2026, 9, 15, tzinfo=UTC),
    )
    philips = Rule(kind=RuleKind.FEATURE, sponsor="Philips")
    own = Rule(kind=RuleKind.FEATURE)
    s.add_all([philips, own])
    s.flush()
    ledger.earn(
        s, wallet, 1000, source=ledger.Source("purchase_month", "1"), pending=True, now=OCTOBER
    )
    ledger.forfeit(s, wallet, 30, source=ledger.Source("purchase_month", "1"), now=OCTOBER)
    ledger.earn(s, wallet, 200, source=ledger.Source("bonus_rule", str(philips.id)), now=OCTOBER)
    ledger.earn(s, wallet, 100, source=ledger.Source("bonus_rule", str(own.id)), now=OCTOBER)
    ledger.earn(s, wallet, 150, source=ledger.Source("meeting", "1"), now=OCTOBER)
    ledger.expire(s, wallet, now=OCTOBER)
    held = ledger.hold(s, wallet, 400, source=ledger.Source("privilege", "1"), now=OCTOBER)
    ledger.capture(s, held, now=OCTOBER)
    privilege = make_privilege(
        "Trade fair trip",
        money_value=Decimal("800.00"),
        sponsor="Philips",
        sponsor_share_percent=25,
    )
    s.add(
        Redemption(
            privilege_id=privilege.id,
            company_id=a.id,
            hold_id=held.id,
            requested_by_id=club.holder.id,
            status=RedemptionStatus.FULFILLED,
            points=400,
            money_value=Decimal("800.00"),
            quarter="2026-Q4",
            fulfilled_at=datetime(2026, 10, 6, 9, 0, tzinfo=UTC),
        )
    )

    # Engagement: sign-ins, a course passed in September by B's staff, an October meeting.
    for person, day in (
        (club.holder, date(2026, 9, 30)),
        (club.holder, date(2026, 10, 1)),
        (club.holder, date(2026, 10, 2)),
        (club.staff, date(2026, 10, 3)),
        (club.other_holder, date(2026, 10, 4)),
    ):
        s.add(SignInDay(user_id=person.id, day=day, company_id=person.company_id))
    course = make_course()
    attempt = learning.start_attempt(
        s, club.other_staff, course, now=datetime(2026, 9, 20, tzinfo=UTC)
    )
    learning.submit_attempt(
        s, attempt, key_of(attempt), now=datetime(2026, 9, 20, 0, 5, tzinfo=UTC)
    )
    meeting = Meeting(
        uid="insight-test",
        title="Breakfast",
        format=MeetingFormat.BUSINESS_BREAKFAST,
        starts_at=datetime(2026, 10, 14, 7, 0, tzinfo=UTC),
        ends_at=datetime(2026, 10, 14, 9, 0, tzinfo=UTC),
        timezone="Europe/Warsaw",
        capacity=20,
        status=MeetingStatus.DONE,
    )
    s.add(meeting)
    s.flush()
    for person, status, attendance in (
        (club.holder, RegistrationStatus.REGISTERED, Attendance.ATTENDED),
        (club.staff, RegistrationStatus.REGISTERED, Attendance.NO_SHOW),
        (club.other_holder, RegistrationStatus.REGISTERED, None),
        (club.other_staff, RegistrationStatus.CANCELLED, None),
    ):
        s.add(
            Registration(
                meeting_id=meeting.id,
                user_id=person.id,
                company_id=person.company_id,
                status=status,
                attendance=attendance,
                ticket_secret="x" * 32,
            )
        )

    # Satisfaction: 10 and 9 (promoters), 3 (a detractor) in October.
    for person, score, comment in (
        (club.holder, 10, "Great"),
        (club.staff, 9, None),
        (club.other_holder, 3, "Slow"),
    ):
        s.add(
            SurveyAnswer(
                user_id=person.id,
                company_id=person.company_id,
                occasion_kind=Occasion.MEETING,
                occasion_id=meeting.id,
                quarter="2026-Q4",
                asked_at=OCTOBER,
                score=score,
                comment=comment,
                answered_at=datetime(2026, 10, 20, tzinfo=UTC),
            )
        )
    s.flush()
    refresh(s, months=23, now=REFRESHED)  # back to January 2025
    refresh(s, months=3, now=REFRESHED)  # the recent months again: the same summaries
    s.flush()

    class History:
        pass

    h = History()
    h.a, h.b, h.c, h.d = a, b, c, d
    h.club = club
    return h
