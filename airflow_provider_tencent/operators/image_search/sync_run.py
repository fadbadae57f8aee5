"""One run of the gallery sync: its steps (create, adopt, replace, delete) and how its pictures are named.

:class:`SyncRun` applies the plan of the sync operator
(:class:`~airflow_provider_tencent.operators.image_search.sync.ImageSearchSyncGalleryOperator`) item by item:
each step records its outcome in the manifest state and saves it, so a run that stops is resumed by the next.
A picture's PicName is :func:`sync_pic_name` (the key's hash and 12 hex digits of its content's SHA-256), so
new content at a key is a new PicName, created before the old one is deleted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any, Protocol

from airflow_provider_tencent.batch.progress import Progress
from airflow_provider_tencent.contracts import image_search as contract
from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.payloads.image_search import prepare_create_image
from airflow_provider_tencent.utils.naming import entity_id_for, pic_name_for

__all__ = ["SyncRun", "SyncTarget", "content_hash", "older_sync_names", "sync_pic_name"]


def content_hash(data: bytes) -> str:
    """The sync's content hash of a picture: SHA-256 of its bytes, hex."""
    return hashlib.sha256(data).hexdigest()


#: How a sync PicName ends: ``-`` and 12 hex digits of the picture's SHA-256.
_VERSION_SUFFIX = re.compile(r"-[0-9a-f]{12}")


def sync_pic_name(key: str, digest: str) -> str:
    """PicName of the picture at ``key`` with content ``digest``: the key's hash plus 12 hex of the content's.

    ``key`` is the object's identity (:func:`~airflow_provider_tencent.fs.storage.storage_key`: no
    connection id). A replaced picture (new content at the same key) thus gets a fresh PicName: it
    is created before the old one is deleted. 47 characters, within the 64 allowed.
    """
    return f"{pic_name_for(key)}-{digest[:12]}"


def older_sync_names(key: str, current: str) -> Callable[[str], bool]:
    """A test of the PicNames that hold an earlier version of the picture at ``key`` (its identity): the
    key's hash alone (a name given without a content hash), or with another 12-hex content hash. ``current``
    is never one."""
    prefix = pic_name_for(key)

    def is_older(name: str) -> bool:
        if name == current:
            return False
        if name == prefix:
            return True
        head, tail = name[:-13], name[-13:]
        return head == prefix and bool(_VERSION_SUFFIX.fullmatch(tail))

    return is_older


class SyncTarget(Protocol):
    """What a :class:`SyncRun` uses of the sync operator."""

    group_id: str
    tencentcloud_conn_id: str | None
    entity_rule: str
    custom_content: str | None
    tags: Any
    _uris: dict[str, str]

    @property
    def log(self) -> Any: ...

    @property
    def hook(self) -> ImageSearchHook: ...

    def save_state(self, state: dict[str, Any]) -> None: ...

    def record_lineage(self, *, request_ids: Any = ...) -> None: ...


class SyncRun:
    """One sync run's changes: each step records its outcome and saves the manifest after it."""

    def __init__(self, op: SyncTarget, state: dict[str, Any], limiter: Any) -> None:
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
        entity = entity_id_for(key, self.op.entity_rule)
        name = sync_pic_name(key, digest)
        held = self.entity_names(entity)
        same = [name] if name in held else []
        is_older = older_sync_names(key, name)
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
