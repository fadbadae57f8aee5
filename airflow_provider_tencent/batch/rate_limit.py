"""A thread-safe pacing rate limiter: requests leave evenly spaced, never in bursts.

The quota of a Tencent Cloud action is counted per second on the server, over a sliding window.
Two rules keep every such window at or under the quota while achieving about ``safety`` of it:

* pacing: send slots ``1 / (rate x safety)`` apart, handed out in order;
* a window guard on the times requests *actually* leave: a thread that wakes up late (a busy
  worker, the GIL) would otherwise leave its slot's spacing to the next ones, and ten requests
  100 ms apart with the first one 15 ms late make eleven in one second. So the ``n``-th request
  after any request leaves at least ``n / rate x (1 + margin)`` seconds after it, with ``n`` the
  whole part of the rate.

The first window is paced ``first_window_speedup`` (2) times faster: a batch's first requests
have no earlier ones of its own in the server's window, so the quota allows its ``n`` first
requests in half a second as well as in one, and the window guard still holds every ``n`` within
``(1 + margin)`` seconds. Pacing them at the steady rate left half a second of a short batch's
quota unused: 300 requests at 20/s take about 16 s, and that half second, the first request and
the last answer were what kept such a batch under 0.97 of its quota end to end.

When more than ``tolerance`` (15 %) of the requests sent in the last ``THROTTLE_WINDOW`` seconds
were answered ``RequestLimitExceeded`` (and at least ``MIN_THROTTLES`` of them), the next slot is pushed
back and the rate drops by ``decrease`` (x0.9) at each; it climbs back linearly (the whole target
in ``recovery_seconds``): a quota really shared with someone else throttles many requests a
second and the rate falls fast to what is left (multiplicative decrease, additive increase), while
stray throttles - 5 % of a 20/s quota is one a second - cost only the slots their retries take.
Halving at every throttle would keep a batch near half of its quota under a steady few per cent
of stray throttles.
"""

from __future__ import annotations

import collections
import math
import threading
import time
from collections.abc import Callable

from airflow_provider_tencent.batch.shared_quota import SharedQuota
from airflow_provider_tencent.exceptions import TencentCloudError


class LimiterCancelled(TencentCloudError):
    """The batch stopped while this request waited for its slot: it was not sent."""


THROTTLE_WINDOW = 5.0
"""Seconds over which throttles are counted to tell a shared quota from stray ones."""
MIN_THROTTLES = 3
"""Throttles in the window below which the pace never changes (one or two tell nothing)."""
_EPSILON = 1e-9
"""Seconds of float rounding forgiven by the window guard (``t + (a - t)`` need not reach ``a``)."""


class RateLimiter:
    """``acquire()`` blocks until the caller may send; ``on_throttled()`` slows down.

    :param rate: the quota (requests per second) this limiter may use.
    :param safety: pace at this fraction of ``rate``.
    :param margin: the window guard's extra fraction of a second (see the module notes).
    :param decrease: the rate is multiplied by this at each ``RequestLimitExceeded`` past the tolerated ones.
    :param tolerance: the share of the requests of the last ``THROTTLE_WINDOW`` seconds that may be
        throttled without slowing down.
    :param min_fraction: never slow below this fraction of the target rate.
    :param recovery_seconds: time to climb back to the target after a throttle.
    :param first_window_speedup: the first ``n`` slots (one window's worth) are this many times
        closer together (1: no speed-up).
    :param on_send: called with the ``clock`` time at which the window guard let each request go, in
        that order (under the limiter's lock): the client's own record of its sends, for whoever checks
        the pacing without the network's jitter (the tests).
    :param shared: the account's quota shared with other tasks (:mod:`.shared_quota`), asked after this
        limiter's own pacing and window guard, right before each request leaves; ``None``: this task alone.
    """

    def __init__(
        self,
        rate: float,
        *,
        safety: float = 0.985,
        margin: float = 0.02,
        decrease: float = 0.9,
        tolerance: float = 0.15,
        min_fraction: float = 0.1,
        recovery_seconds: float = 5.0,
        first_window_speedup: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_send: Callable[[float], None] | None = None,
        shared: SharedQuota | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be > 0, got {rate}")
        if not 0 < decrease < 1:
            raise ValueError(f"decrease must be between 0 and 1, got {decrease}")
        self.decrease = decrease
        self.tolerance = tolerance
        self._throttles: collections.deque[float] = collections.deque()
        self._sends: collections.deque[float] = collections.deque()
        """When requests left in the last ``THROTTLE_WINDOW`` seconds (to weigh the throttles)."""
        self.target = rate * safety
        self.current = self.target
        self.min_rate = self.target * min_fraction
        self.recovery_seconds = recovery_seconds
        window_count = max(1, math.floor(rate))
        self._window_span = window_count / rate * (1.0 + margin)
        self._sent: collections.deque[float] = collections.deque(maxlen=window_count)
        self._first_window = window_count
        """Slots left of the first window (paced ``first_window_speedup`` times faster)."""
        self._speedup = max(1.0, first_window_speedup)
        self._clock = clock
        self._sleep = sleep
        self._on_send = on_send
        self.shared = shared
        self._next = 0.0
        self._last_update = clock()
        self._lock = threading.Lock()
        self.throttled = 0
        self.guard_waits = 0
        self._cancelled: str | None = None

    def cancel(self, reason: str) -> None:
        """Refuse every later ``acquire()`` (and those waiting) with :class:`LimiterCancelled`: the
        batch stops, so a request waiting for a slot - a retry, typically - is not sent."""
        with self._lock:
            self._cancelled = reason

    def _wait(self, seconds: float) -> None:
        """Sleep ``seconds`` in short steps, leaving as soon as the limiter is cancelled."""
        while True:
            if self._cancelled is not None:
                raise LimiterCancelled(f"not sent: {self._cancelled}")
            if seconds <= 0:
                return
            step = min(seconds, 0.25)
            self._sleep(step)
            seconds -= step

    def _recover(self, now: float) -> None:
        if self.current < self.target:
            step = self.target * (now - self._last_update) / self.recovery_seconds
            self.current = min(self.target, self.current + step)
        self._last_update = now

    def acquire(self) -> None:
        """Block until this caller's send slot, then until the window guard lets it go.

        :raises LimiterCancelled: the limiter was cancelled (before or during the wait).
        """
        self.reserve()
        self.admit()

    def reserve(self) -> None:
        """The pacing half of :meth:`acquire`: block until this caller's send slot.

        A caller with work to do between its slot and the send (journalling the intent durably)
        does it between :meth:`reserve` and :meth:`admit`, so that the window guard sees the time
        the request really leaves.
        """
        self._wait(0.0)
        with self._lock:
            now = self._clock()
            self._recover(now)
            slot = max(now, self._next)
            spacing = 1.0 / self.current
            if self._first_window > 0:
                self._first_window -= 1
                spacing /= self._speedup
            self._next = slot + spacing
        if slot > now:
            self._wait(slot - now)

    def admit(self) -> None:
        """The window-guard half of :meth:`acquire`: block until the request may leave, and count it; then,
        with a ``shared`` quota, until the account's quota has room for it.

        :raises LimiterCancelled: the limiter was cancelled.
        :raises TencentCloudSharedQuotaTimeout: the shared quota had no room for ``max_wait`` seconds.
        """
        self._admit_locally()
        if self.shared is not None:
            self.shared.acquire(self._wait)

    def _admit_locally(self) -> None:
        """This task's window guard: block until its own last ``n`` sends allow one more, and count it."""
        while True:
            with self._lock:
                if self._cancelled is not None:
                    raise LimiterCancelled(f"not sent: {self._cancelled}")
                now = self._clock()
                sent = self._sent
                if len(sent) < (sent.maxlen or 1) or now - sent[0] >= self._window_span - _EPSILON:
                    sent.append(now)
                    if self._on_send is not None:
                        self._on_send(now)
                    self._sends.append(now)
                    while now - self._sends[0] >= THROTTLE_WINDOW:
                        self._sends.popleft()
                    return
                wait = sent[0] + self._window_span - now
                self.guard_waits += 1
            self._wait(wait)

    def on_throttled(self) -> None:
        """The server said ``RequestLimitExceeded``: slow down at once."""
        with self._lock:
            now = self._clock()
            self.throttled += 1
            self._throttles.append(now)
            while now - self._throttles[0] >= THROTTLE_WINDOW:
                self._throttles.popleft()
            while self._sends and now - self._sends[0] >= THROTTLE_WINDOW:
                self._sends.popleft()
            throttles = len(self._throttles)
            if throttles < MIN_THROTTLES or throttles <= self.tolerance * max(1, len(self._sends)):
                return  # stray ones: each retry takes its own slot, the pace stays
            self.current = max(self.min_rate, self.current * self.decrease)
            self._last_update = now
            self._next = max(self._next, now) + 1.0 / self.current
