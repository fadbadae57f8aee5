"""The provider on a CeleryExecutor cluster (``make cluster``): the checks of issue 22, each printing its figures.

Run: ``.venv-cluster/bin/python tests/cluster/cluster_check.py`` (``ci/cluster/run.sh`` installs what it needs).
Starts :class:`stack.ClusterStack` (PostgreSQL, Redis, api-server, scheduler, dag-processor, two Celery workers,
two triggerers, the emulator and moto S3), then:

1. ``four-dags``: the four example DAGs succeed, their tasks run on both workers;
2. ``worker-killed``: a 200-picture ingest batch whose worker is SIGKILLed midway is retried on the other
   worker from its checkpoint on object storage: 0 lost, 0 duplicates, the unfinished items reported;
3. ``triggerer-lost``: a deferred AIGC video task survives the SIGKILL of the triggerer holding it: the other
   triggerer takes it over; one remote task, the video copied once;
4. ``concurrent-syncs``: two runs of ``tencent_gallery_sync`` started at once never overlap (the second waits),
   and two syncs of one gallery started at once on both workers (``cluster_sync_twin``) delete nothing twice.
5. ``shared-quota``: 2 and 4 CreateImage batch processes of one account, each at the whole quota, share it through
   the cluster's Redis (``[tencentcloud] shared_quota_redis_url``): >= 0.95 of the quota, <= 2 % throttled.

Afterwards every process it started must be gone. Last line: ``cluster: N passed, M failed``.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import checks_cluster
from stack import ARTIFACTS, REPO, ClusterStack
from ui_check import BUCKET, Checks, log


def dags_folder() -> Path:
    """A folder with links to the four example DAGs and the twin sync DAG."""
    folder = Path(tempfile.mkdtemp(prefix="cluster-dags-"))
    for source in [*sorted((REPO / "dags").glob("*.py")), Path(__file__).parent / "dags" / "cluster_sync_twin.py"]:
        (folder / source.name).symlink_to(source)
    return folder


def main() -> int:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a CI time-out still stops what was started
    checks = Checks()
    started = time.monotonic()
    folder = dags_folder()
    stack: ClusterStack | None = None
    try:
        with contextlib.ExitStack() as exit_stack:
            stack = ClusterStack(exit_stack, folder)
            stack.env["CLUSTER_EXAMPLE_DAGS"] = str(REPO / "dags")
            stack.start_services()
            # the example DAGs' gallery, as the stack's environment names it for them
            stack.emulator.create_group(stack.env.get("TENCENT_GALLERY_GROUP_ID", "airflow_demo_gallery"))
            from dev.demo import upload_samples

            upload_samples("tencentcloud_default", BUCKET, gallery=6, subjects=())
            stack.start_database()
            stack.start_airflow()
            stack.wait_ready()
            log(f"cluster ready after {time.monotonic() - started:.0f}s")
            checks_cluster.run_all(stack, checks)
            log("stopping everything")
    except Exception as exc:
        traceback.print_exc()
        checks.record("set-up", False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    finally:
        for link in folder.iterdir():
            link.unlink()
        folder.rmdir()
    if stack is not None:
        alive = stack.alive_pids()
        pids = ", ".join(f"{name} {pid}" for name, pid in stack.pids.items())
        checks.record("all-stopped", not alive, f"{len(stack.pids)} processes started ({pids}); alive: {alive}")
    log(f"took {time.monotonic() - started:.0f}s")
    print(f"cluster: {checks.passed} passed, {checks.failed} failed", flush=True)
    return 1 if checks.failed or not checks.passed else 0


if __name__ == "__main__":
    sys.exit(main())
