"""VOD 2018-07-17 AIGC generation tasks: ``CreateAigcVideoTask``, ``CreateAigcImageTask``, ``DescribeTaskDetail``,
``DescribeTasks`` - the emulator's own reading of the SDK models and the public documents.

Rules (from ``tencentcloud-sdk-python-vod`` 3.1.194 ``models.py`` and 创建 AIGC 生视频任务 / 生图任务):

* ``SessionId``: "最长 50 个字符" (longer: ``InvalidParameterValue.SessionIdTooLong``);
  "如果三天内曾有过相同的识别码的请求, 则本次的请求会返回错误" - refused with
  ``InvalidParameterValue.SessionId`` (errorcodes.py: "去重识别码重复, 请求被去重"); empty: no de-duplication.
* ``SessionContext``: "最长 1000 个字符" (``InvalidParameterValue.SessionContextTooLong``).
* ``Prompt`` / ``NegativePrompt`` of a video: "最大支持1000字符"; ``Prompt`` is required without ``FileInfos``.
* ``TasksPriority``: -10 to 10. ``ModelName`` from the documented list.
* ``SubjectInfos[].Id``: an ElementId; Kling requires it. An id this account never created is a wrong value
  (``InvalidParameterValue``; the document names no dedicated code - our reading).
* ``SubAppId``: when the emulator has ``sub_app_ids`` set, a missing or foreign id is
  ``InvalidParameterValue.SubAppId``.
* 20 requests per second for both creating actions.

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
VIDEO_MODELS = ("Kling", "Vidu", "Hailuo", "Hunyuan", "Mingmou", "GV", "OS", "PixVerse", "Jimeng")
IMAGE_MODELS = ("OG", "GG", "Hunyuan", "Vidu", "Kling", "GEM", "Qwen")
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


def _iso(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_bytes(task_id: str, name: str) -> bytes:
    """The content of an output file: an ``ftyp`` box (so it looks like an MP4) and 64 KiB derived from its name."""
    seed = hashlib.sha256(f"{task_id}/{name}".encode()).digest()
    body = (seed * (65536 // len(seed) + 1))[:65536]
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + body


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
        action = "CreateAigcVideoTask" if video else "CreateAigcImageTask"
        check_params(action, body, VIDEO_PARAMS if video else TASK_PARAMS, "InvalidParameterValue", strict=True)
        self._check_sub_app(body)
        model = body.get("ModelName")
        if not model:
            raise ApiError("MissingParameter", "ModelName is required.")
        if model not in (VIDEO_MODELS if video else IMAGE_MODELS):
            raise ApiError("InvalidParameterValue", f"ModelName {model!r} is not supported.")
        if not body.get("Prompt") and not body.get("FileInfos"):
            raise ApiError("MissingParameter", "Prompt is required when FileInfos is empty.")
        if video:
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
        subjects = body.get("SubjectInfos") or []
        known = {e["ElementId"] for e in self.elements}
        for n, subject in enumerate(subjects):
            if not isinstance(subject, dict):
                raise ApiError("InvalidParameterValue", f"SubjectInfos.{n} must be an object.")
            element_id = subject.get("Id")
            if not element_id and model == "Kling":
                raise ApiError("MissingParameter", f"SubjectInfos.{n}.Id is required for Kling.")
            if element_id and element_id not in known:
                raise ApiError(
                    "InvalidParameterValue", f"SubjectInfos.{n}.Id: the subject {element_id} does not exist."
                )
        with self.lock:
            now = self.emulator.clock()
            if session_id:
                seen = self.sessions.get(session_id)
                if seen is not None and now - seen[1] < SESSION_WINDOW:
                    raise ApiError(
                        "InvalidParameterValue.SessionId",
                        "The SessionId was used within the last three days; the request was deduplicated.",
                    )
            rng = self.emulator._rng
            sub_app = body.get("SubAppId") or 251000000
            task_id = f"{sub_app}-{kind}-{rng.getrandbits(64):016x}"
            failure = self.emulator._next_aigc_failure()
            self.tasks[task_id] = {
                "TaskId": task_id,
                "kind": kind,
                "params": {k: v for k, v in body.items() if k not in ("FileInfos",)},
                "created": now,
                "started": time.monotonic(),
                "duration": float(self.emulator.aigc_duration),
                "failure": failure,
                "RequestId": request_id,
                "polls": 0,
            }
            if session_id:
                self.sessions[session_id] = (task_id, now)
        return {"TaskId": task_id}

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
        return {**detail, task["kind"]: inner}  # the newer task types: sent by their own task only

    def action_DescribeTaskDetail(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("DescribeTaskDetail", body, {"TaskId": "str", "SubAppId": "int"}, "InvalidParameterValue", True)
        if not body.get("TaskId"):
            raise ApiError("MissingParameter", "TaskId is required.")
        with self.lock:
            task = self.tasks.get(body["TaskId"])
            if task is None:
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
