"""VOD 2018-07-17 AIGC generation tasks: ``CreateAigcVideoTask``, ``CreateAigcImageTask``, ``DescribeTaskDetail``,
``DescribeTasks`` - the emulator's own reading of the SDK models and the public documents.

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
* ``SubAppId``: when the emulator has ``sub_app_ids`` set, a foreign id is ``InvalidParameterValue.SubAppId``.
* 20 requests per second for both creating actions.
* One task at a time per account by default ("默认限制1个并发处理"; ``Emulator.aigc_concurrency``): a task
  created while the account's limit of tasks runs is refused - it ends at once, ``FINISH`` with ``ErrCodeExt``
  ``RequestLimitExceeded`` (the SDK models: "调用超出并发限制") and no file; it generated nothing.
* ``DescribeTaskDetail`` and ``DescribeTasks`` see the tasks of the last three days (72 h) only: an older task is
  answered as unknown (``InvalidParameterValue.TaskId``, "任务 ID 不存在"), and its SessionId is free again.
  ``Emulator.age_aigc_tasks`` moves tasks into the past.
* A repeated SessionId is refused with ``Emulator.aigc_duplicate_code`` (``InvalidParameterValue.SessionId``, or
  ``FailedOperation.TaskDuplicate``); with ``Emulator.aigc_null_while_waiting`` a ``WAITING`` task's
  ``AigcVideoTask``/``AigcImageTask`` member is null.

A task is ``WAITING`` for the first tenth of ``Emulator.aigc_duration`` seconds, then ``PROCESSING`` with a
growing ``Progress``, then ``FINISH`` - with ``ErrCode`` 0 and output files, or (when a failure was queued with
:meth:`Emulator.fail_aigc_tasks`) a non-zero ``ErrCode``, ``ErrCodeExt`` and ``Message`` and no file. The files
are served by the emulator itself (``GET /_emulator/files/<TaskId>/<name>``), so a copy step downloads them.
"""

from __future__ import annotations

import hashlib
import time
from datetime import datetime, timezone
from typing import Any

from airflow_provider_tencent.testing.emulator.backends.aigc_fields import (
    DETAIL_FIELDS,
    IMAGE_FILE_DEFAULTS,
    IMAGE_INPUT_DEFAULTS,
    INPUT_OPTIONAL,
    SUBJECT_FIELDS,
    TASK_FIELDS,
    USAGE_FIELDS,
    VIDEO_FILE_DEFAULTS,
    VIDEO_INPUT_DEFAULTS,
    filled,
    full,
    media_meta,
)
from airflow_provider_tencent.testing.emulator.base import ApiError, check_params

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
#: The members of the nested objects (the gateway refuses an unknown one, UnknownParameter, and a wrong type,
#: InvalidParameter).
_OUTPUT_COMMON = {
    "StorageMode": "str",
    "MediaName": "str",
    "ClassId": "int",
    "ExpireTime": "str",
    "Resolution": "str",
    "AspectRatio": "str",
    "PersonGeneration": "str",
    "InputComplianceCheck": "str",
    "OutputComplianceCheck": "str",
    "LogoAdd": "str",
}
NESTED: dict[str, dict[str, dict[str, str]]] = {
    "CreateAigcVideoTask": {
        "FileInfos": {
            **dict.fromkeys(("Type", "Category", "FileId", "Url", "Base64", "ReferenceType", "ObjectId"), "str"),
            **dict.fromkeys(("VoiceId", "KeepOriginalSound", "Usage", "Text"), "str"),
        },
        "SubjectInfos": {"Id": "str", "Name": "str", "VoiceId": "str", "ImageUrls": "list", "VideoUrls": "list"},
        "OutputConfig": {
            **_OUTPUT_COMMON,
            "Duration": "float",
            **dict.fromkeys(("AudioGeneration", "EnhanceSwitch", "OffPeak", "FrameInterpolate", "EnableBGM"), "str"),
        },
    },
    "CreateAigcImageTask": {
        "FileInfos": dict.fromkeys(("Type", "FileId", "Url", "Base64", "Text", "ReferenceType"), "str"),
        "OutputConfig": {**_OUTPUT_COMMON, "OutputImageCount": "int", "OutputFormat": "str"},
    },
}
TASK_PARAMS = {
    "SubAppId": "int",
    "ModelName": "str",
    "ModelVersion": "str",
    "FileInfos": "list",
    "Prompt": "str",
    "NegativePrompt": "str",
    "EnhancePrompt": "str",
    "OutputConfig": "object",
    "InputRegion": "str",
    "SceneType": "str",
    "Seed": "int",
    "SessionId": "str",
    "SessionContext": "str",
    "TasksPriority": "int",
    "ExtInfo": "str",
}
VIDEO_PARAMS = {
    **TASK_PARAMS,
    "SubjectInfos": "list",
    "LastFrameFileId": "str",
    "LastFrameUrl": "str",
    "Procedure": "str",
}
FILE_PREFIX = "/_emulator/files/"
#: The failure of a task refused for the account's concurrency (ErrCodeExt and Message of the SDK models).
REFUSED = ("RequestLimitExceeded", "调用超出并发限制 (the account's AIGC concurrency limit is in use)")


def check_nested(name: str, value: Any, members: dict[str, str]) -> None:
    """An object (or each object of a list) of the request: only ``members``, each of its type."""
    if value is None:
        return
    items = value if isinstance(value, list) else [value]
    for n, item in enumerate(items):
        where = f"{name}.{n}" if isinstance(value, list) else name
        if not isinstance(item, dict):
            raise ApiError("InvalidParameter", f"{where} must be an object, not {type(item).__name__}.")
        check_params(where, item, members, "InvalidParameter", strict=True)
        for key, kind in members.items():
            if kind == "list" and any(not isinstance(v, str) for v in item.get(key) or []):
                raise ApiError("InvalidParameter", f"{where}.{key} must be a list of strings.")


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


def _iso(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_bytes(task_id: str, name: str) -> bytes:
    """The content of an output file: an ``ftyp`` box (so it looks like an MP4) and 64 KiB derived from its name."""
    seed = hashlib.sha256(f"{task_id}/{name}".encode()).digest()
    body = (seed * (65536 // len(seed) + 1))[:65536]
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + body


def _check_texts(video: bool, body: dict[str, Any]) -> None:
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


class AigcTaskActions:
    """Mixed into the VOD backend: ``self.emulator``, ``self.lock`` and ``self.elements`` come from it."""

    emulator: Any
    elements: list[dict[str, Any]]
    lock: Any

    def _init_tasks(self) -> None:
        self.tasks: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, tuple[str, float]] = {}

    # -- creating ------------------------------------------------------------------------------
    def action_CreateAigcVideoTask(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        return self._create_task("AigcVideoTask", body, request_id)

    def action_CreateAigcImageTask(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        return self._create_task("AigcImageTask", body, request_id)

    def _create_task(self, kind: str, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        video = kind == "AigcVideoTask"
        self._check_request("CreateAigcVideoTask" if video else "CreateAigcImageTask", video, body)
        session_id = body.get("SessionId") or ""
        with self.lock:
            now = self.emulator.clock()
            if session_id:
                seen = self.sessions.get(session_id)
                if seen is not None and now - seen[1] < SESSION_WINDOW:
                    raise ApiError(
                        self.emulator.aigc_duplicate_code,
                        "The SessionId was used within the last three days; the request was deduplicated.",
                    )
            rng = self.emulator._rng
            sub_app = body.get("SubAppId") or 251000000
            task_id = f"{sub_app}-{kind}-{rng.getrandbits(64):016x}"
            refused = self._over_concurrency()
            failure = REFUSED if refused else self.emulator._next_aigc_failure()
            self.tasks[task_id] = {
                "TaskId": task_id,
                "kind": kind,
                "params": {k: v for k, v in body.items() if k not in ("FileInfos",)},
                "created": now,
                "started": time.monotonic(),
                "duration": 0.0 if refused else float(self.emulator.aigc_duration),
                "failure": failure,
                "refused": refused,
                "RequestId": request_id,
                "polls": 0,
            }
            if session_id:
                self.sessions[session_id] = (task_id, now)
        return {"TaskId": task_id}

    def _over_concurrency(self) -> bool:
        """Whether the account already runs as many tasks as ``Emulator.aigc_concurrency`` allows (lock held)."""
        limit = self.emulator.aigc_concurrency
        if limit is None:
            return False
        running = [t for t in self.tasks.values() if not t["refused"] and self._progress(t)[0] != "FINISH"]
        return len(running) >= int(limit)

    def _visible(self, task: dict[str, Any]) -> bool:
        """Whether the service still shows ``task``: created within the last three days."""
        return bool(self.emulator.clock() - task["created"] < SESSION_WINDOW)

    def age_tasks(self, seconds: float) -> None:
        """Move every task and SessionId ``seconds`` into the past (the facade holds the lock)."""
        for task in self.tasks.values():
            task["created"] -= seconds
            task["started"] -= seconds
        self.sessions = {sid: (tid, at - seconds) for sid, (tid, at) in self.sessions.items()}

    def _check_request(self, action: str, video: bool, body: dict[str, Any]) -> None:
        """Every rule of the module docstring that does not depend on earlier requests."""
        check_params(action, body, VIDEO_PARAMS if video else TASK_PARAMS, "InvalidParameterValue", strict=True)
        for name, members in NESTED[action].items():
            check_nested(name, body.get(name), members)
        for name in ("SubAppId", "ModelName", "ModelVersion"):  # required by both documents
            if body.get(name) in (None, ""):
                raise ApiError("MissingParameter", f"{name} is required.")
        self._check_sub_app(body)
        self._check_model(video, body)
        _check_texts(video, body)
        self._check_subjects(body)

    def _check_subjects(self, body: dict[str, Any]) -> None:
        """Each of ``SubjectInfos`` names an existing subject (its Id is required for Kling)."""
        known = {e["ElementId"] for e in self.elements}
        for n, subject in enumerate(body.get("SubjectInfos") or []):
            element_id = subject.get("Id")
            if not element_id and body["ModelName"] == "Kling":
                raise ApiError("MissingParameter", f"SubjectInfos.{n}.Id is required for Kling.")
            if element_id and element_id not in known:
                raise ApiError(
                    "InvalidParameterValue", f"SubjectInfos.{n}.Id: the subject {element_id} does not exist."
                )

    def _check_model(self, video: bool, body: dict[str, Any]) -> None:
        model, version = body["ModelName"], body["ModelVersion"]
        versions = (VIDEO_VERSIONS if video else IMAGE_VERSIONS).get(model)
        if versions is None:
            raise ApiError("InvalidParameterValue", f"ModelName {model!r} is not supported.")
        if version not in versions:
            raise ApiError("InvalidParameterValue", f"ModelVersion {version!r} is not a version of {model}.")
        duration = (body.get("OutputConfig") or {}).get("Duration")
        if video and duration is not None and model in DURATIONS and duration not in DURATIONS[model]:
            raise ApiError("InvalidParameterValue", f"OutputConfig.Duration {duration!r} is not valid for {model}.")

    def _check_sub_app(self, body: dict[str, Any]) -> None:
        allowed = self.emulator.sub_app_ids
        if allowed is not None and body.get("SubAppId") not in allowed:
            raise ApiError("InvalidParameterValue.SubAppId", f"SubAppId {body.get('SubAppId')!r} is not valid.")

    # -- reading -------------------------------------------------------------------------------
    def _progress(self, task: dict[str, Any]) -> tuple[str, int]:
        elapsed = time.monotonic() - task["started"]
        duration = task["duration"]
        if elapsed >= duration:
            return "FINISH", 100
        if elapsed < duration / 10:
            return "WAITING", 0
        return "PROCESSING", min(99, int(100 * elapsed / duration))

    def _detail(self, task: dict[str, Any]) -> dict[str, Any]:
        status, progress = self._progress(task)
        params = task["params"]
        failure = task["failure"]
        failed = status == "FINISH" and failure is not None
        begin = task["created"] + task["duration"] / 10
        finish = task["created"] + task["duration"]
        ext = "mp4" if task["kind"] == "AigcVideoTask" else "png"
        video = task["kind"] == "AigcVideoTask"
        files = []
        if status == "FINISH" and not failed:
            name = f"output-1.{ext}"
            content = file_bytes(task["TaskId"], name)
            info = {
                "StorageMode": "Temporary",
                "FileType": ext,
                "FileUrl": f"{self.emulator.url}{FILE_PREFIX}{task['TaskId']}/{name}",
                "MediaName": name,
                "MetaData": media_meta(len(content), hashlib.md5(content, usedforsecurity=False).hexdigest(), ext),
            }
            files.append(filled(VIDEO_FILE_DEFAULTS if video else IMAGE_FILE_DEFAULTS, info))
        given = {k: v for k, v in params.items() if k != "SubjectInfos"}
        if video and params.get("SubjectInfos"):
            given["SubjectInfos"] = [{k: s[k] for k in SUBJECT_FIELDS if k in s} for s in params["SubjectInfos"]]
        output: dict[str, Any] = {"FileInfos": files}
        if video:
            output.update(ProcedureTaskIds=[], Usage=dict.fromkeys(USAGE_FIELDS, 0))
        inner = full(
            TASK_FIELDS,
            {
                "TaskId": task["TaskId"],
                "Status": "FINISH" if status == "FINISH" else "PROCESSING",
                "ErrCode": 70000 if failed else 0,
                "ErrCodeExt": failure[0] if failed else "",
                "Message": failure[1] if failed else "",
                "Progress": progress,
                "Input": filled(VIDEO_INPUT_DEFAULTS if video else IMAGE_INPUT_DEFAULTS, given, INPUT_OPTIONAL),
                "Output": output,
                "SessionId": params.get("SessionId", ""),
                "SessionContext": params.get("SessionContext", ""),
            },
        )
        null_member = status == "WAITING" and self.emulator.aigc_null_while_waiting
        detail = full(
            DETAIL_FIELDS,
            {
                "TaskType": task["kind"],
                "Status": status,
                "CreateTime": _iso(task["created"]),
                "BeginProcessTime": _iso(begin) if status != "WAITING" else "",
                "FinishTime": _iso(finish) if status == "FINISH" else "",
            },
        )
        # The newer task types are sent by their own task only.
        return {**detail, task["kind"]: None if null_member else inner}

    def action_DescribeTaskDetail(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("DescribeTaskDetail", body, {"TaskId": "str", "SubAppId": "int"}, "InvalidParameterValue", True)
        if not body.get("TaskId"):
            raise ApiError("MissingParameter", "TaskId is required.")
        with self.lock:
            task = self.tasks.get(body["TaskId"])
            if task is None or not self._visible(task):
                raise ApiError("InvalidParameterValue.TaskId", f"The task {body['TaskId']!r} does not exist.")
            task["polls"] += 1
            return self._detail(task)

    def action_DescribeTasks(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        types = {
            "SubAppId": "int",
            "Status": "str",
            "FileId": "str",
            "CreateTime": "object",
            "FinishTime": "object",
            "Sort": "object",
            "Limit": "int",
            "ScrollToken": "str",
        }
        check_params("DescribeTasks", body, types, "InvalidParameterValue", True)
        limit = body.get("Limit") or 10
        if not 1 <= limit <= 100:
            raise ApiError("InvalidParameterValue", f"Limit {limit} is not within 1 to 100.")
        status = body.get("Status")
        if status not in (None, "", "WAITING", "PROCESSING", "FINISH"):
            raise ApiError("InvalidParameterValue", f"Status {status!r} is not valid.")
        with self.lock:
            rows = []
            for task in sorted(self.tasks.values(), key=lambda t: t["created"], reverse=True):
                if not self._visible(task):
                    continue
                detail = self._detail(task)
                if status and detail["Status"] != status:
                    continue
                rows.append(
                    {
                        "TaskId": task["TaskId"],
                        "Status": detail["Status"],
                        "FileId": "",
                        "TaskType": task["kind"],
                        "CreateTime": detail["CreateTime"],
                        "BeginProcessTime": detail["BeginProcessTime"],
                        "FinishTime": detail["FinishTime"],
                        "SessionId": task["params"].get("SessionId", ""),
                        "SessionContext": task["params"].get("SessionContext", ""),
                    }
                )
        start = int(body.get("ScrollToken") or 0)
        page = rows[start : start + limit]
        more = start + limit < len(rows)
        return {"TaskSet": page, "ScrollToken": str(start + limit) if more else ""}

    def output_file(self, path: str) -> bytes | None:
        """The bytes of ``/_emulator/files/<TaskId>/<name>`` when that task finished and produced it."""
        rest = path[len(FILE_PREFIX) :]
        task_id, _, name = rest.partition("/")
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None or task["failure"] is not None or self._progress(task)[0] != "FINISH":
                return None
        if not name.startswith("output-"):
            return None
        return file_bytes(task_id, name)
