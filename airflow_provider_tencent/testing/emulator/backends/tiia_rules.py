"""What Image Search (TIIA) 2019-05-29 accepts, as the emulator reads it: limits, the gallery record and the
picture checks shared by ``CreateImage`` and ``SearchImage`` (:mod:`.tiia`, :mod:`.tiia_search`).

Rules, with their source (the CreateImage API reference; the others are the parameter texts of the public
API pages, as the SDK's ``models.py`` carries them):

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
characters, a PicName without control characters, ``/`` or ``\\``. The similarity of two pictures
(:func:`picture_hash`, :func:`similarity`) is the emulator's own choice too (see :mod:`.tiia_search`).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_tencent.testing.emulator.base import ApiError, download, open_picture, picture_format

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
HASH_SIDE = 16
HASH_BITS = HASH_SIDE * HASH_SIDE


def now_text(t: float) -> str:
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


def find_group(groups: dict[str, Group], body: dict[str, Any]) -> Group:
    """The gallery named by ``GroupId`` in ``groups`` (call with the lock held)."""
    group_id = body.get("GroupId")
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


def check_rect(rect: dict[str, Any] | None) -> dict[str, int] | None:
    """``ImageRect`` as four integers >= 0 (``None`` when absent)."""
    if rect is None:
        return None
    out: dict[str, int] = {}
    for key in ("X", "Y", "Width", "Height"):
        value = rect.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ApiError(BAD, f"ImageRect.{key} must be an integer >= 0.")
        out[key] = value
    return out


def image_bytes(body: dict[str, Any], download_timeout: float) -> bytes:
    """The picture's bytes: downloaded from ``ImageUrl`` (preferred when both are given) or decoded from
    ``ImageBase64``; the document's error code when neither gives a picture within 5 MB of base64."""
    if body.get("ImageUrl"):  # preferred when both are given
        data = download(
            body["ImageUrl"],
            MAX_BASE64,
            "ImageUrl",
            "FailedOperation.ImageUrlInvalid",
            "FailedOperation.ImageDownloadError",
            download_timeout,
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


def check_picture(data: bytes, detect: bool) -> tuple[int, int]:
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
    check_resolution(width, height, detect)  # from the header, before decoding
    try:
        picture.load()
        extrema = picture.convert("RGB").getextrema()
    except Exception:
        raise ApiError("FailedOperation.ImageDecodeFailed", f"The {fmt.upper()} picture cannot be decoded.") from None
    if all(low == high for low, high in extrema):
        raise ApiError("InvalidParameter.PictureSolidColorError", "The picture is a single colour.")
    return width, height


def check_resolution(width: int, height: int, detect: bool) -> None:
    """Refuse a picture over the side limit (2000 with subject detection, else 4096) or, with subject
    detection, an aspect ratio of 10 or more."""
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
