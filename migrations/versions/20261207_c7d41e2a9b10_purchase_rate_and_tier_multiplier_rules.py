"""purchase rate and tier multiplier as earning rules: two rule kinds, a rate per currency
per rule version, the grace days and tier percents on a version, and the versions each
purchase month was closed with; earning_rule and earning_rate move into them; a
referral's sign-up link

Issue #16. Each earning_rule becomes a version of the one `purchase_rate` rule (its rates
in bonus_rule_rate), and every purchase month names the version its period falls under.
The tiers' current percents become version 1 of the `tier_multiplier` rule; months
closed before keep their multiplier_percent and name no multiplier version (which tier
a company held when each closed is not recorded). bonus_rule, bonus_rule_version and
purchase_month are recreated on SQLite with foreign keys off meanwhile, checked after.

Revision ID: c7d41e2a9b10
Revises: 6e2560d94596
Create Date: 2026-12-07 03:10:00

"""

from contextlib import contextmanager
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

import club.core.types

# revision identifiers, used by Alembic.
revision = "c7d41e2a9b10"
down_revision = "6e2560d94596"
branch_labels = None
depends_on = None

OLD_KINDS = ("product_group", "einvoice", "referral", "feature", "custom_event", "early_payment")
NEW_KINDS = ("purchase_rate", "tier_multiplier", *OLD_KINDS)
SINGLE = "kind IN ('purchase_rate', 'tier_multiplier')"
NAMES = {
    "purchase_rate": ("Purchase points", "Punkty za zakupy", "Баллы за покупки"),
    "tier_multiplier": ("Tier multiplier", "Mnożnik poziomu", "Множитель уровня"),
}


@contextmanager
def _tables_recreated():
    """SQLite recreates a table to change a CHECK or add a foreign key; dropping the old
    one would trip the keys that refer to it, so foreign keys are off meanwhile (between
    transactions) and checked before they are on again."""
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
            raise RuntimeError(f"foreign keys broken by the rules migration: {broken[:5]}")
    except BaseException:
        connection.exec_driver_sql("ROLLBACK")
        raise
    else:
        connection.exec_driver_sql("COMMIT")
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys = ON")
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _kind_check(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


rule = sa.table(
    "bonus_rule",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("spent_points", sa.Integer),
    sa.column("created_at", club.core.types.UTCDateTime(timezone=True)),
)
version = sa.table(
    "bonus_rule_version",
    sa.column("id", sa.Integer),
    sa.column("rule_id", sa.Integer),
    sa.column("number", sa.Integer),
    sa.column("effective_from", sa.Date),
    sa.column("name_en", sa.String),
    sa.column("name_pl", sa.String),
    sa.column("name_ru", sa.String),
    sa.column("points", sa.Integer),
    sa.column("audience", sa.String),
    sa.column("cap_period", sa.String),
    sa.column("grace_days", sa.Integer),
    sa.column("tier_multipliers", sa.JSON),
    sa.column("created_at", club.core.types.UTCDateTime(timezone=True)),
    sa.column("created_by_id", sa.Integer),
)


def _new_rule(connection, kind: str, now: datetime) -> int:
    return connection.execute(
        sa.insert(rule).values(kind=kind, spent_points=0, created_at=now).returning(rule.c.id)
    ).scalar_one()


def _new_version(connection, rule_id: int, number: int, kind: str, **values) -> int:
    en, pl, ru = NAMES[kind]
    return connection.execute(
        sa.insert(version)
        .values(
            rule_id=rule_id,
            number=number,
            name_en=en,
            name_pl=pl,
            name_ru=ru,
            points=1,
            audience="all",
            cap_period="month",
            **values,
        )
        .returning(version.c.id)
    ).scalar_one()


def upgrade():
    op.create_table(
        "bonus_rule_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "length(currency) = 3", name=op.f("ck_bonus_rule_rate_currency_iso4217")
        ),
        sa.CheckConstraint("rate > 0", name=op.f("ck_bonus_rule_rate_rate_positive")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["bonus_rule_version.id"],
            name=op.f("fk_bonus_rule_rate_version_id_bonus_rule_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bonus_rule_rate")),
        sa.UniqueConstraint("version_id", "currency", name="uq_bonus_rule_rate_currency"),
    )
    with _tables_recreated():
        with op.batch_alter_table("bonus_rule", schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f("ck_bonus_rule_rule_kind"), type_="check")
            batch_op.create_check_constraint(
                batch_op.f("ck_bonus_rule_rule_kind"), _kind_check(NEW_KINDS)
            )
        with op.batch_alter_table("bonus_rule_version", schema=None) as batch_op:
            batch_op.drop_constraint("uq_bonus_rule_version_from", type_="unique")
            batch_op.add_column(sa.Column("grace_days", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("tier_multipliers", sa.JSON(), nullable=True))
            batch_op.create_check_constraint(
                batch_op.f("ck_bonus_rule_version_grace_not_negative"),
                "grace_days IS NULL OR grace_days >= 0",
            )
            batch_op.create_index(
                "ix_bonus_rule_version_from", ["rule_id", "effective_from"], unique=False
            )
        with op.batch_alter_table("purchase_month", schema=None) as batch_op:
            batch_op.add_column(sa.Column("rate_version_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("multiplier_version_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f("fk_purchase_month_rate_version_id_bonus_rule_version"),
                "bonus_rule_version",
                ["rate_version_id"],
                ["id"],
                ondelete="RESTRICT",
            )
            batch_op.create_foreign_key(
                batch_op.f("fk_purchase_month_multiplier_version_id_bonus_rule_version"),
                "bonus_rule_version",
                ["multiplier_version_id"],
                ["id"],
                ondelete="RESTRICT",
            )
    op.create_index(
        "uq_bonus_rule_single_kind",
        "bonus_rule",
        ["kind"],
        unique=True,
        postgresql_where=sa.text(SINGLE),
        sqlite_where=sa.text(SINGLE),
    )
    # The referral invitation's sign-up link (issue #16): plain ADD COLUMN.
    op.add_column("referral", sa.Column("token_hash", sa.String(length=64), nullable=True))
    op.add_column(
        "referral",
        sa.Column("applied_at", club.core.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("uq_referral_token_hash", "referral", ["token_hash"], unique=True)
    _move_data(op.get_bind())
    op.drop_table("earning_rate")
    op.drop_table("earning_rule")


def _move_data(connection) -> None:
    now = datetime.now(UTC)
    earning_rule = sa.table(
        "earning_rule",
        sa.column("id", sa.Integer),
        sa.column("effective_from", sa.Date),
        sa.column("grace_days", sa.Integer),
        sa.column("created_by_id", sa.Integer),
        sa.column("created_at", club.core.types.UTCDateTime(timezone=True)),
    )
    rules = connection.execute(
        sa.select(earning_rule).order_by(earning_rule.c.effective_from)
    ).all()
    if rules:
        rule_id = _new_rule(connection, "purchase_rate", rules[0].created_at or now)
        starts = [row.effective_from for row in rules]
        for number, row in enumerate(rules, 1):
            version_id = _new_version(
                connection,
                rule_id,
                number,
                "purchase_rate",
                effective_from=row.effective_from,
                grace_days=row.grace_days,
                created_at=row.created_at or now,
                created_by_id=row.created_by_id,
            )
            connection.execute(
                sa.text(
                    "INSERT INTO bonus_rule_rate (version_id, currency, rate) "
                    "SELECT :version, currency, rate FROM earning_rate WHERE rule_id = :rule"
                ),
                {"version": version_id, "rule": row.id},
            )
            # The months this version governs: from its start until the next one's.
            following = starts[number] if number < len(starts) else date(9999, 12, 1)
            connection.execute(
                sa.text(
                    "UPDATE purchase_month SET rate_version_id = :version "
                    "WHERE period >= :start AND period < :following"
                ),
                {"version": version_id, "start": row.effective_from, "following": following},
            )
    tiers = connection.execute(
        sa.text("SELECT id, code, multiplier_percent FROM tier ORDER BY position")
    ).all()
    if tiers:
        rule_id = _new_rule(connection, "tier_multiplier", now)
        _new_version(
            connection,
            rule_id,
            1,
            "tier_multiplier",
            effective_from=now.date(),
            tier_multipliers=[
                {"tier_id": tier.id, "code": tier.code, "percent": tier.multiplier_percent}
                for tier in tiers
            ],
            created_at=now,
        )


def downgrade():
    connection = op.get_bind()
    op.drop_index("uq_referral_token_hash", table_name="referral")
    op.drop_column("referral", "applied_at")
    op.drop_column("referral", "token_hash")
    op.create_table(
        "earning_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", club.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("grace_days >= 0", name=op.f("ck_earning_rule_grace_not_negative")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_earning_rule_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_earning_rule")),
        sa.UniqueConstraint("effective_from", name="uq_earning_rule_effective_from"),
    )
    op.create_table(
        "earning_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_earning_rate_currency_iso4217")),
        sa.CheckConstraint("rate > 0", name=op.f("ck_earning_rate_rate_positive")),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["earning_rule.id"],
            name=op.f("fk_earning_rate_rule_id_earning_rule"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_earning_rate")),
        sa.UniqueConstraint("rule_id", "currency", name="uq_earning_rate_rule_currency"),
    )
    # The purchase rate's versions back to earning rules: the latest version of each
    # start (the one the months of that start were closed with).
    versions = connection.execute(
        sa.select(
            version.c.id,
            version.c.effective_from,
            version.c.grace_days,
            version.c.created_by_id,
            version.c.created_at,
        )
        .join(rule, rule.c.id == version.c.rule_id)
        .where(rule.c.kind == "purchase_rate")
        .order_by(version.c.effective_from, version.c.number)
    ).all()
    latest = {row.effective_from: row for row in versions}
    for row in latest.values():
        earning_rule = sa.table(
            "earning_rule",
            sa.column("id", sa.Integer),
            sa.column("effective_from", sa.Date),
            sa.column("grace_days", sa.Integer),
            sa.column("created_by_id", sa.Integer),
            sa.column("created_at", club.core.types.UTCDateTime(timezone=True)),
        )
        rule_id = connection.execute(
            sa.insert(earning_rule)
            .values(
                effective_from=row.effective_from,
                grace_days=row.grace_days or 0,
                created_by_id=row.created_by_id,
                created_at=row.created_at,
            )
            .returning(earning_rule.c.id)
        ).scalar_one()
        connection.execute(
            sa.text(
                "INSERT INTO earning_rate (rule_id, currency, rate) "
                "SELECT :rule, currency, rate FROM bonus_rule_rate WHERE version_id = :version"
            ),
            {"rule": rule_id, "version": row.id},
        )
    op.drop_index(
        "uq_bonus_rule_single_kind",
        table_name="bonus_rule",
        postgresql_where=sa.text(SINGLE),
        sqlite_where=sa.text(SINGLE),
    )
    op.drop_table("bonus_rule_rate")
    with _tables_recreated():
        with op.batch_alter_table("purchase_month", schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f("fk_purchase_month_multiplier_version_id_bonus_rule_version"),
                type_="foreignkey",
            )
            batch_op.drop_constraint(
                batch_op.f("fk_purchase_month_rate_version_id_bonus_rule_version"),
                type_="foreignkey",
            )
            batch_op.drop_column("multiplier_version_id")
            batch_op.drop_column("rate_version_id")
        connection.execute(
            sa.text(
                "DELETE FROM bonus_rule_version WHERE rule_id IN (SELECT id FROM bonus_rule "
                "WHERE kind IN ('purchase_rate', 'tier_multiplier'))"
            )
        )
        connection.execute(
            sa.text("DELETE FROM bonus_rule WHERE kind IN ('purchase_rate', 'tier_multiplier')")
        )
        with op.batch_alter_table("bonus_rule_version", schema=None) as batch_op:
            batch_op.drop_index("ix_bonus_rule_version_from")
            batch_op.drop_constraint(
                batch_op.f("ck_bonus_rule_version_grace_not_negative"), type_="check"
            )
            batch_op.drop_column("tier_multipliers")
            batch_op.drop_column("grace_days")
            batch_op.create_unique_constraint(
                "uq_bonus_rule_version_from", ["rule_id", "effective_from"]
            )
        with op.batch_alter_table("bonus_rule", schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f("ck_bonus_rule_rule_kind"), type_="check")
            batch_op.create_check_constraint(
                batch_op.f("ck_bonus_rule_rule_kind"), _kind_check(OLD_KINDS)
            )
