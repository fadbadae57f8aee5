"""What a test may read of the emulator: stored galleries, pictures, subjects, tasks and request counts.

:class:`StateViews` is mixed into :class:`~.facade.Emulator`; every read holds the emulator's lock and
returns copies, never a key or a token.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_tencent.testing.emulator.faults import Fault
    from airflow_provider_tencent.testing.emulator.image_search.models import ImageSearchBackend
    from airflow_provider_tencent.testing.emulator.vod.models import VodBackend


class StateViews:
    """Read-only views of the emulator's state (for assertions, ``GET /_emulator/state``)."""

    _lock: threading.RLock
    _counters: dict[str, dict[str, int]]
    _faults: list[Fault]
    requests: list[dict[str, Any]]
    image_search: ImageSearchBackend
    vod: VodBackend

    host: str
    port: int

    @property
    def url(self) -> str:
        """``http://HOST:PORT``: the ``endpoint_url`` for every service."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def counters(self) -> dict[str, dict[str, int]]:
        """``{action: {outcome: count}}``; outcomes are ``ok``, an error code, or ``fault:<kind>``."""
        with self._lock:
            return {action: dict(outcomes) for action, outcomes in self._counters.items()}

    def images(self, group_id: str | None = None) -> list[dict[str, Any]]:
        """Stored pictures, oldest first: GroupId, EntityId, PicName, CustomContent, Tags, sha256,
        width, height, RequestId, created."""
        with self._lock:
            out: list[dict[str, Any]] = []
            for gid, group in self.image_search.groups.items():
                if group_id in (None, gid):
                    out.extend(dict(p) for p in group.pictures.values())
        return sorted(out, key=lambda p: p["created"])

    def groups(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    "GroupId": gid,
                    "GroupName": g.name,
                    "Capacity": g.capacity,
                    "PicCount": len(g.pictures),
                    "GroupType": g.group_type,
                }
                for gid, g in self.image_search.groups.items()
            ]

    def elements(self) -> list[dict[str, Any]]:
        """Created AIGC subjects: ElementId, ElementName, ElementDescription, ElementFrontalImage and
        ElementReferList (URLs without query string), RequestId, created."""
        with self._lock:
            return [{**e, "ElementReferList": list(e["ElementReferList"])} for e in self.vod.elements]

    def aigc_tasks(self) -> list[dict[str, Any]]:
        """AIGC generation tasks, oldest first: TaskId, kind, params (FileInfos left out), RequestId, polls
        (DescribeTaskDetail reads), the failure queued for it, if any, and ``refused`` (refused for the account's
        concurrency: nothing generated, its failure ``RequestLimitExceeded``)."""
        with self._lock:
            tasks = sorted(self.vod.tasks.values(), key=lambda t: t["created"])
            return [{k: v for k, v in t.items() if k != "started"} for t in tasks]

    def max_in_any_second(self, action: str, include_rejected: bool = False) -> int:
        """The most requests of ``action`` that arrived within any one-second sliding window.

        By default only requests admitted by the rate limit count (neither an authentication
        failure nor ``RequestLimitExceeded``); ``include_rejected`` counts every arrival.
        """
        with self._lock:
            times = sorted(
                r["time"] for r in self.requests if r["action"] == action and (include_rejected or r["admitted"])
            )
        best, start = 0, 0
        for end, t in enumerate(times):
            while t - times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def state(self) -> dict[str, Any]:
        """Everything a test in another process may assert on (no key, no token)."""
        with self._lock:
            faults = [
                {k: getattr(f, k) for k in ("kind", "action", "times", "probability", "delay", "hits")}
                for f in self._faults
            ]
            log = [dict(r) for r in self.requests]
        return {
            "url": self.url,
            "counters": self.counters(),
            "groups": self.groups(),
            "images": self.images(),
            "elements": self.elements(),
            "aigc_tasks": self.aigc_tasks(),
            "faults": faults,
            "requests": log,
        }
