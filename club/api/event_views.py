"""POST /api/v1/events: the supplier's platform reports what a partner company did; the
club's earning rules (club.rules) turn events into points. Scope: events."""

from __future__ import annotations

from datetime import UTC

from flask_babel import gettext as _

from club.api import answer_schemas, schemas
from club.api.edge import bp, error_code, token_required
from club.api.openapi import BODY, ApiError, answers, spec
from club.core.errors import ClubError
from club.extensions import db
from club.members.models import Company
from club.members.tax_ids import compact_tax_id, companies_with_tax_id
from club.rules import events


@bp.post("/events")
@token_required("events")
@spec.validate(
    json=schemas.EventIn,
    resp=answers(
        "Sent before with this idempotency key: the first event, nothing new recorded.",
        answer_schemas.Event,
        *BODY,
        (404, "No company with this tax id in this country (`unknown_company`)."),
        (422, "No event type with this key is defined (`unknown_event_type`)."),
        HTTP_201=(answer_schemas.Event, "Recorded; `points` is what the rules gave for it."),
    ),
    operation_id="postEvent",
)
def post_event(json: schemas.EventIn):
    """Report an event

    Something a partner company did on the supplier's platform ("used the new
    configurator", "ordered through the mobile app"), of an event type the club manager
    defined. Every earning rule naming that type rewards it, within its dates, audience,
    caps and budget. Each event is recorded once per `idempotency_key`: retry freely.
    Scope: events.
    """
    company = _company(json.country, json.tax_id)
    try:
        recorded = events.record_event(
            db.session,
            company,
            json.type,
            occurred_at=json.occurred_at.astimezone(UTC),
            idempotency_key=json.idempotency_key,
            person_email=json.person_email,
        )
    except ClubError as error:
        raise ApiError(422, error_code(error), error.message, error.field) from None
    db.session.commit()
    event = recorded.event
    answer = answer_schemas.Event(
        id=event.id, type=event.event_type.code, points=event.points, replayed=recorded.replayed
    )
    return answer, 200 if recorded.replayed else 201


def _company(country: str, tax_id: str) -> Company:
    found = companies_with_tax_id(db.session, compact_tax_id(tax_id), country=country, limit=1)
    if not found:
        raise ApiError(
            404,
            "unknown_company",
            _("No company with tax id %(tax_id)s is registered.", tax_id=tax_id),
        )
    return found[0]
