"""A thread-safe pacing rate limiter: requests leave evenly spaced, never in bursts.

The quota of a Tencent Cloud action is counted per second on the server. Sending evenly spaced
requests at ``rate x safety`` keeps every sliding one-second window at or under the quota even with
a few milliseconds of jitter between here and the server, while achieving ``safety`` of the quota.

On ``RequestLimitExceeded`` (someone else shares the quota) the rate halves and the next slot is
pushed back; it then recovers linearly to the target over ``recovery_seconds``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(
        self,
        rate: float,
        *,
        safety: float = 0.985,
        min_fraction: float = 0.1,
        recovery_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be > 0, got {rate}")
        self.target = rate * safety
        self.current = self.target
        self.min_rate = self.target * min_fraction
        self.recovery_seconds = recovery_seconds
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._last_update = clock()
        self._lock = threading.Lock()
        self.throttled = 0

    def _recover(self, now: float) -> None:
        if self.current < self.target:
            step = self.target * (now - self._last_update) / self.recovery_seconds
            self.current = min(self.target, self.current + step)
        self._last_update = now

    def acquire(self) -> None:
        """Block until this caller's send slot."""
        with self._lock:
            now = self._clock()
            self._recover(now)
            slot = max(now, self._next)
            self._next = slot + 1.0 / self.current
        delay = slot - now
        if delay > 0:
            self._sleep(delay)

    def on_throttled(self) -> None:
        """The server said ``RequestLimitExceeded``: slow down at once."""
        with self._lock:
            now = self._clock()
            self.throttled += 1
            self.current = max(self.min_rate, self.current / 2)
            self._last_update = now
            self._next = max(self._next, now) + 1.0 / self.current
