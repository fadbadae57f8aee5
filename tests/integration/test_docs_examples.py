"""The docs' code samples run: the batch subjects test DAG end to end, with OpenLineage switched on, and the
README's two DAGs as they are printed.

``airflow dags test`` (SQLite) against the emulator and local S3, the OpenLineage provider's listener
writing its events to a file: the task's COMPLETE event must carry the pictures it read, the
subjects it created and the RequestIds the emulator answered. The README's DAGs name the bucket
``examplebucket-1250000000``: it is created in the local S3 server, and their pictures uploaded to it.
"""

from __future__ import annotations

import json

import pytest
from conftest import put_object
from test_dags_e2e import REPO, assert_no_secrets, canary, env_for  # noqa: F401 - canary is a fixture

from airflow_provider_tencent.testing.images import make_image


@pytest.mark.e2e
@pytest.mark.timeout(600)
def test_batch_subjects_dag_reports_lineage(canary, tmp_path):  # noqa: F811
    pytest.importorskip("airflow.providers.openlineage", reason="the dev extra installs the OpenLineage provider")
    provider = canary
    for n, name in enumerate(("mug", "lamp", "chair")):
        put_object(provider.bucket, f"batch/{name}/front.png", make_image(400, 600, "png", seed=n))
        put_object(provider.bucket, f"batch/{name}/side.png", make_image(600, 400, "png", seed=10 + n))
    events_file = tmp_path / "openlineage.jsonl"
    airflow = env_for(provider, tmp_path / "home", REPO / "tests" / "dags")
    airflow.extra_env.update(
        {
            "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
                {"type": "file", "log_file_path": str(events_file), "append": True}
            ),
            "AIRFLOW__OPENLINEAGE__NAMESPACE": "docs-examples",
        }
    )
    run = airflow.dags_test("aigc_elements_batch", "2026-03-04")
    assert run.state == "success", run.output[-5000:]
    element_ids = airflow.xcom("aigc_elements_batch", run.run_id, "element_ids")[-1]
    created = provider.emulator.elements()
    assert sorted(element_ids) == ["chair", "lamp", "mug"]
    assert sorted(element_ids.values()) == sorted(e["ElementId"] for e in created)

    events = [json.loads(line) for line in events_file.read_text().splitlines() if line.strip()]
    [complete] = [e for e in events if e["eventType"] == "COMPLETE" and e["job"]["name"].endswith(".create_subjects")]
    bucket = f"cos://{provider.bucket}"
    assert {(d["namespace"], d["name"]) for d in complete["inputs"]} == {
        (bucket, f"batch/{name}/{side}.png") for name in ("mug", "lamp", "chair") for side in ("front", "side")
    }
    assert sorted((d["namespace"], d["name"]) for d in complete["outputs"]) == sorted(
        ("tencentcloud-vod://ap-guangzhou", e["ElementId"]) for e in created
    )
    facet = complete["run"]["facets"]["tencentcloud"]
    assert facet["action"] == "CreateAigcCustomElement" and facet["items"]["created"] == 3
    assert sorted(facet["requestIds"]) == sorted(e["RequestId"] for e in created)
    assert_no_secrets(airflow, run)
    assert "X-Amz-Signature" not in events_file.read_text()


README_BUCKET = "examplebucket-1250000000"  # the bucket the README's DAGs name


@pytest.mark.e2e
@pytest.mark.timeout(600)
def test_readme_dags_run_against_the_emulator(canary, tmp_path):  # noqa: F811
    """The README's two DAGs (``tests/dags/readme_*.py``), unchanged, under ``airflow dags test``."""
    from airflow_provider_tencent.fs.storage import to_storage_path

    provider = canary
    provider.emulator.aigc_duration = 0.5
    to_storage_path(f"cos://{README_BUCKET}/", "tencentcloud_default").fs.mkdir(README_BUCKET)
    for n in range(3):
        put_object(README_BUCKET, f"shoes/sku-{n}.jpg", make_image(400, 300, "jpeg", seed=n))
    for n, name in enumerate(("mug", "lamp")):
        put_object(README_BUCKET, f"{name}/front.png", make_image(400, 600, "png", seed=n))
        put_object(README_BUCKET, f"{name}/side.png", make_image(600, 400, "png", seed=10 + n))
    airflow = env_for(provider, tmp_path / "home", REPO / "tests" / "dags")

    gallery = airflow.dags_test("readme_gallery", "2026-03-04")
    assert gallery.state == "success", gallery.output[-5000:]
    assert sorted(p["EntityId"] for p in provider.emulator.images("shoes")) == ["sku-0", "sku-1", "sku-2"]
    manifest = read_lines(f"cos://{README_BUCKET}/manifests/shoes.jsonl")
    assert sorted(r["status"] for r in manifest) == ["created"] * 3

    video = airflow.dags_test("readme_video", "2026-03-04")
    assert video.state == "success", video.output[-5000:]
    elements = sorted(e["ElementId"] for e in provider.emulator.elements())
    (task,) = provider.emulator.aigc_tasks()
    assert sorted(s["Id"] for s in task["params"]["SubjectInfos"]) == elements and len(elements) == 2
    result = airflow.xcom("readme_video", video.run_id, "video")[-1]
    assert result["paths"] == [f"cos://{README_BUCKET}/videos/{task['TaskId']}-1.mp4"]
    assert_no_secrets(airflow, video)


def read_lines(uri: str) -> list[dict]:
    from airflow_provider_tencent.fs.storage import to_storage_path

    return [json.loads(line) for line in to_storage_path(uri, "tencentcloud_default").read_text().splitlines()]
