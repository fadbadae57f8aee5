"""A batch's checkpoint: an append-only journal of item states that survives the worker dying.

Records are JSON objects ``{"key": ..., "state": "sending" | "done", ...}``; the last record of a
key wins. Two stores:

* a local file (``/path/x.jsonl`` or ``file://...``): appended and fsynced at every flush - right
  for LocalExecutor and ``airflow dags test``, where a retry runs on the same machine;
* an object-storage folder (``cos://bucket/prefix/``, ``s3://...``): every flush writes one new
  part object, readable from any worker - right for Celery and Kubernetes executors.

``record(..., durable=True)`` blocks until the record is stored: a create whose repeat would
duplicate (VOD) journals its intent durably before it is sent.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from typing import Any


class Journal:
    def __init__(self, location: str, *, conn_id: str | None = None, flush_interval: float = 1.0) -> None:
        self.location = location
        self.conn_id = conn_id
        self.flush_interval = flush_interval
        self.remote = "://" in location and not location.startswith("file://")
        self._pending: list[str] = []
        self._lock = threading.Condition()
        self._flushed_seq = 0
        self._seq = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        self._local_path = location[len("file://") :] if location.startswith("file://") else location

    # -- reading ---------------------------------------------------------------------------
    def load(self) -> dict[str, dict[str, Any]]:
        """The last record of every key found in the journal (empty when there is none)."""
        state: dict[str, dict[str, Any]] = {}
        for line in self._read_lines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a torn last line from a killed worker
            if isinstance(record, dict) and "key" in record:
                state[f"{record['key']}"] = record
        return state

    def _read_lines(self) -> list[str]:
        if not self.remote:
            if not os.path.exists(self._local_path):
                return []
            with open(self._local_path, encoding="utf-8") as fh:
                return fh.read().splitlines()
        folder = self._folder()
        if not folder.exists():
            return []
        lines: list[str] = []
        for part in sorted(folder.iterdir(), key=lambda p: p.name):
            if part.name.endswith(".jsonl"):
                lines.extend(part.read_text().splitlines())
        return lines

    def _folder(self) -> Any:
        from airflow_provider_tencent.hooks.cos import to_storage_path

        return to_storage_path(self.location.rstrip("/") + "/", self.conn_id)

    # -- writing ---------------------------------------------------------------------------
    def start(self) -> Journal:
        if not self.remote:
            os.makedirs(os.path.dirname(os.path.abspath(self._local_path)), exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="checkpoint-journal", daemon=True)
        self._thread.start()
        return self

    def record(self, record: dict[str, Any], *, durable: bool = False) -> None:
        line = json.dumps(record, ensure_ascii=False, default=str)
        with self._lock:
            self._pending.append(line)
            self._seq += 1
            seq = self._seq
            if durable:
                self._lock.notify_all()
                while self._flushed_seq < seq and not self._closed:
                    self._lock.wait(timeout=1.0)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._pending and not self._closed:
                    self._lock.wait(timeout=self.flush_interval)
                closed = self._closed
            self.flush()
            if closed:
                return
            time.sleep(0.01)

    def flush(self) -> None:
        with self._lock:
            lines, self._pending = self._pending, []
            seq = self._seq
        if lines:
            self._write(lines)
        with self._lock:
            self._flushed_seq = max(self._flushed_seq, seq)
            self._lock.notify_all()

    def _write(self, lines: list[str]) -> None:
        text = "\n".join(lines) + "\n"
        if not self.remote:
            with open(self._local_path, "a", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            return
        part = self._folder() / f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.jsonl"
        part.write_text(text)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.flush()
