"""Web sessions, sign-in lockout, TOTP second factor, token expiry, the served marker.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("login_failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_until", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("totp_secret", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("totp_confirmed", sa.Boolean(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("last_used_at", sa.String(length=32), nullable=True))

    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=200), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("last_seen_at", sa.String(length=32), nullable=False),
        sa.Column("expires_at", sa.String(length=32), nullable=False),
        sa.Column("idle_seconds", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.String(length=32), nullable=True),
        sa.Column("client", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account"], ["accounts.name"], name=op.f("fk_web_sessions_account_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_account"), ["account"], unique=False)

    op.create_table(
        "mfa_roles",
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.Column("set_by", sa.String(length=200), nullable=False),
        sa.Column("set_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("role", name=op.f("pk_mfa_roles")),
    )
    op.create_table(
        "served_marks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("served_at", sa.String(length=32), nullable=False),
        sa.Column("served_by", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_served_marks")),
    )


def downgrade() -> None:
    op.drop_table("served_marks")
    op.drop_table("mfa_roles")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_account"))
    op.drop_table("web_sessions")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_confirmed")
        batch_op.drop_column("login_failures")
        batch_op.drop_column("locked_until")
        batch_op.drop_column("totp_secret")
