"""A batch's checkpoint: an append-only journal of item states that survives the worker dying.

Records are JSON objects ``{"key": ..., "state": ..., ...}``; the last record of a key wins.
States: ``sending`` (the request may be leaving: journalled durably right before the bytes go),
``done`` (created / exists / skipped), ``failed`` (provably not done: a re-run sends it again) and
``ambiguous`` (sent, no definite answer: it may exist). Two stores:

* a local file (``/path/x.jsonl`` or ``file://...``): appended and fsynced at every flush - right
  for LocalExecutor and ``airflow dags test``, where a retry runs on the same machine;
* an object-storage folder (``cos://bucket/prefix/``, ``s3://...``): every flush writes one new
  part object, readable from any worker - right for Celery and Kubernetes executors.

Guarantees:

* **writable or refused**: :meth:`Journal.start` writes and removes a probe before anything is
  sent; a write that fails later makes every following :meth:`Journal.record` raise
  :class:`~airflow_provider_tencent.exceptions.TencentCloudCheckpointError` at once, and a durable
  record never waits more than ``durable_timeout`` seconds - the batch stops, it never hangs;
* **no torn record hides another**: every append starts on a fresh line, and a line that is not
  a whole JSON record (a worker killed mid-write) is skipped when reading;
* **one writer**: the journal holds an exclusive lease for its lifetime - a ``fcntl`` lock on
  ``<file>.lock`` (released by the kernel when the process dies, ``kill -9`` included), or a
  ``lease.json`` object created conditionally (``If-None-Match: *``), checked by reading it back,
  and renewed every ``lease_ttl / 3`` seconds by a live worker. A second worker is refused while the
  lease is held; an expired lease (its worker died) is taken over.

Airflow 3.3's task state store (AIP-103) was considered and not used for this: it stores whole
values per task instance (no appends, no conditional create, no lease), and two tasks given one
``checkpoint_path`` - one of the cases this journal must refuse - do not share a scope there.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from typing import Any

from airflow_provider_tencent.exceptions import TencentCloudCheckpointError

#: Longest wait for a durable record to be stored.
DURABLE_TIMEOUT = 60.0
#: Seconds a remote lease stays valid without renewal.
LEASE_TTL = 60.0
LEASE_NAME = "lease.json"


class Journal:
    """The checkpoint of one batch (see the module notes).

    :param location: a file path, ``file://`` URI, or ``cos://``/``s3://`` folder.
    :param conn_id: the connection used for object storage.
    :param flush_interval: seconds between background flushes of non-durable records.
    :param durable_timeout: longest wait of ``record(..., durable=True)``.
    :param lease_ttl: validity of a remote lease (renewed every third of it).
    """

    def __init__(
        self,
        location: str,
        *,
        conn_id: str | None = None,
        flush_interval: float = 1.0,
        durable_timeout: float = DURABLE_TIMEOUT,
        lease_ttl: float = LEASE_TTL,
    ) -> None:
        self.location = location
        self.conn_id = conn_id
        self.flush_interval = flush_interval
        self.durable_timeout = durable_timeout
        self.lease_ttl = lease_ttl
        self.remote = "://" in location and not location.startswith("file://")
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self.torn_lines = 0
        self.error: TencentCloudCheckpointError | None = None
        self._pending: list[str] = []
        self._lock = threading.Condition()
        self._write_lock = threading.Lock()
        self._flushed_seq = 0
        self._seq = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        self._lease_thread: threading.Thread | None = None
        self._lock_fd: int | None = None
        self._local_path = location[len("file://") :] if location.startswith("file://") else location

    # -- reading ---------------------------------------------------------------------------
    def load(self) -> dict[str, dict[str, Any]]:
        """The last record of every key found in the journal (empty when there is none).

        A line that is not one whole JSON record (torn by a worker killed mid-write) is skipped
        and counted in ``torn_lines``; it never hides the records after it.
        """
        state: dict[str, dict[str, Any]] = {}
        torn = 0
        for line in self._read_lines():
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                torn += 1
                continue
            if isinstance(record, dict) and "key" in record:
                state[f"{record['key']}"] = record
            else:
                torn += 1
        self.torn_lines = torn
        return state

    def _read_lines(self) -> list[str]:
        try:
            if not self.remote:
                if not os.path.exists(self._local_path):
                    return []
                with open(self._local_path, encoding="utf-8", errors="replace") as fh:
                    return fh.read().splitlines()
            folder = self._folder()
            if not folder.exists():
                return []
            lines: list[str] = []
            for part in sorted(folder.iterdir(), key=lambda p: p.name):
                if part.name.endswith(".jsonl"):
                    lines.extend(part.read_text().splitlines())
            return lines
        except TencentCloudCheckpointError:
            raise
        except Exception as exc:
            raise TencentCloudCheckpointError(
                f"checkpoint {self.location} cannot be read: {type(exc).__name__}: {exc}"
            ) from None

    def _folder(self) -> Any:
        from airflow_provider_tencent.fs.storage import to_storage_path

        return to_storage_path(self.location.rstrip("/") + "/", self.conn_id)

    # -- lifetime --------------------------------------------------------------------------
    def start(self) -> Journal:
        """Take the lease, prove the location writable, start the background writer.

        :raises TencentCloudCheckpointError: another live worker holds the checkpoint, or it
            cannot be written. Nothing has been sent.
        """
        self._acquire_lease()
        try:
            self._probe()
        except BaseException:
            self._release_lease()
            raise
        self._thread = threading.Thread(target=self._run, name="checkpoint-journal", daemon=True)
        self._thread.start()
        return self

    def _probe(self) -> None:
        """Write and remove a probe next to the journal, and open the journal for appending."""
        try:
            if not self.remote:
                folder = os.path.dirname(os.path.abspath(self._local_path))
                os.makedirs(folder, exist_ok=True)
                probe = os.path.join(folder, f".probe-{uuid.uuid4().hex}")
                with open(probe, "wb") as fh:
                    fh.write(b"probe\n")
                    fh.flush()
                    os.fsync(fh.fileno())
                os.remove(probe)
                with open(self._local_path, "ab"):
                    pass
                return
            probe_path = self._folder() / f".probe-{uuid.uuid4().hex}"
            probe_path.write_text("probe\n")
            probe_path.unlink()
        except Exception as exc:
            raise TencentCloudCheckpointError(
                f"checkpoint {self.location} is not writable ({type(exc).__name__}: {exc}); nothing was sent. "
                "Give a writable checkpoint_path."
            ) from None

    def close(self) -> None:
        """Flush what is pending, stop the writer and release the lease (never raises for a write error:
        read ``error``)."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self.durable_timeout)
        if self.error is None:
            with contextlib.suppress(TencentCloudCheckpointError):
                self.flush()
        self._release_lease()

    # -- writing ---------------------------------------------------------------------------
    def record(self, record: dict[str, Any], *, durable: bool = False) -> None:
        """Append ``record``; with ``durable``, return only once it is stored.

        :raises TencentCloudCheckpointError: the journal cannot be written (now or earlier), or a
            durable record was not stored within ``durable_timeout`` seconds.
        """
        line = json.dumps(record, ensure_ascii=False, default=str)
        deadline = time.monotonic() + self.durable_timeout
        with self._lock:
            if self.error is not None:
                raise self.error
            self._pending.append(line)
            self._seq += 1
            seq = self._seq
            if not durable:
                return
            self._lock.notify_all()
            while self._flushed_seq < seq:
                if self.error is not None:
                    raise self.error
                writer_alive = self._thread is not None and self._thread.is_alive()
                if not writer_alive:
                    break  # no writer: store it from this thread, below
                left = deadline - time.monotonic()
                if left <= 0:
                    self.error = TencentCloudCheckpointError(
                        f"checkpoint {self.location}: a record was not stored within {self.durable_timeout:.0f} s"
                    )
                    raise self.error
                self._lock.wait(timeout=min(1.0, left))
            else:
                return
        self.flush()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._pending and not self._closed:
                    self._lock.wait(timeout=self.flush_interval)
                closed = self._closed
            try:
                self.flush()
            except TencentCloudCheckpointError:
                return  # ``error`` is set: every later record raises it
            if closed:
                return
            time.sleep(0.01)

    def flush(self) -> None:
        """Store every pending record.

        :raises TencentCloudCheckpointError: the write failed (also set as ``error``).
        """
        with self._write_lock:
            with self._lock:
                if self.error is not None:
                    raise self.error
                lines, self._pending = self._pending, []
                seq = self._seq
            if lines:
                try:
                    self._write(lines)
                except Exception as exc:
                    error = TencentCloudCheckpointError(
                        f"checkpoint {self.location} could not be written ({type(exc).__name__}: {exc}): "
                        "the batch stops"
                    )
                    with self._lock:
                        self.error = error
                        self._lock.notify_all()
                    raise error from None
            with self._lock:
                self._flushed_seq = max(self._flushed_seq, seq)
                self._lock.notify_all()

    def _write(self, lines: list[str]) -> None:
        text = "\n".join(lines) + "\n"
        if not self.remote:
            with open(self._local_path, "a+b") as fh:
                fh.seek(0, os.SEEK_END)
                if fh.tell() > 0:
                    fh.seek(-1, os.SEEK_END)
                    if fh.read(1) != b"\n":
                        text = "\n" + text  # a torn last line: start on a fresh one
                fh.seek(0, os.SEEK_END)
                fh.write(text.encode("utf-8"))
                fh.flush()
                os.fsync(fh.fileno())
            return
        part = self._folder() / f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.jsonl"
        part.write_text(text)

    # -- the lease -------------------------------------------------------------------------
    def _acquire_lease(self) -> None:
        if not self.remote:
            self._lock_local()
        else:
            self._lock_remote()

    def _release_lease(self) -> None:
        if self._lock_fd is not None:
            import fcntl

            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            finally:
                os.close(self._lock_fd)
                self._lock_fd = None
        if self.remote and self._lease_thread is not None:
            self._lease_stop.set()
            self._lease_thread.join(timeout=10)
            self._lease_thread = None
            try:
                current = self._read_lease()
                if current and current.get("owner") == self.owner:
                    self._lease_path().unlink()
            except Exception:
                pass

    def _busy(self, holder: dict[str, Any] | None) -> TencentCloudCheckpointError:
        who = (
            f"worker {holder.get('host')}:{holder.get('pid')} since {holder.get('since')}"
            if holder
            else "another worker"
        )
        return TencentCloudCheckpointError(
            f"checkpoint {self.location} is in use by {who}: refusing to start a second batch on it (two "
            "workers would both send everything). Wait for that one to finish or die, or give another "
            "checkpoint_path."
        )

    def _holder_info(self, expires_at: float | None = None) -> dict[str, Any]:
        info: dict[str, Any] = {
            "owner": self.owner,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        if expires_at is not None:
            info["expires_at"] = expires_at
        return info

    def _lock_local(self) -> None:
        import fcntl

        lock_path = os.path.abspath(self._local_path) + ".lock"
        try:
            os.makedirs(os.path.dirname(lock_path), exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise TencentCloudCheckpointError(
                f"checkpoint {self.location} is not writable ({type(exc).__name__}: {exc}); nothing was sent. "
                "Give a writable checkpoint_path."
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                holder = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "null")
            except ValueError:
                holder = None
            os.close(fd)
            raise self._busy(holder if isinstance(holder, dict) else None) from None
        try:
            data = json.dumps(self._holder_info()).encode("utf-8")
            os.ftruncate(fd, 0)
            os.pwrite(fd, data, 0)
        except OSError:
            pass  # the lock holds; the holder's description is informative only
        self._lock_fd = fd

    def _lease_path(self) -> Any:
        return self._folder() / LEASE_NAME

    def _read_lease(self) -> dict[str, Any] | None:
        path = self._lease_path()
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except ValueError:
            return {}  # unreadable: treated as expired
        return data if isinstance(data, dict) else {}

    def _write_lease(self, *, create: bool) -> None:
        path = self._lease_path()
        text = json.dumps(self._holder_info(time.time() + self.lease_ttl))
        if create:
            # conditional create: refused when the object exists (S3 If-None-Match: *)
            path.fs.pipe_file(path.path, text.encode("utf-8"), mode="create")
        else:
            path.write_text(text)

    def _lock_remote(self) -> None:
        try:
            current = self._read_lease()
            if current is not None and current.get("owner") != self.owner:
                if float(current.get("expires_at") or 0) > time.time():
                    raise self._busy(current)
                self._lease_path().unlink()  # expired: its worker died; take it over
            try:
                self._write_lease(create=True)
            except (FileExistsError, OSError) as exc:
                if isinstance(exc, FileExistsError) or "Precondition" in f"{exc}":
                    raise self._busy(self._read_lease()) from None
                raise
            time.sleep(0.2)  # a store without conditional writes: the last writer wins, read it back
            mine = self._read_lease()
            if not mine or mine.get("owner") != self.owner:
                raise self._busy(mine)
        except TencentCloudCheckpointError:
            raise
        except Exception as exc:
            raise TencentCloudCheckpointError(
                f"checkpoint {self.location}: the lease cannot be taken ({type(exc).__name__}: {exc}); nothing was sent"
            ) from None
        self._lease_stop = threading.Event()
        self._lease_thread = threading.Thread(target=self._renew, name="checkpoint-lease", daemon=True)
        self._lease_thread.start()

    def _renew(self) -> None:
        while not self._lease_stop.wait(self.lease_ttl / 3):
            try:
                current = self._read_lease()
                if not current or current.get("owner") != self.owner:
                    raise self._busy(current)
                self._write_lease(create=False)
            except Exception as exc:
                error = (
                    exc
                    if isinstance(exc, TencentCloudCheckpointError)
                    else TencentCloudCheckpointError(
                        f"checkpoint {self.location}: the lease could not be renewed ({type(exc).__name__}: {exc})"
                    )
                )
                with self._lock:
                    if self.error is None:
                        self.error = TencentCloudCheckpointError(f"{error}: the batch stops")
                    self._lock.notify_all()
                return
