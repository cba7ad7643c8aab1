"""Events the supplier's platform reports ("used the new configurator"), the event types
the club manager defines for them, and the e-invoice switch.

An event is kept once per idempotency key; every rule of an event kind naming its type
then awards it (club.rules.engine). The e-invoice switch earns once per company, whether
reported as an event or marked by the club manager.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.periods import Period, club_today, local
from club.members.models import Company, User
from club.rules.engine import Occurrence, award, rules_of_kind
from club.rules.errors import RulesError, UnknownEventType
from club.rules.models import (
    EVENT_KINDS,
    Earning,
    EventType,
    ReportedEvent,
    Rule,
    RuleKind,
    RuleVersion,
)
from club.rules.services import preview_source

CODE = re.compile(r"^[a-z][a-z0-9_.-]{1,59}$")
EINVOICE_SOURCE = "einvoice"
# Clocks differ: an event a few minutes "ahead" is taken; a day ahead is a mistake.
FUTURE_SLACK = timedelta(hours=1)  # one source key per company: the switch earns once


def define_event_type(
    session: Session, code: str, names: dict[str, str], *, actor, now: datetime | None = None
) -> EventType:
    code = (code or "").strip().lower()
    if not CODE.match(code):
        raise RulesError(
            _("A key is 2 to 60 lower-case letters, digits, dots, dashes or underscores."),
            field="code",
        )
    if session.scalar(select(EventType.id).where(EventType.code == code)):
        raise RulesError(_("An event type with this key exists."), field="code")
    if not all((names.get(language) or "").strip() for language in ("en", "pl", "ru")):
        raise RulesError(_("Name the event type in all three languages."), field="name_en")
    event_type = EventType(
        code=code, **{f"name_{lang}": names[lang].strip() for lang in ("en", "pl", "ru")}
    )
    session.add(event_type)
    session.flush()
    audit.record(
        session, "event_type.define", event_type, actor=actor, after={"code": code}, now=now
    )
    return event_type


@dataclass(frozen=True)
class Recorded:
    event: ReportedEvent
    replayed: bool


def record_event(
    session: Session,
    company: Company,
    type_code: str,
    *,
    occurred_at: datetime,
    idempotency_key: str,
    person_email: str | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Keep a reported event once and let the rules naming its type award it. The same
    key again returns the first event (whatever else it carries) and awards nothing."""
    now = now or utcnow()
    found = session.scalar(
        select(ReportedEvent).where(ReportedEvent.idempotency_key == idempotency_key)
    )
    if found is not None:
        return Recorded(found, True)
    if occurred_at > now + FUTURE_SLACK:
        raise RulesError(_("occurred_at is in the future."), field="occurred_at")
    event_type = session.scalar(select(EventType).where(EventType.code == type_code))
    if event_type is None:
        raise UnknownEventType(
            _("No event type %(code)s is defined in the club.", code=type_code[:60]),
            field="type",
        )
    person = None
    if person_email:
        person = session.scalar(
            select(User).where(User.email == person_email.lower(), User.company_id == company.id)
        )
    event = ReportedEvent(
        idempotency_key=idempotency_key,
        event_type_id=event_type.id,
        company_id=company.id,
        person_id=person.id if person else None,
        occurred_at=occurred_at,
        received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(event)
    except IntegrityError:  # the same key, sent twice at once: the first one counts
        return Recorded(
            session.scalar(
                select(ReportedEvent).where(ReportedEvent.idempotency_key == idempotency_key)
            ),
            True,
        )
    fact = Occurrence(
        company_id=company.id,
        day=club_today(occurred_at),
        source_key=f"event:{event.id}",
        document=event_type.name_en,
        person_id=event.person_id,
    )
    for rule in _rules_for(session, event_type):
        if rule.kind == RuleKind.EINVOICE:
            earning = switch_to_einvoice(session, company, day=fact.day, now=now, rule=rule)
        else:
            earning = award(session, rule, fact, now=now)
        event.points += earning.points if earning is not None else 0
    session.flush()
    return Recorded(event, False)


def _rules_for(session: Session, event_type: EventType) -> list[Rule]:
    return [
        rule
        for rule in rules_of_kind(session, *EVENT_KINDS)
        if any(version.event_type_id == event_type.id for version in rule.versions)
    ]


def switch_to_einvoice(
    session: Session, company: Company, *, day=None, now=None, rule: Rule | None = None, actor=None
) -> Earning | None:
    """The company switched to e-invoices: each e-invoice rule in force awards it once
    (a company switches once; reported again, it earns nothing more)."""
    now = now or utcnow()
    day = day or club_today(now)
    earned = None
    for each in [rule] if rule else rules_of_kind(session, RuleKind.EINVOICE):
        fact = Occurrence(company.id, day, EINVOICE_SOURCE + f":{company.id}", _einvoice_document())
        earned = award(session, each, fact, now=now) or earned
    if actor is not None:
        audit.record(
            session,
            "company.einvoice",
            company,
            actor=actor,
            company_id=company.id,
            after={"points": earned.points if earned else 0},
            now=now,
        )
    return earned


def _einvoice_document() -> str:
    return "e-invoice switch"


@preview_source(RuleKind.FEATURE)
@preview_source(RuleKind.CUSTOM_EVENT)
@preview_source(RuleKind.EINVOICE)
def _reported(session: Session, version: RuleVersion, period: Period):
    """Last quarter's reported events of the version's type."""
    start, end = period.bounds()
    rows = session.execute(
        select(
            ReportedEvent.id,
            ReportedEvent.company_id,
            ReportedEvent.occurred_at,
            ReportedEvent.person_id,
        ).where(
            ReportedEvent.event_type_id == version.event_type_id,
            ReportedEvent.occurred_at >= start,
            ReportedEvent.occurred_at < end,
        )
    )
    for event_id, company_id, occurred_at, person_id in rows:
        yield Occurrence(
            company_id, local(occurred_at).date(), f"event:{event_id}", "", person_id=person_id
        )


def is_einvoice_switched(session: Session, company: Company) -> bool:
    return bool(
        session.scalar(
            select(Earning.id)
            .where(
                Earning.company_id == company.id,
                Earning.source_key == f"{EINVOICE_SOURCE}:{company.id}",
            )
            .limit(1)
        )
    )
