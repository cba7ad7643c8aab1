"""goods and e-vouchers: a privilege's kind (service, good, e-voucher), a good's variants
with their stock, each company's delivery address, a redemption's delivery, shipping and
return, and e-voucher codes (sealed) in pools

Issue #21. privilege and redemption are recreated on SQLite (new check constraints and a
foreign key) with foreign keys off meanwhile, checked after, as in the tiers migration.

Revision ID: b069b5736cb5
Revises: 8e9ca089ea5d
Create Date: 2026-12-07 01:10:47.152029

"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

import club.core.types

# revision identifiers, used by Alembic.
revision = "b069b5736cb5"
down_revision = "8e9ca089ea5d"
branch_labels = None
depends_on = None


@contextmanager
def _tables_recreated():
    """SQLite recreates a table to add a CHECK or a foreign key; dropping the old one
    would trip the ON DELETE RESTRICT keys that refer to it, so foreign keys are off
    meanwhile (between transactions) and checked before they are on again."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("COMMIT")
    connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"foreign keys broken by the rewards migration: {broken[:5]}")
    except BaseException:
        connection.exec_driver_sql("ROLLBACK")
        raise
    else:
        connection.exec_driver_sql("COMMIT")
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade():
    op.create_table(
        "delivery_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("updated_at", club.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_delivery_address_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_address")),
        sa.UniqueConstraint("company_id", name=op.f("uq_delivery_address_company_id")),
    )
    op.create_table(
        "privilege_variant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("privilege_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "stock >= 0", name=op.f("ck_privilege_variant_variant_stock_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["privilege_id"],
            ["privilege.id"],
            name=op.f("fk_privilege_variant_privilege_id_privilege"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privilege_variant")),
        sa.UniqueConstraint("privilege_id", "label", name="uq_privilege_variant_label"),
    )
    with op.batch_alter_table("privilege_variant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privilege_variant_privilege_id"), ["privilege_id"], unique=False
        )

    op.create_table(
        "voucher_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("privilege_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("sealed_code", sa.Text(), nullable=False),
        sa.Column("sealed_pin", sa.Text(), nullable=True),
        sa.Column("value", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("uploaded_at", club.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("redemption_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", club.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", club.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "redemption_id IS NULL OR withdrawn_at IS NULL",
            name=op.f("ck_voucher_code_assigned_or_withdrawn"),
        ),
        sa.CheckConstraint("value >= 0", name=op.f("ck_voucher_code_voucher_value_not_negative")),
        sa.ForeignKeyConstraint(
            ["privilege_id"],
            ["privilege.id"],
            name=op.f("fk_voucher_code_privilege_id_privilege"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemption.id"],
            name=op.f("fk_voucher_code_redemption_id_redemption"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user.id"],
            name=op.f("fk_voucher_code_uploaded_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_code")),
        sa.UniqueConstraint("privilege_id", "fingerprint", name="uq_voucher_code_fingerprint"),
        sa.UniqueConstraint("redemption_id", name=op.f("uq_voucher_code_redemption_id")),
    )
    with op.batch_alter_table("voucher_code", schema=None) as batch_op:
        batch_op.create_index(
            "ix_voucher_code_free", ["privilege_id", "redemption_id", "withdrawn_at"], unique=False
        )

    with _tables_recreated():
        _alter_privilege_and_redemption()


def _alter_privilege_and_redemption():
    with op.batch_alter_table("privilege", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "service",
                    "good",
                    "e_voucher",
                    name="privilege_kind",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="service",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("weight_grams", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("parcel_size", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("delivers_at_once", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("pool_threshold", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("pool_warned_at", club.core.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_check_constraint(
            op.f("ck_privilege_pool_threshold_not_negative"),
            "pool_threshold IS NULL OR pool_threshold >= 0",
        )
        batch_op.create_check_constraint(
            op.f("ck_privilege_weight_positive"), "weight_grams IS NULL OR weight_grams > 0"
        )

    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variant_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("delivery_address", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("carrier", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("tracking_number", sa.String(length=80), nullable=True))
        batch_op.add_column(
            sa.Column("returned_at", club.core.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("is_restocked", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_redemption_variant_id_privilege_variant"),
            "privilege_variant",
            ["variant_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade():
    with _tables_recreated():
        _drop_from_privilege_and_redemption()
    _drop_tables()


def _drop_from_privilege_and_redemption():
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_redemption_variant_id_privilege_variant"), type_="foreignkey"
        )
        batch_op.drop_column("is_restocked")
        batch_op.drop_column("returned_at")
        batch_op.drop_column("tracking_number")
        batch_op.drop_column("carrier")
        batch_op.drop_column("contact_phone")
        batch_op.drop_column("delivery_address")
        batch_op.drop_column("variant_id")

    with op.batch_alter_table("privilege", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_privilege_privilege_kind"), type_="check")
        batch_op.drop_constraint(op.f("ck_privilege_weight_positive"), type_="check")
        batch_op.drop_constraint(op.f("ck_privilege_pool_threshold_not_negative"), type_="check")
        batch_op.drop_column("pool_warned_at")
        batch_op.drop_column("pool_threshold")
        batch_op.drop_column("delivers_at_once")
        batch_op.drop_column("parcel_size")
        batch_op.drop_column("weight_grams")
        batch_op.drop_column("kind")


def _drop_tables():
    with op.batch_alter_table("voucher_code", schema=None) as batch_op:
        batch_op.drop_index("ix_voucher_code_free")

    op.drop_table("voucher_code")
    with op.batch_alter_table("privilege_variant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privilege_variant_privilege_id"))

    op.drop_table("privilege_variant")
    op.drop_table("delivery_address")
