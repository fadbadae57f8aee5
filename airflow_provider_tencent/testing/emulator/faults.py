"""Fault injection: what :meth:`Emulator.inject` stores and how a request picks its fault.

To add a kind: name it in :data:`FAULT_KINDS`, then handle it where the facade applies faults
(``Emulator._apply_fault``); anything a fault needs travels in :class:`Fault`'s fields.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

GATEWAY_FAULTS = ("error_charset", "missing_result", "echo_secrets", "token_failure")
"""Misbehaving-gateway faults (see :func:`gateway_answer`)."""
FAULT_KINDS = ("throttle", "inner_error", "http_5xx", "reset", "latency", "commit_then_hang", "error", *GATEWAY_FAULTS)
"""``error`` answers the error ``code`` (with ``message``) instead of processing the request."""


@dataclass
class Fault:
    """One injected fault (see :meth:`Emulator.inject`)."""

    kind: str
    action: str | None = None
    times: int | None = None
    probability: float | None = None
    delay: float = 0.0
    hits: int = 0
    code: str = ""
    message: str = ""

    def matches(self, action: str, rng: random.Random) -> bool:
        """Whether this request gets the fault (consumes one of ``times``)."""
        if self.action not in (None, action) or self.exhausted:
            return False
        if self.probability is not None and rng.random() >= self.probability:
            return False
        if self.times is not None:
            self.times -= 1
        self.hits += 1
        return True

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.times <= 0


def gateway_answer(kind: str, headers: dict[str, str], request_id: str) -> tuple[str, bytes]:
    """``(content type, body)`` of a misbehaving gateway's or service's answer (HTTP 200).

    * ``error_charset``: an error body with ``Content-Type: application/json; charset=utf-8`` - the
      SDK only looks for ``Response.Error`` under an exact ``application/json``;
    * ``missing_result``: the request was processed (and stored), but the answer carries only
      the ``RequestId`` - none of the fields the action promises;
    * ``echo_secrets``: an error whose message echoes the request's session token and Authorization
      header (gateways do that), to prove that server text is redacted before it is shown or stored;
    * ``token_failure``: ``AuthFailure.TokenFailure``, as when temporary keys are revoked or expire early.
    """
    content_type = "application/json"
    response: dict[str, Any]
    if kind == "error_charset":
        content_type = "application/json; charset=utf-8"
        response = {"Error": {"Code": "InternalError", "Message": "gateway error (injected)"}}
    elif kind == "missing_result":
        response = {}
    elif kind == "echo_secrets":
        token = headers.get("x-tc-token", "")
        message = f"bad gateway: X-TC-Token: {token} Authorization: {headers.get('authorization', '')} token={token}"
        response = {"Error": {"Code": "InternalError", "Message": message}}
    elif kind == "token_failure":
        response = {
            "Error": {"Code": "AuthFailure.TokenFailure", "Message": "The token is invalid or expired (injected)."}
        }
    else:
        raise ValueError(f"not a gateway fault: {kind!r}")
    return content_type, json.dumps({"Response": {**response, "RequestId": request_id}}).encode()
