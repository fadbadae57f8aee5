"""Tencent Cloud Image Search (TIIA), API version 2019-05-29.

``CREATE_IMAGE`` is the CreateImage API reference (Chinese edition), field by field and code
by code. The other actions are the ones the provider needs around it
(galleries, confirmation reads, clean-up); their contracts are kept to what we use, and their
limits quote the parameter documentation of the official SDK (``tencentcloud-sdk-python-tiia``
``models.py``, the same text as the public API pages).

Error codes: ``errorcodes.py`` of the SDK lists codes per service, not per action, so every code
of the service is decided once, in :data:`SERVICE_ERRORS` (rule: a code is reachable from any
action we call unless its text names a feature we never use, and even then it gets a decision).
"""

from __future__ import annotations

from airflow_provider_tencent.contracts.model import MB, ApiContract, ErrorKind, ErrorSpec, FieldSpec, ImageRules

SERVICE = "tiia"
VERSION = "2019-05-29"
HOST = "tiia.tencentcloudapi.com"

_E = ErrorSpec
_K = ErrorKind

REFERENCE = "the CreateImage API reference"
_ACTIVATE = "activate Image Search (图像搜索) in the Tencent Cloud console for this account"
_TOP_UP = "the account is in arrears or its balance is too low: top it up in the billing console"
_BILLING = "the gallery's or account's billing is not in order: check Image Search billing in the console"

#: Values of ``CategoryId`` (API reference: 0 上衣 top, 1 裙装 dress, 2 下装 bottoms, 3 包 bag, 4 鞋 shoes,
#: 5 配饰 accessories).
CATEGORIES: dict[int, str] = {0: "top", 1: "dress", 2: "bottoms", 3: "bag", 4: "shoes", 5: "accessories"}

#: Most keys the ``Tags`` JSON object may hold (the API reference: "图片自定义标签,最多不超过10个").
MAX_TAG_KEYS = 10
#: Most pictures one EntityId may hold (the API reference: "同一个EntityId,最大支持10张图").
MAX_PICTURES_PER_ENTITY = 10
#: Most galleries one account may have (SDK CreateGroupRequest.GroupId: "图库数量单个用户上限为30").
MAX_GROUPS_PER_ACCOUNT = 30
#: Characters of a GroupId (SDK CreateGroupRequest.GroupId: "仅支持字母、数字和下划线").
GROUP_ID_PATTERN = r"^[A-Za-z0-9_]+$"
#: Default ``MaxCapacity`` of :meth:`~airflow_provider_tencent.hooks.image_search.TencentImageSearchHook.create_group`:
#: our own choice (the documents give none). MaxCapacity counts pictures ("图片库可容纳的最大图片特征条数,
#: 一张图片对应一条图片特征数据"), so 1 would hold one picture.
DEFAULT_MAX_CAPACITY = 100_000

IMAGE_RULES = ImageRules(
    formats=("png", "jpeg", "bmp"),
    max_base64_bytes=5 * MB,
    max_width=4096,
    max_height=4096,
    source="the CreateImage API reference: 图片格式:支持PNG、JPG、JPEG、BMP,"
    "不支持 GIF 图片。图片大小:base64 编码后大小不可超过5M。图片分辨率不超过4096*4096",
)

#: ``GroupType`` of product image search galleries (商品图像搜索 1.0, 2.0, 3.0): the only ones where
#: ``EnableDetect`` and ``CategoryId`` act. 4 is general image search (the default), 6 pattern search.
PRODUCT_SEARCH_GROUP_TYPES = (5, 7, 8)

#: The API reference: "如果在商品图像搜索中开启主体识别,分辨率不超过2000*2000,图片长宽比小于10" - with subject
#: detection on (``EnableDetect``, true by default) in a product image search gallery, at most
#: 2000x2000 and a long side under 10 times the short one. The reference names no error code for it:
#: checked before sending, so that a refusal never depends on which code the service picks.
DETECT_IMAGE_RULES = ImageRules(
    formats=IMAGE_RULES.formats,
    max_base64_bytes=IMAGE_RULES.max_base64_bytes,
    max_width=2000,
    max_height=2000,
    elongation_below=10,
    source="the CreateImage API reference: 如果在商品图像搜索中开启主体识别,分辨率不超过2000*2000,图片长宽比小于10",
)


def image_rules(group_type: int | None, enable_detect: bool | None) -> ImageRules:
    """The picture rules of a ``CreateImage`` into a gallery of ``group_type`` (``None``: not known)."""
    if group_type in PRODUCT_SEARCH_GROUP_TYPES and enable_detect is not False:
        return DETECT_IMAGE_RULES
    return IMAGE_RULES


_SDK = "SDK tencentcloud-sdk-python-tiia models.py"

#: Every code of the service's ``errorcodes.py`` that the CreateImage document does not list, decided.
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

#: The codes of the CreateImage document's table (6. 错误码), decided.
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

#: What the other actions may answer: the whole service.
_ALL_ERRORS = SERVICE_ERRORS + CREATE_IMAGE_ERRORS

CREATE_IMAGE = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="CreateImage",
    host=HOST,
    qps=10,
    qps_source=f"{REFERENCE}: 默认接口请求频率限制:10次/秒",
    service_errors=SERVICE_ERRORS,
    source="the CreateImage API reference (Image Search, API 2019-05-29)",
    image_rules=IMAGE_RULES,
    fields=(
        FieldSpec("GroupId", "group_id", "String", True, "Gallery ID (图库ID)."),
        FieldSpec(
            "EntityId",
            "entity_id",
            "String",
            True,
            "Item ID; one EntityId holds up to 10 pictures, a new picture is appended to an existing one.",
            max_chars=64,
            limit_source=f"{REFERENCE}: 物品ID,最多支持64个字符",
        ),
        FieldSpec(
            "PicName",
            "pic_name",
            "String",
            True,
            "Picture name, unique: it identifies one picture.",
            max_chars=64,
            limit_source=f"{REFERENCE}: 图片名称,最多支持64个字符",
        ),
        FieldSpec(
            "ImageUrl",
            "image_url",
            "String",
            False,
            "Picture URL; base64 of the picture at most 5 MB. If both ImageUrl and ImageBase64 are given, "
            "only ImageUrl is used.",
        ),
        FieldSpec(
            "CustomContent",
            "custom_content",
            "String",
            False,
            "Free text returned as-is by searches.",
            max_chars=4096,
            limit_source=f"{REFERENCE}: 图片自定义备注内容,最多支持4096个字符",
        ),
        FieldSpec(
            "ImageBase64",
            "image_base64",
            "String",
            False,
            "Picture as base64, at most 5 MB encoded; PNG, JPG, JPEG, BMP (no GIF); at most 4096x4096.",
        ),
        FieldSpec(
            "Tags",
            "tags",
            "String",
            False,
            "Custom tags as a JSON object, at most 10 keys.",
            max_items=10,
            limit_source=f"{REFERENCE}: 图片自定义标签,最多不超过10个,格式为JSON",
        ),
        FieldSpec(
            "EnableDetect",
            "enable_detect",
            "Boolean",
            False,
            "Subject detection (default true); product image search only.",
        ),
        FieldSpec(
            "CategoryId",
            "category_id",
            "Integer",
            False,
            "Category of the subject to extract: " + ", ".join(f"{k} {v}" for k, v in CATEGORIES.items()) + ".",
            choices=tuple(CATEGORIES),
            limit_source=f"{REFERENCE}: CategoryId 0:上衣 1:裙装 2:下装 3:包 4:鞋 5:配饰",
        ),
        FieldSpec("ImageRect", "image_rect", "Rect", False, "Subject area {X, Y, Width, Height} to extract."),
    ),
    errors=CREATE_IMAGE_ERRORS,
)

CREATE_GROUP = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="CreateGroup",
    host=HOST,
    qps=1,
    qps_source="CreateGroup API document as quoted to us (page not found to check): 默认接口请求频率限制:1次/秒",
    service_errors=_ALL_ERRORS,
    fields=(
        FieldSpec(
            "GroupId",
            "group_id",
            "String",
            True,
            "Gallery ID: letters, digits and underscores; at most 30 galleries per account.",
            max_chars=64,
            limit_source=f"our own choice: 64, as other TIIA ids (the {_SDK} text gives no length); "
            "characters and count from CreateGroupRequest.GroupId: 仅支持字母、数字和下划线。图库数量单个用户上限为30",
        ),
        FieldSpec("GroupName", "group_name", "String", True, "Gallery name."),
        FieldSpec(
            "MaxCapacity",
            "max_capacity",
            "Integer",
            True,
            "Most pictures the gallery holds (one picture = one feature entry); cannot be changed later.",
        ),
        FieldSpec("Brief", "brief", "String", False, "Description."),
        FieldSpec("MaxQps", "max_qps", "Integer", False, "Search QPS of the gallery (10 by default)."),
        FieldSpec(
            "GroupType",
            "group_type",
            "Integer",
            False,
            "Service type: 4 general image search (default), 5/7/8 product image search, 6 pattern search.",
            choices=(1, 2, 3, 4, 5, 6, 7, 8),
            limit_source=f"{_SDK} CreateGroupRequest.GroupType: 4 / 8 / 7 / 5 / 6, 1 - 3:通用图像搜索旧版",
        ),
    ),
)

DESCRIBE_GROUPS = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="DescribeGroups",
    host=HOST,
    qps=20,
    qps_source="DescribeGroups API document, as quoted to us (the page itself not found to check): 20次/秒",
    service_errors=_ALL_ERRORS,
    read_only=True,
    fields=(
        FieldSpec("Offset", "offset", "Integer", False, "Start index (default 0)."),
        FieldSpec("Limit", "limit", "Integer", False, "Page size (default 10, at most 100)."),
        FieldSpec("GroupId", "group_id", "String", False, "Only this gallery."),
    ),
)

DESCRIBE_IMAGES = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="DescribeImages",
    host=HOST,
    qps=20,
    qps_source="20/s as quoted to us; the DescribeImages page itself was not found to check",
    service_errors=_ALL_ERRORS,
    read_only=True,
    fields=(
        FieldSpec("GroupId", "group_id", "String", True, "Gallery ID."),
        FieldSpec("EntityId", "entity_id", "String", True, "Item ID."),
        FieldSpec("PicName", "pic_name", "String", False, "Only this picture."),
    ),
)

DELETE_IMAGES = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="DeleteImages",
    host=HOST,
    qps=10,
    qps_source="10/s as quoted to us; the DeleteImages page itself was not found to check",
    service_errors=_ALL_ERRORS,
    fields=(
        FieldSpec("GroupId", "group_id", "String", True, "Gallery ID."),
        FieldSpec("EntityId", "entity_id", "String", True, "Item ID."),
        FieldSpec(
            "PicName",
            "pic_name",
            "String",
            False,
            "Only this picture. WITHOUT it, every picture of the EntityId is deleted.",
        ),
    ),
)

CONTRACTS: dict[str, ApiContract] = {
    c.action: c for c in (CREATE_IMAGE, CREATE_GROUP, DESCRIBE_GROUPS, DESCRIBE_IMAGES, DELETE_IMAGES)
}

# -- the gallery's life after CreateImage  ------------------------------------------------
#: Most characters of a SearchImage ``Filter`` (SDK SearchImageRequest.Filter: "最大支持64字符").
MAX_FILTER_CHARS = 64
#: Most results of one SearchImage (SDK SearchImageRequest.Limit: "默认值为10,最大值为100").
MAX_SEARCH_LIMIT = 100
#: ``Score`` scale of a search result: an integer similarity compared with ``MatchThreshold``, whose
#: documented defaults (50 general search, 45/28 product search, 56 pattern search) place it on 0-100.
SCORE_MAX = 100

SEARCH_IMAGE = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="SearchImage",
    host=HOST,
    qps=10,
    qps_source="SearchImage API page (cloud.tencent.com.cn/document/product/865/63483): 默认接口请求频率限制:10次/秒",
    service_errors=_ALL_ERRORS,
    read_only=True,
    image_rules=IMAGE_RULES,
    source=f"{_SDK} SearchImageRequest / SearchImageResponse",
    fields=(
        FieldSpec("GroupId", "group_id", "String", True, "Gallery to search (图库名称)."),
        FieldSpec("ImageUrl", "image_url", "String", False, "Query picture URL; wins over ImageBase64."),
        FieldSpec("ImageBase64", "image_base64", "String", False, "Query picture as base64 (at most 5 MB encoded)."),
        FieldSpec(
            "Limit",
            "limit",
            "Integer",
            False,
            "How many results (default 10, at most 100; 1 in pattern search galleries), best first.",
            choices=tuple(range(1, MAX_SEARCH_LIMIT + 1)),
            limit_source=f"{_SDK} SearchImageRequest.Limit: 返回结果的数量,默认值为10,最大值为100",
        ),
        FieldSpec("Offset", "offset", "Integer", False, "Index of the first result (default 0)."),
        FieldSpec(
            "MatchThreshold",
            "match_threshold",
            "Integer",
            False,
            "Only results scoring over it; 0 (default) = the service type's default (50 general search).",
        ),
        FieldSpec(
            "Filter",
            "filter",
            "String",
            False,
            "Tag conditions: key op value with >, >=, <, <=, =, !=, joined by AND / OR; at most 64 characters.",
            max_chars=MAX_FILTER_CHARS,
            limit_source=f"{_SDK} SearchImageRequest.Filter: 支持>、>=、 <、 <=、=,!=,多个条件之间支持AND和OR进行连接。"
            "最大支持64字符",
        ),
        FieldSpec("ImageRect", "image_rect", "ImageRect", False, "Subject area {X, Y, Width, Height} to search with."),
        FieldSpec(
            "EnableDetect", "enable_detect", "Boolean", False, "Subject detection (default true); product search only."
        ),
        FieldSpec(
            "CategoryId",
            "category_id",
            "Integer",
            False,
            "Category of the subject to search with (product search only).",
            choices=tuple(CATEGORIES),
            limit_source=f"{_SDK} SearchImageRequest.CategoryId: 0:上衣。1:裙装。2:下装。3:包。4:鞋。5:配饰",
        ),
    ),
)

UPDATE_IMAGE = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="UpdateImage",
    host=HOST,
    qps=20,
    qps_source="UpdateImage API page (cloud.tencent.com.cn/document/product/865/85724): 默认接口请求频率限制:20次/秒",
    service_errors=_ALL_ERRORS,
    source=f"{_SDK} UpdateImageRequest",
    fields=(
        FieldSpec("GroupId", "group_id", "String", True, "Gallery ID."),
        FieldSpec(
            "EntityId",
            "entity_id",
            "String",
            True,
            "Item ID (required by the UpdateImage page: 必选 是): with PicName, one picture; alone, every picture "
            "of the item.",
            max_chars=64,
            limit_source=f"{_SDK} UpdateImageRequest.EntityId: 物品ID,最多支持64个字符",
        ),
        FieldSpec(
            "PicName",
            "pic_name",
            "String",
            False,
            "Picture name.",
            max_chars=64,
            limit_source=f"{_SDK} UpdateImageRequest.PicName: 图片名称,最多支持64个字符",
        ),
        FieldSpec(
            "Tags",
            "tags",
            "String",
            False,
            "The new tags (they replace the old ones), a JSON object of at most 10 keys.",
            max_items=MAX_TAG_KEYS,
            limit_source=f"{_SDK} UpdateImageRequest.Tags: 新的自定义标签,最多不超过10个,格式为JSON",
        ),
    ),
)

#: Retry decisions of the actions that change a gallery (besides CreateImage, which confirms):
#:
#: * ``UpdateImage`` sets the tags to a value: a repeat sets the same value, so transient errors are retried.
#: * ``DeleteImages`` of one PicName: a repeat after a lost answer finds nothing; the hook reads
#:   ``FailedOperation.ImageNotFoundInfo`` after a retry as "done", so transient errors are retried.
#:   Without a PicName (the whole EntityId) it is also retried: a repeat can only delete pictures the
#:   caller asked to delete.
#: * ``CreateGroup`` is never repeated blindly: a transient error is settled by ``DescribeGroups``
#:   (the gallery is there with our settings: done).
RETRY_DECISIONS: dict[str, str] = {
    "UpdateImage": "retried: setting the same tags twice is the same as once",
    "SearchImage": "retried (read-only)",
    "DeleteImages": "retried: 'not found' after a repeat is read as done",
    "CreateGroup": "not repeated: settled by DescribeGroups (same settings: done; different: fails naming them)",
}

CONTRACTS.update({c.action: c for c in (SEARCH_IMAGE, UPDATE_IMAGE)})
