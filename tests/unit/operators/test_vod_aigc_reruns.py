"""AIGC generation re-runs, retries and the live service's task lifecycle (issue 18 items 7-12, issue 19.3-19.5).

Through the real operators, hook and trigger, against the emulator over real HTTP (and moto S3 for copies).
Each test names the property it holds: a re-run never returns another request's result, never stays blocked
by an old failure, never pays twice.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aigc_fakes import KLING, DictStore, FakeTI, add_element, creates, ctx, first_event, video_op
from integration.test_dags_e2e import canary as canary_provider  # noqa: F401  (a fixture)

from airflow_provider_tencent.exceptions import (
    TencentCloudError,
    TencentCloudInputError,
    VodAigcTaskFailedError,
    VodAigcTaskFailedForGoodError,
)
from airflow_provider_tencent.hooks.vod import VodHook

DAYS = 24 * 3600


def run_deferred_all(op: Any, context: dict[str, Any]) -> Any:
    """Run ``op`` as the triggerer would: every deferral's trigger runs to its event, then the named method."""
    from airflow_provider_tencent.compat import TaskDeferred

    def call() -> Any:
        return op.execute(context)

    for _ in range(100):
        try:
            return call()
        except TaskDeferred as deferred:
            classpath, kwargs = deferred.trigger.serialize()
            module, _, name = classpath.rpartition(".")
            trigger = getattr(importlib.import_module(module), name)(**kwargs)
            event = asyncio.run(first_event(trigger))
            method, extra = getattr(op, deferred.method_name), dict(deferred.kwargs or {})

            def call(method: Any = method, event: Any = event, extra: dict[str, Any] = extra) -> Any:
                return method(context, event, **extra)

    raise AssertionError("deferred 100 times")


def prompts(emulator) -> list[str]:
    return [t["params"].get("Prompt") for t in emulator.aigc_tasks()]


# -- item 7: a re-run never reattaches to a task made from other inputs ------------------------------------
def test_cleared_rerun_with_a_new_prompt_submits_a_new_task(aigc):
    """Airflow 3.3 keeps the task_state_store row after success; clearing the task and changing the prompt
    must give the video of the new prompt, not the stored task's."""
    store = DictStore()
    first = video_op(prompt="a red mug").execute(ctx(store))
    second = video_op(prompt="a blue mug").execute(ctx(store))  # the cleared task, re-rendered
    tasks = aigc.emulator.aigc_tasks()
    assert prompts(aigc.emulator) == ["a red mug", "a blue mug"]
    assert second["TaskId"] == tasks[1]["TaskId"] != first["TaskId"]
    # the same inputs again: the stored task is reattached, nothing is paid twice
    again = video_op(prompt="a blue mug").execute(ctx(store))
    assert again["TaskId"] == second["TaskId"] and len(aigc.emulator.aigc_tasks()) == 2


def test_constant_session_id_never_hands_over_another_requests_video(aigc):
    """A user session_id kept constant: the next DAG run (another prompt) is told, not given the old video."""
    video_op(prompt="monday's mug", session_id="daily-video").execute(ctx(DictStore()))
    tuesday = FakeTI()
    tuesday.run_id = "scheduled__2026-01-02"
    with pytest.raises(TencentCloudError) as err:
        video_op(prompt="tuesday's mug", session_id="daily-video").execute(ctx(DictStore(), tuesday))
    text = f"{err.value}"
    assert "Prompt" in text and "daily-video" in text and aigc.emulator.aigc_tasks()[0]["TaskId"] in text
    assert len(aigc.emulator.aigc_tasks()) == 1
    assert "FINISH" not in tuesday.xcom.get("return_value", "")


def test_a_stored_record_without_a_request_digest_is_not_reattached(aigc):
    """A record this provider did not write (no request digest) names no request: the new one is submitted."""
    from airflow_provider_tencent.operators.vod.submit import STATE_KEY

    store = DictStore()
    old = video_op(prompt="a red mug").execute(ctx(store))
    store.data[STATE_KEY] = {"TaskId": old["TaskId"], "SessionId": "other", "generation": 0}  # no digest
    new = video_op(prompt="a green mug").execute(ctx(store))
    assert new["TaskId"] != old["TaskId"] and prompts(aigc.emulator) == ["a red mug", "a green mug"]


# -- item 8: a permanent failure does not block a fixed re-run -------------------------------------------
@pytest.mark.parametrize("new_session", [None, "fixed-session-1"])
def test_fixed_prompt_after_a_moderation_failure_runs_at_once(aigc, new_session):
    aigc.emulator.fail_aigc_tasks("ContentModerationFailed", "the prompt was refused by moderation")
    store = DictStore()
    with pytest.raises(VodAigcTaskFailedForGoodError):
        video_op(prompt="a forbidden mug").execute(ctx(store))
    result = video_op(prompt="an acceptable mug", session_id=new_session).execute(ctx(store))
    assert result["Status"] == "FINISH" and prompts(aigc.emulator) == ["a forbidden mug", "an acceptable mug"]
    if new_session:
        assert aigc.emulator.aigc_tasks()[1]["params"]["SessionId"] == new_session


# -- item 9: a retryable remote failure is retried without a task_state_store (Airflow 3.1/3.2) ----------------
def test_retryable_failure_is_retried_without_a_task_state_store(aigc):
    aigc.emulator.fail_aigc_tasks("ModelGenerateFailed", "generation failed")
    with pytest.raises(VodAigcTaskFailedError):
        video_op().execute(ctx(None))  # no task_state_store in the context, as on Airflow 3.1/3.2
    result = video_op().execute(ctx(None))  # Airflow's retry
    tasks = aigc.emulator.aigc_tasks()
    assert len(tasks) == 2 and result["TaskId"] == tasks[1]["TaskId"] and result["Status"] == "FINISH"
    assert tasks[1]["params"]["SessionId"].endswith("-g1")
    # a third try (a crash after the success) reattaches to the success: nothing more is paid
    assert video_op().execute(ctx(None))["TaskId"] == tasks[1]["TaskId"] and len(aigc.emulator.aigc_tasks()) == 2


# -- item 10: settings and structured templates are checked before anything is sent --------------------------
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"timeout": float("inf")}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": "inf"}, "timeout"),
        ({"timeout": 5 * DAYS}, "timeout"),
        ({"poll_interval": float("inf")}, "poll_interval"),
        ({"max_poll_interval": "nan"}, "max_poll_interval"),
        ({"backoff": float("inf")}, "backoff"),
        ({"poll_interval": "soon"}, "poll_interval"),
    ],
)
def test_wait_settings_that_are_not_finite_are_refused_when_built(kwargs, field):
    with pytest.raises(TencentCloudInputError) as err:
        video_op(**kwargs)
    assert err.value.field == field and err.value.limit


def test_tasks_priority_text_is_an_input_error(aigc):
    with pytest.raises(TencentCloudInputError) as err:
        video_op(tasks_priority="high").execute(ctx(DictStore()))
    assert err.value.field == "tasks_priority" and creates(aigc.emulator) == []


def test_structured_templates_are_parsed(aigc):
    add_element(aigc.emulator, "11111111111111")
    add_element(aigc.emulator, "22222222222222")
    op = video_op(
        element_ids="['11111111111111', '22222222222222']",  # a list rendered by {{ }}
        output_config='{"Duration": 5, "Resolution": "720P"}',  # JSON text
    )
    op.execute(ctx(DictStore()))
    params = aigc.emulator.aigc_tasks()[0]["params"]
    assert params["SubjectInfos"] == [{"Id": "11111111111111"}, {"Id": "22222222222222"}]
    assert params["OutputConfig"] == {"Duration": 5, "Resolution": "720P"}
    op = video_op(element_ids='["11111111111111"]', task_id="json_ids")
    op.execute(ctx(DictStore(), FakeTI("json_ids")))
    assert aigc.emulator.aigc_tasks()[1]["params"]["SubjectInfos"] == [{"Id": "11111111111111"}]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"output_config": "{not json"}, "output_config"), ({"output_config": "[1, 2]"}, "output_config")],
)
def test_unparseable_structured_template_is_refused_before_sending(aigc, kwargs, field):
    with pytest.raises(TencentCloudInputError) as err:
        video_op(**kwargs).execute(ctx(DictStore()))
    assert err.value.field == field and creates(aigc.emulator) == []


def test_local_output_folder_that_does_not_exist_is_refused_before_submitting(aigc, tmp_path):
    with pytest.raises(TencentCloudInputError) as err:
        video_op(output_path=str(tmp_path / "no" / "such" / "folder")).execute(ctx(DictStore()))
    assert err.value.field == "output_path" and creates(aigc.emulator) == []


# -- item 11: a copy that breaks midway leaves nothing at the final path ---------------------------------------
@pytest.mark.parametrize("scheme", ["cos", "s3", "local"])
def test_broken_download_leaves_nothing_at_the_final_path(aigc, tmp_path, scheme):
    from airflow_provider_tencent.fs.storage import to_storage_path

    folder = str(tmp_path) if scheme == "local" else f"{scheme}://{aigc.bucket}/aigc/broken-{scheme}"
    aigc.emulator.break_aigc_downloads(times=1)
    store = DictStore()
    with pytest.raises(TencentCloudError, match="output file 1"):
        video_op(output_path=folder).execute(ctx(store))
    task_id = aigc.emulator.aigc_tasks()[0]["TaskId"]
    base = to_storage_path(folder.rstrip("/") + "/", "tencentcloud_default")
    assert not (base / f"{task_id}-1.mp4").exists()
    assert [p.name for p in base.iterdir()] == [] if base.exists() else True  # no temporary file left either
    result = video_op(output_path=folder).execute(ctx(store))  # the retry reattaches and copies again
    from airflow_provider_tencent.testing.emulator.vod.aigc_rules import file_bytes

    assert (base / f"{task_id}-1.mp4").read_bytes() == file_bytes(task_id, "output-1.mp4")
    assert result["paths"][0].endswith(f"{task_id}-1.mp4") and len(aigc.emulator.aigc_tasks()) == 1
    assert sorted(p.name for p in base.iterdir()) == [f"{task_id}-1.mp4"]


# -- 19.3: one AIGC task at a time per account -----------------------------------------------------------
def test_emulator_runs_one_aigc_task_at_a_time_by_default(aigc):
    aigc.emulator.aigc_duration = 10.0
    hook = VodHook()
    first = hook.create_aigc_task("CreateAigcVideoTask", {**KLING, "Prompt": "p1"})["TaskId"]
    second = hook.create_aigc_task("CreateAigcVideoTask", {**KLING, "Prompt": "p2"})["TaskId"]
    refused = hook.describe_task_detail(second)
    assert refused["Status"] == "FINISH" and refused["AigcVideoTask"]["ErrCodeExt"] == "RequestLimitExceeded"
    assert refused["AigcVideoTask"]["ErrCode"] != 0 and refused["AigcVideoTask"]["Output"]["FileInfos"] == []
    assert hook.describe_task_detail(first)["Status"] == "WAITING"
    aigc.emulator.aigc_concurrency = 2
    third = hook.create_aigc_task("CreateAigcVideoTask", {**KLING, "Prompt": "p3"})["TaskId"]
    assert hook.describe_task_detail(third)["AigcVideoTask"]["ErrCodeExt"] == ""
    assert [t["refused"] for t in aigc.emulator.aigc_tasks()] == [False, True, False]


@pytest.mark.timeout(120)
def test_three_mapped_generations_share_the_account_slot_without_paying_twice(aigc):
    aigc.emulator.aigc_concurrency = 1
    results: dict[int, Any] = {}
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = video_op(prompt=f"mug {index}").execute(ctx(DictStore(), FakeTI(map_index=index)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(100)
    assert errors == [] and sorted(results) == [0, 1, 2]
    tasks = aigc.emulator.aigc_tasks()
    generated = [t for t in tasks if not t["refused"]]
    assert len(generated) == 3  # one generation per mapped task: nothing paid twice
    assert {r["TaskId"] for r in results.values()} == {t["TaskId"] for t in generated}
    assert sorted(t["params"]["Prompt"] for t in generated) == ["mug 0", "mug 1", "mug 2"]
    assert all(t["failure"][0] == "RequestLimitExceeded" for t in tasks if t["refused"])


@pytest.mark.timeout(60)
def test_deferred_generation_waits_for_the_account_slot(aigc):
    VodHook().create_aigc_task("CreateAigcVideoTask", {**KLING, "Prompt": "elsewhere"})
    result = run_deferred_all(video_op(deferrable=True), ctx(DictStore()))
    tasks = aigc.emulator.aigc_tasks()
    assert result["Status"] == "FINISH" and result["TaskId"] == tasks[-1]["TaskId"]
    assert tasks[1]["refused"] and not tasks[-1]["refused"]
    assert len([t for t in tasks if not t["refused"]]) == 2


def test_concurrency_refusals_past_the_timeout_fail_naming_the_limit(aigc):
    aigc.emulator.aigc_duration = 30.0
    VodHook().create_aigc_task("CreateAigcVideoTask", {**KLING, "Prompt": "elsewhere"})
    with pytest.raises(VodAigcTaskFailedError, match="RequestLimitExceeded") as err:
        video_op(timeout=0.5).execute(ctx(DictStore()))
    assert "pool" in f"{err.value}"


# -- 19.4: the service sees tasks of the last three days only ----------------------------------------------
def test_emulator_forgets_tasks_after_three_days(aigc):
    from airflow_provider_tencent.exceptions import TencentCloudAPIError

    hook = VodHook()
    task_id = hook.create_aigc_task("CreateAigcVideoTask", {**KLING, "Prompt": "p", "SessionId": "s"})["TaskId"]
    aigc.emulator.age_aigc_tasks(71 * 3600)
    assert hook.describe_task_detail(task_id)["Status"] == "FINISH"
    assert hook.find_task_by_session("s") == task_id
    aigc.emulator.age_aigc_tasks(2 * 3600)
    with pytest.raises(TencentCloudAPIError) as err:
        hook.describe_task_detail(task_id)
    assert err.value.code == "InvalidParameterValue.TaskId"
    assert hook.find_task_by_session("s") is None
    assert hook.create_aigc_task("CreateAigcVideoTask", {**KLING, "Prompt": "p", "SessionId": "s"})


def test_stored_task_the_service_no_longer_knows_is_submitted_afresh(aigc):
    store = DictStore()
    old = video_op().execute(ctx(store))
    aigc.emulator.age_aigc_tasks(4 * DAYS)  # the stored TaskId (kept 7 days) is past the service's 3 days
    new = video_op().execute(ctx(store))
    assert new["TaskId"] != old["TaskId"] and new["Status"] == "FINISH" and len(aigc.emulator.aigc_tasks()) == 2
    assert video_op().execute(ctx(store))["TaskId"] == new["TaskId"]  # and that one is reattached


def test_wait_longer_than_the_service_keeps_tasks_is_refused():
    with pytest.raises(TencentCloudInputError, match="72"):
        video_op(timeout=timedelta(days=3, seconds=1).total_seconds())


# -- 19.5: FailedOperation.TaskDuplicate, a null task member while WAITING -----------------------------------
def test_task_duplicate_code_is_read_as_already_submitted(aigc):
    aigc.emulator.aigc_duplicate_code = "FailedOperation.TaskDuplicate"
    aigc.emulator.inject("commit_then_hang", action="CreateAigcVideoTask", times=1, delay=2.5)
    result = video_op().execute(ctx(DictStore()))
    assert len(aigc.emulator.aigc_tasks()) == 1 and result["TaskId"] == aigc.emulator.aigc_tasks()[0]["TaskId"]
    assert [r["outcome"] for r in creates(aigc.emulator)] == ["fault:commit_then_hang", "FailedOperation.TaskDuplicate"]


@pytest.mark.parametrize("deferrable", [True, False])
def test_null_task_member_while_waiting_is_read_as_waiting(aigc, deferrable, captured_apart):
    """A null member while WAITING is an answer the API metadata rules out ("never null") but the live service
    gives: its exchanges are kept from the session's oracle check (``captured_apart``)."""
    aigc.emulator.aigc_null_while_waiting = True
    aigc.emulator.aigc_duration = 1.0
    hook = VodHook()
    op = video_op(deferrable=deferrable)
    result = run_deferred_all(op, ctx(DictStore())) if deferrable else op.execute(ctx(DictStore()))
    assert result["Status"] == "FINISH" and len(aigc.emulator.aigc_tasks()) == 1
    aigc.emulator.aigc_duration = 10.0
    other = hook.create_aigc_task(
        "CreateAigcImageTask", {**KLING, "ModelName": "GG", "ModelVersion": "2.5", "Prompt": "p"}
    )["TaskId"]
    detail = hook.describe_task_detail(other)
    assert detail["Status"] == "WAITING" and detail["AigcImageTask"] is None


def test_output_folder_is_unchanged_for_local_paths(tmp_path: Path, aigc):
    result = video_op(output_path=str(tmp_path)).execute(ctx(DictStore()))
    assert [p.name for p in tmp_path.iterdir()] == [Path(result["paths"][0]).name]


# -- item 7 under real Airflow: `airflow dags test` twice on one run, the prompt changed ------------------------
@pytest.mark.e2e
@pytest.mark.timeout(900)
def test_dags_test_rerun_with_another_prompt_makes_its_own_video(canary_provider, tmp_path):  # noqa: F811
    """Airflow 3.3's own task_state_store keeps the first run's TaskId; the re-run with another prompt must get
    the video of its prompt."""
    import json

    from conftest import put_object

    from airflow_provider_tencent.testing.images import make_image
    from dev.dag_runner import AirflowEnv

    provider = canary_provider
    provider.emulator.aigc_duration = 2.0
    for v, view in enumerate(("front", "left")):
        put_object(provider.bucket, f"aigc/subjects/mug/{view}.png", make_image(400, 500, "png", seed=v))
    airflow = AirflowEnv(
        tmp_path / "home",
        env={
            "AIRFLOW_CONN_TENCENTCLOUD_DEFAULT": json.dumps(provider.conn),
            "TENCENT_AIGC_BUCKET": provider.bucket,
            "TENCENT_AIGC_POLL_SECONDS": "0.2",
        },
    )
    first = airflow.dags_test("tencent_aigc_video", "2026-05-01")  # the form's default prompt
    assert first.state == "success", first.output[-5000:]
    assert airflow._query("SELECT key FROM task_state_store WHERE run_id = ?", first.run_id)  # kept after success
    # the task run again on the same run (as after a clear), its prompt changed
    params = json.dumps({"prompt": "a blue mug on a table"})
    rerun = airflow.airflow("tasks", "test", "tencent_aigc_video", "make_video", f"{first.run_id}", "-t", params)
    output = rerun.stdout + rerun.stderr
    assert rerun.returncode == 0, output[-5000:]
    by_prompt = {t["params"]["Prompt"]: t["TaskId"] for t in provider.emulator.aigc_tasks() if not t["refused"]}
    assert "a blue mug on a table" in by_prompt, (by_prompt, output[-3000:])
    assert f"copied output file 1 of AIGC task {by_prompt['a blue mug on a table']}" in output
    assert "reattaching to AIGC task" not in output


def test_emulator_aigc_settings_over_http(aigc):
    """Another process (a DAG under `airflow dags test`) sets the AIGC knobs through `POST /_emulator/aigc`."""
    import requests

    emulator = aigc.emulator
    answer = requests.post(
        f"{emulator.url}/_emulator/aigc",
        json={"concurrency": 3, "duplicate_code": "FailedOperation.TaskDuplicate", "null_while_waiting": True},
        timeout=5,
    )
    assert answer.status_code == 200
    assert (emulator.aigc_concurrency, emulator.aigc_duplicate_code, emulator.aigc_null_while_waiting) == (
        3,
        "FailedOperation.TaskDuplicate",
        True,
    )
    task_id = VodHook().create_aigc_task("CreateAigcVideoTask", {**KLING, "Prompt": "p"})["TaskId"]
    assert requests.post(f"{emulator.url}/_emulator/aigc", json={"age": 4 * DAYS}, timeout=5).status_code == 200
    from airflow_provider_tencent.exceptions import TencentCloudAPIError

    with pytest.raises(TencentCloudAPIError, match=r"InvalidParameterValue\.TaskId"):
        VodHook().describe_task_detail(task_id)
    assert requests.post(f"{emulator.url}/_emulator/aigc", json={"concurrency": None}, timeout=5).status_code == 200
    assert emulator.aigc_concurrency is None


def test_echo_that_differs_does_not_fail_a_task_the_digest_proves(aigc):
    """The service may show the Input otherwise (an enhanced prompt): when the stored record's digest or the derived
    SessionId already ties the task to this request, the retry reattaches (nothing paid twice, nothing failed)."""
    store = DictStore()
    first = video_op(prompt="a mug", enhance_prompt="Enabled").execute(ctx(store))
    plain = video_op(prompt="a cup").execute(ctx(DictStore(), FakeTI("plain")))
    with aigc.emulator._lock:
        for task in aigc.emulator.vod.tasks.values():
            task["params"]["Prompt"] += ", shown otherwise by the service"
    assert video_op(prompt="a mug", enhance_prompt="Enabled").execute(ctx(store))["TaskId"] == first["TaskId"]
    assert video_op(prompt="a cup").execute(ctx(None, FakeTI("plain")))["TaskId"] == plain["TaskId"]  # by SessionId
    assert len(aigc.emulator.aigc_tasks()) == 2
