"""The shared machinery of the batch operators: quota pacing, checkpoint, shards, manifest, failure rule.

A subclass says which items there are (:meth:`iter_items`), how to send one (:meth:`send_item`)
and what to return; this base does the rest:

* pacing at ``max_qps`` (default: the action's documented quota) divided by ``shards``, with
  bounded concurrency and adaptive slow-down on ``RequestLimitExceeded``;
* a checkpoint journal (``checkpoint_path``: a local file by default, ``cos://``/``s3://`` for
  executors whose retries land on another machine) so that a retry or re-run sends only what
  is not done;
* ``shards=N`` + ``shard=i``: map the operator over ``shard=range(N)`` (``expand``) and each task
  takes its stable share of the items and of the quota;
* a JSON-lines manifest of every item's result (``manifest_path``), and a task failure naming each
  failed item when more than ``max_failures`` failed.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_tencent.contracts import ApiContract
from airflow_provider_tencent.exceptions import TencentCloudBatchError, TencentCloudInputError
from airflow_provider_tencent.operators.base import HookT, TencentCloudBaseOperator
from airflow_provider_tencent.utils.batch import BatchReport, ItemResult, in_shard, run_batch
from airflow_provider_tencent.utils.checkpoint import Journal
from airflow_provider_tencent.utils.rate_limit import RateLimiter

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context


def default_checkpoint(context: Context) -> str:
    """``$AIRFLOW_HOME/tencentcloud/checkpoints/<dag>/<run>/<task>[.<map index>].jsonl``."""
    home = os.environ.get("AIRFLOW_HOME") or os.path.expanduser("~/airflow")
    ti = context["ti"]
    run_id = re.sub(r"[^A-Za-z0-9_.+-]", "_", f"{ti.run_id}")
    suffix = f".{ti.map_index}" if getattr(ti, "map_index", -1) not in (-1, None) else ""
    return os.path.join(home, "tencentcloud", "checkpoints", ti.dag_id, run_id, f"{ti.task_id}{suffix}.jsonl")


class TencentCloudBatchOperator(TencentCloudBaseOperator[HookT]):
    """Base of ``CreateImagesOperator`` and ``CreateAigcElementsOperator``.

    :param max_qps: requests per second for the whole batch (all shards together); default the
        action's documented quota.
    :param concurrency: requests in flight at most (default: enough to reach ``max_qps`` at 1 s latency).
    :param max_failures: the task fails when more items than this failed (default 0).
    :param checkpoint_path: where progress is journalled (file path, ``cos://`` or ``s3://`` folder).
    :param manifest_path: write every item's result as JSON lines to this file or object.
    :param shards: split the batch into this many mapped tasks; ``shard`` is this task's index.
    """

    contract: ClassVar[ApiContract]
    journal_intent: ClassVar[bool] = False
    template_fields: Sequence[str] = (
        *TencentCloudBaseOperator.template_fields,
        "checkpoint_path",
        "manifest_path",
        "shard",
    )

    def __init__(
        self,
        *,
        max_qps: float | None = None,
        concurrency: int | None = None,
        max_failures: int = 0,
        checkpoint_path: str | None = None,
        manifest_path: str | None = None,
        shards: int = 1,
        shard: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_qps = max_qps
        self.concurrency = concurrency
        self.max_failures = max_failures
        self.checkpoint_path = checkpoint_path
        self.manifest_path = manifest_path
        self.shards = shards
        self.shard = shard

    # -- what subclasses provide -----------------------------------------------------------
    def iter_items(self, context: Context) -> Iterator[tuple[str, Any]]:
        raise NotImplementedError

    def send_item(self, key: str, payload: Any, limiter: RateLimiter) -> ItemResult:
        raise NotImplementedError

    def on_unfinished(self, key: str, payload: Any) -> ItemResult | None:
        """An item a previous attempt sent without recording the answer; ``None`` sends it again."""
        return None

    def result_value(self, report: BatchReport, summary: dict[str, Any]) -> Any:
        return summary

    # -- the run ---------------------------------------------------------------------------
    @property
    def quota(self) -> float:
        qps = self.max_qps if self.max_qps is not None else float(self.contract.qps or 1)
        if qps <= 0:
            raise TencentCloudInputError(f"max_qps must be > 0, got {qps}", field="max_qps")
        return qps / max(1, self.shards)

    def execute(self, context: Context) -> Any:
        shards, shard = int(self.shards), int(self.shard)
        if shards < 1 or not 0 <= shard < shards:
            raise TencentCloudInputError(
                f"shard must be in 0..{shards - 1} for shards={shards}, got {shard}", field="shard"
            )
        rate = self.quota
        _ = self.hook.region  # build the hook (and read the connection) once, before the worker threads
        concurrency = self.concurrency or max(2, math.ceil(rate) + 2)
        limiter = RateLimiter(rate)
        location = self.checkpoint_path or default_checkpoint(context)
        if self.checkpoint_path and shards > 1:
            location = f"{location.rstrip('/')}/shard-{shard}-of-{shards}"
        journal = Journal(location, conn_id=self.tencentcloud_conn_id).start()
        self.log.info(
            "%s batch: shard %d/%d at %.2f requests/s, %d in flight, checkpoint %s",
            self.contract.action,
            shard + 1,
            shards,
            rate,
            concurrency,
            location,
        )
        items = ((k, p) for k, p in self.iter_items(context) if in_shard(k, shard, shards))
        try:
            report = run_batch(
                items,
                lambda key, payload: self.send_item(key, payload, limiter),
                concurrency=concurrency,
                journal=journal,
                journal_intent=self.journal_intent,
                on_unfinished=self.on_unfinished,
                log=self.log,
            )
        finally:
            journal.close()
        self.record_lineage(report=report)
        summary = report.summary()
        summary.update(shard=shard, shards=shards, throttled=limiter.throttled)
        if self.manifest_path:
            self.write_manifest(report)
            summary["manifest"] = self.manifest_path
        self.log.info(
            "%s batch done: %s", self.contract.action, json.dumps({k: v for k, v in summary.items() if k != "failures"})
        )
        failed = report.failures
        if len(failed) > self.max_failures:
            listed = "; ".join(f"{r.key}: {r.code}: {r.message}" for r in failed[:50])
            more = f" (and {len(failed) - 50} more)" if len(failed) > 50 else ""
            raise TencentCloudBatchError(
                f"{len(failed)} of {len(report.results)} items failed (max_failures={self.max_failures}); "
                f"a retry sends only these: {listed}{more}",
                {r.key: f"{r.code}: {r.message}" for r in failed},
            )
        return self.result_value(report, summary)

    def write_manifest(self, report: BatchReport) -> None:
        from airflow_provider_tencent.hooks.cos import to_storage_path

        assert self.manifest_path
        path = to_storage_path(self.manifest_path, self.tencentcloud_conn_id)
        text = "".join(json.dumps(r.as_dict(), ensure_ascii=False, default=str) + "\n" for r in report.results)
        path.write_text(text)
