"""Image Search 2019-05-29, the API front: each action's parameter types (the SDK's request models), the call
into :mod:`.models`, and the answer's shape (the SDK's response models). No state lives here."""

from __future__ import annotations

import time
from typing import Any

from airflow_provider_tencent.testing.emulator.core import Responses, check_params
from airflow_provider_tencent.testing.emulator.image_search import models
from airflow_provider_tencent.testing.emulator.image_search.search import BAD

CREATE_IMAGE_PARAMS = {
    "GroupId": "str",
    "EntityId": "str",
    "PicName": "str",
    "ImageUrl": "str",
    "CustomContent": "str",
    "ImageBase64": "str",
    "Tags": "str",
    "EnableDetect": "bool",
    "CategoryId": "int",
    "ImageRect": "object",
}
CREATE_GROUP_PARAMS = {
    "GroupId": "str",
    "GroupName": "str",
    "MaxCapacity": "int",
    "Brief": "str",
    "MaxQps": "int",
    "GroupType": "int",
}
DESCRIBE_GROUPS_PARAMS = {"Offset": "int", "Limit": "int", "GroupId": "str"}
ENTITY_PARAMS = {"GroupId": "str", "EntityId": "str", "PicName": "str"}
SEARCH_PARAMS = {
    "GroupId": "str",
    "ImageUrl": "str",
    "ImageBase64": "str",
    "Limit": "int",
    "Offset": "int",
    "MatchThreshold": "int",
    "Filter": "str",
    "ImageRect": "object",
    "EnableDetect": "bool",
    "CategoryId": "int",
}
UPDATE_PARAMS = {"GroupId": "str", "EntityId": "str", "PicName": "str", "Tags": "str"}
SUBJECT_SCORE = 0.98


def time_text(t: float) -> str:
    """A gallery time as the API writes it (local time, ``YYYY-MM-DD HH:MM:SS``)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))


def group_info(info: models.GroupInfo) -> dict[str, Any]:
    """The SDK's ``GroupInfo``."""
    g = info.group
    return {
        "GroupId": info.group_id,
        "GroupName": g.name,
        "Brief": g.brief,
        "MaxCapacity": g.capacity,
        "MaxQps": g.max_qps,
        "GroupType": g.group_type,
        "PicCount": info.pic_count,
        "CreateTime": time_text(g.created),
        "UpdateTime": time_text(g.updated),
    }


def image_info(picture: dict[str, Any], score: int = 0) -> dict[str, Any]:
    """The SDK's ``ImageInfo`` of a stored picture."""
    keys = ("EntityId", "CustomContent", "Tags", "PicName")
    return {**{k: picture[k] for k in keys}, "Score": score}


def detected_object(subject: models.Subject | None, all_boxes: bool) -> dict[str, Any] | None:
    """``Object``: always sent (api.json: output_required), null when nothing was detected; SearchImage's
    also lists ``AllBox``."""
    if subject is None:
        return None
    box = {"Rect": subject.rect, "Score": SUBJECT_SCORE, "CategoryId": subject.category}
    answer: dict[str, Any] = {"Box": box, "CategoryId": subject.category}
    if all_boxes:
        answer["AllBox"] = [dict(box)]
    return answer


class ImageSearchResponses(Responses):
    """Image Search's actions: galleries, pictures, search."""

    backend: models.ImageSearchBackend
    service = models.SERVICE
    version = models.VERSION
    quotas = models.QUOTAS
    inner_error_code = "FailedOperation.InnerError"

    def action_CreateGroup(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("CreateGroup", params, CREATE_GROUP_PARAMS, BAD, strict=False)
        self.backend.create_group(params)
        return {}

    def action_DescribeGroups(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("DescribeGroups", params, DESCRIBE_GROUPS_PARAMS, BAD, strict=False)
        infos = self.backend.describe_groups(params.get("GroupId"), params.get("Offset"), params.get("Limit"))
        return {"Groups": [group_info(info) for info in infos]}

    def action_DescribeImages(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("DescribeImages", params, ENTITY_PARAMS, BAD, strict=False)
        pictures = self.backend.describe_images(params.get("GroupId"), params.get("EntityId"), params.get("PicName"))
        infos = [image_info(p) for p in pictures]
        return {"GroupId": params["GroupId"], "EntityId": params["EntityId"], "ImageInfos": infos}

    def action_DeleteImages(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("DeleteImages", params, ENTITY_PARAMS, BAD, strict=False)
        self.backend.delete_images(params.get("GroupId"), params.get("EntityId"), params.get("PicName"))
        return {}

    def action_CreateImage(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("CreateImage", params, CREATE_IMAGE_PARAMS, BAD, strict=True)
        subject = self.backend.create_image(params, request_id)
        return {"Object": detected_object(subject, all_boxes=False)}

    def action_UpdateImage(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("UpdateImage", params, UPDATE_PARAMS, BAD, strict=True)
        self.backend.update_image(params)
        return {}

    def action_SearchImage(self, params: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("SearchImage", params, SEARCH_PARAMS, BAD, strict=True)
        matches, subject = self.backend.search_image(params)
        infos = [image_info(p, score) for score, p in matches]
        return {"Count": len(infos), "ImageInfos": infos, "Object": detected_object(subject, all_boxes=True)}
