"""Admission and leaving: the entry rules, an applicant becoming a member, a member
suspended, leaving or reinstated, and each step kept in the company's membership history.

The measure is the company's confirmed base purchase points over the rules' window of
closed months. Purchases compute it (members sit below them) and the job hands the
figures in: `admit_due(session, figures, today)`. A suspended or left company's points
are frozen (only members redeem) and forfeited `forfeit_after_months` after its status
day; `forfeits_due` names the companies, the ledger takes the points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core import periods
from club.core.clock import utcnow
from club.core.mail import queue_mail
from club.core.roles import Role
from club.members.admission_models import (
    DEFAULT_FORFEIT_AFTER_MONTHS,
    DEFAULT_THRESHOLD_POINTS,
    DEFAULT_WINDOW_MONTHS,
    AdmissionReview,
    AdmissionRules,
    MembershipChange,
    ReviewStatus,
)
from club.members.errors import MembersError
from club.members.models import Company, MembershipStatus, User
from club.members.signals import company_admitted

FROZEN = (MembershipStatus.SUSPENDED, MembershipStatus.LEFT)

# --- the rules ------------------------------------------------------------------------


def rules(session: Session) -> AdmissionRules:
    """The club's entry rules: the saved row, or the defaults (unsaved: reading writes
    nothing)."""
    saved = session.get(AdmissionRules, 1)
    if saved is not None:
        return saved
    return AdmissionRules(
        id=1,
        threshold_points=DEFAULT_THRESHOLD_POINTS,
        window_months=DEFAULT_WINDOW_MONTHS,
        needs_approval=False,
        forfeit_after_months=DEFAULT_FORFEIT_AFTER_MONTHS,
    )


def _rules_snapshot(row: AdmissionRules) -> dict:
    return {
        "threshold_points": row.threshold_points,
        "window_months": row.window_months,
        "needs_approval": row.needs_approval,
        "forfeit_after_months": row.forfeit_after_months,
    }


def save_rules(
    session: Session,
    *,
    threshold_points: int,
    window_months: int,
    needs_approval: bool,
    forfeit_after_months: int,
    actor: User,
    now: datetime | None = None,
) -> AdmissionRules:
    """The club manager sets the entry rules; the next admission run applies them."""
    if threshold_points < 1:
        raise MembersError(_("The threshold is at least 1 point."), field="threshold_points")
    if not 1 <= window_months <= 36:
        raise MembersError(_("The window is 1 to 36 months."), field="window_months")
    if not 0 <= forfeit_after_months <= 60:
        raise MembersError(
            _("Frozen points are forfeited 0 to 60 months later."), field="forfeit_after_months"
        )
    now = now or utcnow()
    row = _rules_row(session)
    before = _rules_snapshot(row)
    row.threshold_points = threshold_points
    row.window_months = window_months
    row.needs_approval = needs_approval
    row.forfeit_after_months = forfeit_after_months
    row.updated_at = now
    row.updated_by_id = actor.id
    old, new = audit.changes(before, _rules_snapshot(row))
    if new:
        audit.record(
            session, "admission.rules_changed", row, actor=actor, before=old, after=new, now=now
        )
    session.flush()
    return row


def _rules_row(session: Session) -> AdmissionRules:
    """The saved row, locked; the first save writes the defaults first (two managers
    saving at once for the first time: the single-row check refuses the second insert,
    which then locks the first one's row)."""
    row = session.get(AdmissionRules, 1, with_for_update=True)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            session.add(rules(session))
    except IntegrityError:
        pass
    return session.get(AdmissionRules, 1, with_for_update=True, populate_existing=True)


def admission_window(rules_: AdmissionRules, today: date) -> tuple[date, date]:
    """The purchase months that count: the rules' number of closed months before this
    one, as (first month, this month), the second one excluded."""
    this_month = periods.month_start(today)
    return periods.add_months(this_month, -rules_.window_months), this_month


# --- progress -------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    points: int  # confirmed base purchase points in the window
    threshold: int
    window_starts: date  # the first purchase month that counts
    window_ends: date  # the first month that does not count yet

    @property
    def missing(self) -> int:
        return max(self.threshold - self.points, 0)

    @property
    def reached(self) -> bool:
        return self.points >= self.threshold

    @property
    def percent(self) -> int:
        return min(100, self.points * 100 // self.threshold)


def progress(session: Session, points: int, today: date) -> Progress:
    """Where a company stands against the threshold, given its figure for the window."""
    current = rules(session)
    starts, ends = admission_window(current, today)
    return Progress(points, current.threshold_points, starts, ends)


# --- status changes -------------------------------------------------------------------


def history(session: Session, company: Company) -> list[MembershipChange]:
    return session.scalars(
        select(MembershipChange)
        .where(MembershipChange.company_id == company.id)
        .order_by(MembershipChange.id.desc())
    ).all()


def registered(
    session: Session, company: Company, *, actor: User | None, now: datetime
) -> MembershipChange:
    """The first step of a new company's history: the status it was registered with."""
    today = periods.club_today(now)
    company.status_since = today
    if company.status == MembershipStatus.MEMBER and company.joined_on is None:
        company.joined_on = today
    step = MembershipChange(
        company_id=company.id,
        from_status=None,
        to_status=company.status,
        changed_on=today,
        reason=_("registered"),
        actor_id=actor.id if actor else None,
        created_at=now,
    )
    session.add(step)
    return step


def _locked(session: Session, company: Company) -> Company:
    """The company row locked for this transaction, its status re-read: two runs or two
    managers at once change it once."""
    session.flush()  # what the caller set on it is written before the row is re-read
    return session.execute(
        select(Company)
        .where(Company.id == company.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def change_status(
    session: Session,
    company: Company,
    to: MembershipStatus,
    *,
    actor: User | None,
    reason: str = "",
    now: datetime | None = None,
) -> MembershipChange | None:
    """Move a company to another status and keep the step; None when it is there already.

    An applicant becoming a member is an admission (welcome mail, certificate, pending
    quiz points confirmed); a suspended company becoming a member again is reinstated
    with its points usable, as long as they were not forfeited yet.
    """
    now = now or utcnow()
    company = _locked(session, company)
    before = company.status
    if before == to:
        return None
    today = periods.club_today(now)
    step = MembershipChange(
        company_id=company.id,
        from_status=before,
        to_status=to,
        changed_on=today,
        reason=reason.strip(),
        actor_id=actor.id if actor else None,
        created_at=now,
    )
    session.add(step)
    company.status = to
    company.status_since = today
    if to == MembershipStatus.MEMBER and company.joined_on is None:
        company.joined_on = today
    audit.record(
        session,
        "company.membership_changed",
        company,
        actor=actor,
        company_id=company.id,
        before={"status": before.value},
        after={"status": to.value, "reason": step.reason},
        now=now,
    )
    session.flush()
    if to == MembershipStatus.MEMBER and before == MembershipStatus.APPLICANT:
        _welcome(session, company, now=now)
        company_admitted.send(session, company=company, actor=actor, now=now)
    return step


def _welcome(session: Session, company: Company, *, now: datetime) -> None:
    """The welcome mail goes to the account holder (a company without one yet hears it
    with the holder's invitation)."""
    holder = session.scalar(
        select(User).where(
            User.company_id == company.id,
            User.role == Role.ACCOUNT_HOLDER,
            User.is_active.is_(True),
        )
    )
    if holder is not None:
        queue_mail(
            session,
            to=holder.email,
            template="welcome_member",
            locale=holder.language,
            person=holder,
            company=company,
        )


def set_membership(
    session: Session,
    company: Company,
    action: str,
    *,
    actor: User,
    reason: str,
    now: datetime | None = None,
) -> MembershipChange:
    """The club manager suspends a member, records that a company left, or reinstates a
    suspended one; each needs a reason."""
    moves = {
        "suspend": ({MembershipStatus.MEMBER}, MembershipStatus.SUSPENDED),
        "leave": (
            {MembershipStatus.MEMBER, MembershipStatus.SUSPENDED, MembershipStatus.APPLICANT},
            MembershipStatus.LEFT,
        ),
        "reinstate": ({MembershipStatus.SUSPENDED}, MembershipStatus.MEMBER),
    }
    if action not in moves:
        raise MembersError(_("Choose suspend, leave or reinstate."))
    if not reason.strip():
        raise MembersError(_("Say why, for the company's history."), field="reason")
    allowed, to = moves[action]
    if company.status not in allowed:
        raise MembersError(
            _(
                "The status of %(company)s is %(status)s: that does not apply.",
                company=company.name,
                status=company.status.label,
            )
        )
    return change_status(session, company, to, actor=actor, reason=reason[:500], now=now)


# --- the admission run ----------------------------------------------------------------


def admit_due(
    session: Session, figures: Mapping[int, int], today: date, *, now: datetime | None = None
) -> int:
    """Applicants whose figure reached the threshold become members, or await the club
    manager's approval when the rules ask for it. Returns how many were admitted or
    proposed; a second run finds nothing to do."""
    now = now or utcnow()
    current = rules(session)
    reached = {cid: points for cid, points in figures.items() if points >= current.threshold_points}
    if not reached:
        return 0
    applicants = session.scalars(
        select(Company)
        .where(Company.id.in_(reached), Company.status == MembershipStatus.APPLICANT)
        .order_by(Company.id)  # locks in one order: two runs never wait on each other
    ).all()
    done = 0
    for company in applicants:
        points = reached[company.id]
        if current.needs_approval:
            done += _propose(session, company, points, today, now=now)
            continue
        why = _(
            "reached %(points)d of %(threshold)d points",
            points=points,
            threshold=current.threshold_points,
        )
        if change_status(
            session, company, MembershipStatus.MEMBER, actor=None, reason=why, now=now
        ):
            done += 1
    return done


def _propose(session: Session, company: Company, points: int, today: date, *, now) -> int:
    """An awaiting review for the club manager; one per company however many runs."""
    review = session.scalar(
        select(AdmissionReview).where(AdmissionReview.company_id == company.id).with_for_update()
    )
    if review is not None:
        if review.status != ReviewStatus.APPROVED:
            return 0  # awaiting already, or declined: the manager has it in hand
        review.status, review.decided_by_id, review.decided_at = ReviewStatus.AWAITING, None, None
    else:
        review = AdmissionReview(company_id=company.id, status=ReviewStatus.AWAITING)
        try:
            with session.begin_nested():
                review.points, review.reached_on = points, today
                session.add(review)
        except IntegrityError:  # another run proposed it a moment ago
            return 0
    review.points, review.reached_on = points, today
    audit.record(
        session,
        "admission.proposed",
        review,
        company_id=company.id,
        after={"points": points},
        now=now,
    )
    session.flush()
    return 1


def reviews(session: Session) -> list[AdmissionReview]:
    """Admissions awaiting approval first, then the declined ones, newest first."""
    return session.scalars(
        select(AdmissionReview)
        .where(AdmissionReview.status != ReviewStatus.APPROVED)
        .order_by(AdmissionReview.status, AdmissionReview.reached_on.desc(), AdmissionReview.id)
    ).all()


def is_awaiting_approval(session: Session, company: Company) -> bool:
    return (
        company.status == MembershipStatus.APPLICANT
        and session.scalar(
            select(AdmissionReview.id).where(
                AdmissionReview.company_id == company.id,
                AdmissionReview.status == ReviewStatus.AWAITING,
            )
        )
        is not None
    )


def decide(
    session: Session,
    review: AdmissionReview,
    *,
    approve: bool,
    actor: User,
    now: datetime | None = None,
) -> None:
    """The club manager approves (the company is admitted) or declines; a declined one
    stays on the list and can be approved later."""
    now = now or utcnow()
    review = session.execute(
        select(AdmissionReview)
        .where(AdmissionReview.id == review.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if review.status == ReviewStatus.APPROVED:
        raise MembersError(_("This admission was approved already."))
    review.status = ReviewStatus.APPROVED if approve else ReviewStatus.DECLINED
    review.decided_by_id, review.decided_at = actor.id, now
    audit.record(
        session,
        "admission.approved" if approve else "admission.declined",
        review,
        actor=actor,
        company_id=review.company_id,
        after={"points": review.points},
        now=now,
    )
    if approve and review.company.status == MembershipStatus.APPLICANT:
        why = _("admission approved (%(points)d points)", points=review.points)
        change_status(
            session, review.company, MembershipStatus.MEMBER, actor=actor, reason=why, now=now
        )
    session.flush()


# --- frozen points --------------------------------------------------------------------


def forfeit_on(session: Session, company: Company) -> date | None:
    """The club day a suspended or left company's frozen points are forfeited."""
    if company.status not in FROZEN or company.status_since is None:
        return None
    return periods.add_months(company.status_since, rules(session).forfeit_after_months)


def forfeits_due(session: Session, today: date) -> list[Company]:
    """Suspended and left companies whose freeze has run out by `today`."""
    months = rules(session).forfeit_after_months
    # add_months(since, months) <= today for every since up to this day (months clamp
    # to their last day, so compare per company rather than with one date).
    candidates = session.scalars(
        select(Company)
        .where(Company.status.in_(FROZEN), Company.status_since.is_not(None))
        .where(Company.status_since <= today)
        .order_by(Company.id)
    ).all()
    return [c for c in candidates if periods.add_months(c.status_since, months) <= today]
