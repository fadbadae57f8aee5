"""The docs' code samples run: the batch subjects test DAG end to end, with OpenLineage switched on.

``airflow dags test`` (SQLite) against the emulator and local S3, the OpenLineage provider's listener
writing its events to a file: the task's COMPLETE event must carry the pictures it read, the
subjects it created and the RequestIds the emulator answered.
"""

from __future__ import annotations

import json

import pytest
from conftest import put_object
from test_dags_e2e import REPO, assert_no_secrets, canary, env_for  # noqa: F401 - canary is a fixture

from airflow_provider_tencent.testing.images import make_image

pytest.importorskip("airflow.providers.openlineage", reason="the dev extra installs the OpenLineage provider")


@pytest.mark.e2e
@pytest.mark.timeout(600)
def test_batch_subjects_dag_reports_lineage(canary, tmp_path):  # noqa: F811
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
