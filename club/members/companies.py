"""Which partner companies a viewer sees, and finding them."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from club.core.countries import country_code, country_name
from club.core.roles import Role
from club.members.models import Company, MembershipStatus, User


def visible_companies(viewer: User):
    """The companies a viewer may see: all for the club manager, a portfolio otherwise."""
    query = select(Company)
    if viewer.role == Role.ACCOUNT_MANAGER:
        query = query.where(Company.account_manager_id == viewer.id)
    elif viewer.role != Role.CLUB_MANAGER:
        query = query.where(Company.id == viewer.company_id)
    return query


def visible_company(session: Session, viewer: User, company_id: int) -> Company | None:
    """The company, if the viewer may see it (see visible_companies)."""
    return session.scalar(visible_companies(viewer).where(Company.id == company_id))


def search_companies(
    viewer: User,
    *,
    text: str = "",
    status: str = "",
    country: str = "",
    account_manager_id: int | None = None,
    pilot: bool = False,
):
    query = visible_companies(viewer)
    if text:
        pattern = f"%{text.strip().lower()}%"
        compact = "".join(ch for ch in text if ch.isalnum())
        conditions = [
            func.lower(Company.name).like(pattern),
            func.lower(Company.city).like(pattern),
        ]
        if compact:
            conditions.append(Company.tax_id.like(f"%{compact.upper()}%"))
        query = query.where(or_(*conditions))
    if status:
        query = query.where(Company.status == MembershipStatus(status))
    if country and (code := country_code(country)) is not None:
        query = query.where(Company.country == code)
    if account_manager_id:
        query = query.where(Company.account_manager_id == account_manager_id)
    if pilot:
        query = query.where(Company.is_pilot.is_(True))
    return query.options(selectinload(Company.account_manager)).order_by(
        func.lower(Company.name), Company.id
    )


def company_countries(session: Session, viewer: User, locale) -> list[tuple[str, str]]:
    """The countries of the companies a viewer sees, as (code, name in `locale`), for a
    filter menu; by name."""
    codes = session.scalars(
        visible_companies(viewer).with_only_columns(Company.country).distinct()
    ).all()
    named = [(code, country_name(code, locale)) for code in codes]
    return sorted(named, key=lambda pair: (pair[1].casefold(), pair[0]))
