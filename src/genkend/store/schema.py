"""The tables of genkend's store, in SQLAlchemy Core: one schema for SQLite and PostgreSQL.

This module is the single definition of the schema that Alembic migrations produce;
a test compares the two so that neither drifts. Times are stored as ISO-8601 UTC text
(``2026-01-02T03:04:05.123456Z``) so that audit digests computed over them are the
same on every database.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("status", String(20), nullable=False, default="open"),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    ),
    Column("at", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("host", String(255), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject", Text, nullable=False),
    Column("detail_sha256", String(64), nullable=False),
    Column("prev_digest", String(64), nullable=False),
    Column("digest", String(64), nullable=False),
)
# A reviewer's reveals and breaks of the day (welfare.exposure).
Index(
    "ix_audit_events_actor_action_at",
    audit_events.c.actor,
    audit_events.c.action,
    audit_events.c.at,
)

# An event's detail lives apart from the chain, which holds only its SHA-256, so that
# retention can erase a detail (a search's results, say) and the chain still verifies.
audit_details = Table(
    "audit_details",
    metadata,
    Column(
        "seq",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("audit_events.seq"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("detail", Text, nullable=False),
)

evidence_sources = Table(
    "evidence_sources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(100), ForeignKey("cases.id"), nullable=False),
    Column("source_id", String(100), nullable=False),
    Column("root", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("root_sha256", String(64)),
    Column("status", String(20), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("finished_at", String(32)),
    # The run that holds the source while ``running``: host, pid and the process's start
    # time (pid reuse), so that a run killed without a word can be told from a live one.
    Column("run_host", String(255)),
    Column("run_pid", Integer),
    Column("run_process_started", Float),
    # Why the last run failed (status ``failed``) or stopped (``interrupted``).
    Column("error", Text),
    # What ``root_sha256`` covers: ``file`` (the evidence file's bytes) or ``manifest``
    # (a folder: the digest of its sorted location and content-hash pairs).
    Column("root_hash_scope", String(20)),
    # The last complete ingest's per-source summary (JSON, the whole source).
    Column("summary", Text),
    UniqueConstraint("case_id", "source_id", name="uq_evidence_sources_case_source"),
)

# Each time an evidence source's own hash was recomputed (``genkend verify-evidence``, and
# an ingest of a disk image before and after it runs): what was hashed (``scope``: the
# media data of a disk image, a file's bytes, a folder's manifest), the digests found,
# those the container stores (EWF), and whether they all agree with it and with the
# source's first verification (``match``: NULL when there was nothing to compare yet).
evidence_verifications = Table(
    "evidence_verifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(100), ForeignKey("cases.id"), nullable=False, index=True),
    Column("source_pk", Integer, ForeignKey("evidence_sources.id"), nullable=False, index=True),
    Column("stage", String(20), nullable=False),
    Column("verified_at", String(32), nullable=False),
    Column("verified_by", String(200), nullable=False),
    Column("container", String(20), nullable=False),
    Column("scope", String(20), nullable=False),
    Column("bytes", BigInteger),
    Column("sha256", String(64)),
    Column("md5", String(32)),
    Column("sha1", String(40)),
    Column("stored_md5", String(32)),
    Column("stored_sha1", String(40)),
    Column("match", Boolean),
    Column("detail", Text),
    Column("error", Text),
)

media = Table(
    "media",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(100), ForeignKey("cases.id"), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("sha1", String(40), nullable=False),
    Column("md5", String(32), nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
    Column("mime", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("width", Integer),
    Column("height", Integer),
    Column("pdq", String(64)),
    Column("pdq_quality", Integer),
    Column("exif", Text),
    Column("status", String(20), nullable=False),
    Column("category", Integer),
    Column("series", Text),
    Column("error", Text),
    Column("created_at", String(32), nullable=False),
    UniqueConstraint("case_id", "sha256", name="uq_media_case_sha256"),
)
# The triage grid's keyset pages: a case's media in id order, all or of one status
# (category last: the categorised count and filter read the index alone).
Index("ix_media_case_id_id", media.c.case_id, media.c.id)
Index("ix_media_case_status_id", media.c.case_id, media.c.status, media.c.id, media.c.category)
# Partial: only the few media with an error (the grid's "errors" filter, the dashboard).
Index(
    "ix_media_case_errors",
    media.c.case_id,
    media.c.id,
    sqlite_where=media.c.error.is_not(None),
    postgresql_where=media.c.error.is_not(None),
)

media_locations = Table(
    "media_locations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_pk", Integer, ForeignKey("evidence_sources.id"), nullable=False),
    Column("location", Text, nullable=False),
    Column("media_id", Integer, ForeignKey("media.id"), index=True),
    Column("size", BigInteger),
    Column("mtime", String(32)),
    Column("depth", Integer, nullable=False),
    Column("error", Text),
    Column("notes", Text),
    Column("created_at", String(32), nullable=False),
    # Where a file read out of a file-system image lies in it (records.FileSystemEntry);
    # all NULL for a file of a folder or an archive. Times are the file system's (MACB).
    Column("file_system", String(20)),
    Column("fs_path", Text),
    Column("partition", String(50)),
    Column("partition_offset", BigInteger),
    Column("address", BigInteger),
    Column("deleted", Boolean),
    Column("reallocated", Boolean),
    Column("fs_modified", String(32)),
    Column("fs_accessed", String(32)),
    Column("fs_changed", String(32)),
    Column("fs_created", String(32)),
    UniqueConstraint("source_pk", "location", name="uq_media_locations_source_location"),
)
# Partial: the locations that could not be read, per source (an ingest run's errors).
Index(
    "ix_media_locations_errors",
    media_locations.c.source_pk,
    sqlite_where=media_locations.c.error.is_not(None),
    postgresql_where=media_locations.c.error.is_not(None),
)

hash_sets = Table(
    "hash_sets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("format", String(20), nullable=False),
    Column("profile", String(50), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("entries", Integer, nullable=False),
    Column("problems", Integer, nullable=False),
    Column("imported_at", String(32), nullable=False),
    Column("imported_by", String(200), nullable=False),
)

hash_set_entries = Table(
    "hash_set_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hash_set_id", Integer, ForeignKey("hash_sets.id"), nullable=False, index=True),
    Column("md5", String(32), index=True),
    Column("sha1", String(40), index=True),
    Column("sha256", String(64), index=True),
    Column("pdq", String(64)),
    Column("category", Integer),
    Column("series", Text),
    Column("non_pertinent", Boolean, nullable=False),
    Column("victim_identified", Boolean),
    Column("distributed", Boolean),
    Column("external_id", Text),
    Column("file_name", Text),
    Column("alternative_hashes", Text),
)

hash_hits = Table(
    "hash_hits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("media_id", Integer, ForeignKey("media.id"), nullable=False, index=True),
    Column("entry_id", Integer, ForeignKey("hash_set_entries.id"), nullable=False),
    Column("method", String(20), nullable=False),
    Column("distance", Integer, nullable=False),
    Column("threshold", Integer, nullable=False),
    UniqueConstraint("media_id", "entry_id", "method", name="uq_hash_hits_media_entry_method"),
)

similar_media = Table(
    "similar_media",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("media_id", Integer, ForeignKey("media.id"), nullable=False, index=True),
    Column("other_id", Integer, ForeignKey("media.id"), nullable=False, index=True),
    Column("method", String(20), nullable=False),
    Column("distance", Integer, nullable=False),
    Column("threshold", Integer, nullable=False),
    UniqueConstraint("media_id", "other_id", "method", name="uq_similar_media_media_other"),
)

clusters = Table(
    "clusters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(100), ForeignKey("cases.id"), nullable=False, index=True),
    Column("label", Text),
    Column("confirmed", Boolean, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
)

faces = Table(
    "faces",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(100), ForeignKey("cases.id"), nullable=False, index=True),
    Column("media_id", Integer, ForeignKey("media.id"), nullable=False, index=True),
    Column("backend", Text, nullable=False),
    Column("x1", Integer, nullable=False),
    Column("y1", Integer, nullable=False),
    Column("x2", Integer, nullable=False),
    Column("y2", Integer, nullable=False),
    Column("landmarks", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("quality", Float, nullable=False),
    Column("quality_detail", Text, nullable=False),
    Column("embedding", LargeBinary),
    Column("thumbnail", LargeBinary),
    Column("cluster_id", Integer, ForeignKey("clusters.id"), index=True),
    Column("created_at", String(32), nullable=False),
    # a face of a video: its frame's time (seconds) and its track (face_tracks.id)
    Column("timestamp", Float),
    Column("track_id", Integer, index=True),
)

# The faces of one person across nearby frames of one video: its best face, its first
# and last timestamps, and how many faces it saw (more than the faces stored).
face_tracks = Table(
    "face_tracks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(100), ForeignKey("cases.id"), nullable=False, index=True),
    Column("media_id", Integer, ForeignKey("media.id"), nullable=False, index=True),
    Column("best_face_id", Integer),
    Column("start", Float, nullable=False),
    Column("end", Float, nullable=False),
    Column("faces_seen", Integer, nullable=False),
)

cluster_constraints = Table(
    "cluster_constraints",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(100), ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),
    Column("face_a", Integer, ForeignKey("faces.id"), nullable=False),
    Column("face_b", Integer, ForeignKey("faces.id"), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
)

gallery_identities = Table(
    "gallery_identities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("label", String(200), nullable=False, unique=True),
    Column("status", String(30), nullable=False),
    Column("provenance", Text, nullable=False),
    Column("notes", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
)

gallery_faces = Table(
    "gallery_faces",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("identity_id", Integer, ForeignKey("gallery_identities.id"), nullable=False, index=True),
    Column("backend", Text, nullable=False),
    Column("embedding", LargeBinary, nullable=False),
    Column("source", Text, nullable=False),
    Column("source_sha256", String(64)),
    Column("quality", Float, nullable=False),
    Column("thumbnail", LargeBinary),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
)

calibrations = Table(
    "calibrations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("backend", Text, nullable=False, index=True),
    Column("table_json", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("roles", Text, nullable=False),
    Column("password_hash", Text),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
    # Sign-in lockout: failures since the last success, and the end of a lock.
    Column("login_failures", Integer, nullable=False, server_default="0"),
    Column("locked_until", String(32)),
    # TOTP second factor: the base32 secret, whether a code confirmed it, and the last
    # accepted 30-second time-step (a code is accepted once).
    Column("totp_secret", Text),
    Column("totp_confirmed", Boolean, nullable=False, server_default="0"),
    Column("totp_last_step", BigInteger),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(200), ForeignKey("accounts.name"), nullable=False, index=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("label", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
    Column("expires_at", String(32)),
    Column("last_used_at", String(32)),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the cookie value
    Column("account", String(200), ForeignKey("accounts.name"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("last_seen_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("idle_seconds", Integer, nullable=False),
    Column("ended_at", String(32)),
    Column("client", Text, nullable=False),
)

mfa_roles = Table(
    "mfa_roles",
    metadata,
    Column("role", String(50), primary_key=True),
    Column("set_by", String(200), nullable=False),
    Column("set_at", String(32), nullable=False),
)

served_marks = Table(
    "served_marks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("served_at", String(32), nullable=False),
    Column("served_by", String(200), nullable=False),
    Column("host", String(255), nullable=False),
)

case_members = Table(
    "case_members",
    metadata,
    Column("case_id", String(100), ForeignKey("cases.id"), primary_key=True),
    Column("account", String(200), ForeignKey("accounts.name"), primary_key=True),
    Column("added_at", String(32), nullable=False),
    Column("added_by", String(200), nullable=False),
)

authorisations = Table(
    "authorisations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(100), ForeignKey("cases.id"), nullable=False, index=True),
    Column("authority", Text, nullable=False),
    Column("reference", Text, nullable=False),
    Column("scope", Text, nullable=False),
    Column("granted_at", String(32), nullable=False),
    Column("valid_until", String(32), nullable=False),
    Column("status", String(20), nullable=False),
    Column("note", Text, nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("recorded_by", String(200), nullable=False),
)

candidates = Table(
    "candidates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(100), ForeignKey("cases.id"), nullable=False, index=True),
    Column("identity_id", Integer, ForeignKey("gallery_identities.id"), nullable=False),
    Column("face_id", Integer, ForeignKey("faces.id")),
    Column("probe", Text, nullable=False),
    Column("probe_sha256", String(64)),
    Column("distance", Float, nullable=False),
    Column("max_distance", Float, nullable=False),
    Column("fmr", Float),
    Column("backend", Text, nullable=False),
    Column("search_seq", Integer, nullable=False),
    Column("authorisation_id", Integer, ForeignKey("authorisations.id")),
    Column("status", String(20), nullable=False),
    Column("deletion_due", Boolean, nullable=False),
    Column("created_at", String(32), nullable=False),
)

review_decisions = Table(
    "review_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("candidate_id", Integer, ForeignKey("candidates.id"), nullable=False, index=True),
    Column("reviewer", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("outcome", String(30), nullable=False),
    Column("note", Text, nullable=False),
    Column("decided_at", String(32), nullable=False),
    UniqueConstraint("candidate_id", "reviewer", "role", name="uq_review_decisions_once"),
)

# The unit's signing keys: public halves only (the private key is a passphrase-encrypted
# file in the workspace, see governance.keys); a rotated key stays, retired, so that
# the checkpoints it signed still verify.
unit_keys = Table(
    "unit_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("public_pem", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("retired_at", String(32)),
    Column("retired_by", String(200)),
)

# Partner units' public keys; a revoked partner is kept, marked, never deleted.
partners = Table(
    "partners",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("key_id", String(64), nullable=False),
    Column("public_pem", Text, nullable=False),
    Column("added_at", String(32), nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("revoked_at", String(32)),
    Column("revoked_by", String(200)),
)
