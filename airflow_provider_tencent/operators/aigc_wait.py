"""Waiting for a VOD AIGC task and reading its end: what the generation operators and the sensor share.

* :class:`AigcTaskWaitMixin` - the wait (deferred to the triggerer, or in the worker, bounded by
  ``timeout``), the terminal states, the copy of the output files to object storage, lineage;
* the errors of a task that ended badly (:class:`AigcTaskFailedError`,
  :class:`AigcTaskFailedForGoodError`) and of a wait that ran out (:class:`AigcWaitTimeoutError`);
* :func:`derive_session_id` (the de-duplication key) and :func:`public_files` (output files safe
  for XCom).

See :mod:`airflow_provider_tencent.operators.aigc_generation` for the contract of the whole.
Importing this module imports no Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_tencent.compat import AirflowFailException
from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.exceptions import TencentCloudError
from airflow_provider_tencent.openlineage import OpenLineageMixin
from airflow_provider_tencent.triggers.aigc import AigcTaskTrigger, TaskOutcome, task_outcome
from airflow_provider_tencent.utils.secrets import redact_urls

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

    from airflow_provider_tencent.hooks.vod import TencentVodHook

#: The key under which the submitted task is kept in ``task_state_store``.
STATE_KEY = "tencent_aigc_task"
#: How long the stored TaskId is kept: longer than the service's 3-day SessionId window.
STATE_RETENTION = timedelta(days=7)
DEFAULT_TIMEOUT = 2 * 3600.0


class AigcTaskFailedError(TencentCloudError):
    """The generation task ended with an error that a new task may not have (retried by Airflow's retries)."""

    def __init__(self, message: str, *, task_id: str, err_code: int, err_code_ext: str) -> None:
        self.task_id = task_id
        self.err_code = err_code
        self.err_code_ext = err_code_ext
        super().__init__(message)


class AigcTaskFailedForGoodError(AigcTaskFailedError, AirflowFailException):
    """The generation task ended with an error a repeat would have too (content, parameters, cancelled)."""


class AigcWaitTimeoutError(TencentCloudError):
    """The wait ran out; the remote task was left running (a retry reattaches to it)."""


def derive_session_id(dag_id: str, run_id: str, task_id: str, map_index: int, generation: int = 0) -> str:
    """A SessionId (at most 50 characters) that is the same for every try of one task instance.

    ``generation`` is bumped only after a remote task FAILED with a retryable error, so that its
    retry is not refused as a duplicate of the failed one.
    """
    text = f"{dag_id}\x00{run_id}\x00{task_id}\x00{map_index}\x00{generation}"
    digest = hashlib.sha256(text.encode()).hexdigest()[:40]
    out = f"af-{digest}" + (f"-g{generation}" if generation else "")
    assert len(out) <= contract.SESSION_ID_MAX
    return out


def _element_ids(value: Any) -> list[str]:
    """``element_ids`` as a list of strings: a list (of ids, or of mapped XCom results), or one id."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    try:
        return [f"{v}" for v in list(value) if v not in (None, "")]
    except TypeError:
        return [f"{value}"]


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


class AigcTaskWaitMixin(OpenLineageMixin):
    """Waiting for a task (deferred or in the worker) and reading its end. Needs ``hook``, ``defer``, ``log``."""

    deferrable: bool
    poll_interval: float
    max_poll_interval: float
    backoff: float
    timeout: float
    sub_app_id: Any
    tencentcloud_conn_id: str | None
    region: str | None
    output_path: Any
    log: Any
    #: the finished task is an output (a generating operator) or only read (a sensor: an input)
    _task_is_output: ClassVar[bool] = True

    if TYPE_CHECKING:

        @property
        def hook(self) -> TencentVodHook: ...

    def _detail(self, task_id: str, sub_app_id: int | None) -> dict[str, Any]:
        """``DescribeTaskDetail`` of the task; its RequestId kept for the lineage."""
        detail = self.hook.describe_task_detail(task_id, sub_app_id)
        self.record_lineage(request_ids=[detail.get("RequestId")])
        return detail

    def _trigger(
        self, task_id: str, sub_app_id: int | None, deadline: float, session_id: str | None
    ) -> AigcTaskTrigger:
        return AigcTaskTrigger(
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

    def _wait(self, context: Context, task_id: str, sub_app_id: int | None, session_id: str | None) -> Any:
        deadline = time.time() + float(self.timeout)
        if self.deferrable:
            self.defer(  # type: ignore[attr-defined]
                trigger=self._trigger(task_id, sub_app_id, deadline, session_id),
                method_name="execute_complete",
                kwargs={"sub_app_id": sub_app_id},
                # the trigger's own deadline fires first and says how to find the task; this is the backstop
                timeout=timedelta(seconds=float(self.timeout) + 60),
            )
        interval = max(float(self.poll_interval), 0.01)
        while True:
            outcome = task_outcome(task_id, self._detail(task_id, sub_app_id))
            if outcome.done:
                return self._finish(context, outcome, sub_app_id)
            self.log.info("AIGC task %s: %s, %d%%", task_id, outcome.status, outcome.progress)
            left = deadline - time.time()
            if left <= 0:
                raise self._timeout_error(task_id)
            time.sleep(min(interval, left))
            interval = min(interval * float(self.backoff), float(self.max_poll_interval))

    def _timeout_error(self, task_id: str) -> AigcWaitTimeoutError:
        return AigcWaitTimeoutError(
            f"gave up waiting for AIGC task {task_id} after {self.timeout:.0f} s; the task was left running. "
            f"Find it with DescribeTaskDetail TaskId={task_id} or in the VOD console; a retry of this task "
            "reattaches to it (its TaskId is stored)"
        )

    def execute_complete(self, context: Context, event: dict[str, Any], sub_app_id: int | None = None) -> Any:
        """Back in the worker after the trigger fired: read the end of the task (files are read again here)."""
        status = event.get("status")
        task_id = f"{event.get('TaskId')}"
        if status == "timeout":
            raise self._timeout_error(task_id)
        if status == "error":
            raise TencentCloudError(
                f"could not read AIGC task {task_id}: {event.get('ErrCodeExt')}: {event.get('Message')}; the task "
                "may still be running: a retry of this task reattaches to it"
            )
        outcome = task_outcome(task_id, self._detail(task_id, sub_app_id))
        if not outcome.done:  # cannot happen unless the service went back: wait again
            return self._wait(context, task_id, sub_app_id, None)
        return self._finish(context, outcome, sub_app_id)

    def _on_failed(self, context: Context, outcome: TaskOutcome) -> None:
        """Hook for subclasses: called before a failed task raises."""

    def _finish(self, context: Context, outcome: TaskOutcome, sub_app_id: int | None) -> dict[str, Any]:
        if outcome.failed:
            self._on_failed(context, outcome)
            text = (
                f"AIGC task {outcome.task_id} ended {outcome.status} with ErrCode {outcome.err_code} "
                f"{outcome.err_code_ext or '-'}: {outcome.message or 'no message'}"
            )
            if outcome.retryable:
                raise AigcTaskFailedError(
                    text + " (a new task may succeed: a retry submits one with a new SessionId)",
                    task_id=outcome.task_id,
                    err_code=outcome.err_code,
                    err_code_ext=outcome.err_code_ext,
                )
            raise AigcTaskFailedForGoodError(
                text + " (not retried: a new task with this input would fail the same way)",
                task_id=outcome.task_id,
                err_code=outcome.err_code,
                err_code_ext=outcome.err_code_ext,
            )
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
        """Stream every output file to ``output_path``/``<TaskId>-<n>.<type>``; returns the paths."""
        import requests

        from airflow_provider_tencent.fs.storage import shown_path, to_storage_path

        base = to_storage_path(f"{self.output_path}".rstrip("/") + "/", self.tencentcloud_conn_id)
        paths = []
        for n, info in enumerate(outcome.files, 1):
            url = f"{info.get('FileUrl') or ''}"
            if not url:
                raise TencentCloudError(f"AIGC task {outcome.task_id}: output file {n} has no FileUrl to copy")
            target = base / f"{outcome.task_id}-{n}.{info.get('FileType') or 'bin'}"
            size = 0
            with requests.get(url, stream=True, timeout=(10, 120)) as resp:
                if resp.status_code != 200:
                    raise TencentCloudError(
                        f"AIGC task {outcome.task_id}: downloading output file {n} ({redact_urls(url).split('?')[0]}) "
                        f"failed: HTTP {resp.status_code}"
                    )
                with target.open("wb") as out:
                    for chunk in resp.iter_content(chunk_size=1024 * 1024):
                        out.write(chunk)
                        size += len(chunk)
            if size == 0:
                raise TencentCloudError(f"AIGC task {outcome.task_id}: output file {n} is empty")
            shown = shown_path(target)
            self.log.info("copied output file %d of AIGC task %s to %s (%d bytes)", n, outcome.task_id, shown, size)
            paths.append(shown)
        return paths


#: The earlier (private) name of :class:`AigcTaskWaitMixin`.
_AigcTaskWaitMixin = AigcTaskWaitMixin
