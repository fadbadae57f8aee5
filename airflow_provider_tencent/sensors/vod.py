"""``VodAigcTaskSensor``: wait for a VOD AIGC task submitted elsewhere (by ``TaskId``).

Deferrable (``deferrable=``, default ``[operators] default_deferrable``): the wait runs in the triggerer
(:class:`~airflow_provider_tencent.triggers.vod.VodAigcTaskTrigger`); otherwise it pokes
``DescribeTaskDetail`` every ``poke_interval`` seconds (``mode="poke"`` or ``"reschedule"``). It ends as
:class:`~airflow_provider_tencent.operators.vod.generate.VodCreateAigcVideoOperator` does: the result
``{"TaskId", "Status", "files", "paths"?}`` in XCom, a failed task raised with ``ErrCode`` and message, and
``timeout`` (seconds) leaving the task alone. It never submits anything.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_tencent.compat import default_deferrable
from airflow_provider_tencent.links.vod import VodAigcTaskLink
from airflow_provider_tencent.openlineage import VOD_NAMESPACE
from airflow_provider_tencent.operators.vod.wait import DEFAULT_TIMEOUT, VodAigcTaskWaitMixin, wait_setting
from airflow_provider_tencent.utils.connection import DEFAULT_CONN_ID

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

__all__ = ["VodAigcTaskSensor"]


class VodAigcTaskSensor(VodAigcTaskWaitMixin, BaseSensorOperator):
    """Wait until VOD AIGC task ``aigc_task_id`` ends (templated; e.g. an XCom of another system's submit).

    :param aigc_task_id: the ``TaskId``.
    :param tencentcloud_conn_id: the ``tencentcloud`` connection (templated).
    :param region: overrides the connection's region (templated).
    :param sub_app_id: ``SubAppId``; default: the connection extra ``sub_app_id``.
    :param output_path: copy the output files there (see ``VodCreateAigcVideoOperator``).
    :param deferrable: wait in the triggerer.
    :param poke_interval: seconds between two reads (the first interval when deferred, growing by
        ``backoff`` up to ``max_poll_interval``).
    :param max_poll_interval: the longest interval between two reads when deferred (default 60).
    :param backoff: the factor by which the interval grows when deferred (default 1.5).
    :param timeout: seconds to wait in all (default two hours; at most 72 hours, the three days the service
        shows a task). ``timeout``, ``poke_interval``, ``max_poll_interval`` and ``backoff`` must be finite
        numbers: anything else is refused when the sensor is built.

    OpenLineage: input the task (``tencentcloud-vod://<region>``, name the ``TaskId``); outputs only the
    files copied to ``output_path``; action ``DescribeTaskDetail`` with the RequestId of each read.
    """

    lineage_action = "DescribeTaskDetail"
    _task_is_output = False
    _submits = False

    template_fields: Sequence[str] = ("aigc_task_id", "sub_app_id", "tencentcloud_conn_id", "region", "output_path")
    operator_extra_links = (VodAigcTaskLink(),)

    def __init__(
        self,
        *,
        aigc_task_id: str,
        tencentcloud_conn_id: str | None = DEFAULT_CONN_ID,
        region: str | None = None,
        sub_app_id: int | str | None = None,
        output_path: str | None = None,
        deferrable: bool | None = None,
        max_poll_interval: float = 60.0,
        backoff: float = 1.5,
        timeout: float = DEFAULT_TIMEOUT,
        poke_interval: float = 10.0,
        **kwargs: Any,
    ) -> None:
        timeout = wait_setting("timeout", timeout)
        poke_interval = wait_setting("poke_interval", poke_interval)
        max_poll_interval = wait_setting("max_poll_interval", max_poll_interval)
        backoff = wait_setting("backoff", backoff)
        super().__init__(timeout=timeout, poke_interval=poke_interval, **kwargs)
        self.aigc_task_id = aigc_task_id
        self.tencentcloud_conn_id = tencentcloud_conn_id
        self.region = region
        self.sub_app_id = sub_app_id
        self.output_path = output_path
        self.deferrable = default_deferrable() if deferrable is None else bool(deferrable)
        self.poll_interval = float(poke_interval)
        self.max_poll_interval = max(float(max_poll_interval), self.poll_interval)
        self.backoff = float(backoff)

    def lineage_inputs(self, region: str) -> list[tuple[str, str]]:
        """The task waited for."""
        return [(VOD_NAMESPACE.format(region=region), f"{self.aigc_task_id}")] if self.aigc_task_id else []

    def execute(self, context: Context) -> Any:
        sub_app_id = self.hook.resolve_sub_app_id(self.sub_app_id)
        VodAigcTaskLink.persist(context, taskId=self.aigc_task_id, subAppId=sub_app_id)
        if not self.deferrable:
            return super().execute(context)
        outcome = self._describe(self.aigc_task_id, sub_app_id)
        if outcome.done:
            return self._finish(context, outcome, sub_app_id)
        self.defer(
            trigger=self._trigger(self.aigc_task_id, sub_app_id, time.time() + float(self.timeout), None),
            method_name="execute_complete",
            kwargs={"sub_app_id": sub_app_id},
            timeout=float(self.timeout) + 60,
        )

    def poke(self, context: Context) -> PokeReturnValue | bool:
        sub_app_id = self.hook.resolve_sub_app_id(self.sub_app_id)
        outcome = self._describe(self.aigc_task_id, sub_app_id)
        if not outcome.done:
            self.log.info("AIGC task %s: %s, %d%%", self.aigc_task_id, outcome.status, outcome.progress)
            return False
        return PokeReturnValue(is_done=True, xcom_value=self._finish(context, outcome, sub_app_id))
