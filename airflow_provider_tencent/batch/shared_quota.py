"""One account's quota shared by every batch task, through Redis (optional, off by default).

Each batch task paces itself at its ``max_qps`` (:class:`~.rate_limit.RateLimiter`), which by default is the
action's whole quota: two tasks of one account running at once then ask for twice the quota, and adaptive
backoff alone keeps them at 0.87-0.91 of it with 20-46 % of the requests throttled (benchmarks/README.md).
With the ``[tencentcloud] shared_quota_redis_url`` setting (``AIRFLOW__TENCENTCLOUD__SHARED_QUOTA_REDIS_URL``;
typically the Redis of the Celery broker), every request of a batch also asks Redis for a slot of the
account's quota, right before it leaves (after the task's own pacing):

* the key is the account, region, service and action: ``tencentcloud:quota:<account>:<region>:<service>:<action>``,
  where ``<account>`` is the first 16 hex digits of the SHA-256 of the SecretId (never the SecretId, never the key);
* the decision is a sliding-window log evaluated atomically inside Redis (:data:`SLIDING_WINDOW`, a Lua script)
  on Redis's own clock (``TIME``): no worker's clock decides anything, so skewed clocks do no harm. At most
  ``limit`` (the quota's whole part) requests are admitted in any ``window`` (one second and ``margin``); the
  script answers 0 (admitted) or how many milliseconds until the oldest leaves the window;
* the client sleeps that long and asks again, at most ``max_wait`` seconds in all: then the request fails with
  :class:`TencentCloudSharedQuotaTimeout` (nothing sent, a retry resends it) rather than wait forever;
* Redis unreachable (or answering an error): the request goes on the task's own limiter alone, with one WARNING
  per outage, and Redis is asked again after ``retry_after`` seconds. A Redis outage never stalls a batch; it
  only brings back the throttling of tasks sharing the quota without it.

The ``redis`` client is an optional extra: ``pip install 'airflow-provider-tencent[redis]'``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from airflow_provider_tencent.exceptions import TencentCloudConfigError, TencentCloudSharedQuotaTimeout

#: The provider setting that turns the shared limiter on (get_provider_info ``config``); empty: off.
SHARED_QUOTA_OPTION = ("tencentcloud", "shared_quota_redis_url")

SLIDING_WINDOW = """
local key, limit, window, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, now .. ':' .. member)
  redis.call('PEXPIRE', key, math.ceil(window / 1000) + 1000)
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2])
return math.max(1, math.ceil((oldest + window - now) / 1000))
"""
"""``KEYS[1]`` the account's key; ``ARGV`` the limit, the window in microseconds, a unique member. Returns 0 when
the request is admitted (and recorded), else the milliseconds until a slot frees (at least 1)."""


def shared_quota_setting() -> str | None:
    """The ``[tencentcloud] shared_quota_redis_url`` setting, or ``None`` when it is empty (the default: off)."""
    from airflow_provider_tencent.compat import airflow_conf

    value = airflow_conf().get(*SHARED_QUOTA_OPTION, fallback="")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def account_key(account: str, region: str, service: str, action: str) -> str:
    """The Redis key of one account's quota of one action: ``account`` (a SecretId, or another name of the
    account) appears only as the first 16 hex digits of its SHA-256."""
    digest = hashlib.sha256(account.encode("utf-8")).hexdigest()[:16]
    return f"tencentcloud:quota:{digest}:{region}:{service}:{action}"


def redis_client(url: str) -> Any:
    """A Redis client for ``url`` with short time-outs (a slow Redis must not hold a request long).

    :raises TencentCloudConfigError: the ``redis`` package is not installed.
    """
    try:
        import redis
    except ImportError:
        raise TencentCloudConfigError(
            "[tencentcloud] shared_quota_redis_url is set but the redis client is not installed: "
            "pip install 'airflow-provider-tencent[redis]'"
        ) from None
    return redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)


class SharedQuota:
    """``acquire()`` blocks until the account's shared quota admits one more request (see the module notes).

    :param client: a ``redis.Redis`` (:func:`redis_client`).
    :param key: the account's key for this action (:func:`account_key`).
    :param rate: the account's quota of the action, requests per second.
    :param margin: the window is ``1 + margin`` seconds (room for the jitter between the slot and the arrival).
    :param max_wait: seconds one request may wait for a slot before :class:`TencentCloudSharedQuotaTimeout`.
    :param retry_after: seconds during which Redis is not asked again after it failed.
    :param log: where the outage warning goes.
    """

    def __init__(
        self,
        client: Any,
        key: str,
        rate: float,
        *,
        margin: float = 0.02,
        max_wait: float = 120.0,
        retry_after: float = 30.0,
        log: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.key = key
        self.limit = max(1, int(rate))
        self.window_us = round(self.limit / rate * (1.0 + margin) * 1_000_000)
        self.max_wait = max_wait
        self.retry_after = retry_after
        self.log = log if log is not None else logging.getLogger(__name__)
        self._clock = clock
        self._script = client.register_script(SLIDING_WINDOW)
        self._token = f"{os.getpid()}-{threading.get_ident()}-{id(self)}"
        self._count = 0
        self._lock = threading.Lock()
        self._down_until = 0.0
        self.waits = 0
        """Answers that said "wait" (for the bench and the logs)."""
        self.outages = 0

    def _member(self) -> str:
        with self._lock:
            self._count += 1
            return f"{self._token}-{self._count}"

    def acquire(self, sleep: Callable[[float], None] = time.sleep) -> None:
        """Block until Redis admits this request; ``sleep`` waits (the local limiter's, which stops on cancel).

        :raises TencentCloudSharedQuotaTimeout: no slot within ``max_wait`` seconds (the request is not sent).
        """
        started = self._clock()
        while True:
            wait_ms = self._ask()
            if wait_ms <= 0:
                return
            with self._lock:
                self.waits += 1
            waited = self._clock() - started
            if waited + wait_ms / 1000 > self.max_wait:
                raise TencentCloudSharedQuotaTimeout(
                    f"no slot of the shared quota {self.key} within {self.max_wait:g} s: other tasks of the "
                    "account keep it full; the request was not sent"
                )
            sleep(wait_ms / 1000)

    def _ask(self) -> int:
        """Redis's answer (0: admitted; else ms to wait); 0 when Redis cannot be asked (the outage is logged)."""
        if self._clock() < self._down_until:
            return 0
        try:
            return int(self._script(keys=[self.key], args=[self.limit, self.window_us, self._member()]))
        except Exception as exc:  # any Redis failure: the local limiter alone, for a while
            with self._lock:
                self.outages += 1
                self._down_until = self._clock() + self.retry_after
            self.log.warning(
                "shared quota %s: Redis failed (%s); pacing on this task's own limiter alone for %g s",
                self.key,
                type(exc).__name__,
                self.retry_after,
            )
            return 0


def shared_quota_from_setting(
    account: str, region: str, service: str, action: str, rate: float, log: Any = None
) -> SharedQuota | None:
    """The shared limiter of ``account``'s quota of ``action`` when ``[tencentcloud] shared_quota_redis_url``
    is set, else ``None`` (the default: each task paces alone).

    :param account: what names the account (its SecretId); only a hash of it reaches Redis or the logs.
    :raises TencentCloudConfigError: the setting is set and the ``redis`` client is not installed.
    """
    url = shared_quota_setting()
    if url is None:
        return None
    quota = SharedQuota(redis_client(url), account_key(account, region, service, action), rate, log=log)
    if log is not None:
        log.info("%s: sharing the account's quota of %g/s through Redis (key %s)", action, rate, quota.key)
    return quota
