"""Test DAG: the two single operators, with XCom flowing into a templated downstream task."""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageOperator
from airflow_provider_tencent.operators.vod import VodCreateAigcElementOperator

BUCKET = os.environ.get("TENCENT_TEST_BUCKET", "test-1250000000")

with DAG(dag_id="single_operators", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")) as dag:
    # [START howto_operator_create_image]
    picture = ImageSearchCreateImageOperator(
        task_id="create_image",
        group_id="g1",
        entity_id="{{ dag.dag_id }}",
        pic_name="pic-{{ (dag_run.logical_date or dag_run.run_after) | ds_nodash }}",
        image_path=f"cos://{BUCKET}/single/picture.png",
        tags={"run": "{{ run_id }}"},
    )
    # [END howto_operator_create_image]
    # [START howto_operator_create_aigc_element]
    element = VodCreateAigcElementOperator(
        task_id="create_element",
        element_name="subject-{{ (dag_run.logical_date or dag_run.run_after) | ds_nodash }}",
        element_description="from a test DAG",
        element_frontal_image=f"cos://{BUCKET}/single/front.png",
        element_refer_list=[f"cos://{BUCKET}/single/side.png"],
    )

    @task
    def use_element_id(element_id: str, templated: str) -> dict:
        assert element_id == templated, (element_id, templated)
        return {"element_id": element_id}

    use_element_id(element.output, "{{ ti.xcom_pull(task_ids='create_element') }}")
    # [END howto_operator_create_aigc_element]
    picture >> element
