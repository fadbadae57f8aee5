"""The path of one API request through the emulator, in order: authenticate (:mod:`.auth`), admit under the
action's quota, wait the processing latency, apply an injected fault (:mod:`.faults`), parse the parameters,
check the region and version, dispatch to the service's responses (``<service>/responses.py``), count and
record the outcome, and capture the exchange for the SDK check. What a fault does is looked up in the table
:data:`.faults.FAULTS`.

:class:`RequestPipeline` is mixed into :class:`~.facade.Emulator`, which owns the lock, the clock and the
settings this path reads.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

from airflow_provider_tencent.testing import tc3
from airflow_provider_tencent.testing.emulator import cvm
from airflow_provider_tencent.testing.emulator.auth import KeyStore, authenticate
from airflow_provider_tencent.testing.emulator.context import BackendContext
from airflow_provider_tencent.testing.emulator.core import ApiError, Responses
from airflow_provider_tencent.testing.emulator.faults import AFTER, BEFORE, FAULTS, Fault
from airflow_provider_tencent.testing.emulator.server import Handler

#: Regions where the public API answers (the common parameter Region); others: UnsupportedRegion.
REGIONS = frozenset(
    [
        "ap-bangkok",
        "ap-beijing",
        "ap-chengdu",
        "ap-chongqing",
        "ap-guangzhou",
        "ap-hongkong",
        "ap-jakarta",
        "ap-mumbai",
        "ap-nanjing",
        "ap-seoul",
        "ap-shanghai",
        "ap-shanghai-fsi",
        "ap-shenzhen-fsi",
        "ap-singapore",
        "ap-tokyo",
        "eu-frankfurt",
        "na-ashburn",
        "na-siliconvalley",
        "sa-saopaulo",
    ]
)


@dataclass
class _Exchange:
    """One API request on its way through the pipeline: what it arrived with, and who sent it.

    ``service`` is first the one the signature's scope names (for counting a request that fails
    authentication), then the authenticated one; ``secret_id`` is set by authentication.
    """

    handler: Handler
    method: str
    payload: bytes
    headers: dict[str, str]
    parts: SplitResult
    arrived: float
    action: str
    request_id: str
    service: str
    secret_id: str = ""

    @classmethod
    def arrive(cls, handler: Handler, method: str, payload: bytes) -> _Exchange:
        """The exchange of a request arriving now: its headers (lower-cased names), action, a fresh RequestId."""
        arrived = time.monotonic()
        headers = {k.lower(): v for k, v in handler.headers.items()}
        action = headers.get("x-tc-action", "")
        request_id = str(uuid.uuid4())
        parts = urlsplit(handler.path)
        scope = tc3.parse_authorization(headers.get("authorization", ""))
        service = scope.service if scope else ""
        return cls(handler, method, payload, headers, parts, arrived, action, request_id, service)


@dataclass
class _Reply:
    """:class:`~.faults.Reply` of one exchange: what a fault may do to it, through the pipeline."""

    pipeline: RequestPipeline
    exchange: _Exchange

    @property
    def action(self) -> str:
        return self.exchange.action

    @property
    def headers(self) -> dict[str, str]:
        return self.exchange.headers

    @property
    def request_id(self) -> str:
        return self.exchange.request_id

    def inner_error_code(self) -> str:
        service = self.pipeline.services.get(self.exchange.service)
        return service.inner_error_code if service else "InternalError"

    def error(self, code: str, message: str, admitted: bool) -> None:
        self.pipeline._answer_error(self.exchange, code, message, admitted, self.exchange.secret_id)

    def count(self, outcome: str) -> None:
        self.pipeline._count_fault(self.exchange, outcome)

    def raw(self, status: int, content_type: str, body: bytes) -> None:
        self.exchange.handler.reply_raw(status, content_type, body)

    def drop(self) -> None:
        self.exchange.handler.reset_connection()


class RequestPipeline:
    """Answers signed API requests and CVM metadata reads (see the module docstring for the order)."""

    _lock: threading.RLock
    context: BackendContext
    _generation: int
    _request_generation: threading.local
    _faults: list[Fault]
    _admitted: dict[tuple[str, str], deque[float]]
    _counters: dict[str, dict[str, int]]
    requests: list[dict[str, Any]]
    services: dict[str, Responses]
    """The API services by their name in the credential scope (``tiia``, ``vod``, ``sts``)."""
    keys: KeyStore
    qps_scale: float
    latency: tuple[float, float]
    capture_requests: bool

    def quota(self, service: str, action: str) -> int | None:
        """Requests per second admitted for ``action`` (``None``: not limited)."""
        responses = self.services.get(service)
        qps = responses.quotas.get(action) if responses else None
        if qps is None:
            return None
        return max(1, math.floor(qps * self.qps_scale + 1e-9))

    # -- request handling ------------------------------------------------------------------------
    def _count(
        self,
        service: str,
        action: str,
        outcome: str,
        arrived: float,
        admitted: bool,
        request_id: str,
        secret_id: str = "",
    ) -> None:
        with self._lock:
            if self._stale():
                return  # a request from before the last reset (a slow or hanging one) finishing now
            self._counters[action][outcome] += 1
            self.requests.append(
                {
                    "action": action,
                    "service": service,
                    "time": arrived,
                    "wall": time.time(),
                    "outcome": outcome,
                    "request_id": request_id,
                    "admitted": admitted,
                    "secret_id": secret_id,
                }
            )

    def _stale(self) -> bool:
        """Whether the request this thread handles arrived before the last :meth:`reset`."""
        arrived_in = getattr(self._request_generation, "value", self._generation)
        return bool(arrived_in != self._generation)

    def _admit(self, service: str, action: str, now: float) -> bool:
        limit = self.quota(service, action)
        if limit is None:
            return True
        with self._lock:
            window = self._admitted[(service, action)]
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= limit:
                return False
            window.append(now)
            return True

    def _fault(self, action: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(action, self.context.rng):
                    return fault
        return None

    def _sleep_latency(self) -> None:
        low, high = self.latency
        if high > 0:
            with self._lock:
                pause = self.context.rng.uniform(low, high)
            time.sleep(pause)

    def handle_api(self, handler: Handler, method: str, payload: bytes) -> None:
        """Answer one signed API request (``handler`` has read the body into ``payload``), in the order
        of the module docstring; every outcome is counted and recorded once."""
        self._request_generation.value = self._generation
        exchange = _Exchange.arrive(handler, method, payload)
        try:
            exchange.service, exchange.secret_id = authenticate(
                self.keys, exchange.headers, payload, method, exchange.parts.path or "/", exchange.parts.query
            )
        except ApiError as err:
            self._answer_error(exchange, err.code, err.message, False)
            return
        service, action = exchange.service, exchange.action
        if not self._admit(service, action, exchange.arrived):
            message = f"{action} allows {self.quota(service, action)} requests per second."
            self._answer_error(exchange, "RequestLimitExceeded", message, False)
            return
        # the service's processing time: after the quota has counted the request at its arrival, as a
        # gateway does (a random delay before counting would make no client able to keep the quota)
        self._sleep_latency()
        fault = self._fault(action)
        if self._answered_by_fault(exchange, fault):
            return
        if self._stale():  # reset while this request slept: it must not change the new state
            handler.reset_connection()
            return
        outcome = self._run_action(exchange)
        if outcome is not None:
            self._answer_result(exchange, fault, *outcome)

    def _answer_error(self, exchange: _Exchange, code: str, message: str, admitted: bool, secret_id: str = "") -> None:
        """Count the request with outcome ``code`` and answer the API's error body."""
        self._count(exchange.service, exchange.action, code, exchange.arrived, admitted, exchange.request_id, secret_id)
        exchange.handler.reply_json({"Error": {"Code": code, "Message": message}, "RequestId": exchange.request_id})

    def _count_fault(self, exchange: _Exchange, outcome: str) -> None:
        """Count an admitted, authenticated request under ``outcome`` (``fault:<kind>`` or ``ok``)."""
        self._count(
            exchange.service, exchange.action, outcome, exchange.arrived, True, exchange.request_id, exchange.secret_id
        )

    def _answered_by_fault(self, exchange: _Exchange, fault: Fault | None) -> bool:
        """Apply a fault that acts before the service runs (its row of :data:`.faults.FAULTS`); ``True`` when
        it answered (or dropped) the request."""
        kind = FAULTS[fault.kind] if fault else None
        if fault is None or kind is None or kind.stage != BEFORE:
            return False
        return kind.apply(fault, _Reply(self, exchange))

    def _run_action(self, exchange: _Exchange) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """Parse the parameters, check the region and dispatch to the service's responses.

        :return: ``(parameters, result)``, or ``None`` when an error was answered (an :class:`ApiError`
            of the checks or the service, captured; any other exception, a bug of the emulator,
            answered ``InternalError`` as the service would).
        """
        headers, secret_id = exchange.headers, exchange.secret_id
        body: dict[str, Any] = {}
        try:
            body = self._params(exchange.method, headers, exchange.payload, exchange.parts.query)
            region = headers.get("x-tc-region")
            if region and region not in REGIONS:
                raise ApiError("UnsupportedRegion", f"The region {region!r} is not supported.")
            result = self._dispatch(
                exchange.service, exchange.action, headers.get("x-tc-version", ""), body, exchange.request_id, secret_id
            )
        except ApiError as err:
            self._capture(exchange.service, exchange.action, body, {})
            self._answer_error(exchange, err.code, err.message, True, secret_id)
            return None
        except Exception as exc:  # a bug of the emulator: answer as the service would
            self._answer_error(exchange, "InternalError", f"Internal error ({type(exc).__name__}).", True, secret_id)
            return None
        return body, result

    def _answer_result(
        self, exchange: _Exchange, fault: Fault | None, body: dict[str, Any], result: dict[str, Any]
    ) -> None:
        """Answer the service's ``result``, unless a fault acting after the service drops the answer
        (``missing_result``) or hangs before sending it (``commit_then_hang``); count and capture it."""
        kind = FAULTS[fault.kind] if fault else None
        if fault is not None and kind is not None and kind.stage == AFTER:
            if kind.apply(fault, _Reply(self, exchange)):
                return
        else:
            self._count_fault(exchange, "ok")
        response = {**result, "RequestId": exchange.request_id}
        self._capture(exchange.service, exchange.action, body, response)
        exchange.handler.reply_json(response)

    @staticmethod
    def _params(method: str, headers: dict[str, str], payload: bytes, query: str) -> dict[str, Any]:
        if method == "GET":  # flat parameters only (Name=value&...)
            return dict(parse_qsl(query, keep_blank_values=True))
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise ApiError("InvalidRequest", f"Content-Type {content_type!r} is not supported: use application/json.")
        try:
            body = json.loads(payload or b"{}")
        except ValueError:
            raise ApiError("InvalidRequest", "The body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise ApiError("InvalidRequest", "The body must be a JSON object.")
        return body

    def _dispatch(
        self, service: str, action: str, version: str, body: dict[str, Any], request_id: str, secret_id: str
    ) -> dict[str, Any]:
        if not action:
            raise ApiError("MissingParameter", "The X-TC-Action header is missing.")
        responses = self.services.get(service)
        handler = responses.handler(action) if responses else None
        if responses is None or handler is None:
            raise ApiError("InvalidAction", f"The action {action!r} does not exist for service {service!r}.")
        if version != responses.version:
            raise ApiError("NoSuchVersion", f"{action} is version {responses.version}, not {version!r}.")
        result: dict[str, Any] = handler(body, request_id, secret_id)
        return result

    # -- oracle capture ------------------------------------------------------------------------
    capture: list[dict[str, Any]] | None = None
    """When a list (class-wide; the pytest plugin sets it for the whole session), every request that
    reached a service and its successful answer are appended: ``{service, version, action, params,
    response}`` - for checking against the official SDK's models (``tests/emulator/test_sdk_oracle.py``)."""

    def _capture(self, service: str, action: str, params: dict[str, Any], response: dict[str, Any]) -> None:
        sink = type(self).capture
        if sink is None:
            return
        responses = self.services.get(service)
        sink.append(
            {
                "service": service,
                "version": responses.version if responses else "",
                "action": action,
                # as received and as answered (neither is changed afterwards): no copy, to keep timing unchanged
                "params": params if self.capture_requests else None,
                "response": response,
            }
        )

    def cvm_metadata(self, path: str) -> tuple[int, bytes]:
        """``(status, body)`` of a CVM metadata GET (role name, then that role's temporary keys)."""
        self._request_generation.value = self._generation
        arrived, request_id = time.monotonic(), str(uuid.uuid4())
        outcome, status, body = cvm.answer(self.keys, self.context.settings.sts_lifetime_override, path)
        self._count("metadata", cvm.METADATA_ACTION, outcome, arrived, True, request_id)
        return status, body
