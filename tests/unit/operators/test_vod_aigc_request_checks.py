"""What a generation request must hold, checked on both sides (issue 19.1, 19.2).

The operators refuse before sending (a clear error naming the field path, the limit and the value; no
request reaches the emulator), and the emulator - with its own tables - refuses the same request sent
directly, as the gateway does: ``MissingParameter`` for a required field, ``UnknownParameter`` for an
unknown nested key, ``InvalidParameter`` for a wrong nested type, ``InvalidParameterValue`` for a value
outside the documented ones.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from airflow_provider_tencent.exceptions import TencentCloudAPIError, TencentCloudInputError
from airflow_provider_tencent.hooks.vod import VodHook
from airflow_provider_tencent.operators.vod import VodCreateAigcImageOperator, VodCreateAigcVideoOperator

VIDEO = {"ModelName": "Kling", "ModelVersion": "2.1", "SubAppId": 251007502, "Prompt": "a mug"}


class TI:
    dag_id, run_id, task_id, map_index = "d", "r", "t", -1

    def xcom_push(self, key: str, value: Any) -> None:
        pass


def submitted(emulator) -> list[dict[str, Any]]:
    return [r for r in emulator.requests if r["action"].startswith("CreateAigc")]


def refused(**kwargs: Any) -> TencentCloudInputError:
    args: dict[str, Any] = {"task_id": "v", "prompt": "a mug", "model_version": "2.1", "deferrable": False}
    args.update(kwargs)
    operator = VodCreateAigcVideoOperator(**args)
    with pytest.raises(TencentCloudInputError) as err:
        operator.execute({"ti": TI()})
    return err.value


def api_error(action: str, params: dict[str, Any]) -> TencentCloudAPIError:
    with pytest.raises(TencentCloudAPIError) as err:
        VodHook().create_aigc_task(action, params)
    return err.value


# -- 19.1: SubAppId and ModelVersion (required by api.json on both generation actions) --------------------
def test_video_without_sub_app_id_is_refused_before_sending(provider, monkeypatch):
    extra = {k: v for k, v in provider.extra.items() if k != "sub_app_id"}
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps({**provider.conn, "extra": extra}))
    err = refused()
    assert "sub_app_id (SubAppId) is required" in str(err)
    assert "connection extra sub_app_id" in str(err)
    assert submitted(provider.emulator) == []


def test_video_with_the_connection_sub_app_id_sends_it(provider):
    VodCreateAigcVideoOperator(
        task_id="v", prompt="a mug", model_version="2.1", deferrable=False, poll_interval=0.05, max_poll_interval=0.1
    ).execute({"ti": TI()})
    sent = [ex for ex in provider.emulator.vod.tasks.values()]
    assert [t["params"]["SubAppId"] for t in sent] == [provider.extra["sub_app_id"]]
    assert [t["params"]["ModelVersion"] for t in sent] == ["2.1"]


def test_video_without_model_version_is_refused_naming_the_models_versions(provider):
    err = refused(model_version=None)
    assert "model_version (ModelVersion) is required" in str(err) and "no default version" in str(err)
    assert submitted(provider.emulator) == []


def test_image_without_model_version_is_refused(provider):
    operator = VodCreateAigcImageOperator(task_id="i", model_name="GG", prompt="a mug", deferrable=False)
    with pytest.raises(TencentCloudInputError, match=r"model_version \(ModelVersion\) is required"):
        operator.execute({"ti": TI()})
    assert submitted(provider.emulator) == []


def test_emulator_requires_sub_app_id_and_model_version(provider):
    provider.emulator.capture_requests = False  # deliberately incomplete requests: not the provider's
    for name in ("SubAppId", "ModelVersion"):
        params = {k: v for k, v in VIDEO.items() if k != name}
        err = api_error("CreateAigcVideoTask", params)
        assert (err.code, err.message) == ("MissingParameter", f"{name} is required.")
    image = {"ModelName": "GG", "SubAppId": 251007502, "Prompt": "a mug"}
    assert api_error("CreateAigcImageTask", image).code == "MissingParameter"


# -- 19.2: nested objects ------------------------------------------------------------------------------
def test_model_version_not_of_the_model_is_refused_on_both_sides(provider):
    err = refused(model_version="9.9")
    assert "model_version (ModelVersion) must be one of 1.6, 2.0, 2.1" in str(err)
    assert "for ModelName Kling, got '9.9'" in str(err)
    assert submitted(provider.emulator) == []
    provider.emulator.capture_requests = False
    answer = api_error("CreateAigcVideoTask", {**VIDEO, "ModelVersion": "9.9"})
    assert answer.code == "InvalidParameterValue" and "9.9" in answer.message


def test_duration_as_text_is_refused_on_both_sides(provider):
    err = refused(output_config={"Duration": "5"})
    assert "output_config.Duration (OutputConfig.Duration) must be of type Float, got str '5'" in str(err)
    assert err.field == "output_config.Duration"
    assert submitted(provider.emulator) == []
    provider.emulator.capture_requests = False
    answer = api_error("CreateAigcVideoTask", {**VIDEO, "OutputConfig": {"Duration": "5"}})
    assert answer.code == "InvalidParameter" and "Duration" in answer.message


def test_duration_outside_the_models_values_is_refused_on_both_sides(provider):
    err = refused(output_config={"Duration": 20})
    assert "output_config.Duration (OutputConfig.Duration) must be one of 3, 4," in str(err)
    assert "for ModelName Kling, got 20" in str(err)
    provider.emulator.capture_requests = False
    assert api_error("CreateAigcVideoTask", {**VIDEO, "OutputConfig": {"Duration": 20}}).code == (
        "InvalidParameterValue"
    )
    assert submitted(provider.emulator) == [
        r for r in provider.emulator.requests if r["action"] == "CreateAigcVideoTask"
    ] and all(r["outcome"] != "ok" for r in submitted(provider.emulator))


def test_unknown_nested_key_is_refused_on_both_sides(provider):
    err = refused(output_config={"StorageMode": "Temporary", "Foo": 1})
    assert "output_config.Foo (OutputConfig.Foo): AigcVideoOutputConfig has no member 'Foo'" in str(err)
    assert submitted(provider.emulator) == []
    provider.emulator.capture_requests = False
    answer = api_error("CreateAigcVideoTask", {**VIDEO, "OutputConfig": {"Foo": 1}})
    assert (answer.code, answer.message) == ("UnknownParameter", "OutputConfig has no parameter 'Foo'.")


def test_file_infos_of_the_wrong_shape_are_refused_on_both_sides(provider):
    err = refused(file_infos=[{"ImageUrl": "https://cdn.example/a.png"}])
    assert "file_infos[0].ImageUrl (FileInfos[0].ImageUrl): AigcVideoTaskInputFileInfo has no member" in str(err)
    assert "file_infos[0] (FileInfos[0]) names no file: give one of FileId, Url, Base64" in str(err)
    assert submitted(provider.emulator) == []
    provider.emulator.capture_requests = False
    answer = api_error("CreateAigcVideoTask", {**VIDEO, "FileInfos": [{"ImageUrl": "https://cdn.example/a.png"}]})
    assert (answer.code, answer.message) == ("UnknownParameter", "FileInfos.0 has no parameter 'ImageUrl'.")


def test_wrong_nested_type_in_subjects_is_refused_on_both_sides(provider):
    err = refused(subject_infos=[{"Id": 42}])
    assert "subject_infos[0].Id (SubjectInfos[0].Id) must be of type String, got int 42" in str(err)
    provider.emulator.capture_requests = False
    answer = api_error("CreateAigcVideoTask", {**VIDEO, "SubjectInfos": [{"Id": 42}]})
    assert answer.code == "InvalidParameter"


def test_last_frame_without_a_first_frame_is_refused_on_both_sides(provider):
    err = refused(last_frame_url="https://cdn.example/last.png")
    assert "LastFrameUrl given without a first frame" in str(err)
    last_only = [{"Type": "Url", "Url": "https://cdn.example/last.png", "Usage": "LastFrame"}]
    assert "FileInfos[].Usage LastFrame given without a first frame" in str(refused(file_infos=last_only))
    assert submitted(provider.emulator) == []
    provider.emulator.capture_requests = False
    answer = api_error("CreateAigcVideoTask", {**VIDEO, "LastFrameUrl": "https://cdn.example/last.png"})
    assert answer.code == "InvalidParameterValue" and "first frame" in answer.message


def test_first_and_last_frame_together_are_sent(provider):
    first = {"Type": "Url", "Url": "https://cdn.example/first.png", "Usage": "FirstFrame"}
    VodCreateAigcVideoOperator(
        task_id="v",
        prompt="a mug",
        model_version="2.1",
        file_infos=[first],
        last_frame_url="https://cdn.example/last.png",
        output_config={"Duration": 5.0, "Resolution": "720P", "StorageMode": "Temporary"},
        deferrable=False,
        poll_interval=0.05,
        max_poll_interval=0.1,
    ).execute({"ti": TI()})
    assert [r["outcome"] for r in submitted(provider.emulator)] == ["ok"]
