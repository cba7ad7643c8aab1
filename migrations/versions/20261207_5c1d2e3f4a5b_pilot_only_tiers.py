"""pilot-only tiers: a tier reached by the pilot group's companies only

Revision ID: 5c1d2e3f4a5b
Revises: 379f7449cc13
Create Date: 2026-12-07 01:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5c1d2e3f4a5b"
down_revision = "379f7449cc13"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: on SQLite a batch copy of `tier` would fight the companies,
    # privileges and meetings that point at it.
    op.add_column(
        "tier", sa.Column("is_pilot_only", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade():
    with op.batch_alter_table("tier") as batch:
        batch.drop_column("is_pilot_only")
