"""OpenLineage: the operators' inputs, outputs and RequestIds, against the emulator and local S3.

The operators run for real (SDK signing, HTTP to the emulator, pictures read from moto S3); their
lineage goes through the OpenLineage provider's own ``DefaultExtractor`` and the OpenLineage
client's serializer, and every RequestId in it must be one the emulator answered.
"""

from __future__ import annotations

import json
import os
import sys
import time

import pytest
from conftest import put_object, upload_subjects

pytest.importorskip("airflow.providers.openlineage", reason="the dev extra installs the OpenLineage provider")

from airflow.providers.common.compat.openlineage.facet import Dataset
from airflow.providers.openlineage.extractors.base import DefaultExtractor
from openlineage.client.serde import Serde

from airflow_provider_tencent.openlineage import (
    MAX_DATASETS,
    RUN_FACET_KEY,
    capped,
    dataset_name,
    prefix_name,
)
from airflow_provider_tencent.operators.image_search import (
    ImageSearchCreateGroupOperator,
    ImageSearchCreateImageBatchOperator,
    ImageSearchCreateImageOperator,
    ImageSearchDeleteImagesOperator,
    ImageSearchSearchImageBatchOperator,
    ImageSearchSearchImageOperator,
    ImageSearchSyncGalleryOperator,
    ImageSearchUpdateImageOperator,
)
from airflow_provider_tencent.operators.vod import (
    VodCreateAigcElementBatchOperator,
    VodCreateAigcElementOperator,
    VodCreateAigcImageOperator,
    VodCreateAigcVideoOperator,
)
from airflow_provider_tencent.sensors.vod import VodAigcTaskSensor
from airflow_provider_tencent.testing.images import make_image

#: The request fields every CreateAigcVideoTask needs (api.json marks them required).
KLING = {"ModelName": "Kling", "ModelVersion": "2.1", "SubAppId": 251007502}

REGION = "ap-guangzhou"  # the connection's default region
TIIA = f"tencentcloud-tiia://{REGION}"
VOD = f"tencentcloud-vod://{REGION}"


def extracted(operator):
    """What the OpenLineage provider gets from the operator once the task completed."""
    lineage = DefaultExtractor(operator).extract_on_complete(task_instance=None)
    assert lineage is not None
    facet = lineage.run_facets[RUN_FACET_KEY]
    json.loads(Serde.to_json(facet))  # the facet serializes as OpenLineage events carry it
    return lineage, facet


def answered(emulator, *actions, since=0):
    """RequestIds of the emulator's successful answers to ``actions``, from request number ``since`` on."""
    return [r["request_id"] for r in emulator.requests[since:] if r["action"] in actions and r["outcome"] == "ok"]


def test_create_image_reads_a_picture_and_writes_the_gallery(provider, context):
    uri = put_object(provider.bucket, "pics/red.png", make_image(64, 48, "png", seed=1))
    operator = ImageSearchCreateImageOperator(
        task_id="img", group_id="g1", entity_id="e1", pic_name="red", image_path=uri
    )
    result = operator.execute(context)
    lineage, facet = extracted(operator)
    assert lineage.inputs == [Dataset(namespace=f"cos://{provider.bucket}", name="pics/red.png")]
    assert lineage.outputs == [Dataset(namespace=f"tencentcloud-tiia://{REGION}", name="g1")]
    [stored] = provider.emulator.images("g1")
    assert facet.requestIds == [stored["RequestId"]] == [result["RequestId"]]
    assert (facet.action, facet.region, facet.requestIdsTotal) == ("CreateImage", REGION, 1)


def test_create_aigc_element_reads_pictures_and_writes_the_subject(provider, context):
    frontal = put_object(provider.bucket, "mug/front.png", make_image(400, 600, "png", seed=1))
    side = put_object(provider.bucket, "mug/side.png", make_image(600, 400, "png", seed=2))
    operator = VodCreateAigcElementOperator(
        task_id="subject",
        element_name="mug",
        element_description="A blue mug",
        element_frontal_image=frontal,
        element_refer_list=[side],
    )
    element_id = operator.execute(context)
    lineage, facet = extracted(operator)
    namespace = f"cos://{provider.bucket}"
    assert lineage.inputs == [Dataset(namespace=namespace, name="mug/front.png"), Dataset(namespace, "mug/side.png")]
    assert lineage.outputs == [Dataset(namespace=f"tencentcloud-vod://{REGION}", name=element_id)]
    [created] = provider.emulator.elements()
    assert facet.requestIds == [created["RequestId"]] == [context["ti"].xcom["request_id"]]
    assert facet.action == "CreateAigcCustomElement"
    # the service was sent presigned URLs: none of their signatures is in the lineage
    assert "X-Amz" not in Serde.to_json(facet) and "X-Amz" not in repr(lineage)


def test_create_images_from_a_prefix_lists_the_prefix(provider, context, tmp_path):
    for i in range(12):
        put_object(provider.bucket, f"gallery/item-{i:02d}.png", make_image(64, 48, "png", seed=i))
    operator = ImageSearchCreateImageBatchOperator(
        task_id="imgs",
        group_id="g1",
        source_prefix=f"cos://{provider.bucket}/gallery/",
        checkpoint_path=str(tmp_path / "ckpt.jsonl"),
    )
    operator.execute(context)
    lineage, facet = extracted(operator)
    assert lineage.inputs == [Dataset(namespace=f"cos://{provider.bucket}", name="gallery")]
    assert lineage.outputs == [Dataset(namespace=f"tencentcloud-tiia://{REGION}", name="g1")]
    assert sorted(facet.requestIds) == sorted(p["RequestId"] for p in provider.emulator.images("g1"))
    assert facet.requestIdsTotal == 12 and facet.items["created"] == 12 and facet.items["failed"] == 0


def test_create_elements_batch_lists_items_and_subjects(provider, context, tmp_path):
    items = upload_subjects(provider.bucket, 3)
    operator = VodCreateAigcElementBatchOperator(task_id="els", items=items, checkpoint_path=str(tmp_path / "v.jsonl"))
    summary = operator.execute(context)
    lineage, facet = extracted(operator)
    namespace = f"cos://{provider.bucket}"
    assert {(d.namespace, d.name) for d in lineage.inputs} == {
        (namespace, f"s{s}/{f}.png") for s in range(3) for f in ("front", "side")
    }
    vod = f"tencentcloud-vod://{REGION}"
    assert sorted(lineage.outputs, key=lambda d: d.name) == sorted(
        (Dataset(namespace=vod, name=e) for e in summary["element_ids"].values()), key=lambda d: d.name
    )
    created = provider.emulator.elements()
    assert sorted(facet.requestIds) == sorted(e["RequestId"] for e in created) and len(created) == 3
    assert facet.outputsTotal == 3


def test_a_failed_batch_reports_what_it_did(provider, context, tmp_path):
    good = put_object(provider.bucket, "ok/a.png", make_image(64, 48, "png", seed=1))
    items = [{"key": "a", "entity_id": "e", "pic_name": "a", "image_path": good}]
    items.append({"key": "b", "entity_id": "e", "pic_name": "b", "image_path": f"cos://{provider.bucket}/no/b.png"})
    operator = ImageSearchCreateImageBatchOperator(
        task_id="imgs", group_id="g1", items=items, checkpoint_path=str(tmp_path / "c")
    )
    with pytest.raises(Exception, match="1 of 2 items failed"):
        operator.execute(context)
    lineage = DefaultExtractor(operator).extract_on_failure(task_instance=None)
    assert {d.name for d in lineage.inputs} == {"ok/a.png", "no/b.png"}
    facet = lineage.run_facets[RUN_FACET_KEY]
    assert facet.requestIds == [p["RequestId"] for p in provider.emulator.images("g1")]
    assert (facet.items["created"], facet.items["failed"]) == (1, 1)


# -- the gallery operators (Image Search) ----------------------------------------------------------
def add_picture(provider, context, pic: str, entity: str, seed: int) -> bytes:
    data = make_image(160, 120, "png", seed=seed)
    ImageSearchCreateImageOperator(
        task_id="add", group_id="g1", entity_id=entity, pic_name=pic, image_path=put_object(provider.bucket, pic, data)
    ).execute(context)
    return data


def test_search_image_reads_the_picture_and_the_gallery(provider, context):
    data = add_picture(provider, context, "p1.png", "e1", 1)
    uri = put_object(provider.bucket, "query/q.png", data)
    since = len(provider.emulator.requests)
    operator = ImageSearchSearchImageOperator(task_id="s", group_id="g1", image_path=uri)
    result = operator.execute(context)
    lineage, facet = extracted(operator)
    assert lineage.inputs == [Dataset(f"cos://{provider.bucket}", "query/q.png"), Dataset(TIIA, "g1")]
    assert lineage.outputs == []  # a search writes nothing
    assert facet.requestIds == answered(provider.emulator, "SearchImage", since=since) == [result["RequestId"]]
    assert (facet.action, facet.region, facet.outputsTotal) == ("SearchImage", REGION, 0)


def test_search_images_reads_the_prefix_and_the_gallery_and_writes_the_results(provider, context, tmp_path):
    for i in range(3):
        put_object(provider.bucket, f"tonight/n{i}.png", add_picture(provider, context, f"g{i}.png", f"e{i}", 40 + i))
    since = len(provider.emulator.requests)
    manifest = tmp_path / "search.jsonl"
    operator = ImageSearchSearchImageBatchOperator(
        task_id="ss",
        group_id="g1",
        source_prefix=f"cos://{provider.bucket}/tonight/",
        manifest_path=str(manifest),
        checkpoint_path=str(tmp_path / "ck.jsonl"),
    )
    operator.execute(context)
    lineage, facet = extracted(operator)
    assert lineage.inputs == [Dataset(f"cos://{provider.bucket}", "tonight"), Dataset(TIIA, "g1")]
    assert lineage.outputs == [Dataset("file", str(manifest))]
    searched = answered(provider.emulator, "SearchImage", since=since)
    assert len(searched) == 3 and sorted(facet.requestIds) == sorted(searched)
    assert facet.action == "SearchImage" and facet.items["done"] == 3


def test_update_image_writes_the_gallery(provider, context):
    add_picture(provider, context, "p1.png", "e1", 1)
    since = len(provider.emulator.requests)
    operator = ImageSearchUpdateImageOperator(
        task_id="u", group_id="g1", entity_id="e1", pic_name="p1.png", tags={"a": "1"}
    )
    result = operator.execute(context)
    lineage, facet = extracted(operator)
    assert (lineage.inputs, lineage.outputs) == ([], [Dataset(TIIA, "g1")])
    assert facet.requestIds == answered(provider.emulator, "UpdateImage", since=since) == [result["RequestId"]]
    assert facet.action == "UpdateImage"


def test_delete_images_writes_the_gallery(provider, context):
    add_picture(provider, context, "p1.png", "e1", 1)
    since = len(provider.emulator.requests)
    operator = ImageSearchDeleteImagesOperator(task_id="d", group_id="g1", entity_id="e1", pic_name="p1.png")
    result = operator.execute(context)
    lineage, facet = extracted(operator)
    assert (lineage.inputs, lineage.outputs) == ([], [Dataset(TIIA, "g1")])
    assert facet.requestIds == answered(provider.emulator, "DeleteImages", since=since) == [result["RequestId"]]
    assert facet.action == "DeleteImages" and not provider.emulator.images("g1")


def test_create_group_writes_the_gallery(provider, context):
    since = len(provider.emulator.requests)
    operator = ImageSearchCreateGroupOperator(task_id="g", group_id="shop_1", group_name="Shop", max_capacity=500)
    result = operator.execute(context)
    lineage, facet = extracted(operator)
    assert (lineage.inputs, lineage.outputs) == ([], [Dataset(TIIA, "shop_1")])
    assert facet.requestIds == answered(provider.emulator, "CreateGroup", since=since) == [result["RequestId"]]
    assert facet.action == "CreateGroup"


def test_sync_gallery_reads_the_prefix_and_writes_the_gallery(provider, context, tmp_path):
    for i in range(3):
        put_object(provider.bucket, f"catalogue/item{i}.png", make_image(120, 90, seed=i))
    args = {
        "task_id": "sync",
        "group_id": "g1",
        "source_prefix": f"cos://{provider.bucket}/catalogue/",
        "manifest_path": str(tmp_path / "sync.json"),
        "max_deletions": 0.5,
    }
    ImageSearchSyncGalleryOperator(**args).execute(context)
    put_object(provider.bucket, "catalogue/item1.png", make_image(120, 90, seed=51))  # replaced
    since = len(provider.emulator.requests)
    operator = ImageSearchSyncGalleryOperator(**args)
    out = operator.execute(context)
    assert out["outcome"]["replaced"] == 1
    lineage, facet = extracted(operator)
    assert lineage.inputs == [Dataset(f"cos://{provider.bucket}", "catalogue")]
    assert lineage.outputs == [Dataset(TIIA, "g1")]
    changed = answered(provider.emulator, "CreateImage", "DeleteImages", since=since)
    assert len(changed) == 2 and facet.requestIds == changed  # the new picture, then the old one deleted
    assert facet.action == "CreateImage,DeleteImages"
    # a dry run only reads the gallery
    dry = ImageSearchSyncGalleryOperator(**args, dry_run=True)
    dry.execute(context)
    lineage, facet = extracted(dry)
    assert lineage.outputs == [] and Dataset(TIIA, "g1") in lineage.inputs and facet.requestIds == []


# -- AIGC generation (VOD) ---------------------------------------------------------------------------
def add_element(emulator, element_id: str = "12345678901234") -> str:
    with emulator._lock:
        emulator.vod.elements.append({"ElementId": element_id, "ElementReferList": [], "created": time.time()})
    return element_id


class StateStore(dict):
    def set(self, key, value, *, retention=None):
        self[key] = value


def aigc_context():
    from aigc_fakes import FakeTI

    return {"ti": FakeTI(), "task_state_store": StateStore()}


def test_aigc_video_reads_subjects_and_files_and_writes_the_task(provider):
    provider.emulator.aigc_duration = 0.3
    element_id = add_element(provider.emulator)
    operator = VodCreateAigcVideoOperator(
        task_id="make_video",
        model_version="2.1",
        prompt="the mug on a table",
        element_ids=[element_id],
        file_infos=[{"Type": "Url", "Url": "https://cdn.example/in/first.png?sign=secret"}],
        deferrable=False,
        poll_interval=0.05,
        max_poll_interval=0.1,
    )
    result = operator.execute(aigc_context())
    lineage, facet = extracted(operator)
    assert lineage.inputs == [Dataset(VOD, element_id), Dataset("https://cdn.example", "/in/first.png")]
    assert lineage.outputs == [Dataset(VOD, result["TaskId"])]
    assert facet.action == "CreateAigcVideoTask"
    submitted = answered(provider.emulator, "CreateAigcVideoTask")
    read = answered(provider.emulator, "DescribeTaskDetail")
    assert len(submitted) == 1 and read and facet.requestIds == submitted + read
    assert "secret" not in Serde.to_json(facet) + repr(lineage)


def test_aigc_image_copied_to_storage_writes_the_files(provider):
    provider.emulator.aigc_duration = 0.3
    out = f"cos://{provider.bucket}/aigc/pictures/"
    operator = VodCreateAigcImageOperator(
        task_id="pic",
        model_name="GG",
        model_version="3.0",
        prompt="a mug",
        output_path=out,
        deferrable=False,
        poll_interval=0.05,
        max_poll_interval=0.1,
    )
    result = operator.execute(aigc_context())
    lineage, facet = extracted(operator)
    assert lineage.inputs == []  # a prompt only: nothing read
    assert result["paths"] and lineage.outputs == [
        Dataset(f"cos://{provider.bucket}", path.split(f"{provider.bucket}/", 1)[1]) for path in result["paths"]
    ]
    assert facet.action == "CreateAigcImageTask"
    assert facet.requestIds == answered(provider.emulator, "CreateAigcImageTask", "DescribeTaskDetail")


def test_aigc_sensor_reads_the_task(provider):
    from airflow_provider_tencent.hooks.vod import VodHook

    provider.emulator.aigc_duration = 0.0
    task_id = VodHook().create_aigc_task("CreateAigcVideoTask", {**KLING, "Prompt": "p"})["TaskId"]
    since = len(provider.emulator.requests)
    sensor = VodAigcTaskSensor(task_id="wait", aigc_task_id=task_id, deferrable=False, poke_interval=0.05)
    assert sensor.poke(aigc_context()).xcom_value["TaskId"] == task_id
    lineage, facet = extracted(sensor)
    assert (lineage.inputs, lineage.outputs) == ([Dataset(VOD, task_id)], [])
    assert facet.action == "DescribeTaskDetail"
    assert facet.requestIds == answered(provider.emulator, "DescribeTaskDetail", since=since)
    assert len(facet.requestIds) == 1


def test_large_batches_list_folders_not_every_picture():
    names = [("cos://b-1250000000", f"photos/2026/{i:05d}.png") for i in range(10_000)]
    assert capped(names) == ([("cos://b-1250000000", "photos/2026")], False)
    few = names[:MAX_DATASETS]
    assert capped(few + few) == (few, False)  # distinct, in order, under the cap: listed as they are
    many = [(f"cos://b{i}", f"k/{i}.png") for i in range(MAX_DATASETS + 5)]
    listed, truncated = capped(many)
    assert len(listed) == MAX_DATASETS and truncated


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("cos://bkt-1250000000/a/b.png", ("cos://bkt-1250000000", "a/b.png")),
        ("s3://bkt/a.png", ("s3://bkt", "a.png")),
        ("s3a://bkt/a.png", ("s3://bkt", "a.png")),
        ("s3://aws_conn@bkt/a.png", ("s3://bkt", "a.png")),  # an ObjectStoragePath with its conn_id
        ("file:///data/a.png", ("file", "/data/a.png")),
        ("https://h.example:8443/a.png?X-Amz-Signature=secret&q=1", ("https://h.example:8443", "/a.png")),
        ("iVBORw0KGgo=", None),  # base64 content names nothing
        ("", None),
        (None, None),
    ],
)
def test_dataset_names(ref, expected):
    assert dataset_name(ref) == expected


def test_a_plain_image_path_is_a_local_file():
    assert dataset_name("pics/a.png", local_path=True) == ("file", os.path.abspath("pics/a.png"))
    assert dataset_name("pics/a.png") is None
    operator = ImageSearchCreateImageOperator(
        task_id="img", group_id="g1", entity_id="e", pic_name="p", image_path="/data/a.png"
    )
    assert operator.lineage().inputs == [("file", "/data/a.png")]


def test_prefix_names():
    assert prefix_name("cos://bkt/gallery/") == ("cos://bkt", "gallery")
    assert prefix_name("cos://bkt/") == ("cos://bkt", "/")


def test_without_the_openlineage_provider_the_methods_return_none(monkeypatch):
    operator = ImageSearchCreateImageOperator(
        task_id="img", group_id="g1", entity_id="e", pic_name="p", image_url="https://x/a"
    )
    monkeypatch.setitem(sys.modules, "airflow.providers.openlineage.extractors", None)  # import fails
    assert operator.get_openlineage_facets_on_complete(None) is None


def test_cos_assets_are_declared_with_their_openlineage_converter():
    import importlib

    from airflow.sdk import Asset

    from airflow_provider_tencent.get_provider_info import get_provider_info

    [entry] = [e for e in get_provider_info()["asset-uris"] if "cos" in e["schemes"]]
    module, _, name = entry["to_openlineage_converter"].rpartition(".")
    convert = getattr(importlib.import_module(module), name)
    dataset = convert(Asset("cos://bkt-1250000000/gallery/a.png"), None)
    assert (dataset.namespace, dataset.name) == ("cos://bkt-1250000000", "gallery/a.png")
