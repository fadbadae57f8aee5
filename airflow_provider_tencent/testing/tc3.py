"""TC3-HMAC-SHA256, the Tencent Cloud API 3.0 signature, as pure functions.

The provider's client side is always the official SDK. This module exists so that the emulator can
check what the SDK sent (:func:`verify`), and so that tests can check both against the published
example and craft signed requests of their own (:func:`signed_headers`).

The algorithm (Tencent Cloud "Signature v3")::

    CanonicalRequest = Method \\n URI \\n QueryString \\n CanonicalHeaders \\n SignedHeaders \\n hex(sha256(Payload))
    CanonicalHeaders = for each signed header, in the order of SignedHeaders: "name:value\\n"
                       (name and value lower-cased, value trimmed)
    StringToSign     = "TC3-HMAC-SHA256" \\n Timestamp \\n Date/Service/tc3_request \\n hex(sha256(CanonicalRequest))
    SecretDate       = HMAC_SHA256("TC3" + SecretKey, Date)     Date = UTC date of Timestamp, YYYY-MM-DD
    SecretService    = HMAC_SHA256(SecretDate, Service)
    SecretSigning    = HMAC_SHA256(SecretService, "tc3_request")
    Signature        = hex(HMAC_SHA256(SecretSigning, StringToSign))

For ``GET`` the query string is signed and the payload is empty; with the header
``X-TC-Content-SHA256: UNSIGNED-PAYLOAD`` the literal text ``UNSIGNED-PAYLOAD`` replaces the body.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

ALGORITHM = "TC3-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
#: Headers the service requires in every SignedHeaders list.
REQUIRED_SIGNED_HEADERS = ("content-type", "host")

_AUTH = re.compile(
    r"^TC3-HMAC-SHA256\s+Credential=(?P<id>[^/,\s]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z0-9-]+)/tc3_request"
    r"\s*,\s*SignedHeaders=(?P<headers>[a-z0-9-]+(?:;[a-z0-9-]+)*)\s*,\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


@dataclass(frozen=True)
class Authorization:
    """The parts of a TC3 ``Authorization`` header."""

    secret_id: str
    date: str
    """The credential scope's date, ``YYYY-MM-DD`` (UTC)."""
    service: str
    """The credential scope's service: which product the request is for (``tiia``, ``vod``, ``sts``...)."""
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(header: str) -> Authorization | None:
    """The parts of an ``Authorization`` header, or ``None`` when it is malformed.

    Malformed means: not ``TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=a;b,
    Signature=<64 hex>``, or a SignedHeaders list without ``content-type`` and ``host``.
    """
    match = _AUTH.match(header.strip())
    if not match:
        return None
    signed = tuple(match["headers"].split(";"))
    if not all(name in signed for name in REQUIRED_SIGNED_HEADERS):
        return None
    return Authorization(match["id"], match["date"], match["service"], signed, match["signature"])


def date_of(timestamp: int) -> str:
    """The UTC date (``YYYY-MM-DD``) of a unix timestamp: the date of the credential scope."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")


def credential_scope(timestamp: int, service: str) -> str:
    return f"{date_of(timestamp)}/{service}/tc3_request"


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def canonical_request(
    method: str,
    uri: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    payload: bytes,
) -> str:
    """The canonical request.

    :param headers: request headers keyed by **lower-case** name; a signed header that is absent
        counts as empty.
    :param signed_headers: lower-case names, in the order of the ``SignedHeaders`` list.
    :param payload: the body exactly as sent (``b""`` for GET, ``b"UNSIGNED-PAYLOAD"`` when unsigned).
    """
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip().lower()}\n" for name in signed_headers)
    return "\n".join(
        [
            method.upper(),
            uri,
            query,
            canonical_headers,
            ";".join(signed_headers),
            hashlib.sha256(payload).hexdigest(),
        ]
    )


def string_to_sign(timestamp: int, service: str, request: str) -> str:
    """The string to sign for ``request`` (a canonical request) at ``timestamp`` for ``service``."""
    digest = hashlib.sha256(request.encode("utf-8")).hexdigest()
    return "\n".join([ALGORITHM, str(timestamp), credential_scope(timestamp, service), digest])


def signing_key(secret_key: str, date: str, service: str) -> bytes:
    """The derived key: ``HMAC(HMAC(HMAC("TC3" + key, date), service), "tc3_request")``."""
    secret_date = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    return _hmac(_hmac(secret_date, service), "tc3_request")


def signature(secret_key: str, timestamp: int, service: str, to_sign: str) -> str:
    """The hex signature of ``to_sign`` (a string to sign) with the key derived for that day and service."""
    key = signing_key(secret_key, date_of(timestamp), service)
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(
    secret_key: str,
    *,
    timestamp: int,
    service: str,
    method: str,
    uri: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: Sequence[str],
    payload: bytes,
) -> str:
    """The hex signature of one request (see :func:`canonical_request` for the arguments)."""
    request = canonical_request(method, uri, query, headers, signed_headers, payload)
    return signature(secret_key, timestamp, service, string_to_sign(timestamp, service, request))


def authorization_header(secret_id: str, timestamp: int, service: str, signed: Sequence[str], sig: str) -> str:
    """The ``Authorization`` header value."""
    return (
        f"{ALGORITHM} Credential={secret_id}/{credential_scope(timestamp, service)}, "
        f"SignedHeaders={';'.join(signed)}, Signature={sig}"
    )


def verify(
    secret_key: str,
    auth: Authorization,
    *,
    timestamp: int,
    method: str,
    uri: str,
    query: str,
    headers: Mapping[str, str],
    payload: bytes,
) -> bool:
    """Whether ``auth`` signs this request under ``secret_key``.

    Checks the scope's date against ``timestamp`` and compares in constant time. ``headers`` are
    keyed by lower-case name; ``X-TC-Content-SHA256: UNSIGNED-PAYLOAD`` is honoured; for ``GET``
    the payload is ignored (the query string is what is signed).
    """
    if method.upper() == "GET":
        payload = b""
    if headers.get("x-tc-content-sha256", "").strip() == UNSIGNED_PAYLOAD:
        payload = UNSIGNED_PAYLOAD.encode()
    if date_of(timestamp) != auth.date:
        return False
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
    return hmac.compare_digest(expected, auth.signature)


def signed_headers(
    secret_id: str,
    secret_key: str,
    *,
    service: str,
    host: str,
    action: str,
    version: str,
    payload: bytes,
    timestamp: int,
    region: str | None = None,
    token: str | None = None,
    content_type: str = "application/json",
    signed: Sequence[str] = REQUIRED_SIGNED_HEADERS,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every header of a signed ``POST /`` request, as the SDK sends them (a client for tests).

    :param signed: which headers to sign, in order (lower-case names); any header of the result
        may be listed, e.g. ``("content-type", "host", "x-tc-action")``.
    :param extra: more headers, added before signing (so they can be signed too).
    """
    headers = {
        "Content-Type": content_type,
        "Host": host,
        "X-TC-Action": action,
        "X-TC-Version": version,
        "X-TC-Timestamp": str(timestamp),
    }
    if region:
        headers["X-TC-Region"] = region
    if token:
        headers["X-TC-Token"] = token
    headers.update(extra or {})
    lower = {name.lower(): value for name, value in headers.items()}
    sig = sign(
        secret_key,
        timestamp=timestamp,
        service=service,
        method="POST",
        uri="/",
        query="",
        headers=lower,
        signed_headers=tuple(signed),
        payload=payload,
    )
    headers["Authorization"] = authorization_header(secret_id, timestamp, service, signed, sig)
    return headers
