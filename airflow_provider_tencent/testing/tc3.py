"""TC3-HMAC-SHA256, the Tencent Cloud API 3.0 signature, as pure functions (the emulator's verifier).

The client side is always the official SDK; this module exists so that the server can check
what the SDK sent, and so that tests can check both against the published example.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timezone

ALGORITHM = "TC3-HMAC-SHA256"
_AUTH = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/,\s]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z0-9-]+)/tc3_request,"
    r"\s*SignedHeaders=(?P<headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


@dataclass(frozen=True)
class Authorization:
    secret_id: str
    date: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(header: str) -> Authorization | None:
    """The parts of an ``Authorization`` header, or ``None`` when it is malformed."""
    match = _AUTH.match(header.strip())
    if not match:
        return None
    return Authorization(
        match["id"], match["date"], match["service"], tuple(match["headers"].split(";")), match["signature"]
    )


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def canonical_request(
    method: str, uri: str, query: str, headers: dict[str, str], signed_headers: tuple[str, ...], payload: bytes
) -> str:
    """``headers`` keyed by lower-case name; values are trimmed and lower-cased as the spec says."""
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed_headers)
    return "\n".join(
        [method, uri, query, canonical_headers, ";".join(signed_headers), hashlib.sha256(payload).hexdigest()]
    )


def string_to_sign(timestamp: int, service: str, request: str) -> str:
    date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    return "\n".join([ALGORITHM, str(timestamp), scope, hashlib.sha256(request.encode("utf-8")).hexdigest()])


def signature(secret_key: str, timestamp: int, service: str, to_sign: str) -> str:
    date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
    secret_date = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    return hmac.new(secret_signing, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(
    secret_key: str,
    *,
    timestamp: int,
    service: str,
    method: str,
    uri: str,
    query: str,
    headers: dict[str, str],
    signed_headers: tuple[str, ...],
    payload: bytes,
) -> str:
    """The hex signature of one request."""
    request = canonical_request(method, uri, query, headers, signed_headers, payload)
    return signature(secret_key, timestamp, service, string_to_sign(timestamp, service, request))


def verify(
    secret_key: str,
    auth: Authorization,
    *,
    timestamp: int,
    method: str,
    uri: str,
    query: str,
    headers: dict[str, str],
    payload: bytes,
) -> bool:
    """Whether ``auth`` is the signature of this request under ``secret_key`` (constant-time compare)."""
    expected = sign(
        secret_key,
        timestamp=timestamp,
        service=auth.service,
        method=method,
        uri=uri,
        query=query,
        headers=headers,
        signed_headers=auth.signed_headers,
        payload=payload,
    )
    date = datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")
    return date == auth.date and hmac.compare_digest(expected, auth.signature)
