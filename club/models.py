"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from club.audit.models import AuditEntry
from club.members.models import Company, OneTimeLink, User

__all__ = ["AuditEntry", "Company", "OneTimeLink", "User"]
