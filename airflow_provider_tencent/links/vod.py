"""The VOD console links."""

from __future__ import annotations

from airflow_provider_tencent.links.base import TencentConsoleLink

__all__ = ["VodAigcLink", "VodAigcTaskLink"]


class VodAigcLink(TencentConsoleLink):
    """VOD AIGC in the console."""

    name = "VOD AIGC subjects"
    path = "/vod/aigc"


class VodAigcTaskLink(TencentConsoleLink):
    """The VOD console's task list, filtered to the task (URL from the console's layout; not an API)."""

    name = "VOD AIGC task"
    path = "/vod/task"
