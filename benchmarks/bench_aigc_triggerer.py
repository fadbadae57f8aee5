"""Benchmark: 100 concurrent deferred AIGC generation tasks held by one triggerer process.

``python benchmarks/bench_aigc_triggerer.py [--tasks 100] [--duration 6]``

1. The emulator runs in this process (its CPU is not counted as the triggerer's); tasks take
   ``--duration`` seconds (sub-second polls: 0.2 s growing 1.5x up to 1 s - the real defaults are 10 s to 60 s).
2. "Workers": each of the ``--tasks`` ``VodCreateAigcVideoOperator`` runs ``execute`` (validate, submit, store the
   TaskId) until it defers (``TaskDeferred``): the time each holds a worker slot is measured, and how many
   are still held while the tasks run (target: none).
3. "Triggerer": ONE child process imports Airflow and the provider (baseline CPU and RSS taken then), rebuilds
   every trigger from its serialised kwargs (as the triggerer does from the database) and runs all of them
   concurrently in one asyncio loop (as Airflow's ``TriggerRunner`` does), until every one fired its event.
   It reports its CPU seconds and its RSS growth, per task.

What it does not do: start Airflow's scheduler and ``airflow triggerer`` (the triggerer's own bookkeeping,
database reads and heartbeat are not counted). Results are printed as ratios, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CHILD = textwrap.dedent(
    """
    import asyncio, json, os, resource, sys, time

    def rss_kb():
        with open("/proc/self/status") as f:
            return {l.split(":")[0]: int(l.split()[1]) for l in f if l.startswith(("VmRSS", "VmHWM"))}

    import airflow.sdk  # noqa: F401
    from airflow_provider_tencent.triggers.vod import VodAigcTaskTrigger
    kwargs_list = json.load(sys.stdin)
    # warm up the imports a first poll needs (SDK, requests), so the baseline is the idle triggerer's
    from airflow_provider_tencent.hooks.vod import VodHook  # noqa: F401
    import tencentcloud.common.common_client  # noqa: F401
    base_rss = rss_kb()["VmRSS"]
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()

    async def one(kwargs):
        async for event in VodAigcTaskTrigger(**kwargs).run():
            return event.payload

    async def main():
        return await asyncio.gather(*(one(k) for k in kwargs_list))

    events = asyncio.run(main())
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    mem = rss_kb()
    print(json.dumps({
        "events": [e["status"] for e in events],
        "wall": wall,
        "cpu": (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime),
        "base_rss_kb": base_rss,
        "peak_rss_kb": mem["VmHWM"],
        "end_rss_kb": mem["VmRSS"],
    }))
    """
)


class _TI:
    def __init__(self, n: int) -> None:
        self.dag_id, self.run_id, self.task_id, self.map_index = "bench_aigc", "bench_run", "make_video", n

    def xcom_push(self, key: str, value: Any) -> None:
        pass


class _Store:
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any, *, retention: Any = None) -> None:
        self.data[key] = value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--duration", type=float, default=6.0, help="seconds each emulated task runs")
    args = parser.parse_args()

    os.environ.setdefault("AIRFLOW_HOME", str(Path("/tmp") / "bench-aigc-airflow"))
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        os.environ.pop(var, None)
    os.environ["NO_PROXY"] = "*"
    from airflow_provider_tencent.compat import TaskDeferred
    from airflow_provider_tencent.operators.vod import VodCreateAigcVideoOperator
    from airflow_provider_tencent.testing.emulator import Emulator
    from airflow_provider_tencent.testing.emulator_fixtures import connection_json

    with Emulator(qps_scale=100) as emulator:
        emulator.aigc_duration = args.duration
        emulator.aigc_concurrency = None  # the benchmark measures the triggerer, not the account limit
        os.environ["AIRFLOW_CONN_TENCENTCLOUD_DEFAULT"] = connection_json(emulator, read_timeout=10)
        triggers: list[dict[str, Any]] = []
        held: list[float] = []
        started_count = 0
        for n in range(args.tasks):
            op = VodCreateAigcVideoOperator(
                task_id="make_video",
                model_version="2.1",
                prompt="a mug on a table",
                deferrable=True,
                poll_interval=0.2,
                max_poll_interval=1.0,
                timeout=600,
            )
            started = time.perf_counter()
            started_count += 1
            try:
                op.execute({"ti": _TI(n), "task_state_store": _Store()})  # type: ignore[arg-type]
                raise SystemExit("the operator did not defer")
            except TaskDeferred as deferred:
                held.append(time.perf_counter() - started)
                triggers.append(deferred.trigger.serialize()[1])
        # executions begun but not returned: each would hold a worker slot while its remote task runs
        slots_while_waiting = started_count - len(held)
        with emulator._lock:
            running = sum(emulator.vod.progress(t)[0] != "FINISH" for t in emulator.vod.tasks.values())
        child = subprocess.run(
            [sys.executable, "-c", CHILD],
            input=json.dumps(triggers),
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            check=False,
        )
        if child.returncode != 0:
            raise SystemExit(child.stderr[-3000:])
        out = json.loads(child.stdout.strip().splitlines()[-1])
        tasks = emulator.aigc_tasks()
        polls = sum(t["polls"] for t in tasks)

    n = args.tasks
    ok = out["events"].count("success")
    rows = [
        ("tasks deferred / finished", f"{n} / {ok}", "all"),
        ("remote tasks created", f"{len(tasks)}", f"{n} (one each)"),
        ("worker slot held per task (submit until deferral)", f"{1000 * sum(held) / n:.1f} ms mean", "short"),
        (
            "worker slots held while the tasks ran",
            f"{slots_while_waiting} (when the last task deferred, {running} of {n} remote tasks were still running)",
            "0",
        ),
        ("triggerer wall time / task duration", f"{out['wall']:.2f} s / {args.duration:.1f} s", "close to 1x"),
        (
            "triggerer CPU per task (whole wait)",
            f"{1000 * out['cpu'] / n:.1f} ms ({out['cpu']:.2f} s for {n}, {polls} polls: "
            f"{1000 * out['cpu'] / max(polls, 1):.2f} ms/poll)",
            "",
        ),
        (
            "triggerer RSS growth per task",
            f"{(out['peak_rss_kb'] - out['base_rss_kb']) / n:.0f} KiB (base {out['base_rss_kb'] / 1024:.0f} MiB, "
            f"peak {out['peak_rss_kb'] / 1024:.0f} MiB)",
            "",
        ),
        ("benchmark process max RSS", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB", ""),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"{name:<{width}}  {value}" + (f"   (target: {target})" if target else ""))


if __name__ == "__main__":
    main()
