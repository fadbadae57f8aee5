"""VodCreateAigcElementOperator against the emulator; images from local S3 through presigned URLs."""

from __future__ import annotations

import pytest
from conftest import put_object

from airflow_provider_tencent.exceptions import (
    TencentCloudAccountError,
    TencentCloudAmbiguousError,
    TencentCloudInputError,
)
from airflow_provider_tencent.operators.vod import VodCreateAigcElementOperator
from airflow_provider_tencent.testing.images import make_image


def pictures(bucket, prefix="mug", sizes=((400, 600), (400, 600), (600, 400))):
    return [put_object(bucket, f"{prefix}/{n}.png", make_image(w, h, "png", seed=n)) for n, (w, h) in enumerate(sizes)]


def op(frontal, refs, **kwargs):
    args = {
        "task_id": "create_subject",
        "element_name": "mug",
        "element_description": "A blue mug",
        "element_frontal_image": frontal,
        "element_refer_list": refs,
    }
    args.update(kwargs)
    return VodCreateAigcElementOperator(**args)


def element_calls(emulator) -> int:
    return sum(emulator.counters().get("CreateAigcCustomElement", {}).values())


def test_creates_subject_from_storage_paths(provider, context):
    frontal, *refs = pictures(provider.bucket)
    element_id = op(frontal, refs).execute(context)
    assert isinstance(element_id, str) and element_id.isdigit()
    assert context["ti"].xcom["request_id"]
    [created] = provider.emulator.elements()
    assert created["ElementId"] == element_id and created["ElementName"] == "mug"
    # the service got presigned URLs, but nothing it recorded carries a signature
    assert "Signature" not in str(created) and "X-Amz" not in str(created)


@pytest.mark.parametrize(
    ("size", "rule"),
    [((200, 200), "width and height"), ((300, 900), "aspect ratio"), ((900, 300), "aspect ratio")],
)
def test_image_rules_checked_before_the_call(provider, context, size, rule):
    frontal, ref = pictures(provider.bucket, sizes=(size, (400, 400)))
    with pytest.raises(TencentCloudInputError, match=rule) as err:
        op(frontal, [ref]).execute(context)
    assert err.value.field == "element_frontal_image"
    assert element_calls(provider.emulator) == 0


def test_bmp_and_missing_object_rejected_before_the_call(provider, context):
    bmp = put_object(provider.bucket, "x/front.bmp", make_image(400, 400, "bmp"))
    ok = put_object(provider.bucket, "x/ok.png", make_image(400, 400, "png"))
    with pytest.raises(TencentCloudInputError, match="format must be JPEG/PNG, got BMP"):
        op(bmp, [ok]).execute(context)
    with pytest.raises(TencentCloudInputError, match="cannot be read"):
        op(ok, [f"cos://{provider.bucket}/x/missing.png"]).execute(context)
    assert element_calls(provider.emulator) == 0


@pytest.mark.parametrize("fault", ["throttle"])
def test_throttling_is_retried_once_created(provider, context, fault):
    frontal, *refs = pictures(provider.bucket)
    provider.emulator.inject(fault, action="CreateAigcCustomElement", times=2)
    assert op(frontal, refs).execute(context)
    assert len(provider.emulator.elements()) == 1


@pytest.mark.parametrize("fault", ["reset", "commit_then_hang", "http_5xx", "inner_error"])
def test_ambiguous_failures_fail_fast_and_say_so(provider, context, fault):
    frontal, *refs = pictures(provider.bucket)
    provider.emulator.inject(fault, action="CreateAigcCustomElement", times=1, delay=3.0)
    with pytest.raises(TencentCloudAmbiguousError, match="may have been created") as err:
        op(frontal, refs).execute(context)
    assert element_calls(provider.emulator) == 1  # not repeated
    created = len(provider.emulator.elements())
    assert created == (1 if fault == "commit_then_hang" else 0)
    assert "retry_ambiguous" in str(err.value)


def test_retry_ambiguous_opts_in_to_repeats(provider, context):
    frontal, *refs = pictures(provider.bucket)
    provider.emulator.inject("commit_then_hang", action="CreateAigcCustomElement", times=1, delay=3.0)
    element_id = op(frontal, refs, retry_ambiguous=True).execute(context)
    elements = provider.emulator.elements()
    assert len(elements) == 2  # the API cannot prevent this duplicate: the user opted in
    assert element_id == elements[-1]["ElementId"]


def test_unknown_secret_id_is_an_account_error(provider, context, monkeypatch):
    import json

    conn = dict(provider.conn, login="AKIDunknown000000000000000000000000")
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(conn))
    frontal, *refs = pictures(provider.bucket)
    with pytest.raises(TencentCloudAccountError) as err:
        op(frontal, refs).execute(context)
    assert err.value.code == "AuthFailure.SecretIdNotFound"


def test_an_answer_without_element_id_fails_the_single_operator_too(provider, context):
    """The single and the batch operator share one check: the hook's (the action promises an ElementId)."""
    from airflow_provider_tencent.exceptions import TencentCloudError

    frontal, *refs = pictures(provider.bucket)
    provider.emulator.inject("missing_result", action="CreateAigcCustomElement", times=1)
    with pytest.raises(TencentCloudError, match="ElementId"):
        op(frontal, refs).execute(context)
    assert "request_id" not in context["ti"].xcom  # nothing recorded as created
