"""POST /api/v1/complaints and /api/v1/contracts: the supplier's CRM reports partners'
complaints and contracts (club.relations), which the account managers' portfolio reads
as churn signals. Idempotent upserts by complaint number / contract reference within the
company. Scope: companies (what the CRM sends)."""

from __future__ import annotations

from flask_babel import gettext as _

from club.api import answer_schemas, schemas
from club.api.edge import bp, error_code, token_required
from club.api.openapi import BODY, ApiError, answers, spec
from club.extensions import db
from club.members.models import Company
from club.members.tax_ids import compact_tax_id, companies_with_tax_id, without_country_prefix
from club.relations import records
from club.relations.errors import InvalidRecord

SAID = (
    *BODY,
    (404, "No company with this tax id in this country (`unknown_company`)."),
    (422, "A date does not fit (`invalid_record`, `field` names it)."),
)


def _company(country: str, tax_id: str) -> Company:
    compact = compact_tax_id(tax_id)
    found = companies_with_tax_id(db.session, compact, country=country, limit=1)
    if not found and (bare := without_country_prefix(compact)) != compact:
        found = companies_with_tax_id(db.session, bare, country=country, limit=1)
    if not found:
        raise ApiError(
            404,
            "unknown_company",
            _("No company with tax id %(tax_id)s is registered.", tax_id=tax_id),
        )
    return found[0]


def _answer(row, key: str, outcome: records.Outcome):
    answer = answer_schemas.StoredRecord(id=row.id, key=key, outcome=outcome.value)
    return answer, 201 if outcome == records.Outcome.CREATED else 200


@bp.post("/complaints")
@token_required("companies")
@spec.validate(
    json=schemas.ComplaintIn,
    resp=answers(
        "Stored before: updated to what was sent, or unchanged.",
        answer_schemas.StoredRecord,
        *SAID,
        HTTP_201=(answer_schemas.StoredRecord, "A new complaint."),
    ),
    operation_id="postComplaint",
)
def post_complaint(json: schemas.ComplaintIn):
    """Send a complaint

    A partner company's complaint, by the supplier's complaint number: new, changed or
    closed (`closed_on`). The same number again updates the stored complaint; sending
    exactly what is stored changes nothing. Open and recent complaints count against
    the company's health on the account manager's portfolio. Scope: companies.
    """
    company = _company(json.country, json.tax_id)
    data = records.ComplaintData(json.external_id, json.opened_on, json.closed_on, json.subject)
    try:
        complaint, outcome = records.upsert_complaint(db.session, company, data)
    except InvalidRecord as error:
        raise ApiError(422, error_code(error), error.message, error.field) from None
    db.session.commit()
    return _answer(complaint, complaint.external_id, outcome)


@bp.post("/contracts")
@token_required("companies")
@spec.validate(
    json=schemas.ContractIn,
    resp=answers(
        "Stored before: updated to what was sent, or unchanged.",
        answer_schemas.StoredRecord,
        *SAID,
        HTTP_201=(answer_schemas.StoredRecord, "A new contract."),
    ),
    operation_id="postContract",
)
def post_contract(json: schemas.ContractIn):
    """Send a contract

    A partner company's contract, by the supplier's reference, with its start and end
    dates (`ends_on` null: open-ended). The same reference again updates the stored
    contract (a prolongation moves its end). A contract ending within 90 days counts
    against the company's health on the account manager's portfolio. Scope: companies.
    """
    company = _company(json.country, json.tax_id)
    data = records.ContractData(json.reference, json.starts_on, json.ends_on)
    try:
        contract, outcome = records.upsert_contract(db.session, company, data)
    except InvalidRecord as error:
        raise ApiError(422, error_code(error), error.message, error.field) from None
    db.session.commit()
    return _answer(contract, contract.reference, outcome)
