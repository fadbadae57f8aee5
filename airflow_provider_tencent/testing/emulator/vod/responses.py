"""VOD 2018-07-17, the API front: each action's parameter types (the SDK's request models, nested objects
included), the call into :mod:`.models`, and the answer's shape (:mod:`.aigc_fields`). No state lives here."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from airflow_provider_tencent.testing.emulator.core import ApiError, Responses, check_params
from airflow_provider_tencent.testing.emulator.vod import models
from airflow_provider_tencent.testing.emulator.vod.aigc_fields import (
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

ELEMENT_PARAMS = {
    "ElementName": "str",
    "ElementDescription": "str",
    "ElementFrontalImage": "str",
    "ElementReferList": "list",
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
DETAIL_PARAMS = {"TaskId": "str", "SubAppId": "int"}
LIST_PARAMS = {
    "SubAppId": "int",
    "Status": "str",
    "FileId": "str",
    "CreateTime": "object",
    "FinishTime": "object",
    "Sort": "object",
    "Limit": "int",
    "ScrollToken": "str",
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


def iso_time(ts: float | None) -> str:
    if ts is None:
        return ""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def task_times(task: dict[str, Any], status: str) -> dict[str, str]:
    """CreateTime, BeginProcessTime (once it left WAITING) and FinishTime (once FINISH) of a task."""
    begin = task["created"] + task["duration"] / 10
    finish = task["created"] + task["duration"]
    return {
        "CreateTime": iso_time(task["created"]),
        "BeginProcessTime": iso_time(begin) if status != "WAITING" else "",
        "FinishTime": iso_time(finish) if status == "FINISH" else "",
    }


def file_info(video: bool, output: models.OutputFile) -> dict[str, Any]:
    """An output file's ``FileInfos`` item, every field the SDK declares."""
    info = {
        "StorageMode": "Temporary",
        "FileType": output.file_type,
        "FileUrl": output.url,
        "MediaName": output.name,
        "MetaData": media_meta(len(output.content), output.md5, output.file_type),
    }
    return filled(VIDEO_FILE_DEFAULTS if video else IMAGE_FILE_DEFAULTS, info)


def task_member(task: dict[str, Any], status: str, progress: int, files: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``AigcVideoTask`` / ``AigcImageTask`` member of a task's detail."""
    params, failure = task["params"], task["failure"]
    video = task["kind"] == "AigcVideoTask"
    failed = status == "FINISH" and failure is not None
    given = {k: v for k, v in params.items() if k != "SubjectInfos"}
    if video and params.get("SubjectInfos"):
        given["SubjectInfos"] = [{k: s[k] for k in SUBJECT_FIELDS if k in s} for s in params["SubjectInfos"]]
    output: dict[str, Any] = {"FileInfos": files}
    if video:
        output.update(ProcedureTaskIds=[], Usage=dict.fromkeys(USAGE_FIELDS, 0))
    return full(
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


class VodResponses(Responses):
    """VOD's actions: AIGC subjects and generation tasks."""

    backend: models.VodBackend
    service = models.SERVICE
    version = models.VERSION
    quotas = models.QUOTAS

    def action_CreateAigcCustomElement(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("CreateAigcCustomElement", params, ELEMENT_PARAMS, "InvalidParameterValue", strict=True)
        return {"ElementId": self.backend.create_element(params, request_id)}

    def action_CreateAigcVideoTask(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        return self._create_task("CreateAigcVideoTask", VIDEO_PARAMS, params, request_id)

    def action_CreateAigcImageTask(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        return self._create_task("CreateAigcImageTask", TASK_PARAMS, params, request_id)

    def _create_task(
        self, action: str, types: dict[str, str], params: dict[str, Any], request_id: str
    ) -> dict[str, Any]:
        check_params(action, params, types, "InvalidParameterValue", strict=True)
        for name, members in NESTED[action].items():
            check_nested(name, params.get(name), members)
        kind = "AigcVideoTask" if action == "CreateAigcVideoTask" else "AigcImageTask"
        return {"TaskId": self.backend.create_task(kind, params, request_id)}

    def action_DescribeTaskDetail(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("DescribeTaskDetail", params, DETAIL_PARAMS, "InvalidParameterValue", True)
        return self.detail(self.backend.poll_task(params.get("TaskId")))

    def detail(self, task: dict[str, Any]) -> dict[str, Any]:
        """DescribeTaskDetail's answer: the older task types null, the task's own member (null while WAITING when
        the ``aigc_null_while_waiting`` setting says so); the newer task types are sent by their own task only."""
        status, progress = self.backend.progress(task)
        video = task["kind"] == "AigcVideoTask"
        files = [file_info(video, output) for output in self.backend.outputs(task)]
        null_member = status == "WAITING" and self.backend.settings.aigc_null_while_waiting
        member = None if null_member else task_member(task, status, progress, files)
        detail = full(DETAIL_FIELDS, {"TaskType": task["kind"], "Status": status, **task_times(task, status)})
        return {**detail, task["kind"]: member}

    def action_DescribeTasks(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("DescribeTasks", params, LIST_PARAMS, "InvalidParameterValue", True)
        limit = params.get("Limit") or 10
        rows = [
            {
                "TaskId": task["TaskId"],
                "Status": status,
                "FileId": "",
                "TaskType": task["kind"],
                **task_times(task, status),
                "SessionId": task["params"].get("SessionId", ""),
                "SessionContext": task["params"].get("SessionContext", ""),
            }
            for task, status in self.backend.list_tasks(params.get("Status"), limit)
        ]
        start = int(params.get("ScrollToken") or 0)
        more = start + limit < len(rows)
        return {"TaskSet": rows[start : start + limit], "ScrollToken": str(start + limit) if more else ""}
