"""ledger: wallets, entries, lots, allocations, holds

Revision ID: fa176bf8063f
Revises: fc9bf1684ba5
Create Date: 2026-11-28 15:43:39.301847

"""

import sqlalchemy as sa
from alembic import op

from club.core.types import UTCDateTime

# Copied here (not imported) so this migration keeps meaning what it meant.
APPEND_ONLY_TRIGGERS = {
    "postgresql": [
        "CREATE OR REPLACE FUNCTION ledger_entry_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'ledger entries are append-only'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON ledger_entry FOR EACH ROW EXECUTE FUNCTION ledger_entry_append_only()",
    ],
    "sqlite": [
        "CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END",
        "CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON ledger_entry BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END",
    ],
}
DROP_APPEND_ONLY_TRIGGERS = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS ledger_entry_append_only ON ledger_entry",
        "DROP FUNCTION IF EXISTS ledger_entry_append_only()",
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS ledger_entry_no_update",
        "DROP TRIGGER IF EXISTS ledger_entry_no_delete",
    ],
}

# revision identifiers, used by Alembic.
revision = "fa176bf8063f"
down_revision = "fc9bf1684ba5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "wallet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("shortfall", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("available >= 0", name=op.f("ck_wallet_available_not_negative")),
        sa.CheckConstraint("held >= 0", name=op.f("ck_wallet_held_not_negative")),
        sa.CheckConstraint("pending >= 0", name=op.f("ck_wallet_pending_not_negative")),
        sa.CheckConstraint("shortfall >= 0", name=op.f("ck_wallet_shortfall_not_negative")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_wallet_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet")),
        sa.UniqueConstraint("company_id", name=op.f("uq_wallet_company_id")),
    )
    op.create_table(
        "hold",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wallet_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "held",
                "captured",
                "released",
                name="hold_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("points > 0", name=op.f("ck_hold_points_positive")),
        sa.ForeignKeyConstraint(
            ["wallet_id"], ["wallet.id"], name=op.f("fk_hold_wallet_id_wallet"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hold")),
    )
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.create_index("ix_hold_source", ["source_type", "source_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hold_wallet_id"), ["wallet_id"], unique=False)

    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wallet_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "earn",
                "confirm",
                "forfeit",
                "hold",
                "capture",
                "release",
                "expire",
                "adjust",
                "clawback",
                "settle",
                name="entry_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("available_delta", sa.Integer(), nullable=False),
        sa.Column("pending_delta", sa.Integer(), nullable=False),
        sa.Column("held_delta", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("earned_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "amount = available_delta + pending_delta + held_delta",
            name=op.f("ck_ledger_entry_amount_is_sum"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
            name=op.f("fk_ledger_entry_actor_id_user"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["hold.id"], name=op.f("fk_ledger_entry_hold_id_hold"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["user.id"],
            name=op.f("fk_ledger_entry_person_id_user"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["wallet.id"],
            name=op.f("fk_ledger_entry_wallet_id_wallet"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ledger_entry_idempotency_key")),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entry_hold_id"), ["hold_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_entry_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_ledger_entry_source", ["source_type", "source_id"], unique=False)
        batch_op.create_index(
            "ix_ledger_entry_wallet_created", ["wallet_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "lot",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("wallet_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("earned_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("points > 0", name=op.f("ck_lot_points_positive")),
        sa.CheckConstraint(
            "remaining >= 0 AND remaining <= points", name=op.f("ck_lot_remaining_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entry.id"],
            name=op.f("fk_lot_entry_id_ledger_entry"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["wallet_id"], ["wallet.id"], name=op.f("fk_lot_wallet_id_wallet"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_lot")),
    )
    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lot_open",
            ["wallet_id", "expires_at", "entry_id"],
            unique=False,
            sqlite_where=sa.text("remaining > 0"),
            postgresql_where=sa.text("remaining > 0"),
        )

    op.create_table(
        "allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.CheckConstraint("points <> 0", name=op.f("ck_allocation_points_not_zero")),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entry.id"],
            name=op.f("fk_allocation_entry_id_ledger_entry"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lot.entry_id"], name=op.f("fk_allocation_lot_id_lot"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation")),
    )
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocation_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocation_lot_id"), ["lot_id"], unique=False)

    # Entries are append-only in the database too.
    for statement in APPEND_ONLY_TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade():
    for statement in DROP_APPEND_ONLY_TRIGGERS.get(op.get_bind().dialect.name, []):
        op.execute(statement)

    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_lot_id"))
        batch_op.drop_index(batch_op.f("ix_allocation_entry_id"))

    op.drop_table("allocation")
    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_lot_open",
            sqlite_where=sa.text("remaining > 0"),
            postgresql_where=sa.text("remaining > 0"),
        )

    op.drop_table("lot")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_entry_wallet_created")
        batch_op.drop_index("ix_ledger_entry_source")
        batch_op.drop_index(batch_op.f("ix_ledger_entry_person_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_entry_hold_id"))

    op.drop_table("ledger_entry")
    with op.batch_alter_table("hold", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hold_wallet_id"))
        batch_op.drop_index("ix_hold_source")

    op.drop_table("hold")
    op.drop_table("wallet")
