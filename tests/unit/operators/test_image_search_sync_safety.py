"""The gallery sync never deletes what the user keeps (issue 18): real operators against the emulator and moto S3."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from conftest import put_object

from airflow_provider_tencent.exceptions import TencentCloudBatchError, TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.operators.image_search import (
    ImageSearchCreateImageBatchOperator,
    ImageSearchSyncGalleryOperator,
)
from airflow_provider_tencent.operators.image_search.sync_run import sync_pic_name
from airflow_provider_tencent.testing.images import make_image

pytestmark = pytest.mark.timeout(240)


def calls(emulator) -> int:
    return sum(sum(v.values()) for v in emulator.counters().values())


def sync(provider, tmp_path, **kwargs):
    args = {
        "task_id": "sync",
        "group_id": "g1",
        "source_prefix": f"cos://{provider.bucket}/catalogue/",
        "manifest_path": str(tmp_path / "sync.json"),
    }
    args.update(kwargs)
    return ImageSearchSyncGalleryOperator(**args)


def names(provider) -> set[str]:
    return {p["PicName"] for p in provider.emulator.images("g1")}


def add_others(count: int) -> None:
    """Pictures added to the gallery by other means (not the sync's)."""
    hook = ImageSearchHook()
    for i in range(count):
        data = base64.b64encode(make_image(64, 64, seed=500 + i)).decode()
        hook.create_image({"GroupId": "g1", "EntityId": f"other{i}", "PicName": f"other-{i}", "ImageBase64": data})


def owned(provider, tmp_path, context, count: int = 3) -> None:
    for i in range(count):
        put_object(provider.bucket, f"catalogue/item{i}.png", make_image(120, 90, seed=i))
    assert sync(provider, tmp_path).execute(context)["outcome"]["created"] == count


# -- item 1: an empty source, max_deletions ------------------------------------------------------
def test_a_source_listing_nothing_deletes_nothing(provider, context, tmp_path):
    """Before: with 3 owned and 20 other pictures, a typo'd prefix deleted the 3 (3 <= 0.2 x 23) and succeeded."""
    owned(provider, tmp_path, context)
    add_others(20)
    before = names(provider)
    for prefix in (f"cos://{provider.bucket}/catalogue-typo/", "cos://nosuchbucket-1250000000/catalogue/"):
        with pytest.raises(TencentCloudInputError) as err:
            sync(provider, tmp_path, source_prefix=prefix).execute(context)
        assert err.value.field == "source_prefix" and "Nothing was changed" in f"{err.value}"
        assert names(provider) == before
    assert "does not exist" in f"{err.value}" and "nosuchbucket-1250000000" in f"{err.value}"


def test_allow_empty_still_counts_deletions_among_the_sync_pictures(provider, context, tmp_path):
    owned(provider, tmp_path, context)
    add_others(20)
    typo = f"cos://{provider.bucket}/empty/"
    with pytest.raises(TencentCloudInputError) as err:  # 3 of the 3 managed: over 0.2, whatever the gallery holds
        sync(provider, tmp_path, source_prefix=typo, allow_empty=True).execute(context)
    assert "deletes 3 of the 3 pictures this sync manages" in f"{err.value}" and err.value.field == "max_deletions"
    out = sync(provider, tmp_path, source_prefix=typo, allow_empty="true", max_deletions=3).execute(context)
    assert out["outcome"]["deleted"] == 3
    assert names(provider) == {f"other-{i}" for i in range(20)}


@pytest.mark.parametrize("value", [True, False, 1.0, "1.0", 2.5, "true", -1, "{{ params.max }}"])
def test_ambiguous_max_deletions_refused_before_any_call(provider, context, tmp_path, value):
    before = calls(provider.emulator)
    with pytest.raises(TencentCloudInputError) as err:
        sync(provider, tmp_path, max_deletions=value).execute(context)
    assert err.value.field == "max_deletions"
    assert calls(provider.emulator) == before


def test_an_integer_max_deletions_is_a_count(provider, context, tmp_path):
    """Before: max_deletions=1 meant 100 %: removing 2 of 3 pictures from storage deleted them."""
    owned(provider, tmp_path, context)
    from airflow_provider_tencent.fs.storage import to_storage_path

    for i in (0, 1):
        to_storage_path(f"cos://{provider.bucket}/catalogue/item{i}.png", "tencentcloud_default").unlink()
    with pytest.raises(TencentCloudInputError) as err:
        sync(provider, tmp_path, max_deletions=1).execute(context)
    assert "(1 allowed)" in f"{err.value}" and len(names(provider)) == 3
    out = sync(provider, tmp_path, max_deletions="2").execute(context)
    assert out["outcome"]["deleted"] == 2 and len(names(provider)) == 1


# -- item 4: the connection id is not part of a picture's identity -------------------------------
def test_a_renamed_connection_plans_nothing(provider, context, tmp_path, monkeypatch):
    """Before: through another connection id the sync planned to create 3 and delete 3; the batch stored 3 twice."""
    monkeypatch.setenv("AIRFLOW_CONN_TC_RENAMED", json.dumps(provider.conn))
    owned(provider, tmp_path, context)
    before = names(provider)
    out = sync(provider, tmp_path, tencentcloud_conn_id="tc_renamed", max_deletions=0.5).execute(context)
    assert {k: out["plan"][k] for k in ("create", "delete", "unchanged")} == {"create": 0, "delete": 0, "unchanged": 3}
    assert names(provider) == before

    def ingest(conn_id: str, name: str):
        return ImageSearchCreateImageBatchOperator(
            task_id="ingest",
            group_id="g1",
            tencentcloud_conn_id=conn_id,
            source_prefix=f"cos://{provider.bucket}/catalogue/",
            checkpoint_path=str(tmp_path / name),
        ).execute(context)

    assert ingest("tencentcloud_default", "a.jsonl")["exists"] == 3  # the sync's names are the batch's
    again = ingest("tc_renamed", "b.jsonl")
    assert (again["created"], again["exists"]) == (0, 3)
    assert names(provider) == before


# -- item 5: a picture named the older way is adopted only with the same content ---------------
def test_older_names_are_adopted_only_with_their_content(provider, context, tmp_path):
    """Before: a picture named after the key alone was adopted whatever it showed (an old photo stayed,
    reported unchanged), and an ingested picture of an earlier content was left beside the new one."""
    from airflow_provider_tencent.utils.naming import pic_name_for

    hook = ImageSearchHook()
    new0, new1 = make_image(120, 90, seed=70), make_image(120, 90, seed=71)
    uri0 = put_object(provider.bucket, "catalogue/item0.png", make_image(120, 90, seed=1))
    legacy = pic_name_for(uri0)  # the key alone, no content hash
    old_photo = base64.b64encode(make_image(120, 90, seed=69)).decode()
    hook.create_image({"GroupId": "g1", "EntityId": "item0", "PicName": legacy, "ImageBase64": old_photo})
    put_object(provider.bucket, "catalogue/item1.png", make_image(120, 90, seed=2))
    from airflow_provider_tencent.payloads.image_search import list_pictures

    listed = [dict(item, key=key) for key, item in list_pictures(f"cos://{provider.bucket}/catalogue/", None)]
    ImageSearchCreateImageBatchOperator(  # the ingest DAG stores item1's first content
        task_id="ingest",
        group_id="g1",
        items=[item for item in listed if item["entity_id"] == "item1"],
        checkpoint_path=str(tmp_path / "ingest.jsonl"),
    ).execute(context)
    put_object(provider.bucket, "catalogue/item0.png", new0)
    put_object(provider.bucket, "catalogue/item1.png", new1)

    out = sync(provider, tmp_path).execute(context)
    assert out["outcome"]["adopted"] == 0 and out["outcome"]["replaced"] == 2
    stored = {p["EntityId"]: p for p in provider.emulator.images("g1")}
    assert sorted(stored) == ["item0", "item1"]  # nothing left beside the current pictures
    assert stored["item0"]["sha256"] == hashlib.sha256(new0).hexdigest()
    assert stored["item1"]["sha256"] == hashlib.sha256(new1).hexdigest()
    assert stored["item0"]["PicName"] == sync_pic_name(
        f"cos://{provider.bucket}/catalogue/item0.png", stored["item0"]["sha256"]
    )


# -- item 6: the manifest --------------------------------------------------------------------------
def test_a_torn_manifest_is_a_clear_error_naming_the_file(provider, context, tmp_path):
    owned(provider, tmp_path, context)
    manifest = tmp_path / "sync.json"
    manifest.write_text(manifest.read_text()[:40])
    before = calls(provider.emulator)
    with pytest.raises(TencentCloudInputError) as err:
        sync(provider, tmp_path).execute(context)
    assert err.value.field == "manifest_path" and f"{manifest}" in f"{err.value}"
    assert calls(provider.emulator) == before


def test_a_write_cut_midway_leaves_the_previous_manifest(provider, context, tmp_path, monkeypatch):
    """One branch: the file write fails half way (disk full, a kill); the manifest read next is the previous one."""
    owned(provider, tmp_path, context)
    manifest = tmp_path / "sync.json"
    previous = manifest.read_text()
    from airflow.sdk import ObjectStoragePath

    real_write = ObjectStoragePath.write_text

    def torn_write(self, data, *args, **kwargs):
        real_write(self, data[: len(data) // 2], *args, **kwargs)
        raise OSError(28, "No space left on device")

    put_object(provider.bucket, "catalogue/item9.png", make_image(120, 90, seed=9))
    with monkeypatch.context() as patch, pytest.raises(OSError, match="No space left"):
        patch.setattr(ObjectStoragePath, "write_text", torn_write)
        sync(provider, tmp_path).execute(context)
    assert json.loads(manifest.read_text()) == json.loads(previous)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    out = sync(provider, tmp_path).execute(context)  # resumed: item9 is there already, adopted
    assert out["outcome"]["adopted"] == 1 and len(names(provider)) == 4


# -- item 8: never the 11th picture of an EntityId -----------------------------------------------
def test_the_sync_never_sends_an_eleventh_picture(provider, context, tmp_path):
    """Before: replacing a picture of a full EntityId created the new one first: the 11th was sent."""
    for i in range(10):
        put_object(provider.bucket, f"catalogue/shelf/p{i}.png", make_image(96, 72, seed=100 + i))
    run = {"entity_rule": "parent", "max_deletions": 0.5}
    assert sync(provider, tmp_path, **run).execute(context)["outcome"]["created"] == 10
    put_object(provider.bucket, "catalogue/shelf/p3.png", make_image(96, 72, seed=300))
    out = sync(provider, tmp_path, **run).execute(context)
    assert out["outcome"]["replaced"] == 1 and len(names(provider)) == 10
    put_object(provider.bucket, "catalogue/shelf/p10.png", make_image(96, 72, seed=310))
    with pytest.raises(TencentCloudBatchError, match="already holds 10 pictures"):
        sync(provider, tmp_path, **run).execute(context)
    assert "FailedOperation.ImageEntityCountExceed" not in provider.emulator.counters()["CreateImage"]
    assert len(names(provider)) == 10
