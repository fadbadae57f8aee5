"""ImageSearchCreateImageBatchOperator: older versions and 10 pictures per EntityId (issue 18 items 3, 4, 8),
against the emulator over real HTTP and moto S3."""

from __future__ import annotations

import base64

import pytest

from airflow_provider_tencent.exceptions import TencentCloudBatchError, TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator
from airflow_provider_tencent.testing.images import make_image

pytestmark = pytest.mark.timeout(240)
COUNT_EXCEEDED = "FailedOperation.ImageEntityCountExceed"


def calls(emulator) -> int:
    return sum(sum(v.values()) for v in emulator.counters().values())


def b64(seed: int) -> str:
    return base64.b64encode(make_image(96, 72, seed=seed)).decode()


def batch(tmp_path, name: str, **kwargs):
    return ImageSearchCreateImageBatchOperator(
        task_id="batch", group_id="g1", checkpoint_path=str(tmp_path / f"{name}.jsonl"), **kwargs
    )


def entity_names(provider, entity: str) -> set[str]:
    return {p["PicName"] for p in provider.emulator.images("g1") if p["EntityId"] == entity}


# -- item 3 -------------------------------------------------------------------------------------------
def test_items_of_one_entity_sharing_a_template_are_refused(provider, context, tmp_path):
    """Before: three photos of sku42 named "sku42-{content_hash}" each deleted the others: created=3, 1 kept."""
    items = [
        {"key": f"photo{i}", "entity_id": "sku42", "pic_name": "sku42-{content_hash}", "image_base64": b64(i)}
        for i in range(3)
    ]
    before = calls(provider.emulator)
    with pytest.raises(TencentCloudInputError) as err:
        batch(tmp_path, "a", items=items).execute(context)
    assert err.value.field == "pic_name" and "'photo0'" in f"{err.value}" and "'photo1'" in f"{err.value}"
    assert calls(provider.emulator) == before and provider.emulator.images("g1") == []
    for i, item in enumerate(items):
        item["pic_name"] = f"sku42-{i}-{{content_hash}}"
    out = batch(tmp_path, "b", items=items).execute(context)
    assert (out["created"], out["failed"]) == (3, 0) and len(entity_names(provider, "sku42")) == 3
    items[1]["image_base64"] = b64(11)  # a new photo of one item: only its own older version goes
    out = batch(tmp_path, "c", items=items).execute(context)
    assert (out["created"], out["exists"]) == (1, 2) and len(entity_names(provider, "sku42")) == 3


# -- item 8 -------------------------------------------------------------------------------------------
def test_new_pictures_beyond_what_the_entity_holds_are_not_sent(provider, context, tmp_path):
    """Before: the EntityId held 4 pictures; a batch of 7 new ones sent all 7 (the 11th refused by the service)."""
    hook = ImageSearchHook()
    for i in range(4):
        hook.create_image({"GroupId": "g1", "EntityId": "e", "PicName": f"held-{i}", "ImageBase64": b64(200 + i)})
    items = [{"key": f"n{i}", "entity_id": "e", "pic_name": f"new-{i}", "image_base64": b64(i)} for i in range(7)]
    with pytest.raises(TencentCloudBatchError) as err:
        batch(tmp_path, "a", items=items).execute(context)
    # which of the 7 comes 11th depends on the batch's concurrent senders; that exactly one is refused unsent does not
    ((failed, message),) = err.value.failures.items()
    assert failed in {item["key"] for item in items} and "already holds 10 pictures" in message
    assert COUNT_EXCEEDED not in provider.emulator.counters()["CreateImage"]
    assert len(entity_names(provider, "e")) == 10


def test_a_new_version_in_a_full_entity_goes_in_after_the_old_one_even_after_a_lost_answer(provider, context, tmp_path):
    """Before: the new version was created before the old was deleted - the 11th picture of a full EntityId."""
    items = [
        {"key": f"k{i}", "entity_id": "shelf", "pic_name": f"v{i}-{{content_hash}}", "image_base64": b64(i)}
        for i in range(10)
    ]
    assert batch(tmp_path, "a", items=items).execute(context)["created"] == 10
    items[3]["image_base64"] = b64(33)
    items[7]["image_base64"] = b64(77)
    # the first new version is stored but its answer is lost (read timeout 1.5 s): the retry confirms it
    provider.emulator.inject("commit_then_hang", action="CreateImage", times=1, delay=2.0)
    out = batch(tmp_path, "b", items=items).execute(context)
    assert out["failed"] == 0 and out["created"] + out["exists"] == 10
    assert COUNT_EXCEEDED not in provider.emulator.counters()["CreateImage"]
    stored = entity_names(provider, "shelf")
    assert len(stored) == 10 and {n.split("-")[0] for n in stored} == {f"v{i}" for i in range(10)}
