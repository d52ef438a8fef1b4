"""Forensic record: where each location lies in the file system it was read from
(partition, metadata address, full path, deleted and reallocated state, MAC times), and
each evidence source's summary of its last complete ingest (items by type, deleted
items, errors by kind, bytes read, the source hash and what it covers).

Revision ID: 0010_forensic_record
Revises: 0009_video_faces
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_forensic_record"
down_revision = "0009_video_faces"
branch_labels = None
depends_on = None

LOCATION_COLUMNS = (
    ("file_system", sa.String(20)),
    ("fs_path", sa.Text()),
    ("partition", sa.String(50)),
    ("partition_offset", sa.BigInteger()),
    ("address", sa.BigInteger()),
    ("deleted", sa.Boolean()),
    ("reallocated", sa.Boolean()),
    ("fs_modified", sa.String(32)),
    ("fs_accessed", sa.String(32)),
    ("fs_changed", sa.String(32)),
    ("fs_created", sa.String(32)),
)
SOURCE_COLUMNS = (
    ("root_hash_scope", sa.String(20)),
    ("summary", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("media_locations") as batch:
        for name, kind in LOCATION_COLUMNS:
            batch.add_column(sa.Column(name, kind))
    with op.batch_alter_table("evidence_sources") as batch:
        for name, kind in SOURCE_COLUMNS:
            batch.add_column(sa.Column(name, kind))


def downgrade() -> None:
    with op.batch_alter_table("evidence_sources") as batch:
        for name, _ in reversed(SOURCE_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("media_locations") as batch:
        for name, _ in reversed(LOCATION_COLUMNS):
            batch.drop_column(name)
