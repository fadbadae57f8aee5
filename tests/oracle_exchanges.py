"""What the two test oracles (``sdk_oracle``: the official SDK's models; ``api_oracle``: tccli's ``api.json``)
share: the services and API versions they judge, and the walk over a session's captured exchanges."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: The services the provider calls, with the API version each oracle reads.
VERSIONS = {"tiia": "v20190529", "vod": "v20180717", "sts": "v20180813"}

Check = Callable[[str, str, dict[str, Any]], list[str]]


def exchange_problems(exchanges: list[dict[str, Any]], check_request: Check, check_response: Check) -> list[str]:
    """Every problem of every captured exchange of a judged service: the request always (when captured), the
    answer when it succeeded."""
    problems: set[str] = set()
    for ex in exchanges:
        if ex["service"] not in VERSIONS:
            continue
        if ex["params"] is not None:
            problems.update(check_request(ex["service"], ex["action"], ex["params"]))
        if ex["response"]:
            problems.update(check_response(ex["service"], ex["action"], ex["response"]))
    return sorted(problems)
