"""/api/v1 for an account holder's scripts (the catalogue, redeeming) and the boards.

Each view declares what it takes and answers with `@spec.validate` (club.api.openapi);
routes of the blueprint in club.api.edge, registered by club.api.views.
"""

from __future__ import annotations

from flask import g
from flask_babel import gettext as _
from sqlalchemy import select

from club.api import answer_schemas, schemas
from club.api.edge import bp, token_required
from club.api.openapi import BODY, ApiError, answers, spec
from club.catalog import services as catalog
from club.catalog.models import Privilege, Redemption
from club.core.clock import utcnow
from club.core.periods import InvalidPeriod, club_today
from club.extensions import db
from club.leaderboard import services as boards
from club.leaderboard.errors import UnknownLeague
from club.members.standing import sees_pilot_only

# --- the catalogue, for an account holder's personal token ------------------------------


def _question_json(question: dict) -> answer_schemas.BriefQuestion:
    label, shown = catalog.question_label(question)  # Accept-Language, else the club's
    return answer_schemas.BriefQuestion(
        key=question["key"],
        label=label,
        language=shown.language,
        type=question.get("type", "text"),
        required=question.get("required", True),
    )


def _privilege_json(privilege, *, today) -> answer_schemas.Privilege:
    text = privilege.localized  # Accept-Language, else the club's language
    left = catalog.remaining(db.session, privilege, today=today)
    left_of = catalog.variants_left(db.session, privilege)
    return answer_schemas.Privilege(
        slug=privilege.slug,
        title=text.title,
        summary=text.summary,
        language=text.shown.language,
        category=privilege.category,
        kind=privilege.kind,
        variants=[
            answer_schemas.Variant(
                id=variant.id, label=variant.label, in_stock=left_of.get(variant.id, 0)
            )
            for variant in privilege.variants
        ],
        points_cost=privilege.points_cost,
        lead_time_days=privilege.lead_time_days,
        left_this_quarter=left.this_quarter,
        in_stock=left.in_stock,
        brief=[_question_json(question) for question in privilege.brief],
        available=catalog.unavailable_reason(privilege, today=today) is None,
    )


@bp.get("/privileges")
@token_required("privileges")
@spec.validate(
    resp=answers("Every privilege not retired.", answer_schemas.PrivilegeList),
    operation_id="getPrivileges",
)
def get_privileges():
    """The privilege catalogue

    Scope: privileges (an account holder's personal token). Titles and summaries are in
    the language the request's Accept-Language prefers (en, pl or ru) where the privilege
    is written in it, else in the club's language; `language` says which.
    """
    today = club_today(utcnow())
    user = g.api_token.user
    pilot_only = user is None or sees_pilot_only(user)
    privileges = db.session.scalars(catalog.catalogue(db.session, pilot_only=pilot_only)).all()
    return answer_schemas.PrivilegeList(
        privileges=[_privilege_json(p, today=today) for p in privileges]
    )


def _redemption_json(redemption) -> answer_schemas.Redemption:
    return answer_schemas.Redemption(
        id=redemption.id,
        privilege=redemption.privilege.slug,
        kind=redemption.privilege.kind,
        status=redemption.status,
        carrier=redemption.carrier,
        tracking_number=redemption.tracking_number,
        points=redemption.points,
        answers=redemption.answers,
        created_at=redemption.created_at,
    )


@bp.post("/redemptions")
@token_required("redemptions")
@spec.validate(
    json=schemas.RedemptionIn,
    headers=schemas.RedemptionHeaders,
    resp=answers(
        "A replay: the redemption made the first time.",
        answer_schemas.Redemption,
        *BODY,
        (
            403,
            "Outside the token's scopes, or the company may not redeem: not a member, or "
            "`rules_not_accepted`: its account holder has not accepted the current club rules "
            "(`error.rules_version` names the version; accept it at /club-rules).",
        ),
        (404, "No such privilege (`unknown_privilege`)."),
        (
            409,
            "Not enough points, fully booked, out of stock, not available now, or the key "
            "was used for something else.",
        ),
        (422, "`brief_incomplete`: missing or invalid answers; `error.problems` names each."),
        HTTP_201=(answer_schemas.Redemption, "Redeemed; the points are held."),
    ),
    operation_id="postRedemption",
)
def post_redemption(json: schemas.RedemptionIn, headers: schemas.RedemptionHeaders):
    """Redeem a privilege

    Holds the points and puts the redemption in the club manager's queue. Needs an account
    holder's personal token (scope redemptions) of a member company (else 403) and an
    Idempotency-Key header: a request sent again with the same key returns the first
    redemption (200) and holds nothing more. 403 `rules_not_accepted`: the account holder
    accepts the current club rules in the portal (/club-rules) first. 409: not enough
    points, fully booked, out of stock, not available, or the key was used for something
    else. 422 `brief_incomplete`: missing or invalid answers, `error.problems` names each
    question.
    """
    holder = g.api_token.user
    if holder is None:
        raise ApiError(403, "forbidden_scope", _("Redeeming needs an account holder's token."))
    privilege = db.session.scalar(select(Privilege).where(Privilege.slug == json.privilege))
    if privilege is None:
        raise ApiError(404, "unknown_privilege", _("There is no such privilege."), "privilege")
    scoped_key = f"api:{holder.id}:{headers.idempotency_key}"
    replay = (
        db.session.scalar(select(Redemption.id).where(Redemption.idempotency_key == scoped_key))
        is not None
    )
    delivery = json.delivery
    redemption = catalog.redeem(
        db.session,
        privilege,
        actor=holder,
        answers=json.answers,
        delivery=catalog.Delivery(delivery.address, delivery.phone, delivery.variant)
        if delivery
        else None,
        idempotency_key=scoped_key,
    )
    db.session.commit()
    return _redemption_json(redemption), 200 if replay else 201


# --- leaderboards -----------------------------------------------------------------------


def _board(board: str, query: schemas.BoardQuery) -> tuple[boards.Board, dict]:
    try:
        period = boards.parse_period(query.period or None)
    except InvalidPeriod as error:
        raise ApiError(400, "invalid_period", error.message, "period") from None
    try:
        result = boards.board(
            db.session, board, period, league=query.league or None, limit=query.limit
        )
    except UnknownLeague as error:
        raise ApiError(400, "unknown_league", error.message, "league") from None
    period_json = answer_schemas.PeriodOut(
        key=period.arg, kind=period.kind, starts=period.starts, ends=period.ends
    )
    return result, {"period": period_json, "league": result.league}


@bp.get("/leaderboards/people")
@token_required("leaderboards")
@spec.validate(
    query=schemas.BoardQuery,
    resp=answers("The top of the board, best first.", answer_schemas.PeopleBoard),
    operation_id="getPeopleBoard",
)
def get_people_board(query: schemas.BoardQuery):
    """The people board

    Points people earned in the period (courses, meetings, other activity), best first;
    equal points share the rank and whoever got there first is listed first; names as
    people chose to show them. Scope: leaderboards.
    """
    result, common = _board("people", query)
    rows = [
        answer_schemas.PersonRow(
            rank=row.rank, name=row.name, hidden=row.hidden, points=row.points, company=row.company
        )
        for row in result.top
    ]
    return answer_schemas.PeopleBoard(board="people", rows=rows, **common)


@bp.get("/leaderboards/companies")
@token_required("leaderboards")
@spec.validate(
    query=schemas.CompanyBoardQuery,
    resp=answers("The top of the board, best first.", answer_schemas.CompanyBoard),
    operation_id="getCompanyBoard",
)
def get_companies_board(query: schemas.CompanyBoardQuery):
    """The company board

    Points companies earned in the period: all of them, purchases included (view=total),
    or everything but purchases (view=activity). Scope: leaderboards.
    """
    result, common = _board("companies" if query.view == "total" else "activity", query)
    rows = [
        answer_schemas.CompanyRow(
            rank=row.rank,
            name=row.name,
            hidden=row.hidden,
            points=row.points,
            tax_id=row.tax_id,
            country=row.country,
        )
        for row in result.top
    ]
    return answer_schemas.CompanyBoard(board="companies", view=query.view, rows=rows, **common)
