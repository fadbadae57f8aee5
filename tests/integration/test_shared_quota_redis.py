"""The shared quota limiter against a real ``redis-server`` (started here on a free port, no persistence).

Runs when ``redis-server`` is on ``PATH`` and the ``redis`` client is installed (``make setup`` installs it);
otherwise it skips with the reason, unless ``TENCENT_REQUIRE_REDIS=1``, which turns the skip into a failure:
``ci/cluster/run.sh`` (which installs redis-server first) runs this file so, so CI never skips it silently.
"""

from __future__ import annotations

import base64
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import RecordingTI

from airflow_provider_tencent.batch.shared_quota import SharedQuota, account_key, redis_client
from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator
from airflow_provider_tencent.testing.images import make_image
from airflow_provider_tencent.testing.redis_server import RedisServer, redis_server_path

pytestmark = pytest.mark.server
ENV = "AIRFLOW__TENCENTCLOUD__SHARED_QUOTA_REDIS_URL"


def _missing() -> str | None:
    if redis_server_path() is None:
        return "redis-server is not on PATH"
    try:
        import redis  # noqa: F401
    except ImportError:
        return "the redis client is not installed (pip install 'airflow-provider-tencent[redis]')"
    return None


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    missing = _missing()
    if missing is not None:
        if os.environ.get("TENCENT_REQUIRE_REDIS") == "1":
            pytest.fail(f"TENCENT_REQUIRE_REDIS=1 but {missing}")
        pytest.skip(missing)
    with RedisServer() as server:
        yield server.url


def test_no_more_than_the_limit_is_admitted_in_any_window(redis_url):
    """Two limiters (two clients, as two workers) with 4 threads each ask for 25 slots of a 5/s quota: the
    n-th admission after any one comes at least the window (1.02 s) later, less a little scheduling jitter."""
    key = f"test:{time.time_ns()}"
    quotas = [SharedQuota(redis_client(redis_url), key, 5.0) for _ in range(2)]
    admitted: list[float] = []
    lock = threading.Lock()

    def ask(quota: SharedQuota, times: int) -> None:
        for _ in range(times):
            quota.acquire()
            with lock:
                admitted.append(time.monotonic())

    threads = [threading.Thread(target=ask, args=(quotas[i % 2], 3 + (i < 1))) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    admitted.sort()
    assert len(admitted) == 25
    gaps = [admitted[i + 5] - admitted[i] for i in range(len(admitted) - 5)]
    assert min(gaps) > 1.02 - 0.05, gaps
    assert sum(q.waits for q in quotas) > 0 and not any(q.outages for q in quotas)


def _items(task: int, count: int) -> list[dict[str, Any]]:
    good = base64.b64encode(make_image(48, 48, "png", seed=task)).decode()
    return [
        {"key": f"t{task}-{i}", "entity_id": f"t{task}-e{i // 8}", "pic_name": f"t{task}-p{i}", "image_base64": good}
        for i in range(count)
    ]


@pytest.mark.timeout(120)
def test_two_batch_tasks_of_one_account_share_its_quota(redis_url, provider, tmp_path, monkeypatch):
    """Two CreateImage batches, each pacing at the whole 10/s quota, at once: through the shared limiter the
    emulator throttles at most 2 % of their requests (without it: 26 %, benchmarks/README.md), and Redis holds
    the account only as a hash."""
    monkeypatch.setenv(ENV, redis_url)
    summaries: list[dict[str, Any]] = []

    def run(task: int) -> None:
        op = ImageSearchCreateImageBatchOperator(
            task_id=f"t{task}", group_id="g1", items=_items(task, 40), checkpoint_path=str(tmp_path / f"{task}.jsonl")
        )
        summaries.append(op.execute({"ti": RecordingTI()}))

    threads = [threading.Thread(target=run, args=(task,)) for task in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=100)
    answers = provider.emulator.counters()["CreateImage"]
    throttled, sent = answers.get("RequestLimitExceeded", 0), sum(answers.values())
    assert sorted(s["created"] for s in summaries) == [40, 40]
    assert throttled <= 0.02 * sent, answers
    keys = [k.decode() for k in redis_client(redis_url).keys("tencentcloud:quota:*")]
    secret_id = provider.conn["login"]
    assert len(keys) == 1 and keys[0].endswith(":tiia:CreateImage"), keys
    assert secret_id not in keys[0] and account_key(secret_id, "r", "s", "a").split(":")[2] in keys[0]


@pytest.mark.timeout(60)
def test_an_unreachable_redis_never_stalls_a_batch(provider, tmp_path, monkeypatch, capfd):
    """The setting names a Redis that is not there: the batch runs on its own limiter, with a warning."""
    pytest.importorskip("redis")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    monkeypatch.setenv(ENV, url)
    op = ImageSearchCreateImageBatchOperator(
        task_id="t", group_id="g1", items=_items(9, 20), checkpoint_path=str(tmp_path / "c.jsonl")
    )
    summary = op.execute({"ti": RecordingTI()})
    assert summary["created"] == 20
    out = "".join(capfd.readouterr())
    assert "Redis failed (ConnectionError)" in out and "own limiter alone" in out
