"""Bad input for demonstration evidence: files that a seizure always holds somewhere.

Responsibility: the bytes of files that must not stop an ingest: a JPEG cut off in the
middle (``truncated``), a PNG whose header declares a picture far too large to decode
(``oversized_png``), text saved under a picture's name (``text_file``) and a small PDF
document (``pdf_document``). Empty files and archives with ``..`` member names need no
bytes of their own.

Invariant: each file is exactly the kind of damage its name says, and nothing else: the
oversized PNG is well-formed (valid chunk CRCs) so only its size is wrong; the PDF
parses (its cross-reference table gives true offsets); the cut JPEG starts valid.
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["PNG_SIGNATURE", "oversized_png", "pdf_document", "text_file", "truncated"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_RGB_8BIT = (8, 2, 0, 0, 0)  # bit depth, colour type (truecolour), compression, filter, interlace


def truncated(data: bytes, keep: float = 0.55) -> bytes:
    """The first ``keep`` share of a file, as a copy broken off mid-transfer leaves it."""
    if not 0 < keep < 1:
        raise ValueError("keep must be a share between 0 and 1")
    return data[: max(1, int(len(data) * keep))]


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def oversized_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny, well-formed PNG whose header declares ``width`` x ``height`` pixels.

    A decoder that trusted the header would allocate ``width * height * 3`` bytes (30 GB
    at the default size); the one row of pixel data is there only to make the file look
    complete.
    """
    header = struct.pack(">II5B", width, height, *_RGB_8BIT)
    first_row = zlib.compress(b"\x00" + b"\x80" * min(width * 3, 3 * 64))
    return (
        PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", first_row) + _chunk(b"IEND", b"")
    )


def text_file(lines: list[str]) -> bytes:
    """Plain UTF-8 text, one line each, as found saved under a picture's name."""
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def pdf_document(lines: list[str]) -> bytes:
    """A one-page PDF 1.4 document showing ``lines`` in Helvetica (ASCII only)."""
    text = "".join(f"({_pdf_escape(line)}) Tj T* " for line in lines)
    stream = f"BT /F1 12 Tf 14 TL 72 720 Td {text}ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        table,
    )
    return bytes(out)


def _pdf_escape(line: str) -> str:
    ascii_only = line.encode("ascii", "replace").decode("ascii")
    return ascii_only.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
