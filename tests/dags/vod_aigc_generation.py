"""Test DAG: AIGC pictures (``VodCreateAigcImageOperator``) and a wait for a task submitted elsewhere
(``VodAigcTaskSensor``), both deferred to the triggerer.

The docs' how-tos include their code from here; ``tests/integration/test_docs_gallery_aigc.py`` runs it with
``airflow dags test`` against the emulator.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_tencent.operators.vod import VodCreateAigcImageOperator
from airflow_provider_tencent.sensors.vod import VodAigcTaskSensor

#: The request fields every CreateAigcVideoTask needs (api.json marks them required).
KLING = {"ModelName": "Kling", "ModelVersion": "2.1", "SubAppId": 251007502}

BUCKET = os.environ.get("TENCENT_TEST_BUCKET", "test-1250000000")
POLL_SECONDS = float(os.environ.get("TENCENT_AIGC_POLL_SECONDS", "10"))

with DAG(dag_id="aigc_generation", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")) as dag:
    # [START howto_operator_create_aigc_image]
    pictures = VodCreateAigcImageOperator(
        task_id="make_pictures",
        model_name="GG",
        model_version="3.0",
        prompt="A red mug on a wooden table, soft daylight",
        output_config={"StorageMode": "Temporary", "AspectRatio": "1:1"},
        # the files are copied there, a folder per day: the logical date, or run_after in a run without one
        output_path=f"cos://{BUCKET}/aigc_pictures/" + "{{ (dag_run.logical_date or dag_run.run_after) | ds_nodash }}/",
        deferrable=True,  # wait in the triggerer, holding no worker slot
        poll_interval=POLL_SECONDS,
        timeout=3600,  # then the task fails, leaving the remote task running
    )
    # [END howto_operator_create_aigc_image]

    @task
    def submitted_elsewhere() -> str:
        """Stands in for another system that submitted a generation task and handed over its TaskId."""
        from airflow_provider_tencent.hooks.vod import VodHook

        answer = VodHook().create_aigc_task("CreateAigcVideoTask", {**KLING, "Prompt": "a mug"})
        return f"{answer['TaskId']}"

    # [START howto_sensor_aigc_task]
    wait = VodAigcTaskSensor(
        task_id="wait_for_video",
        aigc_task_id="{{ ti.xcom_pull(task_ids='submitted_elsewhere') }}",
        output_path=f"cos://{BUCKET}/aigc_videos/",
        deferrable=True,
        poke_interval=POLL_SECONDS,  # the first interval; it grows 1.5x up to max_poll_interval
        timeout=2 * 3600,
    )
    # [END howto_sensor_aigc_task]
    pictures >> submitted_elsewhere() >> wait
