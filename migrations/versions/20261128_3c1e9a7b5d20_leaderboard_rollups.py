"""leaderboard: rollups of points per person and company per period; company board opt-out

Revision ID: 3c1e9a7b5d20
Revises: 7687beb453e5
Create Date: 2026-11-28 18:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

from club.core.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "3c1e9a7b5d20"
down_revision = "7687beb453e5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_shown_on_boards", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "leaderboard_company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reached_at", UTCDateTime(), nullable=True),
        sa.Column("activity_points", sa.Integer(), nullable=False),
        sa.Column("activity_reached_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["company.id"],
            name=op.f("fk_leaderboard_company_company_id_company"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaderboard_company")),
        sa.UniqueConstraint("period", "company_id", name="uq_leaderboard_company_period_company"),
    )
    with op.batch_alter_table("leaderboard_company", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_leaderboard_company_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            "ix_leaderboard_company_rank",
            ["period", "points", "reached_at", "id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_leaderboard_company_activity_rank",
            ["period", "activity_points", "activity_reached_at", "id"],
            unique=False,
        )
    op.create_table(
        "leaderboard_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reached_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["user.id"],
            name=op.f("fk_leaderboard_person_person_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leaderboard_person")),
        sa.UniqueConstraint("period", "person_id", name="uq_leaderboard_person_period_person"),
    )
    with op.batch_alter_table("leaderboard_person", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_leaderboard_person_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            "ix_leaderboard_person_rank",
            ["period", "points", "reached_at", "id"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("leaderboard_person", schema=None) as batch_op:
        batch_op.drop_index("ix_leaderboard_person_rank")
        batch_op.drop_index(batch_op.f("ix_leaderboard_person_person_id"))
    op.drop_table("leaderboard_person")
    with op.batch_alter_table("leaderboard_company", schema=None) as batch_op:
        batch_op.drop_index("ix_leaderboard_company_activity_rank")
        batch_op.drop_index("ix_leaderboard_company_rank")
        batch_op.drop_index(batch_op.f("ix_leaderboard_company_company_id"))
    op.drop_table("leaderboard_company")
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_column("is_shown_on_boards")
