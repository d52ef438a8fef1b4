"""What a reviewer's comparison screen reads: the case's faces in the probe's picture, a
gallery identity's faces and their stored crops.

Plain functions on a connection; the caller owns the transaction. Invariants: a case
face is looked up within one case only (``faces.case_id``); a gallery face is returned
only with the identity it belongs to, so that the caller can keep to the identity a
candidate proposes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from genkend.store.schema import faces, gallery_faces, media


def faces_in_media_of(conn: Connection, case_id: str, sha256: str) -> list[Row[Any]]:
    """The faces of the case in the media item whose content has ``sha256``, largest
    first: (id, media_id, x1, y1, x2, y2)."""
    area = (faces.c.x2 - faces.c.x1) * (faces.c.y2 - faces.c.y1)
    query = (
        select(faces.c.id, faces.c.media_id, faces.c.x1, faces.c.y1, faces.c.x2, faces.c.y2)
        .join(media, media.c.id == faces.c.media_id)
        .where(faces.c.case_id == case_id, media.c.case_id == case_id, media.c.sha256 == sha256)
        .order_by(area.desc(), faces.c.id)
    )
    return list(conn.execute(query))


def identity_faces(conn: Connection, identity_id: int) -> list[Row[Any]]:
    """The gallery identity's faces without their embeddings or crops, oldest first."""
    query = (
        select(
            gallery_faces.c.id,
            gallery_faces.c.backend,
            gallery_faces.c.source,
            gallery_faces.c.quality,
            gallery_faces.c.created_at,
            (gallery_faces.c.thumbnail.is_not(None)).label("has_picture"),
        )
        .where(gallery_faces.c.identity_id == identity_id)
        .order_by(gallery_faces.c.id)
    )
    return list(conn.execute(query))


def gallery_face_crop(conn: Connection, gallery_face_id: int) -> Any:
    """(identity_id, thumbnail) of a gallery face, or ``None``."""
    query = select(gallery_faces.c.identity_id, gallery_faces.c.thumbnail).where(
        gallery_faces.c.id == gallery_face_id
    )
    return conn.execute(query).first()
