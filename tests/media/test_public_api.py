"""The public surface of genkend.media is its sorted ``__all__``; this test guards it."""

from __future__ import annotations

from genkend import media


def _isort_key(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_public_api_is_sorted_and_complete() -> None:
    expected = [
        "SNIFF_BYTES",
        "ContentType",
        "DecodedImage",
        "Kind",
        "blurred",
        "decode",
        "exif_summary",
        "extension_note",
        "sniff",
        "thumbnail",
    ]
    assert media.__all__ == expected
    # Sorted as ruff's RUF022 sorts: CONSTANTS, then Classes, then functions.
    assert media.__all__ == sorted(media.__all__, key=_isort_key)
    assert all(getattr(media, name, None) is not None for name in media.__all__)
