"""Tencent Cloud VOD, API version 2018-07-17: ``CreateAigcCustomElement``.

The CreateAigcCustomElement API reference (English edition). It lists no business
error codes: only the common ones apply (:mod:`.common`).

But the service answers codes of its own (``errorcodes.py`` of ``tencentcloud-sdk-python-vod``,
listed per service, not per action). They are decided here, in :data:`SERVICE_ERRORS`, with one
question in mind: was a subject created? ``BAD_INPUT``, ``ACCOUNT``, ``THROTTLED`` and
``CONFLICT`` say "nothing was created" (answered before the work: parameters, account state,
permissions, quotas); ``TRANSIENT`` and ``UNKNOWN`` say "a subject may have been created"
(:attr:`airflow_provider_tencent.exceptions.TencentCloudAPIError.ambiguous`).

Rule for the 190 ``InvalidParameter.*`` / ``InvalidParameterValue.*`` codes (transcoding
templates, watermarks, domains... most name parameters CreateAigcCustomElement does not have):
decided by their family, in :data:`FAMILY_DECISIONS` - bad input, nothing created. Every code of
any other family is listed here one by one.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_tencent.contracts.errors import ErrorKind, ErrorSpec
from airflow_provider_tencent.contracts.model import MB, ApiContract, FieldSpec, ImageRules

SERVICE = "vod"
VERSION = "2018-07-17"
HOST = "vod.tencentcloudapi.com"

MIN_REFERENCES = 1
MAX_REFERENCES = 3

IMAGE_RULES = ImageRules(
    formats=("jpeg", "png"),
    max_bytes=10 * MB,
    min_side=300,
    min_aspect=1 / 2.5,
    max_aspect=2.5,
    source="the CreateAigcCustomElement API reference: .jpg, .jpeg, and .png; "
    "must not exceed 10MB; not less than 300px; between 1:2.5 and 2.5:1",
)

REFERENCE = "the CreateAigcCustomElement API reference"

_E = ErrorSpec
_K = ErrorKind
_OPEN = "activate VOD (云点播) for this account in the Tencent Cloud console"
_ACCOUNT = "the VOD account is suspended or abnormal (arrears?): restore it in the console"
_QUOTA = "a VOD quota of the account is used up: free some, or ask Tencent Cloud to raise it"

#: Families decided as a whole (bad input: answered before anything is created). No entry of
#: :data:`SERVICE_ERRORS` may belong to one of them.
FAMILY_DECISIONS: dict[str, ErrorKind] = {"InvalidParameter": _K.BAD_INPUT, "InvalidParameterValue": _K.BAD_INPUT}

SERVICE_ERRORS: tuple[ErrorSpec, ...] = (
    _E("AuthFailure", _K.ACCOUNT, "CAM签名/鉴权错误 (signature or CAM failure).", "check the connection's keys"),
    _E("FailedOperation.ClassLevelLimitExceeded", _K.BAD_INPUT, "超过分类层数限制 (classes; not our action)."),
    _E("FailedOperation.ClassNameDuplicate", _K.BAD_INPUT, "分类名称重复 (classes; not our action)."),
    _E("FailedOperation.ClassNoFound", _K.BAD_INPUT, "分类不存在 (classes; not our action)."),
    _E("FailedOperation.CoverType", _K.BAD_INPUT, "不支持的封面类型 (covers; not our action)."),
    _E("FailedOperation.DBError", _K.TRANSIENT, "数据库操作失败 (database failure: may have been created)."),
    _E("FailedOperation.DomainDeploying", _K.BAD_INPUT, "域名部署中 (domains; not our action)."),
    _E("FailedOperation.InvalidAccount", _K.ACCOUNT, "用户账户异常 (the account is abnormal).", _ACCOUNT),
    _E("FailedOperation.InvalidVodUser", _K.ACCOUNT, "没有开通点播业务 (VOD is not activated).", _OPEN),
    _E("FailedOperation.MediaForbidedBySystem", _K.BAD_INPUT, "媒体被系统封禁 (media banned by the system)."),
    _E("FailedOperation.MediaType", _K.BAD_INPUT, "不支持的媒体类型 (unsupported media type)."),
    _E("FailedOperation.NetWorkError", _K.TRANSIENT, "网络错误 (network error: may have been created)."),
    _E("FailedOperation.NoNeedToReduceMediaBitrate", _K.BAD_INPUT, "无需做降码率处理 (not our action)."),
    _E(
        "FailedOperation.NoPrivileges",
        _K.ACCOUNT,
        "没有开通该接口使用权限 (this API is not enabled for the account).",
        "ask Tencent Cloud to enable CreateAigcCustomElement (AIGC) for this account",
    ),
    _E("FailedOperation.ParentIdNoFound", _K.BAD_INPUT, "父类 ID 不存在 (classes; not our action)."),
    _E("FailedOperation.SubclassLimitExceeded", _K.BAD_INPUT, "子类数量超过限制 (classes; not our action)."),
    _E("FailedOperation.TaskDuplicate", _K.CONFLICT, "任务重复 (duplicate task: nothing new created)."),
    _E("FailedOperation.UploadCosFail", _K.TRANSIENT, "上传文件到 cos 失败 (storage failure: may have been created)."),
    _E("FailedOperation.UserStatusInavlid", _K.ACCOUNT, "用户已经停服 (the VOD service is stopped).", _ACCOUNT),
    _E("InternalError.DBError", _K.TRANSIENT, "内部错误,访问DB失败 (may have been created)."),
    _E("InternalError.GenDefinition", _K.TRANSIENT, "生成模板 ID 失败 (templates; may have been created)."),
    _E("InternalError.GetFileInfoError", _K.TRANSIENT, "获取媒体文件信息错误 (may have been created)."),
    _E("InternalError.GetMediaListError", _K.TRANSIENT, "获取媒体列表错误 (may have been created)."),
    _E("InternalError.TimeParseError", _K.TRANSIENT, "时间解析错误 (may have been created)."),
    _E("InternalError.UpdateMediaError", _K.TRANSIENT, "更新媒体文件信息错误 (may have been created)."),
    _E("InternalError.UploadCoverImageError", _K.TRANSIENT, "上传封面图片错误 (may have been created)."),
    _E("InternalError.UploadWatermarkError", _K.TRANSIENT, "上传水印图片失败 (may have been created)."),
    _E("LimitExceeded.KeyFrameDescCountReachMax", _K.BAD_INPUT, "打点信息个数超过限制 (not our action)."),
    _E("LimitExceeded.PlayList", _K.BAD_INPUT, "播放列表长度太大 (not our action)."),
    _E("LimitExceeded.Quota", _K.ACCOUNT, "超出配额限制 (a quota of the account is used up).", _QUOTA),
    _E("LimitExceeded.RoundPlaylist", _K.BAD_INPUT, "播单列表长度超过上限 (not our action)."),
    _E("LimitExceeded.RoundPlays", _K.ACCOUNT, "超过播单总数限制 (a quota; not our action).", _QUOTA),
    _E("LimitExceeded.RunningRoundPlays", _K.ACCOUNT, "运行中的播单超过最大数量 (a quota; not our action).", _QUOTA),
    _E("LimitExceeded.TagCountReachMax", _K.BAD_INPUT, "标签个数超过限制 (not our action)."),
    _E("LimitExceeded.TooMuchTemplate", _K.ACCOUNT, "模板数超过上限 100 个 (a quota; not our action).", _QUOTA),
    _E("ResourceNotFound.CoverUrl", _K.BAD_INPUT, "封面不存在 (cover not found)."),
    _E("ResourceNotFound.FileNotExist", _K.BAD_INPUT, "文件不存在 (file not found)."),
    _E("ResourceNotFound.Person", _K.BAD_INPUT, "人物不存在 (not our action)."),
    _E("ResourceNotFound.ServiceNotExist", _K.ACCOUNT, "没有开通服务 (the service is not activated).", _OPEN),
    _E("ResourceNotFound.TemplateNotExist", _K.BAD_INPUT, "模板不存在 (not our action)."),
    _E("ResourceNotFound.UserNotExist", _K.ACCOUNT, "用户不存在 (the VOD user does not exist).", _OPEN),
    _E("ResourceNotFound.Word", _K.BAD_INPUT, "关键词不存在 (not our action)."),
    _E("ResourceUnavailable.MasterPlaylist", _K.BAD_INPUT, "不支持MasterPlaylist的M3u8 (not our action)."),
    _E(
        "UnauthorizedOperation.DomainRecordNotVerified",
        _K.ACCOUNT,
        "域名解析验证失败 (domain not verified; not our action).",
        "verify the domain in the VOD console",
    ),
    _E("UnsupportedOperation.ClassNotEmpty", _K.BAD_INPUT, "不支持删除非空分类 (not our action)."),
)

CREATE_AIGC_CUSTOM_ELEMENT = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="CreateAigcCustomElement",
    host=HOST,
    qps=20,
    qps_source=f"{REFERENCE}: A maximum of 20 requests can be initiated per second",
    service_errors=SERVICE_ERRORS,
    source="the CreateAigcCustomElement API reference (VOD, API 2018-07-17)",
    promises=("ElementId",),
    image_rules=IMAGE_RULES,
    fields=(
        FieldSpec(
            "ElementName",
            "element_name",
            "String",
            True,
            "Subject name.",
            max_chars=20,
            limit_source=f"{REFERENCE}: cannot exceed 20 characters",
        ),
        FieldSpec(
            "ElementDescription",
            "element_description",
            "String",
            True,
            "Subject description.",
            max_chars=100,
            limit_source=f"{REFERENCE}: Up to 100 characters",
        ),
        FieldSpec(
            "ElementFrontalImage",
            "element_frontal_image",
            "String",
            True,
            "URL of the subject's front image: jpg, jpeg or png, at most 10 MB, width and height at least "
            "300 px, aspect ratio between 1:2.5 and 2.5:1.",
        ),
        FieldSpec(
            "ElementReferList",
            "element_refer_list",
            "Array of ElementReferInfo",
            True,
            "Reference images of the subject from other angles, as [{ImageUrl}], 1 to 3 items.",
            members=(FieldSpec("ImageUrl", "ImageUrl", "String", True, "URL of one reference picture."),),
            min_items=MIN_REFERENCES,
            max_items=MAX_REFERENCES,
            limit_source=f"{REFERENCE}: at least 1 reference image, up to 3",
        ),
    ),
)


# -- AIGC generation tasks: CreateAigcVideoTask, CreateAigcImageTask, DescribeTaskDetail, DescribeTasks --
#
# Source: the official SDK's models (tencentcloud-sdk-python-vod 3.1.194, ``vod/v20180717/models.py``:
# ``CreateAigcVideoTaskRequest``, ``AigcVideoTaskInput``, ``CreateAigcImageTaskRequest``, ``DescribeTaskDetail*``,
# ``DescribeTasks*``) and the public documents 创建 AIGC 生视频任务 (cloud.tencent.com/document/api/266/126239) and
# 创建 AIGC 生图任务 (/266/126240): "默认接口请求频率限制:20次/秒" for both.

SDK_MODELS = "SDK models (tencentcloud-sdk-python-vod 3.1.194, vod/v20180717/models.py)"
VIDEO_DOC = "创建 AIGC 生视频任务 (cloud.tencent.com/document/api/266/126239)"
IMAGE_DOC = "创建 AIGC 生图任务 (cloud.tencent.com/document/api/266/126240)"

SESSION_ID_MAX = 50
SESSION_CONTEXT_MAX = 1000
VIDEO_PROMPT_MAX = 1000

#: The refusal of a repeated SessionId: errorcodes.py "去重识别码重复, 请求被去重" (the request was deduplicated).
#: For us it means "already submitted": the operator then finds the task (stored TaskId, or DescribeTasks).
SESSION_DUPLICATE = "InvalidParameterValue.SessionId"

#: Every answer that means "this SessionId was submitted before": the documented refusal, and
#: ``FailedOperation.TaskDuplicate`` (errorcodes.py "操作失败:任务重复"), which the service may answer instead.
SESSION_DUPLICATE_CODES = (SESSION_DUPLICATE, "FailedOperation.TaskDuplicate")
#: DescribeTaskDetail of a TaskId the service does not know (errorcodes.py "任务 ID 不存在"): never created,
#: or older than :data:`TASK_VISIBLE_SECONDS`.
TASK_NOT_FOUND = "InvalidParameterValue.TaskId"
#: DescribeTaskDetail and DescribeTasks see the tasks submitted in the last three days (72 hours) only (their
#: public documents); the SessionId window is three days too. A wait cannot usefully be longer.
TASK_VISIBLE_SECONDS = 3 * 24 * 3600
#: ``ErrCodeExt`` of a task the service refused before generating anything: the account's AIGC concurrency
#: (默认限制1个并发处理 - one task at a time by default) was in use. Nothing was generated, so the operator
#: submits again (a new SessionId) after a pause, within its ``timeout``.
TASK_ERR_RESUBMIT = frozenset({"RequestLimitExceeded"})

AIGC_TASK_ERRORS: tuple[ErrorSpec, ...] = (
    _E(
        SESSION_DUPLICATE,
        _K.CONFLICT,
        "去重识别码重复, 请求被去重 (the SessionId was used within three days: a task exists already).",
    ),
)

_ENABLED = ("Enabled", "Disabled")
API_JSON = "the API metadata (tccli 3.1.189.1, services/vod/v20180717/api.json)"

#: ``ModelVersion`` per ``ModelName`` of CreateAigcVideoTask: the document's "当 ModelName 是 X, 可选值为 ...";
#: the keys are the ``ModelName`` values it lists.
VIDEO_MODEL_VERSIONS: dict[str, tuple[str, ...]] = {
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
#: ``ModelVersion`` per ``ModelName`` of CreateAigcImageTask (``ModelName`` lists OG, GG, Hunyuan, Vidu,
#: Kling; ``ModelVersion`` adds Mingmou).
IMAGE_MODEL_VERSIONS: dict[str, tuple[str, ...]] = {
    "OG": ("image2_low", "image2_medium", "image2_high"),
    "GG": ("2.5", "3.0", "3.1", "3.1-lite"),
    "Hunyuan": ("3.0", "3d_2.0", "3.5-preview"),
    "Vidu": ("q2",),
    "Kling": ("2.1", "3.0", "3.0-Omni", "O1", "scene"),
    "Mingmou": ("1.0",),
}
_VERSIONS_SOURCE = f"{API_JSON}, ModelVersion: 当 ModelName 是 X, 可选值为 ... (per model)"

#: ``OutputConfig.Duration`` (seconds) per video model, where the document gives the values (Hailuo: per
#: version, not checked): "Kling 可选值为3-15; Vidu 可指定1-10; GV 可选值为 8; OS 可选值为 4、8、12;
#: PixVerse 可指定1-15".
VIDEO_DURATIONS: dict[str, tuple[object, ...]] = {
    "Kling": tuple(range(3, 16)),
    "Vidu": tuple(range(1, 11)),
    "GV": (8,),
    "OS": (4, 8, 12),
    "PixVerse": tuple(range(1, 16)),
}

#: A last frame needs a first frame: "指定该参数时, 须同时通过 FileInfos 指定首帧画面" (LastFrameUrl,
#: LastFrameFileId); "可以单独传首帧, 不能单独传尾帧" (FileInfos). A FileInfos item without ``Usage`` is a first
#: frame ("默认是FirstFrame").
LAST_FRAME_FIELDS = ("LastFrameUrl", "LastFrameFileId")
LAST_FRAME_SOURCE = f"{API_JSON}, LastFrameUrl: 指定该参数时, 须同时通过 FileInfos 指定首帧画面"
#: The fields of a FileInfos item that carry the file (one is needed: "当 Type 取值为 Url 时, 本参数有效"...).
FILE_SOURCES = ("FileId", "Url", "Base64")


def _s(name: str, description: str = "", **limits: Any) -> FieldSpec:
    """A nested String member (its ``arg`` is its API name)."""
    return FieldSpec(name, name, "String", False, description, **limits)


def _switch(name: str) -> FieldSpec:
    return _s(name, "Enabled or Disabled.", choices=_ENABLED, limit_source=f"{API_JSON}, {name}: Enabled; Disabled")


_FILE_TYPE = _s(
    "Type", "File, Url or Base64.", choices=("File", "Url", "Base64"), limit_source=f"{API_JSON}: File; Url; Base64"
)
VIDEO_FILE_INFO = (
    _FILE_TYPE,
    _s("Category", "Image, Video or Audio.", choices=("Image", "Video", "Audio"), limit_source=f"{API_JSON}"),
    _s("FileId", "A VOD media file (Type File)."),
    _s("Url", "A URL the service downloads (Type Url)."),
    _s("Base64", "The file itself, base64 (Type Base64)."),
    _s("ReferenceType", "GV: asset/style; Kling video: feature/base; PixVerse: subject/background."),
    _s("ObjectId", "Vidu subject id."),
    _s("VoiceId", "Vidu q2 voice id."),
    _switch("KeepOriginalSound"),
    _s(
        "Usage",
        "FirstFrame (default), Reference or LastFrame.",
        choices=("FirstFrame", "Reference", "LastFrame"),
        limit_source=f"{API_JSON}, Usage: FirstFrame; Reference; LastFrame",
    ),
    _s("Text", "PixVerse: the picture's name in the Prompt."),
)
IMAGE_FILE_INFO = (
    _FILE_TYPE,
    _s("FileId", "A VOD media file (Type File)."),
    _s("Url", "A URL the service downloads (Type Url)."),
    _s("Base64", "The picture itself, base64 (Type Base64)."),
    _s("Text", "Description of the picture (GEM 2.5, 3.0)."),
    _s("ReferenceType", "OG only: mask.", choices=("mask",), limit_source=f"{API_JSON}, ReferenceType: mask"),
)
SUBJECT_INFO = (
    _s("Id", "The subject's ElementId (required for Kling)."),
    _s("Name", "Subject name (required for Vidu)."),
    _s("VoiceId", "Vidu only: voice id."),
    FieldSpec(
        "ImageUrls",
        "ImageUrls",
        "Array of String",
        False,
        "Vidu only: temporary subject pictures.",
        max_items=3,
        limit_source=f"{API_JSON}, ImageUrls: 最多3张图片",
    ),
    FieldSpec(
        "VideoUrls",
        "VideoUrls",
        "Array of String",
        False,
        "Vidu only: a temporary subject video.",
        max_items=1,
        limit_source=f"{API_JSON}, VideoUrls: 最多1个5秒视频",
    ),
)
_STORAGE = _s(
    "StorageMode",
    "Temporary (default) or Permanent.",
    choices=("Temporary", "Permanent"),
    limit_source=f"{API_JSON}, StorageMode: Temporary; Permanent",
)
_MEDIA_NAME = _s("MediaName", "Output file name.", max_chars=64, limit_source=f"{API_JSON}: 最长 64 个字符")
_CLASS_ID = FieldSpec("ClassId", "ClassId", "Integer", False, "VOD class id (0: other).")
_PERSON = _s(
    "PersonGeneration",
    "AllowAdult or Disallowed.",
    choices=("AllowAdult", "Disallowed"),
    limit_source=f"{API_JSON}: AllowAdult; Disallowed",
)
VIDEO_OUTPUT_CONFIG = (
    _STORAGE,
    _MEDIA_NAME,
    _CLASS_ID,
    _s("ExpireTime", "ISO 8601 expiry of the output file."),
    FieldSpec(
        "Duration",
        "Duration",
        "Float",
        False,
        "Seconds of video, per model.",
        model_choices=tuple(VIDEO_DURATIONS.items()),
        limit_source=f"{API_JSON}, Duration: per ModelName",
    ),
    _s("Resolution", "Per model: 720P, 1080P..."),
    _s("AspectRatio", "Per model: 16:9, 9:16, 1:1..."),
    _switch("AudioGeneration"),
    _PERSON,
    _switch("InputComplianceCheck"),
    _switch("OutputComplianceCheck"),
    _switch("EnhanceSwitch"),
    _switch("OffPeak"),
    _switch("FrameInterpolate"),
    _switch("LogoAdd"),
    _switch("EnableBGM"),
)
IMAGE_OUTPUT_CONFIG = (
    _STORAGE,
    _MEDIA_NAME,
    _CLASS_ID,
    _s("ExpireTime", "ISO 8601 expiry of the output file."),
    _s("Resolution", "Per model: 1K, 2K, 4K..."),
    _s("AspectRatio", "Per model: 1:1, 16:9..."),
    _PERSON,
    _switch("InputComplianceCheck"),
    _switch("OutputComplianceCheck"),
    FieldSpec(
        "OutputImageCount",
        "OutputImageCount",
        "Integer",
        False,
        "Pictures to make: Kling 1-9, OG 1-8 (other models: ignored).",
        model_choices=(("Kling", tuple(range(1, 10))), ("OG", tuple(range(1, 9)))),
        limit_source=f"{API_JSON}, OutputImageCount: Kling 可选值 1-9; OG 可选值1-8",
    ),
    _s("OutputFormat", "jpeg or png.", choices=("jpeg", "png"), limit_source=f"{API_JSON}, OutputFormat: jpeg; png"),
    _switch("LogoAdd"),
)


_SUB_APP_ID = FieldSpec(
    "SubAppId",
    "sub_app_id",
    "Integer",
    True,
    "VOD application id; required (the document: from 2023-12-25 on, accounts must give it).",
    required_hint="set the operator's sub_app_id or the connection extra sub_app_id (the VOD application id)",
)
"""The VOD application id both generation actions require."""

_TASK_OPTIONS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "EnhancePrompt",
        "enhance_prompt",
        "String",
        False,
        "Enabled or Disabled.",
        choices=_ENABLED,
        limit_source=f"{SDK_MODELS}: 取值有 Enabled: 开启; Disabled: 关闭",
    ),
    FieldSpec(
        "InputRegion",
        "input_region",
        "String",
        False,
        "Mainland (default), Oversea or OverseaUSWest.",
        choices=("Mainland", "Oversea", "OverseaUSWest"),
        limit_source=f"{SDK_MODELS}: Oversea; OverseaUSWest; Mainland",
    ),
    FieldSpec("SceneType", "scene_type", "String", False, "Scene type (model specific)."),
    FieldSpec("Seed", "seed", "Integer", False, "Model random seed."),
    FieldSpec(
        "SessionId",
        "session_id",
        "String",
        False,
        "De-duplication key: a repeat within three days is refused (InvalidParameterValue.SessionId).",
        max_chars=SESSION_ID_MAX,
        limit_source=f"{SDK_MODELS}, SessionId: 最长 50 个字符; 三天内曾有过相同的识别码的请求, 则本次的请求会返回错误",
    ),
    FieldSpec(
        "SessionContext",
        "session_context",
        "String",
        False,
        "Caller context passed through to callbacks and DescribeTasks.",
        max_chars=SESSION_CONTEXT_MAX,
        limit_source=f"{SDK_MODELS}, SessionContext: 最长 1000 个字符",
    ),
    FieldSpec(
        "TasksPriority",
        "tasks_priority",
        "Integer",
        False,
        "Priority, -10 to 10 (0 when absent).",
        min_value=-10,
        max_value=10,
        limit_source=f"{SDK_MODELS}: 取值范围是 -10 到 10",
    ),
    FieldSpec("ExtInfo", "ext_info", "String", False, "Reserved; model-specific parameters."),
)
"""The optional fields both generation actions share, after the model: prompt enhancement, region, scene,
seed, session, priority, extra information."""


def _model_fields(versions: dict[str, tuple[str, ...]]) -> tuple[FieldSpec, FieldSpec]:
    """ModelName and ModelVersion, both required, with the choices of ``versions`` (model name: its versions)."""
    return (
        FieldSpec(
            "ModelName",
            "model_name",
            "String",
            True,
            "Model name (Kling for subjects with an ElementId).",
            choices=tuple(versions),
            limit_source=f"{API_JSON}, ModelName: 取值 ...",
        ),
        FieldSpec(
            "ModelVersion",
            "model_version",
            "String",
            True,
            "Model version, per model (the document lists them; there is no default).",
            model_choices=tuple(versions.items()),
            limit_source=_VERSIONS_SOURCE,
            required_hint="the API has no default version: choose one of the model's versions",
        ),
    )


def _task_common(versions: dict[str, tuple[str, ...]]) -> tuple[FieldSpec, ...]:
    """The fields both generation actions share, in this order: SubAppId, ModelName and ModelVersion (whose
    choices ``versions`` gives), then the shared options (:data:`_TASK_OPTIONS`)."""
    return (_SUB_APP_ID, *_model_fields(versions), *_TASK_OPTIONS)


CREATE_AIGC_VIDEO_TASK = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="CreateAigcVideoTask",
    host=HOST,
    qps=20,
    qps_source=f"{VIDEO_DOC}: 默认接口请求频率限制:20次/秒",
    errors=AIGC_TASK_ERRORS,
    service_errors=SERVICE_ERRORS,
    promises=("TaskId",),
    source=f"{SDK_MODELS} CreateAigcVideoTaskRequest; {VIDEO_DOC}; {API_JSON}",
    fields=(
        *_task_common(VIDEO_MODEL_VERSIONS),
        FieldSpec(
            "FileInfos",
            "file_infos",
            "Array of AigcVideoTaskInputFileInfo",
            False,
            "Input files: first/last frame, references, video to edit.",
            members=VIDEO_FILE_INFO,
        ),
        FieldSpec(
            "SubjectInfos",
            "subject_infos",
            "Array of AigcVideoTaskInputSubjectInfo",
            False,
            "Subjects: [{Id: ElementId}] (Kling: Id required).",
            members=SUBJECT_INFO,
        ),
        FieldSpec("LastFrameFileId", "last_frame_file_id", "String", False, "Last frame as a VOD FileId."),
        FieldSpec("LastFrameUrl", "last_frame_url", "String", False, "Last frame as a URL."),
        FieldSpec(
            "Prompt",
            "prompt",
            "String",
            False,
            "What to generate; required when no file is given.",
            max_chars=VIDEO_PROMPT_MAX,
            limit_source=f"{SDK_MODELS}, AigcVideoTaskInput.Prompt: 最大支持1000字符",
        ),
        FieldSpec(
            "NegativePrompt",
            "negative_prompt",
            "String",
            False,
            "What the model must not generate.",
            max_chars=VIDEO_PROMPT_MAX,
            limit_source=f"{SDK_MODELS}, AigcVideoTaskInput.NegativePrompt: 最大支持1000字符",
        ),
        FieldSpec(
            "OutputConfig",
            "output_config",
            "AigcVideoOutputConfig",
            False,
            "StorageMode, Duration, Resolution, AspectRatio...",
            members=VIDEO_OUTPUT_CONFIG,
        ),
        FieldSpec("Procedure", "procedure", "String", False, "Task flow to run on the new video."),
    ),
)

CREATE_AIGC_IMAGE_TASK = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="CreateAigcImageTask",
    host=HOST,
    qps=20,
    qps_source=f"{IMAGE_DOC}: 默认接口请求频率限制:20次/秒",
    errors=AIGC_TASK_ERRORS,
    service_errors=SERVICE_ERRORS,
    promises=("TaskId",),
    source=f"{SDK_MODELS} CreateAigcImageTaskRequest; {IMAGE_DOC}; {API_JSON}",
    fields=(
        *_task_common(IMAGE_MODEL_VERSIONS),
        FieldSpec(
            "FileInfos",
            "file_infos",
            "Array of AigcImageTaskInputFileInfo",
            False,
            "Input pictures.",
            members=IMAGE_FILE_INFO,
        ),
        FieldSpec(
            "Prompt",
            "prompt",
            "String",
            False,
            "What to generate; required when no file is given (no length limit is documented for pictures).",
        ),
        FieldSpec("NegativePrompt", "negative_prompt", "String", False, "What the model must not generate."),
        FieldSpec(
            "OutputConfig",
            "output_config",
            "AigcImageOutputConfig",
            False,
            "StorageMode, Resolution, AspectRatio, OutputImageCount...",
            members=IMAGE_OUTPUT_CONFIG,
        ),
    ),
)

DESCRIBE_TASK_DETAIL = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="DescribeTaskDetail",
    host=HOST,
    qps=None,
    read_only=True,
    service_errors=SERVICE_ERRORS,
    source=f"{SDK_MODELS} DescribeTaskDetailRequest/Response",
    fields=(
        FieldSpec("TaskId", "task_id", "String", True, "The task to read."),
        FieldSpec("SubAppId", "sub_app_id", "Integer", False, "VOD application id."),
    ),
)

DESCRIBE_TASKS = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="DescribeTasks",
    host=HOST,
    qps=None,
    read_only=True,
    service_errors=SERVICE_ERRORS,
    source=f"{SDK_MODELS} DescribeTasksRequest/Response (TaskSet[].SessionId finds a task by its SessionId)",
    fields=(
        FieldSpec("SubAppId", "sub_app_id", "Integer", False, "VOD application id."),
        FieldSpec(
            "Status",
            "status",
            "String",
            False,
            "WAITING, PROCESSING or FINISH.",
            choices=("WAITING", "PROCESSING", "FINISH"),
            limit_source=f"{SDK_MODELS}: 可选值: WAITING、PROCESSING、FINISH",
        ),
        FieldSpec(
            "Limit",
            "limit",
            "Integer",
            False,
            "Rows per page, at most 100.",
            min_value=1,
            max_value=100,
            limit_source=f"{SDK_MODELS}: 默认值: 10, 最大值: 100",
        ),
        FieldSpec("ScrollToken", "scroll_token", "String", False, "Next page."),
    ),
)

#: Task statuses (DescribeTaskDetail.Status / TaskSimpleInfo.Status): WAITING, PROCESSING, FINISH, ABORTED.
#: A finished task failed when its ``AigcVideoTask.ErrCode`` is not 0 or ``ErrCodeExt`` is not empty.
ACTIVE_STATUSES = ("WAITING", "PROCESSING")
TERMINAL_STATUSES = ("FINISH", "ABORTED")

#: ``ErrCodeExt`` values of a failed generation task (AigcVideoTask/AigcImageTask, SDK models) and whether a
#: NEW task (new SessionId) may succeed: load, limits and internal failures pass; the input, the content and
#: cancellations do not. Any other value: not retryable.
TASK_ERR_RETRYABLE: dict[str, bool] = {
    "RequestLimitExceeded": True,  # 调用超出并发限制
    "FailedOperation": True,  # 模型任务堆积 (backlog)
    "InternalError": True,  # 内部错误
    "ResourceInsufficient": True,  # 资源不足
    "ModelGenerateFailed": True,  # 模型生成失败 (the same input may succeed again)
    "TaskTimeout": True,  # 任务超时
    "InvalidParameter.VoilationContent": False,  # prompt 违反内容安全策略
    "InvalidParameterValue": False,
    "InvalidParameter": False,
    "InvalidParameter.MediaFormat": False,
    "ContentModerationFailed": False,
    "ResourceNotFound": False,
    "OperationCanceled": False,
}

CONTRACTS: dict[str, ApiContract] = {
    c.action: c
    for c in (
        CREATE_AIGC_CUSTOM_ELEMENT,
        CREATE_AIGC_VIDEO_TASK,
        CREATE_AIGC_IMAGE_TASK,
        DESCRIBE_TASK_DETAIL,
        DESCRIBE_TASKS,
    )
}
