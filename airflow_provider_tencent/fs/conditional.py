"""Conditional writes on object storage: the store decides who wins, never the writers' clocks.

Used by the batch checkpoint's lease (:mod:`airflow_provider_tencent.batch.checkpoint`). Every
operation goes through the ``s3fs`` filesystem of the path (``s3://`` and ``cos://`` alike) with
the standard S3 conditional headers:

* :func:`put_if_absent` - ``PutObject`` with ``If-None-Match: *``: refused when the key exists;
* :func:`put_if_match` - ``PutObject`` with ``If-Match: <ETag>``: refused when the object changed
  (or is gone) since that ETag was read;
* :func:`delete_if_match` - ``DeleteObject`` with ``If-Match: <ETag>``;
* :func:`read` - the object with its ETag and its age **on the store's clock** (the response's
  ``Date`` minus its ``Last-Modified``, both written by the store), so that a reader can tell how
  long ago an object was last written without comparing its own clock with anybody's.

A refused condition raises :class:`ConditionFailed` (HTTP 412 ``PreconditionFailed``, or 409 from a
store that answers a concurrent conditional write with a conflict). What is proven where: these
semantics are exercised against moto's S3 server (``PutObject`` honours ``If-None-Match: *`` and
``If-Match``, ``DeleteObject`` honours ``If-Match``); AWS S3 documents them. :func:`check_support`
proves them against the store actually used before anything relies on them, so a store that
ignores the headers is refused rather than trusted.
"""

from __future__ import annotations

import email.utils
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

#: HTTP statuses of a write whose condition did not hold.
CONDITION_STATUSES = (409, 412)
#: Error codes of a write whose condition did not hold (S3, COS).
CONDITION_CODES = ("PreconditionFailed", "ConditionalRequestConflict", "FileAlreadyExists", "ObjectAlreadyExists")


class ConditionFailed(Exception):
    """The store refused a conditional write: another writer got there first."""


@dataclass(frozen=True)
class Stored:
    """An object as read: its bytes, its ETag and its age on the store's clock (``None``: unknown)."""

    data: bytes
    etag: str
    age: float | None


def _where(path: Any) -> tuple[Any, str, str]:
    fs = path.fs
    bucket, key, _ = fs.split_path(path.path)
    return fs, bucket, key


def _condition_failed(exc: BaseException) -> bool:
    """Whether ``exc`` (an s3fs translation or a botocore ``ClientError``) is a refused condition."""
    for error in (exc, exc.__cause__, exc.__context__):
        response = getattr(error, "response", None)
        if not isinstance(response, dict):
            continue
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = response.get("Error", {}).get("Code")
        if status in CONDITION_STATUSES or code in CONDITION_CODES:
            return True
    return False


@contextmanager
def _conditional(path: Any, key: str, *, gone_fails: bool = False) -> Iterator[None]:
    """Translate a refused condition (and, with ``gone_fails``, a missing object) into ``ConditionFailed``;
    the filesystem's listing cache of ``path`` is dropped whatever happens."""
    try:
        yield
    except FileNotFoundError:
        if gone_fails:
            raise ConditionFailed(f"{key}: gone") from None
        raise
    except Exception as exc:
        if _condition_failed(exc):
            raise ConditionFailed(f"{key}: {exc}") from None
        raise
    finally:
        path.fs.invalidate_cache(path.path)


def _put(path: Any, data: bytes, **condition: str) -> str:
    fs, bucket, key = _where(path)
    with _conditional(path, key):
        response = fs.call_s3("put_object", Bucket=bucket, Key=key, Body=data, **condition)
    return f"{response.get('ETag', '')}"


def put_if_absent(path: Any, data: bytes) -> str:
    """Create the object at ``path``; its ETag.

    :raises ConditionFailed: an object exists at ``path``.
    """
    return _put(path, data, IfNoneMatch="*")


def put_if_match(path: Any, data: bytes, etag: str) -> str:
    """Replace the object at ``path`` if it still has ``etag``; the new ETag.

    :raises ConditionFailed: the object changed or is gone.
    """
    return _put(path, data, IfMatch=etag)


def delete_if_match(path: Any, etag: str) -> None:
    """Delete the object at ``path`` if it still has ``etag``.

    :raises ConditionFailed: the object changed or is gone.
    """
    fs, bucket, key = _where(path)
    with _conditional(path, key, gone_fails=True):
        fs.call_s3("delete_object", Bucket=bucket, Key=key, IfMatch=etag)


def _age(response: dict[str, Any]) -> float | None:
    """Seconds between the object's last write and this answer, both by the store's clock."""
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    modified, date = headers.get("last-modified"), headers.get("date")
    if not modified or not date:
        return None
    try:
        return (email.utils.parsedate_to_datetime(date) - email.utils.parsedate_to_datetime(modified)).total_seconds()
    except (TypeError, ValueError):
        return None


def read(path: Any) -> Stored | None:
    """The object at ``path`` with its ETag and age, or ``None`` when there is none."""
    from fsspec.asyn import sync

    fs, bucket, key = _where(path)

    async def get() -> Stored:
        response = await fs._call_s3("get_object", Bucket=bucket, Key=key)
        body = response["Body"]
        try:
            data = await body.read()
        finally:
            body.close()
        return Stored(bytes(data), f"{response.get('ETag', '')}", _age(response))

    try:
        stored: Stored = sync(fs.loop, get)
        return stored
    except FileNotFoundError:
        return None


def check_support(folder: Any) -> None:
    """Prove on a probe object under ``folder`` that the store honours both conditions, then remove it.

    :raises ConditionFailed: (never) - see below.
    :raises RuntimeError: the store accepted a write whose condition did not hold (it ignores
        ``If-None-Match`` or ``If-Match``): a lease on it would not exclude anybody.
    """
    probe = folder / f".probe-cond-{uuid.uuid4().hex}"
    etag = put_if_absent(probe, b"1")
    try:
        for name, write in (
            ("If-None-Match: *", lambda: put_if_absent(probe, b"2")),
            ("If-Match", lambda: put_if_match(probe, b"3", '"0123456789abcdef0123456789abcdef"')),
        ):
            try:
                write()
            except ConditionFailed:
                continue
            raise RuntimeError(f"the store ignores {name} on PutObject: conditional writes are not available")
    finally:
        try:
            delete_if_match(probe, etag)
        except ConditionFailed:
            probe.unlink(missing_ok=True)
