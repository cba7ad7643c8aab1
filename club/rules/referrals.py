"""Referrals: a member invites a company; the referrer earns when the invited company is
admitted and its first invoice is paid (club.purchases.rewards pays that), not at
sign-up.

A company is invited once (the first invitation counts); a company cannot invite
itself, nor a company already a member (which also refuses a loop: B, brought in by A,
cannot invite A back). The invitation mail carries a sign-up link: through it the
invited company applies (registered as an applicant, then admitted as any applicant).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.core.clock import utcnow
from club.core.mail import queue_mail
from club.members.models import Company, MembershipStatus
from club.members.services import CompanyDetails, create_company
from club.members.signals import company_admitted
from club.members.tax_ids import companies_with_tax_id, normalize_tax_id
from club.rules.errors import RulesError
from club.rules.models import Referral


@dataclass(frozen=True)
class Invitation:
    name: str
    country: str
    tax_id: str
    contact_name: str
    contact_email: str


def invite(
    session: Session, referrer: Company, invitation: Invitation, *, by, now: datetime | None = None
) -> Referral:
    now = now or utcnow()
    if referrer.status != MembershipStatus.MEMBER:
        raise RulesError(_("Only member companies invite others."))
    tax_id = normalize_tax_id(invitation.country, invitation.tax_id)  # refuses a bad one
    if (invitation.country, tax_id) == (referrer.country, referrer.tax_id):
        raise RulesError(_("A company cannot invite itself."), field="tax_id")
    known = companies_with_tax_id(session, tax_id, country=invitation.country, limit=1)
    if known and known[0].status != MembershipStatus.APPLICANT:
        raise RulesError(_("This company is already in the club."), field="tax_id")
    if _find(session, invitation.country, tax_id) is not None:
        raise RulesError(_("This company has already been invited."), field="tax_id")
    token = secrets.token_urlsafe(24)
    referral = Referral(
        token_hash=_hash(token),
        referrer_id=referrer.id,
        invited_by_id=by.id,
        name=invitation.name,
        country=invitation.country,
        tax_id=tax_id,
        contact_name=invitation.contact_name,
        contact_email=invitation.contact_email.lower(),
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(referral)
    except IntegrityError:  # invited a moment ago by someone else
        raise RulesError(_("This company has already been invited."), field="tax_id") from None
    queue_mail(
        session,
        to=referral.contact_email,
        template="referral_invitation",
        locale=by.language,
        referral=referral,
        referrer=referrer,
        token=token,
    )
    audit.record(
        session,
        "referral.invite",
        referral,
        actor=by,
        company_id=referrer.id,
        after={"tax_id": tax_id, "country": invitation.country},
        now=now,
    )
    return referral


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_for(session: Session, token: str) -> Referral | None:
    """The open invitation a sign-up link names (None: unknown, or already used)."""
    if not token or len(token) > 100:
        return None
    return session.scalar(select(Referral).where(Referral.token_hash == _hash(token)))


def apply(
    session: Session,
    referral: Referral,
    *,
    street: str,
    postal_code: str,
    city: str,
    now: datetime | None = None,
) -> Company:
    """The invited company applies through its link: it is registered as an applicant
    (admitted as any applicant is: by the threshold or by the club manager), and the
    link stops working."""
    now = now or utcnow()
    referral = session.execute(
        select(Referral)
        .where(Referral.id == referral.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if referral.token_hash is None:
        raise RulesError(_("This invitation has already been used."))
    details = CompanyDetails(
        name=referral.name,
        tax_id=referral.tax_id,
        country=referral.country,
        street=street,
        postal_code=postal_code,
        city=city,
    )
    company = create_company(session, details, actor=None, now=now)
    referral.token_hash, referral.applied_at = None, now
    audit.record(
        session,
        "referral.applied",
        referral,
        company_id=company.id,
        after={"company_id": company.id},
        now=now,
    )
    return company


def _find(session: Session, country: str, tax_id: str) -> Referral | None:
    return session.scalar(
        select(Referral).where(Referral.country == country, Referral.tax_id == tax_id)
    )


def referrals_of(session: Session, company: Company) -> list[Referral]:
    return list(
        session.scalars(
            select(Referral).where(Referral.referrer_id == company.id).order_by(Referral.id.desc())
        )
    )


def all_referrals(session: Session, limit: int = 200) -> list[Referral]:
    """The latest invitations of every member, for the club manager."""
    return list(session.scalars(select(Referral).order_by(Referral.id.desc()).limit(limit)))


@company_admitted.connect
def _track_admission(session: Session, *, company: Company, now: datetime, **_kw) -> None:
    """The invited company became a member: the invitation is tracked to it."""
    referral = _find(session, company.country, company.tax_id)
    if referral is not None and referral.company_id is None and referral.referrer_id != company.id:
        referral.company_id, referral.admitted_at = company.id, now
        session.flush()
