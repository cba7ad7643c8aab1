"""Goods: where a redeemed good goes (an address and a contact phone, remembered per
company and editable each time) and which variant (size, colour) it takes from the shelf.
Stock is counted under the privilege's lock (see redemptions.redeem)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.catalog.errors import BriefIncomplete, CapacityReached
from club.catalog.models import DeliveryAddress, Privilege, Variant
from club.catalog.privileges import variants_left

MAX_ADDRESS_LENGTH = 500
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{5,24}$")


@dataclass(frozen=True)
class Delivery:
    """What the account holder gives when redeeming a good."""

    address: str = ""
    phone: str = ""
    variant_id: int | None = None


def check_delivery(privilege: Privilege, delivery: Delivery | None) -> Delivery:
    """The delivery cleaned; BriefIncomplete names each missing or bad field."""
    delivery = delivery or Delivery()
    problems: dict[str, str] = {}
    address = "\n".join(line.strip() for line in delivery.address.strip().splitlines())
    phone = " ".join(delivery.phone.split())
    if not address:
        problems["address"] = _("Where should we send it?")
    elif len(address) > MAX_ADDRESS_LENGTH:
        problems["address"] = _(
            "Keep the address under %(count)d characters.", count=MAX_ADDRESS_LENGTH
        )
    if not PHONE.match(phone):
        problems["phone"] = _("Enter a phone number the courier can call, like +48 600 100 200.")
    ids = {variant.id for variant in privilege.variants}
    if ids and delivery.variant_id not in ids:
        problems["variant"] = _("Choose a variant.")
    if problems:
        raise BriefIncomplete(_("The delivery details need a correction."), problems)
    return Delivery(address, phone, delivery.variant_id if ids else None)


def check_variant_left(session: Session, privilege: Privilege, variant_id: int | None) -> None:
    """Under the privilege's lock: the chosen variant is still on the shelf."""
    if variant_id is None:
        return
    if variants_left(session, privilege).get(variant_id, 0) == 0:
        variant = session.get(Variant, variant_id)
        raise CapacityReached(_("“%(variant)s” is out of stock.", variant=variant.label))


def saved_address(session: Session, company_id: int) -> DeliveryAddress | None:
    return session.scalar(select(DeliveryAddress).where(DeliveryAddress.company_id == company_id))


def remember_address(
    session: Session, company_id: int, delivery: Delivery, *, now: datetime
) -> None:
    """The company's address for next time: the last one it gave."""
    saved = saved_address(session, company_id)
    if saved is None:
        saved = DeliveryAddress(company_id=company_id)
        session.add(saved)
    saved.address, saved.phone, saved.updated_at = delivery.address, delivery.phone, now
