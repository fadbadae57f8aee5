"""What the VOD hook returns about an AIGC generation task: :class:`TaskOutcome`, read from ``DescribeTaskDetail``.

The trigger, the sensor and the generating operators all read a task's state through
:meth:`airflow_provider_tencent.hooks.vod.VodHook.describe_aigc_task`, which returns one of these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from airflow_provider_tencent.contracts import vod as contract

__all__ = ["TaskOutcome", "task_outcome"]


@dataclass
class TaskOutcome:
    """What a ``DescribeTaskDetail`` answer says about an AIGC task."""

    task_id: str
    status: str
    """The task's Status: WAITING, PROCESSING, FINISH or ABORTED."""
    progress: int = 0
    err_code: int = 0
    err_code_ext: str = ""
    message: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)
    echoed_input: dict[str, Any] | None = None
    """The task's ``Input`` as the service shows it (``None``: not shown), to tell whose request it was."""
    request_id: str | None = None
    """The RequestId of the ``DescribeTaskDetail`` that read it."""

    @property
    def done(self) -> bool:
        return self.status in contract.TERMINAL_STATUSES

    @property
    def failed(self) -> bool:
        return self.status == "ABORTED" or (self.done and (self.err_code != 0 or bool(self.err_code_ext)))

    @property
    def succeeded(self) -> bool:
        return self.done and not self.failed

    @property
    def retryable(self) -> bool:
        """Whether a NEW task may succeed where this one failed (:data:`contracts.vod.TASK_ERR_RETRYABLE`)."""
        return contract.TASK_ERR_RETRYABLE.get(self.err_code_ext, False)

    def event(self) -> dict[str, Any]:
        """The trigger event's payload: no URL."""
        return {
            "status": "success" if self.succeeded else ("failed" if self.failed else "running"),
            "TaskId": self.task_id,
            "TaskStatus": self.status,
            "Progress": self.progress,
            "ErrCode": self.err_code,
            "ErrCodeExt": self.err_code_ext,
            "Message": self.message,
            "retryable": self.retryable,
        }


def task_outcome(task_id: str, detail: dict[str, Any]) -> TaskOutcome:
    """Read a ``DescribeTaskDetail`` answer of an AIGC video or image task.

    A task of another type, or an answer without a Status, is an error: an answer is a success only when it
    carries what the action promises. A ``WAITING``/``PROCESSING`` task whose ``AigcVideoTask``/``AigcImageTask``
    member is null (the service may send it so before the task starts) is read as that status, progress 0.
    """
    status = detail.get("Status")
    kind = detail.get("TaskType")
    inner = detail.get(kind) if kind in ("AigcVideoTask", "AigcImageTask") else None
    if kind in ("AigcVideoTask", "AigcImageTask") and inner is None and status in contract.ACTIVE_STATUSES:
        return TaskOutcome(task_id=task_id, status=f"{status}", request_id=detail.get("RequestId"))
    if not isinstance(status, str) or not status or not isinstance(inner, dict):
        raise ValueError(f"DescribeTaskDetail of {task_id} carries no AIGC task (TaskType {kind!r}, Status {status!r})")
    output = inner.get("Output") or {}
    return TaskOutcome(
        task_id=task_id,
        status=status,
        progress=int(inner.get("Progress") or 0),
        err_code=int(inner.get("ErrCode") or 0),
        err_code_ext=str(inner.get("ErrCodeExt") or ""),
        message=str(inner.get("Message") or ""),
        files=[dict(f) for f in output.get("FileInfos") or []],
        echoed_input=echoed if isinstance(echoed := inner.get("Input"), dict) else None,
        request_id=detail.get("RequestId"),
    )
