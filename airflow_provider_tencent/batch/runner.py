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
import queue
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from airflow_provider_tencent.batch.checkpoint import Journal
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
    :return: every started item's result, in listing order; ``aborted`` set when the batch stopped
        early (the caller must fail the task then).
    """
    started = clock()
    done: dict[str, dict[str, Any]] = journal.load() if journal else {}
    if journal and journal.torn_lines and log is not None:
        log.warning("checkpoint %s: %d torn line(s) skipped", journal.location, journal.torn_lines)
    results: dict[str, ItemResult] = {}
    order: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    reasons: list[BaseException] = []
    last_success = [started]
    transient_failures = [0]
    throttled_at_success = [getattr(limiter, "throttled", 0)]
    work: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=max(1, concurrency) * 2)

    def abort(exc: BaseException, *, halt: bool = True) -> None:
        """Record why the batch stops; ``halt`` also stops the workers from starting queued items
        (a listing error does not: what was listed before it is valid and is finished)."""
        with lock:
            if not reasons:
                reasons.append(exc)
        if halt:
            stop.set()
            if limiter is not None and hasattr(limiter, "cancel"):
                limiter.cancel(f"the batch stopped ({type(exc).__name__})")

    def finish(key: str, result: ItemResult, marked: bool) -> None:
        with lock:
            results[result.key] = result
            if result.ok:
                last_success[0] = max(last_success[0], clock())
                transient_failures[0] = 0
                throttled_at_success[0] = getattr(limiter, "throttled", 0)
        if not journal:
            return
        state = "done" if result.ok else result.status  # failed | ambiguous
        durable = journal_intent and marked and not result.ok  # replaces a durable "sending"
        journal.record({"key": result.key, "state": state, **result.as_dict()}, durable=durable)

    def process(key: str, payload: Any) -> None:
        previous = done.get(key)
        state = previous.get("state") if previous else None
        if previous and state == "done":
            prior = ItemResult.from_record(previous)
            if prior.status == "created":
                prior.status = "exists"
                prior.message = "done in a previous attempt (checkpoint)"
            with lock:
                results[key] = prior
            return
        if previous and state in ("sending", "ambiguous") and on_unfinished is not None:
            settled = on_unfinished(key, payload)
            if settled is not None:
                with lock:
                    results[key] = settled
                if journal:
                    journal.record({"key": key, "state": "ambiguous", **settled.as_dict()})
                return
        marked = [False]

        def mark_sending() -> None:
            if marked[0]:
                return
            if journal and journal_intent:
                journal.record({"key": key, "state": "sending"}, durable=True)
            marked[0] = True

        try:
            result = send(key, payload, mark_sending)
        except TencentCloudCheckpointError as exc:
            abort(exc)
            return
        except Exception as exc:
            result = failure(key, exc)
            if log is not None:
                log.warning("item %s failed: %s", key, result.message)
            if _transient(exc):
                with lock:
                    transient_failures[0] += 1
            watchdog()
        finish(key, result, marked[0])

    def watchdog() -> None:
        """Give up when nothing succeeded for ``give_up_after`` seconds under throttling or faults."""
        if give_up_after is None or stop.is_set():
            return
        with lock:
            quiet = clock() - last_success[0]
            throttles = getattr(limiter, "throttled", 0) - throttled_at_success[0]
            failures = transient_failures[0]
        if quiet > give_up_after and (throttles > 0 or failures > 0):
            abort(
                TencentCloudError(
                    f"gave up: no item succeeded for {quiet:.0f} s (give_up_after={give_up_after:g} s) while "
                    f"the service kept throttling ({throttles} RequestLimitExceeded) or failing ({failures} "
                    "items); a retry resumes from the checkpoint"
                )
            )

    def worker() -> None:
        while True:
            entry = work.get()
            if entry is None:
                return
            if stop.is_set():
                continue  # stopping: drain without starting anything
            try:
                process(*entry)
            except TencentCloudCheckpointError as exc:
                abort(exc)
            except Exception as exc:  # a bug of ours: stop rather than lose the item silently
                abort(exc)

    threads = [threading.Thread(target=worker, name=f"batch-{i}", daemon=True) for i in range(max(1, concurrency))]
    for thread in threads:
        thread.start()
    seen: dict[str, str] = {}
    try:
        for key, payload in items:
            if stop.is_set():
                break
            mark = fingerprint(payload)
            if key in seen:
                if seen[key] == mark:
                    if log is not None:
                        log.warning("item %s is listed twice with the same content: sent once", key)
                    continue
                abort(
                    TencentCloudInputError(
                        f"item key {key!r} is listed twice with different content; give each item its own key",
                        field="items",
                        item=key,
                    ),
                    halt=False,
                )
                break
            seen[key] = mark
            with lock:
                order.append(key)
            while not stop.is_set():
                try:
                    work.put((key, payload), timeout=0.2)
                    break
                except queue.Full:
                    watchdog()
    except Exception as exc:  # the listing failed: list no more, finish what was listed, fail
        abort(exc, halt=False)
    finally:
        for _ in threads:
            while True:  # the queue may be full of items waiting for busy workers: keep watching
                try:
                    work.put(None, timeout=0.2)
                    break
                except queue.Full:
                    watchdog()
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.2)
                watchdog()
    if journal:
        try:
            journal.flush()
        except TencentCloudCheckpointError as exc:
            abort(exc)
    listed = [results[k] for k in order if k in results]
    return BatchReport(
        listed,
        clock() - started,
        aborted=reasons[0] if reasons else None,
        not_started=len(order) - len(listed),
    )
