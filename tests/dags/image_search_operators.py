"""Test DAG: the gallery operators not used by an example DAG, one task each, results through XCom.

A gallery is created, a picture added, searched for (one query, then a folder of queries), re-tagged and
deleted. The docs' how-tos include their code from here; ``tests/integration/test_docs_gallery_aigc.py`` runs it with
``airflow dags test`` against the emulator.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG

from airflow_provider_tencent.operators.image_search import (
    ImageSearchCreateGroupOperator,
    ImageSearchCreateImageOperator,
    ImageSearchDeleteImagesOperator,
    ImageSearchSearchImageBatchOperator,
    ImageSearchSearchImageOperator,
    ImageSearchUpdateImageOperator,
)

BUCKET = os.environ.get("TENCENT_TEST_BUCKET", "test-1250000000")

with DAG(dag_id="gallery_operators", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC")) as dag:
    # [START howto_operator_create_group]
    gallery = ImageSearchCreateGroupOperator(
        task_id="create_gallery",
        group_id="shop_catalogue",  # letters, digits and underscores
        group_name="Shop catalogue",
        max_capacity=100_000,  # pictures; cannot be changed later
        brief="Product pictures of the web shop",
    )
    # [END howto_operator_create_group]
    picture = ImageSearchCreateImageOperator(
        task_id="add_picture",
        group_id="shop_catalogue",
        entity_id="mug-01",
        pic_name="mug-01-front",
        image_path=f"cos://{BUCKET}/gallery_ops/catalogue/mug-01.png",
        tags={"colour": "red"},
    )
    # [START howto_operator_search_image]
    search = ImageSearchSearchImageOperator(
        task_id="search_image",
        group_id="shop_catalogue",
        image_path=f"cos://{BUCKET}/gallery_ops/query.png",
        limit=5,
        match_threshold=60,
        filter="colour=red",  # on the pictures' tags
    )
    # [END howto_operator_search_image]
    # [START howto_operator_search_images]
    searches = ImageSearchSearchImageBatchOperator(
        task_id="search_images",
        group_id="shop_catalogue",
        source_prefix=f"cos://{BUCKET}/gallery_ops/queries/",  # every picture under it is one query
        limit=3,
        max_qps=5,  # share the account's SearchImage quota (10/s) with other DAGs
        manifest_path=f"cos://{BUCKET}/gallery_ops/results/"
        + "{{ (dag_run.logical_date or dag_run.run_after) | ds_nodash }}.jsonl",  # a file per day
    )
    # [END howto_operator_search_images]
    # [START howto_operator_update_image]
    retag = ImageSearchUpdateImageOperator(
        task_id="retag_picture",
        group_id="shop_catalogue",
        entity_id="mug-01",
        pic_name="mug-01-front",  # leave out to re-tag every picture of the EntityId
        # replace the picture's tags (a run without a logical date has no ds: its day is run_after's)
        tags={"colour": "red", "season": "{{ (dag_run.logical_date or dag_run.run_after) | ds }}"},
    )
    # [END howto_operator_update_image]
    # [START howto_operator_delete_images]
    delete_one = ImageSearchDeleteImagesOperator(
        task_id="delete_picture",
        group_id="shop_catalogue",
        entity_id="mug-01",
        pic_name="mug-01-front",
    )
    delete_all = ImageSearchDeleteImagesOperator(
        task_id="delete_entity",
        group_id="shop_catalogue",
        entity_id="mug-02",
        whole_entity=True,  # without a pic_name: every picture of the EntityId, on purpose
    )
    # [END howto_operator_delete_images]
    mug_02 = ImageSearchCreateImageOperator(
        task_id="add_second_entity",
        group_id="shop_catalogue",
        entity_id="mug-02",
        pic_name="mug-02-front",
        image_path=f"cos://{BUCKET}/gallery_ops/catalogue/mug-02.png",
    )
    gallery >> [picture, mug_02] >> search >> searches >> retag >> delete_one >> delete_all
