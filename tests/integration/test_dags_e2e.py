"""End to end: real ``airflow dags test`` runs (SQLite) against the emulator and the local S3 server.

The manifests and ElementId files the DAGs write are read back from storage and checked against
the emulator's own record of what was created.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import put_object

from airflow_provider_tencent.testing.images import make_image
from dev.dag_runner import AirflowEnv, find_leaks

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e  # `airflow dags test` runs: the version matrix runs one of them on Airflow 3.1 / 3.2
# Recognisable secrets: after every run they must appear nowhere.
CANARY_ID = "AKIDCANARY0000000000000000000000000"
CANARY_KEY = "CanarySecretKey-MustNeverLeak-9d3b"
CANARY_TOKEN = "CanarySessionToken-MustNeverLeak-51e0"


@pytest.fixture
def canary(provider, monkeypatch):
    """The provider fixture, with a recognisable SecretKey and session token in the connection."""
    provider.emulator.add_credential(CANARY_ID, CANARY_KEY, token=CANARY_TOKEN)
    provider.conn = {
        **provider.conn,
        "login": CANARY_ID,
        "password": CANARY_KEY,
        "extra": {**provider.extra, "token": CANARY_TOKEN},
    }
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(provider.conn))
    return provider


def assert_no_secrets(airflow, run):
    """Nothing secret in the run's output, task logs, XComs or rendered templates."""
    texts = airflow.run_texts(run)
    assert len(texts) > 3 and any(where.startswith("xcom") for where in texts)
    assert any(where.startswith("rendered") for where in texts)
    assert find_leaks(texts, [CANARY_KEY, CANARY_TOKEN]) == []


def test_leak_finder_finds_secrets_and_signatures():
    """The check above can fail: it sees a secret, and a presigned URL's signature, wherever they are."""
    url = "https://b-125.cos.ap-guangzhou.myqcloud.com/k.png?X-Amz-Signature=" + "ab12" * 16
    texts = {"log a": f"token {CANARY_TOKEN} here", "xcom b": url, "rendered c": "nothing"}
    assert find_leaks(texts, [CANARY_KEY, CANARY_TOKEN]) == [
        "Cana... in log a",
        "a presigned-URL X-Amz-Signature in xcom b",
    ]


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory):
    return tmp_path_factory.mktemp("airflow_home")


def env_for(provider, home, dags_folder=None):
    return AirflowEnv(
        home,
        dags_folder=dags_folder,
        env={
            "AIRFLOW_CONN_TENCENTCLOUD_DEFAULT": json.dumps(provider.conn),
            "TENCENT_GALLERY_BUCKET": provider.bucket,
            "TENCENT_AIGC_BUCKET": provider.bucket,
            "TENCENT_GALLERY_GROUP_ID": "g1",
            "TENCENT_TEST_BUCKET": provider.bucket,
        },
    )


def read(uri: str) -> str:
    from airflow_provider_tencent.fs.storage import to_storage_path

    return to_storage_path(uri, "tencentcloud_default").read_text()


def test_single_operators_dag_pushes_results_through_xcom(canary, airflow_home):
    provider = canary
    put_object(provider.bucket, "single/picture.png", make_image(300, 200, "png", seed=1))
    put_object(provider.bucket, "single/front.png", make_image(400, 600, "png", seed=2))
    put_object(provider.bucket, "single/side.png", make_image(600, 400, "png", seed=3))
    airflow = env_for(provider, airflow_home, REPO / "tests" / "dags")
    run = airflow.dags_test("single_operators", "2026-03-04")
    assert run.state == "success", run.output[-5000:]
    image = airflow.xcom("single_operators", run.run_id, "create_image")[-1]
    assert image["status"] == "created" and image["PicName"] == "pic-20260304" and image["RequestId"]
    element_id = airflow.xcom("single_operators", run.run_id, "create_element")[-1]
    request_id = airflow.xcom("single_operators", run.run_id, "create_element", "request_id")[-1]
    assert [e["ElementId"] for e in provider.emulator.elements()] == [element_id]
    assert request_id == provider.emulator.elements()[0]["RequestId"]
    assert airflow.xcom("single_operators", run.run_id, "use_element_id")[-1] == {"element_id": element_id}
    stored = provider.emulator.images("g1")
    assert [(p["EntityId"], p["PicName"]) for p in stored] == [("single_operators", "pic-20260304")]
    assert_no_secrets(airflow, run)


def test_example_dags_end_to_end(canary, airflow_home):
    provider = canary
    for i in range(7):
        put_object(provider.bucket, f"gallery/incoming/product-{i}.png", make_image(320, 240, "png", seed=i))
    for subject in ("mug", "lamp"):
        for v, view in enumerate(("front", "left", "back")):
            put_object(provider.bucket, f"aigc/subjects/{subject}/{view}.png", make_image(400, 500, "png", seed=v))
    airflow = env_for(provider, airflow_home)

    ingest = airflow.dags_test("tencent_gallery_ingest", "2026-02-01")
    assert ingest.state == "success", ingest.output[-5000:]
    assert_no_secrets(airflow, ingest)
    manifest_uri = f"cos://{provider.bucket}/gallery/manifests/20260201/manifest.jsonl"
    manifest = [json.loads(line) for line in read(manifest_uri).splitlines()]
    stored = {(p["EntityId"], p["PicName"]) for p in provider.emulator.images("g1")}
    assert len(manifest) == 7 and {r["status"] for r in manifest} == {"created"}
    assert {(r["EntityId"], r["PicName"]) for r in manifest} == stored
    assert all(r["RequestId"] for r in manifest)

    again = airflow.dags_test("tencent_gallery_ingest", "2026-02-01")  # same interval: nothing twice
    assert again.state == "success", again.output[-5000:]
    assert_no_secrets(airflow, again)
    assert len(provider.emulator.images("g1")) == 7
    assert {json.loads(x)["status"] for x in read(manifest_uri).splitlines()} == {"exists"}

    subjects = airflow.dags_test("tencent_aigc_subjects", conf={"description": "end to end"})
    assert subjects.state == "success", subjects.output[-5000:]
    ids = json.loads(read(f"cos://{provider.bucket}/aigc/element_ids.json"))
    created = {e["ElementName"]: e["ElementId"] for e in provider.emulator.elements()}
    assert ids == created and set(ids) == {"lamp", "mug"}
    published = airflow.xcom("tencent_aigc_subjects", subjects.run_id, "publish_element_ids")[-1]
    assert published == ids
    mapped = airflow.xcom("tencent_aigc_subjects", subjects.run_id, "create_subject")
    assert sorted(mapped.values()) == sorted(ids.values())
    assert_no_secrets(airflow, subjects)


def test_failing_run_leaks_nothing_in_its_error(canary, airflow_home):
    """A wrong SecretKey: the task fails with AuthFailure, and its error text holds no secret."""
    provider = canary
    put_object(provider.bucket, "single/picture.png", make_image(300, 200, "png", seed=1))
    airflow = env_for(provider, airflow_home, REPO / "tests" / "dags")
    wrong = {**provider.conn, "password": CANARY_KEY[::-1]}
    airflow.extra_env["AIRFLOW_CONN_TENCENTCLOUD_DEFAULT"] = json.dumps(wrong)
    run = airflow.dags_test("single_operators", "2026-03-05")
    assert run.state == "failed"
    assert "AuthFailure.SignatureFailure" in run.output
    assert CANARY_KEY[::-1] not in run.output and CANARY_TOKEN not in run.output
