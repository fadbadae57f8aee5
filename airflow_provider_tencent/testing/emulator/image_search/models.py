"""Image Search 2019-05-29, the state and rules: galleries and their pictures, limits, error decisions.

:class:`ImageSearchBackend` holds the galleries; its methods take the request's parameters once
:mod:`.responses` has checked their types (the API's names, or typed arguments) and return records, never an
answer's shape. The picture checks are in :mod:`.pictures`, SearchImage's options and Filter in :mod:`.search`.

Rules, with their source (the CreateImage API reference; the others are the parameter texts of the public
API pages, as the SDK's ``models.py`` carries them):

* CreateImage: 10 requests/s ("默认接口请求频率限制:10次/秒"); EntityId and PicName at most 64
  characters, CustomContent 4096 ("最多支持…个字符"); Tags a JSON object of at most 10 keys ("最多不超过
  10个,格式为JSON") - values stored as sent, numbers included; one EntityId holds at most 10 pictures
  ("同一个EntityId,最大支持10张图"); the picture rules of :mod:`.pictures`; subject detection only in a product
  image search gallery (GroupType 5, 7, 8: "注意:仅服务类型为商品图像搜索时才生效"), ``Object`` answered only
  there: "为TRUE时,启用主体识别,返回主体信息 … 仅服务类型为商品图像搜索时才生效".
* CreateGroup: 1 request/s; GroupId "仅支持字母、数字和下划线。图库数量单个用户上限为30"; MaxCapacity
  "图片库可容纳的最大图片特征条数,一张图片对应一条图片特征数据" (pictures, not units).
* DescribeGroups: 20 requests/s; Limit "默认值为10,最大值为100".
* UpdateImage (API page 865/85724): 20 requests/s ("默认接口请求频率限制:20次/秒"); GroupId and EntityId
  required, PicName optional (each at most 64), Tags ("新的自定义标签,最多不超过10个,格式为JSON").
* SearchImage: ImageUrl or ImageBase64 ("如果都提供,只使用ImageUrl"), the picture rules of CreateImage.

Assumptions of the emulator's own (no document states them; they only pick an answer for a code
the CreateImage document lists): GroupId at most 64 characters, a tag value at most 256
characters, a PicName without control characters, ``/`` or ``\\``; an empty gallery answers SearchImage
with FailedOperation.ImageGroupEmpty; UpdateImage without PicName updates every picture of the EntityId,
and one matching nothing answers FailedOperation.ImageNotFoundInfo. The answers the documents leave open
are chosen by the settings (``image_search_answers``).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_tencent.testing.emulator.core import ApiError, Backend
from airflow_provider_tencent.testing.emulator.image_search.pictures import (
    check_picture,
    image_bytes,
    picture_hash,
    searched_area,
    similarity,
)
from airflow_provider_tencent.testing.emulator.image_search.search import (
    BAD,
    SearchOptions,
    check_category,
    check_rect,
    filter_matches,
)

SERVICE = "tiia"
"""The API's service name (credential scope and host)."""
VERSION = "2019-05-29"
QUOTAS = {
    "CreateImage": 10,
    "CreateGroup": 1,
    "DescribeGroups": 20,
    "DescribeImages": 20,
    "DeleteImages": 10,
    "SearchImage": 10,
    "UpdateImage": 20,
}
PRODUCT_GROUP_TYPES = (5, 7, 8)
GROUP_TYPES = (1, 2, 3, 4, 5, 6, 7, 8)
MAX_PICTURES_PER_ENTITY = 10
MAX_TAG_KEYS = 10
MAX_GROUPS = 30
GROUP_ID = re.compile(r"^[A-Za-z0-9_]+$")
DEFAULT_MAX_QPS = 10
# the emulator's own assumptions (see the module docstring)
GROUP_ID_MAX = 64
TAG_VALUE_MAX = 256
PIC_NAME = re.compile(r"^[^\x00-\x1f/\\]+$")
CHAR_LIMITS = {"EntityId": 64, "PicName": 64, "CustomContent": 4096}


@dataclass
class Group:
    """One gallery and its pictures."""

    name: str
    capacity: int
    """Most pictures the gallery holds (``MaxCapacity``)."""
    pictures: dict[str, dict[str, Any]] = field(default_factory=dict)
    """By PicName (unique in the gallery)."""
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)
    group_type: int = 4
    """``GroupType``: 4 general image search; 5, 7, 8 product image search (subject detection)."""
    brief: str = ""
    max_qps: int = DEFAULT_MAX_QPS


@dataclass(frozen=True)
class GroupInfo:
    """A gallery as read at one moment (``pic_count`` pictures)."""

    group_id: str
    group: Group
    pic_count: int


@dataclass(frozen=True)
class Subject:
    """The subject detected in a product gallery: the asked ``ImageRect`` or the whole picture."""

    rect: dict[str, int]
    category: int


def find_group(groups: dict[str, Group], group_id: str | None) -> Group:
    """The gallery ``group_id`` in ``groups`` (call with the lock held)."""
    if not group_id:
        raise ApiError("MissingParameter.ErrorParameterEmpty", "GroupId is required.")
    if len(group_id) > GROUP_ID_MAX:
        raise ApiError("InvalidParameterValue.ImageGroupIdTooLong", f"GroupId is over {GROUP_ID_MAX} characters.")
    group = groups.get(group_id)
    if group is None:
        raise ApiError("InvalidParameterValue.ImageGroupIdNotExist", f"The gallery {group_id!r} does not exist.")
    return group


def check_tags(raw: str | None) -> str:
    """The Tags text as sent ("" when absent), once it is a JSON object of at most 10 scalar values."""
    if raw is None or raw == "":
        return ""
    try:
        tags = json.loads(raw)
    except ValueError:
        raise ApiError(BAD, "Tags is not valid JSON.") from None
    if not isinstance(tags, dict):
        raise ApiError(BAD, "Tags must be a JSON object.")
    if len(tags) > MAX_TAG_KEYS:
        raise ApiError(
            "InvalidParameterValue.TagsKeysExceed",
            f"Tags holds {len(tags)} keys; at most {MAX_TAG_KEYS} are allowed.",
        )
    for key, value in tags.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ApiError(
                "InvalidParameterValue.TagsValueIllegal",
                f"The value of tag {key!r} must be a string or a number, got {type(value).__name__}.",
            )
        if len(f"{value}") > TAG_VALUE_MAX:
            raise ApiError(
                "InvalidParameterValue.TagsValueSizeExceed",
                f"The value of tag {key!r} is {len(f'{value}')} characters; at most {TAG_VALUE_MAX} are allowed.",
            )
    return raw


def check_lengths(params: dict[str, Any], names: tuple[str, ...]) -> None:
    """Each of ``names`` within :data:`CHAR_LIMITS` (``InvalidParameterValue.<Name>TooLong``)."""
    for name in names:
        value = params.get(name) or ""
        if len(value) > CHAR_LIMITS[name]:
            raise ApiError(
                f"InvalidParameterValue.{name}TooLong",
                f"{name} is {len(value)} characters; at most {CHAR_LIMITS[name]} are allowed.",
            )


def check_new_picture_names(params: dict[str, Any]) -> None:
    """CreateImage's GroupId, EntityId and PicName are given, and they and CustomContent are within
    their lengths; PicName holds no control character, ``/`` or ``\\``.

    :raises ApiError: the first rule broken, in the service's order.
    """
    if not params.get("GroupId"):
        raise ApiError("MissingParameter.ErrorParameterEmpty", "GroupId is required.")
    for name in ("EntityId", "PicName"):
        if not params.get(name):
            raise ApiError(f"InvalidParameterValue.{name}Empty", f"{name} is required and must not be empty.")
    if len(params["GroupId"]) > GROUP_ID_MAX:
        raise ApiError(
            "InvalidParameterValue.ImageGroupIdTooLong",
            f"GroupId is {len(params['GroupId'])} characters; at most {GROUP_ID_MAX} are allowed.",
        )
    check_lengths(params, ("EntityId", "PicName", "CustomContent"))
    if not PIC_NAME.match(params["PicName"]):
        raise ApiError("InvalidParameterValue.PicNameInvalid", "PicName holds a control character, / or \\.")


def check_new_group(group_id: str | None, name: str | None, capacity: int | None, group_type: int) -> None:
    """CreateGroup's values, in the service's order (GroupId, GroupName, MaxCapacity, GroupType)."""
    if not group_id:
        raise ApiError("MissingParameter.ErrorParameterEmpty", "GroupId is required.")
    if len(group_id) > GROUP_ID_MAX:
        raise ApiError("InvalidParameterValue.ImageGroupIdTooLong", f"GroupId is over {GROUP_ID_MAX} characters.")
    if not GROUP_ID.match(group_id):
        raise ApiError(
            "InvalidParameterValue.ImageGroupIdIllegal", "GroupId holds only letters, digits and underscores."
        )
    if not name:
        raise ApiError("InvalidParameterValue.ImageGroupNameEmpty", "GroupName is required.")
    if capacity is None:
        raise ApiError("MissingParameter.ErrorParameterEmpty", "MaxCapacity is required.")
    if capacity < 1:
        raise ApiError("InvalidParameterValue.InvalidParameterValueLimit", "MaxCapacity must be at least 1.")
    if group_type not in GROUP_TYPES:
        raise ApiError(BAD, f"GroupType must be one of {list(GROUP_TYPES)}, got {group_type}.")


class ImageSearchBackend(Backend):
    """The account's galleries (:attr:`groups`, by GroupId) and every Image Search action's rules."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.groups: dict[str, Group] = {}

    def answer(self, name: str) -> Any:
        """One of the chosen answers the documents leave open (``Settings.image_search_answers``)."""
        return self.settings.image_search_answers.get(name)

    # -- galleries ----------------------------------------------------------------------------
    def add_group(self, group_id: str, name: str, capacity: int, group_type: int) -> None:
        """A gallery made without a request (kept as it is when it exists)."""
        with self.lock:
            self.groups.setdefault(group_id, Group(name or group_id, int(capacity), group_type=int(group_type)))

    def create_group(self, params: dict[str, Any]) -> None:
        """CreateGroup: a new gallery, within the account's 30; ``MaxQps`` capped by ``max_qps_cap``."""
        group_id, capacity, group_type = params.get("GroupId"), params.get("MaxCapacity"), params.get("GroupType")
        group_type = 4 if group_type is None else group_type
        check_new_group(group_id, params.get("GroupName"), capacity, group_type)
        with self.lock:
            if group_id in self.groups:
                raise ApiError("InvalidParameterValue.ImageGroupIdAlreadyExist", "The gallery already exists.")
            if len(self.groups) >= MAX_GROUPS:
                raise ApiError(
                    "FailedOperation.GroupCountExceeded", f"An account holds at most {MAX_GROUPS} galleries."
                )
            self.groups[str(group_id)] = Group(
                params["GroupName"],
                int(capacity or 0),
                group_type=int(group_type),
                brief=params.get("Brief") or "",
                max_qps=self.stored_max_qps(params.get("MaxQps")),
            )

    def stored_max_qps(self, asked: Any) -> int:
        """The ``MaxQps`` a new gallery keeps: what was asked (default 10), at most the configured cap."""
        qps = int(asked or DEFAULT_MAX_QPS)
        cap = self.answer("max_qps_cap") or 0
        return min(qps, int(cap)) if cap else qps

    def describe_groups(self, group_id: str | None, offset: int | None, limit: int | None) -> list[GroupInfo]:
        """DescribeGroups: the galleries (only ``group_id`` when given), ``offset`` / ``limit`` applied."""
        offset = 0 if offset is None else offset
        limit = 10 if limit is None else limit
        if offset < 0:
            raise ApiError(BAD, "Offset must be >= 0.")
        if not 1 <= limit <= 100:
            raise ApiError("InvalidParameterValue.LimitExceed", "Limit must be 1 to 100.")
        with self.lock:
            infos = [
                GroupInfo(gid, g, len(g.pictures)) for gid, g in self.groups.items() if group_id in (None, "", gid)
            ]
        if group_id and not infos and self.answer("unknown_group") == "error":
            raise ApiError("InvalidParameterValue.ImageGroupIdNotExist", f"The gallery {group_id!r} does not exist.")
        return infos[offset : offset + limit]

    # -- pictures -----------------------------------------------------------------------------
    def entity_pictures(
        self, group_id: str | None, entity_id: str | None, pic_name: str | None
    ) -> tuple[Group, list[str]]:
        """The gallery and the PicNames of ``entity_id`` (only ``pic_name`` when given); lock held."""
        group = find_group(self.groups, group_id)
        if not entity_id:
            raise ApiError("InvalidParameterValue.EntityIdEmpty", "EntityId is required.")
        names = [n for n, p in group.pictures.items() if p["EntityId"] == entity_id and pic_name in (None, "", n)]
        return group, names

    def describe_images(
        self, group_id: str | None, entity_id: str | None, pic_name: str | None
    ) -> list[dict[str, Any]]:
        """DescribeImages: copies of the pictures of an entity; the service answers an error, not an empty list."""
        with self.lock:
            group, names = self.entity_pictures(group_id, entity_id, pic_name)
            pictures = [dict(group.pictures[name]) for name in names]
        if not pictures:
            raise ApiError("FailedOperation.ImageNotFoundInfo", "No picture matches this EntityId (and PicName).")
        return pictures

    def delete_images(self, group_id: str | None, entity_id: str | None, pic_name: str | None) -> None:
        """DeleteImages: without PicName, EVERY picture of the EntityId goes (as the real API does)."""
        with self.lock:
            group, names = self.entity_pictures(group_id, entity_id, pic_name)
            missing = self.answer("delete_missing") or "ok"
            if not names and missing != "ok":
                raise ApiError(missing, "No picture matches this EntityId (and PicName).")
            for name in names:
                del group.pictures[name]
            group.updated = time.time()

    def create_image(self, params: dict[str, Any], request_id: str) -> Subject | None:
        """CreateImage: add one picture to a gallery.

        :return: the detected subject in a product gallery (the ``ImageRect`` or the whole picture), ``None``
            elsewhere.
        :raises ApiError: a bad parameter or picture, a PicName already in the gallery, an entity or a
            gallery that is full.
        """
        check_new_picture_names(params)
        pic_name = params["PicName"]
        tags = check_tags(params.get("Tags"))
        category = params.get("CategoryId")
        check_category(category)
        rect = check_rect(params.get("ImageRect"))
        with self.lock:
            group = find_group(self.groups, params.get("GroupId"))
            if pic_name in group.pictures:  # cheap early answer; checked again before storing
                raise ApiError("InvalidParameterValue.PicNameAlreadyExist", f"PicName {pic_name!r} already exists.")
            detect = group.group_type in PRODUCT_GROUP_TYPES and params.get("EnableDetect") is not False
        data = image_bytes(params, self.settings.download_timeout)
        width, height = check_picture(data, detect)
        self._store_picture(params, tags, data, (width, height), request_id)
        if not detect:
            return None
        return Subject(rect or {"X": 0, "Y": 0, "Width": width, "Height": height}, category or 0)

    def _store_picture(
        self, params: dict[str, Any], tags: str, data: bytes, size: tuple[int, int], request_id: str
    ) -> None:
        """Store a checked picture (``size``: width, height) in its gallery, under the lock.

        :raises ApiError: the PicName is already there (checked again: another request may have stored
            it meanwhile), the EntityId holds its maximum of pictures, or the gallery is full.
        """
        entity, pic_name = params["EntityId"], params["PicName"]
        with self.lock:
            group = find_group(self.groups, params.get("GroupId"))
            if pic_name in group.pictures:
                raise ApiError("InvalidParameterValue.PicNameAlreadyExist", f"PicName {pic_name!r} already exists.")
            held = sum(1 for p in group.pictures.values() if p["EntityId"] == entity)
            if held >= MAX_PICTURES_PER_ENTITY:
                raise ApiError(
                    "FailedOperation.ImageEntityCountExceed",
                    f"EntityId {entity!r} already holds {held} pictures; at most {MAX_PICTURES_PER_ENTITY} allowed.",
                )
            if len(group.pictures) >= group.capacity:
                raise ApiError("FailedOperation.ImageNumExceed", f"The gallery is full ({group.capacity} pictures).")
            group.pictures[pic_name] = {
                "GroupId": params["GroupId"],
                "EntityId": entity,
                "PicName": pic_name,
                "CustomContent": params.get("CustomContent") or "",
                "Tags": tags,
                "sha256": hashlib.sha256(data).hexdigest(),
                "phash": picture_hash(data),
                "width": size[0],
                "height": size[1],
                "RequestId": request_id,
                "created": time.time(),
            }
            group.updated = time.time()

    def update_image(self, params: dict[str, Any]) -> None:
        """UpdateImage: new Tags for the pictures of an EntityId (only PicName when given)."""
        check_lengths(params, ("EntityId", "PicName"))
        if not params.get("EntityId"):
            raise ApiError("InvalidParameterValue.EntityIdEmpty", "EntityId is required.")
        tags = check_tags(params.get("Tags"))
        with self.lock:
            group = find_group(self.groups, params.get("GroupId"))
            names = [
                name
                for name, p in group.pictures.items()
                if params.get("EntityId") in (None, "", p["EntityId"]) and params.get("PicName") in (None, "", name)
            ]
            if not names:
                raise ApiError("FailedOperation.ImageNotFoundInfo", "No picture matches this EntityId / PicName.")
            for name in names:
                group.pictures[name]["Tags"] = tags
            group.updated = time.time()

    # -- search -------------------------------------------------------------------------------
    def search_image(self, params: dict[str, Any]) -> tuple[list[tuple[int, dict[str, Any]]], Subject | None]:
        """SearchImage: the pictures like the one given (or its ``ImageRect`` area).

        :return: ``(score, picture)`` best score first, then by name (``Offset``/``Limit`` applied), and the
            detected subject in a product gallery (else ``None``).
        :raises ApiError: a bad parameter or picture, an unknown or empty gallery.
        """
        search = SearchOptions.check(params)
        with self.lock:
            group = find_group(self.groups, params.get("GroupId"))
            if not group.pictures:
                raise ApiError("FailedOperation.ImageGroupEmpty", "The gallery holds no picture.")
            group_type = group.group_type
            detect = group_type in PRODUCT_GROUP_TYPES and params.get("EnableDetect") is not False
        data = image_bytes(params, self.settings.download_timeout)
        width, height = check_picture(data, detect)
        wanted = picture_hash(searched_area(data, search.rect, width, height))
        scored = self._scored(params.get("GroupId"), wanted, search.floor(group_type), search)
        page = scored[search.offset : search.offset + search.page_size(group_type)]
        subject = None
        if detect:
            subject = Subject(search.rect or {"X": 0, "Y": 0, "Width": width, "Height": height}, search.category or 0)
        return [(-neg, p) for neg, _, p in page], subject

    def _scored(
        self, group_id: str | None, wanted: int, floor: int, search: SearchOptions
    ) -> list[tuple[int, str, dict[str, Any]]]:
        """``(-score, name, picture)`` of the gallery's pictures scoring above ``floor`` (a score of 100
        passes a floor of 100 or more) and matching the filters, sorted best first, then by name."""
        with self.lock:
            group = find_group(self.groups, group_id)
            scored = []
            for name, p in group.pictures.items():
                score = similarity(wanted, p.get("phash", 0))
                if score <= floor and not (score == 100 and floor >= 100):
                    continue
                if search.filters is not None and not filter_matches(search.filters, p["Tags"]):
                    continue
                scored.append((-score, name, p))
        scored.sort(key=lambda t: (t[0], t[1]))
        return scored
