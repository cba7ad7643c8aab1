"""Each health-score signal on a prepared history, through the nightly job (both
databases): the job reads the facts in one query each for every company."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from club.audit.models import AuditEntry
from club.core.periods import month_start
from club.extensions import db
from club.jobs import score_portfolios
from club.learning.models import Attempt, AttemptStatus, Course, CoursePass, QuizVersion
from club.ledger import services as ledger
from club.ledger.models import Lot
from club.members.tiers import ensure_default_tiers
from club.portfolio import scoring, settings
from club.portfolio.models import HealthScore
from club.purchases.models import Invoice, InvoiceKind, PurchaseMonth
from club.relations.models import Complaint, Contract

NOW = datetime(2026, 11, 18, 12, tzinfo=UTC)  # club day 2026-11-18
TODAY = date(2026, 11, 18)
_numbers = itertools.count(1)


def invoice(session, company, issued: date, amount="1000.00", *, due=None, paid=None):
    session.add(
        Invoice(
            number=f"FV/T/{next(_numbers)}",
            company_id=company.id,
            kind=InvoiceKind.INVOICE,
            issue_date=issued,
            period=month_start(issued),
            due_date=due or issued + timedelta(days=14),
            net_amount=Decimal(amount),
            currency="PLN",
            paid_date=paid,
        )
    )


def signals(session, company, now=NOW) -> dict[str, dict]:
    score_portfolios(session, now=now)
    row = session.scalar(
        select(HealthScore).where(
            HealthScore.company_id == company.id, HealthScore.day == now.date()
        )
    )
    return {signal["code"]: signal["values"] for signal in row.signals}


def test_payment_delays_count_when_they_grow(db_session, club):
    # Due in August, September, October: 2, 5 and 12 days late (one still unpaid).
    for company, lateness in ((club.company, (2, 5, 12)), (club.other_company, (20, 9, 12))):
        for month, late in zip((8, 9, 10), lateness, strict=True):
            due = date(2026, month, 10)
            invoice(
                db_session,
                company,
                due - timedelta(days=14),
                due=due,
                paid=due + timedelta(days=late),
            )
    invoice(db_session, club.company, date(2026, 10, 5), due=date(2026, 10, 19))  # 30 days, unpaid
    db_session.flush()
    found = signals(db_session, club.company)
    assert found["payment_delays"] == {"days": 21, "trend": [2, 5, 21]}
    # Late, but less late than three months ago: not growing.
    assert "payment_delays" not in signals(db_session, club.other_company)


def test_orders_down_against_the_companys_own_baseline(db_session, club):
    for month in range(12):  # August 2025 to July 2026: one order a month of 1,000
        issued = date(2025 + (7 + month) // 12, (7 + month) % 12 + 1, 5)
        invoice(db_session, club.company, issued)
        invoice(db_session, club.other_company, issued)
    # Recently: one order in three months; the other company still orders monthly, smaller.
    invoice(db_session, club.company, date(2026, 9, 5))
    for month in (8, 9, 10):
        invoice(db_session, club.other_company, date(2026, month, 5), "400.00")
    db_session.flush()
    assert signals(db_session, club.company)["orders_down"] == {"frequency": -67, "basket": None}
    assert signals(db_session, club.other_company)["orders_down"] == {
        "frequency": None,
        "basket": -60,
    }


def test_forfeits_of_the_last_months_count(db_session, club):
    for company, period in (
        (club.company, date(2026, 9, 1)),
        (club.other_company, date(2025, 9, 1)),
    ):
        db_session.add(
            PurchaseMonth(
                company_id=company.id,
                period=period,
                rate=500,
                grace_days=7,
                net_total=Decimal("20000"),
                earned=40,
                confirmed=0,
                forfeited=40,
                closed_at=NOW - timedelta(days=60),
            )
        )
    db_session.flush()
    assert signals(db_session, club.company)["forfeits"] == {"points": 40, "months": 6}
    assert "forfeits" not in signals(db_session, club.other_company)


def test_nobody_logged_in(db_session, club):
    club.holder.last_login_at = NOW - timedelta(days=70)
    club.other_staff.last_login_at = NOW - timedelta(days=3)
    db_session.flush()
    assert signals(db_session, club.company)["no_login"] == {"days": 70}
    assert "no_login" not in signals(db_session, club.other_company)
    club.holder.last_login_at = None
    db_session.flush()
    assert signals(db_session, club.company)["no_login"] == {"days": None}


def _pass(session, user, course, version, when: datetime) -> None:
    attempt = Attempt(
        user_id=user.id,
        course_id=course.id,
        quiz_version_id=version.id,
        number=1,
        status=AttemptStatus.PASSED,
        question_ids=[],
        option_order={},
        pass_mark=50,
        started_at=when,
        submitted_at=when,
    )
    session.add(attempt)
    session.flush()
    session.add(
        CoursePass(
            user_id=user.id,
            course_id=course.id,
            attempt_id=attempt.id,
            percent=90,
            code=f"T{user.id:04d}-XXXXX",
            passed_at=when,
        )
    )


def test_no_quiz_passed_this_year(db_session, club):
    course = Course(slug="led", title="LED", language="en", points=10, pass_mark=50)
    db_session.add(course)
    db_session.flush()
    version = QuizVersion(course_id=course.id, number=1, content_hash="x", draw=1, questions=[])
    db_session.add(version)
    db_session.flush()
    _pass(db_session, club.staff, course, version, datetime(2026, 3, 2, 10, tzinfo=UTC))
    _pass(db_session, club.other_staff, course, version, datetime(2025, 12, 2, 10, tzinfo=UTC))
    db_session.flush()
    assert "no_training" not in signals(db_session, club.company)
    assert signals(db_session, club.other_company)["no_training"] == {}


def test_points_about_to_expire(db_session, club):
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(
        db_session, wallet, 300, source=ledger.Source("test", "old"), now=NOW - timedelta(days=700)
    )
    db_session.flush()
    expires_at = db_session.scalar(select(func.min(Lot.expires_at)))
    found = signals(db_session, club.company, now=expires_at - timedelta(days=30))
    assert found["points_expiring"] == {"points": 300, "days": 60}
    assert "points_expiring" not in signals(
        db_session, club.company, now=expires_at - timedelta(days=90)
    )


def test_complaints_open_or_recent(db_session, club, make_company):
    quiet = make_company("Quiet", commit=False)
    db_session.flush()
    for company, number, opened, closed in (
        (club.company, "C1", date(2026, 11, 1), None),
        (club.company, "C2", date(2026, 5, 1), date(2026, 5, 9)),
        (club.other_company, "C3", date(2026, 10, 1), date(2026, 10, 5)),
        (quiet, "C4", date(2026, 1, 1), date(2026, 1, 5)),
    ):
        db_session.add(
            Complaint(
                company_id=company.id,
                external_id=number,
                opened_on=opened,
                closed_on=closed,
                subject="Late",
            )
        )
    db_session.flush()
    assert signals(db_session, club.company)["complaints"] == {"open": 1, "recent": 1, "days": 90}
    assert signals(db_session, club.other_company)["complaints"] == {
        "open": 0,
        "recent": 1,
        "days": 90,
    }
    assert "complaints" not in signals(db_session, quiet)


def test_contract_ending(db_session, club):
    db_session.add(
        Contract(
            company_id=club.company.id,
            reference="A",
            starts_on=date(2024, 1, 1),
            ends_on=date(2026, 12, 28),
        )
    )
    db_session.add(
        Contract(
            company_id=club.other_company.id,
            reference="B",
            starts_on=date(2024, 1, 1),
            ends_on=None,
        )
    )
    db_session.flush()
    assert signals(db_session, club.company)["contract_ending"] == {"on": "2026-12-28", "days": 40}
    assert "contract_ending" not in signals(db_session, club.other_company)


def test_tier_drop_pending(db_session, club):
    member, silver, *_rest = ensure_default_tiers(db_session)
    club.company.tier = silver
    club.company.tier_drop_to = member
    club.company.tier_drop_on = date(2027, 2, 1)
    db_session.flush()
    found = signals(db_session, club.company)["tier_drop"]
    assert found == {
        "tier": {"en": silver.name_en, "pl": silver.name_pl, "ru": silver.name_ru},
        "to": {"en": member.name_en, "pl": member.name_pl, "ru": member.name_ru},
        "on": "2027-02-01",
    }
    signal = {"code": "tier_drop", "weight": 10, "values": found}
    with force_locale("pl"):
        assert scoring.reason(signal).startswith(f"Spadnie z poziomu {silver.name_pl} na ")


def test_the_job_is_idempotent_keeps_a_row_per_day_and_reads_the_settings(db_session, club):
    club.holder.last_login_at = None
    db_session.flush()
    assert score_portfolios(db_session, now=NOW) == 2
    assert score_portfolios(db_session, now=NOW) == 2
    assert db_session.scalar(select(func.count()).select_from(HealthScore)) == 2
    row = db_session.scalar(select(HealthScore).where(HealthScore.company_id == club.company.id))
    # Never signed in (10) and no quiz this year (5).
    assert row.score == 85 and [s["code"] for s in row.signals] == ["no_login", "no_training"]

    settings.save(
        db_session, {"weight_no_login": 30, "weight_no_training": 0}, actor=club.club_manager
    )
    score_portfolios(db_session, now=NOW + timedelta(days=1))
    scores = db_session.scalars(
        select(HealthScore.score)
        .where(HealthScore.company_id == club.company.id)
        .order_by(HealthScore.day)
    ).all()
    assert scores == [85, 70]
    audit = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "portfolio.settings"))
    assert audit.after == {"weight_no_login": 30, "weight_no_training": 0}
    assert audit.before == {"weight_no_login": 10, "weight_no_training": 5}


def test_settings_refuse_values_out_of_range_and_write_nothing(db_session, club):
    with pytest.raises(settings.SettingsError):
        settings.save(db_session, {"weight_no_login": 101}, actor=club.club_manager)
    with pytest.raises(settings.SettingsError):
        settings.save(db_session, {"band_risk": 80, "band_watch": 60}, actor=club.club_manager)
    assert settings.current(db_session)["weight_no_login"] == 10
    assert scoring.band_of(39, settings.current(db_session)) == "risk"
    assert scoring.band_of(40, settings.current(db_session)) == "watch"
    assert scoring.band_of(None, settings.current(db_session)) == "unscored"


def test_the_commands_score_and_send_digests(app, club):
    runner = app.test_cli_runner()
    scored = runner.invoke(args=["club", "portfolio", "score"])
    assert scored.exit_code == 0 and "scored 2 companies" in scored.output, scored.output
    again = runner.invoke(args=["club", "portfolio", "score"])
    assert again.exit_code == 0 and "scored 2 companies" in again.output
    sent = runner.invoke(args=["club", "portfolio", "digest"])
    assert sent.exit_code == 0 and "sent 0 digests" in sent.output  # nothing got worse
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HealthScore)) == 2
