"""The ``hook`` of a task: one mixin for the base operator and the sensor.

The hook is built on first access of :attr:`TencentCloudHookMixin.hook`, inside the running task: no
connection is read and nothing touches the network when a DAG file is parsed.
"""

from __future__ import annotations

from functools import cached_property
from typing import Generic, TypeVar

from airflow_provider_tencent.hooks.base import TencentCloudHook

__all__ = ["TencentCloudHookMixin"]

HookT = TypeVar("HookT", bound=TencentCloudHook)


class TencentCloudHookMixin(Generic[HookT]):
    """A cached :attr:`hook` of class :attr:`hook_class`, for the task's connection and region.

    A subclass sets ``hook_class``; its ``__init__`` sets ``tencentcloud_conn_id`` and ``region`` (templated
    fields, rendered before ``execute``).
    """

    hook_class: type[HookT]
    tencentcloud_conn_id: str | None
    region: str | None

    @cached_property
    def hook(self) -> HookT:
        """The hook, built once per task instance from the rendered connection id and region."""
        return self.hook_class(tencentcloud_conn_id=self.tencentcloud_conn_id, region=self.region)
