"""issue 19 bugs: one open proposal per company and privilege

Later open duplicates (sent before the rule existed) are declined, then the partial
unique index keeps it so.

Revision ID: 5e1f19a0b219
Revises: 232e356c9a1b
Create Date: 2026-12-07 03:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5e1f19a0b219"
down_revision = "232e356c9a1b"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        sa.text(
            "UPDATE wish SET status = 'declined', decided_at = created_at "
            "WHERE status = 'open' AND EXISTS (SELECT 1 FROM wish AS earlier "
            "WHERE earlier.company_id = wish.company_id "
            "AND earlier.privilege_id = wish.privilege_id "
            "AND earlier.status = 'open' AND earlier.id < wish.id)"
        )
    )
    op.create_index(
        "uq_wish_open",
        "wish",
        ["company_id", "privilege_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade():
    op.drop_index("uq_wish_open", table_name="wish")
