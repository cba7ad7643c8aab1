"""Goods on their way and back: the club manager records the carrier and the tracking
number (which fulfils the redemption and tells the holder), and takes back a good that
was returned: the points are refunded to the wallet by an entry naming the redemption,
and the good goes back in stock when it can be given again."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.catalog.errors import CatalogError, InvalidTransition
from club.catalog.models import PrivilegeKind, Redemption, RedemptionStatus
from club.catalog.redemptions import holder_of, lock, step
from club.core.clock import utcnow
from club.core.errors import NotAllowed
from club.core.mail import queue_mail
from club.core.roles import Role
from club.ledger import services as ledger
from club.members.models import User

SHIPPABLE = frozenset({RedemptionStatus.APPROVED, RedemptionStatus.IN_PROGRESS})


def _manager_and_good(redemption: Redemption, actor: User) -> None:
    if actor.role != Role.CLUB_MANAGER:
        raise NotAllowed(_("Only the club manager ships and takes back goods."))
    if redemption.privilege.kind != PrivilegeKind.GOOD:
        raise CatalogError(_("Only goods are shipped."))


def ship(
    session: Session,
    redemption: Redemption,
    *,
    carrier: str,
    tracking_number: str,
    actor: User,
    now: datetime | None = None,
) -> Redemption:
    """The good left with a carrier: recorded, fulfilled (the points are spent), mailed."""
    now = now or utcnow()
    redemption = lock(session, redemption)
    _manager_and_good(redemption, actor)
    carrier, tracking_number = " ".join(carrier.split()), " ".join(tracking_number.split())
    if not carrier or len(carrier) > 80:
        raise CatalogError(_("Name the carrier."), field="carrier")
    if not tracking_number or len(tracking_number) > 80:
        raise CatalogError(_("Enter the tracking number."), field="tracking_number")
    if redemption.status == RedemptionStatus.FULFILLED and (
        redemption.tracking_number == tracking_number
    ):
        return redemption  # the same form sent twice
    if redemption.status not in SHIPPABLE:
        raise InvalidTransition(_("Only an approved good can be shipped."))
    redemption.carrier, redemption.tracking_number = carrier, tracking_number
    note = _(
        "Sent with %(carrier)s, tracking number %(number)s.",
        carrier=carrier,
        number=tracking_number,
    )
    return step(session, redemption, RedemptionStatus.FULFILLED, actor=actor, note=note, now=now)


def take_back(
    session: Session,
    redemption: Redemption,
    *,
    restock: bool,
    note: str,
    actor: User,
    now: datetime | None = None,
) -> Redemption:
    """A shipped good came back: its points return to the wallet (once), and it is back
    in stock when `restock` (not when it came back damaged)."""
    now = now or utcnow()
    redemption = lock(session, redemption)
    _manager_and_good(redemption, actor)
    note = (note or "").strip()[:2000]
    if redemption.returned_at is not None:
        return redemption
    if redemption.status != RedemptionStatus.FULFILLED:
        raise InvalidTransition(_("Only a good that was shipped can be taken back."))
    if not note:
        raise CatalogError(_("Say why it came back: the partner will read it."), field="note")
    ledger.refund(
        session,
        redemption.hold,
        source=ledger.Source("redemption", str(redemption.id)),
        actor=actor,
        reason=_("Returned: %(privilege)s", privilege=redemption.privilege.title),
        now=now,
    )
    redemption.returned_at = now
    redemption.is_restocked = restock
    redemption.updated_at = now
    audit.record(
        session,
        "redemption.returned",
        redemption,
        actor=actor,
        company_id=redemption.company_id,
        after={"restocked": restock, "points": redemption.points, "note": note},
        now=now,
    )
    session.flush()
    holder = holder_of(session, redemption)
    if holder is not None:
        queue_mail(
            session,
            to=holder.email,
            template="redemption_returned",
            locale=holder.language,
            redemption=redemption,
            note=note,
            user=holder,
        )
    return redemption
