"""sensors/vod.py: ``VodAigcTaskSensor`` waits for a task submitted elsewhere, deferred or poking, and never
submits anything."""

from __future__ import annotations

import pytest
from aigc_fakes import KLING, ctx, run_deferred

from airflow_provider_tencent.exceptions import TencentCloudInputError, VodAigcTaskFailedError
from airflow_provider_tencent.hooks.vod import VodHook
from airflow_provider_tencent.sensors.vod import VodAigcTaskSensor


def submit_elsewhere() -> str:
    return VodHook().create_aigc_task("CreateAigcVideoTask", {**KLING, "Prompt": "p"})["TaskId"]


def test_the_sensor_waits_for_a_task_submitted_elsewhere_deferred_and_poking(aigc):
    task_id = submit_elsewhere()
    sensor = VodAigcTaskSensor(task_id="wait", aigc_task_id=task_id, deferrable=True, poke_interval=0.05)
    assert run_deferred(sensor, ctx())["TaskId"] == task_id
    poker = VodAigcTaskSensor(task_id="poke", aigc_task_id=task_id, deferrable=False, poke_interval=0.05)
    assert poker.poke(ctx()).xcom_value["TaskId"] == task_id  # type: ignore[union-attr]
    assert len(aigc.emulator.aigc_tasks()) == 1  # the sensors submitted nothing


def test_a_poke_on_a_running_task_is_not_done(aigc):
    aigc.emulator.aigc_duration = 30.0
    task_id = submit_elsewhere()
    poker = VodAigcTaskSensor(task_id="poke", aigc_task_id=task_id, deferrable=False, poke_interval=0.05)
    assert poker.poke(ctx()) is False
    assert len(aigc.emulator.aigc_tasks()) == 1


def test_the_task_id_is_templated():
    assert "aigc_task_id" in VodAigcTaskSensor.template_fields


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"timeout": float("inf")}, "timeout"), ({"poke_interval": "inf"}, "poke_interval")]
)
def test_sensor_wait_settings_that_are_not_finite_are_refused_when_built(kwargs, field):
    with pytest.raises(TencentCloudInputError) as err:
        VodAigcTaskSensor(task_id="wait", aigc_task_id="t", **kwargs)
    assert err.value.field == field


def test_sensor_failure_text_does_not_claim_to_submit(aigc):
    aigc.emulator.fail_aigc_tasks("ModelGenerateFailed", "generation failed")
    task_id = VodHook().create_aigc_task("CreateAigcVideoTask", {**KLING, "Prompt": "p"})["TaskId"]
    sensor = VodAigcTaskSensor(task_id="wait", aigc_task_id=task_id, deferrable=True, poke_interval=0.05)
    with pytest.raises(VodAigcTaskFailedError) as err:
        run_deferred(sensor, ctx())
    text = f"{err.value}".lower()
    assert "modelgeneratefailed" in text and "submit" not in text and "sessionid" not in text
    assert len(aigc.emulator.aigc_tasks()) == 1
