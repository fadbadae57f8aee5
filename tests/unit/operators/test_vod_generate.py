"""AIGC generation tasks - emulator, hook, operators, never paying twice (the trigger and the sensor: their own files).

Everything goes through the real SDK signing against the emulator over HTTP (and moto S3 for copies).
Airflow's ``task_state_store`` is stood in by a dict (or a JSON file across processes) in the unit tests
here; the end-to-end DAG test (tests/integration/test_dags_e2e.py style, below) uses Airflow's own.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from aigc_fakes import (
    CANARY_ID,
    CANARY_KEY,
    CANARY_TOKEN,
    KLING,
    DictStore,
    FakeTI,
    creates,
    ctx,
    run_deferred,
    video_op,
)
from integration.test_dags_e2e import canary as canary_provider  # noqa: F401  (a fixture, used as `canary`)

from airflow_provider_tencent.contracts import ErrorKind
from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.exceptions import (
    TencentCloudAmbiguousError,
    TencentCloudAPIError,
    TencentCloudInputError,
    VodAigcTaskFailedError,
    VodAigcTaskFailedForGoodError,
    VodAigcWaitTimeoutError,
)
from airflow_provider_tencent.hooks.vod import VodHook
from airflow_provider_tencent.operators.vod import VodCreateAigcImageOperator
from airflow_provider_tencent.operators.vod.request import derive_session_id, request_digest
from airflow_provider_tencent.operators.vod.submit import STATE_KEY


# -- emulator -------------------------------------------------------------------------------------
def test_emulator_task_lifecycle_and_files(aigc):
    hook = VodHook()
    params = {**KLING, "Prompt": "p", "SubjectInfos": [{"Id": "12345678901234"}], "SessionId": "s-1"}
    task_id = hook.create_aigc_task("CreateAigcVideoTask", params)["TaskId"]
    first = hook.describe_task_detail(task_id)
    assert first["Status"] == "WAITING" and first["TaskType"] == "AigcVideoTask"
    seen = {first["Status"]}
    while (detail := hook.describe_task_detail(task_id))["Status"] != "FINISH":
        seen.add(detail["Status"])
        time.sleep(0.05)
    assert seen == {"WAITING", "PROCESSING"}
    inner = detail["AigcVideoTask"]
    assert inner["ErrCode"] == 0 and inner["Progress"] == 100 and inner["SessionId"] == "s-1"
    url = inner["Output"]["FileInfos"][0]["FileUrl"]
    import requests

    body = requests.get(url, timeout=5).content
    assert body[4:8] == b"ftyp" and len(body) > 60000


def test_emulator_refuses_unknown_element_and_repeated_session(aigc):
    hook = VodHook()
    with pytest.raises(TencentCloudAPIError) as err:
        hook.create_aigc_task("CreateAigcVideoTask", {**KLING, "Prompt": "p", "SubjectInfos": [{"Id": "1"}]})
    assert err.value.code == "InvalidParameterValue" and "does not exist" in err.value.message
    params = {**KLING, "Prompt": "p", "SessionId": "same"}
    hook.create_aigc_task("CreateAigcVideoTask", params)
    with pytest.raises(TencentCloudAPIError) as err:
        hook.create_aigc_task("CreateAigcVideoTask", params)
    assert err.value.code == contract.SESSION_DUPLICATE and err.value.kind is ErrorKind.CONFLICT
    assert hook.find_task_by_session("same") == aigc.emulator.aigc_tasks()[0]["TaskId"]
    assert hook.find_task_by_session("other") is None
    assert len(aigc.emulator.aigc_tasks()) == 1


def test_emulator_sub_app_id_is_checked_when_configured(aigc, monkeypatch):
    aigc.emulator.sub_app_ids = {251007502}
    monkeypatch.setenv(
        "AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps({**aigc.conn, "extra": {**aigc.extra, "sub_app_id": 251007502}})
    )
    result = video_op().execute(ctx(DictStore()))
    assert result["TaskId"].startswith("251007502-AigcVideoTask-")
    assert aigc.emulator.aigc_tasks()[0]["params"]["SubAppId"] == 251007502
    with pytest.raises(TencentCloudAPIError) as err:
        video_op(sub_app_id=1, session_id="x").execute(ctx(DictStore()))
    assert err.value.code == "InvalidParameterValue.SubAppId"


# -- input checks -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "field", "size"),
    [
        ({"prompt": "x" * 1001}, "prompt", "1001 characters"),
        ({"negative_prompt": "n" * 1200}, "negative_prompt", "1200 characters"),
        ({"session_id": "s" * 51}, "session_id", "51 characters"),
        ({"session_context": "c" * 1001}, "session_context", "1001 characters"),
        ({"tasks_priority": 11}, "tasks_priority", "11"),
        ({"prompt": None, "element_ids": []}, "prompt", "missing"),
    ],
)
def test_bad_input_is_refused_before_any_call(aigc, kwargs, field, size):
    with pytest.raises(TencentCloudInputError) as err:
        video_op(**kwargs).execute(ctx(DictStore()))
    assert err.value.field == field and size in f"{err.value.actual}" and "no request was sent" in f"{err.value}"
    assert creates(aigc.emulator) == []


def test_bad_sub_app_id_names_the_field(aigc):
    from airflow_provider_tencent.exceptions import TencentCloudConfigError

    with pytest.raises(TencentCloudConfigError, match="sub_app_id must be a positive integer"):
        video_op(sub_app_id="abc").execute(ctx(DictStore()))
    assert creates(aigc.emulator) == []


def test_session_id_is_deterministic_and_short():
    one = derive_session_id("d", "r", "t", -1)
    assert one == derive_session_id("d", "r", "t", -1) and len(one) <= 50
    assert len({one, derive_session_id("d", "r", "t", 0), derive_session_id("d", "r2", "t", -1)}) == 3
    assert len(derive_session_id("d" * 250, "r" * 250, "t" * 250, 99999, 12)) <= 50
    # another request (everything but the SessionId) is another SessionId
    assert derive_session_id("d", "r", "t", -1, 0, "digest-a") != derive_session_id("d", "r", "t", -1, 0, "digest-b")
    assert request_digest({"Prompt": "a", "SessionId": "x"}) == request_digest({"SessionId": "y", "Prompt": "a"})
    assert request_digest({"Prompt": "a"}) != request_digest({"Prompt": "b"})


# -- success, deferral, copy ------------------------------------------------------------------------
def test_video_from_element_ids_in_the_worker(aigc):
    context = ctx(DictStore())
    result = video_op().execute(context)
    task = aigc.emulator.aigc_tasks()[0]
    assert result["TaskId"] == task["TaskId"] and result["Status"] == "FINISH"
    assert task["params"]["SubjectInfos"] == [{"Id": "12345678901234"}]
    digest = request_digest(task["params"])  # the request without its SessionId is part of the SessionId
    assert task["params"]["SessionId"] == derive_session_id(
        "aigc_dag", "manual__2026-01-01", "make_video", -1, 0, digest
    )
    assert [f["FileType"] for f in result["files"]] == ["mp4"] and "?" not in result["files"][0]["FileUrl"]
    assert context["ti"].xcom["aigc_task_id"] == task["TaskId"]
    assert task["TaskId"] in context["ti"].xcom["_link_VodAigcTaskLink"]


def test_deferred_video_is_copied_to_storage(aigc):
    from conftest import put_object  # noqa: F401  (the bucket exists through the provider fixture)

    from airflow_provider_tencent.fs.storage import to_storage_path

    out = f"cos://{aigc.bucket}/aigc/videos/"
    op = video_op(deferrable=True, output_path=out)
    result = run_deferred(op, ctx(DictStore()))
    task_id = aigc.emulator.aigc_tasks()[0]["TaskId"]
    assert result["paths"] == [f"cos://{aigc.bucket}/aigc/videos/{task_id}-1.mp4"]
    data = to_storage_path(result["paths"][0], "tencentcloud_default").read_bytes()
    from airflow_provider_tencent.testing.emulator.vod.aigc_rules import file_bytes

    assert data == file_bytes(task_id, "output-1.mp4")


def test_image_search_create(aigc):
    result = VodCreateAigcImageOperator(
        task_id="pic",
        model_name="GG",
        model_version="3.0",
        prompt="a mug",
        deferrable=False,
        poll_interval=0.05,
        max_poll_interval=0.1,
    ).execute(ctx(DictStore(), FakeTI("pic")))
    assert result["files"][0]["FileType"] == "png"
    tasks = aigc.emulator.aigc_tasks()
    assert [t["kind"] for t in tasks] == ["AigcImageTask"]


# -- never pay twice --------------------------------------------------------------------------------
def test_submit_timeout_is_repeated_refused_and_the_task_found(aigc):
    """The answer to the submit is lost (read timeout): the repeat carries the same SessionId, is refused,
    and the task is found with DescribeTasks - one remote task."""
    aigc.emulator.inject("commit_then_hang", action="CreateAigcVideoTask", times=1, delay=2.5)
    result = video_op().execute(ctx(DictStore()))
    assert len(aigc.emulator.aigc_tasks()) == 1 and result["TaskId"] == aigc.emulator.aigc_tasks()[0]["TaskId"]
    outcomes = [r["outcome"] for r in creates(aigc.emulator)]
    assert outcomes == ["fault:commit_then_hang", contract.SESSION_DUPLICATE]


def test_without_session_id_an_ambiguous_submit_fails_saying_a_task_may_exist(aigc):
    aigc.emulator.inject("commit_then_hang", action="CreateAigcVideoTask", times=1, delay=2.5)
    with pytest.raises(TencentCloudAmbiguousError, match="a generation task may have been created"):
        video_op(session_id="").execute(ctx(DictStore()))
    assert len(aigc.emulator.aigc_tasks()) == 1 and len(creates(aigc.emulator)) == 1


def test_crash_between_submit_and_store_is_saved_by_the_session_id(aigc, monkeypatch):
    """The worker dies after the submit, before the TaskId is stored (the window ResumableJobMixin documents)."""
    from airflow_provider_tencent.operators.vod import generate

    store = DictStore()
    original = generate._VodCreateAigcTaskOperator._remember

    def crash(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt("worker killed")

    monkeypatch.setattr(generate._VodCreateAigcTaskOperator, "_remember", crash)
    with pytest.raises(KeyboardInterrupt):
        video_op().execute(ctx(store))
    monkeypatch.setattr(generate._VodCreateAigcTaskOperator, "_remember", original)
    result = video_op().execute(ctx(store))
    assert len(aigc.emulator.aigc_tasks()) == 1 and result["TaskId"] == aigc.emulator.aigc_tasks()[0]["TaskId"]


@pytest.mark.timeout(120)
def test_worker_killed_after_submit_then_retry_makes_one_task(aigc, tmp_path):
    """A real worker process is SIGKILLed while it waits; the retry reattaches to the stored TaskId."""
    aigc.emulator.aigc_duration = 30.0
    state = tmp_path / "state.json"
    script = tmp_path / "worker.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path[:0] = {[str(p) for p in (Path(__file__).parent, *Path(__file__).parents[2:4])]!r}
            from aigc_fakes import DictStore, ctx, video_op
            from pathlib import Path
            video_op(poll_interval=0.1, max_poll_interval=0.1).execute(ctx(DictStore(Path({str(state)!r}))))
            """
        )
    )
    env = {**os.environ, "AIRFLOW_CONN_TENCENTCLOUD_DEFAULT": json.dumps(aigc.conn)}
    worker = subprocess.Popen([sys.executable, str(script)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not any(t["polls"] > 0 for t in aigc.emulator.aigc_tasks()):
            assert worker.poll() is None and time.monotonic() < deadline, "the worker never started polling"
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(10)
    assert json.loads(state.read_text())[STATE_KEY]["TaskId"] == aigc.emulator.aigc_tasks()[0]["TaskId"]
    aigc.emulator.aigc_duration = 0.5
    with aigc.emulator._lock:
        for task in aigc.emulator.vod.tasks.values():
            task["duration"] = 0.0  # the remote task finishes while no worker watches it
    result = video_op().execute(ctx(DictStore(state)))
    assert len(aigc.emulator.aigc_tasks()) == 1 and len(creates(aigc.emulator)) == 1
    assert result["TaskId"] == aigc.emulator.aigc_tasks()[0]["TaskId"]


# -- failures and timeouts --------------------------------------------------------------------------
def test_failed_task_for_good_is_a_clear_error_and_not_retried(aigc):
    aigc.emulator.fail_aigc_tasks("ContentModerationFailed", "the prompt was refused by moderation")
    store = DictStore()
    with pytest.raises(VodAigcTaskFailedForGoodError) as err:
        run_deferred(video_op(deferrable=True), ctx(store))
    text = f"{err.value}"
    assert "ErrCode 70000 ContentModerationFailed" in text and "refused by moderation" in text
    assert "not retried" in text
    from airflow_provider_tencent.compat import AirflowFailException

    assert isinstance(err.value, AirflowFailException)
    # a manual re-run reattaches to the failed task and fails the same way: nothing new is paid for
    with pytest.raises(VodAigcTaskFailedForGoodError):
        video_op().execute(ctx(store))
    assert len(aigc.emulator.aigc_tasks()) == 1


def test_retryable_failure_retries_with_a_new_session_id(aigc):
    aigc.emulator.fail_aigc_tasks("ModelGenerateFailed", "generation failed")
    store = DictStore()
    with pytest.raises(VodAigcTaskFailedError) as err:
        video_op().execute(ctx(store))
    assert not isinstance(err.value, VodAigcTaskFailedForGoodError) and "a retry submits" in f"{err.value}"
    result = video_op().execute(ctx(store))  # Airflow's retry
    tasks = aigc.emulator.aigc_tasks()
    assert len(tasks) == 2 and result["TaskId"] == tasks[1]["TaskId"]
    ids = ("aigc_dag", "manual__2026-01-01", "make_video", -1)
    digest = request_digest(tasks[0]["params"])
    assert [t["params"]["SessionId"] for t in tasks] == [
        derive_session_id(*ids, 0, digest),
        derive_session_id(*ids, 1, digest),
    ]


def test_wait_timeout_leaves_the_task_and_says_how_to_find_it(aigc):
    aigc.emulator.aigc_duration = 60.0
    store = DictStore()
    with pytest.raises(VodAigcWaitTimeoutError) as err:
        run_deferred(video_op(deferrable=True, timeout=0.3), ctx(store))
    task_id = aigc.emulator.aigc_tasks()[0]["TaskId"]
    assert f"DescribeTaskDetail TaskId={task_id}" in f"{err.value}" and "left running" in f"{err.value}"
    with pytest.raises(VodAigcWaitTimeoutError):
        video_op(timeout=0.3).execute(ctx(store))  # the retry reattaches (and times out again): still one task
    assert len(aigc.emulator.aigc_tasks()) == 1


def test_hanging_poll_is_bounded_by_the_read_timeout(aigc):
    """A DescribeTaskDetail that never answers in time is retried (read-only) and the task still finishes."""
    aigc.emulator.inject("latency", action="DescribeTaskDetail", times=1, delay=2.0)
    result = run_deferred(video_op(deferrable=True), ctx(DictStore()))
    assert result["Status"] == "FINISH"
    assert aigc.emulator.state()["faults"][0]["hits"] == 1  # the poll that hung was met, and outlived


# -- secrets ----------------------------------------------------------------------------------------
def test_sdk_debug_log_carries_no_token(aigc, monkeypatch, caplog):
    aigc.emulator.add_credential(CANARY_ID, CANARY_KEY, token=CANARY_TOKEN)
    conn = {**aigc.conn, "login": CANARY_ID, "password": CANARY_KEY, "extra": {**aigc.extra, "token": CANARY_TOKEN}}
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(conn))
    caplog.set_level(logging.DEBUG)
    VodHook().find_task_by_session("any")
    assert CANARY_TOKEN not in caplog.text


# -- the example DAG, end to end under `airflow dags test` (deferral included) ------------------------
@pytest.mark.e2e
@pytest.mark.timeout(600)
def test_example_video_dag_end_to_end(canary_provider, tmp_path):  # noqa: F811  (the fixture)
    from conftest import put_object
    from integration.test_dags_e2e import assert_no_secrets, read

    from airflow_provider_tencent.testing.images import make_image
    from dev.dag_runner import AirflowEnv

    provider = canary_provider
    provider.emulator.aigc_duration = 3.0
    for subject in ("mug", "lamp"):
        for v, view in enumerate(("front", "left", "back")):
            put_object(provider.bucket, f"aigc/subjects/{subject}/{view}.png", make_image(400, 500, "png", seed=v))
    airflow = AirflowEnv(
        tmp_path / "home",
        env={
            "AIRFLOW_CONN_TENCENTCLOUD_DEFAULT": json.dumps(provider.conn),
            "TENCENT_AIGC_BUCKET": provider.bucket,
            "TENCENT_AIGC_POLL_SECONDS": "0.2",
        },
    )
    run = airflow.dags_test("tencent_aigc_video", "2026-05-01")
    assert run.state == "success", run.output[-5000:]
    elements = [e["ElementId"] for e in provider.emulator.elements()]
    tasks = provider.emulator.aigc_tasks()
    assert len(elements) == 2 and len(tasks) == 1
    assert sorted(s["Id"] for s in tasks[0]["params"]["SubjectInfos"]) == sorted(elements)
    assert tasks[0]["params"]["OutputConfig"] == {
        "StorageMode": "Temporary",
        "Duration": 5.0,
        "Resolution": "720P",
        "AspectRatio": "16:9",
    }
    assert tasks[0]["polls"] >= 2  # it waited (in the inline triggerer), not in one read
    video = airflow.xcom("tencent_aigc_video", run.run_id, "make_video")[-1]
    task_id = tasks[0]["TaskId"]
    assert video["TaskId"] == task_id and video["paths"] == [f"cos://{provider.bucket}/aigc/videos/{task_id}-1.mp4"]
    record = json.loads(read(f"cos://{provider.bucket}/aigc/video.json"))
    assert record["TaskId"] == task_id and sorted(record["ElementIds"]) == sorted(elements)
    from airflow_provider_tencent.fs.storage import to_storage_path
    from airflow_provider_tencent.testing.emulator.vod.aigc_rules import file_bytes

    stored = to_storage_path(record["paths"][0], "tencentcloud_default").read_bytes()
    assert stored == file_bytes(task_id, "output-1.mp4")
    assert "[DAG TEST] running trigger in line" in run.output  # it deferred; the trigger ran, then the task resumed
    rows = airflow._query("SELECT task_id, key, value FROM task_state_store WHERE run_id = ?", run.run_id)
    assert [(t, k, json.loads(v)["TaskId"]) for t, k, v in rows] == [("make_video", STATE_KEY, task_id)]
    assert_no_secrets(airflow, run)


# -- wait_for_completion=False: submit here, wait with the sensor elsewhere ----------------------------------
@pytest.mark.parametrize("deferrable", [False, True])
def test_without_waiting_the_operator_submits_once_and_the_sensor_waits(aigc, deferrable):
    from aigc_fakes import DictStore, FakeTI, ctx, video_op

    from airflow_provider_tencent.sensors.vod import VodAigcTaskSensor

    store, ti = DictStore(), FakeTI()
    started = time.monotonic()
    submitted = video_op(wait_for_completion=False, deferrable=deferrable).execute(ctx(store, ti))  # never defers
    assert time.monotonic() - started < aigc.emulator.aigc_duration  # returned before the task could finish
    [task] = aigc.emulator.aigc_tasks()
    assert submitted == {"TaskId": task["TaskId"], "SessionId": task["params"]["SessionId"]}
    assert ti.xcom["aigc_task_id"] == task["TaskId"]
    # Airflow's retry of the submitting task: the same task, nothing paid twice
    assert video_op(wait_for_completion="false").execute(ctx(store))["TaskId"] == task["TaskId"]
    sensor = VodAigcTaskSensor(task_id="wait", aigc_task_id=submitted["TaskId"], deferrable=False, poke_interval=0.05)
    while (done := sensor.poke(ctx())) is False:
        time.sleep(0.05)
    assert done.xcom_value["TaskId"] == task["TaskId"] and done.xcom_value["Status"] == "FINISH"
    assert len(aigc.emulator.aigc_tasks()) == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"output_path": "s3://bucket/videos/"}, "output_path"), ({"wait_for_completion": "no"}, "wait_for_completion")],
)
def test_wait_for_completion_false_refuses_what_needs_the_wait_when_built(kwargs, field):
    from aigc_fakes import video_op

    with pytest.raises(TencentCloudInputError) as err:
        video_op(**{"wait_for_completion": False, **kwargs})
    assert err.value.field == field
