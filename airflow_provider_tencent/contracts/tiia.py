"""Tencent Cloud Image Search (TIIA), API version 2019-05-29.

``CREATE_IMAGE`` is the seed document ``shared/seeds/000_b714bb1cacceee71.txt`` (Chinese),
field by field and code by code. The other actions are the ones the provider needs around it
(galleries, confirmation reads, clean-up); their contracts are kept to what we use.
"""

from __future__ import annotations

from airflow_provider_tencent.contracts import MB, ApiContract, ErrorKind, ErrorSpec, FieldSpec, ImageRules

SERVICE = "tiia"
VERSION = "2019-05-29"
HOST = "tiia.tencentcloudapi.com"

_E = ErrorSpec
_K = ErrorKind

#: Values of ``CategoryId`` (seed: 0 上衣 top, 1 裙装 dress, 2 下装 bottoms, 3 包 bag, 4 鞋 shoes, 5 配饰 accessories).
CATEGORIES: dict[int, str] = {0: "top", 1: "dress", 2: "bottoms", 3: "bag", 4: "shoes", 5: "accessories"}

#: Most keys the ``Tags`` JSON object may hold.
MAX_TAG_KEYS = 10
#: Most pictures one EntityId may hold.
MAX_PICTURES_PER_ENTITY = 10

IMAGE_RULES = ImageRules(
    formats=("png", "jpeg", "bmp"),
    max_base64_bytes=5 * MB,
    max_width=4096,
    max_height=4096,
)

#: ``GroupType`` of product image search galleries (商品图像搜索 1.0, 2.0, 3.0): the only ones where
#: ``EnableDetect`` and ``CategoryId`` act. 4 is general image search (the default), 6 pattern search.
PRODUCT_SEARCH_GROUP_TYPES = (5, 7, 8)

#: Seed: "如果在商品图像搜索中开启主体识别,分辨率不超过2000*2000,图片长宽比小于10" - with subject
#: detection on (``EnableDetect``, true by default) in a product image search gallery, at most
#: 2000x2000 and a long side under 10 times the short one. The seed names no error code for it;
#: the emulator answers ``FailedOperation.ImageResolutionExceed``.
DETECT_IMAGE_RULES = ImageRules(
    formats=IMAGE_RULES.formats,
    max_base64_bytes=IMAGE_RULES.max_base64_bytes,
    max_width=2000,
    max_height=2000,
    elongation_below=10,
)


def image_rules(group_type: int | None, enable_detect: bool | None) -> ImageRules:
    """The picture rules of a ``CreateImage`` into a gallery of ``group_type`` (``None``: not known)."""
    if group_type in PRODUCT_SEARCH_GROUP_TYPES and enable_detect is not False:
        return DETECT_IMAGE_RULES
    return IMAGE_RULES


CREATE_IMAGE = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="CreateImage",
    host=HOST,
    qps=10,
    source="shared/seeds/000_b714bb1cacceee71.txt",
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
        ),
        FieldSpec(
            "PicName",
            "pic_name",
            "String",
            True,
            "Picture name, unique: it identifies one picture.",
            max_chars=64,
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
        ),
        FieldSpec(
            "ImageBase64",
            "image_base64",
            "String",
            False,
            "Picture as base64, at most 5 MB encoded; PNG, JPG, JPEG, BMP (no GIF); at most 4096x4096.",
        ),
        FieldSpec("Tags", "tags", "String", False, "Custom tags as a JSON object, at most 10 keys.", max_items=10),
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
        ),
        FieldSpec("ImageRect", "image_rect", "Rect", False, "Subject area {X, Y, Width, Height} to extract."),
    ),
    errors=(
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
            "超出图库限制 (the gallery is full: raise its capacity).",
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
        _E("ResourceUnavailable.InArrears", _K.ACCOUNT, "账号已欠费 (the account is in arrears)."),
        _E(
            "ResourceUnavailable.IsOpening",
            _K.ACCOUNT,
            "服务正在开通中,请稍等 (the service is being activated).",
        ),
        _E(
            "ResourceUnavailable.NotExist",
            _K.ACCOUNT,
            "计费状态未知,请确认是否已在控制台开通服务 (activate Image Search in the console).",
        ),
    ),
    extra={
        # Not stated by the seed; what the emulator assumes for the codes the seed lists without a limit.
        "group_id_max_chars": 64,
        "tag_value_max_chars": 256,
        "pic_name_pattern": r"^[^\x00-\x1f/\\]+$",
    },
)

CREATE_GROUP = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="CreateGroup",
    host=HOST,
    qps=10,
    fields=(
        FieldSpec("GroupId", "group_id", "String", True, "Gallery ID.", max_chars=64),
        FieldSpec("GroupName", "group_name", "String", True, "Gallery name.", max_chars=60),
        FieldSpec("MaxCapacity", "max_capacity", "Integer", True, "Most pictures (in units of 10,000)."),
        FieldSpec("Brief", "brief", "String", False, "Description.", max_chars=100),
        FieldSpec("MaxQps", "max_qps", "Integer", False, "Search QPS of the gallery."),
        FieldSpec(
            "GroupType",
            "group_type",
            "Integer",
            False,
            "Service type: 4 general image search (default), 5/7/8 product image search, 6 pattern search.",
        ),
    ),
    errors=(
        _E("InvalidParameterValue.ImageGroupIdAlreadyExist", _K.CONFLICT, "The gallery already exists."),
        _E("InvalidParameterValue.ImageGroupIdTooLong", _K.BAD_INPUT, "GroupId too long."),
    ),
)

DESCRIBE_GROUPS = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="DescribeGroups",
    host=HOST,
    qps=10,
    read_only=True,
    fields=(
        FieldSpec("Offset", "offset", "Integer", False, "Start index."),
        FieldSpec("Limit", "limit", "Integer", False, "Page size (at most 100)."),
        FieldSpec("GroupId", "group_id", "String", False, "Only this gallery."),
    ),
)

DESCRIBE_IMAGES = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="DescribeImages",
    host=HOST,
    qps=20,
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
