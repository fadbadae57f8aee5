"""A Tencent Cloud Image Search gallery kept equal to a catalogue in object storage.

Runs when the ingest DAG (``tencent_gallery_ingest``) updates its manifest Asset, or on demand.
One task, :class:`~airflow_provider_tencent.operators.image_search.sync.ImageSearchSyncGalleryOperator`:
new pictures under ``source_prefix`` are created, pictures whose content changed are replaced
(the new picture first, then the old one deleted), pictures gone from storage are deleted.
Pictures the ingest DAG already created are adopted, not duplicated. The sync's manifest
(``manifest_path``, JSON) records what it manages plus the last plan and outcome; a failed run is
resumed by the next. ``dry_run`` reports the plan only. A prefix that lists no picture (a typo, a
missing bucket, a wrong region) is refused unless ``allow_empty``; ``max_deletions`` (a count, or a
share under 1 of the pictures the sync manages) refuses a run that would delete more - a wrong prefix
must not empty a production gallery.

Configuration (environment variables read at parse time - no connection, no network):
``TENCENT_GALLERY_BUCKET``, ``TENCENT_GALLERY_GROUP_ID``, ``TENCENT_CONN_ID``. Trigger-form params
override them per run.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, Asset, Param

from airflow_provider_tencent.operators.image_search import ImageSearchSyncGalleryOperator

CONN_ID = os.environ.get("TENCENT_CONN_ID", "tencentcloud_default")
BUCKET = os.environ.get("TENCENT_GALLERY_BUCKET", "examplebucket-1250000000")
GROUP_ID = os.environ.get("TENCENT_GALLERY_GROUP_ID", "airflow_demo_gallery")
#: The ingest DAG's outlet: a new ingest run triggers a sync.
INGEST_MANIFESTS = Asset(f"cos://{BUCKET}/gallery/manifests/")

with DAG(
    dag_id="tencent_gallery_sync",
    description="Keep a Tencent Cloud Image Search gallery equal to a storage prefix",
    schedule=[INGEST_MANIFESTS],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["tencentcloud", "image-search", "example"],
    doc_md=__doc__,
    params={
        "source_prefix": Param(
            f"cos://{BUCKET}/gallery/incoming/",
            type="string",
            title="Source prefix",
            description="Folder (cos://, s3:// or file://) whose PNG/JPG/BMP pictures the gallery must hold.",
        ),
        "manifest_path": Param(
            f"cos://{BUCKET}/gallery/sync/manifest.json",
            type="string",
            title="Sync manifest",
            description="The sync's state: what it manages, the last plan and its outcome.",
        ),
        "group_id": Param(GROUP_ID, type="string", title="Gallery (GroupId)", minLength=1),
        "dry_run": Param(False, type="boolean", title="Dry run", description="Report the plan; change nothing."),
        "max_deletions": Param(
            0.2,
            type="number",
            minimum=0,
            title="Most deletions",
            description=(
                "Refuse a run that deletes more than this among the pictures the sync manages: an integer is a "
                "count (1 = one picture), a number under 1 a share (0.2 = a fifth); 1.0 is refused as ambiguous."
            ),
        ),
        "allow_empty": Param(
            False,
            type="boolean",
            title="Allow an empty source",
            description="Accept a source prefix that lists no picture (else refused: it may be a typo).",
        ),
    },
) as dag:
    # [START howto_operator_sync_gallery]
    ImageSearchSyncGalleryOperator(
        task_id="sync_gallery",
        tencentcloud_conn_id=CONN_ID,
        group_id="{{ params.group_id }}",
        source_prefix="{{ params.source_prefix }}",
        manifest_path="{{ params.manifest_path }}",
        custom_content="synced by {{ dag.dag_id }}",
        dry_run="{{ params.dry_run }}",
        max_deletions="{{ params.max_deletions }}",
        allow_empty="{{ params.allow_empty }}",
    )
    # [END howto_operator_sync_gallery]
