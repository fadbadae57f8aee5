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
  ``DeleteImages`` and VOD ``CreateAigcCustomElement`` (plus the AIGC generation tasks ``CreateAigcVideoTask``,
  ``CreateAigcImageTask``, ``DescribeTaskDetail``, ``DescribeTasks``), enforcing every limit and error code of
  ``CreateImage`` and ``CreateAigcCustomElement`` that a server can check, from its own reading
  of the API documents and the SDK's models (one backend module per service in ``backends/``; it
  imports nothing from the client's validation, image helpers or contracts); it downloads image
  URLs itself;
* enforces each action's documented QPS (times ``qps_scale``) over a sliding one-second window;
* injects faults on demand (:meth:`Emulator.inject`): throttling, internal errors, HTTP 502,
  connection reset, latency, and "commit then hang" (stores the result, answers after the client's
  read timeout);
* records every request, its outcome and what was created, so tests can assert that nothing was
  lost or duplicated.

Run alone::

    python -m airflow_provider_tencent.testing.emulator --port 9000 --group g1

Layout (as moto lays out a service mock): :mod:`.server` (HTTP), :mod:`.auth` (keys, TC3
signatures), :mod:`.faults`, :mod:`.backends` (``sts``, ``tiia``, ``vod``, ``cvm``) and this
facade, :class:`Emulator`, which owns the lock, the clock, quotas, the request log and faults.

Other processes control it over unsigned HTTP (loopback clients only): ``GET /_emulator/state``,
``POST /_emulator/faults`` (the arguments of :meth:`Emulator.inject`, or ``{"clear": true}``),
``POST /_emulator/reset``, ``POST /_emulator/groups`` (``{"GroupId", "GroupName", "Capacity", "GroupType"}``),
``POST /_emulator/aigc`` (``{"duration": seconds, "fail": {"err_code_ext", "message", "times"}}``); AIGC output
files are served at ``GET /_emulator/files/<TaskId>/<name>`` (see :mod:`.backends.aigc_tasks`).

It never logs a key or a token, and records image URLs without their query string (presigned
signatures never reach its state).
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from airflow_provider_tencent.testing import TEST_SECRET_ID, TEST_SECRET_KEY, tc3
from airflow_provider_tencent.testing.emulator.auth import KeyStore, authenticate
from airflow_provider_tencent.testing.emulator.backends import cvm
from airflow_provider_tencent.testing.emulator.backends.cvm import METADATA_ACTION
from airflow_provider_tencent.testing.emulator.backends.sts import StsBackend
from airflow_provider_tencent.testing.emulator.backends.tiia import Group, TiiaBackend
from airflow_provider_tencent.testing.emulator.backends.vod import VodBackend
from airflow_provider_tencent.testing.emulator.base import ApiError, Backend
from airflow_provider_tencent.testing.emulator.faults import FAULT_KINDS, Fault, gateway_answer
from airflow_provider_tencent.testing.emulator.server import Handler, Server

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
        self.aigc_duration = 2.0
        """Seconds an AIGC generation task takes from creation to FINISH (WAITING for the first tenth)."""
        self.sub_app_ids: set[int] | None = None
        """When set, AIGC task actions require a ``SubAppId`` from this set (``InvalidParameterValue.SubAppId``)."""
        self._aigc_failures: list[tuple[str, str]] = []
        self.capture_requests = True
        """False while a test sends deliberately malformed requests (its own, not the provider's): the
        oracle then checks only the answers (see :attr:`capture`)."""
        self.sts_lifetime_override: float | None = None
        """When set, AssumeRole and CVM metadata keys live this many seconds (whatever was asked)."""
        self._defaults = (qps_scale, latency, clock, self.download_timeout)
        self.keys = KeyStore(credentials or {TEST_SECRET_ID: TEST_SECRET_KEY}, lambda: self.clock())
        self._seed = seed
        self._lock = threading.RLock()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._generation = 0
        """Bumped by :meth:`reset`: a request that arrived before a reset leaves no trace after it."""
        self._request_generation = threading.local()
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> Emulator:
        """Listen (on a free port when ``port`` is 0) and serve in a daemon thread."""
        if self._server is not None:
            return self
        handler = type("Handler", (Handler,), {"emulator": self})
        self._server = Server((self.host, self.port), handler)
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
            self.sts = StsBackend(self)
            self.tiia = TiiaBackend(self)
            self.vod = VodBackend(self)
            self.backends: dict[str, Backend] = {b.service: b for b in (self.sts, self.tiia, self.vod)}
            self.keys.forget_temporary()
            self._faults: list[Fault] = []
            self._admitted: dict[tuple[str, str], deque[float]] = defaultdict(deque)
            self._counters: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            self.requests: list[dict[str, Any]] = []
            """Every API request: action, service, time (monotonic), wall, outcome, request_id,
            admitted (passed the rate limit), secret_id (never a key or token)."""
            self.sts_lifetime_override = None
            self._aigc_failures = []
            if settings:
                self.aigc_duration, self.sub_app_ids = 2.0, None
                self.capture_requests = True

    def add_credential(self, secret_id: str, secret_key: str, token: str | None = None, lifetime: float = 3600) -> None:
        """Accept a permanent key pair, or (with ``token``) temporary keys valid ``lifetime`` seconds."""
        self.keys.add(secret_id, secret_key, token, lifetime)

    def inject(
        self,
        kind: str,
        action: str | None = None,
        times: int | None = None,
        probability: float | None = None,
        delay: float = 0.0,
        code: str = "",
        message: str = "",
    ) -> None:
        """Inject a fault into matching requests (those of ``action``, or every action).

        :param kind: ``throttle`` (``RequestLimitExceeded``), ``inner_error``
            (``FailedOperation.InnerError`` for tiia, ``InternalError`` otherwise), ``http_5xx``
            (HTTP 502 with an HTML body), ``reset`` (the request is read, then the TCP connection
            is aborted with RST, nothing processed), ``latency`` (sleep ``delay``, then process
            normally), ``commit_then_hang`` (process and store, then sleep ``delay`` before
            answering), ``error`` (answer the error ``code`` with ``message``, process nothing).
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
        if (kind == "error") != bool(code):
            raise ValueError("code is required with kind='error', and only with it")
        with self._lock:
            self._faults.append(
                Fault(
                    kind,
                    action,
                    None if times is None else int(times),
                    None if probability is None else float(probability),
                    float(delay),
                    code=str(code),
                    message=str(message),
                )
            )

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        with self._lock:
            self._faults = []

    def create_group(self, group_id: str, name: str = "", capacity: int = 100_000, group_type: int = 4) -> None:
        """Create a gallery without a request; ``capacity`` counts pictures (``MaxCapacity``).

        ``group_type`` 5, 7 or 8 makes it a product image search gallery, where subject detection
        (``EnableDetect``, on by default) limits pictures to 2000x2000 and an aspect ratio under 10.
        """
        with self._lock:
            self.tiia.groups.setdefault(group_id, Group(name or group_id, int(capacity), group_type=int(group_type)))

    def set_capacity(self, group_id: str, pictures: int) -> None:
        """Change how many pictures gallery ``group_id`` holds at most."""
        with self._lock:
            self.tiia.groups[group_id].capacity = int(pictures)

    def counters(self) -> dict[str, dict[str, int]]:
        """``{action: {outcome: count}}``; outcomes are ``ok``, an error code, or ``fault:<kind>``."""
        with self._lock:
            return {action: dict(outcomes) for action, outcomes in self._counters.items()}

    def images(self, group_id: str | None = None) -> list[dict[str, Any]]:
        """Stored pictures, oldest first: GroupId, EntityId, PicName, CustomContent, Tags, sha256,
        width, height, RequestId, created."""
        with self._lock:
            out: list[dict[str, Any]] = []
            for gid, group in self.tiia.groups.items():
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
                for gid, g in self.tiia.groups.items()
            ]

    def elements(self) -> list[dict[str, Any]]:
        """Created AIGC subjects: ElementId, ElementName, ElementDescription, ElementFrontalImage and
        ElementReferList (URLs without query string), RequestId, created."""
        with self._lock:
            return [{**e, "ElementReferList": list(e["ElementReferList"])} for e in self.vod.elements]

    def aigc_tasks(self) -> list[dict[str, Any]]:
        """AIGC generation tasks, oldest first: TaskId, kind, params (FileInfos left out), RequestId, polls
        (DescribeTaskDetail reads) and the failure queued for it, if any."""
        with self._lock:
            tasks = sorted(self.vod.tasks.values(), key=lambda t: t["created"])
            return [{k: v for k, v in t.items() if k != "started"} for t in tasks]

    def fail_aigc_tasks(self, err_code_ext: str = "ModelGenerateFailed", message: str = "", times: int = 1) -> None:
        """The next ``times`` generation tasks created finish failed with ``err_code_ext`` and ``message``."""
        with self._lock:
            self._aigc_failures += [(err_code_ext, message or f"{err_code_ext} (injected)")] * int(times)

    def _next_aigc_failure(self) -> tuple[str, str] | None:
        with self._lock:
            return self._aigc_failures.pop(0) if self._aigc_failures else None

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
            "aigc_tasks": self.aigc_tasks(),
            "faults": faults,
            "requests": log,
        }

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
    response}`` - for checking against the official SDK's models (``tests/test_sdk_oracle.py``)."""

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
