"""Keys the emulator accepts, and the check of each request's TC3-HMAC-SHA256 signature.

Error codes are those of the public common error code table (``AuthFailure.*``).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from airflow_provider_tencent.testing import tc3
from airflow_provider_tencent.testing.emulator.core import ApiError

MAX_SKEW = 300
"""Largest accepted difference, in seconds, between X-TC-Timestamp and the emulator's clock."""


@dataclass
class TempKey:
    """Temporary keys: accepted with their token until ``expires`` (emulator clock)."""

    secret_key: str = field(repr=False)
    token: str = field(repr=False)
    expires: float
    arn: str = ""


class KeyStore:
    """Permanent key pairs and the temporary keys STS or the CVM metadata service issued."""

    def __init__(self, permanent: dict[str, str], clock: Callable[[], float]) -> None:
        self.permanent = dict(permanent)
        self.temp: dict[str, TempKey] = {}
        self.clock = clock
        self._lock = threading.Lock()

    def add(self, secret_id: str, secret_key: str, token: str | None, lifetime: float) -> None:
        with self._lock:
            if token is None:
                self.permanent[secret_id] = secret_key
            else:
                self.temp[secret_id] = TempKey(secret_key, token, self.clock() + lifetime, "")

    def issue(self, lifetime: float, arn: str) -> tuple[str, TempKey]:
        secret_id = "AKIDTMP" + secrets.token_hex(14).upper()
        temp = TempKey(secrets.token_urlsafe(24), secrets.token_urlsafe(48), self.clock() + lifetime, arn)
        with self._lock:
            self.temp[secret_id] = temp
        return secret_id, temp

    def forget_temporary(self) -> None:
        with self._lock:
            self.temp = {}

    def lookup(self, secret_id: str) -> tuple[str | None, TempKey | None]:
        with self._lock:
            return self.permanent.get(secret_id), self.temp.get(secret_id)


def authenticate(
    keys: KeyStore, headers: dict[str, str], payload: bytes, method: str, path: str, query: str
) -> tuple[str, str]:
    """Check the signature and the token; ``(service, secret_id)`` when they are good."""
    auth = tc3.parse_authorization(headers.get("authorization", ""))
    if auth is None:
        raise ApiError(
            "AuthFailure.InvalidAuthorization",
            "The Authorization header is malformed: expected 'TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/"
            "tc3_request, SignedHeaders=content-type;host[;...], Signature=<64 hex>'.",
        )
    try:
        timestamp = int(headers.get("x-tc-timestamp", ""))
    except ValueError:
        raise ApiError("AuthFailure.InvalidAuthorization", "X-TC-Timestamp is missing or not an integer.") from None
    skew = keys.clock() - timestamp
    if abs(skew) > MAX_SKEW:
        raise ApiError(
            "AuthFailure.SignatureExpire",
            f"The request timestamp is {abs(skew):.0f} s off the server time; at most {MAX_SKEW} s are allowed.",
        )
    key, temp = keys.lookup(auth.secret_id)
    if key is None and temp is None:
        raise ApiError("AuthFailure.SecretIdNotFound", "The SecretId is not found or disabled.")
    secret = key if key is not None else temp.secret_key  # type: ignore[union-attr]
    ok = tc3.verify(
        secret, auth, timestamp=timestamp, method=method, uri=path, query=query, headers=headers, payload=payload
    )
    if not ok:
        raise ApiError("AuthFailure.SignatureFailure", "The signature does not match the request.")
    token = headers.get("x-tc-token", "")
    if temp is not None:
        if not secrets.compare_digest(token.encode(), temp.token.encode()):
            raise ApiError("AuthFailure.TokenFailure", "The token is missing or does not match the temporary key.")
        if temp.expires < keys.clock():
            raise ApiError("AuthFailure.TokenFailure", "The temporary key has expired.")
    elif token:
        raise ApiError("AuthFailure.TokenFailure", "A token was sent with a permanent key.")
    return auth.service, auth.secret_id
