"""Tencent Cloud VOD, API version 2018-07-17: ``CreateAigcCustomElement``.

The seed document ``shared/seeds/003_e4e61f1dd5e83270.txt`` (English). It lists no business
error codes: only the common ones apply (:mod:`.common`).
"""

from __future__ import annotations

from airflow_provider_tencent.contracts import MB, ApiContract, FieldSpec, ImageRules

SERVICE = "vod"
VERSION = "2018-07-17"
HOST = "vod.tencentcloudapi.com"
INTL_HOST = "vod.intl.tencentcloudapi.com"

MIN_REFERENCES = 1
MAX_REFERENCES = 3

IMAGE_RULES = ImageRules(
    formats=("jpeg", "png"),
    max_bytes=10 * MB,
    min_side=300,
    min_aspect=1 / 2.5,
    max_aspect=2.5,
)

CREATE_AIGC_CUSTOM_ELEMENT = ApiContract(
    service=SERVICE,
    version=VERSION,
    action="CreateAigcCustomElement",
    host=HOST,
    qps=20,
    source="shared/seeds/003_e4e61f1dd5e83270.txt",
    promises=("ElementId",),
    image_rules=IMAGE_RULES,
    fields=(
        FieldSpec("ElementName", "element_name", "String", True, "Subject name.", max_chars=20),
        FieldSpec("ElementDescription", "element_description", "String", True, "Subject description.", max_chars=100),
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
            min_items=MIN_REFERENCES,
            max_items=MAX_REFERENCES,
        ),
    ),
)

CONTRACTS: dict[str, ApiContract] = {CREATE_AIGC_CUSTOM_ELEMENT.action: CREATE_AIGC_CUSTOM_ELEMENT}
