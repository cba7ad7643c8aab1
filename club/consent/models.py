"""Versioned documents in three languages, and their acceptances."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from club.core.clock import utcnow
from club.core.types import UTCDateTime
from club.extensions import db
from club.members.models import Company, User, str_enum

LANGUAGES = ("en", "pl", "ru")


class DocumentKind(enum.StrEnum):
    RULES = "rules"  # the club's terms: the account holder accepts for the company
    PRIVACY = "privacy"  # the privacy notice: every partner user accepts for themselves

    @property
    def label(self) -> str:
        return str(DOCUMENT_KIND_LABELS[self])


DOCUMENT_KIND_LABELS = {
    DocumentKind.RULES: _l("Club rules"),
    DocumentKind.PRIVACY: _l("Privacy notice"),
}


class ConsentDocument(db.Model):
    """One published version of the club rules or the privacy notice. Never edited: a
    change is a new version, so an acceptance always names the text that was shown."""

    __tablename__ = "consent_document"
    __table_args__ = (
        UniqueConstraint("kind", "version", name="uq_consent_document_kind_version"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(
        str_enum(DocumentKind, "consent_document_kind"), nullable=False
    )
    version: Mapped[int] = mapped_column(nullable=False)
    title_en: Mapped[str] = mapped_column(String(200), nullable=False)
    title_pl: Mapped[str] = mapped_column(String(200), nullable=False)
    title_ru: Mapped[str] = mapped_column(String(200), nullable=False)
    body_en: Mapped[str] = mapped_column(Text, nullable=False)
    body_pl: Mapped[str] = mapped_column(Text, nullable=False)
    body_ru: Mapped[str] = mapped_column(Text, nullable=False)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # None for version 1, seeded by the migration.
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), nullable=True
    )

    published_by: Mapped[User | None] = relationship()

    def title(self, language: str) -> str:
        return getattr(self, f"title_{language if language in LANGUAGES else 'en'}")

    def body(self, language: str) -> str:
        return getattr(self, f"body_{language if language in LANGUAGES else 'en'}")

    def __repr__(self) -> str:
        return f"<ConsentDocument {self.kind.value} v{self.version}>"


class Acceptance(db.Model):
    """A person accepted one version of a document: when, and from where."""

    __tablename__ = "consent_acceptance"
    __table_args__ = (
        UniqueConstraint("document_id", "user_id", name="uq_consent_acceptance_document_user"),
        # "Has this company accepted the current rules?" on every redemption.
        Index("ix_consent_acceptance_company_document", "company_id", "document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("consent_document.id", ondelete="RESTRICT"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    # The person's company when they accepted: the rules bind the company.
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="RESTRICT"), nullable=True
    )
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(45), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(300), nullable=True)

    document: Mapped[ConsentDocument] = relationship()
    user: Mapped[User] = relationship()
    company: Mapped[Company | None] = relationship()

    def __repr__(self) -> str:
        return f"<Acceptance {self.id} document={self.document_id} user={self.user_id}>"
