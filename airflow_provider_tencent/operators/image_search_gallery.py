"""Image Search (TIIA) operators for the gallery's life after ``CreateImage``.

* :class:`SearchImageOperator` - one query picture, its matches (``SearchImage``);
* :class:`SearchImagesOperator` - many query pictures at the quota, a JSON-lines result file;
* :class:`UpdateImageOperator` - the tags of one picture or of every picture of an EntityId;
* :class:`DeleteImagesOperator` - one picture, or a whole EntityId only with ``whole_entity=True``;
* :class:`CreateGroupOperator` - an idempotent gallery;
* :class:`SyncGalleryOperator` - a gallery kept equal to a storage prefix.

Contracts: :mod:`airflow_provider_tencent.contracts.tiia` (``SEARCH_IMAGE``, ``UPDATE_IMAGE``,
``DELETE_IMAGES``, ``CREATE_GROUP``). Every argument is checked before any API call; a refusal names
the argument, the limit and the value's size. Importing this module imports no Tencent Cloud SDK
module, no s3fs and no boto.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_tencent.batch.runner import ItemResult, fingerprint
from airflow_provider_tencent.contracts import tiia as contract
from airflow_provider_tencent.exceptions import TencentCloudBatchError, TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import TencentImageSearchHook
from airflow_provider_tencent.links.console import ImageGalleryLink
from airflow_provider_tencent.operators.base import TencentCloudBaseOperator
from airflow_provider_tencent.operators.batch import TencentCloudBatchOperator
from airflow_provider_tencent.validation import (
    Problem,
    field_problems,
    image_problems,
    parse_structured,
    raise_if,
    tags_problems,
    template_bool,
    template_int,
    template_rect,
    template_tags,
)

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

_DATA_URI = re.compile(r"^data:image/[A-Za-z0-9.+-]+;base64,")
#: Largest raw picture whose base64 text fits the 5 MB limit.
_MAX_RAW_BYTES = (contract.IMAGE_RULES.max_base64_bytes or 0) // 4 * 3
#: One condition of a ``Filter``: ``key op value`` (SDK SearchImageRequest.Filter).
_CONDITION = re.compile(r"""\s*[^\s<>=!'"]+\s*(>=|<=|!=|=|>|<)\s*("[^"]*"|'[^']*'|[^\s'"]+)\s*""")
_JOINER = re.compile(r"\s+(?:AND|OR)\s+", re.IGNORECASE)

#: Keys of one query of :class:`SearchImagesOperator` (the single operator's argument names).
SEARCH_KEYS = (
    "image_url",
    "image_base64",
    "image_path",
    "limit",
    "offset",
    "match_threshold",
    "filter",
    "image_rect",
    "enable_detect",
    "category_id",
)


def filter_problems(text: Any) -> list[Problem]:
    """``Filter``: ``key op value`` conditions (``>``, ``>=``, ``<``, ``<=``, ``=``, ``!=``) joined by AND / OR."""
    if not isinstance(text, str) or not text:
        return []
    bad = [part for part in _JOINER.split(text.strip()) if not _CONDITION.fullmatch(part)]
    if not bad:
        return []
    return [
        Problem(
            "filter",
            "key op value joined by AND/OR, op one of > >= < <= = !=",
            f"{bad[0]!r}",
            f"filter (Filter) condition {bad[0]!r} is not 'key op value' with op one of >, >=, <, <=, =, != "
            "(conditions joined by AND / OR; SearchImage document)",
        )
    ]


def prepare_search_image(
    group_id: Any, item: Mapping[str, Any], *, conn_id: str | None, label: str | None = None
) -> dict[str, Any]:
    """The validated ``SearchImage`` request for one query picture.

    ``item`` uses the operator's argument names (:data:`SEARCH_KEYS`). Exactly one picture source:
    ``image_url`` (the service downloads it), ``image_base64`` (plain, or a ``data:image/...;base64,``
    URI whose prefix is taken off) or ``image_path`` (read here - at most 5 MB base64 plus one byte -,
    checked like a ``CreateImage`` picture, sent as base64).

    :raises TencentCloudInputError: naming each argument that breaks the contract, with the limit
        and the value's size; nothing has been sent.
    """
    action = "SearchImage"
    unknown = sorted(set(item) - set(SEARCH_KEYS))
    if unknown:
        raise TencentCloudInputError(
            f"{action}{f' [{label}]' if label else ''}: unknown keys {unknown}; expected {list(SEARCH_KEYS)}",
            field=unknown[0],
            item=label,
        )
    image_path = item.get("image_path")
    image_path = None if image_path in (None, "") else f"{image_path}"
    params: dict[str, Any] = {
        "GroupId": group_id,
        "ImageUrl": item.get("image_url") or None,
        "ImageBase64": item.get("image_base64") or None,
        "Limit": template_int(item.get("limit")),
        "Offset": template_int(item.get("offset")),
        "MatchThreshold": template_int(item.get("match_threshold")),
        "Filter": item.get("filter") or None,
        "ImageRect": template_rect(item.get("image_rect")),
        "EnableDetect": template_bool(item.get("enable_detect")),
        "CategoryId": template_int(item.get("category_id")),
    }
    params = {k: v for k, v in params.items() if v is not None and v != ""}
    text = params.get("ImageBase64")
    if isinstance(text, str) and _DATA_URI.match(text):
        params["ImageBase64"] = text[_DATA_URI.match(text).end() :]  # type: ignore[union-attr]
    problems = field_problems(contract.SEARCH_IMAGE, params)
    problems += filter_problems(params.get("Filter"))
    for name, arg, low, high in (
        ("Limit", "limit", 1, contract.MAX_SEARCH_LIMIT),
        ("Offset", "offset", 0, None),
        ("MatchThreshold", "match_threshold", 0, contract.SCORE_MAX),
    ):
        value = params.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            if value < low or (high is not None and value > high):
                limit = f"{low} to {high}" if high is not None else f">= {low}"
                problems.append(Problem(arg, limit, f"{value}", f"{arg} ({name}) is {value}; it must be {limit}"))
    sources = [
        name
        for name, present in (
            ("image_url", "ImageUrl" in params),
            ("image_base64", "ImageBase64" in params),
            ("image_path", image_path is not None),
        )
        if present
    ]
    if len(sources) != 1:
        problems.append(
            Problem(
                sources[1] if sources else "image_url",
                "exactly one image source",
                f"{len(sources)} sources",
                "give exactly one of image_url, image_base64 or image_path"
                + (f" (got {' and '.join(sources)})" if sources else ""),
            )
        )
    url = params.get("ImageUrl")
    if isinstance(url, str) and not url.startswith(("http://", "https://")):
        problems.append(
            Problem("image_url", "an http(s) URL", f"{len(url)} characters", "image_url must be an http(s) URL")
        )
    raise_if(problems, action, label)
    rules = contract.IMAGE_RULES
    if "ImageBase64" in params:
        raw = params["ImageBase64"]
        try:
            data = base64.b64decode(raw, validate=True)
        except ValueError:
            raise_if(
                [Problem("image_base64", "valid base64", "undecodable", "image_base64 is not valid base64")],
                action,
                label,
            )
        found = image_problems("image_base64", data, rules, "base64 data")
        if rules.max_base64_bytes and len(raw) > rules.max_base64_bytes:
            found.append(
                Problem(
                    "image_base64",
                    f"<= {rules.max_base64_bytes} bytes",
                    f"{len(raw)} bytes",
                    f"image_base64 is {len(raw)} bytes; the limit is {rules.max_base64_bytes}",
                )
            )
        raise_if(found, action, label)
    elif image_path is not None:
        data = _read_picture(image_path, conn_id, action, label)
        raise_if(image_problems("image_path", data, rules, image_path), action, label)
        params["ImageBase64"] = base64.b64encode(data).decode("ascii")
    return params


def _read_picture(image_path: str, conn_id: str | None, action: str, label: str | None) -> bytes:
    from airflow_provider_tencent.fs.storage import read_bytes, to_storage_path

    try:
        return read_bytes(to_storage_path(image_path, conn_id), max_bytes=_MAX_RAW_BYTES)
    except (FileNotFoundError, OSError) as exc:
        raise TencentCloudInputError(
            f"{action}{f' [{label}]' if label else ''}: image_path {image_path!r} cannot be read: {exc}",
            field="image_path",
            item=label,
        ) from None


class SearchImageOperator(TencentCloudBaseOperator[TencentImageSearchHook]):
    """Search a gallery with one picture (``SearchImage``, read-only: transient errors are retried).

    All arguments are templated. Exactly one picture source: ``image_url``, ``image_base64`` or
    ``image_path`` (``cos://``, ``s3://``, ``file://`` or a local path; read and checked here).

    :param group_id: gallery (``GroupId``).
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
    hook_class: ClassVar[type[TencentImageSearchHook]] = TencentImageSearchHook
    template_fields: Sequence[str] = (*TencentCloudBaseOperator.template_fields, "group_id", *SEARCH_KEYS)
    template_fields_renderers = {"image_rect": "json"}
    operator_extra_links = (ImageGalleryLink(),)
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
        ImageGalleryLink.persist(context, groupId=self.group_id, region=self.hook.region)
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


class SearchImagesOperator(TencentCloudBatchOperator[TencentImageSearchHook]):
    """Search a gallery with many pictures at the ``SearchImage`` quota (10/s by default).

    Queries come from ``items`` (dicts with :class:`SearchImageOperator`'s argument names and an
    optional ``key``; an XCom works) or ``source_prefix`` (every PNG/JPG/JPEG/BMP under a prefix,
    each searched with ``limit``/``match_threshold``/``filter``). Pacing, checkpoint (a re-run
    searches only what is not done), shards and failure rule are
    :class:`~airflow_provider_tencent.operators.batch.TencentCloudBatchOperator`'s. ``manifest_path``
    (JSON lines) holds one line per query: key, status, Matches (EntityId, PicName, Score, ...),
    Count, RequestId. With ``exclude_self`` a match whose PicName is the query's own picture in
    the gallery is dropped (near-duplicates of a picture, not the picture).

    Result (XCom): counts (a searched query is ``done``), ``with_matches``, ``failures``.

    OpenLineage: inputs the query pictures (or ``source_prefix``) and the gallery (read only); output
    the result file ``manifest_path`` when written; action ``SearchImage``, a RequestId per query.
    """

    contract = contract.SEARCH_IMAGE
    lineage_action = "SearchImage"
    lineage_gallery = "input"
    hook_class: ClassVar[type[TencentImageSearchHook]] = TencentImageSearchHook
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

    def describe_source(self) -> str:
        return "items" if self.items is not None else f"source_prefix {f'{self.source_prefix}'!r}"

    def iter_items(self, context: Context) -> Iterable[tuple[str, Any]]:
        """The queries: ``items`` parsed and checked whole (before anything is sent), or every picture
        under ``source_prefix``, listed lazily. A query's key is its ``key``, else its ``image_path``,
        else its index; the same key twice with different content is an input error naming both."""
        if (self.items is None) == (self.source_prefix in (None, "")):
            raise TencentCloudInputError("give exactly one of items or source_prefix", field="items")
        common = {"limit": self.limit, "match_threshold": self.match_threshold, "filter": self.filter}
        common = {k: v for k, v in common.items() if v not in (None, "")}
        if self.items is None:
            from airflow_provider_tencent.fs.storage import list_pictures

            return (
                (key, {**common, "image_path": key})
                for key, _ in list_pictures(self.source_prefix, self.tencentcloud_conn_id)
            )
        out: list[tuple[str, Any]] = []
        seen: dict[str, tuple[int, str]] = {}
        for index, entry in enumerate(parse_structured(self.items, "items", list)):
            if not isinstance(entry, Mapping):
                raise TencentCloudInputError(
                    f"items[{index}] must be a dict, got {type(entry).__name__}", field="items", item=f"{index}"
                )
            item = dict(entry)
            key = f"{item.pop('key', None) or item.get('image_path') or index}"
            mark = fingerprint(item)
            if key in seen and seen[key][1] != mark:
                raise TencentCloudInputError(
                    f"items[{seen[key][0]}] and items[{index}] have the same key {key!r} but different content; "
                    "nothing was sent",
                    field="items",
                    item=key,
                )
            if key not in seen:
                seen[key] = (index, mark)
                out.append((key, {**common, **item}))
        return out

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


class UpdateImageOperator(TencentCloudBaseOperator[TencentImageSearchHook]):
    """Replace the tags of one picture (``entity_id`` + ``pic_name``) or of every picture of ``entity_id``
    (``UpdateImage``; ``entity_id`` is required, at most 64 characters, as ``pic_name``).

    Setting tags is idempotent, so transient errors are retried. ``tags``: a dict or JSON object of
    at most 10 keys; they replace the picture's tags. A target that holds no picture fails with
    ``FailedOperation.ImageNotFoundInfo``.

    :return: (XCom) ``{"status": "updated", "GroupId", "EntityId", "PicName", "Tags", "RequestId"}``.

    OpenLineage: output the gallery; action ``UpdateImage``.
    """

    lineage_action = "UpdateImage"
    hook_class: ClassVar[type[TencentImageSearchHook]] = TencentImageSearchHook
    template_fields: Sequence[str] = (
        *TencentCloudBaseOperator.template_fields,
        "group_id",
        "entity_id",
        "pic_name",
        "tags",
    )
    template_fields_renderers = {"tags": "json"}
    operator_extra_links = (ImageGalleryLink(),)

    def __init__(
        self,
        *,
        group_id: str,
        tags: dict[str, Any] | str,
        entity_id: str,
        pic_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.group_id = group_id
        self.tags = tags
        self.entity_id = entity_id
        self.pic_name = pic_name

    def execute(self, context: Context) -> dict[str, Any]:
        params = {
            "GroupId": self.group_id,
            "EntityId": self.entity_id or None,
            "PicName": self.pic_name or None,
            "Tags": template_tags(self.tags),
        }
        params = {k: v for k, v in params.items() if v is not None}
        problems = field_problems(contract.UPDATE_IMAGE, params) + tags_problems(params.get("Tags"))
        if "Tags" not in params:
            problems.append(Problem("tags", "required", "missing", "tags (Tags) is required: the new tags"))
        raise_if(problems, "UpdateImage")
        ImageGalleryLink.persist(context, groupId=self.group_id, region=self.hook.region)
        response = self.hook.update_image(self.group_id, params["EntityId"], params.get("PicName"), tags=params["Tags"])
        self.record_lineage(request_ids=[response.get("RequestId")])
        self.log.info(
            "UpdateImage: GroupId=%s EntityId=%s PicName=%s RequestId=%s",
            self.group_id,
            self.entity_id,
            self.pic_name,
            response.get("RequestId"),
        )
        return {
            "status": "updated",
            "GroupId": self.group_id,
            "EntityId": self.entity_id or None,
            "PicName": self.pic_name or None,
            "Tags": json.loads(params["Tags"]),
            "RequestId": response.get("RequestId"),
        }


class DeleteImagesOperator(TencentCloudBaseOperator[TencentImageSearchHook]):
    """Delete one picture, or every picture of an EntityId (``DeleteImages``).

    ``DeleteImages`` without a PicName deletes EVERY picture of the EntityId: that needs
    ``whole_entity=True`` (and no ``pic_name``). The pictures are counted first (``DescribeImages``)
    so the result says how many were removed. Retried on transient errors: deleting what is already
    gone leaves the gallery as asked.

    :param missing_ok: nothing to delete is success (``status`` ``absent``, default); ``False`` fails.
    :return: (XCom) ``{"status": "deleted" | "absent", "GroupId", "EntityId", "Deleted", "PicNames", "RequestId"}``.

    OpenLineage: output the gallery; action ``DeleteImages`` (no RequestId when nothing was there to delete).
    """

    lineage_action = "DeleteImages"
    hook_class: ClassVar[type[TencentImageSearchHook]] = TencentImageSearchHook
    template_fields: Sequence[str] = (*TencentCloudBaseOperator.template_fields, "group_id", "entity_id", "pic_name")
    operator_extra_links = (ImageGalleryLink(),)

    def __init__(
        self,
        *,
        group_id: str,
        entity_id: str,
        pic_name: str | None = None,
        whole_entity: bool = False,
        missing_ok: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.group_id = group_id
        self.entity_id = entity_id
        self.pic_name = pic_name
        self.whole_entity = whole_entity
        self.missing_ok = missing_ok

    def execute(self, context: Context) -> dict[str, Any]:
        params = {"GroupId": self.group_id, "EntityId": self.entity_id, "PicName": self.pic_name or None}
        problems = field_problems(contract.DELETE_IMAGES, params)
        limits = contract.CREATE_IMAGE
        for name in ("EntityId", "PicName"):
            spec = limits.field(name)
            value = params.get(name)
            if isinstance(value, str) and spec.max_chars and len(value) > spec.max_chars:
                problems.append(
                    Problem(
                        spec.arg,
                        f"at most {spec.max_chars} characters",
                        f"{len(value)} characters",
                        f"{spec.arg} ({name}) is {len(value)} characters; the limit is {spec.max_chars}",
                    )
                )
        if self.pic_name and self.whole_entity:
            problems.append(
                Problem(
                    "whole_entity", "pic_name or whole_entity", "both", "give pic_name or whole_entity=True, not both"
                )
            )
        if not self.pic_name and not self.whole_entity:
            problems.append(
                Problem(
                    "pic_name",
                    "pic_name, or whole_entity=True",
                    "missing",
                    f"without pic_name DeleteImages deletes EVERY picture of EntityId {self.entity_id!r}: "
                    "give pic_name, or whole_entity=True to mean it",
                )
            )
        raise_if(problems, "DeleteImages")
        ImageGalleryLink.persist(context, groupId=self.group_id, region=self.hook.region)
        result = self.hook.delete_pictures(
            self.group_id, self.entity_id, self.pic_name or None, whole_entity=self.whole_entity
        )
        self.record_lineage(request_ids=[result.get("RequestId")])
        if result["status"] == "absent" and not self.missing_ok:
            raise TencentCloudInputError(
                f"DeleteImages: nothing to delete for EntityId {self.entity_id!r}"
                + (f" PicName {self.pic_name!r}" if self.pic_name else "")
                + f" in gallery {self.group_id!r} (missing_ok=False)",
                field="pic_name" if self.pic_name else "entity_id",
            )
        self.log.info(
            "DeleteImages %s: %d picture(s) of EntityId %s removed: %s",
            result["status"],
            result["Deleted"],
            self.entity_id,
            result["PicNames"],
        )
        return result


class CreateGroupOperator(TencentCloudBaseOperator[TencentImageSearchHook]):
    """Create a gallery, idempotently (``CreateGroup``; 1 request/s).

    A gallery that already exists with the same settings is success (``status`` ``exists``); one
    with different settings fails naming each difference (``MaxCapacity`` and ``GroupType`` cannot be
    changed). ``max_capacity`` is a number of pictures. ``group_id``: letters, digits, underscores.

    :return: (XCom) ``{"status": "created" | "exists", "GroupId", "GroupName", "MaxCapacity", ...}``.

    OpenLineage: output the gallery; action ``CreateGroup``.
    """

    lineage_action = "CreateGroup"
    hook_class: ClassVar[type[TencentImageSearchHook]] = TencentImageSearchHook
    template_fields: Sequence[str] = (
        *TencentCloudBaseOperator.template_fields,
        "group_id",
        "group_name",
        "max_capacity",
        "brief",
    )
    operator_extra_links = (ImageGalleryLink(),)

    def __init__(
        self,
        *,
        group_id: str,
        group_name: str,
        max_capacity: int = contract.DEFAULT_MAX_CAPACITY,
        brief: str | None = None,
        max_qps: int | None = None,
        group_type: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.group_id = group_id
        self.group_name = group_name
        self.max_capacity = max_capacity
        self.brief = brief
        self.max_qps = max_qps
        self.group_type = group_type

    def execute(self, context: Context) -> dict[str, Any]:
        params = {
            "GroupId": self.group_id,
            "GroupName": self.group_name,
            "MaxCapacity": template_int(self.max_capacity),
            "Brief": self.brief,
            "MaxQps": template_int(self.max_qps),
            "GroupType": template_int(self.group_type),
        }
        params = {k: v for k, v in params.items() if v is not None}
        problems = field_problems(contract.CREATE_GROUP, params)
        group_id = params.get("GroupId")
        if isinstance(group_id, str) and group_id and not re.match(contract.GROUP_ID_PATTERN, group_id):
            problems.append(
                Problem(
                    "group_id",
                    "letters, digits and underscores",
                    f"{len(group_id)} characters",
                    f"group_id (GroupId) {group_id!r} may hold only letters, digits and underscores",
                )
            )
        capacity = params.get("MaxCapacity")
        if isinstance(capacity, int) and not isinstance(capacity, bool) and capacity < 1:
            problems.append(
                Problem(
                    "max_capacity",
                    ">= 1 picture",
                    f"{capacity}",
                    f"max_capacity is {capacity}; it counts pictures, >= 1",
                )
            )
        raise_if(problems, "CreateGroup")
        result = self.hook.ensure_group(
            params["GroupId"],
            params["GroupName"],
            params["MaxCapacity"],
            brief=params.get("Brief"),
            max_qps=params.get("MaxQps"),
            group_type=params.get("GroupType"),
        )
        self.record_lineage(request_ids=[result.get("RequestId")])
        ImageGalleryLink.persist(context, groupId=self.group_id, region=self.hook.region)
        self.log.info("CreateGroup %s: GroupId=%s", result["status"], self.group_id)
        return result


def content_hash(data: bytes) -> str:
    """The sync's content hash of a picture: SHA-256 of its bytes, hex."""
    return hashlib.sha256(data).hexdigest()


#: Version of the sync manifest's format.
SYNC_MANIFEST_VERSION = 1


def sync_pic_name(key: str, digest: str) -> str:
    """PicName of the picture at ``key`` with content ``digest``: the key's hash plus 12 hex of the content's.

    A replaced picture (new content at the same key) thus gets a fresh PicName: it is created before
    the old one is deleted. 47 characters, within the 64 allowed.
    """
    from airflow_provider_tencent.utils.naming import pic_name_for

    return f"{pic_name_for(key)}-{digest[:12]}"


class SyncGalleryOperator(TencentCloudBaseOperator[TencentImageSearchHook]):
    """Keep gallery ``group_id`` equal to the pictures under ``source_prefix``.

    Compares the storage prefix with the sync's own manifest (``manifest_path``, JSON: for each
    storage key its EntityId, PicName and SHA-256) and plans:

    * a new picture -> ``CreateImage`` (EntityId from ``entity_rule``, PicName :func:`sync_pic_name`);
      a picture the ingest DAG already created (PicName = hash of the key, no content suffix) is
      adopted, not created again;
    * a picture whose content changed -> replaced: the new PicName is created FIRST, then the old
      one deleted, so the product is never left without a picture;
    * a picture gone from storage -> its PicName deleted (only pictures the manifest knows: the
      sync never deletes what it did not create or adopt).

    ``max_deletions`` (a share of the gallery's pictures, default 0.2) guards against a wrong prefix:
    a plan deleting more than ``max_deletions`` x the gallery's ``PicCount`` is refused before any
    change, naming the counts. ``dry_run=True`` only reports the plan (nothing is sent that changes
    the gallery, and the manifest is not written).

    The manifest is rewritten after each step that changed the gallery, so a run that failed or was
    killed is resumed by the next run: it plans only what is still to do (a picture created but not
    recorded is confirmed by ``CreateImage``'s idempotence, a delete of what is gone is done). Items
    that fail are listed by key; the task fails when more than ``max_failures`` failed. The manifest
    also holds the last run's ``plan`` and ``outcome``.

    :return: (XCom) ``{"dry_run", "plan": {"create", "replace", "delete", "unchanged"} counts, "outcome"
        counts, "failures": {key: reason}, "manifest"}``. No picture data, no URL signature.

    OpenLineage: input ``source_prefix``, output the gallery (an input only, in a dry run); action
    ``CreateImage,DeleteImages`` with the RequestId of each picture created or deleted.
    """

    lineage_action = "CreateImage,DeleteImages"
    hook_class: ClassVar[type[TencentImageSearchHook]] = TencentImageSearchHook
    template_fields: Sequence[str] = (
        *TencentCloudBaseOperator.template_fields,
        "group_id",
        "source_prefix",
        "manifest_path",
        "custom_content",
        "tags",
        "sync_dry_run",
        "max_deletions",
    )
    template_fields_renderers = {"tags": "json"}
    operator_extra_links = (ImageGalleryLink(),)
    ui_color = "#e6f4ff"

    def __init__(
        self,
        *,
        group_id: str,
        source_prefix: Any,
        manifest_path: str,
        entity_rule: str = "stem",
        custom_content: str | None = None,
        tags: dict[str, Any] | str | None = None,
        dry_run: bool | str = False,
        max_deletions: float | str = 0.2,
        max_failures: int = 0,
        max_qps: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.group_id = group_id
        self.source_prefix = source_prefix
        self.manifest_path = manifest_path
        self.entity_rule = entity_rule
        self.custom_content = custom_content
        self.tags = tags
        self.sync_dry_run = dry_run  # (BaseOperator.dry_run is a method)
        self.max_deletions = max_deletions
        self.max_failures = max_failures
        self.max_qps = max_qps

    # -- state --------------------------------------------------------------------------------
    def _manifest(self) -> Any:
        from airflow_provider_tencent.fs.storage import to_storage_path

        return to_storage_path(self.manifest_path, self.tencentcloud_conn_id)

    def load_state(self) -> dict[str, Any]:
        path = self._manifest()
        if not path.exists():
            return {"version": SYNC_MANIFEST_VERSION, "GroupId": self.group_id, "pictures": {}}
        state: dict[str, Any] = json.loads(path.read_text())
        if state.get("GroupId") != self.group_id:
            raise TencentCloudInputError(
                f"manifest {self.manifest_path!r} belongs to gallery {state.get('GroupId')!r}, not {self.group_id!r}",
                field="manifest_path",
            )
        return state

    def save_state(self, state: dict[str, Any]) -> None:
        self._manifest().write_text(json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True))

    def storage(self) -> dict[str, str]:
        """``{key: sha256}`` of every picture under the prefix."""
        from airflow_provider_tencent.fs.storage import is_picture, read_bytes, to_storage_path

        root = to_storage_path(self.source_prefix, self.tencentcloud_conn_id)
        found: dict[str, str] = {}
        if not root.exists():
            return found
        for path in sorted(root.rglob("*"), key=lambda p: f"{p}"):
            if is_picture(path):
                found[f"{path}"] = content_hash(read_bytes(path))
        return found

    # -- plan ---------------------------------------------------------------------------------
    def plan(self, state: dict[str, Any], storage: dict[str, str]) -> dict[str, list[str]]:
        known: dict[str, Any] = state["pictures"]
        plan: dict[str, list[str]] = {"create": [], "replace": [], "delete": [], "unchanged": [], "finish": []}
        for key, digest in storage.items():
            entry = known.get(key)
            if entry is None:
                plan["create"].append(key)
            elif entry.get("sha256") != digest:
                plan["replace"].append(key)
            else:
                plan["unchanged"].append(key)
            if entry is not None and entry.get("old_pic_name"):
                plan["finish"].append(key)  # a replacement whose old picture is still to delete
        plan["delete"] = sorted(k for k in known if k not in storage)
        return plan

    def guard(self, plan: dict[str, list[str]], state: dict[str, Any]) -> dict[str, Any]:
        share = self._share()
        groups = [g for g in self.hook.describe_groups(self.group_id) if g.get("GroupId") == self.group_id]
        if not groups:
            raise TencentCloudInputError(f"gallery {self.group_id!r} does not exist", field="group_id")
        in_gallery = int(groups[0].get("PicCount") or 0) or len(state["pictures"])
        deleting = len(plan["delete"])
        allowed = int(share * in_gallery)
        return {"deleting": deleting, "gallery_pictures": in_gallery, "allowed": allowed, "ok": deleting <= allowed}

    def _share(self) -> float:
        try:
            share = float(self.max_deletions)
        except (TypeError, ValueError):
            share = -1.0
        if not 0 <= share <= 1:
            raise TencentCloudInputError(
                f"max_deletions is a share of the gallery, 0 to 1; got {self.max_deletions!r}",
                field="max_deletions",
                limit="0 to 1",
                actual=f"{self.max_deletions!r}",
            )
        return share

    # -- run ----------------------------------------------------------------------------------
    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_tencent.batch.rate_limit import RateLimiter
        from airflow_provider_tencent.operators.image_search import prepare_create_image
        from airflow_provider_tencent.utils.naming import entity_id_for, pic_name_for

        dry_run = template_bool(self.sync_dry_run)
        if not isinstance(dry_run, bool):
            raise TencentCloudInputError(f"dry_run must be true or false, got {self.sync_dry_run!r}", field="dry_run")
        self._share()  # refused before any call
        state = self.load_state()
        storage = self.storage()
        plan = self.plan(state, storage)
        counts = {k: len(v) for k, v in plan.items()}
        guard = self.guard(plan, state)
        self.log.info(
            "Sync plan for gallery %s from %s: %s; guard %s", self.group_id, self.source_prefix, counts, guard
        )
        summary: dict[str, Any] = {"dry_run": dry_run, "plan": counts, "guard": guard, "manifest": self.manifest_path}
        if not guard["ok"]:
            message = (
                f"SyncGallery refused: the plan deletes {guard['deleting']} of the gallery's "
                f"{guard['gallery_pictures']} pictures, over max_deletions={float(self.max_deletions)} "
                f"({guard['allowed']} allowed). "
                f"Nothing was changed. Check source_prefix {self.source_prefix!r}, or raise max_deletions."
            )
            if dry_run:
                self.lineage_gallery = "input"
                summary["refused"] = message
                return summary
            raise TencentCloudInputError(
                message,
                field="max_deletions",
                limit=f"{guard['allowed']} deletions",
                actual=f"{guard['deleting']} deletions",
            )
        if dry_run:
            self.lineage_gallery = "input"  # read (DescribeGroups), not written
            summary["keys"] = {k: v for k, v in plan.items() if k != "unchanged"}
            return summary

        ImageGalleryLink.persist(context, groupId=self.group_id, region=self.hook.region)
        limiter = RateLimiter(float(self.max_qps or contract.CREATE_IMAGE.qps or 1))
        known: dict[str, Any] = state["pictures"]
        outcome = {"created": 0, "adopted": 0, "replaced": 0, "deleted": 0, "failed": 0}
        failures: dict[str, str] = {}
        state["plan"] = counts

        def create(key: str, entity: str, pic_name: str) -> None:
            data_b64 = base64.b64encode(self._read(key)).decode("ascii")
            item: dict[str, Any] = {"entity_id": entity, "pic_name": pic_name, "image_base64": data_b64}
            if self.custom_content is not None:
                item["custom_content"] = self.custom_content
            if self.tags is not None:
                item["tags"] = self.tags
            params = prepare_create_image(self.group_id, item, conn_id=self.tencentcloud_conn_id, label=key)
            created = self.hook.create_image(params, if_exists="fail", limiter=limiter)
            self.record_lineage(request_ids=[created.request_id])

        def delete(entity: str, pic_name: str) -> None:
            deleted = self.hook.delete_pictures(self.group_id, entity, pic_name, limiter=limiter)
            self.record_lineage(request_ids=[deleted.get("RequestId")])

        def step(key: str, action: Any) -> None:
            try:
                action()
            except Exception as exc:  # one item's failure: recorded, the others go on
                code = getattr(exc, "code", None) or type(exc).__name__
                failures[key] = f"{code}: {exc}"
                outcome["failed"] += 1
                self.log.warning("Sync item %s failed: %s", key, failures[key])
                return
            self.save_state(state)

        for key in plan["create"]:
            digest = storage[key]
            entity = entity_id_for(key, self.entity_rule)

            def do_create(key: str = key, digest: str = digest, entity: str = entity) -> None:
                name = sync_pic_name(key, digest)
                # the ingest DAG's PicNames for this picture (CreateImagesOperator's {content_hash}
                # naming is the same as ours; before it, the key's hash alone): adopt one that is there
                for ingested in (name, pic_name_for(key)):
                    if self.hook.describe_images(self.group_id, entity, ingested):
                        known[key] = {"EntityId": entity, "PicName": ingested, "sha256": digest}
                        outcome["adopted"] += 1
                        return
                create(key, entity, name)
                known[key] = {"EntityId": entity, "PicName": name, "sha256": digest}
                outcome["created"] += 1

            step(key, do_create)

        for key in plan["replace"]:
            digest = storage[key]

            def do_replace(key: str = key, digest: str = digest) -> None:
                entry = known[key]
                name = sync_pic_name(key, digest)
                create(key, entry["EntityId"], name)  # the new picture first...
                old = entry["PicName"]
                known[key] = {"EntityId": entry["EntityId"], "PicName": name, "sha256": digest, "old_pic_name": old}
                self.save_state(state)
                delete(entry["EntityId"], old)  # ...then the old
                known[key].pop("old_pic_name", None)
                outcome["replaced"] += 1

            step(key, do_replace)

        for key in plan["finish"]:
            if key in plan["replace"] or key in failures:
                continue

            def do_finish(key: str = key) -> None:
                entry = known[key]
                delete(entry["EntityId"], entry["old_pic_name"])
                entry.pop("old_pic_name", None)
                outcome["replaced"] += 1

            step(key, do_finish)

        for key in plan["delete"]:

            def do_delete(key: str = key) -> None:
                entry = known[key]
                for name in filter(None, (entry.get("old_pic_name"), entry["PicName"])):
                    delete(entry["EntityId"], name)
                del known[key]
                outcome["deleted"] += 1

            step(key, do_delete)

        state["outcome"] = {**outcome, "failures": failures}
        self.save_state(state)
        summary.update(outcome=outcome, failures=failures)
        self.log.info("Sync of gallery %s done: %s", self.group_id, outcome)
        if len(failures) > self.max_failures:
            listed = "; ".join(f"{k}: {v}" for k, v in list(failures.items())[:50])
            raise TencentCloudBatchError(
                f"{len(failures)} sync items failed (max_failures={self.max_failures}); the next run retries "
                f"only these: {listed}",
                failures,
            )
        return summary

    def _read(self, key: str) -> bytes:
        data = _read_picture(key, self.tencentcloud_conn_id, "CreateImage", key)
        if len(data) > _MAX_RAW_BYTES:
            raise TencentCloudInputError(
                f"CreateImage [{key}]: the picture is over {_MAX_RAW_BYTES} bytes (5 MB once base64 encoded)",
                field="image_path",
                limit=f"{_MAX_RAW_BYTES} bytes",
                actual=f"more than {_MAX_RAW_BYTES} bytes",
                item=key,
            )
        return data
