"""purchases: invoices, earning rules, purchase months

Revision ID: a9fab9eb6beb
Revises: fa176bf8063f
Create Date: 2026-11-28 15:48:13.740724

"""

import sqlalchemy as sa
from alembic import op

from club.core.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "a9fab9eb6beb"
down_revision = "fa176bf8063f"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "invoice",
                "credit_note",
                name="invoice_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("net_amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'invoice' AND net_amount >= 0) OR (kind = 'credit_note' AND net_amount <= 0)",
            name=op.f("ck_invoice_sign_matches_kind"),
        ),
        sa.CheckConstraint("due_date >= issue_date", name=op.f("ck_invoice_due_after_issue")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_invoice_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice")),
        sa.UniqueConstraint("number", name=op.f("uq_invoice_number")),
    )
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.create_index("ix_invoice_company_period", ["company_id", "period"], unique=False)

    op.create_table(
        "purchase_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("multiplier_percent", sa.Integer(), nullable=False),
        sa.Column("net_total", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("earned", sa.Integer(), nullable=False),
        sa.Column("confirmed", sa.Integer(), nullable=False),
        sa.Column("forfeited", sa.Integer(), nullable=False),
        sa.Column("clawed_back", sa.Integer(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=False),
        sa.Column("settled_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "confirmed - clawed_back >= 0", name=op.f("ck_purchase_month_kept_not_negative")
        ),
        sa.CheckConstraint(
            "earned - confirmed - forfeited >= 0",
            name=op.f("ck_purchase_month_pending_not_negative"),
        ),
        sa.CheckConstraint(
            "earned >= 0 AND confirmed >= 0 AND forfeited >= 0 AND clawed_back >= 0",
            name=op.f("ck_purchase_month_counters_not_negative"),
        ),
        sa.CheckConstraint(
            "multiplier_percent > 0", name=op.f("ck_purchase_month_multiplier_positive")
        ),
        sa.CheckConstraint("rate > 0", name=op.f("ck_purchase_month_rate_positive")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_purchase_month_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_month")),
        sa.UniqueConstraint("company_id", "period", name="uq_purchase_month_company_period"),
    )
    op.create_table(
        "earning_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("grace_days >= 0", name=op.f("ck_earning_rule_grace_not_negative")),
        sa.CheckConstraint("rate > 0", name=op.f("ck_earning_rule_rate_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_earning_rule_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_earning_rule")),
        sa.UniqueConstraint("effective_from", name="uq_earning_rule_effective_from"),
    )


def downgrade():

    op.drop_table("earning_rule")
    op.drop_table("purchase_month")
    with op.batch_alter_table("invoice", schema=None) as batch_op:
        batch_op.drop_index("ix_invoice_company_period")

    op.drop_table("invoice")
