"""Admission at the threshold's edges, approval, leaving with frozen then forfeited points,
and the figure the threshold is measured by."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from club.audit.models import AuditEntry
from club.awards.models import MembershipCertificate
from club.catalog import services as catalog
from club.core.errors import NotAllowed
from club.core.roles import Role
from club.jobs import admit_applicants, forfeit_frozen_points
from club.learning.passes import earns_points
from club.ledger import services as ledger
from club.ledger.models import Entry, EntryKind
from club.ledger.verify import verify
from club.members import admission
from club.members.admission_models import MembershipChange, ReviewStatus
from club.members.errors import MembersError
from club.members.models import MembershipStatus
from club.purchases.figures import confirmed_points
from club.purchases.models import PurchaseMonth

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)

# 23:30 UTC on 30 November is already 1 December in the club's time zone (Warsaw).
NOW = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
TODAY = date(2026, 12, 1)


@pytest.fixture
def applicant(db_session, club):
    club.company.status = MembershipStatus.APPLICANT
    db_session.commit()
    return club.company


def _steps(session, company) -> list[MembershipChange]:
    return session.scalars(
        select(MembershipChange).where(MembershipChange.company_id == company.id)
    ).all()


def _certificates(session, company) -> int:
    return session.scalar(
        select(func.count())
        .select_from(MembershipCertificate)
        .where(MembershipCertificate.company_id == company.id)
    )


def test_exactly_at_the_threshold_admits_once_with_mail_certificate_and_audit(
    db_session, club, applicant, mailbox
):
    figures = {applicant.id: 100, club.other_company.id: 5_000}  # the other is a member
    assert admission.admit_due(db_session, figures, TODAY, now=NOW) == 1
    db_session.commit()
    assert applicant.status == MembershipStatus.MEMBER
    assert applicant.joined_on == TODAY == applicant.status_since  # the club's calendar
    [step] = _steps(db_session, applicant)
    assert (step.from_status, step.to_status, step.actor_id) == (
        MembershipStatus.APPLICANT,
        MembershipStatus.MEMBER,
        None,
    )
    assert "100 of 100" in step.reason
    assert _certificates(db_session, applicant) == 1
    assert [m["To"] for m in mailbox.messages] == [club.holder.email]
    assert db_session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(
            AuditEntry.action == "company.membership_changed",
            AuditEntry.company_id == applicant.id,
        )
    )
    # The job again: nothing more.
    assert admission.admit_due(db_session, figures, TODAY, now=NOW) == 0
    db_session.commit()
    assert len(_steps(db_session, applicant)) == 1 and _certificates(db_session, applicant) == 1
    assert len(mailbox.messages) == 1


def test_one_point_below_stays_an_applicant(db_session, applicant, mailbox):
    assert admission.admit_due(db_session, {applicant.id: 99}, TODAY, now=NOW) == 0
    db_session.commit()
    assert applicant.status == MembershipStatus.APPLICANT and applicant.joined_on is None
    assert _steps(db_session, applicant) == [] and mailbox.messages == []


def test_with_approval_on_the_manager_decides_and_runs_do_not_repeat(
    db_session, club, applicant, make_company
):
    admission.save_rules(
        db_session,
        threshold_points=100,
        window_months=12,
        needs_approval=True,
        forfeit_after_months=6,
        actor=club.club_manager,
        now=NOW,
    )
    other = make_company("Druga", status=MembershipStatus.APPLICANT)
    figures = {applicant.id: 120, other.id: 150}
    assert admission.admit_due(db_session, figures, TODAY, now=NOW) == 2
    assert admission.admit_due(db_session, figures, TODAY, now=NOW) == 0
    db_session.commit()
    assert applicant.status == other.status == MembershipStatus.APPLICANT
    assert admission.is_awaiting_approval(db_session, applicant)
    first, second = sorted(admission.reviews(db_session), key=lambda r: r.company_id)
    admission.decide(db_session, first, approve=True, actor=club.club_manager, now=NOW)
    admission.decide(db_session, second, approve=False, actor=club.club_manager, now=NOW)
    db_session.commit()
    assert applicant.status == MembershipStatus.MEMBER
    assert _steps(db_session, applicant)[0].actor_id == club.club_manager.id
    assert other.status == MembershipStatus.APPLICANT
    # A declined applicant is not proposed again by the next run; it stays on the list.
    assert admission.admit_due(db_session, figures, TODAY, now=NOW) == 0
    assert [r.status for r in admission.reviews(db_session)] == [ReviewStatus.DECLINED]
    with pytest.raises(MembersError):
        admission.decide(db_session, first, approve=True, actor=club.club_manager, now=NOW)


def test_the_rules_are_checked_and_their_changes_audited(db_session, club):
    assert admission.rules(db_session).threshold_points == 100  # the default, unsaved
    with pytest.raises(MembersError) as refused:
        admission.save_rules(
            db_session,
            threshold_points=0,
            window_months=12,
            needs_approval=False,
            forfeit_after_months=6,
            actor=club.club_manager,
        )
    assert refused.value.field == "threshold_points"
    admission.save_rules(
        db_session,
        threshold_points=250,
        window_months=6,
        needs_approval=False,
        forfeit_after_months=3,
        actor=club.club_manager,
        now=NOW,
    )
    audit = db_session.scalar(
        select(AuditEntry).where(AuditEntry.action == "admission.rules_changed")
    )
    assert audit.before["threshold_points"] == 100 and audit.after["threshold_points"] == 250
    assert admission.admission_window(admission.rules(db_session), TODAY) == (
        date(2026, 6, 1),
        date(2026, 12, 1),
    )


def test_the_figure_is_confirmed_base_points_in_the_window(db_session, club, applicant):
    def month(period, confirmed, clawed_back=0, multiplier=100, currency="PLN", company=None):
        db_session.add(
            PurchaseMonth(
                company_id=(company or applicant).id,
                period=period,
                currency=currency,
                rate=500,
                grace_days=7,
                multiplier_percent=multiplier,
                net_total=Decimal(confirmed * 500),
                earned=confirmed + 10,  # ten pending or forfeited: never counted
                confirmed=confirmed,
                clawed_back=clawed_back,
                closed_at=NOW,
            )
        )

    month(date(2025, 11, 1), 500)  # before the window
    month(date(2025, 12, 1), 40, clawed_back=10)  # the first month that counts: 30
    month(date(2026, 6, 1), 30, multiplier=150)  # 30 with a 50% bonus: 20 base
    month(date(2026, 6, 1), 25, currency="RUB")  # another currency, the same points
    month(date(2026, 12, 1), 900)  # this month is not closed yet
    month(date(2026, 3, 1), 7, company=club.other_company)
    db_session.flush()
    window = admission.admission_window(admission.rules(db_session), TODAY)
    assert confirmed_points(db_session, *window) == {applicant.id: 75, club.other_company.id: 7}
    assert confirmed_points(db_session, *window, company_id=applicant.id) == {applicant.id: 75}


def test_the_job_admits_from_purchases(db_session, applicant):
    db_session.add(
        PurchaseMonth(
            company_id=applicant.id,
            period=date(2026, 11, 1),
            rate=500,
            grace_days=7,
            net_total=Decimal(50_000),
            earned=100,
            confirmed=100,
            closed_at=NOW,
        )
    )
    assert admit_applicants(db_session, now=NOW) == 1
    assert applicant.status == MembershipStatus.MEMBER


# --- leaving and frozen points ----------------------------------------------------------

SUSPENDED_AT = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)
# 31 March + 6 months is 30 September (the month's last day).
FORFEIT_DAY = datetime(2026, 9, 30, 9, 0, tzinfo=UTC)
DAY_BEFORE = datetime(2026, 9, 29, 9, 0, tzinfo=UTC)


@pytest.fixture
def suspended(db_session, club):
    wallet = ledger.wallet_for(db_session, club.company.id)
    ledger.earn(db_session, wallet, 700, source=ledger.Source("bonus", "1"), now=SUSPENDED_AT)
    ledger.earn(
        db_session, wallet, 50, source=ledger.Source("bonus", "2"), pending=True, now=SUSPENDED_AT
    )
    admission.set_membership(
        db_session,
        club.company,
        "suspend",
        actor=club.club_manager,
        reason="Invoices overdue",
        now=SUSPENDED_AT,
    )
    db_session.commit()
    return club.company


def test_a_suspended_company_cannot_redeem_and_is_told_why(
    db_session, club, suspended, make_privilege
):
    privilege = make_privilege(points=100)
    with pytest.raises(NotAllowed, match="frozen"):
        catalog.redeem(db_session, privilege, actor=club.holder, answers={}, now=SUSPENDED_AT)


def test_frozen_points_are_forfeited_on_the_day_the_period_ends(db_session, club, suspended):
    assert admission.forfeit_on(db_session, suspended) == FORFEIT_DAY.date()
    assert forfeit_frozen_points(db_session, now=DAY_BEFORE) == 0
    assert ledger.wallet_for(db_session, suspended.id).available == 700
    assert forfeit_frozen_points(db_session, now=FORFEIT_DAY) == 1
    assert forfeit_frozen_points(db_session, now=FORFEIT_DAY) == 0  # the second run
    db_session.commit()
    wallet = ledger.wallet_for(db_session, suspended.id)
    assert (wallet.available, wallet.pending) == (0, 50)  # pending waits for its month
    [entry] = db_session.scalars(
        select(Entry).where(Entry.wallet_id == wallet.id, Entry.source_type == "membership")
    ).all()
    assert entry.kind == EntryKind.EXPIRE and entry.amount == -700
    assert db_session.scalar(select(func.count()).select_from(Entry)) == 3  # nothing deleted
    assert verify(db_session).ok


def test_reinstated_the_day_before_keeps_its_points_usable(
    db_session, club, suspended, make_privilege
):
    admission.set_membership(
        db_session,
        suspended,
        "reinstate",
        actor=club.club_manager,
        reason="Paid up",
        now=DAY_BEFORE,
    )
    assert forfeit_frozen_points(db_session, now=FORFEIT_DAY) == 0
    db_session.commit()
    assert admission.forfeit_on(db_session, suspended) is None
    assert ledger.wallet_for(db_session, suspended.id).available == 700
    redemption = catalog.redeem(
        db_session, make_privilege(points=100), actor=club.holder, answers={}, now=FORFEIT_DAY
    )
    assert redemption.points == 100
    steps = [(s.from_status, s.to_status) for s in _steps(db_session, suspended)]
    assert steps == [
        (MembershipStatus.MEMBER, MembershipStatus.SUSPENDED),
        (MembershipStatus.SUSPENDED, MembershipStatus.MEMBER),
    ]
    assert suspended.status_since == DAY_BEFORE.date()


def test_membership_steps_need_a_reason_and_a_status_they_apply_to(db_session, club, suspended):
    with pytest.raises(MembersError):
        admission.set_membership(
            db_session, suspended, "suspend", actor=club.club_manager, reason="again"
        )
    with pytest.raises(MembersError):
        admission.set_membership(
            db_session, suspended, "leave", actor=club.club_manager, reason=" "
        )
    step = admission.set_membership(
        db_session, suspended, "leave", actor=club.club_manager, reason="Closed down"
    )
    assert step.to_status == MembershipStatus.LEFT and suspended.status_since == step.changed_on


def test_a_staff_member_of_a_left_company_earns_no_quiz_points(db_session, club, make_user):
    club.company.status = MembershipStatus.LEFT
    assert not earns_points(club.staff)
    club.company.status = MembershipStatus.APPLICANT
    assert earns_points(club.staff) and not earns_points(make_user(Role.CLUB_MANAGER))
