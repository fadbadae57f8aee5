"""``generation_problems``: the contract's nested members and the rules between fields (one branch each)."""

from __future__ import annotations

from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.payloads.vod import generation_problems

VIDEO = contract.CREATE_AIGC_VIDEO_TASK
IMAGE = contract.CREATE_AIGC_IMAGE_TASK
OK = {"SubAppId": 1, "ModelName": "Kling", "ModelVersion": "O1", "Prompt": "a mug"}


def fields(action_contract, params) -> list[str]:
    return [p.field for p in generation_problems(action_contract, params)]


def test_a_complete_request_has_no_problem():
    config = {"Duration": 10, "StorageMode": "Permanent", "AudioGeneration": "Enabled"}
    files = [{"Type": "Url", "Url": "https://x/a.png"}, {"Type": "Url", "Url": "https://x/b.png", "Usage": "LastFrame"}]
    assert fields(VIDEO, {**OK, "OutputConfig": config, "FileInfos": files, "SubjectInfos": [{"Id": "1"}]}) == []


def test_required_fields_name_where_the_value_comes_from():
    problems = generation_problems(VIDEO, {"ModelName": "Kling", "Prompt": "p"})
    assert [p.field for p in problems] == ["sub_app_id", "model_version"]
    assert "connection extra sub_app_id" in problems[0].message and "no default version" in problems[1].message


def test_nested_problems_carry_the_path_limit_and_value():
    [problem] = generation_problems(VIDEO, {**OK, "OutputConfig": {"StorageMode": "Forever"}})
    assert problem.field == "output_config.StorageMode"
    assert problem.limit == "one of Temporary, Permanent" and problem.actual == "'Forever'"


def test_per_model_choices_follow_the_model_name():
    assert fields(IMAGE, {**OK, "ModelName": "OG", "ModelVersion": "image2_low"}) == []
    assert fields(IMAGE, {**OK, "ModelName": "OG", "ModelVersion": "O1"}) == ["model_version"]
    count = {"OutputConfig": {"OutputImageCount": 9}}
    assert fields(IMAGE, {**OK, "ModelName": "OG", "ModelVersion": "image2_low", **count}) == [
        "output_config.OutputImageCount"
    ]
    assert fields(IMAGE, {**OK, "ModelName": "Kling", "ModelVersion": "O1", **count}) == []
    assert fields(VIDEO, {**OK, "ModelName": "Hailuo", "ModelVersion": "02", "OutputConfig": {"Duration": 6}}) == []


def test_lists_of_strings_and_objects_are_checked_item_by_item():
    subjects = [{"Name": "cat", "ImageUrls": ["https://x/a.png", 3]}, "not an object"]
    assert fields(VIDEO, {**OK, "SubjectInfos": subjects}) == ["subject_infos[0].ImageUrls[1]", "subject_infos[1]"]
    too_many = [{"Name": "cat", "ImageUrls": ["u1", "u2", "u3", "u4"]}]
    assert fields(VIDEO, {**OK, "SubjectInfos": too_many}) == ["subject_infos[0].ImageUrls"]
