"""Image Search (TIIA) operators: ``CreateImageOperator`` (one picture) and ``CreateImagesOperator`` (many).

Contract: ``shared/seeds/000_b714bb1cacceee71.txt`` (``CreateImage``, 2019-05-29), declared in
:mod:`airflow_provider_tencent.contracts.tiia`. Every argument is validated against it before any
API call. Importing this module imports no Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from airflow_provider_tencent.batch.runner import ItemResult, fingerprint
from airflow_provider_tencent.contracts import tiia as contract
from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.fs.storage import CONTENT_HASH, list_pictures
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

CREATE_IMAGE = contract.CREATE_IMAGE
#: The prefix of a base64 image data URI, taken off ``image_base64`` before sending.
DATA_URI = re.compile(r"^data:image/[A-Za-z0-9.+-]+;base64,")
#: Largest raw picture whose base64 text fits the 5 MB limit.
MAX_RAW_BYTES = (contract.IMAGE_RULES.max_base64_bytes or 0) // 4 * 3

#: In a batch item's ``pic_name``: replaced by the first 12 hex digits of the SHA-256 of the picture
#: (its base64 text), so a picture replaced at the same storage key gets a new PicName.
CONTENT_HASH_CHARS = 12
OnChange = Literal["replace", "keep"]

#: Per-item keys accepted by the batch operator (the single operator's argument names).
ITEM_KEYS = (
    "entity_id",
    "pic_name",
    "image_url",
    "image_base64",
    "image_path",
    "custom_content",
    "tags",
    "enable_detect",
    "category_id",
    "image_rect",
)


def _path_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return f"{value}"


def prepare_create_image(
    group_id: Any,
    item: Mapping[str, Any],
    *,
    conn_id: str | None,
    allow_both_sources: bool = False,
    read_image: bool = True,
    log: Any = None,
    label: str | None = None,
    gallery_type: Callable[[], int | None] | None = None,
) -> dict[str, Any]:
    """The validated ``CreateImage`` request for one picture.

    ``gallery_type`` tells the gallery's ``GroupType``; it is asked only for a picture over the
    subject-detection limits (2000x2000, aspect ratio under 10), which apply in product image
    search galleries when ``enable_detect`` is not false.

    ``image_base64`` is sent as plain base64: a ``data:image/...;base64,`` prefix is taken off (any
    other ``data:`` text is refused).

    ``item`` uses the operator's argument names (:data:`ITEM_KEYS`). With ``read_image`` the bytes
    of ``image_path`` are read (never more than the 5 MB base64 limit allows, plus one byte) and
    checked - format by content, size, resolution - then sent as ``ImageBase64``.

    :raises TencentCloudInputError: naming every field that breaks the contract, with its limit
        and the value's size. No request has been sent.
    """
    unknown = sorted(set(item) - set(ITEM_KEYS))
    if unknown:
        raise TencentCloudInputError(
            f"CreateImage{f' [{label}]' if label else ''}: unknown item keys {unknown}; expected {list(ITEM_KEYS)}",
            field=unknown[0],
            item=label,
        )
    image_path = _path_text(item.get("image_path"))
    params: dict[str, Any] = {
        "GroupId": group_id,
        "EntityId": item.get("entity_id"),
        "PicName": item.get("pic_name"),
        "ImageUrl": item.get("image_url") or None,
        "ImageBase64": item.get("image_base64") or None,
        "CustomContent": item.get("custom_content"),
        "Tags": template_tags(item.get("tags")),
        "EnableDetect": template_bool(item.get("enable_detect")),
        "CategoryId": template_int(item.get("category_id")),
        "ImageRect": template_rect(item.get("image_rect")),
    }
    params = {k: v for k, v in params.items() if v is not None and v != ""}
    problems: list[Problem] = []
    text = params.get("ImageBase64")
    if isinstance(text, str) and text.startswith("data:"):
        # a data URI (``data:image/png;base64,...``) is not what ImageBase64 takes: plain base64 only
        match = DATA_URI.match(text)
        if match:
            params["ImageBase64"] = text[match.end() :]
            if log is not None:
                log.info("image_base64: the %r prefix of a data URI was taken off", match.group(0))
        else:
            problems.append(
                Problem(
                    "image_base64",
                    "plain base64 (or a data:image/...;base64, URI)",
                    f"{text[:30]!r}",
                    "image_base64 starts with 'data:' but is not a base64 image data URI",
                )
            )
    problems += field_problems(CREATE_IMAGE, params)
    problems += tags_problems(params.get("Tags"))
    sources = [
        name
        for name, present in (
            ("image_url", "ImageUrl" in params),
            ("image_base64", "ImageBase64" in params),
            ("image_path", image_path is not None),
        )
        if present
    ]
    if not sources:
        problems.append(
            Problem(
                "image_url",
                "exactly one image source",
                "none",
                "one of image_url, image_base64 or image_path is required",
            )
        )
    elif len(sources) > 1 and not allow_both_sources:
        problems.append(
            Problem(
                sources[1],
                "exactly one image source",
                f"{len(sources)} sources",
                f"{' and '.join(sources)} are all set; give one (or allow_both_sources=True: "
                "the API then uses only ImageUrl)",
            )
        )
    url = params.get("ImageUrl")
    if isinstance(url, str) and not url.startswith(("http://", "https://")):
        problems.append(
            Problem(
                "image_url",
                "an http(s) URL",
                f"{url[:40]!r}",
                "image_url (ImageUrl) must be an http(s) URL; use image_path for storage paths",
            )
        )
    raise_if(problems, "CreateImage", label)

    if "ImageUrl" in params and len(sources) > 1:
        if log is not None:
            log.info("Both ImageUrl and %s given: the API uses only ImageUrl", sources[1])
        params.pop("ImageBase64", None)
        image_path = None
    if "ImageBase64" in params:
        # base64 wrapped at 76 columns (MIME, `base64` tool): the line breaks are not part of the data
        raw = params["ImageBase64"] = "".join(f"{params['ImageBase64']}".split())
        try:
            from airflow_provider_tencent.utils.images import decode_base64

            data = decode_base64(raw)
        except ValueError:
            raise_if(
                [Problem("image_base64", "valid base64", "undecodable", "image_base64 is not valid base64")],
                "CreateImage",
                label,
            )
        encoded_size = len(raw)
        rules = contract.IMAGE_RULES
        problems = image_problems("image_base64", data, rules, "base64 data")
        if rules.max_base64_bytes and encoded_size > rules.max_base64_bytes:
            problems.append(
                Problem(
                    "image_base64",
                    f"<= {rules.max_base64_bytes} bytes",
                    f"{encoded_size} bytes",
                    f"image_base64 is {encoded_size} bytes; the limit is {rules.max_base64_bytes}",
                )
            )
        raise_if(problems, "CreateImage", label)
        _check_detect_rules("image_base64", data, "base64 data", params, gallery_type, label)
    elif image_path is not None and read_image:
        from airflow_provider_tencent.fs.storage import read_bytes, to_storage_path

        try:
            data = read_bytes(to_storage_path(image_path, conn_id), max_bytes=MAX_RAW_BYTES)
        except (FileNotFoundError, OSError) as exc:
            raise TencentCloudInputError(
                f"CreateImage{f' [{label}]' if label else ''}: image_path {image_path!r} cannot be read: {exc}",
                field="image_path",
                item=label,
            ) from None
        raise_if(image_problems("image_path", data, contract.IMAGE_RULES, image_path), "CreateImage", label)
        _check_detect_rules("image_path", data, image_path, params, gallery_type, label)
        params["ImageBase64"] = base64.b64encode(data).decode("ascii")
    return params


def _check_detect_rules(
    field: str,
    data: bytes,
    source: str,
    params: Mapping[str, Any],
    gallery_type: Callable[[], int | None] | None,
    label: str | None,
) -> None:
    """The subject-detection limits, for a picture over them that goes to a product image search gallery."""
    if gallery_type is None or params.get("EnableDetect") is False:
        return
    problems = image_problems(field, data, contract.DETECT_IMAGE_RULES, source)
    if not problems:
        return
    group_type = gallery_type()  # asked only now: most pictures are within these limits anyway
    if contract.image_rules(group_type, params.get("EnableDetect")) is not contract.DETECT_IMAGE_RULES:
        return
    note = (
        f" (gallery {params.get('GroupId')!r} is a product image search gallery, GroupType {group_type}, and "
        "enable_detect is on: set enable_detect=False to create the picture whole)"
    )
    raise_if([replace(p, message=p.message + note) for p in problems], "CreateImage", label)


class CreateImageOperator(TencentCloudBaseOperator[TencentImageSearchHook]):
    """Add one picture to a Tencent Cloud Image Search gallery (``CreateImage``).

    All arguments are templated. Exactly one image source: ``image_url`` (the service downloads
    it), ``image_base64``, or ``image_path`` (an ``ObjectStoragePath`` or URI such as
    ``cos://bucket/key``, ``s3://...``, ``file://...``: read here, checked, sent as base64).

    :param group_id: gallery (``GroupId``).
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
    hook_class: ClassVar[type[TencentImageSearchHook]] = TencentImageSearchHook
    template_fields: Sequence[str] = (
        *TencentCloudBaseOperator.template_fields,
        "group_id",
        *ITEM_KEYS,
        "if_exists",
    )
    template_fields_renderers = {"tags": "json", "image_rect": "json"}
    operator_extra_links = (ImageGalleryLink(),)
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
        if self.if_exists not in ("fail", "skip"):
            raise TencentCloudInputError(
                f"if_exists must be 'fail' or 'skip', got {self.if_exists!r}", field="if_exists"
            )
        item = {key: getattr(self, key) for key in ITEM_KEYS}
        params = prepare_create_image(
            self.group_id,
            item,
            conn_id=self.tencentcloud_conn_id,
            allow_both_sources=self.allow_both_sources,
            log=self.log,
            gallery_type=lambda: self.hook.gallery_type(self.group_id),
        )
        ImageGalleryLink.persist(context, groupId=self.group_id, region=self.hook.region)
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


class CreateImagesOperator(TencentCloudBatchOperator[TencentImageSearchHook]):
    """Add many pictures to a gallery in one task, at the ``CreateImage`` quota (10/s by default).

    Items come from ``items`` (a list of dicts with the single operator's argument names and an
    optional ``key``; an XCom works) or from ``source_prefix`` (every PNG/JPG/JPEG/BMP object
    under a ``cos://``/``s3://``/``file://`` prefix; EntityId from ``entity_rule`` - the file's
    ``stem`` or its ``parent`` folder - and PicName ``p-<hash of the key>-{content_hash}``). Each
    picture is validated like the single operator's and read only when it is sent.

    **A picture replaced at the same key.** The service cannot tell what a stored picture looks like
    (``DescribeImages`` gives EntityId, PicName, CustomContent and Tags only), so the picture's
    identity goes into its name: ``{content_hash}`` in a ``pic_name`` is replaced by 12 hex digits
    of the SHA-256 of the picture (it needs ``image_path`` or ``image_base64``). A changed picture then
    has a new PicName and is created; ``on_change`` says what happens to the versions before it
    (the other PicNames of the same EntityId that differ only in that hash, or lack it):
    ``replace`` (default) deletes them once the new one is stored (one ``DescribeImages``, and a
    ``DeleteImages`` per old version, after each picture created, paced at their quotas or at the
    batch's rate if higher); ``keep`` leaves them (no extra call). A
    ``pic_name`` without ``{content_hash}`` is taken as is: a different picture under a PicName that
    already exists is reported ``exists`` when EntityId, CustomContent and Tags match - the
    service gives no way to see more.

    One EntityId holds at most 10 pictures (CreateImage document): the eleventh and later PicNames
    of an EntityId in the batch fail before any call, and the others are sent. A PicName sent under
    two EntityIds fails (or is skipped, per ``if_exists``) with a message naming the EntityId that
    holds it.

    Result (XCom): counts (``created``, ``exists``, ``skipped``, ``failed``), ``failures``
    ``{key: reason}``, and ``manifest`` when ``manifest_path`` is set (one JSON line per item:
    key, status, GroupId, EntityId, PicName, RequestId). A retry or re-run sends only the items
    not yet done (checkpoint), and a picture already in the gallery is confirmed, not duplicated.
    See :class:`~airflow_provider_tencent.operators.batch.TencentCloudBatchOperator` for pacing,
    checkpoint and shard arguments.
    """

    contract = CREATE_IMAGE
    lineage_action = CREATE_IMAGE.action
    hook_class: ClassVar[type[TencentImageSearchHook]] = TencentImageSearchHook
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
    operator_extra_links = (ImageGalleryLink(),)

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
        self.group_id = group_id
        self.items = items
        self.source_prefix = source_prefix
        self.entity_rule = entity_rule
        self.custom_content = custom_content
        self.tags = tags
        self.if_exists = if_exists
        self.allow_both_sources = allow_both_sources

    def describe_source(self) -> str:
        return "items" if self.items is not None else f"source_prefix {f'{self.source_prefix}'!r}"

    def iter_items(self, context: Context) -> Iterable[tuple[str, Any]]:
        """The items (see :meth:`_listed_items`: a list input is checked whole here, before anything
        is sent), each with its rank among the distinct PicNames of its EntityId (checked by
        :meth:`send_item` against the document's 10 pictures per EntityId) and the EntityId that
        first used its PicName (named when the service says the PicName exists)."""
        listed = self._listed_items()
        self._entity_pictures: dict[str, list[str]] = {}
        self._pic_entity: dict[str, str] = {}
        return self._ranked(listed)

    def _ranked(self, listed: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
        for key, item in listed:
            if isinstance(item, Mapping):
                entity, pic = item.get("entity_id"), item.get("pic_name")
                if isinstance(entity, str) and isinstance(pic, str):
                    names = self._entity_pictures.setdefault(entity, [])
                    if pic not in names:
                        names.append(pic)
                    self._pic_entity.setdefault(pic, entity)
            yield key, item

    def _listed_items(self) -> Iterable[tuple[str, Any]]:
        """``items`` parsed and checked whole (before anything is sent), or the pictures under
        ``source_prefix``, listed lazily (a listing error stops the batch and fails the task).

        An item's key is its ``key``, else its ``pic_name``, else its index. The same key twice with
        the same content is sent once; with different content it is an input error naming both.
        """
        if (self.items is None) == (self.source_prefix in (None, "")):
            raise TencentCloudInputError(
                f"give exactly one of items or source_prefix (got items={'set' if self.items is not None else None}, "
                f"source_prefix={self.source_prefix!r})",
                field="items",
            )
        if self.items is None:
            return list_pictures(
                self.source_prefix, self.tencentcloud_conn_id, self.entity_rule, self.custom_content, self.tags
            )
        items = parse_structured(self.items, "items", list)
        out: list[tuple[str, Any]] = []
        seen: dict[str, tuple[int, str]] = {}
        allowed = (*ITEM_KEYS, "key")
        for index, entry in enumerate(items):
            if not isinstance(entry, Mapping):
                raise TencentCloudInputError(
                    f"items[{index}] must be a dict with keys among {list(allowed)}, got {type(entry).__name__} "
                    f"{f'{entry}'[:40]!r}",
                    field="items",
                    item=f"{index}",
                )
            unknown = sorted(f"{k}" for k in set(entry) - set(allowed))
            if unknown:
                raise TencentCloudInputError(
                    f"items[{index}]: unknown keys {unknown}; expected some of {list(allowed)}; nothing was sent",
                    field="items",
                    item=f"{index}",
                )
            item = dict(entry)
            explicit = item.pop("key", None)
            key = f"{explicit if explicit not in (None, '') else item.get('pic_name') or index}"
            mark = fingerprint(item)
            if key in seen:
                first, first_mark = seen[key]
                if first_mark == mark:
                    self.log.warning("items[%d] repeats items[%d] (key %r): sent once", index, first, key)
                    continue
                raise TencentCloudInputError(
                    f"items[{first}] and items[{index}] have the same key {key!r} but different content: give "
                    "each picture its own key / pic_name; nothing was sent",
                    field="items",
                    item=key,
                )
            seen[key] = (index, mark)
            out.append((key, item))
        return out

    def send_item(self, key: str, payload: Any, limiter: Any, before_send: Callable[[], None]) -> ItemResult:
        """Validate and send one item. An item that would be an EntityId's eleventh picture in this
        batch fails here, before any call ("同一个EntityId,最大支持10张图"); the first ten are sent."""
        entity, pic = payload.get("entity_id"), payload.get("pic_name")
        names = getattr(self, "_entity_pictures", {}).get(entity) if isinstance(entity, str) else None
        if names and pic in names and names.index(pic) >= contract.MAX_PICTURES_PER_ENTITY:
            raise TencentCloudInputError(
                f"CreateImage [{key}]: PicName {pic!r} would be picture {names.index(pic) + 1} of EntityId "
                f"{entity!r} in this batch; one EntityId holds at most {contract.MAX_PICTURES_PER_ENTITY} "
                "pictures (CreateImage document): not sent",
                field="entity_id",
                item=key,
            )
        other = getattr(self, "_pic_entity", {}).get(pic) if isinstance(pic, str) else None
        template = payload.get("pic_name")
        versioned = isinstance(template, str) and CONTENT_HASH in template
        if versioned:  # validated with a stand-in of the hash's length, named once the bytes are read
            payload = {**payload, "pic_name": template.replace(CONTENT_HASH, "0" * CONTENT_HASH_CHARS)}
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
            digest = _content_hash(params, template, key)
            params["PicName"] = template.replace(CONTENT_HASH, digest)
        result = self.hook.create_image(
            params,
            if_exists=self.if_exists,
            limiter=limiter,
            other_entity=other if other != entity else None,
            before_send=before_send,
        )
        data: dict[str, Any] = {"GroupId": result.group_id, "EntityId": result.entity_id, "PicName": result.pic_name}
        message = result.note
        if digest is not None:
            data["ContentHash"] = digest
            if self.on_change == "replace" and result.status in ("created", "exists"):
                replaced = self._drop_older_versions(params, template)
                if replaced:
                    data["Replaced"] = replaced
                    message = f"replaced the older version(s) {', '.join(replaced)}"
        return ItemResult(key, result.status, request_id=result.request_id, message=message, data=data)

    def _drop_older_versions(self, params: Mapping[str, Any], template: str) -> list[str]:
        """Delete the pictures of this EntityId that are older versions of ``template`` (another
        content hash, or none: names given before ``{content_hash}`` was used)."""
        group_id, entity_id, current = params["GroupId"], params["EntityId"], params["PicName"]
        prefix, suffix = template.split(CONTENT_HASH, 1)
        versions = re.compile(re.escape(prefix) + f"[0-9a-f]{{{CONTENT_HASH_CHARS}}}" + re.escape(suffix))
        legacy = {prefix + suffix, prefix.rstrip("-_.") + suffix}
        infos = self.hook.describe_images(group_id, entity_id, limiter=self._describe_limiter)
        old = sorted(
            {
                f"{info.get('PicName')}"
                for info in infos
                if info.get("PicName") != current
                and (versions.fullmatch(f"{info.get('PicName')}") or info.get("PicName") in legacy)
            }
        )
        for pic_name in old:
            self.hook.delete_images(group_id, entity_id, pic_name, limiter=self._delete_limiter)
        return old

    def execute(self, context: Context) -> Any:
        if self.if_exists not in ("fail", "skip"):
            raise TencentCloudInputError(
                f"if_exists must be 'fail' or 'skip', got {self.if_exists!r}", field="if_exists"
            )
        if self.on_change not in ("replace", "keep"):
            raise TencentCloudInputError(
                f"on_change must be 'replace' or 'keep', got {self.on_change!r}", field="on_change"
            )
        from airflow_provider_tencent.batch.rate_limit import RateLimiter
        from airflow_provider_tencent.contracts import tiia

        # one DescribeImages per picture created (on_change="replace"): paced at its own quota, or at
        # this batch's CreateImage rate when that is higher (a raised quota: raise DescribeImages' too)
        shards = max(1, int(self.shards)) if f"{self.shards}".isdigit() else 1
        rate = self.quota
        self._describe_limiter = RateLimiter(max((tiia.DESCRIBE_IMAGES.qps or 1) / shards, rate))
        self._delete_limiter = RateLimiter(max((tiia.DELETE_IMAGES.qps or 1) / shards, rate))
        ImageGalleryLink.persist(context, groupId=self.group_id, region=self.hook.region)
        return super().execute(context)


def _content_hash(params: Mapping[str, Any], template: str, key: str) -> str:
    data = params.get("ImageBase64")
    if not data:
        raise TencentCloudInputError(
            f"CreateImage [{key}]: pic_name {template!r} uses {CONTENT_HASH}, which needs the picture's bytes: "
            "give image_path or image_base64, not image_url; no request was sent",
            field="pic_name",
            item=key,
        )
    return hashlib.sha256(base64.b64decode(f"{data}")).hexdigest()[:CONTENT_HASH_CHARS]
