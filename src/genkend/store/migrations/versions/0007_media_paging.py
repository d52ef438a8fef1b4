"""Media paging and reviewer exposure: the indexes of the triage grid's keyset pages
and of a reviewer's reveals of the day.

Revision ID: 0007
Revises: 0005 (re-chained after 0006 at merge: only ``down_revision`` changes)
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

PARTIAL = (("ix_media_case_errors", "error"), ("ix_media_case_categorised", "category"))


def upgrade() -> None:
    op.create_index("ix_media_case_id_id", "media", ["case_id", "id"])
    op.create_index("ix_media_case_status_id", "media", ["case_id", "status", "id"])
    # partial: only the media with an error, only the categorised ones
    for name, column in PARTIAL:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            name, "media", ["case_id", "id"], sqlite_where=where, postgresql_where=where
        )
    op.create_index("ix_audit_events_actor_action_at", "audit_events", ["actor", "action", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_events_actor_action_at", table_name="audit_events")
    op.drop_index("ix_media_case_categorised", table_name="media")
    op.drop_index("ix_media_case_errors", table_name="media")
    op.drop_index("ix_media_case_status_id", table_name="media")
    op.drop_index("ix_media_case_id_id", table_name="media")
