"""The faces, clusters and gallery store contract, on SQLite and PostgreSQL.

``clusters.confirmed`` is a boolean compared the way each dialect spells it (dissolving
the unconfirmed clusters, the confirmed ones a run may not grow), and new rows' ids come
back through ``RETURNING``; both dialects must read back the same rows.
"""

import numpy as np
from sqlalchemy import insert

from genkend.store import Store
from genkend.store import clusters as stored_clusters
from genkend.store import faces as stored_faces
from genkend.store import gallery as stored_gallery
from genkend.store.schema import cases, faces, media

AT = "2026-01-02T03:04:05.000000Z"


def _faces(store: Store, count: int) -> list[int]:
    """``count`` faces of case C in one picture, embedded by backend ``fake``."""
    with store.begin() as conn:
        conn.execute(insert(cases).values(id="C", title="t", created_at=AT, created_by="x"))
        media_id = conn.execute(
            insert(media)
            .values(
                case_id="C",
                sha256="a" * 64,
                sha1="b" * 40,
                md5="c" * 32,
                size=1,
                mime="image/png",
                kind="image",
                status="new",
                created_at=AT,
            )
            .returning(media.c.id)
        ).scalar_one()
        vector = np.ones(4, dtype=np.float32).tobytes()
        return [
            conn.execute(
                insert(faces)
                .values(
                    case_id="C",
                    media_id=media_id,
                    backend="fake",
                    x1=i,
                    y1=0,
                    x2=i + 10,
                    y2=10,
                    landmarks="[]",
                    score=0.9,
                    quality=0.5,
                    quality_detail="{}",
                    embedding=vector,
                    created_at=AT,
                )
                .returning(faces.c.id)
            ).scalar_one()
            for i in range(count)
        ]


def test_clusters_confirm_merge_and_dissolve(store: Store) -> None:
    a, b, c = _faces(store, 3)
    with store.begin() as conn:
        first, second = (
            stored_clusters.new_cluster(conn, "C"),
            stored_clusters.new_cluster(conn, "C"),
        )
        stored_clusters.place(conn, [a, b], first)
        stored_clusters.place(conn, [c], second)
        stored_clusters.add_constraints(conn, "C", "must", [(a, b)], "tester")
        stored_clusters.confirm(conn, first, "Child A")
    with store.read() as conn:
        assert stored_clusters.confirmed(conn, "C") == {first}
        assert stored_clusters.members(conn, "C", first) == [a, b]
        assert stored_clusters.members(conn, "D", first) is None
        assert stored_clusters.constraints(conn, "C") == [("must", a, b)]
        assert [r.cluster_id for r in stored_clusters.embedded_faces(conn, "C", "fake")] == [
            first,
            first,
            second,
        ]
    with store.begin() as conn:
        stored_clusters.dissolve_unconfirmed(conn, "C")
    with store.read() as conn:
        listed = stored_clusters.list_clusters(conn, "C")
    assert [(x["id"], x["label"], x["confirmed"], x["face_ids"]) for x in listed] == [
        (first, "Child A", True, [a, b])
    ]
    with store.begin() as conn:
        other = stored_clusters.new_cluster(conn, "C")
        stored_clusters.place(conn, [c], other)
        stored_clusters.merge_into(conn, first, other)
    with store.read() as conn:
        assert stored_clusters.members(conn, "C", first) == [a, b, c]
        assert stored_clusters.members(conn, "C", other) is None


def test_faces_and_gallery_read_back(store: Store) -> None:
    a, b = _faces(store, 2)
    with store.begin() as conn:
        cluster = stored_clusters.new_cluster(conn, "C")
        stored_clusters.place(conn, [a, b], cluster)
        assert stored_faces.backends(conn, "C") == ["fake"]
        assert [r.id for r in stored_faces.embedded(conn, "C", "fake")] == [a, b]
        assert [r.id for r in stored_faces.rows(conn, "C")] == [a, b]
        assert stored_gallery.cluster_exists(conn, "C", cluster)
        assert not stored_gallery.cluster_exists(conn, "D", cluster)
        members = stored_gallery.cluster_faces(conn, cluster)
        identity = stored_gallery.insert_identity(
            conn,
            {
                "label": "Ann",
                "status": "identified",
                "provenance": "p",
                "notes": "",
                "created_at": AT,
                "created_by": "x",
            },
        )
        assert stored_gallery.identity_id(conn, "Ann") == identity
        assert stored_gallery.identity_id(conn, "Bob") is None
        assert stored_gallery.version(conn, "fake") == "0:0"
        stored_gallery.insert_faces(
            conn,
            [
                {
                    "identity_id": identity,
                    "backend": f.backend,
                    "embedding": f.embedding,
                    "source": f"case:C/face:{f.id}",
                    "source_sha256": None,
                    "quality": f.quality,
                    "thumbnail": None,
                    "created_at": AT,
                    "created_by": "x",
                }
                for f in members
            ],
        )
    with store.read() as conn:
        (listed,) = stored_gallery.identities(conn)
        assert (listed["label"], listed["faces"]) == ("Ann", 2)
        count, newest = stored_gallery.version(conn, "fake").split(":")
        assert count == "2" and int(newest) > 0
