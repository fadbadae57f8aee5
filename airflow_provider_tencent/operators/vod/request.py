"""What makes an AIGC generation request itself: its digest, its SessionId, and the comparison with a task's echo.

* :func:`request_digest` - 16 hex digits over the request without its SessionId;
* :func:`derive_session_id` - the SessionId of a task instance, request and generation (the service refuses a
  repeat within three days: what keeps a retry from paying twice);
* :func:`input_differences` - the fields in which a task's echoed ``Input`` differs from a request (a task made
  from another request is never returned as this one's result);
* :func:`element_ids` and :func:`structured` - arguments given as rendered templates, read.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.validation import parse_structured

__all__ = ["derive_session_id", "element_ids", "input_differences", "request_digest", "structured"]


def request_digest(request: dict[str, Any]) -> str:
    """16 hex digits of SHA-256 over the request without its ``SessionId``: what makes two requests the same."""
    body = {k: v for k, v in request.items() if k != "SessionId"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def derive_session_id(
    dag_id: str, run_id: str, task_id: str, map_index: int, generation: int = 0, digest: str = ""
) -> str:
    """A SessionId (at most 50 characters) that is the same for every try of one task instance and request.

    ``digest`` (:func:`request_digest`) makes another request (a cleared task re-rendered with another prompt)
    another SessionId. ``generation`` is bumped only after a remote task FAILED with a retryable error, so that
    its retry is not refused as a duplicate of the failed one.
    """
    text = f"{dag_id}\x00{run_id}\x00{task_id}\x00{map_index}\x00{generation}" + (f"\x00{digest}" if digest else "")
    hashed = hashlib.sha256(text.encode()).hexdigest()[:40]
    out = f"af-{hashed}" + (f"-g{generation}" if generation else "")
    assert len(out) <= contract.SESSION_ID_MAX
    return out


def _same(ours: Any, theirs: Any) -> bool:
    """Whether an echoed value (``theirs``; null: not echoed) agrees with what was sent (``ours``)."""
    if theirs is None:
        return True
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return all(_same(v, theirs.get(k)) for k, v in ours.items())
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(_same(a, b) for a, b in zip(ours, theirs, strict=True))
    numbers = (int, float)
    if isinstance(ours, numbers) and isinstance(theirs, numbers) and not isinstance(ours, bool):
        return float(ours) == float(theirs)
    return f"{ours}".strip() == f"{theirs}".strip()


def input_differences(request: dict[str, Any], echoed: dict[str, Any] | None) -> list[str]:
    """The request fields whose value differs from the task's ``Input`` as ``DescribeTaskDetail`` echoes it.

    Only fields the ``Input`` echoes (not null) are compared; ``Prompt`` not when ``EnhancePrompt`` is
    ``Enabled`` (the service may then show the enhanced prompt).
    """
    if not isinstance(echoed, dict):
        return []
    skip = {"SessionId"} | ({"Prompt"} if request.get("EnhancePrompt") == "Enabled" else set())
    return [k for k, v in request.items() if k not in skip and k in echoed and not _same(v, echoed[k])]


def element_ids(value: Any) -> list[str]:
    """``element_ids`` as a list of strings: a list (of ids, or of mapped XCom results), a JSON or Python list in
    a text (a rendered template), a comma-separated text, or one id.

    :raises TencentCloudInputError: a text that starts like a list but is none.
    """
    if value is None or value == "":
        return []
    if isinstance(value, str) and value.strip().startswith("["):
        from airflow_provider_tencent.validation import parse_structured

        value = parse_structured(value, "element_ids", list)
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    try:
        return [f"{v}" for v in list(value) if v not in (None, "")]
    except TypeError:
        return [f"{value}"]


def structured(value: Any, field: str, expected: type) -> Any:
    """A structured argument (``output_config``, ``file_infos``...) given as JSON or Python text, parsed."""
    if isinstance(value, str) and value.strip():
        return parse_structured(value, field, expected)
    return value
