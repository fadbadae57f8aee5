"""The answer shapes of the VOD AIGC task actions: every field the SDK's models declare, in their order.

Per Tencent's API metadata (``api.json``: ``output_required``, ``value_allowed_null``): the older task types of
``DescribeTaskDetail`` are always sent, null when they do not apply (:data:`DETAIL_FIELDS`, :func:`full`); the
newer ones only by their own task (:data:`OWN_TASK_FIELDS`). Inside a task every field is sent and never null:
an empty text, list, object or 0 when it does not apply (:func:`filled` with the ``*_DEFAULTS`` below), except
the few the metadata marks optional (``Seed``, ``ExtInfo``, the subjects' fields), sent only when given.
"""

from __future__ import annotations

from typing import Any

DETAIL_FIELDS = [
    "TaskType",
    "Status",
    "CreateTime",
    "BeginProcessTime",
    "FinishTime",
    "ProcedureTask",
    "EditMediaTask",
    "WechatPublishTask",
    "ComposeMediaTask",
    "SplitMediaTask",
    "WechatMiniProgramPublishTask",
    "PullUploadTask",
    "TranscodeTask",
    "ConcatTask",
    "ClipTask",
    "CreateImageSpriteTask",
    "SnapshotByTimeOffsetTask",
    "RemoveWatermarkTask",
    "RebuildMediaTask",
    "ExtractTraceWatermarkTask",
    "ExtractCopyRightWatermarkTask",
    "ReviewAudioVideoTask",
    "ReduceMediaBitrateTask",
    "DescribeFileAttributesTask",
    "QualityInspectTask",
    "QualityEnhanceTask",
    "ComplexAdaptiveDynamicStreamingTask",
]
#: Task types sent only by a task of that type (left out otherwise: the API metadata says they are not always
#: sent, and never null).
OWN_TASK_FIELDS = [
    "ProcessMediaByMPSTask",
    "AigcImageTask",
    "AigcVideoTask",
    "ImportMediaKnowledge",
    "SceneAigcImageTask",
    "SceneAigcVideoTask",
    "ProcessImageAsyncTask",
    "ExtractBlindWatermarkTask",
    "CreateAigcAdvancedCustomElementTask",
    "CreateAigcCustomVoiceTask",
    "CreateAigcSubjectTask",
    "AigcVideoRedrawTask",
    "AigcAudioTask",
    "CreateAigcAudioCloneTask",
    "DescribeAigcFaceInfoAsyncTask",
    "AigcHunyuan3DTask",
    "DesignVoiceAsyncTask",
    "CloneVoiceAsyncTask",
    "TextToSpeechAsyncTask",
    "VideoDubbingAsyncTask",
    "VideoDepthEstimationTask",
]
TASK_FIELDS = [
    "TaskId",
    "Status",
    "ErrCode",
    "ErrCodeExt",
    "Message",
    "Progress",
    "Input",
    "Output",
    "SessionId",
    "SessionContext",
]
VIDEO_INPUT_DEFAULTS: dict[str, Any] = {
    "ModelName": "",
    "ModelVersion": "",
    "FileInfos": [],
    "SubjectInfos": [],
    "LastFrameFileId": "",
    "LastFrameUrl": "",
    "Prompt": "",
    "NegativePrompt": "",
    "EnhancePrompt": "",
    "GenerationMode": "",
    "OutputConfig": {},
    "InputRegion": "",
    "SceneType": "",
}
IMAGE_INPUT_DEFAULTS: dict[str, Any] = {
    "ModelName": "",
    "ModelVersion": "",
    "FileInfos": [],
    "Prompt": "",
    "NegativePrompt": "",
    "EnhancePrompt": "",
    "GenerationMode": "",
    "OutputConfig": {},
    "SceneType": "",
}
#: Input fields sent only when the request gave them.
INPUT_OPTIONAL = ("Seed", "ExtInfo")
IMAGE_FILE_DEFAULTS: dict[str, Any] = {
    "StorageMode": "Temporary",
    "MediaName": "",
    "ClassId": 0,
    "ExpireTime": "",
    "FileType": "",
    "FileUrl": "",
    "FileId": "",
    "MetaData": {},
}
VIDEO_FILE_DEFAULTS: dict[str, Any] = {
    **{k: v for k, v in IMAGE_FILE_DEFAULTS.items() if k != "MetaData"},
    "FileContent": "",
    "FileId": "",
    "MetaData": {},
    "UsageType": "",
}
USAGE_FIELDS = ["InputTokens", "ThoughtTokens", "InputImageCount", "InputSeconds", "OutputSeconds", "TotalSeconds"]
SUBJECT_FIELDS = ["Id", "Name", "VoiceId", "ImageUrls", "VideoUrls"]


def media_meta(size: int, md5: str, container: str) -> dict[str, Any]:
    """``MetaData`` of an output file: every field sent (no stream is described)."""
    return {
        "Size": size,
        "Container": container,
        "Bitrate": 0,
        "Height": 0,
        "Width": 0,
        "Duration": 0.0,
        "Rotate": 0,
        "VideoStreamSet": [],
        "AudioStreamSet": [],
        "VideoDuration": 0.0,
        "AudioDuration": 0.0,
        "Md5": md5,
    }


def filled(defaults: dict[str, Any], values: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every field of ``defaults`` (its value, else the default), then the ``optional`` ones that have a value."""
    out = {name: default if values.get(name) is None else values[name] for name, default in defaults.items()}
    out.update({name: values[name] for name in optional if values.get(name) is not None})
    return out


def full(fields: list[str], values: dict[str, Any]) -> dict[str, Any]:
    """Every field of ``fields``: its value from ``values``, else null."""
    return {name: values.get(name) for name in fields}
