"""The base of every Tencent Cloud operator: connection/region arguments, a cached hook, console links.

No connection is read and nothing touches the network before ``execute``: the hook is built
on first access of :attr:`hook`, inside the running task. An operator's ``execute`` reads as
build (a :mod:`~airflow_provider_tencent.payloads` builder) -> hook call -> result.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator
from airflow.sdk.bases.operatorlink import BaseOperatorLink

from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.hooks.mixin import HookT, TencentCloudHookMixin
from airflow_provider_tencent.links.base import TencentConsoleLink
from airflow_provider_tencent.links.image_search import ImageSearchGalleryLink
from airflow_provider_tencent.openlineage import OpenLineageMixin
from airflow_provider_tencent.utils.connection import DEFAULT_CONN_ID

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

#: What ``if_exists`` may be: an existing *different* resource fails the task, or is skipped.
IF_EXISTS = ("fail", "skip")


def check_choice(field: str, value: Any, choices: Sequence[Any]) -> None:
    """Refuse an argument outside ``choices``, before any call.

    :raises TencentCloudInputError: naming the argument, the choices and the value.
    """
    if value not in choices:
        allowed = " or ".join(repr(c) for c in choices)
        raise TencentCloudInputError(
            f"{field} must be {allowed}, got {value!r}", field=field, limit=allowed, actual=f"{value!r}"
        )


class TencentCloudBaseOperator(OpenLineageMixin, TencentCloudHookMixin[HookT], BaseOperator):
    """Shared arguments of the provider's operators.

    :param tencentcloud_conn_id: the ``tencentcloud`` connection (templated).
    :param region: overrides the connection's region (templated).

    OpenLineage: see :class:`~airflow_provider_tencent.openlineage.OpenLineageMixin`.
    """

    template_fields: Sequence[str] = ("tencentcloud_conn_id", "region")

    def __init__(
        self, *, tencentcloud_conn_id: str | None = DEFAULT_CONN_ID, region: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.tencentcloud_conn_id = tencentcloud_conn_id
        self.region = region

    def link_query(self) -> dict[str, Any]:
        """The query parameters of this operator's console links (none by default)."""
        return {}

    def persist_links(self, context: Context) -> None:
        """Store the URL of each console link of ``operator_extra_links`` for the UI (no network)."""
        for link in self.operator_extra_links:
            if isinstance(link, TencentConsoleLink):
                link.persist(context, **self.link_query())


class ImageSearchOperatorMixin(TencentCloudHookMixin[ImageSearchHook]):
    """What every Image Search operator shares: the hook class and the gallery's console link.

    The link's query is the operator's ``group_id`` and the hook's region.
    """

    hook_class = ImageSearchHook
    operator_extra_links: Collection[BaseOperatorLink] = (ImageSearchGalleryLink(),)
    group_id: Any

    def link_query(self) -> dict[str, Any]:
        return {"groupId": self.group_id, "region": self.hook.region}
