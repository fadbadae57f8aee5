"""Fault injection: what :meth:`Emulator.inject` stores, and :data:`FAULTS`, the table of what each kind does.

To add a kind: write its behaviour (a function of the fault and the request's :class:`Reply`) and add one row
to :data:`FAULTS`; anything a fault needs travels in :class:`Fault`'s fields. A row's ``stage`` says when the
pipeline applies it: ``before`` the backend runs (the fault may answer instead of it) or ``after`` (on the
stored result's answer).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

BEFORE: Literal["before"] = "before"
AFTER: Literal["after"] = "after"


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


class Reply(Protocol):
    """What a fault may do to the request it hit (the pipeline's side of one exchange)."""

    @property
    def action(self) -> str:
        """The request's action."""

    @property
    def headers(self) -> dict[str, str]:
        """The request's headers (lower-case names)."""

    @property
    def request_id(self) -> str:
        """The RequestId of the answer."""

    def inner_error_code(self) -> str:
        """The service's code for an internal error."""

    def error(self, code: str, message: str, admitted: bool) -> None:
        """Count the request under ``code`` and answer the API's error body."""

    def count(self, outcome: str) -> None:
        """Count the (admitted) request under ``outcome``."""

    def raw(self, status: int, content_type: str, body: bytes) -> None:
        """Answer these bytes as they are."""

    def drop(self) -> None:
        """Abort the connection with RST, answering nothing."""


@dataclass(frozen=True)
class FaultKind:
    """One row of :data:`FAULTS`: when the kind acts, and what it does (``True``: the request is answered
    or dropped, the pipeline stops; ``False``: the pipeline goes on)."""

    stage: Literal["before", "after"]
    apply: Callable[[Fault, Reply], bool]


def _throttle(fault: Fault, reply: Reply) -> bool:
    reply.error("RequestLimitExceeded", f"{reply.action}: too many requests (injected).", False)
    return True


def _inner_error(fault: Fault, reply: Reply) -> bool:
    reply.error(reply.inner_error_code(), "Internal error (injected), please retry.", True)
    return True


def _http_5xx(fault: Fault, reply: Reply) -> bool:
    reply.count("fault:http_5xx")
    reply.raw(502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>")
    return True


def _reset(fault: Fault, reply: Reply) -> bool:
    reply.count("fault:reset")
    reply.drop()
    return True


def _latency(fault: Fault, reply: Reply) -> bool:
    time.sleep(fault.delay)
    return False


def _error(fault: Fault, reply: Reply) -> bool:
    reply.error(fault.code, fault.message or f"{fault.code} (injected).", True)
    return True


def _gateway(fault: Fault, reply: Reply) -> bool:
    reply.count(f"fault:{fault.kind}")
    reply.raw(200, *gateway_answer(fault.kind, reply.headers, reply.request_id))
    return True


def _commit_then_hang(fault: Fault, reply: Reply) -> bool:
    reply.count("fault:commit_then_hang")
    time.sleep(fault.delay)
    return False  # then the stored result is answered


FAULTS: dict[str, FaultKind] = {
    "throttle": FaultKind(BEFORE, _throttle),
    "inner_error": FaultKind(BEFORE, _inner_error),
    "http_5xx": FaultKind(BEFORE, _http_5xx),
    "reset": FaultKind(BEFORE, _reset),
    "latency": FaultKind(BEFORE, _latency),
    "commit_then_hang": FaultKind(AFTER, _commit_then_hang),
    "error": FaultKind(BEFORE, _error),
    "error_charset": FaultKind(BEFORE, _gateway),
    "missing_result": FaultKind(AFTER, _gateway),
    "echo_secrets": FaultKind(BEFORE, _gateway),
    "token_failure": FaultKind(BEFORE, _gateway),
}
"""Every fault kind: ``throttle`` (``RequestLimitExceeded``), ``inner_error`` (the service's internal error),
``http_5xx`` (HTTP 502, HTML), ``reset`` (RST, nothing processed), ``latency`` (sleep, then process),
``commit_then_hang`` (process and store, sleep, then answer), ``error`` (answer the error ``code`` instead of
processing), and the misbehaving gateway's answers of :data:`GATEWAY_ANSWERS`."""
FAULT_KINDS = tuple(FAULTS)


def _echo_secrets(headers: dict[str, str]) -> tuple[str, dict[str, Any]]:
    token = headers.get("x-tc-token", "")
    message = f"bad gateway: X-TC-Token: {token} Authorization: {headers.get('authorization', '')} token={token}"
    return "application/json", {"Error": {"Code": "InternalError", "Message": message}}


GATEWAY_ANSWERS: dict[str, Callable[[dict[str, str]], tuple[str, dict[str, Any]]]] = {
    "error_charset": lambda headers: (
        "application/json; charset=utf-8",
        {"Error": {"Code": "InternalError", "Message": "gateway error (injected)"}},
    ),
    "missing_result": lambda headers: ("application/json", {}),
    "echo_secrets": _echo_secrets,
    "token_failure": lambda headers: (
        "application/json",
        {"Error": {"Code": "AuthFailure.TokenFailure", "Message": "The token is invalid or expired (injected)."}},
    ),
}
"""``kind -> headers -> (content type, response)`` of a misbehaving gateway's or service's answer (HTTP 200):

* ``error_charset``: an error body with ``Content-Type: application/json; charset=utf-8`` - the
  SDK only looks for ``Response.Error`` under an exact ``application/json``;
* ``missing_result``: the request was processed (and stored), but the answer carries only
  the ``RequestId`` - none of the fields the action promises;
* ``echo_secrets``: an error whose message echoes the request's session token and Authorization
  header (gateways do that), to prove that server text is redacted before it is shown or stored;
* ``token_failure``: ``AuthFailure.TokenFailure``, as when temporary keys are revoked or expire early.
"""


def gateway_answer(kind: str, headers: dict[str, str], request_id: str) -> tuple[str, bytes]:
    """``(content type, body)`` of the gateway answer ``kind`` (see :data:`GATEWAY_ANSWERS`)."""
    if kind not in GATEWAY_ANSWERS:
        raise ValueError(f"not a gateway fault: {kind!r}")
    content_type, response = GATEWAY_ANSWERS[kind](headers)
    return content_type, json.dumps({"Response": {**response, "RequestId": request_id}}).encode()
