"""insight: per-month summaries of sales, points and activity, uplift after admission,
sign-in days

Issue #18 (the KPI dashboard). New tables only.

Revision ID: 9c3e5a7d1b20
Revises: 5e1f19a0b219
Create Date: 2026-12-07 03:20:00

"""

import sqlalchemy as sa
from alembic import op

import club.core.types

# revision identifiers, used by Alembic.
revision = "9c3e5a7d1b20"
down_revision = "5e1f19a0b219"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "insight_sales_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("invoices", sa.Integer(), nullable=False),
        sa.Column("net_total", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("due", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "invoices >= 0", name=op.f("ck_insight_sales_month_invoices_not_negative")
        ),
        sa.CheckConstraint(
            "due >= 0 AND due <= invoices", name=op.f("ck_insight_sales_month_due_within_invoices")
        ),
        sa.CheckConstraint(
            "on_time >= 0 AND on_time <= due",
            name=op.f("ck_insight_sales_month_on_time_within_due"),
        ),
        sa.CheckConstraint(
            "length(currency) = 3", name=op.f("ck_insight_sales_month_currency_iso4217")
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_insight_sales_month_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "month", "company_id", "currency", name=op.f("pk_insight_sales_month")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "insight_points_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("sponsor", sa.String(length=120), nullable=False),
        sa.Column("earned", sa.BigInteger(), nullable=False),
        sa.Column("campaign", sa.BigInteger(), nullable=False),
        sa.Column("bonus", sa.BigInteger(), nullable=False),
        sa.Column("expired", sa.BigInteger(), nullable=False),
        sa.Column("forfeited", sa.BigInteger(), nullable=False),
        sa.Column("spent", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "earned >= 0 AND campaign >= 0 AND bonus >= 0 AND expired >= 0"
            " AND forfeited >= 0 AND spent >= 0",
            name=op.f("ck_insight_points_month_counters_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_insight_points_month_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "month", "company_id", "sponsor", name=op.f("pk_insight_points_month")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "insight_uplift",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("admitted_on", sa.Date(), nullable=False),
        sa.Column("complete_on", sa.Date(), nullable=False),
        sa.Column("before_total", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("after_total", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.CheckConstraint(
            "complete_on > admitted_on", name=op.f("ck_insight_uplift_complete_after_admission")
        ),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_insight_uplift_currency_iso4217")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_insight_uplift_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "currency", name=op.f("pk_insight_uplift")),
    )
    op.create_index(
        op.f("ix_insight_uplift_complete_on"), "insight_uplift", ["complete_on"], unique=False
    )
    op.create_table(
        "insight_activity_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("sign_in_days", sa.Integer(), nullable=False),
        sa.Column("people_signed_in", sa.Integer(), nullable=False),
        sa.Column("staff", sa.Integer(), nullable=False),
        sa.Column("trained", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "sign_in_days >= people_signed_in AND people_signed_in >= 0",
            name=op.f("ck_insight_activity_month_people_within_days"),
        ),
        sa.CheckConstraint(
            "trained >= 0 AND trained <= staff",
            name=op.f("ck_insight_activity_month_trained_within_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_insight_activity_month_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("month", "company_id", name=op.f("pk_insight_activity_month")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "insight_sign_in_day",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("created_at", club.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_insight_sign_in_day_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_insight_sign_in_day_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_insight_sign_in_day")),
    )
    op.create_index("ix_insight_sign_in_day_day", "insight_sign_in_day", ["day", "company_id"])


def downgrade():
    op.drop_index("ix_insight_sign_in_day_day", table_name="insight_sign_in_day")
    op.drop_table("insight_sign_in_day")
    op.drop_table("insight_activity_month")
    op.drop_index(op.f("ix_insight_uplift_complete_on"), table_name="insight_uplift")
    op.drop_table("insight_uplift")
    op.drop_table("insight_points_month")
    op.drop_table("insight_sales_month")
