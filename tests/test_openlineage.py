"""OpenLineage: the operators' inputs, outputs and RequestIds, against the emulator and local S3.

The operators run for real (SDK signing, HTTP to the emulator, pictures read from moto S3); their
lineage goes through the OpenLineage provider's own ``DefaultExtractor`` and the OpenLineage
client's serializer, and every RequestId in it must be one the emulator answered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import put_object

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
from airflow_provider_tencent.operators.image_search import CreateImageOperator, CreateImagesOperator
from airflow_provider_tencent.operators.vod import CreateAigcElementOperator, CreateAigcElementsOperator
from airflow_provider_tencent.testing.images import make_image

REGION = "ap-guangzhou"  # the connection's default region


def extracted(operator):
    """What the OpenLineage provider gets from the operator once the task completed."""
    lineage = DefaultExtractor(operator).extract_on_complete(task_instance=None)
    assert lineage is not None
    facet = lineage.run_facets[RUN_FACET_KEY]
    json.loads(Serde.to_json(facet))  # the facet serializes as OpenLineage events carry it
    return lineage, facet


def test_importing_operators_imports_no_openlineage_module():
    """Modules our imports add to a process that imported ``airflow.sdk`` (which registers providers)."""
    code = (
        "import sys, airflow.sdk; before = set(sys.modules);"
        "import airflow_provider_tencent.operators.image_search, airflow_provider_tencent.operators.vod;"
        "import airflow_provider_tencent.openlineage, airflow_provider_tencent.get_provider_info;"
        "print(sorted(m for m in set(sys.modules) - before"
        " if 'openlineage' in m and not m.startswith('airflow_provider_tencent.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_create_image_reads_a_picture_and_writes_the_gallery(provider, context):
    uri = put_object(provider.bucket, "pics/red.png", make_image(64, 48, "png", seed=1))
    operator = CreateImageOperator(task_id="img", group_id="g1", entity_id="e1", pic_name="red", image_path=uri)
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
    operator = CreateAigcElementOperator(
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
    operator = CreateImagesOperator(
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
    items = []
    for s in range(3):
        frontal = put_object(provider.bucket, f"s{s}/front.png", make_image(400, 500, "png", seed=s))
        ref = put_object(provider.bucket, f"s{s}/side.png", make_image(500, 400, "png", seed=50 + s))
        items.append(
            {
                "element_name": f"subject-{s}",
                "element_description": "d",
                "element_frontal_image": frontal,
                "element_refer_list": [ref],
            }
        )
    operator = CreateAigcElementsOperator(task_id="els", items=items, checkpoint_path=str(tmp_path / "v.jsonl"))
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
    operator = CreateImagesOperator(task_id="imgs", group_id="g1", items=items, checkpoint_path=str(tmp_path / "c"))
    with pytest.raises(Exception, match="1 of 2 items failed"):
        operator.execute(context)
    lineage = DefaultExtractor(operator).extract_on_failure(task_instance=None)
    assert {d.name for d in lineage.inputs} == {"ok/a.png", "no/b.png"}
    facet = lineage.run_facets[RUN_FACET_KEY]
    assert facet.requestIds == [p["RequestId"] for p in provider.emulator.images("g1")]
    assert (facet.items["created"], facet.items["failed"]) == (1, 1)


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
    operator = CreateImageOperator(task_id="img", group_id="g1", entity_id="e", pic_name="p", image_path="/data/a.png")
    assert operator.lineage().inputs == [("file", "/data/a.png")]


def test_prefix_names():
    assert prefix_name("cos://bkt/gallery/") == ("cos://bkt", "gallery")
    assert prefix_name("cos://bkt/") == ("cos://bkt", "/")


def test_without_the_openlineage_provider_the_methods_return_none(monkeypatch):
    operator = CreateImageOperator(task_id="img", group_id="g1", entity_id="e", pic_name="p", image_url="https://x/a")
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
