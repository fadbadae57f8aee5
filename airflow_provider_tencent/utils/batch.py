"""Run many API calls in one task at the action's quota: paced, concurrent, checkpointed, resumable.

:func:`run_batch` takes ``(key, payload)`` items and a ``send`` function, and returns one
:class:`ItemResult` per item - nothing lost: an item is ``created``, ``exists`` (already done:
by a previous attempt, found in the checkpoint or confirmed by the service), ``skipped`` or
``failed`` with its code and message. Items whose checkpoint says ``done`` are not sent again.

Concurrency is bounded (a fixed pool of worker threads pulling from the item iterator), so a
picture is only read when its worker sends it: memory does not grow with the batch.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from airflow_provider_tencent.exceptions import TencentCloudAPIError, TencentCloudError, TencentCloudInputError
from airflow_provider_tencent.utils.checkpoint import Journal

Status = Literal["created", "exists", "skipped", "failed", "ambiguous"]


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
        return self.status in ("created", "exists", "skipped")

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
    if isinstance(exc, TencentCloudAPIError):
        status: Status = "ambiguous" if exc.__class__.__name__ == "TencentCloudAmbiguousError" else "failed"
        return ItemResult(key, status, exc.code, f"{exc}", exc.request_id)
    if isinstance(exc, TencentCloudInputError):
        return ItemResult(key, "failed", "InvalidInput", f"{exc}")
    if isinstance(exc, TencentCloudError):
        return ItemResult(key, "failed", type(exc).__name__, f"{exc}")
    return ItemResult(key, "failed", type(exc).__name__, f"{exc}"[:500])


@dataclass
class BatchReport:
    results: list[ItemResult]
    elapsed: float

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
            "failed": len(failed),
            "failures": {r.key: f"{r.code}: {r.message}" for r in failed[:max_listed]},
            "elapsed_seconds": round(self.elapsed, 3),
        }


def run_batch(
    items: Iterable[tuple[str, Any]],
    send: Callable[[str, Any], ItemResult],
    *,
    concurrency: int,
    journal: Journal | None = None,
    journal_intent: bool = False,
    on_unfinished: Callable[[str, Any], ItemResult | None] | None = None,
    log: Any = None,
) -> BatchReport:
    """Send every item with at most ``concurrency`` in flight; pacing is ``send``'s business.

    :param journal: checkpoint; items it holds as ``done`` are reported without a call.
    :param journal_intent: journal ``sending`` durably before each call (for creates that a repeat
        would duplicate), so that a later attempt can tell which items may have been processed.
    :param on_unfinished: for an item journalled ``sending`` but never ``done`` (the worker died
        mid-call): return its result without sending, or ``None`` to send it again.
    """
    started = time.monotonic()
    done: dict[str, dict[str, Any]] = journal.load() if journal else {}
    results: dict[str, ItemResult] = {}
    order: list[str] = []
    lock = threading.Lock()
    iterator: Iterator[tuple[str, Any]] = iter(items)
    seen: set[str] = set()

    def next_item() -> tuple[str, Any] | None:
        with lock:
            for key, payload in iterator:
                if key in seen:
                    if log is not None:
                        log.warning("item %s is listed twice: sent once", key)
                    continue
                seen.add(key)
                order.append(key)
                return key, payload
            return None

    def finish(result: ItemResult) -> None:
        with lock:
            results[result.key] = result
        if journal and result.status != "failed" and result.status != "ambiguous":
            journal.record({"key": result.key, "state": "done", **result.as_dict()})

    def worker() -> None:
        while (entry := next_item()) is not None:
            key, payload = entry
            previous = done.get(key)
            if previous and previous.get("state") == "done":
                prior = ItemResult.from_record(previous)
                if prior.status == "created":
                    prior.status = "exists"
                    prior.message = "done in a previous attempt (checkpoint)"
                with lock:
                    results[key] = prior
                continue
            if previous and previous.get("state") == "sending" and on_unfinished is not None:
                settled = on_unfinished(key, payload)
                if settled is not None:
                    with lock:
                        results[key] = settled
                    continue
            if journal and journal_intent:
                journal.record({"key": key, "state": "sending"}, durable=True)
            try:
                result = send(key, payload)
            except Exception as exc:
                result = failure(key, exc)
                if log is not None:
                    log.warning("item %s failed: %s", key, result.message)
            finish(result)

    threads = [threading.Thread(target=worker, name=f"batch-{i}", daemon=True) for i in range(max(1, concurrency))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if journal:
        journal.flush()
    return BatchReport([results[k] for k in order if k in results], time.monotonic() - started)
