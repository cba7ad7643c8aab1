"""leaderboard: how many rows hold each score (ranks without counting every row above)

Revision ID: 97ee95658faf
Revises: 3c1e9a7b5d20
Create Date: 2026-11-28 21:59:47.009019

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "97ee95658faf"
down_revision = "3c1e9a7b5d20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "leaderboard_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("holders", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "board IN ('people', 'companies', 'activity')",
            name=op.f("ck_leaderboard_score_board_known"),
        ),
        sa.CheckConstraint("points > 0", name=op.f("ck_leaderboard_score_points_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaderboard_score")),
    )
    with op.batch_alter_table("leaderboard_score", schema=None) as batch_op:
        batch_op.create_index(
            "ix_leaderboard_score_rank", ["board", "period", "points", "holders"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        # Posts insert score changes and the compaction deletes them: vacuum after a few
        # thousand of either, so that ranks stay index-only scans (no heap fetches).
        op.execute(
            "ALTER TABLE leaderboard_score SET (autovacuum_vacuum_scale_factor = 0, "
            "autovacuum_vacuum_threshold = 5000, autovacuum_vacuum_insert_scale_factor = 0, "
            "autovacuum_vacuum_insert_threshold = 5000)"
        )
    # The scores the rollups already hold (as rollups.rebuild_scores counts them).
    op.execute(
        "INSERT INTO leaderboard_score (board, period, points, holders) "
        "SELECT 'people', period, points, count(*) FROM leaderboard_person "
        "WHERE points > 0 GROUP BY period, points"
    )
    op.execute(
        "INSERT INTO leaderboard_score (board, period, points, holders) "
        "SELECT 'companies', period, points, count(*) FROM leaderboard_company "
        "WHERE points > 0 GROUP BY period, points"
    )
    op.execute(
        "INSERT INTO leaderboard_score (board, period, points, holders) "
        "SELECT 'activity', period, activity_points, count(*) FROM leaderboard_company "
        "WHERE activity_points > 0 GROUP BY period, activity_points"
    )


def downgrade():
    with op.batch_alter_table("leaderboard_score", schema=None) as batch_op:
        batch_op.drop_index("ix_leaderboard_score_rank")

    op.drop_table("leaderboard_score")
