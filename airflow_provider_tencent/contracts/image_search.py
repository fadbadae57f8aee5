"""Tencent Cloud Image Search (TIIA), API version 2019-05-29.

``CREATE_IMAGE`` is the CreateImage API reference (Chinese edition), field by field and code
by code. The other actions are the ones the provider needs around it
(galleries, confirmation reads, clean-up); their contracts are kept to what we use, and their
limits quote the parameter documentation of the official SDK (``tencentcloud-sdk-python-tiia``
``models.py``, the same text as the public API pages).

Error codes: every code of the service is decided once, in :mod:`.image_search_errors`
(:data:`SERVICE_ERRORS`, :data:`CREATE_IMAGE_ERRORS`, importable from here too).
"""

from __future__ import annotations

from airflow_provider_tencent.contracts.image_search_errors import CREATE_IMAGE_ERRORS as CREATE_IMAGE_ERRORS
from airflow_provider_tencent.contracts.image_search_errors import SERVICE_ERRORS as SERVICE_ERRORS
from airflow_provider_tencent.contracts.model import MB, ApiContract, FieldSpec, ImageRules

SERVICE = "tiia"
VERSION = "2019-05-29"
HOST = "tiia.tencentcloudapi.com"

REFERENCE = "the CreateImage API reference"

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
#: Default ``MaxCapacity`` of :meth:`~airflow_provider_tencent.hooks.image_search.ImageSearchHook.create_group`:
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
            min_value=1,
            max_value=MAX_SEARCH_LIMIT,
            limit_source=f"{_SDK} SearchImageRequest.Limit: 返回结果的数量,默认值为10,最大值为100",
        ),
        FieldSpec(
            "Offset",
            "offset",
            "Integer",
            False,
            "Index of the first result (default 0).",
            min_value=0,
            limit_source="our own choice: an index, so never negative (default 0)",
        ),
        FieldSpec(
            "MatchThreshold",
            "match_threshold",
            "Integer",
            False,
            "Only results scoring over it; 0 (default) = the service type's default (50 general search).",
            min_value=0,
            max_value=SCORE_MAX,
            limit_source="our own choice: compared with Score, an integer from 0 to 100 (see SCORE_MAX)",
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
