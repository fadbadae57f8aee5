"""Run many API calls in one task at the action's quota: paced, concurrent, checkpointed, resumable.

:func:`run_batch` takes ``(key, payload)`` items and a ``send`` function, and returns one
:class:`ItemResult` per item - nothing lost: an item is ``created``, ``exists`` (already done:
by a previous attempt, found in the checkpoint or confirmed by the service), ``skipped`` or
``failed`` with its code and message. Items whose checkpoint says ``done`` are not sent again.

One producer (the calling thread) pulls from the item iterator and hands items to a fixed pool
of worker threads through a bounded queue, so a picture is only read when its worker sends it and
memory does not grow with the batch. The batch *stops* early, :attr:`BatchReport.aborted` saying
why, the checkpoint flushed, when:

* the item iterator raises (a storage listing failing, an input that does not parse) or gives the
  same key twice with different content: nothing more is listed, the items listed before are
  finished;
* the checkpoint cannot be written: no queued item is started any more, those in flight finish;
* nothing succeeded for ``give_up_after`` seconds while throttling or transient failures went on.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from airflow_provider_tencent.batch.checkpoint import Journal
from airflow_provider_tencent.batch.progress import Progress
from airflow_provider_tencent.contracts import ErrorKind
from airflow_provider_tencent.exceptions import (
    TencentCloudAmbiguousError,
    TencentCloudAPIError,
    TencentCloudCheckpointError,
    TencentCloudError,
    TencentCloudInputError,
)
from airflow_provider_tencent.utils.secrets import redact_text

Status = Literal["created", "exists", "skipped", "done", "failed", "ambiguous"]
"""``done``: a read-only action answered (a search); ``created``/``exists``/``skipped``: a create."""


@dataclass
class ItemResult:
    key: str
    status: Status
    code: str | None = None
    message: str | None = None
    request_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("created", "exists", "skipped", "done")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "status": self.status, "RequestId": self.request_id, **self.data}
        if self.code:
            out["code"] = self.code
        if self.message:
            out["message"] = self.message
        return out

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ItemResult:
        data = {k: v for k, v in record.items() if k not in ("key", "state", "status", "code", "message", "RequestId")}
        return cls(
            key=f"{record['key']}",
            status=record.get("status", "exists"),
            code=record.get("code"),
            message=record.get("message"),
            request_id=record.get("RequestId"),
            data=data,
        )


def in_shard(key: str, shard: int, shards: int) -> bool:
    """Stable assignment of ``key`` to one of ``shards`` (same answer on every worker)."""
    return shards <= 1 or zlib.crc32(key.encode("utf-8")) % shards == shard


def failure(key: str, exc: BaseException) -> ItemResult:
    """The result of an item whose send raised ``exc``; its message is redacted (it is persisted)."""
    if isinstance(exc, TencentCloudAPIError):
        status: Status = "ambiguous" if isinstance(exc, TencentCloudAmbiguousError) else "failed"
        return ItemResult(key, status, exc.code, redact_text(f"{exc}"), exc.request_id)
    if isinstance(exc, TencentCloudInputError):
        return ItemResult(key, "failed", "InvalidInput", redact_text(f"{exc}"))
    if isinstance(exc, TencentCloudError):
        return ItemResult(key, "failed", type(exc).__name__, redact_text(f"{exc}"))
    return ItemResult(key, "failed", type(exc).__name__, redact_text(f"{exc}")[:500])


def _transient(exc: BaseException) -> bool:
    """A failure that says nothing about the item: throttling, a passing server or network fault."""
    return isinstance(exc, TencentCloudAPIError) and (
        exc.kind in (ErrorKind.THROTTLED, ErrorKind.TRANSIENT) or not exc.sent
    )


def fingerprint(payload: Any) -> str:
    """A stable text of ``payload``, to tell a repeated item from a different one under the same key."""
    return json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)


@dataclass
class BatchReport:
    """What a batch did. ``aborted`` is why it stopped early (``None`` when it went to the end);
    ``not_started`` counts the items it listed but never started then."""

    results: list[ItemResult]
    elapsed: float
    aborted: BaseException | None = None
    not_started: int = 0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failures(self) -> list[ItemResult]:
        return [r for r in self.results if not r.ok]

    def summary(self, max_listed: int = 100) -> dict[str, Any]:
        failed = self.failures
        return {
            "total": len(self.results),
            "created": self.count("created"),
            "exists": self.count("exists"),
            "skipped": self.count("skipped"),
            "done": self.count("done"),
            "failed": len(failed),
            "failures": {r.key: f"{r.code}: {r.message}" for r in failed[:max_listed]},
            "elapsed_seconds": round(self.elapsed, 3),
            **({"stopped": redact_text(f"{self.aborted}"), "not_started": self.not_started} if self.aborted else {}),
        }


SendFn = Callable[[str, Any, Callable[[], None]], ItemResult]


class _SendingMark:
    """The ``mark_sending`` callback handed to ``send`` for one item.

    The first call journals the item ``sending`` durably when ``journal`` is given (a create whose
    repeat would duplicate); every call after it does nothing. :attr:`called` tells whether the
    request may have left.
    """

    def __init__(self, key: str, journal: Journal | None) -> None:
        self.key = key
        self.journal = journal
        self.called = False

    def __call__(self) -> None:
        if self.called:
            return
        if self.journal is not None:
            self.journal.record({"key": self.key, "state": "sending"}, durable=True)
        self.called = True


class BatchRun:
    """One run of :func:`run_batch`: its state and its steps (see :func:`run_batch` for the parameters).

    The calling thread is the producer (:meth:`run` lists the items and queues them); ``concurrency``
    worker threads take them from the bounded queue (:meth:`_work`). Every attribute that workers
    share with the producer is read and written under :attr:`lock`; :attr:`stop` tells workers to
    start nothing more. A ``BatchRun`` is used once.
    """

    def __init__(
        self,
        send: SendFn,
        *,
        concurrency: int,
        journal: Journal | None = None,
        journal_intent: bool = False,
        on_unfinished: Callable[[str, Any], ItemResult | None] | None = None,
        log: Any = None,
        give_up_after: float | None = None,
        limiter: Any = None,
        clock: Callable[[], float] = time.monotonic,
        total: int | None = None,
        label: str = "",
        throttled: Callable[[], int] | None = None,
    ) -> None:
        self.send = send
        self.concurrency = max(1, concurrency)
        self.journal = journal
        self.journal_intent = journal_intent
        self.on_unfinished = on_unfinished
        self.log = log
        self.give_up_after = give_up_after
        self.limiter = limiter
        self.clock = clock
        self.started = clock()
        self.done: dict[str, dict[str, Any]] = journal.load() if journal is not None else {}
        if journal is not None and journal.torn_lines and log is not None:
            log.warning("checkpoint %s: %d torn line(s) skipped", journal.location, journal.torn_lines)
        self.results: dict[str, ItemResult] = {}
        self.order: list[str] = []
        self.seen: dict[str, str] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.reasons: list[BaseException] = []
        self.last_success = self.started
        self.transient_failures = 0
        self.throttled_at_success = getattr(limiter, "throttled", 0)
        self.work: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=self.concurrency * 2)
        self.progress = Progress(
            total,
            log=log if log is not None else logging.getLogger(__name__),
            label=label,
            throttled=throttled or ((lambda: limiter.throttled) if hasattr(limiter, "throttled") else None),
            clock=clock,
        )

    def run(self, items: Iterable[tuple[str, Any]]) -> BatchReport:
        """List and send every item, wait for the workers, flush the checkpoint and report.

        A listing that raises aborts the batch without halting it: the items listed before are
        finished. The workers are always stopped and joined, whatever the listing did.
        """
        threads = [threading.Thread(target=self._work, name=f"batch-{i}", daemon=True) for i in range(self.concurrency)]
        for thread in threads:
            thread.start()
        try:
            self._produce(items)
        except Exception as exc:  # the listing failed: list no more, finish what was listed, fail
            self.abort(exc, halt=False)
        finally:
            for _ in threads:
                self._put_watching(None)
            self._join_watching(threads)
        self._flush()
        self.progress.finish()
        return self._report()

    def abort(self, exc: BaseException, *, halt: bool = True) -> None:
        """Record why the batch stops (the first reason wins); ``halt`` also stops the workers from
        starting queued items and cancels the limiter's waits (a listing error does not halt: what
        was listed before it is valid and is finished)."""
        with self.lock:
            if not self.reasons:
                self.reasons.append(exc)
        if halt:
            self.stop.set()
            if self.limiter is not None and hasattr(self.limiter, "cancel"):
                self.limiter.cancel(f"the batch stopped ({type(exc).__name__})")

    # -- producer -------------------------------------------------------------------------------

    def _produce(self, items: Iterable[tuple[str, Any]]) -> None:
        """Queue each listed item once, in listing order, until the batch stops.

        An item listed again with the same content is skipped with a warning; with different content
        the batch aborts (without halting) and nothing more is listed.
        """
        for key, payload in items:
            if self.stop.is_set():
                return
            mark = fingerprint(payload)
            if key in self.seen:
                if self.seen[key] == mark:
                    if self.log is not None:
                        self.log.warning("item %s is listed twice with the same content: sent once", key)
                    continue
                self.abort(_conflicting_key(key), halt=False)
                return
            self.seen[key] = mark
            with self.lock:
                self.order.append(key)
            self._enqueue((key, payload))
        self.progress.set_total(len(self.order))  # the listing ended: the total is known

    def _enqueue(self, entry: tuple[str, Any]) -> None:
        """Put ``entry`` on the work queue, running the watchdog while it is full; give up once stopping."""
        while not self.stop.is_set():
            try:
                self.work.put(entry, timeout=0.2)
                return
            except queue.Full:
                self._watchdog()

    def _put_watching(self, entry: tuple[str, Any] | None) -> None:
        """Put ``entry`` (``None``: a worker's end mark) on the queue, however long it stays full: the
        queue may be full of items waiting for busy workers, so the watchdog keeps running meanwhile."""
        while True:
            try:
                self.work.put(entry, timeout=0.2)
                return
            except queue.Full:
                self._watchdog()

    def _join_watching(self, threads: list[threading.Thread]) -> None:
        """Wait for every worker to end, running the watchdog while they work."""
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.2)
                self._watchdog()

    # -- workers --------------------------------------------------------------------------------

    def _work(self) -> None:
        """A worker thread: process queued items until its end mark; once stopping, drain the queue
        without starting anything. An unexpected error (a bug of ours) stops the batch rather than
        losing the item silently."""
        while True:
            entry = self.work.get()
            if entry is None:
                return
            if self.stop.is_set():
                continue
            try:
                self._process(*entry)
            except Exception as exc:
                self.abort(exc)

    def _process(self, key: str, payload: Any) -> None:
        """Settle one item: from the checkpoint, through ``on_unfinished``, or by sending it."""
        if self._settled_by_checkpoint(key) or self._settled_as_unfinished(key, payload):
            return
        self._send(key, payload)

    def _settled_by_checkpoint(self, key: str) -> bool:
        """Report an item the checkpoint holds as ``done`` without sending it (a ``created`` becomes
        ``exists``); ``False`` when the checkpoint does not hold it as done."""
        previous = self.done.get(key)
        if not previous or previous.get("state") != "done":
            return False
        prior = ItemResult.from_record(previous)
        if prior.status == "created":
            prior.status = "exists"
            prior.message = "done in a previous attempt (checkpoint)"
        with self.lock:
            self.results[key] = prior
        self.progress.record(True, resumed=True)
        return True

    def _settled_as_unfinished(self, key: str, payload: Any) -> bool:
        """For an item journalled ``sending`` or ``ambiguous``, take ``on_unfinished``'s result (journalled
        ``ambiguous``); ``False`` when there is none and the item must be sent again."""
        previous = self.done.get(key)
        if not previous or previous.get("state") not in ("sending", "ambiguous") or self.on_unfinished is None:
            return False
        settled = self.on_unfinished(key, payload)
        if settled is None:
            return False
        with self.lock:
            self.results[key] = settled
        self.progress.record(settled.ok)
        if self.journal is not None:
            self.journal.record({"key": key, "state": "ambiguous", **settled.as_dict()})
        return True

    def _send(self, key: str, payload: Any) -> None:
        """Send one item and record its result; a checkpoint that cannot be written stops the batch."""
        mark = _SendingMark(key, self.journal if self.journal_intent else None)
        try:
            result = self.send(key, payload, mark)
        except TencentCloudCheckpointError as exc:
            self.abort(exc)
            return
        except Exception as exc:
            result = self._failed(key, exc)
        self._finish(result, mark.called)

    def _failed(self, key: str, exc: Exception) -> ItemResult:
        """The result of an item whose send raised ``exc``: logged, counted when transient, and the
        watchdog consulted."""
        result = failure(key, exc)
        if self.log is not None:
            self.log.warning("item %s failed: %s", key, result.message)
        if _transient(exc):
            with self.lock:
                self.transient_failures += 1
        self._watchdog()
        return result

    def _finish(self, result: ItemResult, marked: bool) -> None:
        """Record an item's result; a success resets the watchdog's counters. The checkpoint gets
        ``done``, ``failed`` or ``ambiguous``, durably when it replaces a durable ``sending``."""
        with self.lock:
            self.results[result.key] = result
            if result.ok:
                self.last_success = max(self.last_success, self.clock())
                self.transient_failures = 0
                self.throttled_at_success = getattr(self.limiter, "throttled", 0)
        self.progress.record(result.ok)
        if self.journal is None:
            return
        state = "done" if result.ok else result.status  # failed | ambiguous
        durable = self.journal_intent and marked and not result.ok
        self.journal.record({"key": result.key, "state": state, **result.as_dict()}, durable=durable)

    # -- watchdog and end -----------------------------------------------------------------------

    def _watchdog(self) -> None:
        """Log a progress line when one is due; give up when nothing succeeded for ``give_up_after``
        seconds under throttling or faults."""
        self.progress.tick()
        if self.give_up_after is None or self.stop.is_set():
            return
        with self.lock:
            quiet = self.clock() - self.last_success
            throttles = getattr(self.limiter, "throttled", 0) - self.throttled_at_success
            failures = self.transient_failures
        if quiet > self.give_up_after and (throttles > 0 or failures > 0):
            self.abort(
                TencentCloudError(
                    f"gave up: no item succeeded for {quiet:.0f} s (give_up_after={self.give_up_after:g} s) while "
                    f"the service kept throttling ({throttles} RequestLimitExceeded) or failing ({failures} "
                    "items); a retry resumes from the checkpoint"
                )
            )

    def _flush(self) -> None:
        """Flush the checkpoint; a failure to write it aborts the batch."""
        if self.journal is None:
            return
        try:
            self.journal.flush()
        except TencentCloudCheckpointError as exc:
            self.abort(exc)

    def _report(self) -> BatchReport:
        """Every started item's result in listing order, the first abort reason, and how many listed
        items were never started."""
        listed = [self.results[k] for k in self.order if k in self.results]
        return BatchReport(
            listed,
            self.clock() - self.started,
            aborted=self.reasons[0] if self.reasons else None,
            not_started=len(self.order) - len(listed),
        )


def _conflicting_key(key: str) -> TencentCloudInputError:
    """The error for a key listed twice with different content."""
    return TencentCloudInputError(
        f"item key {key!r} is listed twice with different content; give each item its own key",
        field="items",
        item=key,
    )


def run_batch(
    items: Iterable[tuple[str, Any]],
    send: SendFn,
    *,
    concurrency: int,
    journal: Journal | None = None,
    journal_intent: bool = False,
    on_unfinished: Callable[[str, Any], ItemResult | None] | None = None,
    log: Any = None,
    give_up_after: float | None = None,
    limiter: Any = None,
    clock: Callable[[], float] = time.monotonic,
    total: int | None = None,
    label: str = "",
    throttled: Callable[[], int] | None = None,
) -> BatchReport:
    """Send every item with at most ``concurrency`` in flight; pacing is ``send``'s business.

    ``send(key, payload, mark_sending)`` sends one item and returns its result; it must call
    ``mark_sending()`` right before the request leaves (after validation, reading the picture,
    presigning, the rate-limit wait and the credential refresh: ``TencentCloudHook.call``'s
    ``before_send``). Nothing is ever sent for an item before that call.

    :param journal: checkpoint; items it holds as ``done`` are reported without a call, items it
        holds as ``failed`` are sent again.
    :param journal_intent: ``mark_sending`` journals ``sending`` durably (for creates that a repeat
        would duplicate), so that a later attempt can tell which items may have been processed. An
        item that then fails without having reached the service is journalled ``failed`` (sent
        again by a retry); one that may have reached it, ``ambiguous``.
    :param on_unfinished: for an item journalled ``sending`` or ``ambiguous`` (the worker died
        mid-call, or the answer was not definite): return its result without sending, or ``None`` to
        send it again.
    :param give_up_after: stop the batch when no item succeeded for this many seconds while
        throttling (``limiter.throttled`` grew) or transient failures went on (``None``: never). A
        watchdog checks it while items are still retrying, so a storm cannot hold the batch.
    :param limiter: the batch's rate limiter: read for throttles, and cancelled when the batch
        stops, so that requests waiting for a slot (retries) are not sent.
    :param total: how many items ``items`` lists, when known before listing them (a list): progress
        lines (:class:`~airflow_provider_tencent.batch.progress.Progress`, INFO on ``log``) then give
        the percentage and the ETA; otherwise those appear once the listing ended.
    :param label: what the progress lines start with (the action).
    :param throttled: the throttled answers so far, for the progress lines (default ``limiter.throttled``).
    :return: every started item's result, in listing order; ``aborted`` set when the batch stopped
        early (the caller must fail the task then).
    """
    return BatchRun(
        send,
        concurrency=concurrency,
        journal=journal,
        journal_intent=journal_intent,
        on_unfinished=on_unfinished,
        log=log,
        give_up_after=give_up_after,
        limiter=limiter,
        clock=clock,
        total=total,
        label=label,
        throttled=throttled,
    ).run(items)
