"""Image Search (TIIA): a gallery kept equal to a storage prefix.

:class:`ImageSearchSyncGalleryOperator` plans creations,
replacements and deletions from its own manifest and the pictures under the prefix, guards against
a wrong prefix, and resumes a failed run. Each picture's ``CreateImage`` request is built by
:func:`~airflow_provider_tencent.payloads.image_search.prepare_create_image`. Importing this module
imports no Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from airflow_provider_tencent.batch.progress import sync_progress
from airflow_provider_tencent.contracts import image_search as contract
from airflow_provider_tencent.exceptions import TencentCloudBatchError, TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.operators.base import ImageSearchOperatorMixin, TencentCloudBaseOperator
from airflow_provider_tencent.operators.image_search.sync_run import SyncRun, content_hash
from airflow_provider_tencent.validation import (
    strict_bool,
)

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

__all__ = ["SYNC_MANIFEST_VERSION", "ImageSearchSyncGalleryOperator", "allowed_deletions", "parse_max_deletions"]


#: Version of the sync manifest's format.
SYNC_MANIFEST_VERSION = 1


def parse_max_deletions(value: Any) -> int | float:
    """``max_deletions`` read strictly: an ``int`` (or digits) is a COUNT of pictures, a number in
    ``[0, 1)`` a SHARE of the pictures the sync manages.

    ``1`` is one picture; ``0.5`` half of them; ``1.0``, other numbers of 1 or more that are not
    integers, booleans and anything else are refused (``max_deletions=True`` or ``1.0`` must not
    silently mean "delete everything").

    :raises TencentCloudInputError: naming ``max_deletions``, before any call.
    """
    number: Any = value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            number = int(text)
        else:
            try:
                number = float(text)
            except ValueError:
                number = None
    if isinstance(number, int) and not isinstance(number, bool) and number >= 0:
        return number
    if isinstance(number, float) and 0.0 <= number < 1.0:
        return number
    raise TencentCloudInputError(
        "max_deletions is a count of pictures (an integer >= 0, e.g. 3) or a share of the pictures this sync "
        f"manages (a number from 0 to under 1, e.g. 0.2); got {value!r} (1.0 and booleans are refused: ambiguous)",
        field="max_deletions",
        limit="integer >= 0, or 0 <= share < 1",
        actual=f"{value!r}",
    )


def allowed_deletions(limit: int | float, owned: int) -> int:
    """How many deletions ``limit`` (see :func:`parse_max_deletions`) allows among ``owned`` pictures."""
    if isinstance(limit, float):
        return math.floor(limit * owned)
    return limit


class ImageSearchSyncGalleryOperator(ImageSearchOperatorMixin, TencentCloudBaseOperator[ImageSearchHook]):
    """Keep gallery ``group_id`` equal to the pictures under ``source_prefix``.

    New pictures are created, changed ones replaced (the new one first), removed ones deleted - only pictures
    this sync created or adopted, as its manifest records them. Every guard is checked before any change; a run
    that failed or was killed is resumed by the next. The plan, the guards and the manifest are described in
    ``docs/operators/sync_gallery.rst``.

    :param group_id: the gallery (``GroupId``).
    :param source_prefix: the folder (``cos://``, ``s3://``, ``file://`` or local) whose pictures the gallery
        must hold; it must list at least one picture (a typo or a missing bucket is refused, naming it).
    :param manifest_path: where the sync keeps its manifest (a file or object path, rewritten atomically).
    :param entity_rule: how a picture's EntityId is made from its key (default ``stem``).
    :param custom_content: ``CustomContent`` of the pictures created.
    :param tags: ``Tags`` of the pictures created (a dict or a JSON object text).
    :param dry_run: ``True``: only report the plan (nothing changes, the manifest is not written).
    :param max_deletions: the most pictures one run may delete, among those the sync manages: an ``int`` is a
        number, a number in ``[0, 1)`` a share (default ``0.2``); ``1.0`` and booleans are refused.
    :param allow_empty: accept a prefix that lists no picture (then every managed picture is planned for
        deletion, within ``max_deletions``); a missing bucket is refused all the same.
    :param max_failures: the task fails when more items than this failed (default 0).
    :param max_qps: requests per second (default: the actions' quota).
    :return: (XCom) ``{"dry_run", "plan": {"create", "replace", "delete", "unchanged"} counts, "outcome"
        counts, "failures": {key: reason}, "manifest"}``. No picture data, no URL signature.

    OpenLineage: input ``source_prefix``, output the gallery (an input only, in a dry run); action
    ``CreateImage,DeleteImages`` with the RequestId of each picture created or deleted.
    """

    lineage_action = "CreateImage,DeleteImages"
    template_fields: Sequence[str] = (
        *TencentCloudBaseOperator.template_fields,
        "group_id",
        "source_prefix",
        "manifest_path",
        "custom_content",
        "tags",
        "sync_dry_run",
        "max_deletions",
        "allow_empty",
    )
    template_fields_renderers = {"tags": "json"}
    ui_color = "#e6f4ff"

    def __init__(
        self,
        *,
        group_id: str,
        source_prefix: Any,
        manifest_path: str,
        entity_rule: str = "stem",
        custom_content: str | None = None,
        tags: dict[str, Any] | str | None = None,
        dry_run: bool | str = False,
        max_deletions: int | float | str = 0.2,
        allow_empty: bool | str = False,
        max_failures: int = 0,
        max_qps: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.group_id = group_id
        self.source_prefix = source_prefix
        self.manifest_path = manifest_path
        self.entity_rule = entity_rule
        self.custom_content = custom_content
        self.tags = tags
        self.sync_dry_run = dry_run  # (BaseOperator.dry_run is a method)
        self.max_deletions = max_deletions
        self.allow_empty = allow_empty
        self.max_failures = max_failures
        self.max_qps = max_qps
        self._uris: dict[str, str] = {}

    # -- state --------------------------------------------------------------------------------
    def _manifest(self) -> Any:
        from airflow_provider_tencent.fs.storage import to_storage_path

        return to_storage_path(self.manifest_path, self.tencentcloud_conn_id)

    def load_state(self) -> dict[str, Any]:
        """The manifest (a fresh one when there is none), keys as object identities (no connection id).

        :raises TencentCloudInputError: naming the file, when it is not a complete JSON manifest or
            belongs to another gallery.
        """
        from airflow_provider_tencent.fs.storage import shown_path, storage_key

        path = self._manifest()
        if not path.exists():
            return {"version": SYNC_MANIFEST_VERSION, "GroupId": self.group_id, "pictures": {}}
        text = path.read_text()
        try:
            state = json.loads(text)
        except ValueError as exc:
            state, problem = None, f"{exc}"
        else:
            problem = "no 'pictures' object"
        if not isinstance(state, dict) or not isinstance(state.get("pictures"), dict):
            raise TencentCloudInputError(
                f"the sync manifest {shown_path(path)} is not a complete sync manifest ({len(text)} characters; "
                f"{problem}): it may have been cut while written. Nothing was changed. Restore it, or remove it "
                "(the next run then adopts the pictures it finds under their content-hash PicNames).",
                field="manifest_path",
                actual=f"{len(text)} characters",
            )
        if state.get("GroupId") != self.group_id:
            raise TencentCloudInputError(
                f"manifest {self.manifest_path!r} belongs to gallery {state.get('GroupId')!r}, not {self.group_id!r}",
                field="manifest_path",
            )
        state["pictures"] = {storage_key(k): v for k, v in state["pictures"].items()}
        return state

    def save_state(self, state: dict[str, Any]) -> None:
        """Write the manifest atomically: a local file through a temporary file renamed over it; an
        object in one PUT (object storage replaces an object whole or not at all)."""
        import os
        import uuid

        path = self._manifest()
        text = json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True)
        if path.protocol not in ("file", "local"):
            path.write_text(text)
            return
        tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
        try:
            tmp.write_text(text)
            os.replace(tmp.path, path.path)
        finally:
            if tmp.exists():
                tmp.unlink()

    def storage(self, allow_empty: bool = False) -> dict[str, str]:
        """``{key: sha256}`` of every picture under the prefix; ``key`` is the object's identity.

        :raises TencentCloudInputError: the bucket does not exist, or (unless ``allow_empty``) the
            prefix lists no picture.
        """
        from airflow_provider_tencent.fs.storage import (
            missing_bucket,
            read_bytes,
            shown_path,
            storage_key,
            to_storage_path,
        )
        from airflow_provider_tencent.payloads.pictures import is_picture

        root = to_storage_path(self.source_prefix, self.tencentcloud_conn_id)
        bucket = missing_bucket(root)
        if bucket is not None:
            raise TencentCloudInputError(
                f"SyncGallery refused: source_prefix {shown_path(root)}: bucket {bucket!r} does not exist, or the "
                "storage answers 404 (check the bucket name and the region/endpoint). Nothing was changed.",
                field="source_prefix",
            )
        found: dict[str, str] = {}
        self._uris = {}
        paths = sorted(root.rglob("*"), key=lambda p: f"{p}") if root.exists() else []
        for path in paths:
            if is_picture(path):
                key = storage_key(path)
                found[key] = content_hash(read_bytes(path))
                self._uris[key] = f"{path}"
        if not found and not allow_empty:
            raise TencentCloudInputError(
                f"SyncGallery refused: source_prefix {shown_path(root)} lists no picture (a typo, or nothing there "
                "yet): read as 'every picture was removed' it would delete all the sync manages. Nothing was "
                "changed. Check source_prefix, or set allow_empty=True if the catalogue is really empty.",
                field="source_prefix",
                limit="at least one picture",
                actual="0 pictures",
            )
        return found

    # -- plan ---------------------------------------------------------------------------------
    def plan(self, state: dict[str, Any], storage: dict[str, str]) -> dict[str, list[str]]:
        known: dict[str, Any] = state["pictures"]
        plan: dict[str, list[str]] = {"create": [], "replace": [], "delete": [], "unchanged": [], "finish": []}
        for key, digest in storage.items():
            entry = known.get(key)
            if entry is None:
                plan["create"].append(key)
            elif entry.get("sha256") != digest:
                plan["replace"].append(key)
            else:
                plan["unchanged"].append(key)
            if entry is not None and entry.get("old_pic_names"):
                plan["finish"].append(key)  # a replacement whose old picture is still to delete
        plan["delete"] = sorted(k for k in known if k not in storage)
        return plan

    def guard(self, plan: dict[str, list[str]], state: dict[str, Any], limit: int | float) -> dict[str, Any]:
        """The deletions against ``max_deletions``, counted among the pictures the sync manages."""
        groups = [g for g in self.hook.describe_groups(self.group_id) if g.get("GroupId") == self.group_id]
        if not groups:
            raise TencentCloudInputError(f"gallery {self.group_id!r} does not exist", field="group_id")
        managed = len(state["pictures"])
        deleting = len(plan["delete"])
        allowed = allowed_deletions(limit, managed)
        return {
            "deleting": deleting,
            "managed_pictures": managed,
            "gallery_pictures": int(groups[0].get("PicCount") or 0),
            "allowed": allowed,
            "ok": deleting <= allowed,
        }

    def _refusal(self, guard: dict[str, Any]) -> str:
        return (
            f"SyncGallery refused: the plan deletes {guard['deleting']} of the {guard['managed_pictures']} pictures "
            f"this sync manages, over max_deletions={self.max_deletions!r} ({guard['allowed']} allowed). "
            f"Nothing was changed. Check source_prefix {self.source_prefix!r}, or raise max_deletions."
        )

    # -- run ----------------------------------------------------------------------------------
    def execute(self, context: Context) -> dict[str, Any]:
        """A dry run as it is; a real one holding the lease beside its manifest
        (:mod:`airflow_provider_tencent.batch.exclusive`): a second sync of the same manifest started
        meanwhile, on any worker, is refused before it reads anything."""
        if strict_bool("dry_run", self.sync_dry_run):
            return self._execute(context)
        from airflow_provider_tencent.batch.exclusive import exclusive

        with exclusive(self.manifest_path, self.tencentcloud_conn_id, "gallery sync", self.log):
            return self._execute(context)

    def _execute(self, context: Context) -> dict[str, Any]:
        dry_run = strict_bool("dry_run", self.sync_dry_run)
        allow_empty = strict_bool("allow_empty", self.allow_empty)
        limit = parse_max_deletions(self.max_deletions)  # refused before any call
        state = self.load_state()
        storage = self.storage(allow_empty)
        plan = self.plan(state, storage)
        counts = {k: len(v) for k, v in plan.items()}
        guard = self.guard(plan, state, limit)
        self.log.info(
            "Sync plan for gallery %s from %s: %s; guard %s", self.group_id, self.source_prefix, counts, guard
        )
        summary: dict[str, Any] = {"dry_run": dry_run, "plan": counts, "guard": guard, "manifest": self.manifest_path}
        if not guard["ok"]:
            if dry_run:
                self.lineage_gallery = "input"
                summary["refused"] = self._refusal(guard)
                return summary
            raise TencentCloudInputError(
                self._refusal(guard),
                field="max_deletions",
                limit=f"{guard['allowed']} deletions",
                actual=f"{guard['deleting']} deletions",
            )
        if dry_run:
            self.lineage_gallery = "input"  # read (DescribeGroups), not written
            summary["keys"] = {k: v for k, v in plan.items() if k != "unchanged"}
            return summary
        self.persist_links(context)
        return self._apply(plan, state, storage, summary, counts)

    def _apply(
        self,
        plan: dict[str, list[str]],
        state: dict[str, Any],
        storage: dict[str, str],
        summary: dict[str, Any],
        counts: dict[str, int],
    ) -> dict[str, Any]:
        """Carry out ``plan``: creations, replacements, the rest of cut replacements, deletions."""
        from airflow_provider_tencent.batch.rate_limit import RateLimiter

        run = SyncRun(self, state, RateLimiter(float(self.max_qps or contract.CREATE_IMAGE.qps or 1)))
        run.progress = sync_progress(plan, run.limiter, self.log)
        state["plan"] = counts
        for key in plan["create"]:
            run.step(key, partial(run.create_new, key, storage[key]))
        for key in plan["replace"]:
            run.step(key, partial(run.replace, key, storage[key]))
        for key in plan["finish"]:
            if key not in plan["replace"] and key not in run.failures:
                run.step(key, partial(run.finish, key))
        for key in plan["delete"]:
            run.step(key, partial(run.delete_gone, key))
        run.progress.finish()
        state["outcome"] = {**run.outcome, "failures": run.failures}
        self.save_state(state)
        summary.update(outcome=run.outcome, failures=run.failures)
        self.log.info("Sync of gallery %s done: %s", self.group_id, run.outcome)
        if len(run.failures) > self.max_failures:
            listed = "; ".join(f"{k}: {v}" for k, v in list(run.failures.items())[:50])
            raise TencentCloudBatchError(
                f"{len(run.failures)} sync items failed (max_failures={self.max_failures}); the next run retries "
                f"only these: {listed}",
                run.failures,
            )
        return summary
