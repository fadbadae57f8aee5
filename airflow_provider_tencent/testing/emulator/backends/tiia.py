"""Image Search (TIIA) 2019-05-29: galleries and pictures.

Rules, with their source (the CreateImage document is ``shared/seeds/000_b714bb1cacceee71.txt``;
the others are the parameter texts of the public API pages, as the SDK's ``models.py`` carries them):

* CreateImage: 10 requests/s ("默认接口请求频率限制:10次/秒"); EntityId and PicName at most 64
  characters, CustomContent 4096 ("最多支持…个字符"); Tags a JSON object of at most 10 keys ("最多不超过
  10个,格式为JSON") - values stored as sent, numbers included; one EntityId holds at most 10 pictures
  ("同一个EntityId,最大支持10张图"); base64 at most 5 MB, PNG/JPG/JPEG/BMP, no GIF, at most 4096x4096;
  with subject detection in a product image search gallery (GroupType 5, 7, 8: "注意:仅服务类型为商品图像
  搜索时才生效") at most 2000x2000 and an aspect ratio under 10. ``Object`` (subject detection result)
  is answered only there: "为TRUE时,启用主体识别,返回主体信息 … 仅服务类型为商品图像搜索时才生效".
* CreateGroup: 1 request/s; GroupId "仅支持字母、数字和下划线。图库数量单个用户上限为30"; MaxCapacity
  "图片库可容纳的最大图片特征条数,一张图片对应一条图片特征数据" (pictures, not units).
* DescribeGroups: 20 requests/s; Limit "默认值为10,最大值为100"; the answer is the SDK's
  ``DescribeGroupsResponse``: ``Groups`` of ``GroupInfo`` (GroupId, GroupName, Brief, MaxCapacity,
  MaxQps, GroupType, PicCount, CreateTime, UpdateTime).

Assumptions of the emulator's own (no document states them; they only pick an answer for a code
the CreateImage document lists): GroupId at most 64 characters, a tag value at most 256
characters, a PicName without control characters, ``/`` or ``\\``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_tencent.testing.emulator.base import (
    ApiError,
    Backend,
    check_params,
    download,
    open_picture,
    picture_format,
)

MB = 1024 * 1024
MAX_BASE64 = 5 * MB
MAX_SIDE = 4096
DETECT_MAX_SIDE = 2000
DETECT_ELONGATION = 10
FORMATS = ("png", "jpeg", "bmp")
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
CATEGORIES = (0, 1, 2, 3, 4, 5)

CREATE_IMAGE_PARAMS = {
    "GroupId": "str",
    "EntityId": "str",
    "PicName": "str",
    "ImageUrl": "str",
    "CustomContent": "str",
    "ImageBase64": "str",
    "Tags": "str",
    "EnableDetect": "bool",
    "CategoryId": "int",
    "ImageRect": "object",
}
CREATE_GROUP_PARAMS = {
    "GroupId": "str",
    "GroupName": "str",
    "MaxCapacity": "int",
    "Brief": "str",
    "MaxQps": "int",
    "GroupType": "int",
}
DESCRIBE_GROUPS_PARAMS = {"Offset": "int", "Limit": "int", "GroupId": "str"}
ENTITY_PARAMS = {"GroupId": "str", "EntityId": "str", "PicName": "str"}
BAD = "InvalidParameter.InvalidParameter"


def _now_text(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


@dataclass
class Group:
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


class TiiaBackend(Backend):
    service = "tiia"
    version = "2019-05-29"
    quotas = {
        "CreateImage": 10,
        "CreateGroup": 1,
        "DescribeGroups": 20,
        "DescribeImages": 20,
        "DeleteImages": 10,
        "SearchImage": 10,
        "UpdateImage": 20,
    }

    def __init__(self, emulator: Any) -> None:
        super().__init__(emulator)
        self.groups: dict[str, Group] = {}

    # -- helpers ------------------------------------------------------------------------------
    def group(self, body: dict[str, Any]) -> Group:
        """The gallery named by ``GroupId`` (call with the lock held)."""
        group_id = body.get("GroupId")
        if not group_id:
            raise ApiError("MissingParameter.ErrorParameterEmpty", "GroupId is required.")
        if len(group_id) > GROUP_ID_MAX:
            raise ApiError("InvalidParameterValue.ImageGroupIdTooLong", f"GroupId is over {GROUP_ID_MAX} characters.")
        group = self.groups.get(group_id)
        if group is None:
            raise ApiError("InvalidParameterValue.ImageGroupIdNotExist", f"The gallery {group_id!r} does not exist.")
        return group

    # -- galleries ----------------------------------------------------------------------------
    def action_CreateGroup(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("CreateGroup", body, CREATE_GROUP_PARAMS, BAD, strict=False)
        group_id = body.get("GroupId")
        if not group_id:
            raise ApiError("MissingParameter.ErrorParameterEmpty", "GroupId is required.")
        if len(group_id) > GROUP_ID_MAX:
            raise ApiError("InvalidParameterValue.ImageGroupIdTooLong", f"GroupId is over {GROUP_ID_MAX} characters.")
        if not GROUP_ID.match(group_id):
            raise ApiError(
                "InvalidParameterValue.ImageGroupIdIllegal", "GroupId holds only letters, digits and underscores."
            )
        if not body.get("GroupName"):
            raise ApiError("InvalidParameterValue.ImageGroupNameEmpty", "GroupName is required.")
        capacity = body.get("MaxCapacity")
        if capacity is None:
            raise ApiError("MissingParameter.ErrorParameterEmpty", "MaxCapacity is required.")
        if capacity < 1:
            raise ApiError("InvalidParameterValue.InvalidParameterValueLimit", "MaxCapacity must be at least 1.")
        group_type = body.get("GroupType")
        group_type = 4 if group_type is None else group_type
        if group_type not in GROUP_TYPES:
            raise ApiError(BAD, f"GroupType must be one of {list(GROUP_TYPES)}, got {group_type}.")
        with self.lock:
            if group_id in self.groups:
                raise ApiError("InvalidParameterValue.ImageGroupIdAlreadyExist", "The gallery already exists.")
            if len(self.groups) >= MAX_GROUPS:
                raise ApiError(
                    "FailedOperation.GroupCountExceeded", f"An account holds at most {MAX_GROUPS} galleries."
                )
            self.groups[group_id] = Group(
                body["GroupName"],
                int(capacity),
                group_type=int(group_type),
                brief=body.get("Brief") or "",
                max_qps=int(body.get("MaxQps") or DEFAULT_MAX_QPS),
            )
        return {}

    def action_DescribeGroups(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("DescribeGroups", body, DESCRIBE_GROUPS_PARAMS, BAD, strict=False)
        offset = body.get("Offset")
        limit = body.get("Limit")
        offset = 0 if offset is None else offset
        limit = 10 if limit is None else limit
        if offset < 0:
            raise ApiError(BAD, "Offset must be >= 0.")
        if not 1 <= limit <= 100:
            raise ApiError("InvalidParameterValue.LimitExceed", "Limit must be 1 to 100.")
        with self.lock:
            groups = [
                {
                    "GroupId": gid,
                    "GroupName": g.name,
                    "Brief": g.brief,
                    "MaxCapacity": g.capacity,
                    "MaxQps": g.max_qps,
                    "GroupType": g.group_type,
                    "PicCount": len(g.pictures),
                    "CreateTime": _now_text(g.created),
                    "UpdateTime": _now_text(g.updated),
                }
                for gid, g in self.groups.items()
                if body.get("GroupId") in (None, "", gid)
            ]
        return {"Groups": groups[offset : offset + limit]}

    # -- pictures -----------------------------------------------------------------------------
    def entity_filter(self, action: str, body: dict[str, Any]) -> tuple[Group, list[str]]:
        """The gallery and the PicNames of ``EntityId`` (only ``PicName`` when given); lock held."""
        check_params(action, body, ENTITY_PARAMS, BAD, strict=False)
        group = self.group(body)
        entity = body.get("EntityId")
        if not entity:
            raise ApiError("InvalidParameterValue.EntityIdEmpty", "EntityId is required.")
        pic_name = body.get("PicName")
        names = [name for name, p in group.pictures.items() if p["EntityId"] == entity and pic_name in (None, "", name)]
        return group, names

    def action_DescribeImages(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        with self.lock:
            group, names = self.entity_filter("DescribeImages", body)
            infos = [
                {
                    "EntityId": p["EntityId"],
                    "CustomContent": p["CustomContent"],
                    "Tags": p["Tags"],
                    "PicName": p["PicName"],
                    "Score": 0,
                }
                for p in (group.pictures[name] for name in names)
            ]
        if not infos:  # the service answers an error, not an empty list
            raise ApiError("FailedOperation.ImageNotFoundInfo", "No picture matches this EntityId (and PicName).")
        return {"GroupId": body["GroupId"], "EntityId": body["EntityId"], "ImageInfos": infos}

    def action_DeleteImages(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        """Without PicName, EVERY picture of the EntityId goes (as the real API does)."""
        with self.lock:
            group, names = self.entity_filter("DeleteImages", body)
            for name in names:
                del group.pictures[name]
            group.updated = time.time()
        return {}

    def action_CreateImage(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("CreateImage", body, CREATE_IMAGE_PARAMS, BAD, strict=True)
        if not body.get("GroupId"):
            raise ApiError("MissingParameter.ErrorParameterEmpty", "GroupId is required.")
        for name in ("EntityId", "PicName"):
            if not body.get(name):
                raise ApiError(f"InvalidParameterValue.{name}Empty", f"{name} is required and must not be empty.")
        if len(body["GroupId"]) > GROUP_ID_MAX:
            raise ApiError(
                "InvalidParameterValue.ImageGroupIdTooLong",
                f"GroupId is {len(body['GroupId'])} characters; at most {GROUP_ID_MAX} are allowed.",
            )
        for name, code in (
            ("EntityId", "EntityIdTooLong"),
            ("PicName", "PicNameTooLong"),
            ("CustomContent", "CustomContentTooLong"),
        ):
            value = body.get(name) or ""
            if len(value) > CHAR_LIMITS[name]:
                raise ApiError(
                    f"InvalidParameterValue.{code}",
                    f"{name} is {len(value)} characters; at most {CHAR_LIMITS[name]} are allowed.",
                )
        entity, pic_name = body["EntityId"], body["PicName"]
        if not PIC_NAME.match(pic_name):
            raise ApiError("InvalidParameterValue.PicNameInvalid", "PicName holds a control character, / or \\.")
        tags = self.check_tags(body.get("Tags"))
        category = body.get("CategoryId")
        if category is not None and category not in CATEGORIES:
            raise ApiError(BAD, f"CategoryId must be one of {list(CATEGORIES)}, got {category}.")
        rect = self.check_rect(body.get("ImageRect"))
        with self.lock:
            group = self.group(body)
            if pic_name in group.pictures:  # cheap early answer; checked again before storing
                raise ApiError("InvalidParameterValue.PicNameAlreadyExist", f"PicName {pic_name!r} already exists.")
            detect = group.group_type in PRODUCT_GROUP_TYPES and body.get("EnableDetect") is not False
        data = self.image_bytes(body)
        width, height = self.check_picture(data, detect)
        with self.lock:
            group = self.group(body)
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
                "GroupId": body["GroupId"],
                "EntityId": entity,
                "PicName": pic_name,
                "CustomContent": body.get("CustomContent") or "",
                "Tags": tags,
                "sha256": hashlib.sha256(data).hexdigest(),
                "phash": picture_hash(data),
                "width": width,
                "height": height,
                "RequestId": request_id,
                "created": time.time(),
            }
            group.updated = time.time()
        if not detect:
            return {}
        box = rect or {"X": 0, "Y": 0, "Width": width, "Height": height}
        return {
            "Object": {"Box": {"Rect": box, "Score": 0.98, "CategoryId": category or 0}, "CategoryId": category or 0}
        }

    @staticmethod
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

    @staticmethod
    def check_rect(rect: dict[str, Any] | None) -> dict[str, int] | None:
        if rect is None:
            return None
        out: dict[str, int] = {}
        for key in ("X", "Y", "Width", "Height"):
            value = rect.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ApiError(BAD, f"ImageRect.{key} must be an integer >= 0.")
            out[key] = value
        return out

    def image_bytes(self, body: dict[str, Any]) -> bytes:
        if body.get("ImageUrl"):  # preferred when both are given
            data = download(
                body["ImageUrl"],
                MAX_BASE64,
                "ImageUrl",
                "FailedOperation.ImageUrlInvalid",
                "FailedOperation.ImageDownloadError",
                self.emulator.download_timeout,
            )
            if (len(data) + 2) // 3 * 4 > MAX_BASE64:
                raise ApiError(
                    "FailedOperation.ImageSizeExceed", f"The picture is over {MAX_BASE64} bytes once base64 encoded."
                )
            if not data:
                raise ApiError("FailedOperation.EmptyImageError", "The picture downloaded from ImageUrl is empty.")
            return data
        text = body.get("ImageBase64")
        if text is None:
            raise ApiError("MissingParameter.ErrorParameterEmpty", "ImageUrl or ImageBase64 is required.")
        if len(text) > MAX_BASE64:
            raise ApiError(
                "FailedOperation.ImageSizeExceed",
                f"ImageBase64 is {len(text)} bytes; at most {MAX_BASE64} are allowed.",
            )
        if not text:
            raise ApiError("FailedOperation.EmptyImageError", "ImageBase64 is empty.")
        try:
            # plain base64 only: a "data:image/...;base64," prefix is not base64 and is refused
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ApiError("FailedOperation.ImageDecodeFailed", "ImageBase64 is not valid base64.") from None
        if not data:
            raise ApiError("FailedOperation.EmptyImageError", "ImageBase64 holds no data.")
        return data

    def check_picture(self, data: bytes, detect: bool) -> tuple[int, int]:
        """``(width, height)`` of a picture Image Search accepts; raises the document's code otherwise."""
        picture = open_picture(data)
        fmt = picture_format(picture)
        if picture is None or fmt is None:
            raise ApiError("FailedOperation.ImageDecodeFailed", "The data is not a picture.")
        if fmt not in FORMATS:
            raise ApiError(
                "InvalidParameter.ImageFormatNotSupport", f"{fmt.upper()} is not supported; use PNG, JPG, JPEG or BMP."
            )
        width, height = picture.size
        self.check_resolution(width, height, detect)  # from the header, before decoding
        try:
            picture.load()
            extrema = picture.convert("RGB").getextrema()
        except Exception:
            raise ApiError(
                "FailedOperation.ImageDecodeFailed", f"The {fmt.upper()} picture cannot be decoded."
            ) from None
        if all(low == high for low, high in extrema):
            raise ApiError("InvalidParameter.PictureSolidColorError", "The picture is a single colour.")
        return width, height

    @staticmethod
    def check_resolution(width: int, height: int, detect: bool) -> None:
        side = DETECT_MAX_SIDE if detect else MAX_SIDE
        where = " (subject detection in a product image search gallery)" if detect else ""
        if width > side or height > side:
            raise ApiError("FailedOperation.ImageResolutionExceed", f"{width}x{height} is over {side}x{side}{where}.")
        long_side, short_side = max(width, height), min(width, height)
        if detect and (not short_side or long_side >= DETECT_ELONGATION * short_side):
            raise ApiError(
                "FailedOperation.ImageResolutionExceed",
                f"{width}x{height}: the aspect ratio must be under {DETECT_ELONGATION}:1{where}.",
            )

    def state(self) -> dict[str, Any]:
        return {}

    # -- search and tag updates (rules and sources after the class) -------------------
    def action_SearchImage(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("SearchImage", body, SEARCH_PARAMS, BAD, strict=True)
        limit = 10 if body.get("Limit") is None else body["Limit"]
        offset = 0 if body.get("Offset") is None else body["Offset"]
        if not 1 <= limit <= SEARCH_LIMIT_MAX:
            raise ApiError("InvalidParameterValue.LimitExceed", f"Limit must be 1 to {SEARCH_LIMIT_MAX}, got {limit}.")
        if offset < 0:
            raise ApiError(BAD, "Offset must be >= 0.")
        threshold = body.get("MatchThreshold") or 0
        if threshold < 0 or threshold > 100:
            raise ApiError(BAD, f"MatchThreshold must be 0 to 100, got {threshold}.")
        raw_filter = body.get("Filter") or ""
        if len(raw_filter) > FILTER_MAX:
            raise ApiError(
                "InvalidParameterValue.FilterSizeExceed",
                f"Filter is {len(raw_filter)} characters; at most {FILTER_MAX} are allowed.",
            )
        groups = parse_filter(raw_filter) if raw_filter else None
        category = body.get("CategoryId")
        if category is not None and category not in CATEGORIES:
            raise ApiError(BAD, f"CategoryId must be one of {list(CATEGORIES)}, got {category}.")
        rect = self.check_rect(body.get("ImageRect"))
        with self.lock:
            group = self.group(body)
            if not group.pictures:
                raise ApiError("FailedOperation.ImageGroupEmpty", "The gallery holds no picture.")
            group_type = group.group_type
            detect = group_type in PRODUCT_GROUP_TYPES and body.get("EnableDetect") is not False
        data = self.image_bytes(body)
        width, height = self.check_picture(data, detect)
        query = data
        if rect is not None:  # search with the given area only
            picture = open_picture(data)
            if picture is not None:
                import io

                x2, y2 = min(width, rect["X"] + rect["Width"]), min(height, rect["Y"] + rect["Height"])
                if x2 > rect["X"] and y2 > rect["Y"]:
                    out = io.BytesIO()
                    picture.convert("RGB").crop((rect["X"], rect["Y"], x2, y2)).save(out, "PNG")
                    query = out.getvalue()
        wanted = picture_hash(query)
        floor = threshold or DEFAULT_THRESHOLDS.get(group_type, 50)
        if group_type == PATTERN_GROUP_TYPE:
            limit = 1
        with self.lock:
            group = self.group(body)
            scored = []
            for name, p in group.pictures.items():
                score = similarity(wanted, p.get("phash", 0))
                if score <= floor and not (score == 100 and floor >= 100):
                    continue
                if groups is not None and not filter_matches(groups, p["Tags"]):
                    continue
                scored.append((-score, name, p))
        scored.sort(key=lambda t: (t[0], t[1]))
        infos = [
            {
                "EntityId": p["EntityId"],
                "CustomContent": p["CustomContent"],
                "Tags": p["Tags"],
                "PicName": p["PicName"],
                "Score": -neg,
            }
            for neg, _, p in scored[offset : offset + limit]
        ]
        answer: dict[str, Any] = {"Count": len(infos), "ImageInfos": infos}
        if detect:
            box = rect or {"X": 0, "Y": 0, "Width": width, "Height": height}
            answer["Object"] = {
                "Box": {"Rect": box, "Score": 0.98, "CategoryId": category or 0},
                "CategoryId": category or 0,
                "AllBox": [{"Rect": box, "Score": 0.98, "CategoryId": category or 0}],
            }
        return answer

    def action_UpdateImage(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("UpdateImage", body, UPDATE_PARAMS, BAD, strict=True)
        for name, code in (("EntityId", "EntityIdTooLong"), ("PicName", "PicNameTooLong")):
            value = body.get(name) or ""
            if len(value) > CHAR_LIMITS[name]:
                raise ApiError(
                    f"InvalidParameterValue.{code}",
                    f"{name} is {len(value)} characters; at most {CHAR_LIMITS[name]} are allowed.",
                )
        if not body.get("EntityId"):
            raise ApiError("InvalidParameterValue.EntityIdEmpty", "EntityId is required.")
        tags = self.check_tags(body.get("Tags"))
        with self.lock:
            group = self.group(body)
            names = [
                name
                for name, p in group.pictures.items()
                if body.get("EntityId") in (None, "", p["EntityId"]) and body.get("PicName") in (None, "", name)
            ]
            if not names:
                raise ApiError("FailedOperation.ImageNotFoundInfo", "No picture matches this EntityId / PicName.")
            for name in names:
                group.pictures[name]["Tags"] = tags
            group.updated = time.time()
        return {}


# -- search and tag updates  ------------------------------------------------------------
# Sources: the SDK's SearchImageRequest / SearchImageResponse / UpdateImageRequest text.
# * SearchImage: ImageUrl or ImageBase64 ("如果都提供,只使用ImageUrl"), the picture rules of CreateImage;
#   Limit "默认值为10,最大值为100 … 图案花纹搜索时Limit = 1"; Offset "默认值为0"; MatchThreshold: "只有图片相似度
#   分数超过匹配阈值的结果才会返回", 0 = the type's default (通用 50, 商品2.0 45, 商品1.0 28, 图案花纹 56);
#   Filter: "支持>、>=、 <、 <=、=,!=,多个条件之间支持AND和OR进行连接。最大支持64字符"; Object only in product
#   galleries ("仅服务类型为商品图像搜索时才生效").
# * UpdateImage (API page 865/85724): 20 requests/s ("默认接口请求频率限制:20次/秒"); GroupId and EntityId
#   required, PicName optional (each at most 64), Tags ("新的自定义标签,最多不超过10个,格式为JSON").
# The emulator's own choices: the similarity is a 16x16 grey average hash (256 bits) of the picture,
# Score = 100 * (1 - 2 * hamming / 256) floored at 0, so the same picture scores 100, chance agreement
# (half the bits) 0; GroupType 8 (商品3.0, no default stated) uses 45 like 2.0; Filter AND binds tighter
# than OR; an ordering operator compares numbers (a tag that is not a number fails the condition);
# an empty gallery answers FailedOperation.ImageGroupEmpty; UpdateImage without PicName updates every
# picture of the EntityId, and one matching nothing answers FailedOperation.ImageNotFoundInfo.

SEARCH_PARAMS = {
    "GroupId": "str",
    "ImageUrl": "str",
    "ImageBase64": "str",
    "Limit": "int",
    "Offset": "int",
    "MatchThreshold": "int",
    "Filter": "str",
    "ImageRect": "object",
    "EnableDetect": "bool",
    "CategoryId": "int",
}
UPDATE_PARAMS = {"GroupId": "str", "EntityId": "str", "PicName": "str", "Tags": "str"}
HASH_SIDE = 16
HASH_BITS = HASH_SIDE * HASH_SIDE
FILTER_MAX = 64
SEARCH_LIMIT_MAX = 100
PATTERN_GROUP_TYPE = 6
DEFAULT_THRESHOLDS = {1: 50, 2: 50, 3: 50, 4: 50, 5: 28, 6: 56, 7: 45, 8: 45}
_CONDITION = re.compile(
    r"""\s*([A-Za-z0-9_\u4e00-\u9fff.-]+)\s*(>=|<=|!=|=|>|<)\s*("(?:[^"]*)"|'(?:[^']*)'|[^\s'"]+)\s*"""
)
_JOINER = re.compile(r"\s+(AND|OR)\s+", re.IGNORECASE)


def picture_hash(data: bytes) -> int:
    """A 256-bit average hash: 16x16 grey boxes, each bit "brighter than the mean"."""
    picture = open_picture(data)
    if picture is None:
        return 0
    grey = picture.convert("L").resize((HASH_SIDE, HASH_SIDE), resample=4)  # 4: PIL BOX filter
    pixels = grey.tobytes()
    mean = sum(pixels) / len(pixels)
    bits = 0
    for value in pixels:
        bits = (bits << 1) | (1 if value > mean else 0)
    return bits


def similarity(a: int, b: int) -> int:
    """0-100: 100 the same picture, 0 no more alike than chance."""
    distance = (a ^ b).bit_count()
    return max(0, round(100 * (1 - 2 * distance / HASH_BITS)))


def parse_filter(text: str) -> list[list[tuple[str, str, str]]]:
    """``Filter`` as OR-groups of AND-ed ``(key, op, value)``; ``FilterInvalid`` when it does not parse."""
    groups: list[list[tuple[str, str, str]]] = [[]]
    parts = _JOINER.split(text.strip())
    for index, part in enumerate(parts):
        if index % 2 == 1:
            if part.upper() == "OR":
                groups.append([])
            continue
        match = _CONDITION.fullmatch(part)
        if not match:
            raise ApiError("InvalidParameterValue.FilterInvalid", f"Filter: cannot read the condition {part!r}.")
        key, op, value = match.groups()
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        groups[-1].append((key, op, value))
    return groups


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(f"{value}")
    except ValueError:
        return None


def _holds(tags: dict[str, Any], key: str, op: str, value: str) -> bool:
    if key not in tags:
        return op == "!="
    have = tags[key]
    if op in ("=", "!="):
        a, b = _number(have), _number(value)
        same = (a == b) if a is not None and b is not None else f"{have}" == value
        return same if op == "=" else not same
    a, b = _number(have), _number(value)
    if a is None or b is None:
        return False
    return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]


def filter_matches(groups: list[list[tuple[str, str, str]]], raw_tags: str) -> bool:
    try:
        tags = json.loads(raw_tags) if raw_tags else {}
    except ValueError:
        tags = {}
    if not isinstance(tags, dict):
        tags = {}
    return any(all(_holds(tags, *cond) for cond in group) for group in groups)
