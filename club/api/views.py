"""/api/v1: invoices and payments from the ERP, companies from the CRM, wallets out.

Every route needs `Authorization: Bearer <token>` with the route's scope. Errors are
JSON: {"error": {"code": "...", "message": "..."}} with a stable code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import wraps

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from club.api import services as tokens
from club.api.openapi import openapi_document
from club.catalog import services as catalog
from club.catalog.errors import BriefIncomplete
from club.catalog.models import Privilege, Redemption
from club.core.access import TokenAccess, public
from club.core.clock import utcnow
from club.core.database import UNSAFE_METHODS
from club.core.errors import ClubError
from club.core.periods import club_today
from club.core.roles import Role
from club.extensions import csrf, db
from club.leaderboard import services as boards
from club.ledger import services as ledger
from club.ledger.models import Entry
from club.members import services as members
from club.members.models import Company, MembershipStatus, User
from club.members.tax_ids import compact_tax_id, companies_with_tax_id, normalize_tax_id
from club.purchases import invoices
from club.purchases import services as purchases
from club.purchases.invoices import InvoiceRow

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies: no cross-site request can carry one

MAX_INVOICES_PER_REQUEST = 1000


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="club"'
    return response


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    db.session.rollback()
    return error_response(error.status, error.code, error.message)


@bp.errorhandler(ClubError)
def _club_error(error: ClubError):
    db.session.rollback()
    code = type(error).__name__
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in code).lstrip("_")
    return error_response(error.status_code, snake, error.message)


def token_required(scope: str):
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            kind, _sep, secret = header.partition(" ")
            token = tokens.find_token(db.session, secret.strip()) if kind == "Bearer" else None
            if token is None:
                raise ApiError(
                    401, "unauthorized", _("Send a valid API token: Authorization: Bearer <token>.")
                )
            if scope not in token.scope_set:
                raise ApiError(
                    403, "forbidden_scope", _("This token may not use %(scope)s.", scope=scope)
                )
            if request.method in UNSAFE_METHODS:
                # Recorded with the write it comes with; reads stay read-only.
                token.last_used_at = utcnow()
            g.api_token = token
            return view(*args, **kwargs)

        wrapper.access = TokenAccess(scope)
        return wrapper

    return decorator


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", _("Send a JSON object in the request body."))
    return body


def _company(tax_id: str) -> Company:
    found = companies_with_tax_id(
        db.session, compact_tax_id(tax_id), country=request.args.get("country") or None, limit=2
    )
    if not found:
        raise ApiError(
            404,
            "unknown_company",
            _("No company with tax id %(tax_id)s is registered.", tax_id=tax_id),
        )
    if len(found) > 1:
        raise ApiError(
            409, "ambiguous_tax_id", _("Several countries use this tax id; add ?country=XX.")
        )
    return found[0]


# --- the document -----------------------------------------------------------------------


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document())


# --- invoices ---------------------------------------------------------------------------


def _date(value, name: str, *, required: bool = True) -> date | None:
    if value in (None, "") and not required:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(_("%(field)s must be a date like 2026-11-03.", field=name)) from None


def _invoice(index: int, item) -> InvoiceRow:
    """One invoice of a request, read from its JSON and checked by the invoice rules
    (club.purchases.invoices); a ValueError says in the API's terms what is wrong."""
    if not isinstance(item, dict):
        raise ValueError(_("Each invoice must be a JSON object."))
    try:
        return _checked_invoice(index, item)
    except invoices.InvalidLine as invalid:
        raise ValueError(_refusal(invalid.problem, item)) from None


def _checked_invoice(index: int, item: dict) -> InvoiceRow:
    number = str(item.get("number") or "").strip()
    if not number:
        raise ValueError(_("number is required (up to 64 characters)."))
    invoices.check_number(number)
    kind = invoices.check_kind(item.get("kind", invoices.INVOICE))
    try:
        amount = Decimal(str(item.get("net_amount")))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValueError(_('net_amount must be a number like "1234.50".'))
    amount = invoices.signed_amount(invoices.in_cents(amount), kind)
    issue, due = (
        _date(item.get("issue_date"), "issue_date"),
        _date(item.get("due_date"), "due_date"),
    )
    invoices.check_dates(issue, due)
    currency = invoices.currency_code(str(item.get("currency") or ""))
    tax_id = str(item.get("tax_id") or "").strip()
    if not tax_id:
        raise ValueError(_("tax_id is required."))
    paid = _date(item.get("paid_date"), "paid_date", required=False)
    return InvoiceRow(index, number, tax_id, issue, due, amount, currency, paid, kind)


def _refusal(problem: invoices.Problem, item: dict) -> str:
    """An invoice rule's refusal in the API's terms: its JSON fields."""
    match problem:
        case invoices.Problem.NUMBER_TOO_LONG:
            return _("number is required (up to 64 characters).")
        case invoices.Problem.NOT_A_KIND:
            return _("kind must be invoice or credit_note.")
        case invoices.Problem.AMOUNT_TOO_LARGE:
            return _("“%(value)s” is too large for an amount.", value=item.get("net_amount"))
        case invoices.Problem.AMOUNT_TOO_PRECISE:
            return _("net_amount must have at most two decimal places.")
        case invoices.Problem.NEGATIVE_INVOICE:
            return _("A negative amount needs kind credit_note.")
        case invoices.Problem.DUE_BEFORE_ISSUE:
            return _("due_date is before issue_date.")
        case invoices.Problem.NOT_A_CURRENCY:
            return _("currency must be a three-letter code.")
    raise AssertionError(problem)


@bp.post("/invoices")
@token_required("invoices")
def post_invoices():
    body = _json_body()
    items = body.get("invoices")
    if not isinstance(items, list) or not items:
        raise ApiError(400, "invalid_request", _('Send {"invoices": [ ... ]}.'))
    if len(items) > MAX_INVOICES_PER_REQUEST:
        raise ApiError(
            413,
            "too_many_invoices",
            _("Send at most %(count)d invoices per request.", count=MAX_INVOICES_PER_REQUEST),
        )
    rows, rejected = [], []
    for index, item in enumerate(items):
        try:
            rows.append(_invoice(index, item))
        except ValueError as error:
            rejected.append({"index": index, "message": str(error)})
    report = purchases.record_invoices(db.session, rows)
    db.session.commit()
    rejected += [{"index": line, "message": message} for line, message in report.rejected]
    return jsonify(
        {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": sorted(rejected, key=lambda item: item["index"]),
        }
    )


@bp.post("/invoices/<path:number>/payment")
@token_required("invoices")
def post_payment(number: str):
    body = _json_body()
    try:
        paid = _date(body.get("paid_date"), "paid_date")
    except ValueError as error:
        raise ApiError(400, "invalid_request", str(error)) from None
    invoice = purchases.record_payment(db.session, number, paid)
    db.session.commit()
    return jsonify({"number": invoice.number, "paid_date": invoice.paid_date.isoformat()})


# --- companies and wallets ------------------------------------------------------------


@bp.put("/companies/<tax_id>")
@token_required("companies")
def put_company(tax_id: str):
    body = _json_body()
    country = str(body.get("country") or "").upper()
    try:
        status = MembershipStatus(body.get("status", "applicant"))
    except ValueError:
        raise ApiError(
            400, "invalid_request", _("status must be one of: applicant, member, suspended, left.")
        ) from None
    manager_id = None
    if email := body.get("account_manager_email"):
        manager_id = db.session.scalar(
            select(User.id).where(
                User.email == str(email).strip().lower(), User.role == Role.ACCOUNT_MANAGER
            )
        )
        if manager_id is None:
            raise ApiError(
                400, "unknown_account_manager", _("No account manager uses %(email)s.", email=email)
            )
    name = str(body.get("name") or "").strip()
    if not name or len(name) > 200:
        raise ApiError(400, "invalid_request", _("name is required (up to 200 characters)."))
    compact = normalize_tax_id(country, tax_id)
    found = companies_with_tax_id(db.session, compact, country=country, limit=1)
    company = found[0] if found else None
    details = members.CompanyDetails(
        name=name,
        tax_id=tax_id,
        country=country,
        street=str(body.get("street") or ""),
        postal_code=str(body.get("postal_code") or ""),
        city=str(body.get("city") or ""),
        status=status,
        joined_on=_date(body.get("joined_on"), "joined_on", required=False)
        if body.get("joined_on")
        else (company.joined_on if company else None),
        account_manager_id=manager_id
        if "account_manager_email" in body
        else (company.account_manager_id if company else None),
    )
    created = company is None
    if created:
        company = members.create_company(db.session, details, actor=None)
    else:
        members.update_company(db.session, company, details, actor=None)
    db.session.commit()
    return jsonify(_company_json(company)), 201 if created else 200


def _company_json(company: Company) -> dict:
    return {
        "tax_id": company.tax_id,
        "country": company.country,
        "name": company.name,
        "status": company.status.value,
        "joined_on": company.joined_on.isoformat() if company.joined_on else None,
    }


@bp.get("/companies/<tax_id>/wallet")
@token_required("wallets")
def get_wallet(tax_id: str):
    company = _company(tax_id)
    wallet = ledger.wallet_to_read(db.session, company.id)
    upcoming = ledger.next_expiry(db.session, wallet)
    return jsonify(
        {
            "company": _company_json(company),
            "available": wallet.available,
            "pending": wallet.pending,
            "held": wallet.held,
            "next_expiry": {
                "points": upcoming.points,
                "date": upcoming.expires_at.date().isoformat(),
            }
            if upcoming
            else None,
        }
    )


@bp.get("/companies/<tax_id>/entries")
@token_required("wallets")
def get_entries(tax_id: str):
    company = _company(tax_id)
    wallet = ledger.wallet_to_read(db.session, company.id)
    per_page = min(max(request.args.get("per_page", 50, type=int), 1), 500)
    page = max(request.args.get("page", 1, type=int), 1)
    query = select(Entry).where(Entry.wallet_id == wallet.id).order_by(Entry.id.desc())
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    entries = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return jsonify(
        {
            "page": page,
            "per_page": per_page,
            "total": total,
            "entries": [
                {
                    "id": entry.id,
                    "kind": entry.kind.value,
                    "amount": entry.amount,
                    "available": entry.available_delta,
                    "pending": entry.pending_delta,
                    "held": entry.held_delta,
                    "source": {"type": entry.source_type, "id": entry.source_id},
                    "reason": entry.reason,
                    "created_at": entry.created_at.isoformat(),
                    "earned_at": entry.earned_at.isoformat(),
                }
                for entry in entries
            ],
        }
    )


# --- the catalogue, for an account holder's personal token ------------------------------


def _privilege_json(privilege, *, today) -> dict:
    left = catalog.remaining(db.session, privilege, today=today)
    return {
        "slug": privilege.slug,
        "title": privilege.title,
        "summary": privilege.summary,
        "category": privilege.category.value,
        "points_cost": privilege.points_cost,
        "lead_time_days": privilege.lead_time_days,
        "left_this_quarter": left.this_quarter,
        "in_stock": left.in_stock,
        "brief": privilege.brief,
        "available": catalog.unavailable_reason(privilege, today=today) is None,
    }


@bp.get("/privileges")
@token_required("privileges")
def get_privileges():
    today = club_today(utcnow())
    privileges = db.session.scalars(catalog.catalogue(db.session)).all()
    return jsonify({"privileges": [_privilege_json(p, today=today) for p in privileges]})


def _redemption_json(redemption) -> dict:
    return {
        "id": redemption.id,
        "privilege": redemption.privilege.slug,
        "status": redemption.status.value,
        "points": redemption.points,
        "answers": redemption.answers,
        "created_at": redemption.created_at.isoformat(),
    }


@bp.post("/redemptions")
@token_required("redemptions")
def post_redemption():
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 150:
        raise ApiError(
            400,
            "idempotency_key_required",
            _(
                "Send an Idempotency-Key header (up to 150 characters) so a "
                "retried request redeems once."
            ),
        )
    holder = g.api_token.user
    if holder is None:
        raise ApiError(403, "forbidden_scope", _("Redeeming needs an account holder's token."))
    body = _json_body()
    privilege = db.session.scalar(
        select(Privilege).where(Privilege.slug == str(body.get("privilege") or ""))
    )
    if privilege is None:
        raise ApiError(404, "unknown_privilege", _("There is no such privilege."))
    answers = body.get("answers", {})
    if not isinstance(answers, dict):
        raise ApiError(400, "invalid_request", _("answers must be a JSON object."))
    scoped_key = f"api:{holder.id}:{key}"
    replay = (
        db.session.scalar(select(Redemption.id).where(Redemption.idempotency_key == scoped_key))
        is not None
    )
    try:
        redemption = catalog.redeem(
            db.session, privilege, actor=holder, answers=answers, idempotency_key=scoped_key
        )
    except BriefIncomplete as error:
        db.session.rollback()
        response = jsonify(
            {
                "error": {
                    "code": "brief_incomplete",
                    "message": error.message,
                    "problems": error.problems,
                }
            }
        )
        response.status_code = 422
        return response
    db.session.commit()
    return jsonify(_redemption_json(redemption)), 200 if replay else 201


@bp.get("/rebates")
@token_required("invoices")
def get_rebates():
    """Fulfilled post-sale rebates, for the ERP to credit on the next invoice."""
    try:
        since = date.fromisoformat(request.args.get("since", ""))
    except ValueError:
        raise ApiError(
            400, "invalid_request", _("Send ?since=YYYY-MM-DD (rebates fulfilled from that day).")
        ) from None
    rows = catalog.fulfilled_rebates(
        db.session, since=datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    )
    return jsonify(
        {
            "rebates": [
                {
                    "redemption_id": redemption.id,
                    "tax_id": company.tax_id,
                    "country": company.country,
                    "company": company.name,
                    "amount": str(redemption.money_value),
                    "currency": redemption.privilege.currency,
                    "points": redemption.points,
                    "fulfilled_at": redemption.fulfilled_at.isoformat(),
                    "note": redemption.answers.get("note", ""),
                }
                for redemption, company in rows
            ]
        }
    )


# --- leaderboards -----------------------------------------------------------------------


def _board_json(board: str, view: str | None = None):
    limit = request.args.get("limit", str(boards.TOP)).strip()
    limit = int(limit) if limit.isdigit() else 0
    if not 1 <= limit <= boards.TOP:
        raise ApiError(400, "invalid_request", _("limit must be 1 to %(top)d.", top=boards.TOP))
    period = boards.parse_period(request.args.get("period"))
    league = request.args.get("league", "").strip() or None
    result = boards.board(db.session, board, period, league=league, limit=limit)
    rows = []
    for row in result.top:
        item = {"rank": row.rank, "name": row.name, "hidden": row.hidden, "points": row.points}
        if board == "people":
            item["company"] = row.company
        else:
            item["tax_id"], item["country"] = row.tax_id, row.country
        rows.append(item)
    document = {
        "board": "people" if board == "people" else "companies",
        "period": {
            "key": period.arg,
            "kind": period.kind,
            "starts": period.starts.isoformat() if period.starts else None,
            "ends": period.ends.isoformat() if period.ends else None,
        },
        "league": result.league,
        "rows": rows,
    }
    if view is not None:
        document["view"] = view
    return jsonify(document)


@bp.get("/leaderboards/people")
@token_required("leaderboards")
def get_people_board():
    """Points people earned in a period: the top, names as people chose to show them."""
    return _board_json("people")


@bp.get("/leaderboards/companies")
@token_required("leaderboards")
def get_companies_board():
    """Points companies earned in a period: all of them (view=total) or activity only."""
    view = request.args.get("view", "total")
    if view not in ("total", "activity"):
        raise ApiError(400, "invalid_request", _("view must be total or activity."))
    return _board_json("companies" if view == "total" else "activity", view)


@bp.route("/<path:anything>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
@public
def not_found(anything: str):
    return error_response(404, "not_found", _("There is no such API endpoint."))
