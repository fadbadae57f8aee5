"""Image Search (TIIA) ``SearchImage``: one query picture, or many in one task.

* :class:`ImageSearchSearchImageOperator` - one query picture, its matches;
* :class:`ImageSearchSearchImageBatchOperator` - many query pictures
  at the quota, a JSON-lines result file.

Each query is built and checked by
:func:`~airflow_provider_tencent.payloads.image_search.prepare_search_image` before any API call.
Importing this module imports no Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_tencent.batch.runner import ItemResult
from airflow_provider_tencent.contracts import image_search as contract
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.operators.base import ImageSearchOperatorMixin, TencentCloudBaseOperator
from airflow_provider_tencent.operators.batch import TencentCloudBatchOperator
from airflow_provider_tencent.payloads.image_search import SEARCH_KEYS, list_pictures, prepare_search_image

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

__all__ = [
    "ImageSearchSearchImageBatchOperator",
    "ImageSearchSearchImageOperator",
]


class ImageSearchSearchImageOperator(ImageSearchOperatorMixin, TencentCloudBaseOperator[ImageSearchHook]):
    """Search a gallery with one picture (``SearchImage``, read-only: transient errors are retried).

    All arguments are templated. Exactly one picture source.

    :param group_id: gallery (``GroupId``).
    :param image_url: ``ImageUrl``: a URL the service downloads.
    :param image_base64: ``ImageBase64``: the query picture as base64.
    :param image_path: a ``cos://``, ``s3://``, ``file://`` or local path, read and checked here.
    :param limit: ``Limit``, 1 to 100 (default 10; 1 in pattern search galleries).
    :param offset: ``Offset``, >= 0.
    :param match_threshold: ``MatchThreshold``, 0 to 100: only results scoring over it (0: the
        gallery type's default, 50 for general image search).
    :param filter: ``Filter`` on the pictures' tags: ``key op value`` with ``>``, ``>=``, ``<``,
        ``<=``, ``=``, ``!=``, joined by ``AND`` / ``OR``; at most 64 characters.
    :param image_rect: ``ImageRect`` ``{"x", "y", "width", "height"}``: search with this area only.
    :param enable_detect: ``EnableDetect`` (product image search only).
    :param category_id: ``CategoryId`` 0-5 (product image search only).
    :return: (XCom) ``{"GroupId", "Count", "Matches": [{"EntityId", "PicName", "Score", "CustomContent",
        "Tags"}], "Object", "RequestId"}``; matches best first, ``Score`` 0-100; ``Object`` (the detected
        subject box) only in product galleries. The query picture itself is never in XCom.

    OpenLineage: inputs the query picture (``image_path``/``image_url``) and the gallery (read only);
    no output; action ``SearchImage``.
    """

    lineage_action = "SearchImage"
    lineage_gallery = "input"
    template_fields: Sequence[str] = (*TencentCloudBaseOperator.template_fields, "group_id", *SEARCH_KEYS)
    template_fields_renderers = {"image_rect": "json"}
    ui_color = "#e6f4ff"

    def __init__(
        self,
        *,
        group_id: str,
        image_url: str | None = None,
        image_base64: str | None = None,
        image_path: Any = None,
        limit: int | None = None,
        offset: int | None = None,
        match_threshold: int | None = None,
        filter: str | None = None,
        image_rect: dict[str, int] | None = None,
        enable_detect: bool | None = None,
        category_id: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.group_id = group_id
        self.image_url = image_url
        self.image_base64 = image_base64
        self.image_path = image_path
        self.limit = limit
        self.offset = offset
        self.match_threshold = match_threshold
        self.filter = filter
        self.image_rect = image_rect
        self.enable_detect = enable_detect
        self.category_id = category_id

    def execute(self, context: Context) -> dict[str, Any]:
        item = {key: getattr(self, key) for key in SEARCH_KEYS}
        params = prepare_search_image(self.group_id, item, conn_id=self.tencentcloud_conn_id)
        self.persist_links(context)
        result = self.hook.search_image(params)
        self.record_lineage(request_ids=[result.request_id])
        self.log.info(
            "SearchImage in %s: %d matches (best %s) RequestId=%s",
            self.group_id,
            len(result.matches),
            result.matches[0].score if result.matches else "-",
            result.request_id,
        )
        return result.as_dict()


class ImageSearchSearchImageBatchOperator(ImageSearchOperatorMixin, TencentCloudBatchOperator[ImageSearchHook]):
    """Search a gallery with many pictures at the ``SearchImage`` quota (10/s by default).

    :param group_id: gallery (``GroupId``).
    :param items: dicts with :class:`ImageSearchSearchImageOperator`'s argument names and an optional ``key``
        (an XCom works); or give ``source_prefix``.
    :param source_prefix: every PNG/JPG/JPEG/BMP object under this prefix is one query.
    :param limit: ``Limit`` of the queries listed from ``source_prefix``.
    :param match_threshold: ``MatchThreshold`` of the queries listed from ``source_prefix``.
    :param filter: ``Filter`` (a tag expression) of the queries listed from ``source_prefix``.
    :param exclude_self: drop a match whose PicName is the query's own picture in the gallery
        (near-duplicates of a picture, not the picture).
    :return: (XCom) counts (a searched query is ``done``), ``with_matches``, ``failures``; ``manifest_path``
        (JSON lines) holds one line per query: key, status, Matches (EntityId, PicName, Score, ...), Count,
        RequestId.

    Pacing, checkpoint (a re-run searches only what is not done), shards and failure rule are
    :class:`~airflow_provider_tencent.operators.batch.TencentCloudBatchOperator`'s.

    OpenLineage: inputs the query pictures (or ``source_prefix``) and the gallery (read only); output
    the result file ``manifest_path`` when written; action ``SearchImage``, a RequestId per query.
    """

    contract = contract.SEARCH_IMAGE
    item_keys = SEARCH_KEYS
    item_noun = "query"
    lineage_action = "SearchImage"
    lineage_gallery = "input"
    template_fields: Sequence[str] = (
        *TencentCloudBatchOperator.template_fields,
        "group_id",
        "items",
        "source_prefix",
        "limit",
        "match_threshold",
        "filter",
    )
    template_fields_renderers = {"items": "json"}

    def __init__(
        self,
        *,
        group_id: str,
        items: Any = None,
        source_prefix: Any = None,
        limit: int | None = None,
        match_threshold: int | None = None,
        filter: str | None = None,
        exclude_self: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.group_id = group_id
        self.items = items
        self.source_prefix = source_prefix
        self.limit = limit
        self.match_threshold = match_threshold
        self.filter = filter
        self.exclude_self = exclude_self

    def iter_items(self, context: Context) -> Iterable[tuple[str, Any]]:
        """The queries: ``items`` parsed and checked whole (before anything is sent), or every picture
        under ``source_prefix``, listed lazily. A query's key is its ``key``, else its ``image_path``,
        else its index; the same key twice with different content is an input error naming both."""
        self.require_items_or_prefix()
        common = {"limit": self.limit, "match_threshold": self.match_threshold, "filter": self.filter}
        common = {k: v for k, v in common.items() if v not in (None, "")}
        if self.items is None:
            return (
                (key, {**common, "image_path": key})
                for key, _ in list_pictures(self.source_prefix, self.tencentcloud_conn_id)
            )
        return [(key, {**common, **item}) for key, item in self.parse_items(self.items)]

    def default_item_key(self, index: int, item: Mapping[str, Any], items: list[Any]) -> str:
        """A query without ``key`` is known by its ``image_path``, else its index."""
        return f"{item.get('image_path') or index}"

    def send_item(self, key: str, payload: Any, limiter: Any, before_send: Callable[[], None]) -> ItemResult:
        params = prepare_search_image(self.group_id, payload, conn_id=self.tencentcloud_conn_id, label=key)
        result = self.hook.search_image(params, limiter=limiter, before_send=before_send)
        matches = [m.as_dict() for m in result.matches]
        if self.exclude_self and payload.get("image_path"):
            from airflow_provider_tencent.utils.naming import pic_name_for

            own = pic_name_for(f"{payload['image_path']}")
            matches = [m for m in matches if not f"{m['PicName']}".startswith(own)]
        return ItemResult(key, "done", request_id=result.request_id, data={"Count": len(matches), "Matches": matches})

    def result_value(self, report: Any, summary: dict[str, Any]) -> Any:
        summary["with_matches"] = sum(1 for r in report.results if r.ok and r.data.get("Count"))
        return summary

    def write_manifest(self, report: Any) -> None:
        """Write the results file, and report it as this task's output (OpenLineage)."""
        from airflow_provider_tencent.openlineage import dataset_name

        super().write_manifest(report)
        self.record_lineage(outputs=[dataset_name(self.manifest_path, local_path=True)])
