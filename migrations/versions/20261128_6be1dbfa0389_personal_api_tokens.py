"""personal api tokens

Revision ID: 6be1dbfa0389
Revises: 83095419d1b7
Create Date: 2026-11-28 16:34:16.163396

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6be1dbfa0389"
down_revision = "83095419d1b7"
branch_labels = None
depends_on = None


def upgrade():

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_api_token_user_id_user"), "user", ["user_id"], ["id"], ondelete="CASCADE"
        )


def downgrade():

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_api_token_user_id_user"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))
        batch_op.drop_column("user_id")
