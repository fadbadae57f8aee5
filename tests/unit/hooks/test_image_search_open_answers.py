"""Answers the Image Search service may give that its documents leave open (issue 19, TIIA side): the
emulator gives them on demand and the provider's real operators and hook handle them."""

from __future__ import annotations

import base64

import pytest
from conftest import put_object

from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.operators.image_search import (
    ImageSearchCreateGroupOperator,
    ImageSearchDeleteImagesOperator,
    ImageSearchSyncGalleryOperator,
)
from airflow_provider_tencent.testing.images import make_image

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def answers(provider):
    yield provider.emulator
    provider.emulator.reset(settings=True)


def test_describe_groups_answering_not_exist_is_no_gallery(provider, answers, context, tmp_path):
    """Before: DescribeGroups answering ImageGroupIdNotExist failed CreateGroup even on its first creation."""
    answers.set_image_search_answers(unknown_group="error")
    op = ImageSearchCreateGroupOperator(task_id="g", group_id="shop_2", group_name="Shop", max_capacity=500)
    assert op.execute(context)["status"] == "created"
    assert op.execute(context)["status"] == "exists"
    assert ImageSearchHook().gallery_type("nope") is None
    put_object(provider.bucket, "catalogue/a.png", make_image(96, 72, seed=1))
    sync = ImageSearchSyncGalleryOperator(
        task_id="s",
        group_id="nope",
        source_prefix=f"cos://{provider.bucket}/catalogue/",
        manifest_path=str(tmp_path / "m.json"),
    )
    with pytest.raises(TencentCloudInputError, match="does not exist") as err:
        sync.execute(context)
    assert err.value.field == "group_id"


def test_a_gallery_reading_back_a_lower_max_qps_is_the_same_gallery(provider, answers, context):
    """Before: a gallery created with MaxQps 20 read back 10, and the next idempotent CreateGroup failed."""
    answers.set_image_search_answers(max_qps_cap=10)
    op = ImageSearchCreateGroupOperator(task_id="g", group_id="fast", group_name="Fast", max_qps=20)
    assert op.execute(context)["status"] == "created"
    again = op.execute(context)
    assert again["status"] == "exists" and again["MaxQps"] == 10
    with pytest.raises(TencentCloudInputError) as err:  # the settings that are the gallery's identity still count
        ImageSearchCreateGroupOperator(task_id="g", group_id="fast", group_name="Fast", max_capacity=7).execute(context)
    assert err.value.field == "MaxCapacity"


@pytest.mark.parametrize("code", ["FailedOperation.ImageDeleteFailed", "InvalidParameter.InvalidParameter"])
def test_delete_of_what_is_gone_answered_with_another_code_is_done(provider, answers, context, code):
    """Before: a repeated DeleteImages (the first answer lost) answered with another code than
    ImageNotFoundInfo failed the task though the picture was deleted."""
    answers.set_image_search_answers(delete_missing=code)
    data = base64.b64encode(make_image(64, 64, seed=3)).decode()
    ImageSearchHook().create_image({"GroupId": "g1", "EntityId": "e1", "PicName": "p0", "ImageBase64": data})
    answers.inject("commit_then_hang", action="DeleteImages", times=1, delay=2.0)  # read timeout 1.5 s
    out = ImageSearchDeleteImagesOperator(task_id="d", group_id="g1", entity_id="e1", pic_name="p0").execute(context)
    assert out["status"] == "deleted" and answers.images("g1") == []
    assert code in answers.counters()["DeleteImages"]


def test_delete_error_while_the_picture_is_still_there_is_raised(provider, answers):
    data = base64.b64encode(make_image(64, 64, seed=4)).decode()
    hook = ImageSearchHook()
    hook.create_image({"GroupId": "g1", "EntityId": "e1", "PicName": "p0", "ImageBase64": data})
    answers.inject("error", action="DeleteImages", code="InvalidParameter.InvalidParameter", times=1)
    with pytest.raises(Exception, match="InvalidParameter"):
        hook.delete_images("g1", "e1", "p0")
    assert len(answers.images("g1")) == 1
