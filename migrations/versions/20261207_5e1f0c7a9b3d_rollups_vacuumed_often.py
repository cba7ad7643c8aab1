"""Rollup tables vacuumed after a few thousand changes (PostgreSQL), so that the boards'
index-only scans stay index-only through a day of posts.

Revision ID: 5e1f0c7a9b3d
Revises: 5c1d2e3f4a5b
Create Date: 2026-12-07 01:00:00
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "5e1f0c7a9b3d"
down_revision = "5c1d2e3f4a5b"
branch_labels = None
depends_on = None

TABLES = ("leaderboard_person", "leaderboard_company")
# As club.leaderboard.models.ROLLUP_AUTOVACUUM (written out: a migration stays as it was).
SETTINGS = (
    "autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000, "
    "autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000, "
    "autovacuum_analyze_scale_factor = 0.02"
)
NAMES = (
    "autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, "
    "autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_insert_threshold, "
    "autovacuum_analyze_scale_factor"
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} SET ({SETTINGS})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} RESET ({NAMES})")
