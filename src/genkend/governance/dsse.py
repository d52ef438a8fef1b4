"""DSSE envelopes (Dead Simple Signing Envelope, v1): a signed payload of a stated type.

The signature covers the pre-authentication encoding (PAE) of the payload type and the
payload bytes, ``"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body``, so a signature
made for one type can never be read as one of another. Signatures are Ed25519; each
names the key that made it by its key id (``keys.key_id``). The unit's audit
checkpoints use it, and so will the exchange package's in-toto manifest.

Invariant: ``open_envelope`` returns the payload only when a signature by one of the
given keys verifies over exactly the type and bytes it returns; anything else is a
``ValueError`` saying why.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


@dataclass(frozen=True)
class Opened:
    """A verified envelope: its payload, its type, and the key id that signed it."""

    payload: bytes
    payload_type: str
    key_id: str


def pae(payload_type: str, payload: bytes) -> bytes:
    """The pre-authentication encoding that DSSE v1 signs."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def seal(payload: bytes, payload_type: str, key: Ed25519PrivateKey, key_id: str) -> dict[str, Any]:
    """An envelope holding ``payload``, signed by ``key``."""
    signature = key.sign(pae(payload_type, payload))
    return {
        "payloadType": payload_type,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [{"keyid": key_id, "sig": base64.b64encode(signature).decode("ascii")}],
    }


def open_envelope(envelope: Any, payload_type: str, keys: Mapping[str, Ed25519PublicKey]) -> Opened:
    """The payload of ``envelope`` if one of its signatures is by one of ``keys``."""
    if not isinstance(envelope, dict):
        raise ValueError("not a DSSE envelope (expected a JSON object)")
    if envelope.get("payloadType") != payload_type:
        raise ValueError(f"payload type is {envelope.get('payloadType')!r}, not {payload_type!r}")
    payload = _decoded(envelope.get("payload"), "payload")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or not signatures:
        raise ValueError("the envelope holds no signature")
    named = []
    for signature in signatures:
        key_id = signature.get("keyid") if isinstance(signature, dict) else None
        named.append(str(key_id))
        key = keys.get(key_id) if isinstance(key_id, str) else None
        if key is None or not isinstance(key_id, str):
            continue
        try:
            key.verify(_decoded(signature.get("sig"), "signature"), pae(payload_type, payload))
        except InvalidSignature as exc:
            raise ValueError(f"the signature by key {key_id} does not verify (altered)") from exc
        return Opened(payload, payload_type, key_id)
    raise ValueError(f"signed by none of the known keys (signed by {', '.join(named)})")


def to_json(envelope: dict[str, Any]) -> str:
    return json.dumps(envelope, indent=2, sort_keys=True) + "\n"


def _decoded(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"the envelope's {what} is missing")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"the envelope's {what} is not base64") from exc
