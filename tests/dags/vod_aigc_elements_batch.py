"""Test DAG: many VOD AIGC subjects from one task (``VodCreateAigcElementBatchOperator``), ElementIds through XCom.

The docs' how-to for the batch operator includes its code from here; ``tests/integration/test_docs_examples.py``
runs it with ``airflow dags test`` against the emulator, with OpenLineage events written to a file.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_tencent.operators.vod import VodCreateAigcElementBatchOperator

BUCKET = os.environ.get("TENCENT_TEST_BUCKET", "test-1250000000")

with DAG(dag_id="aigc_elements_batch", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")) as dag:
    # [START howto_operator_create_aigc_elements]
    subjects = VodCreateAigcElementBatchOperator(
        task_id="create_subjects",
        items=[
            {
                "key": name,  # names the item in the result, manifest and checkpoint
                "element_name": name,
                "element_description": f"The {name} of the spring catalogue",
                "element_frontal_image": f"cos://{BUCKET}/batch/{name}/front.png",
                "element_refer_list": [f"cos://{BUCKET}/batch/{name}/side.png"],
            }
            for name in ("mug", "lamp", "chair")
        ],
        max_qps=5,  # share the account's quota (20/s) with other DAGs
        manifest_path=f"cos://{BUCKET}/batch/manifest.jsonl",
    )

    @task
    def element_ids(summary: dict) -> dict[str, str]:
        """``{key: ElementId}`` of every subject the batch created."""
        return summary["element_ids"]

    element_ids(subjects.output)
    # [END howto_operator_create_aigc_elements]
