"""VOD AIGC subjects (``CreateAigcCustomElement``): one subject, or many in one task.

* :class:`VodCreateAigcElementOperator` - one subject, its
  ``ElementId`` in XCom;
* :class:`VodCreateAigcElementBatchOperator` - many subjects
  at the quota.

The request of each subject is built and checked by
:func:`~airflow_provider_tencent.payloads.vod.prepare_create_element` against the
CreateAigcCustomElement API reference (:mod:`airflow_provider_tencent.contracts.vod`) before any
API call; the hook refuses an answer without an ``ElementId``. Importing this module imports no
Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_tencent.batch.runner import BatchReport, ItemResult
from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.hooks.vod import VodHook
from airflow_provider_tencent.links.vod import VodAigcLink
from airflow_provider_tencent.operators.base import TencentCloudBaseOperator
from airflow_provider_tencent.operators.batch import TencentCloudBatchOperator
from airflow_provider_tencent.payloads.vod import (
    CREATE_ELEMENT,
    ELEMENT_KEYS,
    prepare_create_element,
)

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

__all__ = [
    "VodCreateAigcElementBatchOperator",
    "VodCreateAigcElementOperator",
]


class VodCreateAigcElementOperator(TencentCloudBaseOperator[VodHook]):
    """Create a VOD AIGC subject (``CreateAigcCustomElement``) and return its ``ElementId``.

    All arguments are templated. Images are http(s) URLs, or ``cos://``/``s3://`` paths that are
    checked here (jpg/jpeg/png, at most 10 MB, width and height at least 300 px, aspect ratio
    between 1:2.5 and 2.5:1) and sent as presigned URLs valid ``presign_expires`` seconds.

    :param element_name: ``ElementName``, at most 20 characters.
    :param element_description: ``ElementDescription``, at most 100 characters.
    :param element_frontal_image: ``ElementFrontalImage``.
    :param element_refer_list: ``ElementReferList``: 1 to 3 images.
    :param presign_expires: lifetime in seconds of the presigned URLs of ``cos://``/``s3://`` pictures (default 3600).
    :param retry_ambiguous: the API has no idempotency key: by default a failure after the request
        was sent (timeout, reset, server error) fails the task at once with an error saying a
        subject may have been created. ``True`` retries such failures (duplicates possible).
    :return: (XCom ``return_value``) the ``ElementId`` string; the RequestId is pushed under
        ``request_id``.
    """

    lineage_action = CREATE_ELEMENT.action
    hook_class = VodHook
    template_fields: Sequence[str] = (
        *TencentCloudBaseOperator.template_fields,
        "element_name",
        "element_description",
        "element_frontal_image",
        "element_refer_list",
    )
    template_fields_renderers = {"element_refer_list": "json"}
    operator_extra_links = (VodAigcLink(),)
    ui_color = "#fff1e6"

    def __init__(
        self,
        *,
        element_name: str,
        element_description: str,
        element_frontal_image: Any,
        element_refer_list: Any,
        retry_ambiguous: bool = False,
        presign_expires: int = 3600,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.element_name = element_name
        self.element_description = element_description
        self.element_frontal_image = element_frontal_image
        self.element_refer_list = element_refer_list
        self.retry_ambiguous = retry_ambiguous
        self.presign_expires = presign_expires

    def execute(self, context: Context) -> str:
        params = prepare_create_element(
            self.element_name,
            self.element_description,
            self.element_frontal_image,
            self.element_refer_list,
            conn_id=self.tencentcloud_conn_id,
            presign_expires=self.presign_expires,
        )
        self.persist_links(context)
        response = self.hook.create_aigc_custom_element(params, retry_ambiguous=self.retry_ambiguous)
        element_id = response["ElementId"]  # the hook refuses an answer without one
        context["ti"].xcom_push(key="request_id", value=response.get("RequestId"))
        self.record_lineage(request_ids=[response.get("RequestId")], element_ids=[element_id])
        self.log.info(
            "Created AIGC subject %r: ElementId=%s RequestId=%s",
            self.element_name,
            element_id,
            response.get("RequestId"),
        )
        return f"{element_id}"


class VodCreateAigcElementBatchOperator(TencentCloudBatchOperator[VodHook]):
    """Create many AIGC subjects in one task, at the ``CreateAigcCustomElement`` quota (20/s by default).

    :param items: a list (or XCom) of dicts with ``element_name``, ``element_description``,
        ``element_frontal_image``, ``element_refer_list`` and an optional ``key`` (default: the name).
    :param retry_ambiguous: send again an item that may have reached the service without a definite answer.
    :param presign_expires: lifetime in seconds of the presigned URLs of ``cos://``/``s3://`` pictures.
    :return: (XCom) ``element_ids`` ``{key: ElementId}`` plus the counts and ``failures``.

    Which items are sent again after a failure (``failed``, ``ambiguous``): ``docs/operators/create_aigc_elements.rst``.
    """

    contract = CREATE_ELEMENT
    journal_intent = True
    lineage_action = CREATE_ELEMENT.action
    hook_class = VodHook
    template_fields: Sequence[str] = (*TencentCloudBatchOperator.template_fields, "items")
    template_fields_renderers = {"items": "json"}
    operator_extra_links = (VodAigcLink(),)
    item_keys = ELEMENT_KEYS
    item_noun = "subject"

    def __init__(
        self, *, items: Any, retry_ambiguous: bool = False, presign_expires: int = 3600, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._names_of: list[Any] | None = None  # the items list whose element_name counts are known
        self._name_counts: Counter[str] = Counter()
        self.items = items
        self.retry_ambiguous = retry_ambiguous
        self.presign_expires = presign_expires

    def iter_items(self, context: Context) -> Iterable[tuple[str, Any]]:
        """``items`` parsed and checked whole, before anything is sent.

        An item's key is its ``key``; without one, its ``element_name`` - and, when several items
        share that name (legitimate: subjects may share a name), ``<name>#<index>``, so each is
        created. The same explicit key twice with the same content is sent once; with different
        content it is an input error naming both.
        """
        if self.items is None:
            raise TencentCloudInputError("items is required: a list of subjects (dicts)", field="items")
        return self.parse_items(self.items)

    def default_item_key(self, index: int, item: Mapping[str, Any], items: list[Any]) -> str:
        """A subject without ``key`` is known by its ``element_name`` - ``<name>#<index>`` when entries
        without a key share that name - else its index."""
        if self._names_of is not items:  # counted once per items list
            self._names_of, self._name_counts = (
                items,
                Counter(
                    f"{other.get('element_name') or n}"
                    for n, other in enumerate(items)
                    if isinstance(other, Mapping) and other.get("key") in (None, "")
                ),
            )
        name = f"{item.get('element_name') or index}"
        shared = self._name_counts[name]
        return name if shared == 1 else f"{name}#{index}"

    def send_item(self, key: str, payload: Any, limiter: Any, before_send: Callable[[], None]) -> ItemResult:
        params = prepare_create_element(
            payload.get("element_name"),
            payload.get("element_description"),
            payload.get("element_frontal_image"),
            payload.get("element_refer_list"),
            conn_id=self.tencentcloud_conn_id,
            presign_expires=self.presign_expires,
            label=key,
        )
        response = self.hook.create_aigc_custom_element(
            params, retry_ambiguous=self.retry_ambiguous, limiter=limiter, before_send=before_send
        )
        return ItemResult(
            key,
            "created",
            request_id=response.get("RequestId"),
            data={"ElementId": response.get("ElementId"), "ElementName": payload.get("element_name")},
        )

    def on_unfinished(self, key: str, payload: Any) -> ItemResult | None:
        if self.retry_ambiguous:
            return None
        return ItemResult(
            key,
            "ambiguous",
            "MaybeCreated",
            "a previous attempt sent this subject and died before recording the answer: it may exist; "
            "not sent again (set retry_ambiguous=True to re-send, accepting a possible duplicate)",
        )

    def execute(self, context: Context) -> Any:
        self.persist_links(context)
        return super().execute(context)

    def result_value(self, report: BatchReport, summary: dict[str, Any]) -> Any:
        summary["element_ids"] = {r.key: r.data.get("ElementId") for r in report.results if r.data.get("ElementId")}
        return summary
