"""awards: quarter awards with their distinctions (diplomas), membership certificates

Revision ID: a8256c35df44
Revises: 6be1dbfa0389
Create Date: 2026-11-28 17:49:03.678858

"""

import sqlalchemy as sa
from alembic import op

from club.core.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "a8256c35df44"
down_revision = "6be1dbfa0389"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "membership_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("member_since", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=14), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "sequence >= 1", name=op.f("ck_membership_certificate_sequence_positive")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_membership_certificate_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_certificate")),
        sa.UniqueConstraint("code", name=op.f("uq_membership_certificate_code")),
        sa.UniqueConstraint("company_id", name=op.f("uq_membership_certificate_company_id")),
        sa.UniqueConstraint("year", "sequence", name="uq_membership_certificate_number"),
    )
    op.create_table(
        "quarter_award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finalised_at", UTCDateTime(), nullable=True),
        sa.Column("finalised_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(finalised_at IS NULL) = (finalised_by_id IS NULL)",
            name=op.f("ck_quarter_award_finalised_with_actor"),
        ),
        sa.CheckConstraint(
            "quarter BETWEEN 1 AND 4", name=op.f("ck_quarter_award_quarter_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["finalised_by_id"],
            ["user.id"],
            name=op.f("fk_quarter_award_finalised_by_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarter_award")),
        sa.UniqueConstraint("year", "quarter", name="uq_quarter_award_year_quarter"),
    )
    op.create_table(
        "distinction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("citation", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=14), nullable=False),
        sa.Column("chosen_at", UTCDateTime(), nullable=False),
        sa.Column("chosen_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("place BETWEEN 1 AND 10", name=op.f("ck_distinction_place_in_range")),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["quarter_award.id"],
            name=op.f("fk_distinction_award_id_quarter_award"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["chosen_by_id"],
            ["user.id"],
            name=op.f("fk_distinction_chosen_by_id_user"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_distinction_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_distinction")),
        sa.UniqueConstraint("award_id", "company_id", name="uq_distinction_award_company"),
        sa.UniqueConstraint("award_id", "place", name="uq_distinction_award_place"),
        sa.UniqueConstraint("code", name=op.f("uq_distinction_code")),
    )
    with op.batch_alter_table("distinction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_distinction_company_id"), ["company_id"], unique=False)


def downgrade():
    with op.batch_alter_table("distinction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_distinction_company_id"))
    op.drop_table("distinction")
    op.drop_table("quarter_award")
    op.drop_table("membership_certificate")
