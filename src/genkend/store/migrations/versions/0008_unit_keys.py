"""Unit identity: the unit's public signing keys (current and retired) and the
registry of partner units' public keys.

Revision ID: 0008_unit_keys
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_unit_keys"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_keys",
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("public_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("retired_at", sa.String(32)),
        sa.Column("retired_by", sa.String(200)),
        sa.PrimaryKeyConstraint("key_id", name="pk_unit_keys"),
    )
    op.create_table(
        "partners",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("public_pem", sa.Text(), nullable=False),
        sa.Column("added_at", sa.String(32), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", sa.String(32)),
        sa.Column("revoked_by", sa.String(200)),
        sa.PrimaryKeyConstraint("name", name="pk_partners"),
    )


def downgrade() -> None:
    op.drop_table("partners")
    op.drop_table("unit_keys")
