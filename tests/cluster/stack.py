"""A single-machine Airflow cluster with the CeleryExecutor, for ``make cluster`` (``ci/cluster/run.sh``).

PostgreSQL (Debian's binaries, a throw-away data directory, run as the ``postgres`` user when this runs as
root) and Redis on 127.0.0.1 and free ports; the Tencent Cloud API emulator and moto's S3 server in threads
of this process (so the checks read their state directly); Airflow's api-server, scheduler, dag-processor,
two Celery workers (``worker-a``, ``worker-b``) and two triggerers (``triggerer-a``, ``triggerer-b``), each
in its own process group. Every process is stopped (by its group id) when the ``ExitStack`` closes, and
:attr:`ClusterStack.pids` lists every PID started, for the final "none alive" check.

Each Airflow process reports its own name as its host name (``[core] hostname_callable`` is
:func:`cluster_hostname.node_name`), so task instances and triggerer jobs say which worker or triggerer ran them.
The stack reuses the UI check's process and REST helpers (``tests/ui/ui_check.py``), changing none of them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "ui"))
sys.path.insert(0, str(REPO))

import ui_check  # noqa: E402 - after the path set-up above
from ui_check import Process, free_port, log  # noqa: E402

ARTIFACTS = REPO / ".artifacts" / "cluster"
WORKERS = ("worker-a", "worker-b")
TRIGGERERS = ("triggerer-a", "triggerer-b")
#: Seconds without a heartbeat before the scheduler fails a task whose worker died: longer than the batch
#: checkpoint's lease (60 s), so the retry finds the dead worker's lease expired and takes it over.
HEARTBEAT_TIMEOUT = 65
TRIGGERER_HEALTH_THRESHOLD = 8


def pg_bindir() -> Path:
    """The newest installed PostgreSQL's ``bin`` directory (Debian: ``/usr/lib/postgresql/<version>/bin``)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parts[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (ci/cluster/run.sh installs Debian's postgresql)")
    return Path(found[-1]).parent


class ClusterStack(ui_check.Stack):
    """Emulator, local S3, PostgreSQL, Redis and a CeleryExecutor Airflow on loopback.

    :param stack: closes (stops) everything this stack started, last started first.
    :param dags_folder: the DAG folder every Airflow process reads.
    """

    def __init__(self, stack: contextlib.ExitStack, dags_folder: Path) -> None:
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.dags_folder = dags_folder
        self.pids: dict[str, int] = {}
        super().__init__(stack)

    def airflow_env(self) -> dict[str, str]:
        env = super().airflow_env()
        db = f"postgresql+psycopg2://airflow@127.0.0.1:{self.pg_port}/airflow"
        env.update(
            {
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__PARALLELISM": "8",
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": "cluster_hostname.node_name",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db,
                "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql+psycopg2://airflow@127.0.0.1:{self.pg_port}/airflow",
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
                "AIRFLOW__CELERY__SYNC_PARALLELISM": "1",
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
                "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
                "AIRFLOW__TRIGGERER__TRIGGERER_HEALTH_CHECK_THRESHOLD": str(TRIGGERER_HEALTH_THRESHOLD),
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH", "")])),
                "CLUSTER_NODE": "orchestrator",
                "TENCENT_AIGC_POLL_SECONDS": "1",
            }
        )
        return env

    # -- processes ------------------------------------------------------------------------------
    def spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> Process:
        """Start ``cmd`` in its own process group, stopped when the stack closes; remembered in :attr:`pids`."""
        process_env = dict(env or self.env, CLUSTER_NODE=name)
        process = Process(name, cmd, process_env, self.home, self.home / f"{name}.log")
        self.processes[name] = process
        self.pids[name] = process.proc.pid
        self.exit.callback(self._stop_process, process)
        log(f"started {name} (pid {process.proc.pid})")
        return process

    def _stop_process(self, process: Process) -> None:
        ui_check.ARTIFACTS = ARTIFACTS
        super()._stop_process(process)

    def start_database(self) -> None:
        """PostgreSQL (trust auth, loopback only, data in a temporary directory) and an ``airflow`` database."""
        bindir = pg_bindir()
        data = Path(tempfile.mkdtemp(prefix="cluster-pg-"))
        self.exit.callback(shutil.rmtree, data, True)
        as_user: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            user = pwd.getpwnam("postgres")
            os.chown(data, user.pw_uid, user.pw_gid)
            as_user = ["runuser", "-u", "postgres", "--"]
        initdb = subprocess.run(
            [*as_user, str(bindir / "initdb"), "-D", str(data / "db"), "-U", "airflow", "-A", "trust", "-E", "UTF8"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{initdb.stdout[-2000:]}\n{initdb.stderr[-2000:]}")
        cmd = [*as_user, str(bindir / "postgres"), "-D", str(data / "db"), "-h", "127.0.0.1"]
        cmd += ["-p", str(self.pg_port), "-k", str(data), "-c", "max_connections=200", "-c", "fsync=off"]
        self.spawn("postgres", cmd)
        self.wait_for("PostgreSQL", self._create_database, 60, ("postgres",))
        redis = [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.redis_port),
            "--save",
            "",
            "--dir",
            str(data),
        ]
        self.spawn("redis", [*redis, "--appendonly", "no", "--protected-mode", "yes"])
        self.wait_for("Redis", self._redis_ping, 30, ("redis",))

    def _create_database(self) -> bool:
        import psycopg2

        try:
            connection = psycopg2.connect(host="127.0.0.1", port=self.pg_port, user="airflow", dbname="postgres")
        except psycopg2.OperationalError:
            return False
        connection.autocommit = True  # CREATE DATABASE runs outside a transaction
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = 'airflow'")
                if not cursor.fetchone():
                    cursor.execute("CREATE DATABASE airflow")
        finally:
            connection.close()
        return True

    def _redis_ping(self) -> bool:
        import redis

        return bool(redis.Redis(host="127.0.0.1", port=self.redis_port, socket_timeout=2).ping())

    def start_airflow(self) -> None:
        log(f"AIRFLOW_HOME {self.home}: airflow db migrate (PostgreSQL)")
        proc = self.airflow("db", "migrate")
        if proc.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        airflow = str(ui_check.BIN / "airflow")
        self.spawn("api-server", [airflow, "api-server", "--host", "127.0.0.1", "--port", str(self.port)])
        self.spawn("scheduler", [airflow, "scheduler"])
        self.spawn("dag-processor", [airflow, "dag-processor"])
        for name in WORKERS:
            self.start_worker(name)
        for name in TRIGGERERS:
            self.start_triggerer(name)

    def start_worker(self, name: str) -> Process:
        cmd = [str(ui_check.BIN / "airflow"), "celery", "worker", "-H", f"{name}@%h", "-c", "2", "--skip-serve-logs"]
        return self.spawn(name, [*cmd, "--without-gossip", "--without-mingle"])

    def start_triggerer(self, name: str) -> Process:
        return self.spawn(name, [str(ui_check.BIN / "airflow"), "triggerer", "--skip-serve-logs"])

    def kill(self, name: str) -> list[int]:
        """SIGKILL the process group of ``name`` and every descendant (Celery's pool, the task supervisors and
        tasks); wait until none is alive. Returns the PIDs killed."""
        import psutil

        process = self.processes.pop(name)
        root = psutil.Process(process.proc.pid)
        victims = [root, *root.children(recursive=True)]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.proc.pid, signal.SIGKILL)
        for victim in victims:
            with contextlib.suppress(psutil.NoSuchProcess):
                victim.kill()
        _gone, alive = psutil.wait_procs(victims, timeout=10)
        if alive:
            raise RuntimeError(f"{name}: still alive after SIGKILL: {[p.pid for p in alive]}")
        process.proc.wait(timeout=5)
        return [p.pid for p in victims]

    def alive_pids(self) -> list[int]:
        """The PIDs this stack started (and their process groups) that still exist."""
        alive = []
        for pid in self.pids.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, 0)
                alive.append(pid)
        return alive


def wait(what: str, probe: object, timeout: float, every: float = 1.0) -> object:
    """Poll ``probe()`` until it returns a true value (returned), for at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = probe()  # type: ignore[operator]
        if last:
            return last
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")
