"""One run at a time for a change that must not run twice at once (a gallery sync), across workers.

:func:`exclusive` holds the checkpoint journal's lease (:class:`~airflow_provider_tencent.batch.checkpoint.Journal`)
next to a manifest for as long as the change runs: a ``flock`` beside a local manifest, a ``lease.json`` taken
with conditional writes beside a ``cos://``/``s3://`` one. A second run started meanwhile - on another worker,
from another DAG - is refused before it reads anything, with an error naming the holder; a worker killed while
holding it frees it when the kernel drops the lock (local) or when the lease expires (object storage, 60 s).

A store that ignores conditional writes (COS, as far as its documents say) cannot give such a lease: the change
then runs without one, with a warning saying so (run one sync per manifest: ``max_active_runs=1``, or an
Airflow pool of one slot).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from airflow_provider_tencent.batch.checkpoint import Journal
from airflow_provider_tencent.exceptions import TencentCloudCheckpointError

__all__ = ["exclusive", "lease_location"]


def lease_location(manifest_path: str) -> str:
    """Where the lease of ``manifest_path`` lives: a ``<manifest>.lease/`` folder on object storage, a
    ``<manifest>.lease.jsonl`` file (and its ``.lock``) beside a local manifest."""
    remote = "://" in manifest_path and not manifest_path.startswith("file://")
    return f"{manifest_path}.lease/" if remote else f"{manifest_path}.lease.jsonl"


@contextlib.contextmanager
def exclusive(manifest_path: str, conn_id: str | None, what: str, log: Any) -> Iterator[bool]:
    """Hold the lease of ``manifest_path`` while the block runs; yields whether a lease is held.

    :param manifest_path: the manifest of the change (the lease lives beside it).
    :param conn_id: the connection for object storage.
    :param what: the change, for messages (``"gallery sync"``).
    :param log: where the no-lease warning goes.
    :raises TencentCloudCheckpointError: another run holds the lease (nothing was done), or the lease cannot be
        written.
    """
    journal = Journal(lease_location(manifest_path), conn_id=conn_id)
    if journal.remote and not _conditional_writes(journal):
        log.warning(
            "%s %s: the store ignores conditional writes, so no lease keeps a second run out; run one at a time "
            "(max_active_runs=1 or a pool of one slot)",
            what,
            manifest_path,
        )
        yield False
        return
    try:
        journal.start()
    except TencentCloudCheckpointError as exc:
        raise TencentCloudCheckpointError(
            f"{what} {manifest_path}: another run holds it, or its lease cannot be taken; this run changed "
            f"nothing. {exc}"
        ) from None
    try:
        yield True
    finally:
        journal.close()


def _conditional_writes(journal: Journal) -> bool:
    from airflow_provider_tencent.fs import conditional

    try:
        conditional.check_support(journal._folder())
    except RuntimeError:
        return False
    return True
