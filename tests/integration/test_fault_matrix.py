"""What the cloud does to a batch, and the end state the emulator records afterwards.

Every picture ends exactly once in the gallery or is reported failed with its reason; every
subject's ElementId is returned, or the subject is reported as possibly created (the only
duplicate risk the API leaves, which is then named, not hidden).
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import put_object

from airflow_provider_tencent.exceptions import TencentCloudBatchError
from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator
from airflow_provider_tencent.operators.vod import VodCreateAigcElementBatchOperator
from airflow_provider_tencent.testing.images import make_image

N = 24


def picture_items(n=N):
    return [
        {
            "key": f"k{i:02d}",
            "entity_id": f"e{i // 8}",
            "pic_name": f"p{i:02d}",
            "image_base64": base64.b64encode(make_image(48, 48, "png", seed=i)).decode(),
        }
        for i in range(n)
    ]


def assert_exactly_once(emulator, failures, n=N):
    """No PicName stored twice; every item stored or reported failed.

    A request that timed out may still be committed by the service after the batch reported it
    (a "commit then hang" that outlives every retry): such an item counts once, and the re-run
    that follows confirms it.
    """
    stored = [p["PicName"] for p in emulator.images("g1")]
    assert len(stored) == len(set(stored)), "a picture was stored twice"
    failed = {f"p{k[1:]}" for k in failures}
    assert len(set(stored) | failed) == n, (len(stored), failed)


FAULTS = [
    ("throttle", {"probability": 0.3}),
    ("inner_error", {"probability": 0.2}),
    ("http_5xx", {"probability": 0.2}),
    ("reset", {"probability": 0.2}),
    ("latency", {"probability": 0.3, "delay": 3.0}),  # slower than the 1.5 s read timeout
    ("commit_then_hang", {"probability": 0.2, "delay": 3.0}),
]


@pytest.mark.parametrize(("kind", "how"), FAULTS, ids=[f[0] for f in FAULTS])
def test_picture_batch_survives(provider, context, tmp_path, kind, how):
    provider.emulator.inject(kind, action="CreateImage", **how)
    op = ImageSearchCreateImageBatchOperator(
        task_id="b", group_id="g1", items=picture_items(), max_qps=40, checkpoint_path=str(tmp_path / "c.jsonl")
    )
    try:
        summary = op.execute(context)
        failures = summary["failures"]
    except TencentCloudBatchError as err:
        failures = err.failures
    assert_exactly_once(provider.emulator, failures)
    assert not failures or kind in ("latency", "http_5xx", "reset", "inner_error")
    provider.emulator.clear_faults()
    # a re-run finishes whatever failed, and still duplicates nothing
    summary = ImageSearchCreateImageBatchOperator(
        task_id="b", group_id="g1", items=picture_items(), max_qps=40, checkpoint_path=str(tmp_path / "c.jsonl")
    ).execute(context)
    assert summary["failed"] == 0
    assert_exactly_once(provider.emulator, {})


def subject_items(bucket, n=8):
    frontal = put_object(bucket, "subj/front.png", make_image(400, 500, "png", seed=1))
    ref = put_object(bucket, "subj/side.png", make_image(500, 400, "png", seed=2))
    return [
        {
            "key": f"s{i}",
            "element_name": f"subject-{i}",
            "element_description": "d",
            "element_frontal_image": frontal,
            "element_refer_list": [ref],
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("kind", ["throttle", "reset", "commit_then_hang", "inner_error"])
def test_subject_batch_reports_every_subject(provider, context, tmp_path, kind):
    items = subject_items(provider.bucket)
    provider.emulator.inject(kind, action="CreateAigcCustomElement", probability=0.3, delay=3.0)
    op = VodCreateAigcElementBatchOperator(
        task_id="s", items=items, max_qps=40, checkpoint_path=str(tmp_path / "v.jsonl")
    )
    try:
        summary = op.execute(context)
        ids, failures = summary["element_ids"], summary["failures"]
    except TencentCloudBatchError as err:
        failures = err.failures
        ids = {}
        lines = (tmp_path / "v.jsonl").read_text().splitlines()
        for record in map(json.loads, lines):
            if record.get("state") == "done":
                ids[record["key"]] = record["ElementId"]
    created = {e["ElementName"]: e["ElementId"] for e in provider.emulator.elements()}
    names = [e["ElementName"] for e in provider.emulator.elements()]
    assert len(names) == len(set(names)), "a subject was created twice"
    assert set(ids) | set(failures) == {i["key"] for i in items} and not set(ids) & set(failures)
    for key, element_id in ids.items():
        assert created[f"subject-{key[1:]}"] == element_id
    for reason in failures.values():
        assert kind != "throttle", reason
        assert "may have been created" in reason


def test_credentials_expire_mid_batch(provider, context, tmp_path, monkeypatch):
    provider.emulator.sts_lifetime_override = 3
    conn = dict(provider.conn, extra={**provider.extra, "role_arn": "qcs::cam::uin/100000000001:roleName/batch"})
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(conn))
    op = ImageSearchCreateImageBatchOperator(
        task_id="b", group_id="g1", items=picture_items(40), max_qps=8, checkpoint_path=str(tmp_path / "c.jsonl")
    )
    summary = op.execute(context)
    assert summary["created"] == 40 and summary["failed"] == 0
    assert provider.emulator.counters()["AssumeRole"]["ok"] >= 2  # refreshed before expiry, mid-batch
    assert "AuthFailure.TokenFailure" not in provider.emulator.counters()["CreateImage"]


WORKER = textwrap.dedent(
    """
    import json, sys
    from airflow_provider_tencent.operators.{module} import {cls}
    class TI:
        def xcom_push(self, key, value):
            pass
    op = {cls}(task_id="w", {args}, items=json.load(open(sys.argv[1])), max_qps=20,
               checkpoint_path=sys.argv[2])
    print(json.dumps(op.execute({{"ti": TI()}})))
    """
)


def run_and_kill(tmp_path, module, cls, args, items, when):
    """Run the batch in a worker process and SIGKILL it as soon as ``when()`` is true (mid-batch)."""
    (tmp_path / "items.json").write_text(json.dumps(items))
    code = WORKER.format(module=module, cls=cls, args=args)
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "items.json"), str(tmp_path / "ckpt.jsonl")],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not when() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the worker ended before it could be killed mid-batch"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return proc.returncode


def test_worker_killed_mid_picture_batch_then_retry(provider, context, tmp_path):
    provider.emulator.inject("latency", action="CreateImage", probability=1.0, delay=0.5)
    items = picture_items(60)
    stored = provider.emulator.images
    code = run_and_kill(
        tmp_path,
        "image_search",
        "ImageSearchCreateImageBatchOperator",
        'group_id="g1"',
        items,
        lambda: len(stored("g1")) >= 15,
    )
    assert code == -signal.SIGKILL
    half_done = len(provider.emulator.images("g1"))
    assert 0 < half_done < 60
    provider.emulator.clear_faults()
    summary = ImageSearchCreateImageBatchOperator(
        task_id="w", group_id="g1", items=items, max_qps=20, checkpoint_path=str(tmp_path / "ckpt.jsonl")
    ).execute(context)
    assert summary["failed"] == 0 and summary["created"] + summary["exists"] == 60
    assert_exactly_once(provider.emulator, {}, n=60)


def test_worker_killed_mid_subject_batch_then_retry(provider, context, tmp_path):
    items = subject_items(provider.bucket, n=40)
    provider.emulator.inject("latency", action="CreateAigcCustomElement", probability=1.0, delay=0.8)
    created = provider.emulator.elements
    code = run_and_kill(
        tmp_path, "vod", "VodCreateAigcElementBatchOperator", "max_failures=0", items, lambda: len(created()) >= 8
    )
    assert code == -signal.SIGKILL
    provider.emulator.clear_faults()
    op = VodCreateAigcElementBatchOperator(
        task_id="w", items=items, max_qps=20, checkpoint_path=str(tmp_path / "ckpt.jsonl")
    )
    with pytest.raises(TencentCloudBatchError) as err:
        op.execute(context)  # the subjects in flight at the kill are named, not silently re-created
    ambiguous = set(err.value.failures)
    assert ambiguous and all("may exist" in r for r in err.value.failures.values())
    names = [e["ElementName"] for e in provider.emulator.elements()]
    assert len(names) == len(set(names)), "no subject created twice"
    done = {f"s{n.split('-')[1]}" for n in names}
    assert {i["key"] for i in items} - done <= ambiguous
