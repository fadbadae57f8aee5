"""Image Search (TIIA) ``CreateImage``: one picture, or many in one task.

* :class:`ImageSearchCreateImageOperator` - one picture;
* :class:`ImageSearchCreateImageBatchOperator` - many pictures at
  the quota, from ``items`` or every picture under a storage prefix.

The request of each picture is built and checked by
:func:`~airflow_provider_tencent.payloads.image_search.prepare_create_image` against the CreateImage
API reference (:mod:`airflow_provider_tencent.contracts.image_search`) before any API call. Importing this
module imports no Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_tencent.batch.progress import KnownListing
from airflow_provider_tencent.batch.runner import ItemResult
from airflow_provider_tencent.contracts import image_search as contract
from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.operators.base import (
    IF_EXISTS,
    ImageSearchOperatorMixin,
    TencentCloudBaseOperator,
    check_choice,
)
from airflow_provider_tencent.operators.batch import TencentCloudBatchOperator
from airflow_provider_tencent.payloads.image_search import (
    CREATE_IMAGE,
    ITEM_KEYS,
    content_hash_of,
    is_versioned,
    list_pictures,
    older_versions,
    prepare_create_image,
    versioned_pic_name,
    with_stand_in_hash,
)

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

__all__ = [
    "ImageSearchCreateImageBatchOperator",
    "ImageSearchCreateImageOperator",
]

OnChange = Literal["replace", "keep"]


class ImageSearchCreateImageOperator(ImageSearchOperatorMixin, TencentCloudBaseOperator[ImageSearchHook]):
    """Add one picture to a Tencent Cloud Image Search gallery (``CreateImage``).

    All arguments are templated. Exactly one image source (unless ``allow_both_sources``).

    :param group_id: gallery (``GroupId``).
    :param image_url: ``ImageUrl``: a URL the service downloads.
    :param image_base64: ``ImageBase64``: the picture as base64 (a ``data:image/...;base64,`` prefix is taken off).
    :param image_path: an ``ObjectStoragePath`` or a ``cos://``, ``s3://``, ``file://`` or local path: read here,
        checked against the picture rules and sent as base64.
    :param entity_id: item (``EntityId``), at most 64 characters; holds up to 10 pictures.
    :param pic_name: picture name (``PicName``), at most 64 characters, unique in the gallery.
    :param custom_content: ``CustomContent``, at most 4096 characters.
    :param tags: ``Tags``: a dict or JSON object string, at most 10 keys.
    :param enable_detect: ``EnableDetect`` (product image search only; on when not given). With it on,
        a product image search gallery (``GroupType`` 5, 7 or 8) takes pictures of at most 2000x2000
        with an aspect ratio under 10: checked before the call, the gallery's type being asked
        (``DescribeGroups``, once per task) only for a picture over those limits.
    :param category_id: ``CategoryId``: 0 top, 1 dress, 2 bottoms, 3 bag, 4 shoes, 5 accessories.
    :param image_rect: ``ImageRect`` as ``{"x", "y", "width", "height"}``.

    Rendered templates are strings, so ``category_id`` ``"3"``, ``enable_detect`` ``"true"`` /
    ``"false"`` and a JSON ``image_rect`` are read as the types the API wants; anything else of
    the wrong type is refused before the call.

    :param if_exists: the PicName already holds a *different* picture: ``fail`` (default) or ``skip``.
        The *same* picture already there (a retry after a timeout, a re-run) is success: ``exists``.
    :param allow_both_sources: accept ``image_url`` together with another source (ImageUrl wins).
    :return: (XCom) ``{"status", "GroupId", "EntityId", "PicName", "RequestId", "Object"}``;
        ``status`` is ``created``, ``exists`` or ``skipped`` (with ``skipped: true``).
    """

    lineage_action = CREATE_IMAGE.action
    template_fields: Sequence[str] = (
        *TencentCloudBaseOperator.template_fields,
        "group_id",
        *ITEM_KEYS,
        "if_exists",
    )
    template_fields_renderers = {"tags": "json", "image_rect": "json"}
    ui_color = "#e6f4ff"

    def __init__(
        self,
        *,
        group_id: str,
        entity_id: str,
        pic_name: str,
        image_url: str | None = None,
        image_base64: str | None = None,
        image_path: Any = None,
        custom_content: str | None = None,
        tags: dict[str, Any] | str | None = None,
        enable_detect: bool | None = None,
        category_id: int | None = None,
        image_rect: dict[str, int] | None = None,
        if_exists: Literal["fail", "skip"] = "fail",
        allow_both_sources: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.group_id = group_id
        self.entity_id = entity_id
        self.pic_name = pic_name
        self.image_url = image_url
        self.image_base64 = image_base64
        self.image_path = image_path
        self.custom_content = custom_content
        self.tags = tags
        self.enable_detect = enable_detect
        self.category_id = category_id
        self.image_rect = image_rect
        self.if_exists = if_exists
        self.allow_both_sources = allow_both_sources

    def execute(self, context: Context) -> dict[str, Any]:
        check_choice("if_exists", self.if_exists, IF_EXISTS)
        item = {key: getattr(self, key) for key in ITEM_KEYS}
        params = prepare_create_image(
            self.group_id,
            item,
            conn_id=self.tencentcloud_conn_id,
            allow_both_sources=self.allow_both_sources,
            log=self.log,
            gallery_type=lambda: self.hook.gallery_type(self.group_id),
        )
        self.persist_links(context)
        result = self.hook.create_image(params, if_exists=self.if_exists)
        self.record_lineage(request_ids=[result.request_id])
        self.log.info(
            "CreateImage %s: GroupId=%s EntityId=%s PicName=%s RequestId=%s",
            result.status,
            result.group_id,
            result.entity_id,
            result.pic_name,
            result.request_id,
        )
        return result.as_dict()


class ImageSearchCreateImageBatchOperator(ImageSearchOperatorMixin, TencentCloudBatchOperator[ImageSearchHook]):
    """Add many pictures to a gallery in one task, at the ``CreateImage`` quota (10/s by default).

    :param group_id: gallery (``GroupId``).
    :param items: a list of dicts with :class:`ImageSearchCreateImageOperator`'s argument names and an optional
        ``key`` naming the item in results (an XCom works); or give ``source_prefix``.
    :param source_prefix: every PNG/JPG/JPEG/BMP object under this ``cos://``/``s3://``/``file://`` prefix is
        one item, its PicName ``p-<hash of the key>-{content_hash}``.
    :param entity_rule: EntityId of a listed picture: the file's ``stem`` (default) or its ``parent`` folder.
    :param custom_content: ``CustomContent`` of every item that gives none.
    :param tags: ``Tags`` of every item that gives none (a dict or JSON object string).
    :param if_exists: a PicName that holds a *different* picture: ``fail`` (default) or ``skip``.
    :param allow_both_sources: accept ``image_url`` together with another source (ImageUrl wins).
    :param on_change: ``replace`` (default) deletes the older versions of a picture replaced at the same key
        (``{content_hash}`` in ``pic_name``) once the new one is stored; ``keep`` leaves them.
    :return: (XCom) counts (``created``, ``exists``, ``skipped``, ``failed``), ``failures`` ``{key: reason}``,
        and ``manifest`` when ``manifest_path`` is set.

    Pacing, checkpoint and shard arguments:
    :class:`~airflow_provider_tencent.operators.batch.TencentCloudBatchOperator`.
    Replaced pictures, the 10 pictures per EntityId and the result: ``docs/operators/create_images.rst``.
    """

    contract = CREATE_IMAGE
    lineage_action = CREATE_IMAGE.action
    item_keys = ITEM_KEYS
    item_noun = "picture"
    template_fields: Sequence[str] = (
        *TencentCloudBatchOperator.template_fields,
        "group_id",
        "items",
        "source_prefix",
        "custom_content",
        "tags",
        "if_exists",
    )
    template_fields_renderers = {"items": "json", "tags": "json"}

    def __init__(
        self,
        *,
        group_id: str,
        items: Any = None,
        source_prefix: Any = None,
        entity_rule: Literal["stem", "parent"] = "stem",
        custom_content: str | None = None,
        tags: dict[str, Any] | str | None = None,
        if_exists: Literal["fail", "skip"] = "fail",
        allow_both_sources: bool = False,
        on_change: OnChange = "replace",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.on_change = on_change
        self._describe_limiter: Any = None
        self._delete_limiter: Any = None
        self._held_names: dict[str, set[str]] = {}
        self._room_locks: dict[str, Any] = {}
        self._rooms_lock = threading.Lock()
        self._pic_entity: dict[str, str] = {}
        self._entity_pictures: dict[str, list[str]] = {}
        self.group_id = group_id
        self.items = items
        self.source_prefix = source_prefix
        self.entity_rule = entity_rule
        self.custom_content = custom_content
        self.tags = tags
        self.if_exists = if_exists
        self.allow_both_sources = allow_both_sources

    def iter_items(self, context: Context) -> Iterable[tuple[str, Any]]:
        """The items (see :meth:`_listed_items`: a list input is checked whole here, before anything
        is sent), each with its rank among the distinct PicNames of its EntityId (checked by
        :meth:`send_item` against the document's 10 pictures per EntityId) and the EntityId that
        first used its PicName (named when the service says the PicName exists)."""
        listed = self._listed_items()
        self._entity_pictures = {}
        self._pic_entity = {}
        self._versioned_keys: dict[tuple[str, str], str] = {}
        if isinstance(listed, list):  # checked whole: nothing is sent when two items share a template
            versioned: dict[tuple[str, str], str] = {}
            for key, item in listed:
                self._check_versioned(key, item, versioned)
            return KnownListing(self._ranked(listed), [key for key, _ in listed])  # counted for progress lines
        return self._ranked(listed)

    def _ranked(self, listed: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
        for key, item in listed:
            if isinstance(item, Mapping):
                self._check_versioned(key, item, self._versioned_keys)
                entity, pic = item.get("entity_id"), item.get("pic_name")
                if isinstance(entity, str) and isinstance(pic, str):
                    names = self._entity_pictures.setdefault(entity, [])
                    if pic not in names:
                        names.append(pic)
                    self._pic_entity.setdefault(pic, entity)
            yield key, item

    @staticmethod
    def _check_versioned(key: str, item: Any, seen: dict[tuple[str, str], str]) -> None:
        """Two items of one EntityId never share a ``{content_hash}`` template: each would read the
        other's picture as its own older version and delete it. Only a picture an earlier run stored
        for the same item may be replaced.

        :raises TencentCloudInputError: naming both keys and the template, before anything is sent.
        """
        if not isinstance(item, Mapping):
            return
        entity, template = item.get("entity_id"), item.get("pic_name")
        if not (isinstance(entity, str) and is_versioned(template)):
            return
        first = seen.setdefault((entity, f"{template}"), key)
        if first != key:
            raise TencentCloudInputError(
                f"CreateImage: items {first!r} and {key!r} of EntityId {entity!r} share the pic_name template "
                f"{template!r}: it cannot tell them apart, so each would delete the other as an older version. "
                "Give each item its own template (e.g. put its key or index before {content_hash}); nothing was sent",
                field="pic_name",
                item=key,
            )

    def _listed_items(self) -> Iterable[tuple[str, Any]]:
        """``items`` parsed and checked whole (before anything is sent), or the pictures under
        ``source_prefix``, listed lazily (a listing error stops the batch and fails the task).

        An item's key is its ``key``, else its ``pic_name``, else its index. The same key twice with
        the same content is sent once; with different content it is an input error naming both.
        """
        self.require_items_or_prefix()
        if self.items is None:
            return list_pictures(
                self.source_prefix, self.tencentcloud_conn_id, self.entity_rule, self.custom_content, self.tags
            )
        return self.parse_items(self.items)

    def default_item_key(self, index: int, item: Mapping[str, Any], items: list[Any]) -> str:
        """An item without ``key`` is known by its ``pic_name``, else its index."""
        return f"{item.get('pic_name') or index}"

    def send_item(self, key: str, payload: Any, limiter: Any, before_send: Callable[[], None]) -> ItemResult:
        """Validate and send one item. An item that would be an EntityId's eleventh picture - in this
        batch, or with the pictures the gallery already holds for it - fails here, before any call
        ("同一个EntityId,最大支持10张图"); see :meth:`_send_in_room`."""
        entity, pic = payload.get("entity_id"), payload.get("pic_name")
        names = self._entity_pictures.get(entity) if isinstance(entity, str) else None
        if names and pic in names and names.index(pic) >= contract.MAX_PICTURES_PER_ENTITY:
            raise TencentCloudInputError(
                f"CreateImage [{key}]: PicName {pic!r} would be picture {names.index(pic) + 1} of EntityId "
                f"{entity!r} in this batch; one EntityId holds at most {contract.MAX_PICTURES_PER_ENTITY} "
                "pictures (CreateImage API reference): not sent",
                field="entity_id",
                item=key,
            )
        other = self._pic_entity.get(pic) if isinstance(pic, str) else None
        template = payload.get("pic_name")
        versioned = is_versioned(template)
        if versioned:  # validated with a stand-in of the hash's length, named once the bytes are read
            payload = with_stand_in_hash(payload)
        params = prepare_create_image(
            self.group_id,
            payload,
            conn_id=self.tencentcloud_conn_id,
            allow_both_sources=self.allow_both_sources,
            label=key,
            gallery_type=lambda: self.hook.gallery_type(self.group_id),
        )
        digest = None
        if versioned:
            digest = content_hash_of(params, template, key)
            params["PicName"] = versioned_pic_name(template, digest)
        replace = digest is not None and self.on_change == "replace"
        with self._room_lock(params["EntityId"]):
            other = other if other != params["EntityId"] else None
            result, replaced = self._send_in_room(
                key, params, template if replace else None, other, limiter, before_send
            )
        data: dict[str, Any] = {"GroupId": result.group_id, "EntityId": result.entity_id, "PicName": result.pic_name}
        message = result.note
        if digest is not None:
            data["ContentHash"] = digest
        if replaced:
            data["Replaced"] = replaced
            message = f"replaced the older version(s) {', '.join(replaced)}"
        return ItemResult(key, result.status, request_id=result.request_id, message=message, data=data)

    def _room_lock(self, entity_id: str) -> Any:
        """The lock of one EntityId: its pictures are counted and created one at a time."""
        with self._rooms_lock:
            return self._room_locks.setdefault(entity_id, threading.Lock())

    def _held(self, group_id: str, entity_id: str) -> set[str]:
        """The PicNames the gallery holds for ``entity_id``: one ``DescribeImages`` per EntityId and task,
        then kept up to date by this task's own creations and deletions (call with its room lock)."""
        if entity_id not in self._held_names:
            infos = self.hook.describe_images(group_id, entity_id, limiter=self._describe_limiter)
            self._held_names[entity_id] = {f"{info.get('PicName')}" for info in infos}
        return self._held_names[entity_id]

    def _send_in_room(
        self,
        key: str,
        params: dict[str, Any],
        template: str | None,
        other: str | None,
        limiter: Any,
        before_send: Callable[[], None],
    ) -> tuple[Any, list[str]]:
        """Create the picture of ``params`` without ever sending an EntityId's 11th picture.

        With ``template`` (``on_change="replace"``), the older versions of the picture are deleted after
        it is stored - or BEFORE, when the EntityId is full (the only way to stay within 10). A new
        picture for a full EntityId with nothing of its own to replace fails, unsent. A creation that
        may have reached the service (an ambiguous failure) counts as held until a later task looks again.
        """
        group_id, entity_id, current = params["GroupId"], params["EntityId"], params["PicName"]
        held = self._held(group_id, entity_id)
        is_older = older_versions(template) if template is not None else (lambda name: False)
        old = sorted(name for name in held if name != current and is_older(name))
        replaced: list[str] = []
        if current not in held and len(held) >= contract.MAX_PICTURES_PER_ENTITY:
            if not old:
                raise TencentCloudInputError(
                    f"CreateImage [{key}]: EntityId {entity_id!r} already holds {len(held)} pictures in gallery "
                    f"{group_id!r}; one EntityId holds at most {contract.MAX_PICTURES_PER_ENTITY} (CreateImage API "
                    f"reference): PicName {current!r} not sent",
                    field="entity_id",
                    item=key,
                )
            replaced = self._delete_versions(group_id, entity_id, old, held)
            old = []
        try:
            result = self.hook.create_image(
                params,
                if_exists=self.if_exists,
                limiter=limiter,
                other_entity=other,
                before_send=before_send,
            )
        except TencentCloudInputError:
            raise  # refused: not stored
        except Exception:
            held.add(current)  # may be stored: counted
            raise
        if result.status in ("created", "exists"):
            held.add(current)
            replaced += self._delete_versions(group_id, entity_id, old, held)
        return result, replaced

    def _delete_versions(self, group_id: str, entity_id: str, names: list[str], held: set[str]) -> list[str]:
        for pic_name in names:
            self.hook.delete_images(group_id, entity_id, pic_name, count=False, limiter=self._delete_limiter)
            held.discard(pic_name)
        return list(names)

    def throttle_count(self, limiter: Any) -> int:
        """The batch's throttled answers: its ``CreateImage`` limiter's and its DescribeImages/DeleteImages ones'."""
        return limiter.throttled + self._describe_limiter.throttled + self._delete_limiter.throttled

    def execute(self, context: Context) -> Any:
        check_choice("if_exists", self.if_exists, IF_EXISTS)
        check_choice("on_change", self.on_change, ("replace", "keep"))
        from airflow_provider_tencent.batch.rate_limit import RateLimiter

        # one DescribeImages per picture created (on_change="replace"): paced at its own quota, or at
        # this batch's CreateImage rate when that is higher (a raised quota: raise DescribeImages' too)
        shards = max(1, int(self.shards)) if f"{self.shards}".isdigit() else 1
        rate = self.quota
        self._describe_limiter = RateLimiter(max((contract.DESCRIBE_IMAGES.qps or 1) / shards, rate))
        self._delete_limiter = RateLimiter(max((contract.DELETE_IMAGES.qps or 1) / shards, rate))
        self.persist_links(context)
        return super().execute(context)
