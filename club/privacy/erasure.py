"""Erasing a person who left: who they were goes, what the club recorded stays.

Name, e-mail address and the texts they wrote are replaced in place; the person's row
stays, so ledger entries (accounting records: amounts and dates), redemptions, quiz
passes and meeting registrations keep pointing at it, now under a pseudonym. Their
login, sessions, links and tokens stop working. The audit log records the erasure, not
what was erased, and its earlier entries about the person are pseudonymised too.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, false, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.api.models import ApiToken
from club.audit import services as audit
from club.audit.models import AuditEntry
from club.catalog.models import OPEN_STATUSES, Redemption, RedemptionEvent, Wish
from club.consent.models import Acceptance
from club.core import shared_cache
from club.core.clock import utcnow
from club.core.errors import NotAllowed
from club.core.roles import Role
from club.events.models import CalendarFeed, Registration
from club.members.models import MembershipStatus, OneTimeLink, User, UserSession
from club.members.sign_in import end_sessions
from club.privacy.errors import ErasureRefused
from club.privacy.models import Erasure
from club.satisfaction.models import SurveyAnswer

ERASED_ANSWER = "—"
TOKEN_NAME = "Erased person's token"  # noqa: S105 (a name, not a secret)


def pseudonym(user: User) -> tuple[str, str]:
    """The erased person's name and e-mail address: unique, and never deliverable
    (`.invalid` is reserved for that, RFC 2606)."""
    return f"Erased person #{user.id}", f"erased-{user.id}@invalid"


def is_erased(session: Session, user: User) -> bool:
    return session.scalar(select(Erasure.id).where(Erasure.user_id == user.id)) is not None


def refusal(session: Session, person: User, *, actor: User) -> str | None:
    """Why `person` may not be erased now, or None."""
    if actor.role != Role.CLUB_MANAGER:
        return _("Only the club manager erases people.")
    if is_erased(session, person):
        return _("This person was erased already.")
    if person.id == actor.id:
        return _("You cannot erase yourself.")
    if person.is_active:
        return _(
            "%(name)s is still active. Only people who left are erased: deactivate them first.",
            name=person.name,
        )
    company = person.company
    if (
        person.role == Role.ACCOUNT_HOLDER
        and company is not None
        and company.status != MembershipStatus.LEFT
    ):
        return _(
            "%(name)s is the only account holder of %(company)s. Name another account holder"
            " first; the holder of a company that left the club can be erased.",
            name=person.name,
            company=company.name,
        )
    open_redemption = session.scalar(
        select(Redemption.id)
        .where(Redemption.requested_by_id == person.id, Redemption.status.in_(OPEN_STATUSES))
        .limit(1)
    )
    if open_redemption is not None:
        return _(
            "%(name)s has redemptions in progress: fulfil, reject or cancel them first.",
            name=person.name,
        )
    return None


def erase(session: Session, person: User, *, actor: User, now: datetime | None = None) -> Erasure:
    now = now or utcnow()
    if (reason := refusal(session, person, actor=actor)) is not None:
        raise NotAllowed(reason) if actor.role != Role.CLUB_MANAGER else ErasureRefused(reason)
    old_name, old_email = person.name, person.email
    new_name, new_email = pseudonym(person)
    # Names they gave their tokens, which the audit log repeats.
    texts = dict.fromkeys(
        session.scalars(select(ApiToken.name).where(ApiToken.user_id == person.id)), TOKEN_NAME
    )
    person.name, person.email = new_name, new_email
    person.password_hash = None
    person.is_active = False
    person.is_shown_on_boards = False
    shared_cache.drop(session, shared_cache.BOARD_TOPS)  # the boards showed the name
    end_sessions(person)
    _revoke_access(session, person, now)
    _blank_free_text(session, person)
    _pseudonymise_audit(session, person, texts | {old_name: new_name}, {old_email: new_email})
    erasure = Erasure(user_id=person.id, erased_at=now, erased_by_id=actor.id)
    session.add(erasure)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # two managers at once: the first one erased
        raise ErasureRefused(_("This person was erased already.")) from None
    audit.record(
        session,
        "user.erased",
        person,
        actor=actor,
        company_id=person.company_id,
        after={"name": new_name, "email": new_email},
        now=now,
    )
    session.flush()
    return erasure


def _revoke_access(session: Session, person: User, now: datetime) -> None:
    session.execute(delete(UserSession).where(UserSession.user_id == person.id))
    session.execute(delete(OneTimeLink).where(OneTimeLink.user_id == person.id))
    session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == person.id))
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == person.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    # A token's name is free text its owner chose.
    session.execute(update(ApiToken).where(ApiToken.user_id == person.id).values(name=TOKEN_NAME))
    # Where and with what browser they accepted the rules is theirs; that and when
    # they accepted which version stays, as the company's record.
    session.execute(
        update(Acceptance)
        .where(Acceptance.user_id == person.id)
        .values(ip_address=None, user_agent=None)
    )


def _blank_free_text(session: Session, person: User) -> None:
    session.execute(update(Wish).where(Wish.proposed_by_id == person.id).values(note=""))
    session.execute(
        update(Registration).where(Registration.user_id == person.id).values(rating_comment="")
    )
    session.execute(
        update(RedemptionEvent).where(RedemptionEvent.actor_id == person.id).values(note="")
    )
    # The score stays in the club's NPS; the words were the person's.
    session.execute(
        update(SurveyAnswer).where(SurveyAnswer.user_id == person.id).values(comment=None)
    )
    for redemption in session.scalars(
        select(Redemption).where(Redemption.requested_by_id == person.id)
    ):
        redemption.answers = dict.fromkeys(redemption.answers, ERASED_ANSWER)
        if redemption.contact_phone:  # a person's phone; the address is the company's
            redemption.contact_phone = ERASED_ANSWER


def _pseudonymise_audit(
    session: Session, person: User, names: dict[str, str], emails: dict[str, str]
) -> None:
    """Earlier audit entries about the person (or their company), or by them, keep what
    happened, under the pseudonym and without the notes they wrote."""
    about = or_(
        (AuditEntry.object_type == User.__tablename__) & (AuditEntry.object_id == str(person.id)),
        AuditEntry.company_id == person.company_id if person.company_id else false(),
    )

    def scrub(value):
        if isinstance(value, str):
            value = names.get(value, value)
            for old, new in emails.items():
                value = value.replace(old, new)
            return value
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [scrub(item) for item in value]
        return value

    for entry in session.scalars(
        select(AuditEntry).where(or_(about, AuditEntry.actor_id == person.id))
    ):
        before, after = scrub(entry.before), scrub(entry.after)
        if entry.actor_id == person.id and isinstance(after, dict) and after.get("note"):
            after = {**after, "note": ""}  # a note they wrote (cancelling, deciding)
        if before != entry.before:
            entry.before = before
        if after != entry.after:
            entry.after = after
