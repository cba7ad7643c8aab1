"""/api/v1: invoices and payments from the ERP, companies from the CRM, wallets out
(the catalogue, redeeming and the boards: club.api.club_views).

Every route needs `Authorization: Bearer <token>` with the route's scope (club.api.edge).
Each view declares what it takes and answers with `@spec.validate` and the models of
club.api.schemas: the request is checked before the view runs and the OpenAPI document
is made from the same declarations. Errors are JSON:
{"error": {"code": "...", "message": "...", "field": ...}} with a stable code.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import jsonify
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy import func, select

from club.api import (
    answer_schemas,
    club_views,  # noqa: F401  (its routes, on the same blueprint)
    event_views,  # noqa: F401  (its routes, on the same blueprint)
    fields,
    relation_views,  # noqa: F401  (its routes, on the same blueprint)
    schemas,
)
from club.api.edge import bp, error_code, error_response, token_required
from club.api.openapi import BODY, ApiError, answers, openapi_document, refusal, spec
from club.catalog import services as catalog
from club.core.access import public
from club.core.errors import ClubError
from club.core.periods import club_today
from club.core.roles import Role
from club.extensions import db
from club.ledger import services as ledger
from club.ledger.models import Entry
from club.members import admission, standing
from club.members import services as members
from club.members.models import Company, User
from club.members.tax_ids import compact_tax_id, companies_with_tax_id, normalize_tax_id
from club.purchases import figures, invoices
from club.purchases import services as purchases
from club.purchases.figures import confirmed_points
from club.purchases.invoices import InvoiceRow

__all__ = ["bp", "error_response"]


def _company(tax_id: str, country: str | None) -> Company:
    found = companies_with_tax_id(db.session, compact_tax_id(tax_id), country=country, limit=2)
    if not found:
        raise ApiError(
            404,
            "unknown_company",
            _("No company with tax id %(tax_id)s is registered.", tax_id=tax_id),
        )
    if len(found) > 1:
        raise ApiError(
            409,
            "ambiguous_tax_id",
            _("Several countries use this tax id; add ?country=XX."),
            "country",
        )
    return found[0]


# --- the document -----------------------------------------------------------------------


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document())


# --- invoices ---------------------------------------------------------------------------


def _invoice(index: int, item) -> InvoiceRow | answer_schemas.Rejected:
    """One invoice of a request, checked on its own: by its schema, then by the invoice
    rules (club.purchases.invoices); what is wrong is said in the API's terms."""
    if not isinstance(item, dict):
        return answer_schemas.Rejected(
            index=index, message=_("Each invoice must be a JSON object.")
        )
    try:
        invoice = schemas.Invoice.model_validate(item)
    except ValidationError as error:
        refused = refusal(error, schemas.Invoice)
        return answer_schemas.Rejected(index=index, message=refused.message, field=refused.field)
    try:
        amount = invoices.signed_amount(invoice.net_amount, invoice.kind)
        invoices.check_dates(invoice.issue_date, invoice.due_date)
    except invoices.InvalidLine as invalid:
        message, field = _RULE_REFUSALS.get(invalid.problem, (None, None))
        text = message() if message else fields.field_refusal(invalid.problem.name.lower())
        return answer_schemas.Rejected(index=index, message=text, field=field)
    return InvoiceRow(
        index,
        invoice.number,
        invoice.tax_id,
        invoice.issue_date,
        invoice.due_date,
        amount,
        invoice.currency or invoices.currency_code(""),
        invoice.paid_date,
        invoice.kind,
        country=invoice.country,
        product_group=invoices.product_group_of(invoice.product_group or ""),
    )


# The rules across an invoice's fields, refused in the API's terms (a rule added later
# without its wording here is still refused, by its name).
_RULE_REFUSALS = {
    invoices.Problem.NEGATIVE_INVOICE: (
        lambda: _("A negative amount needs kind credit_note."),
        "net_amount",
    ),
    invoices.Problem.DUE_BEFORE_ISSUE: (lambda: _("due_date is before issue_date."), "due_date"),
}


@bp.post("/invoices")
@token_required("invoices")
@spec.validate(
    json=schemas.InvoiceBatch,
    resp=answers(
        "What was saved and what was rejected.",
        answer_schemas.InvoiceReport,
        *BODY,
        (422, "The purchases rules refuse the batch as a whole; nothing is saved."),
    ),
    operation_id="postInvoices",
)
def post_invoices(json: schemas.InvoiceBatch):
    """Send invoices and credit notes

    Creates new invoices; an invoice sent again updates its payment date and never counts
    twice. Each invoice is checked on its own: those that cannot be saved (a refused field,
    an unknown company, details that differ from the invoice sent before) are listed in
    `rejected` with their index and the reason, and the others are saved. A business rule
    that refuses the whole batch (for example a currency the club has no earning rate for)
    answers 422 and saves nothing. Scope: invoices.
    """
    rows, rejected = [], []
    for index, item in enumerate(json.invoices):
        checked = _invoice(index, item)
        (rejected if isinstance(checked, answer_schemas.Rejected) else rows).append(checked)
    try:
        report = purchases.record_invoices(db.session, rows)
    except ClubError as error:  # the rules refuse the batch: a business refusal, 422
        raise ApiError(422, error_code(error), error.message, error.field) from None
    db.session.commit()
    rejected += [
        answer_schemas.Rejected(index=line, message=text) for line, text in report.rejected
    ]
    return answer_schemas.InvoiceReport(
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=sorted(rejected, key=lambda item: item.index),
    )


@bp.post("/invoices/<invoice_number:number>/payment")
@token_required("invoices")
@spec.validate(
    json=schemas.PaymentIn,
    resp=answers(
        "The payment is recorded.",
        answer_schemas.Payment,
        *BODY,
        (404, "No invoice with this number (`unknown_invoice`)."),
    ),
    operation_id="postPayment",
    path_parameter_descriptions={"number": "The invoice's number; slashes are part of it."},
)
def post_payment(number: str, json: schemas.PaymentIn):
    """Record the payment of an invoice

    A payment dated before the invoice, or of a credit note, is refused (400). Scope:
    invoices.
    """
    invoice = purchases.record_payment(db.session, number, json.paid_date)
    db.session.commit()
    return answer_schemas.Payment(number=invoice.number, paid_date=invoice.paid_date)


# --- companies and wallets ------------------------------------------------------------

# What a company named by its tax id can answer besides.
COMPANY_LOOKUP = (
    (404, "No company with this tax id (in this country): `unknown_company`."),
    (409, "Two countries use this tax id; send `country` (`ambiguous_tax_id`)."),
)
TAX_ID_IN_PATH = {
    "tax_id": "The company's tax id (NIP, INN, VAT number); spaces, dots and dashes are ignored."
}


@bp.put("/companies/<tax_id:tax_id>")
@token_required("companies")
@spec.validate(
    json=schemas.CompanyIn,
    resp=answers(
        "Updated.",
        answer_schemas.Company,
        *BODY,
        (404, "The tax id in the path is off its pattern."),
        HTTP_201=(answer_schemas.Company, "Created."),
    ),
    operation_id="putCompany",
    path_parameter_descriptions=TAX_ID_IN_PATH,
)
def put_company(tax_id: str, json: schemas.CompanyIn):
    """Create or update a partner company

    From the supplier's CRM: the company with this tax id in `country` is created or
    updated. The tax id is checked for its country (a Polish NIP's or Russian INN's check
    digits, a VAT number's format): `invalid_tax_id`. Scope: companies.
    """
    sent = json.model_fields_set
    manager_id = None
    if json.account_manager_email is not None:
        manager_id = db.session.scalar(
            select(User.id).where(
                User.email == json.account_manager_email.lower(),
                User.role == Role.ACCOUNT_MANAGER,
            )
        )
        if manager_id is None:
            raise ApiError(
                400,
                "unknown_account_manager",
                _("No account manager uses %(email)s.", email=json.account_manager_email),
                "account_manager_email",
            )
    compact = normalize_tax_id(json.country, tax_id)
    found = companies_with_tax_id(db.session, compact, country=json.country, limit=1)
    company = found[0] if found else None
    details = members.CompanyDetails(
        name=json.name,
        tax_id=tax_id,
        country=json.country,
        street=json.street,
        postal_code=json.postal_code,
        city=json.city,
        status=json.status if "status" in sent or company is None else company.status,
        joined_on=json.joined_on or (company.joined_on if company else None),
        account_manager_id=manager_id
        if "account_manager_email" in sent
        else (company.account_manager_id if company else None),
        is_pilot=company.is_pilot if company else False,
    )
    created = company is None
    if created:
        company = members.create_company(db.session, details, actor=None)
    else:
        members.update_company(db.session, company, details, actor=None)
    db.session.commit()
    return _company_json(company), 201 if created else 200


def _company_json(company: Company) -> answer_schemas.Company:
    return answer_schemas.Company(
        tax_id=company.tax_id,
        country=company.country,
        name=company.name,
        status=company.status,
        joined_on=company.joined_on,
        tier=tier.code if (tier := standing.company_tier(db.session, company)) else None,
    )


def _tier_json(tier) -> answer_schemas.Tier | None:
    if tier is None:
        return None
    return answer_schemas.Tier(
        key=tier.code,
        name=tier.name_en,
        position=tier.position,
        threshold=tier.threshold,
        multiplier_percent=tier.multiplier_percent,
    )


def _amount(progress, points: int) -> str | None:
    money = progress.money(points)
    return None if money is None else f"{money:.2f}"


@bp.get("/companies/<tax_id:tax_id>/standing")
@token_required("companies")
@spec.validate(
    query=schemas.CompanyQuery,
    resp=answers("The company's tier and progress.", answer_schemas.Standing, *COMPANY_LOOKUP),
    operation_id="getStanding",
    path_parameter_descriptions=TAX_ID_IN_PATH,
)
def get_standing(tax_id: str, query: schemas.CompanyQuery):
    """A company's tier and progress

    Its tier, its 12-month figure, what the next tier needs and, when a drop is pending,
    what keeps the tier and by when. Scope: companies.
    """
    company = _company(tax_id, query.country)
    progress = figures.company_progress(db.session, company, club_today())
    drop = None
    if progress.drop_on is not None:
        drop = answer_schemas.TierDrop(
            to=_tier_json(progress.drop_to),
            on=progress.drop_on,
            points_to_keep=progress.points_to_keep,
            amount_to_keep=_amount(progress, progress.points_to_keep),
            keep_by=progress.keep_by,
        )
    return answer_schemas.Standing(
        company=_company_json(company),
        tier=_tier_json(progress.tier),
        figure=progress.figure,
        next_tier=_tier_json(progress.next_tier),
        points_to_next=progress.points_to_next,
        amount_to_next=_amount(progress, progress.points_to_next),
        currency=progress.currency,
        reach_by=progress.reach_by,
        pending_drop=drop,
    )


@bp.get("/companies/<tax_id:tax_id>/wallet")
@token_required("wallets")
@spec.validate(
    query=schemas.CompanyQuery,
    resp=answers("Balances and the next expiry.", answer_schemas.Wallet, *COMPANY_LOOKUP),
    operation_id="getWallet",
    path_parameter_descriptions=TAX_ID_IN_PATH,
)
def get_wallet(tax_id: str, query: schemas.CompanyQuery):
    """A company's points

    409 `ambiguous_tax_id` when two countries use the tax id and `country` is not sent.
    Scope: wallets.
    """
    company = _company(tax_id, query.country)
    wallet = ledger.wallet_to_read(db.session, company.id)
    upcoming = ledger.next_expiry(db.session, wallet)
    return answer_schemas.Wallet(
        company=_company_json(company),
        available=wallet.available,
        pending=wallet.pending,
        held=wallet.held,
        next_expiry=answer_schemas.Expiry(points=upcoming.points, date=upcoming.expires_at.date())
        if upcoming
        else None,
    )


@bp.get("/companies/<tax_id:tax_id>/admission")
@token_required("companies")
@spec.validate(
    query=schemas.CompanyQuery,
    resp=answers("Membership and admission progress.", answer_schemas.Admission, *COMPANY_LOOKUP),
    operation_id="getAdmission",
    path_parameter_descriptions=TAX_ID_IN_PATH,
)
def get_admission(tax_id: str, query: schemas.CompanyQuery):
    """A company's membership and admission progress

    Its status, and its confirmed purchase points over the admission window against the
    entry threshold. Scope: companies.
    """
    company = _company(tax_id, query.country)
    today = club_today()
    window = admission.admission_window(admission.rules(db.session), today)
    figures = confirmed_points(db.session, *window, company_id=company.id)
    progress = admission.progress(db.session, figures.get(company.id, 0), today)
    return answer_schemas.Admission(
        company=_company_json(company),
        status_since=company.status_since,
        is_pilot=company.is_pilot,
        points=progress.points,
        threshold=progress.threshold,
        missing=progress.missing,
        window_starts=progress.window_starts,
        window_ends=progress.window_ends,
        awaiting_approval=admission.is_awaiting_approval(db.session, company),
        points_forfeited_on=admission.forfeit_on(db.session, company),
    )


@bp.get("/companies/<tax_id:tax_id>/entries")
@token_required("wallets")
@spec.validate(
    query=schemas.EntriesQuery,
    resp=answers("One page of entries.", answer_schemas.EntryPage, *COMPANY_LOOKUP),
    operation_id="getEntries",
    path_parameter_descriptions=TAX_ID_IN_PATH,
)
def get_entries(tax_id: str, query: schemas.EntriesQuery):
    """A company's statement, newest first

    Scope: wallets.
    """
    company = _company(tax_id, query.country)
    wallet = ledger.wallet_to_read(db.session, company.id)
    page, per_page = query.page, query.per_page
    entries_query = select(Entry).where(Entry.wallet_id == wallet.id).order_by(Entry.id.desc())
    total = db.session.scalar(select(func.count()).select_from(entries_query.subquery()))
    entries = db.session.scalars(entries_query.limit(per_page).offset((page - 1) * per_page))
    return answer_schemas.EntryPage(
        page=page,
        per_page=per_page,
        total=total,
        entries=[
            answer_schemas.Entry(
                id=entry.id,
                kind=entry.kind,
                amount=entry.amount,
                available=entry.available_delta,
                pending=entry.pending_delta,
                held=entry.held_delta,
                source=answer_schemas.Source(type=entry.source_type, id=entry.source_id),
                reason=entry.reason,
                created_at=entry.created_at,
                earned_at=entry.earned_at,
            )
            for entry in entries
        ],
    )


@bp.get("/rebates")
@token_required("invoices")
@spec.validate(
    query=schemas.RebatesQuery,
    resp=answers("The rebates, oldest first.", answer_schemas.RebateList),
    operation_id="getRebates",
)
def get_rebates(query: schemas.RebatesQuery):
    """Post-sale rebates to credit

    Rebates fulfilled since a day, for the ERP to put on the partners' next invoices.
    Scope: invoices.
    """
    rows = catalog.fulfilled_rebates(
        db.session, since=datetime.combine(query.since, datetime.min.time(), tzinfo=UTC)
    )
    return answer_schemas.RebateList(
        rebates=[
            answer_schemas.Rebate(
                redemption_id=redemption.id,
                tax_id=company.tax_id,
                country=company.country,
                company=company.name,
                amount=str(redemption.money_value),
                currency=redemption.privilege.currency,
                points=redemption.points,
                fulfilled_at=redemption.fulfilled_at,
                note=redemption.answers.get("note", ""),
            )
            for redemption, company in rows
        ]
    )


@bp.route("/<path:anything>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
@public
def not_found(anything: str):
    return error_response(404, "not_found", _("There is no such API endpoint."))
