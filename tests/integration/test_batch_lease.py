"""A checkpoint on object storage shared by workers whose clocks disagree never makes the provider pay twice
(issue 18): the lease is taken and renewed with the store's conditional writes and judged on the store's
clock, and the journal's parts are ordered by a counter taken under the lease - never by a worker's clock.

Workers with a skewed clock run in their own process, whose ``time.time`` is shifted (what a node whose
clock is ahead sees); the emulator and the S3 server keep the true time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter

import pytest
from conftest import upload_subjects

from airflow_provider_tencent.batch import checkpoint
from airflow_provider_tencent.batch.checkpoint import Journal
from airflow_provider_tencent.exceptions import TencentCloudCheckpointError
from airflow_provider_tencent.operators.vod import VodCreateAigcElementBatchOperator

WORKER = textwrap.dedent(
    """
    import json, sys, time
    from airflow_provider_tencent.operators.vod import VodCreateAigcElementBatchOperator
    skew = float(sys.argv[3])
    real_time, real_time_ns = time.time, time.time_ns
    time.time = lambda: real_time() + skew  # this node's clock is ahead
    time.time_ns = lambda: real_time_ns() + int(skew * 1e9)
    class TI:
        def xcom_push(self, key, value):
            pass
    kwargs = json.loads(sys.argv[2])
    try:
        op = VodCreateAigcElementBatchOperator(task_id="els", items=json.loads(sys.argv[1]), **kwargs)
        out = op.execute({"ti": TI()})
    except Exception as exc:
        out = {"error": type(exc).__name__, "message": str(exc)}
    print(json.dumps(out))
    """
)


def start_worker(items, skew, **kwargs):
    """A worker process whose clock is ``skew`` seconds ahead, running the subject batch."""
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, json.dumps(items), json.dumps(kwargs), str(skew)],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        text=True,
    )


def outcome(proc):
    out, _ = proc.communicate(timeout=120)
    return json.loads(out.strip().splitlines()[-1])


def created_per_name(emulator):
    return Counter(e["ElementName"] for e in emulator.elements())


def lease_exists(bucket, folder):
    from airflow_provider_tencent.fs.storage import to_storage_path

    return to_storage_path(f"cos://{bucket}/{folder}/{checkpoint.LEASE_NAME}", "tencentcloud_default").exists()


@pytest.mark.timeout(180)
def test_a_worker_whose_clock_is_90_s_ahead_does_not_take_over_a_live_lease(provider, context):
    """The holder's lease is fresh; a worker 90 s ahead once judged it expired (its own clock past the
    holder's written expiry) and sent everything again: 29 subjects for 20."""
    # 40 subjects at 2/s keep the lease live for about 20 s: long enough for the second worker's process to
    # start and try, however loaded the machine (a holder done first would leave nothing to refuse)
    count = 40
    items = upload_subjects(provider.bucket, count, name="s")
    location = f"cos://{provider.bucket}/ckpt/skew90"
    provider.emulator.inject("latency", action="CreateAigcCustomElement", delay=0.3)
    results: list[object] = []

    def holder() -> None:
        op = VodCreateAigcElementBatchOperator(task_id="els", items=items, checkpoint_path=location, max_qps=2)
        results.append(op.execute(context))

    first = threading.Thread(target=holder)
    first.start()
    deadline = time.monotonic() + 30
    while not lease_exists(provider.bucket, "ckpt/skew90") and time.monotonic() < deadline:
        time.sleep(0.05)
    ahead = outcome(start_worker(items, 90, checkpoint_path=location, max_qps=5))
    first.join(120)
    made = created_per_name(provider.emulator)
    assert made == Counter({f"s{i}": 1 for i in range(count)}), f"{sum(made.values())} subjects for {count}"
    assert ahead.get("error") == "TencentCloudCheckpointError" and "in use by worker" in ahead["message"], ahead
    assert results and results[0]["created"] == count


@pytest.mark.timeout(180)
def test_a_worker_stalled_between_reading_and_taking_over_an_expired_lease_does_not_steal_it(
    provider, context, monkeypatch
):
    """Two workers find a dead worker's expired lease; one stalls 1 s after reading it. It once deleted the
    other's fresh lease and ran too (38 subjects for 20); the store now refuses its stale takeover."""
    items = upload_subjects(provider.bucket, 20, name="s")
    location = f"cos://{provider.bucket}/ckpt/stall"
    dead = Journal(location, conn_id="tencentcloud_default", lease_ttl=2).start()
    dead._lease_stop.set()  # the worker dies without releasing its lease
    dead._lease_thread.join()
    time.sleep(4.2)  # expired by every clock, the store's included
    provider.emulator.inject("latency", action="CreateAigcCustomElement", delay=0.3)
    real_read = Journal._read_lease
    stalled = threading.Event()

    def read_then_stall(self):
        lease = real_read(self)
        if threading.current_thread().name == "stalled" and not stalled.is_set():
            stalled.set()
            time.sleep(1.0)  # the worker pauses between reading the lease and acting on it
        return lease

    monkeypatch.setattr(Journal, "_read_lease", read_then_stall)
    outcomes: list[object] = []

    def run() -> None:
        try:
            op = VodCreateAigcElementBatchOperator(task_id="els", items=items, checkpoint_path=location, max_qps=5)
            outcomes.append(op.execute({"ti": context["ti"]}))
        except Exception as exc:
            outcomes.append(exc)

    slow = threading.Thread(target=run, name="stalled")
    slow.start()
    assert stalled.wait(30)
    fast = threading.Thread(target=run, name="prompt")
    fast.start()
    slow.join(120)
    fast.join(120)
    refused = [o for o in outcomes if isinstance(o, TencentCloudCheckpointError)]
    done = [o for o in outcomes if isinstance(o, dict)]
    made = created_per_name(provider.emulator)
    assert made == Counter({f"s{i}": 1 for i in range(20)}), f"{sum(made.values())} subjects for 20"
    assert len(refused) == 1 and len(done) == 1, outcomes


@pytest.mark.timeout(180)
def test_a_try_on_a_node_600_s_ahead_does_not_make_a_later_try_send_again(provider, context):
    """Try 1 runs on a node 600 s ahead and records s0 as failed (its picture is missing); try 2 creates
    it. Parts named by their writer's clock put try 1's "failed" after try 2's "done", and try 3 sent s0
    again ({'s0': 2}); ordered by the lease's generation, try 3 finds it done."""
    items = upload_subjects(provider.bucket, 2, name="s")
    location = f"cos://{provider.bucket}/ckpt/skew600"
    broken = [dict(items[0], element_frontal_image=f"cos://{provider.bucket}/missing/front.png"), items[1]]
    first = outcome(start_worker(broken, 600, checkpoint_path=location))
    assert first.get("error") == "TencentCloudBatchError", first
    states = {k: r["state"] for k, r in Journal(location, conn_id="tencentcloud_default").load().items()}
    assert states["s0"] == "failed"
    second = VodCreateAigcElementBatchOperator(task_id="els", items=items, checkpoint_path=location).execute(context)
    assert second["created"] >= 1
    third = VodCreateAigcElementBatchOperator(task_id="els", items=items, checkpoint_path=location).execute(context)
    assert created_per_name(provider.emulator) == Counter({"s0": 1, "s1": 1})
    assert (third["created"], third["exists"]) == (0, 2)


def test_a_store_that_ignores_conditional_writes_is_refused(provider, monkeypatch):
    """Without If-None-Match / If-Match honoured, a lease excludes nobody: the checkpoint is refused."""
    from airflow_provider_tencent.fs import conditional

    def unconditional(path, data, etag):
        return conditional._put(path, data)

    monkeypatch.setattr(conditional, "put_if_match", unconditional)
    with pytest.raises(TencentCloudCheckpointError, match="ignores If-Match"):
        Journal(f"cos://{provider.bucket}/ckpt/plain/", conn_id="tencentcloud_default").start()


def test_a_holder_whose_lease_lapsed_sends_nothing_more(provider):
    """A holder that could not renew for most of its TTL (stalled, or the store down) stops before sending."""
    journal = Journal(f"cos://{provider.bucket}/ckpt/lapsed/", conn_id="tencentcloud_default").start()
    try:
        journal.record({"key": "a", "state": "sending"}, durable=True)
        journal._lease_valid_until = time.monotonic() - 1  # as after a long stall
        with pytest.raises(TencentCloudCheckpointError, match="not renewed in time"):
            journal.record({"key": "b", "state": "sending"}, durable=True)
    finally:
        journal.close()
    assert set(Journal(f"cos://{provider.bucket}/ckpt/lapsed/", conn_id="tencentcloud_default").load()) == {"a"}
