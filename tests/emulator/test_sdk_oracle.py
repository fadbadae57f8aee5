"""The official SDK's models judge what the provider sends and what the emulator answers.

The whole session's exchanges are checked at its end (``tests/conftest.py``); here every action
the provider calls goes once through the real hooks, signed, over HTTP, and is checked on the
spot, and the oracle itself is shown to catch what it must (an unknown field, a wrong type, a
missing required or declared field).
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
import sdk_oracle

if sdk_oracle.MISSING:
    pytest.skip(sdk_oracle.MISSING, allow_module_level=True)

from airflow_provider_tencent.testing.emulator import Emulator
from airflow_provider_tencent.testing.emulator.image_search.responses import ImageSearchResponses
from airflow_provider_tencent.testing.images import make_image


@pytest.fixture
def captured(monkeypatch):
    """A fresh capture list for this test only (the session's list gets the same exchanges too)."""
    session = Emulator.capture
    mine: list[dict[str, Any]] = []

    class Both(list):
        def append(self, item: Any) -> None:
            mine.append(item)
            if session is not None:
                session.append(item)

    monkeypatch.setattr(Emulator, "capture", Both())
    return mine


def every_action(provider) -> None:
    from airflow_provider_tencent.hooks.base import TencentCloudHook
    from airflow_provider_tencent.hooks.image_search import ImageSearchHook
    from airflow_provider_tencent.hooks.vod import VodHook
    from airflow_provider_tencent.payloads.vod import prepare_create_element

    hook = ImageSearchHook()
    hook.create_group("shop", "product gallery", GroupType=5)
    hook.describe_groups()
    picture = base64.b64encode(make_image(320, 320, "png", seed=5)).decode()
    params = {"GroupId": "shop", "EntityId": "e", "PicName": "p", "ImageBase64": picture, "Tags": '{"n": 1}'}
    hook.create_image(params)
    hook.create_image({**params, "GroupId": "g1"})
    hook.describe_images("g1", "e")
    hook.describe_images("g1", "nobody")
    hook.delete_images("g1", "e", "p")
    TencentCloudHook().test_connection()
    url = provider.s3.url
    assert url
    from conftest import put_object

    uri = put_object(provider.bucket, "el/front.png", make_image(400, 400, "png", seed=6))
    element = prepare_create_element("cat", "a cat", uri, [uri], conn_id="tencentcloud_default", presign_expires=60)
    VodHook().create_aigc_custom_element(element)


def test_every_action_passes_the_oracle(provider, captured):
    every_action(provider)
    actions = {ex["action"] for ex in captured}
    assert actions >= {
        "CreateGroup",
        "DescribeGroups",
        "CreateImage",
        "DescribeImages",
        "DeleteImages",
        "GetCallerIdentity",
        "CreateAigcCustomElement",
    }
    assert sdk_oracle.check_exchanges(captured) == []


def test_assume_role_passes_the_oracle(tencentcloud_emulator, captured, monkeypatch):
    import json

    from airflow_provider_tencent.hooks.base import TencentCloudHook
    from airflow_provider_tencent.testing import TEST_SECRET_ID, TEST_SECRET_KEY

    extra = {"endpoint_url": tencentcloud_emulator.url, "role_arn": "qcs::cam::uin/1:roleName/airflow"}
    conn = {"conn_type": "tencentcloud", "login": TEST_SECRET_ID, "password": TEST_SECRET_KEY, "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(conn))
    ok, _ = TencentCloudHook().test_connection()
    assert ok
    assert {ex["action"] for ex in captured} >= {"AssumeRole", "GetCallerIdentity"}
    assert sdk_oracle.check_exchanges(captured) == []


def test_an_unknown_field_in_an_emulator_answer_is_caught(provider, captured_apart, monkeypatch):
    """Adding a field the SDK does not declare to an answer (the old ``Count`` of DescribeGroups) fails."""
    original = ImageSearchResponses.action_DescribeGroups

    def with_count(self, body, request_id, secret_id):
        answer = original(self, body, request_id, secret_id)
        return {**answer, "Count": len(answer["Groups"])}

    monkeypatch.setattr(ImageSearchResponses, "action_DescribeGroups", with_count)
    from airflow_provider_tencent.hooks.image_search import ImageSearchHook

    ImageSearchHook().describe_groups()
    assert sdk_oracle.check_exchanges(captured_apart) == ["DescribeGroupsResponse.Count: unknown to the SDK's "
                                                     "DescribeGroupsResponse"]  # fmt: skip


def test_oracle_catches_requests_the_sdk_would_not_accept():
    ok = {"GroupId": "g", "EntityId": "e", "PicName": "p", "ImageBase64": "AAAA"}
    assert sdk_oracle.check_request("tiia", "CreateImage", ok) == []
    unknown = sdk_oracle.check_request("tiia", "CreateImage", {**ok, "Colour": "red"})
    assert any("fileds are useless" in p for p in unknown) and any("CreateImage.Colour" in p for p in unknown)
    assert sdk_oracle.check_request("tiia", "CreateImage", {**ok, "CategoryId": "3"}) == [
        "CreateImage.CategoryId: str, the SDK declares int"
    ]
    assert sdk_oracle.check_request("tiia", "CreateImage", {**ok, "EnableDetect": 1}) == [
        "CreateImage.EnableDetect: int, the SDK declares bool"
    ]
    missing = {k: v for k, v in ok.items() if k != "PicName"}
    assert sdk_oracle.check_request("tiia", "CreateImage", missing) == [
        "CreateImage.PicName: required by the API document but missing"
    ]
    nested = {
        "ElementName": "n",
        "ElementDescription": "d",
        "ElementFrontalImage": "http://x/y.png",
        "ElementReferList": [{"ImageUrl": "http://x/z.png", "Url": "x"}],
    }
    assert sdk_oracle.check_request("vod", "CreateAigcCustomElement", nested) == [
        "CreateAigcCustomElementRequest._deserialize: Url fileds are useless.",
        "CreateAigcCustomElement.ElementReferList[0].Url: unknown to the SDK's ElementReferInfo",
    ]


def test_oracle_catches_answers_the_sdk_does_not_declare():
    group = {
        "GroupId": "g",
        "GroupName": "n",
        "Brief": "",
        "MaxCapacity": 1,
        "MaxQps": 10,
        "GroupType": 4,
        "PicCount": 0,
        "CreateTime": "t",
        "UpdateTime": "t",
    }
    assert sdk_oracle.check_response("tiia", "DescribeGroups", {"Groups": [group], "RequestId": "r"}) == []
    partial = {k: v for k, v in group.items() if k not in ("Brief", "MaxQps")}
    assert sdk_oracle.check_response("tiia", "DescribeGroups", {"Groups": [partial], "RequestId": "r"}) == [
        "DescribeGroupsResponse.Groups[0].Brief: declared by the SDK's GroupInfo but missing",
        "DescribeGroupsResponse.Groups[0].MaxQps: declared by the SDK's GroupInfo but missing",
    ]
    # Object may be null ("此字段可能返回 null"): a general gallery's CreateImage answer without it is fine
    assert sdk_oracle.check_response("tiia", "CreateImage", {"RequestId": "r"}) == []
    # ElementId: the SDK does not say it may be null, but the API metadata says it is not always sent
    # (output_required false): the SDK oracle leaves answer presence to the metadata when it is installed
    import api_oracle

    missing_element = sdk_oracle.check_response("vod", "CreateAigcCustomElement", {"RequestId": "r"})
    assert missing_element == (
        []
        if not api_oracle.MISSING
        else [
            "CreateAigcCustomElementResponse.ElementId: declared by the SDK's CreateAigcCustomElementResponse "
            "but missing"
        ]
    )
