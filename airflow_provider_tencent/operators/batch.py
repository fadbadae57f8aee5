"""The shared machinery of the batch operators: quota pacing, checkpoint, shards, manifest, failure rule.

A subclass says which items there are (:meth:`iter_items`), how to send one (:meth:`send_item`)
and what to return; this base does the rest:

* pacing at ``max_qps`` (default: the action's documented quota) divided by ``shards``, with
  bounded concurrency and adaptive slow-down on ``RequestLimitExceeded``;
* a checkpoint journal (``checkpoint_path``; else under the ``[tencentcloud] checkpoint_prefix``
  setting, a ``cos://``/``s3://`` prefix for executors whose retries land on another machine; else a
  local file) so that a retry or re-run sends only what is not done; it is removed when the batch
  ends with nothing left to retry, and kept when items failed or the batch stopped;
* ``shards=N`` + ``shard=i``: map the operator over ``shard=range(N)`` (``expand``) and each task
  takes its stable share of the items and of the quota;
* a JSON-lines manifest of every item's result (``manifest_path``), and a task failure naming each
  failed item when more than ``max_failures`` failed;
* a batch that stops early - the item listing raised, the checkpoint could not be written, nothing
  succeeded for ``give_up_after`` seconds under throttling or transient faults - fails the task with
  the reason and what was done before it stopped (logged, in the error, and in XCom
  ``batch_summary``); a batch given no item at all fails unless ``allow_empty=True``.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_tencent.batch.checkpoint import Journal
from airflow_provider_tencent.batch.checkpoint_location import checkpoint_prefix_setting, default_checkpoint
from airflow_provider_tencent.batch.messages import aborted_error, failure_message
from airflow_provider_tencent.batch.progress import known_keys
from airflow_provider_tencent.batch.rate_limit import RateLimiter
from airflow_provider_tencent.batch.runner import BatchReport, ItemResult, fingerprint, in_shard, run_batch
from airflow_provider_tencent.batch.shared_quota import SharedQuota, shared_quota_from_setting
from airflow_provider_tencent.contracts import ApiContract
from airflow_provider_tencent.exceptions import (
    TencentCloudBatchError,
    TencentCloudError,
    TencentCloudInputError,
)
from airflow_provider_tencent.operators.base import HookT, TencentCloudBaseOperator
from airflow_provider_tencent.utils.secrets import redact_text
from airflow_provider_tencent.validation import parse_structured

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context


class _ShardItems:
    """The items of one shard, counting every item listed (in any shard) in :attr:`count` as it goes."""

    def __init__(self, listed: Iterable[tuple[str, Any]], shard: int, shards: int) -> None:
        self.listed = listed
        self.shard = shard
        self.shards = shards
        self.count = 0

    def expected(self) -> int | None:
        """How many items this shard gets, when the keys are known beforehand (``None``: listed lazily)."""
        keys = known_keys(self.listed)
        return None if keys is None else sum(1 for key in keys if in_shard(key, self.shard, self.shards))

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        for key, payload in self.listed:
            self.count += 1
            if in_shard(key, self.shard, self.shards):
                yield key, payload


class TencentCloudBatchOperator(TencentCloudBaseOperator[HookT]):
    """Base of the batch operators (``...BatchOperator``): items, pacing, checkpoint, shards, manifest.

    :param max_qps: requests per second for the whole batch (all shards together); default the
        action's documented quota.
    :param concurrency: requests in flight at most (default: enough to reach ``max_qps`` at 1 s latency).
    :param max_failures: the task fails when more items than this failed (default 0).
    :param checkpoint_path: where progress is journalled (file path, ``cos://`` or ``s3://`` folder); wins
        over the ``[tencentcloud] checkpoint_prefix`` setting, which wins over a local file under
        ``$AIRFLOW_HOME``. Removed when the batch ends with nothing left to retry.
    :param manifest_path: write every item's result as JSON lines to this file or object.
    :param shards: split the batch into this many mapped tasks; ``shard`` is this task's index.
    :param allow_empty: succeed when the input lists no item at all (default: fail, naming the source).
    :param give_up_after: stop the batch (task failed, checkpoint resumable) when no item succeeded
        for this many seconds while items kept failing on throttling or transient faults; ``None``
        never gives up.
    """

    contract: ClassVar[ApiContract]
    journal_intent: ClassVar[bool] = False
    #: Keep the checkpoint after a whole success too: where it is the only record of what was created (the API
    #: cannot tell a re-run that an item is already there), removing it would make a re-run create it twice.
    keep_checkpoint_after_success: ClassVar[bool] = False
    #: The keys an entry of ``items`` may have besides ``key`` (the single operator's argument names).
    item_keys: ClassVar[tuple[str, ...]] = ()
    #: What one item is, for messages.
    item_noun: ClassVar[str] = "item"
    #: The subclass's inputs: the ``items`` argument, and ``source_prefix`` for those that list a folder
    #: (``None``: not given, or no such argument).
    items: Any = None
    source_prefix: Any = None
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
        allow_empty: bool = False,
        give_up_after: float | None = 300.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.allow_empty = allow_empty
        self.give_up_after = give_up_after
        self.max_qps = max_qps
        self.concurrency = concurrency
        self.max_failures = max_failures
        self.checkpoint_path = checkpoint_path
        self.manifest_path = manifest_path
        self.shards = shards
        self.shard = shard

    # -- what subclasses provide -----------------------------------------------------------
    def iter_items(self, context: Context) -> Iterable[tuple[str, Any]]:
        """The ``(key, payload)`` items. A list input is parsed and checked whole here (raising
        :class:`TencentCloudInputError` naming the index and key before anything is sent); a lazy
        listing may raise later, which stops the batch."""
        raise NotImplementedError

    def default_item_key(self, index: int, item: Mapping[str, Any], items: list[Any]) -> str:
        """The key of an entry of ``items`` that has no ``key``: its index unless a subclass says otherwise."""
        return f"{index}"

    def parse_items(self, value: Any) -> list[tuple[str, dict[str, Any]]]:
        """``items`` (a list of dicts, or its JSON / rendered text) as ``(key, item)``, checked whole.

        Every entry must be a dict whose keys are among :attr:`item_keys` and ``key``. An entry's key
        is its ``key``, else :meth:`default_item_key`. The same key twice with the same content is
        sent once (a warning); with different content it is an input error naming both entries.

        :raises TencentCloudInputError: naming the entry, before anything is sent.
        """
        entries = parse_structured(value, "items", list)
        allowed = [*self.item_keys, "key"]
        for index, entry in enumerate(entries):
            if not isinstance(entry, Mapping):
                raise TencentCloudInputError(
                    f"items[{index}] must be a dict with keys among {allowed}, got {type(entry).__name__} "
                    f"{f'{entry}'[:40]!r}",
                    field="items",
                    item=f"{index}",
                )
            unknown = sorted(f"{k}" for k in set(entry) - set(allowed))
            if unknown:
                raise TencentCloudInputError(
                    f"items[{index}]: unknown keys {unknown}; expected some of {allowed}; nothing was sent",
                    field="items",
                    item=f"{index}",
                )
        out: list[tuple[str, dict[str, Any]]] = []
        seen: dict[str, tuple[int, str]] = {}
        for index, entry in enumerate(entries):
            item = dict(entry)
            explicit = item.pop("key", None)
            key = f"{explicit}" if explicit not in (None, "") else self.default_item_key(index, item, entries)
            mark = fingerprint(item)
            if key in seen:
                first, first_mark = seen[key]
                if first_mark == mark:
                    self.log.warning("items[%d] repeats items[%d] (key %r): sent once", index, first, key)
                    continue
                raise TencentCloudInputError(
                    f"items[{first}] and items[{index}] have the same key {key!r} but different content: give "
                    f"each {self.item_noun} its own key; nothing was sent",
                    field="items",
                    item=key,
                )
            seen[key] = (index, mark)
            out.append((key, item))
        return out

    def require_items_or_prefix(self) -> None:
        """For operators that take ``items`` or ``source_prefix``: exactly one of them.

        :raises TencentCloudInputError: both or neither given, before anything is listed or sent.
        """
        items, prefix = self.items, self.source_prefix
        if (items is None) == (prefix in (None, "")):
            raise TencentCloudInputError(
                f"give exactly one of items or source_prefix (got items={'set' if items is not None else None}, "
                f"source_prefix={prefix!r})",
                field="items",
            )

    def describe_source(self) -> str:
        """Where the items come from, for messages: ``items``, else ``source_prefix '<prefix>'``."""
        if self.items is None and self.source_prefix not in (None, ""):
            return f"source_prefix {f'{self.source_prefix}'!r}"
        return "items"

    def send_item(self, key: str, payload: Any, limiter: RateLimiter, before_send: Callable[[], None]) -> ItemResult:
        """Send one item; ``before_send`` goes to ``TencentCloudHook.call`` (the last moment before sending)."""
        raise NotImplementedError

    def on_unfinished(self, key: str, payload: Any) -> ItemResult | None:
        """An item a previous attempt sent without recording the answer; ``None`` sends it again."""
        return None

    def throttle_count(self, limiter: RateLimiter) -> int:
        """The throttled answers the batch's calls got so far: ``limiter``'s count (a subclass that paces
        other calls with other limiters adds theirs): the progress lines' and the summary's ``throttled``."""
        return limiter.throttled

    def result_value(self, report: BatchReport, summary: dict[str, Any]) -> Any:
        return summary

    # -- the run ---------------------------------------------------------------------------
    @property
    def quota(self) -> float:
        qps = self.max_qps if self.max_qps is not None else float(self.contract.qps or 1)
        if qps <= 0:
            raise TencentCloudInputError(f"max_qps must be > 0, got {qps}", field="max_qps")
        return qps / max(1, self.shards)

    def _check_arguments(self) -> None:
        for name, minimum in (("max_failures", 0), ("concurrency", 1)):
            value = getattr(self, name)
            if value is None and name == "concurrency":
                continue
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value)
                setattr(self, name, value)
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise TencentCloudInputError(
                    f"{name} must be an integer >= {minimum}, got {value!r}", field=name, limit=f">= {minimum}"
                )
        if self.give_up_after is not None:
            value = self.give_up_after
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
                raise TencentCloudInputError(
                    f"give_up_after must be a number of seconds > 0 (or None), got {value!r}", field="give_up_after"
                )

    def execute(self, context: Context) -> Any:
        """Check the arguments, list this shard's items, send them under the checkpoint, and report.

        :return: :meth:`result_value` of the report and its summary.
        :raises TencentCloudInputError: a bad argument or input (before anything is sent), or no item
            listed at all without ``allow_empty``.
        :raises TencentCloudBatchAborted: the batch stopped early.
        :raises TencentCloudBatchError: the manifest could not be written, or more than
            ``max_failures`` items failed.
        """
        shards, shard = self._shard_position()
        self._check_arguments()
        # a list input is checked whole by iter_items here: nothing sent yet
        listed = _ShardItems(self.iter_items(context), shard, shards)
        rate = self.quota
        _ = self.hook.region  # build the hook (and read the connection) once, before the worker threads
        concurrency = self.concurrency or max(2, math.ceil(rate) + 2)
        limiter = RateLimiter(rate, shared=self._shared_quota())
        location = self._checkpoint_location(context, shard, shards)
        journal = Journal(location, conn_id=self.tencentcloud_conn_id).start()  # probed and leased
        self.log.info(
            "%s batch: shard %d/%d at %.2f requests/s, %d in flight, checkpoint %s",
            self.contract.action,
            shard + 1,
            shards,
            rate,
            concurrency,
            location,
        )
        report = self._run_items(listed, limiter, journal, concurrency)
        self.record_lineage(report=report)
        summary = report.summary()
        summary.update(shard=shard, shards=shards, throttled=self.throttle_count(limiter), listed=listed.count)
        manifest_error = self._write_manifest_into(summary, report)
        if self._nothing_to_retry(report, manifest_error, listed.count):
            self._remove_checkpoint(journal)
        self.log.info(
            "%s batch %s: %s",
            self.contract.action,
            "stopped" if report.aborted else "done",
            json.dumps({k: v for k, v in summary.items() if k != "failures"}),
        )
        self._raise_on_failure(context, report, summary, manifest_error, listed.count, location)
        return self.result_value(report, summary)

    def _shared_quota(self) -> SharedQuota | None:
        """The account's quota of this action shared through Redis when ``[tencentcloud] shared_quota_redis_url``
        is set (else ``None``): the account is named by the connection's SecretId (hashed), else its role ARN,
        else the connection id."""
        cfg = self.hook.conn_config
        account = cfg.secret_id or cfg.role_arn or f"conn:{self.tencentcloud_conn_id}"
        return shared_quota_from_setting(
            account,
            self.hook.region,
            self.contract.service,
            self.contract.action,
            float(self.contract.qps or self.quota),
            log=self.log,
        )

    def _nothing_to_retry(self, report: BatchReport, manifest_error: str | None, listed: int) -> bool:
        """Whether the batch ended whole: not stopped, no item failed or ambiguous, manifest written, and
        items listed (or ``allow_empty``). Then its checkpoint has nothing more to give a retry (unless
        :attr:`keep_checkpoint_after_success`)."""
        if self.keep_checkpoint_after_success:
            return False
        return (
            report.aborted is None
            and not report.failures
            and not manifest_error
            and (listed > 0 or bool(self.allow_empty))
        )

    def _remove_checkpoint(self, journal: Journal) -> None:
        """Remove the finished batch's checkpoint; a failure to do so is logged, never fails the task."""
        try:
            journal.remove()
        except Exception as exc:
            self.log.warning(
                "%s batch done, but its checkpoint %s could not be removed (%s: %s); a re-run reads it and "
                "sends nothing it lists as done. Remove it by hand.",
                self.contract.action,
                journal.location,
                type(exc).__name__,
                redact_text(f"{exc}"),
            )
        else:
            self.log.info(
                "%s batch: nothing left to retry, checkpoint %s removed", self.contract.action, journal.location
            )

    def _shard_position(self) -> tuple[int, int]:
        """``(shards, shard)`` as integers.

        :raises TencentCloudInputError: either is not an integer, or ``shard`` is not in ``0..shards-1``.
        """
        try:
            shards, shard = int(self.shards), int(self.shard)
        except (TypeError, ValueError):
            raise TencentCloudInputError(
                f"shards and shard must be integers, got {self.shards!r} and {self.shard!r}", field="shard"
            ) from None
        if shards < 1 or not 0 <= shard < shards:
            raise TencentCloudInputError(
                f"shard must be in 0..{shards - 1} for shards={shards}, got {shard}", field="shard"
            )
        return shards, shard

    def _checkpoint_location(self, context: Context, shard: int, shards: int) -> str:
        """``checkpoint_path`` (a folder per shard when sharded), else the task's place under the
        ``[tencentcloud] checkpoint_prefix`` setting, else the task's local checkpoint file."""
        location = self.checkpoint_path or default_checkpoint(context, checkpoint_prefix_setting())
        if self.checkpoint_path and shards > 1:
            location = f"{location.rstrip('/')}/shard-{shard}-of-{shards}"
        return location

    def _run_items(self, items: _ShardItems, limiter: RateLimiter, journal: Journal, concurrency: int) -> BatchReport:
        """Run the batch over ``items`` and close the journal; a journal error the batch did not see
        (its background writer failed) becomes the report's ``aborted``."""
        try:
            report = run_batch(
                items,
                lambda key, payload, before_send: self.send_item(key, payload, limiter, before_send),
                concurrency=concurrency,
                journal=journal,
                journal_intent=self.journal_intent,
                on_unfinished=self.on_unfinished,
                log=self.log,
                give_up_after=self.give_up_after,
                limiter=limiter,
                total=items.expected(),
                label=self.contract.action,
                throttled=lambda: self.throttle_count(limiter),
            )
        finally:
            journal.close()
        if report.aborted is None and journal.error is not None:
            report.aborted = journal.error
        return report

    def _write_manifest_into(self, summary: dict[str, Any], report: BatchReport) -> str | None:
        """Write the manifest when ``manifest_path`` is set and note it in ``summary``.

        :return: ``None``, or why the manifest could not be written (also logged and, redacted, put
            in ``summary["manifest_error"]``); the task fails on it after the summary is pushed.
        """
        if not self.manifest_path:
            return None
        try:
            self.write_manifest(report)
            summary["manifest"] = self.manifest_path
        except Exception as exc:
            manifest_error = f"the manifest {self.manifest_path} could not be written: {type(exc).__name__}: {exc}"
            summary["manifest_error"] = redact_text(manifest_error)
            self.log.error("%s", summary["manifest_error"])
            return manifest_error
        return None

    def _raise_on_failure(
        self,
        context: Context,
        report: BatchReport,
        summary: dict[str, Any],
        manifest_error: str | None,
        listed: int,
        location: str,
    ) -> None:
        """Fail the task, pushing ``summary`` to XCom first, when the batch stopped early, listed no item
        (without ``allow_empty``), could not write its manifest, or had more than ``max_failures``
        failures - checked in that order; return when none of these holds."""
        failed = report.failures
        failures = {r.key: f"{r.code}: {r.message}" for r in failed}
        if report.aborted is not None:
            self._push_summary(context, summary)
            cause = report.aborted
            raise aborted_error(self.contract.action, cause, summary, failures, listed, location) from (
                cause if isinstance(cause, TencentCloudError) else None
            )
        if listed == 0 and not self.allow_empty:
            self._push_summary(context, summary)
            raise TencentCloudInputError(
                f"{self.contract.action} batch: {self.describe_source()} lists no item at all; nothing was done. "
                "Check the input, or set allow_empty=True if an empty input is expected.",
                field="items",
            )
        if manifest_error:
            self._push_summary(context, summary)
            raise TencentCloudBatchError(f"{self.contract.action} batch done but {manifest_error}", failures)
        if len(failed) > self.max_failures:
            self._push_summary(context, summary)
            raise TencentCloudBatchError(failure_message(report, self.max_failures), failures)

    @staticmethod
    def _push_summary(context: Context, summary: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):
            context["ti"].xcom_push(key="batch_summary", value=summary)

    def write_manifest(self, report: BatchReport) -> None:
        from airflow_provider_tencent.fs.storage import to_storage_path

        assert self.manifest_path
        path = to_storage_path(self.manifest_path, self.tencentcloud_conn_id)
        text = "".join(json.dumps(r.as_dict(), ensure_ascii=False, default=str) + "\n" for r in report.results)
        path.write_text(text)
