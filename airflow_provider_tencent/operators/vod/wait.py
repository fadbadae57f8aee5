"""Waiting for a VOD AIGC task and reading its end: what the generation operators and the sensor share.

* :class:`VodAigcTaskWaitMixin` - the wait (deferred to the triggerer, or in the worker, bounded by
  ``timeout``), the terminal states, the copy of the output files to object storage, lineage;
* :func:`derive_session_id` (the de-duplication key) and :func:`public_files` (output files safe
  for XCom).

See :mod:`airflow_provider_tencent.operators.vod.generate` for the contract of the whole.
Importing this module imports no Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.exceptions import (
    TencentCloudError,
    TencentCloudInputError,
    VodAigcTaskFailedError,
    VodAigcTaskFailedForGoodError,
    VodAigcWaitTimeoutError,
)
from airflow_provider_tencent.hooks.mixin import TencentCloudHookMixin
from airflow_provider_tencent.hooks.vod import VodHook
from airflow_provider_tencent.hooks.vod_results import TaskOutcome
from airflow_provider_tencent.openlineage import OpenLineageMixin
from airflow_provider_tencent.triggers.vod import VodAigcTaskTrigger
from airflow_provider_tencent.utils.secrets import redact_urls

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context
    from airflow.triggers.base import BaseTrigger

DEFAULT_TIMEOUT = 2 * 3600.0


#: The wait settings of the AIGC operators and sensor, and their largest values (seconds; ``backoff`` a factor).
WAIT_LIMITS = {
    "timeout": float(contract.TASK_VISIBLE_SECONDS),
    "poll_interval": 3600.0,
    "poke_interval": 3600.0,
    "max_poll_interval": 3600.0,
    "backoff": 10.0,
}


def wait_setting(name: str, value: Any) -> float:
    """``value`` of the wait setting ``name`` as a finite number within its limit (:data:`WAIT_LIMITS`).

    ``timeout`` is at most 72 hours: ``DescribeTaskDetail`` shows a task for three days only.

    :raises TencentCloudInputError: naming the setting, its limit and the value (when the operator is built).
    """
    top = WAIT_LIMITS[name]
    low = 1.0 if name == "backoff" else 0.0
    limit = f"a finite number {'>= 1' if low else '> 0'} and <= {top:g}" + (
        " (72 hours: DescribeTaskDetail shows a task for three days only)" if name == "timeout" else ""
    )
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or number > top or number < low or number == 0:
        raise TencentCloudInputError(
            f"{name} must be {limit}, got {value!r}", field=name, limit=limit, actual=f"{value!r:.40}"
        )
    return number


def public_files(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Output file descriptions safe for XCom: ``FileUrl`` without query string (signatures)."""
    keep = ("FileType", "FileId", "MediaName", "StorageMode", "ExpireTime")
    out = []
    for info in files:
        row = {k: info[k] for k in keep if info.get(k) not in (None, "")}
        if info.get("FileUrl"):
            row["FileUrl"] = redact_urls(f"{info['FileUrl']}").split("?")[0]
        out.append(row)
    return out


class VodAigcTaskWaitMixin(OpenLineageMixin, TencentCloudHookMixin[VodHook]):
    """Waiting for a task (deferred or in the worker) and reading its end, with the VOD hook.

    The class it is mixed into (an operator or a sensor) provides ``defer`` and ``log`` and sets the
    attributes declared here in its ``__init__``.
    """

    hook_class = VodHook

    deferrable: bool
    poll_interval: float
    max_poll_interval: float
    backoff: float
    timeout: float
    sub_app_id: Any
    output_path: Any
    log: Any
    #: the finished task is an output (a generating operator) or only read (a sensor: an input)
    _task_is_output: ClassVar[bool] = True
    #: whether a retry of this Airflow task submits a new remote task (the generating operators; not the sensor)
    _submits: ClassVar[bool] = True

    if TYPE_CHECKING:  # provided by BaseOperator

        def defer(
            self,
            *,
            trigger: BaseTrigger,
            method_name: str,
            kwargs: dict[str, Any] | None = None,
            timeout: timedelta | float | None = None,
        ) -> NoReturn: ...

    def _describe(self, task_id: str, sub_app_id: int | None) -> TaskOutcome:
        """The task's state (``DescribeTaskDetail``); its RequestId kept for the lineage."""
        outcome = self.hook.describe_aigc_task(task_id, sub_app_id)
        self.record_lineage(request_ids=[outcome.request_id])
        return outcome

    def _trigger(
        self, task_id: str, sub_app_id: int | None, deadline: float, session_id: str | None
    ) -> VodAigcTaskTrigger:
        return VodAigcTaskTrigger(
            aigc_task_id=task_id,
            tencentcloud_conn_id=self.tencentcloud_conn_id,
            region=self.region,
            sub_app_id=sub_app_id,
            deadline=deadline,
            poll_interval=self.poll_interval,
            max_poll_interval=self.max_poll_interval,
            backoff=self.backoff,
            session_id=session_id,
        )

    def _wait(
        self,
        context: Context,
        task_id: str,
        sub_app_id: int | None,
        session_id: str | None,
        *,
        generation: int = 0,
        deadline: float | None = None,
    ) -> Any:
        """Wait for ``task_id`` until ``deadline`` (default: ``timeout`` from now); a task refused for the
        account's concurrency is followed by the next generation's (:meth:`_after_refusal`)."""
        deadline = time.time() + float(self.timeout) if deadline is None else float(deadline)
        if self.deferrable:
            self.defer(
                trigger=self._trigger(task_id, sub_app_id, deadline, session_id),
                method_name="execute_complete",
                kwargs={"sub_app_id": sub_app_id, "generation": generation, "deadline": deadline},
                # the trigger's own deadline fires first and says how to find the task; this is the backstop
                timeout=timedelta(seconds=max(deadline - time.time(), 0.0) + 60),
            )
        interval = max(float(self.poll_interval), 0.01)
        while True:
            outcome = self._describe(task_id, sub_app_id)
            if outcome.done:
                following = self._after_refusal(context, outcome, sub_app_id, generation, deadline)
                if following is None:
                    return self._finish(context, outcome, sub_app_id)
                task_id, session_id, generation = following
                interval = max(float(self.poll_interval), 0.01)
                continue
            self.log.info("AIGC task %s: %s, %d%%", task_id, outcome.status, outcome.progress)
            left = deadline - time.time()
            if left <= 0:
                raise self._timeout_error(task_id)
            time.sleep(min(interval, left))
            interval = min(interval * float(self.backoff), float(self.max_poll_interval))

    def _after_refusal(
        self, context: Context, outcome: TaskOutcome, sub_app_id: int | None, generation: int, deadline: float
    ) -> tuple[str, str | None, int] | None:
        """The task that follows a refused one, ``(TaskId, SessionId, generation)``; ``None``: none (the sensor)."""
        return None

    def _timeout_error(self, task_id: str) -> VodAigcWaitTimeoutError:
        then = (
            "a retry of this task reattaches to it (its TaskId is stored)"
            if self._submits
            else "a retry of this sensor waits for it again"
        )
        return VodAigcWaitTimeoutError(
            f"gave up waiting for AIGC task {task_id} after {self.timeout:.0f} s; the task was left running. "
            f"Find it with DescribeTaskDetail TaskId={task_id} or in the VOD console; {then}"
        )

    def execute_complete(
        self,
        context: Context,
        event: dict[str, Any],
        sub_app_id: int | None = None,
        generation: int = 0,
        deadline: float | None = None,
    ) -> Any:
        """Back in the worker after the trigger fired: read the end of the task (files are read again here)."""
        status = event.get("status")
        task_id = f"{event.get('TaskId')}"
        if status == "timeout":
            raise self._timeout_error(task_id)
        if status == "error":
            then = "a retry of this task reattaches to it" if self._submits else "a retry of this sensor reads it again"
            raise TencentCloudError(
                f"could not read AIGC task {task_id}: {event.get('ErrCodeExt')}: {event.get('Message')}; the task "
                f"may still be running: {then}"
            )
        outcome = self._describe(task_id, sub_app_id)
        if not outcome.done:  # cannot happen unless the service went back: wait again
            return self._wait(context, task_id, sub_app_id, None, generation=generation, deadline=deadline)
        if deadline is not None:
            following = self._after_refusal(context, outcome, sub_app_id, generation, deadline)
            if following is not None:
                task_id, session_id, generation = following
                return self._wait(context, task_id, sub_app_id, session_id, generation=generation, deadline=deadline)
        return self._finish(context, outcome, sub_app_id)

    def _on_failed(self, context: Context, outcome: TaskOutcome) -> None:
        """Hook for subclasses: called before a failed task raises."""

    def _failure_error(self, outcome: TaskOutcome) -> VodAigcTaskFailedError:
        """The error of a task that ended badly; what a retry does is said only where it is true."""
        text = (
            f"AIGC task {outcome.task_id} ended {outcome.status} with ErrCode {outcome.err_code} "
            f"{outcome.err_code_ext or '-'}: {outcome.message or 'no message'}"
        )
        if outcome.err_code_ext in contract.TASK_ERR_RESUBMIT and self._submits:
            text += (
                " (the account's AIGC concurrency limit - one task at a time by default - stayed in use until the "
                "timeout; run the generation tasks in an Airflow pool with as many slots as that limit)"
            )
        kind = VodAigcTaskFailedError if outcome.retryable else VodAigcTaskFailedForGoodError
        if not self._submits:
            text += " (this sensor only reads the task; a retry of the sensor reads it again)"
        elif outcome.retryable:
            text += " (a new task may succeed: a retry submits one with a new SessionId)"
        else:
            text += " (not retried: a new task with this input would fail the same way)"
        return kind(text, task_id=outcome.task_id, err_code=outcome.err_code, err_code_ext=outcome.err_code_ext)

    def _finish(self, context: Context, outcome: TaskOutcome, sub_app_id: int | None) -> dict[str, Any]:
        if outcome.failed:
            self._on_failed(context, outcome)
            raise self._failure_error(outcome)
        if not outcome.files:
            raise TencentCloudError(f"AIGC task {outcome.task_id} finished without any output file")
        result: dict[str, Any] = {
            "TaskId": outcome.task_id,
            "Status": outcome.status,
            "files": public_files(outcome.files),
        }
        if self.output_path:
            result["paths"] = self._copy(outcome)
        from airflow_provider_tencent.openlineage import VOD_NAMESPACE, dataset_name

        written = [dataset_name(p, local_path=True) for p in result.get("paths", [])]
        if not written and self._task_is_output:
            written = [(VOD_NAMESPACE.format(region=self._lineage_region()), outcome.task_id)]
        self.record_lineage(outputs=written)
        return result

    def _copy(self, outcome: TaskOutcome) -> list[str]:
        """Stream every output file to ``output_path``/``<TaskId>-<n>.<type>``; returns the paths.

        Each file is written under a temporary name in the same folder and renamed when whole: a download that
        breaks midway leaves nothing at the final path (and the temporary file is removed).
        """
        from airflow_provider_tencent.fs.storage import shown_path, to_storage_path

        base = to_storage_path(f"{self.output_path}".rstrip("/") + "/", self.tencentcloud_conn_id)
        paths = []
        for n, info in enumerate(outcome.files, 1):
            url = f"{info.get('FileUrl') or ''}"
            if not url:
                raise TencentCloudError(f"AIGC task {outcome.task_id}: output file {n} has no FileUrl to copy")
            target = base / f"{outcome.task_id}-{n}.{info.get('FileType') or 'bin'}"
            partial = base / f".{target.name}.partial"
            try:
                size = self._download(outcome.task_id, n, url, partial)
                partial.rename(target)
            except BaseException:
                _remove_quietly(partial)
                raise
            shown = shown_path(target)
            self.log.info("copied output file %d of AIGC task %s to %s (%d bytes)", n, outcome.task_id, shown, size)
            paths.append(shown)
        return paths

    def _download(self, task_id: str, n: int, url: str, path: Any) -> int:
        """Stream ``url`` into ``path``; the number of bytes. A broken or empty download raises."""
        import requests

        shown = redact_urls(url).split("?")[0]
        size = 0
        try:
            with requests.get(url, stream=True, timeout=(10, 120)) as resp:
                if resp.status_code != 200:
                    raise TencentCloudError(
                        f"AIGC task {task_id}: downloading output file {n} ({shown}) failed: HTTP {resp.status_code}"
                    )
                with path.open("wb") as out:
                    for chunk in resp.iter_content(chunk_size=1024 * 1024):
                        out.write(chunk)
                        size += len(chunk)
        except requests.RequestException as exc:
            raise TencentCloudError(
                f"AIGC task {task_id}: downloading output file {n} ({shown}) broke after {size} bytes "
                f"({type(exc).__name__}); nothing was left at the final path: a retry copies it again"
            ) from None
        if size == 0:
            raise TencentCloudError(f"AIGC task {task_id}: output file {n} is empty")
        return size


def _remove_quietly(path: Any) -> None:
    """Remove a temporary file if it is there (a failure to remove it is not the error to report)."""
    try:
        if path.exists():
            path.unlink()
    except Exception:  # best effort; the original error is raised
        pass
