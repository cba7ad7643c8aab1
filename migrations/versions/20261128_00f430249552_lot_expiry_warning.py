"""lot expiry warning

Revision ID: 00f430249552
Revises: 624e7d972550
Create Date: 2026-11-28 15:55:01.375162

"""

import sqlalchemy as sa
from alembic import op

from club.core.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "00f430249552"
down_revision = "624e7d972550"
branch_labels = None
depends_on = None


def upgrade():

    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expiry_warned_at", UTCDateTime(), nullable=True))


def downgrade():

    with op.batch_alter_table("lot", schema=None) as batch_op:
        batch_op.drop_column("expiry_warned_at")
