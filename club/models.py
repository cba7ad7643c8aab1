"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from club.audit.models import AuditEntry
from club.ledger.models import Allocation, Entry, Hold, Lot, Wallet
from club.members.models import Company, OneTimeLink, User

__all__ = [
    "Allocation",
    "AuditEntry",
    "Company",
    "Entry",
    "Hold",
    "Lot",
    "OneTimeLink",
    "User",
    "Wallet",
]
