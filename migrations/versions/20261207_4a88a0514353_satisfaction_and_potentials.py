"""satisfaction and potentials: the NPS question put to a person, and companies' yearly
purchase potentials with their history

Issue #18. New tables only.

Revision ID: 4a88a0514353
Revises: 0404108d3e14
Create Date: 2026-12-07 02:44:58.468745

"""

import sqlalchemy as sa
from alembic import op

import club.core.types

# revision identifiers, used by Alembic.
revision = "4a88a0514353"
down_revision = "0404108d3e14"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "company_potential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", club.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_company_potential_amount_positive")),
        sa.CheckConstraint(
            "length(currency) = 3", name=op.f("ck_company_potential_currency_iso4217")
        ),
        sa.CheckConstraint(
            "year BETWEEN 2000 AND 2100", name=op.f("ck_company_potential_year_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_company_potential_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["user.id"],
            name=op.f("fk_company_potential_entered_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_potential")),
        sa.UniqueConstraint(
            "company_id", "year", "currency", name="uq_company_potential_company_year_currency"
        ),
    )
    op.create_table(
        "company_potential_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", club.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount IS NULL OR amount > 0", name=op.f("ck_company_potential_change_amount_positive")
        ),
        sa.CheckConstraint(
            "length(currency) = 3", name=op.f("ck_company_potential_change_currency_iso4217")
        ),
        sa.CheckConstraint(
            "year BETWEEN 2000 AND 2100", name=op.f("ck_company_potential_change_year_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_company_potential_change_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["user.id"],
            name=op.f("fk_company_potential_change_entered_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_potential_change")),
    )
    op.create_index(
        "ix_company_potential_change_company_year",
        "company_potential_change",
        ["company_id", "year"],
        unique=False,
    )
    op.create_table(
        "survey_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column(
            "occasion_kind",
            sa.Enum(
                "redemption",
                "meeting",
                name="survey_occasion",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("occasion_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("asked_at", club.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", club.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("is_dismissed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint(
            "(answered_at IS NULL) = (score IS NULL)",
            name=op.f("ck_survey_answer_answered_with_score"),
        ),
        sa.CheckConstraint(
            "NOT (is_dismissed AND answered_at IS NOT NULL)",
            name=op.f("ck_survey_answer_answered_or_dismissed"),
        ),
        sa.CheckConstraint(
            "comment IS NULL OR length(comment) <= 1000",
            name=op.f("ck_survey_answer_comment_not_long"),
        ),
        sa.CheckConstraint(
            "comment IS NULL OR score IS NOT NULL",
            name=op.f("ck_survey_answer_comment_with_score"),
        ),
        sa.CheckConstraint("occasion_id > 0", name=op.f("ck_survey_answer_occasion_id_positive")),
        sa.CheckConstraint(
            "score IS NULL OR score BETWEEN 0 AND 10",
            name=op.f("ck_survey_answer_score_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_survey_answer_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_survey_answer_user_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answer")),
        sa.UniqueConstraint("user_id", "quarter", name="uq_survey_answer_user_quarter"),
    )
    op.create_index("ix_survey_answer_answered_at", "survey_answer", ["answered_at"], unique=False)
    op.create_index(
        op.f("ix_survey_answer_company_id"), "survey_answer", ["company_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_survey_answer_company_id"), table_name="survey_answer")
    op.drop_index("ix_survey_answer_answered_at", table_name="survey_answer")
    op.drop_table("survey_answer")
    op.drop_index("ix_company_potential_change_company_year", table_name="company_potential_change")
    op.drop_table("company_potential_change")
    op.drop_table("company_potential")
