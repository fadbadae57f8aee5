"""One account's quota shared by 1, 2 and 4 batch tasks running at once (``make bench``, issue 22).

Each task is a separate process (as on two Celery workers with two slots each) running a batch operator's
``execute()`` with its own items, all started together against one emulator process (100-300 ms of latency per
call, no injected faults, so every ``RequestLimitExceeded`` is the quota's). For ``CreateImage`` (10/s) and
``CreateAigcCustomElement`` (20/s), two ways of running N tasks:

* ``own quota``: every task paces at the whole quota (the default ``max_qps``) and relies on its adaptive
  backoff when the service throttles;
* ``shares``: every task is given a whole share of the quota as ``max_qps``, the shares adding up to the
  quota (:func:`shares`: 10/s over 4 tasks is 3, 3, 2, 2); an Airflow pool of N slots keeps at most N such tasks
  running. (``quota / N`` = 2.5/s each was measured first: 8.6 % throttled with 4 tasks, see the README.)
* ``shared``: every task paces at the whole quota, and all share the Redis limiter
  (``[tencentcloud] shared_quota_redis_url``, ``batch/shared_quota.py``) of a ``redis-server`` the bench starts;
  without ``redis-server`` on ``PATH`` (or the ``redis`` client) the bench says this mode was not measured.

Figures: the admitted requests per second of all tasks together ÷ the quota (from the first request to the
last, as the emulator saw them), the throttled requests ÷ all requests, lost and duplicates.
Run alone: ``.venv/bin/python benchmarks/bench_shared_quota.py [--quick] [--shared-only]``.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import Ctx, EmulatorProcess, S3Process, picture_pool, report, use_connection

ACTIONS = {"CreateImage": 10.0, "CreateAigcCustomElement": 20.0}
BUCKET = "bench-1250000000"


def _task(
    action: str,
    index: int,
    count: int,
    max_qps: float | None,
    start_at: float,
    folder: str,
    urls: list[str],
    redis_url: str | None = None,
    group: str = "bench",
):
    """One batch task (a child process): waits for ``start_at``, then runs the operator (sharing the quota through
    ``redis_url`` when given); returns its summary."""
    if redis_url:
        os.environ["AIRFLOW__TENCENTCLOUD__SHARED_QUOTA_REDIS_URL"] = redis_url
    checkpoint = str(Path(folder) / f"{action}-{index}.jsonl")
    if action == "CreateImage":
        from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator

        pool = picture_pool(8)
        items = [
            {"key": f"t{index}-{i}", "entity_id": f"t{index}-e{i // 10}", "pic_name": f"t{index}-p{i}"}
            | {"image_base64": pool[i % len(pool)]}
            for i in range(count)
        ]
        op: Any = ImageSearchCreateImageBatchOperator(
            task_id=f"t{index}", group_id=group, items=items, checkpoint_path=checkpoint, max_qps=max_qps
        )
    else:
        from airflow_provider_tencent.operators.vod import VodCreateAigcElementBatchOperator

        items = [
            {
                "key": f"t{index}-{i}",
                "element_name": f"t{index}-subject-{i}",
                "element_description": "bench",
                "element_frontal_image": urls[i % len(urls)],
                "element_refer_list": [urls[(i + 1) % len(urls)]],
            }
            for i in range(count)
        ]
        op = VodCreateAigcElementBatchOperator(
            task_id=f"t{index}", items=items, checkpoint_path=checkpoint, max_qps=max_qps
        )
    time.sleep(max(0.0, start_at - time.time()))
    return op.execute(Ctx())


def shares(quota: float, tasks: int) -> list[float]:
    """Whole requests per second adding up to ``quota`` (10/s over 4 tasks: 3, 3, 2, 2). A limiter at a whole
    rate ``k`` sends at most ``k`` in any 1.02 s, so the tasks together never exceed the quota in any second;
    at 2.5/s each, four limiters can line up 3 + 3 + 3 + 3 requests in one second."""
    base, extra = divmod(int(quota), tasks)
    return [float(base + (1 if i < extra else 0)) for i in range(tasks)]


def measure(
    action: str,
    tasks: int,
    total: int,
    split: bool,
    urls: list[str],
    redis_url: str | None = None,
    group: str = "bench",
) -> dict[str, Any]:
    """``tasks`` processes sharing ``total`` items at once (CreateImage: into gallery ``group``); their summaries."""
    quota = ACTIONS[action]
    with tempfile.TemporaryDirectory() as folder, mp.get_context("spawn").Pool(tasks) as pool:
        start_at = time.time() + 8.0  # every process imported and ready
        qps: list[float | None] = list(shares(quota, tasks)) if split else [None] * tasks
        # with shares, each task's items in proportion to its share: all of them run for the same time
        counts = [round(total * q / quota) if q else total // tasks for q in qps]
        args = [(action, i, counts[i], qps[i], start_at, folder, urls, redis_url, group) for i in range(tasks)]
        summaries = pool.starmap(_task, args)
    return {"summaries": summaries, "quota": quota}


def one_case(action: str, tasks: int, total: int, split: bool, s3_url: str, redis_url: str | None = None) -> None:
    emulator = EmulatorProcess()
    try:
        use_connection(emulator.url, cos_endpoint_url=s3_url)
        urls = [f"cos://{BUCKET}/el/{i}.png" for i in range(4)]
        if action == "CreateImage":
            _create_group(emulator.url)
        result = measure(action, tasks, total, split, urls, redis_url)
        times = emulator.query("request_times", action)
        answers = emulator.query("answers", action)
        names = emulator.query("image_names" if action == "CreateImage" else "element_names", "bench")
        ok = answers.get("ok", 0)
        throttled = answers.get("RequestLimitExceeded", 0)
        sent = sum(answers.values())
        span = times[-1] - times[0] if len(times) > 1 else float("nan")
        failed = sum(s["failed"] for s in result["summaries"])
        mode = f"shares {[int(q) for q in shares(ACTIONS[action], tasks)]}" if split else "own quota"
        mode = "shared Redis limiter" if redis_url else mode
        report(
            f"{action}, {tasks} task(s), {mode}: combined admitted requests/s / quota",
            f"{(ok - 1) / span / result['quota']:.3f}; throttled {throttled}/{sent} = {throttled / sent:.1%}; "
            f"lost {total - len(set(names)) - failed}, duplicates {len(names) - len(set(names))}",
            ">= 0.95 with <= 2 % throttled",
        )
    finally:
        emulator.stop()


def _create_group(url: str) -> None:
    """The gallery ``bench``, through the emulator's control endpoint."""
    import urllib.request

    body = b'{"GroupId": "bench", "GroupName": "bench", "Capacity": 100000}'
    request = urllib.request.Request(f"{url}/_emulator/groups", data=body, method="POST")
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10):
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches (a smoke run)")
    parser.add_argument("--shared-only", action="store_true", help="only the shared Redis limiter's cases")
    args = parser.parse_args(argv)
    run_cases(args.quick, args.shared_only)
    return 0


def run_cases(quick: bool, shared_only: bool = False) -> None:
    """Every case, each reported (``make bench`` calls this)."""
    seconds = 4 if quick else 16  # each case's length at the quota
    s3 = S3Process()
    try:
        s3.create_bucket(BUCKET)
        use_connection("http://127.0.0.1:1", cos_endpoint_url=s3.url)
        from airflow_provider_tencent.fs.storage import to_storage_path
        from airflow_provider_tencent.testing.images import make_image

        for i in range(4):
            to_storage_path(f"cos://{BUCKET}/el/{i}.png", "tencentcloud_default").write_bytes(
                make_image(400, 500, "png", seed=i)
            )
        for action, quota in {} if shared_only else ACTIONS.items():
            for tasks in (1, 2, 4):
                for split in (False, True) if tasks > 1 else (False,):
                    one_case(action, tasks, int(quota * seconds), split, s3.url)
        shared_cases(seconds, s3.url)
    finally:
        s3.stop()


def shared_cases(seconds: int, s3_url: str, actions: dict[str, float] = ACTIONS) -> None:
    """The ``shared`` mode: 1, 2 and 4 tasks at the whole quota each, sharing a ``redis-server`` started here."""
    from airflow_provider_tencent.testing.redis_server import RedisServer, redis_server_path

    try:
        import redis  # noqa: F401
    except ImportError:
        redis_server = None
    else:
        redis_server = redis_server_path()
    if redis_server is None:
        report("shared Redis limiter", "not measured: redis-server or the redis client is missing", "-")
        return
    with RedisServer() as server:
        for action, quota in actions.items():
            for tasks in (1, 2, 4):
                one_case(action, tasks, int(quota * seconds), False, s3_url, server.url)


if __name__ == "__main__":
    sys.exit(main())
