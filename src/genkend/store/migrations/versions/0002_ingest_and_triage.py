"""Ingest and triage: evidence sources, media, locations, hash sets, hits, look-alikes.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "hash_sets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("profile", sa.String(length=50), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.String(length=32), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_sets")),
        sa.UniqueConstraint("name", name=op.f("uq_hash_sets_name")),
    )
    op.create_table(
        "evidence_sources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=100), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("root", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("root_sha256", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("finished_at", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_evidence_sources_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_sources")),
        sa.UniqueConstraint("case_id", "source_id", name="uq_evidence_sources_case_source"),
    )
    op.create_table(
        "hash_set_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hash_set_id", sa.Integer(), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=True),
        sa.Column("sha1", sa.String(length=40), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("pdq", sa.String(length=64), nullable=True),
        sa.Column("category", sa.Integer(), nullable=True),
        sa.Column("series", sa.Text(), nullable=True),
        sa.Column("non_pertinent", sa.Boolean(), nullable=False),
        sa.Column("victim_identified", sa.Boolean(), nullable=True),
        sa.Column("distributed", sa.Boolean(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("alternative_hashes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["hash_set_id"],
            ["hash_sets.id"],
            name=op.f("fk_hash_set_entries_hash_set_id_hash_sets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_set_entries")),
    )
    with op.batch_alter_table("hash_set_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hash_set_entries_hash_set_id"), ["hash_set_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_hash_set_entries_md5"), ["md5"], unique=False)
        batch_op.create_index(batch_op.f("ix_hash_set_entries_sha1"), ["sha1"], unique=False)
        batch_op.create_index(batch_op.f("ix_hash_set_entries_sha256"), ["sha256"], unique=False)

    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sha1", sa.String(length=40), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("pdq", sa.String(length=64), nullable=True),
        sa.Column("pdq_quality", sa.Integer(), nullable=True),
        sa.Column("exif", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("category", sa.Integer(), nullable=True),
        sa.Column("series", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_media_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
        sa.UniqueConstraint("case_id", "sha256", name="uq_media_case_sha256"),
    )
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_md5"), ["md5"], unique=False)

    op.create_table(
        "hash_hits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["hash_set_entries.id"],
            name=op.f("fk_hash_hits_entry_id_hash_set_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_hash_hits_media_id_media")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_hits")),
        sa.UniqueConstraint(
            "media_id", "entry_id", "method", name="uq_hash_hits_media_entry_method"
        ),
    )
    with op.batch_alter_table("hash_hits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hash_hits_media_id"), ["media_id"], unique=False)

    op.create_table(
        "media_locations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_pk", sa.Integer(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("mtime", sa.String(length=32), nullable=True),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_media_locations_media_id_media")
        ),
        sa.ForeignKeyConstraint(
            ["source_pk"],
            ["evidence_sources.id"],
            name=op.f("fk_media_locations_source_pk_evidence_sources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_locations")),
        sa.UniqueConstraint("source_pk", "location", name="uq_media_locations_source_location"),
    )
    with op.batch_alter_table("media_locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_locations_media_id"), ["media_id"], unique=False)

    op.create_table(
        "similar_media",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("distance", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_similar_media_media_id_media")
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["media.id"], name=op.f("fk_similar_media_other_id_media")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_similar_media")),
        sa.UniqueConstraint("media_id", "other_id", "method", name="uq_similar_media_media_other"),
    )
    with op.batch_alter_table("similar_media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_similar_media_media_id"), ["media_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_similar_media_other_id"), ["other_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("similar_media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_similar_media_other_id"))
        batch_op.drop_index(batch_op.f("ix_similar_media_media_id"))

    op.drop_table("similar_media")
    with op.batch_alter_table("media_locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_locations_media_id"))

    op.drop_table("media_locations")
    with op.batch_alter_table("hash_hits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hash_hits_media_id"))

    op.drop_table("hash_hits")
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_md5"))

    op.drop_table("media")
    with op.batch_alter_table("hash_set_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hash_set_entries_sha256"))
        batch_op.drop_index(batch_op.f("ix_hash_set_entries_sha1"))
        batch_op.drop_index(batch_op.f("ix_hash_set_entries_md5"))
        batch_op.drop_index(batch_op.f("ix_hash_set_entries_hash_set_id"))

    op.drop_table("hash_set_entries")
    op.drop_table("evidence_sources")
    op.drop_table("hash_sets")
