"""A local Tencent Cloud API 3.0 server: TIIA and VOD as the seed documents define them, plus STS.

For the provider's tests, the demo, and users testing their DAGs offline. It listens on loopback
and speaks the protocol of the official SDK (``POST /`` with a JSON body, ``X-TC-*`` headers, a
TC3-HMAC-SHA256 ``Authorization``; answers are HTTP 200 ``application/json`` envelopes
``{"Response": {..., "RequestId"}}``). One base URL serves every service: the service is the one
named in the request's credential scope. It

* verifies every request's signature: ``AuthFailure.InvalidAuthorization`` (malformed header),
  ``SecretIdNotFound``, ``SignatureFailure``, ``SignatureExpire`` (more than 300 s of clock skew),
  ``TokenFailure`` (temporary keys without their token, or expired);
* serves STS ``AssumeRole``/``GetCallerIdentity`` and the CVM role metadata paths
  (``GET /latest/meta-data/cam/security-credentials/[<role>]``), issuing temporary keys it accepts;
* serves TIIA ``CreateGroup``, ``DescribeGroups``, ``CreateImage``, ``DescribeImages``,
  ``DeleteImages`` and VOD ``CreateAigcCustomElement``, enforcing every limit and error code of
  ``CreateImage`` and ``CreateAigcCustomElement`` that a server can check, from the same contract
  objects the operators validate with (:mod:`airflow_provider_tencent.contracts`); it downloads
  image URLs itself;
* enforces each action's documented QPS (times ``qps_scale``) over a sliding one-second window;
* injects faults on demand (:meth:`Emulator.inject`): throttling, internal errors, HTTP 502,
  connection reset, latency, and "commit then hang" (stores the result, answers after the client's
  read timeout);
* records every request, its outcome and what was created, so tests can assert that nothing was
  lost or duplicated.

Run alone::

    python -m airflow_provider_tencent.testing.emulator --port 9000 --group g1

Other processes control it over unsigned HTTP (loopback clients only): ``GET /_emulator/state``,
``POST /_emulator/faults`` (the arguments of :meth:`Emulator.inject`, or ``{"clear": true}``),
``POST /_emulator/reset``, ``POST /_emulator/groups`` (``{"GroupId", "GroupName", "Capacity", "GroupType"}``).

It never logs a key or a token, and records image URLs without their query string (presigned
signatures never reach its state).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import hashlib
import http.client
import io
import ipaddress
import json
import math
import random
import re
import secrets
import signal
import socket
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from airflow_provider_tencent.contracts import ApiContract, ImageRules, lookup
from airflow_provider_tencent.contracts import sts as sts_contract
from airflow_provider_tencent.contracts import tiia as tiia_contract
from airflow_provider_tencent.contracts import vod as vod_contract
from airflow_provider_tencent.contracts.common import REGIONS
from airflow_provider_tencent.testing import TEST_SECRET_ID, TEST_SECRET_KEY, tc3
from airflow_provider_tencent.utils import images
from airflow_provider_tencent.utils.redact import redact_url as redact

__all__ = ["CVM_ROLE", "FAULT_KINDS", "MAX_SKEW", "ApiError", "Emulator", "main", "redact"]

CVM_ROLE = "emulator-cvm-role"
"""The role name the CVM metadata service reports."""
ACCOUNT_ID = "100000000001"
MAX_SKEW = 300
GATEWAY_FAULTS = ("error_charset", "missing_result", "echo_secrets", "token_failure")
"""Misbehaving-gateway faults (see :func:`gateway_fault`)."""
"""Largest accepted difference, in seconds, between X-TC-Timestamp and the emulator's clock."""
FAULT_KINDS = ("throttle", "inner_error", "http_5xx", "reset", "latency", "commit_then_hang", *GATEWAY_FAULTS)
CONTROL_PREFIX = "/_emulator/"
METADATA_PREFIX = "/latest/meta-data/"
METADATA_ACTION = "CvmMetadata"
"""The name CVM metadata credential requests are counted under."""
CAPACITY_UNIT = 10_000
"""``CreateGroup.MaxCapacity`` counts pictures in units of 10,000."""
MAX_DURATION = 43_200
"""Longest ``AssumeRole.DurationSeconds``."""

_ROLE_ARN = re.compile(r"^qcs::cam::uin/(?P<uin>\d+):role(?:Name)?/(?P<role>[\w+=,.@-]+)$")
_JSON_TYPES: dict[str, tuple[type, ...]] = {"String": (str,), "Integer": (int,), "Boolean": (bool,), "Rect": (dict,)}


class ApiError(Exception):
    """An error answer: ``{"Error": {"Code": code, "Message": message}}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass
class Fault:
    """One injected fault (see :meth:`Emulator.inject`)."""

    kind: str
    action: str | None = None
    times: int | None = None
    probability: float | None = None
    delay: float = 0.0
    hits: int = 0

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


@dataclass
class TempKey:
    """Temporary keys: accepted with their token until ``expires`` (emulator clock)."""

    secret_key: str = field(repr=False)
    token: str = field(repr=False)
    expires: float
    arn: str = ""


@dataclass
class Group:
    name: str
    capacity: int
    """Most pictures the gallery holds."""
    pictures: dict[str, dict[str, Any]] = field(default_factory=dict)
    """By PicName (unique in the gallery)."""
    created: float = field(default_factory=time.time)
    group_type: int = 4
    """``GroupType``: 4 general image search; 5, 7, 8 product image search (subject detection)."""


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # never print a traceback (it could show request data); one line is enough
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            print(f"tencent emulator: request failed: {type(exc).__name__}", file=sys.stderr)


class Emulator:
    """The server. ``start()`` it (or use it as a context manager) and point ``endpoint_url`` at :attr:`url`.

    :param credentials: permanent keys ``{SecretId: SecretKey}``; default: ``TEST_SECRET_ID`` /
        ``TEST_SECRET_KEY`` from :mod:`airflow_provider_tencent.testing`.
    :param qps_scale: every action's quota is its contract's QPS times this (at least 1 per second).
    :param latency: ``(low, high)`` seconds, a uniform random processing delay added to every API request
        that passed authentication and the rate limit (the quota counts a request when it arrives).
    :param seed: seeds the RNG used for fault probabilities, latency and ElementIds.
    :param clock: the wall clock for signatures, timestamps and key expiry (tests may freeze it);
        rate windows always use the real monotonic clock.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: dict[str, str] | None = None,
        qps_scale: float = 1.0,
        latency: tuple[float, float] = (0.0, 0.0),
        seed: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.host = host
        self.port = port
        self.qps_scale = qps_scale
        self.latency = latency
        self.clock = clock
        self.download_timeout = 5.0
        """Seconds allowed to download each image URL."""
        self.sts_lifetime_override: float | None = None
        """When set, AssumeRole and CVM metadata keys live this many seconds (whatever was asked)."""
        self._defaults = (qps_scale, latency, clock, self.download_timeout)
        self._credentials = dict(credentials or {TEST_SECRET_ID: TEST_SECRET_KEY})
        self._seed = seed
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._generation = 0
        """Bumped by :meth:`reset`: a request that arrived before a reset leaves no trace after it."""
        self._request_generation = threading.local()
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> Emulator:
        """Listen (on a free port when ``port`` is 0) and serve in a daemon thread."""
        if self._server is not None:
            return self
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = _Server((self.host, self.port), handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="tencent-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening; requests still being handled finish in their daemon threads."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://HOST:PORT``: the ``endpoint_url`` for every service."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # -- state and control ---------------------------------------------------------------------
    def reset(self, settings: bool = False) -> None:
        """Forget galleries, pictures, elements, counters, the request log, faults and temporary keys.

        Permanent credentials stay. With ``settings``, ``qps_scale``, ``latency``, ``clock`` and
        ``download_timeout`` also return to their values at construction.
        """
        with self._lock:
            self._generation += 1
            if settings:
                self.qps_scale, self.latency, self.clock, self.download_timeout = self._defaults
            self._rng = random.Random(self._seed)
            self._groups: dict[str, Group] = {}
            self._elements: list[dict[str, Any]] = []
            self._temp: dict[str, TempKey] = {}
            self._faults: list[Fault] = []
            self._admitted: dict[tuple[str, str], deque[float]] = defaultdict(deque)
            self._counters: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            self.requests: list[dict[str, Any]] = []
            """Every API request: action, service, time (monotonic), wall, outcome, request_id,
            admitted (passed the rate limit), secret_id (never a key or token)."""
            self.sts_lifetime_override = None

    def add_credential(self, secret_id: str, secret_key: str, token: str | None = None, lifetime: float = 3600) -> None:
        """Accept a permanent key pair, or (with ``token``) temporary keys valid ``lifetime`` seconds."""
        with self._lock:
            if token is None:
                self._credentials[secret_id] = secret_key
            else:
                self._temp[secret_id] = TempKey(secret_key, token, self.clock() + lifetime, "")

    def inject(
        self,
        kind: str,
        action: str | None = None,
        times: int | None = None,
        probability: float | None = None,
        delay: float = 0.0,
    ) -> None:
        """Inject a fault into matching requests (those of ``action``, or every action).

        :param kind: ``throttle`` (``RequestLimitExceeded``), ``inner_error``
            (``FailedOperation.InnerError`` for tiia, ``InternalError`` otherwise), ``http_5xx``
            (HTTP 502 with an HTML body), ``reset`` (the request is read, then the TCP connection
            is aborted with RST, nothing processed), ``latency`` (sleep ``delay``, then process
            normally), ``commit_then_hang`` (process and store, then sleep ``delay`` before
            answering).
        :param times: only the next ``times`` matching requests (with ``probability``: at most
            that many).
        :param probability: each matching request gets the fault with this probability (seeded
            RNG). Neither ``times`` nor ``probability``: every matching request, until
            :meth:`clear_faults`.

        Faults apply to requests that passed authentication and the rate limit; the first
        matching fault wins.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, got {kind!r}")
        if times is not None and int(times) < 1:
            raise ValueError(f"times must be >= 1, got {times!r}")
        if probability is not None and not 0.0 <= float(probability) <= 1.0:
            raise ValueError(f"probability must be between 0 and 1, got {probability!r}")
        if float(delay) < 0:
            raise ValueError(f"delay must be >= 0, got {delay!r}")
        with self._lock:
            self._faults.append(
                Fault(
                    kind,
                    action,
                    None if times is None else int(times),
                    None if probability is None else float(probability),
                    float(delay),
                )
            )

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        with self._lock:
            self._faults = []

    def create_group(self, group_id: str, name: str = "", capacity: int = 100_000, group_type: int = 4) -> None:
        """Create a gallery without a request; ``capacity`` counts pictures (any size, even 1).

        ``group_type`` 5, 7 or 8 makes it a product image search gallery, where subject detection
        (``EnableDetect``, on by default) limits pictures to 2000x2000 and an aspect ratio under 10.
        """
        with self._lock:
            self._groups.setdefault(group_id, Group(name or group_id, int(capacity), group_type=int(group_type)))

    def set_capacity(self, group_id: str, pictures: int) -> None:
        """Change how many pictures gallery ``group_id`` holds at most."""
        with self._lock:
            self._groups[group_id].capacity = int(pictures)

    def counters(self) -> dict[str, dict[str, int]]:
        """``{action: {outcome: count}}``; outcomes are ``ok``, an error code, or ``fault:<kind>``."""
        with self._lock:
            return {action: dict(outcomes) for action, outcomes in self._counters.items()}

    def images(self, group_id: str | None = None) -> list[dict[str, Any]]:
        """Stored pictures, oldest first: GroupId, EntityId, PicName, CustomContent, Tags, sha256,
        width, height, RequestId, created."""
        with self._lock:
            out: list[dict[str, Any]] = []
            for gid, group in self._groups.items():
                if group_id in (None, gid):
                    out.extend(dict(p) for p in group.pictures.values())
        return sorted(out, key=lambda p: p["created"])

    def groups(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    "GroupId": gid,
                    "GroupName": g.name,
                    "Capacity": g.capacity,
                    "PicCount": len(g.pictures),
                    "GroupType": g.group_type,
                }
                for gid, g in self._groups.items()
            ]

    def elements(self) -> list[dict[str, Any]]:
        """Created AIGC subjects: ElementId, ElementName, ElementDescription, ElementFrontalImage and
        ElementReferList (URLs without query string), RequestId, created."""
        with self._lock:
            return [{**e, "ElementReferList": list(e["ElementReferList"])} for e in self._elements]

    def max_in_any_second(self, action: str, include_rejected: bool = False) -> int:
        """The most requests of ``action`` that arrived within any one-second sliding window.

        By default only requests admitted by the rate limit count (neither an authentication
        failure nor ``RequestLimitExceeded``); ``include_rejected`` counts every arrival.
        """
        with self._lock:
            times = sorted(
                r["time"] for r in self.requests if r["action"] == action and (include_rejected or r["admitted"])
            )
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def state(self) -> dict[str, Any]:
        """Everything a test in another process may assert on (no key, no token)."""
        with self._lock:
            faults = [
                {k: getattr(f, k) for k in ("kind", "action", "times", "probability", "delay", "hits")}
                for f in self._faults
            ]
            log = [dict(r) for r in self.requests]
        return {
            "url": self.url,
            "counters": self.counters(),
            "groups": self.groups(),
            "images": self.images(),
            "elements": self.elements(),
            "faults": faults,
            "requests": log,
        }

    def quota(self, service: str, action: str) -> int | None:
        """Requests per second admitted for ``action`` (``None``: not limited)."""
        contract = lookup(service, action)
        if contract is None or contract.qps is None:
            return None
        return max(1, math.floor(contract.qps * self.qps_scale + 1e-9))

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

    def _authenticate(
        self, headers: dict[str, str], payload: bytes, method: str, path: str, query: str
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
        skew = self.clock() - timestamp
        if abs(skew) > MAX_SKEW:
            raise ApiError(
                "AuthFailure.SignatureExpire",
                f"The request timestamp is {abs(skew):.0f} s off the server time; at most {MAX_SKEW} s are allowed.",
            )
        with self._lock:
            key = self._credentials.get(auth.secret_id)
            temp = self._temp.get(auth.secret_id)
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
            if temp.expires < self.clock():
                raise ApiError("AuthFailure.TokenFailure", "The temporary key has expired.")
        elif token:
            raise ApiError("AuthFailure.TokenFailure", "A token was sent with a permanent key.")
        return auth.service, auth.secret_id

    def _sleep_latency(self) -> None:
        low, high = self.latency
        if high > 0:
            with self._lock:
                pause = self._rng.uniform(low, high)
            time.sleep(pause)

    def handle_api(self, handler: _Handler, method: str, payload: bytes) -> None:
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
            service, secret_id = self._authenticate(headers, payload, method, parts.path or "/", parts.query)
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
            code = "FailedOperation.InnerError" if service == tiia_contract.SERVICE else "InternalError"
            answer_error(code, "Internal error (injected), please retry.", True, secret_id)
            return
        if kind in ("error_charset", "echo_secrets", "token_failure"):
            self._count(service, action, f"fault:{kind}", arrived, True, request_id, secret_id)
            gateway_fault(handler, kind, headers, request_id, {})
            return
        if kind == "latency" and fault is not None:
            time.sleep(fault.delay)
        if self._stale():  # reset while this request slept: it must not change the new state
            handler.reset_connection()
            return
        try:
            body = self._params(method, headers, payload, parts.query)
            region = headers.get("x-tc-region")
            if region and region not in REGIONS:
                raise ApiError("UnsupportedRegion", f"The region {region!r} is not supported.")
            result = self._dispatch(service, action, headers.get("x-tc-version", ""), body, request_id, secret_id)
        except ApiError as err:
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
            gateway_fault(handler, kind, headers, request_id, result)
            return
        else:
            self._count(service, action, "ok", arrived, True, request_id, secret_id)
        handler.reply_json({**result, "RequestId": request_id})

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
        handler = getattr(self, f"_{service}_{action}", None)
        if handler is None:
            raise ApiError("InvalidAction", f"The action {action!r} does not exist for service {service!r}.")
        contract = lookup(service, action)
        if contract is not None and version != contract.version:
            raise ApiError("NoSuchVersion", f"{action} is version {contract.version}, not {version!r}.")
        result: dict[str, Any] = handler(body, request_id, secret_id)
        return result

    # -- shared checks -------------------------------------------------------------------------
    @staticmethod
    def _check_types(contract: ApiContract, body: dict[str, Any], code: str, strict: bool) -> None:
        """Types of the contract's fields; with ``strict``, unknown parameters are refused too."""
        if strict:
            unknown = sorted(set(body) - {spec.name for spec in contract.fields})
            if unknown:
                raise ApiError("UnknownParameter", f"{contract.action} has no parameter {unknown[0]!r}.")
        for spec in contract.fields:
            value = body.get(spec.name)
            if value is None:
                continue
            expected = _JSON_TYPES.get(spec.api_type, (list,) if spec.api_type.startswith("Array") else (object,))
            if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
                raise ApiError(code, f"{spec.name} must be of type {spec.api_type}, got {type(value).__name__}.")

    # -- STS ------------------------------------------------------------------------------------
    def _issue_temp(self, lifetime: float, arn: str) -> tuple[str, TempKey]:
        secret_id = "AKIDTMP" + secrets.token_hex(14).upper()
        temp = TempKey(secrets.token_urlsafe(24), secrets.token_urlsafe(48), self.clock() + lifetime, arn)
        with self._lock:
            self._temp[secret_id] = temp
        return secret_id, temp

    def _sts_AssumeRole(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        contract = sts_contract.ASSUME_ROLE
        self._check_types(contract, body, "InvalidParameter", strict=False)
        for spec in contract.fields:
            if spec.required and body.get(spec.name) in (None, ""):
                raise ApiError("MissingParameter", f"{spec.name} is required.")
        match = _ROLE_ARN.match(body["RoleArn"])
        if not match:
            raise ApiError("InvalidParameterValue", "RoleArn must look like qcs::cam::uin/<uin>:roleName/<name>.")
        session = body["RoleSessionName"]
        limit = contract.field("RoleSessionName").max_chars or 0
        if len(session) > limit or not re.match(r"^[\w+=,.@-]+$", session):
            raise ApiError("InvalidParameterValue", f"RoleSessionName: at most {limit} of [A-Za-z0-9_+=,.@-].")
        duration = int(body.get("DurationSeconds") or 7200)
        if not 0 < duration <= MAX_DURATION:
            raise ApiError("InvalidParameterValue", f"DurationSeconds must be 1 to {MAX_DURATION}, got {duration}.")
        lifetime = self.sts_lifetime_override or duration
        arn = f"qcs::sts:{match['uin']}:assumed-role/{match['role']}/{session}"
        tmp_id, temp = self._issue_temp(lifetime, arn)
        expires = int(temp.expires)
        return {
            "Credentials": {"TmpSecretId": tmp_id, "TmpSecretKey": temp.secret_key, "Token": temp.token},
            "ExpiredTime": expires,
            "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)),
        }

    def _sts_GetCallerIdentity(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        with self._lock:
            temp = self._temp.get(secret_id)
        if temp is not None and temp.arn:
            return {
                "Arn": temp.arn,
                "AccountId": ACCOUNT_ID,
                "UserId": temp.arn.rsplit("/", 1)[-1],
                "PrincipalId": ACCOUNT_ID,
                "Type": "AssumedRole",
            }
        return {
            "Arn": f"qcs::cam::uin/{ACCOUNT_ID}:uin/{ACCOUNT_ID}",
            "AccountId": ACCOUNT_ID,
            "UserId": ACCOUNT_ID,
            "PrincipalId": ACCOUNT_ID,
            "Type": "RootAccount",
        }

    def cvm_metadata(self, path: str) -> tuple[int, bytes]:
        """``(status, body)`` of a CVM metadata GET (role name, then that role's temporary keys)."""
        self._request_generation.value = self._generation
        base = METADATA_PREFIX + "cam/security-credentials/"
        arrived, request_id = time.monotonic(), str(uuid.uuid4())
        if path.rstrip("/") == base.rstrip("/"):
            self._count("metadata", METADATA_ACTION, "role", arrived, True, request_id)
            return 200, CVM_ROLE.encode()
        if path == base + CVM_ROLE:
            secret_id, temp = self._issue_temp(
                self.sts_lifetime_override or 3600, f"qcs::cam::uin/{ACCOUNT_ID}:roleName/{CVM_ROLE}"
            )
            self._count("metadata", METADATA_ACTION, "ok", arrived, True, request_id)
            body = {
                "Code": "Success",
                "TmpSecretId": secret_id,
                "TmpSecretKey": temp.secret_key,
                "Token": temp.token,
                "ExpiredTime": int(temp.expires),
                "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(temp.expires))),
            }
            return 200, json.dumps(body).encode()
        self._count("metadata", METADATA_ACTION, "not_found", arrived, True, request_id)
        return 404, b"not found"

    # -- TIIA -------------------------------------------------------------------------------------
    def _group(self, body: dict[str, Any]) -> Group:
        """The gallery named by ``GroupId`` (call with the lock held)."""
        group_id = body.get("GroupId")
        if not group_id:
            raise ApiError("MissingParameter.ErrorParameterEmpty", "GroupId is required.")
        limit = int(tiia_contract.CREATE_IMAGE.extra["group_id_max_chars"])  # type: ignore[call-overload]
        if len(group_id) > limit:
            raise ApiError("InvalidParameterValue.ImageGroupIdTooLong", f"GroupId is over {limit} characters.")
        group = self._groups.get(group_id)
        if group is None:
            raise ApiError("InvalidParameterValue.ImageGroupIdNotExist", f"The gallery {group_id!r} does not exist.")
        return group

    def _tiia_CreateGroup(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        contract = tiia_contract.CREATE_GROUP
        self._check_types(contract, body, "InvalidParameter.InvalidParameter", strict=False)
        for spec in contract.fields:
            value = body.get(spec.name)
            if spec.required and value in (None, "", 0):
                raise ApiError("MissingParameter.ErrorParameterEmpty", f"{spec.name} is required.")
            if spec.max_chars is not None and isinstance(value, str) and len(value) > spec.max_chars:
                code = (
                    "InvalidParameterValue.ImageGroupIdTooLong" if spec.name == "GroupId" else "InvalidParameterValue"
                )
                raise ApiError(code, f"{spec.name} is over {spec.max_chars} characters.")
        if body["MaxCapacity"] < 0:
            raise ApiError("InvalidParameterValue", "MaxCapacity must be positive.")
        with self._lock:
            if body["GroupId"] in self._groups:
                raise ApiError("InvalidParameterValue.ImageGroupIdAlreadyExist", "The gallery already exists.")
            self._groups[body["GroupId"]] = Group(
                body["GroupName"], int(body["MaxCapacity"]) * CAPACITY_UNIT, group_type=int(body.get("GroupType") or 4)
            )
        return {}

    def _tiia_DescribeGroups(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        self._check_types(tiia_contract.DESCRIBE_GROUPS, body, "InvalidParameter.InvalidParameter", strict=False)
        offset = int(body.get("Offset") or 0)
        limit = int(body.get("Limit") or 10)
        if offset < 0 or not 1 <= limit <= 100:
            raise ApiError("InvalidParameter.InvalidParameter", "Offset must be >= 0 and Limit 1 to 100.")
        with self._lock:
            groups = [
                {
                    "GroupId": gid,
                    "GroupName": g.name,
                    "MaxCapacity": max(1, math.ceil(g.capacity / CAPACITY_UNIT)),
                    "PicCount": len(g.pictures),
                    "GroupType": g.group_type,
                    "CreateTime": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(g.created)),
                }
                for gid, g in self._groups.items()
                if body.get("GroupId") in (None, "", gid)
            ]
        return {"Groups": groups[offset : offset + limit], "Count": len(groups)}

    def _entity_filter(self, body: dict[str, Any], contract: ApiContract) -> tuple[Group, list[str]]:
        """The gallery and the PicNames of ``EntityId`` (only ``PicName`` when given); lock held."""
        self._check_types(contract, body, "InvalidParameter.InvalidParameter", strict=False)
        group = self._group(body)
        entity = body.get("EntityId")
        if not entity:
            raise ApiError("InvalidParameterValue.EntityIdEmpty", "EntityId is required.")
        pic_name = body.get("PicName")
        names = [name for name, p in group.pictures.items() if p["EntityId"] == entity and pic_name in (None, "", name)]
        return group, names

    def _tiia_DescribeImages(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        with self._lock:
            group, names = self._entity_filter(body, tiia_contract.DESCRIBE_IMAGES)
            infos = [
                {
                    "EntityId": p["EntityId"],
                    "CustomContent": p["CustomContent"],
                    "Tags": p["Tags"],
                    "PicName": p["PicName"],
                    "Score": 0,
                }
                for p in (group.pictures[name] for name in names)
            ]
        return {"GroupId": body["GroupId"], "EntityId": body["EntityId"], "ImageInfos": infos}

    def _tiia_DeleteImages(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        """Without PicName, EVERY picture of the EntityId goes (as the real API does)."""
        with self._lock:
            group, names = self._entity_filter(body, tiia_contract.DELETE_IMAGES)
            for name in names:
                del group.pictures[name]
        return {}

    def _tiia_CreateImage(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        contract = tiia_contract.CREATE_IMAGE
        self._check_types(contract, body, "InvalidParameter.InvalidParameter", strict=True)
        if not body.get("GroupId"):
            raise ApiError("MissingParameter.ErrorParameterEmpty", "GroupId is required.")
        for name in ("EntityId", "PicName"):
            if not body.get(name):
                raise ApiError(f"InvalidParameterValue.{name}Empty", f"{name} is required and must not be empty.")
        group_limit = int(contract.extra["group_id_max_chars"])  # type: ignore[call-overload]
        if len(body["GroupId"]) > group_limit:
            raise ApiError(
                "InvalidParameterValue.ImageGroupIdTooLong",
                f"GroupId is {len(body['GroupId'])} characters; at most {group_limit} are allowed.",
            )
        for name, code in (
            ("EntityId", "EntityIdTooLong"),
            ("PicName", "PicNameTooLong"),
            ("CustomContent", "CustomContentTooLong"),
        ):
            limit = contract.field(name).max_chars or 0
            value = body.get(name) or ""
            if len(value) > limit:
                raise ApiError(
                    f"InvalidParameterValue.{code}", f"{name} is {len(value)} characters; at most {limit} are allowed."
                )
        entity, pic_name = body["EntityId"], body["PicName"]
        if not re.match(str(contract.extra["pic_name_pattern"]), pic_name):
            raise ApiError("InvalidParameterValue.PicNameInvalid", "PicName holds a control character, / or \\.")
        tags = self._check_tags(body.get("Tags"))
        category = body.get("CategoryId")
        choices = contract.field("CategoryId").choices or ()
        if category is not None and category not in choices:
            raise ApiError(
                "InvalidParameter.InvalidParameter", f"CategoryId must be one of {list(choices)}, got {category}."
            )
        rect = self._check_rect(body.get("ImageRect"))
        with self._lock:
            group = self._group(body)
            if pic_name in group.pictures:  # cheap early answer; checked again before storing
                raise ApiError("InvalidParameterValue.PicNameAlreadyExist", f"PicName {pic_name!r} already exists.")
            rules = tiia_contract.image_rules(group.group_type, body.get("EnableDetect"))
        data = self._image_bytes(body)
        width, height = self._check_picture(data, rules)
        with self._lock:
            group = self._group(body)
            if pic_name in group.pictures:
                raise ApiError("InvalidParameterValue.PicNameAlreadyExist", f"PicName {pic_name!r} already exists.")
            held = sum(1 for p in group.pictures.values() if p["EntityId"] == entity)
            if held >= tiia_contract.MAX_PICTURES_PER_ENTITY:
                raise ApiError(
                    "FailedOperation.ImageEntityCountExceed",
                    f"EntityId {entity!r} already holds {held} pictures; "
                    f"at most {tiia_contract.MAX_PICTURES_PER_ENTITY} are allowed.",
                )
            if len(group.pictures) >= group.capacity:
                raise ApiError("FailedOperation.ImageNumExceed", f"The gallery is full ({group.capacity} pictures).")
            group.pictures[pic_name] = {
                "GroupId": body["GroupId"],
                "EntityId": entity,
                "PicName": pic_name,
                "CustomContent": body.get("CustomContent") or "",
                "Tags": tags,
                "sha256": hashlib.sha256(data).hexdigest(),
                "width": width,
                "height": height,
                "RequestId": request_id,
                "created": time.time(),
            }
        box = rect or {"X": 0, "Y": 0, "Width": width, "Height": height}
        return {"Object": {"Box": {"Score": 0.98, "Rect": box}, "CategoryId": category or 0}}

    @staticmethod
    def _check_tags(raw: str | None) -> str:
        """The Tags text as sent ("" when absent), once it is a JSON object of short string values."""
        if raw is None or raw == "":
            return ""
        try:
            tags = json.loads(raw)
        except ValueError:
            raise ApiError("InvalidParameter.InvalidParameter", "Tags is not valid JSON.") from None
        if not isinstance(tags, dict):
            raise ApiError("InvalidParameter.InvalidParameter", "Tags must be a JSON object.")
        if len(tags) > tiia_contract.MAX_TAG_KEYS:
            raise ApiError(
                "InvalidParameterValue.TagsKeysExceed",
                f"Tags holds {len(tags)} keys; at most {tiia_contract.MAX_TAG_KEYS} are allowed.",
            )
        limit = int(tiia_contract.CREATE_IMAGE.extra["tag_value_max_chars"])  # type: ignore[call-overload]
        for key, value in tags.items():
            if not isinstance(value, str):
                raise ApiError(
                    "InvalidParameterValue.TagsValueIllegal",
                    f"The value of tag {key!r} must be a string, got {type(value).__name__}.",
                )
            if len(value) > limit:
                raise ApiError(
                    "InvalidParameterValue.TagsValueSizeExceed",
                    f"The value of tag {key!r} is {len(value)} characters; at most {limit} are allowed.",
                )
        return raw

    @staticmethod
    def _check_rect(rect: dict[str, Any] | None) -> dict[str, int] | None:
        if rect is None:
            return None
        out: dict[str, int] = {}
        for key in ("X", "Y", "Width", "Height"):
            value = rect.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ApiError("InvalidParameter.InvalidParameter", f"ImageRect.{key} must be an integer >= 0.")
            out[key] = value
        return out

    def _download(self, url: str, limit: int, what: str, code_invalid: str, code_failed: str) -> bytes:
        """At most ``limit + 1`` bytes from ``url`` (so that "too big" can be told apart)."""
        try:
            parts = urlsplit(url)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            valid = False
        if not valid:
            raise ApiError(code_invalid, f"{what}: {redact(url)!r} is not a valid http(s) URL.")
        try:
            with self._opener.open(url, timeout=self.download_timeout) as resp:
                data: bytes = resp.read(limit + 1)
        except urllib.error.HTTPError as exc:
            raise ApiError(code_failed, f"{what}: downloading {redact(url)} failed: HTTP {exc.code}.") from None
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
            raise ApiError(code_failed, f"{what}: downloading {redact(url)} failed: {type(exc).__name__}.") from None
        return data

    def _image_bytes(self, body: dict[str, Any]) -> bytes:
        rules = tiia_contract.IMAGE_RULES
        limit = rules.max_base64_bytes or 0
        if body.get("ImageUrl"):  # preferred when both are given
            data = self._download(
                body["ImageUrl"],
                limit,
                "ImageUrl",
                "FailedOperation.ImageUrlInvalid",
                "FailedOperation.ImageDownloadError",
            )
            if images.base64_size(len(data)) > limit:
                raise ApiError(
                    "FailedOperation.ImageSizeExceed", f"The picture is over {limit} bytes once base64 encoded."
                )
            if not data:
                raise ApiError("FailedOperation.EmptyImageError", "The picture downloaded from ImageUrl is empty.")
            return data
        text = body.get("ImageBase64")
        if text is None:
            raise ApiError("MissingParameter.ErrorParameterEmpty", "ImageUrl or ImageBase64 is required.")
        if len(text) > limit:
            raise ApiError(
                "FailedOperation.ImageSizeExceed", f"ImageBase64 is {len(text)} bytes; at most {limit} are allowed."
            )
        if text.startswith("data:") and "," in text:
            text = text.split(",", 1)[1]
        if not text:
            raise ApiError("FailedOperation.EmptyImageError", "ImageBase64 is empty.")
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError("FailedOperation.ImageDecodeFailed", "ImageBase64 is not valid base64.") from None
        if not data:
            raise ApiError("FailedOperation.EmptyImageError", "ImageBase64 holds no data.")
        return data

    def _check_picture(self, data: bytes, rules: ImageRules) -> tuple[int, int]:
        """``(width, height)`` of a picture Image Search accepts; raises the seed's code otherwise."""
        info = images.inspect(data)
        if info.format in rules.formats and info.width is not None and info.height is not None:
            self._check_resolution(info.width, info.height, rules)  # from the header, before any decoding
        picture = _open(data)
        fmt = info.format or (picture.format.lower() if picture is not None and picture.format else None)
        if fmt is None:
            raise ApiError("FailedOperation.ImageDecodeFailed", "The data is not a picture.")
        if fmt not in rules.formats:
            raise ApiError(
                "InvalidParameter.ImageFormatNotSupport",
                f"{fmt.upper()} is not supported; use {'/'.join(f.upper() for f in rules.formats)}.",
            )
        if picture is None:
            raise ApiError("FailedOperation.ImageDecodeFailed", f"The {fmt.upper()} picture cannot be decoded.")
        width, height = picture.size
        self._check_resolution(width, height, rules)
        try:
            picture.load()
            extrema = picture.convert("RGB").getextrema()
        except Exception:
            raise ApiError(
                "FailedOperation.ImageDecodeFailed", f"The {fmt.upper()} picture cannot be decoded."
            ) from None
        if all(low == high for low, high in extrema):
            raise ApiError("InvalidParameter.PictureSolidColorError", "The picture is a single colour.")
        return width, height

    @staticmethod
    def _check_resolution(width: int, height: int, rules: ImageRules) -> None:
        detect = " (subject detection in a product image search gallery)" if rules.elongation_below else ""
        if width > (rules.max_width or width) or height > (rules.max_height or height):
            raise ApiError(
                "FailedOperation.ImageResolutionExceed",
                f"{width}x{height} is over {rules.max_width}x{rules.max_height}{detect}.",
            )
        long_side, short_side = max(width, height), min(width, height)
        if rules.elongation_below and (not short_side or long_side >= rules.elongation_below * short_side):
            raise ApiError(
                "FailedOperation.ImageResolutionExceed",
                f"{width}x{height}: the aspect ratio must be under {rules.elongation_below:g}:1{detect}.",
            )

    # -- VOD --------------------------------------------------------------------------------------
    def _vod_CreateAigcCustomElement(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        contract = vod_contract.CREATE_AIGC_CUSTOM_ELEMENT
        self._check_types(contract, body, "InvalidParameterValue", strict=True)
        for spec in contract.fields:
            value = body.get(spec.name)
            if spec.required and (value is None or value == ""):
                raise ApiError("MissingParameter", f"{spec.name} is required.")
            if spec.max_chars is not None and isinstance(value, str) and len(value) > spec.max_chars:
                raise ApiError(
                    "InvalidParameterValue",
                    f"{spec.name} is {len(value)} characters; at most {spec.max_chars} are allowed.",
                )
        refer = body["ElementReferList"]
        spec = contract.field("ElementReferList")
        low, high = spec.min_items or 0, spec.max_items or len(refer)
        if not low <= len(refer) <= high:
            raise ApiError(
                "InvalidParameterValue", f"ElementReferList holds {len(refer)} images; {low} to {high} are allowed."
            )
        for n, item in enumerate(refer):
            if not isinstance(item, dict) or not isinstance(item.get("ImageUrl"), str) or not item["ImageUrl"]:
                raise ApiError("MissingParameter", f"ElementReferList.{n}.ImageUrl is required.")
        urls = [("ElementFrontalImage", body["ElementFrontalImage"])]
        urls += [(f"ElementReferList.{n}.ImageUrl", item["ImageUrl"]) for n, item in enumerate(refer)]
        for name, url in urls:
            self._check_element_image(name, url, vod_contract.IMAGE_RULES)
        with self._lock:
            taken = {e["ElementId"] for e in self._elements}
            element_id = str(self._rng.randrange(10**13, 10**14))
            while element_id in taken:
                element_id = str(self._rng.randrange(10**13, 10**14))
            self._elements.append(
                {
                    "ElementId": element_id,
                    "ElementName": body["ElementName"],
                    "ElementDescription": body["ElementDescription"],
                    "ElementFrontalImage": redact(body["ElementFrontalImage"]),
                    "ElementReferList": [redact(item["ImageUrl"]) for item in refer],
                    "RequestId": request_id,
                    "created": time.time(),
                }
            )
        return {"ElementId": element_id}

    def _check_element_image(self, name: str, url: str, rules: ImageRules) -> None:
        data = self._download(url, rules.max_bytes or 0, name, "InvalidParameterValue", "FailedOperation")
        if not data:
            raise ApiError("InvalidParameterValue", f"{name}: the picture is empty.")
        problems = images.check(images.inspect(data), rules)
        if problems:
            problem = problems[0]
            raise ApiError("InvalidParameterValue", problem.describe(name) + ".")
        picture = _open(data)
        try:
            if picture is None:
                raise ValueError
            picture.load()
        except Exception:
            raise ApiError("InvalidParameterValue", f"{name}: the picture cannot be decoded.") from None


def gateway_fault(
    handler: _Handler, kind: str, headers: dict[str, str], request_id: str, result: dict[str, Any]
) -> None:
    """Answer as a misbehaving gateway or service would (fault kinds in :data:`GATEWAY_FAULTS`).

    * ``error_charset``: HTTP 200, an error body, and ``Content-Type: application/json;
      charset=utf-8`` - the SDK only looks for ``Response.Error`` under an exact ``application/json``;
    * ``missing_result``: the request was processed (``result`` stored), but the answer carries only
      the ``RequestId`` - none of the fields the action promises;
    * ``echo_secrets``: an error whose message echoes the request's session token and Authorization
      header (gateways do that), to prove that server text is redacted before it is shown or stored;
    * ``token_failure``: ``AuthFailure.TokenFailure``, as when temporary keys are revoked or expire early.
    """
    if kind == "error_charset":
        body = {"Error": {"Code": "InternalError", "Message": "gateway error (injected)"}, "RequestId": request_id}
        handler.reply_raw(200, "application/json; charset=utf-8", json.dumps({"Response": body}).encode())
    elif kind == "missing_result":
        handler.reply_json({"RequestId": request_id})
    elif kind == "echo_secrets":
        token = headers.get("x-tc-token", "")
        message = f"bad gateway: X-TC-Token: {token} Authorization: {headers.get('authorization', '')} token={token}"
        handler.reply_json({"Error": {"Code": "InternalError", "Message": message}, "RequestId": request_id})
    elif kind == "token_failure":
        error = {"Code": "AuthFailure.TokenFailure", "Message": "The token is invalid or expired (injected)."}
        handler.reply_json({"Error": error, "RequestId": request_id})
    else:  # pragma: no cover - inject() refuses other kinds
        raise ValueError(kind)


def _open(data: bytes) -> Any:
    """A lazily decoded Pillow image (header read only), or ``None``."""
    try:
        from PIL import Image

        return Image.open(io.BytesIO(data))
    except Exception:
        return None


class _Handler(BaseHTTPRequestHandler):
    emulator: Emulator
    protocol_version = "HTTP/1.1"
    # headers and body leave in two writes: with Nagle on, a keep-alive client waits for the
    # delayed ACK (about 40 ms a request on Linux) before it sees the body
    disable_nagle_algorithm = True
    server_version = "TencentCloudEmulator/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        return  # never log requests: their headers carry tokens

    def _body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def reply_raw(self, status: int, content_type: str, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client gave up (timeout): nothing to answer

    def reply_json(self, response: dict[str, Any], status: int = 200) -> None:
        # exactly "application/json": the SDK ignores error bodies of any other content type
        body = json.dumps({"Response": response}, ensure_ascii=False).encode("utf-8")
        self.reply_raw(status, "application/json", body)

    def reset_connection(self) -> None:
        """Abort the TCP connection with RST (SO_LINGER 0), without answering."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
        except OSError:
            pass

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            super().finish()

    def do_POST(self) -> None:
        payload = self._body()
        path = urlsplit(self.path).path
        if path.startswith(CONTROL_PREFIX):
            self._control(path, payload)
            return
        self.emulator.handle_api(self, "POST", payload)

    def do_GET(self) -> None:
        self._body()
        path = urlsplit(self.path).path
        if path == CONTROL_PREFIX + "state":
            if self._loopback():
                self.reply_raw(200, "application/json", json.dumps(self.emulator.state(), default=str).encode())
            return
        if path.startswith(METADATA_PREFIX):
            status, body = self.emulator.cvm_metadata(path)
            self.reply_raw(status, "application/json" if body.startswith(b"{") else "text/plain", body)
            return
        if path == "/" and self.headers.get("X-TC-Action"):
            self.emulator.handle_api(self, "GET", b"")
            return
        self.reply_raw(404, "text/plain", b"not found")

    def _loopback(self) -> bool:
        if _is_loopback(self.client_address[0]):
            return True
        self.reply_raw(403, "text/plain", b"control endpoints answer loopback clients only")
        return False

    def _control(self, path: str, payload: bytes) -> None:
        if not self._loopback():
            return
        try:
            args = json.loads(payload or b"{}")
            if not isinstance(args, dict):
                raise ValueError("the body must be a JSON object")
            if path == CONTROL_PREFIX + "reset":
                self.emulator.reset(settings=bool(args.get("settings", False)))
            elif path == CONTROL_PREFIX + "faults":
                if args.get("clear"):
                    self.emulator.clear_faults()
                else:
                    self.emulator.inject(**args)
            elif path == CONTROL_PREFIX + "groups":
                group_id = args.get("GroupId")
                if not isinstance(group_id, str) or not group_id:
                    raise ValueError("GroupId is required")
                capacity: Any = args.get("Capacity", args.get("capacity", 100_000))
                group_type = int(args.get("GroupType", 4))
                self.emulator.create_group(group_id, str(args.get("GroupName") or ""), int(capacity), group_type)
            else:
                self.reply_raw(404, "text/plain", b"not found")
                return
        except (TypeError, ValueError) as exc:
            self.reply_raw(400, "application/json", json.dumps({"error": f"{exc}"}).encode())
            return
        self.reply_raw(200, "application/json", b"{}")


def main(argv: list[str] | None = None) -> int:
    """The command line: start, print the URL on one line, serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description="Local Tencent Cloud API 3.0 emulator (TIIA, VOD, STS) on loopback")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--secret-id", default=TEST_SECRET_ID)
    parser.add_argument("--secret-key", default=TEST_SECRET_KEY)
    parser.add_argument("--qps-scale", type=float, default=1.0)
    parser.add_argument("--latency", type=float, nargs=2, default=(0.0, 0.0), metavar=("LOW", "HIGH"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--group", action="extend", nargs="+", default=[], metavar="GROUP_ID", help="create these galleries at start"
    )
    args = parser.parse_args(argv)
    emulator = Emulator(
        args.host,
        args.port,
        {args.secret_id: args.secret_key},
        qps_scale=args.qps_scale,
        latency=tuple(args.latency),
        seed=args.seed,
    )
    for group in args.group:
        emulator.create_group(group)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    emulator.start()
    print(emulator.url, flush=True)
    try:
        stop.wait()
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
