"""club rules, privacy notice, acceptances and erasures; version 1 of both documents

Version 1 of the club rules and of the privacy notice is published here, in English,
Polish and Russian, from the texts shipped in club/consent/texts/.

Revision ID: 74428be38e27
Revises: d3b5f2a8c6e4
Create Date: 2026-12-07 00:07:01.175900

"""

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import club.core.types

TEXTS = Path(__file__).resolve().parents[2] / "club" / "consent" / "texts"
LANGUAGES = ("en", "pl", "ru")


# revision identifiers, used by Alembic.
revision = "74428be38e27"
down_revision = "d3b5f2a8c6e4"
branch_labels = None
depends_on = None


def upgrade():
    document = op.create_table(
        "consent_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "rules",
                "privacy",
                name="consent_document_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("title_pl", sa.String(length=200), nullable=False),
        sa.Column("title_ru", sa.String(length=200), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("body_pl", sa.Text(), nullable=False),
        sa.Column("body_ru", sa.Text(), nullable=False),
        sa.Column("published_at", club.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("version >= 1", name=op.f("ck_consent_document_version_positive")),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["user.id"],
            name=op.f("fk_consent_document_published_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_document")),
        sa.UniqueConstraint("kind", "version", name="uq_consent_document_kind_version"),
    )
    op.create_table(
        "person_erasure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("erased_at", club.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("erased_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["erased_by_id"],
            ["user.id"],
            name=op.f("fk_person_erasure_erased_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_person_erasure_user_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_erasure")),
        sa.UniqueConstraint("user_id", name=op.f("uq_person_erasure_user_id")),
    )
    op.create_table(
        "consent_acceptance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", club.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_consent_acceptance_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["consent_document.id"],
            name=op.f("fk_consent_acceptance_document_id_consent_document"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_consent_acceptance_user_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_acceptance")),
        sa.UniqueConstraint("document_id", "user_id", name="uq_consent_acceptance_document_user"),
    )
    with op.batch_alter_table("consent_acceptance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_acceptance_company_document", ["company_id", "document_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consent_acceptance_user_id"), ["user_id"], unique=False
        )

    _publish_first_versions(document)


def _publish_first_versions(document) -> None:
    rows = []
    for kind in ("rules", "privacy"):
        row = {"kind": kind, "version": 1, "published_at": datetime.now(UTC)}
        for language in LANGUAGES:
            raw = (TEXTS / f"{kind}.{language}.md").read_text(encoding="utf-8")
            first, _newline, rest = raw.partition("\n")
            row[f"title_{language}"] = first.removeprefix("#").strip()
            row[f"body_{language}"] = rest.strip()
        rows.append(row)
    op.bulk_insert(document, rows)


def downgrade():
    with op.batch_alter_table("consent_acceptance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_acceptance_user_id"))
        batch_op.drop_index("ix_consent_acceptance_company_document")

    op.drop_table("consent_acceptance")
    op.drop_table("person_erasure")
    op.drop_table("consent_document")
