"""What the Image Search hook answers: :class:`CreateImageResult`, :class:`SearchResult` and its :class:`SearchMatch`.

Each has ``as_dict()``, the form operators push to XCom. Importable from
:mod:`airflow_provider_tencent.hooks.image_search` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class CreateImageResult:
    """What happened to one picture; ``as_dict()`` is the operator's XCom value."""

    status: Literal["created", "exists", "skipped"]
    group_id: str
    entity_id: str
    pic_name: str
    request_id: str | None
    object: dict[str, Any] | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status,
            "GroupId": self.group_id,
            "EntityId": self.entity_id,
            "PicName": self.pic_name,
            "RequestId": self.request_id,
            "Object": self.object,
        }
        if self.status == "skipped":
            out["skipped"] = True
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class SearchMatch:
    """One search result (``ImageInfo``): ``Score`` is 0-100, best first."""

    entity_id: str
    pic_name: str
    score: int
    custom_content: str
    tags: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "EntityId": self.entity_id,
            "PicName": self.pic_name,
            "Score": self.score,
            "CustomContent": self.custom_content,
            "Tags": self.tags,
        }


@dataclass(frozen=True)
class SearchResult:
    """A ``SearchImage`` answer: the matches and, in product galleries, the detected subject."""

    group_id: str
    matches: tuple[SearchMatch, ...]
    object: dict[str, Any] | None
    request_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "GroupId": self.group_id,
            "Count": len(self.matches),
            "Matches": [m.as_dict() for m in self.matches],
            "Object": self.object,
            "RequestId": self.request_id,
        }
