"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from club.api.models import ApiToken
from club.audit.models import AuditEntry
from club.catalog.models import Privilege, Redemption, RedemptionEvent, Wish
from club.ledger.models import Allocation, Entry, Hold, Lot, Wallet
from club.members.models import Company, OneTimeLink, User
from club.purchases.models import EarningRule, Invoice, PurchaseMonth

__all__ = [
    "Allocation",
    "ApiToken",
    "AuditEntry",
    "Company",
    "EarningRule",
    "Entry",
    "Hold",
    "Invoice",
    "Lot",
    "OneTimeLink",
    "Privilege",
    "PurchaseMonth",
    "Redemption",
    "RedemptionEvent",
    "User",
    "Wallet",
    "Wish",
]
