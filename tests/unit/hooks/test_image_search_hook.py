"""SearchImage / UpdateImage / DeleteImages / CreateGroup through the hook, against the
emulator with real TC3 signing (the SDK oracle checks every exchange at session end)."""

from __future__ import annotations

import io
import json

import pytest

from airflow_provider_tencent.exceptions import TencentCloudAPIError, TencentCloudInputError
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.testing.images import make_image

pytestmark = pytest.mark.timeout(120)


def b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def altered(data: bytes, how: str) -> bytes:
    from PIL import Image

    picture = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = picture.size
    out = io.BytesIO()
    if how == "resized":
        picture.resize((w // 2, h // 2)).save(out, "PNG")
    elif how == "recompressed":
        picture.save(out, "JPEG", quality=40)
    elif how == "cropped":
        picture.crop((w // 50, h // 50, w - w // 50, h - h // 50)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def gallery(provider):
    hook = ImageSearchHook()
    pictures = {}
    for seed in range(4):
        data = make_image(320, 240, "png", seed=seed)
        pictures[f"p{seed}"] = data
        tags = {"colour": ["red", "blue"][seed % 2], "size": seed}
        hook.create_image(
            {
                "GroupId": "g1",
                "EntityId": f"e{seed // 2}",
                "PicName": f"p{seed}",
                "ImageBase64": b64(data),
                "Tags": json.dumps(tags),
            }
        )
    return hook, pictures


def search(hook, data, **extra):
    return hook.search_image({"GroupId": "g1", "ImageBase64": b64(data), **extra})


@pytest.mark.parametrize("how", ["same", "resized", "recompressed", "cropped"])
def test_a_picture_and_its_altered_copies_find_it_first(gallery, how):
    hook, pictures = gallery
    query = pictures["p2"] if how == "same" else altered(pictures["p2"], how)
    result = search(hook, query)
    assert result.matches, how
    best = result.matches[0]
    assert (best.pic_name, best.entity_id) == ("p2", "e1")
    assert best.score == 100 if how == "same" else 50 < best.score <= 100
    assert all(m.pic_name == "p2" for m in result.matches)  # the unrelated pictures score under 50
    assert result.object is None  # general gallery: no subject box


def test_an_unrelated_picture_matches_nothing(gallery):
    hook, _ = gallery
    assert search(hook, make_image(320, 240, "png", seed=99)).matches == ()
    # ... though a threshold of 1 lets weak matches through (Score is 0-100 either way)
    loose = search(hook, make_image(320, 240, "png", seed=99), MatchThreshold=1)
    assert all(0 <= m.score < 50 for m in loose.matches)


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ('colour="red"', {"p0", "p2"}),
        ("colour!=red", {"p1", "p3"}),
        ("size>=2", {"p2", "p3"}),
        ('size<1 OR colour="blue"', {"p0", "p1", "p3"}),
        ("size>0 AND colour=red", {"p2"}),
    ],
)
def test_tag_filters_work_as_documented(gallery, flt, expected):
    hook, pictures = gallery
    found = set()
    for data in pictures.values():
        found |= {m.pic_name for m in search(hook, data, Filter=flt).matches}
    assert found == expected


def test_bad_filter_and_limit_are_refused_by_the_service(gallery):
    hook, pictures = gallery
    with pytest.raises(TencentCloudAPIError) as err:
        search(hook, pictures["p0"], Filter="colour ~ red")
    assert err.value.code == "InvalidParameterValue.FilterInvalid"
    with pytest.raises(TencentCloudAPIError) as err:
        search(hook, pictures["p0"], Filter="a=" + "x" * 63)
    assert err.value.code == "InvalidParameterValue.FilterSizeExceed"
    with pytest.raises(TencentCloudAPIError) as err:
        search(hook, pictures["p0"], Limit=101)
    assert err.value.code == "InvalidParameterValue.LimitExceed"


def test_box_only_in_product_galleries(provider):
    provider.emulator.create_group("shop", "shop", group_type=5)
    hook = ImageSearchHook()
    data = make_image(320, 240, "png", seed=5)
    hook.create_image({"GroupId": "shop", "EntityId": "e", "PicName": "p", "ImageBase64": b64(data)})
    result = hook.search_image({"GroupId": "shop", "ImageBase64": b64(data), "CategoryId": 3})
    assert result.matches[0].pic_name == "p"
    assert result.object["Box"]["Rect"] == {"X": 0, "Y": 0, "Width": 320, "Height": 240}
    assert result.object["CategoryId"] == 3
    plain = hook.search_image({"GroupId": "shop", "ImageBase64": b64(data), "EnableDetect": False})
    assert plain.object is None


def test_empty_gallery_is_no_match(provider):
    provider.emulator.create_group("empty", "empty")
    result = ImageSearchHook().search_image({"GroupId": "empty", "ImageBase64": b64(make_image(64, 64, "png", seed=1))})
    assert result.matches == ()


def test_update_tags_of_one_picture_and_of_an_entity(gallery, provider):
    hook, _ = gallery
    hook.update_image("g1", "e0", "p1", tags=json.dumps({"colour": "green"}))
    tags = {p["PicName"]: p["Tags"] for p in provider.emulator.images("g1")}
    assert json.loads(tags["p1"]) == {"colour": "green"} and json.loads(tags["p0"])["colour"] == "red"
    hook.update_image("g1", "e1", tags=json.dumps({"sale": 1}))
    tags = {p["PicName"]: p["Tags"] for p in provider.emulator.images("g1")}
    assert json.loads(tags["p2"]) == json.loads(tags["p3"]) == {"sale": 1}
    with pytest.raises(TencentCloudAPIError) as err:
        hook.update_image("g1", "nobody", tags="{}")
    assert err.value.code == "FailedOperation.ImageNotFoundInfo"


def test_update_is_retried_after_a_transient_error(gallery, provider):
    hook, _ = gallery
    provider.emulator.inject("error", action="UpdateImage", code="FailedOperation.ServerError", times=1)
    hook.update_image("g1", "e0", "p0", tags=json.dumps({"ok": 1}))
    assert sum(provider.emulator.counters()["UpdateImage"].values()) == 2


def test_delete_one_picture_whole_entity_and_absent(gallery, provider):
    hook, _ = gallery
    with pytest.raises(TencentCloudInputError, match="EVERY picture"):
        hook.delete_images("g1", "e0")
    assert len(provider.emulator.images("g1")) == 4  # nothing was sent
    assert hook.delete_images("g1", "e0", "p0")["Deleted"] == 1
    out = hook.delete_images("g1", "e1", whole_entity=True)
    assert (out["status"], out["Deleted"], sorted(out["PicNames"])) == ("deleted", 2, ["p2", "p3"])
    assert hook.delete_images("g1", "e1", whole_entity=True)["status"] == "absent"
    assert [p["PicName"] for p in provider.emulator.images("g1")] == ["p1"]


def test_delete_is_retried_after_a_transient_error(gallery, provider):
    hook, _ = gallery
    provider.emulator.inject("error", action="DeleteImages", code="FailedOperation.ImageDeleteFailed", times=1)
    assert hook.delete_images("g1", "e0", "p0")["status"] == "deleted"
    assert "p0" not in {p["PicName"] for p in provider.emulator.images("g1")}


def test_ensure_group_is_idempotent_and_names_differences(provider):
    hook = ImageSearchHook()
    first = hook.ensure_group("g2", "two", 500, brief="b")
    assert first["status"] == "created"
    assert hook.ensure_group("g2", "two", 500, brief="b")["status"] == "exists"
    with pytest.raises(TencentCloudInputError) as err:
        hook.ensure_group("g2", "two", 600, group_type=5)
    text = f"{err.value}"
    assert "MaxCapacity: wanted 600" in text and "GroupType: wanted 5" in text and "500" in text
    assert provider.emulator.counters()["CreateGroup"]["ok"] == 2  # g1 (fixture) and g2, once


def test_every_changing_action_has_a_retry_decision():
    """Reads are retried; every action that changes the gallery says whether a repeat is harmless."""
    from airflow_provider_tencent.contracts import image_search

    changing = {a for a, c in image_search.CONTRACTS.items() if not c.read_only and a != "CreateImage"}
    assert changing == {"CreateGroup", "DeleteImages", "UpdateImage"}
    assert changing <= set(image_search.RETRY_DECISIONS)
    assert image_search.SEARCH_IMAGE.read_only and image_search.DESCRIBE_IMAGES.read_only
