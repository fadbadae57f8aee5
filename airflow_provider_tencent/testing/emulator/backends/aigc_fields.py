"""The answer shapes of the VOD AIGC task actions: every field the SDK's models declare, in their order.

The service sends the fields that do not apply as null (other task types, usage, metadata...), so the
emulator answers each of these lists in full (:func:`full`), which the SDK check of the test suite reads back.
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
VIDEO_INPUT_FIELDS = [
    "ModelName",
    "ModelVersion",
    "FileInfos",
    "SubjectInfos",
    "LastFrameFileId",
    "LastFrameUrl",
    "Prompt",
    "NegativePrompt",
    "EnhancePrompt",
    "GenerationMode",
    "OutputConfig",
    "InputRegion",
    "SceneType",
    "Seed",
    "ExtInfo",
]
IMAGE_INPUT_FIELDS = [
    "ModelName",
    "ModelVersion",
    "FileInfos",
    "Prompt",
    "NegativePrompt",
    "EnhancePrompt",
    "GenerationMode",
    "OutputConfig",
    "Seed",
    "SceneType",
    "ExtInfo",
]
VIDEO_FILE_FIELDS = [
    "StorageMode",
    "MediaName",
    "ClassId",
    "ExpireTime",
    "FileType",
    "FileUrl",
    "FileContent",
    "FileId",
    "MetaData",
    "UsageType",
]
IMAGE_FILE_FIELDS = ["StorageMode", "MediaName", "ClassId", "ExpireTime", "FileType", "FileUrl", "FileId", "MetaData"]
SUBJECT_FIELDS = ["Id", "Name", "VoiceId", "ImageUrls", "VideoUrls"]


def full(fields: list[str], values: dict[str, Any]) -> dict[str, Any]:
    """Every field of ``fields``: its value from ``values``, else null."""
    return {name: values.get(name) for name in fields}
