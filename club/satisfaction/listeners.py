"""The satisfaction question follows the club's occasions: a fulfilled redemption (its
account holder is asked) and a closed meeting (each attendee is asked). Connected when the
package is imported (its __init__ imports this module); neither catalog nor events
imports it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from club.catalog.models import Redemption
from club.catalog.redemptions import holder_of
from club.catalog.signals import redemption_fulfilled
from club.events.models import Meeting, Registration
from club.events.signals import meeting_closed
from club.satisfaction import services
from club.satisfaction.models import Occasion


@redemption_fulfilled.connect
def _after_fulfilment(session: Session, *, redemption: Redemption, now, **_) -> None:
    holder = holder_of(session, redemption)
    if holder is not None:
        services.offer(session, holder, Occasion.REDEMPTION, redemption.id, now=now)


@meeting_closed.connect
def _after_meeting(
    session: Session, *, meeting: Meeting, attended: list[Registration], now, **_
) -> None:
    for registration in attended:
        services.offer(session, registration.user, Occasion.MEETING, meeting.id, now=now)
