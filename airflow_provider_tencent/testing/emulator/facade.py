"""A local Tencent Cloud API 3.0 server: Image Search (TIIA) and VOD as Tencent's API reference defines them, plus STS.

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
* serves Image Search (TIIA) ``CreateGroup``, ``DescribeGroups``, ``CreateImage``, ``DescribeImages``,
  ``DeleteImages``, ``SearchImage``, ``UpdateImage`` and VOD ``CreateAigcCustomElement`` (plus the AIGC
  generation tasks ``CreateAigcVideoTask``, ``CreateAigcImageTask``, ``DescribeTaskDetail``, ``DescribeTasks``),
  enforcing every limit and error code of those actions that a server can check, from its own reading
  of the API documents and the SDK's models (it imports nothing from the client's validation, image
  helpers or contracts); it downloads image URLs itself;
* enforces each action's documented QPS (times ``qps_scale``) over a sliding one-second window;
* injects faults on demand (:meth:`Emulator.inject`): throttling, internal errors, HTTP 502,
  connection reset, latency, and "commit then hang" (stores the result, answers after the client's
  read timeout);
* records every request, its outcome and what was created, so tests can assert that nothing was
  lost or duplicated.

Run alone::

    python -m airflow_provider_tencent.testing.emulator --port 9000 --group g1

Layout (as moto lays out a service mock): :mod:`.server` (thin HTTP layer), :mod:`.auth` (keys, TC3
signatures), :mod:`.faults` (the table of fault kinds), :mod:`.pipeline` (one request's path: authenticate,
quota, fault, dispatch, record), :mod:`.state` (what tests read back), :mod:`.context` (what a backend is
given: clock, RNG, lock, settings), :mod:`.core` (the error answer and the bases), one package per service -
``image_search``, ``vod``, ``sts``, each a ``models`` module (state and rules) and a ``responses`` module
(parameter types and answer shapes) - the CVM metadata service (:mod:`.cvm`), and this facade,
:class:`Emulator`, which builds the context, owns the controls (reset, credentials, faults, galleries) and
hands each backend its context.

Other processes control it over unsigned HTTP (loopback clients only): ``GET /_emulator/state``,
``POST /_emulator/faults`` (the arguments of :meth:`Emulator.inject`, or ``{"clear": true}``),
``POST /_emulator/reset``, ``POST /_emulator/groups`` (``{"GroupId", "GroupName", "Capacity", "GroupType"}``),
``POST /_emulator/aigc`` (``{"duration": seconds, "fail": {"err_code_ext", "message", "times"}, "concurrency": n,
"duplicate_code": code, "null_while_waiting": bool, "age": seconds, "break_downloads": n}``),
``POST /_emulator/image_search`` (the arguments of :meth:`Emulator.set_image_search_answers`); AIGC output
files are served at ``GET /_emulator/files/<TaskId>/<name>`` (see :mod:`.vod.models`).

It never logs a key or a token, and records image URLs without their query string (presigned
signatures never reach its state).
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from airflow_provider_tencent.testing import TEST_SECRET_ID, TEST_SECRET_KEY
from airflow_provider_tencent.testing.emulator.auth import KeyStore
from airflow_provider_tencent.testing.emulator.context import IMAGE_SEARCH_ANSWERS, BackendContext, Settings
from airflow_provider_tencent.testing.emulator.faults import FAULT_KINDS, Fault
from airflow_provider_tencent.testing.emulator.image_search.models import ImageSearchBackend
from airflow_provider_tencent.testing.emulator.image_search.responses import ImageSearchResponses
from airflow_provider_tencent.testing.emulator.pipeline import RequestPipeline
from airflow_provider_tencent.testing.emulator.server import Handler, Server
from airflow_provider_tencent.testing.emulator.state import StateViews
from airflow_provider_tencent.testing.emulator.sts.models import StsBackend
from airflow_provider_tencent.testing.emulator.sts.responses import StsResponses
from airflow_provider_tencent.testing.emulator.vod.models import VodBackend
from airflow_provider_tencent.testing.emulator.vod.responses import VodResponses

__all__ = ["IMAGE_SEARCH_ANSWERS", "Emulator"]

T = TypeVar("T")


class _Setting(Generic[T]):
    """An attribute of the emulator kept in its context's :class:`~.context.Settings` (same name)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, emulator: Any, owner: Any = None) -> T:
        if emulator is None:  # read on the class (documentation tools)
            return self  # type: ignore[return-value]
        value: T = getattr(emulator.context.settings, self.name)
        return value

    def __set__(self, emulator: Any, value: T) -> None:
        setattr(emulator.context.settings, self.name, value)


class Emulator(StateViews, RequestPipeline):
    """The server. ``start()`` it (or use it as a context manager) and point ``endpoint_url`` at :attr:`url`.

    :param credentials: permanent keys ``{SecretId: SecretKey}``; default: ``TEST_SECRET_ID`` /
        ``TEST_SECRET_KEY`` from :mod:`airflow_provider_tencent.testing`.
    :param qps_scale: every action's quota is its documented QPS times this (at least 1 per second).
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
        self._lock = threading.RLock()
        self.context = BackendContext(clock, random.Random(seed), self._lock)
        """What every backend is given (clock, RNG, lock, settings); the facade's own fields stay its own."""
        self.context.url = self.url
        self.capture_requests = True
        """False while a test sends deliberately malformed requests (its own, not the provider's): the
        oracle then checks only the answers (see :attr:`capture`)."""
        self._defaults = (qps_scale, latency, clock)
        self.keys = KeyStore(credentials or {TEST_SECRET_ID: TEST_SECRET_KEY}, lambda: self.context.clock())
        self._seed = seed
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._generation = 0
        """Bumped by :meth:`reset`: a request that arrived before a reset leaves no trace after it."""
        self._request_generation = threading.local()
        self.reset()

    download_timeout: _Setting[float] = _Setting()
    """Seconds allowed to download each image URL."""
    aigc_duration: _Setting[float] = _Setting()
    """Seconds an AIGC generation task takes from creation to FINISH (WAITING for the first tenth)."""
    sub_app_ids: _Setting[set[int] | None] = _Setting()
    """When set, AIGC task actions require a ``SubAppId`` from this set (``InvalidParameterValue.SubAppId``)."""
    aigc_concurrency: _Setting[int | None] = _Setting()
    """AIGC generation tasks the account runs at once (the documents: "默认限制1个并发处理"); a task created
    while that many run ends at once, FINISH with ``ErrCodeExt`` ``RequestLimitExceeded``. ``None``: no limit."""
    aigc_duplicate_code: _Setting[str] = _Setting()
    """The code that refuses a repeated SessionId (``FailedOperation.TaskDuplicate`` is the other answer)."""
    aigc_null_while_waiting: _Setting[bool] = _Setting()
    """When true, ``DescribeTaskDetail`` of a ``WAITING`` task answers its ``AigcVideoTask``/``AigcImageTask``
    member as null (as the service may, before the task starts)."""
    sts_lifetime_override: _Setting[float | None] = _Setting()
    """When set, AssumeRole and CVM metadata keys live this many seconds (whatever was asked)."""
    image_search_answers: _Setting[dict[str, Any]] = _Setting()
    """The answers of Image Search that its documents leave open (see :meth:`set_image_search_answers`)."""

    @property
    def clock(self) -> Callable[[], float]:
        """The wall clock for signatures, timestamps and key expiry (tests may freeze it)."""
        return self.context.clock

    @clock.setter
    def clock(self, clock: Callable[[], float]) -> None:
        self.context.clock = clock

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> Emulator:
        """Listen (on a free port when ``port`` is 0) and serve in a daemon thread."""
        if self._server is not None:
            return self
        handler = type("Handler", (Handler,), {"emulator": self})
        self._server = Server((self.host, self.port), handler)
        self.port = self._server.server_address[1]
        self.context.url = self.url
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

    # -- state and control ---------------------------------------------------------------------
    def reset(self, settings: bool = False) -> None:
        """Forget galleries, pictures, elements, counters, the request log, faults and temporary keys.

        Permanent credentials stay. With ``settings``, ``qps_scale``, ``latency``, ``clock`` and
        ``download_timeout`` also return to their values at construction.
        """
        with self._lock:
            self._generation += 1
            if settings:
                self.qps_scale, self.latency, self.clock = self._defaults
                self.context.settings = Settings()
                self.capture_requests = True
            self.context.rng.seed(self._seed)
            self.context.settings.sts_lifetime_override = None
            self.sts = StsBackend(self.context, self.keys)
            self.image_search = ImageSearchBackend(self.context)
            self.vod = VodBackend(self.context)
            fronts = (StsResponses(self.sts), ImageSearchResponses(self.image_search), VodResponses(self.vod))
            self.services = {front.service: front for front in fronts}
            self.keys.forget_temporary()
            self._faults: list[Fault] = []
            self._admitted: dict[tuple[str, str], deque[float]] = defaultdict(deque)
            self._counters: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
            self.requests: list[dict[str, Any]] = []
            """Every API request: action, service, time (monotonic), wall, outcome, request_id,
            admitted (passed the rate limit), secret_id (never a key or token)."""

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
            (``FailedOperation.InnerError`` for Image Search, ``InternalError`` otherwise), ``http_5xx``
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
        self.image_search.add_group(group_id, name, capacity, group_type)

    def set_image_search_answers(
        self,
        unknown_group: str | None = None,
        delete_missing: str | None = None,
        max_qps_cap: int | None = None,
    ) -> None:
        """Choose the Image Search answers the documents leave open (kept by :meth:`reset`, restored by
        ``reset(settings=True)``); an argument left ``None`` keeps its current value.

        :param unknown_group: ``DescribeGroups`` of a GroupId that does not exist: ``"empty"`` (default:
            an empty ``Groups``) or ``"error"`` (``InvalidParameterValue.ImageGroupIdNotExist``, in that
            action's documented error list).
        :param delete_missing: ``DeleteImages`` of a picture (or EntityId) that holds nothing: ``"ok"``
            (default: success) or the error code to answer (``FailedOperation.ImageNotFoundInfo``, or any
            other the service might choose).
        :param max_qps_cap: the most ``MaxQps`` a gallery keeps (``CreateGroup`` with more stores this
            cap, as the service reads a request over its default back); ``0`` = no cap (default).
        """
        with self._lock:
            answers = self.image_search_answers
            if unknown_group is not None:
                if unknown_group not in ("empty", "error"):
                    raise ValueError(f"unknown_group must be 'empty' or 'error', got {unknown_group!r}")
                answers["unknown_group"] = unknown_group
            if delete_missing is not None:
                answers["delete_missing"] = str(delete_missing)
            if max_qps_cap is not None:
                answers["max_qps_cap"] = int(max_qps_cap)

    def set_capacity(self, group_id: str, pictures: int) -> None:
        """Change how many pictures gallery ``group_id`` holds at most."""
        with self._lock:
            self.image_search.groups[group_id].capacity = int(pictures)

    def fail_aigc_tasks(self, err_code_ext: str = "ModelGenerateFailed", message: str = "", times: int = 1) -> None:
        """The next ``times`` generation tasks created finish failed with ``err_code_ext`` and ``message``."""
        self.vod.queue_failures(err_code_ext, message, times)

    def break_aigc_downloads(self, times: int = 1) -> None:
        """The next ``times`` downloads of an output file break midway: half the body, then the connection closes."""
        self.vod.break_downloads(times)

    def age_aigc_tasks(self, seconds: float) -> None:
        """Move every AIGC task and SessionId ``seconds`` into the past, as if that much time had gone by for them
        (the signing clock is left alone): past three days, the service no longer shows a task nor refuses its
        SessionId."""
        self.vod.age_tasks(float(seconds))
