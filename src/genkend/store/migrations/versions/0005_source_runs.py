"""Source runs: the host, pid and process start of the run holding a source; its error.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence_sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("run_host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("run_pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("run_process_started", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evidence_sources", schema=None) as batch_op:
        batch_op.drop_column("error")
        batch_op.drop_column("run_process_started")
        batch_op.drop_column("run_pid")
        batch_op.drop_column("run_host")
