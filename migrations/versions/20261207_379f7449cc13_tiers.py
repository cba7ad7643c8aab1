"""tiers: the club's tiers, each company's tier and its history; privileges and meetings
name their lowest tier by key

Issue #15. Adds the tiers (seeded with Member, Silver and Gold: thresholds in confirmed
base points over 12 months, multipliers in percent), each company's tier and pending
drop, and the tier history. A privilege's or meeting's `min_tier` (a name compared with
==, which nobody could match) becomes `min_tier_id`: a name that matches a tier's key or
one of its names (any case) becomes that tier; any other name becomes the highest tier
(the most restrictive, as close as it gets to "nobody") and is reported through
Alembic's logger.

Revision ID: 379f7449cc13
Revises: 420468f8f4fd
Create Date: 2026-12-07 00:07:05.866599

"""

import logging
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import club.core.types

# revision identifiers, used by Alembic.
revision = "379f7449cc13"
down_revision = "420468f8f4fd"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

DEFAULT_TIERS = (
    ("member", 0, "Member", "Członek", "Участник", 0, 100, "#6b7280"),
    ("silver", 1, "Silver", "Srebrny", "Серебряный", 250, 110, "#8a94a6"),
    ("gold", 2, "Gold", "Złoty", "Золотой", 1000, 125, "#b8860b"),
)


@contextmanager
def _tables_recreated():
    """Around batch operations that recreate company, meeting and privilege on SQLite.

    SQLite recreates a table to add a foreign key or change a CHECK; dropping the old
    table deletes its rows first, which the ON DELETE RESTRICT keys of the tables that
    refer to it refuse. So, as SQLite's own procedure for ALTER says, foreign keys are
    off meanwhile (a pragma that works only between transactions, hence the COMMIT: this
    migration is applied in two transactions on SQLite) and checked before they are on
    again. PostgreSQL alters in place and needs none of it."""
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
            raise RuntimeError(f"foreign keys broken by the tiers migration: {broken[:5]}")
    except BaseException:
        connection.exec_driver_sql("ROLLBACK")
        raise
    else:
        connection.exec_driver_sql("COMMIT")
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _convert_names(connection, table: str) -> None:
    """`table.min_tier` (a name) into `min_tier_id`."""
    tiers = connection.execute(
        sa.text("SELECT id, code, name_en, name_pl, name_ru FROM tier ORDER BY position")
    ).all()
    by_name = {}
    for tier_id, *names in tiers:
        for name in names:
            by_name.setdefault(name.strip().lower(), tier_id)
    rows = connection.execute(
        # `table` is one of two names in this file, never input.
        sa.text(f"SELECT id, min_tier FROM {table} WHERE min_tier IS NOT NULL AND min_tier <> ''")  # noqa: S608
    ).all()
    for row_id, name in rows:
        tier_id = by_name.get(name.strip().lower())
        if tier_id is None:
            tier_id = tiers[-1][0]
            log.warning("%s %s: unknown tier %r, now the highest tier", table, row_id, name)
        connection.execute(
            sa.text(f"UPDATE {table} SET min_tier_id = :tier WHERE id = :id"),  # noqa: S608
            {"tier": tier_id, "id": row_id},
        )


def upgrade():
    tier = op.create_table(
        "tier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_en", sa.String(length=40), nullable=False),
        sa.Column("name_pl", sa.String(length=40), nullable=False),
        sa.Column("name_ru", sa.String(length=40), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("multiplier_percent", sa.Integer(), nullable=False),
        sa.Column("pending_threshold", sa.Integer(), nullable=True),
        sa.Column("pending_multiplier_percent", sa.Integer(), nullable=True),
        sa.Column("colour", sa.String(length=7), nullable=False),
        sa.Column("created_at", club.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "length(colour) = 7 AND colour LIKE '#%'", name=op.f("ck_tier_colour_hex")
        ),
        sa.CheckConstraint(
            "code = lower(code) AND length(code) >= 1", name=op.f("ck_tier_code_lowercase")
        ),
        sa.CheckConstraint(
            "multiplier_percent BETWEEN 100 AND 1000", name=op.f("ck_tier_multiplier_at_least_x1")
        ),
        sa.CheckConstraint(
            "pending_multiplier_percent BETWEEN 100 AND 1000",
            name=op.f("ck_tier_pending_multiplier_at_least_x1"),
        ),
        sa.CheckConstraint(
            "pending_threshold >= 0", name=op.f("ck_tier_pending_threshold_not_negative")
        ),
        sa.CheckConstraint("position <> 0 OR threshold = 0", name=op.f("ck_tier_lowest_tier_free")),
        sa.CheckConstraint("position >= 0", name=op.f("ck_tier_position_not_negative")),
        sa.CheckConstraint("threshold >= 0", name=op.f("ck_tier_threshold_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier")),
        sa.UniqueConstraint("code", name="uq_tier_code"),
        sa.UniqueConstraint("position", name="uq_tier_position"),
    )
    op.bulk_insert(
        tier,
        [
            {
                "code": code,
                "position": position,
                "name_en": en,
                "name_pl": pl,
                "name_ru": ru,
                "threshold": threshold,
                "multiplier_percent": multiplier,
                "colour": colour,
                "created_at": datetime.now(UTC),
            }
            for code, position, en, pl, ru, threshold, multiplier, colour in DEFAULT_TIERS
        ],
    )
    op.create_table(
        "tier_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("tier_id", sa.Integer(), nullable=False),
        sa.Column("previous_tier_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column(
            "reason",
            sa.Enum(
                "first",
                "up",
                "down",
                "manager",
                name="tier_change_reason",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("figure", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", club.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on", name=op.f("ck_tier_change_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
            name=op.f("fk_tier_change_actor_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_tier_change_company_id_company"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["previous_tier_id"],
            ["tier.id"],
            name=op.f("fk_tier_change_previous_tier_id_tier"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tier_id"], ["tier.id"], name=op.f("fk_tier_change_tier_id_tier"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_change")),
    )
    with op.batch_alter_table("tier_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tier_change_company_id"), ["company_id"], unique=False)
        batch_op.create_index(
            "uq_tier_change_one_open",
            ["company_id"],
            unique=True,
            sqlite_where=sa.text("ends_on IS NULL"),
            postgresql_where=sa.text("ends_on IS NULL"),
        )

    with _tables_recreated():
        with op.batch_alter_table("company", schema=None) as batch_op:
            batch_op.add_column(sa.Column("tier_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("tier_drop_to_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("tier_drop_on", sa.Date(), nullable=True))
            batch_op.create_index(batch_op.f("ix_company_tier_id"), ["tier_id"], unique=False)
            batch_op.create_foreign_key(
                batch_op.f("fk_company_tier_id_tier"),
                "tier",
                ["tier_id"],
                ["id"],
                ondelete="RESTRICT",
            )
            batch_op.create_foreign_key(
                batch_op.f("fk_company_tier_drop_to_id_tier"),
                "tier",
                ["tier_drop_to_id"],
                ["id"],
                ondelete="RESTRICT",
            )
            batch_op.create_check_constraint(
                batch_op.f("ck_company_tier_drop_complete"),
                "(tier_drop_to_id IS NULL) = (tier_drop_on IS NULL)",
            )

        connection = op.get_bind()
        for table in ("meeting", "privilege"):
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.add_column(sa.Column("min_tier_id", sa.Integer(), nullable=True))
                batch_op.create_foreign_key(
                    batch_op.f(f"fk_{table}_min_tier_id_tier"),
                    "tier",
                    ["min_tier_id"],
                    ["id"],
                    ondelete="RESTRICT",
                )
            _convert_names(connection, table)
        with op.batch_alter_table("meeting", schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f("ck_meeting_tier_named"), type_="check")
            batch_op.drop_column("min_tier")
            batch_op.create_check_constraint(
                batch_op.f("ck_meeting_tier_named"), "audience <> 'tier' OR min_tier_id IS NOT NULL"
            )
        with op.batch_alter_table("privilege", schema=None) as batch_op:
            batch_op.drop_column("min_tier")


def downgrade():
    with _tables_recreated():
        connection = op.get_bind()
        for table in ("privilege", "meeting"):
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.add_column(sa.Column("min_tier", sa.VARCHAR(length=40), nullable=True))
            connection.execute(
                sa.text(
                    f"UPDATE {table} SET min_tier = "  # noqa: S608
                    f"(SELECT name_en FROM tier WHERE tier.id = {table}.min_tier_id)"
                )
            )
        with op.batch_alter_table("privilege", schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f("fk_privilege_min_tier_id_tier"), type_="foreignkey"
            )
            batch_op.drop_column("min_tier_id")
        with op.batch_alter_table("meeting", schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f("ck_meeting_tier_named"), type_="check")
            batch_op.drop_constraint(batch_op.f("fk_meeting_min_tier_id_tier"), type_="foreignkey")
            batch_op.drop_column("min_tier_id")
            batch_op.create_check_constraint(
                batch_op.f("ck_meeting_tier_named"), "audience <> 'tier' OR min_tier IS NOT NULL"
            )

        with op.batch_alter_table("company", schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f("ck_company_tier_drop_complete"), type_="check")
            batch_op.drop_constraint(
                batch_op.f("fk_company_tier_drop_to_id_tier"), type_="foreignkey"
            )
            batch_op.drop_constraint(batch_op.f("fk_company_tier_id_tier"), type_="foreignkey")
            batch_op.drop_index(batch_op.f("ix_company_tier_id"))
            batch_op.drop_column("tier_drop_on")
            batch_op.drop_column("tier_drop_to_id")
            batch_op.drop_column("tier_id")

    with op.batch_alter_table("tier_change", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_tier_change_one_open",
            sqlite_where=sa.text("ends_on IS NULL"),
            postgresql_where=sa.text("ends_on IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_tier_change_company_id"))

    op.drop_table("tier_change")
    op.drop_table("tier")
