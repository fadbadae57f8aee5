"""Image Search (TIIA) error codes, each decided: the CreateImage table and every other code of the service.

``errorcodes.py`` of the SDK (``tencentcloud-sdk-python-tiia``) lists codes per service, not per
action, so every code of the service is decided once, in :data:`SERVICE_ERRORS` (rule: a code is
reachable from any action we call unless its text names a feature we never use, and even then it
gets a decision). :data:`CREATE_IMAGE_ERRORS` is the table of the CreateImage API reference. Both
are importable from :mod:`airflow_provider_tencent.contracts.image_search`, which attaches them to the
actions.
"""

from __future__ import annotations

from airflow_provider_tencent.contracts.errors import ErrorKind, ErrorSpec

_E = ErrorSpec
_K = ErrorKind

#: The codes the client acts on by name (each decided in one of the tables below):
#: ``CreateImage`` of a PicName the gallery holds already;
PIC_NAME_CONFLICT = "InvalidParameterValue.PicNameAlreadyExist"
#: ``DescribeImages``/``DeleteImages`` of an EntityId (or PicName) that holds no picture;
IMAGE_NOT_FOUND = "FailedOperation.ImageNotFoundInfo"
#: ``SearchImage`` in a gallery that holds no picture;
GALLERY_EMPTY = "FailedOperation.ImageGroupEmpty"
#: ``CreateGroup`` of a GroupId that exists;
GROUP_EXISTS = "InvalidParameterValue.ImageGroupIdAlreadyExist"
#: ``DescribeGroups`` (its documented error list) of a GroupId that does not exist.
GROUP_NOT_FOUND = "InvalidParameterValue.ImageGroupIdNotExist"

_ACTIVATE = "activate Image Search (图像搜索) in the Tencent Cloud console for this account"
_TOP_UP = "the account is in arrears or its balance is too low: top it up in the billing console"
_BILLING = "the gallery's or account's billing is not in order: check Image Search billing in the console"

#: Every code of the service's ``errorcodes.py`` that the CreateImage API reference does not list, decided.
SERVICE_ERRORS: tuple[ErrorSpec, ...] = (
    _E(
        "FailedOperation.BalanceInsufficient",
        _K.ACCOUNT,
        "余额不足,开通失败 (balance too low to open the service).",
        _TOP_UP,
    ),
    _E("FailedOperation.DownLoadError", _K.TRANSIENT, "文件下载错误 (download error; SDK spelling)."),
    _E(
        "FailedOperation.GroupCountExceeded",
        _K.ACCOUNT,
        "图库数量超过限制 (the account has the most galleries allowed, 30).",
        "the account has its 30 galleries: delete one, or ask Tencent Cloud to raise the quota",
    ),
    _E("FailedOperation.ImageDeleteFailed", _K.TRANSIENT, "图片删除失败 (deleting failed)."),
    _E(
        "FailedOperation.ImageGroupChargeStatusClose",
        _K.ACCOUNT,
        "图库计费状态关闭 (gallery billing closed).",
        _BILLING,
    ),
    _E("FailedOperation.ImageGroupEmpty", _K.BAD_INPUT, "图库为空 (the gallery is empty; searches only)."),
    _E("FailedOperation.ImageResolutionInsufficient", _K.BAD_INPUT, "图片分辨率过低 (resolution too low)."),
    _E("FailedOperation.ImageSearchInvalid", _K.BAD_INPUT, "图片搜索参数错误 (search parameters; searches only)."),
    _E("FailedOperation.ImageUnQualified", _K.BAD_INPUT, "图片质量不合格 (picture quality not acceptable)."),
    _E("FailedOperation.InvokeChargeError", _K.ACCOUNT, "计费调用失败 (the billing check failed).", _BILLING),
    _E("FailedOperation.NoBodyInPhoto", _K.BAD_INPUT, "图片中没有人体 (no body in the picture)."),
    _E("FailedOperation.NoObjectDetected", _K.BAD_INPUT, "图片中没有检测到主体 (no subject detected)."),
    _E("FailedOperation.ParameterEmpty", _K.BAD_INPUT, "参数为空 (a parameter is empty)."),
    _E("FailedOperation.RecognizeFailded", _K.TRANSIENT, "识别失败 (recognition failed; may pass)."),
    _E("FailedOperation.TooLargeFileError", _K.BAD_INPUT, "文件太大 (the file is too large)."),
    _E("FailedOperation.UnOpenError", _K.ACCOUNT, "服务未开通 (the service is not activated).", _ACTIVATE),
    _E("InvalidParameterValue.BriefTooLong", _K.BAD_INPUT, "图库简介超出长度限制 (Brief too long)."),
    _E("InvalidParameterValue.FilterInvalid", _K.BAD_INPUT, "过滤条件不合法 (filter not valid; searches only)."),
    _E("InvalidParameterValue.FilterSizeExceed", _K.BAD_INPUT, "过滤条件过长 (filter too long; searches only)."),
    _E("InvalidParameterValue.ImageEmpty", _K.BAD_INPUT, "图片为空 (the picture is empty)."),
    _E("InvalidParameterValue.ImageGroupIdAlreadyExist", _K.CONFLICT, "图库ID已存在 (the gallery already exists)."),
    _E("InvalidParameterValue.ImageGroupNameEmpty", _K.BAD_INPUT, "图库名称为空 (GroupName empty)."),
    _E("InvalidParameterValue.ImageGroupNameTooLong", _K.BAD_INPUT, "图库名称超出长度限制 (GroupName too long)."),
    _E("InvalidParameterValue.InvalidParameterValueLimit", _K.BAD_INPUT, "参数超出限制 (a value over its limit)."),
    _E("InvalidParameterValue.LimitExceed", _K.BAD_INPUT, "Limit 超出限制 (Limit over 100)."),
    _E("InvalidParameterValue.UrlIllegal", _K.BAD_INPUT, "URL不合法 (URL not valid)."),
    _E("LimitExceeded.TooLargeFileError", _K.BAD_INPUT, "文件太大 (the file is too large)."),
    _E(
        "ResourceUnavailable.StopUsing",
        _K.ACCOUNT,
        "服务已停用 (the service is stopped for the account).",
        "Image Search is stopped for this account (arrears or suspension): restore it in the console",
    ),
    _E(
        "ResourcesSoldOut.ChargeStatusException",
        _K.ACCOUNT,
        "计费状态异常 (billing state abnormal).",
        _BILLING,
    ),
)

#: The codes of the CreateImage API reference's table (6. 错误码), decided.
CREATE_IMAGE_ERRORS: tuple[ErrorSpec, ...] = (
    _E("FailedOperation.DownloadError", _K.TRANSIENT, "文件下载错误 (file download error)."),
    _E("FailedOperation.EmptyImageError", _K.BAD_INPUT, "图片内容为空 (the picture is empty)."),
    _E("FailedOperation.ImageDecodeFailed", _K.BAD_INPUT, "图片解码失败 (the picture cannot be decoded)."),
    _E(
        "FailedOperation.ImageDownloadError",
        _K.TRANSIENT,
        "图片下载错误 (the picture URL could not be downloaded).",
    ),
    _E(
        "FailedOperation.ImageEntityCountExceed",
        _K.BAD_INPUT,
        "超出Entity数量限制 (EntityId holds too many pictures).",
    ),
    _E(
        "FailedOperation.ImageNotFoundInfo",
        _K.BAD_INPUT,
        "未找到图片信息 (no picture information found).",
    ),
    _E("FailedOperation.ImageNotSupported", _K.BAD_INPUT, "不支持的图片文件 (unsupported picture file)."),
    _E(
        "FailedOperation.ImageNumExceed",
        _K.ACCOUNT,
        "超出图库限制 (the gallery is full).",
        "the gallery holds MaxCapacity pictures already (MaxCapacity cannot be changed): delete pictures "
        "or create a larger gallery",
    ),
    _E(
        "FailedOperation.ImageResolutionExceed",
        _K.BAD_INPUT,
        "图片分辨率过大 (resolution over 4096x4096).",
    ),
    _E("FailedOperation.ImageSizeExceed", _K.BAD_INPUT, "base64编码后的图片数据过大 (base64 over 5 MB)."),
    _E("FailedOperation.ImageUrlInvalid", _K.BAD_INPUT, "url地址不合法,无法下载 (invalid URL)."),
    _E("FailedOperation.InnerError", _K.TRANSIENT, "内部错误 (internal error)."),
    _E("FailedOperation.RequestError", _K.TRANSIENT, "后端服务请求失败 (backend request failed)."),
    _E("FailedOperation.RequestTimeout", _K.TRANSIENT, "后端服务超时 (backend timeout)."),
    _E("FailedOperation.RpcFail", _K.TRANSIENT, "RPC请求失败 (algorithm micro-service failure)."),
    _E(
        "FailedOperation.ServerError",
        _K.TRANSIENT,
        "算法服务异常,请重试 (algorithm service error, retry).",
    ),
    _E("FailedOperation.UnKnowError", _K.TRANSIENT, "内部错误 (internal error)."),
    _E("FailedOperation.Unknown", _K.TRANSIENT, "未知错误 (unknown error)."),
    _E("InvalidParameter.ImageFormatNotSupport", _K.BAD_INPUT, "不支持的图片格式 (format not supported)."),
    _E("InvalidParameter.InvalidParameter", _K.BAD_INPUT, "参数取值错误 (invalid parameter value)."),
    _E(
        "InvalidParameter.PictureSolidColorError",
        _K.BAD_INPUT,
        "图片不可为纯色图 (solid-colour picture).",
    ),
    _E(
        "InvalidParameterValue.CustomContentTooLong",
        _K.BAD_INPUT,
        "自定义内容过长 (CustomContent over 4096).",
    ),
    _E("InvalidParameterValue.EntityIdEmpty", _K.BAD_INPUT, "物品ID为空 (EntityId empty)."),
    _E("InvalidParameterValue.EntityIdTooLong", _K.BAD_INPUT, "物品ID超出长度限制 (EntityId over 64)."),
    _E("InvalidParameterValue.ImageGroupIdIllegal", _K.BAD_INPUT, "图库ID不合法 (GroupId not valid)."),
    _E(
        "InvalidParameterValue.ImageGroupIdNotExist",
        _K.BAD_INPUT,
        "图库ID不存在 (GroupId does not exist).",
    ),
    _E(
        "InvalidParameterValue.ImageGroupIdTooLong",
        _K.BAD_INPUT,
        "图库ID超出长度限制 (GroupId too long).",
    ),
    _E("InvalidParameterValue.PicNameAlreadyExist", _K.CONFLICT, "图片名称重复 (PicName already exists)."),
    _E("InvalidParameterValue.PicNameEmpty", _K.BAD_INPUT, "图片名称为空 (PicName empty)."),
    _E("InvalidParameterValue.PicNameInvalid", _K.BAD_INPUT, "PicName不合法 (PicName not valid)."),
    _E("InvalidParameterValue.PicNameTooLong", _K.BAD_INPUT, "图片名称超出长度限制 (PicName over 64)."),
    _E("InvalidParameterValue.TagsKeysExceed", _K.BAD_INPUT, "标签数量过多 (more than 10 tag keys)."),
    _E(
        "InvalidParameterValue.TagsValueIllegal",
        _K.BAD_INPUT,
        "标签值类型不合法 (tag value of a wrong type).",
    ),
    _E("InvalidParameterValue.TagsValueSizeExceed", _K.BAD_INPUT, "标签值长度过长 (tag value too long)."),
    _E(
        "MissingParameter.ErrorParameterEmpty",
        _K.BAD_INPUT,
        "必选参数为空 (a required parameter is empty).",
    ),
    _E("RequestLimitExceeded", _K.THROTTLED, "请求的次数超过了频率限制 (over 10 requests/s)."),
    _E("ResourceUnavailable.InArrears", _K.ACCOUNT, "账号已欠费 (the account is in arrears).", _TOP_UP),
    _E(
        "ResourceUnavailable.IsOpening",
        _K.ACCOUNT,
        "服务正在开通中,请稍等 (the service is being activated).",
        "Image Search is still being activated for this account: wait until the console shows it open",
    ),
    _E(
        "ResourceUnavailable.NotExist",
        _K.ACCOUNT,
        "计费状态未知,请确认是否已在控制台开通服务 (billing state unknown).",
        _ACTIVATE,
    ),
)
