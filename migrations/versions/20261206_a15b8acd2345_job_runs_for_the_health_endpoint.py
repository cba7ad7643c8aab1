"""job runs: each periodic job's last run, for the health endpoint

Revision ID: a15b8acd2345
Revises: 97ee95658faf
Create Date: 2026-12-06 20:59:56.965796

"""

import sqlalchemy as sa
from alembic import op

from club.core.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "a15b8acd2345"
down_revision = "97ee95658faf"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_run",
        sa.Column("job_name", sa.String(length=60), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("is_ok", sa.Boolean(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("job_name", name=op.f("pk_job_run")),
    )


def downgrade():
    op.drop_table("job_run")
