"""Image Search (TIIA) requests from operator arguments: ``CreateImage`` and ``SearchImage``.

:func:`prepare_create_image` and :func:`prepare_search_image` take one item in the operators'
argument names (:data:`ITEM_KEYS`, :data:`SEARCH_KEYS`) and return the request to send, checked
against the CreateImage and SearchImage API references as declared in
:mod:`airflow_provider_tencent.contracts.image_search`. The picture-source rules are
:mod:`airflow_provider_tencent.payloads.pictures`'; the batch operators' PicName versioning
(``{content_hash}``) is :func:`versioned_pic_name` and :func:`content_hash_of`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from airflow_provider_tencent.contracts import image_search as contract
from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.fs.storage import storage_key
from airflow_provider_tencent.payloads import pictures
from airflow_provider_tencent.utils.naming import entity_id_for, pic_name_for
from airflow_provider_tencent.validation import (
    Problem,
    field_problems,
    image_problems,
    raise_if,
    tags_problems,
    template_bool,
    template_int,
    template_rect,
    template_tags,
)

CREATE_IMAGE = contract.CREATE_IMAGE
SEARCH_IMAGE = contract.SEARCH_IMAGE
#: Largest raw picture whose base64 text fits the 5 MB limit.
MAX_RAW_BYTES = pictures.max_raw_bytes(contract.IMAGE_RULES)
#: How many hex digits of the picture's SHA-256 replace ``{content_hash}`` in a batch item's ``pic_name``.
CONTENT_HASH_CHARS = 12
#: Placeholder in a PicName template for the first :data:`CONTENT_HASH_CHARS` hex digits of the picture's SHA-256.
CONTENT_HASH = "{content_hash}"

#: The arguments of one ``CreateImage`` picture (the single operator's argument names, a batch item's keys).
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
#: The arguments of one ``SearchImage`` query (the single operator's argument names, a batch item's keys).
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

#: One condition of a ``Filter``: ``key op value`` (SearchImage API reference).
_CONDITION = re.compile(r"""\s*[^\s<>=!'"]+\s*(>=|<=|!=|=|>|<)\s*("[^"]*"|'[^']*'|[^\s'"]+)\s*""")
_JOINER = re.compile(r"\s+(?:AND|OR)\s+", re.IGNORECASE)


def _where(action: str, label: str | None) -> str:
    return f"{action}{f' [{label}]' if label else ''}"


def _check_keys(item: Mapping[str, Any], allowed: tuple[str, ...], action: str, label: str | None) -> None:
    unknown = sorted(f"{k}" for k in set(item) - set(allowed))
    if unknown:
        raise TencentCloudInputError(
            f"{_where(action, label)}: unknown item keys {unknown}; expected {list(allowed)}",
            field=unknown[0],
            item=label,
        )


def _present(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None and v != ""}


# -- CreateImage --------------------------------------------------------------------------------


def create_image_request(group_id: Any, item: Mapping[str, Any]) -> dict[str, Any]:
    """Step 1: the ``CreateImage`` fields from the arguments, rendered templates read as the types the API wants.

    ``category_id`` ``"3"``, ``enable_detect`` ``"true"``, a JSON ``image_rect`` or ``tags`` become
    the int, bool and objects of the request; absent and empty arguments are left out. The picture
    of ``image_path`` is not read here.
    """
    return _present(
        {
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
    )


def prepare_create_image(
    group_id: Any,
    item: Mapping[str, Any],
    *,
    conn_id: str | None,
    allow_both_sources: bool = False,
    log: Any = None,
    label: str | None = None,
    gallery_type: Callable[[], int | None] | None = None,
) -> dict[str, Any]:
    """The validated ``CreateImage`` request for one picture.

    ``item`` uses the operator's argument names (:data:`ITEM_KEYS`). The steps: the keys are
    known; the fields from the arguments (:func:`create_image_request`); every field rule, the tag
    rules and the picture-source rules, all reported at once; ``image_url`` wins over another
    source when ``allow_both_sources``; the picture's bytes - ``image_base64`` decoded, or
    ``image_path`` read (never more than the 5 MB base64 limit allows, plus one byte) - checked
    (format by content, size, resolution, and the subject-detection limits below); a read picture
    is sent as ``ImageBase64``.

    ``gallery_type`` tells the gallery's ``GroupType``; it is asked only for a picture over the
    subject-detection limits (2000x2000, aspect ratio under 10), which apply in product image
    search galleries when ``enable_detect`` is not false.

    ``image_base64`` is sent as plain base64: a ``data:image/...;base64,`` prefix is taken off (any
    other ``data:`` text is refused).

    :raises TencentCloudInputError: naming every field that breaks the contract, with its limit
        and the value's size. No request has been sent.
    """
    action = CREATE_IMAGE.action
    _check_keys(item, ITEM_KEYS, action, label)
    image_path = pictures.path_text(item.get("image_path"))
    params = create_image_request(group_id, item)
    problems = pictures.strip_data_uri(params, log)
    problems += field_problems(CREATE_IMAGE, params)
    problems += tags_problems(params.get("Tags"))
    sources = pictures.given_sources(params, image_path)
    problems += pictures.source_problems(sources, allow_both_sources=allow_both_sources)
    problems += pictures.url_problems(params)
    raise_if(problems, action, label)

    if "ImageUrl" in params and len(sources) > 1:
        if log is not None:
            log.info("Both ImageUrl and %s given: the API uses only ImageUrl", sources[1])
        params.pop("ImageBase64", None)
        image_path = None
    if "ImageBase64" in params:
        data = pictures.decode_base64_picture(params, contract.IMAGE_RULES, action, label)
        _check_detect_rules("image_base64", data, "base64 data", params, gallery_type, label)
    elif image_path is not None:
        data = pictures.read_checked_picture(
            image_path, contract.IMAGE_RULES, conn_id=conn_id, action=action, label=label
        )
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
    raise_if([replace(p, message=p.message + note) for p in problems], CREATE_IMAGE.action, label)


def is_versioned(pic_name: Any) -> bool:
    """Whether a ``pic_name`` template holds ``{content_hash}``."""
    return isinstance(pic_name, str) and CONTENT_HASH in pic_name


def with_stand_in_hash(item: Mapping[str, Any]) -> dict[str, Any]:
    """``item`` with ``{content_hash}`` replaced by zeros of the hash's length, to validate PicName's length."""
    return {**item, "pic_name": f"{item['pic_name']}".replace(CONTENT_HASH, "0" * CONTENT_HASH_CHARS)}


def content_hash_of(params: Mapping[str, Any], template: str, key: str) -> str:
    """The first :data:`CONTENT_HASH_CHARS` hex digits of the SHA-256 of the request's picture.

    :raises TencentCloudInputError: the request has no picture bytes (an ``image_url``).
    """
    data = params.get("ImageBase64")
    if not data:
        raise TencentCloudInputError(
            f"CreateImage [{key}]: pic_name {template!r} uses {CONTENT_HASH}, which needs the picture's bytes: "
            "give image_path or image_base64, not image_url; no request was sent",
            field="pic_name",
            item=key,
        )
    return hashlib.sha256(base64.b64decode(f"{data}")).hexdigest()[:CONTENT_HASH_CHARS]


def versioned_pic_name(template: str, digest: str) -> str:
    """The PicName of ``template`` for the picture whose content hash is ``digest``."""
    return template.replace(CONTENT_HASH, digest)


def older_versions(template: str) -> Callable[[str], bool]:
    """A test of PicNames that are other versions of ``template``: another content hash, or none (the
    item's names given before its ``pic_name`` used ``{content_hash}``)."""
    prefix, suffix = template.split(CONTENT_HASH, 1)
    versions = re.compile(re.escape(prefix) + f"[0-9a-f]{{{CONTENT_HASH_CHARS}}}" + re.escape(suffix))
    unhashed = {prefix + suffix, prefix.rstrip("-_.") + suffix}
    return lambda name: bool(versions.fullmatch(name)) or name in unhashed


# -- SearchImage --------------------------------------------------------------------------------


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
            "(conditions joined by AND / OR; SearchImage API reference)",
        )
    ]


def search_image_request(group_id: Any, item: Mapping[str, Any]) -> dict[str, Any]:
    """The ``SearchImage`` fields from the arguments (templates read as the API's types); no picture read."""
    return _present(
        {
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
    )


def prepare_search_image(
    group_id: Any, item: Mapping[str, Any], *, conn_id: str | None, label: str | None = None
) -> dict[str, Any]:
    """The validated ``SearchImage`` request for one query picture.

    ``item`` uses the operator's argument names (:data:`SEARCH_KEYS`). The picture-source rules
    are ``CreateImage``'s (:mod:`~airflow_provider_tencent.payloads.pictures`): exactly one of
    ``image_url`` (the service downloads it), ``image_base64`` (plain, or a
    ``data:image/...;base64,`` URI whose prefix is taken off) or ``image_path`` (read here - at
    most 5 MB base64 plus one byte -, checked like a ``CreateImage`` picture, sent as base64).

    :raises TencentCloudInputError: naming each argument that breaks the contract, with the limit
        and the value's size; nothing has been sent.
    """
    action = SEARCH_IMAGE.action
    _check_keys(item, SEARCH_KEYS, action, label)
    image_path = pictures.path_text(item.get("image_path"))
    params = search_image_request(group_id, item)
    problems = pictures.strip_data_uri(params)
    problems += field_problems(SEARCH_IMAGE, params)
    problems += filter_problems(params.get("Filter"))
    problems += pictures.source_problems(pictures.given_sources(params, image_path))
    problems += pictures.url_problems(params)
    raise_if(problems, action, label)
    if "ImageBase64" in params:
        pictures.decode_base64_picture(params, contract.IMAGE_RULES, action, label)
    elif image_path is not None:
        data = pictures.read_checked_picture(
            image_path, contract.IMAGE_RULES, conn_id=conn_id, action=action, label=label
        )
        params["ImageBase64"] = base64.b64encode(data).decode("ascii")
    return params


def list_pictures(
    prefix: Any, conn_id: str | None, entity_rule: str = "stem", custom_content: str | None = None, tags: Any = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(key, item)`` for every picture under ``prefix``, in key order: the items of a CreateImage batch.

    ``key`` is the picture's URI without a connection id
    (:func:`~airflow_provider_tencent.fs.storage.storage_key`: the same object read through a renamed
    connection keeps its key and PicName); ``item`` holds ``entity_id`` (by ``entity_rule``, see
    :func:`~airflow_provider_tencent.utils.naming.entity_id_for`), ``image_path`` and ``pic_name``
    ``p-<32 hex of the key's SHA-256>-{content_hash}``: the batch operator puts the picture's
    content hash in place of ``{content_hash}``, so a picture replaced at the same key is a new
    PicName (see ``ImageSearchCreateImageBatchOperator``'s ``on_change``).
    """
    for path in pictures.pictures_under(prefix, conn_id):
        key = storage_key(path)
        item: dict[str, Any] = {
            "entity_id": entity_id_for(key, entity_rule),
            "pic_name": f"{pic_name_for(key)}-{CONTENT_HASH}",
            "image_path": f"{path}",
        }
        if custom_content is not None:
            item["custom_content"] = custom_content
        if tags is not None:
            item["tags"] = tags
        yield key, item
