"""Image Search (TIIA) ``SearchImage`` and ``UpdateImage``: :class:`SearchActions`, mixed into
:class:`~.tiia.TiiaBackend`.

Sources: the SDK's SearchImageRequest / SearchImageResponse / UpdateImageRequest text.

* SearchImage: ImageUrl or ImageBase64 ("如果都提供,只使用ImageUrl"), the picture rules of CreateImage;
  Limit "默认值为10,最大值为100 … 图案花纹搜索时Limit = 1"; Offset "默认值为0"; MatchThreshold: "只有图片相似度
  分数超过匹配阈值的结果才会返回", 0 = the type's default (通用 50, 商品2.0 45, 商品1.0 28, 图案花纹 56);
  Filter: "支持>、>=、 <、 <=、=,!=,多个条件之间支持AND和OR进行连接。最大支持64字符"; Object only in product
  galleries ("仅服务类型为商品图像搜索时才生效").
* UpdateImage (API page 865/85724): 20 requests/s ("默认接口请求频率限制:20次/秒"); GroupId and EntityId
  required, PicName optional (each at most 64), Tags ("新的自定义标签,最多不超过10个,格式为JSON").

The emulator's own choices: the similarity is a 16x16 grey average hash (256 bits) of the picture,
Score = 100 * (1 - 2 * hamming / 256) floored at 0, so the same picture scores 100, chance agreement
(half the bits) 0; GroupType 8 (商品3.0, no default stated) uses 45 like 2.0; Filter AND binds tighter
than OR; an ordering operator compares numbers (a tag that is not a number fails the condition);
an empty gallery answers FailedOperation.ImageGroupEmpty; UpdateImage without PicName updates every
picture of the EntityId, and one matching nothing answers FailedOperation.ImageNotFoundInfo.
"""

from __future__ import annotations

import io
import json
import re
import time
from dataclasses import dataclass
from typing import Any

from airflow_provider_tencent.testing.emulator.backends.tiia_rules import (
    BAD,
    CATEGORIES,
    CHAR_LIMITS,
    PRODUCT_GROUP_TYPES,
    Group,
    check_picture,
    check_rect,
    check_tags,
    find_group,
    image_bytes,
    picture_hash,
    similarity,
)
from airflow_provider_tencent.testing.emulator.base import ApiError, check_params, open_picture

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
FILTER_MAX = 64
SEARCH_LIMIT_MAX = 100
PATTERN_GROUP_TYPE = 6
DEFAULT_THRESHOLDS = {1: 50, 2: 50, 3: 50, 4: 50, 5: 28, 6: 56, 7: 45, 8: 45}
_CONDITION = re.compile(
    r"""\s*([A-Za-z0-9_\u4e00-\u9fff.-]+)\s*(>=|<=|!=|=|>|<)\s*("(?:[^"]*)"|'(?:[^']*)'|[^\s'"]+)\s*"""
)
_JOINER = re.compile(r"\s+(AND|OR)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class _SearchRequest:
    """SearchImage's checked options: ``Limit`` (default 10), ``Offset`` (default 0), ``MatchThreshold``
    (0: the gallery type's default), the parsed ``Filter`` (``None``: none), ``CategoryId`` and ``ImageRect``."""

    limit: int
    offset: int
    threshold: int
    filters: list[list[tuple[str, str, str]]] | None
    category: int | None
    rect: dict[str, int] | None

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> _SearchRequest:
        """Check the options in the service's order.

        :raises ApiError: Limit outside 1..100, a negative Offset, MatchThreshold outside 0..100, a Filter
            over 64 characters or that does not parse, an unknown CategoryId, a bad ImageRect.
        """
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
        filters = parse_filter(raw_filter) if raw_filter else None
        category = body.get("CategoryId")
        if category is not None and category not in CATEGORIES:
            raise ApiError(BAD, f"CategoryId must be one of {list(CATEGORIES)}, got {category}.")
        return cls(limit, offset, threshold, filters, category, check_rect(body.get("ImageRect")))


def _searched_area(data: bytes, rect: dict[str, int] | None, width: int, height: int) -> bytes:
    """The picture to search with: ``data`` cropped to ``rect`` (clipped to the picture) as PNG, or
    ``data`` itself when there is no rect, the picture does not open, or the clipped area is empty."""
    if rect is None:
        return data
    picture = open_picture(data)
    if picture is None:
        return data
    x2, y2 = min(width, rect["X"] + rect["Width"]), min(height, rect["Y"] + rect["Height"])
    if x2 <= rect["X"] or y2 <= rect["Y"]:
        return data
    out = io.BytesIO()
    picture.convert("RGB").crop((rect["X"], rect["Y"], x2, y2)).save(out, "PNG")
    return out.getvalue()


def _detected_object(rect: dict[str, int] | None, width: int, height: int, category: int | None) -> dict[str, Any]:
    """SearchImage's ``Object`` in a product gallery: the searched area (or the whole picture) as the subject."""
    box = rect or {"X": 0, "Y": 0, "Width": width, "Height": height}
    return {
        "Box": {"Rect": box, "Score": 0.98, "CategoryId": category or 0},
        "CategoryId": category or 0,
        "AllBox": [{"Rect": box, "Score": 0.98, "CategoryId": category or 0}],
    }


class SearchActions:
    """``SearchImage`` and ``UpdateImage`` of the Image Search backend (its galleries, lock and emulator)."""

    groups: dict[str, Group]
    emulator: Any
    lock: Any  # Backend.lock: the emulator's lock

    def action_SearchImage(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        """Search the gallery for pictures like the one given (or its ``ImageRect`` area).

        :return: ``Count``, ``ImageInfos`` (best score first, then by name; ``Offset``/``Limit`` applied)
            and ``Object`` (the detected subject in a product gallery, else ``None``).
        :raises ApiError: a bad parameter or picture, an unknown or empty gallery.
        """
        check_params("SearchImage", body, SEARCH_PARAMS, BAD, strict=True)
        search = _SearchRequest.from_body(body)
        with self.lock:
            group = find_group(self.groups, body)
            if not group.pictures:
                raise ApiError("FailedOperation.ImageGroupEmpty", "The gallery holds no picture.")
            group_type = group.group_type
            detect = group_type in PRODUCT_GROUP_TYPES and body.get("EnableDetect") is not False
        data = image_bytes(body, self.emulator.download_timeout)
        width, height = check_picture(data, detect)
        wanted = picture_hash(_searched_area(data, search.rect, width, height))
        floor = search.threshold or DEFAULT_THRESHOLDS.get(group_type, 50)
        limit = 1 if group_type == PATTERN_GROUP_TYPE else search.limit
        scored = self._scored(body, wanted, floor, search.filters)
        infos = [
            {
                "EntityId": p["EntityId"],
                "CustomContent": p["CustomContent"],
                "Tags": p["Tags"],
                "PicName": p["PicName"],
                "Score": -neg,
            }
            for neg, _, p in scored[search.offset : search.offset + limit]
        ]
        # Object: always sent (api.json: output_required), null without subject detection
        answer: dict[str, Any] = {"Count": len(infos), "ImageInfos": infos, "Object": None}
        if detect:
            answer["Object"] = _detected_object(search.rect, width, height, search.category)
        return answer

    def _scored(
        self, body: dict[str, Any], wanted: int, floor: int, filters: list[list[tuple[str, str, str]]] | None
    ) -> list[tuple[int, str, dict[str, Any]]]:
        """``(-score, name, picture)`` of the gallery's pictures scoring above ``floor`` (a score of 100
        passes a floor of 100 or more) and matching ``filters``, sorted best first, then by name."""
        with self.lock:
            group = find_group(self.groups, body)
            scored = []
            for name, p in group.pictures.items():
                score = similarity(wanted, p.get("phash", 0))
                if score <= floor and not (score == 100 and floor >= 100):
                    continue
                if filters is not None and not filter_matches(filters, p["Tags"]):
                    continue
                scored.append((-score, name, p))
        scored.sort(key=lambda t: (t[0], t[1]))
        return scored

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
        tags = check_tags(body.get("Tags"))
        with self.lock:
            group = find_group(self.groups, body)
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
