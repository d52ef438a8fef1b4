"""Faces in videos: a face's frame timestamp and track, and the face tracks of a video.

Revision ID: 0009_video_faces
Revises: 0008_unit_keys
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_video_faces"
down_revision = "0008_unit_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "face_tracks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(100), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("media_id", sa.Integer, sa.ForeignKey("media.id"), nullable=False),
        sa.Column("best_face_id", sa.Integer),
        sa.Column("start", sa.Float, nullable=False),
        sa.Column("end", sa.Float, nullable=False),
        sa.Column("faces_seen", sa.Integer, nullable=False),
    )
    op.create_index("ix_face_tracks_case_id", "face_tracks", ["case_id"])
    op.create_index("ix_face_tracks_media_id", "face_tracks", ["media_id"])
    op.add_column("faces", sa.Column("timestamp", sa.Float))
    op.add_column("faces", sa.Column("track_id", sa.Integer))
    op.create_index("ix_faces_track_id", "faces", ["track_id"])


def downgrade() -> None:
    op.drop_index("ix_faces_track_id", table_name="faces")
    with op.batch_alter_table("faces") as batch:
        batch.drop_column("track_id")
        batch.drop_column("timestamp")
    op.drop_index("ix_face_tracks_media_id", table_name="face_tracks")
    op.drop_index("ix_face_tracks_case_id", table_name="face_tracks")
    op.drop_table("face_tracks")
