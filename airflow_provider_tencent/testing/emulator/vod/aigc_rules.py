"""VOD 2018-07-17 AIGC generation tasks, their rules: ``CreateAigcVideoTask``, ``CreateAigcImageTask``,
``DescribeTaskDetail``, ``DescribeTasks`` - the emulator's own reading of the SDK models and the public documents.
The checks below hold no state; :class:`~.models.VodBackend` applies them and keeps the tasks.

Rules (from ``tencentcloud-sdk-python-vod`` 3.1.194 ``models.py`` and 创建 AIGC 生视频任务 / 生图任务):

* ``SessionId``: "最长 50 个字符" (longer: ``InvalidParameterValue.SessionIdTooLong``);
  "如果三天内曾有过相同的识别码的请求, 则本次的请求会返回错误" - refused with
  ``InvalidParameterValue.SessionId`` (errorcodes.py: "去重识别码重复, 请求被去重"); empty: no de-duplication.
* ``SessionContext``: "最长 1000 个字符" (``InvalidParameterValue.SessionContextTooLong``).
* ``Prompt`` / ``NegativePrompt`` of a video: "最大支持1000字符"; ``Prompt`` is required without ``FileInfos``.
* ``TasksPriority``: -10 to 10. ``SubAppId``, ``ModelName`` and ``ModelVersion`` are required (the API metadata
  marks them so; SubAppId: "从2023年12月25日起开通点播的客户 ... 必须将该字段填写为应用 ID"): ``MissingParameter``.
  ``ModelName`` from the documented list, ``ModelVersion`` from that model's list (:data:`VIDEO_VERSIONS`,
  :data:`IMAGE_VERSIONS`), ``OutputConfig.Duration`` from the model's values (:data:`DURATIONS`).
* Nested objects (``FileInfos``, ``SubjectInfos``, ``OutputConfig``): an unknown member is ``UnknownParameter``,
  a wrong type ``InvalidParameter`` (as the gateway answers); a FileInfos item names its file (FileId, Url or
  Base64); a last frame (``LastFrameUrl``/``LastFrameFileId``/``Usage`` LastFrame) needs a first frame.
* ``SubjectInfos[].Id``: an ElementId; Kling requires it. An id this account never created is a wrong value
  (``InvalidParameterValue``; the document names no dedicated code - our reading).
* ``SubAppId``: when the ``sub_app_ids`` setting is set, a foreign id is ``InvalidParameterValue.SubAppId``.
* 20 requests per second for both creating actions.
* One task at a time per account by default ("默认限制1个并发处理"; the ``aigc_concurrency`` setting): a task
  created while the account's limit of tasks runs is refused - it ends at once, ``FINISH`` with ``ErrCodeExt``
  ``RequestLimitExceeded`` (the SDK models: "调用超出并发限制") and no file; it generated nothing.
* ``DescribeTaskDetail`` and ``DescribeTasks`` see the tasks of the last three days (72 h) only: an older task is
  answered as unknown (``InvalidParameterValue.TaskId``, "任务 ID 不存在"), and its SessionId is free again.
  ``Emulator.age_aigc_tasks`` moves tasks into the past.
* A repeated SessionId is refused with the ``aigc_duplicate_code`` setting (``InvalidParameterValue.SessionId``, or
  ``FailedOperation.TaskDuplicate``); with the ``aigc_null_while_waiting`` setting a ``WAITING`` task's
  ``AigcVideoTask``/``AigcImageTask`` member is null.

A task is ``WAITING`` for the first tenth of the ``aigc_duration`` setting seconds, then ``PROCESSING`` with a
growing ``Progress``, then ``FINISH`` - with ``ErrCode`` 0 and output files, or (when a failure was queued with
:meth:`Emulator.fail_aigc_tasks`) a non-zero ``ErrCode``, ``ErrCodeExt`` and ``Message`` and no file. The files
are served by the emulator itself (``GET /_emulator/files/<TaskId>/<name>``), so a copy step downloads them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Any

from airflow_provider_tencent.testing.emulator.core import ApiError

SESSION_WINDOW = 3 * 24 * 3600
#: ModelName -> its ModelVersion values, as the documents list them ("当 ModelName 是 X, 可选值为 ...").
VIDEO_VERSIONS: dict[str, tuple[str, ...]] = {
    "Kling": ("1.6", "2.0", "2.1", "2.5", "2.6", "O1", "3.0", "3.0-Omni", "3.0-turbo", "scene"),
    "Vidu": (
        "q2",
        "q2-pro",
        "q2-turbo",
        "q3",
        "q3-pro",
        "q3-turbo",
        "q3-mix",
        "q3-drama",
        "q3-ad",
        "scene",
        "avatar-q2-pro",
        "avatar-q2-turbo",
        "lip-sync",
    ),
    "Hailuo": ("02", "2.3", "2.3-fast", "H3", "H3_regen", "H3-Max"),
    "Hunyuan": ("1.5", "3d_2.0"),
    "Mingmou": ("1.0",),
    "GV": ("3.1", "3.1-fast", "3.1-lite", "omni"),
    "OS": ("2.0",),
    "PixVerse": ("v5.6", "v6", "c1"),
}
IMAGE_VERSIONS: dict[str, tuple[str, ...]] = {
    "OG": ("image2_low", "image2_medium", "image2_high"),
    "GG": ("2.5", "3.0", "3.1", "3.1-lite"),
    "Hunyuan": ("3.0", "3d_2.0", "3.5-preview"),
    "Vidu": ("q2",),
    "Kling": ("2.1", "3.0", "3.0-Omni", "O1", "scene"),
    "Mingmou": ("1.0",),
}
VIDEO_MODELS = tuple(VIDEO_VERSIONS)
IMAGE_MODELS = tuple(IMAGE_VERSIONS)
#: OutputConfig.Duration per video model where the document lists it (Hailuo: per version, not checked).
DURATIONS: dict[str, tuple[int, ...]] = {
    "Kling": tuple(range(3, 16)),
    "Vidu": tuple(range(1, 11)),
    "GV": (8,),
    "OS": (4, 8, 12),
    "PixVerse": tuple(range(1, 16)),
}
FILE_PREFIX = "/_emulator/files/"
#: The failure of a task refused for the account's concurrency (ErrCodeExt and Message of the SDK models).
REFUSED = ("RequestLimitExceeded", "调用超出并发限制 (the account's AIGC concurrency limit is in use)")


def check_frames(body: dict[str, Any]) -> None:
    """Each FileInfos item names its file; a last frame ("须同时通过 FileInfos 指定首帧画面") needs a first one."""
    files = body.get("FileInfos") or []
    for n, item in enumerate(files):
        if not any(item.get(k) for k in ("FileId", "Url", "Base64")):
            raise ApiError("MissingParameter", f"FileInfos.{n}: FileId, Url or Base64 is required.")
    first = any(item.get("Usage") in (None, "", "FirstFrame") for item in files)
    last = body.get("LastFrameUrl") or body.get("LastFrameFileId") or any(f.get("Usage") == "LastFrame" for f in files)
    if last and not first:
        raise ApiError("InvalidParameterValue", "A last frame needs a first frame (FileInfos with Usage FirstFrame).")


def file_bytes(task_id: str, name: str) -> bytes:
    """The content of an output file: an ``ftyp`` box (so it looks like an MP4) and 64 KiB derived from its name."""
    seed = hashlib.sha256(f"{task_id}/{name}".encode()).digest()
    body = (seed * (65536 // len(seed) + 1))[:65536]
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + body


def check_texts(video: bool, body: dict[str, Any]) -> None:
    """A prompt (or files), the video frames and prompts' lengths, and SessionId, SessionContext and
    TasksPriority within their limits.

    :raises ApiError: the first rule broken, in the service's order.
    """
    if not body.get("Prompt") and not body.get("FileInfos"):
        raise ApiError("MissingParameter", "Prompt is required when FileInfos is empty.")
    if video:
        check_frames(body)
        for name in ("Prompt", "NegativePrompt"):
            if len(body.get(name) or "") > 1000:
                raise ApiError("InvalidParameterValue", f"{name} is {len(body[name])} characters; at most 1000.")
    session_id = body.get("SessionId") or ""
    if len(session_id) > 50:
        raise ApiError("InvalidParameterValue.SessionIdTooLong", f"SessionId is {len(session_id)} characters.")
    if len(body.get("SessionContext") or "") > 1000:
        raise ApiError("InvalidParameterValue.SessionContextTooLong", "SessionContext is over 1000 characters.")
    priority = body.get("TasksPriority")
    if priority is not None and not -10 <= priority <= 10:
        raise ApiError("InvalidParameterValue", f"TasksPriority {priority} is not within -10 to 10.")


def check_model(video: bool, body: dict[str, Any]) -> None:
    """ModelName from the documented list, ModelVersion from that model's, OutputConfig.Duration from its values."""
    model, version = body["ModelName"], body["ModelVersion"]
    versions = (VIDEO_VERSIONS if video else IMAGE_VERSIONS).get(model)
    if versions is None:
        raise ApiError("InvalidParameterValue", f"ModelName {model!r} is not supported.")
    if version not in versions:
        raise ApiError("InvalidParameterValue", f"ModelVersion {version!r} is not a version of {model}.")
    duration = (body.get("OutputConfig") or {}).get("Duration")
    if video and duration is not None and model in DURATIONS and duration not in DURATIONS[model]:
        raise ApiError("InvalidParameterValue", f"OutputConfig.Duration {duration!r} is not valid for {model}.")


def check_sub_app(allowed: Collection[int] | None, body: dict[str, Any]) -> None:
    """``SubAppId`` is one of ``allowed`` (when the setting names any)."""
    if allowed is not None and body.get("SubAppId") not in allowed:
        raise ApiError("InvalidParameterValue.SubAppId", f"SubAppId {body.get('SubAppId')!r} is not valid.")


def check_subjects(known: set[str], body: dict[str, Any]) -> None:
    """Each of ``SubjectInfos`` names an existing subject (``known`` ElementIds; its Id is required for Kling)."""
    for n, subject in enumerate(body.get("SubjectInfos") or []):
        element_id = subject.get("Id")
        if not element_id and body["ModelName"] == "Kling":
            raise ApiError("MissingParameter", f"SubjectInfos.{n}.Id is required for Kling.")
        if element_id and element_id not in known:
            raise ApiError("InvalidParameterValue", f"SubjectInfos.{n}.Id: the subject {element_id} does not exist.")


def check_task_query(limit: int, status: str | None) -> None:
    """DescribeTasks' ``Limit`` (1 to 100) and ``Status`` (a task status, or none)."""
    if not 1 <= limit <= 100:
        raise ApiError("InvalidParameterValue", f"Limit {limit} is not within 1 to 100.")
    if status not in (None, "", "WAITING", "PROCESSING", "FINISH"):
        raise ApiError("InvalidParameterValue", f"Status {status!r} is not valid.")
