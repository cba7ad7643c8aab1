"""Rules of the members domain: companies, people, invitations, signing in.

Services take the session and plain values, flush but never commit (the caller owns the
transaction), and raise a MembersError with a message safe to show. The rules live in
modules by subject (passwords, sign_in, accounts, links, account_holder, companies);
this module names every public one, so views and other domains import from one place.
Registering and editing a company stays here, next to the tax id check it relies on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.roles import Role
from club.members import admission
from club.members.account_holder import company_account_holder, move_account_holder
from club.members.accounts import (
    change_password,
    change_supplier_role,
    normalize_email,
    search_users,
    set_active,
    set_language,
    update_profile,
)
from club.members.companies import search_companies, visible_companies, visible_company
from club.members.errors import MembersError
from club.members.links import (
    accept_invitation,
    find_link,
    invite,
    request_password_reset,
    resend_invitation,
    reset_password,
)
from club.members.models import Company, MembershipStatus, User
from club.members.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password_rules,
    hash_password,
)
from club.members.sign_in import (
    authenticate,
    end_session,
    load_user_for_session,
    start_session,
)
from club.members.tax_ids import normalize_tax_id

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "CompanyDetails",
    "MembersError",
    "accept_invitation",
    "authenticate",
    "change_password",
    "change_supplier_role",
    "check_password_rules",
    "company_account_holder",
    "create_company",
    "end_session",
    "find_link",
    "hash_password",
    "invite",
    "load_user_for_session",
    "move_account_holder",
    "normalize_email",
    "normalize_tax_id",
    "request_password_reset",
    "resend_invitation",
    "reset_password",
    "search_companies",
    "search_users",
    "set_active",
    "set_language",
    "start_session",
    "update_company",
    "update_profile",
    "visible_companies",
    "visible_company",
]


# --- values -------------------------------------------------------------------------


# --- companies ----------------------------------------------------------------------


@dataclass
class CompanyDetails:
    name: str
    tax_id: str
    country: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    status: MembershipStatus = MembershipStatus.APPLICANT
    joined_on: date | None = None
    account_manager_id: int | None = None
    is_pilot: bool = False


def _company_snapshot(company: Company) -> dict:
    return {
        "name": company.name,
        "tax_id": company.tax_id,
        "country": company.country,
        "street": company.street,
        "postal_code": company.postal_code,
        "city": company.city,
        "status": company.status.value,
        "joined_on": company.joined_on.isoformat() if company.joined_on else None,
        "account_manager_id": company.account_manager_id,
        "is_pilot": company.is_pilot,
    }


def _apply_company_details(
    session: Session, company: Company, details: CompanyDetails, now: datetime
) -> None:
    country = details.country.upper()
    tax_id = normalize_tax_id(country, details.tax_id)
    clash = session.scalar(
        select(Company.id).where(
            Company.country == country, Company.tax_id == tax_id, Company.id != company.id
        )
    )
    if clash is not None:
        raise MembersError(_("A company with this tax id is already registered."), field="tax_id")
    if details.account_manager_id is not None:
        manager = session.get(User, details.account_manager_id)
        if manager is None or manager.role != Role.ACCOUNT_MANAGER:
            raise MembersError(_("Choose an account manager."), field="account_manager_id")
    company.name = details.name.strip()
    company.tax_id = tax_id
    company.country = country
    company.street = details.street.strip()
    company.postal_code = details.postal_code.strip()
    company.city = details.city.strip()
    company.account_manager_id = details.account_manager_id
    company.joined_on = details.joined_on
    company.is_pilot = details.is_pilot


def create_company(
    session: Session, details: CompanyDetails, *, actor: User, now: datetime | None = None
) -> Company:
    now = now or utcnow()
    company = Company(created_at=now, status=details.status)
    _apply_company_details(session, company, details, now)
    session.add(company)
    session.flush()
    admission.registered(session, company, actor=actor, now=now)
    audit.record(
        session,
        "company.created",
        company,
        actor=actor,
        company_id=company.id,
        after=_company_snapshot(company),
        now=now,
    )
    return company


def update_company(
    session: Session,
    company: Company,
    details: CompanyDetails,
    *,
    actor: User,
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    before = _company_snapshot(company)
    _apply_company_details(session, company, details, now)
    # A status set on the form (or by the CRM) is a step of the membership history too.
    admission.change_status(
        session, company, details.status, actor=actor, reason=_("company details"), now=now
    )
    old, new = audit.changes(before, _company_snapshot(company))
    if new:
        audit.record(
            session,
            "company.updated",
            company,
            actor=actor,
            company_id=company.id,
            before=old,
            after=new,
            now=now,
        )
    session.flush()
