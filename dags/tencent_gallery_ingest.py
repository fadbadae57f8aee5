"""Scheduled gallery ingest: new pictures in object storage -> a Tencent Cloud Image Search gallery.

Every day, the pictures under ``source_prefix`` that no earlier run has ingested are added to the
gallery ``group_id`` by one batch task (at the ``CreateImage`` quota, checkpointed, resumable).
Each picture gets a deterministic EntityId (its file stem) and PicName (a hash of its key), so a
re-run of the same day creates nothing twice: what is already there is confirmed, not resent.
The run writes a JSON-lines manifest (key, status, GroupId, EntityId, PicName, RequestId) to
``manifest_prefix/<run day>/manifest.jsonl`` and marks the manifest Asset as updated. The run day
(``YYYYMMDD``) is the day of the run's logical date or, for a run triggered without one (``logical_date: null``
in the REST API), of its ``run_after``: it comes from the dag_run, never from the clock.

Configuration (environment variables read at parse time - no connection, no network):
``TENCENT_GALLERY_BUCKET`` (a COS bucket ``name-APPID``), ``TENCENT_GALLERY_GROUP_ID``,
``TENCENT_CONN_ID`` (default ``tencentcloud_default``). Trigger-form params override them per run.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import DAG, Asset, Param, task

from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator

CONN_ID = os.environ.get("TENCENT_CONN_ID", "tencentcloud_default")
BUCKET = os.environ.get("TENCENT_GALLERY_BUCKET", "examplebucket-1250000000")
GROUP_ID = os.environ.get("TENCENT_GALLERY_GROUP_ID", "airflow_demo_gallery")
MANIFESTS = Asset(f"cos://{BUCKET}/gallery/manifests/")
#: The run day, ``YYYYMMDD``, that keys the manifest and checkpoint folder: a run without a logical date has no
#: ``ds``/``data_interval_start``, every run has a ``run_after``; both belong to the dag_run, so a re-run finds them.
RUN_DAY = "{{ (dag_run.logical_date or dag_run.run_after) | ds_nodash }}"

with DAG(
    dag_id="tencent_gallery_ingest",
    description="Add new pictures from object storage to a Tencent Cloud Image Search gallery",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["tencentcloud", "image-search", "example"],
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": pendulum.duration(seconds=10)},
    params={
        "source_prefix": Param(
            f"cos://{BUCKET}/gallery/incoming/",
            type="string",
            title="Source prefix",
            description="Folder (cos://, s3:// or file://) whose PNG/JPG/BMP pictures are ingested.",
        ),
        "manifest_prefix": Param(
            f"cos://{BUCKET}/gallery/manifests",
            type="string",
            title="Manifest prefix",
            description="Folder where each run writes <run day>/manifest.jsonl.",
        ),
        "group_id": Param(GROUP_ID, type="string", title="Gallery (GroupId)", minLength=1),
    },
) as dag:

    @task
    def select_new_pictures(run_day: str, params: dict[str, Any] | None = None) -> list[dict]:
        """Pictures under the prefix that no *other* run day's manifest lists as done."""
        import json

        from airflow_provider_tencent.fs.storage import to_storage_path
        from airflow_provider_tencent.payloads.image_search import list_pictures

        assert params is not None
        done: set[str] = set()
        manifests = to_storage_path(params["manifest_prefix"].rstrip("/") + "/", CONN_ID)
        if manifests.exists():
            for manifest in manifests.rglob("manifest.jsonl"):
                if manifest.parent.name == run_day:
                    continue
                for line in manifest.read_text().splitlines():
                    record = json.loads(line)
                    if record.get("status") in ("created", "exists"):
                        done.add(record["key"])
        items = [dict(item, key=key) for key, item in list_pictures(params["source_prefix"], CONN_ID)]
        new = [item for item in items if item["key"] not in done]
        print(f"{len(items)} pictures under the prefix, {len(new)} not ingested by another run")
        return new

    # [START howto_operator_create_images]
    ingest = ImageSearchCreateImageBatchOperator(
        task_id="create_images",
        tencentcloud_conn_id=CONN_ID,
        group_id="{{ params.group_id }}",
        items=select_new_pictures(RUN_DAY),
        custom_content="ingested by {{ dag.dag_id }}",
        manifest_path="{{ params.manifest_prefix }}/" + RUN_DAY + "/manifest.jsonl",
        # in object storage, keyed by run day: any worker resumes it, and a re-run of the day sends nothing
        checkpoint_path="{{ params.manifest_prefix }}/" + RUN_DAY + "/checkpoint/",
        allow_empty=True,  # a day without a new picture is not an error: nothing to ingest
        outlets=[MANIFESTS],
    )
    # [END howto_operator_create_images]
