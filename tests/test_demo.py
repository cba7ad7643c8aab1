"""The demo club loads into an empty database, every printed login works, and a year of
purchases leaves every kind of purchase, expiry and adjustment entry in a sound ledger."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from club.catalog.models import (
    Privilege,
    PrivilegeKind,
    PrivilegeText,
    Redemption,
    RedemptionStatus,
    VoucherCode,
)
from club.core.clock import as_utc
from club.core.periods import add_months, club_today, month_start, months_between
from club.demo import DEMO_PASSWORD, load_demo
from club.demo_purchases import SEED, WELCOME_BONUS, DemoClock, plan_purchases
from club.events.models import MeetingText
from club.extensions import db
from club.jobs import admit_applicants, forfeit_frozen_points
from club.ledger.models import Entry, EntryKind, Wallet
from club.ledger.verify import verify
from club.members import admission
from club.members.models import Company, MembershipStatus, User
from club.purchases.figures import confirmed_points
from club.purchases.models import Invoice, InvoiceKind, PurchaseMonth
from club.rules.models import Earning, Referral, Rule, RuleKind

# On SQLite, as `make run` loads it; the browser tests start from the same load.
pytestmark = pytest.mark.one_database("sqlite")

PURCHASE_KINDS = {
    EntryKind.EARN,
    EntryKind.CONFIRM,
    EntryKind.FORFEIT,
    EntryKind.EXPIRE,
    EntryKind.ADJUST,
    EntryKind.CLAWBACK,
}


def test_demo_loads_once_and_every_login_works(demo):
    # `flask club demo` ran once on an empty database of its own (the `demo` fixture).
    app, result = demo.app, demo.result
    runner = app.test_cli_runner()
    assert result.exit_code == 0, result.output
    assert "Password for every demo login: club-demo-2026" in result.output
    with app.app_context():
        users = db.session.scalars(db.select(User)).all()
        companies = db.session.scalars(db.select(Company)).all()
        assert len(companies) == 11 and len(users) >= 20  # one brought in by a referral
        assert any("Ż" in c.name for c in companies) and any("«" in c.name for c in companies)
        emails = [user.email for user in users]
        assert verify(db.session).problems == []
        kinds = set(db.session.scalars(select(Entry.kind).distinct()))
        assert kinds >= PURCHASE_KINDS
        # Members across every tier, and one warned of a drop.
        held = Counter(c.tier.code for c in companies if c.tier is not None)
        assert set(held) == {"member", "silver", "gold"}, held
        assert [c.name for c in companies if c.tier_drop_on] == ["АО «Северный Монтаж»"]
    for email in emails:
        assert email in result.output
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        # The account managers' home is their portfolio (a redirect to it).
        home = client.get("/", follow_redirects=True)
        assert home.status_code == 200, email
        if email == "am.nowak@club.example":  # the demo's story: the drifting one first
            names = ["Instalatorstwo Gęś i Syn", "Hurtownia Elektryczna Żak sp. z o.o."]
            text = home.get_data(as_text=True)
            assert -1 < text.find(names[0]) < text.find(names[1]), "portfolio story"
    again = runner.invoke(args=["club", "demo"])
    assert again.exit_code == 0 and "already has users" in again.output


@pytest.mark.slow
def test_a_year_of_purchases_shows_every_kind_of_entry(demo, demo_session):
    """On the demo club as `flask club demo` loaded it today (the `demo` fixture)."""
    _shows_a_year_of_purchases(demo_session, demo.loaded_at)


@pytest.mark.slow
@pytest.mark.one_database("sqlite")  # the club's calendar is Python's; loading takes seconds
def test_a_year_loaded_on_new_years_day_in_warsaw(db_session):
    # Already New Year's Day in Warsaw: the year of invoices is 2026, all of it.
    now = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    load_demo(db_session, now=now)
    db_session.flush()
    _shows_a_year_of_purchases(db_session, now)


def _shows_the_history_before_admission(db_session, history, year_start) -> None:
    """Paid invoices of members admitted in the year before, from 12 months before their
    admission; their months closed and settled at no points."""
    by_company = {invoice.company for invoice in history}
    assert len(by_company) >= 2
    for company in by_company:
        admitted = month_start(company.joined_on)
        assert add_months(year_start, -12) <= admitted < year_start
        assert {invoice.period for invoice in history if invoice.company == company} == {
            add_months(admitted, offset)
            for offset in range(-12, months_between(admitted, year_start))
        }
    assert all(invoice.paid_date <= invoice.due_date for invoice in history)
    months = db_session.scalars(
        select(PurchaseMonth).where(PurchaseMonth.period < year_start)
    ).all()
    assert {(m.company_id, m.period) for m in months} == {
        (invoice.company_id, invoice.period) for invoice in history
    }
    assert all(m.earned == 0 and m.settled_at is not None for m in months)


def _shows_a_year_of_purchases(db_session, now: datetime) -> None:
    assert verify(db_session).problems == []
    kinds = Counter(db_session.scalars(select(Entry.kind)))
    assert set(kinds) >= PURCHASE_KINDS, kinds
    assert kinds[EntryKind.ADJUST] == 2 and kinds[EntryKind.CLAWBACK] >= 2

    # Invoices: a year of them, ending with the month before now, numbered; Polish
    # partners in PLN, Russian ones in RUB, each currency's months counted on their own.
    # Before that year, only the ERP history of the members admitted the year before.
    this_month = month_start(club_today(now))
    year_start = add_months(this_month, -12)
    everything = db_session.scalars(select(Invoice)).all()
    invoices = [invoice for invoice in everything if invoice.period >= year_start]
    _shows_the_history_before_admission(
        db_session, [invoice for invoice in everything if invoice.period < year_start], year_start
    )
    periods = sorted({invoice.period for invoice in invoices})
    assert len(periods) == 12 and periods[-1] == month_start(this_month - timedelta(days=1))
    assert 250 <= len(invoices) <= 700
    assert {invoice.currency for invoice in invoices} == {"PLN", "RUB"}
    for invoice in invoices:
        assert invoice.currency == ("RUB" if invoice.company.country == "RU" else "PLN")
    months = db_session.scalars(select(PurchaseMonth)).all()
    assert {month.currency for month in months} == {"PLN", "RUB"}
    assert all(month.rate == {"PLN": 500, "RUB": 10_000}[month.currency] for month in months)
    for invoice in invoices:
        prefix = "FV" if invoice.kind == InvoiceKind.INVOICE else "KOR"
        assert re.fullmatch(rf"{prefix}/{invoice.period:%Y/%m}/\d{{4}}", invoice.number)
        assert invoice.period == invoice.issue_date.replace(day=1)
        assert (invoice.due_date - invoice.issue_date).days in (
            (14, 30) if prefix == "FV" else (0,)
        )
    amounts = [
        invoice.net_amount
        for invoice in invoices
        if invoice.kind == InvoiceKind.INVOICE and invoice.currency == "PLN"
    ]
    assert min(amounts) < Decimal(1000) and max(amounts) > Decimal(20000)
    notes = [invoice for invoice in invoices if invoice.kind == InvoiceKind.CREDIT_NOTE]
    assert 3 <= len(notes) <= 25 and all(note.net_amount < 0 for note in notes)
    paid = [invoice for invoice in invoices if invoice.paid_date is not None]
    assert all(invoice.paid_date <= club_today(now) for invoice in paid)
    late = [invoice for invoice in paid if invoice.paid_date > invoice.due_date]
    assert len(paid) > len(invoices) * 0.75 and late

    # Some points still wait for payment; older months are final.
    assert db_session.scalar(select(func.sum(Wallet.pending))) > 0
    open_months = db_session.scalars(
        select(PurchaseMonth).where(PurchaseMonth.settled_at.is_(None))
    ).all()
    assert open_months and all(month.period >= periods[-2] for month in open_months)

    # Each clawback came from a credit note that arrived after its month was confirmed.
    for clawback in db_session.scalars(select(Entry).where(Entry.kind == EntryKind.CLAWBACK)):
        assert clawback.details["credit_note"] is True
        month = db_session.get(PurchaseMonth, int(clawback.source_id))
        assert as_utc(month.settled_at) < as_utc(clawback.created_at)

    # The welcome bonus 25 months ago expired a month ago; the goodwill bonus is recent.
    welcome, goodwill = db_session.scalars(
        select(Entry).where(Entry.kind == EntryKind.ADJUST).order_by(Entry.created_at)
    ).all()
    assert welcome.amount == WELCOME_BONUS and "Welcome" in welcome.reason
    assert 750 <= (now - as_utc(welcome.created_at)).days <= 765
    assert goodwill.reason.startswith("Goodwill") and goodwill.actor.email.startswith("manager")
    expiry = db_session.scalars(select(Entry).where(Entry.kind == EntryKind.EXPIRE)).one()
    assert expiry.wallet_id == welcome.wallet_id and expiry.amount == -WELCOME_BONUS
    assert now - timedelta(days=38) <= as_utc(expiry.created_at) <= now

    # Purchase entries span the year, and nothing is dated after now.
    first, last = db_session.execute(
        select(func.min(Entry.created_at), func.max(Entry.created_at)).where(
            Entry.source_type == "purchase_month"
        )
    ).one()
    first, last = as_utc(first), as_utc(last)
    assert now - timedelta(days=366) <= first <= now - timedelta(days=300)
    assert now - timedelta(days=31) <= last <= now
    newest = db_session.scalar(select(func.max(Entry.created_at)))
    assert as_utc(newest) <= now


def test_the_plan_is_the_same_every_time(app_ctx):
    now = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    first = plan_purchases(DemoClock(now), random.Random(SEED))
    again = plan_purchases(DemoClock(now), random.Random(SEED))
    assert first == again
    numbers = [item.number for item in first]
    assert len(numbers) == len(set(numbers))


def test_demo_has_a_catalogue_and_redemptions_in_every_state(demo_session):
    db_session = demo_session  # the demo club, loaded once (the `demo` fixture)
    titles = db_session.scalars(select(Privilege.title)).all()
    assert "Commercial proposal drafting" in titles and len(titles) == 11
    kinds = set(db_session.scalars(select(Privilege.kind)))
    assert kinds == set(PrivilegeKind)  # one of each kind at least
    assert db_session.scalar(select(Redemption.id).where(Redemption.tracking_number.is_not(None)))
    assert db_session.scalar(select(VoucherCode.id).where(VoucherCode.redemption_id.is_not(None)))
    proposal = db_session.scalar(
        select(Privilege).where(Privilege.title == "Commercial proposal drafting")
    )
    assert proposal.points_cost == 1500
    statuses = set(db_session.scalars(select(Redemption.status)))
    assert {
        RedemptionStatus.FULFILLED,
        RedemptionStatus.IN_PROGRESS,
        RedemptionStatus.REQUESTED,
        RedemptionStatus.REJECTED,
    } <= statuses
    assert verify(db_session).problems == []


def test_demo_privileges_and_meetings_are_written_in_three_languages(demo_session):
    """One privilege and one meeting miss a language, to show the "shown in" marker."""
    privileges = Counter(demo_session.scalars(select(PrivilegeText.language)))
    meetings = Counter(demo_session.scalars(select(MeetingText.language)))
    assert privileges == {"en": 11, "pl": 11, "ru": 10}
    assert meetings["en"] == meetings["pl"] == meetings["ru"] + 1 >= 6


def test_demo_companies_stand_where_the_admission_rules_put_them(demo_session):
    db_session = demo_session
    today = club_today()
    by_name = {company.name: company for company in db_session.scalars(select(Company))}
    # The applicant is on its way in, below the threshold: the admission run leaves it.
    applicant = by_name["Elektro-Bałtyk S.A."]
    window = admission.admission_window(admission.rules(db_session), today)
    points = confirmed_points(db_session, *window).get(applicant.id, 0)
    assert 0 < points < admission.rules(db_session).threshold_points
    assert admit_applicants(db_session) == 0
    # Suspended: frozen, forfeited later; gone: past the freeze, nothing left to forfeit.
    assert admission.forfeit_on(db_session, by_name["ИП Ёлкин А. В."]) > today
    assert admission.forfeit_on(db_session, by_name["Technik Handel GmbH"]) <= today
    assert forfeit_frozen_points(db_session) == 0
    steps = admission.history(db_session, by_name["ИП Ёлкин А. В."])
    assert [step.to_status for step in steps] == [
        MembershipStatus.SUSPENDED,
        MembershipStatus.MEMBER,
        MembershipStatus.APPLICANT,
    ]
    assert sum(company.is_pilot for company in by_name.values()) == 2
    assert db_session.scalar(select(Privilege).where(Privilege.is_pilot_only.is_(True)))


def test_demo_has_earning_rules_and_one_rule_earning(demo_session):
    db_session = demo_session  # the demo club, loaded once (the `demo` fixture)
    kinds = set(db_session.scalars(select(Rule.kind)))
    assert kinds == {
        RuleKind.PURCHASE_RATE,
        RuleKind.TIER_MULTIPLIER,
        RuleKind.EINVOICE,
        RuleKind.EARLY_PAYMENT,
        RuleKind.PRODUCT_GROUP,
        RuleKind.FEATURE,
        RuleKind.REFERRAL,
    }
    by_kind = {
        kind: earning
        for earning, kind in db_session.execute(
            select(Earning, Rule.kind).join(Rule, Rule.id == Earning.rule_id)
        )
    }
    assert len(by_kind) == 2
    configurator, referral = by_kind[RuleKind.FEATURE], by_kind[RuleKind.REFERRAL]
    entry = db_session.get(Entry, configurator.entry_id)
    assert configurator.points == 10 == entry.amount and entry.kind == EntryKind.EARN
    # A referral rewarded (the invited company applied, was admitted and paid), one open.
    assert referral.points == 200
    referrals = db_session.scalars(select(Referral).order_by(Referral.id)).all()
    assert [(r.earned_at is not None, r.applied_at is not None) for r in referrals] == [
        (True, True),
        (False, False),
    ]
    assert verify(db_session).problems == []
