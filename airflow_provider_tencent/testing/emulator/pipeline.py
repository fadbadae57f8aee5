"""The path of one API request through the emulator, in order: authenticate (:mod:`.auth`), admit under the
action's quota, wait the processing latency, apply an injected fault (:mod:`.faults`), parse the parameters,
check the region and version, dispatch to the service's backend (:mod:`.backends`), count and record the
outcome, and capture the exchange for the SDK check.

:class:`RequestPipeline` is mixed into :class:`~.facade.Emulator`, which owns the lock, the clock and the
settings this path reads.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
import uuid
from collections import deque
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from airflow_provider_tencent.testing import tc3
from airflow_provider_tencent.testing.emulator.auth import KeyStore, authenticate
from airflow_provider_tencent.testing.emulator.backends import cvm
from airflow_provider_tencent.testing.emulator.backends.cvm import METADATA_ACTION
from airflow_provider_tencent.testing.emulator.base import ApiError, Backend
from airflow_provider_tencent.testing.emulator.faults import Fault, gateway_answer
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


class RequestPipeline:
    """Answers signed API requests and CVM metadata reads (see the module docstring for the order)."""

    _lock: threading.RLock
    _rng: random.Random
    _generation: int
    _request_generation: threading.local
    _faults: list[Fault]
    _admitted: dict[tuple[str, str], deque[float]]
    _counters: dict[str, dict[str, int]]
    requests: list[dict[str, Any]]
    backends: dict[str, Backend]
    keys: KeyStore
    qps_scale: float
    latency: tuple[float, float]
    capture_requests: bool

    def quota(self, service: str, action: str) -> int | None:
        """Requests per second admitted for ``action`` (``None``: not limited)."""
        backend = self.backends.get(service)
        qps = backend.quotas.get(action) if backend else None
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
                if fault.matches(action, self._rng):
                    return fault
        return None

    def _sleep_latency(self) -> None:
        low, high = self.latency
        if high > 0:
            with self._lock:
                pause = self._rng.uniform(low, high)
            time.sleep(pause)

    def handle_api(self, handler: Handler, method: str, payload: bytes) -> None:
        """Answer one signed API request (``handler`` has read the body into ``payload``)."""
        self._request_generation.value = self._generation
        arrived = time.monotonic()
        headers = {k.lower(): v for k, v in handler.headers.items()}
        action = headers.get("x-tc-action", "")
        request_id = str(uuid.uuid4())
        parts = urlsplit(handler.path)
        scope = tc3.parse_authorization(headers.get("authorization", ""))
        service = scope.service if scope else ""

        def answer_error(code: str, message: str, admitted: bool, secret_id: str = "") -> None:
            self._count(service, action, code, arrived, admitted, request_id, secret_id)
            handler.reply_json({"Error": {"Code": code, "Message": message}, "RequestId": request_id})

        try:
            service, secret_id = authenticate(self.keys, headers, payload, method, parts.path or "/", parts.query)
        except ApiError as err:
            answer_error(err.code, err.message, False)
            return
        if not self._admit(service, action, arrived):
            answer_error(
                "RequestLimitExceeded", f"{action} allows {self.quota(service, action)} requests per second.", False
            )
            return
        # the service's processing time: after the quota has counted the request at its arrival, as a
        # gateway does (a random delay before counting would make no client able to keep the quota)
        self._sleep_latency()
        fault = self._fault(action)
        kind = fault.kind if fault else None
        if kind == "throttle":
            answer_error("RequestLimitExceeded", f"{action}: too many requests (injected).", False, secret_id)
            return
        if kind == "reset":
            self._count(service, action, "fault:reset", arrived, True, request_id, secret_id)
            handler.reset_connection()
            return
        if kind == "http_5xx":
            self._count(service, action, "fault:http_5xx", arrived, True, request_id, secret_id)
            handler.reply_raw(502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>")
            return
        if kind == "inner_error":
            code = "FailedOperation.InnerError" if service == "tiia" else "InternalError"
            answer_error(code, "Internal error (injected), please retry.", True, secret_id)
            return
        if kind == "error" and fault is not None:
            answer_error(fault.code, fault.message or f"{fault.code} (injected).", True, secret_id)
            return
        if kind in ("error_charset", "echo_secrets", "token_failure"):
            self._count(service, action, f"fault:{kind}", arrived, True, request_id, secret_id)
            handler.reply_raw(200, *gateway_answer(kind, headers, request_id))
            return
        if kind == "latency" and fault is not None:
            time.sleep(fault.delay)
        if self._stale():  # reset while this request slept: it must not change the new state
            handler.reset_connection()
            return
        body: dict[str, Any] = {}
        try:
            body = self._params(method, headers, payload, parts.query)
            region = headers.get("x-tc-region")
            if region and region not in REGIONS:
                raise ApiError("UnsupportedRegion", f"The region {region!r} is not supported.")
            result = self._dispatch(service, action, headers.get("x-tc-version", ""), body, request_id, secret_id)
        except ApiError as err:
            self._capture(service, action, body, {})
            answer_error(err.code, err.message, True, secret_id)
            return
        except Exception as exc:  # a bug of the emulator: answer as the service would
            answer_error("InternalError", f"Internal error ({type(exc).__name__}).", True, secret_id)
            return
        if kind == "commit_then_hang" and fault is not None:
            self._count(service, action, "fault:commit_then_hang", arrived, True, request_id, secret_id)
            time.sleep(fault.delay)
        elif kind == "missing_result":
            self._count(service, action, "fault:missing_result", arrived, True, request_id, secret_id)
            handler.reply_raw(200, *gateway_answer(kind, headers, request_id))
            return
        else:
            self._count(service, action, "ok", arrived, True, request_id, secret_id)
        response = {**result, "RequestId": request_id}
        self._capture(service, action, body, response)
        handler.reply_json(response)

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
        backend = self.backends.get(service)
        handler = backend.handler(action) if backend else None
        if backend is None or handler is None:
            raise ApiError("InvalidAction", f"The action {action!r} does not exist for service {service!r}.")
        if version != backend.version:
            raise ApiError("NoSuchVersion", f"{action} is version {backend.version}, not {version!r}.")
        result: dict[str, Any] = handler(body, request_id, secret_id)
        return result

    # -- oracle capture ------------------------------------------------------------------------
    capture: list[dict[str, Any]] | None = None
    """When a list (class-wide; the pytest plugin sets it for the whole session), every request that
    reached a backend and its successful answer are appended: ``{service, version, action, params,
    response}`` - for checking against the official SDK's models (``tests/emulator/test_sdk_oracle.py``)."""

    def _capture(self, service: str, action: str, params: dict[str, Any], response: dict[str, Any]) -> None:
        sink = type(self).capture
        if sink is None:
            return
        backend = self.backends.get(service)
        sink.append(
            {
                "service": service,
                "version": backend.version if backend else "",
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
        outcome, status, body = cvm.answer(self, path)
        self._count("metadata", METADATA_ACTION, outcome, arrived, True, request_id)
        return status, body
