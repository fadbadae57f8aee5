"""A second Airflow DAG syncing the same gallery as ``tencent_gallery_sync``, for the concurrent-sync check.

``tencent_gallery_sync`` allows one active run, so two runs of it never overlap. This file reads that example
DAG's own source, renames it ``cluster_sync_twin`` and lets two runs be active at once: two syncs of one gallery
started together, as two deployments (or a copy-pasted DAG) would. Nothing else changes.
"""

from __future__ import annotations

import os
from pathlib import Path

_SOURCE = Path(os.environ["CLUSTER_EXAMPLE_DAGS"]) / "tencent_gallery_sync.py"
_CODE = _SOURCE.read_text().replace('dag_id="tencent_gallery_sync"', 'dag_id="cluster_sync_twin"')
_CODE = _CODE.replace("max_active_runs=1", "max_active_runs=2").replace("schedule=[INGEST_MANIFESTS]", "schedule=None")
exec(compile(_CODE, str(_SOURCE), "exec"))  # the repository's own example DAG
