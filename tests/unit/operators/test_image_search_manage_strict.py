"""ImageSearchDeleteImagesOperator reads ``whole_entity`` strictly (issue 18 item 2), against the emulator."""

from __future__ import annotations

import base64

import pytest

from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.operators.image_search import ImageSearchDeleteImagesOperator
from airflow_provider_tencent.testing.images import make_image

pytestmark = pytest.mark.timeout(180)


def calls(emulator) -> int:
    return sum(sum(v.values()) for v in emulator.counters().values())


@pytest.fixture
def three(provider):
    hook = ImageSearchHook()
    for i in range(3):
        data = base64.b64encode(make_image(64, 64, seed=i)).decode()
        hook.create_image({"GroupId": "g1", "EntityId": "e1", "PicName": f"p{i}", "ImageBase64": data})
    return provider


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("false", "pic_name"),
        ("False", "pic_name"),
        ("0", "whole_entity"),
        ("no", "whole_entity"),
        ("{{ params.whole }}", "whole_entity"),
        (0, "whole_entity"),
        ("", "whole_entity"),
    ],
)
def test_whole_entity_that_is_not_true_deletes_nothing(three, context, value, field):
    """Before: whole_entity="false" (a truthy text) deleted every picture of the EntityId."""
    before = calls(three.emulator)
    with pytest.raises(TencentCloudInputError) as err:
        ImageSearchDeleteImagesOperator(task_id="d", group_id="g1", entity_id="e1", whole_entity=value).execute(context)
    assert err.value.field == field
    assert calls(three.emulator) == before and len(three.emulator.images("g1")) == 3


def test_whole_entity_rendered_true_deletes_the_entity(three, context):
    op = ImageSearchDeleteImagesOperator(task_id="d", group_id="g1", entity_id="e1", whole_entity="{{ params.w }}")
    assert "whole_entity" in op.template_fields
    op.whole_entity = "True"  # as rendered from params.w = true
    out = op.execute(context)
    assert (out["status"], out["Deleted"]) == ("deleted", 3)


def test_the_hook_refuses_a_text_whole_entity(three):
    with pytest.raises(TencentCloudInputError, match="EVERY picture"):
        ImageSearchHook().delete_images("g1", "e1", whole_entity="false")  # type: ignore[arg-type]
    assert len(three.emulator.images("g1")) == 3
