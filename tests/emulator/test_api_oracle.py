"""Tencent's API metadata (tccli's ``api.json``) judges what the provider sends and what the emulator answers.

Like the SDK oracle, the whole session's exchanges are checked at its end (``tests/conftest.py``); here every
action the provider calls - the AIGC generation and task reads included - goes once through the real hooks
and operators, signed, over HTTP, and is checked on the spot. The oracle is shown to catch a dropped required
field, an unknown nested key and a wrong nested type, and the session-end check to fail the run on them.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import api_oracle
import pytest

if api_oracle.MISSING:
    pytest.skip(api_oracle.MISSING, allow_module_level=True)

from test_sdk_oracle import captured, every_action  # noqa: F401  (fixtures)

from airflow_provider_tencent.exceptions import TencentCloudAPIError
from airflow_provider_tencent.testing.emulator import Emulator

VIDEO = {"ModelName": "Kling", "ModelVersion": "2.1", "SubAppId": 251007502, "Prompt": "a mug"}


class TI:
    dag_id, run_id, task_id, map_index = "d", "r", "t", -1

    def xcom_push(self, key: str, value: Any) -> None:
        pass


def every_aigc_action(provider) -> None:
    from airflow_provider_tencent.hooks.vod import VodHook
    from airflow_provider_tencent.operators.vod import (
        VodCreateAigcImageOperator,
        VodCreateAigcVideoOperator,
    )

    provider.emulator.aigc_duration = 0.3
    waits = {"deferrable": False, "poll_interval": 0.05, "max_poll_interval": 0.1}
    first = {"Type": "Url", "Url": "https://cdn.example/first.png", "Usage": "FirstFrame"}
    VodCreateAigcVideoOperator(
        task_id="v",
        prompt="a mug",
        model_version="2.1",
        file_infos=[first],
        last_frame_url="https://cdn.example/last.png",
        output_config={"Duration": 5.0, "StorageMode": "Temporary", "Resolution": "720P"},
        session_context="ctx",
        tasks_priority=1,
        **waits,
    ).execute({"ti": TI()})
    VodCreateAigcImageOperator(
        task_id="i",
        model_name="GG",
        model_version="3.0",
        prompt="a mug",
        output_config={"OutputFormat": "png"},
        **waits,
    ).execute({"ti": TI()})
    VodHook().find_task_by_session("no-such-session", 251007502)


def test_every_action_passes_the_api_oracle(provider, captured):  # noqa: F811
    every_action(provider)
    every_aigc_action(provider)
    actions = {ex["action"] for ex in captured}
    assert actions >= {
        "CreateGroup",
        "DescribeGroups",
        "CreateImage",
        "DescribeImages",
        "DeleteImages",
        "GetCallerIdentity",
        "CreateAigcCustomElement",
        "CreateAigcVideoTask",
        "CreateAigcImageTask",
        "DescribeTaskDetail",
        "DescribeTasks",
    }
    assert api_oracle.check_exchanges(captured) == []


def test_oracle_catches_a_dropped_required_field():
    assert api_oracle.check_request("vod", "CreateAigcVideoTask", VIDEO) == []
    for name in ("SubAppId", "ModelVersion", "ModelName"):
        dropped = {k: v for k, v in VIDEO.items() if k != name}
        assert api_oracle.check_request("vod", "CreateAigcVideoTask", dropped) == [
            f"CreateAigcVideoTask.{name}: required by api.json's CreateAigcVideoTaskRequest but missing"
        ]
    picture = {"GroupId": "g", "EntityId": "e", "PicName": "p", "ImageBase64": "AAAA"}
    assert api_oracle.check_request("tiia", "CreateImage", {k: v for k, v in picture.items() if k != "PicName"}) == [
        "CreateImage.PicName: required by api.json's CreateImageRequest but missing"
    ]


def test_oracle_catches_unknown_nested_keys_and_wrong_nested_types():
    nested = {
        **VIDEO,
        "OutputConfig": {"Duration": "5", "Foo": 1},
        "FileInfos": [{"ImageUrl": "https://x/y.png"}],
        "SubjectInfos": [{"Id": "1", "ImageUrls": ["https://x/a.png", 3]}],
    }
    assert sorted(api_oracle.check_request("vod", "CreateAigcVideoTask", nested)) == sorted(
        [
            "CreateAigcVideoTask.FileInfos[0].ImageUrl: unknown to api.json's AigcVideoTaskInputFileInfo",
            "CreateAigcVideoTask.OutputConfig.Foo: unknown to api.json's AigcVideoOutputConfig",
            "CreateAigcVideoTask.OutputConfig.Duration: str '5', api.json declares float",
            "CreateAigcVideoTask.SubjectInfos[0].ImageUrls[1]: int 3, api.json declares string",
        ]
    )
    element = {
        "ElementName": "n",
        "ElementDescription": "d",
        "ElementFrontalImage": "http://x/y.png",
        "ElementReferList": [{"ImageUrl": "http://x/z.png", "Url": "x"}],
    }
    assert api_oracle.check_request("vod", "CreateAigcCustomElement", element) == [
        "CreateAigcCustomElement.ElementReferList[0].Url: unknown to api.json's ElementReferInfo"
    ]


def test_oracle_checks_answers_against_the_output_members():
    detail = {"TaskType": "AigcVideoTask", "Status": "FINISH", "CreateTime": "t", "BeginProcessTime": "t"}
    problems = api_oracle.check_response("vod", "DescribeTaskDetail", {**detail, "RequestId": "r"})
    assert "DescribeTaskDetailResponse.FinishTime: required by api.json's DescribeTaskDetailResponse but missing" in (
        problems
    )
    nulled = api_oracle.check_response("vod", "DescribeTasks", {"TaskSet": [], "ScrollToken": None, "RequestId": "r"})
    assert nulled == ["DescribeTasksResponse.ScrollToken: may not be null (DescribeTasksResponse)"]


def test_a_request_without_sub_app_id_fails_the_session_end_check(provider, captured_apart, monkeypatch):
    """A request the provider would send without a required field: the emulator refuses it, and the
    session-end check (conftest's ``pytest_sessionfinish``) fails the run on the captured request."""
    import conftest

    from airflow_provider_tencent.hooks.vod import VodHook

    dropped = {k: v for k, v in VIDEO.items() if k != "SubAppId"}
    with pytest.raises(TencentCloudAPIError, match="MissingParameter"):
        VodHook().create_aigc_task("CreateAigcVideoTask", dropped)
    assert api_oracle.check_exchanges(captured_apart) == [
        "CreateAigcVideoTask.SubAppId: required by api.json's CreateAigcVideoTaskRequest but missing"
    ]
    session = SimpleNamespace(
        exitstatus=0, config=SimpleNamespace(pluginmanager=SimpleNamespace(get_plugin=lambda name: None))
    )
    conftest.pytest_sessionfinish(session, 0)  # type: ignore[arg-type]
    assert session.exitstatus == pytest.ExitCode.TESTS_FAILED
    monkeypatch.setattr(Emulator, "capture", [ex for ex in captured_apart if ex["params"].get("SubAppId")])
    clean = SimpleNamespace(**{**vars(session), "exitstatus": 0})
    conftest.pytest_sessionfinish(clean, 0)  # type: ignore[arg-type]
    assert clean.exitstatus == 0


def _session() -> SimpleNamespace:
    return SimpleNamespace(
        exitstatus=0, config=SimpleNamespace(pluginmanager=SimpleNamespace(get_plugin=lambda n: None))
    )


def test_a_missing_metadata_oracle_fails_only_a_run_that_requires_it(monkeypatch):
    import conftest

    monkeypatch.setattr(api_oracle, "MISSING", "tccli's api.json is not installed")
    monkeypatch.setattr(Emulator, "capture", [])
    monkeypatch.delenv("TENCENT_ORACLE_REQUIRED", raising=False)
    leg = _session()
    conftest.pytest_sessionfinish(leg, 0)  # type: ignore[arg-type]
    assert leg.exitstatus == 0  # a matrix leg: skipped with a reason
    monkeypatch.setenv("TENCENT_ORACLE_REQUIRED", "1")
    required = _session()
    conftest.pytest_sessionfinish(required, 0)  # type: ignore[arg-type]
    assert required.exitstatus == pytest.ExitCode.TESTS_FAILED  # `make pytest`


# -- the nested declarations of both sides against the metadata ------------------------------------------
_API_TYPES = {"String": "string", "Integer": "int", "Float": "float", "Boolean": "bool"}
_EMULATOR_TYPES = {"str": "string", "int": "int", "float": "float", "bool": "bool", "list": "list"}


def _declared(spec) -> dict[str, str]:
    """``{member: api.json type}`` of a contract field's members."""
    return {
        m.name: "list" if m.api_type.startswith("Array") else _API_TYPES.get(m.api_type, "object") for m in spec.members
    }


@pytest.mark.parametrize("action", ["CreateAigcVideoTask", "CreateAigcImageTask", "CreateAigcCustomElement"])
def test_contract_nested_members_are_the_metadatas(action):
    from airflow_provider_tencent.contracts import vod as contract

    request = api_oracle.members("vod", f"{action}Request")
    nested = [spec for spec in contract.CONTRACTS[action].fields if spec.members]
    assert nested, f"{action}: no nested member declared"
    for spec in nested:
        object_name = request[spec.name]["member"]
        expected = {name: m["type"] for name, m in api_oracle.members("vod", object_name).items()}
        assert _declared(spec) == expected, f"{action}.{spec.name} ({object_name})"


@pytest.mark.parametrize("action", ["CreateAigcVideoTask", "CreateAigcImageTask"])
def test_emulator_nested_members_are_the_metadatas(action):
    from airflow_provider_tencent.testing.emulator.vod import responses as vod_responses

    request = api_oracle.members("vod", f"{action}Request")
    for name, members in vod_responses.NESTED[action].items():
        expected = {n: m["type"] for n, m in api_oracle.members("vod", request[name]["member"]).items()}
        assert {n: _EMULATOR_TYPES[t] for n, t in members.items()} == expected, f"{action}.{name}"
    assert set(vod_responses.NESTED[action]) == {n for n, m in request.items() if m["type"] in ("object", "list")}
