"""Client rules from the API documents and the SDK, each against the emulator over real HTTP.

* ``MaxCapacity`` counts pictures: a sensible default, and GroupId characters checked before the call;
* every error code decided: account codes fail at once with a hint, unknown codes are not retried,
  VOD account codes say "nothing was created";
* 10 pictures per EntityId checked in a batch before sending: the eleventh fails clearly, the rest go;
* a ``data:image/...;base64,`` prefix is taken off (any other ``data:`` text refused) before sending;
* a PicName already used under another EntityId follows ``if_exists`` with a message saying so.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from conftest import put_object

from airflow_provider_tencent.contracts import ErrorKind, image_search
from airflow_provider_tencent.exceptions import (
    TencentCloudAccountError,
    TencentCloudAPIError,
    TencentCloudBadRequestError,
    TencentCloudBatchError,
    TencentCloudInputError,
)
from airflow_provider_tencent.operators.image_search import (
    ImageSearchCreateImageBatchOperator,
    ImageSearchCreateImageOperator,
)
from airflow_provider_tencent.testing.emulator import Emulator
from airflow_provider_tencent.testing.images import make_image

PNG = make_image(320, 240, "png", seed=21)
B64 = base64.b64encode(PNG).decode()


def op(**kwargs: Any) -> ImageSearchCreateImageOperator:
    args = {"task_id": "create_image", "group_id": "g1", "entity_id": "e1", "pic_name": "p1", "image_base64": B64}
    args.update(kwargs)
    return ImageSearchCreateImageOperator(**args)


def calls(emulator: Emulator, action: str = "CreateImage") -> int:
    return sum(emulator.counters().get(action, {}).values())


@pytest.fixture
def requests(monkeypatch):
    mine: list[dict[str, Any]] = []
    session = Emulator.capture

    class Both(list):
        def append(self, item: Any) -> None:
            mine.append(item)
            if session is not None:
                session.append(item)

    monkeypatch.setattr(Emulator, "capture", Both())
    return mine


# -- MaxCapacity ------------------------------------------------------------------------------------------
def test_create_group_default_capacity_holds_many_pictures(provider, context, requests):
    from airflow_provider_tencent.hooks.image_search import ImageSearchHook

    ImageSearchHook().create_group("big", "default capacity")
    [sent] = [r["params"] for r in requests if r["action"] == "CreateGroup"]
    assert sent["MaxCapacity"] == image_search.DEFAULT_MAX_CAPACITY == 100_000  # pictures, not units of 10,000
    for n in range(3):
        assert op(group_id="big", pic_name=f"p{n}").execute(context)["status"] == "created"


@pytest.mark.parametrize(("group_id", "capacity"), [("has-dash", 10), ("ok_id", 0), ("ok_id", True)])
def test_create_group_refuses_bad_values_before_any_call(provider, group_id, capacity):
    from airflow_provider_tencent.hooks.image_search import ImageSearchHook

    before = calls(provider.emulator, "CreateGroup")
    with pytest.raises(TencentCloudInputError):
        ImageSearchHook().create_group(group_id, "n", max_capacity=capacity)
    assert calls(provider.emulator, "CreateGroup") == before


def test_a_full_gallery_needs_a_person(provider, context):
    from airflow_provider_tencent.hooks.image_search import ImageSearchHook

    ImageSearchHook().create_group("tiny", "two pictures", max_capacity=2)
    for n in range(2):
        op(group_id="tiny", pic_name=f"p{n}").execute(context)
    with pytest.raises(TencentCloudAccountError) as err:
        op(group_id="tiny", pic_name="p2").execute(context)
    assert err.value.code == "FailedOperation.ImageNumExceed" and "MaxCapacity" in f"{err.value}"
    assert calls(provider.emulator) == 3


# -- error decisions --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "exc_type", "hint"),
    [
        ("FailedOperation.UnOpenError", TencentCloudAccountError, "activate"),
        ("FailedOperation.BalanceInsufficient", TencentCloudAccountError, "top it up"),
        ("FailedOperation.GroupCountExceeded", TencentCloudAccountError, "30 galleries"),
        ("FailedOperation.ImageGroupChargeStatusClose", TencentCloudAccountError, "billing"),
        ("FailedOperation.InvokeChargeError", TencentCloudAccountError, "billing"),
        ("FailedOperation.TooLargeFileError", TencentCloudBadRequestError, None),
        ("FailedOperation.ImageResolutionInsufficient", TencentCloudBadRequestError, None),
        ("FailedOperation.NoObjectDetected", TencentCloudBadRequestError, None),
    ],
)
def test_documented_codes_fail_at_once(provider, context, code, exc_type, hint):
    provider.emulator.inject("error", action="CreateImage", code=code)
    with pytest.raises(exc_type) as err:
        op().execute(context)
    assert err.value.code == code
    assert calls(provider.emulator) == 1  # not retried
    if hint:
        assert hint in f"{err.value}"


def test_an_unknown_code_is_not_retried(provider, context):
    provider.emulator.inject("error", action="CreateImage", code="FailedOperation.BrandNewProblem")
    with pytest.raises(TencentCloudAPIError) as err:
        op().execute(context)
    assert err.value.kind is ErrorKind.UNKNOWN and not err.value.retryable
    assert calls(provider.emulator) == 1


def element_op(provider, **kwargs: Any):
    from airflow_provider_tencent.operators.vod import VodCreateAigcElementOperator

    uri = put_object(provider.bucket, "el/front.png", make_image(400, 400, "png", seed=7))
    args = {
        "task_id": "element",
        "element_name": "cat",
        "element_description": "a cat",
        "element_frontal_image": uri,
        "element_refer_list": [uri],
    }
    args.update(kwargs)
    return VodCreateAigcElementOperator(**args)


@pytest.mark.parametrize(
    "code",
    [
        "FailedOperation.InvalidVodUser",
        "FailedOperation.NoPrivileges",
        "FailedOperation.UserStatusInavlid",
        "FailedOperation.InvalidAccount",
        "ResourceNotFound.ServiceNotExist",
    ],
)
def test_vod_account_codes_say_nothing_was_created(provider, context, code):
    from airflow_provider_tencent.exceptions import TencentCloudAmbiguousError

    provider.emulator.inject("error", action="CreateAigcCustomElement", code=code)
    with pytest.raises(TencentCloudAccountError) as err:
        element_op(provider).execute(context)
    assert not isinstance(err.value, TencentCloudAmbiguousError)
    assert "may have been created" not in f"{err.value}" and err.value.hint
    assert calls(provider.emulator, "CreateAigcCustomElement") == 1


@pytest.mark.parametrize(
    ("code", "ambiguous"),
    [("InvalidParameterValue.Brand", False), ("UnauthorizedOperation.New", False), ("FailedOperation.New", True)],
)
def test_vod_unknown_codes_by_family(provider, context, code, ambiguous):
    from airflow_provider_tencent.exceptions import TencentCloudAmbiguousError

    provider.emulator.inject("error", action="CreateAigcCustomElement", code=code)
    with pytest.raises(TencentCloudAPIError) as err:
        element_op(provider).execute(context)
    assert isinstance(err.value, TencentCloudAmbiguousError) is ambiguous
    assert calls(provider.emulator, "CreateAigcCustomElement") == 1


# -- 10 pictures per EntityId -----------------------------------------------------------------------------
def test_batch_refuses_the_eleventh_picture_of_an_entity_and_sends_the_rest(provider, context, tmp_path):
    items = [{"key": f"k{n:02d}", "entity_id": "one", "pic_name": f"p{n:02d}", "image_base64": B64} for n in range(12)]
    items.append({"key": "other", "entity_id": "two", "pic_name": "q", "image_base64": B64})
    batch = ImageSearchCreateImageBatchOperator(
        task_id="batch", group_id="g1", items=items, checkpoint_path=str(tmp_path / "ckpt.jsonl")
    )
    with pytest.raises(TencentCloudBatchError) as err:
        batch.execute(context)
    assert set(err.value.failures) == {"k10", "k11"}
    reason = err.value.failures["k10"]
    assert "'one'" in reason and "at most 10" in reason and "picture 11" in reason
    assert len(provider.emulator.images("g1")) == 11
    assert calls(provider.emulator) == 11  # the two over the limit were never sent


# -- data: prefix -----------------------------------------------------------------------------------------
def test_data_uri_prefix_is_taken_off(provider, context, requests):
    assert op(image_base64="data:image/png;base64," + B64).execute(context)["status"] == "created"
    [sent] = [r["params"] for r in requests if r["action"] == "CreateImage"]
    assert sent["ImageBase64"] == B64


def test_other_data_text_is_refused_before_any_call(provider, context):
    with pytest.raises(TencentCloudInputError) as err:
        op(image_base64="data:text/plain," + B64).execute(context)
    assert "image_base64" in f"{err.value}"
    assert calls(provider.emulator) == 0


# -- PicName under another EntityId -----------------------------------------------------------------------
def test_pic_name_under_another_entity_follows_if_exists(provider, context):
    assert op(entity_id="first").execute(context)["status"] == "created"
    with pytest.raises(TencentCloudBadRequestError) as err:
        op(entity_id="second").execute(context)
    assert "another EntityId" in err.value.message and "'second'" in err.value.message
    skipped = op(entity_id="second", if_exists="skip").execute(context)
    assert skipped["status"] == "skipped"
    assert [p["EntityId"] for p in provider.emulator.images("g1")] == ["first"]


def test_batch_names_the_other_entity(provider, context, tmp_path):
    items = [
        {"key": "a", "entity_id": "first", "pic_name": "same", "image_base64": B64},
        {"key": "b", "entity_id": "second", "pic_name": "same", "image_base64": B64},
    ]
    batch = ImageSearchCreateImageBatchOperator(
        task_id="batch", group_id="g1", items=items, checkpoint_path=str(tmp_path / "c.jsonl"), concurrency=1
    )
    with pytest.raises(TencentCloudBatchError) as err:
        batch.execute(context)
    assert set(err.value.failures) == {"b"}
    assert "EntityId 'first'" in err.value.failures["b"]


def test_parent_rule_batch_with_eleven_pictures_in_one_folder(provider, context, tmp_path):
    """``entity_rule="parent"``: eleven pictures in one folder are one EntityId; the eleventh is not sent."""
    for n in range(11):
        put_object(provider.bucket, f"shop/chair/view-{n:02d}.png", make_image(64, 48, "png", seed=40 + n))
    batch = ImageSearchCreateImageBatchOperator(
        task_id="batch",
        group_id="g1",
        source_prefix=f"cos://{provider.bucket}/shop/",
        entity_rule="parent",
        checkpoint_path=str(tmp_path / "ckpt.jsonl"),
    )
    with pytest.raises(TencentCloudBatchError) as err:
        batch.execute(context)
    [(key, reason)] = err.value.failures.items()
    assert key.endswith("view-10.png") and "at most 10" in reason
    assert calls(provider.emulator) == 10 and len(provider.emulator.images("g1")) == 10
