"""The CAM permissions each operator and sensor needs: one declaration, read by the docs and their tests.

A CAM policy grants actions named ``<service>:<Action>`` (``tiia:CreateImage``, ``vod:DescribeTaskDetail``,
``cos:PutObject``...). :data:`TASK_PERMISSIONS` lists, for every operator and sensor class (by class name), each
action it can call and when: an API action of the service always or under the condition given; a COS action only
when the argument named is a ``cos://`` path (``s3://`` paths use the AWS credentials, ``file://`` and local paths
none). :data:`CONNECTION_PERMISSIONS` holds what the connection itself may call, whatever the task.

The docs build the permissions table from these tuples (``docs/conf.py``), and ``tests/docs/test_permissions.py``
checks that each how-to page names every action of its operator and that the Tencent Cloud API actions that an
operator's code can reach through its hook are all declared here. Pure data: nothing is imported from the hooks.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CONNECTION_PERMISSIONS", "TASK_PERMISSIONS", "Permission", "permissions_of"]


@dataclass(frozen=True)
class Permission:
    """One CAM action that a task (or the connection) may call.

    :param action: the CAM action, ``<service>:<Action>``.
    :param when: the condition under which it is called; empty, or a reason that starts with "always": on every run.
    """

    action: str
    when: str = ""

    @property
    def always(self) -> bool:
        """Whether every run calls it (no condition, or one that starts with "always")."""
        return not self.when or self.when.startswith("always")

    @property
    def service(self) -> str:
        """The CAM service prefix (``tiia``, ``vod``, ``cos``, ``sts``)."""
        return self.action.partition(":")[0]


_P = Permission

_PICTURE_READ = "a picture (``image_path``, an item's ``image_path``) is a ``cos://`` path"
_SOURCE_LIST = "``source_prefix`` is a ``cos://`` folder (listed)"
_SOURCE_READ = "``source_prefix`` is a ``cos://`` folder (each picture read)"
_CHECKPOINT = "``checkpoint_path`` is a ``cos://`` folder (journal, lease and the probe of conditional writes)"
_MANIFEST = "``manifest_path`` is a ``cos://`` object"
_OUTPUT = (
    "``output_path`` is a ``cos://`` folder "
    "(each file uploaded under a temporary name, then renamed: a copy and a delete)"
)
_OUTPUT_LARGE = "``output_path`` is a ``cos://`` folder and a file is over 50 MB (s3fs uploads it in parts)"
_REUSED = "a picture, or an older version of it, is already in the gallery"

#: The object-storage actions of a batch's ``cos://`` checkpoint folder.
_CHECKPOINT_ACTIONS = (
    _P("cos:GetBucket", _CHECKPOINT),
    _P("cos:GetObject", _CHECKPOINT),
    _P("cos:HeadObject", _CHECKPOINT),
    _P("cos:PutObject", _CHECKPOINT),
    _P("cos:DeleteObject", _CHECKPOINT),
)
#: The object-storage actions of copying AIGC output files to a ``cos://`` ``output_path``.
_OUTPUT_ACTIONS = (
    _P("cos:PutObject", _OUTPUT),
    _P("cos:GetObject", _OUTPUT),
    _P("cos:DeleteObject", _OUTPUT),
    _P("cos:InitiateMultipartUpload", _OUTPUT_LARGE),
    _P("cos:UploadPart", _OUTPUT_LARGE),
    _P("cos:CompleteMultipartUpload", _OUTPUT_LARGE),
)
_AIGC_SUBMIT = (
    _P(
        "vod:DescribeTaskDetail",
        "the task is waited for (``wait_for_completion``, the default), "
        "or a task found again is compared with the request",
    ),
    _P("vod:DescribeTasks", "a submit is refused as a repeat of its SessionId: the task is found by it"),
)

TASK_PERMISSIONS: dict[str, tuple[Permission, ...]] = {
    "ImageSearchCreateImageOperator": (
        _P("tiia:CreateImage"),
        _P("tiia:DescribeImages", "the PicName exists already: the stored picture is compared with the one sent"),
        _P("tiia:DescribeGroups", "a picture is over the product galleries' limits: the gallery's type is asked"),
        _P("cos:GetObject", _PICTURE_READ),
    ),
    "ImageSearchCreateImageBatchOperator": (
        _P("tiia:CreateImage"),
        _P("tiia:DescribeImages", "always: once per EntityId, to count its pictures (at most 10)"),
        _P("tiia:DeleteImages", f"``on_change='replace'`` (default) and {_REUSED}"),
        _P("tiia:DescribeGroups", "a picture is over the product galleries' limits: the gallery's type is asked"),
        _P("cos:GetObject", _PICTURE_READ),
        _P("cos:GetBucket", _SOURCE_LIST),
        _P("cos:GetObject", _SOURCE_READ),
        _P("cos:PutObject", _MANIFEST),
        *_CHECKPOINT_ACTIONS,
    ),
    "ImageSearchSearchImageOperator": (
        _P("tiia:SearchImage"),
        _P("cos:GetObject", "``image_path`` is a ``cos://`` path"),
    ),
    "ImageSearchSearchImageBatchOperator": (
        _P("tiia:SearchImage"),
        _P("cos:GetObject", _PICTURE_READ),
        _P("cos:GetBucket", _SOURCE_LIST),
        _P("cos:GetObject", _SOURCE_READ),
        _P("cos:PutObject", _MANIFEST),
        *_CHECKPOINT_ACTIONS,
    ),
    "ImageSearchUpdateImageOperator": (_P("tiia:UpdateImage"),),
    "ImageSearchDeleteImagesOperator": (
        _P("tiia:DescribeImages", "always: what is there is counted first (and read back after an unclear error)"),
        _P("tiia:DeleteImages"),
    ),
    "ImageSearchCreateGroupOperator": (
        _P("tiia:DescribeGroups", "always: an existing gallery is compared with the settings asked"),
        _P("tiia:CreateGroup", "the gallery does not exist yet"),
    ),
    "ImageSearchSyncGalleryOperator": (
        _P("tiia:DescribeGroups", "always: the gallery must exist"),
        _P("tiia:DescribeImages", "a picture is new, replaced or deleted (what its EntityId holds is read)"),
        _P("tiia:CreateImage", "a picture is new or changed"),
        _P("tiia:DeleteImages", "a picture is changed or gone from storage"),
        _P("cos:GetBucket", _SOURCE_LIST),
        _P("cos:GetObject", _SOURCE_READ),
        _P("cos:HeadBucket", "``source_prefix`` is a ``cos://`` folder (does its bucket exist?)"),
        _P("cos:HeadObject", "``source_prefix`` or ``manifest_path`` is on ``cos://`` (does it exist?)"),
        _P("cos:GetObject", "``manifest_path`` is a ``cos://`` object (read)"),
        _P("cos:PutObject", "``manifest_path`` is a ``cos://`` object (written after each change)"),
    ),
    "VodCreateAigcElementOperator": (
        _P("vod:CreateAigcCustomElement"),
        _P(
            "cos:GetObject",
            "a picture is a ``cos://`` path: read, checked, then downloaded by VOD with a presigned URL",
        ),
    ),
    "VodCreateAigcElementBatchOperator": (
        _P("vod:CreateAigcCustomElement"),
        _P(
            "cos:GetObject",
            "a picture is a ``cos://`` path: read, checked, then downloaded by VOD with a presigned URL",
        ),
        _P("cos:PutObject", _MANIFEST),
        *_CHECKPOINT_ACTIONS,
    ),
    "VodCreateAigcVideoOperator": (_P("vod:CreateAigcVideoTask"), *_AIGC_SUBMIT, *_OUTPUT_ACTIONS),
    "VodCreateAigcImageOperator": (_P("vod:CreateAigcImageTask"), *_AIGC_SUBMIT, *_OUTPUT_ACTIONS),
    "VodAigcTaskSensor": (_P("vod:DescribeTaskDetail"), *_OUTPUT_ACTIONS),
}

#: What the connection may call whatever the task (see ``docs/connection.rst``).
CONNECTION_PERMISSIONS: tuple[Permission, ...] = (
    _P("sts:AssumeRole", "the connection sets ``role_arn`` (on the role; its trust policy must trust the key)"),
    _P("sts:GetCallerIdentity", "``hook.test_connection()`` (the UI's *Test* button)"),
)


def permissions_of(task_class: str) -> tuple[Permission, ...]:
    """The permissions of the operator or sensor named ``task_class`` (its class name).

    :raises KeyError: for a class this table does not list.
    """
    return TASK_PERMISSIONS[task_class]
