"""Image Search (TIIA) gallery calls, with the idempotent ``CreateImage`` the operators rely on.

``CreateImage`` is safe to repeat because PicName is unique in a gallery: a repeat can only
answer ``InvalidParameterValue.PicNameAlreadyExist``. So transient failures *are* retried, and a
conflict is settled with ``DescribeImages``: the stored picture is ours when its EntityId,
CustomContent and Tags are those we sent.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any, Literal

from airflow_provider_tencent.contracts import ErrorKind
from airflow_provider_tencent.contracts import image_search as contract
from airflow_provider_tencent.contracts.image_search_errors import (
    GALLERY_EMPTY,
    GROUP_EXISTS,
    GROUP_NOT_FOUND,
    IMAGE_NOT_FOUND,
    PIC_NAME_CONFLICT,
)
from airflow_provider_tencent.exceptions import (
    TencentCloudAPIError,
    TencentCloudBadRequestError,
    TencentCloudInputError,
)
from airflow_provider_tencent.hooks.base import TencentCloudHook
from airflow_provider_tencent.hooks.image_search_results import CreateImageResult, SearchMatch, SearchResult
from airflow_provider_tencent.hooks.retry import Limiter
from airflow_provider_tencent.validation import normal_tags

__all__ = ["IfExists", "ImageSearchHook"]

IfExists = Literal["fail", "skip"]


class ImageSearchHook(TencentCloudHook):
    """Calls to Tencent Cloud Image Search (``tiia``, 2019-05-29)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._group_types: dict[str, int | None] = {}
        self._group_types_lock = threading.Lock()  # a batch's threads ask at once: one call, not one each

    def gallery_type(self, group_id: str) -> int | None:
        """The ``GroupType`` of gallery ``group_id`` (one ``DescribeGroups`` per hook and gallery).

        ``None`` when it cannot be told - no such gallery, or the key may not call ``DescribeGroups``
        (logged): the service still enforces its rules then.
        """
        with self._group_types_lock:
            if group_id not in self._group_types:
                try:
                    groups = self.describe_groups(group_id)
                except TencentCloudAPIError as exc:
                    self.log.warning(
                        "Cannot read the type of gallery %r (%s): its picture rules are left to the service",
                        group_id,
                        exc.code,
                    )
                    groups = []
                found = [g.get("GroupType") for g in groups if g.get("GroupId") == group_id]
                self._group_types[group_id] = int(found[0]) if found and found[0] is not None else None
            return self._group_types[group_id]

    def _call(self, action: str, params: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self.call(contract.SERVICE, contract.VERSION, action, params, **kwargs)

    def create_group(
        self, group_id: str, group_name: str, max_capacity: int = contract.DEFAULT_MAX_CAPACITY, **extra: Any
    ) -> dict[str, Any]:
        """Create a gallery of at most ``max_capacity`` pictures.

        ``MaxCapacity`` counts pictures ("图片库可容纳的最大图片特征条数,一张图片对应一条图片特征数据") and
        cannot be changed later; the default, 100,000, is our own choice. ``group_id``: letters, digits
        and underscores (checked here, before any call).
        """
        if not isinstance(group_id, str) or not re.match(contract.GROUP_ID_PATTERN, group_id):
            raise TencentCloudInputError(
                f"GroupId {group_id!r}: only letters, digits and underscores are allowed (CreateGroup document)"
            )
        if isinstance(max_capacity, bool) or not isinstance(max_capacity, int) or max_capacity < 1:
            raise TencentCloudInputError(
                f"MaxCapacity {max_capacity!r}: the number of pictures the gallery holds, an integer of at least 1"
            )
        params = {"GroupId": group_id, "GroupName": group_name, "MaxCapacity": max_capacity, **extra}
        return self._call("CreateGroup", params)

    def describe_groups(self, group_id: str | None = None) -> list[dict[str, Any]]:
        """The galleries (only ``group_id`` when given); ``[]`` when it does not exist.

        The service may answer an unknown GroupId with an empty list or with
        ``InvalidParameterValue.ImageGroupIdNotExist`` (in DescribeGroups' documented errors): both are "none".
        """
        params: dict[str, Any] = {"Limit": 100}
        if group_id:
            params["GroupId"] = group_id
        try:
            response = self._call("DescribeGroups", params)
        except TencentCloudAPIError as exc:
            if group_id and exc.code == GROUP_NOT_FOUND:
                return []
            raise
        groups: list[dict[str, Any]] = response.get("Groups") or []
        return groups

    def describe_images(
        self, group_id: str, entity_id: str, pic_name: str | None = None, *, limiter: Limiter | None = None
    ) -> list[dict[str, Any]]:
        """The pictures of ``entity_id`` (only ``pic_name`` when given); ``[]`` when there are none.

        The service answers "none" with the error ``FailedOperation.ImageNotFoundInfo``, not an empty list.
        """
        params = {"GroupId": group_id, "EntityId": entity_id}
        if pic_name:
            params["PicName"] = pic_name
        try:
            response = self._call("DescribeImages", params, limiter=limiter)
        except TencentCloudAPIError as exc:
            if exc.code == IMAGE_NOT_FOUND:
                return []
            raise
        infos: list[dict[str, Any]] = response.get("ImageInfos") or []
        return infos

    def delete_images(
        self,
        group_id: str,
        entity_id: str,
        pic_name: str | None = None,
        *,
        whole_entity: bool = False,
        count: bool = True,
        limiter: Limiter | None = None,
    ) -> dict[str, Any]:
        """``DeleteImages`` of one picture, or of every picture of ``entity_id`` with ``whole_entity=True``.

        Without ``pic_name`` the service deletes EVERY picture of the EntityId, so that needs
        ``whole_entity`` to be the boolean ``True`` (a text such as ``"false"`` is refused).

        :param count: count first (``DescribeImages``), so the answer says what was removed:
            ``{"status": "deleted" | "absent", "GroupId", "EntityId", "Deleted": n, "PicNames": [...],
            "RequestId"}``. ``False`` (a caller that knows the picture is there, e.g. the one it replaced) sends
            ``DeleteImages`` at once; ``pic_name`` is then required and is the one name in ``PicNames``.

        Retried on transient errors: deleting what is already gone leaves the gallery as asked, so "not
        found" (after a repeat, or at once) is read as done. Which code the service answers for "nothing to
        delete" is not documented: ``FailedOperation.ImageNotFoundInfo`` is read as done at once; any other
        error is settled by one ``DescribeImages`` - nothing left to delete is done, else the error is raised.
        """
        _check_whole_entity(entity_id, pic_name, whole_entity)
        answer: dict[str, Any] = {"GroupId": group_id, "EntityId": entity_id}
        if count:
            present = self.describe_images(group_id, entity_id, pic_name or None, limiter=limiter)
            if not present:
                return {"status": "absent", **answer, "Deleted": 0, "PicNames": []}
            names = [info.get("PicName") for info in present]
        elif pic_name:
            names = [pic_name]
        else:
            raise TencentCloudInputError("count=False needs the pic_name to delete", field="pic_name")
        request_id = self._delete(group_id, entity_id, pic_name, limiter)
        return {"status": "deleted", **answer, "Deleted": len(names), "PicNames": names, "RequestId": request_id}

    def _delete(self, group_id: str, entity_id: str, pic_name: str | None, limiter: Limiter | None) -> str | None:
        """One ``DeleteImages`` call; its RequestId. "Nothing to delete" is done (see :meth:`delete_images`)."""
        params: dict[str, Any] = {"GroupId": group_id, "EntityId": entity_id}
        if pic_name:
            params["PicName"] = pic_name
        try:
            request_id: str | None = self._call("DeleteImages", params, retry_transient=True, limiter=limiter).get(
                "RequestId"
            )
        except TencentCloudAPIError as exc:
            if exc.code != IMAGE_NOT_FOUND and not self._gone(group_id, entity_id, pic_name, exc, limiter):
                raise
            request_id = exc.request_id
        return request_id

    def _gone(
        self, group_id: str, entity_id: str, pic_name: str | None, exc: TencentCloudAPIError, limiter: Limiter | None
    ) -> bool:
        """Whether a ``DeleteImages`` that failed with ``exc`` left nothing to delete (asked once)."""
        try:
            left = self.describe_images(group_id, entity_id, pic_name, limiter=limiter)
        except TencentCloudAPIError:
            return False
        if not left:
            self.log.info("DeleteImages answered %s, but nothing is left to delete: done", exc.code)
        return not left

    def create_image(
        self,
        params: dict[str, Any],
        *,
        if_exists: IfExists = "fail",
        limiter: Limiter | None = None,
        other_entity: str | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> CreateImageResult:
        """Create one picture, idempotently.

        :param params: the API request (``GroupId``, ``EntityId``, ``PicName``, ...), already validated.
        :param if_exists: when PicName already holds a *different* picture (or a picture under another
            EntityId: PicName is unique in the gallery): ``fail`` raises
            :class:`TencentCloudBadRequestError`, ``skip`` returns status ``skipped``.
        :param other_entity: the EntityId that holds this PicName when the caller knows it (a batch
            that sends the same PicName under two EntityIds): named in the conflict message.
        :return: status ``created``; or ``exists`` when the PicName already holds the very picture
            we send (a previous attempt of ours stored it: a timeout after sending, a task retry,
            a DAG re-run), confirmed by ``DescribeImages``.
        """
        group_id, entity_id, pic_name = params["GroupId"], params["EntityId"], params["PicName"]
        try:
            response = self._call("CreateImage", params, retry_transient=True, limiter=limiter, before_send=before_send)
        except TencentCloudAPIError as exc:
            if exc.code != PIC_NAME_CONFLICT:
                raise
            return self._settle_conflict(params, exc, if_exists, other_entity)
        return CreateImageResult(
            "created", group_id, entity_id, pic_name, response.get("RequestId"), response.get("Object")
        )

    def _settle_conflict(
        self,
        params: dict[str, Any],
        exc: TencentCloudAPIError,
        if_exists: IfExists,
        other_entity: str | None = None,
    ) -> CreateImageResult:
        group_id, entity_id, pic_name = params["GroupId"], params["EntityId"], params["PicName"]
        mine = self.describe_images(group_id, entity_id, pic_name)
        sent_content = params.get("CustomContent") or ""
        sent_tags = normal_tags(params.get("Tags"))
        for info in mine:
            if (
                info.get("PicName") == pic_name
                and info.get("EntityId") == entity_id
                and (info.get("CustomContent") or "") == sent_content
                and normal_tags(info.get("Tags")) == sent_tags
            ):
                self.log.info("PicName %r already holds this picture: confirmed by DescribeImages", pic_name)
                return CreateImageResult(
                    "exists",
                    group_id,
                    entity_id,
                    pic_name,
                    exc.request_id,
                    None,
                    "already in the gallery with the same EntityId, CustomContent and Tags",
                )
        if not mine:
            other = f"EntityId {other_entity!r}" if other_entity else "another EntityId"
            reason = (
                f"PicName {pic_name!r} already exists in gallery {group_id!r} under {other}, not under "
                f"EntityId {entity_id!r} (PicName is unique in the whole gallery)"
            )
        else:
            reason = (
                f"PicName {pic_name!r} already exists in gallery {group_id!r} with a different picture "
                f"(CustomContent/Tags differ)"
            )
        if if_exists == "skip":
            self.log.info("%s: skipped (if_exists='skip')", reason)
            return CreateImageResult("skipped", group_id, entity_id, pic_name, exc.request_id, None, reason)
        raise TencentCloudBadRequestError(
            code=PIC_NAME_CONFLICT,
            message=reason,
            action="CreateImage",
            kind=ErrorKind.CONFLICT,
            request_id=exc.request_id,
            hint="choose another PicName, or set if_exists='skip'",
        )

    # -- search, tag updates, deletes, idempotent galleries ------------------------
    def search_image(
        self,
        params: dict[str, Any],
        *,
        limiter: Limiter | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> SearchResult:
        """``SearchImage`` with an already validated request; read-only, so every transient error is retried.

        :return: the matches, best first (``[]`` when nothing scores over the threshold). The service
            answers an empty gallery with ``FailedOperation.ImageGroupEmpty``: that is read as no match.
        :raises TencentCloudAPIError: when the answer has no ``ImageInfos``/``Count`` (not a search answer).
        """
        try:
            response = self._call("SearchImage", params, limiter=limiter, before_send=before_send)
        except TencentCloudAPIError as exc:
            if exc.code == GALLERY_EMPTY:
                return SearchResult(params["GroupId"], (), None, exc.request_id)
            raise
        if "Count" not in response and "ImageInfos" not in response:
            raise TencentCloudAPIError(
                code="IncompleteAnswer",
                message="SearchImage answered without Count or ImageInfos",
                action="SearchImage",
                kind=ErrorKind.TRANSIENT,
                request_id=response.get("RequestId"),
            )
        matches = tuple(
            SearchMatch(
                entity_id=info.get("EntityId") or "",
                pic_name=info.get("PicName") or "",
                score=int(info.get("Score") or 0),
                custom_content=info.get("CustomContent") or "",
                tags=normal_tags(info.get("Tags")),
            )
            for info in response.get("ImageInfos") or []
        )
        return SearchResult(params["GroupId"], matches, response.get("Object"), response.get("RequestId"))

    def update_image(
        self,
        group_id: str,
        entity_id: str,
        pic_name: str | None = None,
        *,
        tags: str,
        limiter: Limiter | None = None,
    ) -> dict[str, Any]:
        """``UpdateImage``: set the tags of one picture (``pic_name``) or of every picture of ``entity_id``.

        ``EntityId`` is required (UpdateImage page: 必选 是). Retried on transient errors: setting the
        same tags again is harmless (``contract.RETRY_DECISIONS``).
        """
        params: dict[str, Any] = {"GroupId": group_id, "EntityId": entity_id, "Tags": tags}
        if pic_name:
            params["PicName"] = pic_name
        return self._call("UpdateImage", params, retry_transient=True, limiter=limiter)

    def ensure_group(
        self,
        group_id: str,
        group_name: str,
        max_capacity: int = contract.DEFAULT_MAX_CAPACITY,
        *,
        brief: str | None = None,
        max_qps: int | None = None,
        group_type: int | None = None,
    ) -> dict[str, Any]:
        """Create gallery ``group_id`` unless it exists with the same settings (idempotent).

        ``{"status": "created" | "exists", "GroupId", settings...}``. A gallery that exists with other
        settings (GroupName, MaxCapacity, Brief, GroupType - the ones given) fails naming each
        difference. ``MaxQps`` is not one: the service may keep less than was asked (a gallery created
        with more than 10 reads back 10 until the quota is raised), so another value is logged, not
        refused. A transient error or ``ImageGroupIdAlreadyExist`` is settled by ``DescribeGroups``;
        ``CreateGroup`` itself is never repeated blindly.
        """
        wanted = _wanted_gallery(group_name, max_capacity, brief, max_qps, group_type)
        existing = self._settle_gallery(group_id, wanted, None)
        if existing is not None:
            return existing
        extra = {k: v for k, v in wanted.items() if k not in ("GroupName", "MaxCapacity")}
        try:
            response = self.create_group(group_id, group_name, max_capacity, **extra)
        except TencentCloudAPIError as exc:
            if exc.code != GROUP_EXISTS and not exc.retryable:
                raise
            settled = self._settle_gallery(group_id, wanted, exc.request_id)
            if settled is None:
                raise
            return settled
        return {"status": "created", "GroupId": group_id, **wanted, "RequestId": response.get("RequestId")}

    def _settle_gallery(self, group_id: str, wanted: dict[str, Any], request_id: str | None) -> dict[str, Any] | None:
        """Read gallery ``group_id`` back (``DescribeGroups``) and compare it with ``wanted``.

        :return: ``None`` when it does not exist; else ``{"status": "exists", "GroupId", settings...,
            "RequestId": request_id}``. A different ``MaxQps`` is only logged (the service sets it).
        :raises TencentCloudInputError: it exists with another setting of ``wanted``, naming each
            difference (``field``: the first).
        """
        found = [g for g in self.describe_groups(group_id) if g.get("GroupId") == group_id]
        if not found:
            return None
        have = _gallery_settings(found[0])
        if "MaxQps" in wanted and have.get("MaxQps") != wanted["MaxQps"]:
            self.log.warning(
                "Gallery %r has MaxQps %r, not the %r asked: the service sets it (raise it with Tencent Cloud)",
                group_id,
                have.get("MaxQps"),
                wanted["MaxQps"],
            )
        differing = [k for k, v in wanted.items() if k != "MaxQps" and have.get(k) != v]
        if differing:
            diffs = [f"{k}: wanted {wanted[k]!r}, the gallery has {have.get(k)!r}" for k in differing]
            raise TencentCloudInputError(
                f"Gallery {group_id!r} already exists with other settings ({'; '.join(diffs)}); "
                "MaxCapacity and GroupType cannot be changed: choose another GroupId or match its settings",
                field=differing[0],
            )
        return {"status": "exists", "GroupId": group_id, **have, "RequestId": request_id}


def _wanted_gallery(
    group_name: str, max_capacity: int, brief: str | None, max_qps: int | None, group_type: int | None
) -> dict[str, Any]:
    """The gallery settings asked for, by their API names: GroupName and MaxCapacity always, Brief, MaxQps
    and GroupType when given."""
    wanted: dict[str, Any] = {"GroupName": group_name, "MaxCapacity": max_capacity}
    if brief is not None:
        wanted["Brief"] = brief
    if max_qps is not None:
        wanted["MaxQps"] = max_qps
    if group_type is not None:
        wanted["GroupType"] = group_type
    return wanted


def _gallery_settings(group: dict[str, Any]) -> dict[str, Any]:
    return {k: group.get(k) for k in ("GroupName", "MaxCapacity", "Brief", "MaxQps", "GroupType")}


def _check_whole_entity(entity_id: str, pic_name: str | None, whole_entity: bool) -> None:
    """``DeleteImages`` without a PicName deletes every picture of the EntityId: only when asked so, with
    ``whole_entity`` the boolean ``True`` (a text such as ``"false"`` is not a yes)."""
    if not pic_name and whole_entity is not True:
        raise TencentCloudInputError(
            f"DeleteImages without a PicName deletes EVERY picture of EntityId {entity_id!r}: "
            "give pic_name, or whole_entity=True to mean it",
            field="pic_name",
        )
