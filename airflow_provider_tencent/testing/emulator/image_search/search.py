"""``SearchImage``'s options and its ``Filter`` language, as the emulator reads them (used by :mod:`.models`).

Sources: the SDK's SearchImageRequest text. Limit "默认值为10,最大值为100 … 图案花纹搜索时Limit = 1"; Offset
"默认值为0"; MatchThreshold: "只有图片相似度分数超过匹配阈值的结果才会返回", 0 = the type's default (通用 50,
商品2.0 45, 商品1.0 28, 图案花纹 56); Filter: "支持>、>=、 <、 <=、=,!=,多个条件之间支持AND和OR进行连接。最大支持
64字符".

The emulator's own choices: GroupType 8 (商品3.0, no default stated) uses 45 like 2.0; Filter AND binds tighter
than OR; an ordering operator compares numbers (a tag that is not a number fails the condition).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from airflow_provider_tencent.testing.emulator.core import ApiError

BAD = "InvalidParameter.InvalidParameter"
CATEGORIES = (0, 1, 2, 3, 4, 5)
FILTER_MAX = 64
SEARCH_LIMIT_MAX = 100
PATTERN_GROUP_TYPE = 6
DEFAULT_THRESHOLDS = {1: 50, 2: 50, 3: 50, 4: 50, 5: 28, 6: 56, 7: 45, 8: 45}
_CONDITION = re.compile(
    r"""\s*([A-Za-z0-9_\u4e00-\u9fff.-]+)\s*(>=|<=|!=|=|>|<)\s*("(?:[^"]*)"|'(?:[^']*)'|[^\s'"]+)\s*"""
)
_JOINER = re.compile(r"\s+(AND|OR)\s+", re.IGNORECASE)

Filters = list[list[tuple[str, str, str]]]
"""OR-groups of AND-ed ``(key, op, value)`` conditions."""


def check_rect(rect: dict[str, int] | None) -> dict[str, int] | None:
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


def check_category(category: int | None) -> None:
    if category is not None and category not in CATEGORIES:
        raise ApiError(BAD, f"CategoryId must be one of {list(CATEGORIES)}, got {category}.")


@dataclass(frozen=True)
class SearchOptions:
    """SearchImage's checked options: ``Limit`` (default 10), ``Offset`` (default 0), ``MatchThreshold``
    (0: the gallery type's default), the parsed ``Filter`` (``None``: none), ``CategoryId`` and ``ImageRect``."""

    limit: int
    offset: int
    threshold: int
    filters: Filters | None
    category: int | None
    rect: dict[str, int] | None

    @classmethod
    def check(cls, params: dict[str, Any]) -> SearchOptions:
        """Check the options in the service's order.

        :raises ApiError: Limit outside 1..100, a negative Offset, MatchThreshold outside 0..100, a Filter
            over 64 characters or that does not parse, an unknown CategoryId, a bad ImageRect.
        """
        limit = 10 if params.get("Limit") is None else params["Limit"]
        offset = 0 if params.get("Offset") is None else params["Offset"]
        if not 1 <= limit <= SEARCH_LIMIT_MAX:
            raise ApiError("InvalidParameterValue.LimitExceed", f"Limit must be 1 to {SEARCH_LIMIT_MAX}, got {limit}.")
        if offset < 0:
            raise ApiError(BAD, "Offset must be >= 0.")
        threshold = params.get("MatchThreshold") or 0
        if threshold < 0 or threshold > 100:
            raise ApiError(BAD, f"MatchThreshold must be 0 to 100, got {threshold}.")
        raw_filter = params.get("Filter") or ""
        if len(raw_filter) > FILTER_MAX:
            raise ApiError(
                "InvalidParameterValue.FilterSizeExceed",
                f"Filter is {len(raw_filter)} characters; at most {FILTER_MAX} are allowed.",
            )
        filters = parse_filter(raw_filter) if raw_filter else None
        category = params.get("CategoryId")
        check_category(category)
        return cls(limit, offset, threshold, filters, category, check_rect(params.get("ImageRect")))

    def floor(self, group_type: int) -> int:
        """The score a match must pass: MatchThreshold, else the gallery type's default."""
        return self.threshold or DEFAULT_THRESHOLDS.get(group_type, 50)

    def page_size(self, group_type: int) -> int:
        """``Limit``, except in a pattern gallery where it is always 1."""
        return 1 if group_type == PATTERN_GROUP_TYPE else self.limit


def parse_filter(text: str) -> Filters:
    """``Filter`` as OR-groups of AND-ed ``(key, op, value)``; ``FilterInvalid`` when it does not parse."""
    groups: Filters = [[]]
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


def filter_matches(groups: Filters, raw_tags: str) -> bool:
    """Whether a picture's Tags (the JSON text stored) meet ``groups``."""
    try:
        tags = json.loads(raw_tags) if raw_tags else {}
    except ValueError:
        tags = {}
    if not isinstance(tags, dict):
        tags = {}
    return any(all(_holds(tags, *cond) for cond in group) for group in groups)
