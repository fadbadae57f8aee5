"""End to end: the example DAG ``tencent_gallery_sync`` under ``airflow dags test`` (SQLite), against the
emulator and the local S3 server, while the storage prefix changes between runs."""

from __future__ import annotations

import json

import pytest
from conftest import put_object
from test_dags_e2e import airflow_home, assert_no_secrets, canary, env_for, read  # noqa: F401 - fixtures

from airflow_provider_tencent.testing.images import make_image

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]  # `airflow dags test` runs


def gallery(provider) -> dict[str, str]:
    return {p["EntityId"]: p["PicName"] for p in provider.emulator.images("g1")}


def changes(provider) -> list[int]:
    counters = provider.emulator.counters()
    return [sum(counters.get(a, {}).values()) for a in ("CreateImage", "DeleteImages", "UpdateImage")]


def test_gallery_sync_dag_follows_storage(canary, airflow_home):  # noqa: F811 - fixtures
    provider = canary
    for i in range(4):
        put_object(provider.bucket, f"gallery/incoming/product-{i}.png", make_image(320, 240, "png", seed=i))
    airflow = env_for(provider, airflow_home)
    ingest = airflow.dags_test("tencent_gallery_ingest", "2026-04-01")
    assert ingest.state == "success", ingest.output[-5000:]
    ingested = gallery(provider)
    assert len(ingested) == 4

    # first sync: what the ingest DAG created is adopted, nothing created twice
    first = airflow.dags_test("tencent_gallery_sync", "2026-04-01")
    assert first.state == "success", first.output[-5000:]
    assert_no_secrets(airflow, first)
    out = airflow.xcom("tencent_gallery_sync", first.run_id, "sync_gallery")[-1]
    assert out["outcome"]["adopted"] == 4 and out["outcome"]["created"] == 0
    assert gallery(provider) == ingested

    # storage changes: one added, one replaced, one removed
    from airflow_provider_tencent.fs.storage import to_storage_path

    put_object(provider.bucket, "gallery/incoming/product-4.png", make_image(320, 240, "png", seed=4))
    put_object(provider.bucket, "gallery/incoming/product-1.png", make_image(320, 240, "png", seed=41))
    to_storage_path(f"cos://{provider.bucket}/gallery/incoming/product-2.png", "tencentcloud_default").unlink()

    manifest_uri = f"cos://{provider.bucket}/gallery/sync/manifest.json"
    manifest_before = read(manifest_uri)
    sent = changes(provider)
    dry = airflow.dags_test("tencent_gallery_sync", "2026-04-02", conf={"dry_run": True, "max_deletions": 0.5})
    assert dry.state == "success", dry.output[-5000:]
    plan = airflow.xcom("tencent_gallery_sync", dry.run_id, "sync_gallery")[-1]
    assert plan["dry_run"] is True
    assert {k: plan["plan"][k] for k in ("create", "replace", "delete")} == {"create": 1, "replace": 1, "delete": 1}
    assert changes(provider) == sent and gallery(provider) == ingested and read(manifest_uri) == manifest_before

    real = airflow.dags_test("tencent_gallery_sync", "2026-04-03", conf={"max_deletions": 0.5})
    assert real.state == "success", real.output[-5000:]
    assert_no_secrets(airflow, real)
    out = airflow.xcom("tencent_gallery_sync", real.run_id, "sync_gallery")[-1]
    assert out["outcome"] == {"created": 1, "adopted": 0, "replaced": 1, "deleted": 1, "failed": 0}
    now = gallery(provider)
    assert set(now) == {"product-0", "product-1", "product-3", "product-4"}
    assert now["product-0"] == ingested["product-0"] and now["product-1"] != ingested["product-1"]
    state = json.loads(read(manifest_uri))
    assert state["outcome"]["replaced"] == 1 and len(state["pictures"]) == 4

    # a wrong prefix lists nothing: refused, nothing deleted
    guarded = airflow.dags_test(
        "tencent_gallery_sync", "2026-04-04", conf={"source_prefix": f"cos://{provider.bucket}/gallery/typo/"}
    )
    assert guarded.state == "failed"
    assert "gallery/typo lists no picture" in guarded.output
    assert gallery(provider) == now
    # allowed empty: the guard (default 0.2 of the 4 pictures the sync manages) still stops it
    emptied = airflow.dags_test(
        "tencent_gallery_sync",
        "2026-04-05",
        conf={"source_prefix": f"cos://{provider.bucket}/gallery/typo/", "allow_empty": True},
    )
    assert emptied.state == "failed"
    assert "SyncGallery refused: the plan deletes 4 of the 4 pictures this sync manages" in emptied.output
    assert gallery(provider) == now
