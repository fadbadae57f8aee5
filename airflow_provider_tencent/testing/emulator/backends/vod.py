"""VOD 2018-07-17: ``CreateAigcCustomElement``, as Tencent's API reference page for it states the rules.

Rules: ElementName "cannot exceed 20 characters"; ElementDescription "Up to 100 characters";
ElementReferList "at least 1 reference image, up to 3"; every image ".jpg, .jpeg, and .png",
"must not exceed 10MB", width and height "not less than 300px", aspect ratio "between 1:2.5 and
2.5:1"; "A maximum of 20 requests can be initiated per second". The page lists no business
error code ("There is no error code related to the API business logic"): a wrong value is the
common ``InvalidParameterValue``, a missing one ``MissingParameter``, and an image the service
cannot download is a wrong value too (``InvalidParameterValue``: the URL does not serve a
picture), answered before anything is created.
"""

from __future__ import annotations

import time
from typing import Any

from airflow_provider_tencent.testing.emulator.backends.aigc_tasks import AigcTaskActions
from airflow_provider_tencent.testing.emulator.base import (
    ApiError,
    Backend,
    check_params,
    download,
    open_picture,
    picture_format,
    redact,
)

MB = 1024 * 1024
MAX_BYTES = 10 * MB
MIN_SIDE = 300
MAX_ASPECT = 2.5
FORMATS = ("jpeg", "png")
CHAR_LIMITS = {"ElementName": 20, "ElementDescription": 100}
REFERENCES = (1, 3)
PARAMS = {
    "ElementName": "str",
    "ElementDescription": "str",
    "ElementFrontalImage": "str",
    "ElementReferList": "list",
}
REQUIRED = ("ElementName", "ElementDescription", "ElementFrontalImage", "ElementReferList")


def _check_refer_list(refer: Any) -> None:
    """``ElementReferList`` holds :data:`REFERENCES` (low, high) items, each an object with only a
    non-empty ``ImageUrl``.

    :raises ApiError: the first rule broken (InvalidParameterValue, MissingParameter, UnknownParameter).
    """
    low, high = REFERENCES
    if not low <= len(refer) <= high:
        raise ApiError(
            "InvalidParameterValue", f"ElementReferList holds {len(refer)} images; {low} to {high} are allowed."
        )
    for n, item in enumerate(refer):
        if not isinstance(item, dict) or not isinstance(item.get("ImageUrl"), str) or not item["ImageUrl"]:
            raise ApiError("MissingParameter", f"ElementReferList.{n}.ImageUrl is required.")
        unknown = sorted(set(item) - {"ImageUrl"})
        if unknown:
            raise ApiError("UnknownParameter", f"ElementReferList.{n} has no parameter {unknown[0]!r}.")


class VodBackend(AigcTaskActions, Backend):
    service = "vod"
    version = "2018-07-17"
    quotas = {"CreateAigcCustomElement": 20, "CreateAigcVideoTask": 20, "CreateAigcImageTask": 20}

    def __init__(self, emulator: Any) -> None:
        super().__init__(emulator)
        self.elements: list[dict[str, Any]] = []
        self._init_tasks()

    def action_CreateAigcCustomElement(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        """Create a subject from its frontal picture and reference pictures (each downloaded and checked).

        :return: ``ElementId``: a new 14-digit id.
        :raises ApiError: a missing, unknown or too long parameter, a bad reference list or picture.
        """
        check_params("CreateAigcCustomElement", body, PARAMS, "InvalidParameterValue", strict=True)
        for name in REQUIRED:
            if body.get(name) in (None, ""):
                raise ApiError("MissingParameter", f"{name} is required.")
        for name, limit in CHAR_LIMITS.items():
            if len(body[name]) > limit:
                raise ApiError(
                    "InvalidParameterValue", f"{name} is {len(body[name])} characters; at most {limit} are allowed."
                )
        refer = body["ElementReferList"]
        _check_refer_list(refer)
        urls = [("ElementFrontalImage", body["ElementFrontalImage"])]
        urls += [(f"ElementReferList.{n}.ImageUrl", item["ImageUrl"]) for n, item in enumerate(refer)]
        for name, url in urls:
            self.check_image(name, url)
        with self.lock:
            rng = self.emulator._rng
            taken = {e["ElementId"] for e in self.elements}
            element_id = str(rng.randrange(10**13, 10**14))
            while element_id in taken:
                element_id = str(rng.randrange(10**13, 10**14))
            self.elements.append(
                {
                    "ElementId": element_id,
                    "ElementName": body["ElementName"],
                    "ElementDescription": body["ElementDescription"],
                    "ElementFrontalImage": redact(body["ElementFrontalImage"]),
                    "ElementReferList": [redact(item["ImageUrl"]) for item in refer],
                    "RequestId": request_id,
                    "created": time.time(),
                }
            )
        return {"ElementId": element_id}

    def check_image(self, name: str, url: str) -> None:
        data = download(
            url, MAX_BYTES, name, "InvalidParameterValue", "InvalidParameterValue", self.emulator.download_timeout
        )
        if not data:
            raise ApiError("InvalidParameterValue", f"{name}: the picture is empty.")
        if len(data) > MAX_BYTES:
            raise ApiError("InvalidParameterValue", f"{name}: the picture's size is over {MAX_BYTES} bytes.")
        picture = open_picture(data)
        fmt = picture_format(picture)
        if picture is None or fmt is None:
            raise ApiError("InvalidParameterValue", f"{name}: the data is not a picture of a known format.")
        if fmt not in FORMATS:
            raise ApiError(
                "InvalidParameterValue", f"{name}: the format {fmt.upper()} is not supported; use JPG or PNG."
            )
        width, height = picture.size
        if min(width, height) < MIN_SIDE:
            raise ApiError(
                "InvalidParameterValue", f"{name}: {width}x{height}; width and height must be at least {MIN_SIDE} px."
            )
        if not 1 / MAX_ASPECT <= width / height <= MAX_ASPECT:
            raise ApiError(
                "InvalidParameterValue", f"{name}: {width}x{height}; the aspect ratio must be 1:2.5 to 2.5:1."
            )
        try:
            picture.load()
        except Exception:
            raise ApiError("InvalidParameterValue", f"{name}: the picture cannot be decoded.") from None
