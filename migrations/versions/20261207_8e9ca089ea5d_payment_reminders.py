"""payment reminders: one per company and closing day of a payment window

Issue #16. The reminder job records each mail here so it goes out once.

Revision ID: 8e9ca089ea5d
Revises: b54f73b6c4b3
Create Date: 2026-12-07 01:17:20.782092

"""

import sqlalchemy as sa
from alembic import op

import club.core.types

# revision identifiers, used by Alembic.
revision = "8e9ca089ea5d"
down_revision = "b54f73b6c4b3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "payment_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("sent_at", club.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("points > 0", name=op.f("ck_payment_reminder_points_positive")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_payment_reminder_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_reminder")),
        sa.UniqueConstraint("company_id", "closes_on", name="uq_payment_reminder_company_day"),
    )


def downgrade():
    op.drop_table("payment_reminder")
