"""UTC time, in one text form that every database stores and sorts identically."""

from __future__ import annotations

from datetime import UTC, datetime

TEXT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: genkend stores timezone-aware UTC times only")
    return moment.astimezone(UTC).strftime(TEXT_FORMAT)


def from_text(value: str) -> datetime:
    return datetime.strptime(value, TEXT_FORMAT).replace(tzinfo=UTC)


def utc_now_text() -> str:
    return to_text(utc_now())
