"""Turning one field of a hash-set item into a checked Python value.

Every hash-set format spells the same facts differently: digests in upper or lower
case, flags as JSON booleans or as the strings "true", "1" or "Yes", categories as
numbers or digit strings. The functions here accept every spelling met in real files
and raise ``FieldError`` for anything else, so that a reader can turn one bad item into
a ``ParseProblem`` and go on.

Invariant: a digest that leaves this module is lower-case hex of exactly the length of
its algorithm; a value of an unexpected type is never coerced into a plausible one.
"""

from __future__ import annotations

import re
from decimal import Decimal

# Hex lengths of the exact digests a hash set may carry, keyed by algorithm.
DIGEST_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}
# Plain lists carry no column names, so the length of a digest names its algorithm.
ALGORITHM_BY_LENGTH = {length: name for name, length in DIGEST_LENGTHS.items()}
PDQ_HEX_LENGTH = 64
# Categories are small numbers in every scheme; the cap keeps them within the store's
# INTEGER column on SQLite and PostgreSQL alike.
MAX_CATEGORY = 2**31 - 1
# Longest piece of a bad value quoted back in a message.
SHOWN = 80

_HEX = re.compile(r"[0-9a-fA-F]+")
_TRUE = frozenset({"true", "1", "yes", "y"})
_FALSE = frozenset({"false", "0", "no", "n"})


class FieldError(ValueError):
    """One field of one item cannot be used; the message says which and why."""


def is_hex(text: str) -> bool:
    return _HEX.fullmatch(text) is not None


def digest(value: object, algorithm: str) -> str | None:
    """A hex digest as lower-case text, ``None`` when absent or empty."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(f"{algorithm.upper()} must be text, not {_type_name(value)}")
    text = value.strip().lower()
    if not text:
        return None
    expected = DIGEST_LENGTHS[algorithm]
    if len(text) != expected or not is_hex(text):
        raise FieldError(
            f"{algorithm.upper()} {shorten(repr(value))} is not {expected} hexadecimal characters"
        )
    return text


def pdq(value: object) -> bytes:
    """A PDQ hash given as 64 hex characters, as its 32 raw bytes."""
    if not isinstance(value, str):
        raise FieldError(f"PDQ must be text, not {_type_name(value)}")
    text = value.strip()
    if len(text) != PDQ_HEX_LENGTH or not is_hex(text):
        raise FieldError(
            f"PDQ {shorten(repr(value))} is not {PDQ_HEX_LENGTH} hexadecimal characters"
        )
    return bytes.fromhex(text)


def flag(value: object, name: str) -> bool | None:
    """A yes/no flag; ``None`` when absent or empty (unknown is not "no")."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    # 0 and 1 as JSON numbers are how some exporters write flags; other numbers are not.
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if not text:
            return None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise FieldError(f"{name} {shorten(repr(value))} is not a yes/no value")


def category(value: object) -> int | None:
    """A category number (0 to ``MAX_CATEGORY``); ``None`` when absent or empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    shown = shorten(str(value) if isinstance(value, Decimal) else repr(value))
    number: int | Decimal | None = None
    # bool is a subclass of int in Python, but ``true`` is no category.
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        # Compared as a Decimal: int(Decimal("1e999999")) would build a huge number.
        number = value
    # str.isdigit() is also true for "²" and other digits that int() refuses.
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = Decimal(value.strip())
    if number is None:
        raise FieldError(f"Category {shown} is not a whole number")
    if number < 0:
        raise FieldError(f"Category {shown} is negative")
    if number > MAX_CATEGORY:
        raise FieldError(f"Category {shown} is not a category number (0 to {MAX_CATEGORY})")
    return int(number)


def text(value: object, name: str) -> str | None:
    """A short text (series name, identifier); numbers are kept as their digits."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise FieldError(f"{name} {value!r} is not text")
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        # PostgreSQL text cannot hold NUL, and no name of a file or series has one.
        if "\x00" in value:
            raise FieldError(f"{name} contains a NUL character")
        stripped = value.strip()
        return stripped or None
    raise FieldError(f"{name} must be text, not {_type_name(value)}")


def shorten(text: str) -> str:
    """``text`` cut to ``SHOWN`` characters, for quoting a hostile value in a message."""
    return text if len(text) <= SHOWN else text[:SHOWN] + "..."


def _type_name(value: object) -> str:
    names = {dict: "an object", list: "a list", bool: "a boolean", str: "text"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    if isinstance(value, (int, Decimal, float)):
        return f"the number {value}"
    return type(value).__name__
