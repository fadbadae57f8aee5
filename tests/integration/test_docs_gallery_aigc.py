"""The docs' samples for the gallery and AIGC generation operators run: their test DAGs end to end.

``airflow dags test`` (SQLite) against the emulator (real TC3 signing over HTTP) and the local S3 server;
the results are checked against the emulator's own record and what landed in storage.
"""

from __future__ import annotations

import json

import pytest
from conftest import put_object
from test_dags_e2e import REPO, assert_no_secrets, canary, env_for  # noqa: F401 - canary is a fixture

from airflow_provider_tencent.testing.images import make_image

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(600)
def test_gallery_operators_dag(canary, tmp_path):  # noqa: F811
    provider = canary
    mug = make_image(320, 240, "png", seed=21)
    put_object(provider.bucket, "gallery_ops/catalogue/mug-01.png", mug)
    put_object(provider.bucket, "gallery_ops/catalogue/mug-02.png", make_image(320, 240, "png", seed=22))
    put_object(provider.bucket, "gallery_ops/query.png", mug)
    put_object(provider.bucket, "gallery_ops/queries/a.png", mug)
    put_object(provider.bucket, "gallery_ops/queries/b.png", make_image(320, 240, "png", seed=23))
    airflow = env_for(provider, tmp_path / "home", REPO / "tests" / "dags")
    run = airflow.dags_test("gallery_operators", "2026-03-04")
    assert run.state == "success", run.output[-5000:]

    def xcom(task_id: str):
        return airflow.xcom("gallery_operators", run.run_id, task_id)[-1]

    assert xcom("create_gallery")["status"] == "created"
    [gallery] = [g for g in provider.emulator.groups() if g["GroupId"] == "shop_catalogue"]
    assert gallery["Capacity"] == 100_000
    found = xcom("search_image")
    assert found["Count"] == 1 and found["Matches"][0]["PicName"] == "mug-01-front" and found["RequestId"]
    batch = xcom("search_images")
    assert batch["total"] == 2 and batch["with_matches"] >= 1 and not batch["failures"]
    from test_dags_e2e import read

    lines = [
        json.loads(line) for line in read(f"cos://{provider.bucket}/gallery_ops/results/20260304.jsonl").splitlines()
    ]
    assert {r["key"].rsplit("/", 1)[-1] for r in lines} == {"a.png", "b.png"}
    [query_a] = [r for r in lines if r["key"].endswith("/a.png")]
    assert "mug-01-front" in [m["PicName"] for m in query_a["Matches"]]
    retagged = xcom("retag_picture")
    assert retagged["Tags"] == {"colour": "red", "season": "2026-03-04"}
    assert (xcom("delete_picture")["status"], xcom("delete_picture")["Deleted"]) == ("deleted", 1)
    assert (xcom("delete_entity")["status"], xcom("delete_entity")["PicNames"]) == ("deleted", ["mug-02-front"])
    assert provider.emulator.images("shop_catalogue") == []
    assert provider.emulator.counters()["UpdateImage"]["ok"] == 1
    assert_no_secrets(airflow, run)


@pytest.mark.timeout(600)
def test_aigc_generation_dag(canary, tmp_path):  # noqa: F811
    from airflow_provider_tencent.fs.storage import to_storage_path
    from airflow_provider_tencent.testing.emulator.vod.aigc_rules import file_bytes

    provider = canary
    provider.emulator.aigc_duration = 2.0
    airflow = env_for(provider, tmp_path / "home", REPO / "tests" / "dags")
    airflow.extra_env["TENCENT_AIGC_POLL_SECONDS"] = "0.2"
    run = airflow.dags_test("aigc_generation", "2026-03-04")
    assert run.state == "success", run.output[-5000:]
    image_task, video_task = provider.emulator.aigc_tasks()
    assert (image_task["kind"], video_task["kind"]) == ("AigcImageTask", "AigcVideoTask")
    assert image_task["params"]["OutputConfig"] == {"StorageMode": "Temporary", "AspectRatio": "1:1"}
    assert image_task["polls"] >= 2 and video_task["polls"] >= 2  # both waited, not read once

    pictures = airflow.xcom("aigc_generation", run.run_id, "make_pictures")[-1]
    assert pictures["TaskId"] == image_task["TaskId"] and pictures["Status"] == "FINISH"
    assert pictures["paths"] == [f"cos://{provider.bucket}/aigc_pictures/20260304/{image_task['TaskId']}-1.png"]
    stored = to_storage_path(pictures["paths"][0], "tencentcloud_default").read_bytes()
    assert stored == file_bytes(image_task["TaskId"], "output-1.png")

    waited = airflow.xcom("aigc_generation", run.run_id, "wait_for_video")[-1]
    assert waited["TaskId"] == video_task["TaskId"] and waited["Status"] == "FINISH"
    assert waited["paths"] == [f"cos://{provider.bucket}/aigc_videos/{video_task['TaskId']}-1.mp4"]
    assert run.output.count("[DAG TEST] running trigger in line") >= 2  # both deferred to the trigger
    assert len(provider.emulator.aigc_tasks()) == 2  # the sensor submitted nothing
    assert_no_secrets(airflow, run)
