"""Run DAGs for real with ``airflow dags test`` on SQLite, and read back what they stored.

Used by the demo and by the end-to-end tests: each run is a separate ``airflow`` process with
its own ``AIRFLOW_HOME`` (SQLite metadata database, migrated once), the DAG folder of choice and
the connection given as an ``AIRFLOW_CONN_*`` environment variable. XCom values and run states
are read straight from the SQLite database afterwards.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The signature of a presigned URL (S3/COS ``X-Amz-Signature``, COS XML ``q-signature``, TC3 ``Signature``).
PRESIGNED_SIGNATURE = re.compile(r"(X-Amz-Signature|q-signature|Signature)=[0-9a-fA-F]{16,}")


def find_leaks(texts: dict[str, str], secrets: list[str]) -> list[str]:
    """Where any of ``secrets`` or a presigned-URL signature appears in ``texts`` (``{where: text}``).

    The answers name the place and only the first four characters of a secret.
    """
    found: list[str] = []
    for where, text in texts.items():
        found += [f"{secret[:4]}... in {where}" for secret in secrets if secret and secret in text]
        if match := PRESIGNED_SIGNATURE.search(text):
            found.append(f"a presigned-URL {match.group(1)} in {where}")
    return found


@dataclass
class DagRunResult:
    dag_id: str
    returncode: int
    output: str
    state: str | None
    run_id: str | None
    task_states: dict[str, str] = field(default_factory=dict)


class AirflowEnv:
    """An ``AIRFLOW_HOME`` with a migrated SQLite database and the environment to run DAGs in it."""

    def __init__(self, home: Path, *, dags_folder: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.home = Path(home).resolve()
        self.dags_folder = Path(dags_folder or REPO_ROOT / "dags").resolve()
        self.extra_env = dict(env or {})
        self.home.mkdir(parents=True, exist_ok=True)

    @property
    def db_path(self) -> Path:
        return self.home / "airflow.db"

    def environ(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.db_path}",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                "NO_PROXY": "*",
                "no_proxy": "*",
            }
        )
        env.update(self.extra_env)
        return env

    def airflow(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        cmd = [str(Path(sys.executable).with_name("airflow")), *args]
        return subprocess.run(
            cmd, env=self.environ(), capture_output=True, text=True, timeout=timeout, cwd=str(self.home), check=False
        )

    def migrate(self) -> None:
        stamp = self.home / ".migrated"
        if stamp.exists() and self.db_path.exists():
            return
        proc = self.airflow("db", "migrate", timeout=600)
        if proc.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        stamp.touch()

    def dags_test(
        self, dag_id: str, logical_date: str | None = None, conf: dict[str, Any] | None = None, timeout: float = 600
    ) -> DagRunResult:
        self.migrate()
        args = ["dags", "test", dag_id]
        if logical_date:
            args.append(logical_date)
        if conf:
            args += ["-c", json.dumps(conf)]
        proc = self.airflow(*args, timeout=timeout)
        # the run just made (re-running a logical date replaces its run with a new row): the newest row
        latest = self._query("SELECT run_id FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", dag_id)
        run_id = latest[0][0] if latest else None
        state = self.run_state(dag_id, run_id) if run_id else None
        tasks = self.task_states(dag_id, run_id) if run_id else {}
        return DagRunResult(dag_id, proc.returncode, proc.stdout + proc.stderr, state, run_id, tasks)

    # -- reading the metadata database ----------------------------------------------------------
    def _query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if not self.db_path.exists():
            return []
        with sqlite3.connect(self.db_path) as db:
            return list(db.execute(sql, params))

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        rows = self._query("SELECT state FROM dag_run WHERE dag_id = ? AND run_id = ?", dag_id, run_id)
        return rows[0][0] if rows else None

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        rows = self._query(
            "SELECT task_id, map_index, state FROM task_instance WHERE dag_id = ? AND run_id = ?", dag_id, run_id
        )
        return {(t if m < 0 else f"{t}[{m}]"): s for t, m, s in rows}

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> dict[int, Any]:
        """XCom values of a task by map index (-1 for an unmapped task)."""
        rows = self._query(
            "SELECT map_index, value FROM xcom WHERE dag_id = ? AND run_id = ? AND task_id = ? AND key = ?",
            dag_id,
            run_id,
            task_id,
            key,
        )
        out: dict[int, Any] = {}
        for map_index, value in rows:
            if isinstance(value, bytes):
                value = value.decode("utf-8")
            out[map_index] = json.loads(value) if isinstance(value, str) else value
        return out

    def run_texts(self, run: DagRunResult) -> dict[str, str]:
        """Everything a run left that a person or another task can read: ``{where: text}``.

        The ``dags test`` output, every log file under ``AIRFLOW_HOME``, the run's XComs and its
        rendered templates.
        """
        texts = {"dags test output": run.output}
        for log in sorted(self.home.rglob("*.log")):
            texts[f"log {log.relative_to(self.home)}"] = log.read_text(errors="replace")
        for task_id, key, value in self._query("SELECT task_id, key, value FROM xcom WHERE run_id = ?", run.run_id):
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else f"{value}"
            texts[f"xcom {task_id}/{key}"] = text
        for n, fields in enumerate(self.rendered_fields(run.dag_id, run.run_id or "")):
            texts[f"rendered templates {n}"] = fields
        return texts

    def rendered_fields(self, dag_id: str, run_id: str) -> list[str]:
        rows = self._query(
            "SELECT rendered_fields FROM rendered_task_instance_fields WHERE dag_id = ? AND run_id = ?", dag_id, run_id
        )
        return [r[0] if isinstance(r[0], str) else json.dumps(r[0]) for r in rows]
