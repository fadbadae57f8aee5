"""Image Search (TIIA): a gallery kept equal to a storage prefix.

:class:`ImageSearchSyncGalleryOperator` (formerly ``SyncGalleryOperator``) plans creations,
replacements and deletions from its own manifest and the pictures under the prefix, guards against
a wrong prefix, and resumes a failed run. Each picture's ``CreateImage`` request is built by
:func:`~airflow_provider_tencent.payloads.image_search.prepare_create_image`. Importing this module
imports no Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_tencent.contracts import tiia as contract
from airflow_provider_tencent.exceptions import TencentCloudBatchError, TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import TencentImageSearchHook
from airflow_provider_tencent.operators.base import ImageSearchOperatorMixin, TencentCloudBaseOperator
from airflow_provider_tencent.payloads.image_search import prepare_create_image
from airflow_provider_tencent.validation import (
    template_bool,
)

if TYPE_CHECKING:
    from airflow.sdk.definitions.context import Context

__all__ = [
    "SYNC_MANIFEST_VERSION",
    "ImageSearchSyncGalleryOperator",
    "SyncGalleryOperator",
    "content_hash",
    "sync_pic_name",
]


def content_hash(data: bytes) -> str:
    """The sync's content hash of a picture: SHA-256 of its bytes, hex."""
    return hashlib.sha256(data).hexdigest()


#: Version of the sync manifest's format.
SYNC_MANIFEST_VERSION = 1


def sync_pic_name(key: str, digest: str) -> str:
    """PicName of the picture at ``key`` with content ``digest``: the key's hash plus 12 hex of the content's.

    A replaced picture (new content at the same key) thus gets a fresh PicName: it is created before
    the old one is deleted. 47 characters, within the 64 allowed.
    """
    from airflow_provider_tencent.utils.naming import pic_name_for

    return f"{pic_name_for(key)}-{digest[:12]}"


class ImageSearchSyncGalleryOperator(ImageSearchOperatorMixin, TencentCloudBaseOperator[TencentImageSearchHook]):
    """Keep gallery ``group_id`` equal to the pictures under ``source_prefix``.

    Compares the storage prefix with the sync's own manifest (``manifest_path``, JSON: for each
    storage key its EntityId, PicName and SHA-256) and plans:

    * a new picture -> ``CreateImage`` (EntityId from ``entity_rule``, PicName :func:`sync_pic_name`);
      a picture the ingest DAG already created (PicName = hash of the key, no content suffix) is
      adopted, not created again;
    * a picture whose content changed -> replaced: the new PicName is created FIRST, then the old
      one deleted, so the product is never left without a picture;
    * a picture gone from storage -> its PicName deleted (only pictures the manifest knows: the
      sync never deletes what it did not create or adopt).

    ``max_deletions`` (a share of the gallery's pictures, default 0.2) guards against a wrong prefix:
    a plan deleting more than ``max_deletions`` x the gallery's ``PicCount`` is refused before any
    change, naming the counts. ``dry_run=True`` only reports the plan (nothing is sent that changes
    the gallery, and the manifest is not written).

    The manifest is rewritten after each step that changed the gallery, so a run that failed or was
    killed is resumed by the next run: it plans only what is still to do (a picture created but not
    recorded is confirmed by ``CreateImage``'s idempotence, a delete of what is gone is done). Items
    that fail are listed by key; the task fails when more than ``max_failures`` failed. The manifest
    also holds the last run's ``plan`` and ``outcome``.

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
        max_deletions: float | str = 0.2,
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
        self.max_failures = max_failures
        self.max_qps = max_qps

    # -- state --------------------------------------------------------------------------------
    def _manifest(self) -> Any:
        from airflow_provider_tencent.fs.storage import to_storage_path

        return to_storage_path(self.manifest_path, self.tencentcloud_conn_id)

    def load_state(self) -> dict[str, Any]:
        path = self._manifest()
        if not path.exists():
            return {"version": SYNC_MANIFEST_VERSION, "GroupId": self.group_id, "pictures": {}}
        state: dict[str, Any] = json.loads(path.read_text())
        if state.get("GroupId") != self.group_id:
            raise TencentCloudInputError(
                f"manifest {self.manifest_path!r} belongs to gallery {state.get('GroupId')!r}, not {self.group_id!r}",
                field="manifest_path",
            )
        return state

    def save_state(self, state: dict[str, Any]) -> None:
        self._manifest().write_text(json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True))

    def storage(self) -> dict[str, str]:
        """``{key: sha256}`` of every picture under the prefix."""
        from airflow_provider_tencent.fs.storage import is_picture, read_bytes, to_storage_path

        root = to_storage_path(self.source_prefix, self.tencentcloud_conn_id)
        found: dict[str, str] = {}
        if not root.exists():
            return found
        for path in sorted(root.rglob("*"), key=lambda p: f"{p}"):
            if is_picture(path):
                found[f"{path}"] = content_hash(read_bytes(path))
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
            if entry is not None and entry.get("old_pic_name"):
                plan["finish"].append(key)  # a replacement whose old picture is still to delete
        plan["delete"] = sorted(k for k in known if k not in storage)
        return plan

    def guard(self, plan: dict[str, list[str]], state: dict[str, Any]) -> dict[str, Any]:
        share = self._share()
        groups = [g for g in self.hook.describe_groups(self.group_id) if g.get("GroupId") == self.group_id]
        if not groups:
            raise TencentCloudInputError(f"gallery {self.group_id!r} does not exist", field="group_id")
        in_gallery = int(groups[0].get("PicCount") or 0) or len(state["pictures"])
        deleting = len(plan["delete"])
        allowed = int(share * in_gallery)
        return {"deleting": deleting, "gallery_pictures": in_gallery, "allowed": allowed, "ok": deleting <= allowed}

    def _share(self) -> float:
        try:
            share = float(self.max_deletions)
        except (TypeError, ValueError):
            share = -1.0
        if not 0 <= share <= 1:
            raise TencentCloudInputError(
                f"max_deletions is a share of the gallery, 0 to 1; got {self.max_deletions!r}",
                field="max_deletions",
                limit="0 to 1",
                actual=f"{self.max_deletions!r}",
            )
        return share

    # -- run ----------------------------------------------------------------------------------
    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_tencent.batch.rate_limit import RateLimiter
        from airflow_provider_tencent.utils.naming import entity_id_for, pic_name_for

        dry_run = template_bool(self.sync_dry_run)
        if not isinstance(dry_run, bool):
            raise TencentCloudInputError(f"dry_run must be true or false, got {self.sync_dry_run!r}", field="dry_run")
        self._share()  # refused before any call
        state = self.load_state()
        storage = self.storage()
        plan = self.plan(state, storage)
        counts = {k: len(v) for k, v in plan.items()}
        guard = self.guard(plan, state)
        self.log.info(
            "Sync plan for gallery %s from %s: %s; guard %s", self.group_id, self.source_prefix, counts, guard
        )
        summary: dict[str, Any] = {"dry_run": dry_run, "plan": counts, "guard": guard, "manifest": self.manifest_path}
        if not guard["ok"]:
            message = (
                f"SyncGallery refused: the plan deletes {guard['deleting']} of the gallery's "
                f"{guard['gallery_pictures']} pictures, over max_deletions={float(self.max_deletions)} "
                f"({guard['allowed']} allowed). "
                f"Nothing was changed. Check source_prefix {self.source_prefix!r}, or raise max_deletions."
            )
            if dry_run:
                self.lineage_gallery = "input"
                summary["refused"] = message
                return summary
            raise TencentCloudInputError(
                message,
                field="max_deletions",
                limit=f"{guard['allowed']} deletions",
                actual=f"{guard['deleting']} deletions",
            )
        if dry_run:
            self.lineage_gallery = "input"  # read (DescribeGroups), not written
            summary["keys"] = {k: v for k, v in plan.items() if k != "unchanged"}
            return summary

        self.persist_links(context)
        limiter = RateLimiter(float(self.max_qps or contract.CREATE_IMAGE.qps or 1))
        known: dict[str, Any] = state["pictures"]
        outcome = {"created": 0, "adopted": 0, "replaced": 0, "deleted": 0, "failed": 0}
        failures: dict[str, str] = {}
        state["plan"] = counts

        def create(key: str, entity: str, pic_name: str) -> None:
            item: dict[str, Any] = {"entity_id": entity, "pic_name": pic_name, "image_path": key}
            if self.custom_content is not None:
                item["custom_content"] = self.custom_content
            if self.tags is not None:
                item["tags"] = self.tags
            params = prepare_create_image(self.group_id, item, conn_id=self.tencentcloud_conn_id, label=key)
            created = self.hook.create_image(params, if_exists="fail", limiter=limiter)
            self.record_lineage(request_ids=[created.request_id])

        def delete(entity: str, pic_name: str) -> None:
            deleted = self.hook.delete_pictures(self.group_id, entity, pic_name, limiter=limiter)
            self.record_lineage(request_ids=[deleted.get("RequestId")])

        def step(key: str, action: Any) -> None:
            try:
                action()
            except Exception as exc:  # one item's failure: recorded, the others go on
                code = getattr(exc, "code", None) or type(exc).__name__
                failures[key] = f"{code}: {exc}"
                outcome["failed"] += 1
                self.log.warning("Sync item %s failed: %s", key, failures[key])
                return
            self.save_state(state)

        for key in plan["create"]:
            digest = storage[key]
            entity = entity_id_for(key, self.entity_rule)

            def do_create(key: str = key, digest: str = digest, entity: str = entity) -> None:
                name = sync_pic_name(key, digest)
                # the ingest DAG's PicNames for this picture (ImageSearchCreateImageBatchOperator's {content_hash}
                # naming is the same as ours; before it, the key's hash alone): adopt one that is there
                for ingested in (name, pic_name_for(key)):
                    if self.hook.describe_images(self.group_id, entity, ingested):
                        known[key] = {"EntityId": entity, "PicName": ingested, "sha256": digest}
                        outcome["adopted"] += 1
                        return
                create(key, entity, name)
                known[key] = {"EntityId": entity, "PicName": name, "sha256": digest}
                outcome["created"] += 1

            step(key, do_create)

        for key in plan["replace"]:
            digest = storage[key]

            def do_replace(key: str = key, digest: str = digest) -> None:
                entry = known[key]
                name = sync_pic_name(key, digest)
                create(key, entry["EntityId"], name)  # the new picture first...
                old = entry["PicName"]
                known[key] = {"EntityId": entry["EntityId"], "PicName": name, "sha256": digest, "old_pic_name": old}
                self.save_state(state)
                delete(entry["EntityId"], old)  # ...then the old
                known[key].pop("old_pic_name", None)
                outcome["replaced"] += 1

            step(key, do_replace)

        for key in plan["finish"]:
            if key in plan["replace"] or key in failures:
                continue

            def do_finish(key: str = key) -> None:
                entry = known[key]
                delete(entry["EntityId"], entry["old_pic_name"])
                entry.pop("old_pic_name", None)
                outcome["replaced"] += 1

            step(key, do_finish)

        for key in plan["delete"]:

            def do_delete(key: str = key) -> None:
                entry = known[key]
                for name in filter(None, (entry.get("old_pic_name"), entry["PicName"])):
                    delete(entry["EntityId"], name)
                del known[key]
                outcome["deleted"] += 1

            step(key, do_delete)

        state["outcome"] = {**outcome, "failures": failures}
        self.save_state(state)
        summary.update(outcome=outcome, failures=failures)
        self.log.info("Sync of gallery %s done: %s", self.group_id, outcome)
        if len(failures) > self.max_failures:
            listed = "; ".join(f"{k}: {v}" for k, v in list(failures.items())[:50])
            raise TencentCloudBatchError(
                f"{len(failures)} sync items failed (max_failures={self.max_failures}); the next run retries "
                f"only these: {listed}",
                failures,
            )
        return summary


#: The earlier name (``SyncGalleryOperator``): the same class.
SyncGalleryOperator = ImageSearchSyncGalleryOperator
