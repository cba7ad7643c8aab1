"""The club manager defines the tiers: in order, named in three languages, each with a
threshold, a multiplier and a colour. Names and colours change at once; thresholds and
multipliers wait for the next requalification (members.standing). Every edit is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.members.errors import MembersError
from club.members.models import Company, Tier
from club.members.standing import tiers

MAX_MULTIPLIER = 1000
CODE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
COLOUR = re.compile(r"^#[0-9a-f]{6}$")

# Member (free), Silver and Gold: what a new club starts with (the migration adds them too).
DEFAULT_TIERS = (
    ("member", "Member", "Członek", "Участник", 0, 100, "#6b7280"),
    ("silver", "Silver", "Srebrny", "Серебряный", 250, 110, "#8a94a6"),
    ("gold", "Gold", "Złoty", "Золотой", 1000, 125, "#b8860b"),
)


class TierError(MembersError):
    pass


@dataclass(frozen=True)
class TierData:
    code: str
    name_en: str
    name_pl: str
    name_ru: str
    threshold: int
    multiplier_percent: int
    colour: str
    is_pilot_only: bool = False


def tier_choices(session: Session, everyone: str) -> list[tuple[str, str]]:
    """A select's choices: `everyone` (no tier asked), then each tier "and above"."""
    return [("", everyone)] + [
        (str(tier.id), _("%(tier)s and above", tier=tier.name)) for tier in tiers(session)
    ]


def ensure_default_tiers(session: Session) -> list[Tier]:
    """The default tiers, when the club has none (a database made without migrations)."""
    if session.scalar(select(func.count()).select_from(Tier)):
        return tiers(session)
    for position, (code, en, pl, ru, threshold, multiplier, colour) in enumerate(DEFAULT_TIERS):
        session.add(
            Tier(
                code=code,
                position=position,
                name_en=en,
                name_pl=pl,
                name_ru=ru,
                threshold=threshold,
                multiplier_percent=multiplier,
                colour=colour,
            )
        )
    session.flush()
    return tiers(session)


def _check(session: Session, tier: Tier | None, data: TierData) -> None:
    """The tier's fields are sound and its threshold sits between its neighbours'."""
    if not CODE.match(data.code):
        raise TierError(_("The key is lower-case letters, digits and hyphens."), field="code")
    if any(not name.strip() for name in (data.name_en, data.name_pl, data.name_ru)):
        raise TierError(_("Name the tier in every language."), field="name_en")
    if not 100 <= data.multiplier_percent <= MAX_MULTIPLIER:
        raise TierError(
            _("The multiplier is between 100 and 1000 percent."), field="multiplier_percent"
        )
    if not COLOUR.match(data.colour):
        raise TierError(_("The colour is written #rrggbb."), field="colour")
    if data.threshold < 0:
        raise TierError(_("The threshold cannot be negative."), field="threshold")
    taken = session.scalar(select(Tier).where(Tier.code == data.code))
    if taken is not None and taken is not tier:
        raise TierError(_("Another tier has this key."), field="code")
    ladder = [other for other in tiers(session) if other is not tier]
    position = tier.position if tier is not None else len(ladder)
    if position == 0 and data.threshold != 0:
        raise TierError(_("The lowest tier is free: its threshold is 0."), field="threshold")
    if position == 0 and data.is_pilot_only:
        raise TierError(
            _("The lowest tier is every member's: it cannot be for the pilot group only."),
            field="is_pilot_only",
        )
    below = [other for other in ladder if other.position < position]
    above = [other for other in ladder if other.position > position]
    if below and data.threshold <= below[-1].next_threshold:
        raise TierError(
            _("The threshold must be above %(tier)s's.", tier=below[-1].name), field="threshold"
        )
    if above and data.threshold >= above[0].next_threshold:
        raise TierError(
            _("The threshold must be below %(tier)s's.", tier=above[0].name), field="threshold"
        )


def _snapshot(tier: Tier) -> dict:
    return {
        "code": tier.code,
        "position": tier.position,
        "names": [tier.name_en, tier.name_pl, tier.name_ru],
        "threshold": tier.next_threshold,
        "multiplier_percent": tier.next_multiplier_percent,
        "colour": tier.colour,
        "is_pilot_only": tier.is_pilot_only,
    }


def save_tier(
    session: Session, tier: Tier | None, data: TierData, *, actor, now: datetime | None = None
) -> Tier:
    """Add a tier on top of the others (tier None) or edit one. A new tier holds nobody
    until the next requalification; an edited threshold or multiplier waits for it."""
    _check(session, tier, data)
    before = _snapshot(tier) if tier is not None else {}
    if tier is None:
        position = (session.scalar(select(func.max(Tier.position))) or -1) + 1
        tier = Tier(
            position=position,
            threshold=data.threshold,
            multiplier_percent=data.multiplier_percent,
        )
        session.add(tier)
    else:
        tier.pending_threshold = None if data.threshold == tier.threshold else data.threshold
        tier.pending_multiplier_percent = (
            None if data.multiplier_percent == tier.multiplier_percent else data.multiplier_percent
        )
    tier.code, tier.colour, tier.is_pilot_only = data.code, data.colour, data.is_pilot_only
    tier.name_en, tier.name_pl, tier.name_ru = data.name_en, data.name_pl, data.name_ru
    session.flush()
    old, new = audit.changes(before, _snapshot(tier))
    audit.record(
        session, "tier.created" if not before else "tier.edited", tier,
        actor=actor, before=old or None, after=new, now=now,
    )  # fmt: skip
    return tier


def remove_top_tier(session: Session, tier: Tier, *, actor, now: datetime | None = None) -> None:
    """Remove the highest tier, if no company holds it or has ever held it and nothing
    names it (a privilege or a meeting): history is never rewritten."""
    top = session.scalar(select(func.max(Tier.position)))
    if tier.position != top or tier.position == 0:
        raise TierError(_("Only the highest tier can be removed, and never the lowest."))
    in_use = session.scalar(
        select(func.count())
        .select_from(Company)
        .where((Company.tier_id == tier.id) | (Company.tier_drop_to_id == tier.id))
    )
    if in_use:
        raise TierError(_("Companies hold this tier: it cannot be removed."))
    snapshot = _snapshot(tier)
    try:
        with session.begin_nested():
            session.delete(tier)
            session.flush()
    except IntegrityError as error:  # history, a privilege or a meeting names it
        raise TierError(_("This tier is named in history, privileges or meetings.")) from error
    audit.record(
        session, "tier.removed", None, actor=actor, before=snapshot,
        object_type="tier", object_id=str(snapshot["code"]), now=now,
    )  # fmt: skip
