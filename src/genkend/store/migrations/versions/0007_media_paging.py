"""Media paging and reviewer exposure: the indexes of the triage grid's keyset pages, of
the dashboard's error counts, and of a reviewer's reveals of the day.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# partial indexes: only the rows with an error
PARTIAL = (
    ("ix_media_case_errors", "media", ["case_id", "id"]),
    ("ix_media_locations_errors", "media_locations", ["source_pk"]),
)


def upgrade() -> None:
    op.create_index("ix_media_case_id_id", "media", ["case_id", "id"])
    op.create_index("ix_media_case_status_id", "media", ["case_id", "status", "id", "category"])
    where = sa.text("error IS NOT NULL")
    for name, table, columns in PARTIAL:
        op.create_index(name, table, columns, sqlite_where=where, postgresql_where=where)
    op.create_index("ix_audit_events_actor_action_at", "audit_events", ["actor", "action", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_actor_action_at", table_name="audit_events")
    for name, table, _ in reversed(PARTIAL):
        op.drop_index(name, table_name=table)
    op.drop_index("ix_media_case_status_id", table_name="media")
    op.drop_index("ix_media_case_id_id", table_name="media")
