"""A company's standing in the club: its tier (and, with the tiers issue, admission).

Tiers are a company's standing, so they live with members, below the ledger: the
catalogue, meetings, boards and the month close ask here and never compute a tier
themselves. Until the tiers issue lands no company has a tier and every multiplier is x1.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from club.members.models import Company


def company_tier(session: Session, company: Company) -> str | None:
    """The company's tier name, or None."""
    return None


def company_tiers(session: Session) -> dict[int, str]:
    """Every company's tier (company id: tier name) for lists such as the leagues; the
    same answer as `company_tier` for each company, in one query."""
    return {}


def tier_multiplier_percent(session: Session, company_id: int, period: date) -> int:
    """The multiplier of the company's tier for a purchase month, in percent."""
    return 100


def sees_pilot_only(viewer) -> bool:
    """Whether pilot-only privileges and meetings are shown to and open to a viewer:
    supplier staff always, partners when their company is in the pilot group."""
    return not viewer.role.is_partner or bool(viewer.company and viewer.company.is_pilot)
