"""Image Search (TIIA) gallery management: tags, deletions, galleries.

* :class:`ImageSearchUpdateImageOperator` - the tags of one picture
  or of every picture of an EntityId;
* :class:`ImageSearchDeleteImagesOperator` - one picture, or a whole
  EntityId only with ``whole_entity=True``;
* :class:`ImageSearchCreateGroupOperator` - an idempotent gallery.

Every argument is checked against :mod:`airflow_provider_tencent.contracts.image_search` before any API
call; a refusal names the argument, the limit and the value's size. Importing this module imports
no Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_tencent.contracts import image_search as contract
from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.operators.base import ImageSearchOperatorMixin, TencentCloudBaseOperator
from airflow_provider_tencent.validation import (
    Problem,
    field_problems,
    normal_tags,
    raise_if,
    strict_bool,
    tags_problems,
    template_int,
    template_tags,
)

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

__all__ = [
    "ImageSearchCreateGroupOperator",
    "ImageSearchDeleteImagesOperator",
    "ImageSearchUpdateImageOperator",
]


class ImageSearchUpdateImageOperator(ImageSearchOperatorMixin, TencentCloudBaseOperator[ImageSearchHook]):
    """Replace the tags of one picture, or of every picture of an EntityId (``UpdateImage``).

    Setting tags is idempotent, so transient errors are retried. A target that holds no picture fails with
    ``FailedOperation.ImageNotFoundInfo``.

    :param group_id: gallery (``GroupId``).
    :param tags: the new ``Tags``, a dict or JSON object of at most 10 keys; they replace the picture's tags.
    :param entity_id: ``EntityId``, required, at most 64 characters.
    :param pic_name: ``PicName``, at most 64 characters; ``None``: every picture of ``entity_id``.
    :return: (XCom) ``{"status": "updated", "GroupId", "EntityId", "PicName", "Tags", "RequestId"}``.

    OpenLineage: output the gallery; action ``UpdateImage``.
    """

    lineage_action = "UpdateImage"
    template_fields: Sequence[str] = (
        *TencentCloudBaseOperator.template_fields,
        "group_id",
        "entity_id",
        "pic_name",
        "tags",
    )
    template_fields_renderers = {"tags": "json"}

    def __init__(
        self,
        *,
        group_id: str,
        tags: dict[str, Any] | str,
        entity_id: str,
        pic_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.group_id = group_id
        self.tags = tags
        self.entity_id = entity_id
        self.pic_name = pic_name

    def execute(self, context: Context) -> dict[str, Any]:
        params = {
            "GroupId": self.group_id,
            "EntityId": self.entity_id or None,
            "PicName": self.pic_name or None,
            "Tags": template_tags(self.tags),
        }
        params = {k: v for k, v in params.items() if v is not None}
        problems = field_problems(contract.UPDATE_IMAGE, params) + tags_problems(params.get("Tags"))
        if "Tags" not in params:
            problems.append(Problem("tags", "required", "missing", "tags (Tags) is required: the new tags"))
        raise_if(problems, "UpdateImage")
        self.persist_links(context)
        response = self.hook.update_image(self.group_id, params["EntityId"], params.get("PicName"), tags=params["Tags"])
        self.record_lineage(request_ids=[response.get("RequestId")])
        self.log.info(
            "UpdateImage: GroupId=%s EntityId=%s PicName=%s RequestId=%s",
            self.group_id,
            self.entity_id,
            self.pic_name,
            response.get("RequestId"),
        )
        return {
            "status": "updated",
            "GroupId": self.group_id,
            "EntityId": self.entity_id or None,
            "PicName": self.pic_name or None,
            "Tags": normal_tags(params["Tags"]),
            "RequestId": response.get("RequestId"),
        }


class ImageSearchDeleteImagesOperator(ImageSearchOperatorMixin, TencentCloudBaseOperator[ImageSearchHook]):
    """Delete one picture, or every picture of an EntityId (``DeleteImages``).

    ``DeleteImages`` without a PicName deletes EVERY picture of the EntityId: that needs
    ``whole_entity=True`` (and no ``pic_name``). The pictures are counted first (``DescribeImages``)
    so the result says how many were removed. Retried on transient errors: deleting what is already
    gone leaves the gallery as asked.

    :param group_id: the gallery (``GroupId``).
    :param entity_id: the ``EntityId`` whose picture(s) to delete.
    :param pic_name: the picture (``PicName``); leave it out only with ``whole_entity=True``.
    :param whole_entity: ``True`` (or the rendered text ``"true"``) deletes every picture of the
        EntityId; ``False``/``"false"`` (default) needs ``pic_name``. Anything else - ``"0"``, ``"no"``,
        an unrendered ``"{{ params.whole }}"`` - is refused before any call.
    :param missing_ok: nothing to delete is success (``status`` ``absent``, default); ``False`` fails.
        Read as strictly as ``whole_entity``.
    :return: (XCom) ``{"status": "deleted" | "absent", "GroupId", "EntityId", "Deleted", "PicNames", "RequestId"}``.

    OpenLineage: output the gallery; action ``DeleteImages`` (no RequestId when nothing was there to delete).
    """

    lineage_action = "DeleteImages"
    template_fields: Sequence[str] = (
        *TencentCloudBaseOperator.template_fields,
        "group_id",
        "entity_id",
        "pic_name",
        "whole_entity",
        "missing_ok",
    )

    def __init__(
        self,
        *,
        group_id: str,
        entity_id: str,
        pic_name: str | None = None,
        whole_entity: bool | str = False,
        missing_ok: bool | str = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.group_id = group_id
        self.entity_id = entity_id
        self.pic_name = pic_name
        self.whole_entity = whole_entity
        self.missing_ok = missing_ok

    def execute(self, context: Context) -> dict[str, Any]:
        whole_entity = strict_bool("whole_entity", self.whole_entity)
        missing_ok = strict_bool("missing_ok", self.missing_ok)
        params = {"GroupId": self.group_id, "EntityId": self.entity_id, "PicName": self.pic_name or None}
        problems = field_problems(contract.DELETE_IMAGES, params)
        limits = contract.CREATE_IMAGE
        for name in ("EntityId", "PicName"):
            spec = limits.field(name)
            value = params.get(name)
            if isinstance(value, str) and spec.max_chars and len(value) > spec.max_chars:
                problems.append(
                    Problem(
                        spec.arg,
                        f"at most {spec.max_chars} characters",
                        f"{len(value)} characters",
                        f"{spec.arg} ({name}) is {len(value)} characters; the limit is {spec.max_chars}",
                    )
                )
        if self.pic_name and whole_entity:
            problems.append(
                Problem(
                    "whole_entity", "pic_name or whole_entity", "both", "give pic_name or whole_entity=True, not both"
                )
            )
        if not self.pic_name and not whole_entity:
            problems.append(
                Problem(
                    "pic_name",
                    "pic_name, or whole_entity=True",
                    "missing",
                    f"without pic_name DeleteImages deletes EVERY picture of EntityId {self.entity_id!r}: "
                    "give pic_name, or whole_entity=True to mean it",
                )
            )
        raise_if(problems, "DeleteImages")
        self.persist_links(context)
        result = self.hook.delete_images(
            self.group_id, self.entity_id, self.pic_name or None, whole_entity=whole_entity
        )
        self.record_lineage(request_ids=[result.get("RequestId")])
        if result["status"] == "absent" and not missing_ok:
            raise TencentCloudInputError(
                f"DeleteImages: nothing to delete for EntityId {self.entity_id!r}"
                + (f" PicName {self.pic_name!r}" if self.pic_name else "")
                + f" in gallery {self.group_id!r} (missing_ok=False)",
                field="pic_name" if self.pic_name else "entity_id",
            )
        self.log.info(
            "DeleteImages %s: %d picture(s) of EntityId %s removed: %s",
            result["status"],
            result["Deleted"],
            self.entity_id,
            result["PicNames"],
        )
        return result


class ImageSearchCreateGroupOperator(ImageSearchOperatorMixin, TencentCloudBaseOperator[ImageSearchHook]):
    """Create a gallery, idempotently (``CreateGroup``; 1 request/s).

    A gallery that already exists with the same settings is success (``status`` ``exists``); one
    with different settings fails naming each difference (``MaxCapacity`` and ``GroupType`` cannot be
    changed).

    :param group_id: ``GroupId``: letters, digits, underscores.
    :param group_name: ``GroupName``.
    :param max_capacity: ``MaxCapacity``, a number of pictures (default 100,000).
    :param brief: ``Brief``, the gallery's description.
    :param max_qps: ``MaxQps``, the gallery's search rate.
    :param group_type: ``GroupType`` (the service's default when not given).
    :return: (XCom) ``{"status": "created" | "exists", "GroupId", "GroupName", "MaxCapacity", ...}``.

    OpenLineage: output the gallery; action ``CreateGroup``.
    """

    lineage_action = "CreateGroup"
    template_fields: Sequence[str] = (
        *TencentCloudBaseOperator.template_fields,
        "group_id",
        "group_name",
        "max_capacity",
        "brief",
    )

    def __init__(
        self,
        *,
        group_id: str,
        group_name: str,
        max_capacity: int = contract.DEFAULT_MAX_CAPACITY,
        brief: str | None = None,
        max_qps: int | None = None,
        group_type: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.group_id = group_id
        self.group_name = group_name
        self.max_capacity = max_capacity
        self.brief = brief
        self.max_qps = max_qps
        self.group_type = group_type

    def execute(self, context: Context) -> dict[str, Any]:
        params = {
            "GroupId": self.group_id,
            "GroupName": self.group_name,
            "MaxCapacity": template_int(self.max_capacity),
            "Brief": self.brief,
            "MaxQps": template_int(self.max_qps),
            "GroupType": template_int(self.group_type),
        }
        params = {k: v for k, v in params.items() if v is not None}
        problems = field_problems(contract.CREATE_GROUP, params)
        group_id = params.get("GroupId")
        if isinstance(group_id, str) and group_id and not re.match(contract.GROUP_ID_PATTERN, group_id):
            problems.append(
                Problem(
                    "group_id",
                    "letters, digits and underscores",
                    f"{len(group_id)} characters",
                    f"group_id (GroupId) {group_id!r} may hold only letters, digits and underscores",
                )
            )
        capacity = params.get("MaxCapacity")
        if isinstance(capacity, int) and not isinstance(capacity, bool) and capacity < 1:
            problems.append(
                Problem(
                    "max_capacity",
                    ">= 1 picture",
                    f"{capacity}",
                    f"max_capacity is {capacity}; it counts pictures, >= 1",
                )
            )
        raise_if(problems, "CreateGroup")
        result = self.hook.ensure_group(
            params["GroupId"],
            params["GroupName"],
            params["MaxCapacity"],
            brief=params.get("Brief"),
            max_qps=params.get("MaxQps"),
            group_type=params.get("GroupType"),
        )
        self.record_lineage(request_ids=[result.get("RequestId")])
        self.persist_links(context)
        self.log.info("CreateGroup %s: GroupId=%s", result["status"], self.group_id)
        return result
