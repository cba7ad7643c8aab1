"""Admission and the pilot group: the entry rules, each company's membership history,
admissions awaiting approval; a company's status day and pilot flag; pilot-only
privileges and meetings.

Companies already suspended or gone get today as their status day: their points are
frozen from the upgrade on, never retroactively forfeited.

Revision ID: 420468f8f4fd
Revises: 74428be38e27
Create Date: 2026-12-07 00:05:48.797194
"""

import sqlalchemy as sa
from alembic import op

from club.core.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "420468f8f4fd"
down_revision = "74428be38e27"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "admission_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "awaiting",
                "approved",
                "declined",
                name="admission_review_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reached_on", sa.Date(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("points >= 0", name=op.f("ck_admission_review_points_not_negative")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_admission_review_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user.id"],
            name=op.f("fk_admission_review_decided_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admission_review")),
        sa.UniqueConstraint("company_id", name=op.f("uq_admission_review_company_id")),
    )
    op.create_table(
        "admission_rules",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("threshold_points", sa.Integer(), nullable=False),
        sa.Column("window_months", sa.Integer(), nullable=False),
        sa.Column("needs_approval", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("forfeit_after_months", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "forfeit_after_months BETWEEN 0 AND 60",
            name=op.f("ck_admission_rules_forfeit_in_range"),
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_admission_rules_single_row")),
        sa.CheckConstraint(
            "threshold_points > 0", name=op.f("ck_admission_rules_threshold_positive")
        ),
        sa.CheckConstraint(
            "window_months BETWEEN 1 AND 36", name=op.f("ck_admission_rules_window_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user.id"],
            name=op.f("fk_admission_rules_updated_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admission_rules")),
    )
    op.create_table(
        "membership_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "applicant",
                "member",
                "suspended",
                "left",
                name="membership_change_from",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "applicant",
                "member",
                "suspended",
                "left",
                name="membership_change_to",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "from_status IS NULL OR from_status <> to_status",
            name=op.f("ck_membership_change_status_changes"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
            name=op.f("fk_membership_change_actor_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_membership_change_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_change")),
    )
    with op.batch_alter_table("membership_change", schema=None) as batch_op:
        batch_op.create_index("ix_membership_change_company", ["company_id", "id"], unique=False)

    # Plain ADD COLUMN (SQLite has it): a batch copy of company would drop a table that
    # every other table's rows point at.
    op.add_column("company", sa.Column("status_since", sa.Date(), nullable=True))
    op.add_column(
        "company", sa.Column("is_pilot", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.create_index(op.f("ix_company_is_pilot"), "company", ["is_pilot"], unique=False)
    op.execute(
        "UPDATE company SET status_since = CURRENT_DATE WHERE status IN ('suspended', 'left')"
    )
    for table in ("meeting", "privilege"):
        op.add_column(
            table,
            sa.Column("is_pilot_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        )


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+), for the reason given above.
    for table in ("privilege", "meeting"):
        op.drop_column(table, "is_pilot_only")
    op.drop_index(op.f("ix_company_is_pilot"), table_name="company")
    op.drop_column("company", "is_pilot")
    op.drop_column("company", "status_since")

    with op.batch_alter_table("membership_change", schema=None) as batch_op:
        batch_op.drop_index("ix_membership_change_company")

    op.drop_table("membership_change")
    op.drop_table("admission_rules")
    op.drop_table("admission_review")
