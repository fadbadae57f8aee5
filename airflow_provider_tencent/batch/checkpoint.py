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
  ``lease.json`` object on object storage, described next. A second worker is refused while the
  lease is held; a released or expired lease is taken over.
* **no worker's clock decides anything** (object storage):

  - the lease is created with ``If-None-Match: *`` and every later write - renewal every
    ``lease_ttl / 3``, takeover, release - is ``If-Match`` the ETag last read or written, so of
    several workers racing (a worker stalled between reading the lease and acting on it included),
    the store lets exactly one write succeed; a renewal refused means the lease was taken over, and
    the batch stops. :func:`~airflow_provider_tencent.fs.conditional.check_support` proves on a
    probe object, before anything else, that the store honours both conditions, and the checkpoint
    is refused when it does not;
  - expiry is judged on the store's clock: the lease's age is the ``Date`` of the answer that read
    it minus its ``Last-Modified``, both from the store (whole seconds, so a lease counts as
    expired one second after its TTL); a store that gives no age is watched by the reader's own
    monotonic clock for longer than the TTL. Nobody compares a time another worker wrote with
    their own clock;
  - the holder trusts its lease for ``LEASE_VALIDITY`` (2/3) of the TTL after the start of its last
    successful write, by its own monotonic clock, and records no durable intent - so sends nothing -
    past that (a worker that stalled longer stops);
  - journal parts are named ``part-g<generation>-<counter>-<random>.jsonl``: the generation is taken
    with the lease (one more than the replaced lease's and than any part's), the counter is the
    holder's own; the journal is read in that order, never in the order of their writers' clocks.

  What is proven where: all of this runs in the tests against moto's S3 server (``PutObject``
  honours ``If-None-Match: *`` and ``If-Match``, ``DeleteObject`` ``If-Match``; the test server
  applies each write atomically, as S3 does). AWS S3 documents these conditional writes. COS is
  NOT proven: the COS PUT Object reference pages consulted list no ``If-Match``/``If-None-Match``
  request header for uploads (they say an existing key is overwritten), and a create-only header
  (``x-cos-forbid-overwrite``) would not give ``If-Match`` anyway. So on COS the start-up probe
  decides: an endpoint that ignores either condition makes the checkpoint refuse to start, naming
  the header - use a local checkpoint (one machine) there. A local checkpoint needs none of this:
  ``flock`` and appends in order are the kernel's.

Airflow 3.3's task state store (AIP-103) was considered and not used for this: it stores whole
values per task instance (no appends, no conditional create, no lease), and two tasks given one
``checkpoint_path`` - one of the cases this journal must refuse - do not share a scope there.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import threading
import time
import uuid
from typing import Any

from airflow_provider_tencent.exceptions import TencentCloudCheckpointError
from airflow_provider_tencent.fs import conditional
from airflow_provider_tencent.fs.conditional import ConditionFailed, Stored

#: Longest wait for a durable record to be stored.
DURABLE_TIMEOUT = 60.0
#: Seconds a remote lease stays valid without renewal.
LEASE_TTL = 60.0
LEASE_NAME = "lease.json"
#: Fraction of the TTL, after the start of its last successful write, during which a holder trusts its
#: own lease (by its monotonic clock); another worker may take it over only after a whole TTL.
LEASE_VALIDITY = 2 / 3


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
        self._lease_etag: str | None = None
        self._lease_valid_until = 0.0
        self._generation = 0
        self._parts_written = 0
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
            for part in _journal_parts(folder):
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

    def remove(self) -> None:
        """Delete the checkpoint, once its batch has nothing left to retry; call it after :meth:`close`.

        The lease is taken again first, so a checkpoint another worker holds is never removed. A local
        journal goes with its ``.lock`` file; on object storage the journal's parts go, then the lease.

        :raises TencentCloudCheckpointError: another worker holds it, or it cannot be reached.
        :raises Exception: a delete the store refused (what was not deleted stays where it was).
        """
        self._acquire_lease()
        try:
            if not self.remote:
                for path in (self._local_path, os.path.abspath(self._local_path) + ".lock"):
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(path)
                return
            for part in list(self._folder().iterdir()):
                if _PART.match(part.name):
                    part.unlink()
            self._drop_lease()
        finally:
            self._release_lease()

    def _drop_lease(self) -> None:
        """Stop renewing the remote lease and delete it (``If-Match`` its ETag)."""
        if self._lease_thread is not None:
            self._lease_stop.set()
            self._lease_thread.join(timeout=10)
            self._lease_thread = None
        conditional.delete_if_match(self._lease_path(), self._lease_etag or "")
        self._lease_etag = None

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
            if durable:
                self._check_lease()
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
        # ordered by the lease's generation and this holder's own counter (``_write_lock`` held), never by
        # a clock: a part written on a node whose clock is ahead does not hide later ones
        self._parts_written += 1
        name = f"part-g{self._generation:010d}-{self._parts_written:012d}-{uuid.uuid4().hex[:8]}.jsonl"
        (self._folder() / name).write_text(text)

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
            released = self._lease_bytes(released=True)
            with contextlib.suppress(Exception):  # taken over, or the store fails: it expires anyway
                conditional.put_if_match(self._lease_path(), released, self._lease_etag or "")
            self._lease_etag = None

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

    def _holder_info(self) -> dict[str, Any]:
        """Who holds the lease, for messages (``since`` is this worker's clock: informative only)."""
        return {
            "owner": self.owner,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }

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

    def _read_lease(self) -> Stored | None:
        """The lease object as stored (bytes, ETag, age on the store's clock), or ``None``."""
        return conditional.read(self._lease_path())

    def _lease_bytes(self, beat: int = 0, *, released: bool = False) -> bytes:
        """This holder's lease: unique at every write (``beat``), so that each write has a new ETag."""
        info = self._holder_info()
        info.update(generation=self._generation, beat=beat, ttl=self.lease_ttl, released=released)
        return json.dumps(info).encode("utf-8")

    def _lock_remote(self) -> None:
        """Take the lease with conditional writes, then keep it renewed (see the module notes)."""
        try:
            conditional.check_support(self._folder())
            self._take_lease()
        except TencentCloudCheckpointError:
            raise
        except Exception as exc:
            raise TencentCloudCheckpointError(
                f"checkpoint {self.location}: the lease cannot be taken ({type(exc).__name__}: {exc}); nothing was sent"
            ) from None
        self._lease_stop = threading.Event()
        self._lease_thread = threading.Thread(target=self._renew, name="checkpoint-lease", daemon=True)
        self._lease_thread.start()

    def _take_lease(self) -> None:
        """Create the lease (``If-None-Match: *``) or replace a released or expired one (``If-Match`` its
        ETag as read): of several workers trying at once, the store lets exactly one write succeed.

        :raises TencentCloudCheckpointError: a live worker holds it.
        """
        for _ in range(3):
            started = time.monotonic()
            current = self._read_lease()
            holder = _parse_lease(current)
            try:
                if current is None:
                    self._generation = self._last_generation() + 1
                    self._lease_etag = conditional.put_if_absent(self._lease_path(), self._lease_bytes())
                elif holder.get("owner") == self.owner:  # our own write, whose answer was lost
                    self._lease_etag = current.etag
                elif holder.get("released") or self._expired(current, holder):
                    generation = max(_int(holder.get("generation")), self._last_generation())
                    self._generation = generation + 1
                    self._lease_etag = conditional.put_if_match(self._lease_path(), self._lease_bytes(), current.etag)
                else:
                    raise self._busy(holder)
            except ConditionFailed:
                continue  # another worker wrote it between our read and our write: look again
            self._lease_valid_until = started + self.lease_ttl * LEASE_VALIDITY
            return
        raise self._busy(_parse_lease(self._read_lease()))

    def _expired(self, current: Stored, holder: dict[str, Any]) -> bool:
        """Whether the lease was left unrenewed for longer than its holder's TTL.

        Judged on the store's clock (the age of the object by its ``Last-Modified`` and the answer's
        ``Date``; both are whole seconds, hence the extra second), never by comparing a time written
        by another worker with this worker's clock. A store that gives no age: this worker watches the
        ETag, on its own monotonic clock, for longer than the TTL.
        """
        ttl = float(holder.get("ttl") or self.lease_ttl)
        if current.age is not None:
            return current.age >= ttl + 1.0
        deadline = time.monotonic() + ttl + 1.0
        while time.monotonic() < deadline:
            time.sleep(min(1.0, ttl / 4))
            again = self._read_lease()
            if again is None or again.etag != current.etag:
                return False  # renewed (or released): alive
        return True

    def _last_generation(self) -> int:
        """The highest generation among the journal's parts (0 when none has one)."""
        folder = self._folder()
        if not folder.exists():
            return 0
        return max((_part_order(p.name)[0] for p in _journal_parts(folder)), default=0)

    def _renew(self) -> None:
        """Rewrite the lease every ``lease_ttl / 3`` (``If-Match`` the last ETag); a refused write means
        another worker took the lease over: the batch stops. A failing store is retried until the lease
        lapses."""
        beat, wait = 0, self.lease_ttl / 3
        while not self._lease_stop.wait(wait):
            beat += 1
            started = time.monotonic()
            try:
                lease = self._lease_bytes(beat)
                self._lease_etag = conditional.put_if_match(self._lease_path(), lease, self._lease_etag or "")
            except ConditionFailed:
                return self._lease_lost(self._busy(_parse_lease(self._read_lease())))
            except Exception as exc:
                if time.monotonic() < self._lease_valid_until:
                    wait = self.lease_ttl / 12
                    continue
                return self._lease_lost(
                    TencentCloudCheckpointError(
                        f"checkpoint {self.location}: the lease could not be renewed ({type(exc).__name__}: {exc})"
                    )
                )
            self._lease_valid_until = started + self.lease_ttl * LEASE_VALIDITY
            wait = self.lease_ttl / 3

    def _lease_lost(self, error: TencentCloudCheckpointError) -> None:
        with self._lock:
            if self.error is None:
                self.error = TencentCloudCheckpointError(f"{error}: the batch stops")
            self._lock.notify_all()

    def _check_lease(self) -> None:
        """Raise (and stop the batch) when this worker's lease may have lapsed: past ``LEASE_VALIDITY`` of
        the TTL since the start of its last successful write, by this worker's monotonic clock.
        Another worker can take it over only after a whole TTL since that write reached the store."""
        if self.remote and self._lease_etag is not None and time.monotonic() > self._lease_valid_until:
            self._lease_lost(
                TencentCloudCheckpointError(
                    f"checkpoint {self.location}: the lease was not renewed in time (the worker stalled, or "
                    "the store did not answer); nothing more is sent"
                )
            )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _parse_lease(stored: Stored | None) -> dict[str, Any]:
    """The lease's fields (empty when absent or unreadable: then it carries no generation and no TTL)."""
    if stored is None:
        return {}
    try:
        data = json.loads(stored.data.decode("utf-8"))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


_PART = re.compile(r"^part-g(?P<generation>\d+)-(?P<seq>\d+)-[0-9a-f]+\.jsonl$")


def _part_order(name: str) -> tuple[int, int]:
    """Where part ``name`` (a name :data:`_PART` matches) goes in the journal: by lease generation, then by its
    writer's counter - never by a clock."""
    match = _PART.fullmatch(name)
    if match is None:
        raise ValueError(f"not a journal part: {name!r}")
    return (int(match["generation"]), int(match["seq"]))


def _journal_parts(folder: Any) -> list[Any]:
    """The journal's parts in ``folder``, in journal order; other files (the lease, anything else) are not parts."""
    return sorted((p for p in folder.iterdir() if _PART.fullmatch(p.name)), key=lambda p: _part_order(p.name))
