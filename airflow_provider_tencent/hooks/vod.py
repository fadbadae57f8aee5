"""VOD calls: ``CreateAigcCustomElement``, and the AIGC generation tasks (submit, read, find by SessionId).

The API has no idempotency key and no way to list subjects, so a repeat after an ambiguous
failure (sent, no definite answer; or a server error after sending) may create a second subject.
Only provably safe failures are retried: throttling and requests that never left this machine.
Anything else that may have been processed raises
:class:`~airflow_provider_tencent.exceptions.TencentCloudAmbiguousError` (fail-fast) unless the
caller opts in with ``retry_ambiguous=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_provider_tencent.contracts import ErrorKind
from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.exceptions import (
    TencentCloudAmbiguousError,
    TencentCloudAPIError,
    TencentCloudConfigError,
)
from airflow_provider_tencent.hooks.base import TencentCloudHook
from airflow_provider_tencent.hooks.retry import Limiter
from airflow_provider_tencent.hooks.vod_results import TaskOutcome, task_outcome

__all__ = ["VodHook"]


class VodHook(TencentCloudHook):
    """Calls to Tencent Cloud VOD (``vod``, 2018-07-17)."""

    def create_aigc_custom_element(
        self,
        params: dict[str, Any],
        *,
        retry_ambiguous: bool = False,
        limiter: Limiter | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """Create one AIGC subject; returns the ``Response`` (``ElementId``, ``RequestId``).

        An answer without ``ElementId`` (a gateway's 200 with nothing in it) is never a success: the
        subject may exist, so it raises :class:`TencentCloudAmbiguousError` like any other answer that
        came back without a definite result.

        :raises TencentCloudAmbiguousError: a subject may have been created (RequestId given when known).
        """
        try:
            return self.call(
                contract.SERVICE,
                contract.VERSION,
                contract.CREATE_AIGC_CUSTOM_ELEMENT.action,
                params,
                retry_transient=retry_ambiguous,
                limiter=limiter,
                before_send=before_send,
            )
        except TencentCloudAPIError as exc:
            if retry_ambiguous or not exc.ambiguous:
                raise
            raise TencentCloudAmbiguousError.from_error(
                exc,
                "a subject may have been created although no ElementId came back",
                "not retried, to avoid a duplicate subject: check the VOD console "
                f"(RequestId {exc.request_id or 'unknown'}), or set retry_ambiguous=True to allow repeats",
            ) from None

    # -- AIGC generation tasks  ------------------------------------------------------
    def create_aigc_task(
        self, action: str, params: dict[str, Any], *, limiter: Limiter | None = None
    ) -> dict[str, Any]:
        """``CreateAigcVideoTask`` or ``CreateAigcImageTask``; returns the ``Response`` (``TaskId``, ``RequestId``).

        With a non-empty ``SessionId`` the service refuses a repeat within three days, so transient
        failures are retried here (the repeat cannot bill twice) and a refusal of the SessionId raises
        :class:`~airflow_provider_tencent.exceptions.TencentCloudAPIError` with ``code ==
        contracts.vod.SESSION_DUPLICATE`` (kind ``CONFLICT``): the caller finds the task
        (:meth:`find_task_by_session`). Without a SessionId, an ambiguous failure raises
        :class:`TencentCloudAmbiguousError` (a task may exist).

        :raises TencentCloudAPIError: an answer without ``TaskId`` is an error too (``MissingTaskId``).
        """
        if action not in (contract.CREATE_AIGC_VIDEO_TASK.action, contract.CREATE_AIGC_IMAGE_TASK.action):
            raise ValueError(f"not an AIGC generation action: {action!r}")
        deduplicated = bool(params.get("SessionId"))
        try:
            response = self.call(
                contract.SERVICE, contract.VERSION, action, params, retry_transient=deduplicated, limiter=limiter
            )
        except TencentCloudAPIError as exc:
            if not exc.ambiguous:
                raise
            raise TencentCloudAmbiguousError.from_error(
                exc,
                "a generation task may have been created although no TaskId came back",
                f"not repeated blindly (a task costs money): look for it with DescribeTasks "
                f"(SessionId {params.get('SessionId') or 'none'}) or in the VOD console "
                f"(RequestId {exc.request_id or 'unknown'})",
            ) from None
        if not response.get("TaskId"):
            raise TencentCloudAPIError(
                code="MissingTaskId",
                message="the answer carries no TaskId",
                action=action,
                kind=ErrorKind.UNKNOWN,
                request_id=response.get("RequestId"),
                sent=True,
            )
        return response

    def describe_task_detail(self, task_id: str, sub_app_id: int | None = None) -> dict[str, Any]:
        """``DescribeTaskDetail`` of one task (read-only: retried on transient failures)."""
        params: dict[str, Any] = {"TaskId": task_id}
        if sub_app_id is not None:
            params["SubAppId"] = int(sub_app_id)
        return self.call(contract.SERVICE, contract.VERSION, contract.DESCRIBE_TASK_DETAIL.action, params)

    def describe_aigc_task(self, task_id: str, sub_app_id: int | None = None) -> TaskOutcome:
        """The state of AIGC generation task ``task_id`` (``DescribeTaskDetail``, read as a :class:`TaskOutcome`).

        :raises ValueError: the answer carries no AIGC video or image task (another task type, or no Status).
        """
        return task_outcome(task_id, self.describe_task_detail(task_id, sub_app_id))

    def find_task_by_session(
        self, session_id: str, sub_app_id: int | None = None, *, max_pages: int = 20
    ) -> str | None:
        """The TaskId of the task submitted with ``session_id`` (``DescribeTasks``, newest first), or ``None``.

        Reads at most ``max_pages`` pages of 100 tasks: a SessionId is refused for three days, so the
        task sought is recent.
        """
        token = ""
        for _ in range(max_pages):
            params: dict[str, Any] = {"Limit": 100}
            if sub_app_id is not None:
                params["SubAppId"] = int(sub_app_id)
            if token:
                params["ScrollToken"] = token
            page = self.call(contract.SERVICE, contract.VERSION, contract.DESCRIBE_TASKS.action, params)
            for row in page.get("TaskSet") or []:
                if row.get("SessionId") == session_id and row.get("TaskId"):
                    return str(row["TaskId"])
            token = page.get("ScrollToken") or ""
            if not token:
                return None
        return None

    def resolve_sub_app_id(self, value: Any = None) -> int | None:
        """``value`` (an operator argument), else the connection extra ``sub_app_id``, as an int (``None``: not set).

        :raises TencentCloudConfigError: naming the field when it is not a positive integer.
        """
        source = "sub_app_id"
        if value in (None, ""):
            value = self.conn_config.extra.get("sub_app_id")
            source = f"connection {self.tencentcloud_conn_id!r} extra sub_app_id"
        if value in (None, ""):
            return None
        try:
            out = int(value)
        except (TypeError, ValueError):
            out = 0
        if out <= 0 or isinstance(value, bool):
            raise TencentCloudConfigError(f"{source} must be a positive integer (the VOD SubAppId), got {value!r}")
        return out
