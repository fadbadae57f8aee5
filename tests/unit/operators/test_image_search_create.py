"""ImageSearchCreateImageOperator against the emulator over real HTTP (signed by the SDK), pictures in local S3."""

from __future__ import annotations

import base64

import pytest
from conftest import put_object

from airflow_provider_tencent.compat import AirflowFailException
from airflow_provider_tencent.contracts import ErrorKind, image_search
from airflow_provider_tencent.exceptions import (
    TencentCloudAccountError,
    TencentCloudAPIError,
    TencentCloudBadRequestError,
    TencentCloudInputError,
)
from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageOperator
from airflow_provider_tencent.testing.images import make_image, solid_image

PNG = make_image(320, 240, "png", seed=11)


def op(**kwargs):
    args = {"task_id": "create_image", "group_id": "g1", "entity_id": "e1", "pic_name": "p1"}
    args.update(kwargs)
    return ImageSearchCreateImageOperator(**args)


def create_calls(emulator) -> int:
    return sum(emulator.counters().get("CreateImage", {}).values())


def test_creates_from_cos_path_and_returns_result(provider, context):
    uri = put_object(provider.bucket, "in/a.png", PNG)
    result = op(image_path=uri, tags={"colour": "red"}, custom_content="hello", category_id=3).execute(context)
    assert result["status"] == "created"
    assert (result["GroupId"], result["EntityId"], result["PicName"]) == ("g1", "e1", "p1")
    # g1 is a general image search gallery: no subject detection, so no Object (product galleries only)
    assert result["RequestId"] and result["Object"] is None
    stored = provider.emulator.images("g1")
    assert [(p["EntityId"], p["PicName"], p["CustomContent"]) for p in stored] == [("e1", "p1", "hello")]
    assert "imagesearch" in context["ti"].xcom["_link_ImageSearchGalleryLink"]


def test_image_url_is_downloaded_by_the_service(provider, context):
    from airflow_provider_tencent.fs.storage import presign, to_storage_path

    uri = put_object(provider.bucket, "in/u.jpg", make_image(200, 200, "jpeg", seed=3))
    url = presign(to_storage_path(uri, "tencentcloud_default"), presign_expires=60)
    assert op(image_url=url).execute(context)["status"] == "created"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"entity_id": "e" * 65}, "entity_id"),
        ({"pic_name": "p" * 65}, "pic_name"),
        ({"custom_content": "c" * 4097}, "custom_content"),
        ({"tags": {f"k{i}": "v" for i in range(11)}}, "tags"),
        ({"tags": "{not json"}, "tags"),
        ({"category_id": 9}, "category_id"),
        ({"image_base64": base64.b64encode(make_image(40, 40, "gif")).decode()}, "image_base64"),
        ({"image_base64": base64.b64encode(b"plain text").decode()}, "image_base64"),
    ],
)
def test_bad_input_fails_before_any_request(provider, context, kwargs, field):
    kwargs.setdefault("image_base64", base64.b64encode(PNG).decode())
    with pytest.raises(TencentCloudInputError) as err:
        op(**kwargs).execute(context)
    assert err.value.field == field
    assert isinstance(err.value, AirflowFailException)
    assert create_calls(provider.emulator) == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"entity_id": "e" * 64}, "entity_id"),
        ({"pic_name": "p" * 64}, "pic_name"),
        ({"custom_content": "c" * 4096}, "x"),
    ],
)
def test_limits_at_the_limit_pass_on_the_server_too(provider, context, kwargs, field):
    kwargs.setdefault("image_base64", base64.b64encode(PNG).decode())
    assert op(**kwargs).execute(context)["status"] == "created"
    assert provider.emulator.counters()["CreateImage"]["ok"] == 1


def test_missing_storage_object_names_the_path(provider, context):
    with pytest.raises(TencentCloudInputError, match="image_path") as err:
        op(image_path=f"cos://{provider.bucket}/nope.png").execute(context)
    assert "nope.png" in str(err.value)
    assert create_calls(provider.emulator) == 0


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# Codes only the service can decide: the operator's reaction to each.
SERVER_CODES = [
    ("InvalidParameterValue.ImageGroupIdNotExist", {"group_id": "no_such_gallery"}, TencentCloudBadRequestError),
    (
        "InvalidParameter.PictureSolidColorError",
        {"image_base64": b64(solid_image(100, 100))},
        TencentCloudBadRequestError,
    ),
    ("InvalidParameterValue.PicNameInvalid", {"pic_name": "a/b"}, TencentCloudBadRequestError),
    ("InvalidParameterValue.TagsValueIllegal", {"tags": {"k": [1]}}, TencentCloudBadRequestError),
    ("InvalidParameterValue.TagsValueSizeExceed", {"tags": {"k": "v" * 300}}, TencentCloudBadRequestError),
    (
        "FailedOperation.ImageDecodeFailed",
        {"image_base64": b64(PNG[:60])},
        TencentCloudBadRequestError,
    ),
    ("FailedOperation.ImageDownloadError", {"image_url": "http://127.0.0.1:9/missing.png"}, TencentCloudAPIError),
]


@pytest.mark.parametrize(("code", "kwargs", "exc_type"), SERVER_CODES, ids=[c[0] for c in SERVER_CODES])
def test_server_error_codes(provider, context, code, kwargs, exc_type):
    if "image_url" not in kwargs:
        kwargs.setdefault("image_base64", b64(PNG))
    with pytest.raises(exc_type) as err:
        op(**kwargs).execute(context)
    assert err.value.code == code
    spec = image_search.CREATE_IMAGE.error(code)
    assert err.value.kind is spec.kind
    assert err.value.request_id
    attempts = sum(provider.emulator.counters()["CreateImage"].values())
    assert attempts == (4 if spec.kind is ErrorKind.TRANSIENT else 1)


def test_eleventh_picture_of_an_entity(provider, context):
    for n in range(image_search.MAX_PICTURES_PER_ENTITY):
        op(pic_name=f"p{n}", image_base64=b64(make_image(64, 64, "png", seed=n))).execute(context)
    with pytest.raises(TencentCloudBadRequestError) as err:
        op(pic_name="p10", image_base64=b64(make_image(64, 64, "png", seed=10))).execute(context)
    assert err.value.code == "FailedOperation.ImageEntityCountExceed"


def test_wrong_key_is_an_account_error(provider, context, monkeypatch):
    import json

    conn = dict(provider.conn, password="WrongKey0000000000000000000000000")
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(conn))
    with pytest.raises(TencentCloudAccountError) as err:
        op(image_base64=b64(PNG)).execute(context)
    assert err.value.code == "AuthFailure.SignatureFailure"
    assert "SecretKey" in str(err.value) and "WrongKey" not in str(err.value)


def test_same_picture_already_there_is_success_and_different_follows_if_exists(provider, context):
    first = op(image_base64=b64(PNG), custom_content="v1").execute(context)
    again = op(image_base64=b64(PNG), custom_content="v1").execute(context)
    assert (first["status"], again["status"]) == ("created", "exists")
    with pytest.raises(TencentCloudBadRequestError, match="different picture"):
        op(image_base64=b64(PNG), custom_content="v2").execute(context)
    skipped = op(image_base64=b64(PNG), custom_content="v2", if_exists="skip").execute(context)
    assert skipped["status"] == "skipped" and skipped["skipped"] is True
    assert len(provider.emulator.images("g1")) == 1


@pytest.mark.parametrize("fault", ["throttle", "inner_error", "http_5xx", "reset"])
def test_transient_faults_are_retried_without_duplicates(provider, context, fault):
    provider.emulator.inject(fault, action="CreateImage", times=2)
    assert op(image_base64=b64(PNG)).execute(context)["status"] == "created"
    assert len(provider.emulator.images("g1")) == 1


def test_commit_then_hang_is_confirmed_not_duplicated(provider, context):
    provider.emulator.inject("commit_then_hang", action="CreateImage", times=1, delay=3.0)
    result = op(image_base64=b64(PNG), tags={"a": "b"}).execute(context)
    assert result["status"] == "exists"
    counters = provider.emulator.counters()["CreateImage"]
    assert counters.get("InvalidParameterValue.PicNameAlreadyExist") == 1
    assert provider.emulator.counters()["DescribeImages"]["ok"] == 1
    assert len(provider.emulator.images("g1")) == 1


def test_subject_detection_limits_checked_before_the_call_in_a_product_gallery(provider, context):
    """A picture over 2000x2000 for a product gallery fails here; the gallery type is asked only then."""
    provider.emulator.create_group("shop", group_type=8)
    wide = put_object(provider.bucket, "in/wide.png", make_image(2100, 900, "png", seed=5))
    small = put_object(provider.bucket, "in/small.png", PNG)
    assert op(group_id="shop", pic_name="small", image_path=small).execute(context)["status"] == "created"
    assert "DescribeGroups" not in provider.emulator.counters()  # within every limit: nothing to ask
    with pytest.raises(TencentCloudInputError, match=r"2000x2000.*GroupType 8.*enable_detect=False") as err:
        op(group_id="shop", pic_name="wide", image_path=wide).execute(context)
    assert (err.value.field, err.value.limit, err.value.actual) == ("image_path", "<= 2000x2000", "2100x900")
    assert create_calls(provider.emulator) == 1 and provider.emulator.counters()["DescribeGroups"] == {"ok": 1}
    # detection off, or a general gallery: the same picture is fine
    assert op(group_id="shop", pic_name="w2", image_path=wide, enable_detect=False).execute(context)["status"] == (
        "created"
    )
    assert op(pic_name="wide", image_path=wide).execute(context)["status"] == "created"
    assert create_calls(provider.emulator) == 3
