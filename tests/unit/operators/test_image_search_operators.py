"""The gallery operators against the emulator (real TC3 signing, moto S3 on loopback)."""

from __future__ import annotations

import base64
import json

import pytest
from conftest import put_object

from airflow_provider_tencent.exceptions import TencentCloudBatchError, TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.operators.image_search import (
    ImageSearchCreateGroupOperator,
    ImageSearchDeleteImagesOperator,
    ImageSearchSearchImageBatchOperator,
    ImageSearchSearchImageOperator,
    ImageSearchSyncGalleryOperator,
    ImageSearchUpdateImageOperator,
)
from airflow_provider_tencent.testing.images import make_image

pytestmark = pytest.mark.timeout(180)


def calls(emulator) -> int:
    return sum(sum(v.values()) for v in emulator.counters().values())


def add(pic: str, entity: str, data: bytes, tags=None) -> None:
    params = {"GroupId": "g1", "EntityId": entity, "PicName": pic, "ImageBase64": base64.b64encode(data).decode()}
    if tags:
        params["Tags"] = json.dumps(tags)
    ImageSearchHook().create_image(params)


def test_search_from_a_cos_path_returns_matches(provider, context):
    data = make_image(320, 240, "png", seed=1)
    add("p1", "e1", data, {"colour": "red"})
    add("p2", "e2", make_image(320, 240, "png", seed=2), {"colour": "blue"})
    uri = put_object(provider.bucket, "query/q.png", data)
    out = ImageSearchSearchImageOperator(task_id="s", group_id="g1", image_path=uri, limit=5).execute(context)
    assert out["Count"] == 1 and out["Matches"][0]["PicName"] == "p1" and out["Matches"][0]["Score"] == 100
    assert out["Matches"][0]["Tags"] == {"colour": "red"} and out["Object"] is None and out["RequestId"]
    none = ImageSearchSearchImageOperator(task_id="s", group_id="g1", image_path=uri, filter="colour=blue").execute(
        context
    )
    assert none["Count"] == 0


@pytest.mark.parametrize("arg", ["category_id", "limit", "match_threshold"])
def test_a_unicode_digit_is_an_input_error_naming_the_argument(provider, context, arg):
    """``"²"`` is a digit to Python (``isdigit``) but no number to the API: refused, naming the argument."""
    op = ImageSearchSearchImageOperator(
        task_id="s", group_id="g1", image_base64=base64.b64encode(make_image(64, 64)).decode()
    )
    setattr(op, arg, "²")
    with pytest.raises(TencentCloudInputError, match=arg) as err:
        op.execute(context)
    assert err.value.field == arg
    assert "SearchImage" not in provider.emulator.counters()


@pytest.mark.parametrize(
    ("kwargs", "field", "size"),
    [
        ({"limit": 101}, "limit", "101"),
        ({"limit": 0}, "limit", "0"),
        ({"match_threshold": 101}, "match_threshold", "101"),
        ({"offset": -1}, "offset", "-1"),
        ({"filter": "a=" + "b" * 63}, "filter", "65 characters"),
        ({"filter": "colour ~ red"}, "filter", "'colour ~ red'"),
        ({"category_id": 9}, "category_id", "9"),
        ({"image_url": "ftp://x/y.png", "image_base64": None}, "image_url", "13 characters"),
    ],
)
def test_search_bad_input_refused_before_any_call(provider, context, kwargs, field, size):
    before = calls(provider.emulator)
    args = {"task_id": "s", "group_id": "g1", "image_base64": base64.b64encode(make_image(64, 64)).decode()}
    args.update(kwargs)
    args = {k: v for k, v in args.items() if v is not None}
    with pytest.raises(TencentCloudInputError) as err:
        ImageSearchSearchImageOperator(**args).execute(context)
    assert err.value.field == field and err.value.actual == size, f"{err.value}"
    assert "no request was sent" in f"{err.value}"
    assert calls(provider.emulator) == before


def test_update_tags(provider, context):
    add("p1", "e1", make_image(64, 64, seed=1), {"colour": "red"})
    out = ImageSearchUpdateImageOperator(
        task_id="u", group_id="g1", pic_name="p1", entity_id="e1", tags={"colour": "green"}
    ).execute(context)
    assert out["status"] == "updated" and out["Tags"] == {"colour": "green"}
    assert json.loads(provider.emulator.images("g1")[0]["Tags"]) == {"colour": "green"}
    before = calls(provider.emulator)
    with pytest.raises(TencentCloudInputError) as err:
        ImageSearchUpdateImageOperator(
            task_id="u", group_id="g1", entity_id="e1", pic_name="p1", tags={f"k{i}": 1 for i in range(11)}
        ).execute(context)
    assert err.value.field == "tags" and "11 keys" in f"{err.value}"
    with pytest.raises(TencentCloudInputError) as err:
        ImageSearchUpdateImageOperator(task_id="u", group_id="g1", entity_id="", pic_name="p1", tags={"a": 1}).execute(
            context
        )
    assert err.value.field == "entity_id" and err.value.limit == "required"
    assert calls(provider.emulator) == before


def test_delete_needs_whole_entity_and_counts(provider, context):
    for i in range(3):
        add(f"p{i}", "e1", make_image(64, 64, seed=i))
    before = calls(provider.emulator)
    with pytest.raises(TencentCloudInputError, match="EVERY picture"):
        ImageSearchDeleteImagesOperator(task_id="d", group_id="g1", entity_id="e1").execute(context)
    with pytest.raises(TencentCloudInputError) as err:
        ImageSearchDeleteImagesOperator(task_id="d", group_id="g1", entity_id="e" * 65, pic_name="p0").execute(context)
    assert err.value.field == "entity_id" and err.value.actual == "65 characters"
    assert calls(provider.emulator) == before
    one = ImageSearchDeleteImagesOperator(task_id="d", group_id="g1", entity_id="e1", pic_name="p0").execute(context)
    assert (one["status"], one["Deleted"]) == ("deleted", 1)
    rest = ImageSearchDeleteImagesOperator(task_id="d", group_id="g1", entity_id="e1", whole_entity=True).execute(
        context
    )
    assert (rest["status"], rest["Deleted"], sorted(rest["PicNames"])) == ("deleted", 2, ["p1", "p2"])
    assert provider.emulator.images("g1") == []
    again = ImageSearchDeleteImagesOperator(task_id="d", group_id="g1", entity_id="e1", whole_entity=True).execute(
        context
    )
    assert again["status"] == "absent"
    with pytest.raises(TencentCloudInputError, match="nothing to delete"):
        ImageSearchDeleteImagesOperator(
            task_id="d", group_id="g1", entity_id="e1", pic_name="p0", missing_ok=False
        ).execute(context)


def test_create_group_is_idempotent(provider, context):
    op = ImageSearchCreateGroupOperator(
        task_id="g", group_id="shop_1", group_name="Shop", max_capacity=500, group_type=5
    )
    assert op.execute(context)["status"] == "created"
    assert op.execute(context)["status"] == "exists"
    with pytest.raises(TencentCloudInputError) as err:
        ImageSearchCreateGroupOperator(task_id="g", group_id="shop_1", group_name="Shop", max_capacity=900).execute(
            context
        )
    assert "MaxCapacity: wanted 900, the gallery has 500" in f"{err.value}" and err.value.field == "MaxCapacity"
    before = calls(provider.emulator)
    with pytest.raises(TencentCloudInputError) as err:
        ImageSearchCreateGroupOperator(task_id="g", group_id="bad-id!", group_name="x").execute(context)
    assert err.value.field == "group_id"
    assert calls(provider.emulator) == before


def test_batch_search_writes_a_result_file(provider, context, tmp_path):
    for i in range(3):
        data = make_image(160, 120, "png", seed=40 + i)
        add(f"g-{i}", f"e{i}", data)
        put_object(provider.bucket, f"tonight/n{i}.png", data)
    put_object(provider.bucket, "tonight/other.png", make_image(160, 120, "png", seed=77))
    manifest = tmp_path / "search.jsonl"
    op = ImageSearchSearchImageBatchOperator(
        task_id="ss",
        group_id="g1",
        source_prefix=f"cos://{provider.bucket}/tonight/",
        manifest_path=str(manifest),
        checkpoint_path=str(tmp_path / "ck.jsonl"),
    )
    out = op.execute(context)
    assert out["total"] == 4 and out["failed"] == 0 and out["with_matches"] == 3
    lines = {json.loads(x)["key"].rsplit("/", 1)[-1]: json.loads(x) for x in manifest.read_text().splitlines()}
    assert lines["n1.png"]["Matches"][0]["PicName"] == "g-1" and lines["other.png"]["Count"] == 0
    searched = provider.emulator.counters()["SearchImage"]["ok"]
    again = op.execute(context)  # the checkpoint: nothing searched twice
    assert again["total"] == 4 and provider.emulator.counters()["SearchImage"]["ok"] == searched


# -- sync ------------------------------------------------------------------------------------------
def sync(provider, tmp_path, **kwargs):
    args = {
        "task_id": "sync",
        "group_id": "g1",
        "source_prefix": f"cos://{provider.bucket}/catalogue/",
        "manifest_path": str(tmp_path / "sync.json"),
    }
    args.update(kwargs)
    return ImageSearchSyncGalleryOperator(**args)


def gallery(provider) -> dict[str, str]:
    return {p["EntityId"]: p["PicName"] for p in provider.emulator.images("g1")}


def test_sync_follows_storage(provider, context, tmp_path):
    for i in range(5):
        put_object(provider.bucket, f"catalogue/item{i}.png", make_image(120, 90, seed=i))
    first = sync(provider, tmp_path, max_deletions=0.5).execute(context)
    assert first["outcome"]["created"] == 5 and set(gallery(provider)) == {f"item{i}" for i in range(5)}
    before = gallery(provider)

    # dry run: a plan, no change
    put_object(provider.bucket, "catalogue/item5.png", make_image(120, 90, seed=5))  # added
    put_object(provider.bucket, "catalogue/item1.png", make_image(120, 90, seed=51))  # replaced
    from airflow_provider_tencent.fs.storage import to_storage_path

    to_storage_path(f"cos://{provider.bucket}/catalogue/item2.png", "tencentcloud_default").unlink()  # removed
    manifest_before = (tmp_path / "sync.json").read_text()

    def changes():
        counters = provider.emulator.counters()
        return [sum(counters.get(a, {}).values()) for a in ("CreateImage", "DeleteImages", "UpdateImage")]

    changing = changes()
    dry = sync(provider, tmp_path, dry_run=True, max_deletions=0.5).execute(context)
    assert dry["plan"]["create"] == 1 and dry["plan"]["replace"] == 1 and dry["plan"]["delete"] == 1
    assert gallery(provider) == before and (tmp_path / "sync.json").read_text() == manifest_before
    assert changes() == changing  # not one changing request was sent

    out = sync(provider, tmp_path, max_deletions=0.5).execute(context)
    assert out["outcome"] == {"created": 1, "adopted": 0, "replaced": 1, "deleted": 1, "failed": 0}
    after = gallery(provider)
    assert set(after) == {"item0", "item1", "item3", "item4", "item5"}
    assert after["item1"] != before["item1"] and after["item0"] == before["item0"]
    # the replacement is searchable: the new content matches itself
    hit = ImageSearchSearchImageOperator(
        task_id="s", group_id="g1", image_base64=base64.b64encode(make_image(120, 90, seed=51)).decode()
    ).execute(context)
    assert hit["Matches"][0]["PicName"] == after["item1"]
    state = json.loads((tmp_path / "sync.json").read_text())
    assert state["outcome"]["replaced"] == 1 and len(state["pictures"]) == 5


def test_sync_guard_refuses_to_empty_the_gallery(provider, context, tmp_path):
    for i in range(4):
        put_object(provider.bucket, f"catalogue/item{i}.png", make_image(120, 90, seed=i))
    sync(provider, tmp_path).execute(context)
    before = gallery(provider)
    with pytest.raises(TencentCloudInputError) as err:  # a wrong prefix: everything "gone"
        sync(provider, tmp_path, source_prefix=f"cos://{provider.bucket}/typo/").execute(context)
    assert "lists no picture" in f"{err.value}" and err.value.field == "source_prefix"
    assert gallery(provider) == before
    from airflow_provider_tencent.fs.storage import to_storage_path

    for i in range(2):  # half the pictures gone: over the default 0.2 of the 4 the sync manages
        to_storage_path(f"cos://{provider.bucket}/catalogue/item{i}.png", "tencentcloud_default").unlink()
    with pytest.raises(TencentCloudInputError) as err:
        sync(provider, tmp_path).execute(context)
    assert "deletes 2 of the 4 pictures this sync manages" in f"{err.value}" and err.value.field == "max_deletions"
    assert gallery(provider) == before


def test_sync_resumes_after_a_failed_item(provider, context, tmp_path):
    for i in range(3):
        put_object(provider.bucket, f"catalogue/item{i}.png", make_image(120, 90, seed=i))
    provider.emulator.inject("error", action="CreateImage", code="FailedOperation.ImageDecodeFailed", times=1)
    with pytest.raises(TencentCloudBatchError) as err:
        sync(provider, tmp_path).execute(context)
    assert [k.rsplit("/", 2)[-2:] for k in err.value.failures] == [["catalogue", "item0.png"]]
    assert set(gallery(provider)) == {"item1", "item2"}
    out = sync(provider, tmp_path).execute(context)
    assert out["plan"]["create"] == 1 and out["outcome"]["created"] == 1
    assert set(gallery(provider)) == {"item0", "item1", "item2"}


def test_sync_adopts_what_the_ingest_dag_created(provider, context, tmp_path):
    """The batch operator's {content_hash} names (what the ingest DAG sends) are the sync's own names."""
    from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator

    put_object(provider.bucket, "catalogue/item3.png", make_image(120, 90, seed=3))
    ingest = ImageSearchCreateImageBatchOperator(
        task_id="ingest",
        group_id="g1",
        source_prefix=f"cos://{provider.bucket}/catalogue/",
        checkpoint_path=str(tmp_path / "ingest.jsonl"),
    )
    assert ingest.execute(context)["created"] == 1
    out = sync(provider, tmp_path).execute(context)
    assert out["outcome"]["adopted"] == 1 and out["outcome"]["created"] == 0
    assert len(provider.emulator.images("g1")) == 1


def test_sync_replaces_pictures_named_before_content_hashes(provider, context, tmp_path):
    """A PicName without a content hash cannot tell what it shows: it is replaced, never adopted blindly."""
    from airflow_provider_tencent.payloads.image_search import list_pictures
    from airflow_provider_tencent.utils.naming import pic_name_for

    data = make_image(120, 90, seed=4)
    put_object(provider.bucket, "catalogue/item4.png", data)
    [(key, item)] = list(list_pictures(f"cos://{provider.bucket}/catalogue/", "tencentcloud_default"))
    add(pic_name_for(key), item["entity_id"], data)  # the ingest DAG's naming before {content_hash}
    out = sync(provider, tmp_path).execute(context)
    assert out["outcome"]["replaced"] == 1 and out["outcome"]["adopted"] == 0
    [stored] = provider.emulator.images("g1")
    assert stored["PicName"] != pic_name_for(key)


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"max_deletions": 1.5}, "max_deletions"), ({"dry_run": "maybe"}, "dry_run")]
)
def test_sync_bad_arguments_refused_before_any_call(provider, context, tmp_path, kwargs, field):
    before = calls(provider.emulator)
    with pytest.raises(TencentCloudInputError) as err:
        sync(provider, tmp_path, **kwargs).execute(context)
    assert err.value.field == field
    assert calls(provider.emulator) == before and not (tmp_path / "sync.json").exists()


def test_sync_replace_never_leaves_the_product_without_a_picture(provider, context, tmp_path):
    """The new picture is created first: when that fails, the old one is still there, and the next run finishes."""
    put_object(provider.bucket, "catalogue/item0.png", make_image(120, 90, seed=0))
    sync(provider, tmp_path).execute(context)
    old = gallery(provider)["item0"]
    put_object(provider.bucket, "catalogue/item0.png", make_image(120, 90, seed=60))
    provider.emulator.inject("error", action="CreateImage", code="FailedOperation.ImageDecodeFailed", times=1)
    with pytest.raises(TencentCloudBatchError):
        sync(provider, tmp_path).execute(context)
    assert gallery(provider) == {"item0": old}
    out = sync(provider, tmp_path).execute(context)
    assert out["outcome"]["replaced"] == 1 and gallery(provider)["item0"] != old
    assert len(provider.emulator.images("g1")) == 1


def test_sync_resumes_a_replacement_cut_between_create_and_delete(provider, context, tmp_path):
    put_object(provider.bucket, "catalogue/item0.png", make_image(120, 90, seed=0))
    sync(provider, tmp_path).execute(context)
    put_object(provider.bucket, "catalogue/item0.png", make_image(120, 90, seed=61))
    provider.emulator.inject("error", action="DeleteImages", code="InvalidParameter.InvalidParameter", times=1)
    with pytest.raises(TencentCloudBatchError):
        sync(provider, tmp_path).execute(context)
    assert len(provider.emulator.images("g1")) == 2  # new created, old not yet deleted
    out = sync(provider, tmp_path).execute(context)
    assert out["plan"]["finish"] == 1 and out["outcome"]["replaced"] == 1
    assert len(provider.emulator.images("g1")) == 1
