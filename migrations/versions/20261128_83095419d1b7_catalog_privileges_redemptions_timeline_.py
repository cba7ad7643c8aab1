"""catalog: privileges, redemptions, timeline, wishes

Revision ID: 83095419d1b7
Revises: 00f430249552
Create Date: 2026-11-28 16:27:27.857520

"""

import sqlalchemy as sa
from alembic import op

from club.core.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "83095419d1b7"
down_revision = "00f430249552"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "privilege",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "marketing",
                "sales",
                "training",
                "travel",
                "vouchers",
                "rebates",
                name="privilege_category",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("points_cost", sa.Integer(), nullable=False),
        sa.Column("money_value", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("sponsor", sa.String(length=120), nullable=True),
        sa.Column("sponsor_share_percent", sa.Integer(), nullable=False),
        sa.Column("min_tier", sa.String(length=40), nullable=True),
        sa.Column("capacity_per_quarter", sa.Integer(), nullable=True),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=True),
        sa.Column("active_until", sa.Date(), nullable=True),
        sa.Column("image", sa.String(length=200), nullable=True),
        sa.Column("brief", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "capacity_per_quarter IS NULL OR capacity_per_quarter >= 0",
            name=op.f("ck_privilege_capacity_not_negative"),
        ),
        sa.CheckConstraint("lead_time_days >= 0", name=op.f("ck_privilege_lead_time_not_negative")),
        sa.CheckConstraint("money_value >= 0", name=op.f("ck_privilege_money_value_not_negative")),
        sa.CheckConstraint("points_cost > 0", name=op.f("ck_privilege_points_cost_positive")),
        sa.CheckConstraint(
            "sponsor_share_percent >= 0 AND sponsor_share_percent <= 100",
            name=op.f("ck_privilege_sponsor_share_in_range"),
        ),
        sa.CheckConstraint(
            "stock IS NULL OR stock >= 0", name=op.f("ck_privilege_stock_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privilege")),
        sa.UniqueConstraint("slug", name=op.f("uq_privilege_slug")),
    )
    with op.batch_alter_table("privilege", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privilege_category"), ["category"], unique=False)

    op.create_table(
        "redemption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("privilege_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("hold_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "approved",
                "in_progress",
                "fulfilled",
                "rejected",
                "cancelled",
                name="redemption_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("money_value", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("fulfilled_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("points > 0", name=op.f("ck_redemption_points_positive")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_redemption_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["hold.id"], name=op.f("fk_redemption_hold_id_hold"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["privilege_id"],
            ["privilege.id"],
            name=op.f("fk_redemption_privilege_id_privilege"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user.id"],
            name=op.f("fk_redemption_requested_by_id_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemption")),
        sa.UniqueConstraint("hold_id", name=op.f("uq_redemption_hold_id")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_redemption_idempotency_key")),
    )
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_redemption_company_id"), ["company_id"], unique=False)
        batch_op.create_index(
            "ix_redemption_privilege_quarter", ["privilege_id", "quarter"], unique=False
        )
        batch_op.create_index(
            "ix_redemption_status_created", ["status", "created_at"], unique=False
        )

    op.create_table(
        "redemption_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("redemption_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "approved",
                "in_progress",
                "fulfilled",
                "rejected",
                "cancelled",
                name="redemption_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
            name=op.f("fk_redemption_event_actor_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemption.id"],
            name=op.f("fk_redemption_event_redemption_id_redemption"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redemption_event")),
    )
    with op.batch_alter_table("redemption_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_redemption_event_redemption_id"), ["redemption_id"], unique=False
        )

    op.create_table(
        "wish",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("privilege_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "redeemed",
                "declined",
                name="wish_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("redemption_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_wish_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["privilege_id"],
            ["privilege.id"],
            name=op.f("fk_wish_privilege_id_privilege"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["user.id"],
            name=op.f("fk_wish_proposed_by_id_user"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemption.id"],
            name=op.f("fk_wish_redemption_id_redemption"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wish")),
    )
    with op.batch_alter_table("wish", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wish_company_id"), ["company_id"], unique=False)


def downgrade():

    with op.batch_alter_table("wish", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wish_company_id"))

    op.drop_table("wish")
    with op.batch_alter_table("redemption_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_redemption_event_redemption_id"))

    op.drop_table("redemption_event")
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.drop_index("ix_redemption_status_created")
        batch_op.drop_index("ix_redemption_privilege_quarter")
        batch_op.drop_index(batch_op.f("ix_redemption_company_id"))

    op.drop_table("redemption")
    with op.batch_alter_table("privilege", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privilege_category"))

    op.drop_table("privilege")
