"""Evidence verifications: each recomputation of an evidence source's own hash.

Revision ID: 0011_disk_verify
Revises: 0010_forensic_record
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_disk_verify"
down_revision = "0010_forensic_record"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_verifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(100), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("source_pk", sa.Integer, sa.ForeignKey("evidence_sources.id"), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("verified_at", sa.String(32), nullable=False),
        sa.Column("verified_by", sa.String(200), nullable=False),
        sa.Column("container", sa.String(20), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("bytes", sa.BigInteger),
        sa.Column("sha256", sa.String(64)),
        sa.Column("md5", sa.String(32)),
        sa.Column("sha1", sa.String(40)),
        sa.Column("stored_md5", sa.String(32)),
        sa.Column("stored_sha1", sa.String(40)),
        sa.Column("match", sa.Boolean),
        sa.Column("detail", sa.Text),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_evidence_verifications_case_id", "evidence_verifications", ["case_id"])
    op.create_index("ix_evidence_verifications_source_pk", "evidence_verifications", ["source_pk"])


def downgrade() -> None:
    op.drop_index("ix_evidence_verifications_source_pk", table_name="evidence_verifications")
    op.drop_index("ix_evidence_verifications_case_id", table_name="evidence_verifications")
    op.drop_table("evidence_verifications")
