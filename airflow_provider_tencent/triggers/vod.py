"""``VodAigcTaskTrigger``: waits in the triggerer for a VOD AIGC generation task to end.

It polls ``DescribeTaskDetail`` with exponential backoff (``poll_interval`` growing by ``backoff`` up to
``max_poll_interval``) until the task is ``FINISH``/``ABORTED`` or the hard ``deadline`` (epoch seconds)
passes, and fires one event. Nothing blocks the event loop: each poll runs the provider's sync hook
(the SDK's ``CommonClient`` over ``requests``, with the hook's retries) in a worker thread of this
module's own bounded pool (:data:`POLL_THREADS` threads, shared by every AIGC trigger of the triggerer):
a poll that hangs until the read timeout then holds one of those, not one of the event loop's default
executor that every other trigger of the triggerer shares.

The SDK's async client is not used: ``tencentcloud/common/abstract_client_async.py`` (3.1.195) passes
``proxies=`` to ``httpx.AsyncClient``, an argument httpx 0.28 (0.28.1 installed) removed, so with a proxy
configured it cannot even be built (``TypeError``).

Serialised state (what the metadata database keeps): the connection id, region, TaskId, SubAppId,
SessionId, poll settings and deadline - never a key, token or URL. Events carry the TaskId, the status,
``ErrCode``/``ErrCodeExt``/``Message`` and progress, never the output URLs (those can carry signatures):
the operator reads them again in the worker.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_tencent.hooks.vod_results import TaskOutcome

__all__ = ["VodAigcPauseTrigger", "VodAigcTaskTrigger"]

#: Threads that run AIGC polls in one triggerer process (each poll is one short HTTP exchange).
POLL_THREADS = 16
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=POLL_THREADS, thread_name_prefix="tencent-aigc-poll")
    return _POOL


#: Consecutive failed polls (after the hook's own retries) before the trigger gives up with an error.
MAX_POLL_ERRORS = 5


class VodAigcTaskTrigger(BaseTrigger):
    """Fires when VOD AIGC task ``aigc_task_id`` ends, fails to be read, or ``deadline`` passes.

    Events (``event.payload["status"]``): ``success``, ``failed`` (the task ended with an error:
    ``ErrCode``, ``ErrCodeExt``, ``Message``, ``retryable``), ``timeout`` (the deadline passed; the remote
    task was left alone) and ``error`` (polling failed ``MAX_POLL_ERRORS`` times in a row, or a
    non-retryable error such as a wrong TaskId or SubAppId).

    :param aigc_task_id: the task's ``TaskId``.
    :param tencentcloud_conn_id: the ``tencentcloud`` connection the triggerer reads the task with.
    :param region: overrides the connection's region.
    :param sub_app_id: ``SubAppId`` (``None``: the main application).
    :param deadline: when to give up, in epoch seconds (the task is left running).
    :param poll_interval: seconds before the second read (then growing by ``backoff``).
    :param max_poll_interval: the longest interval between two reads.
    :param backoff: the factor by which the interval grows after each read.
    :param session_id: the task's SessionId, kept for the operator's messages (may be ``None``).
    """

    def __init__(
        self,
        *,
        aigc_task_id: str,
        tencentcloud_conn_id: str | None,
        region: str | None,
        sub_app_id: int | None,
        deadline: float,
        poll_interval: float = 10.0,
        max_poll_interval: float = 60.0,
        backoff: float = 1.5,
        session_id: str | None = None,
    ) -> None:
        super().__init__()
        self.aigc_task_id = aigc_task_id
        self.tencentcloud_conn_id = tencentcloud_conn_id
        self.region = region
        self.sub_app_id = sub_app_id
        self.deadline = float(deadline)
        self.poll_interval = float(poll_interval)
        self.max_poll_interval = float(max_poll_interval)
        self.backoff = float(backoff)
        self.session_id = session_id
        self._hook: Any = None

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "aigc_task_id": self.aigc_task_id,
                "tencentcloud_conn_id": self.tencentcloud_conn_id,
                "region": self.region,
                "sub_app_id": self.sub_app_id,
                "deadline": self.deadline,
                "poll_interval": self.poll_interval,
                "max_poll_interval": self.max_poll_interval,
                "backoff": self.backoff,
                "session_id": self.session_id,
            },
        )

    def _poll(self) -> TaskOutcome:
        """One ``DescribeTaskDetail`` through the sync hook (runs in a worker thread)."""
        if self._hook is None:
            from airflow_provider_tencent.hooks.vod import VodHook

            self._hook = VodHook(tencentcloud_conn_id=self.tencentcloud_conn_id, region=self.region)
        outcome: TaskOutcome = self._hook.describe_aigc_task(self.aigc_task_id, self.sub_app_id)
        return outcome

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_tencent.exceptions import TencentCloudAPIError, TencentCloudError

        interval = max(self.poll_interval, 0.01)
        errors = 0
        while True:
            if time.time() >= self.deadline:
                yield TriggerEvent(
                    {
                        "status": "timeout",
                        "TaskId": self.aigc_task_id,
                        "Message": f"gave up waiting at the deadline; task {self.aigc_task_id} was left running",
                    }
                )
                return
            try:
                outcome = await asyncio.get_running_loop().run_in_executor(_pool(), self._poll)
                errors = 0
            except (TencentCloudError, ValueError) as exc:
                errors += 1
                retryable = isinstance(exc, TencentCloudAPIError) and (exc.retryable or not exc.sent)
                code = getattr(exc, "code", type(exc).__name__)
                self.log.warning("AIGC task %s: poll %d failed: %s", self.aigc_task_id, errors, code)
                if not retryable or errors >= MAX_POLL_ERRORS:
                    yield TriggerEvent(
                        {"status": "error", "TaskId": self.aigc_task_id, "ErrCodeExt": f"{code}", "Message": f"{exc}"}
                    )
                    return
            else:
                if outcome.done:
                    self.log.info("AIGC task %s ended: %s", self.aigc_task_id, outcome.status)
                    yield TriggerEvent(outcome.event())
                    return
                self.log.info("AIGC task %s: %s, %d%%", self.aigc_task_id, outcome.status, outcome.progress)
            await asyncio.sleep(max(0.0, min(interval, self.deadline - time.time())))
            interval = min(interval * self.backoff, self.max_poll_interval)


class VodAigcPauseTrigger(BaseTrigger):
    """Fires ``{"status": "resume"}`` at ``until`` (epoch seconds): a pause that holds no worker slot.

    The generating operators pause so before submitting again a task the service refused for the account's
    AIGC concurrency (:data:`airflow_provider_tencent.contracts.vod.TASK_ERR_RESUBMIT`).

    :param until: when to fire, in epoch seconds.
    """

    def __init__(self, *, until: float) -> None:
        super().__init__()
        self.until = float(until)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (f"{type(self).__module__}.{type(self).__qualname__}", {"until": self.until})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        await asyncio.sleep(max(0.0, self.until - time.time()))
        yield TriggerEvent({"status": "resume"})
