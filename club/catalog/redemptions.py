"""Redemptions: the account holder's answers to the brief, redeeming (a hold on the
company's points) and the timeline a redemption moves along until the points are
captured (fulfilled) or released (rejected, cancelled).

Redeeming locks the privilege row (capacity and stock are counted under the lock), then
holds the points through the ledger (which locks the wallet): two tabs or API calls at
the same moment can neither oversell a privilege nor overspend a wallet. Lock order is
always privilege, then wallet.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.catalog import codes
from club.catalog.errors import (
    BriefIncomplete,
    CapacityReached,
    CatalogError,
    InvalidTransition,
    PrivilegeUnavailable,
)
from club.catalog.goods import Delivery, check_delivery, check_variant_left, remember_address
from club.catalog.models import (
    OPEN_STATUSES,
    Privilege,
    PrivilegeKind,
    Redemption,
    RedemptionEvent,
    RedemptionStatus,
)
from club.catalog.privileges import remaining, unavailable_reason
from club.catalog.signals import redemption_fulfilled
from club.consent import services as consent
from club.core.clock import utcnow
from club.core.errors import NotAllowed
from club.core.mail import queue_mail
from club.core.periods import club_today, quarter_of
from club.core.roles import Role
from club.ledger import services as ledger
from club.ledger.errors import IdempotencyConflict
from club.members.models import Company, MembershipStatus, User
from club.members.standing import reaches

MAX_ANSWER_LENGTH = 2000


# --- the brief ------------------------------------------------------------------------


def check_answers(privilege: Privilege, answers: dict) -> dict[str, str]:
    """The partner's answers, cleaned; BriefIncomplete names each missing or bad one."""
    problems: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for question in privilege.brief:
        key, kind = question["key"], question.get("type", "text")
        value = str(answers.get(key) or "").strip()
        if not value:
            if question.get("required", True):
                problems[key] = _("Please answer this question.")
            continue
        if len(value) > MAX_ANSWER_LENGTH:
            problems[key] = _(
                "Keep the answer under %(count)d characters.", count=MAX_ANSWER_LENGTH
            )
        elif kind == "url" and not re.match(r"^https?://[^\s/$.?#].[^\s]*$", value):
            problems[key] = _("Enter an address starting with http:// or https://.")
        elif kind == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                problems[key] = _("Enter a date like 2026-11-03.")
        elif kind == "number":
            try:
                Decimal(value.replace(",", "."))
            except ArithmeticError:
                problems[key] = _("Enter a number.")
        cleaned[key] = value
    if problems:
        raise BriefIncomplete(_("Some answers are missing or need a correction."), problems)
    return cleaned


# --- redeeming ------------------------------------------------------------------------


def _lock_privilege(session: Session, privilege: Privilege) -> Privilege:
    return session.execute(
        select(Privilege)
        .where(Privilege.id == privilege.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _by_key(session: Session, key: str | None) -> Redemption | None:
    if key is None:
        return None
    return session.scalar(select(Redemption).where(Redemption.idempotency_key == key))


def _redeeming_company(actor: User) -> Company:
    if actor.role != Role.ACCOUNT_HOLDER or actor.company_id is None:
        raise NotAllowed(_("Only your company's account holder can redeem points."))
    if actor.company.status == MembershipStatus.APPLICANT:
        raise NotAllowed(_("Your company can redeem points once it is admitted to the club."))
    if actor.company.status != MembershipStatus.MEMBER:
        raise NotAllowed(
            _(
                "Your company's status is %(status)s: its points are frozen and cannot be spent.",
                status=actor.company.status.label.lower(),
            )
        )
    return actor.company


def _check_open_to(session: Session, privilege: Privilege, company: Company, today: date):
    """The privilege's dates and tier allow this company to redeem it today."""
    if (reason := unavailable_reason(privilege, today=today)) is not None:
        raise PrivilegeUnavailable(reason)
    if privilege.is_pilot_only and not company.is_pilot:
        raise PrivilegeUnavailable(_("This privilege is for the pilot group only."))
    if not reaches(session, company, privilege.min_tier):
        raise PrivilegeUnavailable(
            _("This privilege is for %(tier)s and above.", tier=privilege.min_tier.name)
        )


def _check_left(session: Session, privilege: Privilege, today: date) -> None:
    """Capacity and stock, counted under the privilege's lock."""
    left = remaining(session, privilege, today=today)
    if left.this_quarter == 0:
        raise CapacityReached(_("This privilege is fully booked this quarter."))
    if left.in_stock == 0:
        raise CapacityReached(_("This privilege is out of stock."))


def redeem(
    session: Session,
    privilege: Privilege,
    *,
    actor: User,
    answers: dict,
    delivery: Delivery | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Redemption:
    """The account holder spends the company's points: a hold, then the queue. A good
    needs a delivery (address, phone, variant); an e-voucher that delivers at once takes
    its code now (or waits for one when the pool is empty)."""
    now = now or utcnow()
    company = _redeeming_company(actor)
    privilege = _lock_privilege(session, privilege)
    # Checked under the lock, so a replay racing the first request finds it.
    if (existing := _by_key(session, idempotency_key)) is not None:
        if existing.company_id != company.id or existing.privilege_id != privilege.id:
            raise IdempotencyConflict(_("This request key was already used for something else."))
        return existing
    consent.require_current_rules(session, company)
    today = club_today(now)
    _check_open_to(session, privilege, company, today)
    cleaned = check_answers(privilege, answers)
    is_good = privilege.kind == PrivilegeKind.GOOD
    if is_good:
        delivery = check_delivery(privilege, delivery)
    _check_left(session, privilege, today)
    if is_good:
        check_variant_left(session, privilege, delivery.variant_id)
    redemption = _held_redemption(session, privilege, company, actor=actor, now=now)
    redemption.answers, redemption.idempotency_key = cleaned, idempotency_key
    if is_good:
        redemption.variant_id = delivery.variant_id
        redemption.delivery_address, redemption.contact_phone = delivery.address, delivery.phone
        remember_address(session, company.id, delivery, now=now)
    session.add(redemption)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise IdempotencyConflict(
            _("This request key was already used for something else.")
        ) from None
    session.add(
        RedemptionEvent(
            redemption_id=redemption.id,
            status=RedemptionStatus.REQUESTED,
            actor_id=actor.id,
            created_at=now,
        )
    )
    session.flush()
    if privilege.kind == PrivilegeKind.E_VOUCHER and privilege.delivers_at_once:
        # No one approves: the redemption is approved by the club's rule and served now.
        step(session, redemption, RedemptionStatus.APPROVED, actor=None, now=now, notify=False)
        if serve(session, redemption, now=now):
            return redemption
    _notify(session, redemption, redemption.status, note="")
    _notify_managers(session, redemption)
    return redemption


def _held_redemption(
    session: Session, privilege: Privilege, company: Company, *, actor: User, now: datetime
) -> Redemption:
    """The points held, and the redemption that names the hold (not yet added)."""
    hold = ledger.hold(
        session,
        ledger.wallet_for(session, company.id),
        privilege.points_cost,
        source=ledger.Source("privilege", str(privilege.id)),
        actor=actor,
        reason=privilege.title,
        now=now,
    )
    return Redemption(
        privilege_id=privilege.id,
        company_id=company.id,
        hold_id=hold.id,
        requested_by_id=actor.id,
        points=privilege.points_cost,
        money_value=privilege.money_value,
        quarter=quarter_of(club_today(now)).arg,
        created_at=now,
        updated_at=now,
    )


def _notify_managers(session: Session, redemption: Redemption) -> None:
    for manager in session.scalars(
        select(User).where(User.role == Role.CLUB_MANAGER, User.is_active.is_(True))
    ):
        queue_mail(
            session,
            to=manager.email,
            template="redemption_new",
            locale=manager.language,
            redemption=redemption,
            user=manager,
        )


# --- moving a redemption ------------------------------------------------------------

TRANSITIONS = {
    RedemptionStatus.REQUESTED: {
        RedemptionStatus.APPROVED,
        RedemptionStatus.REJECTED,
        RedemptionStatus.CANCELLED,
    },
    RedemptionStatus.APPROVED: {
        RedemptionStatus.IN_PROGRESS,
        RedemptionStatus.FULFILLED,
        RedemptionStatus.REJECTED,
    },
    RedemptionStatus.IN_PROGRESS: {RedemptionStatus.FULFILLED, RedemptionStatus.REJECTED},
}


def _check_step(redemption: Redemption, to: RedemptionStatus, *, actor: User) -> None:
    """The partner's account holder may only cancel; the club manager moves the rest."""
    if to == RedemptionStatus.CANCELLED:
        if actor.role != Role.ACCOUNT_HOLDER or actor.company_id != redemption.company_id:
            raise NotAllowed(_("Only the company's account holder can cancel."))
    elif actor.role != Role.CLUB_MANAGER:
        raise NotAllowed(_("Only the club manager moves redemptions along."))
    if to not in TRANSITIONS.get(redemption.status, set()):
        raise InvalidTransition(
            _(
                "A redemption that is %(now)s cannot become %(to)s.",
                now=redemption.status.label,
                to=to.label,
            )
        )


def _check_fulfilment(redemption: Redemption) -> None:
    """Goods are fulfilled by shipping them, e-vouchers by their code."""
    kind = redemption.privilege.kind
    if kind == PrivilegeKind.GOOD and not redemption.tracking_number:
        raise CatalogError(_("Record the carrier and the tracking number to fulfil a good."))
    if kind == PrivilegeKind.E_VOUCHER:
        raise CatalogError(_("An e-voucher is fulfilled when a code from its pool is assigned."))


def move(
    session: Session,
    redemption: Redemption,
    to: RedemptionStatus,
    *,
    actor: User,
    note: str = "",
    now: datetime | None = None,
) -> Redemption:
    """One step along the timeline; fulfilled captures the points, the exits release
    them. Repeating the step just taken (a double click) changes nothing. Approving an
    e-voucher assigns its code and fulfils it, or leaves it waiting for the pool."""
    now = now or utcnow()
    redemption = lock(session, redemption)
    if redemption.status == to:
        return redemption
    _check_step(redemption, to, actor=actor)
    note = (note or "").strip()[:2000]
    if to == RedemptionStatus.REJECTED and not note:
        raise CatalogError(_("Say why it is rejected: the partner will read it."), field="note")
    voucher = redemption.privilege.kind == PrivilegeKind.E_VOUCHER
    if to == RedemptionStatus.FULFILLED:
        _check_fulfilment(redemption)
    if voucher and to == RedemptionStatus.IN_PROGRESS:
        raise InvalidTransition(_("An e-voucher goes from approved straight to its code."))
    if voucher and to == RedemptionStatus.APPROVED:
        step(session, redemption, to, actor=actor, note=note, now=now, notify=False)
        if not serve(session, redemption, actor=actor, now=now):
            _notify(session, redemption, to, note=note)
        return redemption
    return step(session, redemption, to, actor=actor, note=note, now=now)


def lock(session: Session, redemption: Redemption) -> Redemption:
    return session.execute(
        select(Redemption)
        .where(Redemption.id == redemption.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def step(
    session: Session,
    redemption: Redemption,
    to: RedemptionStatus,
    *,
    actor: User | None,
    note: str = "",
    now: datetime,
    notify: bool = True,
) -> Redemption:
    """Move a locked redemption (checks done by the caller): capture on fulfilment,
    release on the exits, a timeline event, the audit log and the holder's mail."""
    if to == RedemptionStatus.FULFILLED:
        ledger.capture(session, redemption.hold, actor=actor, now=now)
        redemption.fulfilled_at = now
    elif to in (RedemptionStatus.REJECTED, RedemptionStatus.CANCELLED):
        ledger.release(session, redemption.hold, actor=actor, reason=note, now=now)
    before = redemption.status
    redemption.status = to
    redemption.updated_at = now
    session.add(
        RedemptionEvent(
            redemption_id=redemption.id,
            status=to,
            actor_id=actor.id if actor else None,
            note=note,
            created_at=now,
        )
    )
    session.flush()
    audit.record(
        session,
        "redemption.moved",
        redemption,
        actor=actor,
        company_id=redemption.company_id,
        before={"status": before.value},
        after={"status": to.value, "note": note},
        now=now,
    )
    if notify:
        _notify(session, redemption, to, note=note)
    if to == RedemptionStatus.FULFILLED:
        redemption_fulfilled.send(session, redemption=redemption, now=now)
    return redemption


def serve(
    session: Session, redemption: Redemption, *, actor: User | None = None, now: datetime
) -> bool:
    """An approved e-voucher takes a code from its pool and is fulfilled, and the holder
    gets the code by mail; False (it waits) when the pool is empty."""
    voucher = codes.take_code(session, redemption, now=now)
    if voucher is None:
        return False
    if voucher.value:  # the holder received the code's face value (the tax report)
        redemption.money_value = voucher.value
    step(session, redemption, RedemptionStatus.FULFILLED, actor=actor, now=now, notify=False)
    holder = holder_of(session, redemption)
    if holder is not None:
        code, pin = codes.opened(voucher)
        queue_mail(
            session,
            to=holder.email,
            template="voucher_code",
            locale=holder.language,
            redemption=redemption,
            voucher=voucher,
            code=code,
            pin=pin,
            user=holder,
        )
        audit.record(
            session,
            "voucher.mailed",
            voucher,
            company_id=redemption.company_id,
            after={"redemption": redemption.id, "to": holder.email},
            now=now,
        )
    return True


def holder_of(session: Session, redemption: Redemption) -> User | None:
    holder = session.scalar(
        select(User).where(
            User.company_id == redemption.company_id, User.role == Role.ACCOUNT_HOLDER
        )
    )
    return holder if holder is not None and holder.is_active else None


def _notify(
    session: Session, redemption: Redemption, status: RedemptionStatus, *, note: str
) -> None:
    holder = holder_of(session, redemption)
    if holder is None:
        return
    queue_mail(
        session,
        to=holder.email,
        template="redemption_status",
        locale=holder.language,
        redemption=redemption,
        status=status,
        note=note,
        user=holder,
    )


# --- the queue ------------------------------------------------------------------------


def queue_query(
    *,
    status: RedemptionStatus | None = None,
    privilege_id: int | None = None,
    company_id: int | None = None,
    older_than_days: int | None = None,
    now: datetime | None = None,
):
    now = now or utcnow()
    query = select(Redemption)
    if status is not None:
        query = query.where(Redemption.status == status)
    if privilege_id:
        query = query.where(Redemption.privilege_id == privilege_id)
    if company_id:
        query = query.where(Redemption.company_id == company_id)
    if older_than_days:
        query = query.where(Redemption.created_at < now - timedelta(days=older_than_days))
    return query.order_by(Redemption.created_at, Redemption.id)


def is_overdue(redemption: Redemption, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    deadline = redemption.created_at + timedelta(days=redemption.privilege.lead_time_days)
    return redemption.status in OPEN_STATUSES and now > deadline
