"""Progress lines of a long batch: one INFO line every ``interval`` seconds or every tenth of it.

A batch of 10,000 items at 10 requests/s runs for about 17 minutes. :class:`Progress` is fed each
item's outcome (done or failed) and reads the throttled answers its rate limiter absorbed; it logs

``CreateImage progress: 3000/10000 (30%) done=2990 failed=10 throttled=240 rate=9.9/s eta=11m47s``

when ``interval`` seconds (default :data:`DEFAULT_INTERVAL`, 30) passed since its last line or
another ``step`` (10 %) of the total completed, and one final line. ``rate`` is the items completed
in this run over the time since it started; items a checkpoint already held as done (``resumed=``)
are completed but excluded from the rate. When the total is not known yet (items listed lazily from
a storage prefix) the line reads ``3000/?`` without the percentage and the ETA, and only the
interval applies. Thread-safe: batch workers report concurrently.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

#: Seconds between two progress lines when no ``step`` of the batch was completed meanwhile.
DEFAULT_INTERVAL = 30.0
#: The share of the total after which a line is logged whatever the time (a tenth).
DEFAULT_STEP = 0.10


class KnownListing:
    """Items listed lazily whose keys are known beforehand (a list input checked whole, then passed
    through a generator): a batch can count them, for its progress lines, before listing them.

    :param items: the ``(key, payload)`` pairs, iterated once.
    :param known_keys: the keys ``items`` will give, in any order.
    """

    def __init__(self, items: Iterable[tuple[str, Any]], known_keys: Sequence[str]) -> None:
        self.items = items
        self.known_keys = known_keys

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self.items)


def known_keys(listing: Iterable[tuple[str, Any]]) -> Sequence[str] | None:
    """The keys ``listing`` will give without iterating it: a list's or a :class:`KnownListing`'s;
    ``None`` for a lazy listing (a storage prefix)."""
    if isinstance(listing, KnownListing):
        return listing.known_keys
    if isinstance(listing, Sequence):
        return [key for key, _ in listing]
    return None


def duration_text(seconds: float) -> str:
    """``seconds`` as ``45s``, ``11m47s`` or ``2h05m`` (rounded to the second)."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


class Progress:
    """Counts a batch's outcomes and logs a progress line at most every ``interval`` s or ``step`` of it.

    :param total: the items the batch will complete, ``None`` while unknown (see :meth:`set_total`).
    :param log: the logger the INFO lines go to.
    :param label: what the lines start with (the action, ``Sync``...); none when empty.
    :param throttled: the throttled answers so far (the rate limiter's count); ``None``: not shown.
    :param interval: seconds after which a line is due (default :data:`DEFAULT_INTERVAL`).
    :param step: the share of ``total`` after which a line is due (default a tenth; ``1/step`` is
        rounded to a whole number of steps).
    :param clock: monotonic seconds (a fake one in tests).
    """

    def __init__(
        self,
        total: int | None,
        *,
        log: Any,
        label: str = "",
        throttled: Callable[[], int] | None = None,
        interval: float | None = None,
        step: float = DEFAULT_STEP,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.log = log
        self.label = label
        self.throttled = throttled
        self.interval = DEFAULT_INTERVAL if interval is None else interval
        self.clock = clock
        self.started = clock()
        self.last_line = self.started
        self.done = 0
        self.failed = 0
        self.resumed = 0
        self.lines = 0
        self.steps = max(1, round(1 / step))
        self._step_index = 0
        self._lock = threading.Lock()

    @property
    def completed(self) -> int:
        """Items done or failed so far (resumed ones included)."""
        return self.done + self.failed

    def set_total(self, total: int) -> None:
        """The total, once known (the listing ended): percentages, ETA and steps apply from now on."""
        with self._lock:
            self.total = total

    def record(self, ok: bool, *, resumed: bool = False) -> None:
        """One item completed: ``ok`` (done) or failed; ``resumed``: settled from the checkpoint, unsent.
        Logs a line when one is due."""
        with self._lock:
            if ok:
                self.done += 1
            else:
                self.failed += 1
            if resumed:
                self.resumed += 1
            line = self._due_line(self.clock())
        if line is not None:
            self.log.info("%s", line)

    def tick(self) -> None:
        """Log a line when ``interval`` seconds passed since the last one (a batch waiting on retries)."""
        with self._lock:
            now = self.clock()
            line = self._line(now) if now - self.last_line >= self.interval else None
            if line is not None:
                self.last_line = now
                self.lines += 1
        if line is not None:
            self.log.info("%s", line)

    def finish(self) -> None:
        """Log the final line (always)."""
        with self._lock:
            self.lines += 1
            line = self._line(self.clock())
        self.log.info("%s", line)

    def _due_line(self, now: float) -> str | None:
        """The line due now (the interval passed, or the next step of a known total reached below
        100 % - the final line says 100 %), counted; ``None`` when none is due. Under the lock."""
        by_step = False
        if self.total:
            index = self.completed * self.steps // self.total  # whole steps completed (integers: no rounding)
            if index > self._step_index:
                self._step_index = index
                by_step = self.completed < self.total
        if not by_step and now - self.last_line < self.interval:
            return None
        self.last_line = now
        self.lines += 1
        return self._line(now)

    def _line(self, now: float) -> str:
        """The progress text at ``now``. Under the lock."""
        elapsed = max(now - self.started, 1e-9)
        rate = (self.completed - self.resumed) / elapsed
        head = f"{self.label} progress: " if self.label else "progress: "
        if self.total:
            head += f"{self.completed}/{self.total} ({math.floor(100 * self.completed / self.total)}%)"
        else:
            head += f"{self.completed}/?"
        parts = [head, f"done={self.done}", f"failed={self.failed}"]
        if self.resumed:
            parts.append(f"resumed={self.resumed}")
        if self.throttled is not None:
            parts.append(f"throttled={self.throttled()}")
        parts.append(f"rate={rate:.1f}/s" if rate >= 1 else f"rate={rate:.2g}/s")  # 0.033/s, not 0.0/s
        if self.total:
            remaining = max(0, self.total - self.completed)
            parts.append(f"eta={duration_text(remaining / rate) if rate > 0 else '?'}")
        return " ".join(parts)


def sync_progress(plan: dict[str, list[str]], limiter: Any, log: Any) -> Progress:
    """The progress of a gallery sync carrying out ``plan`` (its ``create``, ``replace``, ``finish``
    and ``delete`` keys; a key both replaced and finished is one step), throttles read from ``limiter``."""
    finishing = set(plan.get("finish", ())) - set(plan.get("replace", ()))
    total = len(plan.get("create", ())) + len(plan.get("replace", ())) + len(finishing) + len(plan.get("delete", ()))
    return Progress(total, log=log, label="Sync", throttled=lambda: limiter.throttled)
