"""The base of every Tencent Cloud operator: connection/region arguments and a cached hook.

No connection is read and nothing touches the network before ``execute``: the hook is built
on first access of :attr:`hook`, inside the running task.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

from airflow.sdk import BaseOperator

from airflow_provider_tencent.hooks.base import TencentCloudHook
from airflow_provider_tencent.openlineage import OpenLineageMixin
from airflow_provider_tencent.utils.connection import DEFAULT_CONN_ID

HookT = TypeVar("HookT", bound=TencentCloudHook)


class TencentCloudBaseOperator(OpenLineageMixin, BaseOperator, Generic[HookT]):
    """Shared arguments of the provider's operators.

    :param tencentcloud_conn_id: the ``tencentcloud`` connection (templated).
    :param region: overrides the connection's region (templated).

    OpenLineage: see :class:`~airflow_provider_tencent.openlineage.OpenLineageMixin`.
    """

    hook_class: ClassVar[type[TencentCloudHook]] = TencentCloudHook
    template_fields: Sequence[str] = ("tencentcloud_conn_id", "region")

    def __init__(
        self, *, tencentcloud_conn_id: str | None = DEFAULT_CONN_ID, region: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.tencentcloud_conn_id = tencentcloud_conn_id
        self.region = region

    @cached_property
    def hook(self) -> HookT:
        hook: HookT = self.hook_class(tencentcloud_conn_id=self.tencentcloud_conn_id, region=self.region)  # type: ignore[assignment]
        return hook
