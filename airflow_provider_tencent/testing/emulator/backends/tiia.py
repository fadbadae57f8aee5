"""Image Search (TIIA) 2019-05-29: galleries (``CreateGroup``, ``DescribeGroups``) and pictures (``CreateImage``,
``DescribeImages``, ``DeleteImages``); ``SearchImage`` and ``UpdateImage`` come from :mod:`.tiia_search`.

The limits and picture checks, with the documents' wording they come from, are in :mod:`.tiia_rules`.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from airflow_provider_tencent.testing.emulator.backends.tiia_rules import (
    BAD,
    CATEGORIES,
    CHAR_LIMITS,
    CREATE_GROUP_PARAMS,
    CREATE_IMAGE_PARAMS,
    DEFAULT_MAX_QPS,
    DESCRIBE_GROUPS_PARAMS,
    ENTITY_PARAMS,
    GROUP_ID,
    GROUP_ID_MAX,
    GROUP_TYPES,
    MAX_GROUPS,
    MAX_PICTURES_PER_ENTITY,
    PIC_NAME,
    PRODUCT_GROUP_TYPES,
    TAG_VALUE_MAX,
    Group,
    check_picture,
    check_rect,
    check_tags,
    find_group,
    image_bytes,
    now_text,
    picture_hash,
)
from airflow_provider_tencent.testing.emulator.backends.tiia_search import SearchActions
from airflow_provider_tencent.testing.emulator.base import ApiError, Backend, check_params

__all__ = ["GROUP_ID_MAX", "TAG_VALUE_MAX", "Group", "TiiaBackend"]


def _check_create_names(body: dict[str, Any]) -> None:
    """CreateImage's GroupId, EntityId and PicName are given, and they and CustomContent are within
    their lengths; PicName holds no control character, ``/`` or ``\\``.

    :raises ApiError: the first rule broken, in the service's order.
    """
    if not body.get("GroupId"):
        raise ApiError("MissingParameter.ErrorParameterEmpty", "GroupId is required.")
    for name in ("EntityId", "PicName"):
        if not body.get(name):
            raise ApiError(f"InvalidParameterValue.{name}Empty", f"{name} is required and must not be empty.")
    if len(body["GroupId"]) > GROUP_ID_MAX:
        raise ApiError(
            "InvalidParameterValue.ImageGroupIdTooLong",
            f"GroupId is {len(body['GroupId'])} characters; at most {GROUP_ID_MAX} are allowed.",
        )
    for name, code in (
        ("EntityId", "EntityIdTooLong"),
        ("PicName", "PicNameTooLong"),
        ("CustomContent", "CustomContentTooLong"),
    ):
        value = body.get(name) or ""
        if len(value) > CHAR_LIMITS[name]:
            raise ApiError(
                f"InvalidParameterValue.{code}",
                f"{name} is {len(value)} characters; at most {CHAR_LIMITS[name]} are allowed.",
            )
    if not PIC_NAME.match(body["PicName"]):
        raise ApiError("InvalidParameterValue.PicNameInvalid", "PicName holds a control character, / or \\.")


class TiiaBackend(SearchActions, Backend):
    service = "tiia"
    version = "2019-05-29"
    quotas = {
        "CreateImage": 10,
        "CreateGroup": 1,
        "DescribeGroups": 20,
        "DescribeImages": 20,
        "DeleteImages": 10,
        "SearchImage": 10,
        "UpdateImage": 20,
    }

    def __init__(self, emulator: Any) -> None:
        super().__init__(emulator)
        self.groups: dict[str, Group] = {}

    # -- helpers ------------------------------------------------------------------------------
    def group(self, body: dict[str, Any]) -> Group:
        """The gallery named by ``GroupId`` (call with the lock held)."""
        return find_group(self.groups, body)

    # -- galleries ----------------------------------------------------------------------------
    def action_CreateGroup(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("CreateGroup", body, CREATE_GROUP_PARAMS, BAD, strict=False)
        group_id = body.get("GroupId")
        if not group_id:
            raise ApiError("MissingParameter.ErrorParameterEmpty", "GroupId is required.")
        if len(group_id) > GROUP_ID_MAX:
            raise ApiError("InvalidParameterValue.ImageGroupIdTooLong", f"GroupId is over {GROUP_ID_MAX} characters.")
        if not GROUP_ID.match(group_id):
            raise ApiError(
                "InvalidParameterValue.ImageGroupIdIllegal", "GroupId holds only letters, digits and underscores."
            )
        if not body.get("GroupName"):
            raise ApiError("InvalidParameterValue.ImageGroupNameEmpty", "GroupName is required.")
        capacity = body.get("MaxCapacity")
        if capacity is None:
            raise ApiError("MissingParameter.ErrorParameterEmpty", "MaxCapacity is required.")
        if capacity < 1:
            raise ApiError("InvalidParameterValue.InvalidParameterValueLimit", "MaxCapacity must be at least 1.")
        group_type = body.get("GroupType")
        group_type = 4 if group_type is None else group_type
        if group_type not in GROUP_TYPES:
            raise ApiError(BAD, f"GroupType must be one of {list(GROUP_TYPES)}, got {group_type}.")
        with self.lock:
            if group_id in self.groups:
                raise ApiError("InvalidParameterValue.ImageGroupIdAlreadyExist", "The gallery already exists.")
            if len(self.groups) >= MAX_GROUPS:
                raise ApiError(
                    "FailedOperation.GroupCountExceeded", f"An account holds at most {MAX_GROUPS} galleries."
                )
            self.groups[group_id] = Group(
                body["GroupName"],
                int(capacity),
                group_type=int(group_type),
                brief=body.get("Brief") or "",
                max_qps=self.stored_max_qps(body.get("MaxQps")),
            )
        return {}

    def answer(self, name: str) -> Any:
        """One of the emulator's chosen answers (:meth:`Emulator.set_tiia_answers`)."""
        return getattr(self.emulator, "tiia_answers", {}).get(name)

    def stored_max_qps(self, asked: Any) -> int:
        """The ``MaxQps`` a new gallery keeps: what was asked (default 10), at most the configured cap."""
        qps = int(asked or DEFAULT_MAX_QPS)
        cap = self.answer("max_qps_cap") or 0
        return min(qps, int(cap)) if cap else qps

    def action_DescribeGroups(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        check_params("DescribeGroups", body, DESCRIBE_GROUPS_PARAMS, BAD, strict=False)
        offset = body.get("Offset")
        limit = body.get("Limit")
        offset = 0 if offset is None else offset
        limit = 10 if limit is None else limit
        if offset < 0:
            raise ApiError(BAD, "Offset must be >= 0.")
        if not 1 <= limit <= 100:
            raise ApiError("InvalidParameterValue.LimitExceed", "Limit must be 1 to 100.")
        with self.lock:
            groups = [
                {
                    "GroupId": gid,
                    "GroupName": g.name,
                    "Brief": g.brief,
                    "MaxCapacity": g.capacity,
                    "MaxQps": g.max_qps,
                    "GroupType": g.group_type,
                    "PicCount": len(g.pictures),
                    "CreateTime": now_text(g.created),
                    "UpdateTime": now_text(g.updated),
                }
                for gid, g in self.groups.items()
                if body.get("GroupId") in (None, "", gid)
            ]
        if body.get("GroupId") and not groups and self.answer("unknown_group") == "error":
            raise ApiError(
                "InvalidParameterValue.ImageGroupIdNotExist", f"The gallery {body['GroupId']!r} does not exist."
            )
        return {"Groups": groups[offset : offset + limit]}

    # -- pictures -----------------------------------------------------------------------------
    def entity_filter(self, action: str, body: dict[str, Any]) -> tuple[Group, list[str]]:
        """The gallery and the PicNames of ``EntityId`` (only ``PicName`` when given); lock held."""
        check_params(action, body, ENTITY_PARAMS, BAD, strict=False)
        group = self.group(body)
        entity = body.get("EntityId")
        if not entity:
            raise ApiError("InvalidParameterValue.EntityIdEmpty", "EntityId is required.")
        pic_name = body.get("PicName")
        names = [name for name, p in group.pictures.items() if p["EntityId"] == entity and pic_name in (None, "", name)]
        return group, names

    def action_DescribeImages(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        with self.lock:
            group, names = self.entity_filter("DescribeImages", body)
            infos = [
                {
                    "EntityId": p["EntityId"],
                    "CustomContent": p["CustomContent"],
                    "Tags": p["Tags"],
                    "PicName": p["PicName"],
                    "Score": 0,
                }
                for p in (group.pictures[name] for name in names)
            ]
        if not infos:  # the service answers an error, not an empty list
            raise ApiError("FailedOperation.ImageNotFoundInfo", "No picture matches this EntityId (and PicName).")
        return {"GroupId": body["GroupId"], "EntityId": body["EntityId"], "ImageInfos": infos}

    def action_DeleteImages(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        """Without PicName, EVERY picture of the EntityId goes (as the real API does)."""
        with self.lock:
            group, names = self.entity_filter("DeleteImages", body)
            missing = self.answer("delete_missing") or "ok"
            if not names and missing != "ok":
                raise ApiError(missing, "No picture matches this EntityId (and PicName).")
            for name in names:
                del group.pictures[name]
            group.updated = time.time()
        return {}

    def action_CreateImage(self, body: dict[str, Any], request_id: str, secret_id: str) -> dict[str, Any]:
        """Add one picture to a gallery.

        :return: ``Object``: the detected subject in a product gallery (the ``ImageRect`` or the whole
            picture), ``None`` elsewhere.
        :raises ApiError: a bad parameter or picture, a PicName already in the gallery, an entity or a
            gallery that is full.
        """
        check_params("CreateImage", body, CREATE_IMAGE_PARAMS, BAD, strict=True)
        _check_create_names(body)
        pic_name = body["PicName"]
        tags = check_tags(body.get("Tags"))
        category = body.get("CategoryId")
        if category is not None and category not in CATEGORIES:
            raise ApiError(BAD, f"CategoryId must be one of {list(CATEGORIES)}, got {category}.")
        rect = check_rect(body.get("ImageRect"))
        with self.lock:
            group = self.group(body)
            if pic_name in group.pictures:  # cheap early answer; checked again before storing
                raise ApiError("InvalidParameterValue.PicNameAlreadyExist", f"PicName {pic_name!r} already exists.")
            detect = group.group_type in PRODUCT_GROUP_TYPES and body.get("EnableDetect") is not False
        data = image_bytes(body, self.emulator.download_timeout)
        width, height = check_picture(data, detect)
        self._store_picture(body, tags, data, (width, height), request_id)
        if not detect:
            return {"Object": None}  # always sent (api.json: output_required), null when nothing was detected
        box = rect or {"X": 0, "Y": 0, "Width": width, "Height": height}
        return {
            "Object": {"Box": {"Rect": box, "Score": 0.98, "CategoryId": category or 0}, "CategoryId": category or 0}
        }

    def _store_picture(
        self, body: dict[str, Any], tags: str, data: bytes, size: tuple[int, int], request_id: str
    ) -> None:
        """Store a checked picture (``size``: width, height) in its gallery, under the lock.

        :raises ApiError: the PicName is already there (checked again: another request may have stored
            it meanwhile), the EntityId holds its maximum of pictures, or the gallery is full.
        """
        entity, pic_name = body["EntityId"], body["PicName"]
        with self.lock:
            group = self.group(body)
            if pic_name in group.pictures:
                raise ApiError("InvalidParameterValue.PicNameAlreadyExist", f"PicName {pic_name!r} already exists.")
            held = sum(1 for p in group.pictures.values() if p["EntityId"] == entity)
            if held >= MAX_PICTURES_PER_ENTITY:
                raise ApiError(
                    "FailedOperation.ImageEntityCountExceed",
                    f"EntityId {entity!r} already holds {held} pictures; at most {MAX_PICTURES_PER_ENTITY} allowed.",
                )
            if len(group.pictures) >= group.capacity:
                raise ApiError("FailedOperation.ImageNumExceed", f"The gallery is full ({group.capacity} pictures).")
            group.pictures[pic_name] = {
                "GroupId": body["GroupId"],
                "EntityId": entity,
                "PicName": pic_name,
                "CustomContent": body.get("CustomContent") or "",
                "Tags": tags,
                "sha256": hashlib.sha256(data).hexdigest(),
                "phash": picture_hash(data),
                "width": size[0],
                "height": size[1],
                "RequestId": request_id,
                "created": time.time(),
            }
            group.updated = time.time()

    def state(self) -> dict[str, Any]:
        return {}
