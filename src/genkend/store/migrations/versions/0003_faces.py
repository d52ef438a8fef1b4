"""Faces: detected faces with embeddings, clusters and corrections, gallery, calibrations.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "calibrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("backend", sa.Text(), nullable=False),
        sa.Column("table_json", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibrations")),
    )
    with op.batch_alter_table("calibrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calibrations_backend"), ["backend"], unique=False)

    op.create_table(
        "gallery_identities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("provenance", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gallery_identities")),
        sa.UniqueConstraint("label", name=op.f("uq_gallery_identities_label")),
    )
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=100), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_clusters_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clusters")),
    )
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clusters_case_id"), ["case_id"], unique=False)

    op.create_table(
        "gallery_faces",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("backend", sa.Text(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["gallery_identities.id"],
            name=op.f("fk_gallery_faces_identity_id_gallery_identities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gallery_faces")),
    )
    with op.batch_alter_table("gallery_faces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gallery_faces_identity_id"), ["identity_id"], unique=False
        )

    op.create_table(
        "faces",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=100), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("backend", sa.Text(), nullable=False),
        sa.Column("x1", sa.Integer(), nullable=False),
        sa.Column("y1", sa.Integer(), nullable=False),
        sa.Column("x2", sa.Integer(), nullable=False),
        sa.Column("y2", sa.Integer(), nullable=False),
        sa.Column("landmarks", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("quality_detail", sa.Text(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=True),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_faces_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["clusters.id"], name=op.f("fk_faces_cluster_id_clusters")
        ),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_faces_media_id_media")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faces")),
    )
    with op.batch_alter_table("faces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faces_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_faces_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_faces_media_id"), ["media_id"], unique=False)

    op.create_table(
        "cluster_constraints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("face_a", sa.Integer(), nullable=False),
        sa.Column("face_b", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_cluster_constraints_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["face_a"], ["faces.id"], name=op.f("fk_cluster_constraints_face_a_faces")
        ),
        sa.ForeignKeyConstraint(
            ["face_b"], ["faces.id"], name=op.f("fk_cluster_constraints_face_b_faces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cluster_constraints")),
    )
    with op.batch_alter_table("cluster_constraints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cluster_constraints_case_id"), ["case_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("cluster_constraints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cluster_constraints_case_id"))

    op.drop_table("cluster_constraints")
    with op.batch_alter_table("faces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faces_media_id"))
        batch_op.drop_index(batch_op.f("ix_faces_cluster_id"))
        batch_op.drop_index(batch_op.f("ix_faces_case_id"))

    op.drop_table("faces")
    with op.batch_alter_table("gallery_faces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gallery_faces_identity_id"))

    op.drop_table("gallery_faces")
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clusters_case_id"))

    op.drop_table("clusters")
    op.drop_table("gallery_identities")
    with op.batch_alter_table("calibrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calibrations_backend"))

    op.drop_table("calibrations")
