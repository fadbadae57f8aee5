"""Image Search (TIIA): a gallery kept equal to a storage prefix.

:class:`ImageSearchSyncGalleryOperator` plans creations,
replacements and deletions from its own manifest and the pictures under the prefix, guards against
a wrong prefix, and resumes a failed run. Each picture's ``CreateImage`` request is built by
:func:`~airflow_provider_tencent.payloads.image_search.prepare_create_image`. Importing this module
imports no Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from airflow_provider_tencent.batch.progress import Progress, sync_progress
from airflow_provider_tencent.contracts import image_search as contract
from airflow_provider_tencent.exceptions import TencentCloudBatchError, TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.operators.base import ImageSearchOperatorMixin, TencentCloudBaseOperator
from airflow_provider_tencent.payloads.image_search import prepare_create_image
from airflow_provider_tencent.validation import (
    strict_bool,
)

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

__all__ = [
    "SYNC_MANIFEST_VERSION",
    "ImageSearchSyncGalleryOperator",
    "content_hash",
    "sync_pic_name",
]


def content_hash(data: bytes) -> str:
    """The sync's content hash of a picture: SHA-256 of its bytes, hex."""
    return hashlib.sha256(data).hexdigest()


#: Version of the sync manifest's format.
SYNC_MANIFEST_VERSION = 1
#: How a sync PicName ends: ``-`` and 12 hex digits of the picture's SHA-256.
_VERSION_SUFFIX = re.compile(r"-[0-9a-f]{12}")


def sync_pic_name(key: str, digest: str) -> str:
    """PicName of the picture at ``key`` with content ``digest``: the key's hash plus 12 hex of the content's.

    ``key`` is the object's identity (:func:`~airflow_provider_tencent.fs.storage.storage_key`: no
    connection id). A replaced picture (new content at the same key) thus gets a fresh PicName: it
    is created before the old one is deleted. 47 characters, within the 64 allowed.
    """
    from airflow_provider_tencent.utils.naming import pic_name_for

    return f"{pic_name_for(key)}-{digest[:12]}"


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


def older_sync_names(keys: Sequence[str], current: str) -> Callable[[str], bool]:
    """A test of the PicNames that hold an earlier version of the picture at one of ``keys`` (the
    object's identity and, for pictures named before it, its URI with the connection id): the key's
    hash alone, or with another 12-hex content hash. ``current`` is never one."""
    from airflow_provider_tencent.utils.naming import pic_name_for

    prefixes = {pic_name_for(k) for k in keys}

    def is_older(name: str) -> bool:
        if name == current:
            return False
        if name in prefixes:
            return True
        head, tail = name[:-13], name[-13:]
        return head in prefixes and bool(_VERSION_SUFFIX.fullmatch(tail))

    return is_older


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
        state["pictures"] = {storage_key(k): _entry(v) for k, v in state["pictures"].items()}
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

        run = _SyncRun(self, state, RateLimiter(float(self.max_qps or contract.CREATE_IMAGE.qps or 1)))
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


def _entry(value: Any) -> Any:
    """A manifest entry in the current form: ``old_pic_name`` (one name, before) as ``old_pic_names``."""
    if isinstance(value, dict) and "old_pic_name" in value:
        old = value.pop("old_pic_name")
        if old:
            value["old_pic_names"] = [*value.get("old_pic_names", []), old]
    return value


class _SyncRun:
    """One sync run's changes: each step records its outcome and saves the manifest after it."""

    def __init__(self, op: ImageSearchSyncGalleryOperator, state: dict[str, Any], limiter: Any) -> None:
        self.op, self.state, self.limiter = op, state, limiter
        self.known: dict[str, Any] = state["pictures"]
        self.outcome = {"created": 0, "adopted": 0, "replaced": 0, "deleted": 0, "failed": 0}
        self.failures: dict[str, str] = {}
        self.progress: Progress | None = None

    def step(self, key: str, action: Callable[[], None]) -> None:
        """Run one item; its failure is recorded and the others go on."""
        try:
            action()
        except Exception as exc:
            code = getattr(exc, "code", None) or type(exc).__name__
            self.failures[key] = f"{code}: {exc}"
            self.outcome["failed"] += 1
            self.op.log.warning("Sync item %s failed: %s", key, self.failures[key])
            if self.progress is not None:
                self.progress.record(False)
            return
        self.op.save_state(self.state)
        if self.progress is not None:
            self.progress.record(True)

    # -- the calls ---------------------------------------------------------------------------
    def create(self, key: str, entity: str, pic_name: str) -> None:
        item: dict[str, Any] = {"entity_id": entity, "pic_name": pic_name, "image_path": self.op._uris.get(key, key)}
        if self.op.custom_content is not None:
            item["custom_content"] = self.op.custom_content
        if self.op.tags is not None:
            item["tags"] = self.op.tags
        params = prepare_create_image(self.op.group_id, item, conn_id=self.op.tencentcloud_conn_id, label=key)
        created = self.op.hook.create_image(params, if_exists="fail", limiter=self.limiter)
        self.op.record_lineage(request_ids=[created.request_id])

    def delete(self, entity: str, pic_name: str) -> None:
        deleted = self.op.hook.delete_images(self.op.group_id, entity, pic_name, limiter=self.limiter)
        self.op.record_lineage(request_ids=[deleted.get("RequestId")])

    def entity_names(self, entity: str) -> list[str]:
        infos = self.op.hook.describe_images(self.op.group_id, entity, limiter=self.limiter)
        return [f"{info.get('PicName')}" for info in infos]

    def make_room(self, key: str, entity: str, held: list[str], new: str, old: list[str]) -> list[str]:
        """Delete ``old`` (this object's earlier pictures) FIRST when ``new`` would be the EntityId's 11th
        picture; fail the item, unsent, when there is nothing of ours to delete. The old still to delete."""
        if new in held or len(held) < contract.MAX_PICTURES_PER_ENTITY:
            return old
        present = [n for n in old if n in held]
        if not present:
            raise TencentCloudInputError(
                f"SyncGallery [{key}]: EntityId {entity!r} already holds {len(held)} pictures; one EntityId holds at "
                f"most {contract.MAX_PICTURES_PER_ENTITY} (CreateImage API reference): PicName {new!r} not sent",
                field="entity_rule",
                item=key,
            )
        for name in present:
            self.delete(entity, name)
        return [n for n in old if n not in present]

    # -- the steps ---------------------------------------------------------------------------
    def create_new(self, key: str, digest: str) -> None:
        """A picture the manifest does not know: adopt this content's picture, else create it; then
        delete the pictures of this object's earlier contents (or of unknown content)."""
        from airflow_provider_tencent.utils.naming import entity_id_for

        entity = entity_id_for(key, self.op.entity_rule)
        uri = self.op._uris.get(key, key)
        name = sync_pic_name(key, digest)
        held = self.entity_names(entity)
        same = [n for n in dict.fromkeys((name, sync_pic_name(uri, digest))) if n in held]
        is_older = older_sync_names((key, uri), name)
        old = [n for n in held if is_older(n) and n not in same]
        if same:
            self.known[key] = {"EntityId": entity, "PicName": same[0], "sha256": digest, "old_pic_names": old}
            self.outcome["adopted"] += 1
        else:
            old = self.make_room(key, entity, held, name, old)
            self.create(key, entity, name)
            self.known[key] = {"EntityId": entity, "PicName": name, "sha256": digest, "old_pic_names": old}
            self.outcome["replaced" if old else "created"] += 1
        self.drop_old(key)

    def replace(self, key: str, digest: str) -> None:
        """New content at a known key: the new picture first, then the old (old first in a full EntityId)."""
        entry = self.known[key]
        entity, name = entry["EntityId"], sync_pic_name(key, digest)
        old = [*entry.get("old_pic_names", []), entry["PicName"]]
        old = self.make_room(key, entity, self.entity_names(entity), name, old)
        self.create(key, entity, name)
        self.known[key] = {"EntityId": entity, "PicName": name, "sha256": digest, "old_pic_names": old}
        self.drop_old(key)
        self.outcome["replaced"] += 1

    def drop_old(self, key: str) -> None:
        entry = self.known[key]
        if entry.get("old_pic_names"):
            self.op.save_state(self.state)  # the new picture is recorded before the old ones go
        while entry.get("old_pic_names"):
            self.delete(entry["EntityId"], entry["old_pic_names"][0])
            entry["old_pic_names"].pop(0)
        entry.pop("old_pic_names", None)

    def finish(self, key: str) -> None:
        self.drop_old(key)
        self.outcome["replaced"] += 1

    def delete_gone(self, key: str) -> None:
        entry = self.known[key]
        for name in [*entry.get("old_pic_names", []), entry["PicName"]]:
            self.delete(entry["EntityId"], name)
        del self.known[key]
        self.outcome["deleted"] += 1
