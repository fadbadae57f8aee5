"""Benchmark DAGs: the same pictures as one mapped ImageSearchCreateImageOperator task each, or one batch task."""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_tencent.operators.image_search import (
    ImageSearchCreateImageBatchOperator,
    ImageSearchCreateImageOperator,
)

FOLDER = os.environ.get("BENCH_PICTURES", "/tmp/bench-pictures")
START = pendulum.datetime(2026, 1, 1, tz="UTC")

with DAG(dag_id="bench_mapped_images", schedule=None, start_date=START) as mapped:

    @task
    def list_pictures() -> list[dict]:
        names = sorted(n for n in os.listdir(FOLDER) if n.endswith(".png"))
        return [{"entity_id": n[:-4], "pic_name": n[:-4], "image_path": f"file://{FOLDER}/{n}"} for n in names]

    ImageSearchCreateImageOperator.partial(task_id="create_image", group_id="mapped").expand_kwargs(list_pictures())

with DAG(dag_id="bench_batch_images", schedule=None, start_date=START) as batched:
    ImageSearchCreateImageBatchOperator(task_id="create_images", group_id="batched", source_prefix=f"file://{FOLDER}/")
